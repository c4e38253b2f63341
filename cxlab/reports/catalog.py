"""Every report's result tables, declared once: name, columns, one-line meaning; and the input
tables and columns it reads (:class:`Input`), which the parameter check holds the data to.

Report notebooks save with these declarations (``out.table(SCORES.overall, frame)``) and
pages read with them (``read_run_table(job, SCORES.overall, ...)``), so a table's name is
written in one place. ``columns`` lists the columns every run has; a table may have more,
and group-key columns named by a parameter (``alert_by``, ``heatmap_rows``, ``by`` ...) are
described in ``meaning`` rather than listed. Plain data: importing this module costs nothing,
which matters to voila page kernels.

Examples
--------
>>> SCORES.overall.name
'overall'
>>> "ci_low" in SCORES.overall.columns
True
>>> REPORTS["segments"].table("league").meaning
'agents (the `unit` column) ranked on `league_metric`, with shrunken estimates and funnel limits'
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

__all__ = ["Table", "Input", "Report", "SCORES", "SEGMENTS", "EXPERIMENT", "BEFORE_AFTER", "COMMENTS", "CHANGES", "REPORTS"]


@dataclass(frozen=True, slots=True)
class Table:
    """One result table of a report: its file name under ``tables/``, columns, meaning."""

    name: str
    columns: tuple[str, ...]
    meaning: str


@dataclass(frozen=True, slots=True)
class Input:
    """One data table a report reads, and the columns it reads from it (cxlab's names).

    ``table`` is ``responses``, ``tickets``, ``customers`` or ``experiment`` (a file of that
    name in ``data_dir``, or the file ``data_file``); for a ``data_file`` report whose kind is a
    parameter (``data_kind``) it is that parameter's name. A ``required`` table must be there; an
    optional one is read when present (the report says when it skipped it). ``columns`` are
    read always; ``optional`` when present; ``named_by`` lists parameters whose values name
    columns of this table (a metric name stands for its column, e.g. ``complaint_rate`` for
    ``complaint``). A table that is there must have rows and every column it is read for.
    """

    table: str
    required: bool = True
    columns: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    named_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    """A report notebook (``notebooks/<name>.ipynb``), the data it reads and the tables it saves.

    Each table is also an attribute: ``SCORES.overall`` is ``SCORES.table("overall")``.
    ``inputs`` is read from the folder ``data_dir`` or the file ``data_file`` (``source``).
    """

    name: str
    tables: tuple[Table, ...]
    inputs: tuple[Input, ...] = ()
    source: str = "data_dir"

    def __post_init__(self) -> None:
        names = [t.name for t in self.tables]
        if len(set(names)) != len(names):
            raise ValueError(f"report {self.name!r} declares a table twice: {names}")

    @property
    def required_tables(self) -> tuple[str, ...]:
        """The input tables the report cannot run without."""
        return tuple(i.table for i in self.inputs if i.required)

    @property
    def names(self) -> list[str]:
        """The declared table names, in order."""
        return [t.name for t in self.tables]

    def table(self, name: str) -> Table:
        """The declaration of table ``name``; a KeyError suggests the closest declared name."""
        for t in self.tables:
            if t.name == name:
                return t
        guess = difflib.get_close_matches(name, self.names, n=1)
        raise KeyError(f"report {self.name!r} declares no table {name!r}"
                       + (f" (did you mean {guess[0]!r}?)" if guess else "") + f"; it has {', '.join(self.names)}.")

    def __getattr__(self, name: str) -> Table:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self.table(name)
        except KeyError as err:
            raise AttributeError(err.args[0]) from None


_ESTIMATE = ("metric", "n", "value", "ci_low", "ci_high", "se", "confidence", "method", "n_missing")
_BREAKDOWN = ("segment", "level", "rows", "share", *_ESTIMATE, "z_vs_rest", "p_vs_rest", "p_adjusted", "test",
              "statistic", "p_table", "differs", "small", "rank")
_CHART = ("period", "n", "value", "ewma", "centre", "limit_low", "limit_high", "alert", "judged", "method", "metric")
_KEYWORDS = ("side", "word", "count_low", "count_high", "log_odds", "z")
_PHRASES = ("phrase", "comments", "share_low", "share_high", "ratio")
# issue 15: three classes, each a count, a share and its Wilson interval; mixed and mean P(positive)
_SENTIMENT = ("comments", "score_mean", *(f"{p}{c}{s}" for c in ("negative", "neutral", "positive")
                                          for p, s in (("n_", ""), ("", ""), ("", "_ci_low"), ("", "_ci_high"))),
              "mixed", "probability")
_EFFECT = ("value", "se", "ci_low", "ci_high", "p_value")
_FOLLOW_UP = ("as_of", "since", "to_call", "overdue", "due", "hours", "all_time", "past_deadline", "open",
              "call_backs_recorded")

SCORES = Report("scores", (
    Table("exclusions", ("table", "rows_read", "column", "reason", "rows", "share"),
          "rows left out of each table's metrics, per column and reason"),
    Table("overall", _ESTIMATE, "every survey metric (and the response rate) over the whole period"),
    Table("process", _ESTIMATE, "the service-ticket metrics: resolution, complaints, response and resolution times "
                     "(not saved without a tickets table)"),
    Table("trend", ("period", *_ESTIMATE), "each survey metric per `period`"),
    Table("fcr_trend", ("period", *_ESTIMATE), "first-contact resolution per `period` (needs tickets)"),
    Table("changes", ("channel", "metric", "period", "previous", "value", "previous_value", "diff", "ci_low",
                      "ci_high", "p_value", "n", "previous_n", "p_adjusted", "significant"),
          "period-over-period changes per channel, Holm-adjusted"),
    Table("overall_changes", ("metric", "period", "previous", "value", "previous_value", "diff", "ci_low", "ci_high",
                              "p_value", "n", "previous_n", "p_adjusted", "small", "significant"),
          "each survey metric's change from the period before, over all channels, Holm-adjusted (the memo)"),
    Table("stage_breakdown", _BREAKDOWN, "`composite_metric` per journey stage, tested against the rest (the memo)"),
    Table("follow_up_summary", _FOLLOW_UP, "the follow-up list of `composite_metric` in one line (the memo)"),
    Table("memo", ("locale", "text"), "the opening memo (what changed, where experience is lost, what next), per language"),
    Table("by_stage", ("journey_stage", *_ESTIMATE), "each survey metric per journey stage"),
    Table("composite", ("journey_stage", "metric", "weight", "n", "value", "se", "ci_low", "ci_high",
                        "stages_missing"),
          "`composite_metric` per stage and weighted over the stages (`stage_weights`)"),
    Table("by_channel", ("channel", *_ESTIMATE), "the response rate and each survey metric per channel"),
), inputs=(
    Input("responses", columns=("submitted_at", "journey_stage", "channel", "responded"),
          named_by=("metrics", "composite_metric")),
    Input("tickets", required=False,
          columns=("created_at", "fcr", "complaint", "first_response_min", "resolution_hours")),
))

SEGMENTS = Report("segments", (
    Table("breakdown", _BREAKDOWN, "survey metrics per level of each of `dimensions` and `crosses`, "
                                   "with tests against the rest"),
    Table("tickets_breakdown", _BREAKDOWN, "ticket metrics per level of each of `ticket_dimensions`"),
    Table("response", (*_ESTIMATE, "overall", "warning", "reason"),
          "response rate per level of `response_by` (its first column), with warnings"),
    Table("league", ("unit", "metric", "n", "value", "shrunk", "ci_low", "ci_high", "funnel_low", "funnel_high",
                     "outlier", "small", "rank"),
          "agents (the `unit` column) ranked on `league_metric`, with shrunken estimates and funnel limits"),
    Table("heatmap", (*_ESTIMATE, "small"),
          "`heatmap_metric` per cell of `heatmap_rows` x `heatmap_columns` (its first two columns)"),
    Table("alerts", _CHART, "the control chart of `alert_metric` per `period` and level of `alert_by` (first column)"),
    Table("alerts_now", _CHART, "the chart's rows that fired in the last three periods"),
    Table("drivers", ("driver", "importance", "ci_low", "ci_high", "beta", "odds_ratio", "p_value", "significant"),
          "key drivers of `driver_score` among `driver_columns`"),
    Table("follow_up", ("response_id", "submitted", "deadline"),
          "low `follow_up_metric` answers to call back (holds customer ids and comments: never on a page)"),
    Table("follow_up_summary", _FOLLOW_UP, "the follow-up list in one line: to call back this `period`, how many late"),
), inputs=(
    Input("responses", columns=("submitted_at", "responded"), optional=("response_id", "customer_id", "comment"),
          named_by=("dimensions", "crosses", "metrics", "unit", "league_metric", "response_by", "heatmap_rows",
                    "heatmap_columns", "heatmap_metric", "alert_metric", "alert_by", "driver_columns",
                    "driver_score", "follow_up_metric")),
    Input("tickets", named_by=("ticket_dimensions", "ticket_metrics")),
))

EXPERIMENT = Report("experiment", (
    Table("srm", ("observed", "expected", "share", "expected_share", "chi2", "p_value", "ok", "variant"),
          "the sample-ratio check: units per arm against the designed split"),
    Table("response_balance", ("variant", "n", "responded", "rate", "chi2", "p_value", "ok"),
          "survey response rate per arm"),
    Table("sample_size", ("variant", "n", "planned", "percent_of_plan"), "units per arm against `planned_n`"),
    Table("effects", ("variant", "metric", "n_control", "n_treatment", "value_control", "value_treatment", "diff",
                      "ci_low", "ci_high", "rel_diff", "rel_ci_low", "rel_ci_high", "p_value", "p_adjusted",
                      "significant", "method", "cuped", "n_missing", "mde"),
          "each arm's effect on each metric against `control`, Holm-adjusted, with the detectable effect"),
    Table("decision", ("text",), "the verdict, one sentence"),
), inputs=(Input("experiment", named_by=("variant", "metrics", "covariates")),), source="data_file")

BEFORE_AFTER = Report("before_after", (
    Table("by_group", ("treated", "period", *_ESTIMATE), "`score` per `period`, treated units against the rest"),
    Table("did", ("se_type", *_EFFECT, "n", "n_missing"), "the difference-in-differences estimate, per standard error"),
    Table("event_study", ("period", "relative", *_EFFECT, "pre_trend_p_value"),
          "the treated-minus-control difference per period relative to the change"),
    Table("placebo", ("se_type", *_EFFECT, "n", "n_missing"), "the same estimate at `placebo_date` (should be null)"),
    Table("its", ("term", *_EFFECT), "the interrupted time series of the treated units: level and slope changes"),
), inputs=(Input("data_kind", named_by=("score", "time", "unit")),), source="data_file")

COMMENTS = Report("comments", (
    Table("masked", ("kind", "label", "items", "comments"), "personal-data items found and masked, per kind"),
    Table("keywords", _KEYWORDS, "words that separate `low` from `high` comments"),
    Table("keywords_by_stage", _KEYWORDS, "the same per level of `by[0]` (its first column)"),
    Table("keywords_by_channel", _KEYWORDS, "the same per level of `by[1]` (its first column)"),
    Table("phrases", _PHRASES, "frequent phrases of low-score comments"),
    Table("phrases_by_stage", _PHRASES, "the same per level of `by[0]` (its first column)"),
    Table("sentiment_by_stage", _SENTIMENT, "comment sentiment next to `score` per level of `by[0]` (first column)"),
    Table("sentiment_by_channel", _SENTIMENT, "the same per level of `by[1]` (its first column)"),
    Table("sentiment_model", ("language", "model", "comments", "accuracy", "accuracy_ci_low", "accuracy_ci_high", "polar_accuracy",
                              "polar_accuracy_ci_low", "polar_accuracy_ci_high", "neutral_recall", "neutral_recall_ci_low",
                              "neutral_recall_ci_high", "used"),
          "the sentiment model used (shipped, or corrected with `sentiment_labels`) and, with labels, how the "
          "shipped and the corrected model do on them per language (5-fold cross-validation) and which is used"),
    Table("topics", ("topic", "comments", "share", "terms", "examples"),
          "themes of the low-score comments, with masked examples"),
), inputs=(Input("responses", columns=("comment",), named_by=("score", "by")),))

# issue 16: the improvement loop (notebooks/changes.ipynb)
_VERDICT = ("value", "se", "ci_low", "ci_high", "status", "reason")
CHANGES = Report("changes", (
    Table("register", ("change_id", "title", "owner", "stage", "channel", "segment", "effective", "ends", "design",
                       "table", "metric", "direction", "smallest_effect", "primary"),
          "the registered changes (`register`), one row per change and metric"),
    Table("status", ("change_id", "title", "owner", "stage", "channel", "design", "metric", "primary", "direction",
                     "smallest_effect", "effective", "as_of", "n_control", "n_treatment", *_VERDICT, "confidence",
                     "check_p_value", "answers_needed", "expected_date", "method", "status_text", "reason_text"),
          "each change's effect with its always-valid interval, status and reason at this run"),
    Table("history", ("run_at", "as_of", "change_id", "metric", "primary", *_VERDICT, "previous_status", "changed",
                      "status_since", "verified_on", "spec"),
          "every run's statuses so far (the last good run's history plus this run); `spec`: the registration "
          "an interval belongs to (runs of one spec form one confidence sequence)"),
    Table("next_stages", ("stage", "metric", "n", "value", "ci_low", "ci_high", "gap", "rank", "open_changes",
                          "changes"),
          "journey stages on `stage_metric` over the last 8 weeks, the one that most needs a change first"),
    Table("suggestions", ("source", "dimension", "level", "metric", "period", "value", "open_changes"),
          "changes worth registering: the weakest stage and recent alerts per `alert_by` (never registered)"),
    Table("follow_up_summary", ("metric", *_FOLLOW_UP, "breach_share"),
          "the follow-up list's size and deadline breaches (counts only, no personal data)"),
), inputs=(Input("responses", columns=("submitted_at", "journey_stage"),
                 named_by=("stage_metric", "alert_by", "follow_up_metric")),))

#: Notebook name (file stem) -> its declared tables.
REPORTS: dict[str, Report] = {r.name: r for r in (SCORES, SEGMENTS, EXPERIMENT, BEFORE_AFTER, COMMENTS, CHANGES)}
