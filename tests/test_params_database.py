"""Scheduled reports on a database (issue 14, point 3): the ``database`` parameter.

SQLite for the fast cases (every failure of the check before a kernel starts); a throwaway
PostgreSQL cluster on 127.0.0.1 (initdb + pg_ctl on a free port in a temporary folder,
removed at teardown) for the SQLAlchemy loader and one scheduled job end to end. Debian's
``postgresql`` package is installed by ``.ci/run``: under ``CI=true`` a missing install fails.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import pwd
import shutil
import socket
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import pandas as pd
import pytest
import yaml

import cxlab
from cxlab import ParameterError
from cxlab.reports.catalog import COMMENTS, SCORES, SEGMENTS
from cxlab.reports.inputs import check_inputs, load_inputs
from cxlab.reports.params import load_parameters

ROOT = Path(__file__).resolve().parents[1]
SCORES_NB = ROOT / "notebooks" / "scores.ipynb"
#: cxlab column -> the warehouse's own name (the job maps them back with `columns`).
RENAMED = {"nps": "nps_score", "channel": "touchpoint", "submitted_at": "answered_at"}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    cxlab.sample.write(folder, 2000, seed=5)
    return folder


def _raw(files: Path, table: str) -> pd.DataFrame:
    frame = pd.read_parquet(files / f"{table}.parquet")
    frame = frame.astype({c: "object" for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)})
    return frame.rename(columns=RENAMED) if table == "responses" else frame


@pytest.fixture(scope="module")
def lite(files, tmp_path_factory):
    path = tmp_path_factory.mktemp("db") / "cx.sqlite"
    with sqlite3.connect(path) as con:
        _raw(files, "responses").to_sql("survey_responses", con, index=False)
        _raw(files, "tickets").to_sql("service_tickets", con, index=False)
    return f"sqlite:///{path}"


def _source(url: str, **tables) -> dict:
    base = {"responses": {"table": "survey_responses", "columns": {v: k for k, v in RENAMED.items()}},
            "tickets": {"table": "service_tickets"}}
    return {"url": url, "tables": {**base, **tables}}


def _params(tmp_path: Path, values: dict) -> Path:
    path = tmp_path / "job.yaml"
    path.write_text(yaml.safe_dump(values, allow_unicode=True), encoding="utf-8")
    return path


def _same_scores(a: pd.DataFrame, b: pd.DataFrame, by: str) -> None:
    """Equal score tables, whatever the category order (a database keeps none)."""
    a, b = (f.assign(**{by: f[by].astype(str)}).sort_values(["metric", by]).reset_index(drop=True) for f in (a, b))
    pd.testing.assert_frame_equal(a, b)


def _check(tmp_path, database, notebook=SCORES_NB, **extra):
    return load_parameters(_params(tmp_path, {"database": database, "period": "month", **extra}), notebook)


# ---- the loader ------------------------------------------------------------------------------

def test_a_database_source_loads_what_the_files_load(files, lite):
    from_db = load_inputs("", _source(lite))
    from_files = cxlab.data.load_folder(files)
    assert set(from_db) == {"responses", "tickets"}
    for name in from_db:
        assert len(from_db[name]) == len(from_files[name])
    a = cxlab.scores(from_db["responses"], metrics=["nps", "csat"], by="channel")
    b = cxlab.scores(from_files["responses"], metrics=["nps", "csat"], by="channel")
    _same_scores(a, b, "channel")


def test_a_query_source_and_the_reports_columns_mapping(lite):
    source = _source(lite, responses={"query": "SELECT * FROM survey_responses WHERE touchpoint = 'APP'"})
    frame = load_inputs("", source, columns={"nps_score": "nps", "touchpoint": "channel",
                                             "answered_at": "submitted_at"})["responses"]
    assert set(frame["channel"].astype(str)) == {"APP"}


def test_invalid_rows_are_named_by_table_without_the_url_password(lite, tmp_path):
    path = tmp_path / "bad.sqlite"
    with sqlite3.connect(path) as con:
        pd.DataFrame({"nps": [9, 42], "submitted_at": ["2026-03-01", "2026-03-02"]}).to_sql("s", con, index=False)
    with pytest.raises(cxlab.DataValidationError, match=r"responses \('s' of sqlite:///.*bad.sqlite\)"):
        load_inputs("", {"url": f"sqlite:///{path}", "tables": {"responses": {"table": "s"}}})


# ---- the check before a kernel starts ----------------------------------------------------------

def test_a_good_database_source_passes_the_check(lite, tmp_path):
    assert _check(tmp_path, _source(lite))["database"]["url"] == lite


@pytest.mark.parametrize("change, message", [
    ({"url": "nonsense"}, r"database: url: is not a database URL"),
    ({"url": "postgresql+psycopg://cx:hunter2@db:5432/cx"}, r"url: holds a password; .*\$\{CX_WAREHOUSE_URL\}"),
    ({"url": "${CXLAB_TEST_UNSET_URL}"}, r"uses the environment variable\(s\) \['CXLAB_TEST_UNSET_URL'\], which are not set"),
    ({"tables": {"surveys": {"table": "x"}}}, r"tables: names \['surveys'\]; cxlab reads the tables responses"),
    ({"tables": {"responses": {"table": "a", "query": "SELECT 1"}}}, r"give exactly one of `table:`"),
    ({"tables": {"responses": {"tabel": "a"}}}, r"tabel: unknown name \(database takes url and tables"),
])
def test_a_malformed_database_parameter_is_named(lite, tmp_path, change, message):
    source = {**_source(lite), **change}
    with pytest.raises(ParameterError, match=message) as err:
        _check(tmp_path, source)
    assert str(err.value).startswith(str(tmp_path / "job.yaml"))
    assert "hunter2" not in str(err.value)


def test_data_dir_and_database_together_are_refused(lite, files, tmp_path):
    with pytest.raises(ParameterError, match="give data_dir \\(files\\) or database, not both"):
        _check(tmp_path, _source(lite), data_dir=str(files))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("url, message", [
    ("postgresql://cx@db:notaport/cx", r"database.url: 'postgresql://cx@db:notaport/cx' is not a database URL"),
    ("mysql+pymysql://cx@127.0.0.1/cx", r"database.url: .*the database driver 'pymysql', which is not installed: pip install pymysql"),
    ("nosuchdb://cx@127.0.0.1/cx", r"database.url: .*SQLAlchemy knows no dialect 'nosuchdb'"),
    ("postgresql+psycopg://cx@127.0.0.1:{port}/cx",
     r"database.url: Cannot connect to postgresql\+psycopg://cx@127.0.0.1:\d+/cx: .*Check the host, port"),
    ("sqlite:////no/such/cx.sqlite", r"database.url: No SQLite database at /no/such/cx.sqlite"),
])
def test_a_database_that_cannot_be_used_is_named_once(lite, tmp_path, url, message):
    if "pymysql" in url and importlib.util.find_spec("pymysql"):
        pytest.skip("pymysql is installed here")
    with pytest.raises(ParameterError, match=message) as err:
        _check(tmp_path, _source(url.format(port=_closed_port())))
    assert str(err.value).count("database.url") == 1  # said once, not once per table


def test_a_password_from_the_environment_stays_out_of_the_messages(lite, tmp_path, monkeypatch):
    monkeypatch.setenv("CXLAB_TEST_URL", f"postgresql+psycopg://cx:hunter2@127.0.0.1:{_closed_port()}/cx")
    with pytest.raises(ParameterError, match=r"Cannot connect to postgresql\+psycopg://cx:\*\*\*@127.0.0.1") as err:
        _check(tmp_path, _source("${CXLAB_TEST_URL}"))
    assert "hunter2" not in str(err.value)


def test_missing_tables_and_columns_are_named_with_their_key(lite, tmp_path):
    source = _source(lite, responses={"table": "survey_respones"},
                     tickets={"query": "SELECT ticket_id, created_at FROM service_tickets"})
    with pytest.raises(ParameterError) as err:
        _check(tmp_path, source)
    text = str(err.value)
    assert "database.tables.responses.table: sqlite:///" in text
    assert "has no table 'survey_respones' (did you mean 'survey_responses'?)" in text
    assert "database.tables.tickets: the query lacks column(s) the scores report reads from the tickets table: " \
           "'fcr', 'complaint', 'first_response_min', 'resolution_hours'" in text


def test_an_unmapped_column_and_a_missing_required_one(lite, tmp_path):
    source = _source(lite, responses={"table": "survey_responses", "columns": {"nps_scor": "nps"}})
    with pytest.raises(ParameterError) as err:
        _check(tmp_path, source)
    text = str(err.value)
    assert "database.tables.responses.columns maps 'nps_scor' (closest: 'nps_score'), which table " \
           "'survey_responses' lacks" in text
    # not mapped, so missing for the report:
    assert "reads from the responses table: 'submitted_at', 'channel', 'nps' (closest: 'nps_score')" in text
    assert "map yours with `columns: {your_column: cxlab_name}` under database.tables.responses" in text


def test_a_failing_query_and_a_query_with_no_rows(lite, tmp_path):
    source = _source(lite, tickets={"query": "SELECT * FROM service_tickets WHERE no_such_column = 1"})
    with pytest.raises(ParameterError, match=r"database.tables.tickets.query: The query on sqlite:///.* failed: "
                                             "no such column: no_such_column"):
        _check(tmp_path, source)
    source = _source(lite, tickets={"query": "SELECT * FROM service_tickets WHERE 1 = 0"})
    with pytest.raises(ParameterError, match=r"database.tables.tickets: the query returns no rows; .*when it is "
                                             r"there \(remove database.tables.tickets to skip it\)"):
        _check(tmp_path, source)


def test_a_required_table_not_named(lite, tmp_path):
    with pytest.raises(ParameterError, match=r"database.tables.responses: missing; the comments report reads the "
                                             "responses table"):
        check_inputs(COMMENTS, {"database": {"url": lite, "tables": {"tickets": {"table": "service_tickets"}}},
                                "columns": {}, "score": "csat", "by": ["journey_stage", "channel"]},
                     tmp_path / "job.yaml")


def test_the_segments_and_comments_reports_take_a_database_too(lite, tmp_path):
    nb = ROOT / "notebooks"
    assert _check(tmp_path, _source(lite), nb / "segments.ipynb", period="week")
    source = {"url": lite, "tables": {"responses": _source(lite)["tables"]["responses"]}}
    values = load_parameters(_params(tmp_path, {"database": source}), nb / "comments.ipynb")
    assert values["database"]["tables"]["responses"]["table"] == "survey_responses"
    assert {SCORES.name, SEGMENTS.name, COMMENTS.name} <= set(cxlab.reports.catalog.REPORTS)


# ---- PostgreSQL ------------------------------------------------------------------------------

def _pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        message = ("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): "
                   "apt-get install postgresql (.ci/run does)")
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return Path(found[-1]).parent


@pytest.fixture(scope="module")
def postgres(files):
    """A PostgreSQL cluster on 127.0.0.1:<free port> holding the sample in schema ``cx``; its URL."""
    sqlalchemy = pytest.importorskip("sqlalchemy")
    bindir = _pg_bin()
    folder = Path(tempfile.mkdtemp(prefix="cxlab-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: run the server as Debian's postgres user
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = folder / "data", _closed_port()
    def run(*cmd):
        return subprocess.run([*as_user, *map(str, cmd)], check=True, capture_output=True, timeout=120)

    try:
        run(bindir / "initdb", "-D", data, "-U", "cx", "-A", "trust", "-E", "UTF8", "--no-instructions")
        run(bindir / "pg_ctl", "-D", data, "-l", folder / "server.log", "-w", "-t", "60", "-o",
            f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={folder}", "start")
        url = f"postgresql+psycopg://cx@127.0.0.1:{port}/postgres"
        engine = sqlalchemy.create_engine(url)
        with engine.begin() as con:
            con.execute(sqlalchemy.text("CREATE SCHEMA cx"))
            _raw(files, "responses").to_sql("survey_responses", con, schema="cx", index=False)
            _raw(files, "tickets").to_sql("service_tickets", con, schema="cx", index=False)
        engine.dispose()
        yield url
    finally:
        subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       check=False, capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


def _pg_source(url: str) -> dict:
    source = _source(url)
    for spec in source["tables"].values():
        spec["table"] = "cx." + spec["table"]
    return source


def test_postgres_source_loads_what_the_files_load(postgres, files, tmp_path):
    assert _check(tmp_path, _pg_source(postgres))
    from_db = load_inputs("", _pg_source(postgres))
    from_files = cxlab.data.load_folder(files)
    a = cxlab.scores(from_db["responses"], metrics=["nps", "csat", "ces"], by="journey_stage")
    b = cxlab.scores(from_files["responses"], metrics=["nps", "csat", "ces"], by="journey_stage")
    _same_scores(a, b, "journey_stage")
    assert len(from_db["tickets"]) == len(from_files["tickets"])


def test_postgres_missing_table_lists_the_schema(postgres, tmp_path):
    source = _pg_source(postgres)
    source["tables"]["tickets"]["table"] = "cx.service_ticket"
    with pytest.raises(ParameterError, match=r"has no table 'cx.service_ticket' \(did you mean 'service_tickets'\?\)"
                                             r". Tables there in schema 'cx'"):
        _check(tmp_path, source)


@pytest.mark.slow
def test_a_scheduled_job_reads_from_postgres_end_to_end(postgres, files, tmp_path, monkeypatch):
    from cxlab.reports.outputs import read_run_table
    from cxlab.reports.runner import run_job

    monkeypatch.setenv("CXLAB_TEST_WAREHOUSE", postgres)
    source = {**_pg_source(postgres), "url": "${CXLAB_TEST_WAREHOUSE}"}  # the URL stays out of the files
    params = _params(tmp_path, {"database": source, "period": "month", "locale": "en"})
    schedule = tmp_path / "schedule.yaml"
    schedule.write_text(yaml.safe_dump({"jobs": {"scores_pg": {"notebook": str(SCORES_NB), "params": str(params),
                                                               "timeout": 300}}}), encoding="utf-8")
    outputs = tmp_path / "outputs"
    result = run_job("scores_pg", schedule=schedule, outputs=outputs)
    assert result.ok and (result.directory / "report.html").is_file()
    assert result.record["parameters"]["database"]["url"] == "${CXLAB_TEST_WAREHOUSE}"
    assert (outputs / "scores_pg" / "latest").exists()
    overall = read_run_table("scores_pg", SCORES.overall, outputs=outputs).set_index("metric")
    expected = cxlab.scores(cxlab.data.load_folder(files)["responses"], metrics=["nps"]).set_index("metric")
    assert overall.loc["nps", "value"] == pytest.approx(expected.loc["nps", "value"], abs=1e-12)
    assert overall.loc["nps", "n"] == expected.loc["nps", "n"]


@pytest.mark.slow
@pytest.mark.parametrize("stem", ["segments", "comments"])
def test_the_segments_and_comments_reports_run_from_a_database(lite, files, tmp_path, stem):
    from cxlab.reports.catalog import REPORTS
    from cxlab.reports.outputs import read_run_table
    from cxlab.reports.runner import run_job

    source = _source(lite) if stem == "segments" else {"url": lite, "tables": {
        "responses": _source(lite)["tables"]["responses"]}}
    params = _params(tmp_path, {"database": source, "locale": "en"})
    schedule = tmp_path / "schedule.yaml"
    schedule.write_text(yaml.safe_dump({"jobs": {stem: {"notebook": str(ROOT / "notebooks" / f"{stem}.ipynb"),
                                                        "params": str(params), "timeout": 300}}}), encoding="utf-8")
    result = run_job(stem, schedule=schedule, outputs=tmp_path / "outputs")
    assert result.ok and sorted(result.record["tables"]) == sorted(REPORTS[stem].names)
    if stem == "comments":
        masked = read_run_table(stem, "masked", outputs=tmp_path / "outputs")
        assert masked["comments"].sum() > 0  # the comments came from the database
