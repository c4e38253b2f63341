"""The metric registry: every CX metric defined once (column, scale, what counts as good).

Kept apart from :mod:`cxlab.metrics` (which re-exports everything here) so that tables and
pages can label and format results without importing scipy.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

from ._checks import check_option

__all__ = ["Metric", "METRICS", "get_metric", "PROPORTION_METHODS", "QUANTILE_METHODS"]

PROPORTION_METHODS = ("wilson", "wald", "agresti-coull", "jeffreys", "clopper-pearson")
QUANTILE_METHODS = ("exact", "equal-tailed")


Kind = Literal["nps", "share", "rate", "mean", "quantile"]


@dataclass(frozen=True)
class Metric:
    """One CX metric, defined once: which column, which scale, what counts as good.

    Parameters
    ----------
    name : str
        Identifier used in tables and parameters (``"csat"``).
    column : str
        The column in cxlab's vocabulary that holds the answers or values.
    kind : {"nps", "share", "rate", "mean", "quantile"}
        ``"nps"``: 0-10 answers -> NPS points. ``"share"``: percent of answers in
        ``good`` on a bounded scale (CSAT %, CES low-effort %). ``"rate"``: percent of
        yes in a yes/no column (FCR, churn). ``"mean"``: mean of the column (on ``scale``
        when bounded). ``"quantile"``: the ``q`` quantile of a duration.
    label : str
        Name for people (tables, charts), in English.
    label_zh : str
        The same name in Chinese (``净推荐值 NPS``); :func:`cxlab.i18n.metric_name` picks by locale.
    scale : (int, int), optional
        Bounded integer scale of the answers (required for nps / share; optional for mean).
    good : tuple of int
        Answers that count as a success for ``"share"`` (e.g. ``(4, 5)``: the top-2-box).
    higher_is_better : bool
        Direction of improvement; configured, never assumed, for CES.
    q : float, optional
        The quantile for ``"quantile"`` metrics.
    method : str, optional
        Interval method (defaults: adjusted-wald for NPS, wilson for shares and rates,
        t for means, exact order statistics for quantiles).
    measure : str
        The unit of measurement: ``"points"``, ``"%"``, or the column's own (``"min"``,
        ``"h"``, ``"CNY"`` ...). (``unit``, elsewhere in cxlab, is always a column naming
        the units of analysis: agents, customers, regions.)
    source : str
        Which table holds the column: ``"responses"``, ``"tickets"`` or ``"customers"``.
    """

    name: str
    column: str
    kind: Kind
    label: str = ""
    scale: tuple[int, int] | None = None
    good: tuple[int, ...] = ()
    higher_is_better: bool = True
    q: float | None = None
    method: str | None = None
    measure: str = ""
    source: str = "responses"
    label_zh: str = ""

    def __post_init__(self) -> None:
        check_option("kind", self.kind, ("nps", "share", "rate", "mean", "quantile"))
        if self.kind == "nps" and self.scale not in (None, (0, 10)):
            raise ValueError(f"NPS is asked on 0-10; metric {self.name!r} has scale {self.scale}.")
        if self.kind == "nps":
            object.__setattr__(self, "scale", (0, 10))
        if self.kind == "rate":
            object.__setattr__(self, "scale", (0, 1))
            object.__setattr__(self, "good", (1,))
        if self.kind == "share":
            if self.scale is None or not self.good:
                raise ValueError(f"Share metric {self.name!r} needs `scale` and `good` "
                                 "(e.g. scale=(1, 5), good=(4, 5)).")
            low, high = self.scale
            off = [g for g in self.good if not low <= g <= high]
            if off:
                raise ValueError(f"Metric {self.name!r}: good answers {off} are outside the "
                                 f"scale {low}-{high}.")
        if self.kind == "quantile" and not (self.q is not None and 0 < self.q < 1):
            raise ValueError(f"Quantile metric {self.name!r} needs `q` between 0 and 1.")
        allowed = {"nps": ("adjusted-wald", "wald"), "share": PROPORTION_METHODS,
                   "rate": PROPORTION_METHODS, "mean": ("t",),
                   "quantile": QUANTILE_METHODS}[self.kind]
        if self.method is None:
            object.__setattr__(self, "method", allowed[0])
        check_option("method", self.method, allowed)
        if not self.label:
            object.__setattr__(self, "label", self.name)

    @property
    def needs_rows(self) -> bool:
        """Whether estimates need each group's rows (a quantile) rather than a cube of statistics."""
        return self.kind == "quantile"

    @property
    def finer(self) -> bool:
        """Whether values need one more decimal to read (a mean of a short scale: CES 3.42)."""
        return self.kind == "mean" and self.scale is not None

    def replace(self, **changes) -> Metric:
        """A copy with some fields changed, e.g. ``METRICS["csat"].replace(scale=(1, 7), good=(6, 7))``."""
        return dataclasses.replace(self, **changes)


