"""Where the rows are aggregated: in pandas for a DataFrame, inside DuckDB for parquet or a query.

Every analysis asks :func:`cube_of` for its cube, so the engine is chosen in one place.

CSV/TSV and Excel files are text formats that need their encoding detected and every value
validated, exactly as :func:`cxlab.load_responses` does; so they are loaded through
:func:`cxlab.data.load` (the kind of table guessed from the columns, or named with
``kind=``) and aggregated in pandas. ``cxlab.scores("survey.csv")`` and
``cxlab.scores(cxlab.load_responses("survey.csv"))`` therefore read, validate and report
alike. Parquet files, DuckDB queries and tables stay pushed down to DuckDB
(:func:`~cxlab.stats.cube_sql.cube_sql`), which checks score columns with the loaders' wording.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from .._checks import require_columns
from ..data.loaders import load
from .cube import Cube, Scale, cube
from .cube_sql import cube_sql

__all__ = ["LOADED_SUFFIXES", "cube_of"]

#: File types loaded and validated by :mod:`cxlab.data` before aggregating in pandas.
LOADED_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls")


def cube_of(source, *, by: Sequence[str] = (), scales: Mapping[str, Scale | None],
            kind: str | None = None) -> Cube:
    """The :class:`~cxlab.stats.cube.Cube` of ``source``.

    Parameters
    ----------
    source : DataFrame, str or pathlib.Path
        A DataFrame (pandas); a CSV/TSV or Excel file (loaded and validated by
        :func:`cxlab.data.load`, then pandas); a parquet file, table name or query (DuckDB).
    by, scales
        As for :func:`~cxlab.stats.cube.cube`.
    kind : str, optional
        For CSV/Excel files: the table's kind (``"responses"`` ...), guessed if None.
    """
    if isinstance(source, pd.DataFrame):
        return cube(source, by=by, scales=scales)
    if isinstance(source, (str, Path)) and Path(str(source)).suffix.lower() in LOADED_SUFFIXES \
            and "://" not in str(source):
        _, frame = load(source, kind=kind)
        require_columns(frame, [*by, *scales], where=str(source))
        return cube(frame, by=by, scales=scales)
    return cube_sql(source, by=by, scales=scales)
