"""Sentiment adapted to your own writers: the shipped model, corrected with your labelled comments.

The shipped models (:mod:`cxlab.text.sentiment`) learnt from shopping reviews, tweets and the
like; your customers write their own way. Label a few hundred of your comments (negative /
neutral / positive), and :func:`adapt_sentiment` fits a correction on top of the shipped model:
the shipped logits stay as an offset and a multinomial logistic regression on the same
features learns only what your comments add, with an L2 penalty that keeps it at zero where
your comments say nothing (MAP adaptation with the shipped model as the prior; Chelba &
Acero 2006). A word your comments never use keeps the shipped weights, so a small labelled
set cannot make the model forget the rest.

:func:`adaptation_check` tells, before you switch, what the correction buys on *your*
comments: k-fold cross-validation (the correction fitted on k-1 folds, scored on the one it
did not see), against the shipped model on the same comments.

Scoring with an adapted model is as fast as with the shipped one: the correction is added into
the weights once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import softmax

from ..errors import DataValidationError
from ..metrics import proportion_from_counts
from .sentiment import CLASSES, RawFeatures, as_classes, logits, weights
from .tokens import language

__all__ = ["SentimentModel", "adapt_sentiment", "adaptation_check", "read_labelled", "from_labelled", "STRENGTH",
           "MIN_LABELLED", "CHECK_COLUMNS"]

#: Weight of your comments against the penalty (the C of a logistic regression): chosen on the
#: training sources only (``bench/sentiment_adapt.py``: a model fitted without cxlab's service
#: comments, corrected with some of them, scored on the rest).
STRENGTH = 1.0
#: Fewest labelled comments of a language for a correction of that language; below it, the
#: shipped model is kept for that language and :attr:`SentimentModel.about` says so.
MIN_LABELLED = 30
#: Columns of :func:`adaptation_check` and :func:`from_labelled`.
CHECK_COLUMNS = ["language", "model", "comments", "accuracy", "accuracy_ci_low", "accuracy_ci_high", "polar_accuracy",
                 "polar_accuracy_ci_low", "polar_accuracy_ci_high", "neutral_recall", "neutral_recall_ci_low", "neutral_recall_ci_high", "used"]


@dataclass(frozen=True)
class SentimentModel:
    """The sentiment model :func:`~cxlab.text.sentiment.sentiment_classes` uses when given one.

    ``models`` maps a language to its weights (the shipped arrays with the correction added);
    a language it lacks uses the shipped model. ``about`` says, per language, how many labelled
    comments of each class corrected it (``labelled`` 0: shipped model kept).
    """

    models: dict[str, dict] = field(default_factory=dict)
    about: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["language", "labelled", "negative",
                                                                             "neutral", "positive", "model"]))

    def weights(self, lang: str) -> dict:
        """The arrays for ``lang`` (the shipped ones where no correction was fitted)."""
        return self.models.get(lang) or weights(lang)


def _correction(x, z0: np.ndarray, y: np.ndarray, strength: float) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                                           np.ndarray]:
    """Minimise 0.5 |W|^2 + 0.5 |b|^2 + strength * sum_i CE(softmax(z0_i + x_i W^T + b), y_i).

    The softmax runs over the classes the labels use only: with positive and negative labels
    and no neutral ones, the correction learns which side a comment is on and leaves the
    neutral class as the shipped model has it (rather than learning that nothing is neutral).
    Only the feature columns used by ``x`` can move (the penalty holds the others at zero).
    Returns the classes (indices into ``CLASSES``), those columns, W (classes x columns) and b.
    """
    from scipy import optimize

    present = np.unique(y)
    pos = np.searchsorted(present, y)
    z0 = z0[:, present]
    used = np.unique(x.indices)
    xu = x[:, used].tocsr()
    k, m, rows = len(present), len(used), np.arange(len(y))
    onehot = np.zeros((len(y), k))
    onehot[rows, pos] = 1.0

    def loss(theta):
        w, b = theta[: k * m].reshape(k, m), theta[k * m:]
        p = softmax(z0 + np.asarray(xu @ w.T) + b, axis=1)
        ce = -np.log(np.clip(p[rows, pos], 1e-300, None)).sum()
        g = strength * (p - onehot)
        grad_w = np.asarray((xu.T @ g).T) + w
        return 0.5 * (theta @ theta) + strength * ce, np.r_[grad_w.ravel(), g.sum(axis=0) + b]

    res = optimize.minimize(loss, np.zeros(k * m + k), jac=True, method="L-BFGS-B", options={"maxiter": 2000})
    return present, used, res.x[: k * m].reshape(k, m), res.x[k * m:]


def _features(texts: list[str], lang: str, base: dict):
    """The model's feature rows of ``texts`` (computed once, sliced by the folds)."""
    return RawFeatures.of(texts, lang).matrix(base["idf"])


