"""Tables for reading: the score tables of a data folder, and display formatting for people.

Computation never rounds; this module is where numbers become text for people. One
function, :func:`for_people`, turns any table a report saves (:mod:`cxlab.reports.catalog`)
into a table for stakeholders: labelled columns in the reader's language
(:mod:`cxlab.i18n`), no index, numbers rounded by their unit, p-values as ``< 0.001``,
flags as words or marks, intervals as one column, blank cells instead of ``NaN``, and
"too few answers" where a row is ``small``. Report notebooks and pages both call it.
"""

from __future__ import annotations

import html as _html
from collections.abc import Mapping

import numpy as np
import pandas as pd

from . import i18n
from .metric_defs import METRICS  # the registry only: pages format tables without scipy

__all__ = ["INTERNAL", "Shown", "for_people", "format_p", "format_value", "format_scores", "overview", "show",
           "text_table"]

#: The breakdowns of the overview, per table: (title, metrics, by).
OVERVIEW = {
    "responses": [
        ("Survey scores, all responses", ["nps", "csat", "csat_mean", "ces", "ces_low_effort",
                                          "response_rate"], None),
        ("Survey scores by journey stage", ["nps", "csat", "ces"], "journey_stage"),
        ("Survey scores by channel", ["response_rate", "nps", "csat", "ces"], "channel"),
    ],
    "tickets": [
        ("Service process, all tickets", ["fcr", "complaint_rate", "suggestion_adoption",
                                          "first_response_median", "first_response_p90",
                                          "resolution_median", "resolution_p90"], None),
        ("First-contact resolution by time slot", ["fcr", "first_response_median"], "time_slot"),
    ],
    "customers": [
        ("Customers", ["repurchase_rate", "churn_rate", "clv"], None),
    ],
}

#: Column names of saved tables that a reader must never see as headers.
INTERNAL = ("ci_low", "ci_high", "p_adjusted", "p_value", "p_vs_rest", "p_table", "pre_trend_p_value", "previous_n",
            "previous_value", "count_low", "count_high", "share_low", "share_high", "n_missing", "n_control",
            "n_treatment", "value_control", "value_treatment", "rel_diff", "rel_ci_low", "rel_ci_high", "funnel_low",
            "funnel_high", "limit_low", "limit_high", "expected_share", "percent_of_plan", "score_mean", "se",
            "se_type", "z_vs_rest", "odds_ratio", "log_odds", "rows_read", "stages_missing", "journey_stage",
            "time_slot", "customer_type", "agent_id", "significant", "differs", "small", "confidence", "method")

_HIDDEN = {"se", "confidence", "method", "test", "statistic", "z_vs_rest", "judged", "ewma", "log_odds", "spec"}
_PAIRS = (("ci_low", "ci_high", "interval"), ("negative_ci_low", "negative_ci_high", "negative_interval"),
          ("neutral_ci_low", "neutral_ci_high", "neutral_interval"),
          ("positive_ci_low", "positive_ci_high", "positive_interval"), ("rel_ci_low", "rel_ci_high", "rel_interval"),
          ("funnel_low", "funnel_high", "funnel"), ("limit_low", "limit_high", "limits"),
          ("accuracy_ci_low", "accuracy_ci_high", "accuracy_interval"), ("polar_accuracy_ci_low", "polar_accuracy_ci_high", "polar_accuracy_interval"),
          ("neutral_recall_ci_low", "neutral_recall_ci_high", "neutral_recall_interval"))
_P = {"p_value", "p_adjusted", "p_vs_rest", "p_table", "pre_trend_p_value"}
_COUNTS = {"n_negative", "n_neutral", "n_positive", "to_call", "overdue", "due", "all_time", "past_deadline", "open",
           "n", "rows", "rows_read", "n_missing", "previous_n", "n_control", "n_treatment", "count_low", "count_high",
           "comments", "items", "observed", "responded", "planned", "rank", "topic", "relative"}
_PERCENTS = {"share", "share_low", "share_high", "expected_share", "rate", "percent_of_plan", "positive", "breach_share",
             "negative", "neutral", "mixed", "negative_ci_low", "negative_ci_high", "neutral_ci_low", "neutral_ci_high",
             "positive_ci_low", "positive_ci_high",
             "probability", "importance", "overall", "rel_diff", "accuracy", "accuracy_ci_low", "accuracy_ci_high",
             "polar_accuracy", "polar_accuracy_ci_low", "polar_accuracy_ci_high", "neutral_recall", "neutral_recall_ci_low", "neutral_recall_ci_high"}
#: Columns in the metric's own unit: rounded by the metric (NPS points one decimal, CES means two).
_METRIC_VALUES = {"value", "ci_low", "ci_high", "previous_value", "diff", "shrunk", "funnel_low", "funnel_high",
                  "centre", "limit_low", "limit_high", "value_control", "value_treatment", "mde"}
