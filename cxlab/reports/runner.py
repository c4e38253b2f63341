"""Run report notebooks with papermill: the one module that calls papermill.

Every run writes ``outputs/<job>/<run-id>/`` (see :mod:`cxlab.reports.outputs`) and a run record.
A job's ``latest`` pointer moves only after a run succeeded completely; a failed run keeps
its partial notebook (with papermill's error banner) and its record says why it failed.
Two runs of one job never write at once: the second is refused and recorded.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import platform
import secrets
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import papermill as pm
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from papermill.exceptions import PapermillExecutionError

from .._paths import project_root, resolve
from ..errors import ParameterError, ReportError
from .outputs import MISSING_GLYPHS, close_interrupted, job_lock, latest_run, save_record, write_json_atomic
from .params import find_job, load_parameters, load_schedule
from .static import rebuild_after_run

__all__ = ["RunResult", "run_report", "run_job", "run_all", "PATH_SUFFIXES"]

#: Parameters whose names end like this hold paths; they are resolved from the project root.
PATH_SUFFIXES = ("_dir", "_path", "_file")
_VERSIONED = ("cxlab", "numpy", "pandas", "scipy", "statsmodels", "duckdb", "papermill", "nbclient",
              "ipykernel", "matplotlib", "seaborn")


@dataclass(frozen=True)
class RunResult:
    """What a run left behind."""

    job: str
    run_id: str
    status: str
    directory: Path
    record: dict

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"


def _now() -> datetime:
    return datetime.now(UTC)


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in _VERSIONED:
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[name] = metadata.version(name)
    return out


def _fingerprint(paths: list[Path]) -> str | None:
    """SHA-256 over the names, sizes and bytes of every input file (folders recursively)."""
    files = []
    for p in paths:
        if p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.is_file())
        elif p.is_file():
            files.append(p)
    if not files:
        return None
    digest = hashlib.sha256()
    for f in files:
        digest.update(f"{f.name}:{f.stat().st_size}".encode())
        with open(f, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _new_run(job_dir: Path) -> tuple[str, Path]:
    run_id = f"{_now():%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"
    run_dir = job_dir / run_id
    run_dir.mkdir(parents=True)
    return run_id, run_dir


#: report.html as nbconvert's lab template without the scripts it loads from the web (require.js,
#: MathJax, mermaid, the widget manager): a report opens offline, with nothing fetched.
_OFFLINE_REPORT = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""


def _export_html(notebook: Path, target: Path) -> None:
    """The executed notebook as HTML without code (inputs and prompts hidden) and without remote scripts."""
    import jinja2
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                            extra_loaders=[jinja2.DictLoader({"cxlab_report.html.j2": _OFFLINE_REPORT})],
                            template_file="cxlab_report.html.j2")
    body, _ = exporter.from_notebook_node(nbformat.read(notebook, as_version=4))
    target.write_text(body, encoding="utf-8")


def _add_font_notice(notebook: Path, run_dir: Path) -> None:
    """Put a notice on top of the report when its charts have labels this machine cannot draw."""
    marker = run_dir / MISSING_GLYPHS
    if not marker.is_file():
        return
    import nbformat

    figures = ", ".join(dict.fromkeys(marker.read_text(encoding="utf-8").split()))
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(
        f"> **Notice: some chart labels show as empty boxes** (figures: {figures}). This machine has no font "
        "with Chinese glyphs. Install one (on Debian or Ubuntu: `apt-get install fonts-noto-cjk`; then "
        "`cxlab fonts` checks it) and run the report again.",
        metadata={"tags": ["cxlab-notice"]}))
    nbformat.write(nb, notebook)


def _move_latest(job_dir: Path, record: dict) -> None:
    write_json_atomic(job_dir / "latest.json", record)
    link, tmp = job_dir / "latest", job_dir / f".latest.{os.getpid()}"
    with contextlib.suppress(OSError):
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        tmp.symlink_to(record["run_id"], target_is_directory=True)
        os.replace(tmp, link)


def _why(err: OSError) -> str:
    """An OS error as one plain sentence: what failed, where, and what to do."""
    where = f" ({err.filename})" if err.filename else ""
    text = err.strerror or str(err)
    if err.errno == errno.ENOSPC:
        return f"the disk is full{where}: {text}; free some space and run again"
    if err.errno == errno.EDQUOT:
        return f"the disk quota is used up{where}: {text}; free some space and run again"
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"no permission to write{where}: {text}; make the outputs folder writable, or pass --outputs"
    if err.errno in (errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
        return (f"something is in the way{where}: {text}; a file stands where cxlab needs a folder (or the "
                "reverse): move it away")
    return f"{type(err).__name__}{where}: {text}"


def _kernel_manager(log):
    """A kernel manager class whose kernels write their own stdout/stderr to ``log`` (a file
    in the run folder), so the terminal shows only cxlab's messages."""
    from jupyter_client.manager import AsyncKernelManager

    class LoggedKernelManager(AsyncKernelManager):
        async def start_kernel(self, **kw: Any) -> None:
            kw.setdefault("stdout", log)
            kw.setdefault("stderr", log)
            await super().start_kernel(**kw)

    return LoggedKernelManager