def _fit_language(x, y: np.ndarray, strength: float, base: dict) -> dict:
    """``base`` with the correction fitted on the feature rows ``x`` and class codes ``y`` added in."""
    present, used, w, b = _correction(x, logits(x, base), y, strength)
    coef = np.array(base["coef"], dtype=np.float32, copy=True)
    coef[np.ix_(present, used)] += w.astype(np.float32)
    intercept = np.array(base["intercept"], dtype=np.float64, copy=True)
    intercept[present] += b
    out = {"idf": base["idf"], "coef": coef, "intercept": intercept}
    out["coef_t"] = np.ascontiguousarray(coef.T, dtype=np.float64)
    return out


def _clean(texts, labels) -> tuple[list[str], np.ndarray, list[str]]:
    texts = ["" if t is None or (isinstance(t, float) and math.isnan(t)) else str(t) for t in texts]
    labels = list(labels)
    if len(texts) != len(labels):
        raise DataValidationError(f"{len(texts)} comments but {len(labels)} labels.")
    blank = [i for i, t in enumerate(texts) if not t.strip()]
    if blank:
        raise DataValidationError(f"{len(blank)} labelled comment(s) are blank (rows {[i + 1 for i in blank[:5]]}); "
                                  "remove them or write the comment.")
    try:
        y, _two = as_classes(labels)
    except ValueError as err:
        raise DataValidationError(str(err)) from None
    return texts, y, [language(t) for t in texts]


def adapt_sentiment(texts, labels, *, strength: float = STRENGTH, min_labelled: int = MIN_LABELLED,
                    base: SentimentModel | None = None, languages=("zh", "en")) -> SentimentModel:
    """The shipped sentiment model corrected with your own labelled comments.

    Parameters
    ----------
    texts : sequence of str
        Your comments, none blank; Chinese and English may be mixed (each comment's language is
        detected, and each language is corrected with its own comments).
    labels : sequence
        ``"negative"`` / ``"neutral"`` / ``"positive"`` per comment (or 1 positive / 0 negative).
        The correction learns between the classes your labels use: with no neutral labels it
        corrects which side a comment is on and leaves neutral as the shipped model reads it;
        label neutral comments too to correct that as well.
    strength : float
        How much your comments weigh against staying at the shipped model (see :data:`STRENGTH`).
    min_labelled : int
        Fewest comments of a language to correct it; below, that language keeps the shipped model.
    base : SentimentModel, optional
        The model to correct (by default the shipped one).
    languages : sequence of {"zh", "en"}
        The languages to correct; the others keep the model of ``base``.

    Returns
    -------
    SentimentModel
        Pass it as ``model=`` to :func:`~cxlab.text.sentiment.sentiment_classes`,
        :func:`~cxlab.text.sentiment.evaluate` or :func:`~cxlab.text.sentiment_summary`.

    Raises
    ------
    DataValidationError
        Blank comments, unknown labels, or as many labels as comments not given.
    """
    texts, y, langs = _clean(texts, labels)
    codes = pd.Categorical(y, categories=CLASSES).codes
    base = base or SentimentModel()
    models, about = {}, []
    for lang in ("zh", "en"):
        idx = [i for i, lg in enumerate(langs) if lg == lang]
        if not idx:
            continue
        counts = {c: int((y[idx] == c).sum()) for c in CLASSES}
        model = "shipped"
        if len(idx) >= min_labelled and lang in languages:
            arrays = base.weights(lang)
            models[lang] = _fit_language(_features([texts[i] for i in idx], lang, arrays), codes[idx], strength,
                                         arrays)
            model = "adapted"
        about.append({"language": lang, "labelled": len(idx), **counts, "model": model})
    return SentimentModel(models, pd.DataFrame(about))


