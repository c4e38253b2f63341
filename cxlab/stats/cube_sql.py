"""The cube of :mod:`cxlab.stats.cube`, computed inside DuckDB with ``GROUP BY``.

For parquet/CSV files and database tables that should not be loaded whole: only the
per-cell statistics leave the database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .._checks import require_columns
from ..errors import DataValidationError
from .cube import Cube, Scale

__all__ = ["cube_sql"]



def _quote(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _relation_sql(source) -> str:
    """A FROM clause for a parquet/CSV path, or a table name / query text as given."""
    if isinstance(source, Path) or (isinstance(source, str) and Path(source).suffix.lower()
                                    in {".parquet", ".csv", ".tsv", ".json"}):
        path = str(source).replace("'", "''")
        suffix = Path(source).suffix.lower()
        reader = {".parquet": "read_parquet", ".json": "read_json_auto"}.get(suffix, "read_csv_auto")
        return f"{reader}('{path}')"
    text = str(source).strip()
    if text.lower().startswith(("select", "with", "from")):
        return f"({text})"
    return _quote(text)


def cube_sql(source, *, by: Sequence[str] = (), scales: Mapping[str, Scale | None],
             con=None) -> Cube:
    """The same :class:`Cube` as :func:`cxlab.stats.cube.cube`, computed inside DuckDB with ``GROUP BY``.

    Parameters
    ----------
    source : str or pathlib.Path
        A parquet or CSV file, a table or view name known to ``con``, or a ``SELECT`` query.
    by, scales
        As for :func:`cxlab.stats.cube.cube`.
    con : duckdb.DuckDBPyConnection, optional
        The connection to run on; an in-memory one by default.

    Notes
    -----
    Only the per-cell statistics leave the database, so the data never has to fit in
    memory. Levels are sorted (SQL has no category order); a NULL group value becomes
    the last level ``<NA>``, as in :func:`cube`.
    """
    import duckdb

    con = con or duckdb.connect()
    rel = _relation_sql(source)
    by = tuple(by)
    names = set(con.sql(f"SELECT * FROM {rel} LIMIT 0").columns)
    require_columns(pd.DataFrame(columns=sorted(names)), [*by, *scales],
                    where=f"The source {source!s}")
    group = ", ".join(_quote(b) for b in by)
    levels = []
    for b in by:
        vals = con.sql(f"SELECT DISTINCT {_quote(b)} AS v FROM {rel} ORDER BY v NULLS LAST").df()["v"]
        lv = pd.Index(vals.dropna().tolist())
        if vals.isna().any():
            lv = pd.Index([*lv, pd.NA], dtype=object)
        levels.append(lv)
    shape = tuple(len(lv) for lv in levels)

    def positions(frame: pd.DataFrame) -> tuple:
        out = []
        for b, lv in zip(by, levels):
            col = frame[b]
            pos = lv.get_indexer(col.where(col.notna(), None))
            if col.isna().any():
                pos = np.where(col.isna().to_numpy(), len(lv) - 1, pos)
            out.append(pos)
        return tuple(out)

    select_by = f"{group}, " if by else ""
    group_clause = f"GROUP BY {group}" if by else ""
    counts = con.sql(f"SELECT {select_by}count(*) AS n FROM {rel} {group_clause}").df()
    rows = np.zeros(shape, dtype=np.int64)
    np.add.at(rows, positions(counts), counts["n"].to_numpy() if by else counts["n"].sum())

    hists: dict[str, np.ndarray] = {}
    for col, scale in scales.items():
        if scale is None:
            continue
        low, high = scale
        q = _quote(col)
        value = f"CAST({q} AS DOUBLE)"
        frame = con.sql(
            f"SELECT {select_by}{value} AS v, count(*) AS n FROM {rel} "
            f"GROUP BY {group + ', ' if by else ''}v"
        ).df()
        v = frame["v"]
        bad = v.notna() & ((v < low) | (v > high) | (v != np.floor(v)))
        if bad.any():
            raise DataValidationError(
                f"Column {col!r} of {source!s} has {int(frame.loc[bad, 'n'].sum())} value(s) "
                f"outside {low}-{high} or not whole (e.g. {v[bad].head(5).tolist()}). Recode or "
                f"remove those rows, or configure the metric's scale."
            )
        nb = high - low + 2
        arr = np.zeros((*shape, nb), dtype=np.int64)
        b = np.where(v.isna(), nb - 1, v.fillna(low).to_numpy() - low).astype(np.int64)
        np.add.at(arr, (*positions(frame), b), frame["n"].to_numpy())
        hists[col] = arr

    moments: dict[str, np.ndarray] = {}
    shifts: dict[str, float] = {}
    for col, scale in scales.items():
        if scale is not None:
            continue
        q = f"CAST({_quote(col)} AS DOUBLE)"
        shift = con.sql(f"SELECT avg({q}) FROM {rel}").fetchall()[0][0]
        shift = float(shift) if shift is not None else 0.0
        frame = con.sql(
            f"SELECT {select_by}count({q}) AS n, sum({q} - {shift!r}) AS s1, "
            f"sum(({q} - {shift!r}) * ({q} - {shift!r})) AS s2, count(*) - count({q}) AS miss "
            f"FROM {rel} {group_clause}"
        ).df()
        arr = np.zeros((*shape, 4), dtype=float)
        stats_ = frame[["n", "s1", "s2", "miss"]].fillna(0.0).to_numpy()
        np.add.at(arr, positions(frame), stats_ if by else stats_.sum(axis=0))
        moments[col], shifts[col] = arr, shift

    return Cube(dims=by, levels=tuple(levels), rows=rows, hists=hists,
                scales={c: s for c, s in scales.items() if s is not None},
                moments=moments, shifts=shifts)
