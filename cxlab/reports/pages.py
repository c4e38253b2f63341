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

import contextlib
import json
import os
import re
import secrets
import sys
from pathlib import Path

import pandas as pd

from .. import tables
from .._paths import project_root, resolve
from ..errors import ParameterError
from .catalog import COMMENTS, EXPERIMENT, SCORES, SEGMENTS, Table
from .outputs import latest_run

__all__ = ["run_state", "overview_app", "segments_app", "experiment_app", "comments_app", "serve_command", "serve",
           "run_page_server", "VOILA_SETTINGS", "PUBLIC_PATHS"]

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


#: Paths a visitor reaches without the token: voila's own scripts, styles, fonts and themes, and the
#: login form. Everything else (pages, the page list, /voila/files/, the kernel websocket) needs the token.
PUBLIC_PATHS = ("/voila/static/", "/voila/templates/", "/voila/labextensions/", "/voila/api/themes/", "/login")

_REMOTE_ASSET = re.compile(r'<link[^>]*href="https?://[^"]*"[^>]*>|<script[^>]*src="https?://[^"]*"[^>]*>\s*</script>')


def _voila_args(*, port: int, token: str | None, apps: str | Path, preheat: bool) -> list[str]:
    if token is None or not token.strip():
        raise ParameterError("The pages need an access token: give a non-empty --token, or none at all and "
                             "cxlab serve makes a random one. An empty token would serve every page to anyone.")
    args = [str(resolve(apps)), "--no-browser", f"--port={port}", f"--token={token}",
            "--VoilaConfiguration.classic_tree=True"]
    args += [f"--{k}={v}" for k, v in VOILA_SETTINGS.items()]
    if preheat:
        args += ["--VoilaConfiguration.preheat_kernel=True", "--VoilaKernelManager.kernel_pools_config="
                 + json.dumps({"default": {"pool_size": 1}})]
    return args


def serve_command(*, port: int = 8866, token: str | None = None, apps: str | Path = "notebooks/apps",
                  preheat: bool = True) -> list[str]:
    """The command that serves the pages: voila, hardened by :func:`run_page_server`.

    Never Lab's /voila/render, where tokens run code. ``token`` must be a non-empty string
    (:class:`~cxlab.errors.ParameterError` otherwise).
    """
    return [sys.executable, "-m", "cxlab.reports.pages", *_voila_args(port=port, token=token, apps=apps,
                                                                      preheat=preheat)]


