"""Typed, validated report parameters and schedules, read from ``params/*.yaml``.

A report job is a notebook plus a parameter file. Everything is checked before a kernel
starts: unknown names, wrong types, values out of range, missing data, bad cron
expressions and time zones each raise :class:`~cxlab.ParameterError`, naming the file and
the field.

Relative paths in parameters are resolved against the project root (the folder holding
``params/`` and ``notebooks/``), never against the working directory: papermill runs in
the caller's folder and voila in the notebook's, and both must find the same data.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .. import METRICS
from .._checks import check_date, closest
from .._paths import project_root, resolve
from ..errors import DataValidationError, ParameterError
from .catalog import REPORTS
from .cron import check_cron
from .inputs import DatabaseSource, check_inputs

__all__ = ["project_root", "resolve", "ScoresParams", "ExperimentParams", "BeforeAfterParams", "SegmentsParams",
           "CommentsParams", "ChangesParams", "REPORT_PARAMS", "Job", "Schedule", "load_schedule", "load_parameters",
           "find_job", "check_inputs"]


def _data_folder(value: str, required: tuple[str, ...]) -> str:
    folder = resolve(value)
    if not folder.is_dir():
        raise ValueError(f"no data folder at {folder} (run `cxlab sample --out {value}` for the sample data)")
    for table in required:
        if not any((folder / f"{table}{ext}").exists() for ext in (".parquet", ".csv")):
            raise ValueError(f"{folder} has no {table}.parquet or {table}.csv")
    return value


def _known_metrics(names: list[str]) -> list[str]:
    """``names`` if every one is a metric of :data:`cxlab.metrics.METRICS`, else a clear error."""
    unknown = [m for m in names if m not in METRICS]
    if unknown or not names:
        raise ValueError(f"unknown metrics {unknown}; known: {', '.join(METRICS)}")
    return names


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)

    output_dir: str = Field("", description="set by the runner: where tables and figures are saved")
    locale: Literal["", "zh", "en"] = Field("", description="zh or en (empty: $CXLAB_LOCALE, else from the data)")


class _Sourced(_Params):
    """A report reading a folder of files (``data_dir``) or, instead, a database (``database``)."""

    data_dir: str = "data/sample"
    database: dict = Field({}, description="read the tables from a database instead of data_dir: url, tables "
                                           "(see cxlab.reports.inputs.DatabaseSource)")

    @field_validator("database")
    @classmethod
    def _database(cls, value: dict) -> dict:
        if not value:
            return value
        try:
            return DatabaseSource.model_validate(value).model_dump()
        except ValidationError as err:
            raise ValueError("; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'database'}: "
                + ("unknown name (database takes url and tables; each table takes table or query, and columns)"
                   if e["type"] == "extra_forbidden" else e["msg"].removeprefix("Value error, "))
                for e in err.errors())) from None

    @model_validator(mode="after")
    def _one_source(self) -> _Sourced:
        if self.database and "data_dir" in self.model_fields_set:
            raise ValueError("give data_dir (files) or database, not both")
        return self


class ScoresParams(_Sourced):
    """Parameters of ``notebooks/scores.ipynb`` (the score-computation report)."""

    title: str = "CX scores report"
    period: Literal["week", "month", "quarter"] = "week"
    start: str = ""
    end: str = ""
    metrics: list[str] = ["nps", "csat", "ces"]
    stage_weights: dict[str, float] = {"预约": 0.1, "现场服务": 0.4, "审核": 0.3, "激活": 0.2}
    composite_metric: str = "csat"
    stage_owners: dict[str, str] = {"预约": "预约中心", "现场服务": "门店运营部", "审核": "审核组", "激活": "技术支持组"}
    follow_up_hours: int = Field(24, gt=0)
    columns: dict[str, str] = {}
    confidence: float = Field(0.95, gt=0, lt=1)

    @field_validator("data_dir")
    @classmethod
    def _data_exists(cls, value: str) -> str:
        return _data_folder(value, REPORTS["scores"].required_tables)

    @field_validator("metrics")
    @classmethod
    def _metrics(cls, value: list[str]) -> list[str]:
        _known_metrics(value)
        quantiles = [m for m in value if METRICS[m].needs_rows]
        if quantiles:
            raise ValueError(f"{quantiles} are quantiles; the trend report takes rates, shares, NPS and means")
        return value

    @field_validator("composite_metric")
    @classmethod
    def _composite(cls, value: str) -> str:
        return _known_metrics([value])[0]

    @field_validator("stage_weights")
    @classmethod
    def _weights(cls, value: dict[str, float]) -> dict[str, float]:
        if not value or any(w < 0 for w in value.values()) or sum(value.values()) <= 0:
            raise ValueError("give each stage a weight >= 0, with a positive total")
        return value

    @model_validator(mode="after")
    def _dates(self) -> ScoresParams:
        for name in ("start", "end"):
            check_date(getattr(self, name), name)
        return self


def _data_file(value: str) -> str:
    path = resolve(value)
    if not path.is_file():
        raise ValueError(f"no data file at {path}")
    return value


class ExperimentParams(_Params):
    """Parameters of ``notebooks/experiment.ipynb`` (the A/B readout)."""

    title: str = "Onboarding guide experiment"
    data_file: str = "data/sample/experiment.parquet"
    variant: str = "variant"
    control: str = "A"
    metrics: list[str] = ["nps", "csat", "ces", "fcr"]
    covariates: dict[str, str] = {"csat": "pre_csat"}
    expected_weights: list[float] = []
    planned_n: int = Field(0, ge=0)
    columns: dict[str, str] = {}
    confidence: float = Field(0.95, gt=0, lt=1)

    _file = field_validator("data_file")(classmethod(lambda cls, v: _data_file(v)))

    _metrics = field_validator("metrics")(classmethod(lambda cls, v: _known_metrics(v)))

    @model_validator(mode="after")
    def _covariates(self) -> ExperimentParams:
        extra = [k for k in self.covariates if k not in self.metrics]
        if extra:
            raise ValueError(f"covariates names {extra}, which are not in metrics")
        if any(w <= 0 for w in self.expected_weights):
            raise ValueError("expected_weights must all be > 0")
        return self


class BeforeAfterParams(_Params):
    """Parameters of ``notebooks/before_after.ipynb`` (DiD, event study, placebo, ITS)."""

    title: str = "New claims process rollout"
    data_file: str = "data/sample/tickets.parquet"
    data_kind: Literal["tickets", "responses", "customers"] = "tickets"
    score: str = "fcr"
    time: str = "created_at"
    unit: str = "region"
    treated_units: list[str] = ["华东", "华南"]
    intervention: str = "2026-07-06"
    placebo_date: str = "2026-05-11"
    period: Literal["week", "month"] = "week"
    confidence: float = Field(0.95, gt=0, lt=1)

    _file = field_validator("data_file")(classmethod(lambda cls, v: _data_file(v)))

    @model_validator(mode="after")
    def _dates(self) -> BeforeAfterParams:
        try:
            start, fake = pd.Timestamp(self.intervention), pd.Timestamp(self.placebo_date)
        except ValueError as err:
            raise ValueError(f"intervention and placebo_date must be dates (2026-07-06): {err}") from err
        if fake >= start:
            raise ValueError("placebo_date must fall before intervention")
        if not self.treated_units:
            raise ValueError("treated_units is empty")
        return self


class SegmentsParams(_Sourced):
    """Parameters of ``notebooks/segments.ipynb``."""

    title: str = "Segment analysis"
    dimensions: list[str] = ["journey_stage", "channel", "region", "customer_type", "time_slot"]
    crosses: list[list[str]] = [["customer_type", "channel"], ["age_band", "channel"]]
    metrics: list[str] = ["nps", "csat", "ces"]
    ticket_dimensions: list[str] = ["time_slot", "channel", "team"]
    ticket_metrics: list[str] = ["fcr", "complaint_rate"]
    min_n: int = Field(30, ge=1)
    unit: str = "agent_id"
    league_metric: str = "csat"
    response_by: str = "channel"
    heatmap_rows: str = "time_slot"
    heatmap_columns: str = "team"
    heatmap_metric: str = "csat"
    alert_metric: str = "csat"
    alert_by: str = "channel"
    period: Literal["day", "week", "month"] = "week"
    driver_columns: list[str] = ["first_response_min", "contacts", "reopened", "agent_tenure_months"]
    driver_score: str = "csat"
    follow_up_metric: str = "csat"
    follow_up_hours: int = Field(24, gt=0)
    columns: dict[str, str] = {}
    confidence: float = Field(0.95, gt=0, lt=1)

    @field_validator("data_dir")
    @classmethod
    def _data_exists(cls, value: str) -> str:
        return _data_folder(value, REPORTS["segments"].required_tables)

    @model_validator(mode="after")
    def _metrics(self) -> SegmentsParams:
        _known_metrics([*self.metrics, *self.ticket_metrics, self.league_metric, self.heatmap_metric,
                        self.alert_metric, self.follow_up_metric])
        if any(len(c) != 2 for c in self.crosses):
            raise ValueError("each entry of crosses names two columns")
        return self


class CommentsParams(_Sourced):
    """Parameters of ``notebooks/comments.ipynb``."""

    title: str = "Customer comments"
    score: str = "csat"
    low: list[int] = [1, 2]
    high: list[int] = [4, 5]
    by: list[str] = ["journey_stage", "channel"]
    n_topics: int = Field(5, ge=2, le=20)
    seed: int = 0
    columns: dict[str, str] = {}
    sentiment_labels: str = ""

    @field_validator("data_dir")
    @classmethod
    def _data_exists(cls, value: str) -> str:
        return _data_folder(value, REPORTS["comments"].required_tables)

    @field_validator("sentiment_labels")
    @classmethod
    def _labels_readable(cls, value: str) -> str:
        if not value:
            return value
        from ..text.adapt import read_labelled  # here: the text extra is needed only when labels are given

        try:
            read_labelled(resolve(value))
        except DataValidationError as err:
            raise ValueError(str(err)) from None
        return value

    @model_validator(mode="after")
    def _split(self) -> CommentsParams:
        if set(self.low) & set(self.high):
            raise ValueError(f"scores {sorted(set(self.low) & set(self.high))} are in both low and high")
        if len(self.by) != 2:
            raise ValueError("by names two columns (keyword tables per journey stage and per channel)")
        return self


warnings.filterwarnings("ignore", message='Field name "register" in "ChangesParams" shadows', category=UserWarning)


class ChangesParams(_Params):  # `register` shadows ABCMeta.register, which nothing calls on a parameter model
    """Parameters of ``notebooks/changes.ipynb`` (the improvement loop); the register itself is read and
    checked before a kernel starts (:func:`cxlab.loop.load_register`: file, change id, key, what to do)."""

    title: str = "Improvement loop"
    register: str = "params/changes.yaml"
    data_dir: str = "data/sample"
    as_of: str = ""
    stage_metric: str = "csat"
    alert_by: str = "channel"
    follow_up_metric: str = "csat"
    follow_up_hours: int = Field(24, gt=0)
    confidence: float = Field(0.95, gt=0, lt=1)

    @field_validator("data_dir")
    @classmethod
    def _data_exists(cls, value: str) -> str:
        return _data_folder(value, REPORTS["changes"].required_tables)

    @field_validator("stage_metric", "follow_up_metric")
    @classmethod
    def _metric(cls, value: str) -> str:
        return _known_metrics([value])[0]

    @field_validator("as_of")
    @classmethod
    def _as_of(cls, value: str) -> str:
        return check_date(value, "as_of")

    @model_validator(mode="after")
    def _register(self) -> ChangesParams:
        from ..loop.register import load_register

        load_register(resolve(self.register))  # a ParameterError naming the register, the change and the key
        return self


#: Notebook name (file stem) -> its parameter model.
REPORT_PARAMS: dict[str, type[_Params]] = {"scores": ScoresParams, "experiment": ExperimentParams,
                                           "before_after": BeforeAfterParams, "segments": SegmentsParams,
                                           "comments": CommentsParams, "changes": ChangesParams}

_SLUG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")


class Job(BaseModel):
    """One scheduled report: a notebook, its parameter file, when to run it."""

    model_config = ConfigDict(extra="forbid")

    notebook: str
    params: str
    cron: str | None = None
    timezone: str = "UTC"
    timeout: int = Field(600, gt=0, description="seconds a cell may run")
    allow_outside: bool = Field(False, description="run a notebook from outside the project's notebooks/")

    @model_validator(mode="after")
    def _notebook(self) -> Job:
        value = self.notebook
        if not value.endswith(".ipynb"):
            raise ValueError(f"notebook {value!r} is not a notebook (.ipynb)")
        path = resolve(value).resolve()
        home = (project_root() / "notebooks").resolve()
        if not self.allow_outside and not path.is_relative_to(home):
            raise ValueError(f"notebook {value!r} is outside the project's notebooks folder {home}. Move it there, "
                             "or add `allow_outside: true` to the job if you mean to run code from elsewhere")
        if not path.is_file():
            raise ValueError(f"no notebook at {resolve(value)}")
        return self

    @field_validator("params")
    @classmethod
    def _params(cls, value: str) -> str:
        if not resolve(value).is_file():
            raise ValueError(f"no parameter file at {resolve(value)}")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f"unknown time zone {value!r} (e.g. 'UTC', 'Asia/Shanghai')") from err
        return value

    @model_validator(mode="after")
    def _cron(self) -> Job:
        if self.cron is not None:
            check_cron(self.cron, self.timezone)
        return self


class Schedule(BaseModel):
    """``params/schedule.yaml``: the report jobs by name."""

    model_config = ConfigDict(extra="forbid")

    jobs: dict[str, Job]

    @field_validator("jobs")
    @classmethod
    def _names(cls, value: dict[str, Job]) -> dict[str, Job]:
        bad = [name for name in value if not _SLUG.match(name)]
        if bad:
            raise ValueError(f"job names use letters, digits, '_' and '-': {bad}")
        if not value:
            raise ValueError("no jobs")
        return value


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParameterError(f"No file at {path}.") from None
    except yaml.YAMLError as err:
        raise ParameterError(f"{path} is not valid YAML: {err}") from None


def _explain(err: ValidationError, where: Path,
             unknown: str = "unknown name (not a parameter of this report)") -> ParameterError:
    lines = []
    for e in err.errors():
        field = ".".join(str(x) for x in e["loc"]) or "(file)"
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = unknown
        got = e.get("input")
        lines.append(f"  - {field}: {msg}" + (f" (got {got!r})" if e["type"] not in ("extra_forbidden", "missing")
                                               and not isinstance(got, dict) else ""))
    return ParameterError(f"{where} is invalid:\n" + "\n".join(lines))


def load_schedule(path: str | Path = "params/schedule.yaml") -> Schedule:
    """Read and validate a schedule file."""
    where = resolve(path)
    raw = _read_yaml(where)
    if not isinstance(raw, dict):
        raise ParameterError(f"{where} must be a mapping with a `jobs:` section.")
    try:
        return Schedule.model_validate(raw)
    except ValidationError as err:
        raise _explain(err, where, "unknown name (a job takes notebook, params, cron, timezone, "
                                   "timeout, allow_outside)") from None


def find_job(schedule: Schedule, name: str, *, where: Path, also: tuple[str, ...] = ()) -> Job | None:
    """The job ``name`` of ``schedule``; a ParameterError suggesting the closest name if there is none.

    Names in ``also`` (e.g. jobs that have runs under ``outputs/`` but left the schedule) are
    accepted too, and then None is returned.
    """
    if name in schedule.jobs:
        return schedule.jobs[name]
    if name in also:
        return None
    known = [*schedule.jobs, *(a for a in also if a not in schedule.jobs)]
    guess = closest(name, known)
    raise ParameterError(f"No job {name!r} in {where}" + (f" (did you mean {guess!r}?)" if guess else "")
                         + f". Jobs: {', '.join(known)}.")


def load_parameters(path: str | Path, notebook: str | Path) -> dict[str, Any]:
    """Read a parameter file and validate it for ``notebook``.

    Names must be parameters of the notebook (checked against its ``parameters`` cell with
    ``papermill.inspect_notebook``); where cxlab has a typed model for the notebook
    (:data:`REPORT_PARAMS`) its types, ranges and files are checked too.

    Returns
    -------
    dict
        The parameters as given (defaults are the notebook's own).
    """
    where = resolve(path)
    raw = _read_yaml(where)
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        raise ParameterError(f"{where} must be a mapping of parameter names to values.")
    nb = resolve(notebook)
    from papermill import inspect_notebook

    declared = inspect_notebook(str(nb))
    unknown = sorted(set(raw) - set(declared))
    if unknown:
        listed = ", ".join(f"{k} ({v['inferred_type_name']})" for k, v in declared.items())
        raise ParameterError(f"{where}: {unknown} are not parameters of {nb.name}. Its parameters are: {listed}.")
    if "output_dir" in raw:
        raise ParameterError(f"{where}: `output_dir` is set by the runner; remove it from the file.")
    model = REPORT_PARAMS.get(nb.stem)
    if model is not None:
        try:
            values = model.model_validate(raw).model_dump()
        except ValidationError as err:
            raise _explain(err, where) from None
        if nb.stem in REPORTS:
            check_inputs(REPORTS[nb.stem], values, where)
    else:
        _check_types(raw, declared, where)
    return raw


_TYPES = {"str": str, "int": int, "float": (int, float), "bool": bool, "list": list, "dict": dict}


def _check_types(raw: dict, declared: dict, where: Path) -> None:
    """Fallback for notebooks without a model: the annotation in the parameters cell."""
    for name, value in raw.items():
        expected = _TYPES.get(declared[name]["inferred_type_name"])
        if expected is not None and not isinstance(value, expected):
            raise ParameterError(f"{where}: {name} should be {declared[name]['inferred_type_name']}, "
                                 f"got {type(value).__name__} {value!r}.")
