"""Breakdowns, league tables, alerts and drivers against scipy/statsmodels and the planted effects."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.contingency_tables import Table
from statsmodels.stats.meta_analysis import combine_effects

import cxlab
from cxlab import alerts, drivers, segments


@pytest.fixture(scope="module")
def survey():
    return cxlab.sample.responses(20_000, seed=0)


def test_breakdown_tests_match_scipy_and_statsmodels(survey):
    b = segments.breakdown(survey, by="journey_stage", metrics=["csat", "ces", "nps"])
    csat = b[b.metric == "csat"].set_index("level")
    answered = survey.dropna(subset=["csat"])
    counts = pd.crosstab(answered.journey_stage, answered.csat >= 4)
    tab = pd.DataFrame({"yes": counts[True], "no": counts[False]})  # (a list of booleans would be a mask)
    assert csat["p_table"].iloc[0] == pytest.approx(stats.chi2_contingency(tab, correction=False).pvalue, rel=1e-9)
    # each stage against the rest: the two-group comparison of its counts with the others' pooled
    from cxlab.stats.compare import compare_proportions

    for stage, row in tab.iterrows():
        rest = tab.drop(index=stage).sum()
        ref = compare_proportions(rest["yes"], rest.sum(), row["yes"], row.sum())
        assert csat.loc[str(stage), "p_vs_rest"] == pytest.approx(ref.p_value, rel=1e-9)
        assert np.sign(csat.loc[str(stage), "z_vs_rest"]) == np.sign(ref.diff)
    # the adjusted residuals (statsmodels Table.standardized_resids) point the same way
    resid = Table(tab.to_numpy()).standardized_resids[:, 0]
    assert (np.sign(csat.loc[list(tab.index.astype(str)), "z_vs_rest"].to_numpy()) == np.sign(resid)).all()
    ces = b[b.metric == "ces"]
    groups = [g.ces.dropna().astype(float) for _, g in survey.groupby("journey_stage", observed=True)]
    assert ces["statistic"].iloc[0] == pytest.approx(stats.kruskal(*groups).statistic, rel=1e-9)
    assert (b.groupby("metric")["rank"].min() == 1).all()


def test_dunn_matches_a_raw_rank_computation(survey):
    d = segments.dunn(survey, by="journey_stage", metric="ces").set_index(["a", "b"])
    x = survey.dropna(subset=["ces"])
    ranks = stats.rankdata(x.ces.astype(float))
    n = len(ranks)
    _, t = np.unique(x.ces, return_counts=True)
    var = n * (n + 1) / 12 - (t**3 - t).sum() / (12 * (n - 1))
    g = pd.Series(ranks).groupby(x.journey_stage.astype(str).to_numpy())
    mean, size = g.mean(), g.size()
    z = (mean["预约"] - mean["审核"]) / np.sqrt(var * (1 / size["预约"] + 1 / size["审核"]))
    assert d.loc[("预约", "审核"), "z"] == pytest.approx(z, rel=1e-9)


def test_small_segments_are_flagged_and_never_ranked(survey):
    b = segments.breakdown(survey, by="agent_id", metrics=["csat"], min_n=30)
    tiny = b[b.level == "A099"].iloc[0]
    assert tiny["small"] and pd.isna(tiny["rank"]) and tiny["value"] == 100.0
    assert b.loc[b["rank"] == 1, "level"].iloc[0] != "A099"


def test_league_table_shrinks_and_does_not_reward_luck(survey):
    lt = segments.league_table(survey, unit="agent_id", metric="csat")
    tiny = lt[lt.unit == "A099"].iloc[0]
    assert tiny["value"] == 100.0 and tiny["small"] and pd.isna(tiny["rank"]) and tiny["outlier"] == ""
    ranked = lt[~lt["small"]]
    assert ranked["rank"].min() == 1 and ranked["rank"].notna().all()
    a, b = lt.attrs["prior"]["a"], lt.attrs["prior"]["b"]
    k = tiny["value"] * tiny["n"] / 100
    assert tiny["shrunk"] == pytest.approx(100 * (k + a) / (tiny["n"] + a + b), rel=1e-12)
    # the beta prior maximises the beta-binomial likelihood: nudging it only lowers it
    k_all = np.rint(lt["value"] * lt["n"] / 100)
    ll = lambda a_, b_: stats.betabinom.logpmf(k_all, lt["n"], a_, b_).sum()  # noqa: E731
    assert ll(a, b) >= max(ll(a * 1.05, b), ll(a, b * 1.05), ll(a * 0.95, b * 0.95))


def test_normal_shrinkage_matches_statsmodels_dersimonian_laird(survey):
    lt = segments.league_table(survey, unit="agent_id", metric="ces")
    est = lt["value"].to_numpy()
    # DerSimonian-Laird tau^2 from the same estimates and variances (statsmodels meta-analysis)
    g = cxlab.stats.cube.cube(survey, by=["agent_id"], scales={"ces": (1, 7)})
    n_all, _, m2, _ = g.moments_of("ces")
    pooled = np.nansum(m2) / (np.nansum(n_all) - np.sum(n_all > 0))
    variances = pooled / lt["n"].to_numpy()
    res = combine_effects(est, variances, method_re="dl")
    assert lt.attrs["prior"]["tau2"] == pytest.approx(res.tau2, rel=1e-9)
    assert lt.attrs["prior"]["mean"] == pytest.approx(res.mean_effect_re, rel=1e-9)


def test_p_chart_limits_montgomery_example():
    # Montgomery, Introduction to Statistical Quality Control, Example 7.1 (orange-juice cans):
    # p-bar = 0.2313, n = 50 -> UCL = 0.4102, LCL = 0.0524
    lcl, ucl = alerts.p_chart_limits(0.2313, 50)
    assert (float(lcl), float(ucl)) == pytest.approx((0.0524, 0.4102), abs=5e-5)  # 4 decimals


def test_alerts_flag_the_planted_touchpoint_drop_only(survey):
    chart = alerts.check(survey, metric="csat", by="channel", period="week")
    flagged = chart[chart.alert]
    assert set(flagged["channel"].astype(str)) == {"公众号"}
    assert (flagged["period"].astype(str) >= "2026-08-31").all()
    recent = alerts.current(chart, last=3)  # what a weekly report shows for the last three weeks
    assert set(recent["channel"].astype(str)) == {"公众号"} and len(recent) >= 2
    assert not chart[~chart.judged]["alert"].any()


def test_laney_keeps_false_alarms_down_when_periods_vary_more_than_binomial():
    # 60 periods of 5000 answers whose true rate wanders (beta, sd ~ 2 points): the p-chart
    # alarms often, Laney's p'-chart rarely.
    rng = np.random.default_rng(3)
    p = rng.beta(700, 300, 60)
    rows = pd.DataFrame({"submitted_at": np.repeat(pd.date_range("2026-01-01", periods=60), 5000),
                         "fcr": (rng.random(60 * 5000) < np.repeat(p, 5000))})
    p_alarms = alerts.check(rows, metric="fcr", by=None, period="day", method="shewhart")["alert"].sum()
    laney = alerts.check(rows, metric="fcr", by=None, period="day", method="laney")["alert"].sum()
    assert p_alarms >= 5 and laney <= 2


def test_key_drivers_recover_the_planted_order(survey):
    kd = drivers.key_drivers(survey, score="csat", n_boot=100)
    assert kd["driver"].tolist() == cxlab.sample.PLANTED["drivers"]["order"]
    assert kd["importance"].sum() == pytest.approx(100.0)
    assert (kd.set_index("driver").loc[["first_response_min", "contacts", "reopened"], "beta"] < 0).all()
    assert kd.attrs["n_excluded"] == survey["csat"].isna().sum()


def test_relative_weights_identities():
    # Uncorrelated predictors: each weight is the squared correlation; weights always sum to OLS R^2.
    rng = np.random.default_rng(1)
    X = rng.normal(size=(5000, 3))
    X = np.linalg.qr(X - X.mean(0))[0] * 70  # exactly orthogonal, centred columns
    y = X @ [1.0, 0.5, 0.0] + rng.normal(size=5000)
    raw, r2 = drivers.relative_weights(X, y)
    r = np.array([np.corrcoef(X[:, j], y)[0, 1] for j in range(3)])
    np.testing.assert_allclose(raw, r**2, rtol=1e-9)
    import statsmodels.api as sm

    Xc = rng.normal(size=(3000, 3)) @ [[1, 0.6, 0.2], [0, 1, 0.5], [0, 0, 1]]
    yc = Xc @ [0.5, -0.3, 0.8] + rng.normal(size=3000)
    assert drivers.relative_weights(Xc, yc)[1] == pytest.approx(sm.OLS(yc, sm.add_constant(Xc)).fit().rsquared, rel=1e-9)


def test_follow_up_list(survey):
    f = segments.follow_up(survey)
    assert (f["csat"] <= 2).all() and len(f) == int((survey["csat"] <= 2).sum())
    assert (f["deadline"] - f["submitted"] == pd.Timedelta(hours=24)).all()
    assert f["deadline"].is_monotonic_increasing
    d = segments.follow_up(survey, metric="nps")
    assert (d["nps"] <= 6).all()


def test_raking_hits_the_margins_and_reports_effective_n(survey):
    answered = survey[survey.responded].copy()
    margins = {"region": {"华东": 30, "华南": 20, "华北": 20, "西南": 10, "西北": 10, "东北": 10},
               "age_band": {"18-29": 25, "30-44": 30, "45-59": 25, "60+": 20}}
    weighted = segments.rake(answered, margins=margins)
    w = weighted["weight"]
    for col, shares in margins.items():
        got = w.groupby(weighted[col].astype(str)).sum() / w.sum() * 100
        for level, share in shares.items():
            assert got[level] == pytest.approx(share, abs=0.01)
    info = weighted.attrs["weighting"]
    assert info["effective_n"] == pytest.approx(w.sum() ** 2 / (w**2).sum(), rel=1e-12)  # Kish (1965)
    import weightipy

    assert info["efficiency"] == pytest.approx(weightipy.weighting_efficiency(w), rel=1e-6)
    table = segments.weighted_scores(weighted, metrics=["csat"]).iloc[0]
    y = 100.0 * (weighted["csat"].astype("Float64") >= 4)
    ok = weighted["csat"].notna()
    assert table["value"] == pytest.approx(np.average(y[ok].astype(float), weights=w[ok]), rel=1e-12)
    with pytest.raises(cxlab.DataValidationError, match="gives no share for \\['东北'\\]"):
        segments.rake(answered, margins={"region": {"华东": 50, "华南": 50, "华北": 1, "西南": 1, "西北": 1}})


def test_response_check_warns_where_few_answer(survey):
    t = segments.response_check(survey, by="channel", min_rate=30)
    row = t.set_index("channel").loc["公众号"]
    assert row["warning"] and "under 30" in row["reason"]
    assert not t.set_index("channel").loc["门店", "warning"]


# ------------------------------------------------------------------ Dunn, heatmap table, response check

from statsmodels.stats.multitest import multipletests  # noqa: E402


@pytest.mark.parametrize("confidence", [0.95, 0.999])
def test_dunn_every_pair_by_hand_and_differs_at_one_minus_confidence(survey, confidence):
    # Dunn (1964): z = (R_a - R_b) / sqrt((N (N + 1) / 12 - sum(t^3 - t) / (12 (N - 1))) (1/n_a + 1/n_b)),
    # R the mean midranks of all answers; two-sided normal p-values, Holm-adjusted over the pairs.
    d = segments.dunn(survey, by="channel", metric="ces", confidence=confidence)
    x = survey.dropna(subset=["ces"])
    ranks = pd.Series(stats.rankdata(x.ces.astype(float)))
    n = len(ranks)
    _, t = np.unique(x.ces, return_counts=True)
    var = n * (n + 1) / 12 - (t**3 - t).sum() / (12 * (n - 1))
    g = ranks.groupby(x.channel.astype(str).to_numpy())
    mean, size = g.mean(), g.size()
    k = len(size)
    assert len(d) == k * (k - 1) // 2
    for _, r in d.iterrows():
        a, b = r["a"], r["b"]
        z = (mean[a] - mean[b]) / np.sqrt(var * (1 / size[a] + 1 / size[b]))
        np.testing.assert_allclose([r["mean_rank_a"], r["mean_rank_b"], r["z"]], [mean[a], mean[b], z], rtol=1e-9)
        assert r["p_value"] == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-9)
    holm = multipletests(d["p_value"], method="holm")[1]
    np.testing.assert_allclose(d["p_adjusted"], holm, rtol=1e-12)
    assert (d["differs"] == (holm < 1 - confidence)).all()
    with pytest.raises(ValueError, match="Dunn's test takes a mean of bounded scores"):
        segments.dunn(survey, by="channel", metric="csat")


def test_heatmap_table_is_one_row_per_cell_with_small_flags(survey):
    h = segments.heatmap_table(survey, x="time_slot", y="channel", metric="csat", min_n=120, confidence=0.9)
    answered = survey.dropna(subset=["csat"])
    counts = answered.groupby(["channel", "time_slot"], observed=True).size()
    assert len(h) == len(counts) and not h.duplicated(["channel", "time_slot"]).any()
    got = h.set_index(["channel", "time_slot"])
    for (y, x_), n in counts.items():
        row = got.loc[(y, x_)]
        assert row["n"] == n and row["small"] == (n < 120)
        cell = answered[(answered.channel == y) & (answered.time_slot == x_)]
        assert row["value"] == pytest.approx(100 * (cell.csat >= 4).mean(), rel=1e-12)
    assert got["small"].any() and not got["small"].all()
    assert (h["confidence"] == 0.9).all() and list(h.columns[:2]) == ["channel", "time_slot"]


def test_response_check_overall_is_the_pooled_rate_and_warnings_follow_the_rules(survey):
    t = segments.response_check(survey, by="region", min_rate=0.0, gap=1.0)
    pooled = 100 * survey["responded"].mean()
    np.testing.assert_allclose(t["overall"], pooled, rtol=1e-12)
    rate = 100 * survey.groupby("region", observed=True)["responded"].mean()
    got = t.set_index("region")
    np.testing.assert_allclose(got.loc[rate.index, "value"], rate.to_numpy(), rtol=1e-12)
    assert got.loc[rate.index, "n"].tolist() == survey.groupby("region", observed=True).size().tolist()
    below = got["value"] < pooled - 1.0
    assert below.any() and not below.all()  # 东北 answers 38.3 %, 2.6 points below the pooled 40.9 %
    assert (got["warning"] == below).all()
    assert got.loc[below, "reason"].str.startswith(f"more than 1 points below the overall {pooled:.1f} %").all()
    assert (got.loc[~below, "reason"] == "").all()
    strict = segments.response_check(survey, by="region", min_rate=100.0).set_index("region")
    assert strict["warning"].all() and (strict["reason"] == "under 100 % respond").all()


def test_composite_names_the_stages_that_have_answers_when_the_weights_name_none():
    # English data, Chinese stage weights, the Chinese order applied at load time (empty categories)
    survey = cxlab.sample.responses(600, seed=4, locale="en")
    survey["journey_stage"] = survey["journey_stage"].cat.add_categories(["预约", "审核"])
    with pytest.raises(ValueError, match=r"stages with answers are \['booking'.*stage_weights"):
        segments.composite(survey, metric="csat", by="journey_stage", weights={"预约": 0.5, "审核": 0.5})
