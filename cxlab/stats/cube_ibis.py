"""The cube computed inside any engine Ibis reaches (DuckDB, Polars, PostgreSQL, Spark, warehouses).

One ``group_by(...).aggregate(...)`` expression (:func:`cube_expression`) computes the
one-pass statistics of :mod:`cxlab.stats.cube_plan` for the finest cells in one scan; only
that small result leaves the engine (one row per non-empty cell), and every margin, test and
estimate is derived locally from the :class:`~cxlab.stats.cube.Cube`. The same expression
compiles without a server for BigQuery, Snowflake, Trino and others (``ibis.to_sql``).

Quantiles of continuous columns have no small sufficient statistic: :func:`quantile_table`
asks the engine for its exact quantile where the engine has one, its approximate one
otherwise, and says which.

Needs the ``ibis`` extra: ``pip install 'cxlab[ibis]'``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from .._checks import check_option, optional_import, require_columns
from ..errors import DataValidationError, EngineError
from .cube import Cube, Scale
from .cube_plan import (ROWS, bin_name, check_counts, check_name, count_name, cube_from_groups,
                        group_name, mean_name, var_name)

__all__ = ["is_ibis_table", "engine_name", "connect_table", "cube_expression", "cube_ibis",
           "quantile_table", "add_period_ibis", "co_moment_sums"]

_PERIOD_UNITS = {"day": "D", "week": "W", "month": "M", "quarter": "Q"}


def _ibis():
    return optional_import("ibis", "ibis")


def is_ibis_table(obj) -> bool:
    """Whether ``obj`` is an Ibis table expression (False without Ibis installed, never importing it)."""
    return type(obj).__module__.startswith("ibis.") and hasattr(obj, "group_by") and hasattr(obj, "schema")


def engine_name(table) -> str:
    """The name of the backend an Ibis table is bound to (``"duckdb"``, ``"postgres"`` ...), or ``"unbound"``."""
    try:
        return table._find_backend().name
    except Exception:  # noqa: BLE001 - an unbound table (compile-only) has no backend
        return "unbound"


def connect_table(url: str, relation: str):
    """An Ibis table from a connection URL and a table name or a ``SELECT`` query.

    Parameters
    ----------
    url : str
        Any URL ``ibis.connect`` accepts: ``duckdb:///path.duckdb``,
        ``postgres://user:password@host:5432/db``, ``bigquery://project/dataset`` ...
    relation : str
        A table (or view) name, or a query starting with ``SELECT`` or ``WITH``.

    Raises
    ------
    DataValidationError
        The engine could not be reached, or has no such table, or the query fails.
    """
    ibis = _ibis()
    shown = url.split("@")[-1] if "@" in url else url  # never echo a password
    try:
        con = ibis.connect(url)
    except Exception as err:  # noqa: BLE001 - every driver raises its own kind
        raise DataValidationError(f"Could not connect to {shown}: {_first_line(err)}. Check the URL, "
                                  "that the server is running and that its driver is installed.") from None
    text = relation.strip()
    try:
        if text.lower().startswith(("select", "with")):
            return _query(con, text)
        return con.table(text)
    except Exception as err:  # noqa: BLE001
        tables = ""
        try:
            tables = f" Tables there: {sorted(con.list_tables())[:20]}."
        except Exception:  # noqa: BLE001
            pass
        raise DataValidationError(f"{shown} could not read {text!r}: {_first_line(err)}.{tables} "
                                  "Name a table that exists or fix the query.") from None


def _query(con, text: str):
    """``con.sql(text)``; on DuckDB a temporary view of the query (Ibis 12's schema probe needs DuckDB < 2)."""
    if con.name != "duckdb":
        return con.sql(text)
    name = f"cxlab_query_{abs(hash(text)):x}"
    con.raw_sql(f'CREATE OR REPLACE TEMP VIEW "{name}" AS {text}')
    return con.table(name)


def _first_line(err: Exception) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0]


def _number(table, col: str):
    """A column read as float64 as the loaders read it: trimmed text converted, NULL where not a number."""
    value = table[col]
    if value.type().is_string():
        return value.strip().nullif("").try_cast("float64")
    if value.type().is_boolean():
        return value.cast("int32").cast("float64")  # PostgreSQL casts boolean to integer, not to smallint
    return value.cast("float64")


def _group(table, col: str):
    value = table[col]
    return value.strip().nullif("") if value.type().is_string() else value


