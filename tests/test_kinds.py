"""The metric kinds against the scalar inference layer they vectorise, and their statistics plumbing.

Every analysis asks ``kind_of(metric)`` for its arithmetic; these tests hold each kind's
vectorised estimate and comparison to the documented one-group functions
(``cxlab.metrics.*_from_counts`` / ``*_from_moments``, ``cxlab.stats.compare.compare_*``)
computed from the raw rows of the same groups.
"""

import math

import numpy as np
import pandas as pd
import pytest

import cxlab
from cxlab.experiments import cuped
from cxlab.metric_defs import METRICS, Metric
from cxlab.metrics import mean_from_moments, nps_from_counts, proportion_from_counts, quantile_from_values
from cxlab.stats.aggregate import CoMoments
from cxlab.stats.compare import compare_means_from_moments, compare_nps_from_counts, compare_proportions, cuped_adjust
from cxlab.stats.cube import cube
from cxlab.stats.kinds import (
    KINDS,
    MeanKind,
    NPSKind,
    ProportionKind,
    QuantileKind,
    cube_scales,
    kind_of,
    reshape,
    take,
)

#: one or more registry metrics per kind; the mean kind both with a histogram (ces) and moments
CUBE_METRICS = ["nps", "csat", "ces_low_effort", "response_rate", "ces", "csat_mean", "first_response_mean"]
EST_KEYS = ("n", "value", "ci_low", "ci_high", "se")


@pytest.fixture(scope="module")
def survey():
    return cxlab.sample.responses(6000, seed=4)


@pytest.fixture(scope="module")
def by_channel(survey):
    ms = [METRICS[name] for name in CUBE_METRICS]
    return cube(survey, by=["channel"], scales=cube_scales(ms))


def _groups(survey, by_channel, column):
    """(cell index, answered values of that cell) for every channel with rows."""
    out = []
    for i, level in enumerate(by_channel.levels[0]):
        rows = survey.loc[survey["channel"] == level, column]
        if len(rows):
            out.append((i, rows.dropna().astype(float).to_numpy()))
    return out


def _reference(metric: Metric, v: np.ndarray, confidence: float):
    """The one-group estimate of ``metric`` from its raw answers ``v``."""
    if metric.kind == "nps":
        return nps_from_counts(int((v >= 9).sum()), int(((v >= 7) & (v <= 8)).sum()), int((v <= 6).sum()),
                               confidence=confidence, method=metric.method)
    if metric.kind in ("share", "rate"):
        return proportion_from_counts(int(np.isin(v, metric.good).sum()), v.size, confidence=confidence,
                                      method=metric.method)
    return mean_from_moments(v.size, v.mean(), v.std(ddof=1), confidence=confidence)


def test_every_kind_of_the_registry_has_a_class():
    assert set(KINDS) == {"nps", "share", "rate", "mean", "quantile"}
    assert isinstance(KINDS["nps"], NPSKind) and isinstance(KINDS["mean"], MeanKind)
    assert KINDS["share"] is KINDS["rate"] and isinstance(KINDS["rate"], ProportionKind)
    assert isinstance(KINDS["quantile"], QuantileKind)
    for m in METRICS.values():
        assert kind_of(m) is KINDS[m.kind]


@pytest.mark.parametrize("confidence", [0.9, 0.95])
@pytest.mark.parametrize("name", CUBE_METRICS)
def test_estimate_equals_the_one_group_functions(survey, by_channel, name, confidence):
    m = METRICS[name]
    kind = kind_of(m)
    est = kind.estimate(kind.stats(by_channel, m), m, confidence)
    groups = _groups(survey, by_channel, m.column)
    assert len(groups) >= 4
    for i, v in groups:
        ref = _reference(m, v, confidence)
        low, high = kind.bounds(m)
        got = [est[k][i] for k in EST_KEYS]
        want = [ref.n, ref.value, max(low, ref.ci_low), min(high, ref.ci_high), ref.se]
        np.testing.assert_allclose(got, want, rtol=1e-9, err_msg=f"{name}, cell {i}")


@pytest.mark.parametrize("name", ["first_response_median", "first_response_p90"])
def test_quantile_kind_estimates_from_rows_like_quantile_from_values(survey, by_channel, name):
    m = METRICS[name]
    kind = kind_of(m)
    assert kind.needs_rows and not kind.testable(m)
    out = kind.estimate_rows(survey, ["channel"], m, 0.95).set_index("channel")
    for level, rows in survey.groupby("channel", observed=True):
        v = rows[m.column].dropna().to_numpy(dtype=float)
        ref = quantile_from_values(v, q=m.q, confidence=0.95, method=m.method)
        r = out.loc[level]
        assert r["n"] == ref.n and r["missing"] == rows[m.column].isna().sum()
        np.testing.assert_allclose([r["value"], r["ci_low"], r["ci_high"]], [ref.value, ref.ci_low, ref.ci_high],
                                   rtol=1e-12)
    with pytest.raises(ValueError, match="needs each group's rows, not a cube"):
        kind.scale(m)
    with pytest.raises(ValueError, match="compare durations with their means or ranks"):
        kind.compare({}, {}, m, 0.95)


