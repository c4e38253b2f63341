"""The stakeholder pages as files: built at the end of every run, served behind the token.

After each run of a job (succeeded or failed) the runner calls :func:`build_job_pages`, which
draws the job's page (:mod:`cxlab.reports.views`) in every language as one self-contained HTML
file with every picker state in it, and replaces the old file atomically:

    outputs/pages/<job>.<locale>.html       one page per job and language
    outputs/pages/index.<locale>.html       the list of pages

A visitor then costs the server one file read, not a kernel: the first visitor after a run
sees that run, a failed run leaves the last good one on the page with a warning, and a whole
audience opens the pages at once on a small machine. ``cxlab serve`` serves these files at
``/pages/`` (token required) beside the live voila apps, which stay for exploring.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from .. import i18n
from .._paths import resolve
from .blocks import Html, Page, to_html
from .params import load_schedule
from .outputs import latest_run
from .changes_view import changes_view
from .views import VIEWS as _TABLE_VIEWS
from .views import page_state

__all__ = ["PAGES_DIR", "page_jobs", "build_job_pages", "build_index", "build_all", "page_file", "missing_page", "job_title",
           "rebuild_after_run", "build_stale"]

#: Where the built pages live, under the outputs folder.
PAGES_DIR = "pages"
#: Report notebook (file stem) -> the view of its page.
VIEWS = {**_TABLE_VIEWS, "changes": changes_view}
_TITLES = {"changes": "page.changes", "scores": "page.overview", "segments": "page.segments", "experiment": "page.experiment",
           "comments": "page.comments"}
_APPS = {"changes": "changes", "scores": "overview", "segments": "segments", "experiment": "experiment", "comments": "comments"}


def page_jobs(schedule: str | Path = "params/schedule.yaml") -> dict[str, str]:
    """Job name -> report notebook stem, for the scheduled jobs whose report has a page."""
    jobs = load_schedule(schedule).jobs
    return {name: Path(job.notebook).stem for name, job in jobs.items() if Path(job.notebook).stem in VIEWS}


def page_file(outputs: str | Path, name: str, locale: str) -> Path:
    """The built file of page ``name`` (a job, or ``index``) in ``locale``."""
    return resolve(outputs) / PAGES_DIR / f"{name}.{locale}.html"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o644)  # readable as any page file is (mkstemp makes it private)
    os.replace(tmp, path)  # a visitor reads the old file or the new one, never half of one


def job_title(job: str, stem: str, outputs: str | Path, locale: str) -> str:
    """What a job's page is called in ``locale``: the report title its runs use when in that language."""
    record = latest_run(job, outputs=resolve(outputs))
    title = str(((record or {}).get("parameters") or {}).get("title") or "")
    if title and i18n.has_cjk(title) == (locale == "zh"):
        return title
    return f"{i18n.t(_TITLES[stem], locale)} · {job}"


def _nav(jobs: dict[str, str], current: str, locale: str, outputs: str | Path) -> list[tuple[str, str, bool]]:
    nav = [(i18n.t("page.pages", locale), f"index.{locale}.html", current == "index")]
    nav += [(job_title(job, stem, outputs, locale), f"{job}.{locale}.html", job == current)
            for job, stem in jobs.items()]
    return nav


def _languages(name: str, locale: str) -> list[tuple[str, str]]:
    return [({"zh": "中文", "en": "English"}[other], f"{name}.{other}.html") for other in i18n.LOCALES
            if other != locale]


def _footer(locale: str) -> str:
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return i18n.t("page.built", locale, when=when)


