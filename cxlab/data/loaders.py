"""Load CX data in cxlab's vocabulary, and count what its metrics leave out.

``load_responses``, ``load_tickets``, ``load_customers`` and ``load_assignments`` read a
file, a query or a DataFrame, rename the user's columns to cxlab's vocabulary
(``columns={"推荐意愿": "nps"}``), validate them against a pandera schema (types,
ranges, unique ids, timestamps) and return a DataFrame laid out for fast aggregation:
scores as nullable ``Int8``, grouping columns as ``category``, flags as ``boolean``.

Nothing is dropped. Blank answers stay blank and are counted per column and reason in an
:class:`ExclusionReport`, which travels in ``frame.attrs["cxlab_exclusions"]`` and into
every table :func:`cxlab.scores` returns. Invalid data raises
:class:`~cxlab.DataValidationError` saying what, where (file, column, rows) and what to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .._checks import check_option, require_columns
from ..errors import DataValidationError
from .problems import RowNumbers
from .schemas import BLANK, SCHEMAS, guess_table, validate
from .sources import read_source, row_numbers

__all__ = [
    "ExclusionReport",
    "load",
    "load_responses",
    "load_tickets",
    "load_customers",
    "load_assignments",
    "load_folder",
    "in_period",
    "exclusions",
]

# Columns whose blanks are counted in the exclusion report (the ones metrics are made of).
_OUTCOME_KINDS = ("score", "flag", "number")

# --------------------------------------------------------------------------------------
# Exclusion report
# --------------------------------------------------------------------------------------


@dataclass
class ExclusionReport:
    """Rows read, and per column how many were blank and why (left out of that column's metrics).

    Attributes
    ----------
    source : str
        Where the rows came from.
    rows : int
        Rows read (and kept: cxlab never drops a row at load time).
    excluded : list of dict
        ``{"column", "reason", "rows"}`` per column and reason.
    """

    source: str
    rows: int
    excluded: list[dict] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """One row per (column, reason) with the count and its share of all rows (percent)."""
        frame = pd.DataFrame(self.excluded, columns=["column", "reason", "rows"])
        frame["share"] = 100 * frame["rows"] / self.rows if self.rows else np.nan
        return frame

    def to_dict(self) -> dict:
        return {"source": self.source, "rows": self.rows, "excluded": list(self.excluded)}

    @classmethod
    def from_frame(cls, data: pd.DataFrame) -> ExclusionReport | None:
        """The report a loader attached to ``data`` (None for frames cxlab did not load)."""
        raw = data.attrs.get("cxlab_exclusions")
        return cls(**raw) if raw else None

    def __str__(self) -> str:
        lines = [f"{self.rows:,} rows read from {self.source}; none dropped."]
        for e in self.excluded:
            lines.append(f"  {e['column']}: {e['rows']:,} blank ({e['reason']}), left out of "
                         f"its metrics")
        return "\n".join(lines)


# --------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------


def _exclusions(frame: pd.DataFrame, table: str, source: str) -> ExclusionReport:
    report = ExclusionReport(source=source, rows=len(frame))
    spec = SCHEMAS[table]
    responded = frame["responded"] if "responded" in frame.columns else None
    for name, f in spec.items():
        if name not in frame.columns or f.kind not in _OUTCOME_KINDS or name == "responded":
            continue
        blank = frame[name].isna()
        if responded is not None and f.kind == "score":
            no_answer = blank & (responded == False).fillna(False)  # noqa: E712 - nullable
            skipped = blank & ~no_answer
            if no_answer.any():
                report.excluded.append({"column": name, "reason": "did not respond",
                                        "rows": int(no_answer.sum())})
            if skipped.any():
                report.excluded.append({"column": name, "reason": "question left blank",
                                        "rows": int(skipped.sum())})
        elif blank.any():
            reason = ("not a suggestion ticket" if name == "suggestion_adopted"
                      else "blank in the source")
            report.excluded.append({"column": name, "reason": reason, "rows": int(blank.sum())})
    return report


def _apply_order(frame: pd.DataFrame, order: Mapping[str, list] | None, where: str) -> None:
    """Put categories in the given order (journey stages in flow order); unlisted values follow,
    and the blank group (:data:`BLANK`) comes last."""
    for column, levels in (order or {}).items():
        require_columns(frame, [column], where=where)
        present = frame[column].dropna().unique().tolist()
        extra = sorted(str(v) for v in present if v not in set(levels) and v != BLANK)
        blank = [BLANK] if BLANK in present and BLANK not in levels else []
        frame[column] = pd.Categorical(frame[column], categories=[*levels, *extra, *blank])


def _check_mapping(frame: pd.DataFrame, columns: Mapping[str, str], where: str) -> None:
    """Refuse a ``columns=`` mapping that would leave two columns with one name."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        require_columns(frame, missing, where=where,
                        hint="The names on the left of `columns={...}` must be your file's.")
    targets: dict[str, list[str]] = {}
    for old, new in columns.items():
        targets.setdefault(str(new), []).append(str(old))
    for new, olds in targets.items():
        if len(olds) > 1:
            raise DataValidationError(
                f"{where}: `columns` maps {olds} all onto {new!r}; map only one of them to it.")
        if new in frame.columns and new not in columns and new != olds[0]:
            raise DataValidationError(
                f"{where}: `columns` maps {olds[0]!r} onto {new!r}, but the data already has a "
                f"column {new!r}. Say which one cxlab should use: drop one of them, or map the "
                f"other away too (e.g. columns={{{olds[0]!r}: {new!r}, {new!r}: {new + '_old'!r}}}).")


