"""Before/after evaluation of a change that could not be randomised.

* :func:`did` - difference-in-differences: treated regions or branches against the others,
  before and after the change, so a shared season or trend cancels out;
* :func:`event_study` - the same, period by period, with a test that the groups moved
  together before the change (the assumption DiD rests on);
* :func:`placebo` - DiD at a fake date before the change, which should find nothing;
* :func:`its` - interrupted time series: a level and a slope change at the intervention,
  for a change rolled out everywhere at once.

Estimates are in the outcome's units; yes/no outcomes (FCR) are counted as 100 / 0, so
effects are in percentage points. The models are statsmodels OLS.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._checks import check_confidence, require_columns
from .errors import DataValidationError
from .metric_defs import Metric
from .data.periods import add_period

__all__ = ["did", "event_study", "placebo", "its", "mark", "score_metric"]


def _score_values(series: pd.Series, name: str) -> np.ndarray:
    if series.dtype == bool or isinstance(series.dtype, pd.BooleanDtype):
        values = series.astype("Float64").to_numpy(dtype=float, na_value=np.nan) * 100
    else:
        values = pd.to_numeric(series, errors="coerce").astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    return values


def _flag(series: pd.Series, name: str) -> np.ndarray:
    values = series.astype("boolean")
    if values.isna().any():
        raise DataValidationError(f"Column {name!r} has {int(values.isna().sum())} blank value(s); every row "
                                  "must be marked yes or no.")
    return values.to_numpy(dtype=float)


def _design(data: pd.DataFrame, score: str, treated: str, post: str | None = None):
    require_columns(data, [score, treated] + ([post] if post else []))
    y = _score_values(data[score], score)
    keep = ~np.isnan(y)
    return y, keep


def _fit(y, X, names, *, cov: str, groups=None, confidence: float):
    import statsmodels.api as sm

    model = sm.OLS(y, X)
    if cov == "classical":
        res = model.fit()
    elif cov == "robust":
        res = model.fit(cov_type="HC1")
    elif cov == "cluster":
        res = model.fit(cov_type="cluster", cov_kwds={"groups": groups})
    else:  # HAC, with maxlags in `groups`
        res = model.fit(cov_type="HAC", cov_kwds={"maxlags": groups})
    ci = res.conf_int(alpha=1 - confidence)
    return res, pd.DataFrame({"term": names, "value": res.params, "se": res.bse, "ci_low": ci[:, 0],
                              "ci_high": ci[:, 1], "p_value": res.pvalues})


def did(data: pd.DataFrame, *, score: str, treated: str, post: str, cluster: str | None = None,
        confidence: float = 0.95) -> pd.DataFrame:
    """Difference-in-differences: (treated after - treated before) - (others after - others before).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per ticket / customer / response.
    score : str
        The score column (numbers, or yes/no counted as 100 / 0).
    treated, post : str
        Yes/no columns: the row belongs to a treated unit; the row is after the change.
    cluster : str, optional
        The unit that was treated (region, branch): standard errors are clustered on it.
        With few clusters (under about 30) cluster-robust errors are themselves unreliable.
    confidence : float

    Returns
    -------
    pandas.DataFrame
        One row per kind of standard error (``classical``, ``robust (HC1)`` and, with
        ``cluster``, ``cluster (<column>)``): ``value`` (the DiD effect), ``se``,
        ``ci_low``, ``ci_high``, ``p_value``, ``n`` and ``n_missing`` (rows without an
        score, left out).

    Notes
    -----
    OLS of ``score ~ treated + post + treated:post``; the interaction is the effect, under
    the assumption that without the change both groups would have moved in parallel
    (check it with :func:`event_study` and :func:`placebo`).
    """
    c = check_confidence(confidence)
    y, keep = _design(data, score, treated, post)
    tr, po = _flag(data[treated], treated), _flag(data[post], post)
    X = np.column_stack([np.ones(len(y)), tr, po, tr * po])[keep]
    names = ["const", treated, post, f"{treated}:{post}"]
    kinds = [("classical", "classical", None), ("robust (HC1)", "robust", None)]
    if cluster is not None:
        require_columns(data, [cluster])
        codes = pd.factorize(data[cluster])[0][keep]
        kinds.append((f"cluster ({cluster})", "cluster", codes))
    rows = []
    for label, cov, groups in kinds:
        _, table = _fit(y[keep], X, names, cov=cov, groups=groups, confidence=c)
        effect = table.iloc[3]
        rows.append({"se_type": label, "value": effect["value"], "se": effect["se"],
                     "ci_low": effect["ci_low"], "ci_high": effect["ci_high"], "p_value": effect["p_value"],
                     "n": int(keep.sum()), "n_missing": int((~keep).sum())})
    return pd.DataFrame(rows)


def event_study(data: pd.DataFrame, *, score: str, treated: str, time: str, intervention: str,
                period: str = "week", cluster: str | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Treated-minus-control difference per period, relative to the last period before the change.

    Returns
    -------
    pandas.DataFrame
        One row per period: ``period``, ``relative`` (periods from the change; -1 is the
        reference, fixed at 0), ``value``, ``se``, ``ci_low``, ``ci_high``, ``p_value``.
        ``attrs["pre_trend_p_value"]`` is the joint Wald test that every pre-change estimate is
        0 (also in the column ``pre_trend_p_value``): a small value means the groups were
        already drifting apart, and DiD is suspect.
    """
    c = check_confidence(confidence)
    require_columns(data, [score, treated, time])
    framed = add_period(data, time=time, period=period)
    start = add_period(pd.DataFrame({time: [pd.Timestamp(intervention)]}), time=time, period=period)["period"].iloc[0]
    labels = list(framed["period"].cat.categories)
    if start not in labels:
        raise ValueError(f"The intervention {intervention!r} falls outside the data's periods "
                         f"({labels[0]} to {labels[-1]}).")
    k0 = labels.index(start)
    if k0 < 2:
        raise ValueError("An event study needs at least two periods before the intervention.")
    y = _score_values(framed[score], score)
    tr = _flag(framed[treated], treated)
    code = framed["period"].cat.codes.to_numpy()
    keep = ~np.isnan(y) & (code >= 0)
    ref = k0 - 1
    cols, names = [np.ones(len(y)), tr], ["const", "treated"]
    for k in range(len(labels)):
        if k == 0:
            continue
        cols.append((code == k).astype(float))
        names.append(f"period_{k}")
    rel_terms = []
    for k in range(len(labels)):
        if k == ref:
            continue
        cols.append(tr * (code == k))
        names.append(f"treated_x_{k}")
        rel_terms.append(k)
    X = np.column_stack(cols)[keep]
    groups = pd.factorize(framed[cluster])[0][keep] if cluster else None
    res, table = _fit(y[keep], X, names, cov="cluster" if cluster else "robust", groups=groups, confidence=c)
    inter = table[table.term.str.startswith("treated_x_")].reset_index(drop=True)
    inter.insert(0, "period", [labels[k] for k in rel_terms])
    inter.insert(1, "relative", [k - k0 for k in rel_terms])
    reference = pd.DataFrame([{"period": labels[ref], "relative": -1, "term": "reference", "value": 0.0,
                               "se": 0.0, "ci_low": 0.0, "ci_high": 0.0, "p_value": np.nan}])
    out = pd.concat([inter, reference], ignore_index=True).sort_values("relative", ignore_index=True)
    pre = [names.index(f"treated_x_{k}") for k in rel_terms if k < k0]
    R = np.zeros((len(pre), len(names)))
    R[np.arange(len(pre)), pre] = 1
    wald = res.wald_test(R, scalar=True)
    out["pre_trend_p_value"] = float(wald.pvalue)  # a column, so it survives saving the table
    out.attrs["pre_trend_p_value"] = float(wald.pvalue)
    return out.drop(columns="term")


