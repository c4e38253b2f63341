"""Schedules on an orchestrator (issue 14, point 4): the DAG specs, the Airflow DAG file, the
Dagster example, and ``airflow dags test`` and ``dagster job execute`` of one job, each in the
orchestrator's own virtual environment.

Airflow 3 and Dagster pin many packages, so they never go into cxlab's environment: ``.ci/run``
builds one for each (``$CXLAB_AIRFLOW_VENV``, ``$CXLAB_DAGSTER_VENV``; by default under
``~/.cache``) with cxlab in it. Without them the last two tests are skipped, except under
``CI=true``, where they fail.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest
import yaml

import cxlab
from cxlab import ParameterError
from cxlab.reports import orchestrators
from cxlab.reports.orchestrators import dag_specs, run_scheduled_job

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "orchestration"
AIRFLOW_VENV = Path(os.environ.get("CXLAB_AIRFLOW_VENV", Path.home() / ".cache" / "cxlab-airflow" / "venv"))
DAGSTER_VENV = Path(os.environ.get("CXLAB_DAGSTER_VENV", Path.home() / ".cache" / "cxlab-dagster" / "venv"))


def _project(root: Path, *, data_rows: int = 0, notebook: str = "modes") -> Path:
    """A cxlab project in ``root``: notebooks/, params/schedule.yaml with a cron job and a manual one."""
    (root / "notebooks").mkdir(parents=True)
    (root / "params").mkdir()
    source = ROOT / "tests" / "notebooks" / "modes.ipynb" if notebook == "modes" else ROOT / "notebooks" / f"{notebook}.ipynb"
    shutil.copy(source, root / "notebooks" / source.name)
    params = {"mode": "ok"} if notebook == "modes" else {"data_dir": "data", "period": "month", "locale": "en"}
    (root / "params" / "job.yaml").write_text(yaml.safe_dump(params), encoding="utf-8")
    jobs = {"weekly": {"notebook": f"notebooks/{source.name}", "params": "params/job.yaml", "cron": "0 22 * * 0",
                       "timezone": "Asia/Shanghai", "timeout": 300},
            "on_demand": {"notebook": f"notebooks/{source.name}", "params": "params/job.yaml"}}
    (root / "params" / "schedule.yaml").write_text(yaml.safe_dump({"jobs": jobs}, sort_keys=False), encoding="utf-8")
    if data_rows:
        cxlab.sample.write(root / "data", data_rows, seed=2)
    return root


def _runs(job_dir: Path) -> list[Path]:
    """The run records of a job (not the ``latest`` pointer's)."""
    return sorted(p for p in job_dir.glob("*/run.json") if p.parent.name != "latest")


# ---- the specs: plain cxlab code, no orchestrator needed ------------------------------------

def test_one_spec_per_job_with_its_cron_and_zone(tmp_path, monkeypatch):
    home = _project(tmp_path / "proj")
    monkeypatch.chdir(tmp_path)  # an orchestrator parses DAG files from its own folder
    monkeypatch.delenv("CXLAB_HOME", raising=False)
    specs = dag_specs(home=home)
    assert [s.dag_id for s in specs] == ["cxlab_weekly", "cxlab_on_demand"]
    weekly, manual = specs
    assert (weekly.cron, weekly.timezone, weekly.max_active_runs) == ("0 22 * * 0", "Asia/Shanghai", 1)
    assert (manual.cron, manual.timezone) == (None, "UTC")
    assert weekly.task_kwargs == {"job": "weekly", "schedule": str(home.resolve() / "params" / "schedule.yaml"),
                                  "outputs": str(home.resolve() / "outputs"), "home": str(home.resolve())}
    assert "only when triggered" in manual.description and "cron '0 22 * * 0'" in weekly.description
    assert "CXLAB_HOME" not in os.environ  # set only while the schedule is read
    assert [s.dag_id for s in dag_specs(home=home, prefix="cx_")] == ["cx_weekly", "cx_on_demand"]


def test_the_projects_own_schedule_gives_one_spec_per_job():
    jobs = cxlab.params.load_schedule(ROOT / "params" / "schedule.yaml").jobs
    specs = dag_specs(home=ROOT)
    assert [s.job for s in specs] == list(jobs)
    assert all(s.cron == jobs[s.job].cron and s.timezone == jobs[s.job].timezone for s in specs)


def test_an_invalid_schedule_is_a_cxlab_error(tmp_path):
    home = _project(tmp_path / "proj")
    (home / "params" / "schedule.yaml").write_text("jobs:\n  x:\n    notebook: notebooks/modes.ipynb\n"
                                                   "    params: params/job.yaml\n    cron: '0 25 * * *'\n")
    with pytest.raises(ParameterError, match="cron '0 25 \\* \\* \\*' is not a valid crontab expression"):
        dag_specs(home=home)


def test_the_task_runs_the_job_through_the_runner(tmp_path, monkeypatch):
    home = _project(tmp_path / "proj")
    monkeypatch.chdir(tmp_path)
    spec = dag_specs(home=home)[0]
    result = run_scheduled_job(**spec.task_kwargs)
    assert result["status"] == "succeeded" and Path(result["report"]).is_file()
    json.dumps(result)  # plain strings: an orchestrator can keep it
    record = json.loads((Path(result["directory"]) / "run.json").read_text(encoding="utf-8"))
    assert record["status"] == "succeeded"
    assert (home / "outputs" / "weekly" / "latest").exists()
    (home / "params" / "job.yaml").write_text("mode: ok\nmood: bad\n")
    with pytest.raises(ParameterError, match="mood"):  # fails the task before a kernel starts, recorded
        run_scheduled_job(**spec.task_kwargs)
    assert len(_runs(home / "outputs" / "weekly")) == 2


def test_no_orchestration_file_calls_papermill_or_dagstermill():
    for path in FOLDER.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
            a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert not {m for m in imported if m and ("papermill" in m or "dagstermill" in m)}, path.name
        assert "cxlab.reports.orchestrators" in imported, path.name


# ---- the Airflow file and the Dagster example, against stand-ins that record the calls -------

class _Recorder:
    """A stand-in class that keeps its constructor's arguments (and works as a context manager)."""

    made: list

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs
        type(self).made.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _stub(monkeypatch, name: str, **attrs) -> None:
    """Stand-in modules for ``name`` and its parents (for this test only), holding ``attrs``."""
    parts = name.split(".")
    for i in range(1, len(parts) + 1):
        dotted = ".".join(parts[:i])
        if not getattr(sys.modules.get(dotted), "_cxlab_stub", False):
            module = types.ModuleType(dotted)
            module._cxlab_stub = True
            monkeypatch.setitem(sys.modules, dotted, module)
    for key, value in attrs.items():
        setattr(sys.modules[name], key, value)


def _exec(path: Path) -> dict:
    namespace: dict = {"__name__": path.stem}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)  # noqa: S102 - our own file
    return namespace


