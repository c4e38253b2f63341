"""Repeated weekly runs of the loop under a known truth: how often does it give a false verdict?

Each history is one change verified at ``runs`` successive weekly runs, the data
accumulating between them; the verdict at every run comes from the per-arm aggregates
through the metric kind (:meth:`cxlab.stats.kinds.MetricKind.compare`), the always-valid
interval and :func:`cxlab.loop.verify.judge`, exactly as :func:`cxlab.loop.verify_change`
does for an A/B change. With no true effect, a history is *false* when any run says
``verified`` or ``harmful``; the same with a fixed 95 % interval (what a report that simply
re-runs a one-look test each week would say) shows what the sequential interval prevents.
``always-valid, intersected`` reads each run's interval as the intersection with the earlier
runs' (:func:`cxlab.loop.intersect_runs`): the same false-verdict rate, and a verdict once
reached is still there at the last run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..metric_defs import get_metric
from ..stats.kinds import DEFAULT_MIN_N, kind_of
from .verify import judge, sequential_interval

__all__ = ["simulate_runs"]


def simulate_runs(*, reps: int = 2000, runs: int = 30, answers_per_week: int = 40, rate: float = 0.7,
                  effect: float = 0.0, smallest_effect: float = 5.0, confidence: float = 0.95,
                  seed: int = 0) -> pd.DataFrame:
    """Simulate ``reps`` histories of a CSAT-% A/B change looked at in ``runs`` weekly runs.

    Parameters
    ----------
    reps, runs : int
        Histories, and runs (looks) per history.
    answers_per_week : int
        New answers per arm between two runs.
    rate : float
        The control arm's share of satisfied answers (0..1).
    effect : float
        The true effect in percentage points (0: a change that does nothing).
    smallest_effect : float
        The register's smallest effect worth having (percentage points), also ``tau``.

    Returns
    -------
    pandas.DataFrame
        One row per interval (``always-valid``, ``fixed 95 %``): ``reps``, ``runs``,
        ``effect``, ``ever_verified``, ``ever_harmful``, ``false_verdict`` (percent of
        histories with a verified or harmful run when ``effect`` is 0, else harmful or no
        effect found), ``verified_by_last`` and ``no_effect_by_last`` (percent at the last run).
    """
    rng = np.random.default_rng(seed)
    m = get_metric("fcr")  # a yes/no rate: the kind that CSAT % shares
    kind = kind_of(m)
    n = answers_per_week * np.arange(1, runs + 1, dtype=float)
    k_c = rng.binomial(answers_per_week, rate, size=(reps, runs)).cumsum(axis=1).astype(float)
    k_t = rng.binomial(answers_per_week, min(max(rate + effect / 100, 0.0), 1.0),
                       size=(reps, runs)).cumsum(axis=1).astype(float)
    nn = np.broadcast_to(n, (reps, runs))
    cmp = kind.compare({"successes": k_c, "n": nn, "missing": 0 * nn}, {"successes": k_t, "n": nn,
                                                                         "missing": 0 * nn}, m, confidence)
    ok = nn >= DEFAULT_MIN_N
    out = []
    for label in ("always-valid", "always-valid, intersected", "fixed 95 %"):
        verdicts = np.empty((reps, runs), dtype=object)
        for i in range(reps):
            if label.startswith("always-valid"):
                lo, hi = sequential_interval(cmp["diff"][i], cmp["se"][i], smallest_effect=smallest_effect,
                                             confidence=confidence)
            else:
                lo, hi = cmp["ci_low"][i], cmp["ci_high"][i]
            if label.endswith("intersected"):  # from the first run with a verdict allowed, as the loop keeps them
                lo = np.where(ok[i], np.maximum.accumulate(np.where(ok[i], lo, -np.inf)), lo)
                hi = np.where(ok[i], np.minimum.accumulate(np.where(ok[i], hi, np.inf)), hi)
            verdicts[i] = np.where(ok[i], judge(lo, hi, direction="up", smallest_effect=smallest_effect), "waiting")
            if label.endswith("intersected"):
                verdicts[i] = np.where(ok[i] & (lo > hi), "inconclusive", verdicts[i])
        verified, harmful = (verdicts == "verified").any(axis=1), (verdicts == "harmful").any(axis=1)
        no_effect = (verdicts == "no_effect").any(axis=1)
        false = (verified | harmful) if effect == 0 else (harmful | no_effect)
        out.append({"interval": label, "reps": reps, "runs": runs, "effect": effect,
                    "ever_verified": 100 * verified.mean(), "ever_harmful": 100 * harmful.mean(),
                    "false_verdict": 100 * false.mean(), "verified_by_last": 100 * (verdicts[:, -1] == "verified").mean(),
                    "no_effect_by_last": 100 * (verdicts[:, -1] == "no_effect").mean()})
    return pd.DataFrame(out)
