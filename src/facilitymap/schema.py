"""The JSON Schema of the layer, generated from the model (committed as geodata/schema.json)."""

from __future__ import annotations

import inspect
import json
from typing import Any

import msgspec

from facilitymap.model import RESERVED_PREFIX, Site

SCHEMA_ID = "https://facilitymap.invalid/schema/layer.json"


def _position() -> dict[str, Any]:
    return {
        "type": "array",
        "prefixItems": [
            {"type": "number", "minimum": -180, "maximum": 180},
            {"type": "number", "minimum": -90, "maximum": 90},
        ],
        "minItems": 2,
        "maxItems": 2,
        "description": "[longitude, latitude], WGS 84",
    }


def _nested(depth: int, min_items: int = 1) -> dict[str, Any]:
    schema = _position()
    for level in range(depth):
        schema = {"type": "array", "items": schema, "minItems": min_items if level == 0 else 1}
    return schema


def _geometry_schema() -> dict[str, Any]:
    def geom(kind: str, coords: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["type", "coordinates"],
            "properties": {"type": {"const": kind}, "coordinates": coords},
        }

    return {
        "oneOf": [
            {"type": "null"},
            geom("Point", _position()),
            geom("LineString", _nested(1, 2)),
            geom("MultiLineString", {"type": "array", "items": _nested(1, 2), "minItems": 1}),
            geom("Polygon", _nested(2, 4)),
            geom("MultiPolygon", {"type": "array", "items": _nested(2, 4), "minItems": 1}),
        ]
    }


def layer_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of a facilitymap layer."""
    (_,), defs = msgspec.json.schema_components([Site], ref_template="#/$defs/{name}")
    site_id = defs["Site"]["properties"][RESERVED_PREFIX + "id__"]
    for component in defs.values():
        _public(component)
    site = defs.pop("Site")
    site["description"] = "A site. Unknown properties are allowed and kept on a round trip."
    feature = {
        "type": "object",
        "required": ["type", "id", "geometry", "properties"],
        "properties": {
            "type": {"const": "Feature"},
            "id": {k: v for k, v in site_id.items() if k != "default"},
            "geometry": _geometry_schema(),
            "properties": {"$ref": "#/$defs/SiteProperties"},
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "facilitymap layer",
        "description": "An RFC 7946 FeatureCollection of reported sites. See docs/layer-format.md.",
        "type": "object",
        "required": ["type", "features"],
        "not": {"required": ["crs"]},
        "properties": {
            "type": {"const": "FeatureCollection"},
            "features": {"type": "array", "items": {"$ref": "#/$defs/Feature"}},
        },
        "$defs": {**defs, "SiteProperties": site, "Feature": feature},
    }


def _public(component: dict[str, Any]) -> None:
    """Drop the reserved in-memory fields; tidy docstrings; say unknown keys are allowed."""
    props = component.get("properties", {})
    for key in [k for k in props if k.startswith(RESERVED_PREFIX)]:
        del props[key]
    if "required" in component:
        component["required"] = [
            k for k in component["required"] if not k.startswith(RESERVED_PREFIX)
        ]
    if "description" in component:
        component["description"] = inspect.cleandoc(component["description"])
    component["additionalProperties"] = True


def layer_schema_json() -> str:
    """The schema as the exact text committed in geodata/schema.json."""
    return json.dumps(layer_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