def cube_expression(table, *, by: Sequence[str] = (), scales: Mapping[str, Scale | None]):
    """The one-pass aggregate of :mod:`cxlab.stats.cube_plan` as an Ibis expression (bound or not).

    Parameters
    ----------
    table : ibis.Table
        Rows; may be unbound (``ibis.table(schema, name=...)``) to compile SQL only.
    by, scales
        As for :func:`cxlab.stats.cube.cube`.

    Returns
    -------
    ibis.Table
        One row per non-empty cell: ``g0 ..`` (grouping values), ``nrows``, and per column the
        counts, means, variances and bad-value counts named by :mod:`cxlab.stats.cube_plan`.
    """
    require_columns(table, [*by, *scales], where=f"The {engine_name(table)} table")
    aggs = {ROWS: table.count()}
    for i, (col, scale) in enumerate(scales.items()):
        v = _number(table, col)
        aggs[count_name(i)] = v.count()
        raw = table[col]
        if raw.type().is_string():
            aggs[check_name(i, "text")] = raw.count(where=(raw.strip() != "") & v.isnull())
        if scale is None:
            aggs[mean_name(i)] = v.mean()
            aggs[var_name(i)] = v.var(how="pop")
            continue
        low, high = scale
        for k in range(high - low + 1):
            aggs[bin_name(i, k)] = v.count(where=v == low + k)
        if not (raw.type().is_integer() or raw.type().is_boolean()):
            aggs[check_name(i, "frac")] = v.count(where=v != v.floor())
        aggs[check_name(i, "off")] = v.count(where=(v < low) | (v > high))
    groups = {group_name(j): _group(table, b) for j, b in enumerate(by)}
    return table.group_by(**groups).aggregate(**aggs) if groups else table.aggregate(**aggs)


def _execute(expr, table, what: str) -> pd.DataFrame:
    ibis = _ibis()
    engine = engine_name(table)
    try:
        return expr.to_pandas()
    except ibis.common.exceptions.OperationNotDefinedError as err:
        raise EngineError(f"The {engine} engine cannot compute {what}: {_first_line(err)}. Aggregate "
                          "this metric on another engine (e.g. DuckDB over an export).") from None
    except ibis.common.exceptions.IbisError as err:
        raise DataValidationError(f"The {engine} engine could not compute {what}: "
                                  f"{_first_line(err)}.") from None


def cube_ibis(table, *, by: Sequence[str] = (), scales: Mapping[str, Scale | None]) -> Cube:
    """The same :class:`Cube` as :func:`cxlab.stats.cube.cube`, computed inside the table's engine in one scan.

    Parameters
    ----------
    table : ibis.Table
        Rows on any Ibis backend.
    by, scales
        As for :func:`cxlab.stats.cube.cube`.

    Raises
    ------
    DataValidationError
        A missing column, or score values that are text, fractions or off the scale (column,
        count, examples; SQL tables have no row order, so no row numbers).
    EngineError
        The engine lacks an operation the cube needs (named with the engine).
    """
    by = tuple(by)
    frame = _execute(cube_expression(table, by=by, scales=scales), table, "the cube")
    bad = check_counts(frame, scales)
    if bad:
        raise DataValidationError(_bad_values(table, bad, scales))
    return cube_from_groups(frame, by=by, scales=scales)


def co_moment_sums(table, *, by: str, y: str, x: str, discrete: bool) -> pd.DataFrame:
    """The sums CUPED needs per level of ``by``, computed inside the engine in one scan.

    Over the rows with both ``y`` and ``x``: ``n``, ``sx``, ``sxx`` and, for a continuous ``y``,
    ``sy``, ``syy``, ``sxy``; with ``discrete`` (a score on a bounded scale) the rows are also
    grouped by the value of ``y`` (column ``y``), so a metric's own coding of the scores (NPS
    +100 / 0 / -100, top-box 100 / 0) is applied to the few values locally. ``x_blank``: rows
    with ``y`` but no ``x`` (the rows without ``y`` are counted by the cube). Columns ``g0`` (the
    level of ``by``) and, with ``discrete``, ``y``.
    """
    require_columns(table, [by, y, x], where=f"The {engine_name(table)} table")
    t = table.mutate(cx_g=_group(table, by), cx_y=_number(table, y), cx_x=_number(table, x))
    both = t.cx_y.notnull() & t.cx_x.notnull()
    aggs = {"n": t.count(where=both), "sx": t.cx_x.sum(where=both), "sxx": (t.cx_x * t.cx_x).sum(where=both),
            "x_blank": t.count(where=t.cx_y.notnull() & t.cx_x.isnull())}
    if not discrete:
        aggs |= {"sy": t.cx_y.sum(where=both), "syy": (t.cx_y * t.cx_y).sum(where=both),
                 "sxy": (t.cx_x * t.cx_y).sum(where=both)}
    groups = {group_name(0): t.cx_g, **({"y": t.cx_y} if discrete else {})}
    frame = _execute(t.group_by(**groups).aggregate(**aggs), table, f"the co-moments of {y} and {x}")
    for col in ("sx", "sxx", "sy", "syy", "sxy"):
        if col in frame:
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float).fillna(0.0)
    return frame


