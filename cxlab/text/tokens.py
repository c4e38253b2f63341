"""Words of a comment: its language, its tokens and the stop words left out.

The Chinese tokeniser is jieba with a CX dictionary shipped in the package
(``resources/cx_dict.txt``; ``pip install 'cxlab[text]'``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from .._checks import optional_import
from .pii import PERSONAL_DATA, mask

__all__ = ["language", "tokenize", "stop_words", "join_words", "RESOURCES"]

#: Folder of the word lists, the CX dictionary and the sentiment data shipped with ``cxlab.text``.
RESOURCES = Path(__file__).with_name("resources")

_CJK = re.compile(r"[\u4e00-\u9fff]")
_EN_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]+")


def language(text: str) -> str:
    """``"zh"`` when at least a fifth of the letters are Chinese characters, else ``"en"``.

    Examples
    --------
    >>> language("退款还没到账"), language("refund not received")
    ('zh', 'en')
    """
    letters = [c for c in str(text) if c.isalpha()]
    if not letters:
        return "en"
    return "zh" if sum(bool(_CJK.match(c)) for c in letters) / len(letters) >= 0.2 else "en"


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """The Chinese and English stop words that tokens leave out (``resources/stopwords_*.txt``)."""
    words = set()
    for name in ("stopwords_zh.txt", "stopwords_en.txt"):
        words |= {w.strip() for w in (RESOURCES / name).read_text(encoding="utf-8").splitlines() if w.strip()}
    return frozenset(words)


@lru_cache(maxsize=1)
def _tokenizer():
    """jieba's tokeniser with the CX dictionary, built once (about a second)."""
    jieba = optional_import("jieba", "text")
    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.load_userdict(str(RESOURCES / "cx_dict.txt"))
    return tk


def tokenize(text: str, *, stopwords: bool = True) -> list[str]:
    """Words of one comment: jieba (with cxlab's CX dictionary) for Chinese, word tokens for English.

    Personal data is masked first and its labels are dropped; English words are lower-cased.

    Examples
    --------
    >>> tokenize("转人工等了半小时，一次解决率太低")
    ['转人工', '等', '半小时', '一次解决率', '太低']
    """
    if not isinstance(text, str) or not text.strip():
        return []
    clean = mask(text)
    for label in PERSONAL_DATA.values():
        clean = clean.replace(label, " ")
    stop = stop_words() if stopwords else set()
    words: list[str] = []
    for chunk in re.split(r"([A-Za-z][A-Za-z'\-]+)", clean):
        if _EN_WORD.fullmatch(chunk or ""):
            w = chunk.lower()
            if w not in stop and len(w) > 1:
                words.append(w)
        elif _CJK.search(chunk or ""):
            for w in _tokenizer().lcut(chunk):
                w = w.strip()
                if w and _CJK.search(w) and w not in stop:
                    words.append(w)
    return words


def join_words(words: Sequence[str]) -> str:
    """Words back into a phrase: a space only between two non-Chinese words.

    Examples
    --------
    >>> join_words(["app", "闪退"]), join_words(["waited", "on", "hold"])
    ('app闪退', 'waited on hold')
    """
    out = words[0]
    for prev, word in zip(words, words[1:]):
        out += (" " if not (_CJK.search(prev) or _CJK.search(word)) else "") + word
    return out
