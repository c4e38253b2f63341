"""The sample generator: deterministic, linked, and every planted effect is really there."""

import re

import numpy as np
import pandas as pd
import pytest

import cxlab
from cxlab.data.sample import LABELS, PLANTED, planted
from cxlab.data.sample_comments import bank_card_number, id_card_number


def _scores(frame, metric, by):
    return cxlab.scores(frame, metrics=[metric], by=by).set_index(by)


def test_same_seed_same_data_and_sizes():
    a = cxlab.sample.dataset(1000, seed=4)
    b = cxlab.sample.dataset(1000, seed=4)
    for name, frame in a.tables().items():
        pd.testing.assert_frame_equal(frame, b.tables()[name])
    assert len(a.responses) == 1000
    assert not a.responses.equals(cxlab.sample.responses(1000, seed=5))


def test_tables_are_linked_and_valid(sample_data):
    ids = set(sample_data.customers["customer_id"])
    assert set(sample_data.responses["customer_id"]) <= ids
    assert set(sample_data.tickets["customer_id"]) <= ids
    merged = sample_data.responses.merge(sample_data.customers, on="customer_id", suffixes=("", "_c"))
    assert (merged["customer_type"] == merged["customer_type_c"]).all()
    for loader, frame in [(cxlab.load_responses, sample_data.responses), (cxlab.load_tickets, sample_data.tickets),
                          (cxlab.load_customers, sample_data.customers),
                          (cxlab.load_assignments, sample_data.experiment)]:
        loader(frame)  # validates without error


def test_labels_in_both_locales(sample_en):
    assert list(sample_en.responses["channel"].cat.categories) == LABELS["en"]["channel"]
    zh = cxlab.sample.responses(500, seed=0)
    assert list(zh["journey_stage"].cat.categories) == ["预约", "现场服务", "审核", "激活"]
    assert planted("en")["weakest_stage"]["journey_stage"] == "review"
    with pytest.raises(ValueError, match="`locale` must be one of 'zh', 'en'"):
        cxlab.sample.responses(10, locale="fr")


def test_weakest_stage_is_found(sample_data):
    weakest = LABELS["zh"]["journey_stage"][PLANTED["weakest_stage"]["journey_stage"]]
    for metric in ("nps", "csat"):
        t = _scores(sample_data.responses, metric, "journey_stage")
        others = t.drop(index=weakest)
        assert t.loc[weakest, "ci_high"] < others["ci_low"].min()
    ces = _scores(sample_data.responses, "ces", "journey_stage")  # effort: higher is worse
    assert ces.loc[weakest, "ci_low"] > ces.drop(index=weakest)["ci_high"].max()


def test_older_customers_struggle_with_the_app(sample_data):
    r = sample_data.responses
    t = cxlab.scores(r, metrics=["csat", "ces"], by=["age_band", "channel"]).set_index(["age_band", "channel", "metric"])
    old_app = t.loc[("60+", "APP", "csat")]
    old_store = t.loc[("60+", "门店", "csat")]
    young_app = t.loc[("18-29", "APP", "csat")]
    assert old_app.ci_high < min(old_store.ci_low, young_app.ci_low)
    assert t.loc[("60+", "APP", "ces"), "value"] > t.loc[("60+", "门店", "ces"), "value"] + 0.5


def test_evening_slot_has_lower_fcr(sample_data):
    t = _scores(sample_data.tickets, "fcr", "time_slot")
    assert t.loc["20-22", "ci_high"] < t.drop(index="20-22")["ci_low"].min()


def test_touchpoint_drop_in_the_last_weeks(sample_data):
    r = sample_data.responses.copy()
    week = (r["submitted_at"] - cxlab.sample.PERIOD_START).dt.days // 7
    r["late"] = np.where(week >= PLANTED["touchpoint_drop"]["from_week"], "late", "early")
    t = cxlab.scores(r, metrics=["csat"], by=["channel", "late"]).set_index(["channel", "late"])
    drop = t.loc[("公众号", "early"), "value"] - t.loc[("公众号", "late"), "value"]
    assert drop > 10  # percentage points
    assert t.loc[("公众号", "late"), "ci_high"] < t.loc[("公众号", "early"), "ci_low"]
    from cxlab.experiments import compare_proportions

    for other in ("APP", "门店", "电话客服"):  # no planted drop elsewhere: no strong evidence of one
        early = r[(r.channel == other) & (r.late == "early")]["csat"].dropna()
        late = r[(r.channel == other) & (r.late == "late")]["csat"].dropna()
        p = compare_proportions(int((early >= 4).sum()), len(early), int((late >= 4).sum()), len(late)).p_value
        assert p > 0.001, (other, p)


