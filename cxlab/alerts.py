"""Flag a touchpoint whose score drops: control charts over time, one-sided, with a minimum n.

Each period is judged against the periods before it (an expanding baseline of at least
``min_periods``), as a daily or weekly scheduled check would: the limits never include
the period being judged, and a period that raised an alert leaves the baseline of the
periods after it, so a lasting drop cannot lower its own centre line.
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from ._checks import check_option, require_columns
from .metric_defs import Metric, get_metric
from .stats.engines import cube_of, with_period
from .stats.kinds import DEFAULT_MIN_N, cube_scales, kind_of

__all__ = ["check", "current", "p_chart_limits", "METHODS"]

METHODS = ("laney", "shewhart", "ewma")


def p_chart_limits(p: float, n, sigma: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    """Shewhart p-chart limits p +/- sigma sqrt(p (1 - p) / n), clipped to [0, 1] (Montgomery 2009, 7.2)."""
    n = np.asarray(n, dtype=float)
    half = sigma * np.sqrt(p * (1 - p) / n)
    return np.clip(p - half, 0, 1), np.clip(p + half, 0, 1)


def check(data: pd.DataFrame, *, metric: str | Metric = "csat", by: str | None = "channel",
          time: str = "submitted_at", period: str = "week", method: str = "laney", sigma: float = 3.0,
          min_n: int = DEFAULT_MIN_N, min_periods: int = 4, lam: float = 0.2, ewma_width: float = 2.7) -> pd.DataFrame:
    """Control-chart every group's metric over time and flag drops.

    Parameters
    ----------
    data : pandas.DataFrame
        Rows with a timestamp, a group column and the metric's column.
    metric : str or Metric
        Any rate, share, NPS or mean; "drop" follows the metric's direction (a rise in CES
        effort is a drop in experience).
    by : str or None
        The touchpoint column (channel, journey stage ...); None for the whole table.
    time, period : str
        Timestamp column and chart period (``"day"``, ``"week"``, ``"month"``).
    method : {"laney", "shewhart", "ewma"}
        ``"shewhart"``: limits centre +/- sigma * sd / sqrt(n), following each period's n (the
        p-chart for rates). ``"laney"``: the same widened by the between-period variation of
        the baseline (Laney 2002 p'-chart), for large n where real period-to-period noise
        makes the p-chart alarm constantly. ``"ewma"``: an exponentially weighted moving
        average (weight ``lam``, limits ``ewma_width`` sigmas), which catches small sustained
        drops sooner (Roberts 1959).
    sigma : float
        Width of the Shewhart and Laney limits.
    min_n : int
        Periods with fewer answers are shown but never flagged.
    min_periods : int
        Baseline periods needed before a period is judged.

    Returns
    -------
    pandas.DataFrame
        One row per (group, period): ``by``, ``period``, ``n``, ``value``, ``centre``,
        ``limit_low``, ``limit_high`` (control limits; for EWMA the chart statistic is in ``ewma``),
        ``alert`` (a drop beyond the limit in the bad direction), ``judged`` (enough
        baseline and answers to judge) and ``method``.
    """
    check_option("method", method, METHODS)
    m = get_metric(metric)
    require_columns(data, [time, m.column] + ([by] if by else []))
    framed = with_period(data, time=time, period=period)
    dims = [by, "period"] if by else ["period"]
    chart = cube_of(framed, by=dims, scales=cube_scales([m]))
    kind = kind_of(m)
    # per (group, period): answers, and the sum and sum of squares of each answer's code
    n, s1, s2 = (a.reshape(-1, chart.shape[-1]) for a in kind.coded(kind.stats(chart, m)))
    groups = list(chart.levels[0]) if by else [None]
    periods = list(chart.levels[-1])
    rows = []
    bad_low = m.higher_is_better
    for g, (ng, a1, a2) in enumerate(zip(n, s1, s2)):
        with np.errstate(invalid="ignore", divide="ignore"):
            value = a1 / ng
        ewma = np.nan
        ewma_var = 0.0
        in_base = np.zeros(len(periods), dtype=bool)  # periods that count towards the baseline
        for t in range(len(periods)):
            base = np.flatnonzero(in_base[:t])
            nb = ng[base].sum()
            judged = t >= min_periods and nb > 0 and ng[t] >= min_n
            centre = a1[base].sum() / nb if nb > 0 else np.nan
            var_unit = a2[base].sum() / nb - centre**2 if nb > 0 else np.nan
            sd_t = np.sqrt(var_unit / ng[t]) if ng[t] > 0 and nb > 0 else np.nan
            lower = upper = np.nan
            stat = np.nan
            if nb > 0:
                if method == "ewma":
                    prev = ewma if np.isfinite(ewma) else centre
                    x = value[t] if ng[t] > 0 else prev
                    ewma = lam * x + (1 - lam) * prev
                    ewma_var = lam**2 * (var_unit / ng[t] if ng[t] > 0 else 0) + (1 - lam) ** 2 * ewma_var
                    half = ewma_width * np.sqrt(ewma_var)
                    stat = ewma
                else:
                    widen = 1.0
                    if method == "laney" and t >= 3:
                        ok = ng[base] > 0
                        z = (value[base][ok] - centre) / np.sqrt(var_unit / ng[base][ok])
                        if len(z) >= 3:
                            widen = max(1.0, float(np.mean(np.abs(np.diff(z)))) / 1.128)
                    half = sigma * sd_t * widen
                lower, upper = centre - half, centre + half
            point = stat if method == "ewma" else value[t]
            alert = bool(judged and np.isfinite(point) and ((point < lower) if bad_low else (point > upper)))
            in_base[t] = not alert
            rows.append({**({by: groups[g]} if by else {}), "period": periods[t], "n": int(ng[t]),
                         "value": value[t], "ewma": stat, "centre": centre, "limit_low": lower, "limit_high": upper,
                         "alert": alert, "judged": bool(judged), "method": method, "metric": m.name})
    out = pd.DataFrame(rows)
    return out[out["n"] > 0].reset_index(drop=True)


def current(chart: pd.DataFrame, *, last: int = 1) -> pd.DataFrame:
    """Today's alerts: flagged rows among each group's ``last`` most recent periods.

    With weekly charts and few answers per week a real drop may not fire every week;
    ``last=3`` lists what fired in the last three weeks.
    """
    key = [c for c in chart.columns if c not in ("period", "n", "value", "ewma", "centre", "limit_low", "limit_high",
                                                  "alert", "judged", "method", "metric")]
    ordered = chart.sort_values("period")
    recent = ordered.groupby(key, observed=True, sort=False).tail(last) if key else ordered.tail(last)
    return recent[recent["alert"]].reset_index(drop=True)
