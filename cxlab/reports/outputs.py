"""The layout of report runs under ``outputs/``: writing a run's tables and figures, reading the latest.

::

    outputs/<job>/<run-id>/report.ipynb      executed notebook (kept on failure, with the error)
                           report.html       the report without code
                           tables/<name>.parquet and <name>.csv (UTF-8 with BOM, opens in Excel)
                           figures/<name>.png
                           run.json          the run record
                           kernel.log        what the kernel itself printed (its errors, warnings)
                           missing_glyphs.txt  figures whose labels this machine's fonts cannot draw
    outputs/<job>/latest.json                the last successful run (moves only on success)
    outputs/<job>/latest -> <run-id>         the same, as a link
    outputs/<job>/.lock                      held by the run in progress (an flock)

A run holds its job's lock (an ``flock`` on ``outputs/<job>/.lock``, released by the OS when
the process dies) from before its record is first written until after the last write. A
record that still says ``running`` while nobody holds the lock, or whose process is gone,
belongs to a run that was killed (``kill -9``, out of memory, a reboot): :func:`close_interrupted`
records it as failed ("interrupted"). The runner does so when the next run of the job
starts, and ``cxlab runs`` before listing.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import platform
import re
import time
from pathlib import Path

import pandas as pd

from .catalog import Table

__all__ = ["RunOutputs", "latest_run", "read_run_table", "list_runs", "write_json_atomic", "MISSING_GLYPHS",
           "job_lock", "lock_is_held", "pid_alive", "save_record", "close_interrupted", "INTERRUPTED"]

#: A run folder's list of figures drawn without a CJK font (the runner puts a notice on the report).
MISSING_GLYPHS = "missing_glyphs.txt"

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
            if _has_cjk_text(fig):
                from .. import plots

                if plots.cjk_font() is None:
                    with open(self.directory / MISSING_GLYPHS, "a", encoding="utf-8") as fh:
                        fh.write(name + "\n")
        plt.close(fig)
        return fig


def _has_cjk_text(fig) -> bool:
    """Whether any text of the figure holds CJK characters (which need a CJK font)."""
    from matplotlib.text import Text

    return any(_CJK.search(t.get_text() or "") for t in fig.findobj(Text))


_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


def _read_record(path: Path) -> dict | None:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def latest_run(job: str, *, outputs: str | Path) -> dict | None:
    """The run record of a job's last successful run, or None if it never succeeded.

    ``latest.json`` says which it is. When that file is unreadable (cut short by a full disk,
    edited by hand) or names a run folder that is gone, the newest ``run.json`` whose status
    is ``succeeded`` and whose folder still holds its tables is used instead.
    """
    job_dir = Path(outputs) / job
    pointer = _read_record(job_dir / "latest.json")
    if pointer is not None and isinstance(pointer.get("run_id"), str) and (job_dir / pointer["run_id"]).is_dir():
        return pointer
    good = []
    for path in job_dir.glob("*/run.json"):
        record = None if path.parent.is_symlink() else _read_record(path)
        if record and record.get("status") == "succeeded" and (path.parent / "tables").is_dir():
            good.append(record)
    return max(good, key=lambda r: str(r.get("started_at") or "")) if good else None


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
        record = _read_record(path)
        if record is None:
            continue
        rows.append({k: record.get(k) for k in ("job", "run_id", "status", "exit_reason", "started_at",
                                                "duration_s")})
    frame = pd.DataFrame(rows, columns=["job", "run_id", "status", "exit_reason", "started_at", "duration_s"])
    return frame.sort_values("started_at", ascending=False, ignore_index=True)


#: The exit reason of a run found killed; the rest of the sentence says how it was found.
INTERRUPTED = "interrupted"
_WAIT_S = 1.0  # a probe by `cxlab runs` holds the lock for microseconds: wait that out, not a real run


@contextlib.contextmanager
def job_lock(job_dir: Path, *, wait: float = _WAIT_S):
    """An exclusive lock per job (released by the OS if the process dies); yields False if held.

    Raises
    ------
    OSError
        ``job_dir`` cannot be created or written (a file in its place, read-only, disk full).
    """
    job_dir.mkdir(parents=True, exist_ok=True)
    fh = open(job_dir / ".lock", "a+")
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    yield False
                    return
                time.sleep(0.05)
        with contextlib.suppress(OSError):  # the pid is a courtesy for people; the lock is what counts
            fh.seek(0)
            fh.truncate()
            fh.write(str(os.getpid()))
            fh.flush()
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
    finally:
        fh.close()


def lock_is_held(job_dir: Path) -> bool:
    """Whether some process holds ``job_dir``'s lock (probed with a shared, non-blocking flock)."""
    path = job_dir / ".lock"
    try:
        fh = open(path)
    except OSError:
        return False
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
        return False


def pid_alive(pid: int | None, host: str | None = None) -> bool | None:
    """Whether process ``pid`` runs on this machine; None when that cannot be told (no pid, other host)."""
    if not isinstance(pid, int) or pid <= 0 or (host and host != platform.node()):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _overwrite_in_place(path: Path, payload: dict) -> None:
    """Rewrite an existing file through its own blocks: works on a full disk when the new text
    is no longer than what the file's blocks hold (a run record grows by a few lines at most)."""
    text = json.dumps(payload, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    with open(path, "r+b") as fh:
        fh.write(text)
        fh.truncate()


def save_record(path: Path, record: dict) -> None:
    """Write a run record atomically, or in place over the old one when that fails.

    Raises
    ------
    OSError
        Neither way worked (the caller says so plainly).
    """
    try:
        write_json_atomic(path, record)
    except OSError:
        if not path.exists():
            raise
        _overwrite_in_place(path, record)


def close_interrupted(job_dir: Path, *, lock_held: bool | None = None, keep: str | None = None) -> list[str]:
    """Record every run of a job that says ``running`` but was killed as failed ("interrupted").

    Parameters
    ----------
    job_dir : Path
        ``outputs/<job>``.
    lock_held : bool, optional
        Whether another process holds the job's lock; probed when not given. The runner,
        holding the lock itself, passes False: no other run can be alive.
    keep : str, optional
        A run id to leave alone (the caller's own run).

    Returns
    -------
    list of str
        The run ids closed. Records that cannot be read or rewritten are left as they are.
    """
    if not job_dir.is_dir():
        return []
    held = lock_is_held(job_dir) if lock_held is None else lock_held
    closed = []
    for path in sorted(job_dir.glob("*/run.json")):
        if path.parent.is_symlink() or path.parent.name == keep:
            continue
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(record, dict) or record.get("status") != "running":
            continue
        alive = pid_alive(record.get("pid"), record.get("host"))
        if held and alive is not False:
            continue  # most likely the run in progress
        how = (f"its process {record.get('pid')} is gone" if alive is False
               else "no process holds the job's lock any more")
        record.update(status="failed", error={"ename": "Interrupted", "evalue": how},
                      exit_reason=f"{INTERRUPTED}: the run was killed before it finished ({how}; "
                                  "killed, out of memory, or the machine restarted)")
        record.setdefault("ended_at", None)
        try:
            save_record(path, record)
        except OSError:  # read-only or full: the listing still shows it as running
            continue
        closed.append(record.get("run_id") or path.parent.name)
    return closed
