"""The experiment readout for reading: the level asked for reaches the sentence and the table.

``analyze(..., confidence=0.9)`` computes 90 % intervals; the verdict sentence, the effects
table's header and the smallest detectable effect must all use that level, not the default.
"""

import math

import numpy as np
import pytest
from scipy import stats

import cxlab
from cxlab.experiments import analyze, srm_check
from cxlab.i18n import metric_name
from cxlab.readout import decision, detectable_effects, format_readout


@pytest.fixture(scope="module")
def trial():
    return cxlab.sample.experiment(20_000, seed=5)


@pytest.fixture(scope="module", params=[0.9, 0.95])
def readout(request, trial):
    return analyze(trial, variant="variant", control="A", metrics=["nps", "csat", "ces"], confidence=request.param)


def _arm_counts(trial, arm):
    v = trial.loc[trial.variant == arm, "nps"].dropna().astype(int)
    return int((v >= 9).sum()), int(v.between(7, 8).sum()), int((v <= 6).sum())


def test_decision_states_each_effect_at_the_readouts_level(readout):
    c = readout["confidence"].iloc[0]
    level, other = f"{c:.0%}", "95%" if c == 0.9 else "90%"
    text = decision(readout)
    assert f"{level} CI" in text and f"{other} CI" not in text
    r = readout.set_index(["variant", "metric"])
    # B moves all three (the planted effect), with the metric's unit from the registry
    for metric, unit in (("nps", " points"), ("csat", "%"), ("ces", "")):
        b = r.loc[("B", metric)]
        assert b["significant"]
        name = metric_name(metric, "en")  # the metric's name for people, not its code
        assert (f"{name} {b['diff']:+.2f}{unit} ({level} CI {b['ci_low']:+.2f} to {b['ci_high']:+.2f})"
                in text)
    assert text.startswith("Variant B changes NPS ")
    assert "Variant C shows no difference that survives the multiple-testing correction." in text
    assert text.endswith("The sample-ratio check passed.")


def test_decision_in_chinese(readout):
    c = readout["confidence"].iloc[0]
    text = decision(readout, locale="zh")
    b = readout.set_index(["variant", "metric"]).loc[("B", "nps")]
    assert text.startswith("方案 B 的变化：净推荐值 NPS ")
    assert f"净推荐值 NPS {b['diff']:+.2f} 分（{c:.0%} 置信区间 {b['ci_low']:+.2f} 至 {b['ci_high']:+.2f}）" in text
    assert "方案 C 没有经多重检验校正后仍成立的差异。" in text and text.endswith("样本比例检验通过。")
    assert not any(ch.isascii() and ch.isalpha() and ch not in "BCNPSCSATE" for ch in text.replace("CI", ""))
    shown = format_readout(readout, locale="zh")
    assert list(shown.columns)[:3] == ["实验组", "指标", "样本量（对照 / 实验）"]
    assert set(shown["显著"]) <= {"是", "否", "样本太少"} and "净推荐值 NPS" in set(shown["指标"])


def test_decision_refuses_when_the_split_is_broken(readout):
    broken = srm_check([821_588, 815_482])
    assert decision(readout, srm=broken) == f"Do not decide yet: {broken.verdict}"
    unchecked = readout.copy()
    unchecked.attrs = {}
    assert "sample-ratio" not in decision(unchecked)


def test_level_falls_back_to_attrs_then_the_default(readout):
    c = readout["confidence"].iloc[0]
    bare = readout.drop(columns="confidence")
    assert f"difference ({c:.0%} CI)" in format_readout(bare).columns  # attrs["confidence"]
    bare.attrs = {}
    assert "difference (95% CI)" in format_readout(bare).columns
    assert "95% CI" in decision(bare)


