"""What the loop should change next: the weakest stages, alerts that suggest a change, the follow-up list.

These only *suggest*: a change enters the loop when a person adds it to ``params/changes.yaml``.
Each suggestion says which registered changes already touch the same stage or channel.
"""

from __future__ import annotations

import pandas as pd

from .. import alerts
from .._checks import require_columns
from ..followup import follow_up
from ..followup import follow_up_summary as summarise
from ..metric_defs import get_metric
from ..metrics import scores

__all__ = ["OPEN", "next_stages", "suggestions", "follow_up_summary"]

#: Statuses of a change still open (no verdict yet).
OPEN = ("waiting", "inconclusive")


def _window(data: pd.DataFrame, time: str, as_of, weeks: int) -> pd.DataFrame:
    require_columns(data, [time])
    end = (pd.Timestamp(as_of) if as_of else pd.Timestamp(data[time].max())).normalize() + pd.Timedelta(days=1)
    return data[(data[time] < end) & (data[time] >= end - pd.Timedelta(weeks=weeks))]


def _touching(status: pd.DataFrame, column: str, level: object, *, open_only: bool) -> str:
    if status is None or status.empty:
        return ""
    rows = status[(status[column].astype(str) == str(level)) & status["primary"]]
    if open_only:
        rows = rows[rows["status"].isin(OPEN)]
    return ", ".join(dict.fromkeys(rows["change_id"]))


def next_stages(responses: pd.DataFrame, status: pd.DataFrame | None = None, *, metric: str = "csat",
                stage: str = "journey_stage", time: str = "submitted_at", as_of=None, weeks: int = 8,
                confidence: float = 0.95) -> pd.DataFrame:
    """The journey stages ranked from the one that most needs a next change, over the last ``weeks``.

    Returns
    -------
    pandas.DataFrame
        One row per stage, worst first: ``stage``, ``metric``, ``n``, ``value``, ``ci_low``,
        ``ci_high``, ``gap`` (to the best stage, in the metric's units, positive = worse),
        ``rank``, ``open_changes`` and ``changes`` (registered changes touching it: still open /
        all, by id).
    """
    m = get_metric(metric)
    recent = _window(responses, time, as_of, weeks)
    table = scores(recent, metrics=[m.name], by=stage, confidence=confidence)
    good = table["value"] if m.higher_is_better else -table["value"]
    table = table.assign(gap=good.max() - good).sort_values("gap", ascending=False, ignore_index=True)
    table["rank"] = range(1, len(table) + 1)
    table["open_changes"] = [_touching(status, "stage", s, open_only=True) for s in table[stage]]
    table["changes"] = [_touching(status, "stage", s, open_only=False) for s in table[stage]]
    table = table.rename(columns={stage: "stage"})
    return table[["stage", "metric", "n", "value", "ci_low", "ci_high", "gap", "rank", "open_changes", "changes"]]


def suggestions(responses: pd.DataFrame, status: pd.DataFrame | None = None, *, metric: str = "csat",
                by: str = "channel", stage: str = "journey_stage", time: str = "submitted_at", as_of=None,
                confidence: float = 0.95) -> pd.DataFrame:
    """Changes worth registering: the weakest stage, and every touchpoint whose alert fired lately.

    Returns
    -------
    pandas.DataFrame
        ``source`` (``weakest_stage`` or ``alert``), ``dimension``, ``level``, ``metric``,
        ``period`` (of an alert), ``value``, ``open_changes`` (registered changes already
        touching it and still open). A suggestion is never registered by itself.
    """
    require_columns(responses, [time, by])
    stages = next_stages(responses, status, metric=metric, stage=stage, time=time, as_of=as_of,
                         confidence=confidence)
    rows = []
    if len(stages):
        top = stages.iloc[0]
        rows.append({"source": "weakest_stage", "dimension": stage, "level": str(top["stage"]), "metric": metric,
                     "period": "", "value": float(top["value"]), "open_changes": top["open_changes"]})
    upto = _window(responses, time, as_of, weeks=520)
    chart = alerts.check(upto, metric=metric, by=by, time=time, period="week")
    for rec in alerts.current(chart, last=3).to_dict("records"):
        rows.append({"source": "alert", "dimension": by, "level": str(rec[by]), "metric": metric,
                     "period": str(rec["period"]), "value": float(rec["value"]),
                     "open_changes": _touching(status, "channel", rec[by], open_only=True)})
    return pd.DataFrame(rows, columns=["source", "dimension", "level", "metric", "period", "value", "open_changes"])


def follow_up_summary(responses: pd.DataFrame, *, metric: str = "csat", hours: float = 24,
                      time: str = "submitted_at", done: str = "followed_up_at", as_of=None) -> pd.DataFrame:
    """The follow-up list of ``metric`` up to ``as_of``, summarised by :func:`cxlab.followup.follow_up_summary`.

    Returns its one row, with ``metric`` first and ``breach_share`` (percent of the whole list
    past its deadline).
    """
    upto = _window(responses, time, as_of, weeks=520)
    show = ("response_id",) + ((done,) if done in upto.columns else ())
    listed = follow_up(upto, metric=metric, time=time, hours=hours, show=show)
    # read at the end of the day ``as_of`` (its last second), else at the newest answer
    now = pd.Timestamp(as_of).normalize() + pd.Timedelta(days=1) - pd.Timedelta(seconds=1) if as_of else None
    out = summarise(listed, as_of=now, hours=hours, done=done)
    out.insert(0, "metric", str(metric))
    out["breach_share"] = 100 * out["past_deadline"] / out["all_time"].where(out["all_time"] > 0)
    return out
