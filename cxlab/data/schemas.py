"""cxlab's column vocabulary and the validation of rows against it.

:data:`SCHEMAS` holds one :class:`Field` per column and table (type, range, uniqueness,
whether it must be present). :func:`validate` parses a frame's flags, numbers and times,
checks it with a pandera schema built from :data:`SCHEMAS`, and turns every failure into
one :class:`~cxlab.DataValidationError` that names the column, the rows and the fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._checks import require_columns
from ..errors import DataValidationError
from .problems import EXAMPLES, Problem, RowNumbers, failure_message, show
from .times import parse_times

__all__ = ["BLANK", "DIMENSIONS", "Field", "SCHEMAS", "guess_table", "label_blanks", "score_wording", "validate"]

#: The label of the group of rows whose grouping column is blank (``channel`` left empty).
#: Such rows are kept, and every table, chart and page shows them as this one group.
BLANK = "(blank)"


def label_blanks(values: pd.Series) -> pd.Series:
    """A grouping column with its blank cells as the group :data:`BLANK` (last, for categories)."""
    if not values.isna().any():
        return values
    if isinstance(values.dtype, pd.CategoricalDtype):
        if BLANK not in values.cat.categories:
            values = values.cat.add_categories([BLANK])
        return values.fillna(BLANK)
    return values.astype(object).where(values.notna(), BLANK)

#: Grouping columns every table may carry (loaded as ``category``).
DIMENSIONS = ("channel", "journey_stage", "customer_type", "age_band", "region", "agent_id",
              "team", "time_slot", "lifecycle", "value_tier", "ticket_type", "experiment",
              "segment")


@dataclass(frozen=True)
class Field:
    """One column of a schema: its type, range and whether it must be there.

    Attributes
    ----------
    kind : str
        One of ``"id"``, ``"score"``, ``"flag"``, ``"number"``, ``"time"``, ``"category"``,
        ``"text"``.
    required : bool
        The column must be present.
    scale : tuple of int, optional
        Lowest and highest answer of a score.
    minimum : float, optional
        Smallest allowed value of a number.
    unique : bool
        Each value may occur once (identifiers).
    nullable : bool
        Blanks are allowed.
    """

    kind: str
    required: bool = False
    scale: tuple[int, int] | None = None
    minimum: float | None = None
    unique: bool = False
    nullable: bool = True


def _dims() -> dict[str, Field]:
    return {d: Field("category") for d in DIMENSIONS}


#: table name -> column name -> :class:`Field`
SCHEMAS: dict[str, dict[str, Field]] = {
    "responses": {
        "response_id": Field("id", unique=True, nullable=False),
        "customer_id": Field("id"),
        "submitted_at": Field("time"),
        "responded": Field("flag"),
        "nps": Field("score", scale=(0, 10)),
        "csat": Field("score", scale=(1, 5)),
        "ces": Field("score", scale=(1, 7)),
        "comment": Field("text"),
        "first_response_min": Field("number", minimum=0),
        "contacts": Field("number", minimum=1),
        "reopened": Field("flag"),
        "agent_tenure_months": Field("number", minimum=0),
        **_dims(),
    },
    "tickets": {
        "ticket_id": Field("id", required=True, unique=True, nullable=False),
        "customer_id": Field("id"),
        "created_at": Field("time", required=True, nullable=False),
        "first_response_min": Field("number", minimum=0),
        "resolution_hours": Field("number", minimum=0),
        "fcr": Field("flag"),
        "complaint": Field("flag"),
        "suggestion_adopted": Field("flag"),
        "reopened": Field("flag"),
        "rollout": Field("flag"),
        "contacts": Field("number", minimum=1),
        **_dims(),
    },
    "customers": {
        "customer_id": Field("id", required=True, unique=True, nullable=False),
        "signup_date": Field("time"),
        "repurchased": Field("flag"),
        "churned": Field("flag"),
        "clv": Field("number"),
        **_dims(),
    },
    "assignments": {
        "user_id": Field("id", required=True, unique=True, nullable=False),
        "variant": Field("category", required=True, nullable=False),
        "assigned_at": Field("time"),
        "responded": Field("flag"),
        "nps": Field("score", scale=(0, 10)),
        "csat": Field("score", scale=(1, 5)),
        "ces": Field("score", scale=(1, 7)),
        "fcr": Field("flag"),
        "first_response_min": Field("number", minimum=0),
        "pre_csat": Field("number"),
        **_dims(),
    },
}



def guess_table(columns) -> str | None:
    """The table of :data:`SCHEMAS` that columns (in cxlab's vocabulary) most likely form.

    ``ticket_id`` makes tickets; ``user_id`` with ``variant`` experiment assignments;
    ``response_id`` or a score (``nps``, ``csat``, ``ces``) survey responses; ``customer_id``
    alone customers. None when nothing fits.
    """
    present = {str(c) for c in columns}
    if "ticket_id" in present:
        return "tickets"
    if {"user_id", "variant"} <= present:
        return "assignments"
    if present & {"response_id", "nps", "csat", "ces"}:
        return "responses"
    if "customer_id" in present:
        return "customers"
    return None


_TRUE = {"true", "t", "yes", "y", "1", "是", "对", "已解决", "√"}
_FALSE = {"false", "f", "no", "n", "0", "否", "不是", "未解决", "×"}


# --------------------------------------------------------------------------------------
# Parsing: flags, numbers, times and groups; each returns the problems it found
# --------------------------------------------------------------------------------------


def score_wording(problem: str, column: str, scale: tuple[int, int] | None = None) -> tuple[str, str]:
    """``(what, fix)`` of a score problem, worded once for the loaders and the DuckDB path.

    ``problem`` is ``"not numbers"``, ``"not whole"`` or ``"off scale"``.
    """
    if problem == "not numbers":
        return "value(s) that are not numbers", "write the number alone (9, not '9分'), or blank the cell"
    if problem == "not whole":
        return "value(s) that are not whole numbers", "scores must be whole answers on the scale"
    low, high = scale
    return (f"value(s) outside {low}-{high}",
            f"recode them, or pass scales={{{column!r}: (low, high)}} if the question uses another scale")


def _parse_flags(series: pd.Series) -> tuple[pd.Series, list[Problem]]:
    """Yes/no as ``boolean``; values that are not yes/no are a problem (and blank in the result)."""
    if series.dtype == bool or isinstance(series.dtype, pd.BooleanDtype):
        return series.astype("boolean"), []
    if pd.api.types.is_numeric_dtype(series):
        ok = (series.isna() | series.isin([0, 1])).to_numpy()
        problems = [] if ok.all() else [Problem.from_mask(
            series, ~ok, "value(s) that are not yes/no (1/0)", "use 1/0, true/false, yes/no or 是/否")]
        return series.where(ok).astype("Float64").astype("boolean"), problems
    text = series.astype("string").str.strip().str.lower()
    out = pd.Series(pd.NA, index=series.index, dtype="boolean")
    out[text.isin(_TRUE)] = True
    out[text.isin(_FALSE)] = False
    bad = (text.notna() & (text != "") & out.isna()).fillna(False).to_numpy(dtype=bool)
    problems = [] if not bad.any() else [Problem.from_mask(
        series, bad, "value(s) that are not yes/no", "use true/false, yes/no, 1/0 or 是/否")]
    return out, problems


def _parse_numbers(series: pd.Series, whole: bool) -> tuple[pd.Series, list[Problem]]:
    """Numbers as ``Float64``; text and (for scores) fractions are problems, blank in the result,
    so the remaining values are still checked against the scale: every problem at once."""
    if pd.api.types.is_numeric_dtype(series):
        values = series
    else:
        text = series.astype("string").str.normalize("NFKC").str.strip()  # full-width ９ is 9
        values = pd.to_numeric(text.mask(text == ""), errors="coerce")
    unreadable = np.array(series.notna() & pd.isna(values), dtype=bool)
    if not pd.api.types.is_numeric_dtype(series):
        unreadable &= np.array((series.astype("string").str.strip() != "").fillna(False), dtype=bool)
    problems = []
    if unreadable.any():
        what, fix = score_wording("not numbers", str(series.name))
        fix = fix if whole else "write the number alone, or blank the cell"
        problems.append(Problem.from_mask(series, unreadable, what, fix))
    values = pd.Series(values, index=series.index).astype("Float64")
    if whole:
        frac = (values.notna() & (values != values.round())).fillna(False).to_numpy(dtype=bool)
        if frac.any():
            what, fix = score_wording("not whole", str(series.name))
            problems.append(Problem.from_mask(series, frac, what, fix, shown=values))
            values = values.mask(frac)
    return values, problems


def _parse_groups(series: pd.Series, nullable: bool) -> pd.Series:
    """Grouping values as text without surrounding spaces; a blank cell is the group :data:`BLANK`
    (left missing where the column may not be blank, so that the check names those rows)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        if nullable and series.isna().any():
            if BLANK not in series.cat.categories:
                series = series.cat.add_categories([BLANK])
            return series.fillna(BLANK)
        return series
    text = series.astype("string").str.strip()
    text = text.mask(text == "")
    return text.fillna(BLANK) if nullable else text


def _blank_last(series: pd.Series) -> pd.Series:
    cats = list(series.cat.categories)
    if BLANK in cats and cats[-1] != BLANK:
        cats.remove(BLANK)
        return series.cat.reorder_categories([*cats, BLANK])
    return series


# --------------------------------------------------------------------------------------
# The pandera schema and its failures in plain words
# --------------------------------------------------------------------------------------


def _pandera_schema(spec: Mapping[str, Field], present: set[str]):
    import pandera.pandas as pa

    cols = {}
    for name, f in spec.items():
        if name not in present:
            continue
        checks = []
        if f.kind == "score":  # checked as Float64, narrowed to Int8 once in range
            dtype = "Float64"
            checks.append(pa.Check.in_range(*f.scale))
        elif f.kind == "flag":
            dtype = "boolean"
        elif f.kind == "number":
            dtype = "Float64"
            if f.minimum is not None:
                checks.append(pa.Check.ge(f.minimum))
        elif f.kind == "time":
            dtype = None
        elif f.kind == "category":
            dtype = "category"
        elif f.kind == "id":
            dtype = None
        else:
            dtype = "string"
        cols[name] = pa.Column(dtype, checks=checks, nullable=f.nullable, unique=f.unique,
                               coerce=dtype is not None)
    return pa.DataFrameSchema(cols, strict=False)


def _failures(cases: pd.DataFrame, spec: Mapping[str, Field]) -> list[Problem]:
    problems = []
    for (column, check), grp in cases.groupby(["column", "check"], sort=False, dropna=False):
        f = spec.get(column)
        rows = tuple(grp["index"].dropna().tolist())
        values = tuple(dict.fromkeys(show(v) for v in grp["failure_case"]))[:EXAMPLES]
        check = str(check)
        if check.startswith("in_range") and f is not None and f.scale:
            what, fix = score_wording("off scale", str(column), f.scale)
        elif check == "field_uniqueness":
            what, fix = "row(s) with a duplicated id", "each id must appear once - remove the duplicates"
        elif check == "not_nullable":
            what, fix, values = "blank value(s)", "this column may not be blank; fill them in", ()
        elif check.startswith("greater_than_or_equal"):
            what, fix = f"value(s) below {f.minimum if f else 0}", "fix or blank them"
        else:
            what, fix = f"value(s) failing {check}", "fix or blank them"
        problems.append(Problem(column=str(column), count=len(grp), what=what, rows=rows,
                                examples=values, fix=fix))
    return problems


def validate(frame: pd.DataFrame, table: str, *, where: str = "the DataFrame",
             scales: Mapping[str, tuple[int, int]] | None = None,
             rows: RowNumbers | None = None) -> pd.DataFrame:
    """Parse and check ``frame`` against ``SCHEMAS[table]``; return a typed copy.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows already in cxlab's vocabulary (columns renamed).
    table : str
        A key of :data:`SCHEMAS`: ``"responses"``, ``"tickets"``, ``"customers"`` or
        ``"assignments"``.
    where : str
        Where the rows came from, for messages (a path, or "the DataFrame").
    scales : dict, optional
        Scales other than the schema's for score columns, e.g. ``{"csat": (1, 7)}``.
    rows : RowNumbers, optional
        How to number rows in messages (CSV lines, Excel rows ...); the frame's index
        labels by default.

    Returns
    -------
    pandas.DataFrame
        Scores as ``Int8``, numbers as ``Float64``, flags as ``boolean``, times as
        ``datetime64`` (time zones: :mod:`cxlab.data.times`), grouping columns as
        ``category`` (a blank cell is the last group, :data:`BLANK`), text as
        ``string``. Columns the schema does not know are kept as they are.

    Raises
    ------
    DataValidationError
        Every problem at once: per column, how many values, a few examples, the rows as
        the user numbers them, and the fix.
    ValueError
        Unknown ``table``, or ``scales`` naming a column that is not a score of ``table``.
    """
    import pandera.pandas as pa

    if table not in SCHEMAS:
        raise ValueError(f"`table` must be one of {', '.join(map(repr, SCHEMAS))}; got {table!r}.")
    rows = rows or RowNumbers()
    spec = dict(SCHEMAS[table])
    for column, scale in (scales or {}).items():
        if column not in spec or spec[column].kind != "score":
            scored = [c for c, f in spec.items() if f.kind == "score"]
            raise ValueError(f"`scales` names {column!r}, which is not a score of {table}; "
                             f"scores are {scored}.")
        low, high = scale
        spec[column] = Field("score", scale=(int(low), int(high)))
    required = [c for c, f in spec.items() if f.required]
    require_columns(frame, required, where=where)
    if table == "responses" and not {"nps", "csat", "ces"} & set(frame.columns):
        require_columns(frame, ["nps"], where=where,
                        hint="Survey responses need at least one of 'nps', 'csat', 'ces'; map "
                             "yours with columns={'your name': 'nps'}.")
    out = frame.copy()
    problems: list[Problem] = []
    for name, f in spec.items():
        if name not in out.columns:
            continue
        found: list[Problem] = []
        if f.kind == "flag":
            out[name], found = _parse_flags(out[name])
        elif f.kind in ("score", "number"):
            out[name], found = _parse_numbers(out[name], whole=f.kind == "score")
        elif f.kind == "time":
            out[name], found = parse_times(out[name])
        elif f.kind == "category":
            out[name] = _parse_groups(out[name], f.nullable)
        elif f.kind == "text":
            out[name] = out[name].astype("string")
        problems += found  # the problem values are blank in `out`; the rest is checked below
    try:
        checked = _pandera_schema(spec, set(out.columns)).validate(out, lazy=True)
    except pa.errors.SchemaErrors as err:
        problems += _failures(err.failure_cases, spec)
        checked = None
    if problems:
        order = {c: i for i, c in enumerate(frame.columns)}
        problems.sort(key=lambda p: order.get(p.column, len(order)))
        raise DataValidationError(failure_message(where, problems, rows))
    out = checked
    for name, f in spec.items():
        if name in out.columns and f.kind == "score":
            out[name] = out[name].astype("Int8")
        elif name in out.columns and f.kind == "category":
            out[name] = _blank_last(out[name])
    return out
