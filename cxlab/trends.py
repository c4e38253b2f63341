"""Metrics over time: per week, month or quarter, and which changes between periods are real."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ._checks import check_confidence
from .metric_defs import Metric, get_metric
from .metrics import scores
from .data.periods import PERIODS, add_period, period_label
from .stats.engines import cube_of, with_period
from .stats.estimates import DEFAULT_CONFIDENCE
from .stats.kinds import DEFAULT_MIN_N, cube_scales, kind_of, reshape, take
from .stats.multiplicity import adjust_p_values

__all__ = ["PERIODS", "add_period", "period_label", "trend", "period_changes"]


def trend(data: pd.DataFrame, *, metrics: Sequence[str | Metric] = ("nps", "csat", "ces"),
          period: str = "week", time: str = "submitted_at", by: str | Sequence[str] | None = None,
          confidence: float = DEFAULT_CONFIDENCE) -> pd.DataFrame:
    """Every metric with its interval per period (and per group): :func:`cxlab.scores` over time.

    Returns the columns of :func:`cxlab.scores` with ``period`` after the ``by`` columns.
    """
    by_list = [] if by is None else [by] if isinstance(by, str) else list(by)
    return scores(with_period(data, time=time, period=period), metrics=metrics,
                  by=[*by_list, "period"], confidence=confidence)


def period_changes(data: pd.DataFrame, *, metrics: Sequence[str | Metric] = ("nps", "csat", "ces"),
                   period: str = "week", time: str = "submitted_at",
                   by: str | Sequence[str] | None = None, adjust: str | None = "holm",
                   confidence: float = DEFAULT_CONFIDENCE, min_n: int = DEFAULT_MIN_N) -> pd.DataFrame:
    """Each period against the one before: the change, its interval, and whether it is real.

    Parameters
    ----------
    data, metrics, period, time, by, confidence
        As for :func:`trend`. Quantile metrics cannot be compared this way.
    adjust : str or None
        Multiple-testing adjustment across every row of the table (see
        :func:`cxlab.experiments.adjust_p_values`); Holm by default. A table of 26 weeks,
        4 channels and 3 metrics makes about 300 comparisons: unadjusted, about 15 would
        look significant by chance alone. ``None`` reports raw p-values only.
    min_n : int
        Answers each period needs before its change is judged ("too few answers" below).

    Returns
    -------
    pandas.DataFrame
        One row per (group, metric, period after the first): the ``by`` columns, ``metric``,
        ``period``, ``previous``, ``value``, ``previous_value``, ``diff`` (points for NPS,
        percentage points for rates, units for means), ``ci_low``, ``ci_high``, ``p_value``,
        ``p_adjusted``, ``n``, ``previous_n``, ``small`` (either period has fewer than
        ``min_n`` answers: no p-value, never significant) and ``significant``
        (``p_adjusted < 1 - confidence``).

    Notes
    -----
    NPS: difference of two independent NPS (adjusted-Wald interval, z-test); rates and
    shares: Newcombe interval and Pearson's chi-square; means: Welch. Each row is one
    question ("did this period differ from the last?"); ``p_adjusted`` accounts for asking
    all of them at once.
    """
    c = check_confidence(confidence)
    ms = [get_metric(m) for m in metrics]
    bad = [m.name for m in ms if kind_of(m).needs_rows]
    if bad:
        raise ValueError(f"Period changes are not available for quantile metrics {bad}; "
                         "compare their intervals in the trend table instead.")
    by_list = [] if by is None else [by] if isinstance(by, str) else list(by)
    framed = with_period(data, time=time, period=period)
    per_period = cube_of(framed, by=[*by_list, "period"], scales=cube_scales(ms))
    labels = per_period.cell_labels()
    nper = per_period.shape[-1]
    parts = []
    for m in ms:
        cols = _changes(per_period, m, c)  # arrays of shape (groups, nper - 1)
        groups = labels.iloc[::nper][by_list].reset_index(drop=True) if by_list else pd.DataFrame(index=[0])
        reps = groups.loc[groups.index.repeat(nper - 1)].reset_index(drop=True)
        per = list(per_period.levels[-1])
        frame = reps.assign(metric=m.name,
                            period=np.tile(per[1:], len(groups)) if nper > 1 else [],
                            previous=np.tile(per[:-1], len(groups)) if nper > 1 else [],
                            **{k: v.ravel() for k, v in cols.items()})
        parts.append(frame)
    out = pd.concat(parts, ignore_index=True)
    out = out[(out["n"] > 0) & (out["previous_n"] > 0)].reset_index(drop=True)
    # too few answers on either side: the change is shown, never judged, and not in the family
    out["small"] = (out["n"] < min_n) | (out["previous_n"] < min_n)
    out["p_value"] = out["p_value"].where(~out["small"])
    out["p_adjusted"] = adjust_p_values(out["p_value"], adjust=adjust) if adjust else out["p_value"]
    out["significant"] = out["p_adjusted"] < 1 - c
    return out


def _changes(per_period, m: Metric, confidence: float) -> dict[str, np.ndarray]:
    """Each period against the one before, per group: arrays of shape (groups, periods - 1)."""
    kind = kind_of(m)
    nper = per_period.shape[-1]
    st = reshape(kind.stats(per_period, m), (-1, nper))
    before, after = take(st, (slice(None), slice(None, -1))), take(st, (slice(None), slice(1, None)))
    value = kind.estimate(st, m, confidence)["value"]
    cmp = kind.compare(before, after, m, confidence)
    return {"value": value[:, 1:], "previous_value": value[:, :-1], "diff": cmp["diff"], "ci_low": cmp["ci_low"],
            "ci_high": cmp["ci_high"], "p_value": cmp["p_value"], "n": after["n"].astype(np.int64),
            "previous_n": before["n"].astype(np.int64)}
