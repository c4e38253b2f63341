"""Personal-data masking: every written form of each kind is masked, ordinary numbers are kept.

Property tests generate each form (valid ID-card and bank-card numbers with python-stdnum's
check characters) inside Chinese and English text and check that the kept text is unchanged
and no digit of the personal datum survives.
"""

from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stdnum import luhn
from stdnum.cn import ric

import cxlab
from cxlab.text import PERSONAL_DATA, find_personal_data, mask, masking_summary


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


# issue 15: the forms that slipped through, and every other written form of each kind
@pytest.mark.parametrize("text, expected", [
    ("电话0086 13812345678", "电话[手机号]"),
    ("电话008613812345678", "电话[手机号]"),
    ("电话86-138-1234-5678", "电话[手机号]"),
    ("电话(+86) 138 1234 5678。", "电话[手机号]。"),
    ("电话＋８６ １３８ １２３４ ５６７８，谢谢", "电话[手机号]，谢谢"),  # full-width digits and plus
    ("手机１３８ １２３４ ５６７８", "手机[手机号]"),
    ("手机１３８－１２３４－５６７８", "手机[手机号]"),  # full-width dashes
    ("手机138.1234.5678", "手机[手机号]"),
    ("手机138\n1234\n5678，回电", "手机[手机号]，回电"),  # split by line breaks
    ("手机1381234\r\n5678", "手机[手机号]"),
    ("手机138\u200b1234\u200b5678", "手机[手机号]"),  # zero-width spaces between groups
    ("长途013812345678", "长途[手机号]"),  # a mobile dialled with the trunk 0
    ("座机 0755 1234 5678", "座机 [座机]"),  # spaces between area code and number groups
    ("座机（０２１）６２３４－５６７８", "座机[座机]"),  # full-width brackets and digits
    ("tel (010) 8765 4321 ok", "tel [座机] ok"),
    ("office +86 755 1234 5678", "office [座机]"),
    ("座机87654321", "座机[座机]"),  # no area code, after a phone word
    ("打 8765-4321 找我", "打 [座机] 找我"),  # no area code, grouped like a phone
    ("身份证110101900307123，", "身份证[身份证号]，"),  # first-generation 15-digit ID
    ("邮箱 zhang＠example．com 谢谢", "邮箱 [邮箱] 谢谢"),  # full-width at and dot
    ("发到a.b@qq。com。谢谢", "发到[邮箱]。谢谢"),
    ("微信号 abc123", "微信号 [微信号]"),
    ("微信: wxid_abc", "微信: [微信号]"),
    ("加我微信zhang_wei88吧", "加我微信[微信号]吧"),
    ("WeChat ID: Zhang-Wei", "WeChat ID: [微信号]"),
    ("QQ 12345678", "QQ [QQ号]"),
    ("qq号：12345678", "qq号：[QQ号]"),
    ("ＱＱ １２３４５６７８９", "ＱＱ [QQ号]"),
    ("车牌 京A12345", "车牌 [车牌号]"),
    ("车牌号：粤B·D12345", "车牌号：[车牌号]"),  # new-energy plate, six characters
    ("my licence plate 沪A 8F3K2 was scratched", "my licence plate [车牌号] was scratched"),
])
def test_masks_every_written_form(text, expected):
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
    # issue 15: more ordinary numbers
    "订单ORD2026110312345678901已取消",
    "退款¥1,234.50，另付¥12,345,678.90",
    "金额12345678元",
    "2026-11-03 13:45 到店",
    "2026.11.03 13:45:20",
    "2026/11/03",
    "工单号 20261103-0042 已处理",
    "工单号：GD2026110300042",
    "工单号12345678",
    "均值 0.4714198367 和 0.2837465123",
    "评分 4.5 / 5，等了45分钟",
    "WeChat payment failed twice",
    "微信支付失败",
    "QQ音乐会员",
    "车牌识别不了",
    "v2.13.8 版本",
    "第3次来电, 13:45-14:30",
])
def test_ordinary_numbers_are_left_alone(text):
    assert mask(text) == text


def test_series_form_counts_what_it_masked():
    s = pd.Series(["打13812345678", None, f"卡{VALID_CARDS[0]}和a@b.cn", "没事", "QQ 12345678"], dtype="string")
    out = mask(s)
    assert out.isna().tolist() == [False, True, False, False, False]
    assert out.attrs["masked"] == {"email": 1, "id_card": 0, "bank_card": 1, "mobile": 1, "landline": 0,
                                   "wechat": 0, "qq": 1, "plate": 0}


def test_masking_summary_counts_each_kind():
    data = pd.DataFrame({"comment": ["微信号 abc123", "车牌 京A12345", "打13812345678", None, "好"]})
    out = masking_summary(data).set_index("kind")
    assert list(out.index) == list(PERSONAL_DATA)
    assert out["items"].to_dict() == {"email": 0, "id_card": 0, "bank_card": 0, "mobile": 1, "landline": 0,
                                      "wechat": 1, "qq": 0, "plate": 1}
    assert (out["comments"] == 4).all() and out.loc["plate", "label"] == "[车牌号]"


