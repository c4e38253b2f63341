"""Words and keywords of comments (personal-data masking is tested in tests/test_pii.py)."""

import math

import pandas as pd
import pytest

import cxlab
from cxlab.text import find_personal_data, keywords, language, tokenize
from cxlab.text import phrases as text_phrases


def test_tokenize_uses_the_cx_dictionary_and_drops_personal_data():
    assert "转人工" in tokenize("一直转人工转不过去") and "公众号" in tokenize("公众号回复太慢")
    # the phone number is masked and its label dropped; the words on either side stay
    assert tokenize("打13812345678没人接") == ["打", "没人接"]
    assert tokenize("The agent was RUDE, the refund late") == ["agent", "rude", "refund", "late"]
    assert language("退款还没到账") == "zh" and language("refund not received") == "en"


def test_keywords_weighted_log_odds_hand_check():
    frame = pd.DataFrame({"comment": ["退款 太慢"] * 6 + ["客服 很好"] * 6 + ["退款 很好"] * 2,
                          "csat": [1] * 6 + [5] * 6 + [5] * 2})
    k = keywords(frame, min_count=1, top=5)
    row = k[(k.side == "low") & (k.word == "退款")].iloc[0]
    # counts: low {退款: 6, 太慢: 6}, high {客服: 6, 很好: 8, 退款: 2}; n_lo = 12, n_hi = 16
    totals = {"退款": 8, "太慢": 6, "客服": 6, "很好": 8}
    a0 = sum(totals.values()) / 10
    a = a0 * 8 / sum(totals.values())
    delta = math.log((6 + a) / (12 + a0 - 6 - a)) - math.log((2 + a) / (16 + a0 - 2 - a))
    assert row["log_odds"] == pytest.approx(delta, rel=1e-12)
    assert row["z"] == pytest.approx(delta / math.sqrt(1 / (6 + a) + 1 / (2 + a)), rel=1e-12)
    assert k[k.side == "low"]["word"].iloc[0] == "太慢"


def test_keywords_of_low_scores_on_the_sample():
    r = cxlab.sample.responses(20_000, seed=0)
    k = keywords(r, top=10)
    low = set(k[k.side == "low"]["word"])
    assert low & {"退款", "闪退", "太慢", "态度", "排队", "没用", "等"}  # the pain points of the low templates
    by_stage = keywords(r, by="journey_stage", top=5)
    assert set(by_stage["journey_stage"].astype(str)) == {"预约", "现场服务", "审核", "激活"}


def test_topics_are_stable_under_a_seed_and_examples_are_masked():
    r = cxlab.sample.responses(20_000, seed=0)
    a = cxlab.text.topics(r, n_topics=4, seed=1)
    b = cxlab.text.topics(r, n_topics=4, seed=1)
    pd.testing.assert_frame_equal(a, b)
    assert a["share"].sum() == pytest.approx(100.0) and (a["comments"] > 0).all()
    assert not any(find_personal_data(t) for t in a["examples"])
    assert any("闪退" in t or "登录" in t for t in a["terms"])  # the APP crash complaints form a theme


def test_phrases_count_comments_within_clauses_and_skip_repeats():
    low = ["waited on hold for ages"] * 3 + ["refund never arrived, waited on hold"] * 2 + ["refund never arrived"]
    high = ["refund arrived quickly"] * 4 + ["friendly agent"]
    data = pd.DataFrame({"comment": low + high + [None], "csat": [1] * 6 + [5] * 5 + [1]})
    out = text_phrases(data, min_count=2)
    # Hand count: "waited on hold" is in 3 + 2 of the 6 low comments; "refund never arrived" in 2 + 1.
    # "hold for ages" and "never arrived" name the same comments as a phrase above and are left out;
    # "arrived waited" crosses a comma and is never formed.
    assert out["phrase"].tolist() == ["waited on hold", "refund never arrived"]
    assert out["comments"].tolist() == [5, 3]
    assert out["share_low"].tolist() == pytest.approx([500 / 6, 50.0])
    assert out["share_high"].tolist() == [0.0, 0.0]
    assert out["ratio"].tolist() == pytest.approx([(500 / 6) / (100 * 0.5 / 5), 50 / (100 * 0.5 / 5)])
    assert text_phrases(data, min_count=2, overlap=1.01)["phrase"].str.contains("hold for ages").any()


def test_phrases_of_the_sample_per_stage():
    r = cxlab.sample.responses(20_000, seed=2)
    out = text_phrases(r, by="journey_stage", top=5)
    assert set(out["journey_stage"]) == set(r["journey_stage"].dropna().unique())
    assert (out.groupby("journey_stage", observed=True).size() <= 5).all()
    low = r[r["csat"].isin([1, 2]) & r["comment"].notna()]
    top = out.iloc[0]
    stage = low[low["journey_stage"] == top["journey_stage"]]["comment"]
    # Each sample comment holds a phrase at most once, so a substring count checks the tally.
    assert top["comments"] == stage.str.replace(" ", "").str.contains(top["phrase"].replace(" ", ""), regex=False).sum()


def test_blank_segments_are_a_labelled_group_in_comment_tables():
    frame = pd.DataFrame({"comment": ["排队太久", "服务很好", "等了很久", "态度好"],
                          "csat": [1, 5, 2, 5], "channel": ["APP", None, None, "APP"]})
    summary = cxlab.text.sentiment_summary(frame, by="channel")
    assert set(summary["channel"]) == {"(all)", "APP", "(blank)"}
    assert summary.loc[summary["channel"] == "(blank)", "comments"].item() == 2
