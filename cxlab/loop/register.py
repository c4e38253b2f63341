"""The change register, ``params/changes.yaml``: what each change is, who owns it, how it is verified.

A change is registered by a person, never by a report: alerts and the weakest stages only
*suggest* one (:mod:`cxlab.loop.suggest`). Each entry says what the change touches (a journey
stage, a channel, a segment), the date it took effect, the metric(s) it should move and in
which direction, the smallest effect worth having, and its verification design:

* ``ab`` - an A/B experiment: the assignment table, its arm column, control and treatment arms;
* ``rollout`` - a change rolled out to some units (regions, branches) first: difference in
  differences against the untreated units, with the event study's pre-trend check;
* ``everyone`` - a change for everyone at once: an interrupted time series (no control
  group; its caveats are stated with every result).

A wrong entry raises :class:`~cxlab.ParameterError` naming the file, the change's id, the key
and what to do.

Examples
--------
>>> reg = Register.model_validate({"changes": [{"id": "guide_b", "title": "Guide B", "owner": "APP team",
...     "effective": "2026-03-30", "metrics": [{"metric": "csat_mean", "direction": "up", "smallest_effect": 0.2}],
...     "verify": {"design": "ab", "table": "experiment", "time": "assigned_at", "control": "A", "treatment": "B"}}]})
>>> reg.changes[0].verify.design, reg.changes[0].primary.metric
('ab', 'csat_mean')
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .._checks import check_date, closest
from .._paths import resolve
from ..errors import ParameterError
from ..metric_defs import METRICS

__all__ = ["Target", "ABDesign", "RolloutDesign", "EveryoneDesign", "Change", "Register", "load_register",
           "register_table", "DESIGNS"]

#: The verification designs a change can name.
DESIGNS = ("ab", "rollout", "everyone")

_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Target(_Strict):
    """One metric the change should move: the direction and the smallest effect worth having."""

    metric: str
    direction: Literal["up", "down"]
    smallest_effect: float = Field(gt=0, description="in the metric's units: points, percentage points, "
                                                     "or the score's own units for means")

    @field_validator("metric")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in METRICS:
            guess = closest(value, list(METRICS))
            raise ValueError(f"unknown metric {value!r}" + (f" (did you mean {guess!r}?)" if guess else "")
                             + f"; known: {', '.join(METRICS)}")
        if METRICS[value].needs_rows:
            raise ValueError(f"{value} is a quantile; verify a duration with its mean ({value.split('_')[0]}_mean)")
        return value


class ABDesign(_Strict):
    """An A/B experiment: units assigned at random to ``control`` and ``treatment``."""

    design: Literal["ab"]
    table: str = Field(description="the assignment table in data_dir (a file <table>.parquet or .csv)")
    time: str = Field(description="when each unit was assigned")
    variant: str = "variant"
    control: str
    treatment: str
    covariate: str = Field("", description="a pre-period column for CUPED (empty: none)")
    expected_weights: list[float] = Field([1.0, 1.0], description="the designed split, control then treatment")

    @model_validator(mode="after")
    def _arms(self) -> ABDesign:
        if self.control == self.treatment:
            raise ValueError("control and treatment name the same arm")
        if len(self.expected_weights) != 2 or any(w <= 0 for w in self.expected_weights):
            raise ValueError("expected_weights needs two positive weights: control, then treatment")
        return self


class RolloutDesign(_Strict):
    """A rollout to some units first: difference in differences with the untreated units."""

    design: Literal["rollout"]
    table: str
    time: str
    unit: str = Field(description="the column of the units that were or were not given the change")
    treated_units: list[str] = Field(min_length=1)
    period: Literal["week", "month"] = "week"
    pre_trend_threshold: float = Field(0.05, gt=0, lt=1, description="pre-trend p-value below which DiD is suspect")


class EveryoneDesign(_Strict):
    """A change for everyone at once: an interrupted time series (level change at the date)."""

    design: Literal["everyone"]
    table: str
    time: str
    period: Literal["day", "week", "month"] = "week"


Design = Annotated[ABDesign | RolloutDesign | EveryoneDesign, Field(discriminator="design")]


class Change(_Strict):
    """One registered change."""

    id: str
    title: str
    owner: str = Field(min_length=1)
    stage: str = ""
    channel: str = ""
    segment: str = ""
    effective: str = Field(description="the date the change took effect (2026-07-06)")
    ends: str = Field("", description="the date the test stops collecting (empty: open-ended)")
    metrics: list[Target] = Field(min_length=1)
    verify: Design

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("ids use letters, digits, '_' and '-' (e.g. onboarding_b)")
        return value

    @field_validator("effective", "ends")
    @classmethod
    def _date(cls, value: str) -> str:
        return check_date(value)

    @model_validator(mode="after")
    def _order(self) -> Change:
        if self.ends and pd.Timestamp(self.ends) <= pd.Timestamp(self.effective):
            raise ValueError("ends must fall after effective")
        return self

    @property
    def primary(self) -> Target:
        """The first metric: the one the change's status follows."""
        return self.metrics[0]


