"""Report runs end to end: real notebooks on sample data, and every failure path.

Each failure must leave the previous ``latest`` untouched and a failed run record behind.
"""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

import cxlab
from cxlab import ParameterError, ReportError
from cxlab.reports.outputs import job_lock, latest_run, list_runs, read_run_table
from cxlab.reports.runner import run_job, run_report

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
MODES = ROOT / "tests" / "notebooks" / "modes.ipynb"


@pytest.fixture(scope="module")
def small_data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    cxlab.sample.write(folder, 3000, seed=11)
    return folder


@pytest.fixture(scope="module")
def scores_run(small_data, tmp_path_factory):
    outputs = tmp_path_factory.mktemp("outputs")
    params = tmp_path_factory.mktemp("params") / "p.yaml"
    params.write_text(yaml.safe_dump({"data_dir": str(small_data), "period": "month"}, allow_unicode=True),
                      encoding="utf-8")
    schedule = params.with_name("schedule.yaml")
    schedule.write_text(yaml.safe_dump({"jobs": {"scores_test": {
        "notebook": str(ROOT / "notebooks" / "scores.ipynb"), "params": str(params), "timeout": 300}}}),
        encoding="utf-8")
    result = run_job("scores_test", schedule=schedule, outputs=outputs)
    return result, outputs, small_data


def test_scores_report_tables_match_direct_computation(scores_run):
    result, outputs, data = scores_run
    assert result.ok and result.record["status"] == "succeeded"
    tables = cxlab.data.load_folder(data)
    overall = read_run_table("scores_test", "overall", outputs=outputs).set_index("metric")
    direct = cxlab.scores(tables["responses"], metrics=["nps", "csat", "ces", "response_rate"]).set_index("metric")
    pd.testing.assert_series_equal(overall["value"], direct["value"], rtol=1e-12)
    assert (overall["n"] == direct["n"]).all()
    stages = read_run_table("scores_test", "by_stage", outputs=outputs)
    csat = stages[stages.metric == "csat"].set_index("journey_stage")["value"]
    assert csat.idxmin() == "审核"  # the planted weakest stage
    composite = read_run_table("scores_test", "composite", outputs=outputs)
    assert composite["journey_stage"].iloc[-1] == "composite"
    trend = read_run_table("scores_test", "trend", outputs=outputs)
    assert trend["period"].nunique() == 7  # March (2 days) to September
    changes = read_run_table("scores_test", "changes", outputs=outputs)
    assert {"p_adjusted", "significant", "diff"} <= set(changes.columns)
    excl = read_run_table("scores_test", "exclusions", outputs=outputs)
    nps_blank = excl[(excl.table == "responses") & (excl.column == "nps")]["rows"].sum()
    assert nps_blank == overall.loc["nps", "n_missing"]


def test_run_folder_holds_everything(scores_run):
    result, outputs, _ = scores_run
    run = result.directory
    assert {"report.ipynb", "report.html", "run.json", "tables", "figures"} <= {p.name for p in run.iterdir()}
    html = (run / "report.html").read_text(encoding="utf-8")
    assert "CX scores report" in html and "import cxlab" not in html  # no code in the report
    assert "审核" in html
    csv = (run / "tables" / "overall.csv").read_bytes()
    assert csv.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel shows Chinese correctly
    assert {"trend", "by_stage", "by_channel"} <= set(result.record["figures"])
    record = json.loads((run / "run.json").read_text(encoding="utf-8"))
    for key in ("job", "parameters", "status", "exit_reason", "started_at", "ended_at", "duration_s",
                "versions", "data_fingerprint"):
        assert record[key] is not None, key
    assert record["parameters"]["output_dir"] == str(run)
    assert len(record["data_fingerprint"]) == 64 and record["versions"]["pandas"] == pd.__version__
    assert latest_run("scores_test", outputs=outputs)["run_id"] == result.run_id
    assert (outputs / "scores_test" / "latest").resolve() == run.resolve()
    assert list_runs(outputs)["status"].tolist() == ["succeeded"]


# ------------------------------------------------------------------------------ failures


def _assert_failed_and_latest_intact(outputs, good, reason_part):
    assert latest_run("modes", outputs=outputs)["run_id"] == good.run_id
    runs = list_runs(outputs, "modes")
    failed = runs[runs.status == "failed"]
    assert len(failed) == 1, runs
    assert reason_part in failed["exit_reason"].iloc[0]
    return failed["run_id"].iloc[0]


def test_a_cell_that_raises(previous):
    outputs, good = previous
    with pytest.raises(ReportError, match="cell In \\[4\\] of the executed notebook raised ZeroDivisionError: planted failure") as err:
        run_report(MODES, {"mode": "raise"}, job="modes", outputs=outputs, timeout=60)
    assert "partial notebook" in str(err.value)
    run_id = _assert_failed_and_latest_intact(outputs, good, "ZeroDivisionError")
    partial = (outputs / "modes" / run_id / "report.ipynb").read_text(encoding="utf-8")
    assert "papermill-error-cell" in partial or "An Exception was encountered" in partial
    assert json.loads((outputs / "modes" / run_id / "run.json").read_text())["error"]["ename"] == "ZeroDivisionError"


