"""What a format module provides: a reader and a writer, registered in ``registry``.

A format module (``gpkg``, ``fgb``, ``shp``, ``tabular`` for CSV, ``kml``, ``geojson``)
defines ``FORMAT = Format(...)``. The writer gets an :class:`ExportJob` and the path of a
staged file; the reader gets a path and a list to add warnings to, and returns the file's
rows (or, for the layer's own GeoJSON, its sites) as a :class:`Reading`. Turning rows into
sites, checking them and merging them is the same for every format (``exchange.read_sites``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from facilitymap.model import Site
from facilitymap.problems import Problem

# One row read from a file: (how problems name it, GeoJSON geometry or None, {column: value}).
Row = tuple[str, dict[str, Any] | None, dict[str, Any]]


@dataclass
class ExportJob:
    """What to write: the sites (already filtered and cut to ``as_of``) and the options."""

    sites: list[Site]
    as_of: date | None
    warnings: list[str]
    collection_members: dict[str, Any] = field(default_factory=dict)
    flat: bool = False
    excel_safe: bool = False


@dataclass
class Reading:
    """What a reader found: rows to turn into sites, or sites already (the layer's own form).

    ``blank_is_absent``: an empty cell means "no value" (CSV cannot tell '' from blank).
    """

    rows: list[Row] = field(default_factory=list)
    sites: list[Site] | None = None
    blank_is_absent: bool = False


def single_output(path: Path, sites: Sequence[Site]) -> list[Path]:
    """The files an export writes, for a one-file format: the path itself."""
    return [path]


@dataclass(frozen=True)
class Format:
    """A GIS format: its name (the CLI's ``--to``), file suffixes, writer and reader.

    ``options`` are the format-specific export options it accepts (``flat``,
    ``excel_safe``); ``outputs`` lists every file an export writes (a Shapefile is several).
    """

    name: str
    title: str
    suffixes: tuple[str, ...]
    write: Callable[[ExportJob, Path], None]
    read: Callable[[Path, list[Problem]], Reading]
    outputs: Callable[[Path, Sequence[Site]], list[Path]] = single_output
    options: frozenset[str] = frozenset()
