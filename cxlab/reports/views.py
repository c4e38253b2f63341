"""What each stakeholder page shows, as blocks (:mod:`cxlab.reports.blocks`), from a run's saved tables.

Each ``*_view`` reads the latest *successful* run of a report job from ``outputs/`` and lays out
its page: headline figures first, then charts, then the tables (below, for whoever wants the
numbers). It never recomputes from raw data, so a page shows exactly the numbers of the
scheduled report. Pages say which run produced the data and when, say plainly when no run has
succeeded yet, and keep showing the last good run when the newest one failed. They show no
personal data: the follow-up list, which holds customer ids and comments, is counted, never shown.

The same views are drawn as self-contained HTML at the end of every run
(:mod:`cxlab.reports.static`) and as widgets by the live voila apps (:mod:`cxlab.reports.pages`).
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path

import pandas as pd

from .. import i18n, tables
from .._paths import resolve
from ..memo import weakest_group
from ..metric_defs import METRICS
from .blocks import Card, Cards, Chart, Heading, Html, Page, Picker, Switch
from .catalog import COMMENTS, EXPERIMENT, SCORES, SEGMENTS, Table
from .outputs import latest_run

__all__ = ["run_state", "page_state", "read_table", "table_block", "follow_up_card", "overview_view", "segments_view",
           "experiment_view", "comments_view", "VIEWS"]


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


def page_state(job: str, outputs: str | Path, locale: str | None, *peek: Table) -> tuple[dict, str]:
    """The run a page shows and the page's locale.

    The locale asked for, else ``$CXLAB_LOCALE``, else the ``locale`` parameter the run was
    made with, else the labels of the run's ``peek`` tables.
    """
    state = run_state(job, outputs)
    chosen = locale or os.environ.get(i18n.ENV, "").strip().lower()
    if not chosen and state["record"] is not None:
        chosen = (state["record"].get("parameters") or {}).get("locale") or ""
    if not chosen and state["record"] is not None:
        chosen = i18n.detect_locale(*(_table(state, t) for t in peek))
    chosen = i18n.pick_locale(chosen or "en")
    return (run_state(job, outputs, locale=chosen) if chosen != "en" else state), chosen


def read_table(state: dict, table: Table) -> pd.DataFrame | None:
    """A declared table of the run ``state`` shows, or None if that run did not save it."""
    path = state["folder"] / "tables" / f"{table.name}.parquet"
    return pd.read_parquet(path) if path.exists() else None


def _page(title_key: str, state: dict, loc: str) -> Page:
    return Page(title=i18n.t(title_key, loc), banner=state["message"], level=state["level"], locale=loc)


def table_block(frame: pd.DataFrame, loc: str, kind: Table | None = None, css: str = "cx-table", **options) -> Html:
    """A table for people (:func:`cxlab.tables.for_people`), or "(no rows)" in words."""
    if frame.empty:
        return Html(f"<p><i>{html.escape(i18n.t('none', loc))}</i></p>", css)
    return Html(tables.for_people(frame, kind, locale=loc, html=True, **options), css)


_table, _fmt = read_table, table_block  # the names the page functions use


def _below(label_key: str, loc: str, *blocks: Html) -> Html:
    """Tables folded under a "the numbers" summary line, after the charts."""
    inner = "".join(b.html for b in blocks)
    return Html(f"<details><summary>{html.escape(i18n.t(label_key, loc))}</summary>{inner}</details>", "cx-below")


def _p(text: str, css: str = "") -> Html:
    return Html(f"<p>{html.escape(text)}</p>", css)


def _metric_options(metrics, loc: str) -> dict[str, str]:
    return {i18n.metric_name(m, loc): str(m) for m in dict.fromkeys(metrics)}


def _value(value, metric: str, loc: str, **kw) -> str:
    return tables.format_value(value, metric, loc, **kw)


def _interval(row, metric: str, loc: str, level: str) -> str:
    low, high = _value(row["ci_low"], metric, loc, unit=False), _value(row["ci_high"], metric, loc, unit=False)
    return i18n.t("card.interval", loc, level=level, low=low, high=high) if low and high else ""


def _tone(diff: float, metric: str) -> str:
    better_high = METRICS[metric].higher_is_better if metric in METRICS else True
    return "good" if (diff > 0) == better_high else "bad"


def _level(frame: pd.DataFrame | None) -> str:
    if frame is not None and len(frame) and "confidence" in frame.columns and pd.notna(frame["confidence"].iloc[0]):
        return f"{float(frame['confidence'].iloc[0]):.0%}"
    return "95%"


def _memo_block(markdown: str) -> Html:
    """The report's memo (:func:`cxlab.memo.memo`, Markdown with bold lead-ins) as HTML paragraphs."""
    paragraphs = []
    for para in markdown.split("\n\n"):
        text = html.escape(para)
        while text.count("**") >= 2:
            text = text.replace("**", "<b>", 1).replace("**", "</b>", 1)
        paragraphs.append(f"<p>{text}</p>")
    return Html("".join(paragraphs), "cx-memo")


