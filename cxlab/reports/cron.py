"""Crontab expressions as APScheduler 3 triggers, with cron's own weekday numbering.

The one place that reads a cron expression: :mod:`cxlab.reports.params` validates a job's
``cron`` with :func:`cron_trigger`, and :mod:`cxlab.reports.schedule` builds its triggers
with it.
"""

from __future__ import annotations

__all__ = ["cron_trigger", "check_cron"]

_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # crontab numbering: 0 (and 7) is Sunday


def _weekdays(field: str) -> str:
    """A crontab day-of-week field as APScheduler day names (its numbers start at Monday)."""
    if field in ("*", "?"):
        return "*"
    days: set[int] = set()
    for part in field.lower().split(","):
        base, _, step = part.partition("/")
        stride = int(step) if step else 1
        if base in ("*", "?"):
            lo, hi = 0, 6
        elif "-" in base:
            a, b = base.split("-", 1)
            lo, hi = _day(a), _day(b)
            if hi == 0 and b.strip() in ("7", "sun"):
                hi = 7  # "5-7" runs Friday to Sunday
        else:
            lo = hi = _day(base)
            if step:
                hi = 6
        if lo > hi:
            raise ValueError(f"weekday range {base!r} runs backwards")
        days |= {d % 7 for d in range(lo, hi + 1, stride)}
    return ",".join(_DAYS[d] for d in sorted(days))


def _day(token: str) -> int:
    token = token.strip()
    if token.isdigit() and 0 <= int(token) <= 7:
        return int(token) % 7
    if token[:3] in _DAYS:
        return _DAYS.index(token[:3])
    raise ValueError(f"{token!r} is not a weekday (0-7 or sun..sat)")


def cron_trigger(expression: str, timezone: str = "UTC"):
    """An APScheduler ``CronTrigger`` that fires when cron would for ``expression``.

    APScheduler 3's ``CronTrigger.from_crontab`` counts weekdays from Monday (0 = Monday),
    while cron counts from Sunday (0 and 7 = Sunday): ``0 22 * * 0`` would run on Monday
    (apscheduler issues #286, #455; fixed only in 4.0). The weekday field is translated to
    day names here. Restricting both day of month and day of week is refused: cron runs
    when either matches, APScheduler only when both do.

    Raises
    ------
    ValueError
        Not five fields, a bad field, or both day fields restricted.
    """
    from apscheduler.triggers.cron import CronTrigger  # the notebooks extra; imported only when a cron is read

    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"expected 5 fields (minute hour day month weekday), got {len(fields)}")
    minute, hour, day, month, weekday = fields
    if day not in ("*", "?") and weekday not in ("*", "?"):
        raise ValueError("restrict the day of month or the day of week, not both (cron and APScheduler "
                         "disagree on how to combine them)")
    return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=_weekdays(weekday),
                       timezone=timezone)


def check_cron(expression: str, timezone: str = "UTC") -> str:
    """``expression`` if it is a valid crontab expression in ``timezone``, else a ValueError
    saying what a crontab expression looks like."""
    try:
        cron_trigger(expression, timezone)
    except ValueError as err:
        raise ValueError(f"cron {expression!r} is not a valid crontab expression "
                         f"(minute hour day month weekday, e.g. '0 6 * * 1'): {err}") from err
    return expression
