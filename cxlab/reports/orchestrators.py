"""The schedule as DAG specs for an orchestrator (Airflow, Dagster), whose tasks call cxlab's runner.

An orchestrator that already runs notebooks still must not run cxlab's report notebooks
itself (``PapermillOperator``, dagstermill): that would skip the run records, the job lock,
the ``latest`` pointer and the HTML export. So the files in the project's ``orchestration/``
folder are thin: they read :func:`dag_specs` (one :class:`DagSpec` per job of
``params/schedule.yaml``) and make one DAG, or one Dagster job and schedule, per spec, whose
only task calls :func:`run_scheduled_job`, i.e. :func:`cxlab.reports.runner.run_job`.

Examples
--------
>>> import cxlab.reports.orchestrators as o
>>> spec = o.dag_specs()[0]
>>> spec.dag_id, spec.cron, spec.timezone, spec.max_active_runs
('cxlab_scores_weekly', '0 22 * * 0', 'UTC', 1)
>>> sorted(spec.task_kwargs)
['home', 'job', 'outputs', 'schedule']
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .._paths import project_root, resolve
from .params import load_schedule

__all__ = ["DagSpec", "dag_specs", "run_scheduled_job"]


@dataclass(frozen=True, slots=True)
class DagSpec:
    """One scheduled job as an orchestrator sees it.

    ``cron`` (None: run only when triggered) and ``timezone`` are the job's;
    ``max_active_runs`` is 1 because cxlab's job lock refuses a second concurrent run anyway;
    ``task_kwargs`` are the keyword arguments of :func:`run_scheduled_job` for the one task.
    """

    dag_id: str
    job: str
    cron: str | None
    timezone: str
    notebook: str
    description: str
    task_kwargs: dict = field(hash=False)
    max_active_runs: int = 1
    tags: tuple[str, ...] = ("cxlab",)


@contextlib.contextmanager
def _home(home: Path) -> Iterator[None]:
    """``$CXLAB_HOME`` set to ``home`` inside the block (relative paths resolve from it)."""
    before = os.environ.get("CXLAB_HOME")
    os.environ["CXLAB_HOME"] = str(home)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("CXLAB_HOME", None)
        else:
            os.environ["CXLAB_HOME"] = before


def dag_specs(schedule: str | Path = "params/schedule.yaml", *, home: str | Path | None = None,
              outputs: str | Path = "outputs", prefix: str = "cxlab_") -> list[DagSpec]:
    """One :class:`DagSpec` per job of ``schedule``, in the file's order.

    Parameters
    ----------
    schedule : str or Path
        The schedule file; relative paths from ``home``.
    home : str or Path, optional
        The cxlab project (the folder holding ``params/`` and ``notebooks/``); by default
        ``$CXLAB_HOME`` or the project found from the working directory. An orchestrator
        parses DAG files from its own folder, so its DAG file should say where the project is.
    outputs : str or Path
        Where runs are written; relative paths from ``home``.
    prefix : str
        Put before each job name to make the DAG id (job names are already valid ids).

    Returns
    -------
    list of DagSpec

    Raises
    ------
    ParameterError
        The schedule is invalid (the orchestrator shows this as the DAG file's import error).
    """
    root = Path(home).resolve() if home is not None else project_root()
    with _home(root):
        path = resolve(schedule, root)
        jobs = load_schedule(path).jobs
        specs = []
        for name, job in jobs.items():
            when = f"cron {job.cron!r} ({job.timezone})" if job.cron else "only when triggered"
            specs.append(DagSpec(
                dag_id=f"{prefix}{name}", job=name, cron=job.cron, timezone=job.timezone, notebook=job.notebook,
                description=f"cxlab report job {name}: {job.notebook} with {job.params}, {when}",
                task_kwargs={"job": name, "schedule": str(path), "outputs": str(resolve(outputs, root)),
                             "home": str(root)}))
    return specs


def run_scheduled_job(job: str, *, schedule: str, outputs: str, home: str) -> dict:
    """Run one job through cxlab's runner, for an orchestrator's task.

    The parameters are checked first (a ParameterError fails the task before a kernel
    starts); the run is recorded under ``outputs/<job>/`` and ``latest`` moves only if it
    succeeded, exactly as ``cxlab run JOB``.

    Returns
    -------
    dict
        ``job``, ``run_id``, ``status``, ``directory`` and ``report`` (the HTML file): plain
        strings, so an orchestrator can keep them (Airflow's XCom, Dagster's output).

    Raises
    ------
    ParameterError, ReportError
        As :func:`cxlab.reports.runner.run_job`; the orchestrator marks the task failed.
    """
    from .runner import run_job

    with _home(Path(home)):
        result = run_job(job, schedule=schedule, outputs=outputs)
    return {"job": result.job, "run_id": result.run_id, "status": result.status,
            "directory": str(result.directory), "report": str(result.directory / "report.html")}
