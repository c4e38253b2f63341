"""Report-run benchmark: `cxlab run --all` against the bare papermill floor, same run.

    python bench/bench_runner.py [--repeats 3]

The floor is papermill executing an empty one-cell notebook (kernel start and shutdown,
nothing else), measured both as the `papermill` command and in process. A report run adds
imports, the analysis, figures, HTML export and the run record on top of that.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import numpy as np
import papermill as pm

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if not (ROOT / "data" / "sample" / "responses.parquet").exists():
        subprocess.run([BIN / "cxlab", "sample", "--out", "data/sample"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "empty.ipynb"
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, empty)
        out = Path(tmp) / "out.ipynb"
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        env = {**os.environ, "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter")}
        runs = {"cxlab run --all": [], "papermill CLI, empty notebook": [], "papermill in process, empty": []}
        for _ in range(args.repeats):  # interleaved
            runs["cxlab run --all"].append(_timed(lambda: subprocess.run(
                [BIN / "cxlab", "run", "--all", "--outputs", str(Path(tmp) / "outputs"), "--no-progress"],
                cwd=ROOT, check=True, env=env, **quiet)))
            runs["papermill CLI, empty notebook"].append(_timed(lambda: subprocess.run(
                [BIN / "papermill", str(empty), str(out), "--no-progress-bar"], check=True, env=env, **quiet)))
            runs["papermill in process, empty"].append(_timed(lambda: pm.execute_notebook(
                str(empty), str(out), progress_bar=False, kernel_name="python3")))
    jobs = len(__import__("cxlab.reports.params", fromlist=["x"]).load_schedule(ROOT / "params" / "schedule.yaml").jobs)
    floor = float(np.median(runs["papermill CLI, empty notebook"]))
    print(f"{jobs} jobs on the default sample ({args.repeats} interleaved repeats, medians):")
    for name, times in runs.items():
        med = float(np.median(times))
        print(f"  {name:32s} {med:7.2f} s   {med / floor:5.2f}x the papermill floor"
              + (f"   ({med / jobs:.2f} s per job)" if name.startswith("cxlab") else ""))


if __name__ == "__main__":
    main()
