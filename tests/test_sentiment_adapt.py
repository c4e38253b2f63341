"""Sentiment corrected with a team's own labelled comments (cxlab.text.adapt, issue 15)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxlab import text
from cxlab.errors import DataValidationError
from cxlab.text import adapt

pytest.importorskip("sklearn")

# A team whose customers praise in plain words: what the shipped model misreads (regression
# data written for this test; none of it is in the cross-domain or held-out sets).
PLAIN_PRAISE = ["师傅准时上门", "师傅准时上门，十分钟修好", "准时上门，没让我等", "上门很准时",
                "师傅准点到的", "约的九点，九点就到了"]
COMPLAINTS = ["等了三天没人上门", "说好上门结果没来", "约了两次都没来", "师傅没来也没打电话",
              "又改期了", "到现在还没人联系我"]
NEUTRAL = ["就那样", "一般", "没什么感觉", "普通", "还可以", "正常"]


def _team(repeat: int = 4) -> tuple[list[str], list[str]]:
    texts = (PLAIN_PRAISE + COMPLAINTS + NEUTRAL) * repeat
    labels = (["positive"] * 6 + ["negative"] * 6 + ["neutral"] * 6) * repeat
    return texts, labels


def test_correction_learns_the_teams_writing_and_keeps_the_rest():
    texts, labels = _team()
    model = text.adapt_sentiment(texts, labels)
    got = text.sentiment_classes(["师傅准时上门，十分钟修好", "说好上门结果没来"], model=model)
    assert got["sentiment"].tolist() == ["positive", "negative"]
    # comments unlike the team's keep the shipped reading
    other = ["客服态度恶劣，非常失望", "非常满意，服务很好"]
    shipped = text.sentiment_classes(other)["sentiment"].tolist()
    assert text.sentiment_classes(other, model=model)["sentiment"].tolist() == shipped == ["negative", "positive"]
    about = model.about.set_index("language")
    assert about.loc["zh", "labelled"] == len(texts) and about.loc["zh", "model"] == "adapted"
    assert about.loc["zh", ["negative", "neutral", "positive"]].tolist() == [24, 24, 24]


def test_zero_strength_is_the_shipped_model():
    texts, labels = _team(2)
    model = text.adapt_sentiment(texts, labels, strength=0.0)
    probe = ["师傅准时上门", "Waited an hour and nobody helped", "还行吧"]
    a = text.sentiment_classes(probe, model=model)[["negative", "neutral", "positive"]].to_numpy()
    b = text.sentiment_classes(probe)[["negative", "neutral", "positive"]].to_numpy()
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_a_language_with_too_few_labels_keeps_the_shipped_model():
    texts, labels = _team(2)
    texts, labels = texts + ["Great help"] * 3, labels + ["positive"] * 3
    model = text.adapt_sentiment(texts, labels)
    about = model.about.set_index("language")
    assert about.loc["en", "labelled"] == 3 and about.loc["en", "model"] == "shipped"
    assert "en" not in model.models
    probe = ["The agent was rude and unhelpful"]
    np.testing.assert_allclose(text.sentiment_classes(probe, model=model)["negative"],
                               text.sentiment_classes(probe)["negative"])


def test_the_correction_is_the_optimum_of_its_objective():
    # The L-BFGS result against scipy's own numerical gradient of the same objective at that point
    # (an outside check of the analytic gradient) and against a perturbed point.
    from scipy import optimize, sparse

    rng = np.random.default_rng(0)
    x = sparse.random(40, 30, density=0.2, random_state=1, format="csr")
    z0 = rng.normal(size=(40, 3))
    y = rng.integers(0, 3, size=40)
    present, used, w, b = adapt._correction(x, z0, y, 2.0)
    assert present.tolist() == [0, 1, 2]
    k, m = 3, len(used)
    xu = x[:, used].tocsr()

    def f(theta):
        ww, bb = theta[: k * m].reshape(k, m), theta[k * m:]
        z = z0 + np.asarray(xu @ ww.T) + bb
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return 0.5 * theta @ theta - 2.0 * logp[np.arange(40), y].sum()

    theta = np.r_[w.ravel(), b]
    grad = optimize.approx_fprime(theta, f, 1e-7)
    assert np.abs(grad).max() < 1e-3
    assert f(theta) < f(theta + 0.01 * rng.normal(size=theta.size))


def test_two_class_labels_correct_the_side_and_leave_neutral_alone():
    # no neutral labels: the neutral row of the weights is the shipped one, so a team that labels only
    # positive and negative comments does not teach the model that nothing is neutral
    texts, labels = _team(4)
    keep = [i for i, lab in enumerate(labels) if lab != "neutral"]
    model = text.adapt_sentiment([texts[i] for i in keep], [1 if labels[i] == "positive" else 0 for i in keep])
    shipped = text.sentiment_classes.__globals__["weights"]("zh")
    np.testing.assert_array_equal(model.models["zh"]["coef"][1], shipped["coef"][1])
    assert model.models["zh"]["intercept"][1] == shipped["intercept"][1]
    assert not np.array_equal(model.models["zh"]["coef"][2], shipped["coef"][2])
    assert text.sentiment_classes(["师傅准时上门，十分钟修好"], model=model)["sentiment"].iloc[0] == "positive"
    assert text.sentiment_classes(["还行吧"], model=model)["sentiment"].iloc[0] == "neutral"


def test_adaptation_check_scores_every_comment_out_of_fold():
    texts, labels = _team(3)
    check = text.adaptation_check(texts, labels, folds=3)
    assert check["model"].tolist() == ["shipped", "adapted"] and check["language"].tolist() == ["zh", "zh"]
    assert (check["comments"] == len(texts)).all()
    row = check.set_index("model")
    assert row.loc["adapted", "accuracy"] > row.loc["shipped", "accuracy"]
    assert row["used"].tolist() == [False, True]
    for key in ("accuracy", "polar_accuracy", "neutral_recall"):
        assert ((row[f"{key}_ci_low"] <= row[key]) & (row[key] <= row[f"{key}_ci_high"])).all()


def test_bad_labelled_comments_get_clear_errors(tmp_path):
    with pytest.raises(DataValidationError, match="2 comments but 1 labels"):
        text.adapt_sentiment(["好", "差"], ["positive"])
    with pytest.raises(DataValidationError, match=r"blank \(rows \[2\]\)"):
        text.adapt_sentiment(["好", " "], ["positive", "negative"])
    with pytest.raises(DataValidationError, match="Labels must be"):
        text.adapt_sentiment(["好", "差"], ["good", "bad"])
    with pytest.raises(DataValidationError, match="at least 10"):
        text.adaptation_check(["好", "差"] * 4, ["positive", "negative"] * 4)
    with pytest.raises(TypeError, match="SentimentModel"):
        text.sentiment_classes(["好"], model="mine.npz")


def test_read_labelled_gbk_csv_with_chinese_headers(tmp_path):
    path = tmp_path / "标注.csv"
    pd.DataFrame({"评论": ["师傅准时上门", "没人来", "一般"], "标签": ["正面", "负面", "中性"]}).to_csv(
        path, index=False, encoding="gbk")
    got = text.read_labelled(path)
    assert got["label"].tolist() == ["positive", "negative", "neutral"]
    assert got["text"].tolist() == ["师傅准时上门", "没人来", "一般"]
    pd.DataFrame({"评论": ["好", None], "标签": ["正面", "负面"]}).to_csv(path, index=False, encoding="gbk")
    with pytest.raises(DataValidationError, match=r"1 row\(s\) without a comment or a label \(lines \[3\]\)"):
        text.read_labelled(path)
    pd.DataFrame({"words": ["好"]}).to_csv(path, index=False)
    with pytest.raises(DataValidationError, match="no text column"):
        text.read_labelled(path)


def test_summary_and_evaluate_take_the_model():
    texts, labels = _team(2)
    model = text.adapt_sentiment(texts, labels)
    data = pd.DataFrame({"comment": PLAIN_PRAISE + COMPLAINTS, "csat": [5] * 6 + [1] * 6})
    got = text.sentiment_summary(data, score="csat", model=model)
    assert int(got["n_positive"].iloc[0]) == 6 and int(got["n_negative"].iloc[0]) == 6
    assert text.evaluate(texts, labels, model=model)["accuracy"] > text.evaluate(texts, labels)["accuracy"]


def test_from_labelled_keeps_the_shipped_model_where_the_correction_does_not_help(tmp_path, monkeypatch):
    texts, labels = _team(3)
    path = tmp_path / "labels.csv"
    pd.DataFrame({"text": texts, "label": labels}).to_csv(path, index=False)
    model, check = text.from_labelled(path, folds=3)
    assert "zh" in model.models and check.loc[check["model"] == "adapted", "used"].all()
    # a correction that cannot beat the shipped model (here: made worse on purpose) is not used
    real = adapt._fit_language

    def worse(x, y, strength, base):
        out = real(x, y, strength, base)
        return {**out, "intercept": out["intercept"] + np.array([0.0, 50.0, 0.0])}  # everything neutral

    monkeypatch.setattr(adapt, "_fit_language", worse)
    model, check = text.from_labelled(path, folds=3)
    assert model is None and check.set_index("model")["used"].tolist() == [True, False]
    none_model, shipped = text.from_labelled("")
    assert none_model is None and shipped["model"].tolist() == ["shipped"] and shipped["comments"].tolist() == [0]


def test_a_bad_labels_file_is_refused_before_a_kernel_starts(tmp_path):
    import cxlab
    from cxlab.errors import ParameterError
    from cxlab.reports.params import load_parameters

    data = tmp_path / "data"
    cxlab.sample.write(data, 200, seed=1)
    labels = tmp_path / "labels.csv"
    pd.DataFrame({"评论": ["好", "差"], "标签": ["正面", "很差"]}).to_csv(labels, index=False, encoding="gbk")
    params = tmp_path / "c.yaml"
    params.write_text(f"data_dir: {data}\nsentiment_labels: {labels}\n", encoding="utf-8")
    notebook = Path(__file__).resolve().parents[1] / "notebooks" / "comments.ipynb"
    with pytest.raises(ParameterError, match=r"(?s)sentiment_labels.*labels must be.*\['很差'\] on lines \[3\]"):
        load_parameters(params, notebook)
    params.write_text(f"data_dir: {data}\nsentiment_labels: {tmp_path / 'nope.csv'}\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"(?s)sentiment_labels.*nope\.csv"):
        load_parameters(params, notebook)


def test_a_language_under_the_minimum_gets_no_figures_and_is_not_used():
    texts, labels = _team(3)
    texts, labels = texts + ["Great help", "Awful wait"] * 3, labels + ["positive", "negative"] * 3
    check = text.adaptation_check(texts, labels, folds=3).set_index(["language", "model"])
    assert check.loc[("en", "adapted"), "comments"] == 6 and np.isnan(check.loc[("en", "adapted"), "accuracy"])
    assert check.loc[("en", "shipped"), "used"] and not check.loc[("en", "adapted"), "used"]
