"""League tables: agents and teams ranked by shrunken estimates, so luck does not top the table.

Also the heatmap table (a metric for every cell of two dimensions) with small cells flagged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._checks import check_confidence, require_columns
from .errors import DataValidationError
from .metric_defs import Metric, get_metric
from .metrics import scores
from .stats.engines import cube_of
from .stats.estimates import DEFAULT_CONFIDENCE
from .stats.kinds import DEFAULT_MIN_N, cube_scales, kind_of, take

__all__ = ["league_table", "heatmap_table"]


def league_table(data: pd.DataFrame, *, unit: str = "agent_id", metric: str | Metric = "csat",
                 min_n: int = DEFAULT_MIN_N, confidence: float = DEFAULT_CONFIDENCE) -> pd.DataFrame:
    """Agents (or teams) ranked by a shrunken estimate, so three lucky answers do not top the table.

    Parameters
    ----------
    data : pandas.DataFrame
        Rows with the unit column and the metric's column.
    unit : str
        Who is ranked: ``"agent_id"``, ``"team"`` ...
    metric : str or Metric
        Rates and shares use beta-binomial empirical Bayes; NPS and means use normal-normal
        empirical Bayes.
    min_n : int
        Units with fewer answers are flagged ``small``: shrunk and listed, but given no rank
        and never called an outlier ("too few answers").
    confidence : float

    Returns
    -------
    pandas.DataFrame
        One row per unit, best first, units with too few answers last: ``unit``, ``metric``,
        ``n``, ``value`` (raw),
        ``shrunk`` (posterior mean), ``ci_low``, ``ci_high`` (posterior interval),
        ``funnel_low``, ``funnel_high`` (where the raw value of a typical unit of this size
        would fall), ``outlier`` (``"above"``, ``"below"`` or ``""``), ``small``, ``rank``.
        ``attrs["prior"]`` describes the fitted prior.

    Notes
    -----
    Rates: units' true rates ~ Beta(a, b) fitted by maximum marginal likelihood; each
    unit's posterior is Beta(a + k, b + n - k) (Efron 2010, ch. 1). Means and NPS: unit
    estimates ~ N(mu, tau^2 + se^2) with tau^2 by DerSimonian-Laird; the posterior mean
    shrinks each estimate towards mu by tau^2 / (tau^2 + se^2) (Efron & Morris 1975).
    """
    c = check_confidence(confidence)
    m = get_metric(metric)
    require_columns(data, [unit, m.column])
    kind = kind_of(m)
    units = cube_of(data, by=[unit], scales=cube_scales([m]))
    st = kind.stats(units, m)
    keep = np.flatnonzero(st["n"] > 0)
    if len(keep) < 3:
        raise DataValidationError(f"A league table needs at least 3 {unit} values with answers; got {len(keep)}.")
    st = take(st, keep)
    raw = kind.estimate(st, m, c)["value"]
    fit = kind.shrink(st, m, c)
    n = st["n"].astype(np.int64)
    out = pd.DataFrame({"unit": units.level_names()[keep].astype(str), "metric": m.name, "n": n, "value": raw,
                        "shrunk": fit["shrunk"], "ci_low": fit["ci_low"], "ci_high": fit["ci_high"],
                        "funnel_low": fit["funnel_low"], "funnel_high": fit["funnel_high"],
                        "outlier": np.where(raw > fit["funnel_high"], "above",
                                            np.where(raw < fit["funnel_low"], "below", "")),
                        "small": n < min_n})
    sign = 1 if m.higher_is_better else -1
    # ranked units first, best first; units with too few answers after them
    out = out.sort_values(["small", "shrunk"], ascending=[True, not m.higher_is_better], ignore_index=True)
    # units with too few answers are listed (shrunk), but neither ranked nor called outliers
    out["rank"] = (sign * out["shrunk"]).where(~out["small"]).rank(ascending=False, method="min").astype("Int64")
    out.loc[out["small"], "outlier"] = ""
    out.attrs["prior"] = fit["prior"]
    return out


def heatmap_table(data: pd.DataFrame, *, x: str, y: str, metric: str | Metric = "fcr",
                  min_n: int = DEFAULT_MIN_N, confidence: float = DEFAULT_CONFIDENCE) -> pd.DataFrame:
    """A metric for every (y x x) cell, e.g. time slot x agent, with ``small`` cells flagged.

    Returns the long table of :func:`cxlab.scores` by ``[y, x]`` plus ``small``;
    :func:`cxlab.plots.plot_heatmap` draws it.
    """
    table = scores(data, metrics=[metric], by=[y, x], confidence=confidence)
    return table.assign(small=table["n"] < min_n)
