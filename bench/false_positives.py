"""False-positive rates under the null: how often cxlab calls a difference that is not there.

Three tests, each as the analyses run it (through the metric kinds):

* period over period: this period against the last (``trends.period_changes``), and an A/B
  arm against control (``experiments.analyze``): both are ``kind.compare`` of two groups
  (the "2-group" columns);
* segment against the rest (``segments.breakdown``): ``kind.vs_rest`` over 4 segments.

Both groups (all segments) are drawn from the same distribution, so every "significant" is
false. Each metric kind is tried on a typical and on a nearly unanimous distribution
(where one group of a few answers is often unanimous). Rates are printed for the raw test
(``min_n = 1``) and as the analyses report them (below ``DEFAULT_MIN_N`` answers: no
verdict). The target is <= 5 % at every size; the Monte Carlo error of a 5 % rate over
``--reps`` replicates is about 0.2 points at the default 10 000, so a test that is exact
in the limit (Welch's t for means) reads 4.8 to 5.2 % at large n. For rates the exact
false-positive rate (every outcome enumerated, not simulated) is at most 4.73 % for
n = 2 ... 1000 (see ``cxlab.stats.compare.proportion_diff``).

    .venv/bin/python bench/false_positives.py [--reps 10000] [--seed 0]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from cxlab.metric_defs import METRICS
from cxlab.stats.cube import Cube
from cxlab.stats.kinds import DEFAULT_MIN_N, kind_of

SIZES = (1, 2, 3, 5, 10, 30, 100, 1000)
ALPHA = 0.05
#: metric -> {name: probabilities of each answer on the metric's scale}
NULLS = {
    "nps": {"typical": np.r_[np.full(7, 0.25 / 7), 0.15, 0.15, 0.2, 0.25],
            "nearly unanimous": np.r_[np.full(7, 0.01 / 7), 0.02, 0.02, 0.05, 0.9]},
    "csat": {"typical": np.array([0.05, 0.07, 0.13, 0.35, 0.40]),
             "nearly unanimous": np.array([0.005, 0.005, 0.01, 0.03, 0.95])},
    "ces": {"typical": np.array([0.25, 0.25, 0.2, 0.12, 0.08, 0.06, 0.04]),
            "nearly unanimous": np.array([0.95, 0.03, 0.01, 0.005, 0.003, 0.001, 0.001])},
}


def _stats(kind, metric, counts: np.ndarray) -> dict:
    """The kind's statistics from per-group histograms (groups x scale points), as a cube would give."""
    g = counts.shape[0]
    hist = np.concatenate([counts, np.zeros((g, 1), dtype=counts.dtype)], axis=1)
    cube = Cube(dims=("g",), levels=(pd.Index(range(g)),), rows=counts.sum(1),
                hists={metric.column: hist}, scales={metric.column: metric.scale})
    return kind.stats(cube, metric)


def rates(metric_name: str, probs: np.ndarray, n: int, reps: int, rng) -> tuple[float, float, float, float]:
    """(two-group raw, two-group reported, vs-rest raw, vs-rest reported) false-positive rates."""
    m = METRICS[metric_name]
    kind = kind_of(m)
    two = rng.multinomial(n, probs, size=(reps, 2))
    st = _stats(kind, m, two.reshape(reps * 2, -1))
    control = {k: v[0::2] for k, v in st.items()}
    treatment = {k: v[1::2] for k, v in st.items()}
    p = np.asarray(kind.compare(control, treatment, m, 1 - ALPHA)["p_value"], dtype=float)
    hit = np.nan_to_num(p, nan=1.0) < ALPHA
    two_raw = hit.mean()
    two_rep = (hit & (n >= DEFAULT_MIN_N)).mean()
    # segment against the rest: 4 segments of n answers each, every replicate at once
    k = 4
    segs = rng.multinomial(n, probs, size=(reps, k))
    st = {key: v.reshape(reps, k, *v.shape[1:]) for key, v in _stats(kind, m, segs.reshape(reps * k, -1)).items()}
    _, pv = kind.vs_rest(st, m)
    hits = np.nan_to_num(pv, nan=1.0) < ALPHA
    return two_raw, two_rep, hits.mean(), (hits & (n >= DEFAULT_MIN_N)).mean()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    print(f"false-positive rate (%) at alpha = {ALPHA}; {args.reps:,} replicates; reported = with "
          f"min_n = {DEFAULT_MIN_N}")
    print(f"{'metric':6} {'null':17} {'n':>5}  {'2-group raw':>11} {'reported':>9}  {'vs-rest raw':>11} {'reported':>9}")
    worst = 0.0
    for name, nulls in NULLS.items():
        for label, probs in nulls.items():
            for n in SIZES:
                r = [100 * x for x in rates(name, probs, n, args.reps, rng)]
                worst = max(worst, r[1], r[3])
                print(f"{name:6} {label:17} {n:5d}  {r[0]:11.2f} {r[1]:9.2f}  {r[2]:11.2f} {r[3]:9.2f}")
    se = 100 * np.sqrt(ALPHA * (1 - ALPHA) / args.reps)
    verdict = "at most 5 %" if worst <= 100 * ALPHA else (
        "within Monte Carlo error of 5 %" if worst <= 100 * ALPHA + 2 * se else "ABOVE 5 %")
    print(f"worst reported rate: {worst:.2f} %: {verdict} (Monte Carlo SE of a 5 % rate: {se:.2f} points)")


if __name__ == "__main__":
    main()
