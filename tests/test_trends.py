"""Trends over time, period-over-period changes, the journey-stage composite, p-value adjustment."""

import math

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

import cxlab
from cxlab import segments, trends
from cxlab.experiments import adjust_p_values, compare_means_from_moments, compare_nps_from_counts, compare_proportions


@pytest.fixture(scope="module")
def survey():
    return cxlab.sample.responses(6000, seed=21)


def test_periods_are_labelled_and_ordered(survey):
    framed = trends.add_period(survey, period="week")
    labels = list(framed["period"].cat.categories)
    assert labels[0] == "2026-03-30" and labels == sorted(labels) and framed["period"].cat.ordered
    assert trends.add_period(survey, period="month")["period"].cat.categories[0] == "2026-03"
    assert trends.add_period(survey, period="quarter")["period"].cat.categories[1] == "2026Q2"
    with pytest.raises(ValueError, match="`period` must be one of 'day', 'week', 'month', 'quarter'; got 'weekly'"):
        trends.add_period(survey, period="weekly")


def test_trend_equals_scores_on_the_period(survey):
    t = trends.trend(survey, metrics=["nps", "csat"], period="month")
    april = survey[(survey.submitted_at >= "2026-04-01") & (survey.submitted_at < "2026-05-01")]
    direct = cxlab.scores(april, metrics=["nps", "csat"]).set_index("metric")["value"]
    got = t[t.period == "2026-04"].set_index("metric")["value"]
    pd.testing.assert_series_equal(got, direct, rtol=1e-12, check_names=False)


def test_period_changes_equal_the_pairwise_comparisons(survey):
    ch = trends.period_changes(survey, metrics=["nps", "csat", "ces"], period="month", adjust=None)
    row = ch[(ch.period == "2026-05")].set_index("metric")
    apr = survey[(survey.submitted_at >= "2026-04-01") & (survey.submitted_at < "2026-05-01")]
    may = survey[(survey.submitted_at >= "2026-05-01") & (survey.submitted_at < "2026-06-01")]

    def counts(frame):
        s = frame["nps"].dropna()
        return int((s >= 9).sum()), int(s.between(7, 8).sum()), int((s <= 6).sum())

    c = compare_nps_from_counts(counts(apr), counts(may))
    assert (row.loc["nps", "diff"], row.loc["nps", "ci_low"], row.loc["nps", "p_value"]) == pytest.approx(
        (c.diff, c.ci_low, c.p_value), rel=1e-9)
    a, m = apr["csat"].dropna(), may["csat"].dropna()
    c = compare_proportions(int((a >= 4).sum()), len(a), int((m >= 4).sum()), len(m))
    assert (row.loc["csat", "diff"], row.loc["csat", "ci_high"], row.loc["csat", "p_value"]) == pytest.approx(
        (c.diff, c.ci_high, c.p_value), rel=1e-9)
    a, m = apr["ces"].dropna().astype(float), may["ces"].dropna().astype(float)
    c = compare_means_from_moments(len(a), a.mean(), a.std(), len(m), m.mean(), m.std())
    assert (row.loc["ces", "diff"], row.loc["ces", "p_value"]) == pytest.approx((c.diff, c.p_value), rel=1e-9)


def test_changes_are_holm_adjusted_and_find_the_planted_drop():
    survey = cxlab.sample.responses(20_000, seed=0)
    ch = trends.period_changes(survey, metrics=["nps", "csat", "ces"], period="week", by="channel")
    judged = ch[~ch["small"]]
    np.testing.assert_allclose(judged["p_adjusted"], multipletests(judged["p_value"], method="holm")[1], rtol=1e-12)
    assert ch.loc[ch["small"], "p_adjusted"].isna().all() and not ch.loc[ch["small"], "significant"].any()
    flagged = ch[ch.significant]
    assert len(flagged) >= 1
    assert set(flagged["channel"].astype(str)) == {"公众号"}  # only the planted WeChat drop
    worse = [(d < 0) == cxlab.METRICS[m].higher_is_better for m, d in zip(flagged["metric"], flagged["diff"])]
    assert all(worse)  # every flagged change is a worsening (CES effort going up counts as one)


def test_adjust_p_values_matches_r():
    # R 4.x: p.adjust(c(0.01, 0.04, 0.03), "holm") -> 0.03 0.06 0.06
    #        p.adjust(c(0.01, 0.04, 0.03), "BH")   -> 0.03 0.04 0.04
    #        p.adjust(c(0.01, 0.04, 0.03), "bonferroni") -> 0.03 0.12 0.09
    p = [0.01, 0.04, 0.03]
    np.testing.assert_allclose(adjust_p_values(p), [0.03, 0.06, 0.06], rtol=1e-12)
    np.testing.assert_allclose(adjust_p_values(p, adjust="fdr_bh"), [0.03, 0.04, 0.04], rtol=1e-12)
    np.testing.assert_allclose(adjust_p_values(p, adjust="bonferroni"), [0.03, 0.12, 0.09], rtol=1e-12)
    out = adjust_p_values([0.01, np.nan, 0.04])
    assert math.isnan(out[1]) and out[0] == pytest.approx(0.02)  # nan does not count in the family
    with pytest.raises(ValueError, match="`adjust` must be one of"):
        adjust_p_values(p, adjust="BH")


def test_composite_hand_calculation():
    df = pd.DataFrame({"journey_stage": ["a"] * 4 + ["b"] * 5,
                       "csat": pd.array([5, 4, 1, 2, 5, 5, 5, 4, 1], dtype="Int8")})
    table = segments.composite(df, metric="csat", weights={"a": 1, "b": 3})
    # a: 2/4 = 50 %, b: 4/5 = 80 %; weights 0.25 / 0.75 -> 0.25 * 50 + 0.75 * 80 = 72.5
    final = table.iloc[-1]
    assert final["value"] == pytest.approx(72.5, rel=1e-12)
    se_a, se_b = 100 * math.sqrt(0.5 * 0.5 / 4), 100 * math.sqrt(0.8 * 0.2 / 5)
    assert final["se"] == pytest.approx(math.sqrt(0.25**2 * se_a**2 + 0.75**2 * se_b**2), rel=1e-12)
    assert final["ci_high"] <= 100


def test_composite_renormalises_missing_stages_and_checks_input():
    df = pd.DataFrame({"journey_stage": ["a", "a", "b"], "nps": pd.array([10, 9, pd.NA], dtype="Int8")})
    table = segments.composite(df, metric="nps", weights={"a": 0.5, "b": 0.5})
    assert table.iloc[-1]["stages_missing"] == ["b"] and table.iloc[-1]["value"] == pytest.approx(100.0)
    with pytest.raises(ValueError, match="Stages \\['c'\\] in `weights` do not occur"):
        segments.composite(df, metric="nps", weights={"a": 1, "c": 1})
    with pytest.raises(ValueError, match="Weights must be >= 0"):
        segments.composite(df, metric="nps", weights={"a": -1})


@pytest.mark.parametrize("method", ["holm", "bonferroni", "fdr_bh", "fdr_by", "sidak", "holm-sidak", "hommel"])
def test_adjust_p_values_equals_statsmodels_multipletests(method):
    rng = np.random.default_rng(7)
    for p in (rng.uniform(0, 0.2, 40), np.array([0.001, 0.001, 0.2, 0.04, 0.9, 0.04]), np.array([0.3])):
        np.testing.assert_allclose(adjust_p_values(p, adjust=method), multipletests(p, method=method)[1], rtol=1e-12)
