"""cxlab's column vocabulary and the validation of rows against it.

:data:`SCHEMAS` holds one :class:`Field` per column and table (type, range, uniqueness,
whether it must be present). :func:`validate` parses a frame's flags, numbers and times,
checks it with a pandera schema built from :data:`SCHEMAS`, and turns every failure into
one :class:`~cxlab.DataValidationError` that names the column, the rows and the fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from .._checks import require_columns
from ..errors import DataValidationError

__all__ = ["DIMENSIONS", "Field", "SCHEMAS", "validate"]

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

_TRUE = {"true", "t", "yes", "y", "1", "是", "对", "已解决", "√"}
_FALSE = {"false", "f", "no", "n", "0", "否", "不是", "未解决", "×"}


# --------------------------------------------------------------------------------------
# Parsing: flags, numbers and times, each with a message naming column and rows
# --------------------------------------------------------------------------------------


def _examples(index, limit: int = 5) -> str:
    shown = [str(i) for i in list(index)[:limit]]
    return ", ".join(shown) + (" ..." if len(index) > limit else "")


def _parse_flags(series: pd.Series, column: str, where: str) -> pd.Series:
    if series.dtype == bool or isinstance(series.dtype, pd.BooleanDtype):
        return series.astype("boolean")
    if pd.api.types.is_numeric_dtype(series):
        ok = series.isna() | series.isin([0, 1])
        if not ok.all():
            bad = series.index[~ok]
            raise DataValidationError(
                f"{where}: column {column!r} must be yes/no (1/0); {len(bad)} row(s) hold other "
                f"numbers (rows {_examples(bad)}, e.g. {series[~ok].iloc[0]!r}).")
        return series.astype("Float64").astype("boolean")
    text = series.astype("string").str.strip().str.lower()
    out = pd.Series(pd.NA, index=series.index, dtype="boolean")
    out[text.isin(_TRUE)] = True
    out[text.isin(_FALSE)] = False
    bad = text.notna() & (text != "") & out.isna()
    if bad.any():
        values = sorted(set(series[bad].astype(str)))[:5]
        raise DataValidationError(
            f"{where}: column {column!r} must be yes/no; {int(bad.sum())} row(s) hold values "
            f"cxlab cannot read as yes/no: {values} (rows {_examples(series.index[bad])}). Use "
            "true/false, yes/no, 1/0 or 是/否.")
    return out


def _parse_numbers(series: pd.Series, column: str, where: str, whole: bool) -> pd.Series:
    values = pd.to_numeric(series, errors="coerce") if not pd.api.types.is_numeric_dtype(series) else series
    unreadable = series.notna() & pd.isna(values)
    if unreadable.any():
        raise DataValidationError(
            f"{where}: column {column!r} has {int(unreadable.sum())} value(s) that are not "
            f"numbers (rows {_examples(series.index[unreadable])}, e.g. "
            f"{series[unreadable].iloc[0]!r}). Fix or blank them.")
    values = values.astype("Float64")
    if whole:
        frac = values.notna() & (values != values.round())
        if frac.fillna(False).any():
            mask = frac.fillna(False)
            raise DataValidationError(
                f"{where}: column {column!r} has {int(mask.sum())} value(s) that are not whole "
                f"numbers (rows {_examples(series.index[mask])}, e.g. {values[mask].iloc[0]}). "
                "Scores must be whole answers on the scale.")
    return values


def _parse_times(series: pd.Series, column: str, where: str) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series):
        return series
    parsed = pd.to_datetime(series, errors="coerce", format="mixed")
    bad = series.notna() & parsed.isna() & (series.astype("string").str.strip() != "")
    if bad.any():
        raise DataValidationError(
            f"{where}: column {column!r} has {int(bad.sum())} value(s) that are not dates or "
            f"times (rows {_examples(series.index[bad])}, e.g. {series[bad].iloc[0]!r}). Use "
            "ISO dates such as 2026-03-30 or 2026-03-30 14:05.")
    return parsed


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


def _show(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _describe_failures(cases: pd.DataFrame, spec: Mapping[str, Field], where: str) -> str:
    lines = []
    for (column, check), grp in cases.groupby(["column", "check"], sort=False, dropna=False):
        f = spec.get(column)
        rows = grp["index"].dropna().tolist()
        values = [_show(v) for v in grp["failure_case"].unique()[:5]]
        if str(check).startswith("in_range") and f is not None and f.scale:
            what = (f"{len(grp)} value(s) outside {f.scale[0]}-{f.scale[1]} (e.g. {values}); "
                    f"recode them, or pass scales={{{column!r}: (low, high)}} if the question "
                    "uses another scale")
        elif str(check) == "field_uniqueness":
            what = (f"{len(grp)} row(s) with a duplicated id (e.g. {values}); each id must "
                    "appear once - remove the duplicates")
        elif str(check) == "not_nullable":
            what = f"{len(grp)} blank value(s); this column may not be blank"
        elif str(check).startswith("greater_than_or_equal"):
            what = f"{len(grp)} value(s) below {f.minimum if f else 0} (e.g. {values})"
        else:
            what = f"{len(grp)} value(s) failing {check} (e.g. {values})"
        lines.append(f"  - column {column!r}: {what} (rows {_examples(rows)})")
    return f"{where} failed validation:\n" + "\n".join(lines)


def validate(frame: pd.DataFrame, table: str, *, where: str = "the DataFrame",
             scales: Mapping[str, tuple[int, int]] | None = None) -> pd.DataFrame:
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

    Returns
    -------
    pandas.DataFrame
        Scores as ``Int8``, numbers as ``Float64``, flags as ``boolean``, times as
        ``datetime64``, grouping columns as ``category``, text as ``string``. Columns the
        schema does not know are kept as they are.

    Raises
    ------
    DataValidationError
        Every problem at once: column, rows, example values and the fix.
    ValueError
        Unknown ``table``, or ``scales`` naming a column that is not a score of ``table``.
    """
    import pandera.pandas as pa

    if table not in SCHEMAS:
        raise ValueError(f"`table` must be one of {', '.join(map(repr, SCHEMAS))}; got {table!r}.")
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
    for name, f in spec.items():
        if name not in out.columns:
            continue
        if f.kind == "flag":
            out[name] = _parse_flags(out[name], name, where)
        elif f.kind in ("score", "number"):
            out[name] = _parse_numbers(out[name], name, where, whole=f.kind == "score")
        elif f.kind == "time":
            out[name] = _parse_times(out[name], name, where)
        elif f.kind == "text":
            out[name] = out[name].astype("string")
    try:
        out = _pandera_schema(spec, set(out.columns)).validate(out, lazy=True)
    except pa.errors.SchemaErrors as err:
        raise DataValidationError(_describe_failures(err.failure_cases, spec, where)) from None
    for name, f in spec.items():
        if name in out.columns and f.kind == "score":
            out[name] = out[name].astype("Int8")
    return out
