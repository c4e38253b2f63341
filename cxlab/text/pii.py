"""Personal data in comments: find it, mask it, count what was masked.

Masking is applied before a comment reaches any report, table, page or export (GDPR and
PIPL). The check characters of ID-card and bank-card numbers are python-stdnum's
(``stdnum.cn.ric``, ``stdnum.luhn``; ``pip install 'cxlab[text]'``).

How it reads a comment:

1. **Fold** (for detection only): full-width and other look-alike characters become ASCII
   one for one (``１３８`` → ``138``, ``＠`` → ``@``, ``（`` → ``(``, ``—`` → ``-``, ideographic
   and zero-width spaces → space), so every position in the folded text is the same position in
   the comment and the masked comment keeps every other character as written.
2. **Labelled items**: e-mails, WeChat ids (``微信号 abc123``, ``wxid_...``), QQ numbers
   (``QQ 12345678``) and licence plates (``车牌 京A12345``).
3. **Digit runs**: digit groups joined by spaces, dashes, dots, brackets, ``+`` or line breaks.
   Each run is read whole, then as its longest stretches of groups, and a stretch is masked
   when it is an ID card, a phone (with ``+86``, ``86``, ``0086`` or a trunk ``0``), a landline
   (with an area code; without one when grouped like a phone or after a phone word), or a bank
   card (Luhn; ungrouped or in fours).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from datetime import date
from functools import cache

import numpy as np
import pandas as pd
from .._checks import optional_import, require_columns

__all__ = ["mask", "find_personal_data", "masking_summary", "PERSONAL_DATA"]

#: Label shown in place of each kind of personal data.
PERSONAL_DATA = {"email": "[邮箱]", "id_card": "[身份证号]", "bank_card": "[银行卡号]", "mobile": "[手机号]",
                 "landline": "[座机]", "wechat": "[微信号]", "qq": "[QQ号]", "plate": "[车牌号]"}

# --- 1. folding -------------------------------------------------------------------------------
# Blocks whose NFKC forms are single ASCII characters worth folding (Latin-1, punctuation and
# super/subscripts, enclosed digits, CJK punctuation, small and full-width forms, mathematical
# letters and digits). Unicode decimal digits of every script fold to 0-9 as well.
_FOLD_BLOCKS = ((0x00A0, 0x0100), (0x2000, 0x20A0), (0x2100, 0x2150), (0x2460, 0x2500), (0x3000, 0x3040),
                (0xFE10, 0xFE70), (0xFF00, 0xFFF0), (0x1D400, 0x1D800), (0x1FBF0, 0x1FC00))
_FOLD_EXTRA = {**dict.fromkeys("\u00ad\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\u2500\u30fc\ufe58", "-"),
               **dict.fromkeys("\u00b7\u2022\u2027\u2219\u30fb\uff65", "."),
               **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff\u3000\t\u000b\u000c", " "),
               **dict.fromkeys("\u2028\u2029\u0085", "\n")}


@cache
def _fold_table() -> dict[int, str]:
    """Code point → one ASCII character; built once (about 0.1 s)."""
    table: dict[int, str] = {}
    for lo, hi in _FOLD_BLOCKS:
        for cp in range(lo, hi):
            folded = unicodedata.normalize("NFKC", chr(cp))
            if len(folded) == 1 and folded.isascii() and folded.isprintable() and folded != chr(cp):
                table[cp] = folded
    for cp in range(0x80, 0x1FC00):
        value = unicodedata.decimal(chr(cp), None)
        if value is not None:
            table[cp] = str(value)
    table.update({ord(k): v for k, v in _FOLD_EXTRA.items()})
    return table


def _fold(text: str) -> str:
    """``text`` with look-alike characters as ASCII, one character for one (same length)."""
    return text if text.isascii() else text.translate(_fold_table())


# Anything personal data needs: a digit of any script, an @, or a label word (in folded text).
_MAYBE = re.compile(r"[\d@＠﹫\u2460-\u2473]|微信|威信|薇信|[vw][xX]|wechat|weixin|qq|ｑｑ|扣扣|企鹅|车牌|牌照|车号|plate",
                    re.IGNORECASE)
_LABEL_WORD = re.compile(r"微信|威信|薇信|v信|vx|wx|wechat|weixin|qq|扣扣|企鹅|车牌|牌照|车号|plate", re.IGNORECASE)

# --- 2. labelled items --------------------------------------------------------------------------
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+ ?@ ?[A-Za-z0-9\-]+(?:[.。][A-Za-z0-9\-]+)*[.。][A-Za-z]{2,}")
_WXID = re.compile(r"(?<![A-Za-z0-9_])wxid_[A-Za-z0-9_\-]+", re.IGNORECASE)
# "strong": a label that says an id follows (微信号, WeChat ID, a colon, 是); otherwise the id
# must look like one (a digit, _ or -), so "WeChat payment failed" keeps its words.
_WECHAT = re.compile(r"(?<![\[A-Za-z])(?:微信|威信|薇信|v信|vx|wx|wechat|weixin)"
                     r"(?P<strong> ?(?:号码|号|账号|帐号|id|account)| ?[:：]| ?(?:是|为))?[ :：]*"
                     r"(?P<id>[A-Za-z0-9][A-Za-z0-9_\-]{3,29})(?![A-Za-z0-9_\-])", re.IGNORECASE)
_QQ = re.compile(r"(?<![\[A-Za-z])(?:qq|扣扣|企鹅)(?: ?(?:号码|号|number|no\.?|id|account))? ?[:：]? ?(?:是|为)? ?"
                 r"(?P<id>[1-9](?:[ \-]?[0-9]){4,11})(?![0-9])", re.IGNORECASE)
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领"
_PLATE = re.compile(r"(?<!\[)(?:车牌|牌照|车号|(?:licen[cs]e )?plate)(?:号码|号| ?number| ?no\.?)? ?[:：]? ?(?:是|为)? ?"
                    rf"(?P<id>[{_PROVINCES}] ?[A-Za-z][ .\-]?[A-Za-z0-9]{{4,6}}[挂学警港澳领试超]?)(?![A-Za-z0-9])",
                    re.IGNORECASE)

# --- 3. digit runs ------------------------------------------------------------------------------
# Digit groups (an ID's last group may end in X) joined by up to six separator characters
# (spaces, dashes, dots, brackets, plus signs, line breaks: "138 - 1234\r\n  5678").
_GROUP = r"[0-9]+(?:[Xx](?![A-Za-z0-9]))?"
_RUN = re.compile(r"[(+]{0,2}" + _GROUP + r"(?:[ \t\f\v\-.()+\r\n]{1,6}" + _GROUP + r")*")
_GROUP_RE = re.compile(_GROUP)
# Dates (2026-11-03, 2026.11.03, 2026/11/03) are read apart from the digits around them.
_DATE = re.compile(r"(?<![0-9)])(?<![0-9][-./])[0-9]{4}([-./])(?:0?[1-9]|1[0-2])\1(?:0?[1-9]|[12][0-9]|3[01])"
                   r"(?![0-9])(?![-./][0-9])")
_MAX_DIGITS = 22  # 0086 + a 16-digit landline form; ID cards 18; bank cards 19

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"0(?:10|2[0-9])[1-9][0-9]{7}|0[3-9][0-9]{2}[1-9][0-9]{6,7}")  # 010, 02x: 8 digits
_LOCAL = re.compile(r"[2-9][0-9]{6,7}")
_AREA = re.compile(r"0[1-9][0-9]{1,2}")
# Province codes of resident IDs (GB/T 2260 first two digits).
_ID_PROVINCES = frozenset({"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
                           "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
                           "65", "71", "81", "82", "83", "91"})
# A local number without an area code is masked after a phone word or when grouped like one;
# any weak kind (local number, 15-digit ID, bank card) is left alone after an id or money word.
_PHONE_WORD = re.compile(r"(?:电话|座机|固话|手机|号码|致电|拨打|回电|打给|热线|传真|tel|phone|call|dial|fax|landline|mobile)"
                         r"[^0-9\[\]]{0,8}$", re.IGNORECASE)
_NOT_PERSONAL_BEFORE = re.compile(r"(?:订单|工单|单号|编号|工号|运单|流水|交易|发票|凭证|批次|序列|金额|价格|合计|共计|"
                                  r"order|ticket|case|ref|invoice|tracking|amount|total|price|[¥￥$€£]|rmb|cny)"
                                  r"[^0-9\[\]]{0,4}$", re.IGNORECASE)
_NOT_PERSONAL_AFTER = re.compile(r"^ ?(?:元|块|rmb|cny|yuan|dollars?|usd|%|分钟|小时|天|次|件|个|笔)", re.IGNORECASE)


@cache
def _stdnum():
    """python-stdnum's resident-ID and Luhn modules and its error class (the ``text`` extra)."""
    ric, luhn = optional_import("stdnum.cn.ric", "text"), optional_import("stdnum.luhn", "text")
    return ric, luhn, optional_import("stdnum.exceptions", "text").ValidationError


