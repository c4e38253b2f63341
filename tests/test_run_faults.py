"""Run faults (issue 12): killed runners, full or blocked disks, corrupt pointers, notebooks from
elsewhere, noisy kernels, data that does not fit a report. Each leaves a record and a plain message.

The tests run as root, where ``chmod`` does not stop writes: a read-only folder is simulated
by patching ``Path.mkdir`` to raise ``EACCES``, and a blocked one by a file where the job's
folder should be. A full disk is simulated by patching the record writer to raise ``ENOSPC``.
"""

import contextlib
import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

import cxlab
from cxlab import ParameterError, ReportError
from cxlab.reports import cli, outputs, runner
from cxlab.reports.catalog import REPORTS
from cxlab.reports.outputs import close_interrupted, job_lock, latest_run, list_runs, read_run_table
from cxlab.reports.pages import run_state
from cxlab.reports.params import load_parameters, load_schedule
from cxlab.reports.runner import run_job, run_report

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
MODES = ROOT / "tests" / "notebooks" / "modes.ipynb"
SCORES_NB = ROOT / "notebooks" / "scores.ipynb"


@pytest.fixture(scope="module")
def small_data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    cxlab.sample.write(folder, 3000, seed=11)
    return folder


def _modes_schedule(tmp_path, params: dict, **job) -> Path:
    p = tmp_path / "modes.yaml"
    p.write_text(yaml.safe_dump(params), encoding="utf-8")
    s = tmp_path / "schedule.yaml"
    s.write_text(yaml.safe_dump({"jobs": {"modes": {"notebook": str(MODES), "params": str(p), "allow_outside": True,
                                                    **job}}}), encoding="utf-8")
    return s


def _record(run_dir: Path) -> dict:
    return json.loads((run_dir / "run.json").read_text(encoding="utf-8"))


# ------------------------------------------------------------------ 1. a runner killed mid-run


