"""Reports declare their tables once (cxlab.reports.catalog), and honour their parameters.

Static checks: every table a notebook saves and every table a page reads is a declaration
of the catalog, never a bare string. Real runs: each report notebook runs once with
non-default parameters on small sample data; its saved tables are exactly the declared
ones, have the declared columns, and show that each parameter took effect.
"""

import ast
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml
from scipy import stats

import cxlab
from cxlab.reports import catalog
from cxlab.reports.catalog import REPORTS
from cxlab.reports.outputs import read_run_table
from cxlab.reports.runner import run_job

ROOT = Path(__file__).resolve().parents[1]
CATALOG_NAMES = {name: getattr(catalog, name) for name in catalog.__all__
                 if isinstance(getattr(catalog, name), catalog.Report)}


def _code(stem: str) -> list[str]:
    nb = nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "code"]


def _saved(stem: str) -> list[ast.expr]:
    """The first argument of every ``out.table(...)`` call in a report notebook."""
    args = []
    for source in _code(stem):
        for node in ast.walk(ast.parse(source)):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "table"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "out"):
                args.append(node.args[0])
    return args


def test_every_report_notebook_has_a_catalog_entry():
    stems = {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert stems == set(REPORTS)
    assert {r.name for r in CATALOG_NAMES.values()} == set(REPORTS)


@pytest.mark.parametrize("stem", sorted(REPORTS))
def test_every_table_a_notebook_saves_is_declared(stem):
    report = REPORTS[stem]
    variable = next(name for name, r in CATALOG_NAMES.items() if r is report)
    assert any(f"from cxlab.reports.catalog import {variable}" in source for source in _code(stem))
    saved = []
    for arg in _saved(stem):
        assert isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name) and arg.value.id == variable, \
            f"{stem}.ipynb saves {ast.unparse(arg)}; save with the catalog's {variable}.<table>"
        assert arg.attr in report.names, f"{stem}.ipynb saves {arg.attr!r}, which {variable} does not declare"
        saved.append(arg.attr)
    assert sorted(saved) == sorted(report.names), "each declared table is saved once"


def test_every_table_a_page_reads_is_declared():
    source = (ROOT / "cxlab" / "reports" / "views.py").read_text(encoding="utf-8")  # what each page shows
    read = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_table":
            assert not isinstance(node.args[1], ast.Constant), f"a page reads a table by string: {ast.unparse(node)}"
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in CATALOG_NAMES:
            report = CATALOG_NAMES[node.value.id]
            assert node.attr in report.names, f"pages read {node.value.id}.{node.attr}, which is not declared"
            read.append(node.attr)
    assert len(read) >= 15  # every page reads through the catalog
    assert "follow_up" not in read, "the follow-up list holds personal data: never on a page"


def test_an_undeclared_table_names_the_closest():
    with pytest.raises(AttributeError, match="declares no table 'overal' \\(did you mean 'overall'\\?\\)"):
        catalog.SCORES.overal  # noqa: B018


def test_the_catalog_is_light_to_import():
    import subprocess
    import sys

    code = "import sys, cxlab.reports.catalog; print(sorted(m for m in ('pandas', 'numpy', 'pydantic') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ------------------------------------------------------------------ real runs, non-default parameters

