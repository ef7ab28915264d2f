"""GeoPackage, FlatGeobuf and Shapefile through pyogrio (GDAL): write and read."""

from __future__ import annotations

import contextlib
import csv
import io
import math
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from facilitymap.dates import date_end
from facilitymap.errors import FacilitymapError
from facilitymap.exchange.flat import (
    FLAT_COLUMNS,
    INTEGER_COLUMNS,
    JSON_COLUMNS,
    REAL_COLUMNS,
    site_to_row,
)
from facilitymap.io import site_to_feature
from facilitymap.model import (
    ACTOR_TYPES,
    CLAIM_BASES,
    CONFIDENCES,
    EVIDENCE_LEVELS,
    KINDS,
    LOCATION_BASES,
    OFFICIAL_STATUSES,
    STANCES,
    STATUSES,
    Site,
)
from facilitymap.status import STATUS_INFO

CRS = "EPSG:4326"
CLAIM_COLUMNS = (
    "site_id",
    "claim_index",
    "id",
    "date",
    "actor",
    "actor_type",
    "government",
    "stance",
    "basis",
    "summary",
    "quote",
    "sources",
    "note",
    "extra",
)
SOURCE_COLUMNS = (
    "site_id",
    "source_index",
    "id",
    "title",
    "publisher",
    "author",
    "url",
    "via",
    "published",
    "accessed",
    "archive_url",
    "language",
    "note",
    "extra",
)
_CLAIM_FIELDS = CLAIM_COLUMNS[2:-1]
_SOURCE_FIELDS = SOURCE_COLUMNS[2:-1]

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

# Vocabularies written as GeoPackage enum constraints (GDAL: coded field domains).
_DOMAINS: dict[str, tuple[str, dict[str, str]]] = {
    "status": ("sites", {s: STATUS_INFO[s][0] for s in STATUSES}),
    "official_status": ("sites", {s: s for s in OFFICIAL_STATUSES}),
    "evidence": ("sites", {s: s for s in EVIDENCE_LEVELS}),
    "confidence": ("sites", {s: s for s in CONFIDENCES}),
    "kind": ("sites", {s: s for s in KINDS}),
    "location_basis": ("sites", {s: s for s in LOCATION_BASES}),
    "actor_type": ("claims", {s: s for s in ACTOR_TYPES}),
    "stance": ("claims", {s: s for s in STANCES}),
    "basis": ("claims", {s: s for s in CLAIM_BASES}),
}
RTE_URL = "http://www.geopackage.org/18-000.html"
SCHEMA_URL = "http://www.geopackage.org/spec/#extension_schema"


def _pyogrio():
    import pyogrio

    return pyogrio


def _wkb(geometry: dict[str, Any] | None) -> bytes | None:
    if geometry is None:
        return None
    import shapely

    return shapely.to_wkb(shapely.geometry.shape(geometry))


def _columns(rows: Sequence[dict[str, Any]], names: Sequence[str]) -> list[np.ndarray]:
    arrays = []
    for name in names:
        values = [row.get(name) for row in rows]
        if name in INTEGER_COLUMNS or name.endswith("_index"):
            arrays.append(np.array(values, dtype=np.int32))
        elif name in REAL_COLUMNS:
            arrays.append(np.array([math.nan if v is None else v for v in values], dtype=float))
        else:
            arrays.append(np.array(values, dtype=object))
    return arrays


def _strip_nul(rows: list[dict[str, Any]], warnings: list[str], fmt: str) -> None:
    # GDAL strings are C strings: a NUL would silently cut the value. Remove it and say so.
    for row in rows:
        for key, value in row.items():
            if isinstance(value, str) and "\x00" in value:
                row[key] = value.replace("\x00", "")
                warnings.append(
                    f"{row.get('site_id', row.get('id'))}: {key}: NUL character removed "
                    f"({fmt} cannot store it)"
                )


@contextlib.contextmanager
def _gdal_config(**options: str) -> Iterator[None]:
    pyogrio = _pyogrio()
    before = {k: pyogrio.get_gdal_config_option(k) for k in options}
    pyogrio.set_gdal_config_options(options)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(before)


def data_date(sites: Sequence[Site]) -> str:
    """A timestamp derived from the data (latest ``updated`` or claim date) for GDAL.

    GeoPackage records a last-change time per table; pinning it makes the file depend only on
    the data (same layer, same bytes).
    """
    days = [date_end(s.updated) for s in sites if s.updated]
    days += [date_end(c.date) for s in sites for c in s.claims]
    latest = max(days, default=date(2000, 1, 1))
    return f"{latest.isoformat()}T00:00:00.000Z"


