"""No report function crashes on valid data, and none gives a verdict it cannot back.

Random valid tables (hypothesis): tiny groups, unanimous answers, 0 % and 100 % rates, one
period, one segment level, one arm, blanks. Every function a report notebook calls runs on
them; a clear cxlab error is allowed only where the function documents it (a league table
needs three units). Each table that comes back keeps its promises: intervals hold their
estimates, no p-value of exactly 0 from a group without variation, and nothing is called
significant below the minimum number of answers.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cxlab import DataValidationError, alerts, experiments, plots, segments, trends  # noqa: E402
from cxlab.metrics import scores, segment_scores  # noqa: E402
from cxlab.readout import decision, format_readout  # noqa: E402
from cxlab.stats.kinds import DEFAULT_MIN_N  # noqa: E402

CHANNELS = ["APP", "门店", "电话客服"]
STAGES = ["预约", "现场服务", "审核"]


@st.composite
def surveys(draw):
    n = draw(st.integers(1, 60))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    levels = draw(st.integers(1, 3))
    weeks = draw(st.integers(1, 3))
    unanimous = draw(st.booleans())

    def scores_on(low, high):
        if unanimous:
            return np.full(n, draw(st.integers(low, high)), dtype=float)
        return rng.integers(low, high + 1, n).astype(float)

    frame = pd.DataFrame({
        "response_id": np.arange(n),
        "channel": pd.Categorical(rng.choice(CHANNELS[:levels], n), categories=CHANNELS[:levels]),
        "journey_stage": pd.Categorical(rng.choice(STAGES[:levels], n), categories=STAGES[:levels]),
        "agent_id": pd.Categorical(rng.choice([f"A{i:03d}" for i in range(levels + 2)], n)),
        "variant": pd.Categorical(rng.choice(["A", "B"][: draw(st.integers(1, 2))], n)),
        "submitted_at": pd.Timestamp("2026-03-30") + pd.to_timedelta(rng.integers(0, 7 * weeks, n), unit="D"),
        "nps": pd.array(scores_on(0, 10), dtype="Float64").astype("Int8"),
        "csat": pd.array(scores_on(1, 5), dtype="Float64").astype("Int8"),
        "ces": pd.array(scores_on(1, 7), dtype="Float64").astype("Int8"),
        "responded": pd.array(np.full(n, True) if draw(st.booleans()) else rng.random(n) < 0.5, dtype="boolean"),
        "comment": "服务很好",
    })
    blanks = draw(st.sampled_from([0.0, 0.0, 0.2]))
    for col in ("nps", "csat", "ces"):
        frame.loc[rng.random(n) < blanks, col] = pd.NA
    return frame


def _check_estimates(table: pd.DataFrame) -> None:
    known = table.dropna(subset=["value", "ci_low", "ci_high"])
    assert (known["ci_low"] <= known["value"] + 1e-9).all() and (known["value"] <= known["ci_high"] + 1e-9).all()


def _check_verdicts(table: pd.DataFrame, n_cols: tuple[str, str]) -> None:
    few = (table[n_cols[0]] < DEFAULT_MIN_N) | (table[n_cols[1]] < DEFAULT_MIN_N)
    assert not table.loc[few, "significant"].any()
    assert not (table["p_value"] == 0).any()
    judged = table.dropna(subset=["p_value", "ci_low", "ci_high"])
    if "p_adjusted" in judged:
        raw = judged["p_value"] < 1 - judged.get("confidence", 0.95)
        excludes = (judged["ci_low"] > 0) | (judged["ci_high"] < 0)
        assert (raw == excludes).all(), judged[raw != excludes]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(surveys())
def test_every_report_function_holds_on_valid_data(survey):
    metrics = ["nps", "csat", "ces", "response_rate"]
    table = scores(survey, metrics=metrics, by="channel")
    _check_estimates(table)
    seg = segment_scores(survey, by=["channel", ["channel", "journey_stage"]], metrics=metrics)
    _check_estimates(seg)
    br = segments.breakdown(survey, by=["channel"], metrics=["nps", "csat", "ces"])
    assert not br.loc[br["small"], "differs"].any() and br.loc[br["small"], "rank"].isna().all()
    tr = trends.trend(survey, metrics=metrics, period="week")
    _check_estimates(tr)
    ch = trends.period_changes(survey, metrics=["nps", "csat", "ces"], period="week", by="channel")
    _check_verdicts(ch, ("n", "previous_n"))
    segments.composite(survey, metric="csat", by="journey_stage",
                       weights={s: 1.0 for s in survey["journey_stage"].cat.categories})
    segments.heatmap_table(survey, x="channel", y="journey_stage", metric="csat")
    segments.response_check(survey, by="channel")
    segments.follow_up(survey, metric="csat")
    alerts.current(alerts.check(survey, metric="csat", by="channel"))
    try:
        lt = segments.league_table(survey, unit="agent_id", metric="csat")
    except DataValidationError as err:  # documented: a league table needs at least 3 units with answers
        assert "at least 3" in str(err)
    else:
        assert lt.loc[lt["small"], "rank"].isna().all()
    if survey["variant"].nunique() == 2:
        readout = experiments.analyze(survey, variant="variant", control="A", metrics=["nps", "csat", "ces"])
        _check_verdicts(readout, ("n_control", "n_treatment"))
        assert isinstance(decision(readout), str)
        format_readout(readout)
        plt.close(plots.plot_forest(readout))
    for metric in ("response_rate", "nps"):
        ax = plots.plot_estimates(table, metric=metric, y="channel")
        plt.close(ax.figure)
        ax = plots.plot_trend(tr, metric=metric)
        plt.close(ax.figure)


def test_a_survey_of_respondents_only_plots_its_response_rate():
    # every row answered: the response rate is 100 % and its interval must end there, not at
    # 100 - 1e-14 (which once made matplotlib reject a negative error bar)
    n = 287
    survey = pd.DataFrame({"channel": pd.Categorical(["APP"] * n), "responded": pd.array([True] * n, dtype="boolean")})
    table = scores(survey, metrics=["response_rate"], by="channel")
    assert table["value"].iloc[0] == 100 and table["ci_high"].iloc[0] == 100
    plt.close(plots.plot_estimates(table, metric="response_rate", y="channel").figure)


@pytest.mark.parametrize("answers", [(10,), (10, 10, 10), (0,), (9, 10)])
def test_a_single_group_interval_holds_its_estimate(answers):
    from cxlab.metrics import nps_from_counts

    pro = sum(a >= 9 for a in answers)
    det = sum(a <= 6 for a in answers)
    est = nps_from_counts(pro, len(answers) - pro - det, det)
    assert est.ci_low <= est.value <= est.ci_high
