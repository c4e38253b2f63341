"""Each change's status across scheduled runs: when it became verified, and what it was before.

Every run of the loop's job saves the whole history as its ``history`` table: the previous
good run's history (read from ``outputs/<job>/latest``) with this run's statuses appended.
A failed run never moves ``latest``, so it never enters the history.

The intervals of successive runs are one confidence sequence, so their running intersection
is one too, with the same guarantee: the true effect lies in every interval of the sequence
with probability at least ``confidence`` (Howard, Ramdas, McAuliffe & Sekhon 2021, section
3; the event is the same). :func:`intersect_runs` reads each run's interval as the
intersection with the earlier runs' of the same change, metric and registration, so a verdict
once reached stays (a change verified in week 6 is not "waiting" again in week 7), and the
chance of any false verdict is unchanged (``bench/improvement_loop.py`` measures both).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .verify import judge

__all__ = ["HISTORY_COLUMNS", "update_history", "previous_history", "intersect_runs", "spec"]

HISTORY_COLUMNS = ["run_at", "as_of", "change_id", "metric", "primary", "status", "reason", "value", "ci_low",
                   "ci_high", "previous_status", "changed", "status_since", "verified_on", "spec"]
#: Reasons whose status comes from the interval alone (re-judged on the intersected interval).
_JUDGED = {"needs_more", "excludes_zero", "excludes_smallest", "opposite"}
_VERDICT_REASON = {"verified": "excludes_zero", "harmful": "opposite", "no_effect": "excludes_smallest"}


def spec(rec: dict) -> str:
    """What must stay the same for two runs' intervals to belong to one sequence: the design, the
    direction, the smallest effect, the confidence and the effective date of the registration."""
    effective = pd.Timestamp(rec["effective"]).strftime("%Y-%m-%d") if pd.notna(rec.get("effective")) else ""
    return (f"{rec.get('design', '')};{rec.get('direction', '')};{float(rec['smallest_effect']):g};"
            f"{float(rec['confidence']):g};{effective}")


def intersect_runs(status: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    """``status`` (a :func:`cxlab.loop.verify_all` table) with each interval intersected with the earlier runs'.

    Only runs of the same change and metric, with the same registration (:func:`spec`), an
    earlier ``as_of`` and enough answers for a verdict (their reason one the interval gave), take part; a re-registered change (new smallest effect, new date ...)
    starts a new sequence. Statuses that come from the interval are judged again on the
    intersection (``waiting`` may become a verdict; a verdict stays). If the intersection is
    empty, the runs disagree beyond chance (data revised, or an effect that changed): the
    status is ``inconclusive`` with reason ``inconsistent``. A history saved before the
    ``spec`` column existed takes no part.

    Examples
    --------
    >>> row = {"change_id": "x", "metric": "csat", "design": "ab", "direction": "up", "smallest_effect": 2.0,
    ...        "confidence": 0.95, "effective": pd.Timestamp("2026-07-01"), "status": "waiting",
    ...        "reason": "needs_more", "value": 1.0, "ci_low": -0.5, "ci_high": 3.0, "answers_needed": 900.0,
    ...        "expected_date": pd.Timestamp("2026-08-01")}
    >>> before = pd.DataFrame([{"change_id": "x", "metric": "csat", "as_of": pd.Timestamp("2026-07-08"),
    ...                         "ci_low": 0.2, "ci_high": 4.0, "reason": "needs_more", "spec": spec(row)}])
    >>> now = pd.DataFrame([row | {"as_of": pd.Timestamp("2026-07-15")}])
    >>> intersect_runs(now, before)[["ci_low", "ci_high", "status", "reason"]].values.tolist()
    [[0.2, 3.0, 'verified', 'excludes_zero']]
    """
    if previous is None or not len(previous) or "spec" not in previous.columns or not len(status):
        return status
    out = status.copy()
    past = previous.dropna(subset=["ci_low", "ci_high", "spec"])
    past = past[past["reason"].isin(_JUDGED)]  # runs with enough answers for a verdict (as this one)
    for i, rec in out.iterrows():
        if rec["reason"] not in _JUDGED or not (np.isfinite(rec["ci_low"]) and np.isfinite(rec["ci_high"])):
            continue
        mine = past[(past["change_id"] == rec["change_id"]) & (past["metric"] == rec["metric"])
                    & (past["spec"] == spec(rec)) & (pd.to_datetime(past["as_of"]) < pd.Timestamp(rec["as_of"]))]
        if not len(mine):
            continue
        lo, hi = max(rec["ci_low"], float(mine["ci_low"].max())), min(rec["ci_high"], float(mine["ci_high"].min()))
        if lo > hi:
            out.loc[i, ["status", "reason"]] = ["inconclusive", "inconsistent"]
            continue
        verdict = judge(lo, hi, direction=rec["direction"], smallest_effect=rec["smallest_effect"])[0]
        out.loc[i, ["ci_low", "ci_high"]] = [lo, hi]
        if verdict != "waiting":
            out.loc[i, ["status", "reason"]] = [verdict, _VERDICT_REASON[verdict]]
            out.loc[i, "answers_needed"] = np.nan
            out.loc[i, "expected_date"] = pd.NaT
    return out


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
                     "verified_on": verified, "spec": spec(rec) if "smallest_effect" in rec else ""})
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
