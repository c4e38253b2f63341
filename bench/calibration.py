"""Interval coverage, the large run: python bench/calibration.py [--reps 20000]

Prints simulated coverage of the 95 % intervals of NPS (adjusted-Wald and Wald), CSAT %
(Wilson, averaged over p and at fixed p), mean scores (t) and duration quantiles (exact
order statistics), at n = 30, 100, 300, 1000, 3000. The fast version of this check runs
in the test suite (tests/test_calibration.py).
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy import stats

from cxlab.metrics import quantile_from_values
from cxlab.stats.estimates import mean_interval, nps_interval, proportion_interval


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    reps = args.reps
    rows = []
    for n in (30, 100, 300, 1000, 3000):
        for p_pro, p_det in ((0.35, 0.25), (0.6, 0.1), (0.2, 0.5)):
            d = rng.multinomial(n, [p_pro, 1 - p_pro - p_det, p_det], size=reps)
            for method in ("adjusted-wald", "wald"):
                _, lo, hi, _ = nps_interval(d[:, 0], d[:, 1], d[:, 2], 0.95, method)
                truth = 100 * (p_pro - p_det)
                rows.append((f"NPS {method} ({p_pro:.2f}/{p_det:.2f})", n, np.mean((lo <= truth) & (truth <= hi))))
        p = rng.uniform(0.55, 0.9, reps)
        k = rng.binomial(n, p)
        _, lo, hi, _ = proportion_interval(k, n, 0.95, "wilson")
        rows.append(("CSAT % wilson, p ~ U(.55, .90)", n, np.mean((lo <= p) & (p <= hi))))
        for fixed in (0.7, 0.8, 0.9):
            k = rng.binomial(n, fixed, reps)
            _, lo, hi, _ = proportion_interval(k, n, 0.95, "wilson")
            rows.append((f"CSAT % wilson, p = {fixed}", n, np.mean((lo <= fixed) & (fixed <= hi))))
        probs = np.array([0.05, 0.08, 0.20, 0.40, 0.27])
        counts = rng.multinomial(n, probs, size=reps)
        v = np.arange(1, 6)
        mean = counts @ v / n
        sd = np.sqrt((counts * (v - mean[:, None]) ** 2).sum(1) / (n - 1))
        _, lo, hi, _ = mean_interval(np.full(reps, n), mean, sd, 0.95)
        truth = probs @ v
        rows.append(("CSAT mean t", n, np.mean((lo <= truth) & (truth <= hi))))
        if n <= 1000:
            for q in (0.5, 0.9):
                truth = float(np.exp(3 + 0.8 * stats.norm.ppf(q)))
                x = rng.lognormal(3, 0.8, size=(min(reps, 5000), n))
                hits = [quantile_from_values(r, q) for r in x]
                rows.append((f"duration q={q} exact", n, np.mean([e.ci_low <= truth <= e.ci_high for e in hits])))
    print(f"{'interval':42s} {'n':>6s} {'coverage %':>10s}")
    for label, n, cov in rows:
        flag = "" if 93.5 <= 100 * cov <= 96.5 else "   <- outside 95 +/- 1.5"
        print(f"{label:42s} {n:6d} {100 * cov:10.2f}{flag}")


if __name__ == "__main__":
    main()
