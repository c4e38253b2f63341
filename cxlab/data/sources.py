"""Reading rows from files and databases, before any validation.

:func:`read_source` reads a CSV/TSV (encoding detected by :func:`detect_encoding`), Excel,
parquet or DuckDB file, a DuckDB ``SELECT`` over files, or any SQLAlchemy database URL;
:func:`database_columns` reads only the column names of a database table or query (the check
a scheduled job makes before a kernel starts).
"""

from __future__ import annotations

import codecs
import csv
from functools import partial
from pathlib import Path

import pandas as pd

from .._checks import closest, optional_import
from ..errors import DataValidationError, MissingDependencyError
from .problems import RowNumbers

__all__ = ["check_file", "database_columns", "detect_encoding", "read_source", "row_numbers"]


def detect_encoding(path: str | Path, *, sample_bytes: int = 1 << 20) -> str:
    """``"utf-8-sig"`` for UTF-8 (with or without BOM), ``"utf-16"`` for UTF-16 with its BOM
    (Excel's "Unicode text"), else ``"gb18030"`` (a superset of GBK).

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
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel's "Unicode text"
        return "utf-16"
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


_TEXT = (".csv", ".tsv", ".txt")
_EXCEL = (".xlsx", ".xlsm", ".xls")
_DUCKDB = (".duckdb", ".ddb", ".db")


def row_numbers(source) -> RowNumbers:
    """How the rows :func:`read_source` returns for ``source`` are numbered for its user.

    CSV/TSV: the line in the file (the header is line 1, so the first row is line 2).
    Excel: the row of the sheet (likewise 2 for the first row under the header).
    Parquet, DuckDB, queries and database tables: the 1-based row. A DataFrame: its own
    index labels.
    """
    if isinstance(source, pd.DataFrame):
        return RowNumbers()
    suffix = Path(str(source)).suffix.lower() if not _is_url(str(source)) else ""
    if suffix in _TEXT:
        return RowNumbers("lines", 2, locate=partial(_csv_lines, Path(str(source))))
    if suffix in _EXCEL:
        return RowNumbers("Excel rows", 2)
    return RowNumbers("rows", 1)


def _csv_lines(path: Path, positions: list[int]) -> list[int]:
    """The line on which each data row (0-based position) of a CSV/TSV starts.

    Counts as a reader does: the header is line 1, a quoted cell may span lines, blank lines
    hold no row. Reads only as far as the last position asked for.
    """
    wanted = set(positions)
    found: dict[int, int] = {}
    sep = "\t" if path.suffix.lower() == ".tsv" else ","
    with open(path, encoding=detect_encoding(path), newline="") as fh:
        reader = csv.reader(fh, delimiter=sep)
        row, start = -1, 1  # -1: the header
        for record in reader:
            if record or row == -1:  # pandas skips only empty lines
                if row in wanted:
                    found[row] = start
                row += 1
                if row > max(wanted, default=-1):
                    break
            start = reader.line_num + 1
    return [found.get(p, p + 2) for p in positions]


def _safe_url(text: str) -> str:
    """A database URL without its password, for messages."""
    head, sep, rest = text.partition("://")
    if "@" in rest:
        user, _, host = rest.rpartition("@")
        rest = user.split(":")[0] + ":***@" + host if ":" in user else rest
    return head + sep + rest


def _first_line(err: Exception) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0]


def _check_header(names: list, where: str, *, word: str) -> None:
    """Raise naming every column that occurs twice in a header (after trimming spaces)."""
    seen: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        if name is None or (isinstance(name, float) and pd.isna(name)):
            continue
        seen.setdefault(str(name).strip(), []).append(i + 1)
    twice = {n: pos for n, pos in seen.items() if len(pos) > 1 and n}
    if twice:
        shown = "; ".join(f"{n!r} is {word}s {', '.join(map(str, pos))}" for n, pos in twice.items())
        raise DataValidationError(
            f"{where}: the header names a column more than once ({shown}). cxlab cannot know "
            "which one you mean: rename or delete the extra column(s) in the file.")


def _read_text(path: Path) -> pd.DataFrame:
    encoding = detect_encoding(path)
    sep = "\t" if path.suffix.lower() == ".tsv" else ","
    with open(path, encoding=encoding, newline="") as fh:
        header = next(csv.reader(fh, delimiter=sep), None)
    if not header or not any(h.strip() for h in header):
        raise DataValidationError(
            f"{path}: the file has no header line (it is empty or starts with a blank line). "
            "The first line must name the columns, e.g. response_id,nps,channel.")
    _check_header(header, str(path), word="column")
    try:
        return pd.read_csv(path, encoding=encoding, sep=sep, low_memory=False)
    except pd.errors.EmptyDataError:
        raise DataValidationError(f"{path}: the file holds no data. Export the table again.") from None
    except pd.errors.ParserError as err:
        raise DataValidationError(
            f"{path}: the file is not a well-formed {'TSV' if sep == chr(9) else 'CSV'} "
            f"({_first_line(err)}). A line probably has more fields than the header (an unquoted "
            "comma in a comment?): quote that field or fix the line.") from None


def _looks_like_text(path: Path) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(4096)
    try:
        head.decode("utf-8")
        return b"\x00" not in head
    except UnicodeDecodeError:
        try:
            head.decode("gb18030")
            return b"\x00" not in head
        except UnicodeDecodeError:
            return False


def _read_excel(path: Path, sheet) -> pd.DataFrame:
    try:
        book = pd.ExcelFile(path)
    except Exception as err:  # noqa: BLE001 - BadZipFile, ValueError, XLRDError ...: not a workbook
        hint = (" It looks like text (a CSV saved with an Excel name?): rename it to .csv."
                if _looks_like_text(path) else " Open it in Excel and save it again as .xlsx.")
        raise DataValidationError(f"{path} is not a readable Excel workbook "
                                  f"({_first_line(err)}).{hint}") from None
    with book:
        names = list(book.sheet_names)
        if sheet is None:
            sheet = 0
        if isinstance(sheet, int) and not 0 <= sheet < len(names):
            raise DataValidationError(f"{path} has {len(names)} sheet(s) ({names}); there is no "
                                      f"sheet number {sheet} (counting from 0).")
        if not isinstance(sheet, int) and sheet not in names:
            near = closest(str(sheet), names)
            raise DataValidationError(
                f"{path} has no sheet {sheet!r}" + (f" (did you mean {near!r}?)" if near else "")
                + f". Sheets there: {names}. Pass sheet= one of them.")
        header = pd.read_excel(book, sheet_name=sheet, header=None, nrows=1)
        _check_header(header.iloc[0].tolist() if len(header) else [], f"{path}, sheet {names[sheet] if isinstance(sheet, int) else sheet!r}",
                      word="Excel column")
        return pd.read_excel(book, sheet_name=sheet)


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except Exception as err:  # noqa: BLE001 - ArrowInvalid, OSError ...: not a parquet file
        raise DataValidationError(
            f"{path} is not a readable parquet file ({_first_line(err)}). It may be cut short or "
            "another format with a .parquet name: write it again (e.g. DataFrame.to_parquet).") from None


def _read_duckdb_file(path: Path, table: str | None, query: str | None) -> pd.DataFrame:
    import duckdb

    if not (table or query):
        raise ValueError(f"Reading {path} needs `table=` or `query=`.")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as err:
        raise DataValidationError(f"{path} is not a readable DuckDB database ({_first_line(err)}).") from None
    with con:
        if table and not query:
            tables = [r[0] for r in con.sql("SELECT table_name FROM information_schema.tables").fetchall()]
            if table not in tables:
                near = closest(table, tables)
                raise DataValidationError(
                    f"{path} has no table {table!r}" + (f" (did you mean {near!r}?)" if near else "")
                    + f". Tables there: {sorted(tables)}.")
        try:
            return con.sql(query or f'SELECT * FROM "{table}"').df()
        except duckdb.Error as err:
            raise DataValidationError(f"The query on {path} failed: {_first_line(err)}. Check the "
                                      "table and column names in it.") from None


def _read_query(text: str) -> pd.DataFrame:
    import duckdb

    try:
        return duckdb.sql(text).df()
    except duckdb.Error as err:
        raise DataValidationError(
            f"The DuckDB query failed: {_first_line(err)}. Check that every file it reads exists "
            f"(paths are relative to the directory you run in) and the names in it. Query: "
            f"{text.strip()[:200]}") from None


def _sqlite_path(url) -> Path | None:
    """The database file of a sqlite URL (None for an in-memory database or another dialect)."""
    if not url.drivername.startswith("sqlite") or not url.database or url.database == ":memory:":
        return None
    name = url.database.removeprefix("file:")
    return Path(name.split("?")[0])


def _engine(text: str):
    """A SQLAlchemy engine for the URL ``text``, with one cxlab error per way it can fail early:
    not a URL, a driver that is not installed, a SQLite file that does not exist."""
    sqlalchemy = optional_import("sqlalchemy", "sql")
    shown = _safe_url(text)
    try:
        url = sqlalchemy.engine.make_url(text)
    except (sqlalchemy.exc.ArgumentError, ValueError) as err:  # ValueError: a port that is not a number
        raise DataValidationError(
            f"{shown!r} is not a database URL ({_first_line(err)}). Write it as "
            "dialect+driver://user@host:port/database, e.g. postgresql+psycopg://cx@db.example:5432/cx "
            "or sqlite:////absolute/path.db.") from None
    lite = _sqlite_path(url)
    if lite is not None:  # SQLite would create an empty file: never as a side effect of a read
        if not lite.is_file():
            raise DataValidationError(f"No SQLite database at {lite} (from {shown!r}). Check the "
                                      "path: sqlite:///relative/path.db or sqlite:////absolute/path.db.")
        url = url.set(database=f"file:{lite}?mode=ro", query={**url.query, "uri": "true"})
    try:
        return sqlalchemy.create_engine(url)
    except ImportError as err:
        package = _DRIVERS.get(err.name or "", err.name)
        raise MissingDependencyError(
            f"Reading {shown} needs the database driver {err.name!r}, which is not installed: "
            f"pip install {package}" + (" (or install cxlab[sql], which brings it)"
                                        if err.name == "psycopg" else "")) from None
    except sqlalchemy.exc.NoSuchModuleError as err:
        raise MissingDependencyError(
            f"{shown}: SQLAlchemy knows no dialect {url.drivername!r} ({_first_line(err)}). Check the "
            "part before '://' (postgresql+psycopg, mysql+pymysql, sqlite ...), or install the "
            "dialect's package.") from None


#: Import name of a database driver -> what to ``pip install``.
_DRIVERS = {"psycopg": "'psycopg[binary]'", "psycopg2": "psycopg2-binary", "MySQLdb": "mysqlclient",
            "pymysql": "pymysql", "pyodbc": "pyodbc", "oracledb": "oracledb"}


def _connect(engine, shown: str):
    """``engine.connect()``, or a DataValidationError saying the database cannot be reached."""
    sqlalchemy = optional_import("sqlalchemy", "sql")
    try:
        return engine.connect()
    except sqlalchemy.exc.SQLAlchemyError as err:
        raise DataValidationError(
            f"Cannot connect to {shown}: {_first_line(getattr(err, 'orig', None) or err)}. Check the host, "
            "port, database name and user in the URL, that the server is running and that this "
            "machine may reach it.") from None


def _check_table(con, shown: str, table: str) -> None:
    sqlalchemy = optional_import("sqlalchemy", "sql")
    schema, _, name = table.rpartition(".")
    tables = sqlalchemy.inspect(con).get_table_names(schema=schema or None)
    views = sqlalchemy.inspect(con).get_view_names(schema=schema or None)
    if name not in tables and name not in views:
        near = closest(name, [*tables, *views])
        raise DataValidationError(
            f"{shown} has no table {table!r}" + (f" (did you mean {near!r}?)" if near else "")
            + f". Tables there{' in schema ' + repr(schema) if schema else ''}: {sorted(tables)}.")


def _select(table: str | None, query: str | None) -> str:
    if query:
        return query
    return ".".join(f'"{part}"' for part in str(table).split("."))


def _read_database(text: str, table: str | None, query: str | None) -> pd.DataFrame:
    sqlalchemy = optional_import("sqlalchemy", "sql")
    shown = _safe_url(text)
    if not (table or query):
        raise ValueError(f"Reading {shown!r} needs `table=` or `query=`.")
    engine = _engine(text)
    try:
        with _connect(engine, shown) as con:
            if table and not query:
                _check_table(con, shown, table)
            return pd.read_sql(sqlalchemy.text(query or f"SELECT * FROM {_select(table, None)}"), con)
    except (sqlalchemy.exc.SQLAlchemyError, pd.errors.DatabaseError) as err:
        raise DataValidationError(f"Reading {shown} failed: {_first_line(err)}. Check the URL, "
                                  "the table and the query.") from None
    finally:
        engine.dispose()


def database_columns(url: str, *, table: str | None = None, query: str | None = None) -> tuple[list[str], bool]:
    """The column names of a database table or query, and whether it has a row, reading no rows.

    Parameters
    ----------
    url : str
        A SQLAlchemy database URL (``postgresql+psycopg://...``, ``sqlite:////path.db``).
    table, query : str
        A table (or view) name, optionally ``schema.table``; or a ``SELECT`` query. One of them.

    Returns
    -------
    columns : list of str
        The names, as the database returns them.
    has_rows : bool
        Whether the table or query yields at least one row.

    Raises
    ------
    DataValidationError
        Not a database URL, the database cannot be reached, no such table (the tables are
        listed), or the query fails.
    MissingDependencyError
        SQLAlchemy or the URL's driver is not installed (the message says what to install).
    ValueError
        Neither or both of ``table`` and ``query``.
    """
    sqlalchemy = optional_import("sqlalchemy", "sql")
    shown = _safe_url(url)
    if bool(table) == bool(query):
        raise ValueError(f"Reading {shown!r} needs exactly one of `table=` and `query=`.")
    engine = _engine(url)
    try:
        with _connect(engine, shown) as con:
            if table:
                _check_table(con, shown, table)
            inner = f"SELECT * FROM {_select(table, None)}" if table else query.strip().rstrip(";")
            try:
                result = con.execute(sqlalchemy.text(f"SELECT * FROM ({inner}) AS cxlab_source LIMIT 1"))
                columns, has_rows = list(result.keys()), result.first() is not None
            except sqlalchemy.exc.SQLAlchemyError as err:
                what = f"The query on {shown}" if query else f"Reading table {table!r} of {shown}"
                raise DataValidationError(f"{what} failed: {_first_line(getattr(err, 'orig', None) or err)}. "
                                          "Check the table and column names in it.") from None
            return [str(c) for c in columns], has_rows
    finally:
        engine.dispose()


def check_file(source: str | Path) -> Path:
    """``source`` as a Path, after checking it names a non-empty file.

    Raises
    ------
    DataValidationError
        No file there (the closest name in its folder is suggested), a folder, or 0 bytes.
    """
    path = Path(source)
    if not path.exists():
        near = closest(path.name, [p.name for p in path.parent.glob("*")]) if path.parent.exists() else None
        raise DataValidationError(
            f"No file at {path}" + (f" (did you mean {path.parent / near}?)" if near else "")
            + ". Check the path in your parameters; relative paths are resolved from the "
            "directory you run in."
        )
    if path.is_dir():
        raise DataValidationError(
            f"{path} is a folder, not a file. Name a file in it (e.g. {path / 'responses.csv'}), "
            "or load every table of the folder with cxlab.data.load_folder.")
    if path.stat().st_size == 0:
        raise DataValidationError(f"{path} is empty (0 bytes). Export the table again; the first "
                                  "line must name the columns.")
    return path


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
        The rows as read; column names and types are the source's. The rows may be none
        (a header-only file); the loaders refuse that, this function does not.

    Raises
    ------
    DataValidationError
        No file at the path (the closest file name is suggested), a folder where a file is
        expected, an empty (0-byte) or undecodable file, a header naming a column twice, a
        missing Excel sheet (the sheets are listed), a file that is not what its name says
        (text saved as ``.xlsx``, a corrupt parquet file), a missing table (the tables are
        listed), a failing query, a SQLite URL to a file that does not exist (never created),
        or an unsupported file type.
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
        return _read_query(text)
    if _is_url(text):
        return _read_database(text, table, query)
    path = check_file(text)
    suffix = path.suffix.lower()
    if suffix in _TEXT:
        return _read_text(path)
    if suffix in _EXCEL:
        return _read_excel(path, sheet)
    if suffix == ".parquet":
        return _read_parquet(path)
    if suffix in _DUCKDB:
        return _read_duckdb_file(path, table, query)
    raise DataValidationError(
        f"{path}: cxlab reads .csv, .tsv, .xlsx, .parquet and .duckdb files, or database URLs; "
        f"got {suffix or 'no extension'!r}."
    )