def _bad_values(table, bad: Mapping[str, int], scales: Mapping[str, Scale | None]) -> str:
    lines = []
    for col, count in bad.items():
        v = _number(table, col)
        raw = table[col]
        scale = scales[col]
        wrong = v.isnull() & raw.notnull()
        if scale is not None:
            low, high = scale
            wrong = wrong | (v != v.floor()) | (v < low) | (v > high)
        examples = table.filter(wrong).select(raw.name(col)).limit(5).to_pandas()[col].tolist()
        want = f"whole numbers {scale[0]}-{scale[1]}" if scale is not None else "numbers"
        lines.append(f"  - column {col!r}: {count} value(s) that are not {want}, e.g. {examples}")
    return (f"The {engine_name(table)} table failed validation:\n" + "\n".join(lines)
            + "\nRecode or remove those rows, or configure the metric's scale if the question uses another one.")


def quantile_table(table, *, by: Sequence[str] = (), column: str, q: float,
                   approximate: bool | None = None) -> tuple[pd.DataFrame, str]:
    """The ``q`` quantile of ``column`` per cell of ``by``, inside the engine.

    Parameters
    ----------
    table : ibis.Table
    by : sequence of str
    column : str
        A continuous column (durations, money).
    q : float
        The quantile, e.g. 0.5 or 0.9.
    approximate : bool, optional
        None: the engine's exact quantile where it has one, its approximate one otherwise.

    Returns
    -------
    (pandas.DataFrame, str)
        Columns ``g0 ..``, ``nrows``, ``n`` (values), ``value``; and ``"exact"`` or
        ``"approximate"``.

    Raises
    ------
    EngineError
        The engine has neither (e.g. MySQL has no approximate quantile).
    """
    ibis = _ibis()
    require_columns(table, [*by, column], where=f"The {engine_name(table)} table")
    v = _number(table, column)
    groups = {group_name(j): _group(table, b) for j, b in enumerate(by)}
    engine = engine_name(table)
    tried = [False, True] if approximate is None else [bool(approximate)]
    for approx in tried:
        value = v.approx_quantile(q) if approx else v.quantile(q)
        aggs = {ROWS: table.count(), "n": v.count(), "value": value}
        expr = table.group_by(**groups).aggregate(**aggs) if groups else table.aggregate(**aggs)
        try:
            _compile(expr, table)
        except ibis.common.exceptions.OperationNotDefinedError:
            continue
        return _execute(expr, table, f"the {q:g} quantile of {column!r}"), "approximate" if approx else "exact"
    raise EngineError(f"The {engine} engine has no {'approximate ' if tried == [True] else ''}quantile "
                      f"operation, so the {q:g} quantile of {column!r} cannot be computed there. Use a "
                      "mean instead, or aggregate on an engine that has one (DuckDB, PostgreSQL, Spark).")


def _compile(expr, table):
    ibis = _ibis()
    backend = engine_name(table)
    if backend == "unbound":
        return ibis.to_sql(expr)
    return table._find_backend().compile(expr)


def add_period_ibis(table, *, time: str = "submitted_at", period: str = "week", column: str = "period"):
    """``table`` with a ``period`` label column computed in the engine, as :func:`cxlab.add_period` labels it.

    Weeks are named by their Monday (``2026-03-30``), months ``2026-04``, quarters ``2026Q2``,
    days ``2026-04-01``; the labels sort in time order. Rows without a timestamp get none.
    """
    check_option("period", period, tuple(_PERIOD_UNITS))
    require_columns(table, [time], where=f"The {engine_name(table)} table")
    stamps = table[time]
    if not stamps.type().is_temporal():
        raise DataValidationError(f"Column {time!r} must hold timestamps (it is {stamps.type()}); "
                                  "cast it in the query.")
    if period == "quarter":
        label = stamps.year().cast("string") + "Q" + stamps.quarter().cast("string")
    else:
        fmt = "%Y-%m" if period == "month" else "%Y-%m-%d"
        label = stamps.truncate(_PERIOD_UNITS[period]).strftime(fmt)
    return table.mutate(**{column: label})
