"""A/B experiments on service flows: the readout, its trust checks and variance reduction.

:func:`analyze` compares every treatment arm with control on every metric from one cube of
per-arm statistics (each metric's kind does the arithmetic: :mod:`cxlab.stats.kinds`),
with CUPED from per-arm co-moments, the sample-ratio check and a multiple-testing
adjustment. The comparisons themselves, power, sequential monitoring and the wording of
the readout live in :mod:`cxlab.stats` and :mod:`cxlab.readout`; they are re-exported here
so that ``from cxlab import experiments`` reaches all of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ._checks import check_confidence, closest, require_columns
from .data.schemas import BLANK
from .errors import DataValidationError
from .metric_defs import Metric, get_metric
from .readout import decision, detectable_effects, format_readout
from .stats.aggregate import CoMoments
from .stats.compare import (
    DIFF_CI_METHODS,
    Comparison,
    compare_means,
    compare_means_from_moments,
    compare_nps_from_counts,
    compare_proportions,
    cuped_adjust,
    mean_diff,
)
from .stats.cube import Cube, cube
from .stats.cube_ibis import co_moment_sums, engine_name
from .stats.cube_plan import group_name
from .stats.engines import as_engine_table, cube_of, is_engine_source
from .stats.estimates import DEFAULT_CONFIDENCE
from .stats.kinds import DEFAULT_MIN_N, cube_scales, kind_of, take
from .stats.multiplicity import ADJUST_METHODS, adjust_p_values
from .stats.ordinal import OrdinalComparison, compare_ordinal
from .stats.power import mde_means, mde_nps, mde_proportions, sample_size_means, sample_size_nps, sample_size_proportions
from .stats.sequential import always_valid, gs_boundaries

__all__ = [
    "analyze",
    "srm_check",
    "SRMResult",
    "response_balance",
    "sample_check",
    "cuped",
    # re-exported from cxlab.readout
    "detectable_effects",
    "decision",
    "format_readout",
    # re-exported from cxlab.stats
    "Comparison",
    "OrdinalComparison",
    "compare_ordinal",
    "compare_proportions",
    "compare_means",
    "compare_means_from_moments",
    "compare_nps_from_counts",
    "adjust_p_values",
    "sample_size_proportions",
    "sample_size_means",
    "sample_size_nps",
    "mde_proportions",
    "mde_means",
    "mde_nps",
    "always_valid",
    "gs_boundaries",
    "DIFF_CI_METHODS",
    "ADJUST_METHODS",
]


# --------------------------------------------------------------------------------------
# Trust checks
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SRMResult:
    """Sample-ratio check: do the arms hold the shares the design asked for?"""

    observed: tuple[int, ...]
    expected: tuple[float, ...]
    chi2: float
    p_value: float
    threshold: float
    ok: bool
    verdict: str

    def to_frame(self) -> pd.DataFrame:
        """One row per arm: observed and expected units and shares, with the test's result."""
        total = sum(self.observed)
        return pd.DataFrame({"observed": self.observed, "expected": self.expected,
                             "share": [100 * o / total for o in self.observed],
                             "expected_share": [100 * e / total for e in self.expected],
                             "chi2": self.chi2, "p_value": self.p_value, "ok": self.ok})


