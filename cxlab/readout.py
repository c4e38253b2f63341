"""The experiment readout for reading: detectable effects, the verdict sentence, the effects table.

Everything here reads a readout from :func:`cxlab.experiments.analyze`, whose ``confidence``
column says at which level its intervals were computed, so the level a user asked for
reaches the sentence a reader sees. Rounding happens here only.
"""

from __future__ import annotations

import pandas as pd
from scipy import stats

from . import i18n
from .stats.estimates import DEFAULT_CONFIDENCE
from .tables import format_p

__all__ = ["decision", "detectable_effects", "format_readout"]


def _confidence(readout: pd.DataFrame) -> float:
    if "confidence" in readout.columns and len(readout):
        return float(readout["confidence"].iloc[0])
    return float(readout.attrs.get("confidence", DEFAULT_CONFIDENCE))


def detectable_effects(readout: pd.DataFrame, *, alpha: float = 0.05, power: float = 0.8) -> pd.DataFrame:
    """The smallest effect each comparison could detect with the units it had.

    Adds ``mde`` to a readout from :func:`cxlab.experiments.analyze`: percentage points for
    shares and rates, NPS points, units for means: ``(z_(1 - alpha / 2) + z_power) se`` with
    the readout's standard error of each difference. ``alpha`` and ``power`` are those of
    the hypothetical test (as in R's ``power.prop.test``). A non-significant result with an
    ``mde`` larger than any effect that matters means the test was too small to tell, not
    that the change does nothing.
    """
    out = readout.copy()
    z = stats.norm.isf(alpha / 2) + stats.norm.ppf(power)
    if "se" in out.columns:
        se = out["se"]
    else:  # an older readout: every interval is about diff +/- z_c * se
        se = (out["ci_high"] - out["ci_low"]) / (2 * stats.norm.isf((1 - _confidence(readout)) / 2))
    out["mde"] = z * se
    return out


def decision(readout: pd.DataFrame, *, srm=None, locale: str | None = None) -> str:
    """The verdict in one paragraph: trust checks first, then what each arm did, with intervals.

    Each effect is given with the metric's name and unit (from the metric registry) and its
    interval at the readout's confidence level. ``locale`` (``"zh"`` or ``"en"``) picks the
    language (:mod:`cxlab.i18n`); by default ``$CXLAB_LOCALE``, else Chinese when the arms'
    names are.
    """
    locale = i18n.pick_locale(locale, readout[["variant"]] if "variant" in readout.columns else None)
    srm = srm if srm is not None else readout.attrs.get("srm")
    if srm is not None and not srm.ok:
        return i18n.t("decision.wait", locale, verdict=srm.verdict)
    level = f"{_confidence(readout):.0%}"
    sep = i18n.t("list_sep", locale)
    parts = []
    for arm, rows in readout.groupby("variant", sort=False):
        small = rows[rows["small"]] if "small" in rows.columns else rows.iloc[:0]
        rows = rows.drop(small.index)
        wins = rows[rows["significant"] & (rows["diff"] > 0)]
        losses = rows[rows["significant"] & (rows["diff"] < 0)]
        if len(small):
            sizes = sep.join(i18n.t("decision.sizes", locale, metric=i18n.metric_name(r["metric"], locale),
                                    control=r["n_control"], treatment=r["n_treatment"]) for _, r in small.iterrows())
            parts.append(i18n.t("decision.too_few", locale, arm=arm, sizes=sizes))
        if rows.empty:
            continue

        def say(r):
            return i18n.t("decision.effect", locale, metric=i18n.metric_name(r["metric"], locale),
                          diff=f"{r['diff']:+.2f}{i18n.unit_suffix(r['metric'], locale)}", level=level,
                          low=f"{r['ci_low']:+.2f}", high=f"{r['ci_high']:+.2f}")

        if wins.empty and losses.empty:
            parts.append(i18n.t("decision.none", locale, arm=arm))
        else:
            effects = sep.join(say(r) for _, r in pd.concat([wins, losses]).iterrows())
            parts.append(i18n.t("decision.changes", locale, arm=arm, effects=effects))
    check = i18n.t("decision.srm_ok", locale) if srm is not None else ""
    return ("" if locale == "zh" else " ").join([*parts, check]).strip()


def format_readout(readout: pd.DataFrame, *, digits: int = 2, locale: str | None = None) -> pd.DataFrame:
    """A readout for reading: effect with interval as text (at the readout's level), p-values short.

    Rounding happens here only; the saved readout keeps every digit. ``locale`` as in
    :func:`decision`.
    """
    locale = i18n.pick_locale(locale, readout[["variant"]] if "variant" in readout.columns else None)

    def num(v, d=digits):
        return "" if pd.isna(v) else f"{v:+.{d}f}"

    def word(key):
        return i18n.t(f"readout.{key}", locale)

    level = f"{_confidence(readout):.0%}"
    to = i18n.t("to", locale)
    out = pd.DataFrame({
        word("variant"): readout["variant"],
        word("metric"): readout["metric"].map(lambda m: i18n.metric_name(m, locale)),
        word("n"): [f"{c:,} / {t:,}" for c, t in zip(readout["n_control"], readout["n_treatment"])],
        word("control"): readout["value_control"].map(lambda v: "" if pd.isna(v) else f"{v:.{digits}f}"),
        word("treatment"): readout["value_treatment"].map(lambda v: "" if pd.isna(v) else f"{v:.{digits}f}"),
        i18n.t("readout.diff", locale, level=level): [
            f"{num(d)} ({num(lo)} {to} {num(hi)})" for d, lo, hi in
            zip(readout["diff"], readout["ci_low"], readout["ci_high"])],
        word("p"): readout["p_adjusted"].map(format_p),
        word("significant"): [i18n.t("too_few" if small else "yes" if sig else "no", locale) for sig, small in
                              zip(readout["significant"], readout.get("small", pd.Series(False, index=readout.index)))],
    })
    if "mde" in readout.columns:
        out[word("mde")] = readout["mde"].map(lambda v: "" if pd.isna(v) else f"{v:.{digits}f}")
    return out
