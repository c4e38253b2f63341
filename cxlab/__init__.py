"""cxlab: customer-experience metrics, segments and experiments with honest intervals.

The public API, by module (each module's ``__all__`` lists the rest):

========================  ==============================================================
``cxlab.scores``          every metric with its interval, overall or per group
``cxlab.segment_scores``  several breakdowns from one pass over the rows
``cxlab.nps/csat/ces``    one metric per group
``cxlab.metrics``         ``Estimate``, ``Metric``, ``METRICS``, ``*_from_counts``
``cxlab.aggregate``       ``Histogram``, ``Moments``, ``NPSCounts``, ``cube``, ``cube_sql``
``cxlab.data``            ``load_responses``, ``load_tickets``, ``load_customers``,
                          ``load_assignments``, ``ExclusionReport``
``cxlab.trends``          scores per period, period-over-period changes
``cxlab.segments``        breakdowns with tests, league tables, raking, follow-up list
``cxlab.alerts``          control charts of touchpoints
``cxlab.drivers``         key drivers of satisfaction
``cxlab.experiments``     A/B comparisons, SRM, CUPED, power, sequential monitoring
``cxlab.beforeafter``     difference-in-differences, event study, ITS
``cxlab.text``            personal-data masking, tokenising, keywords, topics, sentiment
``cxlab.sentiment``       the offline sentiment models (Chinese and English) and their rebuild
``cxlab.plots``           the standard charts
``cxlab.params``, ``cxlab.runner``, ``cxlab.schedule``, ``cxlab.outputs``, ``cxlab.pages``
                          parameters, report runs, schedules, run folders, voila pages
``cxlab.sample``          seeded sample data with planted effects
========================  ==============================================================

Submodules and names load on first use (PEP 562), so a voila page kernel that needs only
``cxlab.pages`` does not pay for scipy, statsmodels and matplotlib.
"""

from __future__ import annotations

import importlib

from .errors import CxlabError, DataValidationError, MissingDependencyError, ParameterError, ReportError

__version__ = "0.1.0"

#: public submodule name -> the module under ``cxlab`` that holds it (kept when a module moves)
_SUBMODULES = {
    "aggregate": "aggregate",
    "alerts": "alerts",
    "beforeafter": "beforeafter",
    "data": "data",
    "drivers": "drivers",
    "experiments": "experiments",
    "metrics": "metrics",
    "outputs": "reports.outputs",
    "pages": "reports.pages",
    "params": "reports.params",
    "plots": "plots",
    "power": "power",
    "runner": "reports.runner",
    "sample": "sample",
    "schedule": "reports.schedule",
    "segments": "segments",
    "sentiment": "sentiment",
    "sequential": "sequential",
    "tables": "tables",
    "text": "text",
    "trends": "trends",
}

#: name -> the module that defines it
_NAMES = {
    "scores": "metrics", "segment_scores": "metrics", "nps": "metrics", "csat": "metrics", "ces": "metrics",
    "Estimate": "metrics", "Metric": "metrics", "METRICS": "metrics", "nps_from_counts": "metrics",
    "proportion_from_counts": "metrics", "mean_from_moments": "metrics", "quantile_from_values": "metrics",
    "load_responses": "data", "load_tickets": "data", "load_customers": "data", "load_assignments": "data",
    "ExclusionReport": "data",
}

__all__ = [*_SUBMODULES, *_NAMES, "CxlabError", "DataValidationError", "ParameterError", "ReportError",
           "MissingDependencyError", "__version__"]


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f".{_SUBMODULES[name]}", __name__)
    if name in _NAMES:
        return getattr(importlib.import_module(f".{_NAMES[name]}", __name__), name)
    raise AttributeError(f"module 'cxlab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
