"""Two-group comparisons against published values, statsmodels and scipy."""

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.stats.proportion as smp
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from cxlab.experiments import (
    adjust_p_values,
    compare_means,
    compare_means_from_moments,
    compare_nps_from_counts,
    compare_proportions,
)


def test_newcombe_published_example():
    # Newcombe (1998), Statistics in Medicine 17:873-890, Table II example (a):
    # 56/70 versus 48/80, method 10 (hybrid score): 0.0524 to 0.3339.
    c = compare_proportions(k_control=48, n_control=80, k_treatment=56, n_treatment=70, method="newcombe")
    assert c.diff == pytest.approx(20.0, rel=1e-12)
    assert (c.ci_low / 100, c.ci_high / 100) == pytest.approx((0.0524, 0.3339), abs=5e-5)  # 4 decimals
    # statsmodels confint_proportions_2indep(56, 70, 48, 80, method="newcomb"), full precision
    assert (c.ci_low, c.ci_high) == pytest.approx((5.243147240236498, 33.387265403690614), rel=1e-9)


@pytest.mark.parametrize("method, sm", [("agresti-caffo", "agresti-caffo"), ("wald", "wald")])
@pytest.mark.parametrize("counts", [(48, 80, 56, 70), (5, 40, 12, 38), (150, 1000, 181, 1010)])
def test_difference_intervals_match_statsmodels(method, sm, counts):
    kc, nc, kt, nt = counts
    lo, hi = smp.confint_proportions_2indep(kt, nt, kc, nc, method=sm, compare="diff")
    c = compare_proportions(kc, nc, kt, nt, method=method)
    assert (c.ci_low, c.ci_high) == pytest.approx((100 * lo, 100 * hi), rel=1e-9)


@pytest.mark.parametrize("counts, expected", [
    ((48, 80, 56, 70), (0.0428, 0.3422)),  # Newcombe (1998) Table II, method 11 (score, continuity-corrected)
    ((3, 10, 9, 10), (0.1013, 0.8387)),
    ((0, 20, 10, 10), (0.6014, 1.0)),
])
def test_continuity_corrected_newcombe_matches_the_published_table(counts, expected):
    # the same values are in the test data of the DBCI package and the SAS paper it cites
    c = compare_proportions(*counts)
    assert (c.ci_low / 100, c.ci_high / 100) == pytest.approx(expected, abs=5e-5)
    assert c.method == "newcombe-cc; inverted"
    # its p-value inverts it: at confidence 1 - p one bound touches 0
    at_p = compare_proportions(*counts, confidence=1 - c.p_value)
    assert min(abs(at_p.ci_low), abs(at_p.ci_high)) == pytest.approx(0, abs=1e-7)
    for confidence in (0.8, 0.9, 0.95, 0.99, 0.999):
        r = compare_proportions(*counts, confidence=confidence)
        assert (r.p_value < 1 - confidence) == (r.ci_low > 0 or r.ci_high < 0)


@pytest.mark.parametrize("counts", [(48, 80, 56, 70), (5, 40, 12, 38), (150, 1000, 181, 1010), (0, 3, 3, 3),
                                    (1, 1, 0, 1), (30, 30, 0, 30)])
def test_p_value_inverts_the_newcombe_interval(counts):
    # The p-value is the alpha at which statsmodels' Newcombe interval (method 10) touches 0,
    # so p < alpha exactly when the (1 - alpha) interval excludes 0: test and interval agree.
    from statsmodels.stats.proportion import confint_proportions_2indep

    kc, nc, kt, nt = counts
    p = compare_proportions(kc, nc, kt, nt, method="newcombe").p_value
    assert 0 < p <= 1
    lo, hi = confint_proportions_2indep(kt, nt, kc, nc, method="newcomb", compare="diff", alpha=p)
    assert min(abs(lo), abs(hi)) == pytest.approx(0, abs=1e-9)
    for alpha in (0.001, 0.01, 0.05, 0.2):
        lo, hi = confint_proportions_2indep(kt, nt, kc, nc, method="newcomb", compare="diff", alpha=alpha)
        assert (p < alpha) == (lo > 0 or hi < 0)