@contextlib.contextmanager
def _papermill_log(path: Path):
    """papermill's and nbclient's log lines (e.g. "Timeout waiting for execute reply") go to the
    run folder's kernel log, not the terminal: cxlab's own message says what happened."""
    import logging

    logger = logging.getLogger("papermill")
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("[papermill] %(levelname)s | %(message)s"))
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
        handler.close()


def _failure(err: BaseException, timeout: int) -> tuple[str, dict]:
    """A one-line exit reason and the details of a failed execution."""
    name = type(err).__name__
    if isinstance(err, PapermillExecutionError):
        cell = getattr(err, "exec_count", None) or getattr(err, "cell_index", None)
        return (f"cell In [{cell}] of the executed notebook raised {err.ename}: {err.evalue}",
                {"cell": cell, "ename": err.ename, "evalue": err.evalue})
    if isinstance(err, DeadKernelError):
        return "the kernel died (out of memory, or the process was killed)", {"ename": name, "evalue": str(err)}
    if isinstance(err, (CellTimeoutError, TimeoutError)):
        return f"a cell ran longer than the {timeout} s timeout", {"ename": name, "evalue": str(err)}
    if isinstance(err, OSError):
        return f"could not write a file of the run: {_why(err)}", {"ename": name, "evalue": str(err)}
    return f"{name}: {err}", {"ename": name, "evalue": str(err)}


def _resolved(parameters: dict[str, Any], root: Path) -> tuple[dict[str, Any], list[Path]]:
    out, paths = {}, []
    for name, value in parameters.items():
        if name.endswith(PATH_SUFFIXES) and isinstance(value, str) and value:
            value = str(resolve(value, root))
            paths.append(Path(value))
        out[name] = value
    return out, paths


def run_report(notebook: str | Path, parameters: dict[str, Any], *, job: str,
               outputs: str | Path = "outputs", timeout: int = 600, progress: bool = False,
               kernel_name: str = "python3") -> RunResult:
    """Execute a report notebook into a new run folder of ``job``.

    Parameters
    ----------
    notebook : str or Path
        The report notebook (relative paths from the project root).
    parameters : dict
        Validated parameters (see :func:`cxlab.reports.params.load_parameters`); names ending in
        ``_dir``, ``_path`` or ``_file`` are resolved from the project root, and
        ``output_dir`` is set to the run's folder.
    job : str
        The job's name: runs go to ``outputs/<job>/``.
    outputs : str or Path
        The outputs folder.
    timeout : int
        Seconds a cell may run.
    progress : bool
        Show papermill's progress bar (on stderr).
    kernel_name : str
        The Jupyter kernel; this environment's Python is found first.

    Returns
    -------
    RunResult

    Raises
    ------
    ReportError
        The run failed: the message names the job, the cell, the exception and where the
        partial notebook is. The run record is written and ``latest`` is left alone.
    """
    root = project_root()
    notebook = resolve(notebook, root)
    job_dir = resolve(outputs, root) / job
    try:
        with job_lock(job_dir) as acquired:
            return _run_locked(notebook, parameters, job=job, job_dir=job_dir, root=root, acquired=acquired,
                               timeout=timeout, progress=progress, kernel_name=kernel_name)
    except OSError as err:  # the job folder itself: nothing can be recorded there, so say it plainly
        raise ReportError(f"Report job {job!r} could not write its run folder under {job_dir}: {_why(err)}. "
                          "Nothing was run.") from err