def test_a_kernel_that_dies(previous):
    outputs, good = previous
    with pytest.raises(ReportError, match="kernel died"):
        run_report(MODES, {"mode": "die"}, job="modes", outputs=outputs, timeout=60)
    _assert_failed_and_latest_intact(outputs, good, "kernel died")


def test_a_cell_that_times_out(previous):
    outputs, good = previous
    with pytest.raises(ReportError, match="longer than the 3 s timeout"):
        run_report(MODES, {"mode": "sleep"}, job="modes", outputs=outputs, timeout=3)
    _assert_failed_and_latest_intact(outputs, good, "timeout")


def test_a_concurrent_run_is_refused(previous):
    outputs, good = previous
    with job_lock(outputs / "modes") as held:  # another process is running this job
        assert held
        with pytest.raises(ReportError, match="already running"):
            run_report(MODES, {"mode": "ok"}, job="modes", outputs=outputs, timeout=60)
    _assert_failed_and_latest_intact(outputs, good, "another run of this job is in progress")


def _schedule(tmp_path, params: dict, notebook=ROOT / "notebooks" / "scores.ipynb", **job):
    p = tmp_path / "params.yaml"
    p.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    s = tmp_path / "schedule.yaml"
    s.write_text(yaml.safe_dump({"jobs": {"modes": {"notebook": str(notebook), "params": str(p), **job}}}),
                 encoding="utf-8")
    return s


@pytest.mark.parametrize("params, message", [
    ({"perod": "week"}, "\\['perod'\\] are not parameters of scores.ipynb"),
    ({"period": "weekly"}, "period: Input should be 'week', 'month' or 'quarter'"),
    ({"metrics": ["nps", "cstat"]}, "unknown metrics \\['cstat'\\]"),
    ({"confidence": 95}, "confidence: Input should be less than 1"),
    ({"data_dir": "no/such/folder"}, "no data folder at .*no/such/folder"),
    ({"output_dir": "elsewhere"}, "`output_dir` is set by the runner"),
])
def test_invalid_parameters_fail_before_a_kernel_starts(previous, tmp_path, params, message):
    outputs, good = previous
    schedule = _schedule(tmp_path, params)
    with pytest.raises(ParameterError, match=message):
        run_job("modes", schedule=schedule, outputs=outputs)
    _assert_failed_and_latest_intact(outputs, good, "invalid parameters")


def test_missing_data_table_is_named(previous, tmp_path, small_data):
    # The scores report needs the responses table (tickets are optional since issue 12).
    outputs, good = previous
    partial = tmp_path / "partial"
    shutil.copytree(small_data, partial)
    (partial / "responses.parquet").unlink()
    with pytest.raises(ParameterError, match="has no responses.parquet or responses.csv"):
        run_job("modes", schedule=_schedule(tmp_path, {"data_dir": str(partial)}), outputs=outputs)
    _assert_failed_and_latest_intact(outputs, good, "invalid parameters")


