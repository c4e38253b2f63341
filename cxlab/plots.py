"""The standard charts: tidy frame in, matplotlib Axes out. Chinese labels render correctly.

Numbers are rounded here, never in the computation layer.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib import font_manager

from . import i18n
from .metric_defs import METRICS

__all__ = ["use_cjk_font", "cjk_font", "cjk_font_files", "font_advice", "plot_trend", "plot_estimates",
           "plot_trends", "plot_breakdown", "plot_forest", "plot_funnel", "plot_heatmap", "plot_keywords", "plot_phrases",
           "plot_sentiment", "sentiment_shares", "plot_changes", "CJK_FONTS"]

#: Fonts with Chinese glyphs, in order of preference (Debian's fonts-noto-cjk first).
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "Source Han Sans SC",
             "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC", "SimHei", "Heiti SC")
#: Font file names that hold Chinese glyphs, for machines without fontconfig's ``fc-list``.
_CJK_FILES = ("*CJK*", "*cjk*", "wqy*", "*WenQuanYi*", "*SourceHanSans*", "msyh*", "simhei*", "PingFang*",
              "*Hei*.tt*", "NotoSansSC*")
_rebuilt = False


def font_advice() -> str:
    """What to install so Chinese labels render."""
    return ("No CJK font found: Chinese labels in charts will show as empty boxes. Install one, e.g. "
            "`apt-get install fonts-noto-cjk` (Debian/Ubuntu), then restart the kernel.")


def cjk_font() -> str | None:
    """The first font of :data:`CJK_FONTS` that matplotlib knows, or None."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def cjk_font_files() -> list[str]:
    """Font files with Chinese glyphs installed on this machine, whether or not matplotlib knows them.

    Asks fontconfig (``fc-list :lang=zh file``) and also looks through the usual font folders.
    """
    import glob
    import shutil
    import subprocess

    found: list[str] = []
    if shutil.which("fc-list"):
        try:
            out = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=20).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        found += [line.split(":")[0].strip() for line in out.splitlines() if line.strip()]
    folders = [*font_manager.X11FontDirectories, *font_manager.OSXFontDirectories]
    if sys.platform == "win32":  # pragma: no cover
        folders.append(font_manager.win32FontDirectory())
    for folder in folders:
        for pattern in _CJK_FILES:
            found += glob.glob(f"{folder}/**/{pattern}", recursive=True)
    return sorted({f for f in found if f.lower().endswith((".ttf", ".otf", ".ttc"))})


def _rebuild_font_list() -> None:
    """Re-read the installed fonts into matplotlib's list (and its cache), once per process."""
    global _rebuilt
    if _rebuilt:
        return
    _rebuilt = True
    loader = getattr(font_manager, "_load_fontmanager", None)  # rewrites the cache file too
    if loader is not None:
        font_manager.fontManager = loader(try_read_cache=False)
    else:  # pragma: no cover - other matplotlib versions: the public way, this process only
        for path in cjk_font_files():
            font_manager.fontManager.addfont(path)


def use_cjk_font() -> str | None:
    """Put the first installed CJK font in front of matplotlib's sans-serif list.

    When matplotlib's cached font list predates the font's installation (the font files are
    there, matplotlib does not know them), the list is rebuilt first. Returns the font's name,
    or None (with a warning saying what to install) when the machine has none, in which case
    Chinese labels would show as empty boxes.
    """
    name = cjk_font()
    if name is None and not _rebuilt and cjk_font_files():
        _rebuild_font_list()
        name = cjk_font()
    if name is None:
        warnings.warn(font_advice(), stacklevel=2)
        return None
    current = [f for f in plt.rcParams["font.sans-serif"] if f != name]
    plt.rcParams["font.sans-serif"] = [name, *current]
    plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["axes.unicode_minus"] = False  # CJK fonts often lack the minus glyph
    return name


