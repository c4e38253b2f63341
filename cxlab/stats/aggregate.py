"""Sufficient statistics: what rows become before any inference.

Every score on a bounded integer scale (NPS 0-10, CSAT 1-5, CES 1-7, a 0/1 rate) is a
function of its :class:`Histogram`; every mean is a function of its :class:`Moments`
(n, mean, sum of squared deviations); a CUPED-adjusted mean is a function of the
:class:`CoMoments` of the outcome and its covariate. Each merges exactly with ``+``, so
statistics computed per chunk, per group or per engine pool into those of all the rows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ..errors import DataValidationError

__all__ = ["Moments", "CoMoments", "Histogram", "NPSCounts", "NPS_DETRACTOR_MAX", "NPS_PROMOTER_MIN"]

#: NPS buckets (Reichheld 2003): 0-6 detractors, 7-8 passives, 9-10 promoters.
NPS_DETRACTOR_MAX = 6
NPS_PROMOTER_MIN = 9

@dataclass(frozen=True, slots=True)
class Moments:
    """Count, mean and sum of squared deviations (``m2``) of a numeric variable.

    ``+`` pools two independent samples exactly (Chan, Golub & LeVeque, 1979), so
    moments computed per chunk, per group or per engine merge into the moments of
    the pooled rows.
    """

    n: int
    mean: float
    m2: float

    @classmethod
    def from_values(cls, values: Iterable[float]) -> Moments:
        """Moments of the values; missing values are an error, not silently skipped."""
        x = np.asarray(values, dtype=float)
        if np.isnan(x).any():
            raise ValueError(
                f"{int(np.isnan(x).sum())} missing value(s); drop or impute them first "
                "(cxlab's frame-level functions count them as `n_missing`)."
            )
        if x.size == 0:
            return cls(n=0, mean=math.nan, m2=0.0)
        mean = float(x.mean())
        return cls(n=int(x.size), mean=mean, m2=float(((x - mean) ** 2).sum()))

    @property
    def variance(self) -> float:
        """Sample variance (ddof = 1); nan below two observations."""
        return self.m2 / (self.n - 1) if self.n > 1 else math.nan

    @property
    def sd(self) -> float:
        """Sample standard deviation (ddof = 1)."""
        return math.sqrt(self.variance)

    def __add__(self, other: Moments) -> Moments:
        if not isinstance(other, Moments):
            return NotImplemented
        if other.n == 0:
            return self
        if self.n == 0:
            return other
        n = self.n + other.n
        delta = other.mean - self.mean
        return Moments(
            n=n,
            mean=self.mean + delta * other.n / n,
            m2=self.m2 + other.m2 + delta**2 * self.n * other.n / n,
        )


@dataclass(frozen=True, slots=True)
class Histogram:
    """Counts of each integer score ``low, low + 1, ..., high`` on a bounded scale."""

    low: int
    counts: tuple[int, ...]

    def __post_init__(self) -> None:
        if any(c < 0 for c in self.counts):
            raise ValueError(f"Histogram counts must be >= 0; got {self.counts}.")

    @classmethod
    def from_values(cls, values: Iterable[int], *, low: int, high: int) -> Histogram:
        """Histogram of integer scores on ``low..high``; off-scale values raise."""
        x = np.asarray(values)
        if x.dtype.kind == "f":
            if np.isnan(x).any():
                raise ValueError(f"{int(np.isnan(x).sum())} missing value(s); drop them first.")
            if (x != np.floor(x)).any():
                raise DataValidationError(f"Scores on {low}-{high} must be whole numbers.")
        x = x.astype(np.int64)
        bad = (x < low) | (x > high)
        if bad.any():
            raise DataValidationError(
                f"{int(bad.sum())} value(s) outside {low}-{high} "
                f"(first positions: {np.flatnonzero(bad)[:5].tolist()})."
            )
        return cls(low=low, counts=tuple(int(c) for c in np.bincount(x - low, minlength=high - low + 1)))

    @property
    def high(self) -> int:
        return self.low + len(self.counts) - 1

    @property
    def n(self) -> int:
        return int(sum(self.counts))

    @property
    def values(self) -> np.ndarray:
        return np.arange(self.low, self.high + 1)

    def count_in(self, values: Iterable[int]) -> int:
        """How many answers fall in ``values`` (e.g. the CSAT top-2-box ``{4, 5}``)."""
        wanted = set(int(v) for v in values)
        return int(sum(c for v, c in zip(self.values, self.counts) if v in wanted))

    def moments(self) -> Moments:
        """Exact moments of the scores, from the counts alone."""
        c = np.asarray(self.counts, dtype=float)
        n = c.sum()
        if n == 0:
            return Moments(n=0, mean=math.nan, m2=0.0)
        mean = float((c * self.values).sum() / n)
        return Moments(n=int(n), mean=mean, m2=float((c * (self.values - mean) ** 2).sum()))

    def __add__(self, other: Histogram) -> Histogram:
        if not isinstance(other, Histogram):
            return NotImplemented
        if (self.low, self.high) != (other.low, other.high):
            raise ValueError(
                f"Cannot add histograms on different scales ({self.low}-{self.high} and "
                f"{other.low}-{other.high})."
            )
        return Histogram(self.low, tuple(a + b for a, b in zip(self.counts, other.counts)))


@dataclass(frozen=True, slots=True)
class NPSCounts:
    """Promoters (9-10), passives (7-8) and detractors (0-6) of a 0-10 question."""

    promoters: int
    passives: int
    detractors: int

    @classmethod
    def from_histogram(cls, hist: Histogram) -> NPSCounts:
        if (hist.low, hist.high) != (0, 10):
            raise ValueError(f"NPS needs a 0-10 histogram; got {hist.low}-{hist.high}.")
        c = hist.counts
        return cls(
            promoters=int(sum(c[NPS_PROMOTER_MIN:])),
            passives=int(sum(c[NPS_DETRACTOR_MAX + 1 : NPS_PROMOTER_MIN])),
            detractors=int(sum(c[: NPS_DETRACTOR_MAX + 1])),
        )

    @classmethod
    def from_values(cls, values: Iterable[int]) -> NPSCounts:
        return cls.from_histogram(Histogram.from_values(values, low=0, high=10))

    @property
    def n(self) -> int:
        return self.promoters + self.passives + self.detractors

    def __add__(self, other: NPSCounts) -> NPSCounts:
        if not isinstance(other, NPSCounts):
            return NotImplemented
        return NPSCounts(
            self.promoters + other.promoters,
            self.passives + other.passives,
            self.detractors + other.detractors,
        )


@dataclass(frozen=True, slots=True)
class CoMoments:
    """Count, means, sums of squared deviations and the sum of cross-products of (x, y).

    Enough for a regression of y on x within a group, and so for CUPED: ``+`` pools two
    independent samples exactly (the pairwise update of Chan, Golub & LeVeque 1979).
    """

    n: int
    mean_x: float
    mean_y: float
    m2_x: float
    m2_y: float
    c_xy: float

    @classmethod
    def from_values(cls, x: Iterable[float], y: Iterable[float]) -> CoMoments:
        """Co-moments of paired, complete values."""
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        if x.shape != y.shape:
            raise ValueError(f"x and y must pair up; got {x.size} and {y.size} values.")
        if np.isnan(x).any() or np.isnan(y).any():
            raise ValueError("Missing values; drop or impute them first.")
        if x.size == 0:
            return cls(0, math.nan, math.nan, 0.0, 0.0, 0.0)
        dx, dy = x - x.mean(), y - y.mean()
        return cls(int(x.size), float(x.mean()), float(y.mean()), float(dx @ dx), float(dy @ dy), float(dx @ dy))

    @classmethod
    def from_sums(cls, n: float, sx: float, sy: float, sxx: float, syy: float, sxy: float) -> CoMoments:
        """Co-moments from the raw sums an engine returns (n, sums of x, y, x², y², xy over complete pairs).

        The centred sums are ``sxx - sx²/n`` etc.; fine in float64 for bounded scores and
        covariates of a few digits (the cancellation loses about log10(n·mean²/variance) of 16
        digits), clipped at zero.
        """
        n = int(n)
        if n == 0:
            return cls(0, math.nan, math.nan, 0.0, 0.0, 0.0)
        mx, my = sx / n, sy / n
        return cls(n, float(mx), float(my), float(max(sxx - sx * mx, 0.0)), float(max(syy - sy * my, 0.0)),
                   float(sxy - sx * my))

    @property
    def y(self) -> Moments:
        """The moments of y alone."""
        return Moments(self.n, self.mean_y, self.m2_y)

    def __add__(self, other: CoMoments) -> CoMoments:
        if not isinstance(other, CoMoments):
            return NotImplemented
        if other.n == 0:
            return self
        if self.n == 0:
            return other
        n = self.n + other.n
        dx, dy = other.mean_x - self.mean_x, other.mean_y - self.mean_y
        f = self.n * other.n / n
        return CoMoments(n, self.mean_x + dx * other.n / n, self.mean_y + dy * other.n / n,
                         self.m2_x + other.m2_x + dx * dx * f, self.m2_y + other.m2_y + dy * dy * f,
                         self.c_xy + other.c_xy + dx * dy * f)
