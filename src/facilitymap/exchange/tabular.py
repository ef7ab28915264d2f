"""CSV: the flat columns plus ``lon``, ``lat`` and ``wkt``, UTF-8, RFC 4180."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from facilitymap.exchange import geometries
from facilitymap.exchange.flat import (
    FLAT_COLUMNS,
    FREE_TEXT_COLUMNS,
    INTEGER_COLUMNS,
    LON_NAMES,
    REAL_COLUMNS,
    WKT_NAMES,
    site_to_row,
)
from facilitymap.exchange.protocol import ExportJob, Format, Reading
from facilitymap.geometry import representative_point
from facilitymap.io import site_to_feature
from facilitymap.model import Site
from facilitymap.problems import Problem

CSV_COLUMNS = (*FLAT_COLUMNS, "lon", "lat", "wkt")
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
EXCEL_ESCAPE = "'"


def excel_escape(value: str) -> str:
    """Prefix ``'`` to text a spreadsheet would run as a formula (and to text starting with
    ``'``, so that :func:`excel_unescape` is its exact inverse)."""
    if value.startswith((*FORMULA_TRIGGERS, EXCEL_ESCAPE)):
        return EXCEL_ESCAPE + value
    return value


def excel_unescape(value: str) -> str:
    """Undo :func:`excel_escape`."""
    if value.startswith(EXCEL_ESCAPE) and value[1:].startswith((*FORMULA_TRIGGERS, EXCEL_ESCAPE)):
        return value[1:]
    return value


def _number(value: float | int) -> str:
    return repr(float(value)) if isinstance(value, float) else str(value)


def csvt_path(path: Path) -> Path:
    """The ``.csvt`` beside a CSV: the column types GDAL (and so QGIS) reads it with."""
    return path.with_suffix(".csvt")


def csv_outputs(path: Path, sites: Sequence[Site]) -> list[Path]:
    """The CSV and its ``.csvt``."""
    return [path, csvt_path(path)]


def _csvt() -> str:
    types = dict.fromkeys((*REAL_COLUMNS, "lon", "lat"), "Real")
    types |= dict.fromkeys(INTEGER_COLUMNS, "Integer")
    return ",".join(f'"{types.get(c, "String")}"' for c in CSV_COLUMNS) + "\r\n"


def write_csv(job: ExportJob, path: Path) -> None:
    """One row per site; lon/lat is the point itself or a point on a line or area.

    Beside it, a ``.csvt`` tells GDAL that ``precision_m``, ``lon`` and ``lat`` are numbers
    (else it reads every column as text). Dates stay text: ``2021-10`` is no GDAL Date.
    """
    sites, as_of, excel_safe = job.sites, job.as_of, job.excel_safe
    buffer = io.StringIO()
    if excel_safe:
        buffer.write("\ufeff")  # Excel reads UTF-8 only with a byte-order mark
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for site in sites:
        row = site_to_row(site, as_of)
        geometry = site_to_feature(site, as_of)["geometry"]
        point = representative_point(geometry)
        row["lon"] = _number(point[0]) if point else None
        row["lat"] = _number(point[1]) if point else None
        row["wkt"] = geometries.to_wkt(geometry)
        if row["precision_m"] is not None:
            row["precision_m"] = _number(row["precision_m"])
        if excel_safe:
            for column in FREE_TEXT_COLUMNS:
                if isinstance(row[column], str):
                    row[column] = excel_escape(row[column])
        writer.writerow(row)
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    csvt_path(path).write_text(_csvt(), encoding="ascii", newline="")


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of a CSV file (UTF-8, with or without a byte-order mark).

    The delimiter is sniffed among comma, semicolon and tab (spreadsheets in many locales
    write semicolons).
    """
    with path.open(encoding="utf-8-sig", newline="") as handle:  # keep \r inside cells
        text = handle.read()
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def read_rows(path: Path, problems: list[Problem]) -> Reading:
    """Rows named ``row N`` (N = the line in the file); geometry comes from the columns.

    A copy of the layer without any geometry column (GDAL's CSV default) gets a warning
    saying how to keep the geometry, before the errors about sites without one.
    """
    header, rows = read_csv(path)
    names = {h.lower() for h in header}
    if names & {"location", "location_basis"} and not names & {*WKT_NAMES, *LON_NAMES}:
        problems.append(
            Problem(
                str(path),
                "-",
                "geometry",
                "no geometry column (wkt, lon/lat, x/y): GDAL writes a CSV's geometry only "
                "when asked (ogr2ogr -lco GEOMETRY=AS_WKT; in QGIS: Geometry AS_WKT)",
                "warning",
            )
        )
    return Reading(
        [(f"row {i + 2}", None, row) for i, row in enumerate(rows)], blank_is_absent=True
    )


FORMAT = Format(
    name="csv",
    title="CSV",
    suffixes=(".csv", ".txt"),
    write=write_csv,
    read=read_rows,
    outputs=csv_outputs,
    options=frozenset({"excel_safe"}),
)