# --------------------------------------------------------------------------- write


def write_gpkg(sites: Sequence[Site], path: Path, as_of, warnings: list[str]) -> None:
    """A GeoPackage: ``sites`` (features), ``claims`` and ``sources`` (attribute tables).

    The tables are linked by site id and by the Related Tables Extension (mapping tables
    ``sites_claims``, ``sites_sources``); the vocabularies are enum constraints, which GDAL
    shows as coded field domains and QGIS as value maps.
    """
    from pyogrio.raw import write

    rows = [site_to_row(s, as_of) for s in sites]
    claims, sources, claim_links, source_links = [], [], [], []
    for fid, site in enumerate(sites, start=1):
        for index, claim in enumerate(site.claims):
            record = claim.to_json_dict()
            claims.append(_child_row(site.id, "claim_index", index, record, _CLAIM_FIELDS))
            claim_links.append((fid, len(claims)))
        for index, source in enumerate(site.sources):
            record = source.to_json_dict()
            sources.append(_child_row(site.id, "source_index", index, record, _SOURCE_FIELDS))
            source_links.append((fid, len(sources)))
    for table in (rows, claims, sources):
        _strip_nul(table, warnings, "GeoPackage")
    geometry = np.array([_wkb(site_to_feature(s, as_of)["geometry"]) for s in sites], dtype=object)
    common = {"driver": "GPKG", "dataset_options": {"VERSION": "1.3"}}
    with _gdal_config(OGR_CURRENT_DATE=data_date(sites)):
        write(
            str(path),
            geometry,
            _columns(rows, FLAT_COLUMNS),
            list(FLAT_COLUMNS),
            layer="sites",
            geometry_type="Unknown",
            crs=CRS,
            layer_options={"FID": "fid", "DESCRIPTION": "Reported facilities, one row per site"},
            **common,
        )
        for name, table, columns, what in (
            ("claims", claims, CLAIM_COLUMNS, "Claims: one statement by one actor at one time"),
            ("sources", sources, SOURCE_COLUMNS, "Sources the claims and locations cite"),
        ):
            write(
                str(path),
                None,
                _columns(table, columns),
                list(columns),
                layer=name,
                geometry_type=None,
                append=True,
                layer_options={"FID": "fid", "DESCRIPTION": what},
                driver="GPKG",
            )
    _add_gpkg_schema(path, claim_links, source_links)


def _child_row(site_id, index_name, index, record, fields) -> dict[str, Any]:
    row: dict[str, Any] = {"site_id": site_id, index_name: index}
    for field in fields:
        value = record.get(field)
        row[field] = orjson.dumps(value).decode() if isinstance(value, list) else value
    extra = {k: v for k, v in record.items() if k not in fields}
    row["extra"] = orjson.dumps(extra).decode() if extra else None
    return row


def _add_gpkg_schema(path: Path, claim_links, source_links) -> None:
    con = sqlite3.connect(path)
    try:
        with con:
            con.executescript(_SCHEMA_SQL)
            for column, (table, values) in _DOMAINS.items():
                name = f"{table}_{column}"
                con.executemany(
                    "INSERT INTO gpkg_data_column_constraints "
                    "(constraint_name, constraint_type, value, description) VALUES (?,?,?,?)",
                    [(name, "enum", value, text) for value, text in values.items()],
                )
                con.execute(
                    "INSERT INTO gpkg_data_columns (table_name, column_name, name, constraint_name)"
                    " VALUES (?,?,?,?)",
                    (table, column, column, name),
                )
            json_columns = [("sites", c) for c in sorted(JSON_COLUMNS)]
            json_columns += [(t, c) for t in ("claims", "sources") for c in ("extra",)]
            json_columns += [("claims", "sources")]
            con.executemany(
                "INSERT INTO gpkg_data_columns (table_name, column_name, name, mime_type)"
                " VALUES (?,?,?,'application/json')",
                [(t, c, c) for t, c in json_columns],
            )
            for mapping, related, links in (
                ("sites_claims", "claims", claim_links),
                ("sites_sources", "sources", source_links),
            ):
                con.execute(
                    f'CREATE TABLE "{mapping}" (base_id INTEGER NOT NULL, '
                    "related_id INTEGER NOT NULL)"
                )
                con.executemany(f'INSERT INTO "{mapping}" VALUES (?, ?)', links)
                con.execute(
                    "INSERT INTO gpkgext_relations (base_table_name, base_primary_column, "
                    "related_table_name, related_primary_column, relation_name, "
                    "mapping_table_name) VALUES ('sites', 'fid', ?, 'fid', 'attributes', ?)",
                    (related, mapping),
                )
                con.execute(
                    "INSERT INTO gpkg_extensions VALUES (?, NULL, 'gpkg_related_tables', ?, "
                    "'read-write')",
                    (mapping, RTE_URL),
                )
    except sqlite3.Error as err:
        raise FacilitymapError(f"{path}: cannot add the GeoPackage schema: {err}") from err
    finally:
        con.close()


