"""cxlab.scores against independent pandas / scipy / statsmodels computations."""

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.stats.proportion as smp
from scipy import stats

import cxlab
from cxlab import DataValidationError


@pytest.fixture(scope="module")
def survey():
    return cxlab.sample.responses(4000, seed=7)


def test_whole_table_matches_pandas(survey):
    table = cxlab.scores(survey, metrics=["nps", "csat", "csat_mean", "ces", "response_rate"])
    row = table.set_index("metric")
    nps = survey["nps"].dropna().astype(int)
    assert row.loc["nps", "n"] == len(nps)
    assert row.loc["nps", "value"] == pytest.approx(100 * ((nps >= 9).mean() - (nps <= 6).mean()), rel=1e-12)
    assert row.loc["nps", "n_missing"] == survey["nps"].isna().sum()
    csat = survey["csat"].dropna().astype(int)
    lo, hi = smp.proportion_confint((csat >= 4).sum(), len(csat), method="wilson")
    assert row.loc["csat", "value"] == pytest.approx(100 * (csat >= 4).mean(), rel=1e-12)
    assert (row.loc["csat", "ci_low"], row.loc["csat", "ci_high"]) == pytest.approx((100 * lo, 100 * hi), rel=1e-9)
    ci = stats.ttest_1samp(csat, 0).confidence_interval()
    assert row.loc["csat_mean", "value"] == pytest.approx(csat.mean(), rel=1e-12)
    assert (row.loc["csat_mean", "ci_low"], row.loc["csat_mean", "ci_high"]) == pytest.approx((ci.low, ci.high), rel=1e-9)
    assert row.loc["response_rate", "value"] == pytest.approx(100 * survey["responded"].mean(), rel=1e-12)


def test_by_two_columns_matches_groupby(survey):
    table = cxlab.scores(survey, metrics=["nps"], by=["channel", "journey_stage"])
    expected = (survey.dropna(subset=["nps"]).groupby(["channel", "journey_stage"], observed=True)["nps"]
                .agg(lambda s: 100 * ((s >= 9).mean() - (s <= 6).mean())))
    got = table.set_index(["channel", "journey_stage"])["value"]
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index().astype(float), check_names=False,
                                   rtol=1e-12)
    assert set(table.columns) >= {"n", "value", "ci_low", "ci_high", "se", "method", "n_missing"}


def test_row_order_and_labels_do_not_matter(survey):
    shuffled = survey.sample(frac=1, random_state=1)
    a = cxlab.scores(survey, metrics=["nps", "ces"], by="region")
    b = cxlab.scores(shuffled, metrics=["nps", "ces"], by="region")
    pd.testing.assert_frame_equal(a, b, rtol=1e-12)


def test_missing_group_value_is_kept_as_its_own_group(survey):
    df = survey.copy()
    df["region"] = df["region"].astype(object)
    df.loc[df.index[:50], "region"] = None
    table = cxlab.scores(df, metrics=["response_rate"], by="region")
    assert table["n"].sum() == len(df)  # no row dropped
    assert (table["region"] == cxlab.data.BLANK).sum() == 1  # one group, labelled "(blank)"
    assert table["region"].isna().sum() == 0


def test_durations_match_numpy_and_exclusions_travel():
    tickets = cxlab.load_tickets(cxlab.sample.tickets(3000, seed=2))
    table = cxlab.scores(tickets, metrics=["first_response_median", "resolution_p90", "suggestion_adoption"])
    row = table.set_index("metric")
    assert row.loc["first_response_median", "value"] == pytest.approx(tickets["first_response_min"].median())
    assert row.loc["resolution_p90", "value"] == pytest.approx(np.quantile(tickets["resolution_hours"], 0.9))
    assert row.loc["suggestion_adoption", "n_missing"] == tickets["suggestion_adopted"].isna().sum()
    assert table.attrs["cxlab_exclusions"]["rows"] == len(tickets)


def test_interval_contains_estimate_and_stays_on_scale(survey):
    table = cxlab.scores(survey, metrics=["nps", "csat", "ces", "ces_low_effort"], by="agent_id")
    ok = table.dropna(subset=["ci_low"])
    assert (ok.ci_low <= ok.value + 1e-9).all() and (ok.value <= ok.ci_high + 1e-9).all()
    nps = table[table.metric == "nps"]
    assert nps.ci_low.min() >= -100 and nps.ci_high.max() <= 100
    ces = table[table.metric == "ces"]
    assert ces.ci_low.min() >= 1 and ces.ci_high.max() <= 7


