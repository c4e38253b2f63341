"""Each change's status across scheduled runs: when it became verified, and what it was before.

Every run of the loop's job saves the whole history as its ``history`` table: the previous
good run's history (read from ``outputs/<job>/latest``) with this run's statuses appended.
A failed run never moves ``latest``, so it never enters the history.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = ["HISTORY_COLUMNS", "update_history", "previous_history"]

HISTORY_COLUMNS = ["run_at", "as_of", "change_id", "metric", "primary", "status", "reason", "value", "ci_low",
                   "ci_high", "previous_status", "changed", "status_since", "verified_on"]


def update_history(previous: pd.DataFrame | None, status: pd.DataFrame, *, run_at=None) -> pd.DataFrame:
    """``previous`` with one row per row of ``status`` (a :func:`cxlab.loop.verify_all` table) appended.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`HISTORY_COLUMNS`: ``previous_status`` is the change's status at the
        run before (empty for a first run), ``changed`` whether it differs, ``status_since``
        the ``as_of`` of the run where the current status began, ``verified_on`` the ``as_of``
        of the first run that found it verified (empty if none has).

    Examples
    --------
    >>> s = pd.DataFrame({"change_id": ["x"], "metric": ["csat"], "primary": [True], "status": ["waiting"],
    ...                   "reason": ["needs_more"], "value": [1.0], "ci_low": [-2.0], "ci_high": [4.0],
    ...                   "as_of": [pd.Timestamp("2026-07-01")]})
    >>> h = update_history(None, s, run_at="2026-07-01")
    >>> h = update_history(h, s.assign(status="verified", as_of=pd.Timestamp("2026-07-08")), run_at="2026-07-08")
    >>> h[["status", "previous_status", "changed"]].values.tolist()
    [['waiting', '', True], ['verified', 'waiting', True]]
    """
    run = pd.Timestamp(run_at) if run_at is not None else pd.Timestamp.now(tz="UTC").tz_localize(None)
    before = previous if previous is not None and len(previous) else pd.DataFrame(columns=HISTORY_COLUMNS)
    last = before.groupby(["change_id", "metric"], sort=False).tail(1).set_index(["change_id", "metric"])
    rows = []
    for rec in status.to_dict("records"):
        key = (rec["change_id"], rec["metric"])
        prev = last.loc[key] if key in last.index else None
        prev_status = "" if prev is None else str(prev["status"])
        changed = rec["status"] != prev_status
        since = rec["as_of"] if changed or prev is None else prev["status_since"]
        verified = prev["verified_on"] if prev is not None and pd.notna(prev["verified_on"]) else pd.NaT
        if pd.isna(verified) and rec["status"] == "verified":
            verified = rec["as_of"]
        rows.append({"run_at": run, "as_of": rec["as_of"], "change_id": rec["change_id"], "metric": rec["metric"],
                     "primary": bool(rec["primary"]), "status": rec["status"], "reason": rec["reason"],
                     "value": rec["value"], "ci_low": rec["ci_low"], "ci_high": rec["ci_high"],
                     "previous_status": prev_status, "changed": bool(changed), "status_since": since,
                     "verified_on": verified})
    new = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
    out = pd.concat([before, new], ignore_index=True) if len(before) else new
    for col in ("run_at", "as_of", "status_since", "verified_on"):
        out[col] = pd.to_datetime(out[col])
    return out


def previous_history(output_dir: str | Path) -> pd.DataFrame | None:
    """The history saved by the job's last good run, or None (a first run, or a notebook run by hand).

    ``output_dir`` is this run's folder, ``outputs/<job>/<run-id>``, as the runner passes it.
    """
    if not output_dir:
        return None
    # The run layout belongs to cxlab.reports.outputs; imported here, not at the top, so the
    # analysis layer does not load the reports package unless a scheduled run asks.
    from ..reports.catalog import CHANGES
    from ..reports.outputs import latest_run, read_run_table

    job_dir = Path(output_dir).parent
    if latest_run(job_dir.name, outputs=job_dir.parent) is None:
        return None
    try:
        return read_run_table(job_dir.name, CHANGES.history, outputs=job_dir.parent)
    except (FileNotFoundError, OSError):
        return None
