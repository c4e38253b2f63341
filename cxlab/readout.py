"""The experiment readout for reading: detectable effects, the verdict sentence, the effects table.

Everything here reads a readout from :func:`cxlab.experiments.analyze`, whose ``confidence``
column says at which level its intervals were computed, so the level a user asked for
reaches the sentence a reader sees. Rounding happens here only.
"""

from __future__ import annotations

import pandas as pd
from scipy import stats

from .metric_defs import METRICS
from .stats.estimates import DEFAULT_CONFIDENCE

__all__ = ["detectable_effects", "decision", "format_readout"]


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


def _measure(metric: str) -> str:
    m = METRICS.get(metric)
    return "" if m is None or not m.measure else (m.measure if m.measure == "%" else f" {m.measure}")


def decision(readout: pd.DataFrame, *, srm=None) -> str:
    """The verdict in one paragraph: trust checks first, then what each arm did, with intervals.

    Each effect is given with its unit (from the metric registry) and its interval at the
    readout's confidence level.
    """
    srm = srm if srm is not None else readout.attrs.get("srm")
    if srm is not None and not srm.ok:
        return f"Do not decide yet: {srm.verdict}"
    level = f"{_confidence(readout):.0%}"
    parts = []
    for arm, rows in readout.groupby("variant", sort=False):
        small = rows[rows["small"]] if "small" in rows.columns else rows.iloc[:0]
        rows = rows.drop(small.index)
        wins = rows[rows["significant"] & (rows["diff"] > 0)]
        losses = rows[rows["significant"] & (rows["diff"] < 0)]
        if len(small):
            sizes = "; ".join(f"{r['metric']} (n = {r['n_control']:,} and {r['n_treatment']:,})"
                              for _, r in small.iterrows())
            parts.append(f"Variant {arm}: too few answers to judge {sizes}.")
        if rows.empty:
            continue

        def say(r):
            unit = _measure(r["metric"])
            return f"{r['metric']} {r['diff']:+.2f}{unit} ({level} CI {r['ci_low']:+.2f} to {r['ci_high']:+.2f})"

        if wins.empty and losses.empty:
            parts.append(f"Variant {arm} shows no difference that survives the multiple-testing correction.")
        else:
            text = f"Variant {arm} changes " + "; ".join(say(r) for _, r in pd.concat([wins, losses]).iterrows())
            parts.append(text + ".")
    check = "The sample-ratio check passed." if srm is not None else ""
    return " ".join([*parts, check]).strip()


def format_readout(readout: pd.DataFrame, *, digits: int = 2) -> pd.DataFrame:
    """A readout for reading: effect with interval as text (at the readout's level), p-values short.

    Rounding happens here only; the saved readout keeps every digit.
    """
    def num(v, d=digits):
        return "" if pd.isna(v) else f"{v:+.{d}f}"

    level = f"{_confidence(readout):.0%}"
    out = pd.DataFrame({
        "variant": readout["variant"], "metric": readout["metric"],
        "n": [f"{c:,} / {t:,}" for c, t in zip(readout["n_control"], readout["n_treatment"])],
        "control": readout["value_control"].map(lambda v: "" if pd.isna(v) else f"{v:.{digits}f}"),
        "treatment": readout["value_treatment"].map(lambda v: "" if pd.isna(v) else f"{v:.{digits}f}"),
        f"difference ({level} CI)": [f"{num(d)} ({num(lo)} to {num(hi)})" for d, lo, hi in
                                     zip(readout["diff"], readout["ci_low"], readout["ci_high"])],
        "p (adjusted)": readout["p_adjusted"].map(
            lambda p: "" if pd.isna(p) else ("<0.001" if p < 0.001 else f"{p:.3f}")),
        "significant": [("too few answers" if small else "yes" if sig else "no") for sig, small in
                        zip(readout["significant"], readout.get("small", pd.Series(False, index=readout.index)))],
    })
    if "mde" in readout.columns:
        out["smallest detectable"] = readout["mde"].map(lambda v: "" if pd.isna(v) else f"{v:.{digits}f}")
    return out
