"""What low-score comments are about: keywords, phrases and topics, each against the high scores.

All three read the same split of the comments into low- and high-score ones (per segment
when asked), from the score given with the comment.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..data.schemas import label_blanks
from .._checks import optional_import, require_columns
from .pii import mask
from .tokens import join_words, stop_words, tokenize

__all__ = ["keywords", "phrases", "topics"]


def _low_high(data: pd.DataFrame, *, text: str, score: str, low: Sequence[int], high: Sequence[int],
              by: str | None = None) -> list[tuple[object, pd.Series, pd.Series]]:
    """Per segment (one group of all rows when ``by`` is None): its low- and high-score comments."""
    require_columns(data, [text, score] + ([by] if by else []))
    frame = data[data[text].notna()]
    if by is not None:  # a blank segment is the labelled group "(blank)", never dropped
        frame = frame.assign(**{by: label_blanks(frame[by])})
    groups = [(None, frame)] if by is None else list(frame.groupby(by, observed=True))
    out = []
    for level, part in groups:
        s = part[score].astype("Float64")
        out.append((level, part[text][s.isin(list(low)).fillna(False).to_numpy(dtype=bool)],
                    part[text][s.isin(list(high)).fillna(False).to_numpy(dtype=bool)]))
    return out


def keywords(data: pd.DataFrame, *, text: str = "comment", score: str = "csat", low: Sequence[int] = (1, 2),
             high: Sequence[int] = (4, 5), by: str | None = None, top: int = 15, min_count: int = 3) -> pd.DataFrame:
    """Words that separate low-score comments from high-score ones (weighted log-odds, informative prior).

    Parameters
    ----------
    data : pandas.DataFrame
        Rows with a comment and a score.
    text, score : str
        The comment and score columns.
    low, high : sequence of int
        Scores counted as low and as high.
    by : str, optional
        Repeat per segment (journey stage, channel ...).
    top : int
        Words kept per side (and segment).
    min_count : int
        Words seen fewer times overall are left out.

    Returns
    -------
    pandas.DataFrame
        ``by`` (if given), ``side`` (``"low"`` or ``"high"``), ``word``, ``count_low``,
        ``count_high``, ``log_odds`` (low versus high), ``z`` (its z-score): the strongest
        words of each side.

    Notes
    -----
    Monroe, Colaresi & Quinn (2008), "Fightin' Words": with counts y_w in the low and
    high comments and a Dirichlet prior alpha_w proportional to the word's frequency in
    all comments (alpha_0 = total count / 10), delta_w = log((y_lo + a) / (n_lo + a0 - y_lo - a))
    - log((y_hi + a) / (n_hi + a0 - y_hi - a)), var = 1 / (y_lo + a) + 1 / (y_hi + a), z = delta / sqrt(var).
    """
    parts = []
    for level, low_comments, high_comments in _low_high(data, text=text, score=score, low=low, high=high, by=by):
        lo_counts, hi_counts = Counter(), Counter()
        for comment in low_comments:
            lo_counts.update(tokenize(comment))
        for comment in high_comments:
            hi_counts.update(tokenize(comment))
        vocab = [w for w in set(lo_counts) | set(hi_counts) if lo_counts[w] + hi_counts[w] >= min_count]
        if not vocab:
            continue
        y_lo = np.array([lo_counts[w] for w in vocab], dtype=float)
        y_hi = np.array([hi_counts[w] for w in vocab], dtype=float)
        total = y_lo + y_hi
        a0 = total.sum() / 10
        a = a0 * total / total.sum()
        n_lo, n_hi = y_lo.sum(), y_hi.sum()
        delta = np.log((y_lo + a) / (n_lo + a0 - y_lo - a)) - np.log((y_hi + a) / (n_hi + a0 - y_hi - a))
        z = delta / np.sqrt(1 / (y_lo + a) + 1 / (y_hi + a))
        table = pd.DataFrame({"word": vocab, "count_low": y_lo.astype(int), "count_high": y_hi.astype(int),
                              "log_odds": delta, "z": z})
        lows = table.nlargest(top, "z").assign(side="low")
        highs = table.nsmallest(top, "z").assign(side="high")
        out = pd.concat([lows, highs], ignore_index=True)
        if by is not None:
            out.insert(0, by, level)
        parts.append(out)
    cols = ([by] if by else []) + ["side", "word", "count_low", "count_high", "log_odds", "z"]
    return pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)


_CLAUSE = re.compile(r"[，。！？、；：,.!?;:()（）\[\]【】\n]+")


def _phrases_of(comment: str, sizes: Sequence[int], stop: frozenset[str]) -> set[str]:
    """Distinct word n-grams of one comment, within a clause, neither starting nor ending with a stop word."""
    found = set()
    for clause in _CLAUSE.split(comment):
        words = tokenize(clause, stopwords=False)
        for k in sizes:
            for i in range(len(words) - k + 1):
                gram = words[i:i + k]
                if gram[0] not in stop and gram[-1] not in stop:
                    found.add(join_words(gram))
    return found


def phrases(data: pd.DataFrame, *, text: str = "comment", score: str = "csat", low: Sequence[int] = (1, 2),
            high: Sequence[int] = (4, 5), by: str | None = None, sizes: Sequence[int] = (2, 3), top: int = 10,
            min_count: int = 3, overlap: float = 0.8) -> pd.DataFrame:
    """Frequent phrases of low-score comments: word n-grams within a clause, counted once per comment.

    Phrases are picked most frequent first; one that mostly occurs in the same comments as a
    phrase already picked (``overlap`` of the smaller set or more, e.g. "回复很慢" beside
    "公众号回复") is left out, so each row says something new.

    Returns
    -------
    pandas.DataFrame
        ``by`` (if given), ``phrase``, ``comments`` (low-score comments holding it),
        ``share_low`` and ``share_high`` (percent of the low- and high-score comments holding
        it), ``ratio`` (share_low / share_high, with half a comment added to the high count so
        a phrase never seen in high scores stays finite): up to ``top`` per group, each seen in
        at least ``min_count`` low-score comments.
    """
    stop = stop_words()
    parts = []
    for level, low_comments, high_comments in _low_high(data, text=text, score=score, low=low, high=high, by=by):
        holders: dict[str, list[int]] = {}
        for i, comment in enumerate(low_comments):
            for p in _phrases_of(comment, sizes, stop):
                holders.setdefault(p, []).append(i)
        hi = Counter()
        for comment in high_comments:
            hi.update(_phrases_of(comment, sizes, stop))
        ranked = sorted((p for p, ids in holders.items() if len(ids) >= min_count),
                        key=lambda p: (-len(holders[p]), -len(p), p))
        kept: list[str] = []
        for p in ranked:
            ids = set(holders[p])
            if all(len(ids & set(holders[q])) < overlap * min(len(ids), len(holders[q])) for q in kept):
                kept.append(p)
            if len(kept) == top:
                break
        n_lo, n_hi = max(len(low_comments), 1), max(len(high_comments), 1)
        out = pd.DataFrame({"phrase": kept, "comments": [len(holders[p]) for p in kept]})
        out["share_low"] = 100 * out["comments"] / n_lo
        out["share_high"] = [100 * hi[p] / n_hi for p in kept]
        out["ratio"] = out["share_low"] / (100 * (np.array([hi[p] for p in kept], dtype=float) + 0.5) / n_hi)
        if by is not None:
            out.insert(0, by, level)
        parts.append(out)
    cols = ([by] if by else []) + ["phrase", "comments", "share_low", "share_high", "ratio"]
    return pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)


def topics(data: pd.DataFrame, *, text: str = "comment", score: str = "csat", low: Sequence[int] = (1, 2),
           n_topics: int = 5, top_terms: int = 8, examples: int = 3, seed: int = 0) -> pd.DataFrame:
    """Themes of the low-score comments: NMF on TF-IDF of their words, stable under ``seed``.

    Returns
    -------
    pandas.DataFrame
        One row per topic, largest first: ``topic``, ``comments`` (how many comments it
        leads), ``share`` (percent of the low-score comments), ``terms`` (its top words) and
        ``examples`` (masked comments that belong to it most).
    """
    optional_import("sklearn", "text")
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    chosen = _low_high(data, text=text, score=score, low=low, high=())[0][1]
    docs = [" ".join(tokenize(t)) for t in chosen]
    keep = [i for i, d in enumerate(docs) if d]
    if len(keep) < n_topics * 5:
        raise ValueError(f"Only {len(keep)} low-score comments with words; topics need at least {n_topics * 5}.")
    docs = [docs[i] for i in keep]
    originals = mask(chosen.iloc[keep].astype("string")).tolist()
    vec = TfidfVectorizer(analyzer=str.split, min_df=2)
    X = vec.fit_transform(docs)
    model = NMF(n_components=n_topics, init="nndsvda", random_state=seed, max_iter=500)
    W = model.fit_transform(X)
    terms = np.asarray(vec.get_feature_names_out())
    lead = W.argmax(axis=1)
    rows = []
    for k in range(n_topics):
        members = np.flatnonzero(lead == k)
        ranked = [originals[i] for i in members[np.argsort(-W[members, k])]]
        distinct = list(dict.fromkeys(ranked))[:examples]  # different comments, not one repeated
        rows.append({"topic": k + 1, "comments": int(len(members)), "share": 100 * len(members) / len(docs),
                     "terms": " ".join(terms[np.argsort(-model.components_[k])][:top_terms]),
                     "examples": " | ".join(distinct)})
    out = pd.DataFrame(rows).sort_values("comments", ascending=False, ignore_index=True)
    out["topic"] = np.arange(1, len(out) + 1)
    return out
