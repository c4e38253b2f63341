"""Scores: every CX metric with its interval, overall or per group, from one cube.

:func:`scores` aggregates a DataFrame (or a parquet/CSV file, inside DuckDB) into per-group
sufficient statistics once and asks each metric's kind (:mod:`cxlab.stats.kinds`) for the
estimates; :func:`segment_scores` serves several breakdowns from the same cube. The
inference layer (``nps_from_counts`` ...) lives in :mod:`cxlab.stats.estimates` and is
re-exported here, with the metric registry, as the documented ``cxlab.metrics`` names.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ._checks import check_confidence
from .metric_defs import METRICS, PROPORTION_METHODS, QUANTILE_METHODS, Metric, get_metric
from .stats.cube import Cube
from .stats.engines import cube_of, engine_quantile_rows, is_engine_source
from .stats.estimates import (
    DEFAULT_CONFIDENCE,
    NPS_METHODS,
    Estimate,
    bootstrap_from_counts,
    mean_from_moments,
    nps_from_counts,
    proportion_from_counts,
    quantile_from_values,
)
from .stats.kinds import cube_scales, kind_of

__all__ = [
    "scores",
    "segment_scores",
    "segment_table",
    "score_columns",
    "nps",
    "csat",
    "ces",
    "SCORE_COLUMNS",
    # re-exported: the registry and the inference layer
    "Estimate",
    "Metric",
    "METRICS",
    "get_metric",
    "nps_from_counts",
    "proportion_from_counts",
    "mean_from_moments",
    "quantile_from_values",
    "bootstrap_from_counts",
    "DEFAULT_CONFIDENCE",
    "NPS_METHODS",
    "PROPORTION_METHODS",
    "QUANTILE_METHODS",
]

SCORE_COLUMNS = ["metric", "n", "value", "ci_low", "ci_high", "se", "confidence", "method", "n_missing"]


def score_columns(cube: Cube, metrics: Sequence[Metric], confidence: float, keep: np.ndarray) -> pd.DataFrame:
    """The :data:`SCORE_COLUMNS` for the kept cells (flat C-order indices) of a cube, metric after metric."""
    cols: dict[str, list[np.ndarray]] = {k: [] for k in SCORE_COLUMNS}
    k = len(keep)
    for m in metrics:
        kind = kind_of(m)
        st = kind.stats(cube, m)
        est = kind.estimate(st, m, confidence)
        cols["metric"].append(np.full(k, m.name, dtype=object))
        cols["confidence"].append(np.full(k, confidence))
        cols["method"].append(np.full(k, m.method, dtype=object))
        for key in ("n", "value", "ci_low", "ci_high", "se"):
            cols[key].append(np.ravel(est[key])[keep])
        cols["n_missing"].append(np.ravel(st["missing"])[keep])
    out = {key: np.concatenate(v) for key, v in cols.items()}
    out["n"], out["n_missing"] = out["n"].astype(np.int64), out["n_missing"].astype(np.int64)
    return pd.DataFrame(out)


def _row_metric_rows(data: pd.DataFrame, by: list[str], m: Metric, confidence: float) -> pd.DataFrame:
    """Scores of a metric that needs the rows (a quantile), in the layout of :func:`scores`."""
    rows = kind_of(m).estimate_rows(data, by, m, confidence)
    return rows.assign(metric=m.name, confidence=confidence, method=f"order-statistics ({m.method})",
                       n_missing=rows["missing"]).drop(columns="missing")


def scores(data: pd.DataFrame | str | Path, *,
           metrics: Sequence[str | Metric] = ("nps", "csat", "ces"),
           by: str | Sequence[str] | None = None,
           confidence: float = DEFAULT_CONFIDENCE) -> pd.DataFrame:
    """Every requested metric with its interval, overall or per group.

    Parameters
    ----------
    data : pandas.DataFrame, str or pathlib.Path
        Rows in cxlab's vocabulary (see :mod:`cxlab.data`), or a parquet/CSV file, which
        is aggregated inside DuckDB without loading it (quantile metrics need a DataFrame),
        or an Ibis table / ``(url, table or query)`` pair, aggregated inside its engine in
        one scan (quantiles there too: exact or approximate, as ``method`` says).
    metrics : sequence of str or Metric
        Names from :data:`METRICS` (``"nps"``, ``"csat"``, ``"ces"``, ``"fcr"`` ...) or
        :class:`Metric` definitions.
    by : str or list of str, optional
        Grouping column(s), cross-classified like ``groupby``; None for the whole table.
        A blank group value is its own group (shown as ``(blank)``), never dropped.
    confidence : float
        Confidence level of every interval.

    Returns
    -------
    pandas.DataFrame
        One row per (group, metric): the ``by`` columns, then ``metric``, ``n`` (answers
        used), ``value``, ``ci_low``, ``ci_high``, ``se``, ``confidence``, ``method`` and
        ``n_missing`` (rows of the group where the metric's column was blank, left out of
        ``n``). Groups with no rows at all are omitted.

    Examples
    --------
    >>> import cxlab
    >>> survey = cxlab.sample.responses(n=2000, seed=1, locale="en")
    >>> table = cxlab.scores(survey, metrics=["nps", "csat"], by="channel")
    >>> list(table.columns[:4])
    ['channel', 'metric', 'n', 'value']
    """
    c = check_confidence(confidence)
    by_list = [] if by is None else [by] if isinstance(by, str) else list(by)
    ms = [get_metric(m) for m in metrics]
    if not ms:
        raise ValueError("`metrics` is empty; name at least one metric, e.g. metrics=['nps'].")
    is_frame = isinstance(data, pd.DataFrame)
    row_metrics = [m for m in ms if kind_of(m).needs_rows]
    cube_metrics = [m for m in ms if not kind_of(m).needs_rows]
    engine = is_engine_source(data)  # an Ibis table or (url, relation): quantiles inside the engine
    if row_metrics and not is_frame and not engine:
        raise ValueError("Quantile metrics (medians, p90) need the rows: load the file with "
                         "cxlab.data and pass the DataFrame.")
    parts, exclusions = [], data.attrs.get("cxlab_exclusions") if is_frame else None
    if cube_metrics:
        cube = cube_of(data, by=by_list, scales=cube_scales(cube_metrics))
        exclusions = exclusions or cube.attrs.get("cxlab_exclusions")
        keep = np.flatnonzero(cube.rows.ravel() > 0)
        labels = cube.cell_labels().iloc[np.tile(keep, len(cube_metrics))].reset_index(drop=True)
        parts.append(pd.concat([labels, score_columns(cube, cube_metrics, c, keep)], axis=1))
    parts += [engine_quantile_rows(data, by_list, m, c) if engine else _row_metric_rows(data, by_list, m, c)
              for m in row_metrics]
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    if len(parts) > 1:  # restore the requested metric order
        order = {m.name: i for i, m in enumerate(ms)}
        out = out.iloc[np.argsort(out["metric"].map(order).to_numpy(), kind="stable")].reset_index(drop=True)
    out = out[[*by_list, *SCORE_COLUMNS]]
    if exclusions is not None:  # rows left out travel with the result, from a frame or a file
        out.attrs["cxlab_exclusions"] = exclusions
    return out


def segment_scores(data: pd.DataFrame | str | Path, *,
                   by: Sequence[str | Sequence[str]],
                   metrics: Sequence[str | Metric] = ("nps", "csat", "ces"),
                   confidence: float = DEFAULT_CONFIDENCE) -> pd.DataFrame:
    """Several breakdowns at once (one-way and cross-classified) from a single pass over the rows.

    All grouping columns are aggregated into one cube; each breakdown is a sum over the
    cube's other axes, so five one-way tables and a two-way table cost about as much as
    one. Quantile metrics need the rows of each group and are not offered here (use
    :func:`scores`).

    Parameters
    ----------
    data : pandas.DataFrame, str or pathlib.Path
        As for :func:`scores`.
    by : sequence of str or of lists of str
        The breakdowns, e.g. ``["channel", "region", ["channel", "customer_type"]]``.
    metrics, confidence
        As for :func:`scores`.

    Returns
    -------
    pandas.DataFrame
        One row per (breakdown, level, metric): ``segment`` (e.g. ``"channel"`` or
        ``"channel × customer_type"``), ``level`` (e.g. ``"APP"`` or ``"APP × 企业客户"``),
        ``rows`` (rows in the level) and ``share`` (percent of all rows), then the columns
        of :func:`scores`.

    Examples
    --------
    >>> import cxlab
    >>> survey = cxlab.sample.responses(n=2000, seed=1, locale="en")
    >>> t = segment_scores(survey, by=["channel", ["channel", "age_band"]], metrics=["nps"])
    >>> t["segment"].unique().tolist()
    ['channel', 'channel × age_band']
    """
    c = check_confidence(confidence)
    groupings = [[g] if isinstance(g, str) else list(g) for g in by]
    if not groupings:
        raise ValueError("`by` is empty; name at least one breakdown, e.g. by=['channel'].")
    ms = [get_metric(m) for m in metrics]
    if any(kind_of(m).needs_rows for m in ms):
        raise ValueError("Quantile metrics (medians, p90) need each group's rows; use cxlab.scores "
                         "for them, one breakdown at a time.")
    dims = list(dict.fromkeys(d for g in groupings for d in g))
    return segment_table(cube_of(data, by=dims, scales=cube_scales(ms)), groupings, ms, c)


def segment_table(full: Cube, groupings: list[list[str]], metrics: Sequence[Metric],
                  confidence: float) -> pd.DataFrame:
    """The rows of :func:`segment_scores` from an already aggregated cube over every grouping's columns."""
    total = full.rows.sum()
    parts = []
    for grouping in groupings:
        sub = full.collapse(grouping)
        rows = sub.rows.ravel()
        keep = np.flatnonzero(rows > 0)
        reps = len(metrics)
        head = pd.DataFrame({
            "segment": np.full(len(keep) * reps, " × ".join(grouping), dtype=object),
            "level": np.tile(sub.level_names()[keep], reps),
            "rows": np.tile(rows[keep], reps),
            "share": np.tile(100 * rows[keep] / total if total else np.full(len(keep), np.nan), reps),
        })
        parts.append(pd.concat([head, score_columns(sub, metrics, confidence, keep)], axis=1))
    out = pd.concat(parts, ignore_index=True)
    return out[["segment", "level", "rows", "share", *SCORE_COLUMNS]]