_WITH_UNIT = {"value", "previous_value", "shrunk", "value_control", "value_treatment"}
_SIGNED = {"diff", "rel_diff"}
_TWO_DECIMALS = {"weight", "score_mean", "beta", "odds_ratio", "z", "chi2"}
_SIGNIFICANCE = ("significant", "differs")
_FLAGS = {"call_backs_recorded", "ok", "alert", "warning", "cuped", "treated", "judged"}
_FREE_TEXT = {"word", "phrase", "terms", "examples", "text", "label", "comment", "unit", "level", "period",
              "previous", "variant"}
_NAMES = {"segment", "driver", "column", "dimension"}  # values that are column names


def overview(tables: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The standard score tables for whichever of responses / tickets / customers are given."""
    from .metrics import scores

    out = {}
    for name, specs in OVERVIEW.items():
        if name not in tables:
            continue
        for title, metrics, by in specs:
            needed = {METRICS[m].column for m in metrics} | ({by} if by else set())
            if needed <= set(tables[name].columns):
                out[title] = scores(tables[name], metrics=metrics, by=by)
    return out


def _blank(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, (list, tuple, np.ndarray)):
        return len(value) == 0
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_p(p) -> str:
    """A p-value for reading: ``< 0.001`` or three decimals (``0.023``); blank when missing."""
    if _blank(p):
        return ""
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _number(value, digits: int, *, signed: bool = False) -> str:
    if _blank(value):
        return ""
    return f"{value:+,.{digits}f}" if signed else f"{value:,.{digits}f}"


def format_value(value, metric: str | None, locale: str, *, signed: bool = False, unit: bool = True,
                 digits: int = 1) -> str:
    """One value of ``metric`` for reading, rounded by its unit, as the tables show it.

    >>> format_value(41.234, "nps", "en"), format_value(2.5, "ces", "zh", signed=True, unit=False)
    ('41.2 points', '+2.50')
    >>> format_value(4.93, "csat", "zh", signed=True)  # a change of a rate: percentage points
    '+4.9 个百分点'
    """
    text = _number(value, _digits(metric, digits), signed=signed)
    if not (text and unit):
        return text
    m = METRICS.get(metric) if metric is not None else None
    if signed and m is not None and m.measure == "%":  # a change of a rate is in percentage points
        return text + i18n.t("unit.pp", locale)
    return text + i18n.unit_suffix(metric, locale)


def _digits(metric: str | None, base: int) -> int:
    m = METRICS.get(metric) if metric is not None else None
    return base + 1 if m is not None and m.finer else base


def _text(value, column: str, locale: str) -> str:
    if _blank(value):
        return ""
    if isinstance(value, (list, tuple, np.ndarray)):
        return ("、" if locale == "zh" else ", ").join(str(_text(v, column, locale)) for v in value)
    if isinstance(value, (bool, np.bool_)):
        return i18n.t("yes" if value else "no", locale)
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M") if (value.hour or value.minute) else value.strftime("%Y-%m-%d")
    if column == "metric":
        return i18n.metric_name(str(value), locale)
    if column in _NAMES:
        return i18n.column_label(str(value), locale)
    if column in _FREE_TEXT or not isinstance(value, str):
        return str(value)
    return str(i18n.value_label(value, locale))


def _cell(rec: dict, column: str, metric: str | None, locale: str, base: int) -> str:
    value = rec[column]
    if column in _P:
        return format_p(value)
    if column in _COUNTS:
        return "" if _blank(value) else f"{int(value):,}"
    if column in _PERCENTS:
        return _number(value, base, signed=column in _SIGNED)
    if column in _METRIC_VALUES:
        text = _number(value, _digits(metric, base), signed=column in _SIGNED)
        return text + i18n.unit_suffix(metric, locale) if text and column in _WITH_UNIT else text
    if column in _TWO_DECIMALS:
        return _number(value, 2)
    if isinstance(value, (float, np.floating)):
        return _number(value, base)
    return _text(value, column, locale)


def _header(column: str, locale: str, level: str) -> str:
    if column == "interval":
        return i18n.t("interval", locale, level=level)
    return i18n.column_label(column, locale)


def _level(frame: pd.DataFrame) -> str:
    if "confidence" in frame.columns and len(frame) and not _blank(frame["confidence"].iloc[0]):
        return f"{float(frame['confidence'].iloc[0]):.0%}"
    return f"{float(frame.attrs.get('confidence', 0.95)):.0%}"


def _layout(frame: pd.DataFrame) -> list[str]:
    """The columns shown, in order: hidden ones dropped, each low/high pair as one column."""
    cols = [c for c in frame.columns if c not in _HIDDEN]
    if "stages_missing" in cols and all(_blank(v) for v in frame["stages_missing"]):
        cols.remove("stages_missing")
    for low, high, name in _PAIRS:
        if low in cols and high in cols:
            cols[cols.index(low)] = name
            cols.remove(high)
    if "small" in cols and any(c in cols for c in ("value", "diff", "importance")):
        cols.remove("small")  # said in the value cell instead
    return cols


def _rows(frame: pd.DataFrame, cols: list[str], metric: str | None, locale: str, base: int) -> list[list[str]]:
    pairs = {name: (low, high) for low, high, name in _PAIRS}
    to = i18n.t("to", locale)
    first = next((c for c in ("value", "diff", "importance") if c in cols), None)
    rows = []
    for rec in frame.to_dict("records"):
        m = str(rec["metric"]) if "metric" in rec and not _blank(rec["metric"]) else metric
        small = "small" in rec and not _blank(rec["small"]) and bool(rec["small"])
        out = []
        for col in cols:
            if col in pairs:
                low, high = (_cell(rec, c, m, locale, base) for c in pairs[col])
                text = f"{low} {to} {high}" if low and high else ""
            elif col in _SIGNIFICANCE:
                text = i18n.t("significant_mark", locale) if not _blank(rec[col]) and rec[col] else ""
            else:
                text = _cell(rec, col, m, locale, base)
            if small and col != "n" and (col in pairs or col in _METRIC_VALUES or col in _P or col in _SIGNIFICANCE):
                text = i18n.t("too_few", locale) if col == first else ""
            out.append(text)
        rows.append(out)
    return rows


def for_people(frame: pd.DataFrame, kind=None, *, locale: str | None = None, metric: str | None = None,
               digits: int = 1, html: bool = False):
    """Any table a report saves, formatted for people; as a DataFrame of text, or as HTML.

    Parameters
    ----------
    frame : pandas.DataFrame
        A result table (any declared in :mod:`cxlab.reports.catalog`, or a scores table).
    kind : str or cxlab.reports.catalog.Table, optional
        Which table it is (``"overall"``, ``SEGMENTS.breakdown`` ...); named in the HTML's CSS
        class (``cx-kind-<name>``). The formatting itself follows the columns.
    locale : {"zh", "en"}, optional
        The reader's language; default from ``$CXLAB_LOCALE`` or the data's labels
        (:func:`cxlab.i18n.pick_locale`).
    metric : str, optional
        The metric of every row, for tables without a ``metric`` column (a before/after
        estimate of ``fcr``): sets rounding and unit.
    digits : int
        Decimals of NPS points, percentages and durations; means of short scales (CES 1-7)
        get one more; p-values three, counts none (with thousands separators).
    html : bool
        Return an HTML table (no index; significant rows in green, with a legend) instead.
    """
    locale = i18n.pick_locale(locale, frame)
    cols = _layout(frame)
    level = _level(frame)
    rows = _rows(frame, cols, metric, locale, digits)
    headers = [_header(c, locale, level) for c in cols]
    if not html:
        return pd.DataFrame(rows, columns=headers, dtype=object)
    name = getattr(kind, "name", kind)
    sig = next((c for c in _SIGNIFICANCE if c in frame.columns), None)
    marks = [bool(v) if not _blank(v) else False for v in frame[sig]] if sig else [False] * len(rows)
    head = "".join(f"<th>{_html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr" + (' class="cx-significant" style="background:#e8f5e9;color:#1b5e20"' if mark else "") + ">"
        + "".join(f"<td>{_html.escape(c)}</td>" for c in row) + "</tr>" for row, mark in zip(rows, marks))
    css = "cx-html-table" + (f" cx-kind-{name}" if name else "")
    table = f'<table class="{css}" border="0"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    legend = f'<p class="cx-legend"><small>{i18n.t("legend", locale)}</small></p>' if sig else ""
    return table + legend


class Shown:
    """A table for people that notebooks display as HTML (and print as text)."""

    def __init__(self, frame: pd.DataFrame, kind=None, **options) -> None:
        self.html = for_people(frame, kind, html=True, **options)
        self.frame = for_people(frame, kind, **options)
        # a table without rows says so in words instead of showing bare headers
        self.empty = i18n.t("none", options.get("locale") or "en") if frame.empty else None

    def _repr_html_(self) -> str:
        return f"<p><i>{self.empty}</i></p>" if self.empty else self.html

    def __repr__(self) -> str:
        return self.empty or self.frame.to_string(index=False)


def show(frame: pd.DataFrame, kind=None, **options) -> Shown:
    """:func:`for_people` for a notebook cell: displays as HTML with colour and legend, no index."""
    return Shown(frame, kind, **options)


def format_scores(table: pd.DataFrame, *, digits: int = 1, locale: str | None = None) -> pd.DataFrame:
    """A scores table for reading: the metric's name, the estimate with its unit, the interval as text.

    Parameters
    ----------
    table : pandas.DataFrame
        As returned by :func:`cxlab.scores`.
    digits : int
        Decimal places shown (means of bounded scores, e.g. CES 1-7, get one more).
    locale : {"zh", "en"}, optional
        The reader's language (default: :func:`cxlab.i18n.pick_locale` of the table).
    """
    return for_people(table, "scores", locale=locale, digits=digits)


def text_table(text: str, *, name: str = "text") -> pd.DataFrame:
    """A one-cell table holding a sentence, so a verdict can be saved and shown like any table."""
    return pd.DataFrame({name: [text]})