class Register(_Strict):
    """``params/changes.yaml``: the registered changes."""

    changes: list[Change] = []

    @model_validator(mode="after")
    def _unique(self) -> Register:
        ids = [c.id for c in self.changes]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"ids {twice} are registered twice; give each change its own id")
        return self


#: What to do about a wrong key, by its last name.
_HINTS = {
    "metric": "name a metric of cxlab.METRICS",
    "direction": "write up (the change should raise the metric) or down",
    "smallest_effect": "give the smallest effect worth having, > 0, in the metric's units",
    "design": "write ab, rollout or everyone",
    "effective": "write the date the change took effect, e.g. 2026-07-06",
    "ends": "write the date the test stops collecting, after effective, or leave it out",
    "owner": "name the team or person who owns the change",
    "treated_units": "list the units (regions, branches) that got the change first",
    "metrics": "list at least one metric with direction and smallest_effect",
}


def _explain(err: ValidationError, where: Path, raw: dict) -> ParameterError:
    entries = raw.get("changes") if isinstance(raw.get("changes"), list) else []
    lines = []
    for e in err.errors():
        loc = list(e["loc"])
        who = "(file)"
        if len(loc) >= 2 and loc[0] == "changes" and isinstance(loc[1], int):
            entry = entries[loc[1]] if loc[1] < len(entries) and isinstance(entries[loc[1]], dict) else {}
            who = f"change {entry.get('id', f'#{loc[1] + 1}')!r}"
            loc = loc[2:]
        loc = [str(x) for x in loc if str(x) not in DESIGNS]  # the union's tag is not a key the user wrote
        key = ".".join(loc) or "(entry)"
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown key; remove it or check its spelling"
        elif e["type"] == "missing":
            msg = "missing"
        last = next((x for x in reversed(loc) if not x.isdigit()), "")
        hint = _HINTS.get(last, "")
        lines.append(f"  - {who}, key {key}: {msg}" + (f". To fix: {hint}" if hint else ""))
    return ParameterError(f"{where} is invalid:\n" + "\n".join(lines))


def load_register(path: str | Path = "params/changes.yaml") -> Register:
    """Read and validate the change register.

    Raises
    ------
    ParameterError
        The file is missing or not YAML, or an entry is wrong: the message names the file,
        the change's id, the key and what to do.
    """
    where = resolve(path)
    try:
        raw = yaml.safe_load(where.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ParameterError(f"No change register at {where}; create it with a `changes:` list "
                             "(see README, 'The improvement loop').") from None
    except yaml.YAMLError as err:
        raise ParameterError(f"{where} is not valid YAML: {err}") from None
    if not isinstance(raw, dict):
        raise ParameterError(f"{where} must be a mapping with a `changes:` list.")
    try:
        return Register.model_validate(raw)
    except ValidationError as err:
        raise _explain(err, where, raw) from None


def register_table(register: Register) -> pd.DataFrame:
    """The register as a table: one row per (change, metric).

    Returns
    -------
    pandas.DataFrame
        ``change_id``, ``title``, ``owner``, ``stage``, ``channel``, ``segment``, ``effective``,
        ``ends``, ``design``, ``table``, ``metric``, ``direction``, ``smallest_effect``, ``primary``.
    """
    rows = [{"change_id": c.id, "title": c.title, "owner": c.owner, "stage": c.stage, "channel": c.channel,
             "segment": c.segment, "effective": c.effective, "ends": c.ends, "design": c.verify.design,
             "table": c.verify.table, "metric": t.metric, "direction": t.direction,
             "smallest_effect": t.smallest_effect, "primary": i == 0}
            for c in register.changes for i, t in enumerate(c.metrics)]
    columns = ["change_id", "title", "owner", "stage", "channel", "segment", "effective", "ends", "design", "table",
               "metric", "direction", "smallest_effect", "primary"]
    return pd.DataFrame(rows, columns=columns)