def placebo(data: pd.DataFrame, *, score: str, treated: str, time: str, intervention: str,
            placebo_date: str, cluster: str | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """DiD on the data before the real change, pretending it happened at ``placebo_date``.

    An effect found here is not the change's: it means the groups drift apart anyway.
    Returns the table of :func:`did`.
    """
    require_columns(data, [time])
    real, fake = pd.Timestamp(intervention), pd.Timestamp(placebo_date)
    if fake >= real:
        raise ValueError(f"`placebo_date` ({placebo_date}) must fall before the intervention ({intervention}).")
    before = data[data[time] < real]
    if before.empty or (before[time] < fake).sum() == 0:
        raise ValueError("No data before the placebo date.")
    frame = before.assign(_placebo_post=before[time] >= fake)
    return did(frame, score=score, treated=treated, post="_placebo_post", cluster=cluster, confidence=confidence)


def _periods_before(periods: pd.Series, intervention, column: str) -> int:
    """How many of the (sorted) periods come before the intervention.

    A plain period index (1, 2, ... 24) is compared as a number, timestamps as timestamps,
    and ordered labels (``2026-04-06``, ``2026Q2``) by their position.
    """
    if pd.api.types.is_numeric_dtype(periods) and not pd.api.types.is_bool_dtype(periods):
        try:
            start = float(intervention)
        except (TypeError, ValueError):
            raise DataValidationError(f"Column {column!r} numbers the periods, so `intervention` must be the "
                                      f"number of the first period after the change; got {intervention!r}.") from None
        return int((periods < start).sum())
    if pd.api.types.is_datetime64_any_dtype(periods):
        return int((periods < pd.Timestamp(intervention)).sum())
    labels = [str(v) for v in periods]
    if str(intervention) in labels:
        return labels.index(str(intervention))
    raise DataValidationError(f"`intervention` {intervention!r} is not one of the periods in column {column!r} "
                              f"({labels[0]} ... {labels[-1]}); name the first period after the change.")


def its(data: pd.DataFrame, *, score: str, time: str, intervention, period: str | None = "week",
        hac_lags: int | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Interrupted time series: segmented regression with Newey-West standard errors.

    Parameters
    ----------
    data : pandas.DataFrame
        Rows with a timestamp (aggregated to ``period`` means first), or already one row per
        period (``period=None``).
    score, time : str
        The score and the timestamp (or period) column.
    intervention : str, number or timestamp
        The date the change took effect; periods from it on count as after. With
        ``period=None`` and a plain period index (1, 2, ... 24), the number of the first
        period after the change; with period labels, that label.
    period : {"day", "week", "month", "quarter"} or None
        Aggregate rows to these periods (mean score per period) before fitting.
    hac_lags : int, optional
        Newey-West lags; by default floor(4 (T / 100)^(2/9)) for T periods.

    Returns
    -------
    pandas.DataFrame
        Rows ``baseline`` (level at the start), ``pre_slope`` (change per period before),
        ``level_change`` (the jump at the intervention) and ``slope_change`` (change in the
        per-period trend after): ``value``, ``se``, ``ci_low``, ``ci_high``, ``p_value``;
        ``attrs`` hold ``periods`` and ``hac_lags``.

    Notes
    -----
    y_t = b0 + b1 t + b2 after_t + b3 (t - t0) after_t + e_t, with t counting periods and t0
    the first period after the change (Bernal, Cummins & Gasparrini 2017).
    """
    c = check_confidence(confidence)
    require_columns(data, [score, time])
    if period is not None:
        framed = add_period(data, time=time, period=period)
        y_all = _score_values(framed[score], score)
        series = pd.DataFrame({"period": framed["period"], "y": y_all}).dropna()
        series = series.groupby("period", observed=True)["y"].mean()
        start_label = add_period(pd.DataFrame({time: [pd.Timestamp(intervention)]}), time=time,
                                 period=period)["period"].iloc[0]
        labels = list(series.index.astype(str))
        if start_label not in labels:
            raise ValueError(f"The intervention {intervention!r} falls outside the data's periods.")
        t0 = labels.index(start_label)
        y = series.to_numpy(dtype=float)
    else:
        ordered = data.sort_values(time)
        y = _score_values(ordered[score], score)
        t0 = _periods_before(ordered[time], intervention, time)
    n = len(y)
    if t0 < 3 or n - t0 < 3:
        raise ValueError(f"An interrupted time series needs at least 3 periods on each side; got {t0} before "
                         f"and {n - t0} after.")
    t = np.arange(n, dtype=float)
    after = (t >= t0).astype(float)
    X = np.column_stack([np.ones(n), t, after, (t - t0) * after])
    lags = hac_lags if hac_lags is not None else int(np.floor(4 * (n / 100) ** (2 / 9)))
    _, table = _fit(y, X, ["baseline", "pre_slope", "level_change", "slope_change"], cov="hac", groups=lags,
                    confidence=c)
    table.attrs.update(periods=n, hac_lags=lags, first_after=t0)
    return table.reset_index(drop=True)



def mark(data: pd.DataFrame, *, unit: str, treated_units: list, time: str, intervention: str) -> pd.DataFrame:
    """A copy with yes/no columns ``treated`` (the row's unit got the change) and ``post``."""
    require_columns(data, [unit, time])
    present = set(data[unit].dropna().astype(str))
    unknown = [u for u in treated_units if str(u) not in present]
    if unknown:
        raise DataValidationError(f"Treated units {unknown} do not occur in column {unit!r}; it holds "
                                  f"{sorted(present)}.")
    return data.assign(treated=data[unit].astype(str).isin([str(u) for u in treated_units]),
                       post=data[time] >= pd.Timestamp(intervention))


def score_metric(data: pd.DataFrame, score: str):
    """A :class:`cxlab.Metric` for a score column: a rate for yes/no columns, else a mean."""
    require_columns(data, [score])
    col = data[score]
    binary = col.dtype == bool or isinstance(col.dtype, pd.BooleanDtype)
    return Metric(score, score, "rate" if binary else "mean", measure="%" if binary else "")
