"""The one-pass cube on PySpark local[2] (one session for this module), about 1e5 rows.

The in-memory cube is the reference (counts exact, moments within 1e-9), as in
tests/test_engines.py. Needs the spark extra and Java 17 (.ci/run installs
openjdk-17-jre-headless); under CI=true a missing Java or pyspark fails instead of skipping.
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

import cxlab
from cxlab import segments
from cxlab.stats.cube import cube

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::FutureWarning"), pytest.mark.filterwarnings("ignore::UserWarning")]


def _need(ok: bool, what: str) -> None:
    if not ok:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{what} is missing; .ci/run installs it.")
        pytest.skip(f"{what} is not installed here.")


@pytest.fixture(scope="module")
def spark():
    _need(shutil.which("java") is not None, "Java (openjdk-17-jre-headless)")
    try:
        import ibis
        from pyspark.sql import SparkSession
    except ImportError:
        _need(False, "pyspark (pip install 'cxlab[ibis,spark]')")
    session = (SparkSession.builder.master("local[2]").appName("cxlab-tests")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
               .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
               .config("spark.sql.session.timeZone", "UTC").getOrCreate())
    try:
        yield ibis.pyspark.connect(session)
    finally:
        session.stop()


def test_spark_cube_equals_the_in_memory_cube(spark, tmp_path):
    from test_engines import BY, SCALES, rows, same_cube, same_table

    frame = rows(n=100_000, seed=5)
    path = tmp_path / "responses.parquet"  # a lake's file (pandas' nullable Int8 -> Spark directly loses values)
    frame.to_parquet(path, coerce_timestamps="us", allow_truncated_timestamps=True)
    table = spark.read_parquet(str(path))
    same_cube(cube(frame, by=BY, scales=SCALES), cxlab.stats.engines.cube_of(table, by=BY, scales=SCALES))
    same_table(segments.breakdown(frame, by=["channel", "region"]), segments.breakdown(table, by=["channel", "region"]))
    q = cxlab.scores(table, metrics=["first_response_median"])
    assert q["method"].iloc[0].endswith("(pyspark); no interval")
    np.testing.assert_allclose(q["value"].iloc[0], frame["first_response_min"].median(), rtol=1e-3)