def _folds(y: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """Fold of each comment, stratified by class (each class dealt round-robin after a shuffle)."""
    rng = np.random.default_rng(seed)
    out = np.empty(len(y), dtype=int)
    for c in CLASSES:
        idx = np.flatnonzero(y == c)
        out[rng.permutation(idx)] = np.arange(len(idx)) % folds
    return out


def _scores(name: str, p: np.ndarray, y: np.ndarray, confidence: float) -> dict:
    pred = np.array(CLASSES)[p.argmax(axis=1)]
    polar = y != "neutral"
    side = np.where(p[:, 2] > p[:, 0], "positive", "negative")
    cells = {"model": name, "comments": len(y)}
    for key, hit in (("accuracy", pred == y), ("polar_accuracy", side[polar] == y[polar]),
                     ("neutral_recall", pred[~polar] == "neutral")):
        e = proportion_from_counts(int(hit.sum()), len(hit), confidence=confidence) if len(hit) else None
        cells[key] = e.value if e else np.nan
        cells[f"{key}_ci_low"] = e.ci_low if e else np.nan
        cells[f"{key}_ci_high"] = e.ci_high if e else np.nan
    return cells


def _cross_validated(texts: list[str], y: np.ndarray, langs: list[str], *, folds: int, seed: int, strength: float,
                     base: SentimentModel | None, min_labelled: int) -> tuple[np.ndarray, np.ndarray]:
    """Each comment's probabilities under the shipped (``base``) model and under a correction fitted on the
    other folds; a language with fewer than ``min_labelled`` comments is not corrected (as in
    :func:`adapt_sentiment`)."""
    base = base or SentimentModel()
    fold = _folds(y, folds, seed)
    codes = pd.Categorical(y, categories=CLASSES).codes
    shipped, adapted_rows = np.empty((len(y), len(CLASSES))), np.empty((len(y), len(CLASSES)))
    for lang in ("zh", "en"):
        idx = np.array([i for i, lg in enumerate(langs) if lg == lang], dtype=int)
        if not len(idx):
            continue
        arrays = base.weights(lang)
        x = _features([texts[i] for i in idx], lang, arrays)  # once; each fold takes its rows
        shipped[idx] = adapted_rows[idx] = softmax(logits(x, arrays), axis=1)
        if len(idx) < min_labelled:
            continue
        for k in range(folds):
            train, test = fold[idx] != k, fold[idx] == k
            if train.any() and test.any():
                fitted = _fit_language(x[train], codes[idx[train]], strength, arrays)
                adapted_rows[idx[test]] = softmax(logits(x[test], fitted), axis=1)
    return shipped, adapted_rows


def adaptation_check(texts, labels, *, folds: int = 5, seed: int = 0, strength: float = STRENGTH,
                     min_labelled: int = MIN_LABELLED, confidence: float = 0.95,
                     base: SentimentModel | None = None) -> pd.DataFrame:
    """What correcting the model with your labelled comments buys, by k-fold cross-validation.

    Each comment is scored by a correction fitted on the other folds (never on itself) and by
    the shipped model, so the two compare like with like on your own writers. A language with
    fewer than ``min_labelled`` labelled comments is not corrected (its ``adapted`` row has no
    figures).

    Returns
    -------
    pandas.DataFrame
        Per language of the comments, two rows, ``model`` ``shipped`` and ``adapted``:
        ``comments``; ``accuracy`` (three classes), ``polar_accuracy`` (positive vs negative
        on the polar comments: the side with the higher probability) and ``neutral_recall``
        (neutral comments read as neutral), percent, each with a Wilson interval (``_ci_low``,
        ``_ci_high``); ``used``: the model :func:`from_labelled` reads with (the corrected one
        where its cross-validated accuracy is at least the shipped one's).
    """
    texts, y, langs = _clean(texts, labels)
    if folds < 2 or len(y) < 2 * folds:
        raise DataValidationError(f"Cross-validation in {folds} folds needs at least {2 * folds} labelled comments; "
                                  f"got {len(y)}.")
    shipped, adapted = _cross_validated(texts, y, langs, folds=folds, seed=seed, strength=strength, base=base,
                                        min_labelled=min_labelled)
    rows = []
    for lang in ("zh", "en"):
        idx = np.array([i for i, lg in enumerate(langs) if lg == lang], dtype=int)
        if not len(idx):
            continue
        pair = [{"language": lang, **_scores(name, p[idx], y[idx], confidence)}
                for name, p in (("shipped", shipped), ("adapted", adapted))]
        if len(idx) < min_labelled:  # not corrected: the adapted row says so with no figures
            pair[1] = {"language": lang, "model": "adapted", "comments": len(idx)}
        better = len(idx) >= min_labelled and pair[1]["accuracy"] >= pair[0]["accuracy"]
        pair[0]["used"], pair[1]["used"] = not better, better
        rows += pair
    return pd.DataFrame(rows, columns=CHECK_COLUMNS)


def read_labelled(path: str | Path) -> pd.DataFrame:
    """Your labelled comments from a CSV (UTF-8 or GBK, detected) or Excel file with ``text`` and ``label`` columns
    (also read: 评论 / 内容 for the text, 标签 / 情感 for the label; labels 负面 / 中性 / 正面 are
    understood). Returns ``text`` and ``label`` (class names)."""
    from ..data.sources import read_source

    path = Path(path)
    frame = read_source(path)
    names = {"text": ("text", "comment", "评论", "内容", "文本"), "label": ("label", "sentiment", "标签", "情感")}
    found = {}
    for want, options in names.items():
        hit = [c for c in frame.columns if str(c).strip().lower() in options]
        if not hit:
            raise DataValidationError(f"{path.name}: no {want} column (looked for {', '.join(options)}); "
                                      f"its columns are {[str(c) for c in frame.columns]}.")
        found[want] = hit[0]
    zh_names = {"负面": "negative", "中性": "neutral", "正面": "positive", "消极": "negative", "积极": "positive"}
    labels = frame[found["label"]].map(lambda v: zh_names.get(str(v).strip(), str(v).strip().lower())
                                       if isinstance(v, str) else v)
    out = pd.DataFrame({"text": frame[found["text"]], "label": labels})
    blank = out["text"].isna() | out["text"].astype(str).str.strip().eq("") | out["label"].isna()
    if blank.any():
        rows = (out.index[blank] + 2).tolist()[:5]  # the header is line 1
        raise DataValidationError(f"{path.name}: {int(blank.sum())} row(s) without a comment or a label "
                                  f"(lines {rows}); fill or remove them.")
    known = out["label"].map(lambda v: v in CLASSES or (not isinstance(v, str) and v in (0, 1)))
    if not known.all():
        lines = (out.index[~known] + 2).tolist()[:5]
        bad = sorted({str(v) for v in out.loc[~known, "label"]})[:5]
        raise DataValidationError(f"{path.name}: labels must be negative / neutral / positive (or 负面 / 中性 / 正面, "
                                  f"or 1 / 0); {bad} on lines {lines}. Correct those labels.")
    return out.reset_index(drop=True)


def from_labelled(path: str | Path | None, *, folds: int = 5, seed: int = 0) -> tuple[SentimentModel | None, pd.DataFrame]:
    """The model a report reads sentiment with, and how it does: the comments report's ``sentiment_labels``.

    With no file (``path`` empty), the shipped model (``None``) and a one-row table saying so
    (``model`` ``shipped``, ``comments`` 0). With a file of your labelled comments
    (:func:`read_labelled`), the :func:`adaptation_check` of the shipped and the corrected
    model on them (cross-validated, so the corrected model is never scored on a comment it
    learnt from), and the model corrected with all of them in each language where the check
    found the correction at least as accurate as the shipped model (the ``used`` column); where
    it did not, that language keeps the shipped model.
    """
    if not path:
        return None, pd.DataFrame([{"model": "shipped", "comments": 0, "used": True}], columns=CHECK_COLUMNS)
    from .._paths import resolve

    labelled = read_labelled(resolve(path))
    check = adaptation_check(labelled["text"], labelled["label"], folds=folds, seed=seed)
    keep = tuple(check.loc[(check["model"] == "adapted") & check["used"].astype(bool), "language"])
    model = adapt_sentiment(labelled["text"], labelled["label"], languages=keep) if keep else None
    return model, check
