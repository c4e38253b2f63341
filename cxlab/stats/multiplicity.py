"""Multiple testing: p-values adjusted for asking many questions of one data set at once."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .._checks import check_option

__all__ = ["adjust_p_values", "ADJUST_METHODS"]

#: cxlab's names -> statsmodels.stats.multitest.multipletests methods
ADJUST_METHODS = {"holm": "holm", "bonferroni": "bonferroni", "fdr_bh": "fdr_bh", "fdr_by": "fdr_by",
                  "hommel": "hommel", "sidak": "sidak", "holm-sidak": "holm-sidak"}


def adjust_p_values(p_values: Iterable[float], *, adjust: str = "holm") -> np.ndarray:
    """p-values adjusted for testing a family of hypotheses at once.

    Parameters
    ----------
    p_values : array-like
        One p-value per comparison; nan entries (comparisons that could not be made) stay
        nan and do not count towards the family.
    adjust : {"holm", "bonferroni", "fdr_bh", "fdr_by", "hommel", "sidak", "holm-sidak"}
        Holm (default) controls the family-wise error rate; ``"fdr_bh"``
        (Benjamini-Hochberg) the false discovery rate.

    Notes
    -----
    The step-down and step-up formulas are computed here (they equal statsmodels'
    ``multipletests`` and R's ``p.adjust``; see the tests): statsmodels' Holm path calls
    ``gc.collect()``, which costs about 0.1 s whenever large frames are alive. Hommel is
    delegated to statsmodels.

    Examples
    --------
    >>> adjust_p_values([0.01, 0.04, 0.03]).round(2).tolist()
    [0.03, 0.06, 0.06]
    """
    check_option("adjust", adjust, tuple(ADJUST_METHODS))
    method = adjust
    p = np.asarray(list(p_values), dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if not ok.any():
        return out
    q = p[ok]
    m = q.size
    order = np.argsort(q, kind="mergesort")
    sorted_p = q[order]
    rank = np.arange(1, m + 1)
    if method == "bonferroni":
        adj = np.minimum(1.0, q * m)
    elif method == "sidak":
        adj = -np.expm1(m * np.log1p(-q))
    elif method in ("holm", "holm-sidak"):
        steps = (m - rank + 1) * sorted_p if method == "holm" else -np.expm1((m - rank + 1) * np.log1p(-sorted_p))
        adj = np.empty(m)
        adj[order] = np.minimum(1.0, np.maximum.accumulate(steps))
    elif method in ("fdr_bh", "fdr_by"):
        factor = np.sum(1.0 / rank) if method == "fdr_by" else 1.0
        steps = sorted_p * m * factor / rank
        adj = np.empty(m)
        adj[order] = np.minimum(1.0, np.minimum.accumulate(steps[::-1])[::-1])
    else:
        from statsmodels.stats.multitest import multipletests

        adj = multipletests(q, method=ADJUST_METHODS[method])[1]
    out[ok] = adj
    return out
