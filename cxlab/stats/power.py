"""How many units an experiment needs, and the smallest effect a given size can detect."""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import optimize, stats

from .._checks import check_option

__all__ = ["SampleSize", "sample_size_proportions", "sample_size_means", "sample_size_nps",
           "mde_proportions", "mde_means", "mde_nps"]

#: scipy's words: "greater" / "less" test one direction of treatment - control
ALTERNATIVES = ("two-sided", "greater", "less")


@dataclass(frozen=True, slots=True)
class SampleSize:
    """Units needed per arm (rounded up) for a two-arm comparison."""

    n_control: int
    n_treatment: int
    total: int
    n_exact: float
    effect: float
    alpha: float
    power: float
    ratio: float
    method: str


def _check(alpha: float, power: float, ratio: float) -> None:
    if not 0 < alpha < 1:
        raise ValueError(f"`alpha` must be between 0 and 1 (e.g. 0.05); got {alpha!r}.")
    if not 0 < power < 1:
        raise ValueError(f"`power` must be between 0 and 1 (e.g. 0.8); got {power!r}.")
    if not ratio > 0:
        raise ValueError(f"`ratio` (treatment units per control unit) must be > 0; got {ratio!r}.")


def _z(alpha: float, alternative: str) -> float:
    check_option("alternative", alternative, ALTERNATIVES)
    return float(stats.norm.isf(alpha / 2 if alternative == "two-sided" else alpha))


def _result(n: float, effect: float, alpha: float, power: float, ratio: float, method: str) -> SampleSize:
    nc, nt = math.ceil(n - 1e-9), math.ceil(ratio * n - 1e-9)
    return SampleSize(nc, nt, nc + nt, float(n), float(effect), alpha, power, ratio, method)


def _n_proportions(p_c: float, p_t: float, z_a: float, z_b: float, ratio: float) -> float:
    pbar = (p_c + ratio * p_t) / (1 + ratio)
    s0 = math.sqrt(pbar * (1 - pbar) * (1 + 1 / ratio))
    s1 = math.sqrt(p_c * (1 - p_c) + p_t * (1 - p_t) / ratio)
    return ((z_a * s0 + z_b * s1) / abs(p_t - p_c)) ** 2


def sample_size_proportions(p_control: float, p_treatment: float, *, alpha: float = 0.05, power: float = 0.8,
                            ratio: float = 1.0, alternative: str = "two-sided") -> SampleSize:
    """Units per arm to detect ``p_control -> p_treatment`` (rates as fractions, e.g. 0.68 -> 0.72).

    Notes
    -----
    The pooled-variance normal approximation of the two-proportion test:
    n_c = ((z_a * sqrt(p (1 - p) (1 + 1/r)) + z_b * sqrt(p_c q_c + p_t q_t / r)) / |p_t - p_c|)^2 with
    p = (p_c + r p_t) / (1 + r) and r = ``ratio``; for r = 1 this is R's ``power.prop.test``.

    Examples
    --------
    >>> sample_size_proportions(0.50, 0.75, power=0.90).n_control
    77
    """
    _check(alpha, power, ratio)
    for name, p in (("p_control", p_control), ("p_treatment", p_treatment)):
        if not 0 < p < 1:
            raise ValueError(f"`{name}` must be a fraction between 0 and 1 (e.g. 0.68, not 68); got {p!r}.")
    if p_control == p_treatment:
        raise ValueError("`p_control` equals `p_treatment`: no effect to detect.")
    n = _n_proportions(p_control, p_treatment, _z(alpha, alternative), float(stats.norm.ppf(power)), ratio)
    return _result(n, p_treatment - p_control, alpha, power, ratio, "two-proportion z-test")


