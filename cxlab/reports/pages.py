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

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pandas as pd

from .. import tables
from .._paths import project_root, resolve
from .catalog import COMMENTS, EXPERIMENT, SCORES, SEGMENTS, Table
from .outputs import latest_run

__all__ = ["run_state", "overview_app", "segments_app", "experiment_app", "comments_app", "serve_command", "serve",
           "VOILA_SETTINGS"]

#: Explicit voila settings (also in notebooks/apps/voila.json): no sources, no tracebacks,
#: a cell timeout, idle kernels culled, one preheated kernel per page.
VOILA_SETTINGS = {
    "Voila.ip": "127.0.0.1",
    "VoilaConfiguration.strip_sources": True,
    "VoilaConfiguration.show_tracebacks": False,
    "VoilaExecutor.timeout": 60,
    "MappingKernelManager.cull_idle_timeout": 900,
    "MappingKernelManager.cull_interval": 60,
}


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


def run_state(job: str, outputs: str | Path = "outputs") -> dict:
    """What a page should show for ``job``: the last good run, and what to tell the reader.

    Returns a dict with ``record`` (the last successful run record, or None), ``folder``
    (its folder), ``message`` (one sentence for the banner) and ``level`` (``"ok"``,
    ``"warning"`` or ``"empty"``).
    """
    root = resolve(outputs)
    good = latest_run(job, outputs=root)
    runs = _runs(root / job)
    newest = runs[-1] if runs else None
    if good is None:
        return {"record": None, "folder": None, "level": "empty",
                "message": f"No run of the report “{job}” has succeeded yet, so there is nothing to show. "
                           "Please check back later, or ask the report's owner."}
    folder = root / job / good["run_id"]
    when = _time(good.get("ended_at"))
    message = f"Data from the scheduled run {good['run_id']}, produced {when}."
    level = "ok"
    if newest is not None and newest["run_id"] != good["run_id"] and newest.get("status") == "failed" and \
            (newest.get("started_at") or "") > (good.get("started_at") or ""):
        message = (f"The newest run ({_time(newest.get('started_at'))}) failed, so this page still shows the "
                   f"last good run {good['run_id']}, produced {when}.")
        level = "warning"
    return {"record": good, "folder": folder, "level": level, "message": message}


def _time(iso: str | None) -> str:
    if not iso:
        return "at an unknown time"
    return pd.Timestamp(iso).tz_convert("UTC").strftime("%Y-%m-%d %H:%M UTC")


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


def _fmt(frame: pd.DataFrame) -> str:
    """A table as HTML for reading: rounded numbers, no index."""
    shown = frame.copy()
    for col in shown.columns:
        if pd.api.types.is_float_dtype(shown[col]):
            digits = 3 if col.startswith("p_") or col == "p_value" else 1
            shown[col] = shown[col].map(lambda v, d=digits: "" if pd.isna(v) else f"{v:,.{d}f}")
    return shown.to_html(index=False, classes="cx-html-table", border=0, na_rep="")


def _header(title: str, state: dict):
    import ipywidgets as w

    head = w.HTML(f"<h2>{title}</h2>")
    head.add_class("cx-title")
    color = {"ok": "#2e7d32", "warning": "#b26a00", "empty": "#555"}[state["level"]]
    banner = w.HTML(f'<p style="color:{color}">{state["message"]}</p>')
    banner.add_class("cx-banner")
    banner.add_class(f"cx-banner-{state['level']}")
    return [head, banner]


def _table_widget(frame: pd.DataFrame, css: str = "cx-table"):
    import ipywidgets as w

    box = w.HTML(_fmt(frame))
    box.add_class(css)
    return box


def _picker(options: list, description: str, css: str, on_change):
    import ipywidgets as w

    pick = w.Dropdown(options=options, description=description, style={"description_width": "initial"})
    pick.add_class(css)
    pick.observe(lambda change: on_change(change["new"]), names="value")
    return pick


