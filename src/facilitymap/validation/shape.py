"""The shape of a layer document: a GeoJSON FeatureCollection (RFC 7946) of Features, each
with a geometry member and properties; no ``crs``. Builds the sites of a parsed document,
with every problem of the features that are not sites.

The fast parse (:mod:`facilitymap.io`) takes plainly valid layers without this walk; this
is the path that explains.
"""

from __future__ import annotations

from typing import Any

from facilitymap.model import Layer, RecordError, sites_from_properties
from facilitymap.problems import Problem, site_label
from facilitymap.validation.geometry import check_geometry
from facilitymap.validation.salvage import salvaged_problems

FEATURE_MEMBERS = ("type", "id", "geometry", "properties")


def start_problem(data: bytes) -> str | None:
    """What makes ``data`` no layer before it is parsed (empty, a byte-order mark), or None."""
    if not data or data.isspace():  # not data.strip(): that copies the whole file
        return "empty file: expected a GeoJSON FeatureCollection"
    if data.startswith(b"\xef\xbb\xbf"):
        return "starts with a UTF-8 byte-order mark; RFC 7946 §11 forbids it"
    return None


def layer_from_document(doc: Any, path: str) -> tuple[Layer | None, list[Problem]]:
    """The layer of a parsed JSON document and every structural problem found.

    The layer is None when the document is not a FeatureCollection at all. Features that
    fail the model are left out of ``layer.sites`` and reported.
    """

    def file_problem(message: str) -> tuple[None, list[Problem]]:
        return None, [Problem(path, "-", "file", message)]

    if not isinstance(doc, dict):
        return file_problem(f"expected a GeoJSON FeatureCollection object, got a JSON {_kind(doc)}")
    if doc.get("type") != "FeatureCollection":
        found = doc.get("type")
        return file_problem(f'"type" is {found!r}: expected a GeoJSON FeatureCollection')
    features = doc.get("features")
    if not isinstance(features, list):
        return file_problem('"features" must be an array')
    problems: list[Problem] = []
    if "crs" in doc:
        problems.append(
            Problem(path, "-", "crs", "RFC 7946 has no crs member: coordinates are WGS 84 lon/lat")
        )
    extra = {k: v for k, v in doc.items() if k not in ("type", "features", "crs")}
    parts, labels = [], []
    for index, feature in enumerate(features):
        label = site_label(feature, index)
        shape = feature_shape_problem(feature)
        if shape:
            problems.append(Problem(path, label, *shape))
            continue
        members = {k: v for k, v in feature.items() if k not in FEATURE_MEMBERS}
        parts.append((feature["properties"], feature.get("id"), feature["geometry"], members))
        labels.append(label)
    sites = []
    for built, label, part in zip(sites_from_properties(parts), labels, parts, strict=True):
        if isinstance(built, RecordError):
            problems += [Problem(path, label, f, m) for f, m in built.problems]
            # The site is left out of the layer, so report its geometry problems now as well,
            # and what the other rules find in it (validation.salvage).
            problems += [Problem(path, label, f, m) for f, m in check_geometry(part[2])]
            problems += salvaged_problems(part, built.problems, path, label)
        else:
            sites.append(built)
    return Layer(sites=sites, extra_members=extra), problems


def feature_shape_problem(feature: Any) -> tuple[str, str] | None:
    """What makes ``feature`` not a Feature with properties at all, or None."""
    if not isinstance(feature, dict):
        return "feature", f"expected a GeoJSON Feature object, got a JSON {_kind(feature)}"
    if feature.get("type") != "Feature":
        found = feature.get("type")
        said = "missing" if found is None else f"is {found!r}"
        return "type", f'{said}: expected "Feature"'
    if "geometry" not in feature:
        return "geometry", "missing: use null for an unlocated site"
    if not isinstance(feature.get("properties"), dict):
        return "properties", "must be an object"
    return None


def _kind(value: Any) -> str:
    return {list: "array", str: "string", int: "number", float: "number", bool: "boolean"}.get(
        type(value), "null"
    )
