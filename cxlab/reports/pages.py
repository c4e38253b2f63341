"""Read-only pages for stakeholders, served by voila.

Each page reads the latest *successful* run of a report job from ``outputs/`` and re-slices
its saved tables with widgets; it never recomputes from raw data, so it opens fast and
shows exactly the numbers of the scheduled report. Pages say which run produced the data
and when, say plainly when no run has succeeded yet, and keep showing the last good run
when the newest one failed. They show no code and no personal data (the follow-up list,
which holds customer ids and comments, is never put on a page).

Widgets carry stable CSS classes (``cx-title``, ``cx-banner``, ``cx-metric``,
``cx-dimension``, ``cx-table``) for the browser tests.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path

import pandas as pd

from .. import i18n, tables
from .._paths import resolve
from .catalog import COMMENTS, EXPERIMENT, SCORES, SEGMENTS, Table
from .outputs import latest_run

__all__ = ["run_state", "overview_app", "segments_app", "experiment_app", "comments_app", "serve_command", "serve",
           "run_page_server", "VOILA_SETTINGS", "PUBLIC_PATHS"]

# re-exported: the server that serves these pages (cxlab.pages.VOILA_SETTINGS is documented)
from .server import PUBLIC_PATHS, VOILA_SETTINGS, run_page_server, serve, serve_command  # noqa: E402

def _runs(job_dir: Path) -> list[dict]:
    records = []
    for path in job_dir.glob("*/run.json"):
        if path.parent.is_symlink():
            continue
        try:
            records.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError):
            continue
    return sorted(records, key=lambda r: r.get("started_at") or "")


def run_state(job: str, outputs: str | Path = "outputs", *, locale: str = "en") -> dict:
    """What a page should show for ``job``: the last good run, and what to tell the reader.

    Returns a dict with ``record`` (the last successful run record, or None), ``folder``
    (its folder), ``message`` (one sentence for the banner, in ``locale``) and ``level``
    (``"ok"``, ``"warning"`` or ``"empty"``).
    """
    root = resolve(outputs)
    good = latest_run(job, outputs=root)
    runs = _runs(root / job)
    newest = runs[-1] if runs else None
    if good is None:
        return {"record": None, "folder": None, "level": "empty", "message": i18n.t("page.empty", locale, job=job)}
    folder = root / job / good["run_id"]
    when = _time(good.get("ended_at"), locale)
    message = i18n.t("page.ok", locale, run=good["run_id"], when=when)
    level = "ok"
    if newest is not None and newest["run_id"] != good["run_id"] and newest.get("status") == "failed" and \
            (newest.get("started_at") or "") > (good.get("started_at") or ""):
        message = i18n.t("page.failed", locale, newest=_time(newest.get("started_at"), locale), run=good["run_id"],
                         when=when)
        level = "warning"
    return {"record": good, "folder": folder, "level": level, "message": message}


def _time(iso: str | None, locale: str = "en") -> str:
    if not iso:
        return i18n.t("page.unknown_time", locale)
    return pd.Timestamp(iso).tz_convert("UTC").strftime("%Y-%m-%d %H:%M UTC")


def _state(job: str, outputs: str | Path, locale: str | None, *peek: Table) -> tuple[dict, str]:
    """The run a page shows and the page's locale.

    The locale asked for (the page notebook's ``locale``), else ``$CXLAB_LOCALE``, else the
    ``locale`` parameter the run was made with, else the labels of the run's ``peek`` tables.
    """
    state = run_state(job, outputs)
    chosen = locale or os.environ.get(i18n.ENV, "").strip().lower()
    if not chosen and state["record"] is not None:
        chosen = (state["record"].get("parameters") or {}).get("locale") or ""
    if not chosen and state["record"] is not None:
        chosen = i18n.detect_locale(*(_table(state, t) for t in peek))
    chosen = i18n.pick_locale(chosen or "en")
    return (run_state(job, outputs, locale=chosen) if chosen != "en" else state), chosen


def _table(state: dict, table: Table) -> pd.DataFrame | None:
    """A declared table of the run ``state`` shows, or None if that run did not save it."""
    path = state["folder"] / "tables" / f"{table.name}.parquet"
    return pd.read_parquet(path) if path.exists() else None


def _image(state: dict, name: str):
    import ipywidgets as w

    path = state["folder"] / "figures" / f"{name}.png"
    if not path.exists():
        return w.HTML("")
    img = w.Image(value=path.read_bytes(), format="png", layout=w.Layout(max_width="100%"))
    img.add_class(f"cx-figure-{name}")
    return img


def _fmt(frame: pd.DataFrame, locale: str, kind: Table | None = None, **options) -> str:
    """A table as HTML for people (:func:`cxlab.tables.for_people`): labelled, rounded, no index."""
    return tables.for_people(frame, kind, locale=locale, html=True, **options)


def _header(title: str, state: dict):
    import ipywidgets as w

    head = w.HTML(f"<h2>{html.escape(title)}</h2>")
    head.add_class("cx-title")
    color = {"ok": "#2e7d32", "warning": "#b26a00", "empty": "#555"}[state["level"]]
    banner = w.HTML(f'<p style="color:{color}">{html.escape(state["message"])}</p>')
    banner.add_class("cx-banner")
    banner.add_class(f"cx-banner-{state['level']}")
    return [head, banner]


def _heading(key: str, locale: str, tag: str = "h3", **values) -> object:
    import ipywidgets as w

    return w.HTML(f"<{tag}>{html.escape(i18n.t(key, locale, **values))}</{tag}>")


def _table_widget(frame: pd.DataFrame | str, css: str = "cx-table", *, locale: str = "en", kind: Table | None = None):
    import ipywidgets as w

    box = w.HTML(frame if isinstance(frame, str) else _fmt(frame, locale, kind))
    box.add_class(css)
    return box


def _picker(options: list | dict, description: str, css: str, on_change):
    """A dropdown; ``options`` a list of values, or a dict of label -> value (names shown, codes kept)."""
    import ipywidgets as w

    shown = list(options.items()) if isinstance(options, dict) else options
    pick = w.Dropdown(options=shown, description=description, style={"description_width": "initial"})
    pick.add_class(css)
    pick.observe(lambda change: on_change(change["new"]), names="value")
    return pick


def _metric_options(metrics, locale: str) -> dict[str, str]:
    return {i18n.metric_name(m, locale): m for m in dict.fromkeys(metrics)}


def overview_app(job: str = "scores_weekly", outputs: str | Path = "outputs", locale: str | None = None):
    """The CX overview: every metric with its interval, the trend of one metric, the stages."""
    import ipywidgets as w

    state, loc = _state(job, outputs, locale, SCORES.by_stage, SCORES.changes)
    parts = _header(i18n.t("page.overview", loc), state)
    if state["record"] is None:
        return w.VBox(parts)
    overall, process = _table(state, SCORES.overall), _table(state, SCORES.process)
    trend, changes = _table(state, SCORES.trend), _table(state, SCORES.changes)
    level = overall["confidence"].iloc[0] if overall is not None and len(overall) else 0.95
    every = pd.concat([t for t in (overall, process) if t is not None])
    parts += [_heading("page.every_metric", loc, level=f"{level:.0%}"),
              _table_widget(every, locale=loc, kind=SCORES.overall)]
    metrics = list(dict.fromkeys(trend["metric"])) if trend is not None else []
    shown = _table_widget(pd.DataFrame())
    flagged = w.HTML("")
    flagged.add_class("cx-changes")

    def show(metric):
        rows = trend[trend["metric"] == metric][["period", "n", "value", "ci_low", "ci_high", "confidence"]]
        shown.value = _fmt(rows, loc, SCORES.trend, metric=metric)
        if changes is not None:
            real = changes[(changes["metric"] == metric) & changes["significant"]]
            flagged.value = (f"<p>{i18n.t('page.no_change', loc)}</p>" if real.empty else
                             f"<p><b>{i18n.t('page.real_changes', loc)}</b></p>"
                             + _fmt(real.drop(columns=["small"], errors="ignore"), loc, SCORES.changes))

    if metrics:
        parts += [_heading("page.over_time", loc), _image(state, SCORES.trend),
                  _picker(_metric_options(metrics, loc), i18n.t("page.metric", loc), "cx-metric", show), shown,
                  flagged]
        show(metrics[0])
    stages, composite = _table(state, SCORES.by_stage), _table(state, SCORES.composite)
    if stages is not None:
        parts += [_heading("page.by_stage", loc), _image(state, "by_stage")]
    if composite is not None:
        parts += [_heading("page.composite", loc, "h4"), _table_widget(composite, locale=loc, kind=SCORES.composite)]
    return w.VBox(parts)


def segments_app(job: str = "segments_weekly", outputs: str | Path = "outputs", locale: str | None = None):
    """Segments: breakdowns with a dimension and a metric picker, today's alerts, the league table."""
    import ipywidgets as w

    state, loc = _state(job, outputs, locale, SEGMENTS.breakdown)
    parts = _header(i18n.t("page.segments", loc), state)
    if state["record"] is None:
        return w.VBox(parts)
    table = _table(state, SEGMENTS.breakdown)
    cols = ["level", "n", "share", "metric", "value", "ci_low", "ci_high", "differs", "small", "rank"]
    shown = _table_widget(pd.DataFrame())
    choice = {"segment": table["segment"].iloc[0], "metric": table["metric"].iloc[0]}

    def show(key, value):
        choice[key] = value
        rows = table[(table["segment"] == choice["segment"]) & (table["metric"] == choice["metric"])]
        shown.value = _fmt(rows[cols].sort_values("rank", na_position="last"), loc, SEGMENTS.breakdown)

    dims = _picker({i18n.column_label(s, loc): s for s in dict.fromkeys(table["segment"])},
                   i18n.t("page.breakdown", loc), "cx-dimension", lambda v: show("segment", v))
    metric = _picker(_metric_options(table["metric"], loc), i18n.t("page.metric", loc), "cx-metric",
                     lambda v: show("metric", v))
    show("segment", choice["segment"])
    note = w.HTML(f"<p>{i18n.t('page.where_differs_note', loc)}</p>")
    parts += [_heading("page.where_differs", loc), note, w.HBox([dims, metric]), shown]
    alerts_now = _table(state, SEGMENTS.alerts_now)
    if alerts_now is not None:
        parts += [_heading("page.alerts", loc),
                  _table_widget(alerts_now, "cx-alerts", locale=loc, kind=SEGMENTS.alerts_now) if len(alerts_now)
                  else w.HTML(f"<p>{i18n.t('page.no_alerts', loc)}</p>")]
    league = _table(state, SEGMENTS.league)
    if league is not None:
        top = league.head(10)[["rank", "unit", "metric", "n", "value", "shrunk", "ci_low", "ci_high", "small"]]
        parts += [_heading("page.league", loc), _table_widget(top, locale=loc, kind=SEGMENTS.league),
                  _image(state, "funnel")]
    parts += [_heading("page.heatmap", loc), _image(state, "heatmap")]
    return w.VBox(parts)


def experiment_app(job: str = "experiment_onboarding", outputs: str | Path = "outputs", locale: str | None = None):
    """An experiment: trust checks, effects per metric, the decision."""
    import ipywidgets as w

    state, loc = _state(job, outputs, locale, EXPERIMENT.effects, EXPERIMENT.decision)
    parts = _header(i18n.t("page.experiment", loc), state)
    if state["record"] is None:
        return w.VBox(parts)
    decision = _table(state, EXPERIMENT.decision)
    if decision is not None:
        box = w.HTML(f"<p><b>{i18n.t('page.decision', loc)}：</b>{html.escape(decision['text'].iloc[0])}</p>"
                     if loc == "zh" else
                     f"<p><b>{i18n.t('page.decision', loc)}:</b> {html.escape(decision['text'].iloc[0])}</p>")
        box.add_class("cx-decision")
        parts.append(box)
    for table, key in ((EXPERIMENT.srm, "page.srm"), (EXPERIMENT.response_balance, "page.response_balance"),
                       (EXPERIMENT.sample_size, "page.sample_size")):
        frame = _table(state, table)
        if frame is not None:
            parts += [_heading(key, loc, "h4"), _table_widget(frame, f"cx-{table.name}", locale=loc, kind=table)]
    effects = _table(state, EXPERIMENT.effects)
    shown = _table_widget(pd.DataFrame())

    def show(metric):
        rows = effects[effects["metric"] == metric]
        keep = ["variant", "metric", "n_control", "n_treatment", "value_control", "value_treatment", "diff", "ci_low",
                "ci_high", "p_adjusted", "significant", "small", "mde"]
        shown.value = _fmt(rows[[c for c in keep if c in rows.columns]], loc, EXPERIMENT.effects)

    metrics = list(dict.fromkeys(effects["metric"]))
    parts += [_heading("page.effects", loc),
              _picker(_metric_options(metrics, loc), i18n.t("page.metric", loc), "cx-metric", show),
              shown, _image(state, "forest")]
    show(metrics[0])
    return w.VBox(parts)


def comments_app(job: str = "comments_weekly", outputs: str | Path = "outputs", locale: str | None = None):
    """Comments: what was masked, keywords and phrases of low scores, sentiment next to the score,
    themes with masked examples."""
    import ipywidgets as w

    state, loc = _state(job, outputs, locale, COMMENTS.keywords_by_stage, COMMENTS.phrases)
    parts = _header(i18n.t("page.comments", loc), state)
    if state["record"] is None:
        return w.VBox(parts)
    masked = _table(state, COMMENTS.masked)
    if masked is not None:
        total = int(masked["items"].sum())
        parts.append(w.HTML(f"<p>{i18n.t('page.masked', loc, items=total, comments=int(masked['comments'].iloc[0]))}"
                            "</p>"))
    keywords = [frame for table in (COMMENTS.keywords_by_stage, COMMENTS.keywords_by_channel)
                if (frame := _table(state, table)) is not None]
    shown = _table_widget(pd.DataFrame())
    if keywords:
        options = {}
        for frame in keywords:
            seg = frame.columns[0]
            for level in dict.fromkeys(frame[seg].astype(str)):
                options[f"{i18n.column_label(seg, loc)}: {i18n.value_label(level, loc)}"] = (frame, seg, level)

        def show(key):
            frame, seg, level = options[key]
            rows = frame[(frame[seg].astype(str) == level) & (frame["side"] == "low")]
            shown.value = _fmt(rows[["word", "count_low", "count_high", "z"]], loc, COMMENTS.keywords)

        parts += [_heading("page.words_low", loc),
                  _picker(list(options), i18n.t("page.segment", loc), "cx-dimension", show), shown]
        show(next(iter(options)))
    phrases = _table(state, COMMENTS.phrases)
    if phrases is not None:
        parts += [_heading("page.phrases", loc), _table_widget(phrases, "cx-phrases", locale=loc, kind=COMMENTS.phrases)]
    sentiment = {i18n.column_label(frame.columns[0], loc): frame for table in (COMMENTS.sentiment_by_stage,
                                                                               COMMENTS.sentiment_by_channel)
                 if (frame := _table(state, table)) is not None}
    if sentiment:
        shown_sentiment = _table_widget(pd.DataFrame(), "cx-sentiment")

        def show_sentiment(key):
            shown_sentiment.value = _fmt(sentiment[key], loc, COMMENTS.sentiment_by_stage)

        parts += [_heading("page.sentiment", loc), w.HTML(f"<p>{i18n.t('page.sentiment_note', loc)}</p>"),
                  _picker(list(sentiment), i18n.t("page.by", loc), "cx-sentiment-by", show_sentiment), shown_sentiment]
        show_sentiment(next(iter(sentiment)))
    topics = _table(state, COMMENTS.topics)
    if topics is not None:
        parts += [_heading("page.topics", loc), _table_widget(topics, "cx-topics", locale=loc, kind=COMMENTS.topics)]
    return w.VBox(parts)
