"""The package's exceptions: one base class, so callers catch one thing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from facilitymap.problems import Problem


class FacilitymapError(Exception):
    """Raised for any failure facilitymap reports to its user (never a programming error)."""


class LayerError(FacilitymapError, ValueError):
    """Raised when a layer cannot be read or does not validate.

    ``problems`` lists every problem found, each with file, site, field and message.
    """

    def __init__(self, message: str, problems: Sequence[Problem] = ()):
        super().__init__(message)
        self.problems = list(problems)


class OutputExistsError(FacilitymapError, FileExistsError):
    """Raised when an output file exists and overwriting was not asked for."""


class ConcurrentEditError(FacilitymapError):
    """Raised when a layer changed on disk between reading it and writing it back."""
