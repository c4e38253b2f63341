"""Customer comments: personal-data masking first, then words, keywords, topics and sentiment.

Everything runs offline. Masking is applied before a comment reaches any report, table,
page or export (GDPR and PIPL). The Chinese tokeniser is jieba with a CX dictionary shipped
in the package (``pip install 'cxlab[text]'``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ._checks import optional_import, require_columns
from .sentiment import sentiment

__all__ = ["mask", "find_personal_data", "PERSONAL_DATA", "language", "tokenize", "keywords", "topics",
           "masking_summary", "phrases", "sentiment", "sentiment_summary"]

# --------------------------------------------------------------------------------------
# Personal data
# --------------------------------------------------------------------------------------

_SEP = r"[ \-]?"
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
# A run of digits (with single spaces or dashes between groups) not glued to other digits
# or to Latin letters (so numbers inside order ids such as ORD2026... stay as they are).
_NOT_FRACTION = r"(?<![0-9]\.)"  # digits after "1." are a decimal fraction, not an id
_ID = re.compile(_NOT_FRACTION + r"(?<![A-Za-z0-9])(\d{6}" + _SEP + r"\d{8}" + _SEP + r"\d{3}[\dXx])(?![A-Za-z0-9])")
_CARD = re.compile(_NOT_FRACTION + r"(?<![A-Za-z0-9])(\d(?:" + _SEP + r"\d){14,18})(?![A-Za-z0-9])")
# Phones may follow a word ("tel13812345678") but not run into one ("SN13812345678X" is an id).
_MOBILE = re.compile(_NOT_FRACTION + r"(?<![0-9])((?:\+?86" + _SEP + r")?1[3-9]\d" + _SEP + r"\d{4}" + _SEP + r"\d{4})(?![A-Za-z0-9])")
_LANDLINE = re.compile(_NOT_FRACTION + r"(?<![0-9])(0\d{2,3}" + _SEP + r"\d{7,8})(?![A-Za-z0-9])")

#: Label shown in place of each kind of personal data.
PERSONAL_DATA = {"email": "[邮箱]", "id_card": "[身份证号]", "bank_card": "[银行卡号]", "mobile": "[手机号]",
                 "landline": "[座机]"}

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _digits(text: str) -> str:
    return re.sub(r"[^0-9Xx]", "", text)


def _valid_id(number: str) -> bool:
    """Mainland resident ID: 17 digits, a birth date, and the ISO 7064 MOD 11-2 check character."""
    d = _digits(number).upper()
    if len(d) != 18 or not d[:17].isdigit():
        return False
    year, month, day = int(d[6:10]), int(d[10:12]), int(d[12:14])
    if not (1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31):
        return False
    return "10X98765432"[sum(int(c) * w for c, w in zip(d[:17], _ID_WEIGHTS)) % 11] == d[17]


def _luhn(number: str) -> bool:
    d = [int(c) for c in _digits(number) if c.isdigit()]
    if not 15 <= len(d) <= 19:
        return False
    total = 0
    for i, x in enumerate(reversed(d)):
        if i % 2 == 1:
            x *= 2
            x -= 9 if x > 9 else 0
        total += x
    return total % 10 == 0


def _spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of every personal-data item, longest-validated kinds first, no overlaps."""
    found: list[tuple[int, int, str]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e, _ in found)

    for m in _EMAIL.finditer(text):
        found.append((m.start(), m.end(), "email"))
    for m in _ID.finditer(text):
        if _valid_id(m.group(1)) and free(m.start(1), m.end(1)):
            found.append((m.start(1), m.end(1), "id_card"))
    # phones before cards: an 11-digit mobile is what it looks like; cards need 15-19 digits
    for pattern, kind in ((_MOBILE, "mobile"), (_LANDLINE, "landline")):
        for m in pattern.finditer(text):
            if free(m.start(1), m.end(1)):
                found.append((m.start(1), m.end(1), kind))
    for m in _CARD.finditer(text):
        if _luhn(m.group(1)) and free(m.start(1), m.end(1)):
            found.append((m.start(1), m.end(1), "bank_card"))
    return sorted(found)


def find_personal_data(text: str) -> list[tuple[str, str]]:
    """The personal-data items in ``text`` as ``(kind, text)`` pairs."""
    return [(kind, text[a:b]) for a, b, kind in _spans(text)]


def _mask_one(text: str, counts: Counter) -> str:
    # Masking one item can expose another (an ID glued to a phone number becomes visible once
    # the phone is replaced), so repeat until nothing is found.
    for _ in range(8):
        spans = _spans(text)
        if not spans:
            return text
        out, last = [], 0
        for a, b, kind in spans:
            out += [text[last:a], PERSONAL_DATA[kind]]
            counts[kind] += 1
            last = b
        out.append(text[last:])
        text = "".join(out)
    return text


def mask(text):
    """Replace phone numbers, landlines, ID-card and bank-card numbers and e-mail addresses by labels.

    Parameters
    ----------
    text : str or pandas.Series
        One comment, or a column of them (missing values stay missing).

    Returns
    -------
    str or pandas.Series
        The masked text. For a Series, ``attrs["masked"]`` counts what was masked, by kind.

    Notes
    -----
    ID-card numbers must carry a valid check character (GB 11643-1999) and a plausible
    birth date, and bank-card numbers must pass the Luhn check, so ordinary long numbers
    (amounts, order numbers) are left alone; digits glued to Latin letters (order ids)
    are never taken for personal data. Numbers written straight against Chinese
    characters, or with spaces or dashes between digit groups, are found.

    Examples
    --------
    >>> mask("请回电13812345678或发邮件到a.b@example.com")
    '请回电[手机号]或发邮件到[邮箱]'
    """
    if isinstance(text, pd.Series):
        counts: Counter = Counter()
        values = [v if not isinstance(v, str) else _mask_one(v, counts) for v in text.tolist()]
        out = pd.Series(values, index=text.index, name=text.name, dtype=text.dtype)
        out.attrs["masked"] = {kind: int(counts.get(kind, 0)) for kind in PERSONAL_DATA}
        return out
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return text
    return _mask_one(str(text), Counter())