def _metric_cards(trend: pd.DataFrame, changes: pd.DataFrame | None, loc: str) -> Cards:
    """Each metric's latest period, its interval, and its change from the period before (real or not)."""
    cards = []
    level = _level(trend)
    for metric in dict.fromkeys(trend["metric"]):
        rows = trend[trend["metric"] == metric]
        last = rows.iloc[-1]
        title = i18n.t("card.metric_in", loc, metric=i18n.metric_name(metric, loc), period=str(last["period"]))
        detail = " · ".join(x for x in (_interval(last, metric, loc, level), f"n = {int(last['n']):,}") if x)
        verdict, tone = "", "neutral"
        change = None
        if changes is not None and len(changes):
            mine = changes[(changes["metric"] == metric) & (changes["period"].astype(str) == str(last["period"]))]
            change = mine.iloc[-1] if len(mine) else None
        if change is not None:
            diff = _value(change["diff"], metric, loc, signed=True)
            if bool(change.get("small", False)) or pd.isna(change["diff"]):
                verdict, tone = i18n.t("card.too_few", loc), "muted"
            elif bool(change["significant"]):
                verdict, tone = i18n.t("card.real_change", loc, diff=diff), _tone(change["diff"], metric)
            else:
                verdict = i18n.t("card.noise", loc, diff=diff)
        cards.append(Card(title, _value(last["value"], metric, loc), detail, verdict, tone))
    return Cards(tuple(cards))


