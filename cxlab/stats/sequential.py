"""Looking at an experiment every day without fooling yourself.

Two ways to keep the false-positive rate at ``alpha`` under repeated looks:

* :func:`always_valid` - mixture sequential probability ratio test (mSPRT): p-values and
  confidence sequences valid at every look, however many, whenever you stop;
* :func:`gs_boundaries` - group-sequential boundaries for a planned number of looks, from
  an alpha-spending function (O'Brien-Fleming-type, Pocock-type or power family).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import optimize, stats

from .._checks import check_option

__all__ = ["always_valid", "gs_boundaries", "spent_alpha", "SPENDING"]

SPENDING = ("obrien-fleming", "pocock", "power")


def always_valid(diff: Sequence[float], se: Sequence[float], *, tau: float, alpha: float = 0.05,
                 null: float = 0.0) -> pd.DataFrame:
    """Always-valid p-values and confidence sequences over a series of looks.

    Parameters
    ----------
    diff, se : sequence of float
        The cumulative estimate of the effect and its standard error at each look (e.g. the
        daily rows of :func:`cxlab.experiments.analyze`).
    tau : float
        Standard deviation of the mixing distribution, on the effect's scale: roughly the
        size of effect worth detecting (e.g. 2 percentage points). Choose it before the test.
    alpha : float
        The false-positive rate guaranteed across all looks.
    null : float
        The effect under the null hypothesis.

    Returns
    -------
    pandas.DataFrame
        One row per look: ``look``, ``diff``, ``se``, ``p_value`` (always valid: the running
        minimum of 1 / likelihood ratio), ``cs_low``, ``cs_high`` (confidence sequence) and
        ``reject`` (``p_value <= alpha``).

    Notes
    -----
    With the estimate ~ N(theta, S), S = se^2, and a N(null, tau^2) mixture over theta, the
    likelihood ratio is Lambda = sqrt(S / (S + tau^2)) exp(tau^2 (diff - null)^2 / (2 S (S + tau^2))).
    By Ville's inequality P(Lambda_n >= 1/alpha for some n) <= alpha under the null. The
    confidence sequence collects the nulls not rejected:
    diff +/- sqrt(S (S + tau^2) / tau^2 * (2 log(1/alpha) + log((S + tau^2) / S))).

    References
    ----------
    .. [1] Johari, R., Koomen, P., Pekelis, L. & Walsh, D. (2022). Always valid inference:
           continuous monitoring of A/B tests. Operations Research, 70(3), 1806-1821.
    """
    d, s = np.asarray(diff, dtype=float), np.asarray(se, dtype=float)
    if d.shape != s.shape or d.ndim != 1:
        raise ValueError("`diff` and `se` need one value per look, of equal length.")
    if not tau > 0:
        raise ValueError(f"`tau` must be > 0 (the size of effect worth detecting); got {tau!r}.")
    if not 0 < alpha < 1:
        raise ValueError(f"`alpha` must be between 0 and 1; got {alpha!r}.")
    var = s**2
    t2 = tau**2
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_lr = 0.5 * np.log(var / (var + t2)) + t2 * (d - null) ** 2 / (2 * var * (var + t2))
        p_look = np.minimum(1.0, np.exp(-log_lr))
        half = np.sqrt(var * (var + t2) / t2 * (2 * np.log(1 / alpha) + np.log((var + t2) / var)))
    p = np.fmin.accumulate(np.where(np.isnan(p_look), 1.0, p_look))
    return pd.DataFrame({"look": np.arange(1, len(d) + 1), "diff": d, "se": s, "p_value": p,
                         "cs_low": d - half, "cs_high": d + half, "reject": p <= alpha})


def spent_alpha(t: Sequence[float] | float, *, alpha: float = 0.05, spending: str = "obrien-fleming",
                rho: float = 3.0) -> np.ndarray:
    """Cumulative two-sided alpha spent by information fraction ``t``.

    Each side spends the one-sided function at level alpha / 2, as gsDesign and rpact do
    for symmetric two-sided designs: ``"obrien-fleming"`` (Lan & DeMets 1983)
    2 - 2 Phi(z_{alpha/4} / sqrt(t)) per side; ``"pocock"`` alpha/2 log(1 + (e - 1) t) per side;
    ``"power"`` alpha/2 t^rho per side (Kim & DeMets 1987). The total is twice that.
    """
    check_option("spending", spending, SPENDING)
    t = np.clip(np.asarray(t, dtype=float), 0.0, 1.0)
    if spending == "obrien-fleming":
        with np.errstate(divide="ignore"):
            side = np.where(t > 0, 2 - 2 * stats.norm.cdf(stats.norm.isf(alpha / 4) / np.sqrt(t)), 0.0)
        return 2 * side
    if spending == "pocock":
        return alpha * np.log1p((np.e - 1) * t)
    return alpha * t**rho


def _simpson(lo: float, hi: float, m: int) -> tuple[np.ndarray, np.ndarray]:
    x = np.linspace(lo, hi, 2 * m + 1)
    w = np.ones_like(x)
    w[1:-1:2], w[2:-1:2] = 4, 2
    return x, w * (hi - lo) / (6 * m)


def gs_boundaries(information: Sequence[float] | int, *, alpha: float = 0.05,
                  spending: str = "obrien-fleming", rho: float = 3.0, grid: int = 400) -> pd.DataFrame:
    """Two-sided group-sequential boundaries from an alpha-spending function.

    Parameters
    ----------
    information : int or sequence of float
        The number of equally spaced looks, or each look's information fraction (the share
        of the planned sample seen so far), increasing and ending at 1.
    alpha : float
        Two-sided false-positive rate over all looks.
    spending : {"obrien-fleming", "pocock", "power"}
        The alpha-spending function (Lan-DeMets O'Brien-Fleming-type and Pocock-type, or
        the power family ``alpha t^rho``).
    rho : float
        Exponent of the power family.
    grid : int
        Half the number of Simpson grid points per look (accuracy about 1e-7).

    Returns
    -------
    pandas.DataFrame
        One row per look: ``look``, ``information``, ``alpha_cumulative``, ``alpha_spent``,
        ``z`` (reject when |z| of the cumulative data reaches it) and ``p_nominal`` (the
        equivalent two-sided p-value threshold at that look).

    Notes
    -----
    Cumulative z-statistics behave as Brownian motion on the information scale:
    S_k = Z_k sqrt(t_k) with independent N(0, t_k - t_{k-1}) increments. Each boundary c_k
    solves P(first crossing at look k) = alpha(t_k) - alpha(t_{k-1}), with the density of
    paths still inside carried from look to look by numerical integration (Jennison &
    Turnbull 2000, ch. 19).
    """
    t = np.arange(1, information + 1) / information if isinstance(information, int) else \
        np.asarray(information, dtype=float)
    if t.ndim != 1 or len(t) == 0 or (np.diff(t) <= 0).any() or t[0] <= 0 or abs(t[-1] - 1) > 1e-9:
        raise ValueError("`information` must be a number of looks, or fractions increasing to 1 "
                         f"(e.g. [0.25, 0.5, 0.75, 1]); got {information!r}.")
    cum = spent_alpha(t, alpha=alpha, spending=spending, rho=rho)
    inc = np.diff(np.concatenate([[0.0], cum]))
    bounds = []
    x = w = f = None
    prev_t = 0.0
    for k, (tk, target) in enumerate(zip(t, inc)):
        if k == 0:
            c = float(stats.norm.isf(target / 2)) if target > 0 else np.inf
            b = c * np.sqrt(tk) if np.isfinite(c) else 8 * np.sqrt(tk)
            x, w = _simpson(-b, b, grid)
            f = stats.norm.pdf(x / np.sqrt(tk)) / np.sqrt(tk)
        else:
            sd = np.sqrt(tk - prev_t)
            mass = w * f

            def exit_prob(c):
                edge = c * np.sqrt(tk)
                return float((mass * (stats.norm.cdf((-edge - x) / sd) + stats.norm.sf((edge - x) / sd))).sum())

            if target <= 1e-15:
                c = np.inf
            else:
                c = optimize.brentq(lambda c: exit_prob(c) - target, 1e-6, 40.0, xtol=1e-10)
            b = c * np.sqrt(tk) if np.isfinite(c) else 8 * np.sqrt(tk) + abs(x).max()
            nx, nw = _simpson(-b, b, grid)
            f = (mass[None, :] * stats.norm.pdf((nx[:, None] - x[None, :]) / sd) / sd).sum(axis=1)
            x, w = nx, nw
        bounds.append(c)
        prev_t = tk
    z = np.asarray(bounds)
    return pd.DataFrame({"look": np.arange(1, len(t) + 1), "information": t, "alpha_cumulative": cum,
                         "alpha_spent": inc, "z": z, "p_nominal": 2 * stats.norm.sf(z)})
