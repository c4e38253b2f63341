"""Seeded synthetic CX data with known, planted effects.

The tables are linked by ``customer_id`` and share one 26-week period:

* :func:`customers` - one row per customer: type, age band, region, lifecycle, value tier,
  repurchase, churn, lifetime value;
* :func:`responses` - one row per survey invitation: channel, journey stage, agent, time
  slot, whether the customer answered, NPS (0-10), CSAT (1-5), CES (1-7, effort: lower is
  better) and an optional comment (Chinese or English, some with personal data);
* :func:`tickets` - one row per service ticket: first response and resolution times,
  first-contact resolution, complaint and suggestion flags; one rollout of a new process
  to some regions part-way through;
* :func:`experiment` - one row per user of an A/B/C test of an onboarding guide.

:data:`PLANTED` lists what a correct analysis must find (the weakest journey stage, the
age group that struggles with the APP, the evening slot with lower FCR, the touchpoint whose
CSAT drops in the last weeks, the variant that helps, the rollout that lifts FCR, an agent
with three perfect answers who must not top a league table). Labels are Chinese by default
(``locale="zh"``) and English with ``locale="en"``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .sample_comments import draw_comments

__all__ = ["PLANTED", "LABELS", "SampleData", "dataset", "customers", "responses", "tickets",
           "experiment", "write", "planted", "PERIOD_START", "WEEKS"]

PERIOD_START = pd.Timestamp("2026-03-30")  # a Monday
WEEKS = 26
_SECONDS = WEEKS * 7 * 24 * 3600

LABELS: dict[str, dict[str, list[str]]] = {
    "zh": {
        "customer_type": ["企业客户", "年轻个人", "中老年客户"],
        "age_band": ["18-29", "30-44", "45-59", "60+"],
        "region": ["华东", "华南", "华北", "西南", "西北", "东北"],
        "lifecycle": ["新客", "活跃", "流失风险"],
        "value_tier": ["高价值", "中价值", "低价值"],
        "channel": ["APP", "门店", "电话客服", "公众号"],
        "journey_stage": ["预约", "现场服务", "审核", "激活"],
        "time_slot": ["08-12", "12-16", "16-20", "20-22"],
        "ticket_type": ["咨询", "投诉", "建议", "故障"],
        "team": ["一组", "二组", "三组", "四组", "五组", "六组"],
        "experiment": ["新手引导改版"],
    },
    "en": {
        "customer_type": ["enterprise", "young individual", "middle-aged & elderly"],
        "age_band": ["18-29", "30-44", "45-59", "60+"],
        "region": ["East", "South", "North", "Southwest", "Northwest", "Northeast"],
        "lifecycle": ["new", "active", "churn risk"],
        "value_tier": ["high value", "mid value", "low value"],
        "channel": ["APP", "store", "phone support", "WeChat account"],
        "journey_stage": ["booking", "on-site service", "review", "activation"],
        "time_slot": ["08-12", "12-16", "16-20", "20-22"],
        "ticket_type": ["inquiry", "complaint", "suggestion", "fault"],
        "team": ["team 1", "team 2", "team 3", "team 4", "team 5", "team 6"],
        "experiment": ["onboarding guide redesign"],
    },
}

#: What the generator plants, by index into :data:`LABELS` (so it holds in both locales).
PLANTED = {
    "weakest_stage": {"journey_stage": 2, "latent_shift": -0.55,
                      "note": "审核 / review scores lowest on NPS, CSAT and CES"},
    "app_age_group": {"age_band": 3, "channel": 0, "latent_shift": -0.9, "extra_effort": 1.0,
                      "note": "60+ customers on the APP: lower CSAT/NPS, higher effort"},
    "evening_fcr": {"time_slot": 3, "fcr": 0.62, "other_fcr": 0.80,
                    "note": "20-22 slot resolves fewer tickets on first contact"},
    "touchpoint_drop": {"channel": 3, "from_week": 23, "latent_shift": -1.2,
                        "note": "公众号 / WeChat account CSAT drops in the last 3 weeks"},
    "experiment": {"control": "A", "variants": ["A", "B", "C"], "helps": "B",
                   "latent_shift": {"A": 0.0, "B": 0.3, "C": 0.0}, "fcr_lift": {"B": 0.05},
                   "note": "variant B raises CSAT, NPS and FCR; C does nothing"},
    "rollout": {"regions": [0, 1], "date": "2026-07-06", "fcr_lift": 0.10,
                "note": "new process in 华东 and 华南 / East and South lifts FCR by 10 points"},
    "drivers": {"strongest": "first_response_min", "order": ["first_response_min", "contacts", "reopened",
                                                                "agent_tenure_months"],
                "note": "slow first responses, repeat contacts and reopened tickets lower satisfaction; "
                        "agent tenure helps a little"},
    "tiny_agent": {"agent_id": "A099", "responses": 3,
                   "note": "three perfect answers; must not top a league table"},
    # issue 16: the three registered changes of params/changes.yaml and the status each must reach
    "changes": {"onboarding_b": "verified", "onboarding_c": "no_effect", "claims_rollout": "verified",
                "note": "guide B works (the experiment's B arm), guide C does nothing (its C arm), the claims "
                        "process rolled out to 华东 and 华南 / East and South works (the rollout)"},
}

def _categorical(codes: np.ndarray, labels: list[str]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes.astype(np.int8), categories=labels)


def _nullable_int8(values: np.ndarray, missing: np.ndarray) -> pd.arrays.IntegerArray:
    return pd.arrays.IntegerArray(values.astype(np.int8), missing.copy())


def _check_args(n: int, seed: int, locale: str) -> None:
    if locale not in LABELS:
        raise ValueError(f"`locale` must be one of 'zh', 'en'; got {locale!r}.")
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"`n` must be a positive whole number; got {n!r}.")


@dataclass
class SampleData:
    """The linked sample tables."""

    customers: pd.DataFrame
    responses: pd.DataFrame
    tickets: pd.DataFrame
    experiment: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"customers": self.customers, "responses": self.responses,
                "tickets": self.tickets, "experiment": self.experiment}


def _streams(seed: int) -> list[np.random.Generator]:
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4)]


def _n_customers(n: int) -> int:
    return max(200, n // 3)


def customers(n: int = 20_000, *, seed: int = 0, locale: str = "zh") -> pd.DataFrame:
    """Customers behind ``n`` survey invitations (about ``n / 3`` of them, at least 200)."""
    _check_args(n, seed, locale)
    rng = _streams(seed)[0]
    lab = LABELS[locale]
    m = _n_customers(n)
    ctype = rng.choice(3, size=m, p=[0.2, 0.45, 0.35])
    age_p = np.array([[0.10, 0.50, 0.35, 0.05],   # enterprise contacts
                      [0.60, 0.40, 0.00, 0.00],   # young individuals
                      [0.00, 0.00, 0.55, 0.45]])  # middle-aged and elderly
    age = (rng.random(m)[:, None] > np.cumsum(age_p[ctype], axis=1)).sum(axis=1)
    region = rng.choice(6, size=m, p=[0.25, 0.2, 0.2, 0.15, 0.1, 0.1])
    lifecycle = rng.choice(3, size=m, p=[0.25, 0.6, 0.15])
    tier = rng.choice(3, size=m, p=[0.15, 0.45, 0.4])
    churn_p = np.array([0.10, 0.06, 0.35])[lifecycle]
    clv = rng.lognormal(mean=np.array([9.2, 8.0, 6.8])[tier], sigma=0.6)
    signup = PERIOD_START - pd.to_timedelta(rng.integers(0, 3 * 365, m), unit="D")
    return pd.DataFrame({
        "customer_id": np.arange(1, m + 1, dtype=np.int64),
        "customer_type": _categorical(ctype, lab["customer_type"]),
        "age_band": _categorical(age, lab["age_band"]),
        "region": _categorical(region, lab["region"]),
        "lifecycle": _categorical(lifecycle, lab["lifecycle"]),
        "value_tier": _categorical(tier, lab["value_tier"]),
        "signup_date": signup,
        "repurchased": rng.random(m) < np.where(lifecycle == 2, 0.15, 0.4),
        "churned": rng.random(m) < churn_p,
        "clv": np.round(clv, 2),
    })


def _weeks(ts: np.ndarray) -> np.ndarray:
    return (ts // (7 * 24 * 3600)).astype(np.int64)


def responses(n: int = 20_000, *, seed: int = 0, locale: str = "zh", comments: bool = True,
              _customers: pd.DataFrame | None = None) -> pd.DataFrame:
    """``n`` survey invitations with answers, linked to :func:`customers` of the same seed.

    Columns: ``response_id``, ``customer_id``, ``submitted_at``, ``channel``,
    ``journey_stage``, ``customer_type``, ``age_band``, ``region``, ``agent_id``, ``team``,
    ``time_slot``, ``responded``, ``nps`` (0-10), ``csat`` (1-5), ``ces`` (1-7, effort),
    ``comment``. Scores are missing where the customer did not answer or skipped the
    question.
    """
    _check_args(n, seed, locale)
    cust = _customers if _customers is not None else customers(n, seed=seed, locale=locale)
    rng = _streams(seed)[1]
    lab = LABELS[locale]
    idx = rng.integers(0, len(cust), n)
    ctype = cust["customer_type"].cat.codes.to_numpy()[idx]
    age = cust["age_band"].cat.codes.to_numpy()[idx]
    region = cust["region"].cat.codes.to_numpy()[idx]
    # older customers use the APP less, but many still do
    app_p = np.where(age == 3, 0.25, 0.45)
    u = rng.random(n)
    channel = np.where(u < app_p, 0, np.where(u < app_p + 0.22, 1, np.where(u < app_p + 0.42, 2, 3)))
    stage = rng.choice(4, size=n, p=[0.2, 0.35, 0.25, 0.2])
    slot = rng.choice(4, size=n, p=[0.3, 0.3, 0.28, 0.12])
    ts = rng.integers(0, _SECONDS, n)
    week = _weeks(ts)
    agent = rng.integers(1, 41, n)
    agent_effect = rng.normal(0, 0.15, 41)
    team = (agent - 1) % 6

    z = 0.9 + rng.normal(0, 1, n) + agent_effect[agent]
    z += np.array([0.1, 0.15, PLANTED["weakest_stage"]["latent_shift"], 0.0])[stage]
    z += np.array([0.1, 0.0, -0.1])[ctype]
    app_old = (age == PLANTED["app_age_group"]["age_band"]) & (channel == PLANTED["app_age_group"]["channel"])
    z += np.where(app_old, PLANTED["app_age_group"]["latent_shift"], 0.0)
    drop = (channel == PLANTED["touchpoint_drop"]["channel"]) & (week >= PLANTED["touchpoint_drop"]["from_week"])
    z += np.where(drop, PLANTED["touchpoint_drop"]["latent_shift"], 0.0)
    z += np.where(slot == 3, -0.15, 0.0)
    # Process drivers of the experience (the ticket behind each survey): see PLANTED["drivers"].
    frt = np.round(rng.lognormal(np.log(20), 0.8, n) * np.where(channel == 3, 1.6, 1.0), 1)
    contacts = (1 + rng.poisson(0.6, n)).astype(np.int16)
    reopened = rng.random(n) < 0.12
    tenure = rng.integers(2, 60, 41)[agent].astype(np.int16)
    z += -0.4 * (np.log(frt / 20) - 0.1) - 0.3 * (contacts - 1.6) - 0.5 * (reopened - 0.12) + 0.006 * (tenure - 31)

    csat = 1 + np.searchsorted([-1.3, -0.5, 0.2, 1.2], z + rng.normal(0, 0.5, n))
    nps = np.clip(np.rint(7.8 + 1.7 * (z + rng.normal(0, 0.6, n) - 0.9)), 0, 10)
    effort = 3.0 - 1.1 * (z + rng.normal(0, 0.6, n) - 0.9) + np.where(
        app_old, PLANTED["app_age_group"]["extra_effort"], 0.0)
    ces = np.clip(np.rint(effort), 1, 7)

    responded = rng.random(n) < np.array([0.35, 0.6, 0.45, 0.25])[channel]
    no = ~responded
    nps_miss = no | (rng.random(n) < 0.01)
    csat_miss = no | (rng.random(n) < 0.02)
    ces_miss = no | (rng.random(n) < 0.05)

    agent_ids = np.array([f"A{i:03d}" for i in range(41)], dtype=object)[agent]
    frame = pd.DataFrame({
        "response_id": np.arange(1, n + 1, dtype=np.int64),
        "customer_id": cust["customer_id"].to_numpy()[idx],
        "submitted_at": (PERIOD_START.to_datetime64() + ts.astype("timedelta64[s]")).astype("datetime64[ns]"),
        "channel": _categorical(channel, lab["channel"]),
        "journey_stage": _categorical(stage, lab["journey_stage"]),
        "customer_type": _categorical(ctype, lab["customer_type"]),
        "age_band": _categorical(age, lab["age_band"]),
        "region": _categorical(region, lab["region"]),
        "agent_id": agent_ids,
        "team": _categorical(team, lab["team"]),
        "time_slot": _categorical(slot, lab["time_slot"]),
        "first_response_min": frt,
        "contacts": contacts,
        "reopened": reopened,
        "agent_tenure_months": tenure,
        "responded": responded,
        "nps": _nullable_int8(nps, nps_miss),
        "csat": _nullable_int8(csat, csat_miss),
        "ces": _nullable_int8(ces, ces_miss),
    })
    if comments:
        frame["comment"] = draw_comments(rng, locale, csat, responded)
    # The tiny-sample agent: three perfect answers, appended so every size has them.
    k = PLANTED["tiny_agent"]["responses"]
    if n > 10 * k:
        rows = frame.index[-k:]
        frame.loc[rows, "agent_id"] = PLANTED["tiny_agent"]["agent_id"]
        frame.loc[rows, "responded"] = True
        frame.loc[rows, ["nps", "csat", "ces"]] = [10, 5, 1]
    frame["agent_id"] = frame["agent_id"].astype("category")
    return frame


def tickets(n: int = 20_000, *, seed: int = 0, locale: str = "zh",
            _customers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Service tickets (about ``n / 2``, at least 500) linked to :func:`customers`.

    Columns: ``ticket_id``, ``customer_id``, ``created_at``, ``channel``, ``region``,
    ``team``, ``agent_id``, ``time_slot``, ``ticket_type``, ``first_response_min``,
    ``resolution_hours``, ``fcr``, ``contacts``, ``reopened``, ``complaint``,
    ``suggestion_adopted`` (missing unless the ticket is a suggestion), ``rollout`` (the
    ticket's region had the new process at that time).
    """
    _check_args(n, seed, locale)
    cust = _customers if _customers is not None else customers(n, seed=seed, locale=locale)
    rng = _streams(seed)[2]
    lab = LABELS[locale]
    m = max(500, n // 2)
    idx = rng.integers(0, len(cust), m)
    region = cust["region"].cat.codes.to_numpy()[idx]
    channel = rng.choice(4, size=m, p=[0.2, 0.15, 0.45, 0.2])
    slot = rng.choice(4, size=m, p=[0.3, 0.3, 0.28, 0.12])
    ts = rng.integers(0, _SECONDS, m)
    created = (PERIOD_START.to_datetime64() + ts.astype("timedelta64[s]")).astype("datetime64[ns]")
    week = _weeks(ts)
    kind = rng.choice(4, size=m, p=[0.5, 0.15, 0.1, 0.25])
    agent = rng.integers(1, 41, m)

    plan = PLANTED["rollout"]
    treated_region = np.isin(region, plan["regions"])
    post = created >= np.datetime64(plan["date"])
    rollout = treated_region & post
    p_fcr = np.where(slot == PLANTED["evening_fcr"]["time_slot"], PLANTED["evening_fcr"]["fcr"],
                     PLANTED["evening_fcr"]["other_fcr"])
    p_fcr = p_fcr - 0.03 * treated_region  # treated regions start a little lower
    p_fcr = p_fcr - np.where((week >= 10) & (week < 16), 0.04, 0.0)  # a seasonal dip for everyone
    p_fcr = p_fcr + np.where(rollout, plan["fcr_lift"], 0.0)
    fcr = rng.random(m) < np.clip(p_fcr, 0.01, 0.99)

    frt = rng.lognormal(np.log(20) + np.array([0.0, -0.3, 0.1, 0.6])[channel]
                        + np.where(slot == 3, 0.3, 0.0), 0.8)
    res = rng.lognormal(np.log(8) + np.where(fcr, -0.7, 0.5), 0.9)
    adopted = pd.array(np.where(kind == 2, rng.random(m) < 0.3, False), dtype="boolean")
    adopted[kind != 2] = pd.NA
    return pd.DataFrame({
        "ticket_id": np.arange(1, m + 1, dtype=np.int64),
        "customer_id": cust["customer_id"].to_numpy()[idx],
        "created_at": created,
        "channel": _categorical(channel, lab["channel"]),
        "region": _categorical(region, lab["region"]),
        "team": _categorical((agent - 1) % 6, lab["team"]),
        "agent_id": pd.Categorical(np.array([f"A{i:03d}" for i in range(41)], dtype=object)[agent]),
        "time_slot": _categorical(slot, lab["time_slot"]),
        "ticket_type": _categorical(kind, lab["ticket_type"]),
        "first_response_min": np.round(frt, 1),
        "resolution_hours": np.round(res, 2),
        "fcr": fcr,
        "contacts": np.where(fcr, 1, 1 + rng.integers(1, 4, m)).astype(np.int16),
        "reopened": ~fcr & (rng.random(m) < 0.2),
        "complaint": kind == 1,
        "suggestion_adopted": adopted,
        "rollout": rollout,
    })


def experiment(n: int = 20_000, *, seed: int = 0, locale: str = "zh") -> pd.DataFrame:
    """An A/B/C test of an onboarding guide: about ``n / 5`` users (at least 300).

    Columns: ``user_id``, ``experiment``, ``variant`` (A is control), ``assigned_at``,
    ``customer_type``, ``pre_csat`` (the user's mean CSAT before the test; a CUPED
    covariate), ``responded``, ``nps``, ``csat``, ``ces``, ``fcr``,
    ``first_response_min``.
    """
    _check_args(n, seed, locale)
    rng = _streams(seed)[3]
    lab = LABELS[locale]
    plan = PLANTED["experiment"]
    m = max(300, n // 5)
    variant = rng.integers(0, 3, m)
    ctype = rng.choice(3, size=m, p=[0.2, 0.45, 0.35])
    trait = rng.normal(0, 0.8, m)  # a user's lasting disposition, seen before and during the test
    pre_csat = np.clip(3.9 + 0.8 * trait + rng.normal(0, 0.4, m), 1, 5).round(2)
    shift = np.array([plan["latent_shift"][v] for v in plan["variants"]])[variant]
    z = 0.9 + trait + shift + rng.normal(0, 0.6, m)
    csat = 1 + np.searchsorted([-1.3, -0.5, 0.2, 1.2], z + rng.normal(0, 0.5, m))
    nps = np.clip(np.rint(7.8 + 1.7 * (z + rng.normal(0, 0.6, m) - 0.9)), 0, 10)
    ces = np.clip(np.rint(3.0 - 1.1 * (z + rng.normal(0, 0.6, m) - 0.9)), 1, 7)
    responded = rng.random(m) < 0.55
    lift = np.array([plan["fcr_lift"].get(v, 0.0) for v in plan["variants"]])[variant]
    fcr = rng.random(m) < 0.75 + lift
    ts = rng.integers(0, _SECONDS, m)
    return pd.DataFrame({
        "user_id": np.arange(1, m + 1, dtype=np.int64),
        "experiment": pd.Categorical([lab["experiment"][0]] * m),
        "variant": pd.Categorical.from_codes(variant.astype(np.int8), categories=plan["variants"]),
        "assigned_at": (PERIOD_START.to_datetime64() + ts.astype("timedelta64[s]")).astype("datetime64[ns]"),
        "customer_type": _categorical(ctype, lab["customer_type"]),
        "pre_csat": pre_csat,
        "responded": responded,
        "nps": _nullable_int8(nps, ~responded),
        "csat": _nullable_int8(csat, ~responded),
        "ces": _nullable_int8(ces, ~responded),
        "fcr": fcr,
        "first_response_min": np.round(rng.lognormal(np.log(20), 0.8, m), 1),
    })


def dataset(n: int = 20_000, *, seed: int = 0, locale: str = "zh", comments: bool = True) -> SampleData:
    """All four linked tables for ``n`` survey invitations."""
    cust = customers(n, seed=seed, locale=locale)
    return SampleData(
        customers=cust,
        responses=responses(n, seed=seed, locale=locale, comments=comments, _customers=cust),
        tickets=tickets(n, seed=seed, locale=locale, _customers=cust),
        experiment=experiment(n, seed=seed, locale=locale),
    )


def planted(locale: str = "zh") -> dict:
    """:data:`PLANTED` with labels resolved for ``locale`` (what the reports should find)."""
    lab = LABELS[locale]
    out = json.loads(json.dumps(PLANTED))
    for effect in out.values():
        for key in list(effect):
            if key in lab and isinstance(effect[key], int):
                effect[key] = lab[key][effect[key]]
            elif key == "regions":
                effect[key] = [lab["region"][i] for i in effect[key]]
    return out


def write(folder: str | Path, n: int = 20_000, *, seed: int = 0, locale: str = "zh",
          fmt: str = "parquet") -> dict[str, Path]:
    """Write the four tables (parquet, or CSV in UTF-8 with BOM for Excel) and ``planted.json``."""
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"`fmt` must be one of 'parquet', 'csv'; got {fmt!r}.")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, frame in dataset(n, seed=seed, locale=locale).tables().items():
        path = folder / f"{name}.{fmt}"
        if fmt == "parquet":
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, index=False, encoding="utf-8-sig")
        paths[name] = path
    manifest = folder / "planted.json"
    manifest.write_text(json.dumps({"n": n, "seed": seed, "locale": locale,
                                    "planted": planted(locale)}, ensure_ascii=False, indent=2),
                        encoding="utf-8")
    paths["planted"] = manifest
    return paths