def overview_view(job: str = "scores_weekly", outputs: str | Path = "outputs", locale: str | None = None) -> Page:
    """The CX overview: headline figures, the trend of each metric, the journey stages and channels."""
    state, loc = page_state(job, outputs, locale, SCORES.by_stage, SCORES.changes)
    page = _page("page.overview", state, loc)
    if state["record"] is None:
        return page
    from .. import plots  # only pages with a run draw charts

    overall, process = _table(state, SCORES.overall), _table(state, SCORES.process)
    trend, changes = _table(state, SCORES.trend), _table(state, SCORES.changes)
    overall_changes = _table(state, SCORES.overall_changes)
    blocks = page.blocks
    if trend is not None and len(trend):
        blocks += [Heading(i18n.t("page.headline", loc)), _metric_cards(trend, overall_changes, loc)]
    memo = _table(state, SCORES.memo)
    if memo is not None and (mine := memo[memo["locale"] == loc]).shape[0]:
        blocks.append(_memo_block(str(mine["text"].iloc[0])))
    if trend is not None and len(trend):

        def over_time(key):
            (metric,) = key
            rows = trend[trend["metric"] == metric]
            shown = [Chart(lambda: plots.plot_trend(rows, metric=metric, locale=loc), f"trend-{metric}",
                           i18n.metric_name(metric, loc))]
            if changes is not None:
                real = changes[(changes["metric"] == metric) & changes["significant"].fillna(False).astype(bool)]
                shown.append(_p(i18n.t("page.no_change", loc)) if real.empty else Html(
                    f"<p><b>{html.escape(i18n.t('page.real_changes', loc))}</b></p>"
                    + _fmt(real.drop(columns=["small"], errors="ignore"), loc, SCORES.changes).html, "cx-changes"))
            shown.append(_below("page.the_numbers", loc, _fmt(
                rows[["period", "n", "value", "ci_low", "ci_high", "confidence"]], loc, SCORES.trend, metric=metric)))
            return shown

        blocks += [Heading(i18n.t("page.over_time", loc)),
                   Switch((Picker(i18n.t("page.metric", loc), _metric_options(trend["metric"], loc), "cx-metric"),),
                          over_time, "cx-over-time")]
    for table, key, y in ((SCORES.by_stage, "page.by_stage", "journey_stage"),
                          (SCORES.by_channel, "page.by_channel", "channel")):
        frame = _table(state, table)
        if frame is not None and len(frame) and y in frame.columns:
            metrics = list(dict.fromkeys(frame["metric"]))
            blocks += [Heading(i18n.t(key, loc)),
                       Chart(lambda f=frame, y=y, m=metrics: plots.plot_breakdown(f, y=y, metrics=m, locale=loc),
                             table.name)]
    composite = _table(state, SCORES.composite)
    if composite is not None:
        blocks += [Heading(i18n.t("page.composite", loc), "h4"), _fmt(composite, loc, SCORES.composite)]
    every = [t for t in (overall, process) if t is not None]
    if every:
        blocks += [Heading(i18n.t("page.every_metric", loc, level=_level(overall))),
                   _fmt(pd.concat(every), loc, SCORES.overall)]
    return page


def follow_up_card(follow: pd.DataFrame, loc: str) -> Card:
    """This period's call-backs and how many are late, from a follow-up summary table."""
    f = follow.iloc[0]
    return Card(i18n.t("card.follow_up", loc), f"{int(f['to_call']):,}",
                i18n.t("card.follow_up_detail", loc, hours=int(f["hours"]), overdue=int(f["overdue"])),
                tone="bad" if f["overdue"] else "neutral")


def _weakest(breakdown: pd.DataFrame, loc: str) -> Card | None:
    """The group whose score is furthest below the rest, among groups that really differ."""
    worst = weakest_group(breakdown)
    if worst is None:
        return None
    metric = str(worst["metric"])
    sep = "：" if loc == "zh" else ": "
    return Card(i18n.t("card.weakest", loc, metric=i18n.metric_name(metric, loc)), str(worst["level"]),
                f"{i18n.column_label(worst['segment'], loc)}{sep}{_value(worst['value'], metric, loc)}",
                i18n.t("card.below_rest", loc), "bad")


