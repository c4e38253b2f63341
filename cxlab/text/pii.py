"""Personal data in comments: find it, mask it, count what was masked.

Masking is applied before a comment reaches any report, table, page or export (GDPR and
PIPL). The check characters of ID-card and bank-card numbers are python-stdnum's
(``stdnum.cn.ric``, ``stdnum.luhn``; ``pip install 'cxlab[text]'``).
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

import numpy as np
import pandas as pd
from .._checks import optional_import, require_columns

__all__ = ["mask", "find_personal_data", "masking_summary", "PERSONAL_DATA"]

_SEP = r"[ \-]?"
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
# A run of digits (with single spaces or dashes between groups) not glued to other digits
# or to Latin letters (so numbers inside order ids such as ORD2026... stay as they are).
_NOT_FRACTION = r"(?<![0-9]\.)"  # digits after "1." are a decimal fraction, not an id
_ID = re.compile(_NOT_FRACTION + r"(?<![A-Za-z0-9])(\d{6}" + _SEP + r"\d{8}" + _SEP + r"\d{3}[\dXx])(?![A-Za-z0-9])")
_CARD = re.compile(_NOT_FRACTION + r"(?<![A-Za-z0-9])(\d(?:" + _SEP + r"\d){14,18})(?![A-Za-z0-9])")
# Phones may follow a word ("tel13812345678") but not run into one ("SN13812345678X" is an id).
_MOBILE = re.compile(_NOT_FRACTION + r"(?<![0-9])((?:\+?86" + _SEP + r")?1[3-9]\d" + _SEP + r"\d{4}" + _SEP + r"\d{4})(?![A-Za-z0-9])")
_LANDLINE = re.compile(_NOT_FRACTION + r"(?<![0-9])(0\d{2,3}" + _SEP + r"\d{7,8})(?![A-Za-z0-9])")

#: Label shown in place of each kind of personal data.
PERSONAL_DATA = {"email": "[邮箱]", "id_card": "[身份证号]", "bank_card": "[银行卡号]", "mobile": "[手机号]",
                 "landline": "[座机]"}


@cache
def _stdnum():
    """python-stdnum's resident-ID and Luhn modules and its error class (the ``text`` extra)."""
    ric, luhn = optional_import("stdnum.cn.ric", "text"), optional_import("stdnum.luhn", "text")
    return ric, luhn, optional_import("stdnum.exceptions", "text").ValidationError


def _digits(text: str) -> str:
    return re.sub(r"[^0-9Xx]", "", text).upper()


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


def _valid_card(number: str) -> bool:
    """Bank card: 15 to 19 digits (stdnum's Luhn has no length rule) passing the Luhn check."""
    _, luhn, _ = _stdnum()
    d = _digits(number)
    return 15 <= len(d) <= 19 and d.isdigit() and luhn.is_valid(d)


def _spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of every personal-data item, longest-validated kinds first, no overlaps."""
    _stdnum()  # without the check digits nothing can be masked safely: fail before reading
    found: list[tuple[int, int, str]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e, _ in found)

    for m in _EMAIL.finditer(text):
        found.append((m.start(), m.end(), "email"))
    for m in _ID.finditer(text):
        if _valid_id(m.group(1)) and free(m.start(1), m.end(1)):
            found.append((m.start(1), m.end(1), "id_card"))
    # phones before cards: an 11-digit mobile is what it looks like; cards need 15-19 digits
    for pattern, kind in ((_MOBILE, "mobile"), (_LANDLINE, "landline")):
        for m in pattern.finditer(text):
            if free(m.start(1), m.end(1)):
                found.append((m.start(1), m.end(1), kind))
    for m in _CARD.finditer(text):
        if _valid_card(m.group(1)) and free(m.start(1), m.end(1)):
            found.append((m.start(1), m.end(1), "bank_card"))
    return sorted(found)


def find_personal_data(text: str) -> list[tuple[str, str]]:
    """The personal-data items in ``text`` as ``(kind, text)`` pairs.

    Examples
    --------
    >>> find_personal_data("打13812345678")
    [('mobile', '13812345678')]
    """
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
    """Replace phone numbers, landlines, ID-card and bank-card numbers and e-mail addresses by labels.

    Parameters
    ----------
    text : str or pandas.Series
        One comment, or a column of them (missing values stay missing).

    Returns
    -------
    str or pandas.Series
        The masked text. For a Series, ``attrs["masked"]`` counts what was masked, by kind.

    Notes
    -----
    ID-card numbers must carry a valid check character (GB 11643-1999) and a plausible
    birth date, and bank-card numbers must pass the Luhn check, so ordinary long numbers
    (amounts, order numbers) are left alone; digits glued to Latin letters (order ids)
    are never taken for personal data. Numbers written straight against Chinese
    characters, or with spaces or dashes between digit groups, are found.

    Examples
    --------
    >>> mask("请回电13812345678或发邮件到a.b@example.com")
    '请回电[手机号]或发邮件到[邮箱]'
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