def srm_check(observed_counts: Sequence[int], expected_weights: Sequence[float] | None = None, *,
              threshold: float = 0.001, labels: Sequence[str] | None = None) -> SRMResult:
    """Sample-ratio mismatch check: chi-square goodness of fit of the arm sizes.

    Parameters
    ----------
    observed_counts : sequence of int
        Units assigned to each arm.
    expected_weights : sequence of float, optional
        The design's split (any scale, e.g. ``[1, 1]`` or ``[0.5, 0.25, 0.25]``); equal by
        default.
    threshold : float
        p-value below which the split is declared broken. 0.001 is the usual choice: the
        check runs on every experiment, and a real mismatch gives tiny p-values.
    labels : sequence of str, optional
        Arm names for the verdict.

    Returns
    -------
    SRMResult
        ``ok`` is False when ``p_value < threshold``; then the assignment or the logging is
        broken and effect estimates cannot be trusted (Fabijan et al. 2019).

    Examples
    --------
    >>> srm_check([5000, 5200]).ok
    True
    >>> srm_check([5000, 5600]).ok
    False
    """
    obs = np.asarray(observed_counts, dtype=float)
    if obs.ndim != 1 or len(obs) < 2:
        raise ValueError("`observed_counts` needs the counts of at least two arms.")
    if (obs < 0).any():
        raise ValueError(f"Counts must be >= 0; got {list(observed_counts)}.")
    w = np.ones(len(obs)) if expected_weights is None else np.asarray(expected_weights, dtype=float)
    if w.shape != obs.shape or (w <= 0).any():
        raise ValueError(f"`expected_weights` needs one positive weight per arm; got {expected_weights}.")
    expected = obs.sum() * w / w.sum()
    chi2, p = stats.chisquare(obs, expected)
    names = list(labels) if labels is not None else [f"arm {i + 1}" for i in range(len(obs))]
    ok = bool(p >= threshold)
    shares = ", ".join(f"{n} {o / obs.sum():.1%} (expected {e / obs.sum():.1%})" for n, o, e in zip(names, obs, expected))
    verdict = (f"split as designed (p = {p:.3g})" if ok else
               f"SAMPLE RATIO MISMATCH (p = {p:.2g}): {shares}. Check assignment and logging before "
               "reading any effect.")
    return SRMResult(tuple(int(x) for x in obs), tuple(float(x) for x in expected), float(chi2), float(p),
                     threshold, ok, verdict)


def response_balance(data: pd.DataFrame, *, variant: str, responded: str = "responded",
                     threshold: float = 0.001) -> pd.DataFrame:
    """Survey response rate per arm, and whether it differs between arms (chi-square).

    A treatment that changes who answers the survey biases every score computed from the
    answers, even when assignment was fine.

    Returns
    -------
    pandas.DataFrame
        One row per arm: ``variant``, ``n``, ``responded``, ``rate`` (percent), and the
        table-wide ``chi2``, ``p_value`` and ``ok`` (``p_value >= threshold``).
    """
    require_columns(data, [variant, responded])
    flags = data[responded]
    if flags.isna().any():
        raise DataValidationError(f"Column {responded!r} has {int(flags.isna().sum())} blank value(s); "
                                  "mark each unit as answered or not.")
    table = pd.crosstab(data[variant], flags.astype(bool))
    answered = table.get(True, pd.Series(0, index=table.index))
    n = table.sum(axis=1)
    chi2, p, *_ = stats.chi2_contingency(np.column_stack([answered, n - answered]), correction=False)
    return pd.DataFrame({"variant": table.index, "n": n.to_numpy(), "responded": answered.to_numpy(),
                         "rate": 100 * answered.to_numpy() / n.to_numpy(), "chi2": chi2, "p_value": p,
                         "ok": p >= threshold})


def cuped(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, float]:
    """Variance-reduced outcome ``y - theta (x - mean(x))`` with ``theta = cov(x, y) / var(x)``.

    ``theta`` is pooled over all arms, so it does not depend on the treatment and the
    difference between arms stays unbiased; the variance shrinks by the factor 1 - rho^2
    (Deng, Xu, Kohavi & Walker 2013). Both arrays must be complete.
    """
    y, x = np.asarray(y, dtype=float), np.asarray(x, dtype=float)
    vx = x.var(ddof=1)
    theta = float(np.cov(x, y, ddof=1)[0, 1] / vx) if vx > 0 else 0.0
    return y - theta * (x - x.mean()), theta


ANALYZE_COLUMNS = ["variant", "metric", "n_control", "n_treatment", "value_control", "value_treatment",
                   "diff", "ci_low", "ci_high", "se", "rel_diff", "rel_ci_low", "rel_ci_high", "p_value",
                   "p_adjusted", "significant", "small", "method", "cuped", "n_missing", "confidence"]


