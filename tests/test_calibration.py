"""Interval coverage by simulation: 95 % intervals must cover 95 +/- 1.5 % of the time.

Fast version (4 000 replicates per cell, seeded: Monte Carlo SE about 0.34 points). The
larger run, with more replicates, sizes and fixed-p worst cases, is
``python bench/calibration.py``.

For CSAT % each replicate draws its own true rate between 0.55 and 0.90 (segments differ),
because the coverage of any binomial interval oscillates with p at a fixed n; Brown, Cai &
DasGupta (2001) judge intervals by that average coverage.
"""

import numpy as np
import pytest

from cxlab.metrics import mean_from_moments, nps_from_counts, proportion_from_counts, quantile_from_values

REPS = 4000
SIZES = [30, 100, 1000]


def _assert_calibrated(hits, label):
    coverage = 100 * np.mean(hits)
    assert 93.5 <= coverage <= 96.5, f"{label}: coverage {coverage:.2f} %"


@pytest.mark.parametrize("n", SIZES)
def test_nps_adjusted_wald_coverage(n):
    rng = np.random.default_rng(100 + n)
    p = np.array([0.35, 0.40, 0.25])  # promoters, passives, detractors
    truth = 100 * (p[0] - p[2])
    draws = rng.multinomial(n, p, size=REPS)
    hits = [(e.ci_low <= truth <= e.ci_high) for e in (nps_from_counts(*d) for d in draws)]
    _assert_calibrated(hits, f"NPS n={n}")


@pytest.mark.parametrize("n", SIZES)
def test_csat_wilson_coverage(n):
    rng = np.random.default_rng(200 + n)
    p = rng.uniform(0.55, 0.90, REPS)
    k = rng.binomial(n, p)
    hits = [(e.ci_low <= 100 * pi <= e.ci_high) for e, pi in ((proportion_from_counts(ki, n), pi) for ki, pi in zip(k, p))]
    _assert_calibrated(hits, f"CSAT % n={n}")


@pytest.mark.parametrize("n", SIZES)
def test_mean_score_t_coverage(n):
    rng = np.random.default_rng(300 + n)
    probs = np.array([0.05, 0.08, 0.20, 0.40, 0.27])  # a typical, skewed 1-5 CSAT distribution
    truth = float(probs @ np.arange(1, 6))
    x = rng.choice(np.arange(1, 6), p=probs, size=(REPS, n))
    means, sds = x.mean(axis=1), x.std(axis=1, ddof=1)
    hits = [(e.ci_low <= truth <= e.ci_high) for e in (mean_from_moments(n, m, s) for m, s in zip(means, sds))]
    _assert_calibrated(hits, f"mean n={n}")


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("q", [0.5, 0.9])
def test_duration_quantile_coverage(n, q):
    from scipy import stats

    rng = np.random.default_rng(400 + n)
    truth = float(np.exp(3 + 0.8 * stats.norm.ppf(q)))  # lognormal(3, 0.8) response minutes
    x = rng.lognormal(3, 0.8, size=(REPS // 2, n))
    hits = [(e.ci_low <= truth <= e.ci_high) for e in (quantile_from_values(row, q) for row in x)]
    _assert_calibrated(hits, f"quantile {q} n={n}")


# -------------------------------------------------------------- differences between groups

from cxlab.stats.compare import mean_diff, nps_diff, proportion_diff  # noqa: E402


@pytest.mark.parametrize("n", SIZES)
def test_difference_intervals_cover_and_aa_false_positives(n):
    rng = np.random.default_rng(500 + n)
    # CSAT %: Newcombe interval; the true rates differ per replicate (0.55-0.90), lift +3 points
    p_c = rng.uniform(0.55, 0.87, REPS)
    k_c, k_t = rng.binomial(n, p_c), rng.binomial(n, p_c + 0.03)
    d, lo, hi, p, *_ = proportion_diff(k_c, n, k_t, n, 0.95, "newcombe")
    _assert_calibrated((lo <= 0.03) & (0.03 <= hi), f"CSAT difference n={n}")
    # NPS: adjusted Wald per arm; promoters/passives/detractors 35/40/25 vs 40/38/22
    c = rng.multinomial(n, [0.35, 0.40, 0.25], size=REPS).T
    t = rng.multinomial(n, [0.40, 0.38, 0.22], size=REPS).T
    d, lo, hi, p, _ = nps_diff(c, t, 0.95, "adjusted-wald")
    _assert_calibrated((lo <= 8) & (8 <= hi), f"NPS difference n={n}")
    # mean CES (Welch) on skewed 1-7 scores
    probs = np.array([0.25, 0.3, 0.2, 0.1, 0.08, 0.05, 0.02])
    x = rng.choice(np.arange(1, 8), p=probs, size=(REPS, n))
    y = rng.choice(np.arange(1, 8), p=probs, size=(REPS, n)) - 0.2 * (rng.random((REPS, n)) < 0.5)
    truth = -0.1
    d, lo, hi, p, *_ = mean_diff(n, x.mean(1), x.std(1, ddof=1), n, y.mean(1), y.std(1, ddof=1), 0.95)
    _assert_calibrated((lo <= truth) & (truth <= hi), f"CES difference n={n}")
    # A/A with one look: the fixed tests reject about 5 % of the time
    k_a, k_b = rng.binomial(n, p_c), rng.binomial(n, p_c)
    _, _, _, p_aa, *_ = proportion_diff(k_a, n, k_b, n, 0.95, "newcombe")
    assert 0.035 <= np.mean(p_aa < 0.05) <= 0.065, np.mean(p_aa < 0.05)
