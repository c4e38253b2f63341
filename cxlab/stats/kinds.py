"""The metric kinds: each kind of metric owns its arithmetic, here and nowhere else.

A metric (:class:`cxlab.metric_defs.Metric`: name, column, scale, good answers, direction)
is one entry of a kind. The kind says

* which sufficient statistics it needs (:meth:`MetricKind.scale`: a histogram on a
  bounded scale, or moments) and how to read them from a cube (:meth:`MetricKind.stats`);
* how to estimate with an interval (:meth:`~MetricKind.estimate`) and compare two groups
  (:meth:`~MetricKind.compare`);
* what each answer counts for on the metric's own scale (:meth:`~MetricKind.codes`,
  :meth:`~MetricKind.coded`: +100 / 0 / -100 for NPS, 100 / 0 for shares and rates, the
  value for means), for control charts, weighting and CUPED;
* how segments are tested against each other (:meth:`~MetricKind.segment_tests`), how
  units are shrunk for a league table (:meth:`~MetricKind.shrink`), and how few answers
  make two groups incomparable (:attr:`~MetricKind.min_compare_n`). Below
  :data:`DEFAULT_MIN_N` answers, every analysis says "too few answers" instead of a verdict.

Every analysis asks ``kind_of(metric)``; none branches on the kind itself. A new metric is
one :class:`~cxlab.metric_defs.Metric`; a new kind is one class here.

Statistics travel as :data:`Stats`: a dict of named arrays whose leading axes are the
cells (the cube's shape). :func:`take` slices all of them along those axes at once.
"""

from __future__ import annotations

import abc
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.stats import chi2_contingency, norm

from ..metric_defs import Metric
from .aggregate import NPS_DETRACTOR_MAX, NPS_PROMOTER_MIN
from .compare import mean_diff, nps_diff, proportion_diff
from .cube import Cube, Scale, cell_labels, sorted_groups
from .estimates import (
    mean_interval,
    nps_interval,
    proportion_interval,
    quantile_from_sorted,
)
from .ordinal import dunn_vs_rest, kruskal_from_counts
from .shrinkage import beta_binomial, normal_normal

__all__ = ["MetricKind", "NPSKind", "ProportionKind", "MeanKind", "QuantileKind", "KINDS", "kind_of",
           "Stats", "take", "reshape", "cube_scales", "DEFAULT_MIN_N"]

#: Below this many answers a group is "too few answers": shown, never ranked or judged.
DEFAULT_MIN_N = 20

Stats = dict[str, np.ndarray]


def take(st: Mapping[str, np.ndarray], index) -> Stats:
    """Every statistic at ``index`` along the cell axes (a tuple of slices or an index array)."""
    return {k: v[index] for k, v in st.items()}


def reshape(st: Mapping[str, np.ndarray], shape: tuple[int, ...]) -> Stats:
    """Every statistic with its cell axes reshaped to ``shape`` (per-cell trailing axes kept)."""
    ndim = np.ndim(st["n"])
    return {k: v.reshape(*shape, *v.shape[ndim:]) for k, v in st.items()}