def _still_latest(job: str, job_dir: Path) -> str:
    good = latest_run(job, outputs=job_dir.parent)
    if good is None:
        return "There is no successful run of this job yet."
    return f"The last good run, {good['run_id']}, is still the latest."


def _run_locked(notebook: Path, parameters: dict[str, Any], *, job: str, job_dir: Path, root: Path,
                acquired: bool, timeout: int, progress: bool, kernel_name: str) -> RunResult:
    if acquired:  # no other run of the job is alive: any record still `running` was killed
        close_interrupted(job_dir, lock_held=False)
    run_id, run_dir = _new_run(job_dir)
    started = _now()
    record: dict[str, Any] = {
        "job": job, "run_id": run_id, "notebook": str(notebook), "parameters": parameters,
        "status": "running", "exit_reason": None, "error": None,
        "started_at": started.isoformat(), "ended_at": None, "duration_s": None,
        "pid": os.getpid(), "host": platform.node(),
        "versions": _versions(), "data_fingerprint": None, "tables": [], "figures": [],
    }
    record_path = run_dir / "run.json"

    def save(what: str) -> None:
        try:
            save_record(record_path, record)
        except OSError as err:
            raise ReportError(f"Report job {job!r} {what}; its run record {record_path} could not be "
                              f"written: {_why(err)}. {_still_latest(job, job_dir)}") from err

    def finish(status: str, reason: str | None, error: dict | None = None) -> RunResult:
        ended = _now()
        record.update(status=status, exit_reason=reason, error=error, ended_at=ended.isoformat(),
                      duration_s=round((ended - started).total_seconds(), 3),
                      tables=sorted(p.stem for p in (run_dir / "tables").glob("*.parquet")),
                      figures=sorted(p.stem for p in (run_dir / "figures").glob("*.png")))
        save("succeeded" if status == "succeeded" else f"failed ({reason})")
        return RunResult(job, run_id, status, run_dir, record)

    if not acquired:
        finish("failed", "refused: another run of this job is in progress")
        raise ReportError(f"Job {job!r} is already running; this run was refused (recorded in {run_dir}).")
    save("did not start")
    values, paths = _resolved(parameters, root)
    values["output_dir"] = str(run_dir)
    record["parameters"] = values
    try:
        record["data_fingerprint"] = _fingerprint(paths)
    except OSError as err:
        finish("failed", f"could not read the input data: {_why(err)}")
        raise ReportError(f"Report job {job!r} could not read its input data: {_why(err)}. "
                          f"{_still_latest(job, job_dir)}") from err
    output_nb = run_dir / "report.ipynb"
    env_path = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        [str(Path(sys.prefix) / "share" / "jupyter"), *([env_path] if env_path else [])])
    kernel_log = run_dir / "kernel.log"
    try:
        with open(kernel_log, "ab") as log, _papermill_log(kernel_log):
            pm.execute_notebook(str(notebook), str(output_nb), parameters=values, cwd=str(root),
                                kernel_name=kernel_name, progress_bar=progress, log_output=False,
                                start_timeout=60, execution_timeout=timeout,
                                kernel_manager_class=_kernel_manager(log))
    except Exception as err:  # noqa: BLE001 - every failure is recorded, then re-raised as one error
        reason, error = _failure(err, timeout)
        with contextlib.suppress(Exception):
            _export_html(output_nb, run_dir / "report.html")
        finish("failed", reason, error)
        log_note = f" The kernel's own log is {kernel_log}." if kernel_log.is_file() and kernel_log.stat().st_size else ""
        raise ReportError(
            f"Report job {job!r} failed: {reason}. The partial notebook, with the failing cell "
            f"marked, is {output_nb}; the run record is {record_path}.{log_note} {_still_latest(job, job_dir)}"
        ) from err
    finally:
        if env_path is None:
            os.environ.pop("JUPYTER_PATH", None)
        else:
            os.environ["JUPYTER_PATH"] = env_path
    try:
        _add_font_notice(output_nb, run_dir)
        _export_html(output_nb, run_dir / "report.html")
    except Exception as err:  # noqa: BLE001
        why = _why(err) if isinstance(err, OSError) else str(err)
        finish("failed", f"could not export HTML: {why}")
        raise ReportError(f"Report job {job!r} ran, but exporting HTML failed: {why}. "
                          f"{_still_latest(job, job_dir)}") from err
    result = finish("succeeded", "completed")
    if not result.record["tables"]:
        result = finish("failed", "the notebook saved no result tables")
        raise ReportError(f"Report job {job!r} saved no result tables; is `output_dir` passed to "
                          "cxlab.reports.outputs.RunOutputs in the notebook?")
    try:
        _move_latest(job_dir, result.record)
    except OSError as err:
        finish("failed", f"the run completed, but `latest` could not be moved to it: {_why(err)}")
        raise ReportError(f"Report job {job!r} ran, but `latest` could not be moved to it: {_why(err)}. "
                          f"{_still_latest(job, job_dir)}") from err
    return result