@pytest.mark.parametrize("method", ["wald", "agresti-caffo"])
def test_wald_and_agresti_caffo_tests_agree_with_their_intervals(method):
    for kc, nc, kt, nt in [(48, 80, 56, 70), (5, 40, 12, 38), (3, 3, 0, 3), (10, 50, 20, 50)]:
        for confidence in (0.9, 0.95, 0.99):
            c = compare_proportions(kc, nc, kt, nt, method=method, confidence=confidence)
            if math.isnan(c.p_value):  # Wald on two unanimous groups: no variance, nothing defined
                assert method == "wald" and math.isnan(c.ci_low) and math.isnan(c.ci_high)
                continue
            assert (c.p_value < 1 - confidence) == (c.ci_low > 0 or c.ci_high < 0)
            assert c.ci_low <= c.diff <= c.ci_high


def test_relative_difference_matches_statsmodels_log_ratio():
    lo, hi = smp.confint_proportions_2indep(56, 70, 48, 80, method="log", compare="ratio")
    c = compare_proportions(48, 80, 56, 70)
    assert c.rel_diff == pytest.approx(100 * ((56 / 70) / (48 / 80) - 1), rel=1e-12)
    assert (c.rel_ci_low, c.rel_ci_high) == pytest.approx((100 * (lo - 1), 100 * (hi - 1)), rel=1e-9)


def test_welch_matches_scipy():
    rng = np.random.default_rng(0)
    x, y = rng.normal(3.8, 1.0, 60), rng.normal(4.1, 1.4, 45)
    c = compare_means(x, y)
    res = stats.ttest_ind(y, x, equal_var=False)
    ci = res.confidence_interval(0.95)
    assert c.p_value == pytest.approx(res.pvalue, rel=1e-10)
    assert (c.ci_low, c.ci_high) == pytest.approx((ci.low, ci.high), rel=1e-10)
    s = stats.ttest_ind_from_stats(4.1, 1.4, 45, 3.8, 1.0, 60, equal_var=False)
    assert compare_means_from_moments(60, 3.8, 1.0, 45, 4.1, 1.4).p_value == pytest.approx(s.pvalue, rel=1e-10)


def test_nps_difference_hand_calculation():
    # Wald: var per group = (p + d - (p - d)^2) / n (Rocks 2016); NPS is a mean of +1 / 0 / -1
    # codes, so the test and interval use Student's t with Welch-Satterthwaite df.
    # control (40, 30, 30): p - d = 0.10, var = (0.70 - 0.01) / 100 = 0.0069
    # treatment (50, 30, 20): p - d = 0.30, var = (0.70 - 0.09) / 100 = 0.0061
    c = compare_nps_from_counts((40, 30, 30), (50, 30, 20), method="wald")
    se = math.sqrt(0.0069 + 0.0061)
    df = (0.0069 + 0.0061) ** 2 / (0.0069**2 / 99 + 0.0061**2 / 99)
    t = stats.t.ppf(0.975, df)
    assert c.diff == pytest.approx(20.0, rel=1e-12)
    assert (c.ci_low, c.ci_high) == pytest.approx((100 * (0.2 - t * se), 100 * (0.2 + t * se)), rel=1e-12)
    assert c.p_value == pytest.approx(2 * stats.t.sf(0.2 / se, df), rel=1e-12)
    assert math.isnan(c.rel_diff)
    adjusted = compare_nps_from_counts((40, 30, 30), (50, 30, 20))
    assert adjusted.diff == c.diff
    assert adjusted.ci_high - adjusted.ci_low < c.ci_high - c.ci_low + 1.0
    # Adjusted-Wald (Rocks 2016): 0.75 promoters and detractors added, n + 3 per group; the
    # test uses the same centre, variance and df as the interval.
    # control: p = 40.75 / 103, d = 30.75 / 103; treatment: p = 50.75 / 103, d = 20.75 / 103
    pc, dc, pt, dt = 40.75 / 103, 30.75 / 103, 50.75 / 103, 20.75 / 103
    vc, vt = (pc + dc - (pc - dc) ** 2) / 103, (pt + dt - (pt - dt) ** 2) / 103
    df = (vc + vt) ** 2 / (vc**2 / 102 + vt**2 / 102)
    centre, se = (pt - dt) - (pc - dc), math.sqrt(vc + vt)
    t = stats.t.ppf(0.975, df)
    assert adjusted.p_value == pytest.approx(2 * stats.t.sf(centre / se, df), rel=1e-12)
    assert (adjusted.ci_low, adjusted.ci_high) == pytest.approx((100 * (centre - t * se), 100 * (centre + t * se)),
                                                                rel=1e-12)