def _digits(text: str) -> str:
    return re.sub(r"[^0-9Xx]", "", _fold(text)).upper()


def _valid_id(number: str) -> bool:
    """Mainland resident ID: 17 digits, a real birth date, and the ISO 7064 MOD 11-2 check character."""
    ric, _, invalid = _stdnum()
    d = _digits(number)
    if len(d) != 18 or not d[:17].isdigit() or d[17] != ric.calc_check_digit(d):
        return False
    try:
        born = ric.get_birth_date(d)
    except invalid:
        return False
    # Kept by hand: the year range. stdnum takes any calendar year; a plausible one turns away
    # more ordinary 18-digit numbers. Not used: ric.is_valid, whose birth-place check rejects an
    # area code that did not exist in the birth year (38 % of cxlab.sample's IDs, e.g. Chengdu
    # Wuhou 510107 for anyone born before 1990). The code is where the holder was registered,
    # not born, and an unmasked ID is the costly mistake.
    return 1900 <= born.year <= 2100


def _valid_old_id(number: str) -> bool:
    """First-generation (15-digit) resident ID: a province code and a real 19YYMMDD birth date."""
    d = _digits(number)
    if len(d) != 15 or not d.isdigit() or d[:2] not in _ID_PROVINCES:
        return False
    try:
        date(1900 + int(d[6:8]), int(d[8:10]), int(d[10:12]))
    except ValueError:
        return False
    return True


