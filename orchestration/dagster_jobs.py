"""cxlab report jobs as Dagster jobs and schedules: ``dagster dev -f dagster_jobs.py``.

One job per entry of the cxlab project's ``params/schedule.yaml`` (``cxlab_<job>``), a plain
op that calls cxlab's runner (no dagstermill: the runner keeps the run records, the job lock,
the ``latest`` pointer and the HTML export), and a schedule with the job's cron and time zone.
cxlab's job lock refuses a second concurrent run of a job (recorded as a failed run); to
queue instead, limit the ``cxlab/job`` tag to one run in the instance's ``dagster.yaml``::

    run_queue:
      tag_concurrency_limits:
        - key: cxlab/job
          value: {applyLimitPerUniqueValue: true}
          limit: 1
"""

import os  # no `from __future__ import annotations`: Dagster reads the context annotation

import dagster as dg

from cxlab.reports.orchestrators import DagSpec, dag_specs, run_scheduled_job

CXLAB_HOME = os.environ.get("CXLAB_HOME", "/srv/cxlab")


def _job(spec: DagSpec) -> dg.JobDefinition:
    @dg.op(name=f"{spec.dag_id}_run_report")
    def run_report(context: dg.OpExecutionContext) -> dict:
        result = run_scheduled_job(**spec.task_kwargs)
        context.log.info(f"{spec.job}: {result['status']}, report {result['report']}")
        return result

    @dg.job(name=spec.dag_id, description=spec.description, tags={"cxlab/job": spec.job})
    def job() -> None:
        run_report()

    return job


_specs = dag_specs("params/schedule.yaml", home=CXLAB_HOME)
_jobs = {spec.dag_id: _job(spec) for spec in _specs}
defs = dg.Definitions(
    jobs=list(_jobs.values()),
    schedules=[dg.ScheduleDefinition(job=_jobs[s.dag_id], cron_schedule=s.cron, execution_timezone=s.timezone)
               for s in _specs if s.cron],
)
