"""What a page is made of, written once and drawn two ways: as a self-contained HTML file and as
voila widgets.

A page is a list of blocks: headings, paragraphs and tables (:class:`Html`), headline figures
(:class:`Cards`), charts (:class:`Chart`, drawn with matplotlib only when rendered) and views
that pickers switch between (:class:`Switch`). :func:`to_html` writes the whole page with
every picker state in it, so a visitor's browser switches views without a server round trip
and the page needs no kernel; :mod:`cxlab.reports.pages` turns the same blocks into widgets
for the live voila apps.

CSS classes are stable for the browser tests: ``cx-title``, ``cx-banner``, ``cx-cards``,
``cx-card``, ``cx-chart``, ``cx-switch``, ``cx-view`` and each block's own ``css``.
"""

from __future__ import annotations

import base64
import html
import io
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

__all__ = ["Html", "Heading", "Card", "Cards", "Chart", "Picker", "Switch", "Block", "Page", "png", "to_html",
           "STYLE", "KEY_SEP"]

#: Joins picker values into a view key (a character no label uses).
KEY_SEP = "\u241f"


@dataclass(frozen=True)
class Html:
    """Ready HTML (a paragraph, a table from :func:`cxlab.tables.for_people`)."""

    html: str
    css: str = ""


@dataclass(frozen=True)
class Heading:
    text: str
    tag: str = "h3"
    css: str = ""


@dataclass(frozen=True)
class Card:
    """One headline figure: what it is, its value, one line of detail, and its tone.

    ``tone`` is ``"good"``, ``"bad"``, ``"neutral"`` or ``"muted"`` (too few answers).
    """

    title: str
    value: str
    detail: str = ""
    verdict: str = ""
    tone: str = "neutral"


@dataclass(frozen=True)
class Cards:
    cards: tuple[Card, ...]
    css: str = "cx-headline"


@dataclass(frozen=True)
class Chart:
    """A chart, drawn when the page is rendered: ``draw()`` returns a matplotlib Figure or Axes."""

    draw: Callable[[], object]
    name: str
    alt: str = ""


@dataclass(frozen=True)
class Picker:
    """A dropdown: ``options`` maps the label people read to the value the view is keyed on."""

    label: str
    options: dict[str, str]
    css: str = ""


@dataclass(frozen=True)
class Switch:
    """Views chosen by pickers: ``view(values)`` gives the blocks for one choice per picker."""

    pickers: tuple[Picker, ...]
    view: Callable[[tuple[str, ...]], list]
    css: str = ""

    def keys(self) -> list[tuple[str, ...]]:
        """Every combination of picker values, in the pickers' order."""
        return list(itertools.product(*(list(p.options.values()) for p in self.pickers)))


Block = Html | Heading | Cards | Chart | Switch


@dataclass
class Page:
    """A page: its title, the run banner (level ``ok``, ``warning`` or ``empty``), its blocks."""

    title: str
    banner: str
    level: str
    locale: str
    blocks: list = field(default_factory=list)


def png(figure, *, dpi: int = 90) -> bytes:
    """A matplotlib Figure (or Axes) as PNG bytes; the figure is closed."""
    import matplotlib.pyplot as plt

    fig = getattr(figure, "figure", figure)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


#: The page style: one column, readable widths, CJK fonts first, no web fonts.
STYLE = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei",
 "Helvetica Neue",Arial,sans-serif;margin:0;background:#f6f7f9;color:#1f2933;line-height:1.5}
