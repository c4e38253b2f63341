"""Tables for people (cxlab.tables.for_people) over every table a real run saves, in both locales.

No internal column name, no NaN / <NA> / [] / None text, p-values short, numbers rounded by
their unit, "too few answers" where a row is small; and the locale chosen from the data.
"""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import cxlab
from cxlab import i18n, tables
from cxlab.reports.catalog import REPORTS
from cxlab.reports.outputs import read_run_table
from cxlab.reports.runner import run_job

ROOT = Path(__file__).resolve().parents[1]
#: Column names of saved tables a reader must never see (tables.INTERNAL, and a few more by hand).
INTERNAL = {*tables.INTERNAL, "ci_low", "ci_high", "p_adjusted", "p_value", "previous_n", "count_low", "share_high",
            "n_missing", "value_control", "rel_ci_low", "funnel_low", "limit_high", "pre_trend_p_value"}
BAD_TEXT = re.compile(r"\bnan\b|\bNaN\b|<NA>|\[\]|\bNone\b|\bNaT\b")


@pytest.fixture(scope="module")
def run_tables(tmp_path_factory):
    """{(report, table): frame} of one run of every report notebook on small sample data."""
    home = tmp_path_factory.mktemp("tables")
    data = home / "data"
    cxlab.sample.write(data, 3000, seed=11)
    params = {"scores": {"data_dir": str(data)}, "segments": {"data_dir": str(data)},
              "experiment": {"data_file": str(data / "experiment.parquet"), "planned_n": 500},
              "before_after": {"data_file": str(data / "tickets.parquet")},
              "comments": {"data_dir": str(data), "n_topics": 3}}
    jobs = {}
    for stem, p in params.items():
        p["locale"] = "zh"  # as every job in params/ sets it
        (home / f"{stem}.yaml").write_text(yaml.safe_dump(p, allow_unicode=True), encoding="utf-8")
        jobs[stem] = {"notebook": str(ROOT / "notebooks" / f"{stem}.ipynb"), "params": str(home / f"{stem}.yaml"),
                      "timeout": 300}
    (home / "schedule.yaml").write_text(yaml.safe_dump({"jobs": jobs}), encoding="utf-8")
    out = {}
    for stem in params:
        assert run_job(stem, schedule=home / "schedule.yaml", outputs=home / "out").ok
        for name in REPORTS[stem].names:
            out[(stem, name)] = read_run_table(stem, name, outputs=home / "out")
        out[(stem, "report.html")] = (home / "out" / stem / "latest" / "report.html").read_text(encoding="utf-8")
    return out


@pytest.mark.slow
def test_reports_in_the_zh_locale_are_written_in_chinese(run_tables):
    # every heading and opening paragraph of each report comes from the zh side of the table
    from cxlab import i18n

    import re

    for stem in ("scores", "segments", "experiment", "before_after", "comments"):
        page = run_tables[(stem, "report.html")]
        headings = {h.strip() for h in re.findall(r"<h[1-3][^>]*>([^<]*)", page)}
        prose = [k for k in i18n.TEXT if k.startswith(f"nb.{stem}.")]
        assert prose, stem
        for key in prose:
            zh, en = (i18n.TEXT[key][loc].splitlines()[0] for loc in ("zh", "en"))
            if zh.startswith("#"):  # a heading: the Chinese one is shown, the English one is not
                assert zh.lstrip("# ").strip() in headings, (stem, key, headings)
                assert en.lstrip("# ").strip() not in headings, (stem, key)
            else:  # the opening paragraph
                assert zh[:20] in page and en[:40] not in page, (stem, key)


@pytest.mark.slow
@pytest.mark.parametrize("locale", ["zh", "en"])
def test_every_catalog_table_reads_for_people(run_tables, locale):
    for (stem, name), frame in run_tables.items():
        if name == "report.html":
            continue
        shown = tables.for_people(frame, REPORTS[stem].table(name), locale=locale)
        assert len(shown) == len(frame), (stem, name)
        left = INTERNAL & set(shown.columns)
        assert not left, f"{stem}/{name} shows internal column names {left}"
        cells = shown.astype(str).to_numpy().ravel().tolist()
        bad = [c for c in cells if BAD_TEXT.search(c)]
        assert not bad, f"{stem}/{name} shows {bad[:3]}"
        html = tables.for_people(frame, REPORTS[stem].table(name), locale=locale, html=True)
        assert "<table" in html and not BAD_TEXT.search(re.sub(r"<[^>]+>", " ", html)), (stem, name)
        assert "<th></th>" not in html  # no index column
        p_cols = [i18n.column_label(c, locale) for c in frame.columns if c in ("p_value", "p_adjusted")]
        for col in p_cols:
            assert all(re.fullmatch(r"(< 0\.001|[01]\.\d{3})?", v) for v in shown[col]), (stem, name, col)


