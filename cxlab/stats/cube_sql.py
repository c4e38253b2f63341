"""The cube of :mod:`cxlab.stats.cube`, computed inside DuckDB with one ``GROUP BY`` (one scan).

For parquet files and database tables that should not be loaded whole: only the per-cell
statistics leave the database. The query is the one-pass aggregate of
:mod:`cxlab.stats.cube_plan` (histogram bins as filtered counts, n / mean / variance, and the
counts of bad score values) over the finest cells; margins are summed locally. The score columns are checked there first, with the
loaders' wording (:mod:`cxlab.data`), so a bad value reads the same on either path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from .._checks import require_columns
from ..data.problems import EXAMPLES, Problem, failure_message, show
from ..data.schemas import score_wording
from ..data.sources import check_file, row_numbers
from ..errors import DataValidationError
from .cube import Cube, Scale
from .cube_plan import (ROWS, bin_name, check_counts, check_name, count_name, cube_from_groups, group_name,
                        mean_name, var_name)

__all__ = ["cube_sql", "one_pass_sql"]


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


def one_pass_sql(rel: str, by: Sequence[str], scales: Mapping[str, Scale | None],
                 kinds: Mapping[str, str]) -> str:
    """The single ``GROUP BY`` query of :mod:`cxlab.stats.cube_plan` over the relation ``rel``.

    An inner projection reads each grouping value and each score once (integer columns keep
    their type, text is read as the loaders read it); the outer query aggregates them.
    """
    inner = [f"{_group_expr(b, kinds)} AS {group_name(j)}" for j, b in enumerate(by)]
    exprs = [group_name(j) for j in range(len(by))] + [f"count(*) AS {ROWS}"]
    for i, (col, scale) in enumerate(scales.items()):
        integer = _is_integer(kinds.get(col, ""))
        v = f"v{i}"
        inner.append(f"{_quote(col) if integer else _number(col, kinds)} AS {v}")
        exprs.append(f"count({v}) AS {count_name(i)}")
        if kinds.get(col) == "VARCHAR":
            text = f"trim(translate({_quote(col)}, '{_WIDE}', '{_NARROW}'))"
            inner.append(f"({_quote(col)} IS NOT NULL AND {text} <> '' AND {_number(col, kinds)} IS NULL) AS t{i}")
            exprs.append(f"count(*) FILTER (WHERE t{i}) AS {check_name(i, 'text')}")
        if scale is None:
            exprs += [f"avg({v}) AS {mean_name(i)}", f"var_pop({v}) AS {var_name(i)}"]
            continue
        low, high = scale
        exprs += [f"count(*) FILTER (WHERE {v} = {low + k}) AS {bin_name(i, k)}"
                  for k in range(high - low + 1)]
        if not integer:
            exprs.append(f"count(*) FILTER (WHERE {v} <> floor({v})) AS {check_name(i, 'frac')}")
        exprs.append(f"count(*) FILTER (WHERE {v} < {low} OR {v} > {high}) AS {check_name(i, 'off')}")
    group = f" GROUP BY {', '.join(group_name(j) for j in range(len(by)))}" if by else ""
    return f"SELECT {', '.join(exprs)} FROM (SELECT {', '.join(inner) or '1 AS one'} FROM {rel}){group}"


def _is_integer(kind: str) -> bool:
    return kind.upper() in {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
                            "USMALLINT", "UINTEGER", "UBIGINT", "BOOLEAN"}


def _group_expr(b: str, kinds: Mapping[str, str]) -> str:
    return f"NULLIF(trim({_quote(b)}), '')" if kinds.get(b) == "VARCHAR" else _quote(b)


def _cube_sql(con, rel, source, by, scales, names, types) -> Cube:
    require_columns(pd.DataFrame(columns=list(names)), [*by, *scales],
                    where=f"The source {source!s}")
    kinds = dict(zip(names, (str(t) for t in types)))
    frame = con.sql(one_pass_sql(rel, by, scales, kinds)).df()
    if check_counts(frame, scales):  # bad values: describe them as the loaders do (error path only)
        problems = _score_problems(con, rel, source, scales, names, kinds)
        raise DataValidationError(failure_message(str(source), problems, row_numbers(source)))
    return cube_from_groups(frame, by=by, scales=scales)
