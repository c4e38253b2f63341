"""Reading a column of dates and times, including time zones, with one stated rule.

The rule (also in the README, "Pointing cxlab at your own data"):

- No value carries a zone (``2026-03-30 14:05``): the column stays without a zone
  (wall-clock times, as most survey tools export them).
- Every value carries a zone (``+08:00``, ``+0800``, ``Z``): each value is read as the instant
  it names and the column is shown in the zone most of its values carry (the first such
  zone on a tie), so ``2026-03-30T06:05Z`` in a column of ``+08:00`` times reads as
  ``2026-03-30 14:05+08:00``. Nothing is shifted by guesswork.
- Some values carry a zone and some do not: ambiguous - the values without a zone could be
  in any zone - so it is a :class:`~cxlab.data.problems.Problem` naming the rows of the
  smaller group, to fix in the file.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from .problems import Problem

__all__ = ["parse_times"]

# A time of day followed by a zone: Z, +08, +0800 or +08:00.
_ZONE = r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?P<zone>[Zz]|[+-]\d{2}(?::?\d{2})?)$"
_NOT_DATES_FIX = "use ISO dates such as 2026-03-30 or 2026-03-30 14:05"


def _offset(zone: str) -> dt.timezone:
    if zone in ("Z", "z"):
        return dt.UTC
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


def _zones(text: pd.Series) -> pd.Series:
    """Per value (as text): its zone as a ``datetime.timezone``, or NA without one."""
    found = text.str.extract(_ZONE)["zone"]
    known = {z: _offset(z) for z in found.dropna().unique()}
    return found.map(known, na_action="ignore")


def parse_times(series: pd.Series) -> tuple[pd.Series, list[Problem]]:
    """A column as ``datetime64`` under the module's time-zone rule, and what could not be read.

    Parameters
    ----------
    series : pandas.Series
        Text, Python/pandas timestamps, or already ``datetime64`` (returned as is).

    Returns
    -------
    values : pandas.Series
        ``datetime64`` (with a fixed-offset zone if every value has one); unreadable
        values are NaT.
    problems : list of Problem
        Values that are not dates, and values without a zone among values with one.
    """
    if pd.api.types.is_datetime64_any_dtype(series):
        return series, []
    text = series.astype("string").str.strip()
    blank = (text.isna() | (text == "")).astype(bool)
    problems = []
    try:  # fast path: no zones, or one zone throughout (pandas refuses any mix)
        parsed = pd.to_datetime(series.where(~blank), errors="coerce", format="mixed")
    except ValueError:
        parsed = None
    if parsed is None:
        zones = _zones(text)
        zoned = zones.notna().to_numpy() & ~blank
        naive = ~zoned & ~blank
        if zoned.any() and naive.any():
            minority, other = (zoned, naive) if zoned.sum() < naive.sum() else (naive, zoned)
            has = "with" if minority is zoned else "without"
            problems.append(Problem.from_mask(
                series, minority,
                f"value(s) {has} a time zone, while {int(other.sum())} other(s) "
                f"{'lack' if has == 'with' else 'have'} one",
                "give every value a zone (e.g. 2026-03-30 14:05+08:00) or none, so that each "
                "time means one instant"))
            return pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns]"), problems
        if not zoned.any():  # refused for another reason: read value by value
            one = [pd.to_datetime(v, errors="coerce") for v in series.where(~blank)]
            return _with_unreadable(pd.Series(one, index=series.index), series, blank)
        parsed = pd.to_datetime(series.where(~blank), errors="coerce", format="mixed", utc=True)
        counts = zones[zoned].map(str).value_counts(sort=False)
        main = zones[zoned][zones[zoned].map(str) == counts.idxmax()].iloc[0]
        parsed = parsed.dt.tz_convert(main)
    return _with_unreadable(parsed, series, blank, problems)


def _with_unreadable(parsed: pd.Series, series: pd.Series, blank, problems=()) -> tuple[pd.Series, list[Problem]]:
    """``parsed`` with a problem for every non-blank value that did not parse."""
    problems = list(problems)
    if not pd.api.types.is_datetime64_any_dtype(parsed):
        parsed = pd.to_datetime(parsed, errors="coerce", utc=False)
    bad = ~blank & parsed.isna()
    if bad.any():
        problems.append(Problem.from_mask(series, bad, "value(s) that are not dates or times",
                                          _NOT_DATES_FIX))
    return parsed, problems