def _single(data, column: str, metric: Metric, by, confidence) -> pd.DataFrame:
    return scores(data, metrics=[metric.replace(column=column)], by=by, confidence=confidence)


def nps(data: pd.DataFrame, *, score: str = "nps", by: str | Sequence[str] | None = None,
        confidence: float = DEFAULT_CONFIDENCE) -> pd.DataFrame:
    """NPS with its interval per group; shorthand for ``scores(..., metrics=["nps"])``."""
    return _single(data, score, METRICS["nps"], by, confidence)


def csat(data: pd.DataFrame, *, score: str = "csat", by: str | Sequence[str] | None = None,
         scale: tuple[int, int] = (1, 5), good: Sequence[int] = (4, 5),
         confidence: float = DEFAULT_CONFIDENCE) -> pd.DataFrame:
    """CSAT % (share of ``good`` answers, the top-2-box by default) per group."""
    metric = METRICS["csat"].replace(scale=tuple(scale), good=tuple(good))
    return _single(data, score, metric, by, confidence)


def ces(data: pd.DataFrame, *, score: str = "ces", by: str | Sequence[str] | None = None,
        scale: tuple[int, int] = (1, 7), confidence: float = DEFAULT_CONFIDENCE) -> pd.DataFrame:
    """Mean Customer Effort Score per group (lower is better on the default wording)."""
    return _single(data, score, METRICS["ces"].replace(scale=tuple(scale)), by, confidence)
