"""FlatGeobuf: the flat columns, in layer order."""

from __future__ import annotations

from pathlib import Path

from facilitymap.exchange.flat import FLAT_COLUMNS, site_to_row
from facilitymap.exchange.ogr import (
    CRS,
    geometry_type,
    label_rows,
    only_layer,
    read_table,
    strip_nul,
    typed_columns,
    wkb_array,
)
from facilitymap.exchange.protocol import ExportJob, Format, Reading
from facilitymap.problems import Problem


def write_fgb(job: ExportJob, path: Path) -> None:
    """A FlatGeobuf with the flat columns, in layer order (no spatial index: see the doc)."""
    from pyogrio.raw import write

    rows = [site_to_row(s, job.as_of) for s in job.sites]
    strip_nul(rows, job.warnings, "FlatGeobuf")
    write(
        str(path),
        wkb_array(job.sites, job.as_of),
        typed_columns(rows, FLAT_COLUMNS),
        list(FLAT_COLUMNS),
        layer=path.stem,
        driver="FlatGeobuf",
        geometry_type=geometry_type(job.sites),
        crs=CRS,
        # The packed Hilbert R-tree reorders features and cannot hold null geometries.
        layer_options={"SPATIAL_INDEX": "NO"},
    )


def read_fgb(path: Path, problems: list[Problem]) -> Reading:
    """The file's one layer, as rows."""
    return Reading(label_rows(read_table(path, only_layer(path), problems)))


FORMAT = Format(name="fgb", title="FlatGeobuf", suffixes=(".fgb",), write=write_fgb, read=read_fgb)