def overview_app(job: str = "scores_weekly", outputs: str | Path = "outputs"):
    """The CX overview: every metric with its interval, the trend of one metric, the stages."""
    import ipywidgets as w

    state = run_state(job, outputs)
    parts = _header("CX overview", state)
    if state["record"] is None:
        return w.VBox(parts)
    overall, process = _table(state, SCORES.overall), _table(state, SCORES.process)
    trend, changes = _table(state, SCORES.trend), _table(state, SCORES.changes)
    level = overall["confidence"].iloc[0] if overall is not None and len(overall) else 0.95
    parts += [w.HTML(f"<h3>Every metric, with its {100 * level:g} % interval</h3>"),
              _table_widget(pd.concat([tables.format_scores(t) for t in (overall, process) if t is not None]))]
    metrics = list(dict.fromkeys(trend["metric"])) if trend is not None else []
    shown = _table_widget(pd.DataFrame())
    flagged = w.HTML("")
    flagged.add_class("cx-changes")

    def show(metric):
        rows = trend[trend["metric"] == metric][["period", "n", "value", "ci_low", "ci_high"]]
        shown.value = _fmt(rows)
        if changes is not None:
            real = changes[(changes["metric"] == metric) & changes["significant"]]
            flagged.value = ("<p>No change between periods survives the multiple-testing correction.</p>"
                             if real.empty else "<p><b>Real changes between periods:</b></p>"
                             + _fmt(real.drop(columns=["metric", "significant"])))

    if metrics:
        parts += [w.HTML("<h3>Over time</h3>"), _image(state, SCORES.trend),
                  _picker(metrics, "Metric", "cx-metric", show), shown, flagged]
        show(metrics[0])
    stages, composite = _table(state, SCORES.by_stage), _table(state, SCORES.composite)
    if stages is not None:
        parts += [w.HTML("<h3>By journey stage</h3>"), _image(state, "by_stage")]
    if composite is not None:
        parts += [w.HTML("<h4>Weighted journey composite</h4>"),
                  _table_widget(composite.drop(columns=["stages_missing"], errors="ignore"))]
    return w.VBox(parts)


def segments_app(job: str = "segments_weekly", outputs: str | Path = "outputs"):
    """Segments: breakdowns with a dimension and a metric picker, today's alerts, the league table."""
    import ipywidgets as w

    state = run_state(job, outputs)
    parts = _header("Segments", state)
    if state["record"] is None:
        return w.VBox(parts)
    table = _table(state, SEGMENTS.breakdown)
    cols = ["level", "n", "share", "value", "ci_low", "ci_high", "differs", "small", "rank"]
    shown = _table_widget(pd.DataFrame())
    choice = {"segment": table["segment"].iloc[0], "metric": table["metric"].iloc[0]}

    def show(key, value):
        choice[key] = value
        rows = table[(table["segment"] == choice["segment"]) & (table["metric"] == choice["metric"])]
        shown.value = _fmt(rows[cols].sort_values("rank", na_position="last"))

    dims = _picker(list(dict.fromkeys(table["segment"])), "Breakdown", "cx-dimension", lambda v: show("segment", v))
    metric = _picker(list(dict.fromkeys(table["metric"])), "Metric", "cx-metric", lambda v: show("metric", v))
    show("segment", choice["segment"])
    parts += [w.HTML("<h3>Where experience differs</h3><p><i>differs</i>: really different from the other "
                     "segments (Holm-corrected); <i>small</i>: too few answers to rank.</p>"),
              w.HBox([dims, metric]), shown]
    alerts_now = _table(state, SEGMENTS.alerts_now)
    if alerts_now is not None:
        parts += [w.HTML("<h3>Alerts</h3>"), _table_widget(alerts_now[[c for c in alerts_now.columns
                                                                       if c not in ("ewma", "judged")]], "cx-alerts")
                  if len(alerts_now) else w.HTML("<p>No touchpoint is below its control limit.</p>")]
    league = _table(state, SEGMENTS.league)
    if league is not None:
        parts += [w.HTML("<h3>League table (shrunken estimates)</h3>"),
                  _table_widget(league.head(10)[["rank", "unit", "n", "value", "shrunk", "ci_low", "ci_high"]]),
                  _image(state, "funnel")]
    parts += [w.HTML("<h3>Heatmap</h3>"), _image(state, "heatmap")]
    return w.VBox(parts)


def experiment_app(job: str = "experiment_onboarding", outputs: str | Path = "outputs"):
    """An experiment: trust checks, effects per metric, the decision."""
    import ipywidgets as w

    state = run_state(job, outputs)
    parts = _header("Experiment", state)
    if state["record"] is None:
        return w.VBox(parts)
    decision = _table(state, EXPERIMENT.decision)
    if decision is not None:
        box = w.HTML(f"<p><b>Decision:</b> {decision['text'].iloc[0]}</p>")
        box.add_class("cx-decision")
        parts.append(box)
    for table, title in ((EXPERIMENT.srm, "Sample ratio"), (EXPERIMENT.response_balance, "Survey response by arm"),
                         (EXPERIMENT.sample_size, "Size against the plan")):
        frame = _table(state, table)
        if frame is not None:
            parts += [w.HTML(f"<h4>{title}</h4>"), _table_widget(frame, f"cx-{table.name}")]
    effects = _table(state, EXPERIMENT.effects)
    shown = _table_widget(pd.DataFrame())

    def show(metric):
        rows = effects[effects["metric"] == metric]
        shown.value = _fmt(rows[["variant", "n_control", "n_treatment", "value_control", "value_treatment", "diff",
                                 "ci_low", "ci_high", "p_adjusted", "significant", "mde"]])

    metrics = list(dict.fromkeys(effects["metric"]))
    parts += [w.HTML("<h3>Effects against the control arm</h3>"), _picker(metrics, "Metric", "cx-metric", show),
              shown, _image(state, "forest")]
    show(metrics[0])
    return w.VBox(parts)


