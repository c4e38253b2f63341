"""Load and validate CX data in cxlab's vocabulary.

``load_responses``, ``load_tickets``, ``load_customers`` and ``load_assignments`` read a
file, a query or a DataFrame, rename the user's columns to cxlab's vocabulary
(``columns={"推荐意愿": "nps"}``), validate them against a pandera schema (types,
ranges, unique ids, timestamps) and return a DataFrame laid out for fast aggregation:
scores as nullable ``Int8``, grouping columns as ``category``, flags as ``boolean``.

Nothing is dropped. Blank answers stay blank and are counted per column and reason in an
:class:`ExclusionReport`, which travels in ``frame.attrs["cxlab_exclusions"]`` and into
every table :func:`cxlab.scores` returns. Invalid data raises
:class:`~cxlab.DataValidationError` saying what, where (file, column, rows) and what to do.

======================  ================================================================
``schemas``             the column vocabulary (``SCHEMAS``, ``Field``, ``DIMENSIONS``),
                        ``BLANK`` (the label of a blank group), ``guess_table``, ``validate``
``problems``            ``Problem``, ``RowNumbers`` (CSV lines, Excel rows), one message
                        for every problem of a table
``times``               ``parse_times``: dates and times, and the time-zone rule
``sources``             ``read_source`` (files, DuckDB, database URLs), ``row_numbers``,
                        ``detect_encoding``
``loaders``             ``load_*``, ``load`` (any kind, guessed), ``load_folder``,
                        ``in_period``, ``ExclusionReport``, ``exclusions``
``sample``              seeded synthetic tables with planted effects (``cxlab.sample``)
``sample_comments``     the sample's comments, some with made-up phone, ID-card and
                        bank-card numbers
======================  ================================================================
"""

from __future__ import annotations

from .loaders import (
    ExclusionReport,
    exclusions,
    in_period,
    load,
    load_assignments,
    load_customers,
    load_folder,
    load_responses,
    load_tickets,
)
from .problems import Problem, RowNumbers
from .schemas import BLANK, DIMENSIONS, SCHEMAS, Field, guess_table, validate
from .sources import detect_encoding, read_source, row_numbers

__all__ = [
    "ExclusionReport",
    "read_source",
    "load_responses",
    "load_tickets",
    "load_customers",
    "load_assignments",
    "SCHEMAS",
    "Field",
    "DIMENSIONS",
    "validate",
    "detect_encoding",
    "load_folder",
    "in_period",
    "exclusions",
    "load",
    "guess_table",
    "row_numbers",
    "BLANK",
    "Problem",
    "RowNumbers",
]