def _label(table: pd.DataFrame, metric: str, locale: str = "en") -> str:
    """A metric's axis label with its unit, in ``locale`` (``净推荐值 NPS (分)`` / ``NPS (points)``)."""
    m = METRICS.get(metric)
    if m is None:
        return metric
    name = i18n.metric_name(metric, locale)
    unit = i18n.unit_label(m.measure, locale) if locale == "zh" else m.measure
    if not m.measure or name.endswith(m.measure) or name.endswith(unit):
        return name
    return f"{name} ({unit})"


def _axis(column: str | None, locale: str) -> str:
    """A column's name on an axis: its label for people (``时段`` / ``Time slot``)."""
    if column is None:
        return ""
    return i18n.column_label(column, locale)


def plot_trend(data: pd.DataFrame, *, metric: str, x: str = "period", hue: str | None = None,
               mark: str | None = None, ax: plt.Axes | None = None, locale: str = "en") -> plt.Axes:
    """A metric over time with its interval as a band (one line per ``hue`` level).

    Parameters
    ----------
    data : pandas.DataFrame
        A table from :func:`cxlab.trends.trend` (or :func:`cxlab.scores` by a time column).
    metric : str
        Which metric's rows to draw.
    x, hue : str
        The time column and an optional grouping column.
    mark : str, optional
        An ``x`` value to mark with a vertical line (e.g. the period of an intervention).
    ax : matplotlib.axes.Axes, optional
    locale : {"en", "zh"}
        Language of the axis labels (every ``plot_*`` function takes it).
    """
    use_cjk_font()
    rows = data[data["metric"] == metric]
    if rows.empty:
        raise ValueError(f"No rows for metric {metric!r}; the table has {sorted(data['metric'].unique())}.")
    ax = ax or plt.figure(figsize=(9, 3.6)).gca()
    groups = [(None, rows)] if hue is None else list(rows.groupby(hue, observed=True, sort=False))
    palette = sns.color_palette(n_colors=max(len(groups), 1))
    for color, (name, g) in zip(palette, groups):
        xs = g[x].astype(str).tolist()
        ax.plot(xs, g["value"], marker="o", markersize=3, color=color,
                label=None if name is None else str(name))
        ax.fill_between(xs, g["ci_low"], g["ci_high"], color=color, alpha=0.2, linewidth=0)
    ax.set_ylabel(_label(data, metric, locale))
    ax.set_xlabel(_axis(x, locale))
    if mark is not None:
        labels = rows[x].astype(str).tolist()
        if mark in labels:
            ax.axvline(labels.index(mark), color="0.3", linestyle="--", linewidth=1)
    ticks = ax.get_xticks()
    step = max(1, len(ticks) // 12)
    ax.set_xticks(ticks[::step])
    ax.tick_params(axis="x", labelrotation=45)
    if hue is not None:
        ax.legend(title=_axis(hue, locale), fontsize="small", ncols=min(4, len(groups)))
    sns.despine(ax=ax)
    return ax


def plot_estimates(data: pd.DataFrame, *, metric: str, y: str, order: Sequence[str] | None = None,
                   ax: plt.Axes | None = None, locale: str = "en") -> plt.Axes:
    """Estimates with interval bars, one row per group (e.g. per journey stage or channel).

    The group's ``n`` is printed beside its bar, so a small group reads as uncertain.
    """
    use_cjk_font()
    rows = data[data["metric"] == metric]
    if rows.empty:
        raise ValueError(f"No rows for metric {metric!r}; the table has {sorted(data['metric'].unique())}.")
    if order is not None:
        rows = rows.set_index(rows[y].astype(str)).loc[list(order)].reset_index(drop=True)
    ax = ax or plt.figure(figsize=(7, 0.45 * len(rows) + 1.2)).gca()
    labels = rows[y].astype(str).tolist()
    pos = list(range(len(rows)))[::-1]
    ax.errorbar(rows["value"], pos, xerr=[rows["value"] - rows["ci_low"], rows["ci_high"] - rows["value"]],
                fmt="o", capsize=3, color=sns.color_palette()[0])
    ax.set_yticks(pos, labels)
    for p, (_, r) in zip(pos, rows.iterrows()):
        ax.annotate(f"n={int(r['n']):,}", (r["ci_high"], p), xytext=(4, 0), textcoords="offset points",
                    va="center", fontsize="small", color="0.4")
    ax.set_xlabel(_label(data, metric, locale))
    ax.set_ylabel(_axis(y, locale))
    sns.despine(ax=ax)
    return ax


def plot_trends(data: pd.DataFrame, *, metrics: Sequence[str], x: str = "period",
                hue: str | None = None, locale: str = "en") -> plt.Figure:
    """One :func:`plot_trend` panel per metric, stacked, sharing the time axis."""
    fig, axes = plt.subplots(len(metrics), 1, figsize=(9, 2.8 * len(metrics)), sharex=True, squeeze=False)
    for ax, metric in zip(axes[:, 0], metrics):
        plot_trend(data, metric=metric, x=x, hue=hue, ax=ax, locale=locale)
        ax.set_xlabel("")
    axes[-1, 0].set_xlabel(_axis(x, locale))
    fig.tight_layout()
    return fig


def plot_breakdown(data: pd.DataFrame, *, y: str, metrics: Sequence[str], locale: str = "en") -> plt.Figure:
    """One :func:`plot_estimates` panel per metric, side by side, for a breakdown table."""
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.2 * len(metrics), 0.45 * data[y].nunique() + 1.6),
                             sharey=True, squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        plot_estimates(data, metric=metric, y=y, ax=ax, locale=locale)
        if ax is not axes[0, 0]:
            ax.set_ylabel("")
    fig.tight_layout()
    return fig