def _compare_reference(metric: Metric, c: np.ndarray, t: np.ndarray, confidence: float):
    if metric.kind == "nps":
        arm = lambda v: (int((v >= 9).sum()), int(((v >= 7) & (v <= 8)).sum()), int((v <= 6).sum()))  # noqa: E731
        return compare_nps_from_counts(arm(c), arm(t), confidence=confidence, method=metric.method)
    if metric.kind in ("share", "rate"):
        good = lambda v: int(np.isin(v, metric.good).sum())  # noqa: E731
        return compare_proportions(good(c), c.size, good(t), t.size, confidence=confidence)
    return compare_means_from_moments(c.size, c.mean(), c.std(ddof=1), t.size, t.mean(), t.std(ddof=1),
                                      confidence=confidence)


@pytest.mark.parametrize("confidence", [0.9, 0.95])
@pytest.mark.parametrize("name", CUBE_METRICS)
def test_compare_equals_the_public_comparisons(survey, by_channel, name, confidence):
    m = METRICS[name]
    kind = kind_of(m)
    st = kind.stats(by_channel, m)
    groups = _groups(survey, by_channel, m.column)
    (ci, cv), rest = groups[0], groups[1:]
    treat = np.array([i for i, _ in rest])
    # every treatment cell against the control cell at once, as analyze does
    got = kind.compare(take(st, np.full(len(treat), ci)), take(st, treat), m, confidence)
    keys = ("diff", "ci_low", "ci_high", "p_value", "rel_diff", "rel_ci_low", "rel_ci_high")
    for j, (_, tv) in enumerate(rest):
        ref = _compare_reference(m, cv, tv, confidence)
        want = [getattr(ref, k) for k in keys]
        np.testing.assert_allclose([got[k][j] for k in keys], want, rtol=1e-9, atol=1e-12,
                                   equal_nan=True, err_msg=f"{name}, cell {treat[j]}")
    assert isinstance(got["method"], str)


@pytest.mark.parametrize("name", CUBE_METRICS)
def test_coded_sums_equal_sums_of_the_row_codes(survey, by_channel, name):
    m = METRICS[name]
    kind = kind_of(m)
    n, s1, s2 = kind.coded(kind.stats(by_channel, m))
    answered = survey[survey[m.column].notna()]  # blanks: see test_nps_codes_of_blanks_are_nan
    codes = kind.codes(answered[m.column], m)
    assert codes.shape == (len(answered),) and not np.isnan(codes).any()
    for i, level in enumerate(by_channel.levels[0]):
        x = codes[(answered["channel"] == level).to_numpy()]
        np.testing.assert_allclose([n[i], s1[i], s2[i]], [x.size, x.sum(), (x**2).sum()], rtol=1e-9, atol=1e-9,
                                   err_msg=f"{name}, cell {i}")


def test_codes_are_on_the_metrics_own_scale():
    values = pd.Series([0, 6, 7, 8, 9, 10], dtype="Int8")
    np.testing.assert_array_equal(kind_of(METRICS["nps"]).codes(values, METRICS["nps"]),
                                  [-100, -100, 0, 0, 100, 100])
    csat = pd.Series([1, 3, 4, 5, None], dtype="Int8")
    np.testing.assert_array_equal(kind_of(METRICS["csat"]).codes(csat, METRICS["csat"]), [0, 0, 100, 100, np.nan])
    np.testing.assert_array_equal(kind_of(METRICS["ces"]).codes(csat, METRICS["ces"]), [1, 3, 4, 5, np.nan])


# NPSKind.codes once raised on blank answers (np.where over a Float64 comparison holding NA).


def test_nps_codes_of_blanks_are_nan():
    values = pd.Series([0, 6, 7, 8, 9, 10, None], dtype="Int8")
    np.testing.assert_array_equal(kind_of(METRICS["nps"]).codes(values, METRICS["nps"]),
                                  [-100, -100, 0, 0, 100, 100, np.nan])


