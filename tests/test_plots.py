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
