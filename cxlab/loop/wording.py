"""The loop's statuses and reasons in words (zh / en), through the one translation table."""

from __future__ import annotations

import math

import pandas as pd

from .. import i18n
from ..tables import format_p

__all__ = ["describe"]


def _date(value) -> str:
    return "" if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def _reason(rec: dict, locale: str) -> str:
    n_needed = rec.get("answers_needed")
    values = {"effective": _date(rec.get("effective")), "n_control": int(rec.get("n_control") or 0),
              "n_treatment": int(rec.get("n_treatment") or 0), "expected_date": _date(rec.get("expected_date")) or "?",
              "answers_needed": "?" if n_needed is None or (isinstance(n_needed, float) and math.isnan(n_needed))
              else f"{int(n_needed):,}", "p": format_p(rec.get("check_p_value")), "detail": rec.get("detail") or ""}
    text = i18n.t(f"loop.reason.{rec['reason']}", locale, **values)
    if rec.get("design") == "everyone":
        text += i18n.t("loop.caveat.everyone", locale)
    return text


def describe(status: pd.DataFrame, locale: str) -> pd.DataFrame:
    """``status`` (a :func:`cxlab.loop.verify_all` table) with ``status_text`` and ``reason_text`` in ``locale``.

    Examples
    --------
    >>> row = pd.DataFrame([{"status": "verified", "reason": "excludes_zero", "design": "ab"}])
    >>> describe(row, "en")["status_text"].iloc[0]
    'verified'
    """
    texts = [_reason(rec, locale) for rec in status.to_dict("records")]
    return status.assign(status_text=[i18n.t(f"val.{s}", locale) for s in status["status"]], reason_text=texts)
