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


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate most similar to ``name``, or None when nothing is close."""
    options = [str(c) for c in candidates]
    folded = {c.casefold(): c for c in options}
    if str(name).casefold() in folded:  # differs only in case
        return folded[str(name).casefold()]
    matches = difflib.get_close_matches(str(name), options, n=1, cutoff=0.5)
    return matches[0] if matches else None


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
