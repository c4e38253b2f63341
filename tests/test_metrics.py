"""Metric estimates against outside references: R, scipy, statsmodels, published formulas."""

import math

import numpy as np
import pytest
import statsmodels.stats.proportion as smp
from scipy import stats
from statsmodels.stats.weightstats import DescrStatsW

from cxlab.metrics import (
    METRICS,
    Metric,
    bootstrap_from_counts,
    get_metric,
    mean_from_moments,
    nps_from_counts,
    proportion_from_counts,
    quantile_from_values,
)

# ---------------------------------------------------------------------------- NPS


def test_nps_from_counts_hand_calculation():
    # Hand calculation: NPS = 100 * (50 - 20) / 100 = 30;
    # se = 100 * sqrt((0.50 + 0.20 - 0.30**2) / 100) = 100 * sqrt(0.0061)
    result = nps_from_counts(promoters=50, passives=30, detractors=20, method="wald")
    assert result.value == 30.0
    assert result.se == pytest.approx(100 * math.sqrt(0.0061), rel=1e-12)
    z = stats.norm.ppf(0.975)
    assert result.ci_low == pytest.approx(30 - z * 100 * math.sqrt(0.0061), rel=1e-12)
    assert result.ci_high == pytest.approx(30 + z * 100 * math.sqrt(0.0061), rel=1e-12)


def test_nps_adjusted_wald_hand_calculation():
    # Rocks (2016), as summarised by Lewis & Sauro (MeasuringU, 2021): add 3 to n and 3/4 to
    # promoters and detractors, then use the Wald variance of the difference.
    # Adjusted: n = 103, p = 50.75 / 103, d = 20.75 / 103.
    p, d, n = 50.75 / 103, 20.75 / 103, 103
    centre = p - d
    se = math.sqrt((p + d - centre**2) / n)
    z = stats.norm.ppf(0.975)
    result = nps_from_counts(50, 30, 20)  # default method is adjusted-wald
    assert result.value == 30.0  # value is the observed NPS, not the adjusted centre
    assert result.method == "adjusted-wald"
    assert result.se == pytest.approx(100 * se, rel=1e-12)
    assert result.ci_low == pytest.approx(100 * (centre - z * se), rel=1e-12)
    assert result.ci_high == pytest.approx(100 * (centre + z * se), rel=1e-12)


def test_nps_wald_se_equals_sd_of_trinomial_codes():
    # Outside cross-check: the NPS is the mean of +1 / 0 / -1 codes, so the Wald se is the
    # population SD of those codes over sqrt(n) (statsmodels DescrStatsW, ddof = 0).
    codes = np.repeat([1, 0, -1], [37, 41, 22])
    d = DescrStatsW(codes)
    result = nps_from_counts(37, 41, 22, method="wald")
    assert result.value == pytest.approx(100 * d.mean, rel=1e-12)
    assert result.se == pytest.approx(100 * d.std / math.sqrt(d.nobs), rel=1e-12)