def _page_server_class():
    """Voila's app with the hardening of :func:`run_page_server` (imported only by the server)."""
    import shutil
    import signal
    import tempfile

    from jupyter_server.auth.identity import PasswordIdentityProvider
    from jupyter_server.base.handlers import JupyterHandler
    from jupyter_server.services.kernels.handlers import KernelHandler
    from tornado.web import HTTPError, authenticated
    from voila.app import Voila
    from voila.request_info_handler import RequestInfoSocketHandler
    from voila.static_file_handler import AllowListFileHandler
    from voila.tornado.contentshandler import VoilaContentsHandler

    class SameOriginIdentity(PasswordIdentityProvider):
        def should_check_origin(self, handler) -> bool:  # jupyter_server skips it for token holders
            return True

    class TokenFiles(JupyterHandler, AllowListFileHandler):
        async def prepare(self):
            await super().prepare()
            if self.current_user is None:
                raise HTTPError(403)

        def compute_etag(self):
            return AllowListFileHandler.compute_etag(self)

        def write_error(self, status_code, **kwargs):  # a bare status: no server template, no traceback
            self.finish(f"{status_code}: {self._reason}")

    class KernelModel(JupyterHandler):
        """GET of the page's own kernel model, which the page's widget manager reads: id and name only.

        Every other method (DELETE, PATCH, POST ...) is refused; restart, interrupt and the kernel list
        are not routed at all.
        """

        @authenticated
        def get(self, kernel_id):
            if kernel_id not in self.kernel_manager:
                raise HTTPError(404)
            self.finish({"id": kernel_id, "name": self.kernel_manager.get_kernel(kernel_id).kernel_name})

        def _refuse(self, *args, **kwargs):
            raise HTTPError(403)

        post = put = patch = delete = options = _refuse

    class PageServer(Voila):
        def initialize(self, argv=None):
            super().initialize(argv)
            if not self.token:
                raise ParameterError("The page server refuses to start without a token.")
            signal.signal(signal.SIGINT, self._handle_signal_stop)  # voila handles SIGTERM only

        def _handle_signal_stop(self, sig, frame):
            loop = getattr(self, "ioloop", None)
            if loop is None:  # still starting: nothing served, no kernel yet
                raise SystemExit(128 + sig)
            loop.add_callback_from_signal(loop.stop)

        def setup_template_dirs(self):
            super().setup_template_dirs()
            self._offline = tempfile.mkdtemp(prefix="cxlab_pages_")
            seen: set[str] = set()  # the first file of a name on the template path wins, as in jinja
            for folder in map(Path, self.template_paths):
                for path in sorted([*folder.rglob("*.html"), *folder.rglob("*.j2")]) if folder.is_dir() else []:
                    name = path.relative_to(folder).as_posix()
                    if name in seen or "static" in path.parts:
                        continue
                    seen.add(name)
                    text = path.read_text(encoding="utf-8", errors="replace")
                    clean = _REMOTE_ASSET.sub("", text)
                    if name.endswith("mermaidjs.html.j2"):  # imports mermaid from a CDN when a page has a diagram
                        clean = '{%- macro mermaid_js(url="", elk_url="") -%}{%- endmacro -%}'
                    if clean != text:
                        copy = Path(self._offline) / name
                        copy.parent.mkdir(parents=True, exist_ok=True)
                        copy.write_text(clean, encoding="utf-8")
            self.template_paths.insert(0, self._offline)

        def init_settings(self):
            self.identity_provider_class = SameOriginIdentity
            settings = super().init_settings()
            settings.update(allow_remote_access=False, local_hostnames=["localhost"], allow_origin="",
                            allow_origin_pat="")
            return settings

        def init_handlers(self):
            # Not for visitors: the kernel REST API (but the page's GET, see KernelModel), the contents API,
            # and the unauthenticated request-info socket of preheated kernels (no page asks for its query).
            dropped = (VoilaContentsHandler, RequestInfoSocketHandler)
            kept = []
            for spec in super().init_handlers():
                if spec[1] in dropped:
                    continue
                if spec[1] is KernelHandler:
                    spec = (spec[0], KernelModel, *spec[2:])
                if spec[1] is AllowListFileHandler:
                    spec = (spec[0], TokenFiles, *spec[2:])
                kept.append(spec)
            return kept

        def stop(self):
            try:
                super().stop()
            finally:
                for kernel_id in list(self.kernel_manager.list_kernel_ids()):  # any the graceful shutdown missed
                    with contextlib.suppress(Exception):
                        self.kernel_manager.get_kernel(kernel_id).provisioner.process.kill()
                shutil.rmtree(getattr(self, "_offline", ""), ignore_errors=True)

    return PageServer


def run_page_server(argv: list[str]) -> int:
    """Run voila on ``argv`` (as for the ``voila`` command) in this process, hardened for visitors.

    Hardening: a non-empty token is required; every path but :data:`PUBLIC_PATHS` needs it, including
    ``/voila/files/``; the kernel REST and contents APIs are not served; websocket handshakes from
    another origin (or ``Origin: null``) are refused, token or not, and so are requests whose Host is not
    loopback; page templates reference no remote asset (voila's Font Awesome CDN links are dropped:
    voila's own bundle carries the icons). SIGTERM and SIGINT stop the server and shut down every kernel.
    """
    app = _page_server_class()()
    app.initialize(argv)
    app.start()
    return 0


def serve(*, port: int = 8866, token: str | None = None, preheat: bool = True) -> int:
    """Serve the pages on loopback until SIGTERM or SIGINT; prints the address with its token.

    Without ``token`` a random one is made; an empty token is refused (:class:`~cxlab.errors.ParameterError`).
    The server runs in this process, so stopping it stops voila and all its kernels.
    """
    token = token if token is not None else secrets.token_urlsafe(16)
    args = _voila_args(port=port, token=token, apps="notebooks/apps", preheat=preheat)
    print(f"Pages: http://127.0.0.1:{port}/?token={token}")
    for page in sorted(resolve("notebooks/apps").glob("*.ipynb")):
        print(f"  {page.stem}: http://127.0.0.1:{port}/voila/render/{page.name}?token={token}")
    sys.stdout.flush()
    os.environ["CXLAB_HOME"] = str(project_root())
    return run_page_server(args)


if __name__ == "__main__":  # the process of serve_command
    sys.exit(run_page_server(sys.argv[1:]))
