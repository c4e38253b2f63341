"""Sentiment next to the score: one table per segment, from per-segment counts and sums."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..data.schemas import label_blanks
from .._checks import check_confidence, require_columns
from ..metrics import proportion_from_counts
from .sentiment import sentiment

__all__ = ["sentiment_summary"]


def sentiment_summary(data: pd.DataFrame, *, text: str = "comment", score: str = "csat",
                      by: str | Sequence[str] | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Sentiment next to the score: per segment, how positive the comments are and the mean score.

    Each comment is scored once (:func:`cxlab.text.sentiment.sentiment`); the table is built
    from per-segment counts and sums.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns (if given), ``comments`` (non-blank comments), ``score_mean`` (mean
        score of those comments' answers), ``positive`` (percent of comments read as positive,
        probability > 0.5) with its Wilson interval ``ci_low``/``ci_high``, and
        ``probability`` (mean probability of positive, percent). A ``"(all)"`` row comes first
        when ``by`` is given.
    """
    keys = [by] if isinstance(by, str) else list(by or [])
    require_columns(data, [text, score] + keys)
    c = check_confidence(confidence)
    has_text = data[text].astype("string").str.strip().fillna("").ne("").to_numpy()
    rows = data.loc[has_text, keys + [score]].copy()
    for k in keys:  # a blank segment is the labelled group "(blank)", never dropped
        rows[k] = label_blanks(rows[k])
    p = np.asarray(sentiment(data.loc[has_text, text].astype(str).tolist()), dtype=float)
    rows["_prob"], rows["_pos"] = p, (p > 0.5).astype(float)
    rows["_score"] = pd.to_numeric(rows[score], errors="coerce")
    rows["_scored"] = rows["_score"].notna().astype(float)
    # Sums per segment; the "(all)" row is the sum of the segments' sums.
    sums = rows.groupby(keys or (lambda _: 0), observed=True, sort=True).agg(
        comments=("_prob", "count"), _k=("_pos", "sum"), _prob=("_prob", "sum"), _score=("_score", "sum"),
        _scored=("_scored", "sum"))
    out = sums.sum().to_frame().T
    if keys:
        out[keys] = "(all)"
        out = pd.concat([out, sums.reset_index()], ignore_index=True)
    out["comments"] = out["comments"].astype(int)
    shares = [proportion_from_counts(int(k), int(n), confidence=c)
              for k, n in zip(out["_k"], out["comments"])]
    out["positive"] = [e.value for e in shares]
    out["ci_low"] = [e.ci_low for e in shares]
    out["ci_high"] = [e.ci_high for e in shares]
    out["probability"] = 100 * out["_prob"] / out["comments"]
    out["score_mean"] = out["_score"] / out["_scored"]
    return out[keys + ["comments", "score_mean", "positive", "ci_low", "ci_high", "probability"]]
