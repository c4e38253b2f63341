"""Synthetic survey comments for the sample data, some carrying made-up personal data.

Phone numbers, e-mails, mainland ID-card numbers (GB 11643, valid check digit) and bank-card
numbers (Luhn) appear in about one comment in twelve, so masking can be tested on them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from stdnum import luhn
from stdnum.iso7064 import mod_11_2

__all__ = ["draw_comments", "id_card_number", "bank_card_number"]

_COMMENTS = {
    "zh": {
        "low": ["等了太久，电话一直转不到人工", "退款到现在还没到账", "客服态度很差，问题也没解决",
                "APP总是闪退，登录不了", "审核太慢了，材料交了三次", "字太小看不清，操作太复杂",
                "解决方案根本没用，又得重新打电话", "公众号回复很慢，等了两天", "排队排了一个小时",
                "问题反复出现，每次都要重新说明情况", "激活失败，也没人告诉我原因", "收费不透明，被多扣钱了"],
        "mid": ["还可以，就是等的时间有点长", "流程一般，希望再简化一些", "客服还行，但需要转好几次",
                "APP功能够用，界面有点乱", "门店环境不错，就是人多"],
        "high": ["客服很耐心，一次就解决了", "办理很快，体验很好", "APP很方便，几分钟就搞定",
                 "工作人员很专业，谢谢", "流程清楚，没有多跑一趟", "回复及时，点赞", "门店服务热情周到"],
        "pii": ["请尽快回电 {phone}", "我的手机号{phone}，一直没人联系我", "发到我邮箱{email}吧",
                "身份证号{idcard}已经提交过了，为什么还要再交", "退款请打到卡号 {card}",
                "联系电话：{phone}，邮箱：{email}"],
    },
    "en": {
        "low": ["Waited far too long, could not reach a human agent", "Still waiting for my refund",
                "The agent was rude and the problem is not solved", "The app keeps crashing on login",
                "Review took ages, I submitted my documents three times",
                "The solution did not work, I had to call again", "Queued for an hour in the store",
                "Activation failed and nobody told me why"],
        "mid": ["OK, but the wait was a bit long", "Process is fine, could be simpler",
                "Agent was fine but I was transferred twice"],
        "high": ["Very patient agent, solved on the first call", "Quick and easy, great experience",
                 "The app is convenient, done in minutes", "Professional staff, thank you",
                 "Clear process, no second visit needed"],
        "pii": ["Please call me back on {phone}", "My email is {email}, nobody replied",
                "I already gave my ID {idcard} twice", "Refund to card {card} please"],
    },
}


def id_card_number(rng: np.random.Generator) -> str:
    """A made-up mainland ID-card number (GB 11643-1999) with a valid check digit.

    The 17-digit body is a real area code, a birth date and a sequence number; the check
    digit is ISO 7064 MOD 11-2, the one GB 11643 uses.

    Examples
    --------
    >>> import numpy as np
    >>> from stdnum.iso7064 import mod_11_2
    >>> mod_11_2.is_valid(id_card_number(np.random.default_rng(0)))
    True
    """
    area = rng.choice(["110101", "310104", "440305", "510107", "330106"])
    year = rng.integers(1950, 2005)
    body = f"{area}{year}{rng.integers(1, 13):02d}{rng.integers(1, 29):02d}{rng.integers(0, 1000):03d}"
    return body + mod_11_2.calc_check_digit(body)


def bank_card_number(rng: np.random.Generator) -> str:
    """A made-up 16-digit bank-card number (prefix 6222) passing the Luhn check.

    Examples
    --------
    >>> import numpy as np
    >>> from stdnum import luhn
    >>> luhn.is_valid(bank_card_number(np.random.default_rng(0)))
    True
    """
    body = "6222" + "".join(map(str, rng.integers(0, 10, 11)))
    return body + luhn.calc_check_digit(body)


def _comment_pool(rng: np.random.Generator, locale: str) -> dict[str, np.ndarray]:
    texts = _COMMENTS[locale]
    other = _COMMENTS["en" if locale == "zh" else "zh"]
    pool = {}
    for mood in ("low", "mid", "high"):
        # mostly the locale's language, some comments in the other one
        pool[mood] = np.array(texts[mood] * 6 + other[mood], dtype=object)
    pii = []
    for _ in range(200):
        template = rng.choice(texts["pii"])
        pii.append(template.format(
            phone=f"1{rng.choice([3, 5, 8])}{rng.integers(0, 10)}{rng.integers(0, 10**8):08d}",
            email=f"user{rng.integers(100, 9999)}@example.com",
            idcard=id_card_number(rng), card=bank_card_number(rng)))
    pool["pii"] = np.array(pii, dtype=object)
    return pool


def draw_comments(rng: np.random.Generator, locale: str, csat: np.ndarray,
                  responded: np.ndarray) -> pd.Series:
    """Free-text comments for survey answers: their mood follows ``csat``; some carry personal data.

    Parameters
    ----------
    rng : numpy.random.Generator
        The responses' random stream (draws continue from it, so the data stay seeded).
    locale : {"zh", "en"}
        Mostly this language, some comments in the other one.
    csat, responded : numpy.ndarray
        Each invitation's CSAT (1-5) and whether the customer answered; only answers get
        comments, low scores more often.

    Returns
    -------
    pandas.Series
        ``string`` dtype, missing where there is no comment.
    """
    pool = _comment_pool(rng, locale)
    n = len(csat)
    has = responded & (rng.random(n) < np.where(csat <= 2, 0.7, 0.3))
    out = np.full(n, None, dtype=object)
    for mood, mask in (("low", csat <= 2), ("mid", csat == 3), ("high", csat >= 4)):
        sel = has & mask
        out[sel] = pool[mood][rng.integers(0, len(pool[mood]), int(sel.sum()))]
    pii = has & (rng.random(n) < 0.08)
    out[pii] = pool["pii"][rng.integers(0, len(pool["pii"]), int(pii.sum()))]
    return pd.Series(out, dtype="string")