def test_weighted_nps_with_blank_answers(survey):
    from cxlab.weighting import weighted_scores

    frame = survey.assign(weight=1.0)
    row = weighted_scores(frame, metrics=["nps"]).iloc[0]
    v = survey["nps"].dropna().astype(float)
    assert row["value"] == pytest.approx(100 * ((v >= 9).mean() - (v <= 6).mean()), rel=1e-12)
    assert row["n_missing"] == survey["nps"].isna().sum()


def test_cube_scales():
    ms = [METRICS[k] for k in ("nps", "csat", "csat_mean", "ces", "response_rate", "first_response_mean",
                               "first_response_median")]
    assert cube_scales(ms) == {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7), "responded": (0, 1),
                               "first_response_min": None}  # the quantile takes no part
    # a column read both as moments and as a histogram is aggregated once, as the histogram
    loose = Metric("csat_any_mean", "csat", "mean", "CSAT mean, unbounded")
    assert cube_scales([loose, METRICS["csat"]]) == {"csat": (1, 5)}
    assert cube_scales([METRICS["csat"], loose]) == {"csat": (1, 5)}
    assert cube_scales([loose]) == {"csat": None}
    assert cube_scales([METRICS["first_response_p90"]]) == {}


def _comoments_equal(a: CoMoments, b: CoMoments):
    assert a.n == b.n
    np.testing.assert_allclose([a.mean_x, a.mean_y, a.m2_x, a.m2_y, a.c_xy],
                               [b.mean_x, b.mean_y, b.m2_x, b.m2_y, b.c_xy], rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("sizes", [(1, 1), (2, 500), (300, 7), (1000, 1000)])
def test_comoments_add_equals_the_pooled_rows(sizes):
    rng = np.random.default_rng(sum(sizes))
    x = [rng.normal(4, 1, k) for k in sizes]
    y = [0.6 * xi + rng.normal(i, 0.5, xi.size) for i, xi in enumerate(x)]
    a, b = CoMoments.from_values(x[0], y[0]), CoMoments.from_values(x[1], y[1])
    pooled = CoMoments.from_values(np.concatenate(x), np.concatenate(y))
    _comoments_equal(a + b, pooled)
    _comoments_equal(b + a, pooled)
    empty = CoMoments.from_values([], [])
    assert empty.n == 0 and (a + empty) == a and (empty + a) == a
    assert (a + b).y.n == pooled.n and (a + b).y.m2 == pytest.approx(((pooled.y.m2)), rel=1e-9)


def test_cuped_adjust_moments_equal_the_row_wise_adjusted_outcome():
    trial = cxlab.sample.experiment(20_000, seed=2)
    answered = trial[trial.csat.notna()]
    y = answered.csat.astype(float).to_numpy()
    x = answered.pre_csat.to_numpy(dtype=float)
    arm = answered.variant.astype(str).to_numpy()
    labels = sorted(set(arm))
    adjusted, theta = cuped_adjust([CoMoments.from_values(x[arm == a], y[arm == a]) for a in labels])
    adj, theta_rows = cuped(y, x)
    assert theta == pytest.approx(theta_rows, rel=1e-9)
    for a, mo in zip(labels, adjusted):
        v = adj[arm == a]
        assert mo.n == v.size
        assert mo.mean == pytest.approx(v.mean(), rel=1e-9)
        assert mo.m2 == pytest.approx(((v - v.mean()) ** 2).sum(), rel=1e-9)


def test_take_and_reshape_move_every_statistic_together(survey):
    m = METRICS["ces"]  # a mean of a bounded score: its stats carry a per-cell histogram
    kind = kind_of(m)
    two = cube(survey, by=["channel", "customer_type"], scales=cube_scales([m]))
    st = kind.stats(two, m)
    shape = two.shape
    assert st["hist"].shape == (*shape, 7)
    flat = reshape(st, (-1,))
    assert flat["n"].shape == (math.prod(shape),) and flat["hist"].shape == (math.prod(shape), 7)
    for k in st:
        np.testing.assert_array_equal(flat[k], st[k].reshape(math.prod(shape), *st[k].shape[len(shape):]))
    back = reshape(flat, shape)
    for k in st:
        np.testing.assert_array_equal(back[k], st[k])
    idx = np.array([5, 0, 3])
    picked = take(flat, idx)
    assert set(picked) == set(st)
    for k in st:
        np.testing.assert_array_equal(picked[k], flat[k][idx])
    # estimating a slice equals slicing the estimate
    whole, part = kind.estimate(flat, m, 0.95), kind.estimate(picked, m, 0.95)
    for k in EST_KEYS:
        np.testing.assert_array_equal(part[k], whole[k][idx])
    first_row = take(st, (slice(0, 1), slice(None)))
    assert first_row["hist"].shape == (1, shape[1], 7)
