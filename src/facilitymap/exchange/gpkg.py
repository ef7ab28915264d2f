"""GeoPackage: ``sites`` (features), ``claims`` and ``sources`` (attribute tables), linked.

Written with pyogrio then completed in SQLite (Related Tables, enum constraints, JSON
columns); read back from the tables, so claims edited in QGIS come back as edited.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from facilitymap.errors import FacilitymapError
from facilitymap.exchange.flat import FLAT_COLUMNS, JSON_COLUMNS, site_to_row
from facilitymap.exchange.ogr import (
    CRS,
    data_date,
    gdal_config,
    geometry_type,
    label_rows,
    list_layers,
    read_table,
    strip_nul,
    typed_columns,
    wkb_array,
)
from facilitymap.exchange.protocol import ExportJob, Format, Reading
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
)
from facilitymap.problems import Problem
from facilitymap.status import STATUS_INFO

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


def write_gpkg(job: ExportJob, path: Path) -> None:
    """A GeoPackage: ``sites`` (features), ``claims`` and ``sources`` (attribute tables).

    The tables are linked by site id and by the Related Tables Extension (mapping tables
    ``sites_claims``, ``sites_sources``); the vocabularies are enum constraints, which GDAL
    shows as coded field domains and QGIS as value maps.
    """
    from pyogrio.raw import write

    sites, as_of, warnings = job.sites, job.as_of, job.warnings
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
        strip_nul(table, warnings, "GeoPackage")
    geometry = wkb_array(sites, as_of)
    common = {"driver": "GPKG", "dataset_options": {"VERSION": "1.3"}}
    with gdal_config(OGR_CURRENT_DATE=data_date(sites)):
        write(
            str(path),
            geometry,
            typed_columns(rows, FLAT_COLUMNS),
            list(FLAT_COLUMNS),
            layer="sites",
            geometry_type=geometry_type(sites),
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
                typed_columns(table, columns),
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


def _all_have_ids(path: Path, layers: list[str]) -> bool:
    from facilitymap.exchange.ogr import pyogrio_module

    pyogrio = pyogrio_module()
    try:
        return all("id" in pyogrio.read_info(str(path), layer=name)["fields"] for name in layers)
    except Exception:  # unreadable layers: the caller's error names the layers
        return False


def read_gpkg(path: Path, problems: list[Problem]) -> Reading:
    """The ``sites`` layer (or the only layer: a copy renamed with ``-nln``), with claims and
    sources from their tables when the file has them (what an analyst edits in QGIS)."""
    layers = list_layers(path)
    if "sites" in layers:
        table = "sites"
    elif len(layers) == 1:
        table = layers[0]
    elif _all_have_ids(path, layers):
        # One layer in parts: GDAL copies a KML's folders (one per status) as layers.
        problems.append(
            Problem(
                str(path),
                "-",
                "file",
                f"{len(layers)} layers, each with an id column ({', '.join(layers)}), read as one layer",
                "notice",
            )
        )
        rows = [row for layer in layers for row in read_table(path, layer, problems)]
        return Reading(label_rows(rows))
    else:
        raise FacilitymapError(
            f"{path}: {len(layers)} layers ({', '.join(layers)}); expected one or 'sites'"
        )
    rows = read_table(path, table, problems)
    children: dict[str, dict[str, list]] = {}
    if {"claims", "sources"} <= set(layers) and table != "claims":
        children["claims"] = children_by_site(
            read_table(path, "claims"), "claim_index", CLAIM_COLUMNS[2:-1]
        )
        children["sources"] = children_by_site(
            read_table(path, "sources"), "source_index", SOURCE_COLUMNS[2:-1]
        )
    for _, row in rows:
        site_id = str(row.get("id"))
        for name, grouped in children.items():
            from_table = grouped.get(site_id, [])
            column = row.get(name)
            if isinstance(column, str) and column:
                try:
                    column = orjson.loads(column)
                except orjson.JSONDecodeError:
                    column = None
            if column is not None and column != from_table:
                problems.append(
                    Problem(
                        str(path),
                        site_id,
                        name,
                        f"the {name} table and the {name} column differ; the table is used",
                        "warning",
                    )
                )
            row[name] = from_table
    return Reading(label_rows(rows))


FORMAT = Format(
    name="gpkg",
    title="GeoPackage",
    suffixes=(".gpkg",),
    write=write_gpkg,
    read=read_gpkg,
)