def build_job_pages(job: str, *, outputs: str | Path = "outputs", schedule: str | Path = "params/schedule.yaml",
                    notebook: str | None = None) -> list[Path]:
    """Draw ``job``'s page in every language from its latest good run; returns the files written.

    ``notebook`` is the job's report notebook stem (default: from ``schedule``). A job whose
    report has no page writes nothing.
    """
    jobs = page_jobs(schedule)
    stem = notebook or jobs.get(job)
    if stem not in VIEWS:
        return []
    jobs.setdefault(job, stem)
    written = []
    for locale in i18n.LOCALES:
        page = VIEWS[stem](job=job, outputs=outputs, locale=locale)
        live = f"/voila/render/{_APPS[stem]}.ipynb?job={job}"
        page.blocks.append(Html(f'<p><small><a href="{live}">{i18n.t("page.explore", locale)}</a></small></p>'))
        text = to_html(page, nav=_nav(jobs, job, locale, outputs), languages=_languages(job, locale), footer=_footer(locale))
        path = page_file(outputs, job, locale)
        _write(path, text)
        written.append(path)
    return written


def build_index(*, outputs: str | Path = "outputs", schedule: str | Path = "params/schedule.yaml") -> list[Path]:
    """The list of pages in every language: each job's page, its run banner, and a link."""
    import html

    jobs = page_jobs(schedule)
    written = []
    for locale in i18n.LOCALES:
        items = []
        for job, stem in jobs.items():
            state, _ = page_state(job, outputs, locale)
            items.append(f'<li><a href="{job}.{locale}.html">{html.escape(job_title(job, stem, outputs, locale))}'
                         f'</a><br><small class="cx-banner-{state["level"]}">'
                         f'{html.escape(state["message"])}</small></li>')
        page = Page(title=i18n.t("page.pages", locale), banner=i18n.t("page.index_note", locale), level="ok",
                    locale=locale, blocks=[Html(f'<ul class="cx-index">{"".join(items)}</ul>')])
        text = to_html(page, nav=_nav(jobs, "index", locale, outputs), languages=_languages("index", locale),
                       footer=_footer(locale))
        path = page_file(outputs, "index", locale)
        _write(path, text)
        written.append(path)
    return written


def build_all(*, outputs: str | Path = "outputs", schedule: str | Path = "params/schedule.yaml") -> list[Path]:
    """Every page and the index, from each job's latest good run (``cxlab pages``)."""
    written = []
    for job in page_jobs(schedule):
        written += build_job_pages(job, outputs=outputs, schedule=schedule)
    return written + build_index(outputs=outputs, schedule=schedule)


def build_stale(*, outputs: str | Path = "outputs", schedule: str | Path = "params/schedule.yaml") -> list[Path]:
    """Build the pages that are missing or older than their job's newest run (``cxlab serve`` at start)."""
    root = resolve(outputs)
    written = []
    for job in page_jobs(schedule):
        newest = max((p.stat().st_mtime for p in (root / job).glob("*/run.json")), default=None)
        files = [page_file(root, job, loc) for loc in i18n.LOCALES]
        if any(not f.exists() or (newest is not None and f.stat().st_mtime < newest) for f in files):
            written += build_job_pages(job, outputs=root, schedule=schedule)
    if written or not all(page_file(root, "index", loc).exists() for loc in i18n.LOCALES):
        written += build_index(outputs=root, schedule=schedule)
    return written


def rebuild_after_run(job: str, *, outputs: str | Path, schedule: str | Path, notebook: str | None) -> None:
    """What the runner calls after every run: the job's pages and the index; a failure is reported, not raised.

    A page that cannot be drawn must not turn a good run into a failed one, but it is never
    silent: the reason goes to stderr, and the old page stays (saying which run it shows).
    """
    try:
        build_job_pages(job, outputs=outputs, schedule=schedule, notebook=notebook)
        build_index(outputs=outputs, schedule=schedule)
    except Exception as err:  # noqa: BLE001 - a boundary: the run stays good, the reason is printed
        print(f"{job}: the stakeholder page was not rebuilt ({type(err).__name__}: {err}); "
              f"run `cxlab pages` to retry.", file=sys.stderr)


def missing_page(job: str, locale: str) -> str:
    """The page served when a job's page was never built: what to do, in ``locale``."""
    page = Page(title=job, banner=i18n.t("page.not_built", locale, job=job), level="empty", locale=locale)
    return to_html(page)
