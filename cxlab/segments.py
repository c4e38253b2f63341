"""Where experience is lost: breakdowns by segment with tests, and the journey-stage composite.

The league table, the heatmap, the follow-up list and survey weighting live in
:mod:`cxlab.league`, :mod:`cxlab.followup` and :mod:`cxlab.weighting`; they are re-exported
here so that ``from cxlab import segments`` reaches all of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ._checks import check_confidence
from .followup import follow_up, follow_up_summary
from .league import heatmap_table, league_table
from .metric_defs import Metric, get_metric
from .metrics import segment_table
from .stats.cube import cube
from .stats.engines import cube_of
from .stats.estimates import DEFAULT_CONFIDENCE, normal_quantile
from .stats.kinds import DEFAULT_MIN_N, cube_scales, kind_of, take
from .stats.multiplicity import adjust_p_values
from .stats.ordinal import dunn_pairs
from .weighting import rake, response_check, weighted_scores

__all__ = ["composite", "breakdown", "dunn", "league_table", "heatmap_table", "follow_up", "follow_up_summary", "rake",
           "weighted_scores", "response_check", "DEFAULT_MIN_N"]


def composite(data: pd.DataFrame, *, metric: str | Metric = "csat", by: str = "journey_stage",
              weights: Mapping[str, float], confidence: float = DEFAULT_CONFIDENCE) -> pd.DataFrame:
    """A weighted composite of one metric over stages (or any segments), with its interval.

    Parameters
    ----------
    data : pandas.DataFrame
        Rows in cxlab's vocabulary.
    metric : str or Metric
        The metric scored in every stage (e.g. ``"csat"``).
    by : str
        The stage column.
    weights : mapping
        ``stage -> weight`` (e.g. ``{"预约": 0.1, "现场服务": 0.4, "审核": 0.3, "激活": 0.2}``).
        Weights are renormalised over the stages that have answers; stages without answers
        are listed in ``stages_missing``.
    confidence : float
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        Per stage, then a final ``"composite"`` row: ``by``, ``metric``, ``weight`` (after
        renormalising), ``n``, ``value``, ``se``, ``ci_low``, ``ci_high``; the composite
        row also has ``stages_missing``.

    Notes
    -----
    The stages are independent samples, so with normalised weights w_s the composite
    sum(w_s v_s) has standard error sqrt(sum(w_s^2 se_s^2)); its interval is normal and
    clipped to the metric's scale.
    """
    c = check_confidence(confidence)
    m = get_metric(metric)
    if not weights:
        raise ValueError("`weights` is empty; give a weight per stage, e.g. {'预约': 0.1, ...}.")
    negative = {k: v for k, v in weights.items() if not v >= 0}
    if negative:
        raise ValueError(f"Weights must be >= 0; got {negative}.")
    kind = kind_of(m)
    stages = cube_of(data, by=[by], scales=cube_scales([m]))
    est = kind.estimate(kind.stats(stages, m), m, c)
    levels = [str(v) for v in stages.levels[0] if not pd.isna(v)]
    unknown = [s for s in weights if s not in levels]
    if unknown:
        raise ValueError(f"Stages {unknown} in `weights` do not occur in column {by!r}; its values "
                         f"are {sorted(levels)}.")
    table = pd.DataFrame({by: levels, "metric": m.name, "n": est["n"][:len(levels)].astype(np.int64),
                          "value": est["value"][:len(levels)], "se": est["se"][:len(levels)],
                          "ci_low": est["ci_low"][:len(levels)], "ci_high": est["ci_high"][:len(levels)]})
    table = table[table[by].isin(list(weights))]
    used = table[table["n"] > 0].copy()
    missing = [s for s in weights if s not in set(used[by])]
    total = sum(weights[s] for s in used[by])
    if total <= 0:
        answered = [lv for lv, n in zip(levels, est["n"]) if n > 0]
        raise ValueError(f"No stage named in `weights` ({list(weights)}) has answers in column {by!r}, so the "
                         f"composite is undefined. The stages with answers are {answered}: give their weights "
                         "(in a report job, `stage_weights` in its parameter file).")
    used["weight"] = [weights[s] / total for s in used[by]]
    value = float((used["weight"] * used["value"]).sum())
    se = float(np.sqrt((used["weight"] ** 2 * used["se"] ** 2).sum()))
    half = normal_quantile(c) * se
    low, high = kind.bounds(m)
    rows = used[[by, "metric", "weight", "n", "value", "se", "ci_low", "ci_high"]]
    final = pd.DataFrame([{by: "composite", "metric": m.name, "weight": 1.0, "n": int(used["n"].sum()),
                           "value": value, "se": se, "ci_low": max(low, value - half),
                           "ci_high": min(high, value + half), "stages_missing": missing}])
    return pd.concat([rows, final], ignore_index=True)


def breakdown(data: pd.DataFrame | str, *, by: str | Sequence[str | Sequence[str]],
              metrics: Sequence[str | Metric] = ("nps", "csat", "ces"), min_n: int = DEFAULT_MIN_N,
              confidence: float = DEFAULT_CONFIDENCE, adjust: str = "holm") -> pd.DataFrame:
    """Breakdown tables that say which segment differences are real.

    Parameters
    ----------
    data : pandas.DataFrame or str
        Rows in cxlab's vocabulary, or a parquet file (aggregated in DuckDB).
    by : str or sequence
        One breakdown (``"channel"``), several (``["channel", "region"]``), or crosses
        (``[["customer_type", "channel"]]``); all come from one pass over the rows.
    metrics : sequence of str or Metric
        NPS, shares, rates, or means of bounded scores (CES, CSAT mean).
    min_n : int
        Segments with fewer answers are flagged ``small`` and get no rank.
    confidence : float
    adjust : str
        Correction of the segment-vs-rest p-values within each (breakdown, metric).

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`cxlab.segment_scores` plus, per row, ``z_vs_rest`` and
        ``p_vs_rest`` (this segment against all the others pooled, with the metric kind's
        two-group test: Newcombe's continuity-corrected interval inverted for rates and
        shares, the adjusted-Wald z for NPS, Dunn's z of mean ranks for ordinal means;
        ``z_vs_rest`` is the signed normal score of that p), ``p_adjusted``, ``differs``,
        ``small`` (fewer than ``min_n`` answers: never tested, never ranked) and ``rank``
        (1 = best, in the metric's direction, among segments that are not small); and per
        (breakdown, metric) the table-wide ``test`` (``chi-square`` or ``kruskal-wallis``),
        ``statistic`` and ``p_table``.

    Notes
    -----
    The table-wide test: Pearson's chi-square of the segments x (yes, no) table for rates
    and shares, of the segments x (promoter, passive, detractor) table for NPS, and
    Kruskal-Wallis from the histograms (midranks, tie-corrected) for ordinal means. Each
    segment against the rest uses the same test as an A/B comparison, which keeps its
    level at every size, including unanimous segments (``bench/false_positives.py``).
    """
    c = check_confidence(confidence)
    groupings = [[by]] if isinstance(by, str) else [[g] if isinstance(g, str) else list(g) for g in by]
    ms = [get_metric(m) for m in metrics]
    bad = [m.name for m in ms if not kind_of(m).testable(m)]
    if bad:
        raise ValueError(f"{bad} are not on a bounded scale; breakdown tests take NPS, rates, shares and "
                         "means of bounded scores. Use cxlab.scores for durations and money.")
    dims = list(dict.fromkeys(d for g in groupings for d in g))
    full = cube_of(data, by=dims, scales=cube_scales(ms))  # one pass serves estimates and tests
    table = segment_table(full, groupings, ms, c)
    extra = []
    for grouping in groupings:
        sub = full.collapse(grouping)
        keep = np.flatnonzero(sub.rows.ravel() > 0)
        names = sub.level_names()[keep]
        for m in ms:
            kind = kind_of(m)
            st = take({k: v.reshape(-1, *v.shape[sub.rows.ndim:]) for k, v in kind.stats(sub, m).items()}, keep)
            test, statistic, p_table, z, p_rest = kind.segment_tests(st, m)
            # a segment with too few answers is shown, never tested against the rest
            p_rest = np.where(st["n"] >= min_n, p_rest, np.nan)
            extra.append(pd.DataFrame({"segment": " × ".join(grouping), "level": names, "metric": m.name,
                                       "z_vs_rest": z, "p_vs_rest": p_rest,
                                       "p_adjusted": adjust_p_values(p_rest, adjust=adjust), "test": test,
                                       "statistic": statistic, "p_table": p_table}))
    tests = pd.concat(extra, ignore_index=True)
    out = table.merge(tests, on=["segment", "level", "metric"], how="left", validate="one_to_one")
    out["differs"] = out["p_adjusted"] < 1 - c
    out["small"] = out["n"] < min_n
    direction = {m.name: (1 if m.higher_is_better else -1) for m in ms}
    out["rank"] = np.nan
    for (seg, met), idx in out.groupby(["segment", "metric"], sort=False).groups.items():
        part = out.loc[idx]
        eligible = part[~part["small"]]
        order = (direction[met] * eligible["value"]).rank(ascending=False, method="min")
        out.loc[eligible.index, "rank"] = order
    out["rank"] = out["rank"].astype("Int64")
    return out


def dunn(data: pd.DataFrame, *, by: str, metric: str | Metric = "ces", adjust: str = "holm",
         confidence: float = DEFAULT_CONFIDENCE) -> pd.DataFrame:
    """Dunn's pairwise comparisons after Kruskal-Wallis, from histograms, Holm-adjusted.

    Returns
    -------
    pandas.DataFrame
        One row per pair: ``a``, ``b``, ``mean_rank_a``, ``mean_rank_b``, ``z``, ``p_value``,
        ``p_adjusted``, ``differs`` (``p_adjusted < 1 - confidence``).

    Notes
    -----
    z = (R_a - R_b) / sqrt((N (N + 1) / 12 - sum(t^3 - t) / (12 (N - 1))) (1 / n_a + 1 / n_b)),
    with R the mean midranks (Dunn 1964).
    """
    c = check_confidence(confidence)
    m = get_metric(metric)
    if not kind_of(m).ranks(m):
        raise ValueError(f"Dunn's test takes a mean of bounded scores (e.g. 'ces'); got {m.name!r}.")
    per = cube(data, by=[by], scales={m.column: m.scale})
    h = per.hists[m.column][:, :-1].astype(float)
    keep = h.sum(1) > 0
    h, levels = h[keep], np.asarray(per.level_names(), dtype=object)[keep]
    rows = [{"a": levels[i], "b": levels[j], "mean_rank_a": ra, "mean_rank_b": rb, "z": z,
             "p_value": 2 * stats.norm.sf(abs(z))} for i, j, ra, rb, z in dunn_pairs(h)]
    out = pd.DataFrame(rows)
    out["p_adjusted"] = adjust_p_values(out["p_value"], adjust=adjust)
    out["differs"] = out["p_adjusted"] < 1 - c
    return out