def _prepare(frame: pd.DataFrame, where: str, columns: Mapping[str, str] | None) -> pd.DataFrame:
    """Trimmed, unique column names in cxlab's vocabulary; refuses a table without rows."""
    frame.columns = [str(c).strip() for c in frame.columns]
    twice = sorted(set(frame.columns[frame.columns.duplicated()]))
    if twice:
        raise DataValidationError(
            f"{where} has the column(s) {twice} more than once (after trimming spaces). cxlab "
            "cannot know which one you mean: rename or drop the extra column(s).")
    if columns:
        _check_mapping(frame, columns, where)
        frame = frame.rename(columns={str(k): str(v) for k, v in columns.items()})
    if frame.empty:
        raise DataValidationError(
            f"{where} has no rows (columns: {list(frame.columns)[:30]}). There is nothing to "
            "measure: check the export or the query (its period or filter may select nothing).")
    return frame


def _load_frame(kind: str, frame: pd.DataFrame, where: str, rows: RowNumbers, columns, scales,
                order) -> pd.DataFrame:
    frame = _prepare(frame, where, columns)
    frame = validate(frame, kind, where=where, scales=scales, rows=rows)
    _apply_order(frame, order, where)
    frame.attrs["cxlab_exclusions"] = _exclusions(frame, kind, where).to_dict()
    return frame


def _where(source) -> str:
    return "the DataFrame" if isinstance(source, pd.DataFrame) else str(source)


def _load(kind: str, source, columns, scales, order=None, **read_kw) -> pd.DataFrame:
    return _load_frame(kind, read_source(source, **read_kw), _where(source), row_numbers(source),
                       columns, scales, order)


def load(source, *, kind: str | None = None, columns: Mapping[str, str] | None = None,
         scales: Mapping[str, tuple[int, int]] | None = None,
         order: Mapping[str, list] | None = None, **read_kw) -> tuple[str, pd.DataFrame]:
    """Load and validate a table of any kind, guessing the kind from its columns.

    Parameters
    ----------
    source
        As for :func:`load_responses`.
    kind : str, optional
        ``"responses"``, ``"tickets"``, ``"customers"`` or ``"assignments"``; guessed from
        the columns (after ``columns=``) by :func:`~cxlab.data.schemas.guess_table` if None.
    columns, scales, order, **read_kw
        As for :func:`load_responses` (``scales`` only for responses and assignments).

    Returns
    -------
    kind : str
        The table's kind.
    frame : pandas.DataFrame
        The validated rows, as the ``load_*`` function of that kind returns them.

    Raises
    ------
    DataValidationError
        As the ``load_*`` functions, and when the kind cannot be guessed.
    """
    if kind is not None:
        check_option("kind", kind, list(SCHEMAS))
    where = _where(source)
    frame = _prepare(read_source(source, **read_kw), where, columns)
    kind = kind or guess_table(frame.columns)
    if kind is None:
        raise DataValidationError(
            f"{where}: cxlab cannot tell what table this is from its columns "
            f"({list(frame.columns)[:30]}). Name a score column nps, csat or ces (survey "
            "responses), or ticket_id (tickets), customer_id (customers), user_id and variant "
            "(experiments) - map yours with columns={'your name': 'nps'}.")
    return kind, _load_frame(kind, frame, where, row_numbers(source), None,
                             scales if kind in ("responses", "assignments") else None, order)


