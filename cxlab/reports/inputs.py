"""The data a report reads: a folder of files or a database, checked before a kernel starts.

A report job reads its tables from ``data_dir`` (files) or, instead, from a database named by
the ``database`` parameter::

    database:
      url: "${CX_WAREHOUSE_URL}"            # an environment variable: no password in the file
      tables:
        responses:
          table: cx.survey_responses         # a table or view (schema.table), or:
          columns: {nps_score: nps, touchpoint: channel}   # source column -> cxlab column
        tickets:
          query: "SELECT * FROM service_tickets WHERE created_at >= now() - interval '1 year'"

:func:`check_inputs` holds the files or the database to exactly the tables and columns the
report reads (its :class:`~cxlab.reports.catalog.Input` declarations), reading no rows;
:func:`load_inputs` is what the notebooks call to load them, through cxlab's loaders (the
same mapping and validation as files).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from .. import METRICS
from .._checks import closest
from .._paths import resolve
from ..errors import CxlabError, DataValidationError, MissingDependencyError, ParameterError
from .catalog import Input, Report

__all__ = ["DatabaseTable", "DatabaseSource", "expand_url", "check_inputs", "load_inputs", "TABLE_KINDS"]

#: Input table name -> the kind of cxlab table it is loaded as.
TABLE_KINDS = {"responses": "responses", "tickets": "tickets", "customers": "customers",
               "experiment": "assignments"}

#: Words of the messages of :mod:`cxlab.data.sources` when the URL itself fails (not one table).
_URL_FAILURES = ("Cannot connect to", "No SQLite database at", "is not a database URL")

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class DatabaseTable(BaseModel):
    """One input table read from the database: a ``table`` (or view) or a ``query``, and the
    ``columns`` mapping (source column -> cxlab column) for it."""

    model_config = ConfigDict(extra="forbid")

    table: str = ""
    query: str = ""
    columns: dict[str, str] = {}

    @model_validator(mode="after")
    def _one(self) -> DatabaseTable:
        if bool(self.table.strip()) == bool(self.query.strip()):
            raise ValueError("give exactly one of `table:` (a table or view name) and `query:` (a SELECT)")
        return self


class DatabaseSource(BaseModel):
    """The ``database`` parameter: a SQLAlchemy URL and the input tables read from it."""

    model_config = ConfigDict(extra="forbid")

    url: str
    tables: dict[str, DatabaseTable]

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if "://" not in value and not _VAR.search(value):
            raise ValueError("is not a database URL: write dialect+driver://user@host:port/database "
                             "(e.g. postgresql+psycopg://cx@warehouse:5432/cx), or ${AN_ENVIRONMENT_VARIABLE} holding it")
        user = value.partition("://")[2].rpartition("@")[0]
        if ":" in user and not _VAR.search(user):
            raise ValueError("holds a password; the parameter file and every run record would keep it. Put the "
                             "URL in an environment variable of the scheduler and write url: \"${CX_WAREHOUSE_URL}\"")
        return value

    @field_validator("tables")
    @classmethod
    def _tables(cls, value: dict[str, DatabaseTable]) -> dict[str, DatabaseTable]:
        unknown = [t for t in value if t not in TABLE_KINDS]
        if unknown or not value:
            raise ValueError(f"names {unknown or 'no table'}; cxlab reads the tables {', '.join(TABLE_KINDS)}")
        return value


def expand_url(url: str, *, where: str = "the parameter file") -> str:
    """``url`` with each ``${NAME}`` replaced by the environment variable ``NAME``.

    Raises
    ------
    ParameterError
        A variable is not set; the message says where to set it.
    """
    unset = [name for name in _VAR.findall(url) if name not in os.environ]
    if unset:
        raise ParameterError(f"{where}: database.url uses the environment variable(s) {unset}, which are not set. "
                             "Set them where the scheduler (cxlab schedule, Airflow, Dagster) runs, e.g. "
                             f"export {unset[0]}=postgresql+psycopg://user:password@host:5432/db.")
    return _VAR.sub(lambda m: os.environ[m.group(1)], url)


def _names(value: Any) -> list[str]:
    """Column names in a parameter's value: a name, a list (of lists) of names, a dict's values."""
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, dict):
        return [n for v in value.values() for n in _names(v)]
    if isinstance(value, (list, tuple)):
        return [n for v in value for n in _names(v)]
    return []


def _header(path: Path) -> tuple[list[str], bool]:
    """A data file's column names and whether it has any row, reading as little as possible."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(path)
        return list(meta.schema_arrow.names), meta.metadata.num_rows > 0
    if suffix in (".csv", ".tsv", ".txt"):
        from ..data.sources import detect_encoding

        head = pd.read_csv(path, encoding=detect_encoding(path), sep="\t" if suffix == ".tsv" else ",", nrows=1,
                           dtype=str)
        return [str(c) for c in head.columns], len(head) > 0
    from ..data.sources import read_source

    frame = read_source(path)
    return [str(c) for c in frame.columns], len(frame) > 0


