"""Periods: weeks, months and quarters as an ordered grouping column of the rows."""

from __future__ import annotations

import pandas as pd

from .._checks import check_option, require_columns
from ..errors import DataValidationError

__all__ = ["PERIODS", "add_period", "period_label", "period_start"]

PERIODS = ("day", "week", "month", "quarter")
_FREQ = {"day": "D", "week": "W-SUN", "month": "M", "quarter": "Q"}


def _label(p: pd.Period, period: str) -> str:
    if period == "week":
        return p.start_time.strftime("%Y-%m-%d")  # weeks are named by their Monday
    if period == "quarter":
        return f"{p.year}Q{p.quarter}"
    return str(p)


def period_label(date: str | pd.Timestamp, period: str = "week") -> str:
    """The label :func:`add_period` gives the period holding ``date`` (e.g. an intervention)."""
    check_option("period", period, PERIODS)
    return _label(pd.Timestamp(date).to_period(_FREQ[period]), period)


def period_start(date: str | pd.Timestamp, period: str = "week") -> pd.Timestamp:
    """When the period holding ``date`` begins (weeks on Monday), in ``date``'s time zone if it has one.

    >>> period_start("2026-09-23 12:00").strftime("%Y-%m-%d %a")
    '2026-09-21 Mon'
    """
    check_option("period", period, PERIODS)
    when = pd.Timestamp(date)
    start = when.tz_localize(None).to_period(_FREQ[period]).start_time
    return start.tz_localize(when.tzinfo) if when.tzinfo else start


def add_period(data: pd.DataFrame, *, time: str = "submitted_at", period: str = "week",
               column: str = "period") -> pd.DataFrame:
    """A copy of ``data`` with an ordered ``period`` column (weeks start on Monday).

    Labels: weeks by their Monday (``2026-03-30``), months ``2026-04``, quarters ``2026Q2``.
    Rows without a timestamp get no period (a missing group, kept and shown as ``(blank)``).
    """
    check_option("period", period, PERIODS)
    require_columns(data, [time])
    stamps = data[time]
    if not pd.api.types.is_datetime64_any_dtype(stamps):
        raise DataValidationError(f"Column {time!r} must hold timestamps (it is {stamps.dtype}); "
                                  "load the data with cxlab.data, which parses dates.")
    periods = stamps.dt.to_period(_FREQ[period])
    uniques = sorted(periods.dropna().unique())
    labels = [_label(p, period) for p in uniques]
    codes = pd.Index(uniques).get_indexer(periods)
    out = data.copy()
    out[column] = pd.Categorical.from_codes(codes, categories=labels, ordered=True)
    return out
