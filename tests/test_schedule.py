"""The in-process scheduler and the crontab lines."""

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from cxlab.reports import cli
from cxlab.reports.params import load_schedule
from cxlab.reports.schedule import JOB_DEFAULTS, build_scheduler, cron_trigger, crontab_lines

ROOT = Path(__file__).resolve().parents[1]


def _schedule(tmp_path):
    params = tmp_path / "p.yaml"
    params.write_text("period: week\n", encoding="utf-8")
    path = tmp_path / "schedule.yaml"
    path.write_text(yaml.safe_dump({"jobs": {
        "weekly": {"notebook": str(ROOT / "notebooks" / "scores.ipynb"), "params": str(params),
                   "cron": "0 22 * * 0"},
        "beijing": {"notebook": str(ROOT / "notebooks" / "scores.ipynb"), "params": str(params),
                    "cron": "30 6 * * 1-5", "timezone": "Asia/Shanghai"},
        "manual": {"notebook": str(ROOT / "notebooks" / "scores.ipynb"), "params": str(params)}}}),
        encoding="utf-8")
    return path


def test_scheduler_jobs_triggers_and_defaults(tmp_path):
    scheduler = build_scheduler(load_schedule(_schedule(tmp_path)), blocking=False)
    jobs = {j.id: j for j in scheduler.get_jobs()}
    assert set(jobs) == {"weekly", "beijing"}  # jobs without cron only run by hand
    assert scheduler._job_defaults == {**JOB_DEFAULTS}
    after = datetime(2026, 11, 24, 12, 0, tzinfo=ZoneInfo("UTC"))  # a Tuesday
    assert jobs["weekly"].trigger.get_next_fire_time(None, after) == datetime(2026, 11, 29, 22, 0, tzinfo=ZoneInfo("UTC"))
    nxt = jobs["beijing"].trigger.get_next_fire_time(None, after)
    assert nxt.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%a %H:%M") == "Wed 06:30"


def test_crontab_lines(tmp_path):
    lines = crontab_lines(load_schedule(_schedule(tmp_path)), root=Path("/srv/cx"))
    assert any(line.startswith("0 22 * * 0 cd /srv/cx && ") and " run weekly " in line for line in lines)
    assert "CRON_TZ=Asia/Shanghai" in lines
    assert not any(" run manual " in line for line in lines)


def test_cli_run_and_runs_call_the_runner(tmp_path, monkeypatch, capsys):
    calls = []

    def fake_run_all(**kwargs):
        calls.append(kwargs)
        return [("a", object()), ("b", RuntimeError("boom"))]

    monkeypatch.setattr("cxlab.reports.runner.run_all", fake_run_all)
    assert cli.main(["run", "--all", "--outputs", str(tmp_path)]) == 1  # one job failed
    assert calls and calls[0]["outputs"] == str(tmp_path)
    assert "1 of 2 jobs succeeded; failed: b" in capsys.readouterr().out
    assert cli.main(["runs", "--outputs", str(tmp_path)]) == 0
    assert "No runs yet" in capsys.readouterr().out
    assert cli.main(["schedule", "--crontab", "--schedule", str(_schedule(tmp_path))]) == 0
    assert "run weekly" in capsys.readouterr().out


@pytest.mark.parametrize("expr, fires", [
    ("0 22 * * 0", {"Sun"}), ("0 22 * * 7", {"Sun"}), ("0 6 * * 1-5", {"Mon", "Tue", "Wed", "Thu", "Fri"}),
    ("0 6 * * 0-2", {"Sun", "Mon", "Tue"}), ("0 6 * * */2", {"Sun", "Tue", "Thu", "Sat"}),
    ("0 6 * * 5-7", {"Fri", "Sat", "Sun"}), ("0 6 * * MON,wed", {"Mon", "Wed"}), ("0 6 * * 1,3/2", {"Mon", "Wed", "Fri"}),
])
def test_weekdays_follow_cron_not_apscheduler_numbering(expr, fires):
    # man 5 crontab: "0-7 (0 or 7 is Sunday)"; APScheduler 3 numbers from Monday (issue #286).
    trigger = cron_trigger(expr)
    t = datetime(2026, 11, 22, 0, 0, tzinfo=ZoneInfo("UTC"))  # a Sunday
    seen = set()
    for _ in range(14):
        t = trigger.get_next_fire_time(None, t)
        seen.add(t.strftime("%a"))
        t = t + timedelta(minutes=1)
    assert seen == fires


def test_day_and_weekday_together_are_refused():
    with pytest.raises(ValueError, match="not both"):
        cron_trigger("0 6 1 * 1")