main{max-width:1100px;margin:0 auto;padding:16px 24px 48px}
nav{background:#1f3a5f;color:#fff;padding:8px 24px;font-size:14px}
nav a{color:#fff;margin-right:16px;text-decoration:none}
nav a.cx-current{font-weight:bold;text-decoration:underline}
nav .cx-lang{float:right}
h2.cx-title{margin:8px 0 4px;font-size:26px}
.cx-banner{margin:0 0 16px;font-size:14px}
.cx-banner-ok{color:#2e7d32}.cx-banner-warning{color:#b26a00;font-weight:bold}.cx-banner-empty{color:#555}
.cx-cards{display:flex;flex-wrap:wrap;gap:12px;margin:8px 0 16px}
.cx-card{background:#fff;border-radius:8px;padding:12px 16px;min-width:180px;flex:1 1 180px;
 box-shadow:0 1px 3px rgba(0,0,0,.12);border-top:4px solid #90a4ae}
.cx-card.cx-good{border-top-color:#2e7d32}.cx-card.cx-bad{border-top-color:#c62828}
.cx-card.cx-muted{border-top-color:#cfd8dc;color:#607d8b}
.cx-card-title{font-size:13px;color:#52606d}.cx-card-value{font-size:28px;font-weight:600}
.cx-card-detail{font-size:12px;color:#52606d}.cx-card-verdict{font-size:13px;font-weight:600}
.cx-good .cx-card-verdict{color:#2e7d32}.cx-bad .cx-card-verdict{color:#c62828}
img.cx-chart{max-width:100%;background:#fff;border-radius:6px;margin:4px 0 8px}
.cx-html-table{border-collapse:collapse;background:#fff;font-size:13px;margin:4px 0 8px}
.cx-html-table th{background:#eceff1;text-align:left;padding:4px 8px;font-weight:600}
.cx-html-table td{padding:3px 8px;border-top:1px solid #eceff1}
.cx-table{overflow-x:auto}
.cx-pickers{display:flex;gap:16px;flex-wrap:wrap;margin:6px 0}
.cx-pickers label{font-size:14px}.cx-pickers select{font-size:14px;padding:2px 4px;margin-left:6px}
details{margin:8px 0}summary{cursor:pointer;color:#1f3a5f}
footer{font-size:12px;color:#7b8794;margin-top:32px}
"""

_SCRIPT = """
document.querySelectorAll('.cx-switch').forEach(function (sw) {
  var selects = sw.querySelectorAll(':scope > .cx-pickers select');
  function show() {
    var key = Array.prototype.map.call(selects, function (s) { return s.value; }).join('\\u241f');
    sw.querySelectorAll(':scope > .cx-view').forEach(function (v) { v.hidden = v.dataset.key !== key; });
  }
  selects.forEach(function (s) { s.addEventListener('change', show); });
  show();
});
"""


def _card(card: Card) -> str:
    esc = html.escape
    return (f'<div class="cx-card cx-{card.tone}"><div class="cx-card-title">{esc(card.title)}</div>'
            f'<div class="cx-card-value">{esc(card.value)}</div>'
            + (f'<div class="cx-card-detail">{esc(card.detail)}</div>' if card.detail else "")
            + (f'<div class="cx-card-verdict">{esc(card.verdict)}</div>' if card.verdict else "") + "</div>")


def _chart(chart: Chart) -> str:
    data = base64.b64encode(png(chart.draw())).decode("ascii")
    return (f'<img class="cx-chart cx-figure-{html.escape(chart.name)}" alt="{html.escape(chart.alt)}" '
            f'loading="lazy" src="data:image/png;base64,{data}">')


def _switch(switch: Switch) -> str:
    pickers = []
    for picker in switch.pickers:
        options = "".join(f'<option value="{html.escape(v)}">{html.escape(label)}</option>'
                          for label, v in picker.options.items())
        pickers.append(f'<label>{html.escape(picker.label)}<select class="{html.escape(picker.css)}">'
                       f"{options}</select></label>")
    views = []
    for i, key in enumerate(switch.keys()):
        inner = "".join(_block(b) for b in switch.view(key))
        views.append(f'<div class="cx-view" data-key="{html.escape(KEY_SEP.join(key))}"{" hidden" if i else ""}>'
                     f"{inner}</div>")
    return (f'<div class="cx-switch {html.escape(switch.css)}"><div class="cx-pickers">{"".join(pickers)}</div>'
            + "".join(views) + "</div>")


def _block(block) -> str:
    if isinstance(block, Html):
        return f'<div class="{html.escape(block.css)}">{block.html}</div>' if block.css else block.html
    if isinstance(block, Heading):
        css = f' class="{html.escape(block.css)}"' if block.css else ""
        return f"<{block.tag}{css}>{html.escape(block.text)}</{block.tag}>"
    if isinstance(block, Cards):
        return f'<div class="cx-cards {html.escape(block.css)}">' + "".join(_card(c) for c in block.cards) + "</div>"
    if isinstance(block, Chart):
        return _chart(block)
    if isinstance(block, Switch):
        return _switch(block)
    raise TypeError(f"not a page block: {block!r}")


def to_html(page: Page, *, nav: Sequence[tuple[str, str, bool]] = (), languages: Sequence[tuple[str, str]] = (),
            footer: str = "") -> str:
    """The page as one self-contained HTML document: styles, charts (PNG) and every picker state inline.

    ``nav`` lists ``(label, href, current)`` links to the other pages; ``languages`` the
    ``(label, href)`` of the same page in other languages. Nothing is fetched from anywhere.
    """
    esc = html.escape
    current_css = ' class="cx-current"'
    links = "".join(f'<a href="{esc(href)}"{current_css if current else ""}>{esc(label)}</a>'
                    for label, href, current in nav)
    langs = "".join(f'<a href="{esc(href)}">{esc(label)}</a>' for label, href in languages)
    body = "".join(_block(b) for b in page.blocks)
    lang = "zh-CN" if page.locale == "zh" else "en"
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(page.title)}</title><style>{STYLE}</style></head><body>"
            f'<nav>{links}<span class="cx-lang">{langs}</span></nav><main>'
            f'<h2 class="cx-title">{esc(page.title)}</h2>'
            f'<p class="cx-banner cx-banner-{esc(page.level)}">{esc(page.banner)}</p>'
            f"{body}<footer>{esc(footer)}</footer></main><script>{_SCRIPT}</script></body></html>\n")