def analyze(data: pd.DataFrame, *, variant: str, control: str,
            metrics: Sequence[str | Metric] = ("nps", "csat", "ces"),
            covariates: dict[str, str] | None = None, expected_weights: Sequence[float] | None = None,
            adjust: str | None = "holm", confidence: float = DEFAULT_CONFIDENCE,
            srm_threshold: float = 0.001, min_n: int = DEFAULT_MIN_N) -> pd.DataFrame:
    """The experiment readout: every treatment arm against control on every metric.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit (user, customer, ticket) with its arm and outcomes.
    variant : str
        The column holding each unit's arm.
    control : str
        The control arm's label.
    metrics : sequence of str or Metric
        NPS (difference of NPS), shares and rates (difference of proportions), means
        (Welch); ordinal means also get a Mann-Whitney p-value in ``rank_p_value``.
    covariates : dict, optional
        ``metric -> pre-period column`` for CUPED variance reduction, e.g.
        ``{"csat": "pre_csat"}``. Units with the outcome but no covariate raise an error.
    expected_weights : sequence of float, optional
        The designed split over the arms in their order (equal by default), for the
        sample-ratio check.
    adjust : str or None
        Multiple-testing adjustment over all rows (every arm x metric); Holm by default.
    confidence : float
        Confidence level of the intervals.
    srm_threshold : float
        p-value below which the sample-ratio check fails.
    min_n : int
        Answers each arm needs before a metric's difference is judged; below it the row is
        ``small`` ("too few answers"): effect and interval shown, no p-value, never
        significant, and not counted in the multiple-testing family.

    Returns
    -------
    pandas.DataFrame
        One row per (treatment arm, metric): ``variant``, ``metric``, ``n_control``,
        ``n_treatment``, ``value_control``, ``value_treatment``, ``diff``, ``ci_low``,
        ``ci_high``, ``se`` (of the difference), ``rel_diff``, ``rel_ci_low``, ``rel_ci_high``
        (percent), ``p_value``,
        ``p_adjusted``, ``significant``, ``small``, ``method``, ``cuped``, ``n_missing`` (units of the
        two arms without this outcome) and ``confidence``. ``attrs["srm"]`` holds the :class:`SRMResult`.

    Raises
    ------
    DataValidationError
        A missing column, one arm only, an unknown control label, a covariate with blanks,
        scores off their scale.
    """
    c = check_confidence(confidence)
    require_columns(data, [variant])
    ms = [get_metric(m) for m in metrics]
    covariates = dict(covariates or {})
    engine = is_engine_source(data)
    if engine:  # inside the engine: one scan gives every arm's statistics and its size
        per_arm = cube_of(data, by=[variant],
                          scales=cube_scales([m for m in ms if not kind_of(m).needs_rows]))
        levels = list(per_arm.levels[0])
        if BLANK in levels and per_arm.rows[levels.index(BLANK)] > 0:
            raise DataValidationError(f"Column {variant!r} has {int(per_arm.rows[levels.index(BLANK)])} unit(s) "
                                      "without an arm; every unit needs its assignment.")
        labels = [lv for lv, n in zip(levels, per_arm.rows) if n > 0 and lv != BLANK]
        counts = [int(per_arm.rows[levels.index(lv)]) for lv in labels]
    else:
        arms = data[variant]
        if arms.isna().any():
            raise DataValidationError(f"Column {variant!r} has {int(arms.isna().sum())} unit(s) without an arm; "
                                      "every unit needs its assignment.")
        labels = list(arms.cat.categories) if isinstance(arms.dtype, pd.CategoricalDtype) else sorted(arms.unique())
        labels = [lv for lv in labels if (arms == lv).any()]
    if control not in labels:
        guess = closest(str(control), [str(x) for x in labels])
        raise DataValidationError(f"Control arm {control!r} is not in column {variant!r}"
                                  + (f" (did you mean {guess!r}?)" if guess else "")
                                  + f"; its arms are {labels}.")
    if len(labels) < 2:
        raise DataValidationError(f"Column {variant!r} holds one arm only ({labels[0]!r}); an experiment "
                                  "needs a control and at least one treatment.")
    if not engine:
        counts = [int((arms == lv).sum()) for lv in labels]
    srm = srm_check(counts, expected_weights, threshold=srm_threshold, labels=[str(x) for x in labels])
    unknown = [k for k in covariates if k not in {m.name for m in ms}]
    if unknown:
        raise ValueError(f"`covariates` names {unknown}, which are not among the metrics {[m.name for m in ms]}.")
    for m in ms:
        if kind_of(m).needs_rows:
            raise ValueError(f"{m.name} is a quantile; compare durations with their means or ranks.")
    plain = [m for m in ms if m.name not in covariates]
    if engine:
        per_arm = _take_levels(per_arm, labels)
        frame = as_engine_table(data)
    else:
        frame = data.assign(**{variant: pd.Categorical(arms, categories=labels)})
        per_arm = cube(frame, by=[variant], scales=cube_scales(plain)) if plain else None
    ci = labels.index(control)
    treat = np.array([i for i in range(len(labels)) if i != ci])
    parts = []
    for m in ms:
        if m.name in covariates:
            if engine:  # the units without an outcome are in the per-arm cube already
                moments = (_engine_co_moments(frame, variant, labels, m, covariates[m.name]),
                           kind_of(m).stats(per_arm, m)["missing"])
            else:
                moments = _co_moments(frame, variant, labels, m, covariates[m.name])
            parts.append(_cuped_rows(*moments, labels, ci, treat, m, covariates[m.name], c))
        else:
            kind = kind_of(m)
            parts.append(_rows(kind.stats(per_arm, m), [str(labels[i]) for i in treat], ci, treat, m, c,
                               cuped=False))
    cols = {k: np.concatenate([part[k] for part in parts]) for k in parts[0]}
    # too few answers in an arm: effect and interval shown, no p-value, never significant
    cols["small"] = (cols["n_control"] < min_n) | (cols["n_treatment"] < min_n)
    cols["p_value"] = np.where(cols["small"], np.nan, cols["p_value"])
    cols["p_adjusted"] = adjust_p_values(cols["p_value"], adjust=adjust) if adjust else cols["p_value"]
    cols["significant"] = cols["p_adjusted"] < 1 - c
    cols["confidence"] = np.full(len(cols["small"]), c)
    out = pd.DataFrame({k: cols[k] for k in ANALYZE_COLUMNS})
    out.attrs["srm"] = srm
    out.attrs["confidence"] = c
    return out


