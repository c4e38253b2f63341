"""Validation problems in the user's terms: which column, how many values, which rows of *their* file.

A :class:`Problem` is one thing wrong with one column (values off the scale, text in a
number column ...). :func:`failure_message` puts every problem of a table into one message,
so a user fixes a file once, not once per run. :class:`RowNumbers` turns the position of a
row into the number the user sees: the line of a CSV (the header is line 1, so the first
data row is line 2), the row of an Excel sheet (likewise), the 1-based row of a parquet file
or a query, or the index label of a DataFrame.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["EXAMPLES", "Problem", "RowNumbers", "failure_message", "show"]

#: How many rows and example values a message shows per problem.
EXAMPLES = 5


@dataclass(frozen=True)
class RowNumbers:
    """How the rows of a source are numbered for its user.

    Attributes
    ----------
    word : str
        ``"lines"`` (CSV/TSV), ``"Excel rows"``, ``"rows"``.
    first : int or None
        The number of the first data row (2 for a CSV line or an Excel row under a header,
        1 for a parquet file or a query); None to show a DataFrame's own index labels.
    locate : callable, optional
        Positions (0-based data rows) -> the user's numbers, when they are not ``first +
        position``: a CSV whose quoted cells hold line breaks or that has blank lines.
        Called only to write a message.
    """

    word: str = "rows"
    first: int | None = None
    locate: Callable[[list[int]], list[int]] | None = None

    def label(self, index_labels: Iterable) -> list:
        """The user's numbers for rows given by their index labels (a RangeIndex for files)."""
        labels = list(index_labels)
        if self.first is None:
            return labels
        if self.locate is not None:
            return self.locate([int(i) for i in labels])
        return [int(i) + self.first for i in labels]

    def text(self, index_labels: Sequence, *, limit: int = EXAMPLES) -> str:
        """``"lines 2, 5, 9 ..."``: the first ``limit`` rows in the user's numbering."""
        shown = [str(v) for v in self.label(list(index_labels)[:limit])]
        word = self.word[:-1] if len(index_labels) == 1 and self.word.endswith("s") else self.word
        return f"{word} " + ", ".join(shown) + (" ..." if len(index_labels) > limit else "")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one column, with the rows and a few of the values.

    Attributes
    ----------
    column : str
        The column (in cxlab's vocabulary, after ``columns=`` renaming).
    count : int
        How many values are affected.
    what : str
        What is wrong, after the count: ``"value(s) outside 0-10"``.
    rows : tuple
        Index labels of the affected rows (all of them, in row order).
    examples : tuple of str
        A few distinct offending values, as text.
    fix : str
        What to do.
    """

    column: str
    count: int
    what: str
    rows: tuple
    examples: tuple[str, ...]
    fix: str

    @classmethod
    def from_mask(cls, series: pd.Series, mask, what: str, fix: str, *, shown=None) -> Problem:
        """The problem of the values of ``series`` where ``mask`` is true (``shown``: values to quote)."""
        mask = np.asarray(mask, dtype=bool)
        values = (series if shown is None else shown)[mask]
        examples = tuple(dict.fromkeys(show(v) for v in values.iloc[: 20 * EXAMPLES]))[:EXAMPLES]
        return cls(column=str(series.name), count=int(mask.sum()), what=what,
                   rows=tuple(series.index[mask]), examples=examples, fix=fix)

    def line(self, rows: RowNumbers) -> str:
        """``  - column 'nps': 2 value(s) outside 0-10 (e.g. ['11', '-1']) in lines 3, 5; recode ...``."""
        where = f" in {rows.text(self.rows)}" if self.rows else ""
        examples = f" (e.g. {list(self.examples)})" if self.examples else ""
        return f"  - column {self.column!r}: {self.count} {self.what}{examples}{where}; {self.fix}"


def show(value) -> str:
    """A value as a user typed it: ``11`` rather than ``11.0``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def failure_message(where: str, problems: Sequence[Problem], rows: RowNumbers) -> str:
    """Every problem of a table in one message, headed by where the rows came from."""
    return f"{where} failed validation:\n" + "\n".join(p.line(rows) for p in problems)