def sample_size_means(effect_size: float, *, alpha: float = 0.05, power: float = 0.8, ratio: float = 1.0,
                      alternative: str = "two-sided") -> SampleSize:
    """Units per arm to detect a standardised difference of means (Cohen's d), two-sample t-test.

    Solved with statsmodels' ``TTestIndPower`` (noncentral t).

    Examples
    --------
    >>> round(sample_size_means(0.5).n_exact, 2)
    63.77
    """
    from statsmodels.stats.power import TTestIndPower

    _check(alpha, power, ratio)
    if effect_size == 0:
        raise ValueError("`effect_size` is 0: no effect to detect.")
    alt = check_option("alternative", alternative, ALTERNATIVES) or alternative
    n = TTestIndPower().solve_power(effect_size=abs(effect_size), alpha=alpha, power=power, ratio=ratio,
                                    alternative=alt)
    return _result(float(n), effect_size, alpha, power, ratio, "two-sample t-test")


def _nps_var(p_promoters: float, p_detractors: float) -> float:
    if not (0 <= p_promoters <= 1 and 0 <= p_detractors <= 1 and p_promoters + p_detractors <= 1):
        raise ValueError("`p_promoters` and `p_detractors` are shares (e.g. 0.40 and 0.20) summing to at most 1.")
    return p_promoters + p_detractors - (p_promoters - p_detractors) ** 2


def sample_size_nps(p_promoters: float, p_detractors: float, mde_points: float, *, alpha: float = 0.05,
                    power: float = 0.8, ratio: float = 1.0, alternative: str = "two-sided") -> SampleSize:
    """Answers per arm to detect an NPS change of ``mde_points`` (e.g. 5 points).

    Notes
    -----
    One answer's NPS code (+1 / 0 / -1) has variance p + d - (p - d)^2, so
    n_c = (z_a + z_b)^2 * var * (1 + 1/r) / (mde / 100)^2, taking the control's shares for
    both arms.

    Examples
    --------
    >>> sample_size_nps(0.40, 0.20, 5).n_control  # (1.96 + 0.8416)^2 * 0.56 * 2 / 0.05^2 = 3516.3
    3517
    """
    _check(alpha, power, ratio)
    if mde_points == 0:
        raise ValueError("`mde_points` is 0: no effect to detect.")
    var = _nps_var(p_promoters, p_detractors)
    n = (_z(alpha, alternative) + stats.norm.ppf(power)) ** 2 * var * (1 + 1 / ratio) / (mde_points / 100) ** 2
    return _result(float(n), mde_points, alpha, power, ratio, "NPS z-test")


def mde_proportions(p_control: float, n_control: int, *, alpha: float = 0.05, power: float = 0.8,
                    ratio: float = 1.0, alternative: str = "two-sided") -> float:
    """The smallest increase of a rate (in percentage points) detectable with ``n_control`` per arm."""
    _check(alpha, power, ratio)
    z_a, z_b = _z(alpha, alternative), float(stats.norm.ppf(power))
    if not 0 < p_control < 1:
        raise ValueError(f"`p_control` must be a fraction between 0 and 1; got {p_control!r}.")
    upper = 1 - 1e-9
    if _n_proportions(p_control, upper, z_a, z_b, ratio) > n_control:
        return math.nan  # not even a rise to 100 % is detectable
    p_t = optimize.brentq(lambda p: _n_proportions(p_control, p, z_a, z_b, ratio) - n_control,
                          p_control + 1e-9, upper, xtol=1e-12)
    return 100 * (p_t - p_control)


def mde_means(n_control: int, *, alpha: float = 0.05, power: float = 0.8, ratio: float = 1.0,
              alternative: str = "two-sided") -> float:
    """The smallest standardised difference (Cohen's d) detectable with ``n_control`` per arm."""
    from statsmodels.stats.power import TTestIndPower

    _check(alpha, power, ratio)
    check_option("alternative", alternative, ALTERNATIVES)
    return float(TTestIndPower().solve_power(nobs1=n_control, alpha=alpha, power=power, ratio=ratio,
                                             alternative=alternative))


def mde_nps(p_promoters: float, p_detractors: float, n_control: int, *, alpha: float = 0.05,
            power: float = 0.8, ratio: float = 1.0, alternative: str = "two-sided") -> float:
    """The smallest NPS change (points) detectable with ``n_control`` answers per arm."""
    _check(alpha, power, ratio)
    var = _nps_var(p_promoters, p_detractors)
    return 100 * (_z(alpha, alternative) + stats.norm.ppf(power)) * math.sqrt(var * (1 + 1 / ratio) / n_control)