def _valid_card(number: str) -> bool:
    """Bank card: 15 to 19 digits (stdnum's Luhn has no length rule) passing the Luhn check."""
    _, luhn, _ = _stdnum()
    d = _digits(number)
    return 15 <= len(d) <= 19 and d.isdigit() and luhn.is_valid(d)


def _phone(d: str, plus: bool) -> str | None:
    """``mobile`` or ``landline`` if the digits ``d`` are one, with or without a country code."""
    forms = [d]
    if d.startswith("0086"):
        forms.append(d[4:])
    elif d.startswith("86"):
        forms.append(d[2:])
    if d.startswith("01") and len(d) == 12:
        forms.append(d[1:])  # a mobile dialled with the trunk 0
    for i, f in enumerate(forms):
        if _MOBILE.fullmatch(f):
            return "mobile"
        if _LANDLINE.fullmatch(f) or (i > 0 and (plus or d.startswith("00")) and _LANDLINE.fullmatch("0" + f)):
            return "landline"
    return None


def _stretch_kind(n: str, groups: list[tuple[int, int]], seps: list[str], i: int, j: int,
                  only_mobile: bool) -> str | None:
    """The kind of personal data groups ``i..j`` of a run form, or None."""
    d = "".join(n[a:b] for a, b in groups[i:j + 1]).upper()
    inner = seps[i:j]
    first = n[groups[i][0]:groups[i][1]]
    dotted = inner[1:] if first in ("86", "0086") and inner[:1] != ["."] else inner  # "+86 138.1234.5678"
    if "." in dotted and (any(s != "." and ")" not in s for s in dotted)
                          or (len(dotted) == 1 and not _AREA.fullmatch(first))):
        return None  # decimals (0.13812345678, "0.5 0.25"): dots must be the only separator, used twice
    start, end = groups[i][0], groups[j][1]
    plus = "+" in n[max(0, start - 3):start]
    if only_mobile:  # after a Latin letter (tel13812345678, never an id's digits) or inside a dashed number
        return "mobile" if _phone(d, plus) == "mobile" else None
    if _valid_id(d):
        return "id_card"
    if "X" in d:
        return None
    kind = _phone(d, plus)
    if kind:
        return kind
    if _NOT_PERSONAL_BEFORE.search(n, max(0, start - 16), start) or _NOT_PERSONAL_AFTER.match(n[end:end + 4]):
        return None
    if _valid_old_id(d):
        return "id_card"
    lengths = [b - a for a, b in groups[i:j + 1]]
    if (len(lengths) == 1 or all(k == 4 for k in lengths[:-1])) and _valid_card(d):
        return "bank_card"
    if _LOCAL.fullmatch(d) and not plus:
        phone_grouped = lengths in ([3, 4], [4, 4]) and all(s.strip(" ") in ("", "-", "\n", "\r\n") for s in inner)
        if phone_grouped or (len(lengths) == 1 and _PHONE_WORD.search(n, max(0, start - 16), start)):
            return "landline"
    return None