#: Each report with parameters other than its defaults (all on the same small sample).
PARAMETERS = {
    "scores": lambda d: {"data_dir": str(d), "title": "Quarterly scores", "period": "month", "start": "2026-05-01",
                         "end": "2026-09-01", "metrics": ["nps", "csat_mean"], "composite_metric": "nps",
                         "stage_weights": {"预约": 1, "现场服务": 1, "审核": 1, "激活": 1}, "confidence": 0.9,
                         "stage_owners": {"审核": "Claims team"}, "follow_up_hours": 48, "locale": "en"},
    "segments": lambda d: {"data_dir": str(d), "title": "Regions", "dimensions": ["region", "channel"],
                           "crosses": [["region", "customer_type"]], "metrics": ["nps"],
                           "ticket_dimensions": ["region"], "ticket_metrics": ["fcr"], "min_n": 20, "unit": "team",
                           "league_metric": "nps", "response_by": "region", "heatmap_rows": "channel",
                           "heatmap_columns": "region", "heatmap_metric": "nps", "alert_metric": "nps",
                           "alert_by": "region", "period": "month", "driver_columns": ["contacts", "reopened"],
                           "driver_score": "nps", "follow_up_metric": "nps", "follow_up_hours": 48,
                           "confidence": 0.9, "locale": "zh"},
    "experiment": lambda d: {"data_file": str(d / "experiment.parquet"), "title": "Guide test", "control": "B",
                             "metrics": ["csat", "fcr"], "covariates": {}, "expected_weights": [1, 1, 1],
                             "planned_n": 500, "confidence": 0.9, "locale": "zh"},
    "before_after": lambda d: {"data_file": str(d / "responses.parquet"), "data_kind": "responses",
                               "title": "Survey view of the rollout", "score": "csat", "time": "submitted_at",
                               "unit": "region", "treated_units": ["华东"], "intervention": "2026-07-06",
                               "placebo_date": "2026-06-01", "period": "month", "confidence": 0.9,
                               "locale": "en"},
    "comments": lambda d: {"data_dir": str(d), "title": "Detractors", "score": "nps", "low": [0, 1, 2, 3, 4, 5, 6],
                           "high": [9, 10], "by": ["channel", "region"], "n_topics": 3, "seed": 1,
                           "sentiment_labels": str(d / "标注评论.csv"), "locale": "zh"},
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """One run of each report notebook with PARAMETERS: {stem: (result, parameters, outputs)}."""
    home = tmp_path_factory.mktemp("catalog")
    data = home / "data"
    cxlab.sample.write(data, 3000, seed=11)
    held = pd.read_csv(ROOT / "tests" / "data" / "service_comments_zh.csv", comment="#")  # a team's labels, as
    pd.DataFrame({"评论": held["text"], "标签": held["positive"].map({1: "正面", 0: "负面"})}).to_csv(  # exported
        data / "标注评论.csv", index=False, encoding="gbk")
    jobs = {}
    for stem, make in PARAMETERS.items():
        (home / f"{stem}.yaml").write_text(yaml.safe_dump(make(data), allow_unicode=True), encoding="utf-8")
        jobs[stem] = {"notebook": str(ROOT / "notebooks" / f"{stem}.ipynb"), "params": str(home / f"{stem}.yaml"),
                      "timeout": 300}
    schedule = home / "schedule.yaml"
    schedule.write_text(yaml.safe_dump({"jobs": jobs}), encoding="utf-8")
    return {stem: (run_job(stem, schedule=schedule, outputs=home / "out"), PARAMETERS[stem](data), home / "out")
            for stem in PARAMETERS}


def _tables(runs, stem) -> dict[str, pd.DataFrame]:
    result, _, outputs = runs[stem]
    return {name: read_run_table(stem, name, outputs=outputs) for name in REPORTS[stem].names}


@pytest.mark.slow
def test_parameters_cover_every_declared_parameter():
    from papermill import inspect_notebook

    for stem, make in PARAMETERS.items():
        declared = set(inspect_notebook(str(ROOT / "notebooks" / f"{stem}.ipynb"))) - {"output_dir"}
        missing = declared - set(make(Path("/data")))
        # `columns` renames a file's columns and `variant` names the arm column: both need other data;
        # `database` replaces data_dir: tests/test_params_database.py runs these reports from databases
        assert missing <= {"columns", "variant", "database"}, f"{stem}: give {sorted(missing)} a non-default value here"


@pytest.mark.slow
@pytest.mark.parametrize("stem", sorted(PARAMETERS))
def test_a_run_saves_exactly_the_declared_tables_with_their_columns(runs, stem):
    result, _, _ = runs[stem]
    assert result.ok
    assert sorted(result.record["tables"]) == sorted(REPORTS[stem].names)
    for name, frame in _tables(runs, stem).items():
        missing = [c for c in REPORTS[stem].table(name).columns if c not in frame.columns]
        assert not missing, f"{stem}/{name} lacks declared columns {missing}; it has {list(frame.columns)}"


@pytest.mark.slow
def test_every_report_shows_its_title(runs):
    for stem, (result, params, _) in runs.items():
        html = (result.directory / "report.html").read_text(encoding="utf-8")
        assert params["title"] in html, stem


@pytest.mark.slow
def test_scores_honours_its_parameters(runs):
    t = _tables(runs, "scores")
    for name in ("overall", "process", "trend", "fcr_trend", "by_stage", "by_channel"):
        assert (t[name]["confidence"] == 0.9).all(), name
    assert set(t["trend"]["metric"]) == {"nps", "csat_mean"}
    assert set(t["changes"]["metric"]) == {"nps", "csat_mean"}
    periods = pd.to_datetime(t["trend"]["period"].astype(str))
    assert list(periods.dt.strftime("%Y-%m-%d").unique()) == ["2026-05-01", "2026-06-01", "2026-07-01", "2026-08-01"]
    assert set(t["composite"]["metric"]) == {"nps"}
    stages = t["composite"][t["composite"]["journey_stage"] != "composite"]
    assert stages["weight"].tolist() == pytest.approx([0.25] * 4)
    excl = t["exclusions"]
    assert excl["reason"].str.contains("outside 2026-05-01 to 2026-09-01").any()


@pytest.mark.slow
def test_segments_honours_its_parameters(runs):
    t = _tables(runs, "segments")
    b = t["breakdown"]
    assert set(b["segment"]) == {"region", "channel", "region × customer_type"}
    assert set(b["metric"]) == {"nps"} and (b["confidence"] == 0.9).all()
    assert set(t["tickets_breakdown"]["segment"]) == {"region"} and set(t["tickets_breakdown"]["metric"]) == {"fcr"}
    assert t["response"].columns[0] == "region" and (t["response"]["confidence"] == 0.9).all()
    league = t["league"]
    teams = pd.read_parquet(Path(runs["segments"][1]["data_dir"]) / "responses.parquet")["team"].astype(str)
    assert set(league["metric"]) == {"nps"} and set(league["unit"].astype(str)) <= set(teams)  # `unit` is team
    heat = t["heatmap"]
    assert list(heat.columns[:2]) == ["channel", "region"] and set(heat["metric"]) == {"nps"}
    assert (heat["confidence"] == 0.9).all()
    assert t["alerts"].columns[0] == "region" and set(t["alerts"]["metric"]) == {"nps"}
    assert set(t["drivers"]["driver"]) == {"contacts", "reopened"}
    follow = t["follow_up"]
    assert follow.columns[0] == "nps" and (follow["nps"] <= 6).all()
    hours = (pd.to_datetime(follow["deadline"]) - pd.to_datetime(follow["submitted"])).dt.total_seconds() / 3600
    assert (hours == 48).all()
    assert "breakdown" in runs["segments"][0].record["figures"]


@pytest.mark.slow
def test_experiment_honours_its_parameters(runs):
    t = _tables(runs, "experiment")
    _, params, _ = runs["experiment"]
    effects = t["effects"]
    assert set(effects["variant"]) == {"A", "C"} and set(effects["metric"]) == {"csat", "fcr"}
    assert not effects["cuped"].any()  # no covariates given
    units = cxlab.load_assignments(params["data_file"])
    direct = cxlab.experiments.analyze(units, variant="variant", control="B", metrics=["csat", "fcr"], covariates={},
                                       expected_weights=[1, 1, 1], confidence=0.9)
    pd.testing.assert_series_equal(effects["ci_low"].reset_index(drop=True),
                                   direct["ci_low"].reset_index(drop=True), check_names=False, rtol=1e-12)
    assert (t["sample_size"]["planned"] == 500).all()


@pytest.mark.slow
def test_before_after_honours_its_parameters(runs):
    t = _tables(runs, "before_after")
    by_group = t["by_group"]
    assert (by_group["confidence"] == 0.9).all() and set(by_group["metric"]) == {"csat"}
    assert by_group["period"].nunique() == 7  # monthly periods, March (2 days) to September
    z = stats.norm.ppf(0.95)  # a 90 % two-sided interval; HC1 intervals use the normal quantile
    for name in ("did", "placebo"):
        robust = t[name].set_index("se_type").loc["robust (HC1)"]
        assert (robust["ci_high"] - robust["ci_low"]) / (2 * robust["se"]) == pytest.approx(z, rel=1e-9), name
    assert t["did"]["n"].iloc[0] > 0


@pytest.mark.slow
def test_comments_honours_its_parameters(runs):
    t = _tables(runs, "comments")
    assert t["keywords_by_stage"].columns[0] == "channel"
    assert t["keywords_by_channel"].columns[0] == "region"
    assert t["phrases_by_stage"].columns[0] == "channel"
    assert t["sentiment_by_stage"].columns[0] == "channel" and t["sentiment_by_channel"].columns[0] == "region"
    assert len(t["topics"]) == 3
    model = t["sentiment_model"].set_index("model")
    assert list(model.index) == ["shipped", "adapted"] and (model["comments"] == 235).all()
    assert (model["accuracy_ci_low"] <= model["accuracy"]).all()


def test_the_readme_lists_what_each_job_reads():
    from pathlib import Path

    from cxlab.reports.catalog import REPORTS

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("What each job reads", 1)[1].split("\n\n", 2)[1]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    for report in REPORTS.values():
        mine = [r for r in rows if f"({report.name})" in r]
        assert mine, report.name
        text = "\n".join(rows[rows.index(mine[0]):rows.index(mine[0]) + len(report.inputs)])
        for spec in report.inputs:
            for column in (*spec.columns, *spec.optional, *spec.named_by):
                assert f"`{column}`" in text, (report.name, column)