def test_found_items_are_quoted_as_written():
    text = "电话 ０７５５ １２３４ ５６７８。"
    assert find_personal_data(text) == [("landline", "０７５５ １２３４ ５６７８")]


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


# --- issue 15: generated forms -------------------------------------------------------------------
_FULL = {ord(c): chr(ord(c) + 0xFEE0) for c in "0123456789+-()@.X"}  # ASCII → full-width
_SEPARATORS = [" ", "-", " - ", "  ", "\n", "\r\n", " \n", "－", "　", "—", "\u200b", "\u00a0", "\t"]
_DOTS = [".", "．", "·"]
_LEFT = ["", "请回电", "我的电话是 ", "联系方式：", "退款一直没到，找我：", "Please call ", "my details: ",
         "Refund not received, reach me at ", "急！", "(", "客户说 "]
_RIGHT = ["", "，谢谢", " thanks", "。", "\n下次再说", " 谢谢！", ")", "；催单", " - asap"]


def _split(digits: str, cuts: list[int]) -> list[str]:
    points = sorted({c for c in cuts if 0 < c < len(digits)})
    return [digits[a:b] for a, b in zip([0, *points], [*points, len(digits)])]


@st.composite
def _groups(draw, digits: str, fixed: list[list[int]] | None = None) -> str:
    """``digits`` in groups (fixed ones if given, else random cuts) joined by one random separator."""
    if fixed is None:
        groups = _split(digits, draw(st.lists(st.integers(1, len(digits) - 1), max_size=4)))
    else:
        lengths = draw(st.sampled_from(fixed))
        points = np.cumsum(lengths)[:-1].tolist()
        groups = _split(digits, points)
    seps = _SEPARATORS + (_DOTS if len(groups) >= 3 else [])  # one dot between two groups is a decimal
    return draw(st.sampled_from(seps)).join(groups)


def _digit_string(draw, length: int) -> str:
    return "".join(str(d) for d in draw(st.lists(st.integers(0, 9), min_size=length, max_size=length)))


@st.composite
def _mobile(draw) -> str:
    number = "1" + str(draw(st.integers(3, 9))) + _digit_string(draw, 9)
    prefix = draw(st.sampled_from(["", "+86", "+86 ", "86", "86-", "0086", "0086 ", "(+86) ", "+86-", "0"]))
    return prefix + draw(_groups(number))


@st.composite
def _landline(draw) -> str:
    area = draw(st.sampled_from(["010", "020", "021", "028", "0755", "0571", "0898", "0431"]))
    local = str(draw(st.integers(2, 9))) + _digit_string(draw, draw(st.sampled_from([6, 7])) if len(area) == 4 else 7)
    form = draw(st.sampled_from(["groups", "brackets", "+86", "0086"]))
    if form == "brackets":
        return f"({area}){draw(st.sampled_from(['', ' ']))}{draw(_groups(local, [[len(local)], [len(local) - 4, 4]]))}"
    if form in ("+86", "0086"):
        return f"{form} {area[1:]} {draw(_groups(local, [[len(local)], [len(local) - 4, 4]]))}"
    return draw(_groups(area + local, [[len(area), len(local)], [len(area), len(local) - 4, 4],
                                       [len(area) + len(local)]]))


@st.composite
def _local_landline(draw) -> tuple[str, str]:
    """A number without an area code, with the phone word or grouping it needs."""
    local = str(draw(st.integers(2, 9))) + _digit_string(draw, draw(st.sampled_from([6, 7])))
    if draw(st.booleans()):
        sep = draw(st.sampled_from([" ", "-", "\n", "－", "　"]))
        return "", local[:-4] + sep + local[-4:]
    return draw(st.sampled_from(["电话", "座机：", "tel ", "call me on ", "固话 "])), local


@st.composite
def _id_card(draw) -> str:
    area = draw(st.sampled_from(["110101", "310104", "440305", "510107", "330106", "650102"]))
    born = draw(st.dates(date(1930, 1, 1), date(2012, 12, 31)))
    if born.year < 2000 and draw(st.integers(0, 3)) == 0:  # a first-generation 15-digit number (19YY)
        return draw(_groups(area + born.strftime("%y%m%d") + _digit_string(draw, 3), [[15], [6, 6, 3]]))
    body = area + born.strftime("%Y%m%d") + _digit_string(draw, 3)
    number = body + ric.calc_check_digit(body + "?")
    if number.endswith("X") and draw(st.booleans()):
        number = number[:-1] + "x"
    return draw(_groups(number, [[18], [6, 8, 4], [6, 4, 4, 4], [3, 3, 4, 4, 4]]))