def _run_spans(n: str, run: re.Match) -> list[tuple[int, int, str]]:
    """Masked stretches of one digit run: leftmost first, each as long as it can be."""
    groups = [m.span() for m in _GROUP_RE.finditer(n, run.start(), run.end())]
    seps = [n[groups[k][1]:groups[k + 1][0]] for k in range(len(groups) - 1)]
    glued_before = run.start() > 0 and n[run.start() - 1].isascii() and n[run.start() - 1].isalpha() \
        and groups[0][0] == run.start()
    glued_after = run.end() < len(n) and n[run.end()].isascii() and n[run.end()].isalnum()
    out, i, taken = [], 0, -1  # taken: the last group of the last item found
    while i < len(groups):
        found = None
        # Inside a dashed number (a date, an id), after a dash that does not follow an item, only
        # a whole 11-digit group may be a mobile: "工单号20260000-1300 1000000元" holds none.
        inside = i > 0 and seps[i - 1].strip() == "-" and taken != i - 1
        if not (i > 0 and seps[i - 1] == "."):  # digits after "1." are a fraction
            digits, j_max = 0, i
            while j_max < len(groups) and digits + groups[j_max][1] - groups[j_max][0] <= _MAX_DIGITS:
                digits += groups[j_max][1] - groups[j_max][0]
                j_max += 1
            for j in range(j_max - 1 - (glued_after and j_max == len(groups)), i - 1, -1):
                if inside and j > i:
                    continue
                kind = _stretch_kind(n, groups, seps, i, j, (glued_before and i == 0) or inside)
                if kind:
                    found = (j, kind)
                    break
        if found is None:
            i += 1
            continue
        j, kind = found
        a, b = groups[i][0], groups[j][1]
        lo = groups[i - 1][1] if i > 0 else run.start()
        while a > lo and n[a - 1] in "(+":
            a -= 1
        while n.count("(", a, b) > n.count(")", a, b) and n[a] in "(+":
            a += 1
        out.append((a, b, kind))
        taken, i = j, j + 1
    return out


