"""Survey weighting and non-response: raking to known margins, weighted scores, response rates."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ._checks import check_confidence, optional_import, require_columns
from .errors import DataValidationError
from .metric_defs import METRICS, Metric, get_metric
from .metrics import score_columns
from .stats.engines import cube_of
from .stats.estimates import DEFAULT_CONFIDENCE
from .stats.kinds import cube_scales, kind_of

__all__ = ["rake", "weighted_scores", "response_check"]


def rake(data: pd.DataFrame, *, margins: Mapping[str, Mapping[str, float]], weight: str = "weight") -> pd.DataFrame:
    """Weights that make the sample match known population shares (raking / RIM weighting).

    Parameters
    ----------
    data : pandas.DataFrame
        The answered surveys.
    margins : mapping
        ``column -> {level: share}`` (shares in percent or fractions; each margin is
        normalised), e.g. ``{"region": {"华东": 30, ...}, "age_band": {...}}``. Every level
        present in the data needs a share; rows with a blank in a margin column raise.
    weight : str
        Name of the weight column added.

    Returns
    -------
    pandas.DataFrame
        A copy with ``weight`` (mean 1); ``attrs["weighting"]`` holds ``n``,
        ``effective_n`` (Kish: (sum w)^2 / sum w^2), ``efficiency`` (percent) and the largest
        weight. Computed by weightipy's iterative proportional fitting (pip install
        'cxlab[weights]').
    """
    wp = optional_import("weightipy", "weights")
    require_columns(data, list(margins))
    for col, shares in margins.items():
        blank = data[col].isna()
        if blank.any():
            raise DataValidationError(f"Column {col!r} is blank in {int(blank.sum())} row(s); rows must be "
                                      "classified on every margin before raking (or dropped and counted).")
        present = set(data[col].astype(str))
        missing = sorted(present - {str(k) for k in shares})
        if missing:
            raise DataValidationError(f"Margin {col!r} gives no share for {missing}, which occur in the data.")
        if any(v < 0 for v in shares.values()) or sum(shares.values()) <= 0:
            raise ValueError(f"Margin {col!r} needs shares >= 0 with a positive total.")
    scheme = wp.scheme_from_dict({col: {str(k): 100 * v / sum(sh.values()) for k, v in sh.items()}
                                  for col, sh in margins.items()})
    frame = data[list(margins)].astype(str).copy()
    weighted = wp.weight_dataframe(frame, scheme, weight_column="_w")
    out = data.copy()
    w = weighted["_w"].to_numpy(dtype=float)
    out[weight] = w / w.mean()
    eff = w.sum() ** 2 / (w**2).sum()
    out.attrs["weighting"] = {"n": len(w), "effective_n": float(eff), "efficiency": float(100 * eff / len(w)),
                              "max_weight": float(out[weight].max())}
    return out


def weighted_scores(data: pd.DataFrame, *, weight: str = "weight", metrics: Sequence[str | Metric] = ("nps", "csat"),
                    by: str | None = None, confidence: float = DEFAULT_CONFIDENCE) -> pd.DataFrame:
    """Metrics with survey weights; intervals use Kish's effective sample size.

    Each answer is coded on the metric's scale (100 / 0 for shares and rates, +100 / 0 / -100
    for NPS, the value for means); the estimate is the weighted mean of the codes, its
    standard error sqrt(weighted variance / n_eff) with n_eff = (sum w)^2 / sum w^2 per group.

    Returns the columns of :func:`cxlab.scores` plus ``effective_n``.
    """
    c = check_confidence(confidence)
    require_columns(data, [weight] + ([by] if by else []))
    w_all = data[weight].to_numpy(dtype=float)
    if np.isnan(w_all).any() or (w_all < 0).any():
        raise DataValidationError(f"Weights in {weight!r} must be >= 0 and not blank.")
    groups = [(None, np.ones(len(data), dtype=bool))] if by is None else \
        [(lv, (data[by] == lv).to_numpy()) for lv in (data[by].cat.categories if hasattr(data[by], "cat")
                                                         else sorted(data[by].dropna().unique()))]
    rows = []
    for m in (get_metric(x) for x in metrics):
        kind = kind_of(m)
        y_all = kind.codes(data[m.column], m)
        low, high = kind.bounds(m)
        for level, mask in groups:
            y, w = y_all[mask], w_all[mask]
            ok = ~np.isnan(y) & (w > 0)
            y, w = y[ok], w[ok]
            if len(y) == 0:
                continue
            mean = float(np.average(y, weights=w))
            var = float(np.average((y - mean) ** 2, weights=w))
            n_eff = w.sum() ** 2 / (w**2).sum()
            se = math.sqrt(var / n_eff) if n_eff > 1 else math.nan
            t = stats.t.ppf(0.5 + c / 2, n_eff - 1) if n_eff > 1 else math.nan
            rows.append({**({by: level} if by else {}), "metric": m.name, "n": int(len(y)), "value": mean,
                         "ci_low": max(low, mean - t * se), "ci_high": min(high, mean + t * se), "se": se,
                         "confidence": c, "method": "weighted (Kish n_eff)", "n_missing": int((~ok).sum()),
                         "effective_n": float(n_eff)})
    return pd.DataFrame(rows)


def response_check(data: pd.DataFrame, *, by: str, responded: str = "responded", min_rate: float = 20.0,
                   gap: float = 10.0, confidence: float = DEFAULT_CONFIDENCE) -> pd.DataFrame:
    """Survey response rate per segment, with a warning where non-response could bias the scores.

    ``warning`` is set when a segment's rate is below ``min_rate`` percent or more than ``gap``
    points below the overall rate: its answers come from a self-selected few.
    """
    c = check_confidence(confidence)
    metric = METRICS["response_rate"].replace(column=responded)
    kind = kind_of(metric)
    per = cube_of(data, by=[by], scales=cube_scales([metric]))  # one pass: segments and overall
    keep = np.flatnonzero(per.rows.ravel() > 0)
    table = pd.concat([per.cell_labels().iloc[keep].reset_index(drop=True),
                       score_columns(per, [metric], c, keep)], axis=1)
    overall = float(kind.estimate(kind.stats(per.collapse(()), metric), metric, c)["value"])
    reason = np.where(table["value"] < min_rate, f"under {min_rate:g} % respond",
                      np.where(table["value"] < overall - gap, f"more than {gap:g} points below the overall "
                               f"{overall:.1f} %", ""))
    return table.assign(overall=overall, warning=reason != "", reason=reason)
