"""Scheduled reports and stakeholder pages: the top layer of cxlab.

=====================  ===============================================================
``catalog``            every report's result tables (name, columns, meaning) and the input
                       tables and columns it reads (plain data)
``outputs``            run folders under ``outputs/``: saving tables and figures, reading
                       the latest good run, the job lock, run records (closing killed runs)
``cron``               crontab expressions as APScheduler triggers (cron's weekday rules)
``inputs``             the data a report reads (a folder, or a ``database`` source): checked
                       before a kernel starts, loaded by the notebooks
``params``             typed, validated parameters and schedules from ``params/*.yaml``
``runner``             ``run_report`` / ``run_job``: the one caller of papermill
``schedule``           the in-process scheduler and crontab lines
``orchestrators``      the schedule as DAG specs for Airflow and Dagster, whose tasks call the runner
``pages``              the voila pages, reading the latest good run's tables
``cli``                the ``cxlab`` command
=====================  ===============================================================

Modules import only downwards in that table's reverse order of height: ``catalog``,
``outputs``, ``cron`` and ``inputs`` at the bottom, ``params`` on ``inputs``, ``runner`` above
them, ``schedule`` and ``orchestrators`` above ``runner``, ``pages`` reading ``outputs`` and ``catalog``, ``cli`` on top.

This package imports nothing at import time: a voila page kernel imports
``cxlab.reports.pages`` and must not pay for pydantic, papermill or scipy.
"""

from __future__ import annotations

import importlib

__all__ = ["catalog", "outputs", "cron", "inputs", "params", "runner", "schedule", "orchestrators", "pages", "cli"]


def __getattr__(name: str):
    if name in __all__:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'cxlab.reports' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