_SCHEMA_SQL = f"""
CREATE TABLE IF NOT EXISTS gpkg_data_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, name TEXT, title TEXT,
  description TEXT, mime_type TEXT, constraint_name TEXT,
  CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name),
  CONSTRAINT gdc_tn UNIQUE (table_name, name));
CREATE TABLE IF NOT EXISTS gpkg_data_column_constraints (
  constraint_name TEXT NOT NULL, constraint_type TEXT NOT NULL, value TEXT,
  min NUMERIC, min_is_inclusive BOOLEAN, max NUMERIC, max_is_inclusive BOOLEAN,
  description TEXT,
  CONSTRAINT gdcc_ntv UNIQUE (constraint_name, constraint_type, value));
CREATE TABLE IF NOT EXISTS gpkg_extensions (
  table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL,
  definition TEXT NOT NULL, scope TEXT NOT NULL,
  CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
INSERT OR IGNORE INTO gpkg_extensions VALUES
  ('gpkg_data_columns', NULL, 'gpkg_schema', '{SCHEMA_URL}', 'read-write'),
  ('gpkg_data_column_constraints', NULL, 'gpkg_schema', '{SCHEMA_URL}', 'read-write');
CREATE TABLE gpkgext_relations (
  id INTEGER PRIMARY KEY AUTOINCREMENT, base_table_name TEXT NOT NULL,
  base_primary_column TEXT NOT NULL DEFAULT 'id', related_table_name TEXT NOT NULL,
  related_primary_column TEXT NOT NULL DEFAULT 'id', relation_name TEXT NOT NULL,
  mapping_table_name TEXT NOT NULL UNIQUE);
INSERT INTO gpkg_extensions VALUES
  ('gpkgext_relations', NULL, 'gpkg_related_tables', '{RTE_URL}', 'read-write');
"""


def write_fgb(sites: Sequence[Site], path: Path, as_of, warnings: list[str]) -> None:
    """A FlatGeobuf with the flat columns, in layer order (no spatial index: see the doc)."""
    from pyogrio.raw import write

    rows = [site_to_row(s, as_of) for s in sites]
    _strip_nul(rows, warnings, "FlatGeobuf")
    geometry = np.array([_wkb(site_to_feature(s, as_of)["geometry"]) for s in sites], dtype=object)
    write(
        str(path),
        geometry,
        _columns(rows, FLAT_COLUMNS),
        list(FLAT_COLUMNS),
        layer=path.stem,
        driver="FlatGeobuf",
        geometry_type="Unknown",
        crs=CRS,
        # The packed Hilbert R-tree reorders features and cannot hold null geometries.
        layer_options={"SPATIAL_INDEX": "NO"},
    )


def shp_outputs(path: Path, sites: Sequence[Site]) -> list[Path]:
    """Every file a Shapefile export of ``sites`` to ``path`` writes."""
    out = []
    for suffix, _, types in SHP_FAMILIES:
        if suffix == "" or any(s.geometry and s.geometry["type"] in types for s in sites):
            out += [path.with_name(path.stem + suffix + ext) for ext in SHP_PARTS]
    out.append(path.with_name(path.stem + ".fieldmap.csv"))
    return out