@pytest.mark.slow
def test_rounding_by_unit_and_words(run_tables):
    overall = run_tables[("scores", "overall")].set_index("metric")
    shown = tables.for_people(overall.reset_index(), locale="zh").set_index("指标")
    nps, csat, ces = overall.loc["nps"], overall.loc["csat"], overall.loc["ces"]
    assert shown.loc["净推荐值 NPS", "数值"] == f"{nps['value']:.1f} 分"  # NPS points, one decimal
    assert shown.loc["满意度 CSAT %", "数值"] == f"{csat['value']:.1f}%"  # percentages, one decimal
    assert shown.loc["费力度 CES (1-7)", "数值"] == f"{ces['value']:.2f}"  # a mean of a short scale, two
    assert shown.loc["净推荐值 NPS", "95% 区间"] == f"{nps['ci_low']:.1f} 至 {nps['ci_high']:.1f}"
    assert shown.loc["净推荐值 NPS", "空白"] == f"{nps['n_missing']:,}"  # counts with thousands separators
    process = run_tables[("scores", "process")].set_index("metric")
    en = tables.for_people(process.reset_index(), locale="en").set_index("Metric")
    assert en.loc["First response time, median", "Value"] == f"{process.loc['first_response_median', 'value']:.1f} min"
    assert en.loc["First-contact resolution", "n"] == f"{process.loc['fcr', 'n']:,}"
    srm = tables.for_people(run_tables[("experiment", "srm")], locale="zh")
    assert set(srm["通过"]) <= {"是", "否"}


def test_p_values_flags_blanks_and_small_rows():
    frame = pd.DataFrame({"segment": ["channel", "channel", "channel"], "level": ["门店", "APP", "公众号"],
                          "metric": ["nps"] * 3, "n": [1200, 340, 12], "value": [72.068096, 12.5, np.nan],
                          "ci_low": [70.1, 9.0, np.nan], "ci_high": [74.0, 16.0, np.nan],
                          "p_adjusted": [9.127342e-11, 0.0234, np.nan], "differs": [True, False, False],
                          "small": [False, False, True], "rank": pd.array([1, 2, pd.NA], dtype="Int64"),
                          "terms": [["a", "b"], [], None]})
    zh = tables.for_people(frame)  # Chinese levels: Chinese by default
    assert list(zh.columns) == ["细分维度", "分组", "指标", "样本量", "数值", "95% 区间", "p 值（校正）", "差异显著", "排名",
                                "关键词"]
    assert zh["数值"].tolist() == ["72.1 分", "12.5 分", "样本太少"]
    assert zh["p 值（校正）"].tolist() == ["< 0.001", "0.023", ""]
    assert zh["差异显著"].tolist() == ["✓ 显著", "", ""] and zh["细分维度"].iloc[0] == "渠道"
    assert zh["排名"].tolist() == ["1", "2", ""] and zh["关键词"].tolist() == ["a、b", "", ""]
    assert zh["样本量"].tolist() == ["1,200", "340", "12"]
    en = tables.for_people(frame, locale="en", html=True)
    assert "too few answers" in en and "cx-significant" in en and "cx-legend" in en


def test_the_locale_follows_the_data_unless_set(monkeypatch):
    monkeypatch.delenv(i18n.ENV, raising=False)
    zh = pd.DataFrame({"channel": pd.Categorical(["门店", "APP"])})
    en = pd.DataFrame({"channel": ["store", "app"], "n": [1, 2]})
    assert i18n.detect_locale(zh) == "zh" and i18n.detect_locale(en) == "en"
    assert i18n.pick_locale("", en) == "en" and i18n.pick_locale("zh", en) == "zh"
    monkeypatch.setenv(i18n.ENV, "zh")
    assert i18n.pick_locale(None, en) == "zh"
    with pytest.raises(ValueError, match="locale"):
        i18n.pick_locale("fr")


def test_every_text_has_both_locales_and_metrics_have_chinese_names():
    assert all(set(v) == set(i18n.LOCALES) and all(v.values()) for v in i18n.TEXT.values())
    for name, metric in cxlab.METRICS.items():
        assert i18n.has_cjk(metric.label_zh), name
    assert i18n.metric_name("nps", "zh") == "净推荐值 NPS" and i18n.metric_name("csat", "en") == "CSAT %"
    assert tables.format_p(0.0004) == "< 0.001" and tables.format_p(0.0234) == "0.023" and tables.format_p(None) == ""


def test_format_scores_keeps_its_shape():
    table = cxlab.scores(cxlab.sample.responses(n=800, seed=2), metrics=["nps", "ces"], by="channel")
    zh, en = tables.format_scores(table), tables.format_scores(table, locale="en")
    assert list(zh.columns[:2]) == ["渠道", "指标"] and "95% 区间" in zh.columns
    assert list(en.columns[:2]) == ["Channel", "Metric"] and "95% interval" in en.columns
    assert not BAD_TEXT.search(zh.to_string())


def test_an_empty_table_says_so_in_words():
    empty = pd.DataFrame({"metric": pd.Series([], dtype=object), "value": pd.Series([], dtype=float)})
    for locale, words in (("zh", "没有符合条件的行"), ("en", "no rows")):
        shown = tables.show(empty, locale=locale)
        assert words in shown._repr_html_() and words in repr(shown) and "<table" not in shown._repr_html_()