def run_job(name: str, *, schedule: str | Path = "params/schedule.yaml",
            outputs: str | Path = "outputs", progress: bool = False) -> RunResult:
    """Validate a scheduled job's parameters, then run it (see :func:`run_report`), then rebuild its page.

    Invalid parameters or missing data are recorded as a failed run before any kernel
    starts, and raise :class:`~cxlab.ParameterError`.
    """
    sched = load_schedule(schedule)
    job = find_job(sched, name, where=resolve(schedule))
    try:
        try:
            parameters = load_parameters(job.params, job.notebook)
        except ParameterError as err:
            with contextlib.suppress(OSError):  # a folder that cannot be written: the error still says why
                _record_invalid(name, job.notebook, resolve(outputs) / name, err)
            raise
        return run_report(job.notebook, parameters, job=name, outputs=outputs, timeout=job.timeout,
                          progress=progress)
    finally:  # succeeded or failed, the job's page now says so (and shows the last good run)
        rebuild_after_run(name, outputs=outputs, schedule=schedule, notebook=Path(job.notebook).stem)


def _record_invalid(name: str, notebook: str, job_dir: Path, err: ParameterError) -> None:
    with job_lock(job_dir):
        run_id, run_dir = _new_run(job_dir)
        now = _now().isoformat()
        save_record(run_dir / "run.json", {
            "job": name, "run_id": run_id, "notebook": notebook, "parameters": None,
            "status": "failed", "exit_reason": f"invalid parameters: {err}", "error": None,
            "started_at": now, "ended_at": now, "duration_s": 0.0, "pid": os.getpid(), "host": platform.node(),
            "versions": _versions(), "data_fingerprint": None, "tables": [], "figures": []})


def run_all(*, schedule: str | Path = "params/schedule.yaml", outputs: str | Path = "outputs",
            progress: bool = False, report=print) -> list[tuple[str, RunResult | Exception]]:
    """Run every job of the schedule in turn; a failure does not stop the others."""
    results: list[tuple[str, RunResult | Exception]] = []
    for name in load_schedule(schedule).jobs:
        t0 = time.perf_counter()
        report(f"{name}: running ...")
        try:
            result = run_job(name, schedule=schedule, outputs=outputs, progress=progress)
            report(f"{name}: succeeded in {time.perf_counter() - t0:.1f} s -> {result.directory / 'report.html'}")
            results.append((name, result))
        except (ReportError, ParameterError) as err:
            report(f"{name}: FAILED - {err}")
            results.append((name, err))
    return results