def _rows(st, names: list[str], ci: int, treat: np.ndarray, m: Metric, c: float, *, cuped: bool,
          compare=None, method: str | None = None, values=None, min_n: int | None = None) -> dict:
    """Readout columns (arrays) of every treatment arm against control, from per-arm statistics.

    ``compare``, ``values`` (per-arm levels shown) and ``min_n`` replace the kind's own for
    CUPED, whose statistics are moments of the adjusted outcome whatever the metric's kind.
    """
    kind = kind_of(m)
    control, treatment = take(st, np.full(len(treat), ci)), take(st, treat)
    if values is None:
        values = kind.estimate(st, m, c)["value"]
    cmp = (compare or kind.compare)(control, treatment, m, c)
    n_c, n_t = control["n"], treatment["n"]
    min_n = kind.min_compare_n if min_n is None else min_n
    too_few = (n_c < min_n) | (n_t < min_n)
    reason = "no answers in an arm" if min_n == 1 else f"fewer than {min_n} answers in an arm"
    k = len(treat)
    out = {"variant": np.array(names, dtype=object), "metric": np.full(k, m.name, dtype=object),
           "n_control": n_c.astype(np.int64), "n_treatment": n_t.astype(np.int64),
           "value_control": np.where(too_few, np.nan, values[ci]),
           "value_treatment": np.where(too_few, np.nan, values[treat])}
    for key in ("diff", "ci_low", "ci_high", "se", "rel_diff", "rel_ci_low", "rel_ci_high", "p_value"):
        out[key] = np.where(too_few, np.nan, np.asarray(cmp[key], dtype=float))
    out["method"] = np.where(too_few, reason, method or cmp["method"]).astype(object)
    out["cuped"] = np.full(k, cuped)
    out["n_missing"] = (control["missing"] + treatment["missing"]).astype(np.int64)
    return out


def _co_moments(frame: pd.DataFrame, variant: str, labels: list, m: Metric,
                covariate: str) -> tuple[list[CoMoments], np.ndarray]:
    """Each arm's co-moments of (covariate, outcome) and its units without the outcome, from the rows."""
    require_columns(frame, [covariate])
    y = kind_of(m).codes(frame[m.column], m)
    x = frame[covariate].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    has_y = ~np.isnan(y)
    blank = has_y & np.isnan(x)
    if blank.any():
        raise DataValidationError(
            f"Covariate {covariate!r} is blank for {int(blank.sum())} unit(s) with a {m.name} outcome "
            f"(rows {frame.index[blank][:5].tolist()}). Fill it (e.g. with the pre-period mean and a flag "
            f"column) or analyse {m.name} without CUPED.")
    arm = frame[variant].cat.codes.to_numpy()
    moments = [CoMoments.from_values(x[has_y & (arm == k)], y[has_y & (arm == k)]) for k in range(len(labels))]
    return moments, np.bincount(arm[~has_y], minlength=len(labels)).astype(float)


