"""Comparing two groups from their sufficient statistics: A/B arms, periods, segments.

Every comparison returns a :class:`Comparison`: the difference treatment - control with its
interval and p-value, the relative difference where it is meaningful, and both groups' own
estimates. Differences of rates are in percentage points, of NPS in points, of means in
the metric's units. The vectorised cores (:func:`proportion_diff`, :func:`mean_diff`,
:func:`nps_diff`) serve whole tables at once (every period, every metric).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

from .._checks import check_confidence, check_counts, check_option
from .aggregate import CoMoments, Moments
from .estimates import (
    DEFAULT_CONFIDENCE,
    Estimate,
    mean_from_moments,
    normal_quantile,
    nps_from_counts,
    nps_share_variance,
    proportion_from_counts,
)

__all__ = [
    "Comparison",
    "compare_proportions",
    "compare_means",
    "compare_means_from_moments",
    "compare_nps_from_counts",
    "proportion_diff",
    "mean_diff",
    "nps_diff",
    "cuped_adjust",
    "DIFF_CI_METHODS",
]

DIFF_CI_METHODS = ("newcombe-cc", "newcombe", "wald", "agresti-caffo")
#: cxlab's names -> statsmodels' confint_proportions_2indep methods
_DIFF_CONFINT = {"newcombe": "newcomb", "wald": "wald", "agresti-caffo": "agresti-caffo"}


@dataclass(frozen=True, slots=True)
class Comparison:
    """Treatment versus control.

    Attributes
    ----------
    diff : float
        ``treatment - control`` (percentage points for rates, points for NPS, units for means).
    ci_low, ci_high : float
        Interval of ``diff``.
    p_value : float
        Two-sided p-value of no difference.
    rel_diff, rel_ci_low, rel_ci_high : float
        ``treatment / control - 1`` in percent with its interval (nan where a ratio means
        nothing, e.g. NPS, which can be negative).
    control, treatment : Estimate
        Each group's own estimate.
    confidence : float
    method : str
        How the interval and p-value were computed.
    """

    diff: float
    ci_low: float
    ci_high: float
    p_value: float
    rel_diff: float
    rel_ci_low: float
    rel_ci_high: float
    control: Estimate
    treatment: Estimate
    confidence: float
    method: str

    def significant(self, alpha: float | None = None) -> bool:
        """Whether ``p_value`` is below ``alpha`` (default ``1 - confidence``)."""
        return bool(self.p_value < (1 - self.confidence if alpha is None else alpha))


# --------------------------------------------------------------------------------------
# Vectorised cores
# --------------------------------------------------------------------------------------


def _wilson_bounds(k, n, z):
    """Wilson score bounds of k / n at the normal quantile ``z`` (arrays; Wilson 1927)."""
    centre = (k + z * z / 2) / (n + z * z)
    half = z / (n + z * z) * np.sqrt(k * (n - k) / n + z * z / 4)
    return centre - half, centre + half


def _wilson_cc_bounds(k, n, z):
    """Wilson score bounds with continuity correction (Newcombe 1998, single proportions, method 4)."""
    p = k / n
    root_lo = np.sqrt(np.maximum(z * z - 2 - 1 / n + 4 * p * (n * (1 - p) + 1), 0.0))
    root_hi = np.sqrt(np.maximum(z * z + 2 - 1 / n + 4 * p * (n * (1 - p) - 1), 0.0))
    lo = (2 * n * p + z * z - 1 - z * root_lo) / (2 * (n + z * z))
    hi = (2 * n * p + z * z + 1 + z * root_hi) / (2 * (n + z * z))
    return np.where(k == 0, 0.0, np.clip(lo, 0.0, 1.0)), np.where(k == n, 1.0, np.clip(hi, 0.0, 1.0))


def _newcombe_bounds(k_c, n_c, k_t, n_t, z, cc: bool = True):
    """Newcombe's hybrid score interval of p_t - p_c at the normal quantile ``z``.

    ``cc``: from continuity-corrected Wilson bounds (Newcombe 1998, method 11); otherwise from
    plain Wilson bounds (method 10).
    """
    bounds = _wilson_cc_bounds if cc else _wilson_bounds
    p_c, p_t = k_c / n_c, k_t / n_t
    l_t, u_t = bounds(k_t, n_t, z)
    l_c, u_c = bounds(k_c, n_c, z)
    d = p_t - p_c
    return d - np.sqrt((p_t - l_t) ** 2 + (u_c - p_c) ** 2), d + np.sqrt((u_t - p_t) ** 2 + (p_c - l_c) ** 2)


#: the largest z searched: 2 (1 - Phi(37)) is about 1e-299, so a p-value is never exactly 0
_Z_MAX = 37.0


def _newcombe_p(k_c, n_c, k_t, n_t, cc: bool = True) -> np.ndarray:
    """The p-value that inverts Newcombe's interval: the alpha at which its bound nearest 0 touches 0.

    Wilson bounds widen monotonically with z, so the bound on the side of 0 crosses it at one
    z*; p = 2 (1 - Phi(z*)). Then p < alpha exactly when the 1 - alpha interval excludes 0,
    and p = 1 when the difference is 0. z* is found by Brent's method for a few comparisons
    (an A/B readout) and by vectorised bisection to 1e-14 for many (every period of a trend).
    """
    k_c, n_c, k_t, n_t = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (k_c, n_c, k_t, n_t)))
    d = k_t / n_t - k_c / n_c

    def gap(z, i):  # the bound on the side of 0, signed so that it is > 0 while it excludes 0
        low, high = _newcombe_bounds(k_c.flat[i], n_c.flat[i], k_t.flat[i], n_t.flat[i], z, cc)
        return low if d.flat[i] > 0 else -high

    if d.size <= 16:
        from scipy.optimize import brentq

        z = np.full(d.shape, np.nan)
        for i in range(d.size):
            if np.isnan(d.flat[i]) or d.flat[i] == 0:
                continue
            if gap(0.0, i) <= 0:  # the continuity correction alone reaches 0: no evidence at all
                z.flat[i] = 0.0
            else:
                z.flat[i] = _Z_MAX if gap(_Z_MAX, i) > 0 else brentq(gap, 0.0, _Z_MAX, args=(i,), xtol=1e-14)
    else:
        lo_z, hi_z = np.zeros_like(d), np.full_like(d, _Z_MAX)
        for _ in range(52):
            mid = (lo_z + hi_z) / 2
            low, high = _newcombe_bounds(k_c, n_c, k_t, n_t, mid, cc)
            excludes = np.where(d > 0, low > 0, high < 0)
            lo_z, hi_z = np.where(excludes, mid, lo_z), np.where(excludes, hi_z, mid)
        z = (lo_z + hi_z) / 2
    return np.where(d == 0, 1.0, 2 * stats.norm.sf(z))


def _agreeing(d, centre, se, z, df=None):
    """Interval ``centre +/- z se`` widened to hold the observed ``d``, and the p-value that agrees.

    Adjusted intervals (pseudo-counts) are centred on a shrunken estimate; widening towards
    the observed difference keeps it inside its interval. 0 is excluded exactly when
    ``centre`` and ``d`` lie on the same side of it and ``|centre| > z se``, so the p-value
    is ``2 (1 - Phi(|centre| / se))`` then (Student's t with ``df`` degrees of freedom, and
    ``z`` its quantile, when ``df`` is given), and 1 when they straddle 0.
    """
    se = np.where(se > 0, se, np.nan)  # no variation (Wald on unanimous groups): undefined, never p = 0
    lo, hi = np.minimum(centre - z * se, d), np.maximum(centre + z * se, d)
    same_side = np.sign(centre) * np.sign(d) > 0
    tail = stats.norm.sf(np.abs(centre) / se) if df is None else stats.t.sf(np.abs(centre) / se, df)
    p = np.where(same_side, 2 * tail, 1.0)
    p = np.where(np.isnan(d) | np.isnan(se), np.nan, p)
    return np.where(np.isnan(se), np.nan, lo), np.where(np.isnan(se), np.nan, hi), p


def proportion_diff(k_c, n_c, k_t, n_t, confidence: float, method: str):
    """Difference of proportions (fractions): diff, lo, hi, p, rel, rel_lo, rel_hi, se.

    ``se`` is the unpooled standard error sqrt(p_t (1 - p_t) / n_t + p_c (1 - p_c) / n_c),
    for power and detectable effects.

    The p-value comes from the same method as the interval and agrees with it: p < 1 -
    confidence exactly when the interval excludes 0. Newcombe's intervals are inverted
    (:func:`_newcombe_p`); Wald and Agresti-Caffo use their own z.

    ``"newcombe-cc"`` (the default of every analysis) is Newcombe's method 11, the hybrid of
    continuity-corrected Wilson intervals. Its test never exceeds its nominal level under
    the null: computed exactly over every outcome of two groups of equal size (n = 2 to 50
    in ``tests/test_false_positives.py``; 100, 300 and 1000 by the same enumeration)
    and every common rate 0.01 ... 0.99, the largest false-positive rate at alpha = 0.05 is
    4.73 %, where method 10 (``"newcombe"``) reaches 5.69 % and the pooled chi-square 12.5 %
    (``bench/false_positives.py``).
    """
    k_c, n_c, k_t, n_t = (np.asarray(a, dtype=float) for a in (k_c, n_c, k_t, n_t))
    z = normal_quantile(confidence)
    from statsmodels.stats.proportion import confint_proportions_2indep

    with np.errstate(invalid="ignore", divide="ignore"):
        p_c, p_t = k_c / n_c, k_t / n_t
        d = p_t - p_c
        if method == "newcombe-cc":  # Newcombe (1998) method 11; statsmodels has method 10 only
            lo, hi = _newcombe_bounds(k_c, n_c, k_t, n_t, z, cc=True)
            p = np.where(np.isnan(d), np.nan, _newcombe_p(k_c, n_c, k_t, n_t, cc=True))
        elif method == "newcombe":  # Newcombe (1998) method 10
            lo, hi = (np.asarray(b, dtype=float) for b in confint_proportions_2indep(
                k_t, n_t, k_c, n_c, method="newcomb", compare="diff", alpha=1 - confidence))
            p = np.where(np.isnan(d), np.nan, _newcombe_p(k_c, n_c, k_t, n_t, cc=False))
        else:
            if method == "agresti-caffo":  # one success and one failure added to each group
                a_t, a_c, m_t, m_c = (k_t + 1) / (n_t + 2), (k_c + 1) / (n_c + 2), n_t + 2, n_c + 2
            else:  # wald
                a_t, a_c, m_t, m_c = p_t, p_c, n_t, n_c
            se = np.sqrt(a_t * (1 - a_t) / m_t + a_c * (1 - a_c) / m_c)
            lo, hi, p = _agreeing(d, a_t - a_c, se, z)
        # Relative difference: log of the risk ratio (Katz et al. 1978)
        rr = p_t / p_c
        se_log = np.sqrt(1 / k_t - 1 / n_t + 1 / k_c - 1 / n_c)
        rel_lo, rel_hi = rr * np.exp(-z * se_log) - 1, rr * np.exp(z * se_log) - 1
        se_d = np.sqrt(p_t * (1 - p_t) / n_t + p_c * (1 - p_c) / n_c)
    return d, np.clip(lo, -1, 1), np.clip(hi, -1, 1), p, rr - 1, rel_lo, rel_hi, se_d


def mean_diff(n_c, m_c, s_c, n_t, m_t, s_t, confidence: float):
    """Welch: diff, lo, hi, p, rel, rel_lo, rel_hi (rel by the delta method), se.

    Test and interval share the Welch t: p < 1 - confidence exactly when the interval
    excludes 0. With no variation in either group (unanimous answers) both are nan: a zero
    observed variance never gives p = 0.
    """
    n_c, m_c, s_c, n_t, m_t, s_t = (np.asarray(a, dtype=float) for a in (n_c, m_c, s_c, n_t, m_t, s_t))
    with np.errstate(invalid="ignore", divide="ignore"):
        v_c, v_t = s_c**2 / n_c, s_t**2 / n_t
        se = np.sqrt(v_c + v_t)
        df = (v_c + v_t) ** 2 / (v_c**2 / (n_c - 1) + v_t**2 / (n_t - 1))
        d = m_t - m_c
        t = stats.t.ppf(0.5 + confidence / 2, df)
        # no variation in either group: neither the test nor the interval is defined
        se = np.where(se > 0, se, np.nan)
        p = 2 * stats.t.sf(np.abs(d / se), df)
        rel = m_t / m_c - 1
        se_rel = np.sqrt(v_t / m_c**2 + m_t**2 * v_c / m_c**4)
        zq = normal_quantile(confidence)
    return d, d - t * se, d + t * se, p, rel, rel - zq * se_rel, rel + zq * se_rel, se


def nps_diff(c, t, confidence: float, method: str):
    """NPS difference in points: diff, lo, hi, p, se (points).

    The interval and the test share one variance, the adjusted-Wald one (0.75 / 1.5 /
    0.75 pseudo-counts per group, Rocks 2016) or the observed one (``"wald"``), and one
    Student t with Welch-Satterthwaite degrees of freedom (NPS is a mean of codes), so
    p < 1 - confidence exactly when the interval excludes 0; the interval is widened to hold
    the observed difference (see :func:`_agreeing`). A unanimous group has a positive
    adjusted variance, so it never gives p = 0.
    """
    (pro_c, pas_c, det_c), (pro_t, pas_t, det_t) = (
        [np.asarray(x, dtype=float) for x in arm] for arm in (c, t))
    n_c, n_t = pro_c + pas_c + det_c, pro_t + pas_t + det_t
    with np.errstate(invalid="ignore", divide="ignore"):
        d = (pro_t - det_t) / n_t - (pro_c - det_c) / n_c
        shift = (0.75, 3) if method == "adjusted-wald" else (0, 0)
        cen_c, var_c = nps_share_variance(pro_c + shift[0], det_c + shift[0], n_c + shift[1])
        cen_t, var_t = nps_share_variance(pro_t + shift[0], det_t + shift[0], n_t + shift[1])
        # NPS is the mean of +1 / 0 / -1 codes: Welch-Satterthwaite degrees of freedom, which
        # keep the test at its level for groups of 20 to 100 (a z-test reaches 5.1 % at 30)
        df = (var_c + var_t) ** 2 / (var_c**2 / np.maximum(n_c + shift[1] - 1, 1)
                                     + var_t**2 / np.maximum(n_t + shift[1] - 1, 1))
        q = stats.t.ppf(0.5 + confidence / 2, df)
        lo, hi, p = _agreeing(d, cen_t - cen_c, np.sqrt(var_c + var_t), q, df)
    return 100 * d, 100 * np.clip(lo, -2, 2), 100 * np.clip(hi, -2, 2), p, 100 * np.sqrt(var_c + var_t)


# --------------------------------------------------------------------------------------
# The public comparisons
# --------------------------------------------------------------------------------------


def compare_proportions(k_control: int, n_control: int, k_treatment: int, n_treatment: int, *,
                        confidence: float = DEFAULT_CONFIDENCE,
                        method: Literal["newcombe-cc", "newcombe", "wald", "agresti-caffo"] = "newcombe-cc"
                        ) -> Comparison:
    """Difference of two proportions (treatment - control) in percentage points.

    Parameters
    ----------
    k_control, n_control, k_treatment, n_treatment : int
        Successes and trials in each group.
    confidence : float
        Confidence level of the intervals.
    method : {"newcombe-cc", "newcombe", "wald", "agresti-caffo"}
        Interval of the difference, and the test that inverts it: Newcombe's hybrid score
        interval from continuity-corrected Wilson intervals (default; method 11 of Newcombe
        1998, which never exceeds its level, see :func:`proportion_diff`), the same without
        the correction (method 10), Wald, or Agresti-Caffo (one success and one failure
        added to each group).

    Returns
    -------
    Comparison
        ``p_value`` comes from the interval's own method and agrees with it (for Newcombe,
        the inverted interval: ``p < 1 - confidence`` exactly when the interval excludes
        0). Pearson's chi-square (``scipy.stats.chi2_contingency``) can disagree with the
        Newcombe interval near the boundary and is not used. ``rel_diff`` is
        ``p_t / p_c - 1`` in percent with the log (Katz) interval of the ratio.

    References
    ----------
    .. [1] Newcombe, R. G. (1998). Interval estimation for the difference between
           independent proportions. Statistics in Medicine, 17, 873-890.
    .. [2] Agresti, A. & Caffo, B. (2000). Simple and effective confidence intervals for
           proportions and differences of proportions. The American Statistician, 54(4).

    Examples
    --------
    >>> c = compare_proportions(48, 80, 56, 70)
    >>> round(c.diff, 2), round(c.ci_low, 2), round(c.ci_high, 2)  # Newcombe (1998), Table II, method 11
    (20.0, 4.28, 34.22)
    """
    check_counts(k_control=k_control, n_control=n_control, k_treatment=k_treatment,
                  n_treatment=n_treatment)
    for k, n, arm in ((k_control, n_control, "control"), (k_treatment, n_treatment, "treatment")):
        if k > n:
            raise ValueError(f"{arm}: successes ({k}) cannot exceed trials ({n}).")
        if n == 0:
            raise ValueError(f"The {arm} group has no observations; a comparison needs both groups.")
    c = check_confidence(confidence)
    check_option("method", method, DIFF_CI_METHODS)
    d, lo, hi, p, rel, rlo, rhi, _ = proportion_diff(k_control, n_control, k_treatment, n_treatment, c, method)
    described = f"{method}; inverted" if method.startswith("newcombe") else f"{method}; z-test"
    return Comparison(100 * float(d), 100 * float(lo), 100 * float(hi), float(p), 100 * float(rel),
                      100 * float(rlo), 100 * float(rhi),
                      proportion_from_counts(k_control, n_control, confidence=c),
                      proportion_from_counts(k_treatment, n_treatment, confidence=c), c, described)


def compare_means_from_moments(n_control: int, mean_control: float, sd_control: float,
                               n_treatment: int, mean_treatment: float, sd_treatment: float, *,
                               confidence: float = DEFAULT_CONFIDENCE) -> Comparison:
    """Welch's comparison of two means from n, mean and SD (ddof = 1) of each group.

    Returns
    -------
    Comparison
        ``diff`` in the metric's units with the Welch t interval (Welch-Satterthwaite
        degrees of freedom) and p-value; ``rel_diff`` is ``mean_t / mean_c - 1`` in percent
        with a delta-method interval.

    Examples
    --------
    >>> c = compare_means_from_moments(100, 3.8, 1.0, 100, 4.1, 1.1)
    >>> round(c.diff, 2)
    0.3
    """
    for n, arm in ((n_control, "control"), (n_treatment, "treatment")):
        check_counts(**{f"n_{arm}": n})
        if n < 2:
            raise ValueError(f"The {arm} group has {n} observation(s); Welch's test needs at least 2.")
    c = check_confidence(confidence)
    d, lo, hi, p, rel, rlo, rhi, _ = mean_diff(n_control, mean_control, sd_control,
                                                    n_treatment, mean_treatment, sd_treatment, c)
    return Comparison(float(d), float(lo), float(hi), float(p), 100 * float(rel), 100 * float(rlo),
                      100 * float(rhi), mean_from_moments(n_control, mean_control, sd_control, confidence=c),
                      mean_from_moments(n_treatment, mean_treatment, sd_treatment, confidence=c), c,
                      "welch")


def compare_means(control: Iterable[float], treatment: Iterable[float], *,
                  confidence: float = DEFAULT_CONFIDENCE) -> Comparison:
    """Welch's comparison of two samples of raw values (missing values raise)."""
    x, y = np.asarray(control, dtype=float), np.asarray(treatment, dtype=float)
    for arr, arm in ((x, "control"), (y, "treatment")):
        if np.isnan(arr).any():
            raise ValueError(f"The {arm} values contain {int(np.isnan(arr).sum())} missing value(s); "
                             "drop them first (and report how many).")
    return compare_means_from_moments(x.size, float(x.mean()) if x.size else math.nan,
                                      float(x.std(ddof=1)) if x.size > 1 else math.nan,
                                      y.size, float(y.mean()) if y.size else math.nan,
                                      float(y.std(ddof=1)) if y.size > 1 else math.nan,
                                      confidence=confidence)


