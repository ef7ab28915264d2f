"""The JSON Schema of the layer, generated from the model (committed as geodata/schema.json)."""

from __future__ import annotations

import json
from typing import Any

from facilitymap.model import Site

SCHEMA_ID = "https://facilitymap.invalid/schema/layer.json"
_FEATURE_ONLY = ("id", "geometry", "extra_properties", "extra_members")


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
    site = Site.model_json_schema(mode="validation")
    defs = site.pop("$defs", {})
    props = {k: v for k, v in site["properties"].items() if k not in _FEATURE_ONLY}
    required = [k for k in site.get("required", []) if k not in _FEATURE_ONLY]
    properties_schema = {
        "type": "object",
        "description": "A site. Unknown properties are allowed and kept on a round trip.",
        "properties": props,
        "required": required,
        "additionalProperties": True,
    }
    feature = {
        "type": "object",
        "required": ["type", "id", "geometry", "properties"],
        "properties": {
            "type": {"const": "Feature"},
            "id": site["properties"]["id"],
            "geometry": _geometry_schema(),
            "properties": properties_schema,
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
        "$defs": {**defs, "Feature": feature},
    }


def layer_schema_json() -> str:
    """The schema as the exact text committed in geodata/schema.json."""
    return json.dumps(layer_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