def load_responses(source, *, columns: Mapping[str, str] | None = None,
                   scales: Mapping[str, tuple[int, int]] | None = None,
                   order: Mapping[str, list] | None = None, **read_kw) -> pd.DataFrame:
    """Survey responses (one row per invitation or answer), validated.

    Parameters
    ----------
    source
        Anything :func:`~cxlab.data.read_source` reads (CSV, Excel, parquet, DuckDB, database URL,
        DataFrame).
    columns : dict, optional
        Your column names mapped to cxlab's, e.g. ``{"推荐意愿": "nps", "满意度": "csat"}``.
    scales : dict, optional
        Scales other than the defaults (NPS 0-10, CSAT 1-5, CES 1-7), e.g.
        ``{"csat": (1, 7)}``.
    order : dict, optional
        Category order for grouping columns, e.g. ``{"journey_stage": ["预约", "现场服务",
        "审核", "激活"]}``; tables and charts follow it. Values not listed come after, sorted.
    **read_kw
        ``sheet``, ``table`` or ``query`` for :func:`~cxlab.data.read_source`.

    Returns
    -------
    pandas.DataFrame
        Scores as ``Int8``, grouping columns as ``category``, ``responded`` as ``boolean``,
        timestamps as ``datetime64``; ``attrs["cxlab_exclusions"]`` holds the
        :class:`ExclusionReport`.

    Raises
    ------
    DataValidationError
        Anything :func:`~cxlab.data.read_source` refuses (missing, empty or damaged file,
        missing sheet or table ...); a header or DataFrame naming a column twice; a
        ``columns=`` mapping onto a name the data already has; no rows; a missing required
        column (with the closest name, if close); and, all at once, scores off their scale,
        not whole or not numbers, duplicated ``response_id``, unreadable dates (or a mix of
        times with and without a zone) and flags. The message names file, column, rows (CSV
        lines, Excel rows) and the fix.
    """
    return _load("responses", source, columns, scales, order, **read_kw)


def load_tickets(source, *, columns: Mapping[str, str] | None = None,
                 order: Mapping[str, list] | None = None, **read_kw) -> pd.DataFrame:
    """Service tickets: ``ticket_id`` and ``created_at`` required; durations >= 0; flags yes/no."""
    return _load("tickets", source, columns, None, order, **read_kw)


def load_customers(source, *, columns: Mapping[str, str] | None = None,
                   order: Mapping[str, list] | None = None, **read_kw) -> pd.DataFrame:
    """Customers: unique ``customer_id``; repurchase and churn flags; CLV."""
    return _load("customers", source, columns, None, order, **read_kw)


def load_assignments(source, *, columns: Mapping[str, str] | None = None,
                     scales: Mapping[str, tuple[int, int]] | None = None,
                     order: Mapping[str, list] | None = None, **read_kw) -> pd.DataFrame:
    """Experiment assignments: unique ``user_id``, a non-blank ``variant``, outcomes, covariates."""
    return _load("assignments", source, columns, scales, order, **read_kw)


_KINDS = {"responses": "responses", "tickets": "tickets", "customers": "customers",
          "experiment": "assignments"}