def test_one_answer_per_arm_is_never_significant():
    # A: one promoter (10), B: one detractor (0): the adjusted variance is positive, so no p = 0,
    # and the test agrees with an interval that holds the observed -200 points.
    c = compare_nps_from_counts((1, 0, 0), (0, 0, 1))
    assert c.diff == -200 and c.ci_low <= c.diff <= c.ci_high
    assert c.p_value > 0.05 and not c.significant()
    assert (c.ci_low > 0 or c.ci_high < 0) == c.significant()


arm = st.tuples(st.integers(1, 300), st.integers(1, 300), st.integers(1, 300))


@given(a=arm, b=arm)
def test_swapping_groups_flips_the_difference(a, b):
    ab, ba = compare_nps_from_counts(a, b), compare_nps_from_counts(b, a)
    assert ab.diff == pytest.approx(-ba.diff, abs=1e-9)
    assert ab.ci_low == pytest.approx(-ba.ci_high, abs=1e-9)
    assert ab.p_value == pytest.approx(ba.p_value, rel=1e-9)
    pa, pb = compare_proportions(a[0], sum(a), b[0], sum(b)), compare_proportions(b[0], sum(b), a[0], sum(a))
    assert pa.diff == pytest.approx(-pb.diff, abs=1e-9)
    assert pa.ci_low == pytest.approx(-pb.ci_high, abs=1e-9)
    assert pa.ci_low <= pa.diff <= pa.ci_high


def test_bad_input():
    with pytest.raises(ValueError, match="The control group has no observations"):
        compare_proportions(0, 0, 3, 10)
    with pytest.raises(ValueError, match="treatment: successes \\(11\\) cannot exceed trials \\(10\\)"):
        compare_proportions(1, 10, 11, 10)
    with pytest.raises(ValueError, match="`method` must be one of 'newcombe-cc', 'newcombe', 'wald', 'agresti-caffo'; got 'score'"):
        compare_proportions(1, 10, 2, 10, method="score")
    with pytest.raises(ValueError, match="needs at least 2"):
        compare_means([1.0], [2.0, 3.0])
    with pytest.raises(ValueError, match="1 missing value"):
        compare_means([1.0, np.nan, 2.0], [2.0, 3.0])
    with pytest.raises(ValueError, match="\\(promoters, passives, detractors\\)"):
        compare_nps_from_counts((1, 2), (3, 4, 5))


# ------------------------------------------------------------------ ordinal, SRM, analyze

from cxlab import DataValidationError  # noqa: E402
from cxlab.stats.aggregate import Histogram  # noqa: E402
from cxlab.experiments import analyze, compare_ordinal, cuped, response_balance, srm_check  # noqa: E402


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("correction", [True, False])
def test_ordinal_matches_scipy_mannwhitneyu(seed, correction):
    rng = np.random.default_rng(seed)
    c = rng.choice([1, 2, 3, 4, 5], p=[0.1, 0.1, 0.2, 0.4, 0.2], size=300)
    t = rng.choice([1, 2, 3, 4, 5], p=[0.05, 0.1, 0.2, 0.4, 0.25], size=280)
    ref = stats.mannwhitneyu(t, c, method="asymptotic", use_continuity=correction)
    r = compare_ordinal(c, t, correction=correction)
    assert r.u == pytest.approx(ref.statistic, rel=1e-12)
    assert r.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    # the same from histograms, the aggregate-first path
    h = compare_ordinal(Histogram.from_values(c, low=1, high=5), Histogram.from_values(t, low=1, high=5),
                        correction=correction)
    assert (h.u, h.p_value) == pytest.approx((r.u, r.p_value), rel=1e-12)
    table = np.array([np.bincount(t, minlength=6)[1:], np.bincount(c, minlength=6)[1:]])
    assert r.chi2_p_value == pytest.approx(stats.chi2_contingency(table, correction=False).pvalue, rel=1e-9)
    assert r.rank_biserial == pytest.approx(2 * ref.statistic / (300 * 280) - 1, rel=1e-12)


def test_srm_published_example():
    # Kohavi, Tang & Xu (2020), Trustworthy Online Controlled Experiments, ch. 21: 821,588 vs
    # 815,482 users in a 50/50 design (50.2 %) has a p-value of about 1.8e-6.
    r = srm_check([821_588, 815_482])
    assert r.p_value == pytest.approx(1.8e-6, rel=0.05)
    assert not r.ok and "SAMPLE RATIO MISMATCH" in r.verdict
    assert r.p_value == pytest.approx(stats.chisquare([821_588, 815_482]).pvalue, rel=1e-12)
    assert srm_check([500, 260, 240], [2, 1, 1]).ok
    with pytest.raises(ValueError, match="one positive weight per arm"):
        srm_check([10, 10], [1, 1, 1])