def test_parquet_is_pushed_down_to_duckdb_with_identical_results(survey, tmp_path):
    path = tmp_path / "responses.parquet"
    survey.to_parquet(path)
    a = cxlab.scores(survey, metrics=["nps", "csat", "ces"], by="channel")
    b = cxlab.scores(path, metrics=["nps", "csat", "ces"], by="channel")
    key = ["channel", "metric"]
    a = a.assign(channel=a.channel.astype(str)).sort_values(key).reset_index(drop=True)
    b = b.assign(channel=b.channel.astype(str)).sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, rtol=1e-9, check_dtype=False)


def test_configured_scale_is_used(survey):
    df = pd.DataFrame({"csat": pd.array([7, 6, 1, 4, 7], dtype="Int8")})
    seven = cxlab.metrics.METRICS["csat"].replace(scale=(1, 7), good=(6, 7))
    assert cxlab.scores(df, metrics=[seven])["value"].iloc[0] == pytest.approx(60.0)
    assert cxlab.csat(df, scale=(1, 7), good=(6, 7))["value"].iloc[0] == pytest.approx(60.0)
    with pytest.raises(DataValidationError, match="outside 1-5"):
        cxlab.scores(df, metrics=["csat"])


def test_wrappers_agree_with_scores(survey):
    a = cxlab.nps(survey, by="channel")["value"].to_numpy()
    b = cxlab.scores(survey, metrics=["nps"], by="channel")["value"].to_numpy()
    np.testing.assert_array_equal(a, b)


def test_small_groups_get_nan_not_errors():
    df = pd.DataFrame({"g": ["a", "b", "b"], "ces": pd.array([3, 4, pd.NA], dtype="Int8")})
    table = cxlab.scores(df, metrics=["ces"], by="g").set_index("g")
    assert math.isnan(table.loc["a", "ci_low"])  # one answer: no t interval
    assert table.loc["b", "n"] == 1 and table.loc["b", "n_missing"] == 1


def test_bad_arguments():
    df = pd.DataFrame({"nps": [1]})
    with pytest.raises(ValueError, match="Unknown metric 'nsp' \\(did you mean 'nps'\\?\\)"):
        cxlab.scores(df, metrics=["nsp"])
    with pytest.raises(DataValidationError, match="no column 'channel'"):
        cxlab.scores(df, metrics=["nps"], by="channel")
    with pytest.raises(ValueError, match="`metrics` is empty"):
        cxlab.scores(df, metrics=[])


def test_segment_scores_equal_separate_scores_calls(survey):
    table = cxlab.segment_scores(survey, by=["channel", "region", ["channel", "customer_type"]],
                                 metrics=["nps", "csat", "ces"])
    for segment, by in [("channel", "channel"), ("region", "region")]:
        part = table[table.segment == segment].reset_index(drop=True)
        single = cxlab.scores(survey, metrics=["nps", "csat", "ces"], by=by)
        np.testing.assert_allclose(part["value"], single["value"], rtol=1e-12)
        np.testing.assert_array_equal(part["n"], single["n"])
        assert part["level"].tolist() == single[by].astype(str).tolist()
    cross = table[table.segment == "channel × customer_type"]
    single = cxlab.scores(survey, metrics=["nps", "csat", "ces"], by=["channel", "customer_type"])
    np.testing.assert_allclose(cross["ci_low"].to_numpy(), single["ci_low"].to_numpy(), rtol=1e-12)
    shares = table[(table.segment == "region") & (table.metric == "nps")]["share"]
    assert shares.sum() == pytest.approx(100.0)
    with pytest.raises(ValueError, match="Quantile metrics"):
        cxlab.segment_scores(survey, by=["channel"], metrics=["first_response_median"])


def test_scores_of_a_file_carry_its_exclusion_report(tmp_path):
    # the rows left out travel with the statistics, from a loaded CSV as from a loaded frame
    survey = cxlab.sample.responses(300, seed=3, locale="en")
    path = tmp_path / "responses.csv"
    survey.to_csv(path, index=False)
    from_file = cxlab.scores(path, metrics=["nps"])
    from_frame = cxlab.scores(cxlab.load_responses(path), metrics=["nps"])
    assert "cxlab_exclusions" in from_file.attrs
    assert from_file.attrs["cxlab_exclusions"] == from_frame.attrs["cxlab_exclusions"]
