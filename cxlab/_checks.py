"""Private validation helpers shared by the modules that check input at the edge."""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Iterable, Sequence
from types import ModuleType

import numpy as np
import pandas as pd

from .errors import DataValidationError, MissingDependencyError


def check_option(name: str, value: object, allowed: Sequence[str]) -> None:
    """Raise ``ValueError`` unless ``value`` is exactly one of ``allowed`` (no prefixes, no case-folding)."""
    if value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"`{name}` must be one of {choices}; got {value!r}.")


def check_date(text: str, name: str = "") -> str:
    """``text`` if it is empty or a date pandas reads, else a ValueError saying how to write one.

    >>> check_date("2026-07-06")
    '2026-07-06'
    """
    if text:
        try:
            pd.Timestamp(text)
        except ValueError as err:
            raise ValueError(f"{name + ' ' if name else ''}{text!r} is not a date (write 2026-07-06)") from err
    return text


def check_confidence(confidence: float) -> float:
    """Return ``confidence`` as float after checking it lies strictly between 0 and 1."""
    c = float(confidence)
    if not 0.0 < c < 1.0:
        raise ValueError(f"`confidence` must be between 0 and 1 (e.g. 0.95); got {confidence!r}.")
    return c


def check_counts(**counts: float) -> None:
    """Raise ``ValueError`` unless every named count is a whole number >= 0."""
    for name, value in counts.items():
        if value is None or not np.isfinite(value) or value < 0 or value != int(value):
            raise ValueError(f"`{name}` must be a whole number >= 0; got {value!r}.")


def _edits(a: str, b: str) -> int:
    """Optimal-string-alignment distance: insertions, deletions, substitutions, swaps of neighbours."""
    prev2, prev = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if prev2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def is_close(name: str, candidate: str) -> bool:
    """Whether ``candidate`` is plausibly what was meant by ``name`` (a typo, a case slip, a prefix).

    Close means: equal ignoring case; at most one typo per four characters (at least one
    allowed between names of 3+ characters; a swap of neighbours counts once); a difflib similarity of 0.75 or more; or one
    name containing the other when the shorter has 3+ characters and a third of the longer's
    length (``nps`` in ``nps_score``). So ``'nsp'`` suggests ``'nps'`` but ``'revenue'``
    suggests nothing among ``'nps'``, ``'region'``.
    """
    a, b = str(name).casefold(), str(candidate).casefold()
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 3 and short in long_ and 3 * len(short) >= len(long_):
        return True
    shortest = min(len(a), len(b))
    if shortest >= 3 and _edits(a, b) <= max(1, shortest // 4):
        return True
    return difflib.SequenceMatcher(None, a, b).ratio() >= 0.75


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate most similar to ``name`` among the close ones (:func:`is_close`), or None."""
    options = [str(c) for c in candidates]
    folded = {c.casefold(): c for c in options}
    if str(name).casefold() in folded:  # differs only in case
        return folded[str(name).casefold()]
    near = [c for c in options if is_close(name, c)]
    if not near:
        return None
    return max(near, key=lambda c: difflib.SequenceMatcher(None, str(name).casefold(), c.casefold()).ratio())


def require_columns(data: pd.DataFrame, columns: Iterable[str], *, where: str = "the data",
                    hint: str = "") -> None:
    """Raise ``DataValidationError`` naming every missing column, what is there and the closest name."""
    present = [str(c) for c in data.columns]
    missing = [c for c in columns if c not in data.columns]
    if not missing:
        return
    parts = []
    for col in missing:
        guess = closest(col, present)
        parts.append(f"{col!r}" + (f" (did you mean {guess!r}?)" if guess else ""))
    shown = ", ".join(repr(c) for c in present[:30]) + (" ..." if len(present) > 30 else "")
    raise DataValidationError(
        f"{where} has no column {', '.join(parts)}. Columns present: {shown}."
        + (f" {hint}" if hint else " Rename the column or map it with `columns={...}`.")
    )


def optional_import(module: str, extra: str) -> ModuleType:
    """Import an optional dependency, or say which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise MissingDependencyError(
            f"This feature needs the optional package {module!r}. "
            f"Install it with: pip install 'cxlab[{extra}]'"
        ) from err