def plot_forest(readout: pd.DataFrame, *, ax: plt.Axes | None = None, locale: str = "en") -> plt.Figure:
    """Effects of an experiment (rows of :func:`cxlab.experiments.analyze`) with intervals, one
    panel per metric so each keeps its own units; significant effects are filled."""
    use_cjk_font()
    metrics = list(dict.fromkeys(readout["metric"]))
    fig, axes = plt.subplots(1, len(metrics), figsize=(3.6 * len(metrics), 0.5 * readout["variant"].nunique() + 1.6),
                             squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        rows = readout[readout["metric"] == metric].reset_index(drop=True)
        pos = list(range(len(rows)))[::-1]
        for p, (_, r) in zip(pos, rows.iterrows()):
            color = sns.color_palette()[0]
            ax.errorbar([r["diff"]], [p], xerr=[[r["diff"] - r["ci_low"]], [r["ci_high"] - r["diff"]]], fmt="o",
                        color=color, mfc=color if r["significant"] else "white", capsize=3)
        ax.axvline(0, color="0.5", linewidth=1)
        ax.set_yticks(pos, [str(v) for v in rows["variant"]])
        ax.set_title(metric if locale == "en" else i18n.metric_name(metric, locale))
        ax.set_xlabel(i18n.t("plot.diff_vs_control", locale))
        sns.despine(ax=ax)
    fig.tight_layout()
    return fig


def plot_funnel(league: pd.DataFrame, *, ax: plt.Axes | None = None, locale: str = "en") -> plt.Axes:
    """Funnel plot of a league table: each unit's raw value against its n, with the band where a
    typical unit of that size would fall. Units outside the funnel are labelled."""
    import numpy as np

    use_cjk_font()
    ax = ax or plt.figure(figsize=(7, 4.2)).gca()
    centre = league.attrs.get("prior", {}).get("centre", league["value"].mean())
    # the limits' half-width times sqrt(n) is the same for every unit: draw smooth curves from it
    k95 = float(np.median((league["funnel_high"] - centre) * np.sqrt(league["n"])))
    grid = np.linspace(max(1, league["n"].min()), league["n"].max() * 1.05, 200)
    clip = (0, 100) if league["metric"].iloc[0] in ("csat", "fcr", "ces_low_effort") or "%" in str(
        _label(league, league["metric"].iloc[0])) else (-np.inf, np.inf)
    for factor, shade, label in ((3.09 / 1.96, "0.92", i18n.t("plot.range_998", locale)),
                                 (1.0, "0.82", i18n.t("plot.range_95", locale))):
        half = factor * k95 / np.sqrt(grid)
        ax.fill_between(grid, np.clip(centre - half, *clip), np.clip(centre + half, *clip), color=shade, label=label)
    inside = league["outlier"] == ""
    ax.scatter(league.loc[inside, "n"], league.loc[inside, "value"], s=18, color=sns.color_palette()[0])
    ax.scatter(league.loc[~inside, "n"], league.loc[~inside, "value"], s=28, color=sns.color_palette()[3])
    for _, r in league[~inside].iterrows():
        ax.annotate(str(r["unit"]), (r["n"], r["value"]), xytext=(4, 2), textcoords="offset points", fontsize="small")
    ax.axhline(centre, color="0.4", linewidth=1)
    ax.legend(fontsize="small", loc="lower right")
    ax.set_xlabel(i18n.t("plot.answers", locale))
    ax.set_ylabel(_label(league, league["metric"].iloc[0], locale))
    sns.despine(ax=ax)
    return ax


def plot_heatmap(table: pd.DataFrame, *, x: str, y: str, metric: str,
                 ax: plt.Axes | None = None, locale: str = "en") -> plt.Axes:
    """A metric over two dimensions (e.g. time slot x agent); cells flagged ``small`` are left blank."""
    use_cjk_font()
    part = table[table["metric"] == metric]
    values = part.assign(value=part["value"].where(~part.get("small", False))).pivot_table(
        index=y, columns=x, values="value", observed=False, dropna=False)
    ax = ax or plt.figure(figsize=(max(6, 0.35 * values.shape[1] + 2), 0.5 * values.shape[0] + 1.5)).gca()
    sns.heatmap(values, ax=ax, cmap="RdYlGn" if _better_high(metric) else "RdYlGn_r", annot=values.shape[1] <= 12,
                fmt=".0f", cbar_kws={"label": _label(part, metric, locale)})
    ax.set_xlabel(_axis(x, locale))
    ax.set_ylabel(_axis(y, locale))
    return ax


def _better_high(metric: str) -> bool:
    m = METRICS.get(metric)
    return True if m is None else m.higher_is_better


def plot_keywords(rows: pd.DataFrame, *, top: int = 10, locale: str = "en") -> plt.Axes:
    """The words of low-score comments as bars: how many low and how many high comments use each.

    ``rows`` are keyword rows (:func:`cxlab.text.keywords`, ``side == "low"``), strongest first.
    """
    use_cjk_font()
    rows = rows.head(top).iloc[::-1]
    ax = plt.figure(figsize=(7, 0.36 * len(rows) + 1.2)).gca()
    pos = range(len(rows))
    ax.barh([p + 0.2 for p in pos], rows["count_low"], height=0.4, color=sns.color_palette()[3],
            label=i18n.t("plot.low_comments", locale))
    ax.barh([p - 0.2 for p in pos], rows["count_high"], height=0.4, color="0.75",
            label=i18n.t("plot.high_comments", locale))
    ax.set_yticks(list(pos), rows["word"].astype(str).tolist())
    ax.set_xlabel(i18n.t("plot.comments_using", locale))
    ax.legend(fontsize="small", loc="lower right")
    sns.despine(ax=ax)
    return ax


def plot_phrases(phrases: pd.DataFrame, *, top: int = 10, locale: str = "en") -> plt.Axes:
    """Frequent phrases of low-score comments as bars (share of low-score comments using each)."""
    use_cjk_font()
    rows = phrases.head(top).iloc[::-1]
    ax = plt.figure(figsize=(7, 0.36 * len(rows) + 1.2)).gca()
    ax.barh(range(len(rows)), rows["share_low"], color=sns.color_palette()[3])
    ax.set_yticks(range(len(rows)), rows["phrase"].astype(str).tolist())
    ax.set_xlabel(i18n.t("plot.share_low", locale))
    sns.despine(ax=ax)
    return ax


def sentiment_shares(table: pd.DataFrame) -> pd.DataFrame | None:
    """Negative, neutral and positive shares (percent) per row of a sentiment table, or None.

    Tables with the three classes are read as they are; a table with only ``positive`` (the
    two-way model) gives its complement as negative and no neutral.
    """
    if {"negative", "neutral", "positive"} <= set(table.columns):
        return table[["negative", "neutral", "positive"]].astype(float)
    if "positive" in table.columns:
        pos = table["positive"].astype(float)
        return pd.DataFrame({"negative": 100 - pos, "neutral": 0.0, "positive": pos})
    return None


def plot_sentiment(table: pd.DataFrame, *, locale: str = "en") -> plt.Figure:
    """Sentiment beside the score, per level of the table's first column: stacked shares of negative /
    neutral / positive comments on the left, the mean score of the same answers on the right."""
    use_cjk_font()
    by = table.columns[0]
    shares = sentiment_shares(table)
    labels = [str(i18n.value_label(v, locale)) for v in table[by].astype(str)][::-1]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 0.45 * len(table) + 1.5), sharey=True,
                                      gridspec_kw={"width_ratios": [2, 1]})
    start = pd.Series(0.0, index=shares.index)
    colors = {"negative": sns.color_palette()[3], "neutral": "0.78", "positive": sns.color_palette()[2]}
    for side in ("negative", "neutral", "positive"):
        values = shares[side].fillna(0)
        left.barh(labels, values.tolist()[::-1], left=start.tolist()[::-1], color=colors[side],
                  label=i18n.t(f"plot.{side}", locale))
        start = start + values
    left.set_xlim(0, 100)
    left.set_xlabel(i18n.t("plot.share_comments", locale))
    left.set_ylabel(_axis(by, locale))
    left.legend(fontsize="small", ncols=3, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    if "score_mean" in table.columns:
        right.plot(table["score_mean"].tolist()[::-1], labels, "o", color=sns.color_palette()[0])
        right.set_xlabel(i18n.t("plot.mean_score", locale))
    sns.despine(fig=fig)
    fig.tight_layout()
    return fig


# issue 16: the improvement loop's effect charts
def plot_changes(history: pd.DataFrame, status: pd.DataFrame, *, locale: str = "en") -> plt.Figure:
    """One panel per registered change: its effect and always-valid interval at each run.

    ``history`` is :func:`cxlab.loop.update_history`'s table, ``status`` this run's
    :func:`cxlab.loop.verify_all` table (its primary rows name the changes, their metric,
    direction and smallest effect worth having). Zero is the solid line, the smallest effect
    worth having the dashed one; a filled marker is a verdict, an open one a look still waiting.
    """
    use_cjk_font()
    rows = status[status["primary"]].reset_index(drop=True)
    fig, axes = plt.subplots(max(len(rows), 1), 1, figsize=(7, 2.4 * max(len(rows), 1)), squeeze=False)
    for ax, (_, change) in zip(axes[:, 0], rows.iterrows()):
        mine = history[(history["change_id"] == change["change_id"]) & (history["metric"] == change["metric"])]
        mine = mine.dropna(subset=["value"]).groupby("as_of", sort=True).tail(1)
        x = pd.to_datetime(mine["as_of"])
        for when, (_, r) in zip(x, mine.iterrows()):
            color = sns.color_palette()[0]
            ax.errorbar([when], [r["value"]], yerr=[[r["value"] - r["ci_low"]], [r["ci_high"] - r["value"]]],
                        fmt="o", color=color, capsize=3, mfc="white" if r["status"] == "waiting" else color)
        if len(x):  # one run so far: a readable month around it, not years of empty axis
            ax.set_xlim(x.min() - pd.Timedelta(days=14), x.max() + pd.Timedelta(days=14))
        smallest = change["smallest_effect"] * (1 if change["direction"] == "up" else -1)
        ax.axhline(0, color="0.4", linewidth=1)
        ax.axhline(smallest, color="0.6", linewidth=1, linestyle="--", label=i18n.t("plot.smallest_effect", locale))
        ax.set_title(f"{change['change_id']}: {change['title']} ({i18n.t('val.' + change['status'], locale)})",
                     fontsize="medium")
        ax.set_ylabel(_label(status, change["metric"], locale))
        ax.legend(fontsize="small", loc="best")
        sns.despine(ax=ax)
    axes[-1, 0].set_xlabel(i18n.t("plot.effect_runs", locale))
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig
