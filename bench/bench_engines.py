"""The breakdown through each engine: time, peak memory and scans of the table (issue 14).

Run: ``PYTHONPATH=. python bench/bench_engines.py --rows 10000000`` (default 1e6 for a quick
run; ``--engines duckdb,old,memory,polars,spark`` to choose). Each engine runs in its own
process so its peak resident memory (``ru_maxrss``) is its own. The breakdown is
``segments.breakdown(by=["channel", "region", ["channel", "customer_type"]])`` of NPS, CSAT
and CES over a parquet file; ``old`` is the nine-scan ``cube_sql`` of commit 48e79fe, read
from git. Scans are counted as the queries sent to DuckDB (a ``LIMIT 0`` schema probe is
not a scan); the Ibis engines run one aggregate expression.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

import numpy as np
import pandas as pd

OLD_COMMIT = "48e79fe"
BY = ["channel", "region", ["channel", "customer_type"]]


def make_rows(n: int, path: Path, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)

    def pick(labels, size):
        return pd.Categorical.from_codes(rng.integers(0, len(labels), size), categories=labels)

    frames = []
    for start in range(0, n, 2_000_000):
        m = min(2_000_000, n - start)
        f = pd.DataFrame({
            "channel": pick(["APP", "门店", "电话客服", "微信公众号"], m),
            "region": pick(["华东", "华南", "华北", "西南", "西北", "东北"], m),
            "customer_type": pick(["企业客户", "年轻个人", "中老年个人"], m),
            "nps": pd.array(rng.integers(0, 11, m), dtype="Int8"),
            "csat": pd.array(rng.integers(1, 6, m), dtype="Int8"),
            "ces": pd.array(rng.integers(1, 8, m), dtype="Int8"),
        })
        f.loc[rng.random(m) < 0.3, "ces"] = pd.NA
        frames.append(f.astype({c: str for c in ("channel", "region", "customer_type")}))
    pd.concat(frames, ignore_index=True).to_parquet(path)


def _old_cube_sql():
    source = subprocess.run(["git", "show", f"{OLD_COMMIT}:cxlab/stats/cube_sql.py"], capture_output=True,
                            text=True, check=True, cwd=Path(__file__).parent).stdout
    module = types.ModuleType("cxlab.stats.old_cube_sql")
    module.__package__ = "cxlab.stats"
    exec(compile(source, "old_cube_sql.py", "exec"), module.__dict__)  # noqa: S102 - our own history
    return module.cube_sql


class _Counting:
    """A DuckDB connection that counts the queries reading the data."""

    def __init__(self):
        import duckdb

        self.con, self.scans = duckdb.connect(), 0

    def sql(self, text):
        self.scans += "LIMIT 0" not in text
        return self.con.sql(text)


def run_one(engine: str, path: Path) -> dict:
    from cxlab import segments
    from cxlab.metric_defs import get_metric
    from cxlab.metrics import segment_table
    from cxlab.stats.cube_sql import cube_sql
    from cxlab.stats.kinds import cube_scales

    ms = [get_metric(m) for m in ("nps", "csat", "ces")]
    dims = ["channel", "region", "customer_type"]
    groupings = [[g] if isinstance(g, str) else g for g in BY]
    scans, warm = 1, None
    start = time.perf_counter()
    if engine == "memory":
        frame = pd.read_parquet(path)
        frame = frame.astype({c: "category" for c in dims})
        start_cube = time.perf_counter()
        table = segments.breakdown(frame, by=BY)
        scans, warm = "in memory", time.perf_counter() - start_cube
    elif engine in ("duckdb", "old"):
        run = cube_sql if engine == "duckdb" else _old_cube_sql()
        con = _Counting()
        full = run(str(path), by=dims, scales=cube_scales(ms), con=con)
        table = segment_table(full, groupings, ms, 0.95)
        scans = con.scans
    else:
        import ibis

        if engine == "polars":
            t = ibis.polars.connect().read_parquet(str(path))
        else:
            from pyspark.sql import SparkSession

            session = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
                       .config("spark.driver.memory", "8g").getOrCreate())
            t = ibis.pyspark.connect(session).read_parquet(str(path))
            segments.breakdown(t, by=BY)  # warm the session and the file cache
            start = time.perf_counter()
        table = segments.breakdown(t, by=BY)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB on Linux
    return {"engine": engine, "seconds": round(seconds, 2), "peak_MiB": round(peak),
            "scans": scans, "table_rows": len(table), "aggregate_only_s": None if warm is None else round(warm, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=float, default=1e6)
    parser.add_argument("--engines", default="duckdb,old,memory,polars,spark")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, Path(args.path))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "responses.parquet"
        make_rows(int(args.rows), path)
        print(f"{int(args.rows):,} responses, breakdown by {BY}, NPS/CSAT/CES")
        print(f"{'engine':8} {'seconds':>8} {'peak MiB':>9} {'scans':>10} {'table rows':>10}")
        for engine in args.engines.split(","):
            out = subprocess.run([sys.executable, __file__, "--one", engine, "--path", str(path)],
                                 capture_output=True, text=True)
            if out.returncode:
                print(f"{engine:8} failed: {out.stderr.strip().splitlines()[-1:]}")
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{r['engine']:8} {r['seconds']:>8} {r['peak_MiB']:>9} {r['scans']!s:>10} {r['table_rows']:>10}")


if __name__ == "__main__":
    main()
