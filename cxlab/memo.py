"""The memo a report opens with: what changed, where experience is lost, what to do next.

Three short paragraphs a service director reads before any table, written from tables the report
already has: the change of each metric from the period before (:func:`cxlab.trends.period_changes`
without ``by``), the breakdown of a score over the journey stages with its tests against the rest
(:func:`cxlab.segments.breakdown`), and the follow-up list (:func:`cxlab.followup.follow_up_summary`).
A change is called real only when its Holm-adjusted test says so, a stage is called weakest only
when it differs from the rest, and groups with too few answers are never judged.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from . import i18n
from .metric_defs import METRICS
from .tables import format_value

__all__ = ["weakest_group", "latest_changes", "memo", "memo_table"]


def _flag(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(False, index=frame.index)
    return frame[column].astype("boolean").fillna(False).astype(bool)


def weakest_group(breakdown: pd.DataFrame, metric: str | None = None) -> pd.Series | None:
    """The group furthest below the rest on ``metric`` among those that really differ (Holm), or None.

    ``breakdown`` is a :func:`cxlab.segments.breakdown` table; ``metric`` defaults to its first.
    Groups with too few answers (``small``) are never picked; "below" follows the metric's
    direction (lower CES is better).
    """
    if breakdown is None or breakdown.empty or "z_vs_rest" not in breakdown.columns:
        return None
    metric = metric or str(breakdown["metric"].iloc[0])
    rows = breakdown[(breakdown["metric"] == metric) & _flag(breakdown, "differs") & ~_flag(breakdown, "small")]
    rows = rows[rows["z_vs_rest"].notna()]
    if rows.empty:
        return None
    better_high = METRICS[metric].higher_is_better if metric in METRICS else True
    worst = rows.sort_values("z_vs_rest", ascending=better_high).iloc[0]
    return worst if (worst["z_vs_rest"] < 0) == better_high else None


def latest_changes(changes: pd.DataFrame) -> pd.DataFrame:
    """The last period's row of each metric of a :func:`cxlab.trends.period_changes` table."""
    if changes is None or changes.empty:
        return pd.DataFrame(columns=getattr(changes, "columns", []))
    last = changes.groupby("metric", sort=False, observed=True).tail(1)
    return last.reset_index(drop=True)


def _change_sentence(row: pd.Series, locale: str) -> str:
    metric = str(row["metric"])
    name = i18n.metric_name(metric, locale)
    value = format_value(row["value"], metric, locale)
    if bool(row.get("small", False)) or pd.isna(row.get("diff")):
        return i18n.t("memo.change_too_few", locale, metric=name, value=value, period=row["period"])
    diff = format_value(row["diff"], metric, locale, signed=True)
    key = "memo.change_noise"
    if bool(row["significant"]):
        better = (row["diff"] > 0) == (METRICS[metric].higher_is_better if metric in METRICS else True)
        key = "memo.change_better" if better else "memo.change_worse"
    return i18n.t(key, locale, metric=name, value=value, diff=diff, period=row["period"], previous=row["previous"])


def memo(*, changes: pd.DataFrame | None = None, breakdown: pd.DataFrame | None = None,
         follow: pd.DataFrame | None = None, owners: Mapping[str, str] | None = None,
         locale: str = "en") -> str:
    """The report's opening memo as Markdown (in ``locale``).

    Parameters
    ----------
    changes : pandas.DataFrame, optional
        :func:`cxlab.trends.period_changes` without ``by``: each metric's change from the period before.
    breakdown : pandas.DataFrame, optional
        :func:`cxlab.segments.breakdown` of one score over the journey stages (or any one dimension).
    follow : pandas.DataFrame, optional
        :func:`cxlab.followup.follow_up_summary`: the follow-up list's size and late call-backs.
    owners : mapping, optional
        Group (e.g. journey stage) -> who owns it, as the team writes it; named next to the weakest group.
    locale : {"zh", "en"}
    """
    owners = dict(owners or {})
    parts = []
    lines = [_change_sentence(r, locale) for _, r in latest_changes(changes).iterrows()] if changes is not None else []
    parts.append(f"**{i18n.t('memo.what_changed', locale)}** " + (i18n.t("list_sep", locale).join(lines) if lines
                                                                  else i18n.t("memo.no_periods", locale)))
    where = i18n.t("memo.no_weakest", locale)
    weakest = weakest_group(breakdown) if breakdown is not None else None
    owner = None
    if weakest is not None:
        metric = str(weakest["metric"])
        owner = owners.get(str(weakest["level"]))
        where = i18n.t("memo.weakest", locale, group=weakest["level"], dimension=i18n.column_label(weakest["segment"],
                                                                                                   locale),
                       metric=i18n.metric_name(metric, locale), value=format_value(weakest["value"], metric, locale),
                       low=format_value(weakest["ci_low"], metric, locale, unit=False),
                       high=format_value(weakest["ci_high"], metric, locale, unit=False))
    parts.append(f"**{i18n.t('memo.where_lost', locale)}** {where}")
    todo = []
    if weakest is not None:
        todo.append(i18n.t("memo.owner", locale, group=weakest["level"], owner=owner) if owner else
                    i18n.t("memo.no_owner", locale, group=weakest["level"]))
    if follow is not None and len(follow):
        f = follow.iloc[0]
        todo.append(i18n.t("memo.follow_up", locale, n=int(f["to_call"]), overdue=int(f["overdue"]),
                           hours=int(f["hours"]), since=pd.Timestamp(f["since"]).strftime("%Y-%m-%d")))
    if not todo:
        todo.append(i18n.t("memo.nothing_to_do", locale))
    parts.append(f"**{i18n.t('memo.next', locale)}** " + i18n.t("list_sep", locale).join(todo))
    return "\n\n".join(parts)


def memo_table(**tables) -> pd.DataFrame:
    """:func:`memo` in every language, one row each (``locale``, ``text``): what a run saves, so that
    its pages say exactly what its report said, in the reader's language."""
    return pd.DataFrame({"locale": list(i18n.LOCALES),
                         "text": [memo(**tables, locale=loc) for loc in i18n.LOCALES]})