def test_the_airflow_file_makes_one_dag_per_job(tmp_path, monkeypatch):
    home = _project(tmp_path / "proj")
    dags = type("DAG", (_Recorder,), {"made": []})
    ops = type("PythonOperator", (_Recorder,), {"made": []})
    timetables = type("CronTriggerTimetable", (_Recorder,), {"made": []})
    _stub(monkeypatch, "airflow.sdk", DAG=dags)
    _stub(monkeypatch, "airflow.providers.standard.operators.python", PythonOperator=ops)
    _stub(monkeypatch, "airflow.timetables.trigger", CronTriggerTimetable=timetables)
    _stub(monkeypatch, "pendulum", datetime=lambda *a, tz: (a, tz))
    monkeypatch.setenv("CXLAB_HOME", str(home))
    namespace = _exec(FOLDER / "airflow_dags.py")
    assert [d.kwargs["dag_id"] for d in dags.made] == ["cxlab_weekly", "cxlab_on_demand"]
    weekly, manual = dags.made
    assert namespace["cxlab_weekly"] is weekly
    assert weekly.kwargs["max_active_runs"] == 1 and weekly.kwargs["catchup"] is False
    assert weekly.kwargs["schedule"].args == ("0 22 * * 0",)
    assert weekly.kwargs["schedule"].kwargs == {"timezone": "Asia/Shanghai"}
    assert weekly.kwargs["start_date"] == ((2026, 1, 1), "Asia/Shanghai")
    assert manual.kwargs["schedule"] is None
    assert [o.kwargs["python_callable"] for o in ops.made] == [run_scheduled_job] * 2
    assert ops.made[0].kwargs["op_kwargs"]["job"] == "weekly"


def test_the_dagster_example_makes_a_job_and_schedule_per_job(tmp_path, monkeypatch):
    home = _project(tmp_path / "proj")
    made: dict = {"ops": {}, "jobs": {}, "schedules": []}

    def op(name):
        def wrap(fn):
            made["ops"][name] = fn
            return fn
        return wrap

    def job(name, description, tags):
        def wrap(fn):
            made["jobs"][name] = (fn, tags)
            return name
        return wrap

    _stub(monkeypatch, "dagster", op=op, job=job, JobDefinition=object, OpExecutionContext=object,
          ScheduleDefinition=lambda **kw: made["schedules"].append(kw) or kw,
          Definitions=lambda **kw: kw)
    monkeypatch.setenv("CXLAB_HOME", str(home))
    calls = []
    monkeypatch.setattr(orchestrators, "run_scheduled_job", lambda **kw: calls.append(kw) or
                        {"status": "succeeded", "report": "r.html"})
    namespace = _exec(FOLDER / "dagster_jobs.py")
    assert namespace["defs"]["jobs"] == ["cxlab_weekly", "cxlab_on_demand"]
    assert made["schedules"] == [{"job": "cxlab_weekly", "cron_schedule": "0 22 * * 0",
                                  "execution_timezone": "Asia/Shanghai"}]
    assert made["jobs"]["cxlab_weekly"][1] == {"cxlab/job": "weekly"}
    log = types.SimpleNamespace(info=lambda msg: calls.append(msg))
    made["ops"]["cxlab_weekly_run_report"](types.SimpleNamespace(log=log))
    assert calls[0]["job"] == "weekly" and "weekly: succeeded" in calls[1]