def load_folder(folder: str | Path, *, columns: Mapping[str, str] | None = None,
                order: Mapping[str, list] | None = None) -> dict[str, pd.DataFrame]:
    """Load and validate every table cxlab knows in a folder (as written by ``cxlab sample``).

    Looks for ``responses``, ``tickets``, ``customers`` and ``experiment`` as ``.parquet``
    or ``.csv``; returns the ones found, by name. ``columns`` maps your names to cxlab's and
    applies to every table holding them; each name must occur in at least one table.
    ``order`` sets category orders (e.g. journey stages in flow order) where the column exists.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataValidationError(f"No folder at {folder}. Run `cxlab sample --out {folder}` to "
                                  "create the sample data, or point to your own data folder.")
    found, used = {}, set()
    for name, kind in _KINDS.items():
        for suffix in (".parquet", ".csv"):
            path = folder / f"{name}{suffix}"
            if path.exists():
                frame = read_source(path)
                frame.columns = [str(c).strip() for c in frame.columns]
                mapping = {k: v for k, v in (columns or {}).items() if k in frame.columns}
                used |= set(mapping)
                levels = {k: v for k, v in (order or {}).items() if k in frame.columns or k in mapping.values()}
                found[name] = _load_frame(kind, frame, str(path), row_numbers(path),
                                          mapping, None, levels)
                break
    if not found:
        raise DataValidationError(f"{folder} holds none of responses, tickets, customers or "
                                  "experiment (.parquet or .csv).")
    unused = sorted(set(columns or {}) - used)
    if unused:
        raise DataValidationError(f"`columns` maps {unused}, which no table in {folder} has.")
    return found


def _bound(value, name: str, column: str, tz) -> pd.Timestamp:
    """``value`` as a Timestamp comparable with a column in time zone ``tz`` (None: naive)."""
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ValueError(f"`{name}` must be a date or time such as '2026-07-01' or "
                         f"'2026-07-01 08:00'; got {value!r}.") from None
    if stamp is pd.NaT:
        raise ValueError(f"`{name}` must be a date or time such as '2026-07-01'; got {value!r}.")
    if tz is not None and stamp.tz is None:
        return stamp.tz_localize(tz)  # a wall-clock bound, read in the column's own zone
    if tz is None and stamp.tz is not None:
        raise ValueError(
            f"`{name}` ({value!r}) has a time zone but column {column!r} does not, so the two "
            f"cannot be compared. Pass {name} without a time zone, or give the column its zone "
            f"first: data[{column!r}] = data[{column!r}].dt.tz_localize('Asia/Shanghai').")
    return stamp


def in_period(data: pd.DataFrame, *, time: str, start=None, end=None) -> pd.DataFrame:
    """Rows with ``start <= time < end`` (either bound optional); the rest are counted as excluded.

    Parameters
    ----------
    data : pandas.DataFrame
        Rows with a timestamp column, e.g. as loaded by :func:`load_responses`.
    time : str
        The timestamp column (``datetime64``, time-zone-aware or not).
    start, end : str, date or Timestamp, optional
        The period; ``end`` is exclusive, so ``start="2026-07-01", end="2026-10-01"`` is the
        third quarter. Without either bound, ``data`` is returned unchanged.

    Returns
    -------
    pandas.DataFrame
        A copy of the rows in the period. Its ``attrs["cxlab_exclusions"]`` is ``data``'s
        exclusion report (or a new one) plus the rows outside the period and, separately,
        the rows without a timestamp.

    Raises
    ------
    DataValidationError
        ``time`` is missing or does not hold timestamps, or no row falls in the period (a
        report on it would be empty: the message says so, with the span of the data).
    ValueError
        A bound that is not a date, or a bound with a time zone for a column without one.

    Notes
    -----
    Time zones: if the column is time-zone-aware, a bound without a zone is a wall-clock
    time in the column's zone (``"2026-07-01"`` on a column in Asia/Shanghai is midnight in
    Shanghai), and a bound with a zone is compared as the instant it names. A bound with a
    zone on a column without one is ambiguous and raises; localize the column first.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"at": pd.to_datetime(["2026-06-30", "2026-07-01", "2026-10-01", None])})
    >>> q3 = in_period(rows, time="at", start="2026-07-01", end="2026-10-01")
    >>> len(q3), [(e["reason"], e["rows"]) for e in q3.attrs["cxlab_exclusions"]["excluded"]]
    (1, [('outside 2026-07-01 to 2026-10-01', 2), ('no timestamp', 1)])
    """
    if not start and not end:
        return data
    require_columns(data, [time])
    stamps = data[time]
    if not pd.api.types.is_datetime64_any_dtype(stamps):
        raise DataValidationError(
            f"Column {time!r} holds {stamps.dtype} values, not timestamps. Load the table with "
            f"cxlab.load_* (which parses dates), or convert it with pd.to_datetime first.")
    tz = getattr(stamps.dtype, "tz", None)
    keep = stamps.notna()
    if start:
        keep &= stamps >= _bound(start, "start", time, tz)
    if end:
        keep &= stamps < _bound(end, "end", time, tz)
    if not keep.any():
        source = (data.attrs.get("cxlab_exclusions") or {}).get("source", "the data")
        span = (f"its {len(data):,} rows run from {stamps.min()} to {stamps.max()}" if stamps.notna().any()
                else f"none of its {len(data):,} rows has a timestamp")
        raise DataValidationError(
            f"No row of {source} falls in {start or '...'} to {end or '...'} (column {time!r}, end "
            f"exclusive): {span}. There is nothing to report on: check `start` and `end` in the "
            "parameters, or the export.")
    out = data[keep.to_numpy()].copy()
    report = dict(data.attrs.get("cxlab_exclusions") or {"source": "the DataFrame", "rows": len(data),
                                                          "excluded": []})
    report["excluded"] = [*report.get("excluded", []),
                          {"column": time, "reason": f"outside {start or '...'} to {end or '...'}",
                           "rows": int((~keep & stamps.notna()).sum())}]
    if stamps.isna().any():
        report["excluded"].append({"column": time, "reason": "no timestamp", "rows": int(stamps.isna().sum())})
    out.attrs["cxlab_exclusions"] = report
    return out


def exclusions(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Every table's exclusion report as one frame.

    Parameters
    ----------
    tables : dict of str to DataFrame
        Tables by name; those without an exclusion report (not loaded by cxlab) are skipped.

    Returns
    -------
    pandas.DataFrame
        One row per table, column and reason: ``table``, ``rows_read``, ``column``,
        ``reason``, ``rows`` and ``share`` (percent of the rows read). Empty, with these
        columns, if no table has a report.
    """
    parts = []
    for name, frame in tables.items():
        report = ExclusionReport.from_frame(frame)
        if report is None:
            continue
        part = report.to_frame()
        parts.append(part.assign(table=name, rows_read=report.rows))
    if not parts:
        return pd.DataFrame(columns=["table", "rows_read", "column", "reason", "rows", "share"])
    out = pd.concat(parts, ignore_index=True)
    return out[["table", "rows_read", "column", "reason", "rows", "share"]]
