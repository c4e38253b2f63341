"""Personal-data masking (positive and negative cases, a property test), words and keywords."""

import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stdnum import luhn
from stdnum.cn import ric

import cxlab
from cxlab.text import PERSONAL_DATA, find_personal_data, keywords, language, mask, tokenize
from cxlab.text import phrases as text_phrases


def _id_number(rng: np.random.Generator) -> str:
    """A mainland ID-card number: area code, birth date, sequence, and stdnum's check character."""
    area = rng.choice(["110101", "310104", "440305", "510107", "330106"])
    born = f"{rng.integers(1950, 2005)}{rng.integers(1, 13):02d}{rng.integers(1, 29):02d}"
    body = f"{area}{born}{rng.integers(0, 1000):03d}"
    return body + ric.calc_check_digit(body + "?")  # calc_check_digit ignores the last character


def _card_number(rng: np.random.Generator) -> str:
    """A 16-digit UnionPay-style bank-card number with stdnum's Luhn check digit."""
    body = "6222" + "".join(str(d) for d in rng.integers(0, 10, 11))
    return body + luhn.calc_check_digit(body)


rng = np.random.default_rng(0)
VALID_IDS = [_id_number(rng) for _ in range(20)]
VALID_CARDS = [_card_number(rng) for _ in range(20)]


@pytest.mark.parametrize("text, expected", [
    ("请回电13812345678谢谢", "请回电[手机号]谢谢"),  # against Chinese characters
    ("电话 138-1234-5678 或 +86 159 1234 5678", "电话 [手机号] 或 [手机号]"),  # spaces and dashes
    ("座机010-87654321转分机", "座机[座机]转分机"),
    ("邮箱zhang.wei@example.com，急", "邮箱[邮箱]，急"),
    ("Call me at 13912345678 please", "Call me at [手机号] please"),
])
def test_masks_phones_landlines_and_emails(text, expected):
    assert mask(text) == expected


def test_valid_id_and_card_numbers_are_masked_invalid_ones_are_not():
    for number in VALID_IDS:
        assert mask(f"身份证{number}已提交") == "身份证[身份证号]已提交"
        broken = number[:-1] + ("0" if number[-1] != "0" else "1")  # wrong check character
        assert "[身份证号]" not in mask(f"身份证{broken}已提交")
    for number in VALID_CARDS:
        spaced = " ".join(number[i:i + 4] for i in range(0, len(number), 4))
        assert mask(f"退款到{number}") == "退款到[银行卡号]"
        assert mask(f"卡号 {spaced} 谢谢") == "卡号 [银行卡号] 谢谢"
        wrong = number[:-1] + str((int(number[-1]) + 1) % 10)  # fails Luhn
        assert mask(f"退款到{wrong}") == f"退款到{wrong}"


def test_id_numbers_need_a_real_birth_date_but_not_a_birth_place_stdnum_knows():
    def with_check(body):
        return body + ric.calc_check_digit(body + "?")

    # Chengdu Wuhou's code 510107 dates from 1990; stdnum's full check rejects it for anyone born
    # earlier, but cards registered there carry it, so it must be masked.
    older = with_check("51010719500101123")
    assert not ric.is_valid(older)
    assert mask(f"身份证{older}") == "身份证[身份证号]"
    for body in ("11010119900230123", "11010118500101123"):  # 30 February; born 1850
        assert "[身份证号]" not in mask(f"身份证{with_check(body)}")


@pytest.mark.parametrize("text", [
    "订单号ORD20260512123456789还没发货",  # digits inside an order id
    "金额12345678901234567元",  # a long number that is neither an ID nor a card
    "2026年11月24日10点",
    "工号A12345678，编号SN13812345678X",
    "z = 1.4714198367043032",  # a float whose fraction passes Luhn (found in a saved table)
    "比例0.13812345678",
])
def test_ordinary_numbers_are_left_alone(text):
    assert mask(text) == text


def test_series_form_counts_what_it_masked():
    s = pd.Series(["打13812345678", None, f"卡{VALID_CARDS[0]}和a@b.cn", "没事"], dtype="string")
    out = mask(s)
    assert out.isna().tolist() == [False, True, False, False]
    assert out.attrs["masked"] == {"email": 1, "id_card": 0, "bank_card": 1, "mobile": 1, "landline": 0}


items = st.sampled_from(["13812345678", "138 1234 5678", "+86-13912345678", "0755-12345678", "x.y@example.com",
                         *VALID_IDS[:5], *VALID_CARDS[:5]])
glue = st.text(alphabet="的了吗我电话是在号 ，。-", max_size=6)  # Chinese context, spaces, punctuation
sep = st.text(alphabet="的了吗我电话是在号，。", min_size=1, max_size=4)


@given(parts=st.lists(st.tuples(glue, items), min_size=1, max_size=4), tail=glue)
def test_no_masked_output_still_matches_a_detector(parts, tail):
    # Whatever the glue (even none: digits run together), nothing a detector finds survives.
    out = mask("".join(g + item for g, item in parts) + tail)
    assert find_personal_data(out) == []


@given(parts=st.lists(st.tuples(sep, items), min_size=1, max_size=4), tail=glue)
def test_every_item_separated_by_text_is_masked(parts, tail):
    out = mask("".join(g + item for g, item in parts) + tail)
    for _, item in parts:
        assert item not in out


def test_sample_comments_are_fully_masked():
    comments = cxlab.sample.responses(20_000, seed=0)["comment"].dropna()
    masked = mask(comments)
    assert sum(masked.attrs["masked"].values()) > 50
    assert not any(find_personal_data(t) for t in masked)
    follow = cxlab.segments.follow_up(cxlab.sample.responses(20_000, seed=0))
    assert not any(find_personal_data(t) for t in follow["comment"].dropna())
    assert sum(follow.attrs["masked"].values()) > 0


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