# --------------------------------------------------------------------------------------
# Words
# --------------------------------------------------------------------------------------

_RESOURCES = Path(__file__).with_name("resources")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_EN_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]+")
_jieba = None


def language(text: str) -> str:
    """``"zh"`` when at least a fifth of the letters are Chinese characters, else ``"en"``."""
    letters = [c for c in str(text) if c.isalpha()]
    if not letters:
        return "en"
    return "zh" if sum(bool(_CJK.match(c)) for c in letters) / len(letters) >= 0.2 else "en"


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    words = set()
    for name in ("stopwords_zh.txt", "stopwords_en.txt"):
        words |= {w.strip() for w in (_RESOURCES / name).read_text(encoding="utf-8").splitlines() if w.strip()}
    return frozenset(words)


def _tokenizer():
    global _jieba
    if _jieba is None:
        jieba = optional_import("jieba", "text")
        import logging

        jieba.setLogLevel(logging.WARNING)
        tk = jieba.Tokenizer()
        tk.load_userdict(str(_RESOURCES / "cx_dict.txt"))
        _jieba = tk
    return _jieba


def tokenize(text: str, *, stopwords: bool = True) -> list[str]:
    """Words of one comment: jieba (with cxlab's CX dictionary) for Chinese, word tokens for English.

    Personal data is masked first and its labels are dropped; English words are lower-cased.

    Examples
    --------
    >>> tokenize("转人工等了半小时，一次解决率太低")
    ['转人工', '等', '半小时', '一次解决率', '太低']
    """
    if not isinstance(text, str) or not text.strip():
        return []
    clean = mask(text)
    for label in PERSONAL_DATA.values():
        clean = clean.replace(label, " ")
    stop = _stopwords() if stopwords else set()
    words: list[str] = []
    for chunk in re.split(r"([A-Za-z][A-Za-z'\-]+)", clean):
        if _EN_WORD.fullmatch(chunk or ""):
            w = chunk.lower()
            if w not in stop and len(w) > 1:
                words.append(w)
        elif _CJK.search(chunk or ""):
            for w in _tokenizer().lcut(chunk):
                w = w.strip()
                if w and _CJK.search(w) and w not in stop:
                    words.append(w)
    return words


def _low_high(data: pd.DataFrame, *, text: str, score: str, low: Sequence[int], high: Sequence[int],
              by: str | None = None) -> list[tuple[object, pd.Series, pd.Series]]:
    """Per segment (one group of all rows when ``by`` is None): its low- and high-score comments."""
    require_columns(data, [text, score] + ([by] if by else []))
    frame = data[data[text].notna()]
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
                    found.add(_join(gram))
    return found


def _join(words: Sequence[str]) -> str:
    """Words back into a phrase: a space only between two non-Chinese words ("app 闪退" stays "app闪退")."""
    out = words[0]
    for prev, word in zip(words, words[1:]):
        out += (" " if not (_CJK.search(prev) or _CJK.search(word)) else "") + word
    return out


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
    stop = _stopwords()
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


def masking_summary(data: pd.DataFrame, *, text: str = "comment") -> pd.DataFrame:
    """How many personal-data items of each kind the comments hold (all of them masked in reports)."""
    require_columns(data, [text])
    counts = mask(data[text].astype("string")).attrs["masked"]
    total = int(data[text].notna().sum())
    return pd.DataFrame({"kind": list(counts), "label": [PERSONAL_DATA[k] for k in counts],
                         "items": list(counts.values()), "comments": total})


def sentiment_summary(data: pd.DataFrame, *, text: str = "comment", score: str = "csat",
                      by: str | Sequence[str] | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Sentiment next to the score: per segment, how positive the comments are and the mean score.

    Each comment is scored once (:func:`sentiment`); the table is built from per-segment
    counts and sums.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns (if given), ``comments`` (non-blank comments), ``score_mean`` (mean
        score of those comments' answers), ``positive`` (percent of comments read as positive,
        probability > 0.5) with its Wilson interval ``ci_low``/``ci_high``, and
        ``probability`` (mean probability of positive, percent). A ``"(all)"`` row comes first
        when ``by`` is given.
    """
    from ._checks import check_confidence
    from .stats.estimates import proportion_interval as _proportion_arrays  # noqa: the text branch renames it

    keys = [by] if isinstance(by, str) else list(by or [])
    require_columns(data, [text, score] + keys)
    c = check_confidence(confidence)
    has_text = data[text].astype("string").str.strip().fillna("").ne("").to_numpy()
    rows = data.loc[has_text, keys + [score]].copy()
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
    share, lo, hi, _ = _proportion_arrays(out["_k"], out["comments"], c, "wilson")
    out["positive"], out["ci_low"], out["ci_high"] = 100 * share, 100 * lo, 100 * hi
    out["probability"] = 100 * out["_prob"] / out["comments"]
    out["score_mean"] = out["_score"] / out["_scored"]
    return out[keys + ["comments", "score_mean", "positive", "ci_low", "ci_high", "probability"]]
