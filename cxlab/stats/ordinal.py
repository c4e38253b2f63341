"""Ordinal scores (CSAT 1-5, CES 1-7): rank tests computed from histograms, never from rows.

Ties share a midrank, so every rank statistic comes from the counts per scale point in
O(scale points): Mann-Whitney for two groups (:func:`compare_ordinal`), Kruskal-Wallis for
several (:func:`kruskal_from_counts`) and Dunn's z for pairs or one group against the rest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from .aggregate import Histogram

__all__ = ["OrdinalComparison", "compare_ordinal", "kruskal_from_counts", "dunn_vs_rest", "dunn_pairs"]


@dataclass(frozen=True, slots=True)
class OrdinalComparison:
    """Mann-Whitney comparison of two ordinal score distributions, from their histograms.

    Attributes
    ----------
    u : float
        Mann-Whitney U of the treatment group (pairs where treatment scores higher, ties
        counting half).
    p_value : float
        Two-sided, normal approximation with the tie correction (and continuity correction
        if asked), as ``scipy.stats.mannwhitneyu(method="asymptotic")``.
    prob_superiority : float
        P(treatment > control) + P(treatment = control) / 2 = U / (n_c n_t).
    rank_biserial : float
        2 * prob_superiority - 1, in [-1, 1].
    chi2, chi2_p_value : float
        Pearson's chi-square of the full 2 x k table (any difference in distribution).
    n_control, n_treatment : int
    """

    u: float
    p_value: float
    prob_superiority: float
    rank_biserial: float
    chi2: float
    chi2_p_value: float
    n_control: int
    n_treatment: int


def _histogram_of(values) -> tuple[np.ndarray, np.ndarray]:
    """(levels, counts) of an ordinal sample given as raw values or as a Histogram."""
    if isinstance(values, Histogram):
        return values.values, np.asarray(values.counts, dtype=float)
    x = np.asarray(values, dtype=float)
    if np.isnan(x).any():
        raise ValueError(f"{int(np.isnan(x).sum())} missing value(s); drop them first.")
    lv, counts = np.unique(x, return_counts=True)
    return lv, counts.astype(float)


def compare_ordinal(control, treatment, *, correction: bool = True) -> OrdinalComparison:
    """Compare two ordinal score distributions (CSAT 1-5, CES 1-7) without assuming intervals.

    Parameters
    ----------
    control, treatment : array-like or cxlab.stats.aggregate.Histogram
        Raw scores, or histograms on the same scale.
    correction : bool
        Continuity correction of the normal approximation (scipy's default).

    Returns
    -------
    OrdinalComparison

    Notes
    -----
    With counts a_k, b_k of each score, ties share the midrank
    r_k = (sum of counts below k) + (a_k + b_k + 1) / 2, so U comes from the histograms in
    O(number of scale points), not O(n log n); the variance carries the tie correction
    n_c n_t / 12 * ((N + 1) - sum(t^3 - t) / (N (N - 1))).

    Examples
    --------
    >>> r = compare_ordinal([1, 2, 3, 3, 4], [3, 4, 4, 5, 5])  # 22 of 25 pairs favour treatment
    >>> r.u, r.prob_superiority
    (22.0, 0.88)
    """
    lv_c, a = _histogram_of(control)
    lv_t, b = _histogram_of(treatment)
    levels = np.union1d(lv_c, lv_t)
    a = np.zeros(len(levels)) + np.bincount(np.searchsorted(levels, lv_c), weights=a, minlength=len(levels))
    b = np.zeros(len(levels)) + np.bincount(np.searchsorted(levels, lv_t), weights=b, minlength=len(levels))
    n_c, n_t = a.sum(), b.sum()
    if n_c == 0 or n_t == 0:
        raise ValueError("Both groups need at least one score.")
    t = a + b
    n = n_c + n_t
    midrank = np.cumsum(t) - t + (t + 1) / 2
    u = float((b * midrank).sum() - n_t * (n_t + 1) / 2)
    mean = n_c * n_t / 2
    var = n_c * n_t / 12 * ((n + 1) - (t**3 - t).sum() / (n * (n - 1)))
    dev = abs(u - mean) - (0.5 if correction else 0.0)
    p = float(2 * stats.norm.sf(max(dev, 0.0) / math.sqrt(var))) if var > 0 else 1.0
    ps = float(u / (n_c * n_t))
    table = np.vstack([a, b])[:, t > 0]
    if table.shape[1] > 1:
        chi2, chi2_p, *_ = stats.chi2_contingency(table, correction=False)
    else:
        chi2, chi2_p = 0.0, 1.0
    return OrdinalComparison(u, min(p, 1.0), ps, 2 * ps - 1, float(chi2), float(chi2_p), int(n_c), int(n_t))


def kruskal_from_counts(h: np.ndarray) -> tuple[float, float, np.ndarray, float, float]:
    """Kruskal-Wallis H from per-group histograms (groups x scores), with the tie correction."""
    t = h.sum(0)
    n_g = h.sum(1)
    n = t.sum()
    midrank = np.cumsum(t) - t + (t + 1) / 2
    rank_sum = h @ midrank
    ok = n_g > 0
    if n < 2:  # nothing to rank against
        return 0.0, 1.0, np.where(ok, 1.0, np.nan), float(n), 0.0
    hstat = 12 / (n * (n + 1)) * (rank_sum[ok] ** 2 / n_g[ok]).sum() - 3 * (n + 1)
    ties = 1 - (t**3 - t).sum() / (n**3 - n)
    hstat = hstat / ties if ties > 0 else 0.0  # every answer the same: no evidence of a difference
    df = ok.sum() - 1
    mean_rank = np.where(ok, rank_sum / np.where(ok, n_g, 1), np.nan)
    return float(hstat), float(stats.chi2.sf(hstat, df)) if df > 0 else 1.0, mean_rank, float(n), float(ties)


def dunn_vs_rest(h: np.ndarray) -> np.ndarray:
    """Dunn's z of each group's mean rank against all the other groups pooled (nan if empty).

    ``h`` is groups x scale points. With the tie correction of Kruskal-Wallis,
    z = (R_g - R_rest) / sqrt(c N (N + 1) / 12 (1 / n_g + 1 / n_rest)) (Dunn 1964).
    """
    _, _, mean_rank, n, ties = kruskal_from_counts(h)
    total = h.sum(0)
    midrank = np.cumsum(total) - total + (total + 1) / 2
    n_g = h.sum(1)
    z = np.full(len(h), np.nan)
    for i in np.flatnonzero(n_g > 0):
        n_rest = n - n_g[i]
        if n_rest > 0:
            rest_rank = ((total - h[i]) @ midrank) / n_rest
            se = math.sqrt(ties * n * (n + 1) / 12 * (1 / n_g[i] + 1 / n_rest))
            z[i] = (mean_rank[i] - rest_rank) / se if se > 0 else np.nan  # all tied: no test
    return z


def dunn_pairs(h: np.ndarray) -> list[tuple[int, int, float, float, float]]:
    """Dunn's pairwise z for every pair of groups: ``(i, j, mean_rank_i, mean_rank_j, z)``.

    z = (R_i - R_j) / sqrt((N (N + 1) / 12 - sum(t^3 - t) / (12 (N - 1))) (1 / n_i + 1 / n_j)),
    with R the mean midranks (Dunn 1964).
    """
    _, _, mean_rank, n, _ = kruskal_from_counts(h)
    t = h.sum(0)
    var = n * (n + 1) / 12 - (t**3 - t).sum() / (12 * (n - 1))
    n_g = h.sum(1)
    return [(i, j, mean_rank[i], mean_rank[j], (mean_rank[i] - mean_rank[j]) / math.sqrt(var * (1 / n_g[i] + 1 / n_g[j])))
            for i in range(len(h)) for j in range(i + 1, len(h))]