def segments_view(job: str = "segments_weekly", outputs: str | Path = "outputs", locale: str | None = None) -> Page:
    """Segments: where experience differs, today's alerts, the league table and heatmap."""
    state, loc = page_state(job, outputs, locale, SEGMENTS.breakdown)
    page = _page("page.segments", state, loc)
    if state["record"] is None:
        return page
    from .. import plots  # only pages with a run draw charts

    table = _table(state, SEGMENTS.breakdown)
    alerts_now, league = _table(state, SEGMENTS.alerts_now), _table(state, SEGMENTS.league)
    follow = _table(state, SEGMENTS.follow_up_summary)
    cards = []
    if table is not None and len(table):
        differs = table["differs"].fillna(False).astype(bool)
        cards.append(Card(i18n.t("card.groups_differ", loc), f"{int(differs.sum()):,} / {len(table):,}",
                          i18n.t("card.groups_differ_detail", loc)))
        weakest = _weakest(table, loc)
        if weakest is not None:
            cards.append(weakest)
    if alerts_now is not None:
        cards.append(Card(i18n.t("card.alerts", loc), f"{len(alerts_now):,}", i18n.t("card.alerts_detail", loc),
                          tone="bad" if len(alerts_now) else "good"))
    if follow is not None and len(follow):
        cards.append(follow_up_card(follow, loc))
    if cards:
        page.blocks += [Heading(i18n.t("page.headline", loc)), Cards(tuple(cards))]
    if table is not None and len(table):
        cols = ["level", "n", "share", "metric", "value", "ci_low", "ci_high", "differs", "small", "rank"]

        def breakdown(key):
            segment, metric = key
            rows = table[(table["segment"] == segment) & (table["metric"] == metric)]
            if rows.empty:
                return [_p(i18n.t("none", loc))]
            def draw():
                ax = plots.plot_estimates(rows, metric=metric, y="level", locale=loc)
                ax.set_ylabel(i18n.column_label(segment, loc))
                return ax

            out = [Chart(draw, "breakdown", f"{segment} {metric}")] if len(rows) <= 40 else []
            return out + [_fmt(rows[cols].sort_values("rank", na_position="last"), loc, SEGMENTS.breakdown)]

        pickers = (Picker(i18n.t("page.breakdown", loc),
                          {i18n.column_label(s, loc): str(s) for s in dict.fromkeys(table["segment"])}, "cx-dimension"),
                   Picker(i18n.t("page.metric", loc), _metric_options(table["metric"], loc), "cx-metric"))
        page.blocks += [Heading(i18n.t("page.where_differs", loc)), Html(f"<p>{i18n.t('page.where_differs_note', loc)}"
                                                                          "</p>"),
                        Switch(pickers, breakdown, "cx-breakdown")]
    if alerts_now is not None:
        page.blocks += [Heading(i18n.t("page.alerts", loc)),
                        _fmt(alerts_now, loc, SEGMENTS.alerts_now, "cx-alerts") if len(alerts_now)
                        else _p(i18n.t("page.no_alerts", loc))]
    if league is not None and len(league):
        top = league.head(10)[["rank", "unit", "metric", "n", "value", "shrunk", "ci_low", "ci_high", "small"]]
        page.blocks += [Heading(i18n.t("page.league", loc)),
                        Chart(lambda: plots.plot_funnel(league, locale=loc), "funnel"),
                        _below("page.the_numbers", loc, _fmt(top, loc, SEGMENTS.league))]
    heat = _table(state, SEGMENTS.heatmap)
    if heat is not None and len(heat) and len(heat.columns) > 2:
        y, x = heat.columns[0], heat.columns[1]
        page.blocks += [Heading(i18n.t("page.heatmap", loc)),
                        Chart(lambda: plots.plot_heatmap(heat, x=x, y=y, metric=heat["metric"].iloc[0], locale=loc),
                              "heatmap")]
    return page


