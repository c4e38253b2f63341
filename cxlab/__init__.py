"""cxlab: customer-experience metrics, segments and experiments with honest intervals.

The layers, each importing only from the ones above it (a test walks the imports):

==========================  ==========================================================
``cxlab.errors``,           the error classes; private checks and project paths shared
``_checks``, ``_paths``     by every layer
``cxlab.metric_defs``       the metric registry: ``Metric``, ``METRICS``, ``get_metric``
``cxlab.data``              schemas, sources (files, databases), loaders, periods, sample
``cxlab.stats``             rows -> sufficient statistics (``aggregate``, ``cube``,
                            ``cube_plan``, ``cube_sql``, ``cube_ibis``, ``engines``: in
                            pandas or inside any engine); the metric kinds (``kinds``) that
                            own each kind's arithmetic; ``estimates``, ``compare``,
                            ``ordinal``, ``multiplicity``, ``shrinkage``, ``power``,
                            ``sequential``. Never sees rows except to aggregate them.
analyses                    ``metrics`` (``scores``), ``segments``, ``league``,
                            ``followup``, ``weighting``, ``trends``, ``alerts``,
                            ``drivers``, ``experiments``, ``beforeafter``
``cxlab.loop``              the improvement loop: the change register, verification at
                            every run, status history, suggestions
``cxlab.text``              personal-data masking, tokens, keywords, sentiment
presentation                ``i18n`` (the zh / en translation table, with
                            ``translations``), ``readout`` (the experiment's wording),
                            ``memo`` (a report's opening memo), ``tables``, ``plots``
``cxlab.reports``           catalog, cron, inputs, params, outputs, blocks, views,
                            changes_view, static, pages, server, runner, schedule,
                            orchestrators, cli
==========================  ==========================================================

The public API: ``cxlab.scores``, ``cxlab.segment_scores``, ``cxlab.nps/csat/ces``,
``cxlab.load_responses`` (and the other loaders), ``cxlab.METRICS`` and the names below;
``from cxlab import segments, alerts, drivers, experiments, beforeafter, text`` reaches
each analysis (``segments`` re-exports the league table, follow-up list and weighting;
``experiments`` the comparisons, power and sequential monitoring). Submodules and names
load on first use (PEP 562), so a voila page kernel that needs only ``cxlab.pages`` does
not pay for scipy, statsmodels and matplotlib.
"""

from __future__ import annotations

import importlib

from .errors import CxlabError, DataValidationError, MissingDependencyError, ParameterError, ReportError

__version__ = "0.1.0"

#: public submodule name -> the module under ``cxlab`` that holds it (kept when a module moves)
_SUBMODULES = {
    "aggregate": "stats.aggregate",
    "alerts": "alerts",
    "beforeafter": "beforeafter",
    "data": "data",
    "drivers": "drivers",
    "engines": "stats.engines",
    "followup": "followup",
    "i18n": "i18n",
    "kinds": "stats.kinds",
    "league": "league",
    "loop": "loop",
    "memo": "memo",
    "experiments": "experiments",
    "metrics": "metrics",
    "outputs": "reports.outputs",
    "pages": "reports.pages",
    "params": "reports.params",
    "periods": "data.periods",
    "plots": "plots",
    "readout": "readout",
    "power": "stats.power",
    "reports": "reports",
    "runner": "reports.runner",
    "sample": "data.sample",
    "schedule": "reports.schedule",
    "segments": "segments",
    "sentiment": "text.sentiment",
    "sequential": "stats.sequential",
    "stats": "stats",
    "tables": "tables",
    "text": "text",
    "trends": "trends",
    "weighting": "weighting",
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
