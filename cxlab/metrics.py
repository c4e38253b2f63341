"""CX metrics: each defined once, each estimated with a confidence interval.

Two layers:

* the inference layer works on sufficient statistics only: :func:`nps_from_counts`,
  :func:`proportion_from_counts`, :func:`mean_from_moments`, :func:`quantile_from_values`
  and :func:`bootstrap_from_counts`, each returning an :class:`Estimate`;
* the frame layer, :func:`scores`, aggregates a DataFrame (or a parquet file, pushed down to
  DuckDB) into per-group statistics with :mod:`cxlab.aggregate` and returns one tidy row
  per (group, metric).

Units are fixed: NPS in points (-100..100), shares and rates in percent (0..100), means
and durations in their own units. Intervals are clipped to the metric's scale; values are
never rounded here (only plots and notebooks round).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from . import aggregate
from ._checks import check_confidence, check_option
from .aggregate import NPS_DETRACTOR_MAX, NPS_PROMOTER_MIN
from .metric_defs import METRICS, PROPORTION_METHODS, QUANTILE_METHODS, Metric, get_metric

__all__ = [
    "Estimate",
    "Metric",
    "METRICS",
    "get_metric",
    "nps_from_counts",
    "proportion_from_counts",
    "mean_from_moments",
    "quantile_from_values",
    "bootstrap_from_counts",
    "scores",
    "segment_scores",
    "nps",
    "csat",
    "ces",
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
def _z(confidence: float) -> float:
    return float(stats.norm.ppf(0.5 + confidence / 2))


def _nan_if_empty(n, *arrays):
    empty = np.asarray(n) == 0
    return [np.where(empty, np.nan, a) for a in arrays]


# --------------------------------------------------------------------------------------
# Vectorised interval formulas (arrays in, arrays out); the scalar API wraps these.
# --------------------------------------------------------------------------------------


def _nps_centre_var(pro, det, n):
    """NPS as a fraction (mean of the +1 / 0 / -1 codes) and its sampling variance (p + d - (p - d)^2) / n."""
    with np.errstate(invalid="ignore", divide="ignore"):
        p_pro, p_det = pro / n, det / n
        centre = p_pro - p_det
        return centre, np.maximum(p_pro + p_det - centre**2, 0.0) / n


def _nps_arrays(pro, pas, det, confidence: float, method: str):
    """NPS in points with Wald / adjusted-Wald intervals; see :func:`nps_from_counts`."""
    pro, pas, det = (np.asarray(a, dtype=float) for a in (pro, pas, det))
    n = pro + pas + det
    with np.errstate(invalid="ignore", divide="ignore"):
        value = 100 * (pro - det) / n
        if method == "adjusted-wald":  # Rocks (2016): 0.75 / 1.5 / 0.75 pseudo-counts
            pro, det, n_adj = pro + 0.75, det + 0.75, n + 3
        else:
            n_adj = n
        centre, var = _nps_centre_var(pro, det, n_adj)
        se = np.sqrt(var)
    half = _z(confidence) * se
    lo = 100 * np.clip(centre - half, -1.0, 1.0)
    hi = 100 * np.clip(centre + half, -1.0, 1.0)
    return _nan_if_empty(n, value, lo, hi, 100 * se)


def _proportion_arrays(k, n, confidence: float, method: str):
    """Proportion (as a fraction) with its interval; see :func:`proportion_from_counts`."""
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    alpha = 1 - confidence
    z = _z(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        se = np.sqrt(p * (1 - p) / n)
        if method == "wald":
            lo, hi = p - z * se, p + z * se
        elif method == "wilson":
            centre = (k + z * z / 2) / (n + z * z)
            half = z / (n + z * z) * np.sqrt(k * (n - k) / n + z * z / 4)
            lo, hi = centre - half, centre + half
        elif method == "agresti-coull":
            n_t = n + z * z
            p_t = (k + z * z / 2) / n_t
            half = z * np.sqrt(p_t * (1 - p_t) / n_t)
            lo, hi = p_t - half, p_t + half
        elif method == "jeffreys":  # equal-tailed Beta(k + 1/2, n - k + 1/2) quantiles
            lo = np.where(k > 0, stats.beta.ppf(alpha / 2, k + 0.5, n - k + 0.5), 0.0)
            hi = np.where(k < n, stats.beta.ppf(1 - alpha / 2, k + 0.5, n - k + 0.5), 1.0)
        elif method == "clopper-pearson":
            lo = np.where(k > 0, stats.beta.ppf(alpha / 2, np.maximum(k, 1), n - k + 1), 0.0)
            hi = np.where(k < n, stats.beta.ppf(1 - alpha / 2, k + 1, np.maximum(n - k, 1)), 1.0)
        else:  # pragma: no cover - callers check the option first
            raise ValueError(method)
    lo, hi = np.clip(lo, 0.0, 1.0), np.clip(hi, 0.0, 1.0)
    return _nan_if_empty(n, p, lo, hi, se)


def _mean_arrays(n, mean, sd, confidence: float):
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


def _check_counts(**counts: float) -> None:
    for name, value in counts.items():
        if value is None or not np.isfinite(value) or value < 0 or value != int(value):
            raise ValueError(f"`{name}` must be a whole number >= 0; got {value!r}.")


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
    _check_counts(promoters=promoters, passives=passives, detractors=detractors)
    c = check_confidence(confidence)
    check_option("method", method, NPS_METHODS)
    n = int(promoters + passives + detractors)
    if method == "bootstrap":
        def net(p):  # columns: promoters, passives, detractors
            return 100 * (p[:, 0] - p[:, 2]) / p.sum(axis=1)
        return bootstrap_from_counts([promoters, passives, detractors], net, confidence=c,
                                     n_boot=n_boot, seed=seed)
    value, lo, hi, se = _nps_arrays(promoters, passives, detractors, c, method)
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
    _check_counts(successes=successes, n=n)
    if successes > n:
        raise ValueError(f"`successes` ({successes}) cannot exceed `n` ({n}).")
    c = check_confidence(confidence)
    check_option("method", method, PROPORTION_METHODS)
    p, lo, hi, se = _proportion_arrays(successes, n, c, method)
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
    _check_counts(n=n)
    if not sd >= 0:
        raise ValueError(f"`sd` must be >= 0; got {sd!r}.")
    c = check_confidence(confidence)
    value, lo, hi, se = _mean_arrays(n, mean, sd, c)
    return Estimate(float(value), float(lo), float(hi), float(se), int(n), c, "t")


@lru_cache(maxsize=4096)
def _quantile_ranks(n: int, q: float, confidence: float, method: str) -> tuple[int, int]:
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


def _quantile_from_sorted(x: np.ndarray, q: float, confidence: float, method: str):
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan
    value = float(np.quantile(x, q))
    lo_rank, hi_rank = _quantile_ranks(n, float(q), float(confidence), method)
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
    value, lo, hi = _quantile_from_sorted(x, q, c, method)
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
    return Estimate(value, float(lo), float(hi), float(reps.std(ddof=1)), n, c, "bootstrap")


# --------------------------------------------------------------------------------------
# The frame layer
# --------------------------------------------------------------------------------------

SCORE_COLUMNS = ["metric", "n", "value", "ci_low", "ci_high", "se", "confidence", "method",
                 "n_missing"]


def _columns_for(metrics: Sequence[Metric]) -> dict[str, tuple[int, int] | None]:
    """Which columns the cube must aggregate, and how (histogram scale, or moments)."""
    cols: dict[str, tuple[int, int] | None] = {}
    for m in metrics:
        if m.kind == "quantile":
            continue
        scale = m.scale
        if m.column in cols and cols[m.column] != scale:
            # the same column as a histogram and as moments: the histogram serves both
            scale = cols[m.column] or scale
        cols[m.column] = scale
    return cols


def _estimates_from_cube(c: aggregate.Cube, m: Metric, confidence: float) -> dict[str, np.ndarray]:
    """Vectorised estimates for every cell of the cube, as flat arrays."""
    if m.kind in ("nps", "share", "rate"):
        low, _ = c.scales[m.column]
        h = c.hists[m.column].reshape(-1, c.hists[m.column].shape[-1])
        counts, missing = h[:, :-1], h[:, -1]
        n = counts.sum(axis=1)
        if m.kind == "nps":
            det = counts[:, : NPS_DETRACTOR_MAX + 1].sum(axis=1)
            pas = counts[:, NPS_DETRACTOR_MAX + 1 : NPS_PROMOTER_MIN].sum(axis=1)
            pro = counts[:, NPS_PROMOTER_MIN:].sum(axis=1)
            value, lo, hi, se = _nps_arrays(pro, pas, det, confidence, m.method)
        else:
            k = counts[:, [g - low for g in m.good]].sum(axis=1)
            p, lo, hi, se = _proportion_arrays(k, n, confidence, m.method)
            value, lo, hi, se = 100 * p, 100 * lo, 100 * hi, 100 * se
    else:  # mean
        n, mean, m2, missing = (a.ravel() for a in c.moments_of(m.column))
        with np.errstate(invalid="ignore", divide="ignore"):
            sd = np.sqrt(np.where(n > 1, m2 / (n - 1), np.nan))
        value, lo, hi, se = _mean_arrays(n, mean, sd, confidence)
        if m.scale is not None:
            lo, hi = np.clip(lo, *m.scale), np.clip(hi, *m.scale)
    return {"n": n, "value": value, "ci_low": lo, "ci_high": hi, "se": se, "n_missing": missing}


def _assemble(cube: aggregate.Cube, metrics: Sequence[Metric], confidence: float,
              keep: np.ndarray) -> pd.DataFrame:
    """The statistics columns for the kept cells of a cube, metric after metric, in one frame."""
    cols: dict[str, list[np.ndarray]] = {k: [] for k in SCORE_COLUMNS}
    k = len(keep)
    for m in metrics:
        est = _estimates_from_cube(cube, m, confidence)
        cols["metric"].append(np.full(k, m.name, dtype=object))
        cols["confidence"].append(np.full(k, confidence))
        cols["method"].append(np.full(k, m.method, dtype=object))
        for key, arr in est.items():
            cols[key].append(np.asarray(arr)[keep])
    return pd.DataFrame({key: np.concatenate(v) for key, v in cols.items()})


def _quantile_rows(data: pd.DataFrame, by: list[str], m: Metric, confidence: float) -> pd.DataFrame:
    g = aggregate.sorted_groups(data, by=by, column=m.column)
    labels = aggregate.cell_labels(by, g.levels)
    ncells = len(g.rows)
    n = np.zeros(ncells, dtype=np.int64)
    value, lo, hi = (np.full(ncells, np.nan) for _ in range(3))
    for i, cell in enumerate(g.cells):
        x = g.values[g.bounds[i]:g.bounds[i + 1]]
        n[cell] = len(x)
        value[cell], lo[cell], hi[cell] = _quantile_from_sorted(x, m.q, confidence, m.method)
    out = labels.assign(metric=m.name, n=n, value=value, ci_low=lo, ci_high=hi, se=np.nan,
                        confidence=confidence, method=f"order-statistics ({m.method})",
                        n_missing=g.missing)
    return out[g.rows > 0]


def scores(data: pd.DataFrame | str | Path, *,
           metrics: Sequence[str | Metric] = ("nps", "csat", "ces"),
           by: str | Sequence[str] | None = None,
           confidence: float = DEFAULT_CONFIDENCE) -> pd.DataFrame:
    """Every requested metric with its interval, overall or per group.

    Parameters
    ----------
    data : pandas.DataFrame, str or pathlib.Path
        Rows in cxlab's vocabulary (see :mod:`cxlab.data`), or a parquet/CSV file, which
        is aggregated inside DuckDB without loading it (quantile metrics need a DataFrame).
    metrics : sequence of str or Metric
        Names from :data:`METRICS` (``"nps"``, ``"csat"``, ``"ces"``, ``"fcr"`` ...) or
        :class:`Metric` definitions.
    by : str or list of str, optional
        Grouping column(s), cross-classified like ``groupby``; None for the whole table.
        A missing group value is its own group (shown as ``<NA>``), never dropped.
    confidence : float
        Confidence level of every interval.

    Returns
    -------
    pandas.DataFrame
        One row per (group, metric): the ``by`` columns, then ``metric``, ``n`` (answers
        used), ``value``, ``ci_low``, ``ci_high``, ``se``, ``confidence``, ``method`` and
        ``n_missing`` (rows of the group where the metric's column was blank, left out of
        ``n``). Groups with no rows at all are omitted.

    Examples
    --------
    >>> import cxlab
    >>> survey = cxlab.sample.responses(n=2000, seed=1, locale="en")
    >>> table = cxlab.scores(survey, metrics=["nps", "csat"], by="channel")
    >>> list(table.columns[:4])
    ['channel', 'metric', 'n', 'value']
    """
    c = check_confidence(confidence)
    by_list = [] if by is None else [by] if isinstance(by, str) else list(by)
    ms = [get_metric(m) for m in metrics]
    if not ms:
        raise ValueError("`metrics` is empty; name at least one metric, e.g. metrics=['nps'].")
    is_frame = isinstance(data, pd.DataFrame)
    columns = _columns_for(ms)
    if is_frame:
        cube = aggregate.cube(data, by=by_list, columns=columns) if columns else None
    else:
        if any(m.kind == "quantile" for m in ms):
            raise ValueError("Quantile metrics (medians, p90) need the rows: load the file with "
                             "cxlab.data and pass the DataFrame.")
        cube = aggregate.cube_sql(data, by=by_list, columns=columns)
    parts = []
    if cube is not None:
        keep = np.flatnonzero(cube.rows.ravel() > 0)
        cube_metrics = [m for m in ms if m.kind != "quantile"]
        if cube_metrics:
            labels = cube.cell_labels().iloc[np.tile(keep, len(cube_metrics))].reset_index(drop=True)
            stats_ = _assemble(cube, cube_metrics, c, keep)
            parts.append(pd.concat([labels, stats_], axis=1))
    for m in ms:
        if m.kind == "quantile":
            parts.append(_quantile_rows(data, by_list, m, c))
    order = {m.name: i for i, m in enumerate(ms)}
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    if len(parts) > 1:  # restore the requested metric order
        out = out.iloc[np.argsort(out["metric"].map(order).to_numpy(), kind="stable")].reset_index(drop=True)
    out["n"] = out["n"].astype("int64")
    out["n_missing"] = out["n_missing"].astype("int64")
    out = out[[*by_list, *SCORE_COLUMNS]]
    if is_frame and "cxlab_exclusions" in data.attrs:
        out.attrs["cxlab_exclusions"] = data.attrs["cxlab_exclusions"]
    return out


def _segment_cube(data, groupings: list[list[str]], ms: list[Metric]) -> aggregate.Cube:
    """One cube over every dimension any grouping uses (pandas, or DuckDB for files)."""
    dims = list(dict.fromkeys(d for g in groupings for d in g))
    columns = _columns_for(ms)
    if isinstance(data, pd.DataFrame):
        return aggregate.cube(data, by=dims, columns=columns)
    return aggregate.cube_sql(data, by=dims, columns=columns)


def _level_names(c: aggregate.Cube) -> np.ndarray:
    """``"APP × 企业客户"``-style names of a cube's cells, C order."""
    names = [np.array(["<NA>" if pd.isna(v) else str(v) for v in lv], dtype=object) for lv in c.levels]
    codes = np.indices(c.shape).reshape(len(names), -1)
    out = names[0][codes[0]]
    for nm, code in zip(names[1:], codes[1:]):
        out = out + " × " + nm[code]
    return out


