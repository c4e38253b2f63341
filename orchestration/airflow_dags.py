"""cxlab report jobs as Airflow DAGs: copy this file into Airflow's DAGs folder.

One DAG per job of the cxlab project's ``params/schedule.yaml``, named ``cxlab_<job>``,
with the job's cron and time zone, ``catchup=False`` and ``max_active_runs=1``. Its one task
calls cxlab's runner (:func:`cxlab.reports.orchestrators.run_scheduled_job`), which checks
the parameters and the data (files or database) before a kernel starts, and keeps the run
records, the job lock, the ``latest`` pointer and the HTML export. Never run these notebooks
with ``PapermillOperator``: it would skip all four.

Needs: cxlab (with its ``notebooks`` extra, and ``sql`` for database sources) installed in
the Python that runs Airflow's tasks, and ``CXLAB_HOME`` pointing at the project (or edit
the default below). The schedule is read when Airflow parses this file: a job added to
``schedule.yaml`` becomes a DAG at the next parse; an invalid schedule shows as this file's
import error, with cxlab's message.
"""

from __future__ import annotations

import os

import pendulum
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG
from airflow.timetables.trigger import CronTriggerTimetable

from cxlab.reports.orchestrators import dag_specs, run_scheduled_job

#: The cxlab project (the folder holding params/ and notebooks/): edit, or set $CXLAB_HOME.
CXLAB_HOME = os.environ.get("CXLAB_HOME", "/srv/cxlab")
#: Where runs are written (relative: inside the project); the voila pages read from here.
CXLAB_OUTPUTS = os.environ.get("CXLAB_OUTPUTS", "outputs")

for _spec in dag_specs("params/schedule.yaml", home=CXLAB_HOME, outputs=CXLAB_OUTPUTS):
    with DAG(
        dag_id=_spec.dag_id,
        description=_spec.description,
        schedule=CronTriggerTimetable(_spec.cron, timezone=_spec.timezone) if _spec.cron else None,
        start_date=pendulum.datetime(2026, 1, 1, tz=_spec.timezone),
        catchup=False,
        max_active_runs=_spec.max_active_runs,
        tags=list(_spec.tags),
    ) as _dag:
        PythonOperator(task_id="run_report", python_callable=run_scheduled_job, op_kwargs=_spec.task_kwargs,
                       retries=0)
    globals()[_spec.dag_id] = _dag
