"""Which process metrics move satisfaction: relative importance, direction and the model's fit."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ._checks import require_columns
from .errors import DataValidationError

__all__ = ["relative_weights", "key_drivers"]


def relative_weights(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Johnson's (2000) relative weights: each predictor's share of R^2, correlated predictors allowed.

    Returns the raw weights (summing to the OLS R^2) and R^2.

    Notes
    -----
    With R_xx = V diag(e) V' the predictors' correlations, Lambda = V diag(sqrt(e)) V' maps
    them to their closest orthogonal counterparts; beta = Lambda^-1 r_xy regresses the
    outcome on those, and weight_j = sum_k Lambda_jk^2 beta_k^2.
    """
    Z = (X - X.mean(0)) / X.std(0, ddof=1)
    yz = (y - y.mean()) / y.std(ddof=1)
    n = len(y)
    rxx = Z.T @ Z / (n - 1)
    rxy = Z.T @ yz / (n - 1)
    e, V = np.linalg.eigh(rxx)
    lam = V @ np.diag(np.sqrt(np.clip(e, 0, None))) @ V.T
    beta = np.linalg.solve(lam, rxy)
    raw = (lam**2) @ (beta**2)
    return raw, float(raw.sum())


def key_drivers(data: pd.DataFrame, *, score: str = "csat",
                drivers: Sequence[str] = ("first_response_min", "contacts", "reopened", "agent_tenure_months"),
                log: Sequence[str] = ("first_response_min",), n_boot: int = 200, seed: int = 0,
                confidence: float = 0.95) -> pd.DataFrame:
    """Which drivers move ``score``, how strongly, in which direction, and how well the model fits.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per answer, with the outcome and the drivers (process metrics of the contact).
    score : str
        A score (e.g. ``"csat"``, 1-5) or any number.
    drivers : sequence of str
        Numeric or yes/no columns.
    log : sequence of str
        Drivers entered as log(1 + x) (skewed durations).
    n_boot : int
        Bootstrap replicates for the importance intervals (rows are resampled: importance
        needs the joint distribution, so no sufficient statistic shortcut exists).
    seed : int
    confidence : float

    Returns
    -------
    pandas.DataFrame
        One row per driver, most important first: ``driver``, ``importance`` (share of the
        explained variance, %), ``ci_low``, ``ci_high`` (bootstrap percentile),
        ``beta`` (standardised OLS coefficient: the direction), ``odds_ratio`` (per SD, from a
        proportional-odds logit when the outcome is an ordinal score), ``p_value`` (of that
        model, or of OLS), ``significant``. ``attrs`` hold the fit: ``r2``,
        ``pseudo_r2`` (McFadden), ``n`` used and ``n_excluded`` (rows missing the outcome or a
        driver).
    """
    import statsmodels.api as sm

    require_columns(data, [score, *drivers])
    frame = data[[score, *drivers]].copy()
    for col in drivers:
        if frame[col].dtype == bool or isinstance(frame[col].dtype, pd.BooleanDtype):
            frame[col] = frame[col].astype("Float64")
    frame = frame.apply(lambda s: pd.to_numeric(s, errors="coerce")).astype(float)
    complete = frame.dropna()
    excluded = len(frame) - len(complete)
    if len(complete) < 10 * len(drivers):
        raise DataValidationError(f"Only {len(complete)} complete rows for {len(drivers)} drivers; key drivers "
                                  "need at least 10 rows per driver.")
    X = complete[list(drivers)].to_numpy()
    for j, col in enumerate(drivers):
        if col in log:
            X[:, j] = np.log1p(X[:, j])
    constant = X.std(0) == 0
    if constant.any():
        raise DataValidationError(f"Drivers {[d for d, c in zip(drivers, constant) if c]} do not vary.")
    y = complete[score].to_numpy()
    raw, r2 = relative_weights(X, y)
    rng = np.random.default_rng(seed)
    boots = np.empty((n_boot, len(drivers)))
    for b in range(n_boot):
        idx = rng.integers(0, len(y), len(y))
        w, total = relative_weights(X[idx], y[idx])
        boots[b] = 100 * w / total
    lo, hi = np.percentile(boots, [50 * (1 - confidence), 50 * (1 + confidence)], axis=0)
    Z = (X - X.mean(0)) / X.std(0, ddof=1)
    ols = sm.OLS((y - y.mean()) / y.std(ddof=1), sm.add_constant(Z)).fit()
    ordinal = np.allclose(y, np.round(y)) and len(np.unique(y)) <= 11
    pseudo = np.nan
    if ordinal:
        from statsmodels.miscmodels.ordinal_model import OrderedModel

        model = OrderedModel(y.astype(int), Z, distr="logit").fit(method="bfgs", disp=False, maxiter=500)
        coef = np.asarray(model.params)[: len(drivers)]
        p = np.asarray(model.pvalues)[: len(drivers)]
        null = OrderedModel(y.astype(int), np.zeros((len(y), 0)), distr="logit").fit(method="bfgs", disp=False)
        pseudo = 1 - model.llf / null.llf
        odds = np.exp(coef)
    else:
        p = np.asarray(ols.pvalues)[1:]
        odds = np.full(len(drivers), np.nan)
    alpha = 1 - confidence
    out = pd.DataFrame({"driver": list(drivers), "importance": 100 * raw / r2, "ci_low": lo, "ci_high": hi,
                        "beta": np.asarray(ols.params)[1:], "odds_ratio": odds, "p_value": p,
                        "significant": p < alpha})
    out = out.sort_values("importance", ascending=False, ignore_index=True)
    out.attrs.update(r2=r2, pseudo_r2=float(pseudo), n=len(y), n_excluded=int(excluded),
                     model="proportional-odds logit" if ordinal else "OLS")
    return out
