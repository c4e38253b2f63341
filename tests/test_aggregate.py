"""Sufficient statistics: exact merging, engine and chunk invariance."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxlab import DataValidationError
from cxlab.stats.aggregate import Histogram, Moments, NPSCounts
from cxlab.stats.cube import cube
from cxlab.data import BLANK
from cxlab.stats.cube_sql import cube_sql

scores = st.lists(st.integers(0, 10), min_size=1, max_size=200)
floats = st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=100)


@given(a=floats, b=floats)
def test_pooled_moments_equal_moments_of_pooled_rows(a, b):
    pooled = Moments.from_values(a) + Moments.from_values(b)
    direct = Moments.from_values(a + b)
    assert pooled.n == direct.n
    assert pooled.mean == pytest.approx(direct.mean, rel=1e-9, abs=1e-6)
    assert pooled.m2 == pytest.approx(direct.m2, rel=1e-7, abs=1e-3)


@given(a=scores, b=scores)
def test_histograms_and_nps_counts_merge_exactly(a, b):
    ha, hb = Histogram.from_values(a, low=0, high=10), Histogram.from_values(b, low=0, high=10)
    assert ha + hb == Histogram.from_values(a + b, low=0, high=10)
    assert NPSCounts.from_values(a) + NPSCounts.from_values(b) == NPSCounts.from_values(a + b)


@given(a=scores)
def test_histogram_moments_equal_numpy(a):
    m = Histogram.from_values(a, low=0, high=10).moments()
    assert m.n == len(a)
    assert m.mean == pytest.approx(np.mean(a), rel=1e-12)
    assert m.m2 == pytest.approx(np.var(a) * len(a), rel=1e-9, abs=1e-9)


def test_moments_sd_matches_numpy():
    x = [3.0, 5.5, 2.25, 9.0]
    assert Moments.from_values(x).sd == pytest.approx(np.std(x, ddof=1), rel=1e-12)


def test_histogram_rejects_off_scale_values():
    with pytest.raises(DataValidationError, match="1 value\\(s\\) outside 1-5"):
        Histogram.from_values([1, 2, 6], low=1, high=5)


def _frame(seed=0, n=5000):
    rng = np.random.default_rng(seed)
    nps = pd.array(rng.integers(0, 11, n), dtype="Int8")
    nps[rng.random(n) < 0.1] = pd.NA
    region = pd.Series(rng.choice(["东", "西", "南"], n), dtype="category")
    region[rng.random(n) < 0.02] = np.nan  # a missing group value is its own level
    return pd.DataFrame({
        "region": region,
        "channel": rng.choice(["APP", "门店"], n),  # plain strings, not categorical
        "nps": nps,
        "fcr": rng.random(n) < 0.7,
        "minutes": np.where(rng.random(n) < 0.05, np.nan, rng.lognormal(3, 1, n)),
    })


def test_cube_matches_pandas_groupby():
    df = _frame()
    c = cube(df, by=["region", "channel"], scales={"nps": (0, 10), "fcr": (0, 1), "minutes": None})
    cells = c.cell_labels()
    n, mean, m2, missing = (a.ravel() for a in c.moments_of("minutes"))
    got = cells.assign(rows=c.rows.ravel(), promoters=c.hists["nps"][..., 9:11].sum(-1).ravel(),
                       nps_missing=c.hists["nps"][..., -1].ravel(), fcr=c.hists["fcr"][..., 1].ravel(),
                       n=n, mean=mean, var=m2 / (n - 1), missing=missing)
    expected = df.groupby(["region", "channel"], dropna=False, observed=True).agg(
        rows=("nps", "size"), promoters=("nps", lambda s: int((s >= 9).sum())),
        nps_missing=("nps", lambda s: int(s.isna().sum())), fcr=("fcr", "sum"),
        n=("minutes", "count"), mean=("minutes", "mean"), var=("minutes", "var"),
        missing=("minutes", lambda s: int(s.isna().sum()))).reset_index()
    got = got[got.rows > 0].reset_index(drop=True)
    key = lambda f: f.assign(region=f.region.astype(object).fillna(BLANK)).sort_values(["region", "channel"]).reset_index(drop=True)  # noqa: E731
    g, e = key(got), key(expected)
    for col in ["rows", "promoters", "nps_missing", "fcr", "n", "missing"]:
        np.testing.assert_array_equal(g[col].to_numpy(dtype=float), e[col].to_numpy(dtype=float), err_msg=col)
    np.testing.assert_allclose(g["mean"], e["mean"], rtol=1e-12)
    np.testing.assert_allclose(g["var"], e["var"], rtol=1e-9)


def test_cube_does_not_depend_on_chunk_size_and_collapses_exactly():
    df = _frame(1)
    cols = {"nps": (0, 10), "fcr": (0, 1), "minutes": None}
    big = cube(df, by=["region", "channel"], scales=cols)
    small = cube(df, by=["region", "channel"], scales=cols, chunk_rows=97)
    for k in big.hists:
        np.testing.assert_array_equal(big.hists[k], small.hists[k])
    np.testing.assert_allclose(big.moments["minutes"], small.moments["minutes"], rtol=1e-12)
    one_way = big.collapse(["channel"])
    direct = cube(df, by=["channel"], scales=cols)
    np.testing.assert_array_equal(one_way.hists["nps"], direct.hists["nps"])
    swapped = big.collapse(["channel", "region"])
    np.testing.assert_array_equal(swapped.hists["nps"], np.swapaxes(big.hists["nps"], 0, 1))


def test_sql_path_gives_the_same_statistics(tmp_path):
    df = _frame(2)
    df["region"] = df["region"].astype(object)
    path = tmp_path / "rows.parquet"
    df.to_parquet(path)
    cols = {"nps": (0, 10), "fcr": (0, 1), "minutes": None}
    a = cube(df, by=["region", "channel"], scales=cols)
    b = cube_sql(path, by=["region", "channel"], scales=cols)
    assert [list(lv.astype(str)) for lv in a.levels] == [list(lv.astype(str)) for lv in b.levels]
    np.testing.assert_array_equal(a.rows, b.rows)
    for k in a.hists:
        np.testing.assert_array_equal(a.hists[k], b.hists[k])
    for x, y in zip(a.moments_of("minutes"), b.moments_of("minutes")):
        np.testing.assert_allclose(x, y, rtol=1e-9)


def test_sql_path_reports_off_scale_values(tmp_path):
    path = tmp_path / "bad.parquet"
    pd.DataFrame({"nps": [1, 11, 12, 5]}).to_parquet(path)
    with pytest.raises(DataValidationError, match=r"bad.parquet failed validation:\n  - column 'nps': 2 value"):
        cube_sql(path, scales={"nps": (0, 10)})


def test_cube_names_off_scale_rows():
    df = pd.DataFrame({"csat": pd.array([1, 5, 9, 2, 0], dtype="Int8")}, index=[10, 11, 12, 13, 14])
    with pytest.raises(DataValidationError, match=r"Column 'csat' has 2 value\(s\) outside 1-5 \(first rows: \[12, 14\]\)"):
        cube(df, scales={"csat": (1, 5)})
    with pytest.raises(DataValidationError, match="not whole numbers"):
        cube(pd.DataFrame({"csat": [1.0, 4.5]}), scales={"csat": (1, 5)})


def test_cube_missing_column_suggests_the_closest():
    with pytest.raises(DataValidationError, match="no column 'nps' \\(did you mean 'nps_score'\\?\\)"):
        cube(pd.DataFrame({"nps_score": [1]}), scales={"nps": (0, 10)})


def test_cube_with_many_cells_matches_groupby():
    # Strides above 127 (int8 category codes times a large stride must not overflow).
    rng = np.random.default_rng(9)
    n = 20_000
    df = pd.DataFrame({d: pd.Categorical(rng.integers(0, k, n)) for d, k in
                       [("a", 9), ("b", 11), ("c", 13), ("d", 7)]})
    df["csat"] = pd.array(rng.integers(1, 6, n), dtype="Int8")
    c = cube(df, by=["a", "b", "c", "d"], scales={"csat": (1, 5)}, chunk_rows=4096)
    top = c.hists["csat"][..., 3:5].sum(-1)
    expected = df.assign(top=df.csat >= 4).groupby(["a", "b", "c", "d"], observed=False)["top"].sum()
    np.testing.assert_array_equal(top.ravel(), expected.to_numpy())
    assert c.rows.sum() == n


@pytest.mark.parametrize("bad", [6, 0, -3, 100])
@pytest.mark.parametrize("by", [[], ["g"]])
def test_every_off_scale_value_is_caught(bad, by):
    # 6 is high + 1, which would share the blank bin; the others wrap around as bytes.
    df = pd.DataFrame({"g": pd.Categorical(["a", "b", "a", "b"]),
                       "csat": pd.array([1, pd.NA, bad, 5], dtype="Int8")})
    with pytest.raises(DataValidationError, match="Column 'csat' has 1 value\\(s\\) outside 1-5 \\(first rows: \\[2\\]\\)"):
        cube(df, by=by, scales={"csat": (1, 5)})
