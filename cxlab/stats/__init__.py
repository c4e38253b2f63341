"""Statistics that never see rows except to aggregate them.

Sufficient statistics and the cube (``aggregate``, ``cube``, ``cube_sql``), the metric kinds
(``kinds``), estimates with intervals (``estimates``), two-group comparisons (``compare``,
``ordinal``), multiple testing (``multiplicity``), empirical-Bayes shrinkage (``shrinkage``),
power and sample size (``power``) and sequential monitoring (``sequential``).
"""
