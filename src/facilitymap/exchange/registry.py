"""Every format exchange knows, by name and by file suffix.

Adding a format: write its module (a ``FORMAT`` with a reader and a writer, see
``protocol``), list it here, and describe it in ``docs/exchange.md``. The CLI's ``--to``
choices and the suffixes ``import`` accepts come from this list.
"""

from __future__ import annotations

import os
from pathlib import Path

from facilitymap.errors import FacilitymapError
from facilitymap.exchange import fgb, geojson, gpkg, kml, shp, tabular
from facilitymap.exchange.protocol import Format

# In the order the CLI lists them.
FORMATS: dict[str, Format] = {
    f.name: f
    for f in (gpkg.FORMAT, fgb.FORMAT, shp.FORMAT, tabular.FORMAT, kml.FORMAT, geojson.FORMAT)
}
SUFFIXES: dict[str, str] = {suffix: f.name for f in FORMATS.values() for suffix in f.suffixes}


def format_named(name: str) -> Format:
    """The format called ``name`` (``gpkg``); raises FacilitymapError naming the choices."""
    if name not in FORMATS:
        raise FacilitymapError(f"unknown export format {name!r}; use one of {', '.join(FORMATS)}")
    return FORMATS[name]


def format_of(path: str | os.PathLike[str]) -> str:
    """The format a file name implies (``sites.gpkg`` → ``gpkg``); raises FacilitymapError."""
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        known = ", ".join(sorted(SUFFIXES))
        raise FacilitymapError(
            f"{path}: unknown file type {suffix or '(none)'}; use one of {known}"
        )
    return SUFFIXES[suffix]