def comments_app(job: str = "comments_weekly", outputs: str | Path = "outputs"):
    """Comments: what was masked, keywords and phrases of low scores, sentiment next to the score,
    themes with masked examples."""
    import ipywidgets as w

    state = run_state(job, outputs)
    parts = _header("Customer comments", state)
    if state["record"] is None:
        return w.VBox(parts)
    masked = _table(state, COMMENTS.masked)
    if masked is not None:
        total = int(masked["items"].sum())
        parts.append(w.HTML(f"<p>{total:,} personal-data items were found in {int(masked['comments'].iloc[0]):,} "
                            "comments and masked before anything was saved or shown.</p>"))
    keywords = [frame for table in (COMMENTS.keywords_by_stage, COMMENTS.keywords_by_channel)
                if (frame := _table(state, table)) is not None]
    shown = _table_widget(pd.DataFrame())
    if keywords:
        options = {}
        for frame in keywords:
            seg = frame.columns[0]
            for level in dict.fromkeys(frame[seg].astype(str)):
                options[f"{seg}: {level}"] = (frame, seg, level)

        def show(key):
            frame, seg, level = options[key]
            rows = frame[(frame[seg].astype(str) == level) & (frame["side"] == "low")]
            shown.value = _fmt(rows[["word", "count_low", "count_high", "z"]])

        parts += [w.HTML("<h3>Words of low scores</h3>"), _picker(list(options), "Segment", "cx-dimension", show), shown]
        show(next(iter(options)))
    phrases = _table(state, COMMENTS.phrases)
    if phrases is not None:
        parts += [w.HTML("<h3>Frequent phrases of low scores</h3>"), _table_widget(phrases, "cx-phrases")]
    sentiment = {label: frame for label, table in (("journey stage", COMMENTS.sentiment_by_stage),
                                                   ("channel", COMMENTS.sentiment_by_channel))
                 if (frame := _table(state, table)) is not None}
    if sentiment:
        shown_sentiment = _table_widget(pd.DataFrame(), "cx-sentiment")

        def show_sentiment(key):
            shown_sentiment.value = _fmt(sentiment[key])

        parts += [w.HTML("<h3>Sentiment next to the score</h3><p>positive: percent of comments read as positive, "
                         "with its 95 % interval; probability: mean probability of positive.</p>"),
                  _picker(list(sentiment), "By", "cx-sentiment-by", show_sentiment), shown_sentiment]
        show_sentiment(next(iter(sentiment)))
    topics = _table(state, COMMENTS.topics)
    if topics is not None:
        parts += [w.HTML("<h3>Themes of the low-score comments</h3>"), _table_widget(topics, "cx-topics")]
    return w.VBox(parts)


def serve_command(*, port: int = 8866, token: str | None = None, apps: str | Path = "notebooks/apps",
                  preheat: bool = True) -> list[str]:
    """The standalone voila command for the pages (never Lab's /voila/render, where tokens run code)."""
    voila = str(Path(sys.executable).with_name("voila"))
    cmd = [voila, str(resolve(apps)), "--no-browser", f"--port={port}", f"--token={token or ''}"]
    cmd += [f"--{k}={v}" for k, v in VOILA_SETTINGS.items()]
    if preheat:
        cmd += ["--VoilaConfiguration.preheat_kernel=True", "--VoilaKernelManager.kernel_pools_config="
                + json.dumps({"default": {"pool_size": 1}})]
    return cmd


def serve(*, port: int = 8866, token: str | None = None, preheat: bool = True) -> int:
    """Serve the pages on loopback until stopped; prints the address with its token."""
    token = token if token is not None else secrets.token_urlsafe(16)
    cmd = serve_command(port=port, token=token, preheat=preheat)
    print(f"Pages: http://127.0.0.1:{port}/?token={token}")
    for page in sorted(resolve("notebooks/apps").glob("*.ipynb")):
        print(f"  {page.stem}: http://127.0.0.1:{port}/voila/render/{page.name}?token={token}")
    env = {**os.environ, "CXLAB_HOME": str(project_root())}
    return subprocess.call(cmd, env=env)
