"""Rows -> a cube of sufficient statistics, in pandas.

Segment columns become small integer codes, one cell key per row, and one ``np.bincount``
per score column in chunks of about 256k rows (cache-sized), giving a (cells x bins) array
for every score at once. Any one-way or two-way table is then a sum over axes
(:meth:`Cube.collapse`). :mod:`cxlab.stats.cube_sql` computes the same cube inside DuckDB.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._checks import require_columns
from ..data.schemas import BLANK
from ..errors import DataValidationError
from .aggregate import Histogram

__all__ = ["Cube", "cube", "cell_labels", "cell_codes", "values_and_mask", "SortedGroups", "sorted_groups", "Scale"]

CHUNK_ROWS = 1 << 18  # ~256k rows: a chunk's temporaries stay in cache

Scale = tuple[int, int]


@dataclass(frozen=True)
class Cube:
    """Sufficient statistics of several columns for every cell of a cross-classification.

    Attributes
    ----------
    dims : tuple of str
        The grouping columns, in order (empty for the whole table).
    levels : tuple of pandas.Index
        The labels of each dimension; a missing (blank) group value is its own level,
        labelled :data:`cxlab.data.BLANK` (``"(blank)"``), so no row is dropped.
    rows : numpy.ndarray
        Rows per cell, shape ``shape``.
    hists : dict
        ``column -> int64 array`` of shape ``(*shape, high - low + 2)``: counts of each
        score, and in the last bin the rows where the column is missing.
    scales : dict
        ``column -> (low, high)`` for the histogram columns.
    moments : dict
        ``column -> float array`` of shape ``(*shape, 4)``: count of values, sum and sum of
        squares of ``value - shift``, and the count of missing values.
    shifts : dict
        ``column -> float`` subtracted before summing squares (limits cancellation).
    attrs : dict
        What travels with the statistics from the rows: the exclusion report
        (``cxlab_exclusions``) of a table cxlab loaded.
    """

    dims: tuple[str, ...]
    levels: tuple[pd.Index, ...]
    rows: np.ndarray
    hists: dict[str, np.ndarray] = field(default_factory=dict)
    scales: dict[str, Scale] = field(default_factory=dict)
    moments: dict[str, np.ndarray] = field(default_factory=dict)
    shifts: dict[str, float] = field(default_factory=dict)
    #: what travels with the statistics from the rows, e.g. ``cxlab_exclusions`` (rows left out)
    attrs: dict = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(lv) for lv in self.levels)

    def collapse(self, dims: Sequence[str] = ()) -> Cube:
        """The cube of a subset of the dimensions (in the order given), summing the others."""
        dims = tuple(dims)
        unknown = [d for d in dims if d not in self.dims]
        if unknown:
            raise ValueError(f"{unknown} are not dimensions of this cube; it has {list(self.dims)}.")
        keep = [self.dims.index(d) for d in dims]
        drop = tuple(i for i in range(len(self.dims)) if i not in keep)

        def reduce(arr: np.ndarray) -> np.ndarray:
            out = arr.sum(axis=drop) if drop else arr
            # remaining axes are in the cube's order; move them into the requested order
            order = sorted(keep)
            perm = [order.index(k) for k in keep]
            extra = list(range(len(keep), out.ndim))
            return np.transpose(out, perm + extra)

        return Cube(
            dims=dims,
            levels=tuple(self.levels[i] for i in keep),
            rows=reduce(self.rows),
            hists={c: reduce(a) for c, a in self.hists.items()},
            scales=dict(self.scales),
            moments={c: reduce(a) for c, a in self.moments.items()},
            shifts=dict(self.shifts),
            attrs=dict(self.attrs),
        )

    def histogram(self, column: str, index: tuple[int, ...] = ()) -> Histogram:
        """The histogram of one cell (``index`` into the dimensions) as a :class:`Histogram`."""
        low, _ = self.scales[column]
        counts = self.hists[column][index][:-1]
        return Histogram(low=low, counts=tuple(int(c) for c in counts))

    def moments_of(self, column: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(n, mean, m2, n_missing)`` arrays of shape ``shape`` for a histogram or moments column."""
        if column in self.hists:
            low, high = self.scales[column]
            h = self.hists[column].astype(float)
            counts, missing = h[..., :-1], h[..., -1]
            values = np.arange(low, high + 1, dtype=float)
            n = counts.sum(axis=-1)
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = (counts * values).sum(axis=-1) / n
                m2 = (counts * (values - mean[..., None]) ** 2).sum(axis=-1)
            return n, mean, m2, missing
        m = self.moments[column]
        n, s1, s2, missing = m[..., 0], m[..., 1], m[..., 2], m[..., 3]
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_shifted = s1 / n
            m2 = np.maximum(s2 - s1 * mean_shifted, 0.0)
        return n, mean_shifted + self.shifts[column], m2, missing

    def cell_labels(self) -> pd.DataFrame:
        """One row per cell (C order, matching ``rows.ravel()``) with the level labels."""
        return cell_labels(self.dims, self.levels)

    def level_names(self) -> np.ndarray:
        """``"APP × 企业客户"``-style names of the cells, C order; a blank group is ``(blank)``."""
        if not self.dims:
            return np.array(["(all)"], dtype=object)
        names = [np.array([BLANK if pd.isna(v) else str(v) for v in lv], dtype=object) for lv in self.levels]
        codes = np.indices(self.shape).reshape(len(names), -1)
        out = names[0][codes[0]]
        for nm, code in zip(names[1:], codes[1:]):
            out = out + " × " + nm[code]
        return out


