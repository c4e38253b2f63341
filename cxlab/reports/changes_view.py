"""The improvement loop's page: every registered change with its owner, status, reason and effect chart.

Built like the other pages (:mod:`cxlab.reports.views`): from the saved tables of the latest good
run of a ``changes`` job (:data:`cxlab.reports.catalog.CHANGES`), headline figures first, then the
charts, then the tables.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from .. import i18n
from .blocks import Card, Cards, Chart, Heading, Html, Page, Picker, Switch
from .catalog import CHANGES
from .views import follow_up_card, page_state, read_table, table_block

__all__ = ["changes_view", "STATUS_ORDER"]

#: Statuses in the order a manager reads them, with the tone of their card.
STATUS_ORDER = {"harmful": "bad", "inconclusive": "bad", "waiting": "neutral", "no_effect": "muted",
                "verified": "good"}


def changes_view(job: str = "changes_weekly", outputs: str | Path = "outputs", locale: str | None = None) -> Page:
    """The loop at a glance: open changes by status and owner, each one's effect over the runs, the
    follow-up list, and the stages that most need a next change."""
    state, loc = page_state(job, outputs, locale, CHANGES.status)
    page = Page(title=i18n.t("page.changes", loc), banner=state["message"], level=state["level"], locale=loc)
    if state["record"] is None:
        return page
    from .. import plots  # only pages with a run draw charts (and read the loop's wording)
    from ..loop.wording import describe

    status, history = read_table(state, CHANGES.status), read_table(state, CHANGES.history)
    follow, stages = read_table(state, CHANGES.follow_up_summary), read_table(state, CHANGES.next_stages)
    suggestions = read_table(state, CHANGES.suggestions)
    if status is not None and len(status):  # the run wrote its sentences in its own language: this page's
        status = describe(status, loc)
    primary = status[status["primary"].astype(bool)] if status is not None and len(status) else None
    cards = []
    if primary is not None:
        counts = primary["status"].value_counts()
        for name, tone in STATUS_ORDER.items():
            if counts.get(name, 0):
                cards.append(Card(i18n.t(f"val.{name}", loc), f"{int(counts[name]):,}",
                                  i18n.t("card.changes_detail", loc), tone=tone))
    if stages is not None and len(stages):
        top = stages.sort_values("rank").iloc[0]
        cards.append(Card(i18n.t("card.next_stage", loc), str(top["stage"]),
                          i18n.t("card.next_stage_detail", loc, changes=top["changes"] or "–"), tone="bad"))
    if follow is not None and len(follow):
        cards.append(follow_up_card(follow, loc))
    if cards:
        page.blocks += [Heading(i18n.t("page.headline", loc)), Cards(tuple(cards))]
    if primary is not None and history is not None:
        lines = "".join(f"<li><b>{html.escape(str(r['title']))}</b>（{html.escape(str(r['owner']))}）："
                        f"{html.escape(str(r['status_text']))}。{html.escape(str(r['reason_text']))}</li>"
                        if loc == "zh" else
                        f"<li><b>{html.escape(str(r['title']))}</b> ({html.escape(str(r['owner']))}): "
                        f"{html.escape(str(r['status_text']))}. {html.escape(str(r['reason_text']))}</li>"
                        for _, r in primary.iterrows())
        page.blocks += [Heading(i18n.t("page.open_changes", loc)), Html(f'<ul class="cx-change-list">{lines}</ul>'),
                        Chart(lambda: plots.plot_changes(history, status, locale=loc), "changes")]
        options = {f"{r['change_id']}: {r['title']}": str(r["change_id"]) for _, r in primary.iterrows()}

        def one(key):
            rows = history[history["change_id"] == key[0]]
            keep = ["as_of", "metric", "status", "value", "ci_low", "ci_high", "previous_status", "status_since",
                    "verified_on"]
            return [table_block(rows[[c for c in keep if c in rows.columns]], loc, CHANGES.history)]

        page.blocks += [Heading(i18n.t("page.change_history", loc)),
                        Switch((Picker(i18n.t("page.change", loc), options, "cx-change"),), one, "cx-history")]
        by_owner = primary.sort_values(["owner", "status"])[
            ["owner", "change_id", "title", "metric", "status", "value", "ci_low", "ci_high", "expected_date",
             "confidence"]]
        page.blocks += [Heading(i18n.t("page.by_owner", loc)), table_block(by_owner, loc, CHANGES.status)]
    if stages is not None and len(stages):
        page.blocks += [Heading(i18n.t("page.next_stages", loc)), table_block(stages, loc, CHANGES.next_stages)]
    if suggestions is not None:
        page.blocks += [Heading(i18n.t("page.suggestions", loc)), Html(f"<p>{i18n.t('page.suggestions_note', loc)}</p>"),
                        table_block(suggestions if len(suggestions) else pd.DataFrame(), loc, CHANGES.suggestions)]
    return page