def segment_scores(data: pd.DataFrame | str | Path, *,
                   by: Sequence[str | Sequence[str]],
                   metrics: Sequence[str | Metric] = ("nps", "csat", "ces"),
                   confidence: float = DEFAULT_CONFIDENCE) -> pd.DataFrame:
    """Several breakdowns at once (one-way and cross-classified) from a single pass over the rows.

    All grouping columns are aggregated into one cube; each breakdown is a sum over the
    cube's other axes, so five one-way tables and a two-way table cost about as much as
    one. Quantile metrics need the rows of each group and are not offered here (use
    :func:`scores`).

    Parameters
    ----------
    data : pandas.DataFrame, str or pathlib.Path
        As for :func:`scores`.
    by : sequence of str or of lists of str
        The breakdowns, e.g. ``["channel", "region", ["channel", "customer_type"]]``.
    metrics, confidence
        As for :func:`scores`.

    Returns
    -------
    pandas.DataFrame
        One row per (breakdown, level, metric): ``segment`` (e.g. ``"channel"`` or
        ``"channel × customer_type"``), ``level`` (e.g. ``"APP"`` or ``"APP × 企业客户"``),
        ``rows`` (rows in the level) and ``share`` (percent of all rows), then the columns
        of :func:`scores`.

    Examples
    --------
    >>> import cxlab
    >>> survey = cxlab.sample.responses(n=2000, seed=1, locale="en")
    >>> t = segment_scores(survey, by=["channel", ["channel", "age_band"]], metrics=["nps"])
    >>> t["segment"].unique().tolist()
    ['channel', 'channel × age_band']
    """
    c = check_confidence(confidence)
    groupings = [[g] if isinstance(g, str) else list(g) for g in by]
    if not groupings:
        raise ValueError("`by` is empty; name at least one breakdown, e.g. by=['channel'].")
    ms = [get_metric(m) for m in metrics]
    if any(m.kind == "quantile" for m in ms):
        raise ValueError("Quantile metrics (medians, p90) need each group's rows; use cxlab.scores "
                         "for them, one breakdown at a time.")
    return _segment_rows(_segment_cube(data, groupings, ms), groupings, ms, c)


