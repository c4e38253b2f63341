"""Tables for reading: the score tables of a data folder, and display formatting.

Computation never rounds; this module is where numbers become text for people.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from .metric_defs import METRICS  # the registry only: pages format tables without scipy

__all__ = ["overview", "format_scores", "text_table"]

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


def _fmt(value: float, digits: int) -> str:
    return "—" if pd.isna(value) else f"{value:,.{digits}f}"


def format_scores(table: pd.DataFrame, *, digits: int = 1) -> pd.DataFrame:
    """A scores table for reading: estimate with interval as text, the metric's label and unit.

    Parameters
    ----------
    table : pandas.DataFrame
        As returned by :func:`cxlab.scores`.
    digits : int
        Decimal places shown (means of bounded scores, e.g. CES 1-7, get one more).
    """
    by = list(table.columns[: list(table.columns).index("metric")])
    rows = []
    for rec in table.itertuples(index=False):
        metric = METRICS.get(rec.metric)
        d = digits + 1 if metric is not None and metric.finer else digits
        unit = metric.measure if metric is not None else ""
        rows.append({
            **{b: getattr(rec, b) if b.isidentifier() else None for b in by},
            "metric": metric.label if metric is not None else rec.metric,
            "estimate": _fmt(rec.value, d) + (f" {unit}" if unit and unit != "%" else unit),
            "95% interval" if rec.confidence == 0.95 else f"{rec.confidence:.0%} interval":
                f"{_fmt(rec.ci_low, d)} to {_fmt(rec.ci_high, d)}",
            "n": f"{rec.n:,}",
            "blank": f"{rec.n_missing:,}",
        })
    return pd.DataFrame(rows)


def text_table(text: str, *, name: str = "text") -> pd.DataFrame:
    """A one-cell table holding a sentence, so a verdict can be saved and shown like any table."""
    return pd.DataFrame({name: [text]})