def _hist(cube: Cube, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Counts per score (cells x scale points, float) and blanks per cell."""
    h = cube.hists[column].astype(float)
    return h[..., :-1], h[..., -1]


class MetricKind(abc.ABC):
    """What a kind of metric needs and how it estimates, compares, tests and ranks."""

    #: the ``Metric.kind`` values this class serves
    names: tuple[str, ...] = ()
    #: whether estimates need the rows themselves (order statistics) rather than a cube
    needs_rows = False
    #: answers per group below which two groups cannot be compared at all
    min_compare_n = 1
    #: whether a ratio of two values means something (not for NPS, which can be 0 or negative)
    ratio_scale = True

    def scale(self, metric: Metric) -> Scale | None:
        """What the cube aggregates for the metric's column: ``(low, high)`` or None (moments)."""
        return metric.scale

    @abc.abstractmethod
    def stats(self, cube: Cube, metric: Metric) -> Stats:
        """The kind's sufficient statistics of every cell of a cube (``n`` and ``missing`` always)."""

    @abc.abstractmethod
    def estimate(self, st: Stats, metric: Metric, confidence: float) -> Stats:
        """``value``, ``ci_low``, ``ci_high``, ``se`` and ``n`` per cell."""

    @abc.abstractmethod
    def compare(self, control: Stats, treatment: Stats, metric: Metric, confidence: float) -> Stats:
        """``diff`` (treatment - control), ``ci_low``, ``ci_high``, ``se``, ``p_value``, ``rel_diff``,
        ``rel_ci_low``, ``rel_ci_high`` (percent) per pair of cells; ``method`` names the test."""

    @abc.abstractmethod
    def coded(self, st: Stats) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per cell: answers, the sum of their codes and the sum of squared codes."""

    def codes(self, values: pd.Series, metric: Metric) -> np.ndarray:
        """Each row's answer on the metric's own scale (nan where blank)."""
        return values.astype("Float64").to_numpy(dtype=float, na_value=np.nan)

    def bounds(self, metric: Metric) -> tuple[float, float]:
        """The range the metric's values (and intervals) live in."""
        return (float(metric.scale[0]), float(metric.scale[1])) if metric.scale else (-math.inf, math.inf)

    def testable(self, metric: Metric) -> bool:
        """Whether segments can be tested against each other (:meth:`segment_tests`)."""
        return True

    def ranks(self, metric: Metric) -> bool:
        """Whether the answers are ordinal scores that rank tests (Mann-Whitney, Dunn) can take."""
        return False

    @abc.abstractmethod
    def segment_tests(self, st: Stats, metric: Metric) -> tuple[str, float, float, np.ndarray, np.ndarray]:
        """Across the cells of ``st``: (test name, statistic, its p-value, each cell's z and p against the rest)."""

    def vs_rest(self, st: Stats, metric: Metric) -> tuple[np.ndarray, np.ndarray]:
        """(z, p) of each cell against all the others pooled, with the kind's own two-group test.

        The same test as an A/B comparison or a period change, so it keeps its level at
        every size (``bench/false_positives.py``); z is the signed normal score of its p.
        The cells are the last axis, so a batch of tables (replicates x cells) works too.
        """
        rest = {k: v.sum(axis=-1, keepdims=True) - v for k, v in st.items()}
        cmp = self.compare(rest, st, metric, 0.95)
        p = np.where((st["n"] > 0) & (rest["n"] > 0), np.asarray(cmp["p_value"], dtype=float), np.nan)
        return np.sign(cmp["diff"]) * norm.isf(p / 2), p

    def shrink(self, st: Stats, metric: Metric, confidence: float) -> dict:
        """Empirical-Bayes shrinkage of every cell (see :mod:`cxlab.stats.shrinkage`)."""
        est = self.estimate(st, metric, confidence)
        return normal_normal(est["value"], est["se"] ** 2, confidence)

    def low_answer(self, metric: Metric) -> int:
        """The default highest answer that calls for a follow-up call (a low score)."""
        return 2


def _chi2_table(table: np.ndarray) -> tuple[float, float]:
    """Pearson's chi-square of a cells x categories table, over its non-empty rows and columns."""
    tab = table[table.sum(1) > 0]
    tab = tab[:, tab.sum(0) > 0]
    if tab.shape[0] > 1 and tab.shape[1] > 1:
        statistic, p, *_ = chi2_contingency(tab, correction=False)
        return float(statistic), float(p)
    return math.nan, math.nan


class NPSKind(MetricKind):
    """Net Promoter Score in points from promoters (9-10), passives (7-8) and detractors (0-6)."""

    names = ("nps",)
    ratio_scale = False

    def stats(self, cube: Cube, metric: Metric) -> Stats:
        counts, missing = _hist(cube, metric.column)
        return {"n": counts.sum(-1), "promoters": counts[..., NPS_PROMOTER_MIN:].sum(-1),
                "passives": counts[..., NPS_DETRACTOR_MAX + 1:NPS_PROMOTER_MIN].sum(-1),
                "detractors": counts[..., :NPS_DETRACTOR_MAX + 1].sum(-1), "missing": missing}

    def estimate(self, st: Stats, metric: Metric, confidence: float) -> Stats:
        value, lo, hi, se = nps_interval(st["promoters"], st["passives"], st["detractors"], confidence,
                                         metric.method)
        return {"n": st["n"], "value": value, "ci_low": lo, "ci_high": hi, "se": se}

    def compare(self, control: Stats, treatment: Stats, metric: Metric, confidence: float) -> Stats:
        arm = ("promoters", "passives", "detractors")
        d, lo, hi, p, se = nps_diff([control[k] for k in arm], [treatment[k] for k in arm], confidence,
                                metric.method)
        nan = np.full(np.shape(d), np.nan)  # a ratio of NPS means nothing: it can be 0 or negative
        return {"diff": d, "ci_low": lo, "ci_high": hi, "se": se, "p_value": p, "rel_diff": nan,
                "rel_ci_low": nan, "rel_ci_high": nan, "method": f"{metric.method}; t-test"}

    def coded(self, st: Stats):
        return st["n"], 100 * (st["promoters"] - st["detractors"]), 100**2 * (st["promoters"] + st["detractors"])

    def codes(self, values: pd.Series, metric: Metric) -> np.ndarray:
        v = values.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        out = np.where(v >= NPS_PROMOTER_MIN, 100.0, np.where(v <= NPS_DETRACTOR_MAX, -100.0, 0.0))
        return np.where(np.isnan(v), np.nan, out)

    def bounds(self, metric: Metric) -> tuple[float, float]:
        return -100.0, 100.0

    def segment_tests(self, st: Stats, metric: Metric):
        statistic, p = _chi2_table(np.column_stack([st["promoters"], st["passives"], st["detractors"]]))
        return ("chi-square", statistic, p, *self.vs_rest(st, metric))

    def low_answer(self, metric: Metric) -> int:
        return NPS_DETRACTOR_MAX


class ProportionKind(MetricKind):
    """A share of good answers on a bounded scale (CSAT %) or a yes/no rate (FCR), in percent."""

    names = ("share", "rate")

    def stats(self, cube: Cube, metric: Metric) -> Stats:
        counts, missing = _hist(cube, metric.column)
        low = cube.scales[metric.column][0]
        return {"n": counts.sum(-1), "successes": counts[..., [g - low for g in metric.good]].sum(-1),
                "missing": missing}

    def estimate(self, st: Stats, metric: Metric, confidence: float) -> Stats:
        p, lo, hi, se = proportion_interval(st["successes"], st["n"], confidence, metric.method)
        return {"n": st["n"], "value": 100 * p, "ci_low": 100 * lo, "ci_high": 100 * hi, "se": 100 * se}

    def compare(self, control: Stats, treatment: Stats, metric: Metric, confidence: float) -> Stats:
        d, lo, hi, p, rel, rlo, rhi, se = proportion_diff(control["successes"], control["n"], treatment["successes"],
                                                      treatment["n"], confidence, "newcombe-cc")
        return {"diff": 100 * d, "ci_low": 100 * lo, "ci_high": 100 * hi, "se": 100 * se, "p_value": p,
                "rel_diff": 100 * rel,
                "rel_ci_low": 100 * rlo, "rel_ci_high": 100 * rhi, "method": "newcombe-cc; inverted"}

    def coded(self, st: Stats):
        return st["n"], 100 * st["successes"], 100**2 * st["successes"]

    def codes(self, values: pd.Series, metric: Metric) -> np.ndarray:
        v = values.astype("Float64")
        return np.where(v.isna(), np.nan, 100.0 * v.isin(list(metric.good)).astype(float))

    def bounds(self, metric: Metric) -> tuple[float, float]:
        return 0.0, 100.0

    def segment_tests(self, st: Stats, metric: Metric):
        statistic, p = _chi2_table(np.column_stack([st["successes"], st["n"] - st["successes"]]))
        return ("chi-square", statistic, p, *self.vs_rest(st, metric))

    def shrink(self, st: Stats, metric: Metric, confidence: float) -> dict:
        return beta_binomial(st["successes"], st["n"], confidence)


class MeanKind(MetricKind):
    """The mean of a score (CSAT mean, CES) or an amount (durations, money), with a t interval."""

    names = ("mean",)
    min_compare_n = 2

    def stats(self, cube: Cube, metric: Metric) -> Stats:
        n, mean, m2, missing = cube.moments_of(metric.column)
        st = {"n": n, "mean": mean, "m2": m2, "missing": missing}
        if metric.column in cube.hists:  # a bounded score: its histogram serves the rank tests
            st["hist"] = _hist(cube, metric.column)[0]
        return st

    @staticmethod
    def _sd(st: Stats) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.sqrt(np.where(st["n"] > 1, st["m2"] / (st["n"] - 1), np.nan))

    def estimate(self, st: Stats, metric: Metric, confidence: float) -> Stats:
        value, lo, hi, se = mean_interval(st["n"], st["mean"], self._sd(st), confidence)
        if metric.scale is not None:
            lo, hi = np.clip(lo, *metric.scale), np.clip(hi, *metric.scale)
        return {"n": st["n"], "value": value, "ci_low": lo, "ci_high": hi, "se": se}

    def compare(self, control: Stats, treatment: Stats, metric: Metric, confidence: float) -> Stats:
        d, lo, hi, p, rel, rlo, rhi, se = mean_diff(control["n"], control["mean"], self._sd(control),
                                                treatment["n"], treatment["mean"], self._sd(treatment), confidence)
        return {"diff": d, "ci_low": lo, "ci_high": hi, "se": se, "p_value": p, "rel_diff": 100 * rel,
                "rel_ci_low": 100 * rlo, "rel_ci_high": 100 * rhi, "method": "welch"}

    def coded(self, st: Stats):
        n = np.nan_to_num(st["n"])
        mean = np.nan_to_num(st["mean"])
        return n, n * mean, np.nan_to_num(st["m2"]) + n * mean**2

    def testable(self, metric: Metric) -> bool:
        return metric.scale is not None

    def ranks(self, metric: Metric) -> bool:
        return metric.scale is not None

    def vs_rest(self, st: Stats, metric: Metric) -> tuple[np.ndarray, np.ndarray]:
        """Dunn's z of each cell's mean rank against the rest's, and its p (a batch: one table per row)."""
        h = st["hist"]
        z = dunn_vs_rest(h) if h.ndim == 2 else np.array([dunn_vs_rest(table) for table in h])
        return z, 2 * norm.sf(np.abs(z))

    def segment_tests(self, st: Stats, metric: Metric):
        statistic, p, *_ = kruskal_from_counts(st["hist"])
        return ("kruskal-wallis", statistic, p, *self.vs_rest(st, metric))

    def shrink(self, st: Stats, metric: Metric, confidence: float) -> dict:
        # pooled within-unit variance, so a unit with 3 equal answers does not claim se = 0
        n = st["n"]
        pooled = np.nansum(st["m2"]) / max(np.nansum(n) - np.sum(n > 0), 1)
        return normal_normal(st["mean"], pooled / n, confidence)


class QuantileKind(MetricKind):
    """A quantile of a duration (median, p90) with a distribution-free order-statistics interval."""

    names = ("quantile",)
    needs_rows = True

    def scale(self, metric: Metric) -> Scale | None:
        raise ValueError(f"{metric.name} is a quantile: it needs each group's rows, not a cube.")

    def _needs_rows(self, metric: Metric, what: str) -> ValueError:
        return ValueError(f"{metric.name} is a quantile: {what} needs each group's rows "
                          "(cxlab.scores does this; compare durations with their means or ranks).")

    def stats(self, cube: Cube, metric: Metric) -> Stats:
        raise self._needs_rows(metric, "its estimate")

    def estimate(self, st: Stats, metric: Metric, confidence: float) -> Stats:
        raise self._needs_rows(metric, "its estimate")

    def coded(self, st: Stats):
        raise ValueError("A quantile has no per-answer code: chart its mean instead.")

    def testable(self, metric: Metric) -> bool:
        return False

    def segment_tests(self, st: Stats, metric: Metric):
        raise self._needs_rows(metric, "a segment test")

    def compare(self, control, treatment, metric, confidence):
        raise ValueError(f"{metric.name} is a quantile; compare durations with their means or ranks.")

    def estimate_rows(self, data: pd.DataFrame, by: list[str], metric: Metric, confidence: float) -> pd.DataFrame:
        """The group columns plus ``n``, ``value``, ``ci_low``, ``ci_high``, ``se`` and ``missing``."""
        g = sorted_groups(data, by=by, column=metric.column)
        ncells = len(g.rows)
        n = np.zeros(ncells, dtype=np.int64)
        value, lo, hi = (np.full(ncells, np.nan) for _ in range(3))
        for i, cell in enumerate(g.cells):
            x = g.values[g.bounds[i]:g.bounds[i + 1]]
            n[cell] = len(x)
            value[cell], lo[cell], hi[cell] = quantile_from_sorted(x, metric.q, confidence, metric.method)
        out = cell_labels(by, g.levels).assign(n=n, value=value, ci_low=lo, ci_high=hi, se=np.nan,
                                               missing=g.missing)
        return out[g.rows > 0]


_NPS, _PROPORTION, _MEAN, _QUANTILE = NPSKind(), ProportionKind(), MeanKind(), QuantileKind()

#: ``Metric.kind`` -> the kind that owns its arithmetic
KINDS: dict[str, MetricKind] = {name: k for k in (_NPS, _PROPORTION, _MEAN, _QUANTILE) for name in k.names}


def kind_of(metric: Metric) -> MetricKind:
    """The :class:`MetricKind` of a metric."""
    return KINDS[metric.kind]


def cube_scales(metrics) -> dict[str, Scale | None]:
    """What a cube must aggregate for these metrics: ``column -> (low, high)`` or None (moments).

    Metrics that need rows (quantiles) take no part; a column read both as a histogram and
    as moments is aggregated once, as a histogram, which serves both.
    """
    cols: dict[str, Scale | None] = {}
    for m in metrics:
        kind = kind_of(m)
        if kind.needs_rows:
            continue
        scale = kind.scale(m)
        cols[m.column] = cols.get(m.column) or scale
    return cols
