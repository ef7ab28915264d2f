"""ESRI Shapefile: one file set per geometry family, 10-character field names, 254-byte text.

The writer cuts long text (and says so); the reader restores field names from
``<stem>.fieldmap.csv``, or from the names GDAL gives our columns when it writes a Shapefile
itself, and refuses a file whose JSON columns were cut with one line of advice: share it as
GeoPackage.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

import orjson

from facilitymap.errors import FacilitymapError
from facilitymap.exchange.flat import FLAT_COLUMNS, JSON_COLUMNS, site_to_row
from facilitymap.exchange.ogr import (
    CRS,
    read_table,
    strip_nul,
    truncate_utf8,
    typed_columns,
    wkb_array,
)
from facilitymap.exchange.protocol import ExportJob, Format, Reading
from facilitymap.model import PROPERTY_ORDER, Site
from facilitymap.problems import Problem

# Shapefile field names are at most 10 characters: this map is written beside every .shp
# as <stem>.fieldmap.csv and documented in docs/exchange.md.
SHP_FIELDS = {
    "id": "id",
    "name": "name",
    "kind": "kind",
    "country": "country",
    "governments": "govts",
    "admin1": "admin1",
    "admin2": "admin2",
    "admin3": "admin3",
    "description": "descriptn",
    "status": "status",
    "official_status": "off_status",
    "evidence": "evidence",
    "denied_by": "denied_by",
    "confidence": "confidence",
    "confidence_note": "conf_note",
    "precision_m": "precisn_m",
    "location_basis": "loc_basis",
    "location_note": "loc_note",
    "location_sources": "loc_srcs",
    "first_reported": "first_rep",
    "updated": "updated",
    "n_claims": "n_claims",
    "n_sources": "n_sources",
    "latest_claim_date": "last_claim",
    "local_names": "local_nms",
    "claims": "claims",
    "sources": "sources",
    "extra": "extra",
    "extra_members": "extra_mbrs",
}
assert tuple(SHP_FIELDS) == FLAT_COLUMNS
assert all(len(v) <= 10 for v in SHP_FIELDS.values())
SHP_TEXT_LIMIT = 254  # bytes of a DBF character field
# One Shapefile holds one geometry family: points (and sites without geometry) go in
# <stem>.shp, lines and areas in <stem>_lines.shp and <stem>_polygons.shp.
SHP_FAMILIES = (
    ("", "Point", ("Point",)),
    ("_lines", "LineString", ("LineString", "MultiLineString")),
    ("_polygons", "Polygon", ("Polygon", "MultiPolygon")),
)
SHP_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def shp_outputs(path: Path, sites: Sequence[Site]) -> list[Path]:
    """Every file a Shapefile export of ``sites`` to ``path`` writes."""
    out = []
    for suffix, _, types in SHP_FAMILIES:
        if suffix == "" or any(s.geometry and s.geometry["type"] in types for s in sites):
            out += [path.with_name(path.stem + suffix + ext) for ext in SHP_PARTS]
    out.append(path.with_name(path.stem + ".fieldmap.csv"))
    return out


def write_shp(job: ExportJob, path: Path) -> None:
    """Shapefiles with 10-character field names (map in <stem>.fieldmap.csv), one per family."""
    from pyogrio.raw import write

    sites, as_of, warnings = job.sites, job.as_of, job.warnings
    cut: dict[str, list[str]] = {}
    for suffix, gtype, types in SHP_FAMILIES:
        members = [
            s
            for s in sites
            if (s.geometry is None and suffix == "")
            or (s.geometry is not None and s.geometry["type"] in types)
        ]
        if not members and suffix:
            continue
        rows = [site_to_row(s, as_of) for s in members]
        strip_nul(rows, warnings, "Shapefile")
        for row in rows:
            for key, value in row.items():
                if isinstance(value, str) and len(value.encode("utf-8")) > SHP_TEXT_LIMIT:
                    row[key] = truncate_utf8(value, SHP_TEXT_LIMIT)
                    cut.setdefault(key, []).append(row["id"])
        geometry = wkb_array(members, as_of)
        target = path.with_name(path.stem + suffix + ".shp")
        write(
            str(target),
            geometry,
            typed_columns(rows, FLAT_COLUMNS),
            [SHP_FIELDS[c] for c in FLAT_COLUMNS],
            layer=target.stem,
            driver="ESRI Shapefile",
            geometry_type=gtype,
            crs=CRS,
            encoding="UTF-8",
        )
    for column, ids in cut.items():
        sample = ", ".join(ids[:3]) + (", ..." if len(ids) > 3 else "")
        warnings.append(
            f"{column}: cut to {SHP_TEXT_LIMIT} bytes (Shapefile text limit) in {len(ids)} "
            f"site(s): {sample}; use gpkg, fgb or geojson for the full record"
        )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["column", "shapefile_field"])
    writer.writerows(SHP_FIELDS.items())
    path.with_name(path.stem + ".fieldmap.csv").write_text(buffer.getvalue(), encoding="utf-8")


def read_fieldmap(path: Path) -> dict[str, str]:
    """``{shapefile_field: column}`` from <stem>.fieldmap.csv, or the built-in map."""
    mapfile = path.with_name(path.stem + ".fieldmap.csv")
    if not mapfile.exists():
        return {v: k for k, v in SHP_FIELDS.items()}
    with mapfile.open(encoding="utf-8", newline="") as handle:
        return {row["shapefile_field"]: row["column"] for row in csv.DictReader(handle)}


# Names a column may have in a Shapefile GDAL wrote from our layer or one of our exports:
# GDAL cuts a name to 10 characters, and a name that then collides to 8 + "_1", "_2", ...
_KNOWN_NAMES = tuple(dict.fromkeys((*FLAT_COLUMNS, *PROPERTY_ORDER, "site_description")))
_RENUMBERED = re.compile(r"^(.{8})_(\d+)$")


def column_names(fields: Sequence[str], fieldmap: dict[str, str]) -> dict[str, str]:
    """``{shapefile_field: column}`` for the fields of one file.

    ``fieldmap`` (our ``<stem>.fieldmap.csv``) wins; then a field named like a column; then
    our own short names; then GDAL's cut names (``descriptio``, ``confiden_1``). Fields none
    of these explain keep their name.
    """
    out: dict[str, str] = {}
    ours = {v: k for k, v in SHP_FIELDS.items()}
    taken = {f for f in fields if f in _KNOWN_NAMES}
    for field in fields:
        if field in fieldmap:
            out[field] = fieldmap[field]
        elif field in taken:
            out[field] = field
        elif field in ours and ours[field] not in taken:
            out[field] = ours[field]
        elif len(field) == 10 and (
            cut := [c for c in _KNOWN_NAMES if c.startswith(field) and c not in taken]
        ):
            out[field] = cut[0]
        elif (numbered := _RENUMBERED.match(field)) is not None:
            prefix, n = numbered.group(1), int(numbered.group(2))
            # The n-th long column that lost its 10-character name to an earlier one.
            collided = [
                c for c in _KNOWN_NAMES if c.startswith(prefix) and len(c) > 10 and c not in taken
            ]
            collided = [c for c in collided if c[:10] in taken or c[:10] in fields]
            out[field] = collided[n - 1] if 0 < n <= len(collided) else field
        else:
            out[field] = field
        taken.add(out[field])
    return out


def _cut_json(rows) -> dict[str, list[str]]:
    """Site ids whose JSON columns a Shapefile cut (text at the 254-byte limit, not JSON)."""
    cut: dict[str, list[str]] = {}
    for label, _, row in rows:
        for column in (*sorted(JSON_COLUMNS), "location"):
            value = row.get(column)
            if not isinstance(value, str) or len(value.encode("utf-8")) < SHP_TEXT_LIMIT - 6:
                continue
            try:
                orjson.loads(value)
            except orjson.JSONDecodeError:
                cut.setdefault(column, []).append(label)
    return cut


def read_shp(path: Path, problems: list[Problem]) -> Reading:
    """Rows of the Shapefile (and of its ``_lines``/``_polygons`` companions when it is ours).

    Raises FacilitymapError, in one line, when JSON columns (claims, sources, ...) were cut at
    the 254-byte limit: they cannot be read back, and a GeoPackage keeps them whole.
    """
    mapfile = path.with_name(path.stem + ".fieldmap.csv")
    fieldmap = read_fieldmap(path) if mapfile.exists() else {}
    members = [path]
    if mapfile.exists():
        members += [
            p
            for suffix in ("_lines", "_polygons")
            if (p := path.with_name(path.stem + suffix + ".shp")).exists()
        ]
    out = []
    for member in members:
        table = read_table(member, None, problems)
        names = column_names(list(table[0][1]) if table else [], fieldmap)
        for index, (geometry, row) in enumerate(table):
            row = {names.get(k, k): v for k, v in row.items()}
            out.append((str(row.get("id") or f"{member.name}#{index}"), geometry, row))
    cut = _cut_json(out)
    if cut:
        sites = sorted({label for labels in cut.values() for label in labels})
        sample = ", ".join(sites[:3]) + (", ..." if len(sites) > 3 else "")
        raise FacilitymapError(
            f"{path}: a Shapefile cuts text at {SHP_TEXT_LIMIT} bytes, and the "
            f"{', '.join(sorted(cut))} of {len(sites)} site(s) ({sample}) were cut, so they "
            "cannot be read back: share the layer as GeoPackage instead "
            "(facilitymap export --to gpkg; in QGIS: Save as GeoPackage)"
        )
    return Reading(out)


FORMAT = Format(
    name="shp",
    title="ESRI Shapefile",
    suffixes=(".shp",),
    write=write_shp,
    read=read_shp,
    outputs=shp_outputs,
)
