"""The closed-loop list: every low score, with who to call back and by when."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ._checks import check_option, require_columns
from .data.periods import PERIODS, period_start
from .metric_defs import Metric, get_metric
from .stats.kinds import kind_of
from .text import mask

__all__ = ["follow_up", "follow_up_summary"]


def follow_up(data: pd.DataFrame, *, metric: str | Metric = "csat", at_most: int | None = None,
              time: str = "submitted_at", hours: float = 24,
              show: Sequence[str] = ("response_id", "customer_id", "channel", "journey_stage", "agent_id",
                                     "comment", "followed_up_at")) -> pd.DataFrame:
    """The closed-loop list: every low score, with who to call back and by when.

    Parameters
    ----------
    metric : str or Metric
        ``"csat"`` lists answers of ``at_most`` (default 2) or less; ``"nps"`` lists
        detractors (0-6) unless ``at_most`` says otherwise.
    time : str
        When the answer came in; the deadline is ``hours`` later (24 by default).
    show : sequence of str
        Columns to carry over when present.

    Returns
    -------
    pandas.DataFrame
        Earliest deadline first: the score, ``submitted``, ``deadline``, and ``show``'s
        columns. Comments are masked (:func:`cxlab.text.mask`: phone, ID, card numbers and
        e-mails replaced by labels); ``attrs["masked"]`` counts what was masked.
    """
    m = get_metric(metric)
    require_columns(data, [m.column, time])
    limit = at_most if at_most is not None else kind_of(m).low_answer(m)
    scores_ = data[m.column].astype("Float64")
    low = (scores_ <= limit).fillna(False).to_numpy(dtype=bool)
    cols = [c for c in show if c in data.columns]
    out = data.loc[low, cols].copy()
    out.insert(0, m.column, scores_[low].astype("Int64"))
    out["submitted"] = data.loc[low, time]
    out["deadline"] = out["submitted"] + pd.Timedelta(hours=hours)
    masked = {}
    if "comment" in out.columns:
        masked_comments = mask(out["comment"])
        masked = masked_comments.attrs.get("masked", {})
        out["comment"] = masked_comments
    out = out.sort_values("deadline", ignore_index=True)
    out.attrs["masked"] = masked
    return out


def follow_up_summary(follow: pd.DataFrame, *, as_of=None, period: str = "week", hours: float = 24,
                      done: str = "followed_up_at") -> pd.DataFrame:
    """The follow-up list in one line for a manager: how many to call back this period, how many are late.

    Parameters
    ----------
    follow : pandas.DataFrame
        A list from :func:`follow_up` (``submitted`` and ``deadline`` columns; ``done`` when the
        data records call-backs).
    as_of : timestamp, optional
        When the list is read; default the newest ``submitted`` (the end of the data).
    period : {"day", "week", "month", "quarter"}
        The current period is the one holding ``as_of`` (weeks run Monday to Sunday).
    hours : float
        The call-back deadline the list was made with (reported alongside).
    done : str
        The column with each call-back's time, if the data has it. An answer is late when its
        call-back came after the deadline, or none is recorded and the deadline has passed;
        without the column no call-back is recorded, so every passed deadline counts.

    Returns
    -------
    pandas.DataFrame
        One row: ``as_of``, ``since`` (start of the current period), ``to_call`` (low answers
        submitted since then), ``overdue`` (of those, late by ``as_of``), ``due`` (deadline still
        ahead, no call-back yet), ``hours``, ``all_time`` (the whole list), ``past_deadline``
        (late in the whole list), ``open`` (no call-back recorded) and ``call_backs_recorded``.

    Examples
    --------
    >>> f = pd.DataFrame({"submitted": pd.to_datetime(["2026-11-30 08:00", "2026-12-02 09:00"])})
    >>> f["deadline"] = f["submitted"] + pd.Timedelta(hours=24)
    >>> follow_up_summary(f)[["to_call", "overdue", "due"]].iloc[0].tolist()
    [2, 1, 1]
    """
    require_columns(follow, ["submitted", "deadline"])
    check_option("period", period, PERIODS)
    submitted, deadline = pd.to_datetime(follow["submitted"]), pd.to_datetime(follow["deadline"])
    when = pd.Timestamp(as_of) if as_of is not None else (submitted.max() if len(follow) else pd.NaT)
    recorded = done in follow.columns
    called = pd.to_datetime(follow[done]) if recorded else pd.Series(pd.NaT, index=follow.index)
    if pd.isna(when):
        return pd.DataFrame([{"as_of": pd.NaT, "since": pd.NaT, "to_call": 0, "overdue": 0, "due": 0, "hours": hours,
                              "all_time": 0, "past_deadline": 0, "open": 0, "call_backs_recorded": recorded}])
    since = period_start(when, period)
    late = (called.isna() & (deadline < when)) | (called > deadline)
    current = (submitted >= since) & (submitted <= when)
    return pd.DataFrame([{"as_of": when, "since": since, "to_call": int(current.sum()),
                          "overdue": int((current & late).sum()), "due": int((current & ~late & called.isna()).sum()),
                          "hours": hours, "all_time": len(follow), "past_deadline": int(late.sum()),
                          "open": int(called.isna().sum()), "call_backs_recorded": recorded}])