def test_format_readout_header_and_cells(readout):
    c = readout["confidence"].iloc[0]
    shown = format_readout(readout)
    assert list(shown.columns) == ["variant", "metric", "n", "control", "treatment", f"difference ({c:.0%} CI)",
                                   "p (adjusted)", "significant"]  # no mde column before detectable_effects
    row, raw = shown.iloc[0], readout.iloc[0]
    assert row["n"] == f"{raw['n_control']:,} / {raw['n_treatment']:,}"
    assert row["control"] == f"{raw['value_control']:.2f}"
    assert row[f"difference ({c:.0%} CI)"] == f"{raw['diff']:+.2f} ({raw['ci_low']:+.2f} to {raw['ci_high']:+.2f})"
    expected_p = ["< 0.001" if p < 0.001 else f"{p:.3f}" for p in readout["p_adjusted"]]
    assert shown["p (adjusted)"].tolist() == expected_p
    assert shown["significant"].tolist() == ["yes" if s else "no" for s in readout["significant"]]
    three = format_readout(readout, digits=3).iloc[0]
    assert three["treatment"] == f"{raw['value_treatment']:.3f}"
    blank = readout.copy()
    blank.loc[0, ["diff", "ci_low", "ci_high", "p_adjusted"]] = np.nan
    assert format_readout(blank).iloc[0][f"difference ({c:.0%} CI)"] == " ( to )"
    assert format_readout(blank).iloc[0]["p (adjusted)"] == ""


def test_detectable_effect_of_nps_by_hand(trial, readout):
    # The NPS interval is centre +/- z_c se with the adjusted-Wald se of the difference (Rocks 2016:
    # 0.75 / 1.5 / 0.75 pseudo-counts; per arm var = (p + d - (p - d)^2) / n). The smallest
    # detectable difference at alpha = 0.05 and power 0.8 is (z_0.975 + z_0.8) se, whatever the
    # level the interval was drawn at.
    mde = detectable_effects(readout).set_index(["variant", "metric"])["mde"]
    control = _arm_counts(trial, "A")
    for arm in ("B", "C"):
        var = 0.0
        for pro, pas, det in (control, _arm_counts(trial, arm)):
            n = pro + pas + det + 3
            p, d = (pro + 0.75) / n, (det + 0.75) / n
            var += (p + d - (p - d) ** 2) / n
        want = 100 * (stats.norm.ppf(0.975) + stats.norm.ppf(0.8)) * math.sqrt(var)
        assert mde[(arm, "nps")] == pytest.approx(want, rel=1e-9)
    # another alpha and power: (z_0.95 + z_0.9) se
    other = detectable_effects(readout, alpha=0.1, power=0.9).set_index(["variant", "metric"])["mde"]
    ratio = (stats.norm.ppf(0.95) + stats.norm.ppf(0.9)) / (stats.norm.ppf(0.975) + stats.norm.ppf(0.8))
    np.testing.assert_allclose(other.to_numpy(), mde.to_numpy() * ratio, rtol=1e-12)


def test_detectable_effect_of_a_mean_by_welch(trial, readout):
    # Welch's interval is diff +/- t(df) se, se = sqrt(s_c^2 / n_c + s_t^2 / n_t); read back with
    # the normal quantile, the se differs by t / z - 1 < 1e-3 at these arm sizes (df ~ 1500).
    mde = detectable_effects(readout).set_index(["variant", "metric"])["mde"]
    a = trial.loc[trial.variant == "A", "ces"].dropna().astype(float)
    for arm in ("B", "C"):
        t = trial.loc[trial.variant == arm, "ces"].dropna().astype(float)
        se = math.sqrt(a.var(ddof=1) / len(a) + t.var(ddof=1) / len(t))
        want = (stats.norm.ppf(0.975) + stats.norm.ppf(0.8)) * se
        assert mde[(arm, "ces")] == pytest.approx(want, rel=1e-3)


def test_detectable_effects_do_not_depend_on_the_interval_level(trial):
    kw = dict(variant="variant", control="A", metrics=["nps", "csat", "ces"])
    plain90 = analyze(trial, confidence=0.9, **kw)
    at90 = detectable_effects(plain90)
    at95 = detectable_effects(analyze(trial, confidence=0.95, **kw))
    nps = at90["metric"] == "nps"  # symmetric interval: the se read back is exact
    np.testing.assert_allclose(at90.loc[nps, "mde"], at95.loc[nps, "mde"], rtol=1e-9)
    np.testing.assert_allclose(at90["mde"], at95["mde"], rtol=0.02)  # Newcombe and t: nearly symmetric
    assert "smallest detectable" in format_readout(at90).columns
    assert "mde" not in plain90.columns  # a copy: the readout passed in is untouched