def _input_file(report: Report, spec: Input, values: dict) -> tuple[str, Path | None]:
    if report.source == "data_file":
        return str(values.get(spec.table, spec.table)), resolve(values["data_file"])
    folder = resolve(values["data_dir"])
    found = [folder / f"{spec.table}{ext}" for ext in (".parquet", ".csv") if (folder / f"{spec.table}{ext}").exists()]
    return spec.table, (found[0] if found else None)


def _missing(report: Report, spec: Input, values: dict, header: list[str], mapping: dict) -> list[str]:
    """The columns ``report`` reads from ``spec``'s table that ``header`` (after ``mapping``) lacks,
    each with the closest name of the header if there is one."""
    present = {mapping.get(c, c) for c in header}
    wanted = [*spec.columns, *(c for name in spec.named_by for c in _names(values.get(name)))]
    needed = list(dict.fromkeys(METRICS[c].column if c in METRICS and c not in present else c for c in wanted))
    return [f"{c!r} (closest: {g!r})" if (g := closest(c, header)) else repr(c) for c in needed if c not in present]


def _file_problems(report: Report, values: dict) -> list[str]:
    mapping = values.get("columns") or {}
    problems = []
    for spec in report.inputs:
        table, path = _input_file(report, spec, values)
        if path is None:
            if spec.required:
                problems.append(f"{resolve(values['data_dir'])} has no {table}.parquet or {table}.csv")
            continue
        try:
            header, has_rows = _header(path)
        except Exception as err:  # noqa: BLE001 - any unreadable file is one plain problem
            problems.append(f"{path} cannot be read as the {table} table: {err}")
            continue
        if not has_rows:
            problems.append(f"{path} has a header but no data rows; the {report.name} report reads the {table} "
                            "table" + ("" if spec.required else " when it is there (remove the file to skip it)"))
        missing = _missing(report, spec, values, header, mapping)
        if missing:
            problems.append(f"{path} lacks column(s) the {report.name} report reads from the {table} table: "
                            f"{', '.join(missing)}; rename them in the file, or map yours with "
                            '`columns: {"your name": "cxlab name"}` in the parameter file')
    return problems


