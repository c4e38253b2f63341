"""Run report jobs on their cron schedules: in process with APScheduler 3, or as crontab lines.

Cron expressions are read by :mod:`cxlab.reports.cron` (``cron_trigger`` is re-exported here).
"""

from __future__ import annotations

import logging
import shlex
import sys
from pathlib import Path

from .._paths import project_root
from ..errors import ParameterError, ReportError
from .cron import cron_trigger
from .params import Schedule
from .runner import run_job

__all__ = ["build_scheduler", "crontab_lines", "cron_trigger", "JOB_DEFAULTS"]

log = logging.getLogger("cxlab.schedule")

#: A missed run within 5 minutes still runs; piled-up runs collapse into one; never two at once.
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 300}


def _run(name: str, schedule_path: str, outputs: str) -> None:
    try:
        result = run_job(name, schedule=schedule_path, outputs=outputs)
        log.info("%s succeeded: %s", name, result.directory)
    except (ReportError, ParameterError) as err:  # recorded by the runner; keep the scheduler alive
        log.error("%s failed: %s", name, err)


def build_scheduler(schedule: Schedule, *, schedule_path: str = "params/schedule.yaml",
                    outputs: str = "outputs", blocking: bool = True):
    """An APScheduler 3 scheduler with one cron job per scheduled report.

    Jobs without ``cron`` are only run by hand (``cxlab run``). Times are in each job's
    ``timezone`` (UTC by default).
    """
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = cls(timezone="UTC", job_defaults=dict(JOB_DEFAULTS))
    for name, job in schedule.jobs.items():
        if job.cron is None:
            continue
        scheduler.add_job(_run, cron_trigger(job.cron, job.timezone), id=name, name=name,
                          args=[name, schedule_path, outputs])
    return scheduler


def crontab_lines(schedule: Schedule, *, schedule_path: str = "params/schedule.yaml",
                  outputs: str = "outputs", root: Path | None = None) -> list[str]:
    """crontab lines running each scheduled job with this environment's ``cxlab`` command."""
    root = root or project_root()
    cxlab = Path(sys.executable).with_name("cxlab")
    lines = ["# cxlab report jobs (install with: crontab -e, or append to your crontab)"]
    for name, job in schedule.jobs.items():
        if job.cron is None:
            continue
        if job.timezone != "UTC":
            lines.append(f"CRON_TZ={job.timezone}")
        command = (f"cd {shlex.quote(str(root))} && {shlex.quote(str(cxlab))} run {shlex.quote(name)} "
                   f"--schedule {shlex.quote(schedule_path)} --outputs {shlex.quote(outputs)} "
                   f">> {shlex.quote(str(Path(outputs) / 'cron.log'))} 2>&1")
        lines.append(f"{job.cron} {command}")
    return lines
