"""Estimates with confidence intervals, from sufficient statistics only.

:func:`nps_from_counts`, :func:`proportion_from_counts`, :func:`mean_from_moments`,
:func:`quantile_from_values` and :func:`bootstrap_from_counts` each return an
:class:`Estimate`. Their vectorised cores (:func:`nps_interval`, :func:`proportion_interval`,
:func:`mean_interval`: arrays in, arrays out) serve whole tables at once; the metric kinds
(:mod:`cxlab.stats.kinds`) call them.

Units are fixed: NPS in points (-100..100), shares and rates in percent (0..100), means
and durations in their own units. Intervals are clipped to the metric's scale; values are
never rounded here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
from scipy import stats

from .._checks import check_confidence, check_counts, check_option
from ..metric_defs import PROPORTION_METHODS, QUANTILE_METHODS

__all__ = [
    "Estimate",
    "nps_from_counts",
    "proportion_from_counts",
    "mean_from_moments",
    "quantile_from_values",
    "bootstrap_from_counts",
    "normal_quantile",
    "nps_share_variance",
    "nps_interval",
    "proportion_interval",
    "mean_interval",
    "quantile_from_sorted",
    "quantile_ranks",
    "DEFAULT_CONFIDENCE",
    "NPS_METHODS",
    "PROPORTION_METHODS",
    "QUANTILE_METHODS",
]

DEFAULT_CONFIDENCE = 0.95
NPS_METHODS = ("adjusted-wald", "wald", "bootstrap")


@dataclass(frozen=True, slots=True)
class Estimate:
    """A point estimate with its confidence interval.

    Attributes
    ----------
    value : float
        The observed estimate (NPS in points, rates in percent, means in their units).
    ci_low, ci_high : float
        Interval bounds, within the metric's scale.
    se : float
        Standard error behind the interval; for the bootstrap, the SD of its replicates;
        nan for order-statistic intervals, which use none.
    n : int
        Observations behind the estimate.
    confidence : float
        Confidence level of the interval.
    method : str
        How the interval was computed.
    """

    value: float
    ci_low: float
    ci_high: float
    se: float
    n: int
    confidence: float
    method: str

    def __str__(self) -> str:
        return (f"{self.value:.4g} ({self.confidence:.0%} CI {self.ci_low:.4g} to "
                f"{self.ci_high:.4g}, n = {self.n:,}, {self.method})")


@lru_cache(maxsize=64)
def normal_quantile(confidence: float) -> float:
    """The standard normal quantile of a two-sided ``confidence`` level (1.96 at 0.95)."""
    return float(stats.norm.ppf(0.5 + confidence / 2))


def _nan_if_empty(n, *arrays):
    empty = np.asarray(n) == 0
    return [np.where(empty, np.nan, a) for a in arrays]


# --------------------------------------------------------------------------------------
# Vectorised interval formulas (arrays in, arrays out); the scalar API wraps these.
# --------------------------------------------------------------------------------------


def nps_share_variance(pro, det, n):
    """NPS as a fraction (mean of the +1 / 0 / -1 codes) and its sampling variance (p + d - (p - d)^2) / n."""
    with np.errstate(invalid="ignore", divide="ignore"):
        p_pro, p_det = pro / n, det / n
        centre = p_pro - p_det
        return centre, np.maximum(p_pro + p_det - centre**2, 0.0) / n


def nps_interval(pro, pas, det, confidence: float, method: str):
    """NPS in points with Wald / adjusted-Wald intervals; see :func:`nps_from_counts`."""
    pro, pas, det = (np.asarray(a, dtype=float) for a in (pro, pas, det))
    n = pro + pas + det
    with np.errstate(invalid="ignore", divide="ignore"):
        value = 100 * (pro - det) / n
        if method == "adjusted-wald":  # Rocks (2016): 0.75 / 1.5 / 0.75 pseudo-counts
            pro, det, n_adj = pro + 0.75, det + 0.75, n + 3
        else:
            n_adj = n
        centre, var = nps_share_variance(pro, det, n_adj)
        se = np.sqrt(var)
    half = normal_quantile(confidence) * se
    # the adjusted interval is centred on the shrunken estimate: widen it to hold the observed
    # value, so an interval always contains its estimate (a single promoter: 100, not beyond)
    lo = np.minimum(100 * np.clip(centre - half, -1.0, 1.0), value)
    hi = np.maximum(100 * np.clip(centre + half, -1.0, 1.0), value)
    return _nan_if_empty(n, value, lo, hi, 100 * se)


#: cxlab's interval names -> statsmodels.stats.proportion.proportion_confint methods
_CONFINT = {"wilson": "wilson", "wald": "normal", "agresti-coull": "agresti_coull", "jeffreys": "jeffreys",
            "clopper-pearson": "beta"}


def proportion_interval(k, n, confidence: float, method: str):
    """Proportion (as a fraction) with its interval and Wald SE; see :func:`proportion_from_counts`.

    The bounds are statsmodels' ``proportion_confint``; Jeffreys gets Brown, Cai & DasGupta's
    boundary rule (lower bound 0 at k = 0, upper 1 at k = n), which statsmodels omits.
    """
    from statsmodels.stats.proportion import proportion_confint

    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        se = np.sqrt(p * (1 - p) / n)
        lo, hi = proportion_confint(k, n, alpha=1 - confidence, method=_CONFINT[method])
        lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    if method == "jeffreys":
        lo, hi = np.where(k > 0, lo, 0.0), np.where(k < n, hi, 1.0)
    # rounding must never leave the estimate outside its interval (100 % answered: 100 - 1e-14)
    lo, hi = np.clip(np.fmin(lo, p), 0.0, 1.0), np.clip(np.fmax(hi, p), 0.0, 1.0)
    return _nan_if_empty(n, p, lo, hi, se)


def mean_interval(n, mean, sd, confidence: float):
    """Mean with a Student t interval; nan interval below two observations."""
    n, mean, sd = (np.asarray(a, dtype=float) for a in (n, mean, sd))
    with np.errstate(invalid="ignore", divide="ignore"):
        se = sd / np.sqrt(n)
        t = stats.t.ppf(0.5 + confidence / 2, np.where(n > 1, n - 1, np.nan))
    lo, hi = mean - t * se, mean + t * se
    return _nan_if_empty(n, mean, lo, hi, se)


# --------------------------------------------------------------------------------------
# The inference layer
# --------------------------------------------------------------------------------------


def nps_from_counts(promoters: int, passives: int, detractors: int, *,
                    confidence: float = DEFAULT_CONFIDENCE,
                    method: Literal["adjusted-wald", "wald", "bootstrap"] = "adjusted-wald",
                    n_boot: int = 2000, seed: int | None = None) -> Estimate:
    """Net Promoter Score in points (-100..100) with a confidence interval.

    Parameters
    ----------
    promoters, passives, detractors : int
        Answers of 9-10, 7-8 and 0-6 on the 0-10 likelihood-to-recommend question.
    confidence : float
        Confidence level of the interval.
    method : {"adjusted-wald", "wald", "bootstrap"}
        ``"adjusted-wald"`` (default; Rocks 2016) adds 0.75 / 1.5 / 0.75 pseudo-counts to
        detractors / passives / promoters and centres the interval on the adjusted
        estimate; ``"wald"`` uses the observed proportions; ``"bootstrap"`` resamples the
        three counts (multinomial, ``n_boot`` times, ``seed``) and takes percentiles.
    n_boot, seed : int
        Bootstrap replicates and seed (``"bootstrap"`` only).

    Returns
    -------
    Estimate
        ``value`` is the observed NPS, ``100 * (promoters - detractors) / n``; the
        interval is clipped to [-100, 100]. With no answers every field is nan.

    Notes
    -----
    With :math:`p` and :math:`d` the shares of promoters and detractors, the NPS is the
    mean of +1 / 0 / -1 codes and its variance is :math:`(p + d - (p - d)^2) / n`.

    References
    ----------
    .. [1] Rocks, B. (2016). Interval estimation for the "Net Promoter Score".
           The American Statistician, 70(4), 365-372.

    Examples
    --------
    >>> est = nps_from_counts(50, 30, 20, method="wald")
    >>> est.value, est.n
    (30.0, 100)
    """
    check_counts(promoters=promoters, passives=passives, detractors=detractors)
    c = check_confidence(confidence)
    check_option("method", method, NPS_METHODS)
    n = int(promoters + passives + detractors)
    if method == "bootstrap":
        def net(p):  # columns: promoters, passives, detractors
            return 100 * (p[:, 0] - p[:, 2]) / p.sum(axis=1)
        return bootstrap_from_counts([promoters, passives, detractors], net, confidence=c,
                                     n_boot=n_boot, seed=seed)
    value, lo, hi, se = nps_interval(promoters, passives, detractors, c, method)
    return Estimate(float(value), float(lo), float(hi), float(se), n, c, method)


def proportion_from_counts(successes: int, n: int, *, confidence: float = DEFAULT_CONFIDENCE,
                           method: Literal["wilson", "wald", "agresti-coull", "jeffreys",
                                           "clopper-pearson"] = "wilson") -> Estimate:
    """A proportion in percent (0..100) with a binomial confidence interval.

    Parameters
    ----------
    successes, n : int
        Successes (satisfied answers, first-contact resolutions, churned customers ...) and
        trials.
    confidence : float
        Confidence level of the interval.
    method : {"wilson", "wald", "agresti-coull", "jeffreys", "clopper-pearson"}
        ``"wilson"`` (default) is the score interval; ``"jeffreys"`` the equal-tailed
        Beta(k + 1/2, n - k + 1/2) interval with the lower bound 0 at k = 0 and the upper
        1 at k = n (Brown, Cai & DasGupta 2001); ``"clopper-pearson"`` the exact interval.

    Returns
    -------
    Estimate
        ``value = 100 * successes / n``; ``se`` is the Wald standard error
        ``100 * sqrt(p (1 - p) / n)``. Bounds are clipped to [0, 100]. With ``n = 0``
        every field is nan.

    References
    ----------
    .. [1] Brown, L. D., Cai, T. T. & DasGupta, A. (2001). Interval estimation for a
           binomial proportion. Statistical Science, 16(2), 101-133.

    Examples
    --------
    >>> proportion_from_counts(18, 20).value
    90.0
    """
    check_counts(successes=successes, n=n)
    if successes > n:
        raise ValueError(f"`successes` ({successes}) cannot exceed `n` ({n}).")
    c = check_confidence(confidence)
    check_option("method", method, PROPORTION_METHODS)
    p, lo, hi, se = proportion_interval(successes, n, c, method)
    return Estimate(float(100 * p), float(100 * lo), float(100 * hi), float(100 * se), int(n), c,
                    method)


def mean_from_moments(n: int, mean: float, sd: float, *,
                      confidence: float = DEFAULT_CONFIDENCE) -> Estimate:
    """A mean with its Student t interval, from ``n``, the mean and the SD (ddof = 1).

    Returns
    -------
    Estimate
        ``se = sd / sqrt(n)``; the interval is ``mean +/- t(n - 1) * se`` (nan for n < 2).

    Examples
    --------
    >>> mean_from_moments(25, 4.2, 1.0).se
    0.2
    """
    check_counts(n=n)
    if not sd >= 0:
        raise ValueError(f"`sd` must be >= 0; got {sd!r}.")
    c = check_confidence(confidence)
    value, lo, hi, se = mean_interval(n, mean, sd, c)
    return Estimate(float(value), float(lo), float(hi), float(se), int(n), c, "t")


@lru_cache(maxsize=4096)
def quantile_ranks(n: int, q: float, confidence: float, method: str) -> tuple[int, int]:
    """1-based ranks (l, u) with P(X(l) <= quantile <= X(u)) >= confidence; (0, 0) if none.

    For a continuous variable, P(X(l) <= xi_q <= X(u)) = P(l <= B <= u - 1) with
    B ~ Binomial(n, q), whatever the distribution. ``"equal-tailed"`` puts at most
    (1 - confidence) / 2 in each tail (as scipy's ``quantile_test``); ``"exact"`` takes,
    among all pairs that reach ``confidence``, the one spanning the fewest ranks (the
    binomial's highest-mass set), then the one whose coverage exceeds ``confidence``
    least. That keeps coverage near nominal and gives a bounded interval for tail
    quantiles where the equal-tailed rule cannot (p90 of 30 values).
    """
    if n < 1:
        return 0, 0
    alpha = 1 - confidence
    binom = stats.binom(n, q)
    if method == "equal-tailed":
        k = int(binom.ppf(alpha / 2))
        lo = k if binom.cdf(k) > alpha / 2 else k + 1  # largest l with P(B <= l - 1) <= alpha/2
        hi = int(binom.ppf(1 - alpha / 2)) + 1
        return (lo, hi) if 1 <= lo and hi <= n else (0, 0)
    sd = math.sqrt(n * q * (1 - q)) + 1
    ls = np.arange(max(1, int(n * q - 8 * sd)), min(n, int(n * q + 2)) + 1)
    base = binom.cdf(ls - 1)
    target = confidence + base
    ok = target <= 1
    if not ok.any():
        return 0, 0
    ls, base, target = ls[ok], base[ok], target[ok]
    m = binom.ppf(target).astype(int)  # smallest m with F(m) >= target
    m = np.where(binom.cdf(m) < target - 1e-12, m + 1, m)
    us = m + 1
    valid = us <= n
    if not valid.any():
        return 0, 0
    cover = binom.cdf(us - 1) - base
    valid &= cover >= confidence - 1e-12
    if not valid.any():
        return 0, 0
    ls, us, cover = ls[valid], us[valid], cover[valid]
    best = np.lexsort((np.round(cover, 12), us - ls))[0]  # fewest ranks, then least coverage
    return int(ls[best]), int(us[best])


def quantile_from_sorted(x: np.ndarray, q: float, confidence: float, method: str):
    """(value, ci_low, ci_high) of the ``q`` quantile of sorted values ``x``."""
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan
    value = float(np.quantile(x, q))
    lo_rank, hi_rank = quantile_ranks(n, float(q), float(confidence), method)
    if lo_rank == 0:
        return value, math.nan, math.nan
    return value, float(min(x[lo_rank - 1], value)), float(max(x[hi_rank - 1], value))


def quantile_from_values(values: Iterable[float], q: float = 0.5, *,
                         confidence: float = DEFAULT_CONFIDENCE,
                         method: Literal["exact", "equal-tailed"] = "exact") -> Estimate:
    """A quantile (median, p90 ...) of durations with a distribution-free interval.

    Parameters
    ----------
    values : array-like
        Durations (or any continuous values); missing values raise.
    q : float
        The quantile, e.g. 0.5 for the median or 0.9 for p90.
    confidence : float
        Confidence level.
    method : {"exact", "equal-tailed"}
        How the two order statistics are chosen; both give coverage >= ``confidence``
        for any continuous distribution (see Notes).

    Returns
    -------
    Estimate
        ``value`` is ``numpy.quantile(values, q)`` (linear interpolation, R's type 7);
        ``ci_low`` and ``ci_high`` are order statistics; ``se`` is nan. When ``n`` is too
        small for any pair of order statistics to reach ``confidence`` (e.g. a median of
        5 values at 95 %), the bounds are nan.

    Notes
    -----
    With B ~ Binomial(n, q), P(X(l) <= xi_q <= X(u)) = P(l <= B <= u - 1)
    (Hahn & Meeker, *Statistical Intervals*, 1991, ch. 5). ``"equal-tailed"`` matches
    ``scipy.stats.quantile_test(...).confidence_interval()``; ``"exact"`` (default) picks
    the pair spanning the fewest ranks that still reaches ``confidence`` (then the least
    coverage), which stays close to nominal where the equal-tailed rule over-covers.

    Examples
    --------
    >>> est = quantile_from_values(range(1, 101), 0.5)
    >>> est.value, est.ci_low <= 50.5 <= est.ci_high
    (50.5, True)
    """
    x = np.sort(np.asarray(values, dtype=float))
    if np.isnan(x).any():
        raise ValueError(f"{int(np.isnan(x).sum())} missing value(s); drop them first.")
    if not 0 < q < 1:
        raise ValueError(f"`q` must be between 0 and 1 (0.5 for the median); got {q!r}.")
    c = check_confidence(confidence)
    check_option("method", method, QUANTILE_METHODS)
    value, lo, hi = quantile_from_sorted(x, q, c, method)
    return Estimate(value, lo, hi, math.nan, len(x), c, f"order-statistics ({method})")


def bootstrap_from_counts(counts: Sequence[int], statistic: Callable[[np.ndarray], np.ndarray],
                          *, confidence: float = DEFAULT_CONFIDENCE, n_boot: int = 2000,
                          seed: int | None = None) -> Estimate:
    """Percentile bootstrap of a statistic of a histogram, resampling counts, never rows.

    Parameters
    ----------
    counts : sequence of int
        The histogram (e.g. promoters / passives / detractors, or 1-5 counts).
    statistic : callable
        Maps an array of shape ``(B, len(counts))`` of resampled counts to ``B`` values.
    confidence, n_boot, seed
        Interval level, number of replicates, random seed.

    Returns
    -------
    Estimate
        ``value`` is the statistic of the observed counts; ``se`` the SD of the replicates.

    Notes
    -----
    Resampling n rows with replacement and counting them is exactly a multinomial draw of
    the counts with probabilities ``counts / n``, so ``rng.multinomial`` gives the same
    bootstrap distribution as row resampling at a tiny fraction of the cost.
    """
    c = check_confidence(confidence)
    counts_arr = np.asarray(counts, dtype=np.int64)
    n = int(counts_arr.sum())
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, math.nan, 0, c, "bootstrap")
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n, counts_arr / n, size=n_boot)
    reps = np.asarray(statistic(draws), dtype=float)
    value = float(np.asarray(statistic(counts_arr[None, :]), dtype=float)[0])
    lo, hi = np.quantile(reps, [(1 - c) / 2, (1 + c) / 2])
    return Estimate(value, float(min(lo, value)), float(max(hi, value)), float(reps.std(ddof=1)), n, c, "bootstrap")