def cell_labels(dims: Sequence[str], levels: Sequence[pd.Index]) -> pd.DataFrame:
    """Every combination of levels in C order, as categorical columns that keep the level order."""
    if not dims:
        return pd.DataFrame(index=[0])
    shape = [len(lv) for lv in levels]
    codes = np.indices(shape).reshape(len(shape), -1)
    out = {}
    for dim, lv, code in zip(dims, levels, codes):
        known = pd.Index([v for v in lv if not pd.isna(v)])
        out[dim] = pd.Categorical.from_codes(np.where(code < len(known), code, -1), categories=known)
    return pd.DataFrame(out)


def cell_codes(data: pd.DataFrame, by: Sequence[str]) -> tuple[list[np.ndarray], tuple[pd.Index, ...]]:
    """Integer codes and levels of each grouping column (a blank value is the level ``(blank)``)."""
    pairs = [_encode(data[col]) for col in by]
    return [c for c, _ in pairs], tuple(lv for _, lv in pairs)


def _encode(series: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes 0..k-1 for a grouping column; a missing value becomes the level :data:`BLANK`.

    That level is the last, unless the column already holds the value ``(blank)``, which the
    missing values then join (one group of blanks, whichever way they were written).
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.array.codes  # a read-only view; Series.cat.codes would copy
        levels = pd.Index(series.cat.categories)
    else:
        codes, uniques = pd.factorize(series, sort=True, use_na_sentinel=True)
        levels = pd.Index(uniques)
    missing = codes < 0
    if missing.any():
        if BLANK in levels:
            codes = np.where(missing, levels.get_loc(BLANK), codes)
        else:
            codes = np.where(missing, len(levels), codes)
            levels = pd.Index([*levels, BLANK], dtype=object)
    return codes, levels


def values_and_mask(series: pd.Series, column: str) -> tuple[np.ndarray, np.ndarray | None]:
    """A column's values and missing-value mask as numpy arrays, without copying where possible.

    pandas' masked arrays (``Int8``, ``boolean``, ``Float64``) keep their values and mask as
    two numpy arrays; reading them directly avoids the fill-and-copy of ``to_numpy``.
    """
    arr = series.array
    data, mask = getattr(arr, "_data", None), getattr(arr, "_mask", None)
    if isinstance(data, np.ndarray) and isinstance(mask, np.ndarray) and data.shape == mask.shape:
        return data, (mask if mask.any() else None)
    values = series.to_numpy()
    if values.dtype.kind in "iub":
        return values, None
    if values.dtype.kind != "f":
        try:
            values = np.asarray(series.to_numpy(dtype="float64", na_value=np.nan))
        except (TypeError, ValueError) as err:
            raise DataValidationError(
                f"Column {column!r} must hold numbers; it holds {series.dtype} values such as "
                f"{series.dropna().iloc[:3].tolist()}. Load it with cxlab.data or convert it.") from err
    mask = np.isnan(values)
    return values, (mask if mask.any() else None)


def _off_scale_error(column: str, low: int, high: int, rows: list, count: int, what: str) -> DataValidationError:
    return DataValidationError(
        f"Column {column!r} has {count} value(s) {what} (first rows: {rows[:5]}). "
        f"Expected whole numbers {low}-{high}. Recode or remove those rows, or configure the "
        f"metric's scale if the question uses another one."
    )


def _raise_off_scale(data: pd.DataFrame, column: str, low: int, high: int) -> None:
    """Slow path, only on error: find the offending rows of the whole column and raise."""
    values = pd.to_numeric(data[column], errors="coerce").astype("Float64")
    frac = values.notna() & (values != values.round())
    if frac.fillna(False).any():
        mask = frac.fillna(False).to_numpy()
        raise _off_scale_error(column, low, high, data.index[mask][:5].tolist(), int(mask.sum()),
                               "that are not whole numbers")
    bad = (values.notna() & ((values < low) | (values > high))).fillna(False).to_numpy()
    raise _off_scale_error(column, low, high, data.index[bad][:5].tolist(), int(bad.sum()),
                           f"outside {low}-{high}")


def _score_bins(values: np.ndarray, mask: np.ndarray | None, low: int, high: int) -> np.ndarray | None:
    """Bin index of each score (0 .. high - low) with blanks in bin high - low + 1; None if off scale.

    One-byte integers take a fast path: viewed as unsigned bytes, ``value - low`` wraps, so
    every value outside ``low..high`` lands above ``high - low + 1``, where the caller's
    ``bincount`` (or a ``max``) sees it. A value of exactly ``high + 1`` would share the
    blank bin: :func:`cube` checks that bin's total against the count of blanks.
    """
    top = high - low  # last valid bin
    if values.dtype.itemsize == 1 and values.dtype.kind in "iub":
        bins = values.view(np.uint8) - np.uint8(low % 256)  # a new array: the data stay untouched
    else:
        if values.dtype.kind == "f":
            finite = values if mask is None else np.where(mask, low, values)
            if (finite != np.floor(finite)).any():
                return None
        wide = values.astype(np.int64) - low
        if mask is not None:
            np.putmask(wide, mask, 0)
        if wide.size and (wide.min() < 0 or wide.max() > top):
            return None
        bins = wide.astype(np.uint8 if top < 254 else np.int32)
    if mask is not None:
        np.putmask(bins, mask, top + 1)
    return bins


def cube(data: pd.DataFrame, *, by: Sequence[str] = (), scales: Mapping[str, Scale | None],
         chunk_rows: int = CHUNK_ROWS) -> Cube:
    """Aggregate rows into a :class:`Cube`: per-cell histograms and moments.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per response, ticket or customer.
    by : sequence of str
        Grouping columns (categorical columns are fastest; their category order is kept).
    scales : mapping
        ``column -> (low, high)`` for integer scores on a bounded scale (and ``(0, 1)`` for
        yes/no columns), or ``column -> None`` for continuous values (durations, money).
    chunk_rows : int
        Rows per chunk; the default keeps each chunk's temporaries in cache.

    Returns
    -------
    Cube

    Raises
    ------
    DataValidationError
        A score off its scale or not a whole number; the message names column and rows.
    """
    by = tuple(by)
    require_columns(data, [*by, *scales])
    codes, levels = cell_codes(data, by)
    shape = tuple(len(lv) for lv in levels)
    ncells = int(np.prod(shape)) if shape else 1
    strides = [int(np.prod(shape[i + 1 :])) for i in range(len(shape))]

    hist_cols = {c: s for c, s in scales.items() if s is not None}
    mom_cols = [c for c, s in scales.items() if s is None]
    nbins = {c: hi - lo + 2 for c, (lo, hi) in hist_cols.items()}  # + 1 bin for blanks
    widest = max([ncells * nb for nb in nbins.values()] + [ncells])
    key = np.int32 if widest < 2**31 - 1 else np.int64

    hist_acc = {c: np.zeros(ncells * nbins[c], dtype=np.int64) for c in hist_cols}
    mom_acc = {c: np.zeros((ncells, 4), dtype=float) for c in mom_cols}
    rows_acc = np.zeros(ncells, dtype=np.int64)
    arrays = {c: values_and_mask(data[c], c) for c in scales}
    shifts: dict[str, float] = {}
    for c in mom_cols:
        values, mask = arrays[c]
        head = values[:10_000].astype(float) if mask is None else values[:10_000][~mask[:10_000]].astype(float)
        shifts[c] = float(head.mean()) if head.size else 0.0

    n = len(data)
    tmp = np.empty(min(chunk_rows, n), dtype=key)
    for start in range(0, n, chunk_rows):
        stop = min(start + chunk_rows, n)
        size = stop - start
        cell = None
        if by:
            cell = codes[0][start:stop].astype(key)
            if strides[0] != 1:
                cell *= key(strides[0])
            for code, stride in zip(codes[1:], strides[1:]):
                # dtype=key: int8 codes times a stride above 127 must not overflow in int8
                np.multiply(code[start:stop], stride, out=tmp[:size], dtype=key, casting="unsafe")
                cell += tmp[:size]
            if not hist_cols:
                rows_acc += np.bincount(cell, minlength=ncells)
        elif not hist_cols:
            rows_acc[0] += size
        for col, (low, high) in hist_cols.items():
            values, mask = arrays[col]
            bins = _score_bins(values[start:stop], None if mask is None else mask[start:stop], low, high)
            if bins is None:
                _raise_off_scale(data, col, low, high)
            if cell is None:
                counts = np.bincount(bins, minlength=nbins[col])
                if len(counts) > nbins[col]:  # a bin past the blanks: a value off the scale
                    _raise_off_scale(data, col, low, high)
                hist_acc[col] += counts
            else:
                if bins.size and bins.max() >= nbins[col]:
                    _raise_off_scale(data, col, low, high)
                np.multiply(cell, nbins[col], out=tmp[:size])
                tmp[:size] += bins
                hist_acc[col] += np.bincount(tmp[:size], minlength=ncells * nbins[col])
        for col in mom_cols:
            values, mask = arrays[col]
            x = values[start:stop].astype(float) - shifts[col]
            cells = np.zeros(size, dtype=key) if cell is None else cell
            if mask is not None:
                m = mask[start:stop]
                mom_acc[col][:, 3] += np.bincount(cells[m], minlength=ncells)
                cells, x = cells[~m], x[~m]
            mom_acc[col][:, 0] += np.bincount(cells, minlength=ncells)
            mom_acc[col][:, 1] += np.bincount(cells, weights=x, minlength=ncells)
            mom_acc[col][:, 2] += np.bincount(cells, weights=x * x, minlength=ncells)

    for col, (low, high) in hist_cols.items():  # a value of high + 1 would sit in the blank bin
        mask = arrays[col][1]
        blanks = 0 if mask is None else int(np.count_nonzero(mask))
        if hist_acc[col].reshape(ncells, nbins[col])[:, -1].sum() != blanks:
            _raise_off_scale(data, col, low, high)
    hists = {c: a.reshape(*shape, nbins[c]) for c, a in hist_acc.items()}
    rows = next(iter(hists.values())).sum(axis=-1) if hists else rows_acc.reshape(shape)
    return Cube(
        dims=by,
        levels=levels,
        rows=rows,
        hists=hists,
        scales=dict(hist_cols),
        moments={c: a.reshape(*shape, 4) for c, a in mom_acc.items()},
        shifts=shifts,
        attrs={k: v for k, v in data.attrs.items() if k == "cxlab_exclusions"},
    )


@dataclass(frozen=True)
class SortedGroups:
    """A continuous column's values sorted within each cell, for order statistics (quantiles).

    Quantiles have no small sufficient statistic: they need the sorted values of each group.
    ``values[bounds[i]:bounds[i + 1]]`` are the sorted values of cell ``cells[i]``.
    """

    dims: tuple[str, ...]
    levels: tuple[pd.Index, ...]
    cells: np.ndarray
    bounds: np.ndarray
    values: np.ndarray
    missing: np.ndarray  # missing values per cell (flat, C order)
    rows: np.ndarray  # rows per cell (flat, C order)


def sorted_groups(data: pd.DataFrame, *, by: Sequence[str] = (), column: str) -> SortedGroups:
    """Sort ``column`` within the cells of ``by``; missing values are counted, not kept."""
    by = tuple(by)
    require_columns(data, [*by, column])
    codes, levels = cell_codes(data, by)
    shape = tuple(len(lv) for lv in levels)
    ncells = int(np.prod(shape)) if shape else 1
    cell = np.zeros(len(data), dtype=np.int64)
    for code, n_lv in zip(codes, shape):
        cell = cell * n_lv + code.astype(np.int64)
    values, mask = values_and_mask(data[column], column)
    values = values.astype(float)
    rows = np.bincount(cell, minlength=ncells)
    missing = np.bincount(cell[mask], minlength=ncells) if mask is not None else np.zeros(ncells, np.int64)
    if mask is not None:
        cell, values = cell[~mask], values[~mask]
    order = np.lexsort((values, cell))
    cell, values = cell[order], values[order]
    cells, starts = np.unique(cell, return_index=True)
    bounds = np.append(starts, len(values))
    return SortedGroups(dims=by, levels=levels, cells=cells, bounds=bounds, values=values,
                        missing=missing, rows=rows)
