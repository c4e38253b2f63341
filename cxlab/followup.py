"""The closed-loop list: every low score, with who to call back and by when."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ._checks import require_columns
from .metric_defs import Metric, get_metric
from .stats.kinds import kind_of
from .text import mask

__all__ = ["follow_up"]


def follow_up(data: pd.DataFrame, *, metric: str | Metric = "csat", at_most: int | None = None,
              time: str = "submitted_at", hours: float = 24,
              show: Sequence[str] = ("response_id", "customer_id", "channel", "journey_stage", "agent_id",
                                     "comment")) -> pd.DataFrame:
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