def _spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of every personal-data item, labelled kinds first, no overlaps."""
    _stdnum()  # without the check digits nothing can be masked safely: fail before reading
    if not _MAYBE.search(text):
        return []
    n = _fold(text)
    found: list[tuple[int, int, str]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e, _ in found)

    if "@" in n:
        found += [(m.start(), m.end(), "email") for m in _EMAIL.finditer(n)]
    labelled = ((_WXID, "wechat"), (_WECHAT, "wechat"), (_QQ, "qq"), (_PLATE, "plate")) if _LABEL_WORD.search(n) else ()
    for pattern, kind in labelled:
        for m in pattern.finditer(n):
            a, b = m.span("id") if "id" in pattern.groupindex else m.span()
            if pattern is _WECHAT and not m.group("strong") and not re.search(r"[0-9_\-]", m.group("id")):
                continue
            if free(a, b):
                found.append((a, b, kind))
    blank = [(a, b) for a, b, _ in found] + [m.span() for m in _DATE.finditer(n) if free(*m.span())]
    if blank:  # digit runs stop at what is found and at dates
        chars = list(n)
        for a, b in blank:
            chars[a:b] = "\x00" * (b - a)
        n = "".join(chars)
    for run in _RUN.finditer(n):
        found.extend(_run_spans(n, run))
    return sorted(found)


def find_personal_data(text: str | None) -> list[tuple[str, str]]:
    """The personal-data items in ``text`` as ``(kind, text)`` pairs, as written.

    Examples
    --------
    >>> find_personal_data("打13812345678")
    [('mobile', '13812345678')]
    >>> find_personal_data("电话 ００８６ １３８ １２３４ ５６７８")
    [('mobile', '００８６ １３８ １２３４ ５６７８')]
    >>> find_personal_data(None)  # a blank cell holds nothing
    []
    """
    if text is None or (isinstance(text, float) and text != text):
        return []
    if not isinstance(text, str):
        raise TypeError(f"find_personal_data reads text, not {type(text).__name__}; for a column use cxlab.text.mask.")
    return [(kind, text[a:b]) for a, b, kind in _spans(text)]


def _mask_one(text: str, counts: Counter) -> str:
    # Masking one item can expose another (an ID glued to a phone number becomes visible once
    # the phone is replaced), so repeat until nothing is found.
    for _ in range(8):
        spans = _spans(text)
        if not spans:
            return text
        out, last = [], 0
        for a, b, kind in spans:
            out += [text[last:a], PERSONAL_DATA[kind]]
            counts[kind] += 1
            last = b
        out.append(text[last:])
        text = "".join(out)
    return text


def mask(text):
    """Replace phones, landlines, ID-card and bank-card numbers, e-mails, WeChat and QQ ids and plates by labels.

    Parameters
    ----------
    text : str or pandas.Series
        One comment, or a column of them (missing values stay missing).

    Returns
    -------
    str or pandas.Series
        The masked text: every character outside the masked items as written. For a Series,
        ``attrs["masked"]`` counts what was masked, by kind (every kind of ``PERSONAL_DATA``).

    Notes
    -----
    Full-width digits, letters and separators (``１３８－１２３４``, ``＠``, ``（０１０）``) are read
    as their ASCII forms. ID-card numbers must carry a valid check character (GB 11643-1999)
    and a plausible birth date (15-digit ones a province code and a 19YYMMDD date), and
    bank-card numbers must pass the Luhn check, so ordinary long numbers are left alone.
    Digits glued to Latin letters (order ids such as ORD2026...) are never taken for anything
    but a phone; a decimal fraction, a date or a time is not a phone. WeChat and QQ ids and
    plates are masked only after their label (``微信号``, ``QQ``, ``车牌``), the label kept.

    Examples
    --------
    >>> mask("请回电13812345678或发邮件到a.b@example.com")
    '请回电[手机号]或发邮件到[邮箱]'
    >>> mask("加微信号 abc123，车牌：粤B·D12345")
    '加微信号 [微信号]，车牌：[车牌号]'
    """
    if isinstance(text, pd.Series):
        counts: Counter = Counter()
        values = [v if not isinstance(v, str) else _mask_one(v, counts) for v in text.tolist()]
        out = pd.Series(values, index=text.index, name=text.name, dtype=text.dtype)
        out.attrs["masked"] = {kind: int(counts.get(kind, 0)) for kind in PERSONAL_DATA}
        return out
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return text
    return _mask_one(str(text), Counter())


def masking_summary(data: pd.DataFrame, *, text: str = "comment") -> pd.DataFrame:
    """How many personal-data items of each kind the comments hold (all of them masked in reports).

    Returns
    -------
    pandas.DataFrame
        One row per kind of personal data: ``kind``, ``label`` (what replaces it), ``items``
        (how many were found) and ``comments`` (non-missing comments read).
    """
    require_columns(data, [text])
    counts = mask(data[text].astype("string")).attrs["masked"]
    total = int(data[text].notna().sum())
    return pd.DataFrame({"kind": list(counts), "label": [PERSONAL_DATA[k] for k in counts],
                         "items": list(counts.values()), "comments": total})