def experiment_view(job: str = "experiment_onboarding", outputs: str | Path = "outputs",
                    locale: str | None = None) -> Page:
    """An experiment: the decision, each effect as a headline figure and in the forest plot, trust checks."""
    state, loc = page_state(job, outputs, locale, EXPERIMENT.effects, EXPERIMENT.decision)
    page = _page("page.experiment", state, loc)
    if state["record"] is None:
        return page
    from .. import plots  # only pages with a run draw charts

    decision = _table(state, EXPERIMENT.decision)
    if decision is not None and len(decision):
        sep = "：" if loc == "zh" else ": "
        page.blocks.append(Html(f"<p><b>{html.escape(i18n.t('page.decision', loc))}{sep}</b>"
                                f"{html.escape(decision['text'].iloc[0])}</p>", "cx-decision"))
    effects = _table(state, EXPERIMENT.effects)
    if effects is not None and len(effects):
        level = f"{float((state['record'].get('parameters') or {}).get('confidence') or 0.95):.0%}"
        cards = []
        for _, r in effects.iterrows():
            metric = str(r["metric"])
            title = i18n.t("card.effect", loc, metric=i18n.metric_name(metric, loc), variant=r["variant"])
            if pd.isna(r["diff"]):
                cards.append(Card(title, "–", "", i18n.t("card.too_few", loc), "muted"))
                continue
            sig = bool(r["significant"]) if pd.notna(r["significant"]) else False
            verdict = i18n.t("card.effect_real", loc) if sig else i18n.t("card.effect_none", loc)
            cards.append(Card(title, _value(r["diff"], metric, loc, signed=True), _interval(r, metric, loc, level),
                              verdict, _tone(r["diff"], metric) if sig else "neutral"))
        page.blocks += [Heading(i18n.t("page.effects", loc)), Cards(tuple(cards)),
                        Chart(lambda: plots.plot_forest(effects, locale=loc), "forest"),
                        _p(i18n.t("page.cuped_note", loc))]
        keep = ["variant", "metric", "n_control", "n_treatment", "value_control", "value_treatment", "diff", "ci_low",
                "ci_high", "p_adjusted", "significant", "small", "mde"]

        def by_metric(key):
            rows = effects[effects["metric"] == key[0]]
            return [_fmt(rows[[c for c in keep if c in rows.columns]], loc, EXPERIMENT.effects)]

        page.blocks.append(Switch((Picker(i18n.t("page.metric", loc), _metric_options(effects["metric"], loc),
                                          "cx-metric"),), by_metric, "cx-effects"))
    checks = []
    for table, key in ((EXPERIMENT.srm, "page.srm"), (EXPERIMENT.response_balance, "page.response_balance"),
                       (EXPERIMENT.sample_size, "page.sample_size")):
        frame = _table(state, table)
        if frame is not None:
            checks += [Heading(i18n.t(key, loc), "h4"), _fmt(frame, loc, table, f"cx-{table.name}")]
    if checks:
        page.blocks += [Heading(i18n.t("page.trust_checks", loc)), *checks]
    return page


def _sentiment_tables(state: dict, loc: str) -> dict[str, pd.DataFrame]:
    return {str(frame.columns[0]): frame for table in (COMMENTS.sentiment_by_stage, COMMENTS.sentiment_by_channel)
            if (frame := _table(state, table)) is not None and len(frame)}


def _sentiment_model_note(check: pd.DataFrame | None, loc: str) -> str:
    """Which model read the comments: the shipped one, or corrected with the team's labels (and what that bought)."""
    if check is None or not (check["model"] == "adapted").any():
        return i18n.t("page.sentiment_shipped", loc)
    from ..text.adapt import MIN_LABELLED  # only a page with a run gets here

    lines = []
    for lang, pair in check.groupby("language", sort=False):
        row = pair.set_index("model")
        used = bool(row.loc["adapted", "used"])
        if pd.isna(row.loc["adapted", "accuracy"]):
            lines.append(i18n.t("page.sentiment_too_few", loc, language=i18n.value_label(str(lang), loc),
                                n=int(row.loc["adapted", "comments"]), least=MIN_LABELLED))
            continue
        lines.append(i18n.t("page.sentiment_adapted" if used else "page.sentiment_kept", loc,
                            language=i18n.value_label(str(lang), loc), n=int(row.loc["adapted", "comments"]),
                            before=tables.format_value(float(row.loc["shipped", "accuracy"]), None, loc),
                            after=tables.format_value(float(row.loc["adapted", "accuracy"]), None, loc)))
    return " ".join(lines)