def _engine_co_moments(table, variant: str, labels: list, m: Metric, covariate: str) -> list[CoMoments]:
    """Each arm's co-moments from sums computed inside the engine (one scan; scores grouped by value, coded
    locally)."""
    kind = kind_of(m)
    discrete = cube_scales([m]).get(m.column) is not None
    sums = co_moment_sums(table, by=variant, y=m.column, x=covariate, discrete=discrete)
    if int(sums["x_blank"].sum()):
        raise DataValidationError(
            f"Covariate {covariate!r} is blank for {int(sums['x_blank'].sum())} unit(s) with a {m.name} outcome "
            f"in the {engine_name(table)} table. Fill it (e.g. with the pre-period mean and a flag column) "
            f"or analyse {m.name} without CUPED.")
    if discrete:  # the metric's coding of each score value, applied to the few values
        sums = sums[sums["y"].notna()].copy()
        code = kind.codes(pd.Series(sums["y"].astype(float).to_numpy()), m)
        n = sums["n"].astype(float).to_numpy()
        sums = sums.assign(sy=code * n, syy=code * code * n, sxy=code * sums["sx"].to_numpy())
    per = sums.groupby(group_name(0), dropna=False)[["n", "sx", "sy", "sxx", "syy", "sxy"]].sum()
    return [CoMoments.from_sums(*per.loc[lv]) if lv in per.index else CoMoments.from_values([], [])
            for lv in labels]


def _cuped_rows(moments: list[CoMoments], missing: np.ndarray, labels, ci, treat, m: Metric, covariate: str,
                c: float) -> dict:
    """Rows for a metric with a pre-period covariate: CUPED from each arm's co-moments."""
    kind = kind_of(m)
    adjusted, _ = cuped_adjust(moments)
    raw = np.array([mo.mean_y for mo in moments])
    st = {"n": np.array([a.n for a in adjusted], dtype=float), "mean": np.array([a.mean for a in adjusted]),
          "m2": np.array([a.m2 for a in adjusted]),
          "missing": np.asarray(missing, dtype=float)}

    def welch(control, treatment, m_, conf):
        sd = [np.sqrt(np.where(s["n"] > 1, s["m2"] / np.maximum(s["n"] - 1, 1), np.nan)) for s in (control, treatment)]
        d, lo, hi, p, *_, se = mean_diff(control["n"], control["mean"], sd[0], treatment["n"], treatment["mean"],
                                         sd[1], conf)
        base = raw[ci]  # relative difference against the unadjusted control level
        ratio = kind.ratio_scale and bool(base)
        rel = [100 * v / base if ratio else np.full(np.shape(d), np.nan) for v in (d, lo, hi)]
        return {"diff": d, "ci_low": lo, "ci_high": hi, "se": se, "p_value": p, "rel_diff": rel[0], "rel_ci_low": rel[1],
                "rel_ci_high": rel[2]}

    return _rows(st, [str(labels[i]) for i in treat], ci, treat, m, c, cuped=True, compare=welch,
                 method=f"CUPED ({covariate}); welch", values=raw, min_n=2)


def sample_check(data: pd.DataFrame, *, variant: str, planned_n: int = 0) -> pd.DataFrame:
    """Units per arm against the plan: ``variant``, ``n``, ``planned``, ``percent_of_plan``."""
    require_columns(data, [variant])
    counts = data[variant].value_counts(sort=False)
    if isinstance(data[variant].dtype, pd.CategoricalDtype):
        counts = counts[counts > 0]
    planned = planned_n if planned_n > 0 else np.nan
    return pd.DataFrame({"variant": counts.index.astype(str), "n": counts.to_numpy(), "planned": planned,
                         "percent_of_plan": 100 * counts.to_numpy() / planned})


def _take_levels(per_arm: Cube, labels: list) -> Cube:
    """The cube of the arms ``labels`` only, in that order (an engine's cube may hold empty or blank levels)."""
    levels = list(per_arm.levels[0])
    pick = np.array([levels.index(lv) for lv in labels])
    return Cube(dims=per_arm.dims, levels=(pd.Index(labels),), rows=per_arm.rows[pick],
                hists={k: a[pick] for k, a in per_arm.hists.items()}, scales=dict(per_arm.scales),
                moments={k: a[pick] for k, a in per_arm.moments.items()}, shifts=dict(per_arm.shifts),
                attrs=dict(per_arm.attrs))