@pytest.fixture(scope="module")
def trial():
    import cxlab

    return cxlab.sample.experiment(40_000, seed=5)


def test_analyze_rows_equal_direct_comparisons(trial):
    out = analyze(trial, variant="variant", control="A", metrics=["nps", "csat", "ces", "fcr"])
    assert len(out) == 8 and set(out["variant"]) == {"B", "C"}
    a, b = trial[trial.variant == "A"], trial[trial.variant == "B"]
    csat = out[(out.variant == "B") & (out.metric == "csat")].iloc[0]
    ref = compare_proportions(int((a.csat.dropna() >= 4).sum()), int(a.csat.notna().sum()),
                              int((b.csat.dropna() >= 4).sum()), int(b.csat.notna().sum()))
    assert (csat["diff"], csat["ci_low"], csat["p_value"]) == pytest.approx((ref.diff, ref.ci_low, ref.p_value), rel=1e-12)
    ces = out[(out.variant == "B") & (out.metric == "ces")].iloc[0]
    ref = compare_means(a.ces.dropna().astype(float), b.ces.dropna().astype(float))
    assert (ces["diff"], ces["ci_high"]) == pytest.approx((ref.diff, ref.ci_high), rel=1e-9)
    np.testing.assert_allclose(out["p_adjusted"], adjust_p_values(out["p_value"]), rtol=1e-12)
    # the planted effect: B helps, C does not
    assert out[(out.variant == "B")]["significant"].all()
    assert not out[(out.variant == "C")]["significant"].any()
    assert out.attrs["srm"].ok


def test_cuped_reduces_variance_without_bias():
    # Deng et al. (2013): Var(y - theta x) = Var(y) (1 - rho^2) with theta = cov / var.
    rng = np.random.default_rng(3)
    x = rng.normal(0, 1, 200_000)
    y = 0.8 * x + rng.normal(0, 0.6, x.size)
    adj, theta = cuped(y, x)
    rho = np.corrcoef(x, y)[0, 1]
    assert theta == pytest.approx(0.8, abs=0.01)
    assert adj.var() == pytest.approx(y.var() * (1 - rho**2), rel=1e-9)
    assert adj.mean() == pytest.approx(y.mean(), abs=1e-12)


def test_cuped_interval_coverage_and_width_by_simulation():
    # 1000 simulated A/B tests, true lift 0.1, outcome correlated with the pre-period:
    # rho^2 = (0.7 * 0.8)^2 / ((0.7 * 0.8)^2 + 0.5^2) = 0.556, so the interval should be
    # sqrt(1 - rho^2) = 0.666 times as wide as without CUPED, and still cover 95 %.
    rng = np.random.default_rng(8)
    hits, widths, raw_widths = [], [], []
    arm = np.repeat([0, 1], 400)
    for _ in range(1000):
        pre = rng.normal(4, 0.8, arm.size)
        y = 0.7 * pre + rng.normal(0, 0.5, arm.size) + 0.1 * arm
        adj, _ = cuped(y, pre)
        c, r = compare_means(adj[arm == 0], adj[arm == 1]), compare_means(y[arm == 0], y[arm == 1])
        hits.append(c.ci_low <= 0.1 <= c.ci_high)
        widths.append(c.ci_high - c.ci_low)
        raw_widths.append(r.ci_high - r.ci_low)
    assert 0.935 <= np.mean(hits) <= 0.965
    assert np.mean(widths) / np.mean(raw_widths) == pytest.approx(np.sqrt(1 - 0.556), abs=0.02)


def test_analyze_with_cuped_matches_the_core(trial):
    out = analyze(trial, variant="variant", control="A", metrics=["csat_mean"], covariates={"csat_mean": "pre_csat"})
    row = out.set_index("variant").loc["B"]
    answered = trial[trial.csat.notna()]
    adj, _ = cuped(answered.csat.astype(float).to_numpy(), answered.pre_csat.to_numpy())
    arm = answered.variant.to_numpy()
    ref = compare_means(adj[arm == "A"], adj[arm == "B"])
    assert (row["diff"], row["ci_low"], row["p_value"]) == pytest.approx((ref.diff, ref.ci_low, ref.p_value), rel=1e-9)
    assert row["cuped"] and "CUPED (pre_csat)" in row["method"]
    plain = analyze(trial, variant="variant", control="A", metrics=["csat_mean"]).set_index("variant").loc["B"]
    assert row["ci_high"] - row["ci_low"] < 0.9 * (plain["ci_high"] - plain["ci_low"])  # 16 % narrower here


