"""False-positive rates under the null: how often cxlab calls a difference that is not there.

Three tests, each as the analyses run it (through the metric kinds):

* period over period: this period against the last (``trends.period_changes``), and an A/B
  arm against control (``experiments.analyze``): both are ``kind.compare`` of two groups;
* segment against the rest (``segments.breakdown``): ``kind.segment_tests`` over 4 segments.

Both groups (all segments) are drawn from the same distribution, so every "significant" is
false. Each metric kind is tried on a typical and on a nearly unanimous distribution
(where one group of a few answers is often unanimous). Rates are printed for the raw test
(``min_n = 1``) and as the analyses report them (below ``DEFAULT_MIN_N`` answers: no
verdict). The target is <= 5 % at every size; the Monte Carlo error of a 5 % rate over
``--reps`` replicates is about 0.2 points at the default 10 000.

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
    # segment against the rest: 4 segments of n answers each, one replicate at a time (small tables)
    k = 4
    segs = rng.multinomial(n, probs, size=(min(reps, 4000), k))
    hits = []
    for table in segs:
        *_, pv = kind.segment_tests(_stats(kind, m, table), m)
        hits.append(np.nan_to_num(pv, nan=1.0) < ALPHA)
    hits = np.asarray(hits)
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
    print(f"worst reported rate: {worst:.2f} % (target <= 5 %)")


if __name__ == "__main__":
    main()