def _start_and_kill(out: Path) -> str:
    """Start a run in a real subprocess, SIGKILL it mid-run, return the run id it left `running`."""
    code = (f"from cxlab.reports.runner import run_report\n"
            f"run_report({str(MODES)!r}, {{'mode': 'sleep'}}, job='modes', outputs={str(out)!r}, timeout=120)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline, running = time.monotonic() + 90, None
        while time.monotonic() < deadline and running is None:
            for path in (out / "modes").glob("*/run.json"):
                with contextlib.suppress(ValueError, OSError):
                    record = json.loads(path.read_text(encoding="utf-8"))
                    if record["status"] == "running" and record.get("pid") == proc.pid:
                        running = record["run_id"]
            time.sleep(0.2)
        assert running, "the subprocess never started its run"
        time.sleep(1.0)  # let the kernel start executing
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # the kernel, if it outlived its parent
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
    assert _record(out / "modes" / running)["status"] == "running"  # what the kill left behind
    return running


def test_a_killed_run_is_shown_and_recorded_as_interrupted_by_cxlab_runs(previous, capsys):
    out, good = previous
    run_id = _start_and_kill(out)
    assert cli.main(["runs", "modes", "--outputs", str(out)]) == 0
    shown = capsys.readouterr().out
    assert run_id in shown and "interrupted" in shown and " running " not in shown
    record = _record(out / "modes" / run_id)
    assert record["status"] == "failed" and record["exit_reason"].startswith("interrupted")
    assert latest_run("modes", outputs=out)["run_id"] == good.run_id


def test_a_killed_run_is_recorded_as_interrupted_when_the_next_run_starts(previous):
    out, _ = previous
    run_id = _start_and_kill(out)
    nxt = run_report(MODES, {"mode": "ok"}, job="modes", outputs=out, timeout=60)
    assert nxt.ok
    record = _record(out / "modes" / run_id)
    assert record["status"] == "failed" and "interrupted" in record["exit_reason"]
    assert set(list_runs(out, "modes")["status"]) == {"succeeded", "failed"}


def test_a_run_in_progress_is_not_closed(tmp_path):
    job_dir = tmp_path / "modes"
    run = job_dir / "20260101T000000Z-abcd"
    run.mkdir(parents=True)
    (run / "run.json").write_text(json.dumps({"run_id": run.name, "status": "running", "pid": os.getpid()}))
    with job_lock(job_dir) as held:  # this process is "running" it
        assert held
        assert close_interrupted(job_dir) == []
    assert _record(run)["status"] == "running"
    assert close_interrupted(job_dir) == [run.name]  # lock released: nobody runs it
    assert _record(run)["status"] == "failed"


# ------------------------------------------------------------------ 2. failures to write


def _enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device", str(args[0]) if args else None)


def test_a_full_disk_after_the_run_started_is_recorded(previous, monkeypatch):
    out, good = previous
    calls, real = [], outputs.write_json_atomic

    def fills_up(path, payload):  # the first record is written, then the disk is full
        calls.append(path)
        if len(calls) > 1:
            _enospc(path)
        real(path, payload)

    monkeypatch.setattr(outputs, "write_json_atomic", fills_up)
    monkeypatch.setattr(runner, "write_json_atomic", fills_up)
    with pytest.raises(ReportError, match="the disk is full") as err:
        run_report(MODES, {"mode": "ok"}, job="modes", outputs=out, timeout=60)
    assert "is still the latest" in str(err.value)
    runs = list_runs(out, "modes")
    failed = runs[runs.status == "failed"]
    assert len(failed) == 1 and "disk is full" in failed["exit_reason"].iloc[0]  # written in place
    assert latest_run("modes", outputs=out)["run_id"] == good.run_id


def test_a_record_that_cannot_be_written_is_said_plainly(previous, tmp_path, monkeypatch, capsys):
    out, good = previous
    monkeypatch.setattr(outputs, "write_json_atomic", _enospc)
    monkeypatch.setattr(outputs, "_overwrite_in_place", _enospc)
    code = cli.main(["run", "modes", "--schedule", str(_modes_schedule(tmp_path, {"mode": "ok"})),
                     "--outputs", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert "run record" in err and "could not be written" in err and "the disk is full" in err
    assert "Traceback" not in err


def test_a_file_where_the_job_folder_should_be(tmp_path, capsys):
    out = tmp_path / "outputs"
    out.mkdir()
    (out / "modes").write_text("not a folder")
    code = cli.main(["run", "modes", "--schedule", str(_modes_schedule(tmp_path, {"mode": "ok"})),
                     "--outputs", str(out)])
    err = capsys.readouterr().err
    assert code == 1 and "something is in the way" in err and str(out / "modes") in err
    assert "Traceback" not in err and "FileExistsError" not in err
    # invalid parameters cannot be recorded there either: the parameter error is still the message
    code = cli.main(["run", "modes", "--schedule", str(_modes_schedule(tmp_path, {"mode": 3})),
                     "--outputs", str(out)])
    assert code == 2 and "mode should be str" in capsys.readouterr().err


def test_a_read_only_outputs_folder(tmp_path, monkeypatch):
    # As root, chmod does not block writes; mkdir is made to fail as it would on a read-only folder.
    real = Path.mkdir

    def read_only(self, *args, **kwargs):
        if tmp_path / "outputs" in (self, *self.parents):
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", read_only)
    with pytest.raises(ReportError, match="no permission to write .*make the outputs folder writable"):
        run_report(MODES, {"mode": "ok"}, job="modes", outputs=tmp_path / "outputs", timeout=60)


# ------------------------------------------------------------------ 3. a corrupt latest.json


@pytest.mark.parametrize("pointer", ["{\"run_id\": \"2026", "", "{\"run_id\": \"gone-away\"}"])
def test_a_corrupt_latest_pointer_falls_back_to_the_run_records(previous, pointer):
    out, good = previous
    (out / "modes" / "latest.json").write_text(pointer, encoding="utf-8")
    state = run_state("modes", out)
    assert state["record"]["run_id"] == good.run_id and state["level"] == "ok"
    assert read_run_table("modes", "first", outputs=out)["x"].tolist() == [1, 2]


# ------------------------------------------------------------------ 4. "the last good run" only if there is one


def test_a_first_failing_run_says_there_is_no_good_run_yet(tmp_path):
    with pytest.raises(ReportError) as err:
        run_report(MODES, {"mode": "raise"}, job="modes", outputs=tmp_path / "outputs", timeout=60)
    assert "There is no successful run of this job yet" in str(err.value)
    assert "still the latest" not in str(err.value)


def test_a_failing_run_after_a_good_one_names_it(previous):
    out, good = previous
    with pytest.raises(ReportError, match=f"The last good run, {good.run_id}, is still the latest"):
        run_report(MODES, {"mode": "raise"}, job="modes", outputs=out, timeout=60)


# ------------------------------------------------------------------ 5. notebooks outside notebooks/


@pytest.mark.parametrize("notebook", [str(MODES), "notebooks/../tests/notebooks/modes.ipynb"])
def test_a_notebook_outside_the_project_notebooks_is_refused(tmp_path, notebook):
    schedule = _modes_schedule(tmp_path, {})
    raw = yaml.safe_load(schedule.read_text())
    raw["jobs"]["modes"].pop("allow_outside")
    raw["jobs"]["modes"]["notebook"] = notebook
    schedule.write_text(yaml.safe_dump(raw))
    with pytest.raises(ParameterError, match="outside the project's notebooks folder.*allow_outside: true"):
        load_schedule(schedule)


def test_a_notebook_outside_runs_when_allowed(tmp_path):
    result = run_job("modes", schedule=_modes_schedule(tmp_path, {"mode": "ok"}), outputs=tmp_path / "out")
    assert result.ok


# ------------------------------------------------------------------ 6. the kernel's own stderr


def test_a_cell_timeout_keeps_the_terminal_clean(tmp_path):
    schedule = _modes_schedule(tmp_path, {"mode": "sleep"}, timeout=3)
    out = tmp_path / "outputs"
    done = subprocess.run([sys.executable, "-m", "cxlab.reports.cli", "run", "modes", "--schedule", str(schedule),
                           "--outputs", str(out), "--no-progress"], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=180)
    assert done.returncode == 1
    assert "longer than the 3 s timeout" in done.stderr
    assert "Traceback" not in done.stderr and "IPKernelApp" not in done.stderr, done.stderr
    assert done.stderr.startswith("cxlab: ") and done.stderr.count("\n") == 1, done.stderr  # cxlab's one message
    (run_dir,) = [p.parent for p in (out / "modes").glob("*/run.json")]
    log = (run_dir / "kernel.log").read_text(encoding="utf-8")  # the detail stays in the run folder
    assert "Timeout waiting for execute reply" in log
    assert str(run_dir / "kernel.log") in done.stderr


# ------------------------------------------------------------------ 8. each job reads only what it uses


def _scores_params(tmp_path, data: Path, **extra) -> Path:
    p = tmp_path / "scores.yaml"
    p.write_text(yaml.safe_dump({"data_dir": str(data), "period": "month", **extra}, allow_unicode=True),
                 encoding="utf-8")
    return p


def test_a_header_only_tickets_file_fails_the_check_naming_it(tmp_path, small_data):
    data = tmp_path / "data"
    shutil.copytree(small_data, data)
    (data / "tickets.parquet").unlink()
    header = ",".join(pd.read_parquet(small_data / "tickets.parquet").columns)
    (data / "tickets.csv").write_text(header + "\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="tickets.csv has a header but no data rows"):
        load_parameters(_scores_params(tmp_path, data), SCORES_NB)


def test_a_missing_column_is_named_with_the_file_and_the_closest_name(tmp_path, small_data):
    data = tmp_path / "data"
    shutil.copytree(small_data, data)
    frame = pd.read_parquet(data / "responses.parquet").rename(columns={"channel": "channels"})
    frame.to_parquet(data / "responses.parquet")
    with pytest.raises(ParameterError, match="responses.parquet lacks column.*'channel' \\(closest: 'channels'\\)"):
        load_parameters(_scores_params(tmp_path, data), SCORES_NB)
    load_parameters(_scores_params(tmp_path, data, columns={"channels": "channel"}), SCORES_NB)  # mapped: fine


def test_the_segments_report_still_needs_tickets(tmp_path, small_data):
    data = tmp_path / "data"
    shutil.copytree(small_data, data)
    (data / "tickets.parquet").unlink()
    p = tmp_path / "seg.yaml"
    p.write_text(yaml.safe_dump({"data_dir": str(data)}), encoding="utf-8")
    with pytest.raises(ParameterError, match="has no tickets.parquet or tickets.csv"):
        load_parameters(p, ROOT / "notebooks" / "segments.ipynb")


def test_a_survey_only_team_runs_the_scores_report_without_ticket_sections(tmp_path, small_data):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(small_data / "responses.parquet", data)
    schedule = tmp_path / "schedule.yaml"
    schedule.write_text(yaml.safe_dump({"jobs": {"survey_only": {
        "notebook": str(SCORES_NB), "params": str(_scores_params(tmp_path, data)), "timeout": 300}}}))
    result = run_job("survey_only", schedule=schedule, outputs=tmp_path / "out")
    assert result.ok
    assert "process" not in result.record["tables"] and "fcr_trend" not in result.record["tables"]
    assert {"overall", "trend", "by_stage", "by_channel"} <= set(result.record["tables"])
    html = (result.directory / "report.html").read_text(encoding="utf-8")
    from cxlab.i18n import t

    assert t("nb.no_tickets", "zh").strip("*") in html  # Chinese sample data: the report says it in Chinese


def test_every_report_declares_what_it_reads():
    for report in REPORTS.values():
        assert report.inputs and report.required_tables, report.name


# ------------------------------------------------------------------ 9. charts that would show boxes


def test_a_report_whose_charts_would_show_boxes_says_so_at_the_top(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell('output_dir: str = ""')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_markdown_cell("# A chart report"), nbformat.v4.new_code_cell(
        "import cxlab, pandas as pd, matplotlib.pyplot as plt\n"
        "cxlab.plots.cjk_font = lambda: None  # as on a machine without a CJK font\n"
        "out = cxlab.outputs.RunOutputs(output_dir)\n"
        "out.table('t', pd.DataFrame({'x': [1]}))\n"
        "fig, ax = plt.subplots(); ax.set_title('审核')\n"
        "out.figure('chart', fig)")]
    path = tmp_path / "chart.ipynb"
    nbformat.write(nb, path)
    result = run_report(path, {}, job="chart", outputs=tmp_path / "out", timeout=120)
    html = (result.directory / "report.html").read_text(encoding="utf-8")
    notice = html.find("some chart labels show as empty boxes")
    assert 0 <= notice < html.find("A chart report")
    assert "apt-get install fonts-noto-cjk" in html
