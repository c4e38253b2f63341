"""Charts, checked by their artists, and Chinese labels render with a CJK font."""

import os
import warnings

import matplotlib.pyplot as plt
import pytest

import cxlab
from cxlab import plots, trends


@pytest.fixture(scope="module")
def survey():
    return cxlab.sample.responses(4000, seed=2)


def test_cjk_font_is_used_and_chinese_renders_without_missing_glyphs(survey):
    name = plots.use_cjk_font()
    if name is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must install a CJK font (fonts-noto-cjk)")
        pytest.skip("no CJK font on this machine")
    table = cxlab.scores(survey, metrics=["nps"], by="journey_stage")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" would raise here
        ax = plots.plot_estimates(table, metric="nps", y="journey_stage")
        ax.figure.canvas.draw()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["预约", "现场服务", "审核", "激活"]  # flow order
    plt.close("all")


def test_plot_estimates_draws_each_interval(survey):
    table = cxlab.scores(survey, metrics=["csat"], by="channel")
    ax = plots.plot_estimates(table, metric="csat", y="channel")
    line = ax.lines[0]
    assert list(line.get_xdata()) == table["value"].tolist()
    assert ax.get_xlabel() == "CSAT %"
    assert len(ax.texts) == len(table)  # n beside each group
    plt.close("all")


def test_plot_trends_has_a_band_per_metric(survey):
    t = trends.trend(survey, metrics=["nps", "ces"], period="month")
    fig = plots.plot_trends(t, metrics=["nps", "ces"])
    assert len(fig.axes) == 2
    for ax in fig.axes:
        assert len(ax.lines) == 1 and len(ax.collections) == 1  # line and interval band
    with pytest.raises(ValueError, match="No rows for metric 'fcr'"):
        plots.plot_trend(t, metric="fcr")
    plt.close("all")


# ------------------------------------------------------------------ every plot_* function

import numpy as np  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.container import ErrorbarContainer  # noqa: E402

from cxlab import segments  # noqa: E402
from cxlab.experiments import analyze  # noqa: E402


def _top_to_bottom(ax):
    """The y tick labels as a reader sees them, from the top of the axes down."""
    pairs = zip(ax.get_yticks(), (t.get_text() for t in ax.get_yticklabels()))
    return [label for _, label in sorted(pairs, reverse=True)]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_plot_trend_draws_a_line_and_band_per_group_and_marks_a_period(survey):
    t = trends.trend(survey, metrics=["nps"], period="month", by="channel")
    periods = sorted(t["period"].astype(str).unique())
    ax = plots.plot_trend(t, metric="nps", hue="channel", mark=periods[2])
    channels = t["channel"].astype(str).unique()
    assert isinstance(ax, plt.Axes)
    lines = [ln for ln in ax.lines if ln.get_label() in set(channels)]
    assert len(lines) == len(channels) and len(ax.collections) == len(channels)  # one band each
    marks = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
    assert len(marks) == 1 and list(marks[0].get_xdata()) == [2, 2]  # a vertical line at the marked period
    assert ax.get_ylabel() == "NPS (points)" and ax.get_xlabel() == "Period"  # labels for people (i18n)
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == sorted(channels)
    app = t[t["channel"] == "APP"]
    np.testing.assert_allclose(lines[[ln.get_label() for ln in lines].index("APP")].get_ydata(), app["value"])


def test_plot_estimates_follows_the_given_order(survey):
    table = cxlab.scores(survey, metrics=["nps"], by="channel")
    order = ["门店", "APP", "公众号", "电话客服"]
    ax = plots.plot_estimates(table, metric="nps", y="channel", order=order)
    assert _top_to_bottom(ax) == order  # first at the top
    bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert len(bars) == 1 and len(bars[0].lines[2][0].get_segments()) == len(order)
    assert ax.get_ylabel() == "Channel"
    with pytest.raises(ValueError, match="No rows for metric 'ces'"):
        plots.plot_estimates(table, metric="ces", y="channel")


def test_plot_breakdown_has_a_panel_per_metric(survey):
    table = cxlab.scores(survey, metrics=["nps", "csat", "ces"], by="journey_stage")
    fig = plots.plot_breakdown(table, y="journey_stage", metrics=["nps", "csat", "ces"])
    assert isinstance(fig, plt.Figure) and len(fig.axes) == 3
    assert [ax.get_xlabel() for ax in fig.axes] == ["NPS (points)", "CSAT %", "CES mean (1-7)"]
    assert [ax.get_ylabel() for ax in fig.axes] == ["Journey stage", "", ""]
    for ax in fig.axes:
        assert len(ax.texts) == 4  # n beside each stage
    assert _top_to_bottom(fig.axes[0]) == ["预约", "现场服务", "审核", "激活"]  # CJK labels, flow order (shared y)


