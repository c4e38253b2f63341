"""The cube of :mod:`cxlab.stats.cube`, computed inside DuckDB with ``GROUP BY``.

For parquet files and database tables that should not be loaded whole: only the per-cell
statistics leave the database. The score columns are checked there first, with the
loaders' wording (:mod:`cxlab.data`), so a bad value reads the same on either path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .._checks import require_columns
from ..data.problems import EXAMPLES, Problem, failure_message, show
from ..data.schemas import BLANK, score_wording
from ..data.sources import check_file, row_numbers
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


def _first_line(err: Exception) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0]


# Full-width digits, sign, point and space read as their ASCII forms, as the loaders' NFKC does.
_WIDE, _NARROW = "０１２３４５６７８９．－＋\u3000", "0123456789.-+ "


def _number(col: str, kinds: Mapping[str, str]) -> str:
    """SQL reading a column as a number as the loaders do (NULL where it is not one)."""
    q = _quote(col)
    if kinds.get(col) == "VARCHAR":
        return f"TRY_CAST(NULLIF(trim(translate({q}, '{_WIDE}', '{_NARROW}')), '') AS DOUBLE)"
    return f"TRY_CAST({q} AS DOUBLE)"


def _score_problems(con, rel: str, source, scales: Mapping[str, Scale | None],
                    columns: Sequence[str], kinds: Mapping[str, str]) -> list[Problem]:
    """The loaders' checks of score columns, inside the engine: text, fractions, off the scale.

    Every problem of every column, in the order :func:`cxlab.data.validate` reports them, with
    the same wording, counts, examples (first in row order) and rows.
    """
    problems = []
    for col in sorted(scales, key=lambda c: list(columns).index(c)):
        scale = scales[col]
        q = _quote(col)
        base = (f"SELECT row_number() OVER () - 1 AS pos, CAST({q} AS VARCHAR) AS raw, "
                f"{_number(col, kinds)} AS v FROM {rel}")
        text = f"trim(translate(raw, '{_WIDE}', '{_NARROW}'))"
        tests = [("not numbers", f"raw IS NOT NULL AND {text} <> '' AND v IS NULL", "raw")]
        if scale is not None:
            low, high = scale
            tests += [("not whole", "v IS NOT NULL AND v <> floor(v)", "v"),
                      ("off scale", f"v IS NOT NULL AND v = floor(v) AND (v < {low} OR v > {high})", "v")]
        for problem, where, shown in tests:
            n = con.sql(f"SELECT count(*) FROM ({base}) WHERE {where}").fetchall()[0][0]
            if not n:
                continue
            first = con.sql(f"SELECT pos, {shown} AS x FROM ({base}) WHERE {where} ORDER BY pos "
                            f"LIMIT {20 * EXAMPLES}").df()
            what, fix = score_wording(problem, col, scale)
            examples = tuple(dict.fromkeys(show(v) for v in first["x"]))[:EXAMPLES]
            problems.append(Problem(column=col, count=int(n), what=what,
                                    rows=tuple(int(r) for r in first["pos"].head(EXAMPLES + 1)),
                                    examples=examples, fix=fix))
    return problems


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

    Raises
    ------
    DataValidationError
        A missing, empty or unreadable file, a failing query, a missing column, or score
        values that are text, fractions or off the scale - worded as the loaders of
        :mod:`cxlab.data` word them (column, count, examples, rows), all at once.

    Notes
    -----
    Only the per-cell statistics leave the database, so the data never has to fit in
    memory. Levels are sorted (SQL has no category order); a NULL or blank group value is
    the level ``(blank)`` (:data:`cxlab.data.BLANK`), as in :func:`cube`. Text group values
    are trimmed, as the loaders trim them.
    """
    import duckdb

    con = con or duckdb.connect()
    if isinstance(source, Path) or (isinstance(source, str) and Path(source).suffix.lower()
                                    in {".parquet", ".csv", ".tsv", ".json"}):
        check_file(source)
    rel = _relation_sql(source)
    by = tuple(by)
    try:
        head = con.sql(f"SELECT * FROM {rel} LIMIT 0")
        return _cube_sql(con, rel, source, by, scales, head.columns, head.types)
    except duckdb.Error as err:
        raise DataValidationError(f"DuckDB could not read {source!s}: {_first_line(err)}. Check "
                                  "that it is the file or table you mean and that it is not "
                                  "damaged (write it again).") from None


def _cube_sql(con, rel, source, by, scales, names, types) -> Cube:
    require_columns(pd.DataFrame(columns=list(names)), [*by, *scales],
                    where=f"The source {source!s}")
    kinds = dict(zip(names, (str(t) for t in types)))
    problems = _score_problems(con, rel, source, scales, names, kinds)
    if problems:
        raise DataValidationError(failure_message(str(source), problems, row_numbers(source)))
    group_expr = {b: (f"NULLIF(trim({_quote(b)}), '')" if kinds.get(b) == "VARCHAR" else _quote(b))
                  for b in by}
    group = ", ".join(f"{group_expr[b]} AS {_quote(b)}" for b in by)
    group_keys = ", ".join(_quote(b) for b in by)
    levels, blanks = [], []
    for b in by:
        vals = con.sql(f"SELECT DISTINCT {group_expr[b]} AS v FROM {rel} ORDER BY v NULLS LAST").df()["v"]
        lv = pd.Index(vals.dropna().tolist())
        blank = None
        if vals.isna().any():
            if BLANK in lv:
                blank = lv.get_loc(BLANK)
            else:
                lv, blank = pd.Index([*lv, BLANK], dtype=object), len(lv)
        levels.append(lv)
        blanks.append(blank)
    shape = tuple(len(lv) for lv in levels)

    def positions(frame: pd.DataFrame) -> tuple:
        out = []
        for b, lv, blank in zip(by, levels, blanks):
            col = frame[b]
            pos = lv.get_indexer(col.where(col.notna(), None))
            if col.isna().any():
                pos = np.where(col.isna().to_numpy(), blank, pos)
            out.append(pos)
        return tuple(out)

    select_by = f"{group}, " if by else ""
    group_clause = f"GROUP BY {group_keys}" if by else ""
    counts = con.sql(f"SELECT {select_by}count(*) AS n FROM {rel} {group_clause}").df()
    rows = np.zeros(shape, dtype=np.int64)
    np.add.at(rows, positions(counts), counts["n"].to_numpy() if by else counts["n"].sum())

    hists: dict[str, np.ndarray] = {}
    for col, scale in scales.items():
        if scale is None:
            continue
        low, high = scale
        value = _number(col, kinds)  # checked above: NULL only where blank
        frame = con.sql(
            f"SELECT {select_by}{value} AS v, count(*) AS n FROM {rel} "
            f"GROUP BY {group_keys + ', ' if by else ''}v"
        ).df()
        v = frame["v"]
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
        q = _number(col, kinds)
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
