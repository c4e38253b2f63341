"""The one-pass aggregate of a cube: what a single ``GROUP BY`` must compute, and the cube it gives.

Every engine that aggregates inside a database (:mod:`cxlab.stats.cube_sql` writes DuckDB
SQL, :mod:`cxlab.stats.cube_ibis` builds an Ibis expression for any backend) computes the
same columns per cell of the finest cross-classification, in one scan:

- ``nrows``: rows of the cell;
- for a score on a bounded scale (column ``i``): ``h{i}_{k}``, the count of the score
  ``low + k`` for every point of the scale (``count(where=v == low + k)``), and ``c{i}``,
  the count of answers (the blanks are ``rows - c{i}``);
- for a continuous column: ``c{i}``, ``mean{i}`` and ``var{i}`` (the population variance,
  which every engine computes with a numerically stable algorithm);
- checks of score values, ``bad{i}_text`` / ``bad{i}_frac`` / ``bad{i}_off`` (text, fractions,
  off the scale), summed locally: non-zero only on bad data, which is then described by
  the engine's own slower error path.

:func:`cube_from_groups` turns that small result (one row per non-empty cell) into a
:class:`~cxlab.stats.cube.Cube`; margins are sums over its axes (:meth:`Cube.collapse`), so no
``GROUPING SETS`` are needed. Names are positional so any column name (Chinese, spaces) is
safe as a SQL identifier.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..data.schemas import BLANK
from .cube import Cube, Scale

__all__ = ["CHECKS", "ROWS", "group_name", "bin_name", "count_name", "mean_name", "var_name", "check_name",
           "check_counts", "cube_from_groups"]

#: The result column of the rows per cell.
ROWS = "nrows"

#: The checks of score values counted in the pass: text, not whole, off the scale.
CHECKS = ("text", "frac", "off")


def group_name(j: int) -> str:
    """The result column of grouping column ``j``."""
    return f"g{j}"


def bin_name(i: int, k: int) -> str:
    """The count of score ``low + k`` of score column ``i``."""
    return f"h{i}_{k}"


def count_name(i: int) -> str:
    """The count of non-blank values of column ``i``."""
    return f"c{i}"


def mean_name(i: int) -> str:
    """The mean of continuous column ``i``."""
    return f"mean{i}"


def var_name(i: int) -> str:
    """The population variance of continuous column ``i``."""
    return f"var{i}"


def check_name(i: int, check: str) -> str:
    """The count of values of column ``i`` failing ``check`` (one of :data:`CHECKS`)."""
    return f"bad{i}_{check}"


def check_counts(frame: pd.DataFrame, scales: Mapping[str, Scale | None]) -> dict[str, int]:
    """``column -> values failing any check`` over every cell, for the columns with a failure."""
    out = {}
    for i, col in enumerate(scales):
        total = sum(int(pd.to_numeric(frame[name], errors="coerce").fillna(0).sum())
                    for name in (check_name(i, ch) for ch in CHECKS) if name in frame)
        if total:
            out[col] = total
    return out


def _levels(values: pd.Series) -> tuple[pd.Index, int | None]:
    """Sorted levels of a grouping column's result values, with a blank level if any is missing."""
    present = values[values.notna()]
    lv = pd.Index(sorted(present.unique().tolist()), dtype=object if present.dtype == object else None)
    if not values.isna().any():
        return lv, None
    if BLANK in lv:
        return lv, lv.get_loc(BLANK)
    return pd.Index([*lv, BLANK], dtype=object), len(lv)


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    return pd.to_numeric(frame[name], errors="coerce").astype(float).fillna(0.0).to_numpy()


def cube_from_groups(frame: pd.DataFrame, *, by: Sequence[str], scales: Mapping[str, Scale | None]) -> Cube:
    """The :class:`Cube` of the one-pass result ``frame`` (one row per non-empty cell).

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns ``g{j}`` (the grouping values; NULL for a blank group), ``nrows`` and the
        per-column statistics named by this module's functions.
    by, scales
        As for :func:`cxlab.stats.cube.cube`.

    Notes
    -----
    Levels are sorted; a NULL group value is the level ``(blank)``, last (or joining an
    existing ``(blank)`` value), as in :func:`~cxlab.stats.cube.cube`. Continuous columns are
    stored as sums about their pooled mean: ``s1 = n (mean - shift)`` and
    ``s2 = n var + n (mean - shift)^2``, exact to rounding whatever the scale of the values.
    """
    by = tuple(by)
    frame = frame.reset_index(drop=True)
    levels, positions = [], []
    for j, _ in enumerate(by):
        col = frame[group_name(j)]
        lv, blank = _levels(col)
        pos = lv.get_indexer(col.where(col.notna(), None))
        if blank is not None:
            pos = np.where(col.isna().to_numpy(), blank, pos)
        levels.append(lv)
        positions.append(pos)
    shape = tuple(len(lv) for lv in levels)
    index = tuple(positions)
    # several result rows may land in one cell (a NULL and a "(blank)" group): add, never assign

    def fill(arr: np.ndarray, values: np.ndarray) -> np.ndarray:
        if by:
            np.add.at(arr, index, values)
        else:
            arr[...] += values.sum(axis=0)
        return arr

    rows = fill(np.zeros(shape, dtype=np.int64), _column(frame, ROWS).astype(np.int64))
    hists, moments, shifts = {}, {}, {}
    for i, (col, scale) in enumerate(scales.items()):
        count = _column(frame, count_name(i))
        blanks = _column(frame, ROWS) - count
        if scale is not None:
            low, high = scale
            bins = [_column(frame, bin_name(i, k)) for k in range(high - low + 1)]
            stacked = np.stack([*bins, blanks], axis=-1).astype(np.int64)
            hists[col] = fill(np.zeros((*shape, high - low + 2), dtype=np.int64), stacked)
            continue
        mean, var = _column(frame, mean_name(i)), _column(frame, var_name(i))
        total = count.sum()
        shift = float((count * mean).sum() / total) if total else 0.0
        d = np.where(count > 0, mean - shift, 0.0)
        stats_ = np.stack([count, count * d, count * var + count * d * d, blanks], axis=-1)
        moments[col], shifts[col] = fill(np.zeros((*shape, 4), dtype=float), stats_), shift
    return Cube(dims=by, levels=tuple(levels), rows=rows, hists=hists,
                scales={c: s for c, s in scales.items() if s is not None},
                moments=moments, shifts=shifts)