def test_response_balance(trial):
    t = response_balance(trial, variant="variant")
    assert list(t["variant"]) == ["A", "B", "C"] and t["ok"].all()
    skewed = trial.copy()
    skewed.loc[(skewed.variant == "B") & (skewed.index % 3 == 0), "responded"] = False
    assert not response_balance(skewed, variant="variant")["ok"].any()


def test_analyze_bad_input(trial):
    with pytest.raises(DataValidationError, match="Control arm 'a' is not in column 'variant' \\(did you mean 'A'\\?\\)"):
        analyze(trial, variant="variant", control="a")
    with pytest.raises(DataValidationError, match="holds one arm only"):
        analyze(trial[trial.variant == "A"], variant="variant", control="A")
    blank = trial.copy()
    blank["pre_csat"] = blank["pre_csat"].where(blank.index % 50 != 0)
    with pytest.raises(DataValidationError, match="Covariate 'pre_csat' is blank for .* unit\\(s\\) with a csat outcome"):
        analyze(blank, variant="variant", control="A", metrics=["csat"], covariates={"csat": "pre_csat"})
    off = trial.copy()
    off["csat"] = off["csat"].astype("Float64")
    off.loc[off.index[:2], "csat"] = 9
    with pytest.raises(DataValidationError, match="'csat' has 2 value\\(s\\) outside 1-5"):
        analyze(off, variant="variant", control="A", metrics=["csat"])
    empty = trial.copy()
    empty.loc[empty.variant == "C", "nps"] = pd.NA
    row = analyze(empty, variant="variant", control="A", metrics=["nps"]).set_index("variant").loc["C"]
    assert row["method"] == "no answers in an arm" and np.isnan(row["diff"])  # stated, not dropped


def test_format_readout_rounds_only_for_display(trial):
    from cxlab.experiments import detectable_effects, format_readout

    raw = detectable_effects(analyze(trial, variant="variant", control="A", metrics=["csat"]))
    before = raw.copy()
    shown = format_readout(raw)
    row = raw.set_index("variant").loc["B"]
    assert shown.set_index("variant").loc["B", "difference (95% CI)"] == \
        f"{row['diff']:+.2f} ({row['ci_low']:+.2f} to {row['ci_high']:+.2f})"
    assert list(shown.columns)[-1] == "smallest detectable"
    # the readout itself keeps every digit: the CSAT % difference by hand, 100 (k_B / n_B - k_A / n_A),
    # and the continuity-corrected Newcombe interval of the two-group comparison (Table II above)
    answered = trial[trial.csat.notna()]
    k = (answered.csat >= 4).groupby(answered.variant, observed=True).sum()
    n = answered.groupby("variant", observed=True).size()
    assert row["diff"] == pytest.approx(100 * (k["B"] / n["B"] - k["A"] / n["A"]), rel=1e-12)
    ref = compare_proportions(k["A"], n["A"], k["B"], n["B"])
    assert (row["ci_low"], row["ci_high"], row["p_value"]) == pytest.approx((ref.ci_low, ref.ci_high, ref.p_value),
                                                                             rel=1e-9)
    assert row["diff"] != round(row["diff"], 2)  # not rounded for display
    pd.testing.assert_frame_equal(raw, before)  # formatting leaves the readout untouched


def test_sample_check_counts_units_against_the_plan(trial):
    from cxlab.experiments import sample_check

    s = sample_check(trial, variant="variant", planned_n=15_000)
    counts = trial["variant"].value_counts()
    assert s["variant"].tolist() == ["A", "B", "C"]
    assert s["n"].tolist() == [counts[v] for v in ["A", "B", "C"]]
    assert (s["planned"] == 15_000).all()
    np.testing.assert_allclose(s["percent_of_plan"], 100 * s["n"] / 15_000, rtol=1e-12)
    unplanned = sample_check(trial, variant="variant")
    assert unplanned["planned"].isna().all() and unplanned["percent_of_plan"].isna().all()
    # an arm that is a category without units is not listed; a plain column gives the same table
    few = trial[trial.variant != "C"]
    assert sample_check(few, variant="variant")["variant"].tolist() == ["A", "B"]
    plain = sample_check(trial.assign(variant=trial.variant.astype(str)), variant="variant", planned_n=15_000)
    assert sorted(plain["n"]) == sorted(s["n"])
    with pytest.raises(DataValidationError, match="arm"):
        sample_check(trial, variant="arm")