def _defaults() -> dict[str, Metric]:
    m = [
        Metric("nps", "nps", "nps", "NPS", measure="points", label_zh="净推荐值 NPS"),
        Metric("csat", "csat", "share", "CSAT %", scale=(1, 5), good=(4, 5), measure="%", label_zh="满意度 CSAT %"),
        Metric("csat_mean", "csat", "mean", "CSAT mean (1-5)", scale=(1, 5), label_zh="满意度均值 (1-5)"),
        # The sample survey asks "How much effort did it take?" (1 = very little,
        # 7 = a great deal): lower is better. Reverse this for "made it easy" wordings.
        Metric("ces", "ces", "mean", "CES mean (1-7)", scale=(1, 7), higher_is_better=False,
               label_zh="费力度 CES (1-7)"),
        Metric("ces_low_effort", "ces", "share", "CES low-effort %", scale=(1, 7), good=(1, 2, 3),
               measure="%", label_zh="低费力占比 %"),
        Metric("response_rate", "responded", "rate", "Survey response rate", measure="%", label_zh="问卷作答率"),
        Metric("fcr", "fcr", "rate", "First-contact resolution", measure="%", source="tickets", label_zh="首次解决率 FCR"),
        Metric("complaint_rate", "complaint", "rate", "Complaint rate", higher_is_better=False,
               measure="%", source="tickets", label_zh="投诉率"),
        Metric("suggestion_adoption", "suggestion_adopted", "rate", "Suggestion adoption rate",
               measure="%", source="tickets", label_zh="建议采纳率"),
        Metric("first_response_median", "first_response_min", "quantile",
               "First response time, median", q=0.5, higher_is_better=False, measure="min",
               source="tickets", label_zh="首次响应时长，中位数"),
        Metric("first_response_p90", "first_response_min", "quantile",
               "First response time, p90", q=0.9, higher_is_better=False, measure="min",
               source="tickets", label_zh="首次响应时长，P90"),
        Metric("first_response_mean", "first_response_min", "mean",
               "First response time, mean", higher_is_better=False, measure="min", source="tickets",
               label_zh="首次响应时长，均值"),
        Metric("resolution_median", "resolution_hours", "quantile", "Resolution time, median",
               q=0.5, higher_is_better=False, measure="h", source="tickets", label_zh="解决时长，中位数"),
        Metric("resolution_p90", "resolution_hours", "quantile", "Resolution time, p90", q=0.9,
               higher_is_better=False, measure="h", source="tickets", label_zh="解决时长，P90"),
        Metric("resolution_mean", "resolution_hours", "mean", "Resolution time, mean",
               higher_is_better=False, measure="h", source="tickets", label_zh="解决时长，均值"),
        Metric("repurchase_rate", "repurchased", "rate", "Repurchase rate", measure="%",
               source="customers", label_zh="复购率"),
        Metric("churn_rate", "churned", "rate", "Churn rate", higher_is_better=False, measure="%",
               source="customers", label_zh="流失率"),
        Metric("clv", "clv", "mean", "Customer lifetime value, mean", measure="CNY",
               source="customers", label_zh="客户终身价值，均值"),
    ]
    return {x.name: x for x in m}


#: The built-in metric definitions, by name. Pass a :class:`Metric` to use another definition.
METRICS: dict[str, Metric] = _defaults()


def get_metric(metric: str | Metric) -> Metric:
    """The :class:`Metric` for a name (or the metric itself)."""
    if isinstance(metric, Metric):
        return metric
    if metric in METRICS:
        return METRICS[metric]
    from ._checks import closest

    guess = closest(metric, METRICS)
    raise ValueError(
        f"Unknown metric {metric!r}" + (f" (did you mean {guess!r}?)" if guess else "")
        + f". Known metrics: {', '.join(METRICS)}; or pass a cxlab.metrics.Metric."
    )