@st.composite
def _bank_card(draw) -> str:
    length = draw(st.integers(16, 19))
    body = draw(st.sampled_from(["62", "4", "5", "9558"]))
    body += _digit_string(draw, length - 1 - len(body))
    number = body + luhn.calc_check_digit(body)
    fours = [4] * (length // 4) + ([length % 4] if length % 4 else [])
    return draw(_groups(number, [[length], fours]))


@st.composite
def _email(draw) -> str:
    name = draw(st.from_regex(r"[a-z][a-z0-9._]{0,10}[a-z0-9]", fullmatch=True))
    domain = draw(st.sampled_from(["qq", "163", "example", "mail.example"]))
    at, dot = draw(st.sampled_from(["@", "＠"])), draw(st.sampled_from([".", "．"]))
    return f"{name}{at}{domain.replace('.', dot)}{dot}{draw(st.sampled_from(['com', 'cn', 'net']))}"


@st.composite
def _labelled(draw) -> tuple[str, str]:
    kind = draw(st.sampled_from(["wechat", "qq", "plate"]))
    if kind == "wechat":
        wx_id = draw(st.from_regex(r"[a-zA-Z][a-zA-Z0-9_\-]{4,18}[0-9]", fullmatch=True))
        if draw(st.booleans()):
            wx_id = "wxid_" + draw(st.from_regex(r"[a-z0-9]{6,14}", fullmatch=True))
        return draw(st.sampled_from(["微信号 ", "微信号：", "微信: ", "微信:", "WeChat ID: ", "vx ", "加微信 ", "微信"])), wx_id
    if kind == "qq":
        return (draw(st.sampled_from(["QQ ", "qq号：", "QQ:", "ＱＱ ", "QQ号码 ", "扣扣"])),
                str(draw(st.integers(1, 9))) + _digit_string(draw, draw(st.integers(4, 11))))
    province = draw(st.sampled_from(list("京沪粤川浙苏鲁鄂")))
    letter = draw(st.sampled_from(list("ABCDEFGHJK")))
    rest = draw(st.from_regex(r"[A-HJ-NP-Z0-9]{5}|[DF][0-9]{5}|[0-9]{5}[DF]", fullmatch=True))
    return draw(st.sampled_from(["车牌 ", "车牌号：", "车牌是", "plate "])), province + letter + draw(
        st.sampled_from(["", "·", " "])) + rest


@st.composite
def _item(draw) -> tuple[str, str]:
    """(label text kept before the item, the item as written)."""
    kind = draw(st.sampled_from(["mobile", "landline", "local", "id", "card", "email", "labelled"]))
    if kind == "local":
        return draw(_local_landline())
    if kind == "labelled":
        return draw(_labelled())
    item = draw({"mobile": _mobile(), "landline": _landline(), "id": _id_card(), "card": _bank_card(),
                 "email": _email()}[kind])
    if kind != "email" and draw(st.booleans()):
        item = item.translate(_FULL)  # full-width digits and separators
    return "", item


@settings(max_examples=400)
@given(left=st.sampled_from(_LEFT), found=_item(), right=st.sampled_from(_RIGHT))
def test_every_generated_form_is_masked_and_the_rest_kept(left, found, right):
    label, item = found
    out = mask(left + label + item + right)
    assert out[:len(left + label)] == left + label and out[len(out) - len(right):] == right
    assert out[len(left + label):len(out) - len(right)] in PERSONAL_DATA.values(), repr(item)
    assert not any(c.isdigit() for c in out), "a digit of the personal datum survived"


_ORDINARY = st.one_of(
    st.from_regex(r"ORD2026[0-9]{4,16}", fullmatch=True),
    st.integers(0, 10**9).map(lambda x: f"¥{x / 100:,.2f}"),
    st.integers(0, 10**8).map(lambda x: f"{x}元"),
    st.dates(date(1900, 1, 1), date(2099, 12, 31)).map(lambda d: d.strftime(np.random.default_rng(d.toordinal()).choice(
        ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"]))),
    st.times().map(lambda t: t.strftime("%H:%M") if t.second % 2 else t.strftime("%H:%M:%S")),
    st.floats(0, 1000, allow_nan=False).map(lambda x: f"{x:.12f}"),
    st.from_regex(r"工单号[ ：:]?(?:GD2026[0-9]{4,10}|2026[0-9]{4,8}|2026[0-9]{4}-[0-9]{4})", fullmatch=True),
    st.from_regex(r"[0-9]{1,2}(?:\.[0-9])? ?(?:分钟|小时|天|%)", fullmatch=True),
)


@settings(max_examples=300)
@given(parts=st.lists(_ORDINARY, min_size=1, max_size=4), joiner=st.sampled_from([" ", "，", "；", " and ", "、"]),
       left=st.sampled_from(["", "订单状态：", "Refund of ", "到店时间 ", "客户说 "]))
def test_ordinary_numbers_are_kept_verbatim(parts, joiner, left):
    text = left + joiner.join(parts)
    assert mask(text) == text


def test_every_kind_has_a_name_in_both_locales():
    from cxlab import i18n

    for kind in PERSONAL_DATA:  # the masked table's kind column is shown in the report's locale
        assert f"val.{kind}" in i18n.TEXT
        assert i18n.value_label(kind, "zh") == PERSONAL_DATA[kind].strip("[]")
