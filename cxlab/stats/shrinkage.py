"""Empirical-Bayes shrinkage: ranking many small units (agents, teams) without rewarding luck.

Two models, each from per-unit sufficient statistics:

* :func:`beta_binomial` for rates and shares: the units' true rates ~ Beta(a, b), fitted
  by maximum marginal likelihood; each unit's posterior is Beta(a + k, b + n - k)
  (Efron 2010, ch. 1).
* :func:`normal_normal` for NPS and means: unit estimates ~ N(mu, tau^2 + se^2) with
  tau^2 by DerSimonian-Laird (statsmodels' ``combine_effects``); the posterior mean shrinks
  each estimate towards mu by tau^2 / (tau^2 + se^2) (Efron & Morris 1975).

Both return the shrunken value, its posterior interval, the funnel limits (where the raw
value of a typical unit of that size would fall) and a description of the prior.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, stats

from .estimates import normal_quantile

__all__ = ["beta_binomial", "normal_normal"]


def _beta_prior(k: np.ndarray, n: np.ndarray) -> tuple[float, float]:
    """Beta(a, b) prior of the units' true rates, by maximising the beta-binomial likelihood."""
    p = k.sum() / n.sum()
    start = np.log([max(p, 1e-3) * 10, max(1 - p, 1e-3) * 10])

    def nll(theta):
        a, b = np.exp(theta)
        return -stats.betabinom.logpmf(k, n, a, b).sum()

    res = optimize.minimize(nll, start, method="Nelder-Mead",
                            options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000})
    a, b = np.exp(res.x)
    return float(a), float(b)


def beta_binomial(k, n, confidence: float) -> dict:
    """Shrunken rates in percent from successes ``k`` and trials ``n`` per unit.

    Returns a dict of arrays ``shrunk``, ``ci_low``, ``ci_high``, ``funnel_low``,
    ``funnel_high`` (percent) and ``prior`` (``kind``, ``a``, ``b``, ``mean``, ``centre``).
    """
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    a, b = _beta_prior(k, n)
    p0 = k.sum() / n.sum()
    half = normal_quantile(confidence) * np.sqrt(p0 * (1 - p0) / n)
    return {"shrunk": 100 * (k + a) / (n + a + b),
            "ci_low": 100 * stats.beta.ppf((1 - confidence) / 2, k + a, n - k + b),
            "ci_high": 100 * stats.beta.ppf((1 + confidence) / 2, k + a, n - k + b),
            "funnel_low": 100 * np.clip(p0 - half, 0, 1), "funnel_high": 100 * np.clip(p0 + half, 0, 1),
            "prior": {"kind": "beta", "a": a, "b": b, "mean": 100 * a / (a + b), "centre": 100 * p0}}


def normal_normal(value, variance, confidence: float) -> dict:
    """Shrunken estimates from each unit's estimate and its sampling variance.

    Returns the same keys as :func:`beta_binomial`; ``prior`` holds ``mean`` and ``tau2``.
    """
    from statsmodels.stats.meta_analysis import combine_effects

    est, var = np.asarray(value, dtype=float), np.asarray(variance, dtype=float)
    fit = combine_effects(est, var, method_re="dl")
    mu, tau2 = float(fit.mean_effect_re), max(0.0, float(fit.tau2))  # DL truncates tau^2 at 0
    weight = tau2 / (tau2 + var)
    shrunk = mu + weight * (est - mu)
    z = normal_quantile(confidence)
    sd = np.sqrt(weight * var)
    return {"shrunk": shrunk, "ci_low": shrunk - z * sd, "ci_high": shrunk + z * sd,
            "funnel_low": mu - z * np.sqrt(var), "funnel_high": mu + z * np.sqrt(var),
            "prior": {"kind": "normal", "mean": mu, "tau2": tau2, "centre": mu}}
