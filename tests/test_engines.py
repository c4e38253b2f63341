"""One-pass aggregation inside real engines: DuckDB and Polars always, PostgreSQL on a throwaway cluster.

Every engine's cube must equal the in-memory cube (:func:`cxlab.stats.cube.cube`) exactly in
its counts and within 1e-9 in its moments; every analysis that reads a cube gives the same
table from an Ibis table as from the DataFrame. The in-memory cube is the reference here
(itself checked against scipy/statsmodels in tests/test_aggregate.py and tests/test_scores.py).
Golden SQL for BigQuery, Snowflake and Trino is compiled without a server; the files under
tests/data/golden_sql are regression values (written by this code, reviewed by hand).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cxlab
from cxlab import alerts, experiments, league, segments, trends
from cxlab.errors import DataValidationError, EngineError
from cxlab.metric_defs import Metric
from cxlab.stats.cube import cube
from cxlab.stats.cube_sql import cube_sql

ibis = pytest.importorskip("ibis", reason="the ibis extra is not installed (pip install 'cxlab[ibis]')")

from cxlab.stats.cube_ibis import cube_expression, cube_ibis, quantile_table  # noqa: E402
from cxlab.stats.engines import cube_of  # noqa: E402

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::FutureWarning:ibis")]

GOLDEN = Path(__file__).parent / "data" / "golden_sql"
SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7), "first_response_min": None}
BY = ["channel", "region", "customer_type"]
MEAN_WAIT = Metric("wait_mean", "first_response_min", "mean")


def rows(n: int = 6000, seed: int = 3) -> pd.DataFrame:
    """Sample responses as plain columns (engines have no category order), with blank groups and values."""
    df = cxlab.sample.responses(n=n, seed=seed, locale="en").drop(columns=["comment"])
    for c in df.columns:
        if isinstance(df[c].dtype, pd.CategoricalDtype):
            df[c] = df[c].astype(object)
    df.loc[df.index[::97], "region"] = None  # blank group values: the level (blank)
    df.loc[df.index[::53], "first_response_min"] = np.nan
    df["first_response_min"] = df["first_response_min"] + 1e6  # large offset: moments must not cancel
    return df


def same_cube(a, b) -> None:
    assert [list(map(str, lv)) for lv in a.levels] == [list(map(str, lv)) for lv in b.levels]
    np.testing.assert_array_equal(a.rows, b.rows)
    assert a.hists.keys() == b.hists.keys()
    for k in a.hists:
        np.testing.assert_array_equal(a.hists[k], b.hists[k])
    for k in a.moments:
        for x, y in zip(a.moments_of(k), b.moments_of(k)):
            np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-9)


def same_table(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False,
                                  check_categorical=False, rtol=1e-9)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return rows()


@pytest.fixture(scope="module", params=["duckdb", "polars"])
def table(request, frame):
    con = ibis.duckdb.connect() if request.param == "duckdb" else ibis.polars.connect()
    return con.create_table("responses", frame)


def test_engine_cube_equals_the_in_memory_cube(table, frame):
    same_cube(cube(frame, by=BY, scales=SCALES), cube_ibis(table, by=BY, scales=SCALES))
    same_cube(cube(frame, scales=SCALES), cube_of(table, scales=SCALES))  # no grouping: one cell


def test_one_pass_sql_equals_the_in_memory_cube_and_scans_once(frame, tmp_path):
    path = tmp_path / "rows.parquet"
    frame.to_parquet(path)
    import duckdb

    class Counting:  # counts the queries that read the data (LIMIT 0 reads the schema only)
        def __init__(self):
            self.con, self.scans = duckdb.connect(), 0

        def sql(self, text):
            self.scans += "LIMIT 0" not in text
            return self.con.sql(text)

    con = Counting()
    same_cube(cube(frame, by=BY, scales=SCALES), cube_sql(path, by=BY, scales=SCALES, con=con))
    assert con.scans == 1


def test_every_analysis_reads_an_engine_table_like_a_frame(table, frame):
    same_table(cxlab.scores(frame, by="channel", metrics=["nps", "csat", MEAN_WAIT]),
               cxlab.scores(table, by="channel", metrics=["nps", "csat", MEAN_WAIT]))
    same_table(segments.breakdown(frame, by=["channel", ["region", "customer_type"]]),
               segments.breakdown(table, by=["channel", ["region", "customer_type"]]))
    same_table(trends.trend(frame, by="channel", period="month"), trends.trend(table, by="channel", period="month"))
    for period in ("week", "quarter", "day"):
        same_table(trends.trend(frame, metrics=["csat"], period=period),
                   trends.trend(table, metrics=["csat"], period=period))
    same_table(trends.period_changes(frame, period="month"), trends.period_changes(table, period="month"))
    same_table(alerts.check(frame), alerts.check(table))
    same_table(league.league_table(frame), league.league_table(table))
    same_table(league.heatmap_table(frame, x="time_slot", y="team", metric="csat"),
               league.heatmap_table(table, x="time_slot", y="team", metric="csat"))
    weights = {s: 1.0 + i for i, s in enumerate(sorted(frame["journey_stage"].unique()))}
    same_table(segments.composite(frame, weights=weights), segments.composite(table, weights=weights))


def test_experiment_readout_from_an_engine_table(table):
    ex = cxlab.sample.experiment(n=6000, seed=4, locale="en")
    ex = ex.assign(variant=ex["variant"].astype(object), experiment=ex["experiment"].astype(object),
                   customer_type=ex["customer_type"].astype(object))
    t = table._find_backend().create_table("experiment", ex, overwrite=True)
    a = experiments.analyze(ex, variant="variant", control="A", metrics=["nps", "csat", "fcr"])
    b = experiments.analyze(t, variant="variant", control="A", metrics=["nps", "csat", "fcr"])
    same_table(a, b)
    assert a.attrs["srm"] == b.attrs["srm"]
    with pytest.raises(DataValidationError, match="Control arm 'Z' is not in column 'variant'"):
        experiments.analyze(t, variant="variant", control="Z")
    # CUPED inside the engine: the co-moments from one scan give the in-memory readout (scores grouped by
    # value and coded locally: NPS +100 / 0 / -100, top-box rates, means; the in-memory path is itself
    # checked against statsmodels OLS in tests/test_experiments.py)
    covariates = {"csat": "pre_csat", "nps": "pre_csat", "ces": "pre_csat", "wait": "pre_csat"}
    wait = Metric("wait", "first_response_min", "mean")
    metrics = ["nps", "csat", "ces", "fcr", wait]
    a = experiments.analyze(ex, variant="variant", control="A", metrics=metrics, covariates=covariates)
    b = experiments.analyze(t, variant="variant", control="A", metrics=metrics, covariates=covariates)
    same_table(a, b)
    assert a["cuped"].sum() == 8 and (a["method"].str.startswith("CUPED")).sum() == 8
    blank = ex.assign(pre_csat=ex["pre_csat"].where(ex.index % 50 != 0))
    t2 = table._find_backend().create_table("experiment_blank", blank, overwrite=True)
    with pytest.raises(DataValidationError, match=r"Covariate 'pre_csat' is blank for \d+ unit\(s\) with a csat"):
        experiments.analyze(t2, variant="variant", control="A", metrics=["csat"], covariates={"csat": "pre_csat"})


def test_engine_quantiles_say_exact_or_approximate(table, frame):
    q = cxlab.scores(table, metrics=["first_response_median"], by="channel")
    want = frame.groupby("channel")["first_response_min"].median()  # numpy/pandas linear interpolation
    np.testing.assert_allclose(q["value"].to_numpy(), want.sort_index().to_numpy(), rtol=1e-12)
    assert q["method"].str.startswith("exact quantile").all()
    assert (q["n"] + q["n_missing"]).sum() == len(frame)
    approx, how = quantile_table(table, by=["channel"], column="first_response_min", q=0.9, approximate=True)
    assert how == "approximate" and len(approx) == frame["channel"].nunique()


def test_bad_scores_inside_an_engine_are_named(table):
    con = table._find_backend()
    bad = con.create_table("bad", pd.DataFrame({"nps": [1, 11, 12, 5], "g": ["a", "b", "a", "b"]}),
                           overwrite=True)
    with pytest.raises(DataValidationError, match=r"column 'nps': 2 value\(s\) that are not whole numbers 0-10"):
        cube_of(bad, by=["g"], scales={"nps": (0, 10)})
    with pytest.raises(DataValidationError, match="has no column 'csat'"):
        cube_of(bad, scales={"csat": (1, 5)})


def test_a_connection_url_and_a_query(frame, tmp_path):
    db = tmp_path / "cx.duckdb"
    con = ibis.duckdb.connect(str(db))
    con.create_table("responses", frame)
    con.disconnect()
    url = f"duckdb://{db}"
    same_cube(cube(frame, by=["channel"], scales=SCALES), cube_of((url, "responses"), by=["channel"], scales=SCALES))
    part = cube_of((url, "SELECT * FROM responses WHERE channel = 'APP'"), by=["channel"], scales=SCALES)
    assert list(part.levels[0]) == ["APP"]
    with pytest.raises(DataValidationError, match="could not read 'nope'"):
        cube_of((url, "nope"), scales=SCALES)


@pytest.mark.parametrize("dialect", ["bigquery", "snowflake", "trino"])
def test_golden_sql_for_warehouses(dialect):
    schema = {"channel": "string", "region": "string", "nps": "int8", "csat": "int8", "ces": "int8",
              "first_response_min": "float64"}
    expr = cube_expression(ibis.table(schema, name="responses"), by=["channel", "region"], scales=SCALES)
    sql = ibis.to_sql(expr, dialect=dialect).strip() + "\n"
    golden = GOLDEN / f"cube_{dialect}.sql"
    if os.environ.get("CXLAB_WRITE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(sql.encode("utf-8"))
    assert sql == golden.read_bytes().decode("utf-8")
    assert sql.count("FROM \"responses\"") + sql.count("FROM `responses`") == 1  # one scan


def test_an_operation_an_engine_lacks_names_engine_and_operation():
    t = ibis.table({"x": "float64"}, name="t")
    with pytest.raises(ibis.common.exceptions.OperationNotDefinedError):
        ibis.to_sql(t.aggregate(q=t.x.quantile(0.5)), dialect="bigquery")  # why the fallback exists
    con = ibis.duckdb.connect()
    table = con.create_table("t", pd.DataFrame({"x": [1.0, 2.0]}))
    backend = table._find_backend()
    compile_ = backend.compile

    def lacking(expr, *a, **k):  # a backend without any quantile, as MySQL lacks approx_quantile
        raise ibis.common.exceptions.OperationNotDefinedError("Quantile")

    backend.compile = lacking
    try:
        with pytest.raises(EngineError, match="The duckdb engine has no quantile operation.*'x'"):
            quantile_table(table, column="x", q=0.5)
    finally:
        backend.compile = compile_


# --- PostgreSQL: a throwaway cluster on 127.0.0.1, created and removed here ---------------------


def _initdb() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return found[-1] if found else shutil.which("initdb")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres():
    initdb = _initdb()
    if initdb is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is not installed; .ci/run installs Debian's postgresql package.")
        pytest.skip("PostgreSQL is not installed here (apt-get install postgresql); CI installs it.")
    bindir = Path(initdb).parent
    root = Path(tempfile.mkdtemp(prefix="cxlab-pg-"))
    data, port = root / "data", _free_port()
    run_as = []
    if os.geteuid() == 0:  # initdb refuses root: run the cluster as the postgres user
        shutil.chown(root, "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    subprocess.run([*run_as, str(bindir / "initdb"), "-D", str(data), "-U", "cxlab", "--auth=trust",
                    "-E", "UTF8", "--locale=C"], check=True, capture_output=True)
    subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w", "-o",
                    f"-h 127.0.0.1 -p {port} -k {root}", "start"], check=True, capture_output=True)
    try:
        for _ in range(50):
            try:
                con = ibis.postgres.connect(host="127.0.0.1", port=port, user="cxlab", database="postgres")
                break
            except Exception:  # noqa: BLE001 - not accepting connections yet
                time.sleep(0.2)
        yield con, f"postgres://cxlab@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def test_postgres_cube_and_analyses(postgres, frame):
    con, url = postgres
    t = con.create_table("responses", frame, overwrite=True)
    same_cube(cube(frame, by=BY, scales=SCALES), cube_of(t, by=BY, scales=SCALES))
    same_cube(cube(frame, by=["channel"], scales=SCALES), cube_of((url, "responses"), by=["channel"], scales=SCALES))
    same_table(segments.breakdown(frame, by=["channel", "region"]), segments.breakdown(t, by=["channel", "region"]))
    same_table(trends.trend(frame, by="channel", period="week"), trends.trend(t, by="channel", period="week"))
    q = cxlab.scores(t, metrics=["first_response_p90"])
    assert q["method"].iloc[0].startswith("exact quantile (postgres)")
    np.testing.assert_allclose(q["value"].iloc[0], frame["first_response_min"].quantile(0.9), rtol=1e-12)
    ex = cxlab.sample.experiment(n=3000, seed=4, locale="en")
    ex = ex.assign(variant=ex["variant"].astype(object), experiment=ex["experiment"].astype(object),
                   customer_type=ex["customer_type"].astype(object))
    te = con.create_table("experiment", ex, overwrite=True)
    cuped = {"metrics": ["nps", "csat", "fcr"], "covariates": {"nps": "pre_csat", "csat": "pre_csat"}}
    same_table(experiments.analyze(ex, variant="variant", control="A", **cuped),
               experiments.analyze(te, variant="variant", control="A", **cuped))