def _database_problems(report: Report, values: dict, where: Path) -> list[str]:
    from ..data.sources import database_columns

    source = DatabaseSource.model_validate(values["database"])
    url = expand_url(source.url, where=str(where))
    problems = []
    for spec in report.inputs:
        key = f"database.tables.{spec.table}"
        given = source.tables.get(spec.table)
        if given is None:
            if spec.required:
                problems.append(f"{key}: missing; the {report.name} report reads the {spec.table} table. Add "
                                f"`{spec.table}: {{table: your_table}}` (or `query:`) under database.tables")
            continue
        what = f"table {given.table!r}" if given.table else "the query"
        try:
            header, has_rows = database_columns(url, table=given.table or None, query=given.query or None)
        except CxlabError as err:
            if isinstance(err, MissingDependencyError) or any(f in str(err) for f in _URL_FAILURES):
                problems.append(f"database.url: {err}")
                break  # the same URL fails for every table: say it once
            problems.append(f"{key}.{'table' if given.table else 'query'}: {err}")
            continue
        unmapped = [c for c in given.columns if c not in header]
        if unmapped:
            hints = [f"{c!r} (closest: {g!r})" if (g := closest(c, header)) else repr(c) for c in unmapped]
            problems.append(f"{key}.columns maps {', '.join(hints)}, which {what} lacks; its columns are "
                            f"{header[:30]}")
        mapping = {**{k: v for k, v in (values.get("columns") or {}).items() if k in header}, **given.columns}
        if not has_rows:
            problems.append(f"{key}: {what} returns no rows; the {report.name} report reads the {spec.table} table"
                            + ("" if spec.required else f" when it is there (remove {key} to skip it)"))
        missing = _missing(report, spec, values, header, mapping)
        if missing:
            problems.append(f"{key}: {what} lacks column(s) the {report.name} report reads from the {spec.table} "
                            f"table: {', '.join(missing)}; map yours with `columns: {{your_column: cxlab_name}}` "
                            f"under {key}, or select them under those names in a `query:`")
    return problems


def check_inputs(report: Report, values: dict[str, Any], where: Path) -> None:
    """Check the data against exactly the tables and columns ``report`` reads (its ``inputs``).

    ``values`` are the report's validated parameters (defaults filled in). With a
    ``database`` parameter the database is checked (it can be reached, each table or query
    exists and has the columns); otherwise the files of ``data_dir`` or ``data_file``. A
    required table must exist; a table that exists must have rows and every column it is read
    for, after the ``columns`` mapping.

    Raises
    ------
    ParameterError
        Naming the parameter file, the key or file, what is missing and what to do.
    """
    problems = _database_problems(report, values, where) if values.get("database") else _file_problems(report, values)
    if problems:
        raise ParameterError(f"{where}: the data does not fit the {report.name} report:\n"
                             + "\n".join(f"  - {p}" for p in problems))


def load_inputs(data_dir: str, database: dict | None = None, *, columns: dict[str, str] | None = None,
                order: dict[str, list] | None = None) -> dict[str, pd.DataFrame]:
    """Load and validate a report's tables: from ``database`` if given, else from the folder ``data_dir``.

    Parameters
    ----------
    data_dir : str
        The data folder (relative paths from the project root), read with
        :func:`cxlab.data.load_folder` when ``database`` is empty.
    database : dict, optional
        A :class:`DatabaseSource` (``url``, ``tables``); each table is read through
        SQLAlchemy and loaded with :func:`cxlab.data.load` as its kind.
    columns : dict, optional
        Your column names mapped to cxlab's, for every table holding them (a database
        table's own ``columns`` are applied too).
    order : dict, optional
        Category orders, where the column exists.

    Returns
    -------
    dict of str to pandas.DataFrame
        The tables found, by name (``responses``, ``tickets`` ...), validated.
    """
    from ..data import load, load_folder
    from ..data.sources import read_source

    if not database:
        return load_folder(resolve(data_dir), columns=columns, order=order)
    source = DatabaseSource.model_validate(database)
    url = expand_url(source.url)
    shown = source.url  # as written: ${NAME} stays unexpanded, a literal URL holds no password
    found = {}
    for name, given in source.tables.items():
        frame = read_source(url, table=given.table or None, query=given.query or None)
        frame.columns = [str(c).strip() for c in frame.columns]
        frame.index = pd.RangeIndex(1, len(frame) + 1)  # rows in messages count from 1
        mapping = {**{k: v for k, v in (columns or {}).items() if k in frame.columns}, **given.columns}
        levels = {k: v for k, v in (order or {}).items() if k in frame.columns or k in mapping.values()}
        where = f"{name} ({given.table!r} of {shown})" if given.table else f"{name} (the query on {shown})"
        try:
            found[name] = load(frame, kind=TABLE_KINDS[name], columns=mapping, order=levels)[1]
        except DataValidationError as err:
            raise DataValidationError(str(err).replace("the DataFrame", where)) from None
    return found
