"""The live voila apps: the pages of :mod:`cxlab.reports.views` drawn as widgets, for exploring.

Stakeholders read the same pages as files built at the end of every run
(:mod:`cxlab.reports.static`, served at ``/pages/``), which need no kernel and open at once for
a whole audience. These apps draw the very same blocks with ipywidgets, so what an analyst
explores live is what stakeholders read. Widgets carry the blocks' CSS classes (``cx-title``,
``cx-banner``, ``cx-metric``, ``cx-dimension``, ``cx-table`` ...) for the browser tests.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

from .blocks import Cards, Chart, Heading, Html, Page, Switch, png
from .changes_view import changes_view
from .views import comments_view, experiment_view, overview_view, run_state, segments_view

__all__ = ["run_state", "changes_app", "overview_app", "segments_app", "experiment_app", "comments_app", "widgets",
           "serve_command", "serve", "run_page_server", "VOILA_SETTINGS", "PUBLIC_PATHS"]

# re-exported: the server that serves these pages (cxlab.pages.VOILA_SETTINGS is documented)
from .server import PUBLIC_PATHS, VOILA_SETTINGS, run_page_server, serve, serve_command  # noqa: E402

_CARD_CSS = ("<style>.cx-cards{display:flex;flex-wrap:wrap;gap:12px}.cx-card{border:1px solid #ddd;"
             "border-top:4px solid #90a4ae;border-radius:6px;padding:8px 12px;min-width:170px}"
             ".cx-good{border-top-color:#2e7d32}.cx-bad{border-top-color:#c62828}.cx-card-value{font-size:24px;"
             "font-weight:600}.cx-card-title,.cx-card-detail{font-size:12px;color:#555}</style>")


def _html(text: str, css: str = ""):
    import ipywidgets as w

    box = w.HTML(text)
    for name in css.split():
        box.add_class(name)
    return box


def _widget(block):
    import ipywidgets as w

    if isinstance(block, Html):
        return _html(block.html, block.css or "cx-table")
    if isinstance(block, Heading):
        return _html(f"<{block.tag}>{html.escape(block.text)}</{block.tag}>", block.css)
    if isinstance(block, Cards):
        cards = "".join(
            f'<div class="cx-card cx-{c.tone}"><div class="cx-card-title">{html.escape(c.title)}</div>'
            f'<div class="cx-card-value">{html.escape(c.value)}</div><div class="cx-card-detail">'
            f'{html.escape(c.detail)}</div><div><b>{html.escape(c.verdict)}</b></div></div>' for c in block.cards)
        return _html(f'{_CARD_CSS}<div class="cx-cards">{cards}</div>', f"cx-cards {block.css}")
    if isinstance(block, Chart):
        data = base64.b64encode(png(block.draw())).decode("ascii")
        return _html(f'<img style="max-width:100%" alt="{html.escape(block.alt)}" src="data:image/png;base64,{data}">',
                     f"cx-chart cx-figure-{block.name}")
    if isinstance(block, Switch):
        shown = w.VBox()
        picks = []

        def show(_change=None):
            shown.children = [_widget(b) for b in block.view(tuple(p.value for p in picks))]

        for picker in block.pickers:
            pick = w.Dropdown(options=list(picker.options.items()), description=picker.label,
                              style={"description_width": "initial"})
            if picker.css:
                pick.add_class(picker.css)
            pick.observe(show, names="value")
            picks.append(pick)
        show()
        box = w.VBox([w.HBox(picks), shown])
        box.add_class("cx-switch")
        return box
    raise TypeError(f"not a page block: {block!r}")


def widgets(page: Page):
    """A page (:class:`cxlab.reports.blocks.Page`) as one ipywidgets box: title, run banner, blocks."""
    import ipywidgets as w

    parts = [_html(f"<h2>{html.escape(page.title)}</h2>", "cx-title"),
             _html(f'<p class="cx-banner-{page.level}">{html.escape(page.banner)}</p>',
                   f"cx-banner cx-banner-{page.level}")]
    return w.VBox(parts + [_widget(b) for b in page.blocks])


def overview_app(job: str = "scores_weekly", outputs: str | Path = "outputs", locale: str | None = None):
    """The CX overview: headline figures, each metric over time, the stages and channels."""
    return widgets(overview_view(job, outputs, locale or None))


def segments_app(job: str = "segments_weekly", outputs: str | Path = "outputs", locale: str | None = None):
    """Segments: where experience differs (dimension and metric pickers), alerts, league table, heatmap."""
    return widgets(segments_view(job, outputs, locale or None))


def experiment_app(job: str = "experiment_onboarding", outputs: str | Path = "outputs", locale: str | None = None):
    """An experiment: the decision, the effects with their intervals, the trust checks."""
    return widgets(experiment_view(job, outputs, locale or None))


def comments_app(job: str = "comments_weekly", outputs: str | Path = "outputs", locale: str | None = None):
    """Comments: what was masked, words and phrases of low scores, sentiment beside the score, themes."""
    return widgets(comments_view(job, outputs, locale or None))


def changes_app(job: str = "changes_weekly", outputs: str | Path = "outputs", locale: str | None = None):
    """The improvement loop: each registered change's status, reason and effect over the runs."""
    return widgets(changes_view(job, outputs, locale or None))