def test_nps_interval_width_matches_engelhardt_rule_of_thumb():
    # Engelhardt (CYBAEA, 2016), "Net Promoter Score confidence intervals 2": with a third
    # promoters and a third detractors the 95 % interval is about 320 / sqrt(n) points
    # wide, so n = 1024 gives a width of about 10.
    result = nps_from_counts(1024 // 3, 1024 - 2 * (1024 // 3), 1024 // 3, method="wald")
    assert result.ci_high - result.ci_low == pytest.approx(320 / math.sqrt(1024), rel=0.01)


def test_nps_interval_is_clipped_to_the_scale():
    result = nps_from_counts(10, 0, 0, method="wald")
    assert (result.value, result.ci_low, result.ci_high) == (100.0, 100.0, 100.0)
    adj = nps_from_counts(10, 0, 0)
    assert -100 <= adj.ci_low <= adj.ci_high <= 100
    assert adj.ci_high == 100.0


def test_nps_no_answers_is_nan_not_a_crash():
    result = nps_from_counts(0, 0, 0)
    assert result.n == 0
    assert all(math.isnan(x) for x in (result.value, result.ci_low, result.ci_high, result.se))


def test_nps_bad_input_messages():
    with pytest.raises(ValueError, match="`promoters` must be a whole number >= 0"):
        nps_from_counts(-1, 2, 3)
    with pytest.raises(ValueError, match="`method` must be one of 'adjusted-wald', 'wald', 'bootstrap'; got 'adjusted_wald'"):
        nps_from_counts(1, 2, 3, method="adjusted_wald")
    with pytest.raises(ValueError, match="`confidence` must be between 0 and 1"):
        nps_from_counts(1, 2, 3, confidence=95)


# ---------------------------------------------------------------------- proportions
# R 3.x, package binom: binom.confint(x, n, tol = 1e-8); values copied from statsmodels'
# test suite, statsmodels/stats/tests/results/results_proportion.py (res_binom).
R_BINOM = {
    (18, 20): {"agresti-coull": (0.6867561125596077, 0.984343760998137),
               "wald": (0.768521618913513, 1.031478381086487),
               "clopper-pearson": (0.6830172859809176, 0.9876514728297052),
               "wilson": (0.6989663547715128, 0.972133518786232)},
    (4, 20): {"agresti-coull": (0.0749115102767071, 0.4217635845549845),
              "wald": (0.0246954918846837, 0.3753045081153163),
              "clopper-pearson": (0.05733399705003284, 0.436614002996668),
              "wilson": (0.0806576625797981, 0.4160174322518935)},
    (4, 200): {"agresti-coull": (0.005991954548218395, 0.0520995587739575),
               "wald": (0.000597346459104517, 0.0394026535408955),
               "clopper-pearson": (0.005475565879556443, 0.05041360908989634),
               "wilson": (0.00780442641634947, 0.05028708690582643)},
    (190, 200): {"agresti-coull": (0.909307307911624, 0.973731898348837),
                 "wald": (0.919794926420966, 0.980205073579034),
                 "clopper-pearson": (0.9099724622986486, 0.975765834527891),
                 "wilson": (0.910421851861224, 0.972617354399236)},
}


@pytest.mark.parametrize("case", list(R_BINOM))
@pytest.mark.parametrize("method", ["agresti-coull", "wald", "clopper-pearson", "wilson"])
def test_proportion_interval_matches_r_binom(case, method):
    k, n = case
    low, high = R_BINOM[case][method]
    result = proportion_from_counts(k, n, method=method)
    # cxlab clips to the scale; R's asymptotic interval for 18/20 runs past 1.
    assert result.ci_low == pytest.approx(100 * max(low, 0.0), rel=1e-7)
    assert result.ci_high == pytest.approx(100 * min(high, 1.0), rel=1e-7)
    assert result.value == pytest.approx(100 * k / n, rel=1e-12)


@pytest.mark.parametrize("k, n", [(1, 30), (4, 20), (18, 20), (29, 30), (190, 200), (517, 1000)])
def test_jeffreys_matches_statsmodels_inside(k, n):
    lo, hi = smp.proportion_confint(k, n, alpha=0.05, method="jeffreys")
    result = proportion_from_counts(k, n, method="jeffreys")
    assert result.ci_low == pytest.approx(100 * lo, rel=1e-9)
    assert result.ci_high == pytest.approx(100 * hi, rel=1e-9)


def test_jeffreys_boundary_modification():
    # Brown, Cai & DasGupta (2001), section 4.1.2: lower bound 0 at k = 0, upper 1 at k = n.
    assert proportion_from_counts(0, 30, method="jeffreys").ci_low == 0.0
    assert proportion_from_counts(30, 30, method="jeffreys").ci_high == 100.0
    # the other bound is the Beta(k + 1/2, n - k + 1/2) quantile (R binom's bayes upper for
    # x = 0, n = 30 is 0.06151672 with type "central"; scipy gives the same quantile)
    assert proportion_from_counts(0, 30, method="jeffreys").ci_high == pytest.approx(
        100 * stats.beta.ppf(0.975, 0.5, 30.5), rel=1e-12)


@pytest.mark.parametrize("k, n", [(7, 50), (0, 12), (12, 12), (333, 1000)])
def test_wilson_and_exact_match_scipy_binomtest(k, n):
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.9, method="wilson")
    result = proportion_from_counts(k, n, confidence=0.9, method="wilson")
    assert (result.ci_low, result.ci_high) == pytest.approx((100 * ci.low, 100 * ci.high), rel=1e-9, abs=1e-12)
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.9, method="exact")
    result = proportion_from_counts(k, n, confidence=0.9, method="clopper-pearson")
    assert (result.ci_low, result.ci_high) == pytest.approx((100 * ci.low, 100 * ci.high), rel=1e-9, abs=1e-12)


def test_proportion_rejects_impossible_counts():
    with pytest.raises(ValueError, match=r"`successes` \(5\) cannot exceed `n` \(4\)"):
        proportion_from_counts(5, 4)


# ---------------------------------------------------------------------------- means


def test_mean_interval_matches_scipy_and_statsmodels():
    x = np.array([4, 5, 3, 4, 4, 2, 5, 5, 4, 3, 1, 4, 5, 4, 3], dtype=float)
    result = mean_from_moments(len(x), x.mean(), x.std(ddof=1))
    ci = stats.ttest_1samp(x, 0).confidence_interval(0.95)
    assert (result.ci_low, result.ci_high) == pytest.approx((ci.low, ci.high), rel=1e-12)
    assert (result.ci_low, result.ci_high) == pytest.approx(DescrStatsW(x).tconfint_mean(), rel=1e-12)
    assert result.se == pytest.approx(stats.sem(x), rel=1e-12)