def comments_view(job: str = "comments_weekly", outputs: str | Path = "outputs", locale: str | None = None) -> Page:
    """Comments: what was masked, the words and phrases of low scores as bars, sentiment beside the
    score, themes with masked examples."""
    state, loc = page_state(job, outputs, locale, COMMENTS.keywords_by_stage, COMMENTS.phrases)
    page = _page("page.comments", state, loc)
    if state["record"] is None:
        return page
    from .. import plots  # only pages with a run draw charts

    masked, phrases = _table(state, COMMENTS.masked), _table(state, COMMENTS.phrases)
    keywords = _table(state, COMMENTS.keywords)
    sentiment = _sentiment_tables(state, loc)
    cards = []
    if masked is not None and len(masked):
        cards += [Card(i18n.t("card.comments", loc), f"{int(masked['comments'].iloc[0]):,}"),
                  Card(i18n.t("card.masked", loc), f"{int(masked['items'].sum()):,}", i18n.t("card.masked_detail", loc))]
    if sentiment:
        frame = next(iter(sentiment.values()))
        every = frame[frame.iloc[:, 0].astype(str) == "(all)"]  # the summary's row over every comment
        share = plots.sentiment_shares(every) if len(every) else None
        if share is not None:
            negative = tables.format_value(float(share["negative"].iloc[0]), None, loc)
            cards.append(Card(i18n.t("card.negative", loc), f"{negative}%", i18n.t("card.negative_detail", loc)))
    if keywords is not None and len(low := keywords[keywords["side"] == "low"]):
        cards.append(Card(i18n.t("card.top_word", loc), str(low["word"].iloc[0]),
                          i18n.t("card.top_word_detail", loc, n=int(low["count_low"].iloc[0]))))
    if cards:
        page.blocks += [Heading(i18n.t("page.headline", loc)), Cards(tuple(cards))]
    if masked is not None and len(masked):
        page.blocks.append(_p(i18n.t("page.masked", loc, items=int(masked["items"].sum()),
                                     comments=int(masked["comments"].iloc[0]))))
    options, frames = {}, {}
    for table in (COMMENTS.keywords_by_stage, COMMENTS.keywords_by_channel):
        frame = _table(state, table)
        if frame is None or frame.empty:
            continue
        seg = frame.columns[0]
        for level in dict.fromkeys(frame[seg].astype(str)):
            key = f"{seg}={level}"
            options[f"{i18n.column_label(seg, loc)}: {i18n.value_label(level, loc)}"] = key
            frames[key] = frame[(frame[seg].astype(str) == level) & (frame["side"] == "low")]
    if options:
        def words(key):
            rows = frames[key[0]]
            if rows.empty:
                return [_p(i18n.t("none", loc))]
            return [Chart(lambda: plots.plot_keywords(rows, locale=loc), "keywords"),
                    _below("page.the_numbers", loc, _fmt(rows[["word", "count_low", "count_high", "z"]], loc,
                                                         COMMENTS.keywords))]

        page.blocks += [Heading(i18n.t("page.words_low", loc)),
                        Switch((Picker(i18n.t("page.segment", loc), options, "cx-dimension"),), words, "cx-words")]
    if phrases is not None and len(phrases):
        page.blocks += [Heading(i18n.t("page.phrases", loc)),
                        Chart(lambda: plots.plot_phrases(phrases, locale=loc), "phrases"),
                        _below("page.the_numbers", loc, _fmt(phrases, loc, COMMENTS.phrases, "cx-phrases"))]
    if sentiment:
        def by(key):
            frame = sentiment[key[0]]
            return [Chart(lambda: plots.plot_sentiment(frame, locale=loc), "sentiment"),
                    _below("page.the_numbers", loc, _fmt(frame, loc, COMMENTS.sentiment_by_stage, "cx-sentiment"))]

        page.blocks += [Heading(i18n.t("page.sentiment", loc)), _p(i18n.t("page.sentiment_note", loc)),
                        _p(_sentiment_model_note(_table(state, COMMENTS.sentiment_model), loc)),
                        Switch((Picker(i18n.t("page.by", loc), {i18n.column_label(s, loc): s for s in sentiment},
                                       "cx-sentiment-by"),), by, "cx-sentiment-switch")]
    topics = _table(state, COMMENTS.topics)
    if topics is not None:
        page.blocks += [Heading(i18n.t("page.topics", loc)), _fmt(topics, loc, COMMENTS.topics, "cx-topics")]
    return page


#: Report notebook (file stem) -> the view of its page and the page's file name stem.
VIEWS = {"scores": overview_view, "segments": segments_view, "experiment": experiment_view,
         "comments": comments_view}