def write_shp(sites: Sequence[Site], path: Path, as_of, warnings: list[str]) -> None:
    """Shapefiles with 10-character field names (map in <stem>.fieldmap.csv), one per family."""
    from pyogrio.raw import write

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
        _strip_nul(rows, warnings, "Shapefile")
        for row in rows:
            for key, value in row.items():
                if isinstance(value, str) and len(value.encode("utf-8")) > SHP_TEXT_LIMIT:
                    row[key] = truncate_utf8(value, SHP_TEXT_LIMIT)
                    cut.setdefault(key, []).append(row["id"])
        geometry = np.array(
            [_wkb(site_to_feature(s, as_of)["geometry"]) for s in members], dtype=object
        )
        target = path.with_name(path.stem + suffix + ".shp")
        write(
            str(target),
            geometry,
            _columns(rows, FLAT_COLUMNS),
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


def truncate_utf8(text: str, limit: int, marker: str = "…") -> str:
    """``text`` cut at a character boundary so that it and ``marker`` fit in ``limit`` bytes."""
    room = limit - len(marker.encode("utf-8"))
    return text.encode("utf-8")[:room].decode("utf-8", errors="ignore") + marker


# --------------------------------------------------------------------------- read


def _plain(value: Any) -> Any:
    """A cell from pandas/numpy as plain Python: NaN/NaT → None, timestamps → ISO dates."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None and value.time() == datetime.min.time():
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    try:
        import pandas as pd

        if value is pd.NaT or (not isinstance(value, str | list | dict) and pd.isna(value)):
            return None
    except (TypeError, ValueError):
        pass
    return value


def _listify(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_listify(v) for v in value]
    return value


def geometry_dict(geom: Any) -> dict[str, Any] | None:
    """A shapely geometry as a GeoJSON dict with lists (None for a missing/empty one)."""
    if geom is None:
        return None
    import shapely
    from shapely.geometry import mapping

    if shapely.is_empty(geom):
        return None
    found = dict(mapping(geom))
    if "coordinates" in found:
        found["coordinates"] = _listify(found["coordinates"])
    return found


def read_table(path: Path, layer: str | None = None) -> list[tuple[dict | None, dict[str, Any]]]:
    """Rows of one OGR layer as ``(geometry, {column: plain value})``, in FID order."""
    pyogrio = _pyogrio()
    try:
        info = pyogrio.read_info(str(path), layer=layer)
        has_geometry = info.get("geometry_type") is not None
        frame = pyogrio.read_dataframe(str(path), layer=layer, read_geometry=has_geometry)
    except Exception as err:  # pyogrio raises its own DataSourceError/DataLayerError
        raise FacilitymapError(f"{path}: cannot read with GDAL: {err}") from err
    columns = [c for c in frame.columns if c != "geometry"]
    out = []
    geoms = frame["geometry"] if has_geometry else [None] * len(frame)
    for geom, values in zip(geoms, frame[columns].itertuples(index=False, name=None), strict=True):
        out.append(
            (geometry_dict(geom), {c: _plain(v) for c, v in zip(columns, values, strict=True)})
        )
    return out


def list_layers(path: Path) -> list[str]:
    """Layer names of a GDAL dataset."""
    pyogrio = _pyogrio()
    try:
        return [str(name) for name, _ in pyogrio.list_layers(str(path))]
    except Exception as err:
        raise FacilitymapError(f"{path}: cannot open with GDAL: {err}") from err


def children_by_site(
    rows: list[tuple[dict | None, dict[str, Any]]], index_name: str, fields: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    """Claims or sources rows of a GeoPackage export, grouped by site id, in saved order."""
    grouped: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for _, row in rows:
        record: dict[str, Any] = {}
        extra = row.get("extra")  # pyogrio parses JSON-subtype text itself (GDAL >= 3.x)
        if isinstance(extra, str) and extra:
            extra = orjson.loads(extra)
        if isinstance(extra, dict):
            record.update(extra)
        for field in fields:
            value = row.get(field)
            if value is None:
                continue
            if field == "sources" and isinstance(value, str):
                value = orjson.loads(value)
            record[field] = value
        position = row.get(index_name)
        grouped.setdefault(str(row.get("site_id")), []).append(
            (position if isinstance(position, int) else 0, record)
        )
    return {k: [r for _, r in sorted(v, key=lambda item: item[0])] for k, v in grouped.items()}


def read_fieldmap(path: Path) -> dict[str, str]:
    """``{shapefile_field: column}`` from <stem>.fieldmap.csv, or the built-in map."""
    mapfile = path.with_name(path.stem + ".fieldmap.csv")
    if not mapfile.exists():
        return {v: k for k, v in SHP_FIELDS.items()}
    with mapfile.open(encoding="utf-8", newline="") as handle:
        return {row["shapefile_field"]: row["column"] for row in csv.DictReader(handle)}
