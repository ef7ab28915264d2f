"""CSV: the flat columns plus ``lon``, ``lat`` and ``wkt``, UTF-8, RFC 4180."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from facilitymap.exchange.flat import FLAT_COLUMNS, FREE_TEXT_COLUMNS, site_to_row
from facilitymap.geometry import representative_point
from facilitymap.io import site_to_feature
from facilitymap.model import Site

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


def _pos(position: list) -> str:
    return f"{_number(position[0])} {_number(position[1])}"


def to_wkt(geometry: dict[str, Any] | None) -> str:
    """WKT with every coordinate's shortest exact repr (no rounding, unlike GEOS's writer)."""
    if geometry is None:
        return ""
    gtype, coords = geometry["type"], geometry["coordinates"]
    if gtype == "Point":
        return f"POINT ({_pos(coords)})"

    def ring(points: list) -> str:
        return "(" + ", ".join(_pos(p) for p in points) + ")"

    def poly(rings: list) -> str:
        return "(" + ", ".join(ring(r) for r in rings) + ")"

    if gtype == "LineString":
        return f"LINESTRING {ring(coords)}"
    if gtype == "MultiLineString":
        return f"MULTILINESTRING ({', '.join(ring(line) for line in coords)})"
    if gtype == "Polygon":
        return f"POLYGON {poly(coords)}"
    if gtype == "MultiPolygon":
        return f"MULTIPOLYGON ({', '.join(poly(p) for p in coords)})"
    raise ValueError(f"cannot write {gtype} as WKT")


def write_csv(
    sites: Sequence[Site], path: Path, as_of, warnings: list[str], *, excel_safe: bool = False
) -> None:
    """One row per site; lon/lat is the point itself or a point on a line or area."""
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
        row["wkt"] = to_wkt(geometry)
        if row["precision_m"] is not None:
            row["precision_m"] = _number(row["precision_m"])
        if excel_safe:
            for column in FREE_TEXT_COLUMNS:
                if isinstance(row[column], str):
                    row[column] = excel_escape(row[column])
        writer.writerow(row)
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")


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
