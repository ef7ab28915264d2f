"""GeoJSON: the layer itself (or its flat form), and whatever GDAL and QGIS write as GeoJSON.

Written as the canonical layer (RFC 7946, the bytes ``save_layer`` writes) or, ``flat``, with
the flat columns as properties. Read: the layer's own form goes through the layer's parser;
anything else becomes rows. Either way, the forms GDAL writes are understood first: the id in
``properties.id`` (or a string feature ``id``, as ``-lco ID_FIELD=id`` writes), ``null`` for
absent, a ``crs`` member (reprojected with pyproj), z values (dropped), and a bare array of
Features instead of a FeatureCollection.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from facilitymap.errors import FacilitymapError, LayerError
from facilitymap.exchange import geometries
from facilitymap.exchange.flat import site_to_row
from facilitymap.exchange.protocol import ExportJob, Format, Reading, Row
from facilitymap.io import Layer, layer_to_dict, parse_layer
from facilitymap.problems import Problem

_FEATURE_KEYS = ("type", "id", "geometry", "properties")


def write_geojson(job: ExportJob, path: Path) -> None:
    """The canonical layer, or with ``flat`` the flat columns as properties."""
    layer = Layer(job.sites, dict(job.collection_members))
    doc = layer_to_dict(layer, as_of=job.as_of)
    if job.flat:
        for site, feature in zip(job.sites, doc["features"], strict=True):
            row = site_to_row(site, job.as_of)
            del row["id"]
            feature["properties"] = row
            for key in [k for k in feature if k not in _FEATURE_KEYS]:
                del feature[key]  # travels in the extra_members column
    path.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n")


# --------------------------------------------------------------------------- read


def read_geojson(path: Path, problems: list[Problem]) -> Reading:
    """Sites when the file is in the layer's own form, else rows (see the module doc)."""
    label = str(path)
    data = path.read_bytes()
    # The layer's own parser first: strict JSON (duplicate keys, NaN) and located problems.
    layer, found = parse_layer(data, label)
    doc: Any = orjson.loads(data) if layer is not None or _is_json(data) else None
    if layer is None:
        if not (isinstance(doc, list) and doc and all(_is_feature(f) for f in doc)):
            raise LayerError(f"{path}: not a layer", found)
        problems.append(
            Problem(
                label,
                "-",
                "file",
                f"a bare JSON array of {len(doc)} Features, read as a FeatureCollection",
                "notice",
            )
        )
        doc = {"type": "FeatureCollection", "features": doc}
    features = doc.get("features")
    if not isinstance(features, list):
        raise LayerError(
            f"{path}: not a GeoJSON FeatureCollection",
            [Problem(label, "-", "file", "expected a FeatureCollection")],
        )
    changed = _undo_gdal_forms(doc, label, problems)
    if _is_own_form(features):
        if changed or layer is None:  # rewritten, or a bare array read as a collection
            layer, found = parse_layer(orjson.dumps(doc), label)
            if layer is None:
                raise LayerError(f"{path}: not a layer", found)
        problems += [p for p in found if p.field != "crs"]
        return Reading(sites=list(layer.sites))
    return Reading(_rows(features, label, problems))


def _is_json(data: bytes) -> bool:
    try:
        orjson.loads(data)
    except orjson.JSONDecodeError:
        return False
    return True


def _is_feature(value: Any) -> bool:
    return isinstance(value, dict) and value.get("type") == "Feature"


def _is_own_form(features: list) -> bool:
    """The layer's own form: every feature has a string id and a nested ``location``."""
    return bool(features) and all(
        isinstance(f, dict)
        and isinstance(f.get("id"), str)
        and isinstance(f.get("properties"), dict)
        and isinstance(f["properties"].get("location"), dict)
        for f in features
    )


def _undo_gdal_forms(doc: dict[str, Any], label: str, problems: list[Problem]) -> bool:
    """Turn what GDAL writes into the layer's form, in place; True when anything changed."""
    changed = False
    crs = doc.pop("crs", None)
    change = None
    if crs is not None:
        changed = True
        name = _crs_name(crs)
        if name is None:
            raise FacilitymapError(
                f"{label}: crs: cannot read the crs member {orjson.dumps(crs).decode()[:80]}; "
                "reproject the file to WGS 84 (EPSG:4326)"
            )
        if not geometries.is_wgs84(name):
            try:
                change = geometries.transformer_to_wgs84(name)
            except ValueError as err:
                raise FacilitymapError(
                    f"{label}: crs: {err}; reproject the file to WGS 84 (EPSG:4326)"
                ) from err
            problems.append(
                Problem(label, "-", "crs", f"reprojected from {name} to WGS 84", "notice")
            )
    with_z = 0
    for feature in doc["features"]:
        if not isinstance(feature, dict):
            continue
        properties = feature.get("properties")
        if isinstance(properties, dict):
            nulls = [k for k, v in properties.items() if v is None]
            for key in nulls:
                del properties[key]  # GDAL writes every column; null means absent
            site_id = properties.pop("id", None)
            if isinstance(site_id, str | int) and not isinstance(site_id, bool):
                feature["id"] = str(site_id)
            elif site_id is not None:
                properties["id"] = site_id  # not an id at all: let the checks name it
            changed = changed or bool(nulls) or site_id is not None
        if isinstance(feature.get("id"), int) and not isinstance(feature.get("id"), bool):
            del feature["id"]  # a GDAL feature number (FID), not a site id
            changed = True
        geometry = feature.get("geometry")
        if change is not None and isinstance(geometry, dict):
            feature["geometry"] = geometry = geometries.map_geometry(geometry, change)
        if geometries.has_z(geometry):
            feature["geometry"] = geometries.drop_z(geometry)
            with_z += 1
            changed = True
    if with_z:
        problems.append(
            Problem(
                label,
                "-",
                "geometry",
                f"{with_z} feature(s) had z values (heights); dropped: the layer is 2D",
                "notice",
            )
        )
    return changed


def _crs_name(crs: Any) -> str | None:
    """The name in a GeoJSON 2008 ``crs`` member (``{"type": "name", ...}``), or None."""
    if isinstance(crs, dict) and isinstance(crs.get("properties"), dict):
        name = crs["properties"].get("name")
        if isinstance(name, str) and name.strip():
            return name.strip()
    return None


def _rows(features: list, label: str, problems: list[Problem]) -> list[Row]:
    out: list[Row] = []
    for index, feature in enumerate(features):
        if not isinstance(feature, dict):
            problems.append(Problem(label, f"#{index}", "feature", "not an object"))
            continue
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            problems.append(Problem(label, f"#{index}", "properties", "must be an object"))
            continue
        row = dict(properties)
        if isinstance(feature.get("id"), str) and "id" not in row:
            row["id"] = feature["id"]
        members = {k: v for k, v in feature.items() if k not in _FEATURE_KEYS}
        if members and "extra_members" not in row:
            row["extra_members"] = members
        out.append((str(row.get("id") or f"#{index}"), feature.get("geometry"), row))
    return out


FORMAT = Format(
    name="geojson",
    title="GeoJSON",
    suffixes=(".geojson", ".json"),
    write=write_geojson,
    read=read_geojson,
    options=frozenset({"flat"}),
)
