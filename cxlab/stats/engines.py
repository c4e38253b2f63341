"""Where the rows are aggregated: in pandas for a DataFrame, inside DuckDB for a file or query.

Every analysis asks :func:`cube_of` for its cube, so the engine is chosen in one place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from .cube import Cube, Scale, cube
from .cube_sql import cube_sql

__all__ = ["cube_of"]


def cube_of(source, *, by: Sequence[str] = (), scales: Mapping[str, Scale | None]) -> Cube:
    """The :class:`~cxlab.stats.cube.Cube` of ``source``: a DataFrame (pandas), or a parquet/CSV
    path, table name or query (DuckDB)."""
    if isinstance(source, pd.DataFrame):
        return cube(source, by=by, scales=scales)
    return cube_sql(source, by=by, scales=scales)