# ---- the real thing: `airflow dags test` in Airflow's own environment -------------------------

def _tool(venv: Path, name: str, variable: str) -> Path:
    exe = venv / "bin" / name
    if not exe.is_file():
        message = f"no {name} environment at {venv} (.ci/run builds it; or set {variable})"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return exe


@pytest.mark.slow
def test_airflow_dags_test_runs_a_job_through_the_runner(tmp_path):
    airflow = _tool(AIRFLOW_VENV, "airflow", "CXLAB_AIRFLOW_VENV")
    home = _project(tmp_path / "proj", data_rows=2000, notebook="scores")
    dags = tmp_path / "dags"
    dags.mkdir()
    shutil.copy(FOLDER / "airflow_dags.py", dags)
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path / "airflow"), "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
           "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "CXLAB_HOME": str(home), "PYTHONPATH": str(ROOT)}
    env.pop("VIRTUAL_ENV", None)

    def run(*args, timeout=600):
        done = subprocess.run([str(a) for a in args], env=env, cwd=tmp_path, capture_output=True, text=True, check=False,
                              timeout=timeout)
        assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
        return done

    run(airflow, "db", "migrate")
    probe = ("from airflow.dag_processing.dagbag import DagBag; import json, sys; bag = DagBag(sys.argv[1]); d = bag.get_dag('cxlab_weekly'); print(json.dumps({'errors': "
             "{k: str(v) for k, v in bag.import_errors.items()}, 'ids': sorted(bag.dag_ids), 'max': d.max_active_runs, "
             "'catchup': d.catchup, 'tz': str(d.timetable._timezone.name), 'cron': d.timetable._expression, "
             "'tasks': [(t.task_id, type(t).__name__) for t in d.tasks]}))")
    facts = json.loads(run(AIRFLOW_VENV / "bin" / "python", "-c", probe, dags).stdout.strip().splitlines()[-1])
    assert facts == {"errors": {}, "ids": ["cxlab_on_demand", "cxlab_weekly"], "max": 1, "catchup": False,
                     "tz": "Asia/Shanghai", "cron": "0 22 * * 0", "tasks": [["run_report", "PythonOperator"]]}
    run(airflow, "dags", "test", "cxlab_weekly", "2026-12-01")
    runs = _runs(home / "outputs" / "weekly")
    assert len(runs) == 1
    record = json.loads(runs[0].read_text(encoding="utf-8"))
    assert record["status"] == "succeeded" and "overall" in record["tables"]
    assert (home / "outputs" / "weekly" / "latest").exists()
    assert (runs[0].parent / "report.html").is_file()


@pytest.mark.slow
def test_dagster_job_execute_runs_a_job_through_the_runner(tmp_path):
    dagster = _tool(DAGSTER_VENV, "dagster", "CXLAB_DAGSTER_VENV")
    home = _project(tmp_path / "proj")
    (tmp_path / "dagster_home").mkdir()
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster_home"), "CXLAB_HOME": str(home),
           "PYTHONPATH": str(ROOT)}
    example = FOLDER / "dagster_jobs.py"

    def run(*args):
        done = subprocess.run([str(a) for a in args], env=env, cwd=tmp_path, capture_output=True, text=True,
                              timeout=600, check=False)
        assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
        return done

    run(dagster, "definitions", "validate", "-f", example)
    probe = ("import runpy, json, sys; d = runpy.run_path(sys.argv[1])['defs']; print(json.dumps({'jobs': "
             "sorted(j.name for j in d.jobs), 'schedules': [[s.job_name, s.cron_schedule, s.execution_timezone] "
             "for s in d.schedules]}))")
    facts = json.loads(run(DAGSTER_VENV / "bin" / "python", "-c", probe, example).stdout.strip().splitlines()[-1])
    assert facts == {"jobs": ["cxlab_on_demand", "cxlab_weekly"],
                     "schedules": [["cxlab_weekly", "0 22 * * 0", "Asia/Shanghai"]]}
    run(dagster, "job", "execute", "-f", example, "-j", "cxlab_weekly")
    runs = _runs(home / "outputs" / "weekly")
    assert len(runs) == 1 and json.loads(runs[0].read_text(encoding="utf-8"))["status"] == "succeeded"
    assert (home / "outputs" / "weekly" / "latest").exists()