def _segment_rows(full: aggregate.Cube, groupings: list[list[str]], ms: list[Metric], c: float) -> pd.DataFrame:
    """The rows of :func:`segment_scores` from an already aggregated cube."""
    total = full.rows.sum()
    parts = []
    for grouping in groupings:
        sub = full.collapse(grouping)
        rows = sub.rows.ravel()
        keep = np.flatnonzero(rows > 0)
        reps = len(ms)
        head = pd.DataFrame({
            "segment": np.full(len(keep) * reps, " × ".join(grouping), dtype=object),
            "level": np.tile(_level_names(sub)[keep], reps),
            "rows": np.tile(rows[keep], reps),
            "share": np.tile(100 * rows[keep] / total if total else np.full(len(keep), np.nan), reps),
        })
        parts.append(pd.concat([head, _assemble(sub, ms, c, keep)], axis=1))
    out = pd.concat(parts, ignore_index=True)
    out["n"] = out["n"].astype("int64")
    out["n_missing"] = out["n_missing"].astype("int64")
    return out[["segment", "level", "rows", "share", *SCORE_COLUMNS]]


def _single(data, column: str, metric: Metric, by, confidence) -> pd.DataFrame:
    return scores(data, metrics=[metric.replace(column=column)], by=by, confidence=confidence)


def nps(data: pd.DataFrame, *, score: str = "nps", by: str | Sequence[str] | None = None,
        confidence: float = DEFAULT_CONFIDENCE) -> pd.DataFrame:
    """NPS with its interval per group; shorthand for ``scores(..., metrics=["nps"])``."""
    return _single(data, score, METRICS["nps"], by, confidence)


def csat(data: pd.DataFrame, *, score: str = "csat", by: str | Sequence[str] | None = None,
         scale: tuple[int, int] = (1, 5), good: Sequence[int] = (4, 5),
         confidence: float = DEFAULT_CONFIDENCE) -> pd.DataFrame:
    """CSAT % (share of ``good`` answers, the top-2-box by default) per group."""
    metric = METRICS["csat"].replace(scale=tuple(scale), good=tuple(good))
    return _single(data, score, metric, by, confidence)


def ces(data: pd.DataFrame, *, score: str = "ces", by: str | Sequence[str] | None = None,
        scale: tuple[int, int] = (1, 7), confidence: float = DEFAULT_CONFIDENCE) -> pd.DataFrame:
    """Mean Customer Effort Score per group (lower is better on the default wording)."""
    return _single(data, score, METRICS["ces"].replace(scale=tuple(scale)), by, confidence)
