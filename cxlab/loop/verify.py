"""Verify every registered change at each scheduled run: its effect, an always-valid interval, a status.

The status, with a reason a manager can act on:

========================  ====================================================================
``waiting``               not enough answers yet; ``expected_date`` says when a verdict becomes
                          possible (the power calculation below, at the observed answer rate)
``verified``              the interval excludes zero in the expected direction, checks passed
``no_effect``             the interval excludes the smallest effect worth having
``harmful``               the interval excludes zero in the wrong direction
``inconclusive``          a check failed (sample-ratio mismatch, pre-trend), the data stopped
                          coming, the test ended before a verdict ("too few answers"), or the
                          runs' intervals no longer overlap (:func:`cxlab.loop.intersect_runs`)
========================  ====================================================================

Each run looks again at the same change, so the interval is a confidence *sequence*
(:func:`cxlab.stats.sequential.always_valid`, the mixture SPRT with ``tau`` = the smallest
effect worth having): the chance that it ever excludes the true effect, over any number of
looks, is at most ``1 - confidence``. A null change is therefore called verified or harmful
in at most 5 % of its histories however many weekly runs look at it
(``bench/improvement_loop.py`` measures it).

Effects come from the analyses the other reports use: :func:`cxlab.experiments.analyze`
(A/B, with CUPED and the sample-ratio check), :func:`cxlab.beforeafter.did` with
:func:`~cxlab.beforeafter.event_study`'s pre-trend test (rollouts) and
:func:`cxlab.beforeafter.its` (changes for everyone). Effects are treatment minus control in
the metric's units (points, percentage points, the score's units).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import optimize, stats

from .. import beforeafter, experiments
from .._checks import require_columns
from ..errors import CxlabError
from ..metric_defs import get_metric
from ..stats.kinds import DEFAULT_MIN_N, kind_of
from ..stats.sequential import always_valid
from .register import Change, Register

__all__ = ["STATUSES", "REASONS", "STATUS_COLUMNS", "sequential_interval", "judge", "answers_needed",
           "fixed_answers", "verify_change", "verify_all"]

STATUSES = ("waiting", "verified", "no_effect", "harmful", "inconclusive")
#: reason codes (worded by :func:`cxlab.loop.wording.describe`)
REASONS = ("not_started", "too_few_answers", "needs_more", "answers_stopped", "past_end", "srm", "pre_trend",
           "excludes_zero", "excludes_smallest", "opposite", "data_error", "inconsistent")
STATUS_COLUMNS = ["change_id", "title", "owner", "stage", "channel", "segment", "design", "metric", "primary",
                  "direction", "smallest_effect", "effective", "as_of", "n_control", "n_treatment", "value", "se",
                  "ci_low", "ci_high", "confidence", "check_p_value", "status", "reason", "answers_needed",
                  "expected_date", "method", "detail"]
_POWER = 0.8
_STOPPED_DAYS = 14  # no new answers for this long: the data stopped coming


def sequential_interval(diff, se, *, smallest_effect: float, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """The always-valid interval (confidence sequence) at each look, ``tau`` = ``smallest_effect``.

    ``diff`` and ``se`` are the cumulative estimate and its standard error at successive
    looks of one change (or a single look). Valid simultaneously over all looks
    (Johari et al. 2022; :func:`cxlab.stats.sequential.always_valid`).
    """
    cs = always_valid(np.atleast_1d(np.asarray(diff, dtype=float)), np.atleast_1d(np.asarray(se, dtype=float)),
                      tau=smallest_effect, alpha=1 - confidence)
    return cs["cs_low"].to_numpy(), cs["cs_high"].to_numpy()


def judge(ci_low, ci_high, *, direction: str, smallest_effect: float) -> np.ndarray:
    """The verdict an interval supports: ``verified``, ``harmful``, ``no_effect`` or ``waiting``.

    ``verified``: it excludes zero in ``direction`` ("up": the effect is > 0); ``harmful``: it
    excludes zero the other way; ``no_effect``: it excludes every effect of ``smallest_effect``
    or more in ``direction``; otherwise more data is needed. Missing intervals wait.
    """
    lo, hi = np.atleast_1d(np.asarray(ci_low, dtype=float)), np.atleast_1d(np.asarray(ci_high, dtype=float))
    if direction == "down":
        lo, hi = -hi, -lo
    out = np.full(lo.shape, "waiting", dtype=object)
    out[hi < smallest_effect] = "no_effect"
    out[hi < 0] = "harmful"
    out[lo > 0] = "verified"
    return out


def _x_needed(confidence: float, power: float) -> float:
    """se / smallest effect at which the always-valid interval excludes 0 with ``power`` at that effect."""
    a, zp = 1 - confidence, stats.norm.ppf(power)

    def gap(x):
        half = math.sqrt(x * x * (x * x + 1) * (2 * math.log(1 / a) + math.log1p(1 / (x * x))))
        return half + zp * x - 1

    return optimize.brentq(gap, 1e-6, 1.0, xtol=1e-12)


def answers_needed(se: float, n: float, *, smallest_effect: float, confidence: float = 0.95,
                   power: float = _POWER) -> float:
    """Answers (per arm, or of the binding group) at which a verdict becomes likely.

    With ``n`` answers giving standard error ``se`` (se ~ 1 / sqrt(n)), the number at which
    the always-valid interval excludes zero with probability ``power`` if the true effect is
    ``smallest_effect`` (and, as it is then narrower than that effect, excludes the smallest
    effect when there is none): the power calculation of :func:`fixed_answers` with the
    sequential interval's half-width in place of z_(alpha/2) * se.
    """
    if not (se > 0 and n > 0):
        return math.nan
    return n * (se / (smallest_effect * _x_needed(confidence, power))) ** 2


def fixed_answers(se: float, n: float, *, smallest_effect: float, confidence: float = 0.95,
                  power: float = _POWER) -> float:
    """The fixed-size (one look) power calculation on the se scale: n (z_(a/2) + z_b)^2 se^2 / effect^2.

    The same formula as :mod:`cxlab.stats.power` (e.g. ``sample_size_nps``) with the per-answer
    variance read from the observed ``se``; a lower bound of :func:`answers_needed`.
    """
    z = stats.norm.isf((1 - confidence) / 2) + stats.norm.ppf(power)
    return n * (z * se / smallest_effect) ** 2


def _cut(data: pd.DataFrame, time: str, as_of: pd.Timestamp) -> pd.DataFrame:
    require_columns(data, [time])
    return data[data[time] < as_of.normalize() + pd.Timedelta(days=1)]


def _base(change: Change, target, as_of: pd.Timestamp, confidence: float) -> dict:
    return {"change_id": change.id, "title": change.title, "owner": change.owner, "stage": change.stage,
            "channel": change.channel, "segment": change.segment, "design": change.verify.design,
            "metric": target.metric, "primary": target is change.primary, "direction": target.direction,
            "smallest_effect": target.smallest_effect, "effective": pd.Timestamp(change.effective),
            "as_of": as_of.normalize(), "n_control": 0, "n_treatment": 0, "value": math.nan, "se": math.nan,
            "ci_low": math.nan, "ci_high": math.nan, "confidence": confidence, "check_p_value": math.nan,
            "status": "waiting", "reason": "too_few_answers", "answers_needed": math.nan,
            "expected_date": pd.NaT, "method": "", "detail": ""}


def _decide(row: dict, change: Change, *, n: float, rate: float, last_answer, check_failed: str = "",
            min_n: int) -> dict:
    """Fill interval, status, reason and expected date into ``row`` (value and se set)."""
    as_of, end = row["as_of"], pd.Timestamp(change.ends) if change.ends else None
    smallest = row["smallest_effect"]
    finite = np.isfinite(row["value"]) and np.isfinite(row["se"]) and row["se"] > 0
    if finite:
        lo, hi = sequential_interval(row["value"], row["se"], smallest_effect=smallest, confidence=row["confidence"])
        row["ci_low"], row["ci_high"] = float(lo[0]), float(hi[0])
    if check_failed:
        row["status"], row["reason"] = "inconclusive", check_failed
        return row
    if finite and min(row["n_control"], row["n_treatment"]) >= min_n:
        verdict = judge(row["ci_low"], row["ci_high"], direction=row["direction"], smallest_effect=smallest)[0]
        if verdict != "waiting":
            row["status"] = verdict
            row["reason"] = {"verified": "excludes_zero", "harmful": "opposite", "no_effect": "excludes_smallest"}[
                verdict]
            return row
        row["reason"] = "needs_more"
        need = answers_needed(row["se"], n, smallest_effect=smallest, confidence=row["confidence"])
        row["answers_needed"] = math.ceil(max(need, n + 1))
    if rate > 0 and np.isfinite(row["answers_needed"]):
        days = math.ceil((row["answers_needed"] - n) / rate)
        row["expected_date"] = as_of + pd.Timedelta(days=days)
    stopped = last_answer is None or pd.isna(last_answer) or (as_of - pd.Timestamp(last_answer).normalize()).days > \
        _STOPPED_DAYS
    if end is not None and (as_of >= end or (pd.notna(row["expected_date"]) and row["expected_date"] > end)):
        row["status"], row["reason"] = "inconclusive", "past_end"
    elif stopped and as_of - row["effective"] > pd.Timedelta(days=_STOPPED_DAYS):
        row["status"], row["reason"] = "inconclusive", "answers_stopped"
    return row


def _ab(change: Change, data: pd.DataFrame, as_of: pd.Timestamp, confidence: float, min_n: int) -> list[dict]:
    v = change.verify
    require_columns(data, [v.variant])
    cut = _cut(data, v.time, as_of)
    cut = cut[(cut[v.time] >= pd.Timestamp(change.effective)) & cut[v.variant].astype(str).isin([v.control,
                                                                                                  v.treatment])]
    cut = cut.assign(**{v.variant: pd.Categorical(cut[v.variant].astype(str), categories=[v.control, v.treatment])})
    days = max((as_of.normalize() + pd.Timedelta(days=1) - pd.Timestamp(change.effective)).days, 1)
    rows = []
    counts = cut[v.variant].value_counts()
    readout = None
    if (counts > 0).all():
        metrics = [t.metric for t in change.metrics]
        covariates = {m: v.covariate for m in metrics} if v.covariate else None
        readout = experiments.analyze(cut, variant=v.variant, control=v.control, metrics=metrics,
                                      covariates=covariates, expected_weights=v.expected_weights, adjust=None,
                                      confidence=confidence, min_n=min_n)
    for target in change.metrics:
        row = _base(change, target, as_of, confidence)
        if readout is None:
            rows.append(_decide(row, change, n=0, rate=0.0, last_answer=cut[v.time].max() if len(cut) else None,
                                min_n=min_n))
            continue
        r = readout[readout["metric"] == target.metric].iloc[0]
        srm = readout.attrs["srm"]
        row.update(n_control=int(r["n_control"]), n_treatment=int(r["n_treatment"]), value=float(r["diff"]),
                   se=float(r["se"]), method=f"A/B: {r['method']}; always-valid interval",
                   check_p_value=float(srm.p_value))
        n = min(row["n_control"], row["n_treatment"])
        rows.append(_decide(row, change, n=n, rate=n / days, last_answer=cut[v.time].max(),
                            check_failed="" if srm.ok else "srm", min_n=min_n))
    return rows


def _coded(data: pd.DataFrame, metric: str) -> np.ndarray:
    m = get_metric(metric)
    require_columns(data, [m.column])
    return kind_of(m).codes(data[m.column], m)


def _rollout(change: Change, data: pd.DataFrame, as_of: pd.Timestamp, confidence: float, min_n: int) -> list[dict]:
    v = change.verify
    cut = _cut(data, v.time, as_of)
    marked = beforeafter.mark(cut, unit=v.unit, treated_units=v.treated_units, time=v.time,
                              intervention=change.effective)
    after = marked[marked["post"]]
    days = max((as_of.normalize() + pd.Timedelta(days=1) - pd.Timestamp(change.effective)).days, 1)
    rows = []
    for target in change.metrics:
        row = _base(change, target, as_of, confidence)
        frame = marked.assign(_y=_coded(marked, target.metric))
        answered = frame["_y"].notna()
        n_t = int((answered & frame["treated"] & frame["post"]).sum())
        n_c = int((answered & ~frame["treated"] & frame["post"]).sum())
        row.update(n_control=n_c, n_treatment=n_t)
        check = ""
        if min(n_t, n_c) >= min_n:
            est = beforeafter.did(frame, score="_y", treated="treated", post="post", confidence=confidence)
            robust = est[est["se_type"] == "robust (HC1)"].iloc[0]
            row.update(value=float(robust["value"]), se=float(robust["se"]),
                       method="difference in differences (robust se); always-valid interval")
            try:
                es = beforeafter.event_study(frame, score="_y", treated="treated", time=v.time,
                                             intervention=change.effective, period=v.period, confidence=confidence)
                row["check_p_value"] = float(es.attrs["pre_trend_p_value"])
                check = "pre_trend" if row["check_p_value"] < v.pre_trend_threshold else ""
            except ValueError as err:  # fewer than two periods before the change: the check cannot pass
                row["detail"], check = str(err), "pre_trend"
        rows.append(_decide(row, change, n=min(n_t, n_c), rate=min(n_t, n_c) / days,
                            last_answer=after[v.time].max() if len(after) else None, check_failed=check,
                            min_n=min_n))
    return rows


_PERIOD_DAYS = {"day": 1, "week": 7, "month": 30.4}


def _everyone(change: Change, data: pd.DataFrame, as_of: pd.Timestamp, confidence: float,
              min_n: int) -> list[dict]:
    v = change.verify
    cut = _cut(data, v.time, as_of)
    start = pd.Timestamp(change.effective)
    rows = []
    for target in change.metrics:
        row = _base(change, target, as_of, confidence)
        frame = cut.assign(_y=_coded(cut, target.metric))
        answered = frame["_y"].notna()
        row.update(n_control=int((answered & (frame[v.time] < start)).sum()),
                   n_treatment=int((answered & (frame[v.time] >= start)).sum()))
        row["method"] = "interrupted time series (Newey-West se); always-valid interval"
        try:
            table = beforeafter.its(frame, score="_y", time=v.time, intervention=change.effective, period=v.period,
                                    confidence=confidence)
        except ValueError as err:  # fewer than 3 periods on a side
            row["detail"] = str(err)
            row["expected_date"] = start + pd.Timedelta(days=3 * _PERIOD_DAYS[v.period])
            rows.append(row)
            continue
        level = table[table["term"] == "level_change"].iloc[0]
        row.update(value=float(level["value"]), se=float(level["se"]))
        post = table.attrs["periods"] - table.attrs["first_after"]
        rows.append(_decide(row, change, n=post, rate=1 / _PERIOD_DAYS[v.period],
                            last_answer=frame.loc[answered, v.time].max() if answered.any() else None,
                            min_n=min_n))
    return rows


_DESIGNS = {"ab": _ab, "rollout": _rollout, "everyone": _everyone}


def verify_change(change: Change, tables: dict[str, pd.DataFrame], *, as_of=None, confidence: float = 0.95,
                  min_n: int = DEFAULT_MIN_N) -> pd.DataFrame:
    """One change's verification at ``as_of``: a row per metric (columns :data:`STATUS_COLUMNS`).

    Parameters
    ----------
    change : Change
        A registered change.
    tables : dict of str to pandas.DataFrame
        The data tables by name (``experiment``, ``tickets``, ``responses`` ...); the change's
        design names the one it reads.
    as_of : date, optional
        Use the data up to the end of this day (a scheduled run's date); default the table's
        last timestamp. Cutting at successive dates replays the weekly runs.
    confidence : float
        Of the always-valid interval: the false-verdict bound over all runs is 1 - confidence.
    min_n : int
        Answers each group needs before any verdict.

    Returns
    -------
    pandas.DataFrame
        ``value`` is the effect (treatment - control, the metric's units), ``ci_low`` and
        ``ci_high`` its always-valid interval, ``status`` one of :data:`STATUSES` and ``reason``
        one of :data:`REASONS`; ``check_p_value`` is the sample-ratio check (A/B) or the
        pre-trend test (rollout); ``answers_needed`` and ``expected_date`` say when a
        waiting change can expect a verdict; ``detail`` holds an error's message.
    """
    v = change.verify
    table = tables.get(v.table)
    when = pd.Timestamp(as_of) if as_of is not None and as_of != "" else None
    if table is None:
        rows = [_base(change, t, when or pd.Timestamp.now(), confidence) for t in change.metrics]
        for row in rows:
            row.update(status="inconclusive", reason="data_error",
                       detail=f"no table {v.table!r} (tables: {', '.join(sorted(tables))})")
        return pd.DataFrame(rows, columns=STATUS_COLUMNS)
    if when is None:
        require_columns(table, [v.time])
        when = pd.Timestamp(table[v.time].max())
    if when.normalize() < pd.Timestamp(change.effective):
        rows = [_base(change, t, when, confidence) | {"reason": "not_started", "expected_date": pd.NaT}
                for t in change.metrics]
        return pd.DataFrame(rows, columns=STATUS_COLUMNS)
    try:
        rows = _DESIGNS[v.design](change, table, when, confidence, min_n)
    except (CxlabError, ValueError) as err:  # one change's bad data must not hide the others
        rows = [_base(change, t, when, confidence) | {"status": "inconclusive", "reason": "data_error",
                                                       "detail": str(err)} for t in change.metrics]
    return pd.DataFrame(rows, columns=STATUS_COLUMNS)


def verify_all(register: Register, tables: dict[str, pd.DataFrame], *, as_of=None, confidence: float = 0.95,
               min_n: int = DEFAULT_MIN_N) -> pd.DataFrame:
    """:func:`verify_change` for every registered change, one table (columns :data:`STATUS_COLUMNS`)."""
    parts = [verify_change(c, tables, as_of=as_of, confidence=confidence, min_n=min_n) for c in register.changes]
    if not parts:
        return pd.DataFrame(columns=STATUS_COLUMNS)
    return pd.concat(parts, ignore_index=True)
