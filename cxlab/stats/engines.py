"""Where the rows are aggregated: pandas for a DataFrame, DuckDB for parquet, any engine for an Ibis table.

Every analysis asks :func:`cube_of` for its cube, so the engine is chosen in one place.

CSV/TSV and Excel files are text formats that need their encoding detected and every value
validated, exactly as :func:`cxlab.load_responses` does; so they are loaded through
:func:`cxlab.data.load` (the kind of table guessed from the columns, or named with
``kind=``) and aggregated in pandas. ``cxlab.scores("survey.csv")`` and
``cxlab.scores(cxlab.load_responses("survey.csv"))`` therefore read, validate and report
alike. Parquet files, DuckDB queries and tables stay pushed down to DuckDB
(:func:`~cxlab.stats.cube_sql.cube_sql`, one scan), which checks score columns with the
loaders' wording. An Ibis table (DuckDB, Polars, PostgreSQL, Spark, BigQuery, Snowflake ...),
or a ``(url, table name or query)`` pair, is aggregated inside its engine in one scan
(:func:`~cxlab.stats.cube_ibis.cube_ibis`); only the cube's cells come back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from .._checks import require_columns
from ..data.loaders import load
from ..data.periods import add_period
from .cube import Cube, Scale, cube
from .cube_ibis import (add_period_ibis, connect_table, cube_ibis, engine_name, is_ibis_table,
                        quantile_table)
from .cube_plan import ROWS, group_name
from .cube_sql import cube_sql

__all__ = ["LOADED_SUFFIXES", "cube_of", "as_engine_table", "is_engine_source", "with_period",
           "engine_quantile_rows"]

#: File types loaded and validated by :mod:`cxlab.data` before aggregating in pandas.
LOADED_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls")


def cube_of(source, *, by: Sequence[str] = (), scales: Mapping[str, Scale | None],
            kind: str | None = None) -> Cube:
    """The :class:`~cxlab.stats.cube.Cube` of ``source``.

    Parameters
    ----------
    source : DataFrame, str, pathlib.Path, ibis.Table or (str, str)
        A DataFrame (pandas); a CSV/TSV or Excel file (loaded and validated by
        :func:`cxlab.data.load`, then pandas); a parquet file, table name or query (DuckDB);
        an Ibis table, or a ``(connection URL, table name or query)`` pair (inside that engine,
        one scan; see :func:`cxlab.stats.cube_ibis.connect_table`).
    by, scales
        As for :func:`~cxlab.stats.cube.cube`.
    kind : str, optional
        For CSV/Excel files: the table's kind (``"responses"`` ...), guessed if None.
    """
    if isinstance(source, pd.DataFrame):
        return cube(source, by=by, scales=scales)
    if is_engine_source(source):
        return cube_ibis(as_engine_table(source), by=by, scales=scales)
    if isinstance(source, (str, Path)) and Path(str(source)).suffix.lower() in LOADED_SUFFIXES \
            and "://" not in str(source):
        _, frame = load(source, kind=kind)
        require_columns(frame, [*by, *scales], where=str(source))
        return cube(frame, by=by, scales=scales)
    return cube_sql(source, by=by, scales=scales)


def is_engine_source(source) -> bool:
    """Whether ``source`` is aggregated by an engine through Ibis: an Ibis table or a ``(url, relation)`` pair."""
    return is_ibis_table(source) or (isinstance(source, tuple) and len(source) == 2
                                     and all(isinstance(x, str) for x in source) and "://" in source[0])


def as_engine_table(source):
    """The Ibis table of an engine source (see :func:`is_engine_source`)."""
    return connect_table(*source) if isinstance(source, tuple) else source


def with_period(data, *, time: str = "submitted_at", period: str = "week", column: str = "period"):
    """:func:`cxlab.add_period` for a DataFrame, or the same labels computed inside an engine."""
    if is_engine_source(data):
        return add_period_ibis(as_engine_table(data), time=time, period=period, column=column)
    return add_period(data, time=time, period=period, column=column)


def engine_quantile_rows(source, by: Sequence[str], metric, confidence: float) -> pd.DataFrame:
    """A quantile metric per group computed inside the engine, in the layout of :func:`cxlab.scores`.

    The engine's exact quantile where it has one, its approximate one otherwise; ``method``
    says which and where (e.g. ``"exact quantile (duckdb); no interval"``). Order-statistics
    intervals need each group's sorted rows, which stay in the engine: ``ci_low`` and
    ``ci_high`` are missing (load the rows for them).
    """
    table = as_engine_table(source)
    by = list(by)
    frame, how = quantile_table(table, by=by, column=metric.column, q=metric.q)
    frame = frame[frame[ROWS] > 0]
    if by:
        frame = frame.sort_values([group_name(j) for j in range(len(by))], na_position="last")
    frame = frame.reset_index(drop=True)
    n = pd.to_numeric(frame["n"]).astype("int64")
    value = pd.to_numeric(frame["value"], errors="coerce").astype(float).where(n > 0)
    groups = {b: frame[group_name(j)].to_numpy() for j, b in enumerate(by)}
    return pd.DataFrame({**groups, "n": n, "value": value, "ci_low": float("nan"), "ci_high": float("nan"),
                         "se": float("nan"), "metric": metric.name, "confidence": confidence,
                         "method": f"{how} quantile ({engine_name(table)}); no interval",
                         "n_missing": pd.to_numeric(frame[ROWS]).astype("int64") - n})