def compare_nps_from_counts(control: Sequence[int], treatment: Sequence[int], *,
                            confidence: float = DEFAULT_CONFIDENCE,
                            method: Literal["adjusted-wald", "wald"] = "adjusted-wald") -> Comparison:
    """Difference in NPS points between two groups given as (promoters, passives, detractors).

    Returns
    -------
    Comparison
        ``diff`` is the observed difference. The interval adds 0.75 / 1.5 / 0.75
        pseudo-counts to each group (``"adjusted-wald"``, Rocks 2016) or uses the observed
        shares (``"wald"``), with variance ``var_t + var_c`` and each group's variance
        ``(p + d - (p - d)^2) / n``. The p-value is the z-test with the observed
        variances. ``rel_diff`` is nan: NPS can be zero or negative.

    Examples
    --------
    >>> round(compare_nps_from_counts((40, 30, 30), (50, 30, 20), method="wald").diff, 6)
    20.0
    """
    c_arm, t_arm = tuple(control), tuple(treatment)
    for arm, name in ((c_arm, "control"), (t_arm, "treatment")):
        if len(arm) != 3:
            raise ValueError(f"`{name}` must be (promoters, passives, detractors); got {arm!r}.")
        check_counts(promoters=arm[0], passives=arm[1], detractors=arm[2])
        if sum(arm) == 0:
            raise ValueError(f"The {name} group has no answers; a comparison needs both groups.")
    c = check_confidence(confidence)
    check_option("method", method, ("adjusted-wald", "wald"))
    d, lo, hi, p, _ = nps_diff(c_arm, t_arm, c, method)
    return Comparison(float(d), float(lo), float(hi), float(p), math.nan, math.nan, math.nan,
                      nps_from_counts(*c_arm, confidence=c, method=method),
                      nps_from_counts(*t_arm, confidence=c, method=method), c, f"{method}; z-test")


def cuped_adjust(arms: Sequence[CoMoments]) -> tuple[list[Moments], float]:
    """Each arm's moments of the CUPED outcome ``y - theta (x - mean(x))``, from co-moments alone.

    ``theta = cov(x, y) / var(x)`` is pooled over all arms (so it does not depend on the
    treatment and the difference between arms stays unbiased), and the variance shrinks by
    1 - rho^2 (Deng, Xu, Kohavi & Walker 2013). Per arm, the adjusted mean is
    ``mean_y - theta (mean_x - grand mean_x)`` and the adjusted sum of squares
    ``m2_y - 2 theta c_xy + theta^2 m2_x``: the same numbers as adjusting every row.

    Returns the adjusted :class:`~cxlab.stats.aggregate.Moments` per arm and ``theta``.
    """
    pooled = sum(arms, CoMoments(0, math.nan, math.nan, 0.0, 0.0, 0.0))
    theta = pooled.c_xy / pooled.m2_x if pooled.m2_x > 0 else 0.0
    out = [Moments(a.n, a.mean_y - theta * (a.mean_x - pooled.mean_x),
                   max(a.m2_y - 2 * theta * a.c_xy + theta**2 * a.m2_x, 0.0)) for a in arms]
    return out, float(theta)