def test_variant_b_helps_and_c_does_not(sample_data):
    t = _scores(sample_data.experiment, "csat", "variant")
    assert t.loc["B", "ci_low"] > t.loc["A", "ci_high"]
    assert abs(t.loc["C", "value"] - t.loc["A", "value"]) < t.loc["A", "ci_high"] - t.loc["A", "ci_low"]
    counts = sample_data.experiment["variant"].value_counts()
    assert counts.min() / counts.max() > 0.9  # balanced assignment


def test_rollout_lifts_fcr_in_treated_regions(sample_data):
    t = sample_data.tickets
    treated = t["region"].isin([LABELS["zh"]["region"][i] for i in PLANTED["rollout"]["regions"]])
    post = t["created_at"] >= pd.Timestamp(PLANTED["rollout"]["date"])
    means = t.groupby([treated, post])["fcr"].mean()
    did = (means[(True, True)] - means[(True, False)]) - (means[(False, True)] - means[(False, False)])
    assert did == pytest.approx(PLANTED["rollout"]["fcr_lift"], abs=0.03)


def test_tiny_agent_and_personal_data_are_planted(sample_data):
    r = sample_data.responses
    tiny = r[r["agent_id"] == PLANTED["tiny_agent"]["agent_id"]]
    assert len(tiny) == 3 and (tiny["csat"] == 5).all()
    comments = r["comment"].dropna()
    assert comments.str.contains(r"1[358]\d{9}").any()
    assert comments.str.contains("@example.com").any()
    ids = comments.str.extract(r"(\d{17}[\dX])")[0].dropna()
    assert len(ids) > 0
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    for number in ids.head(20):  # GB 11643-1999 check digit
        assert "10X98765432"[sum(int(d) * w for d, w in zip(number[:17], weights)) % 11] == number[17]
    assert comments.str.contains("[\u4e00-\u9fff]").mean() > 0.7  # mostly Chinese in zh
    assert comments.str.contains("^[A-Za-z]").any()  # some English too


def test_large_sizes_are_fast_enough_to_generate():
    r = cxlab.sample.responses(200_000, seed=1, comments=False)
    assert len(r) == 200_000 and r["nps"].dtype == "Int8"


def test_write_parquet_and_csv(tmp_path):
    paths = cxlab.sample.write(tmp_path / "pq", 1000, seed=1)
    assert {p.name for p in paths.values()} == {"responses.parquet", "tickets.parquet", "customers.parquet",
                                                 "experiment.parquet", "planted.json"}
    paths = cxlab.sample.write(tmp_path / "csv", 1000, seed=1, fmt="csv")
    assert paths["responses"].read_bytes()[:3] == b"\xef\xbb\xbf"  # BOM: Excel reads UTF-8
    loaded = cxlab.data.load_folder(tmp_path / "csv")
    assert set(loaded) == {"responses", "tickets", "customers", "experiment"}
    assert re.search("审核", (tmp_path / "csv" / "planted.json").read_text(encoding="utf-8"))


def _gb11643_check_digit(body):  # the standard's weights, written out as a reference
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]


def _luhn_check_digit(body):
    total = 0
    for i, d in enumerate(int(c) for c in reversed(body)):  # from the right, before the check digit
        d = d * 2 if i % 2 == 0 else d
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def test_id_and_bank_card_numbers_have_valid_check_digits():
    from stdnum import luhn
    from stdnum.cn import ric

    rng = np.random.default_rng(11)
    for _ in range(500):
        number = id_card_number(rng)
        assert ric.calc_check_digit(number) == number[17] == _gb11643_check_digit(number[:17])
        assert ric.get_birth_date(number).year in range(1950, 2005)
        card = bank_card_number(rng)
        assert len(card) == 16 and card.startswith("6222")
        assert luhn.is_valid(card) and card[15] == _luhn_check_digit(card[:15])


def test_sizes_arguments_and_planted_labels():
    data = cxlab.sample.dataset(600, seed=2, locale="en")
    assert list(data.tables()) == ["customers", "responses", "tickets", "experiment"]
    assert (len(data.customers), len(data.tickets), len(data.experiment)) == (200, 500, 300)
    with pytest.raises(ValueError, match="`n` must be a positive whole number; got 0"):
        cxlab.sample.customers(0)
    with pytest.raises(ValueError, match="`fmt` must be one of 'parquet', 'csv'; got 'xlsx'"):
        cxlab.sample.write("unused", 100, fmt="xlsx")
    zh = planted("zh")
    assert zh["rollout"]["regions"] == ["华东", "华南"]
    assert zh["tiny_agent"]["agent_id"] == "A099"
    assert PLANTED["rollout"]["regions"] == [0, 1]  # the module's table is left as it was
