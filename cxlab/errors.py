"""The exceptions cxlab raises on purpose.

Every message says what was wrong, where (file, column, rows) and what to do.
"""

from __future__ import annotations

__all__ = ["CxlabError", "DataValidationError", "ParameterError", "ReportError", "MissingDependencyError",
           "EngineError"]


class CxlabError(Exception):
    """Base class of every error cxlab raises on purpose."""


class DataValidationError(CxlabError, ValueError):
    """Input data does not fit its schema (missing column, value off the scale, bad type ...)."""


class ParameterError(CxlabError, ValueError):
    """A parameter file or schedule is invalid (unknown name, wrong type, missing file, bad cron)."""


class ReportError(CxlabError, RuntimeError):
    """A report notebook failed to run."""


class MissingDependencyError(CxlabError, ImportError):
    """An optional part of cxlab was used without its extra installed."""


class EngineError(CxlabError):
    """A database engine lacks an operation an analysis needs (the message names engine and operation)."""