@pytest.mark.parametrize("job, message", [
    ({"cron": "0 25 * * *"}, "cron '0 25 \\* \\* \\*' is not a valid crontab expression"),
    ({"timezone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
    ({"timeout": 0}, "timeout: Input should be greater than 0"),
    ({"retries": 3}, "retries: unknown name \\(a job takes notebook, params, cron"),
])
def test_invalid_schedule_entries(tmp_path, job, message):
    with pytest.raises(ParameterError, match=message):
        cxlab.params.load_schedule(_schedule(tmp_path, {}, **job))


def test_unknown_job_suggests_the_closest(tmp_path):
    with pytest.raises(ParameterError, match="No job 'mode' .*did you mean 'modes'"):
        run_job("mode", schedule=_schedule(tmp_path, {}))


def test_each_figure_appears_once_in_the_report(scores_run):
    import nbformat

    result, _, _ = scores_run
    nb = nbformat.read(result.directory / "report.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and "out.figure(" in cell.source:
            images = [o for o in cell.outputs if "image/png" in o.get("data", {})]
            assert len(images) == 1, cell.source[:60]


def _job(tmp_path, notebook, params, data):
    p = tmp_path / f"{notebook}.yaml"
    p.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    s = tmp_path / f"{notebook}_schedule.yaml"
    s.write_text(yaml.safe_dump({"jobs": {notebook: {"notebook": str(ROOT / "notebooks" / f"{notebook}.ipynb"),
                                                     "params": str(p), "timeout": 300}}}), encoding="utf-8")
    return s


def test_experiment_report_finds_the_helpful_variant(tmp_path, small_data):
    schedule = _job(tmp_path, "experiment", {"data_file": str(small_data / "experiment.parquet"),
                                             "metrics": ["csat", "fcr"], "covariates": {"csat": "pre_csat"}},
                    small_data)
    result = run_job("experiment", schedule=schedule, outputs=tmp_path / "out")
    assert {"srm", "response_balance", "sample_size", "effects", "decision"} <= set(result.record["tables"])
    effects = read_run_table("experiment", "effects", outputs=tmp_path / "out").set_index(["variant", "metric"])
    assert effects.loc[("B", "csat"), "diff"] > 0 and effects.loc[("B", "csat"), "cuped"]
    assert "mde" in effects.columns
    srm = read_run_table("experiment", "srm", outputs=tmp_path / "out")
    assert srm["ok"].all()
    decision = read_run_table("experiment", "decision", outputs=tmp_path / "out")["text"].iloc[0]
    assert "Variant B" in decision and "sample-ratio check passed" in decision


def test_before_after_report_finds_the_rollout(tmp_path):
    data = tmp_path / "data"
    cxlab.sample.write(data, 40_000, seed=2)
    schedule = _job(tmp_path, "before_after", {"data_file": str(data / "tickets.parquet")}, data)
    result = run_job("before_after", schedule=schedule, outputs=tmp_path / "out")
    assert {"did", "event_study", "placebo", "its", "by_group"} <= set(result.record["tables"])
    did_ = read_run_table("before_after", "did", outputs=tmp_path / "out").set_index("se_type")
    assert did_.loc["robust (HC1)", "ci_low"] <= 10 <= did_.loc["robust (HC1)", "ci_high"]
    assert did_.loc["robust (HC1)", "p_value"] < 0.001
    events = read_run_table("before_after", "event_study", outputs=tmp_path / "out")
    assert events["pre_trend_p_value"].iloc[0] > 0.01
    placebo_ = read_run_table("before_after", "placebo", outputs=tmp_path / "out").set_index("se_type")
    assert placebo_.loc["robust (HC1)", "p_value"] > 0.01


@pytest.mark.parametrize("params, message", [
    ({"control": "Z"}, None),
    ({"covariates": {"nps": "pre_csat"}, "metrics": ["csat"]}, "covariates names \\['nps'\\]"),
])
def test_experiment_parameters_are_checked(tmp_path, small_data, params, message):
    schedule = _job(tmp_path, "experiment", {"data_file": str(small_data / "experiment.parquet"), **params}, small_data)
    if message is None:  # a control label that is not in the data fails in the notebook, clearly
        with pytest.raises(ReportError, match="Control arm 'Z' is not in column 'variant'"):
            run_job("experiment", schedule=schedule, outputs=tmp_path / "out")
    else:
        with pytest.raises(ParameterError, match=message):
            run_job("experiment", schedule=schedule, outputs=tmp_path / "out")


def test_segments_report_finds_the_planted_segment_effects(tmp_path, small_data):
    data = tmp_path / "data"
    cxlab.sample.write(data, 20_000, seed=0)
    schedule = _job(tmp_path, "segments", {"data_dir": str(data)}, data)
    result = run_job("segments", schedule=schedule, outputs=tmp_path / "out")
    out = tmp_path / "out"
    assert {"breakdown", "league", "heatmap", "alerts", "alerts_now", "drivers", "follow_up"} <= set(result.record["tables"])
    b = read_run_table("segments", "breakdown", outputs=out)
    stage = b[(b.segment == "journey_stage") & (b.metric == "csat")].set_index("level")
    assert stage.loc["审核", "rank"] == 4 and stage.loc["审核", "differs"]  # the weakest stage
    cross = b[(b.segment == "age_band × channel") & (b.metric == "csat")].set_index("level")
    assert cross.loc["60+ × APP", "z_vs_rest"] < -3  # older customers struggle with the APP
    league = read_run_table("segments", "league", outputs=out)
    assert league.iloc[0]["unit"] != "A099"  # three perfect answers do not top the table
    now = read_run_table("segments", "alerts_now", outputs=out)
    assert set(now["channel"].astype(str)) == {"公众号"}  # the touchpoint drop
    drivers_ = read_run_table("segments", "drivers", outputs=out)
    assert drivers_["driver"].iloc[0] == "first_response_min"
    fcr = read_run_table("segments", "tickets_breakdown", outputs=out)
    slot = fcr[(fcr.segment == "time_slot") & (fcr.metric == "fcr")].set_index("level")
    assert slot.loc["20-22", "rank"] == 4 and slot.loc["20-22", "differs"]  # the evening slot


def test_comments_report_saves_nothing_personal(tmp_path, small_data):
    from cxlab.text import find_personal_data

    schedule = _job(tmp_path, "comments", {"data_dir": str(small_data), "n_topics": 3}, small_data)
    result = run_job("comments", schedule=schedule, outputs=tmp_path / "out")
    assert {"masked", "keywords", "keywords_by_stage", "keywords_by_channel", "topics"} <= set(result.record["tables"])
    assert read_run_table("comments", "masked", outputs=tmp_path / "out")["items"].sum() > 0
    for path in (result.directory / "tables").glob("*.csv"):  # every saved table, every cell
        cells = pd.read_csv(path, encoding="utf-8-sig").astype(str).to_numpy().ravel()
        assert not any(find_personal_data(c) for c in cells), path.name
    html = (result.directory / "report.html").read_text(encoding="utf-8")
    assert "@example.com" not in html
