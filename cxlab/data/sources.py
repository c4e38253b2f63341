"""Reading rows from files and databases, before any validation.

:func:`read_source` reads a CSV/TSV (encoding detected by :func:`detect_encoding`), Excel,
parquet or DuckDB file, a DuckDB ``SELECT`` over files, or any SQLAlchemy database URL.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pandas as pd

from .._checks import closest, optional_import
from ..errors import DataValidationError

__all__ = ["detect_encoding", "read_source"]


def detect_encoding(path: str | Path, *, sample_bytes: int = 1 << 20) -> str:
    """``"utf-8-sig"`` for UTF-8 (with or without BOM), else ``"gb18030"`` (a superset of GBK).

    Parameters
    ----------
    path : str or Path
        A text file.
    sample_bytes : int
        How much of the start of the file to look at.

    Returns
    -------
    str
        An encoding name for :func:`open` and :func:`pandas.read_csv`.

    Raises
    ------
    DataValidationError
        If the start of the file is neither; the message says how to fix it.
    """
    with open(path, "rb") as fh:
        head = fh.read(sample_bytes)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
            return encoding
        except UnicodeDecodeError:
            continue
    raise DataValidationError(
        f"{path}: the file is neither UTF-8 nor GBK/GB18030. Save it as 'CSV UTF-8' "
        "(Excel: File > Save As > CSV UTF-8) and load it again."
    )


def _is_url(text: str) -> bool:
    """Whether ``text`` is a database URL (``scheme://...``) rather than an existing path."""
    return "://" in text and not Path(text).exists()


def read_source(source, *, sheet: str | int | None = None, table: str | None = None,
                query: str | None = None) -> pd.DataFrame:
    """Read rows from a file, a database or a DataFrame, without validating them.

    Parameters
    ----------
    source : DataFrame, str or Path
        A DataFrame (copied); a CSV/TSV (UTF-8, UTF-8 with BOM or GBK/GB18030, detected),
        Excel (``.xlsx``/``.xls``), parquet or DuckDB (``.duckdb``) file; a DuckDB
        ``SELECT`` query; or a SQLAlchemy database URL (``postgresql://...``,
        ``sqlite:///...``; needs ``pip install 'cxlab[sql]'``).
    sheet : str or int, optional
        Excel sheet (the first by default).
    table, query : str, optional
        For DuckDB files and database URLs: a table name or a SQL query.

    Returns
    -------
    pandas.DataFrame
        The rows as read; column names and types are the source's.

    Raises
    ------
    DataValidationError
        No file at the path (the closest file name is suggested), an undecodable CSV, or
        an unsupported file type.
    ValueError
        A DuckDB file or database URL without ``table=`` or ``query=``.
    MissingDependencyError
        A database URL without SQLAlchemy installed.

    See Also
    --------
    cxlab.load_responses : read, map to cxlab's vocabulary and validate.
    """
    if isinstance(source, pd.DataFrame):
        return source.copy()
    text = str(source)
    if text.lstrip().lower().startswith(("select ", "with ")):
        import duckdb

        return duckdb.sql(text).df()
    if _is_url(text):
        sqlalchemy = optional_import("sqlalchemy", "sql")
        if not (table or query):
            raise ValueError(f"Reading {text!r} needs `table=` or `query=`.")
        engine = sqlalchemy.create_engine(text)
        with engine.connect() as con:
            sql = query or f'SELECT * FROM "{table}"'
            return pd.read_sql(sqlalchemy.text(sql), con)
    path = Path(text)
    if not path.exists():
        near = closest(path.name, [p.name for p in path.parent.glob("*")]) if path.parent.exists() else None
        raise DataValidationError(
            f"No file at {path}" + (f" (did you mean {path.parent / near}?)" if near else "")
            + ". Check the path in your parameters; relative paths are resolved from the "
            "directory you run in."
        )
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        return pd.read_csv(path, encoding=detect_encoding(path), sep="\t" if suffix == ".tsv" else ",",
                           low_memory=False)
    if suffix in (".xlsx", ".xlsm", ".xls"):
        return pd.read_excel(path, sheet_name=0 if sheet is None else sheet)
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix in (".duckdb", ".ddb", ".db"):
        import duckdb

        if not (table or query):
            raise ValueError(f"Reading {path} needs `table=` or `query=`.")
        with duckdb.connect(str(path), read_only=True) as con:
            return con.sql(query or f'SELECT * FROM "{table}"').df()
    raise DataValidationError(
        f"{path}: cxlab reads .csv, .tsv, .xlsx, .parquet and .duckdb files, or database URLs; "
        f"got {suffix or 'no extension'!r}."
    )
