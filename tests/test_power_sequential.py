"""Sample sizes against R, boundaries against gsDesign, false positives under daily peeking."""

import math

import numpy as np
import pytest
from scipy import stats

from cxlab.stats.power import (
    mde_means,
    mde_nps,
    mde_proportions,
    sample_size_means,
    sample_size_nps,
    sample_size_proportions,
)
from cxlab.stats.sequential import always_valid, gs_boundaries, spent_alpha


def test_sample_size_proportions_matches_r_power_prop_test():
    # R documentation of power.prop.test: power.prop.test(p1 = .50, p2 = .75, power = .90)  # => n = 76.7
    r = sample_size_proportions(0.50, 0.75, power=0.90)
    assert r.n_exact == pytest.approx(76.7, abs=0.05) and r.n_control == 77 and r.total == 154


def test_sample_size_means_matches_r_pwr():
    # R package pwr: pwr.t.test(d = 0.5, power = 0.8, sig.level = 0.05) -> n = 63.76561
    assert sample_size_means(0.5).n_exact == pytest.approx(63.76561, rel=1e-6)


def test_sample_size_nps_hand_calculation():
    # var = 0.4 + 0.2 - 0.2^2 = 0.56; n = (1.959964 + 0.841621)^2 * 0.56 * 2 / 0.05^2
    n = (stats.norm.isf(0.025) + stats.norm.ppf(0.8)) ** 2 * 0.56 * 2 / 0.05**2
    assert sample_size_nps(0.40, 0.20, 5).n_exact == pytest.approx(n, rel=1e-12)
    assert mde_nps(0.40, 0.20, math.ceil(n)) == pytest.approx(5, rel=1e-3)


def test_unequal_split_and_mde_round_trip():
    r = sample_size_proportions(0.68, 0.72, ratio=2)
    assert r.n_treatment == math.ceil(2 * r.n_exact - 1e-9)
    mde = mde_proportions(0.68, 3000)
    assert sample_size_proportions(0.68, 0.68 + mde / 100).n_exact == pytest.approx(3000, rel=1e-6)
    d = mde_means(100)
    assert sample_size_means(d).n_exact == pytest.approx(100, rel=1e-5)  # statsmodels solves iteratively


def test_power_bad_input():
    with pytest.raises(ValueError, match="fraction between 0 and 1 \\(e.g. 0.68, not 68\\)"):
        sample_size_proportions(68, 72)
    with pytest.raises(ValueError, match="no effect to detect"):
        sample_size_proportions(0.5, 0.5)
    with pytest.raises(ValueError, match="`alternative` must be one of"):
        sample_size_nps(0.4, 0.2, 5, alternative="two_sided")


def test_obrien_fleming_and_pocock_match_gsdesign():
    # gsDesign::gsDesign(k = 5, test.type = 2, alpha = 0.025, sfu = sfLDOF)$upper$bound
    #   4.8769 3.3569 2.6803 2.2898 2.0310   (same with rpact, typeOfDesign = "asOF")
    # ... sfu = sfLDPocock: 2.4380 2.4268 2.4101 2.3966 2.3859
    np.testing.assert_allclose(gs_boundaries(5)["z"], [4.8769, 3.3569, 2.6803, 2.2898, 2.0310], atol=2e-4)
    np.testing.assert_allclose(gs_boundaries(5, spending="pocock")["z"], [2.4380, 2.4268, 2.4101, 2.3966, 2.3859],
                               atol=2e-4)
    one = gs_boundaries(1)
    assert one["z"].iloc[0] == pytest.approx(stats.norm.isf(0.025), rel=1e-9)


@pytest.mark.parametrize("spending, info", [("obrien-fleming", [0.2, 0.5, 0.7, 1.0]), ("power", 4)])
def test_crossing_probabilities_equal_the_spending_by_monte_carlo(spending, info):
    b = gs_boundaries(info, spending=spending)
    t = b["information"].to_numpy()
    rng = np.random.default_rng(0)
    steps = rng.normal(0, np.sqrt(np.diff(np.concatenate([[0], t]))), size=(400_000, len(t)))
    z = np.cumsum(steps, axis=1) / np.sqrt(t)
    crossed = np.abs(z) >= b["z"].to_numpy()
    first = np.where(crossed.any(axis=1), crossed.argmax(axis=1), -1)
    observed = np.array([(first == k).mean() for k in range(len(t))])
    se = np.sqrt(b["alpha_spent"] * (1 - b["alpha_spent"]) / len(z))
    assert (np.abs(observed - b["alpha_spent"]) < 4 * se + 1e-5).all()
    assert spent_alpha(1.0, spending=spending) == pytest.approx(0.05)


def test_always_valid_sequence_and_pvalue_agree():
    rng = np.random.default_rng(1)
    d = np.cumsum(rng.normal(0.5, 1, 50)) / np.arange(1, 51)
    se = 1 / np.sqrt(np.arange(1, 51))
    out = always_valid(d, se, tau=0.5)
    assert (np.diff(out["p_value"]) <= 0).all()  # never increases
    inside = (out["cs_low"] <= 0) & (0 <= out["cs_high"])
    p_look = np.minimum(1, np.sqrt((se**2 + 0.25) / se**2) * np.exp(-0.25 * d**2 / (2 * se**2 * (se**2 + 0.25))))
    np.testing.assert_array_equal(~inside.to_numpy(), p_look <= 0.05)  # CS excludes 0 exactly when Lambda >= 20
    with pytest.raises(ValueError, match="`tau` must be > 0"):
        always_valid(d, se, tau=0)


def test_thirty_daily_looks_at_an_aa_test():
    # 4000 A/A tests of a 70 % rate, 300 new users per arm per day, read every day for 30 days.
    rng = np.random.default_rng(2)
    sims, days, per_day, p = 4000, 30, 300, 0.70
    k_a = np.cumsum(rng.binomial(per_day, p, size=(sims, days)), axis=1)
    k_b = np.cumsum(rng.binomial(per_day, p, size=(sims, days)), axis=1)
    n = per_day * np.arange(1, days + 1)
    diff = k_b / n - k_a / n
    pooled = (k_a + k_b) / (2 * n)
    se = np.sqrt(pooled * (1 - pooled) * 2 / n)
    naive = (np.abs(diff / se) >= stats.norm.isf(0.025)).any(axis=1).mean()
    bounds = gs_boundaries(days)["z"].to_numpy()
    gs = (np.abs(diff / se) >= bounds).any(axis=1).mean()
    av = np.mean([always_valid(diff[i], se[i], tau=0.02)["reject"].any() for i in range(sims)])
    mc = 3 * np.sqrt(0.05 * 0.95 / sims)
    assert naive > 0.15  # peeking with the fixed test: several times the promised 5 %
    assert av <= 0.05 + mc
    assert gs <= 0.05 + mc and gs >= 0.05 - mc  # spends exactly alpha over the planned looks
