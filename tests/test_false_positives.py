"""Exact false-positive rates of the two-group tests under the null, by enumeration.

Every outcome of two groups of n answers drawn from the same distribution is enumerated
with its probability, so the rate of p < 0.05 is exact, not simulated
(``bench/false_positives.py`` simulates the larger sizes).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import stats

from cxlab.metric_defs import METRICS
from cxlab.stats.compare import nps_diff, proportion_diff
from cxlab.stats.kinds import kind_of


@pytest.mark.parametrize("n", [2, 3, 5, 10, 20, 30, 50])
def test_the_rate_test_never_exceeds_its_level(n):
    k = np.arange(n + 1, dtype=float)
    kc, kt = np.meshgrid(k, k, indexing="ij")
    p = proportion_diff(kc.ravel(), float(n), kt.ravel(), float(n), 0.95, "newcombe-cc")[3].reshape(kc.shape)
    rates = np.linspace(0.01, 0.99, 99)
    w = stats.binom.pmf(k[None, :], n, rates[:, None])
    fpr = np.einsum("pi,pj,ij->p", w, w, p < 0.05)
    assert fpr.max() <= 0.05, (rates[fpr.argmax()], fpr.max())
    # the uncorrected hybrid (method 10) exceeds it somewhere from n = 20 on (5.3 % at n = 20)
    if n >= 20:
        p10 = proportion_diff(kc.ravel(), float(n), kt.ravel(), float(n), 0.95, "newcombe")[3].reshape(kc.shape)
        assert np.einsum("pi,pj,ij->p", w, w, p10 < 0.05).max() > 0.05


def _trinomials(n):
    """Every (promoters, passives, detractors) of n answers."""
    return np.array([(a, b, n - a - b) for a in range(n + 1) for b in range(n + 1 - a)], dtype=float)


@pytest.mark.parametrize("n", [1, 2, 5, 10, 20, 30, 50])
@pytest.mark.parametrize("probs", [(0.45, 0.3, 0.25), (0.9, 0.07, 0.03), (0.34, 0.33, 0.33)])
def test_the_nps_test_never_exceeds_its_level(n, probs):
    arms = _trinomials(n)
    w = stats.multinomial.pmf(arms, n, probs)
    i, j = np.meshgrid(np.arange(len(arms)), np.arange(len(arms)), indexing="ij")
    c, t = arms[i.ravel()].T, arms[j.ravel()].T
    p = nps_diff(c, t, 0.95, "adjusted-wald")[3]
    fpr = float((w[i.ravel()] * w[j.ravel()] * (np.nan_to_num(p, nan=1.0) < 0.05)).sum())
    assert fpr <= 0.05


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
def test_the_mean_test_never_exceeds_its_level_on_a_short_scale(n):
    # CES on 1-7, skewed towards little effort; every histogram of n answers
    probs = np.array([0.3, 0.25, 0.2, 0.1, 0.08, 0.05, 0.02])
    hists = np.array([h for h in itertools.product(range(n + 1), repeat=7) if sum(h) == n], dtype=float)
    w = stats.multinomial.pmf(hists, n, probs)
    values = np.arange(1, 8)
    mean = hists @ values / n
    m2 = hists @ values**2 - n * mean**2
    m = METRICS["ces"]
    kind = kind_of(m)
    i, j = (a.ravel() for a in np.meshgrid(np.arange(len(hists)), np.arange(len(hists)), indexing="ij"))
    st = {"n": np.full(len(hists), float(n)), "mean": mean, "m2": np.maximum(m2, 0.0)}
    p = kind.compare({k: v[i] for k, v in st.items()}, {k: v[j] for k, v in st.items()}, m, 0.95)["p_value"]
    fpr = float((w[i] * w[j] * (np.nan_to_num(p, nan=1.0) < 0.05)).sum())
    assert fpr <= 0.05


def test_the_inverted_p_value_is_the_same_one_at_a_time_and_in_bulk():
    # a readout inverts a few intervals by Brent's method, a trend many at once by bisection
    rng = np.random.default_rng(7)
    n_c, n_t = rng.integers(1, 200, 40).astype(float), rng.integers(1, 200, 40).astype(float)
    k_c, k_t = np.floor(rng.random(40) * (n_c + 1)), np.floor(rng.random(40) * (n_t + 1))
    bulk = proportion_diff(k_c, n_c, k_t, n_t, 0.95, "newcombe-cc")[3]
    one = [proportion_diff(k_c[i:i + 1], n_c[i:i + 1], k_t[i:i + 1], n_t[i:i + 1], 0.95, "newcombe-cc")[3][0]
           for i in range(40)]
    np.testing.assert_allclose(bulk, one, rtol=1e-9, atol=1e-14)
    assert (bulk > 0).all() and (bulk <= 1).all()
