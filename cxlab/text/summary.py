"""Sentiment next to the score: negative / neutral / positive shares per segment, from counts and sums."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..data.schemas import label_blanks
from .._checks import check_confidence, require_columns
from ..metrics import proportion_from_counts
from .sentiment import CLASSES, sentiment_classes

__all__ = ["sentiment_summary"]


def sentiment_summary(data: pd.DataFrame, *, text: str = "comment", score: str = "csat",
                      by: str | Sequence[str] | None = None, confidence: float = 0.95,
                      model=None) -> pd.DataFrame:
    """Sentiment next to the score: per segment, the shares of negative, neutral and positive comments.

    Each comment is classed once (:func:`cxlab.text.sentiment.sentiment_classes`); the table is
    built from per-segment counts and sums. A neutral comment counts as neutral, never forced
    to a side. ``model``: a model corrected with your own labelled comments
    (:func:`cxlab.text.adapt_sentiment`); by default the shipped one.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns (if given), ``comments`` (non-blank comments), ``score_mean`` (mean score
        of those comments' answers), then for each class ``negative``, ``neutral``, ``positive``:
        the count ``n_<class>``, the share (percent of the comments, named by the class) and its
        Wilson interval ``<class>_ci_low``/``<class>_ci_high``; ``mixed`` (percent of comments
        with a strong positive and a strong negative clause) and ``probability`` (mean
        probability of positive, percent). A ``"(all)"`` row comes first when ``by`` is given.
    """
    keys = [by] if isinstance(by, str) else list(by or [])
    require_columns(data, [text, score] + keys)
    c = check_confidence(confidence)
    has_text = data[text].astype("string").str.strip().fillna("").ne("").to_numpy()
    rows = data.loc[has_text, keys + [score]].copy()
    for k in keys:  # a blank segment is the labelled group "(blank)", never dropped
        rows[k] = label_blanks(rows[k])
    got = sentiment_classes(data.loc[has_text, text].astype(str).tolist(), model=model)
    rows["_prob"] = got["positive"].to_numpy()
    for cls in CLASSES:
        rows[f"n_{cls}"] = (got["sentiment"] == cls).to_numpy().astype(float)
    rows["_mixed"] = got["mixed"].to_numpy().astype(float)
    rows["_score"] = pd.to_numeric(rows[score], errors="coerce")
    rows["_scored"] = rows["_score"].notna().astype(float)
    # Sums per segment; the "(all)" row is the sum of the segments' sums.
    sums = rows.groupby(keys or (lambda _: 0), observed=True, sort=True).agg(
        comments=("_prob", "count"), _prob=("_prob", "sum"), _score=("_score", "sum"), _scored=("_scored", "sum"),
        _mixed=("_mixed", "sum"), **{f"n_{cls}": (f"n_{cls}", "sum") for cls in CLASSES})
    out = sums.sum().to_frame().T
    if keys:
        out[keys] = "(all)"
        out = pd.concat([out, sums.reset_index()], ignore_index=True)
    out["comments"] = out["comments"].astype(int)
    columns = []
    for cls in CLASSES:
        out[f"n_{cls}"] = out[f"n_{cls}"].astype(int)
        shares = [proportion_from_counts(int(k), int(n), confidence=c)
                  for k, n in zip(out[f"n_{cls}"], out["comments"])]
        out[cls] = [e.value for e in shares]
        out[f"{cls}_ci_low"] = [e.ci_low for e in shares]
        out[f"{cls}_ci_high"] = [e.ci_high for e in shares]
        columns += [f"n_{cls}", cls, f"{cls}_ci_low", f"{cls}_ci_high"]
    out["mixed"] = 100 * out["_mixed"] / out["comments"]
    out["probability"] = 100 * out["_prob"] / out["comments"]
    out["score_mean"] = out["_score"] / out["_scored"]
    return out[keys + ["comments", "score_mean", *columns, "mixed", "probability"]]