def test_plot_forest_has_a_panel_per_metric_and_fills_significant_effects():
    trial = cxlab.sample.experiment(20_000, seed=5)
    readout = analyze(trial, variant="variant", control="A", metrics=["nps", "csat", "ces"])
    fig = plots.plot_forest(readout)
    assert isinstance(fig, plt.Figure)
    assert [ax.get_title() for ax in fig.axes] == ["nps", "csat", "ces"]
    for ax, metric in zip(fig.axes, ["nps", "csat", "ces"]):
        rows = readout[readout["metric"] == metric].reset_index(drop=True)
        bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
        assert len(bars) == len(rows) == 2  # one interval per treatment arm
        for bar, (_, r) in zip(bars, rows.iterrows()):
            (x0, _), (x1, _) = bar.lines[2][0].get_segments()[0]
            assert (x0, x1) == pytest.approx((r["ci_low"], r["ci_high"]), rel=1e-12)
            filled = to_rgba(bar.lines[0].get_markerfacecolor()) != to_rgba("white")
            assert filled == bool(r["significant"])
        assert _top_to_bottom(ax) == ["B", "C"]
        assert any(list(ln.get_xdata()) == [0, 0] for ln in ax.lines)  # the no-effect line


def test_plot_funnel_labels_the_units_outside_it(survey):
    lt = segments.league_table(survey, unit="agent_id", metric="csat")
    ax = plots.plot_funnel(lt)
    outside = lt[lt["outlier"] != ""]
    assert len(outside) > 0
    assert sorted(t.get_text() for t in ax.texts) == sorted(outside["unit"])
    assert len(ax.collections) == 4  # two bands, units inside, units outside
    assert ax.collections[3].get_offsets().shape[0] == len(outside)
    assert ax.get_xlabel() == "answers (n)" and ax.get_ylabel() == "CSAT %"


def test_plot_heatmap_leaves_small_cells_blank(survey):
    table = segments.heatmap_table(survey, x="time_slot", y="channel", metric="csat", min_n=30)
    small = int(table["small"].sum())
    assert small == 1  # 公众号 x 20-22 (fewer than 30 answers)
    ax = plots.plot_heatmap(table, x="time_slot", y="channel", metric="csat")
    cells = ax.collections[0].get_array()
    assert cells.size == 16 and int(np.ma.count_masked(cells)) == small  # the small cell is blank
    assert len(ax.texts) == 16 - small  # annotations on the others only
    assert [t.get_text() for t in ax.get_yticklabels()] == ["APP", "门店", "电话客服", "公众号"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Time slot", "Channel")
    assert ax.figure.axes[-1].get_ylabel() == "CSAT %"  # the colour bar names the metric


def test_plot_heatmap_keeps_a_row_of_small_cells_as_blanks(survey):
    table = segments.heatmap_table(survey, x="time_slot", y="channel", metric="csat", min_n=70)
    assert table.loc[table["channel"] == "公众号", "small"].all()
    ax = plots.plot_heatmap(table, x="time_slot", y="channel", metric="csat")
    cells = ax.collections[0].get_array()
    assert cells.size == 16 and int(np.ma.count_masked(cells)) == int(table["small"].sum())


def test_no_cjk_font_warns_with_what_to_install(monkeypatch):
    monkeypatch.setattr(plots, "cjk_font", lambda: None)
    monkeypatch.setattr(plots, "cjk_font_files", lambda: [])
    with pytest.warns(UserWarning, match="apt-get install fonts-noto-cjk"):
        assert plots.use_cjk_font() is None


def test_a_stale_font_cache_is_rebuilt_when_a_cjk_font_is_installed(tmp_path):
    """matplotlib cached its font list before the CJK font was installed: cxlab rebuilds it."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    if not plots.cjk_font_files():
        if os.environ.get("CI") == "true":
            pytest.fail("CI must install a CJK font (fonts-noto-cjk)")
        pytest.skip("no CJK font file on this machine")
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path), "PYTHONPATH": str(Path(__file__).resolve().parents[1])}

    def python(code):
        return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True,
                              timeout=300).stdout.strip()

    python("import matplotlib.font_manager")  # builds the cache in the temp folder
    (cache,) = tmp_path.glob("fontlist-*.json")
    listed = json.loads(cache.read_text(encoding="utf-8"))
    listed["ttflist"] = [f for f in listed["ttflist"] if "CJK" not in f["name"] and f["name"] not in plots.CJK_FONTS]
    cache.write_text(json.dumps(listed), encoding="utf-8")  # as if cached before the font was installed
    assert python("from cxlab import plots; print(plots.cjk_font())") == "None"
    assert python("from cxlab import plots; print(plots.use_cjk_font())") in plots.CJK_FONTS
    assert any(f["name"] in plots.CJK_FONTS for f in json.loads(cache.read_text(encoding="utf-8"))["ttflist"])


def test_charts_speak_the_report_locale(survey):
    table = cxlab.scores(survey, metrics=["nps", "csat"], by="journey_stage")
    fig = plots.plot_breakdown(table, y="journey_stage", metrics=["nps", "csat"], locale="zh")
    assert [ax.get_xlabel() for ax in fig.axes] == ["净推荐值 NPS (分)", "满意度 CSAT %"]
    assert fig.axes[0].get_ylabel() == "旅程阶段"
    plt.close(fig)
    t = trends.trend(survey, metrics=["nps"], period="month", by="channel")
    ax = plots.plot_trend(t, metric="nps", hue="channel", locale="zh")
    assert (ax.get_xlabel(), ax.get_legend().get_title().get_text()) == ("周期", "渠道")
    plt.close(ax.figure)