def test_mean_of_one_value_has_no_interval():
    result = mean_from_moments(1, 4.0, 0.0)
    assert result.value == 4.0 and math.isnan(result.ci_low) and math.isnan(result.ci_high)


# ------------------------------------------------------------------------ quantiles


@pytest.mark.parametrize("n, q", [(30, 0.5), (57, 0.5), (100, 0.5), (100, 0.9), (1000, 0.9), (40, 0.25)])
def test_equal_tailed_quantile_interval_matches_scipy(n, q):
    x = np.random.default_rng(n).lognormal(3, 0.8, n)
    ci = stats.quantile_test(x, q=np.quantile(x, q), p=q).confidence_interval(0.95)
    result = quantile_from_values(x, q, method="equal-tailed")
    assert result.value == pytest.approx(np.quantile(x, q), rel=1e-12)
    if np.isnan(ci.low) or np.isnan(ci.high):
        pytest.skip("scipy reports no finite bound here")
    assert (result.ci_low, result.ci_high) == (ci.low, ci.high)


@pytest.mark.parametrize("n, q", [(30, 0.5), (30, 0.9), (100, 0.5), (100, 0.9), (250, 0.75)])
def test_exact_quantile_ranks_are_the_fewest_that_reach_confidence(n, q):
    # Brute force over every pair of ranks: P(X(l) <= xi_q <= X(u)) = P(l <= B <= u - 1).
    from cxlab.stats.estimates import quantile_ranks

    F = stats.binom(n, q).cdf
    pairs = [(u - l, F(u - 1) - F(l - 1), l, u) for l in range(1, n + 1) for u in range(l + 1, n + 1)
             if F(u - 1) - F(l - 1) >= 0.95]
    width, cover, _, _ = min(pairs)
    lo, hi = quantile_ranks(n, q, 0.95, "exact")
    assert hi - lo == width
    assert F(hi - 1) - F(lo - 1) == pytest.approx(cover, abs=1e-12)
    assert 0.95 <= cover < 0.965


def test_quantile_too_few_values_gives_nan_bounds():
    result = quantile_from_values([3.0, 1.0, 2.0, 5.0, 4.0], 0.5)
    assert result.value == 3.0 and math.isnan(result.ci_low)  # 1 - 2 / 32 < 95 %


def test_quantile_rejects_missing_values():
    with pytest.raises(ValueError, match="1 missing value"):
        quantile_from_values([1.0, np.nan, 3.0])


# ------------------------------------------------------------------------ bootstrap


def test_histogram_bootstrap_agrees_with_wald_and_row_resampling():
    counts = [120, 90, 60]  # promoters, passives, detractors
    boot = nps_from_counts(*counts, method="bootstrap", n_boot=4000, seed=1)
    wald = nps_from_counts(*counts, method="wald")
    assert boot.value == wald.value
    # SD of the bootstrap replicates estimates the Wald se (4000 replicates: ~2 % MC error)
    assert boot.se == pytest.approx(wald.se, rel=0.06)
    # Resampling rows and counting them is the same distribution: compare with the slow way.
    rows = np.repeat([1, 0, -1], counts)
    rng = np.random.default_rng(2)
    reps = np.array([100 * rng.choice(rows, rows.size).mean() for _ in range(4000)])
    lo, hi = np.quantile(reps, [0.025, 0.975])
    assert boot.ci_low == pytest.approx(lo, abs=1.5)
    assert boot.ci_high == pytest.approx(hi, abs=1.5)


def test_bootstrap_is_reproducible_with_a_seed():
    stat = lambda c: c[:, 1] / c.sum(axis=1)  # noqa: E731
    a = bootstrap_from_counts([5, 7], stat, seed=3)
    b = bootstrap_from_counts([5, 7], stat, seed=3)
    assert a == b


# -------------------------------------------------------------------------- Metric


def test_every_domain_metric_is_defined_once():
    expected = {"nps", "csat", "csat_mean", "ces", "ces_low_effort", "response_rate", "fcr",
                "complaint_rate", "suggestion_adoption", "first_response_median",
                "first_response_p90", "first_response_mean", "resolution_median",
                "resolution_p90", "resolution_mean", "repurchase_rate", "churn_rate", "clv"}
    assert expected <= set(METRICS)
    assert METRICS["csat"].good == (4, 5) and METRICS["csat"].scale == (1, 5)
    assert METRICS["ces"].higher_is_better is False


def test_metric_configuration_is_checked():
    with pytest.raises(ValueError, match="good answers \\[8\\] are outside the scale 1-7"):
        METRICS["csat"].replace(scale=(1, 7), good=(6, 8))
    seven = METRICS["csat"].replace(scale=(1, 7), good=(6, 7))
    assert seven.scale == (1, 7)
    with pytest.raises(ValueError, match="did you mean 'csat'"):
        get_metric("cstat")
    with pytest.raises(ValueError, match="needs `scale` and `good`"):
        Metric("x", "x", "share")
