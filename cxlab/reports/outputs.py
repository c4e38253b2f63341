"""The layout of report runs under ``outputs/``: writing a run's tables and figures, reading the latest.

::

    outputs/<job>/<run-id>/report.ipynb      executed notebook (kept on failure, with the error)
                           report.html       the report without code
                           tables/<name>.parquet and <name>.csv (UTF-8 with BOM, opens in Excel)
                           figures/<name>.png
                           run.json          the run record
    outputs/<job>/latest.json                the last successful run (moves only on success)
    outputs/<job>/latest -> <run-id>         the same, as a link
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pandas as pd

from .catalog import Table

__all__ = ["RunOutputs", "latest_run", "read_run_table", "list_runs", "write_json_atomic"]

_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


def _check_name(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"Output names use letters, digits, '_', '-' and '.'; got {name!r}.")
    return name


def write_json_atomic(path: Path, payload: dict) -> None:
    """Write JSON so that readers see the old file or the new one, never half of one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, path)


class RunOutputs:
    """Where a report notebook saves its result tables and figures.

    The runner passes the run's folder as the notebook's ``output_dir`` parameter; with an
    empty ``output_dir`` (an analyst running the notebook by hand) nothing is written and
    the methods just return what they were given, so cells read the same either way.

    Examples
    --------
    >>> out = RunOutputs("")
    >>> out.table("overall", pd.DataFrame({"n": [1]}))["n"].tolist()
    [1]
    """

    def __init__(self, directory: str | Path | None):
        self.directory = Path(directory) if directory else None

    def table(self, table: Table | str, frame: pd.DataFrame) -> pd.DataFrame:
        """Save ``frame`` as parquet and as Excel-ready CSV; return it for display.

        ``table`` is the report's declaration of it (:mod:`cxlab.reports.catalog`, e.g.
        ``SCORES.overall``), or a bare name for a notebook outside the catalog.
        """
        name = _check_name(table.name if isinstance(table, Table) else table)
        if self.directory is not None:
            folder = self.directory / "tables"
            folder.mkdir(parents=True, exist_ok=True)
            plain = frame.copy(deep=False)
            plain.attrs = {}  # parquet stores attrs as JSON; results keep objects there (e.g. the SRM check)
            plain.to_parquet(folder / f"{name}.parquet", index=False)
            plain.to_csv(folder / f"{name}.csv", index=False, encoding="utf-8-sig")
        return frame

    def figure(self, name: str, figure):
        """Save a matplotlib Figure (or an Axes' figure) as PNG; return it for display.

        The figure is closed after saving, so Jupyter shows it once (as the cell's result)
        rather than twice (the inline backend would also show every open figure).
        """
        import matplotlib.pyplot as plt

        _check_name(name)
        fig = getattr(figure, "figure", figure)
        if self.directory is not None:
            folder = self.directory / "figures"
            folder.mkdir(parents=True, exist_ok=True)
            fig.savefig(folder / f"{name}.png", dpi=120, bbox_inches="tight")
        plt.close(fig)
        return fig


def latest_run(job: str, *, outputs: str | Path) -> dict | None:
    """The run record of a job's last successful run, or None if it never succeeded."""
    pointer = Path(outputs) / job / "latest.json"
    if not pointer.exists():
        return None
    return json.loads(pointer.read_text(encoding="utf-8"))


def read_run_table(job: str, table: Table | str, *, outputs: str | Path) -> pd.DataFrame:
    """A result table (its declaration, or its name) of a job's last successful run."""
    name = table.name if isinstance(table, Table) else table
    record = latest_run(job, outputs=outputs)
    if record is None:
        raise FileNotFoundError(f"Job {job!r} has no successful run yet under {outputs}.")
    return pd.read_parquet(Path(outputs) / job / record["run_id"] / "tables" / f"{_check_name(name)}.parquet")


def list_runs(outputs: str | Path, job: str | None = None) -> pd.DataFrame:
    """Every run record under ``outputs`` (newest first): job, run_id, status, reason, times."""
    rows = []
    for path in sorted(Path(outputs).glob(f"{job or '*'}/*/run.json")):
        if path.parent.is_symlink():  # the `latest` link points at a run listed anyway
            continue
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        rows.append({k: record.get(k) for k in ("job", "run_id", "status", "exit_reason", "started_at",
                                                "duration_s")})
    frame = pd.DataFrame(rows, columns=["job", "run_id", "status", "exit_reason", "started_at", "duration_s"])
    return frame.sort_values("started_at", ascending=False, ignore_index=True)
