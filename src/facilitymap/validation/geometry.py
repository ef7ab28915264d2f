"""Geometry rules (RFC 7946): types, nesting, positions, rings, polygon validity, and the
site's location that goes with its geometry (basis, radius, winding).

The canonical form written out (rounding, ring orientation) is :mod:`facilitymap.geometry`.
"""

from __future__ import annotations

import math
from typing import Any

from facilitymap.geometry import is_right_hand
from facilitymap.model import Site

ALLOWED_TYPES = ("Point", "LineString", "Polygon", "MultiLineString", "MultiPolygon")
# Nesting depth of `coordinates` for each type: 0 = one position.
_DEPTH = {"Point": 0, "LineString": 1, "Polygon": 2, "MultiLineString": 2, "MultiPolygon": 3}
_NUMBER_TYPES = (float, int)
_POLYGON_TYPES = ("Polygon", "MultiPolygon")
# A point is "precise-looking" below this radius; only published coordinates justify it.
PRECISE_RADIUS_M = 1_000


def check_geometries(geometries: list[Any]) -> list[list[tuple[str, str]]]:
    """``[check_geometry(g) for g in geometries]``, with the polygons' validity checked in
    one call to GEOS (three times as fast as one by one)."""
    found = [check_geometry(geometry, validity=False) for geometry in geometries]
    polygons = [
        i
        for i, (geometry, problems) in enumerate(zip(geometries, found, strict=True))
        if not problems and geometry is not None and geometry["type"] in _POLYGON_TYPES
    ]
    reasons = _invalidity_reasons([geometries[i] for i in polygons])
    for i, reason in zip(polygons, reasons, strict=True):
        if reason is not None:
            found[i] = [("geometry", f"invalid polygon: {reason}")]
    return found


def check_geometry(geometry: Any, *, validity: bool = True) -> list[tuple[str, str]]:
    """Return ``(field, message)`` pairs for everything wrong with a GeoJSON geometry.

    None (an unlocated site) is valid. Checks: known type, nesting, 2D positions in range,
    linestrings of 2+ positions, closed rings of 4+ positions, then shapely validity
    (self-intersections) for polygons, unless ``validity`` is False.
    """
    if geometry is None:
        return []
    if not isinstance(geometry, dict):
        return [("geometry", "must be a GeoJSON geometry object or null")]
    gtype = geometry.get("type")
    if gtype == "Point" and len(geometry) == 2:  # the common case, checked without the walk
        found = _check_position(geometry.get("coordinates"), "geometry.coordinates")
        return [found] if found else []
    if gtype not in ALLOWED_TYPES:
        if gtype == "GeometryCollection" or gtype in ("MultiPoint",):
            return [("geometry.type", f"{gtype} is not supported; use {', '.join(ALLOWED_TYPES)}")]
        return [("geometry.type", f"unknown geometry type {gtype!r}")]
    extra = sorted(set(geometry) - {"type", "coordinates", "bbox"})
    problems: list[tuple[str, str]] = []
    if "crs" in extra:
        problems.append(("geometry.crs", "RFC 7946 has no crs member: coordinates are WGS 84"))
    coords = geometry.get("coordinates")
    structure = _check_nesting(coords, _DEPTH[gtype], "geometry.coordinates")
    if structure:
        return [*problems, structure]
    problems += _check_parts(gtype, coords)
    if not problems and validity and gtype in _POLYGON_TYPES:
        problems += [
            ("geometry", f"invalid polygon: {reason}")
            for reason in _invalidity_reasons([geometry])
            if reason is not None
        ]
    return problems


def _check_nesting(coords: Any, depth: int, field: str) -> tuple[str, str] | None:
    if depth == 0:
        return _check_position(coords, field)
    if not isinstance(coords, list) or not coords:
        return (field, "must be a non-empty array")
    for i, part in enumerate(coords):
        found = _check_nesting(part, depth - 1, f"{field}[{i}]")
        if found:
            return found
    return None


def _check_position(pos: Any, field: str) -> tuple[str, str] | None:
    if type(pos) is list and len(pos) == 2:  # the common case, accepted in one test
        lon, lat = pos
        # Exact types: a bool is not a coordinate; NaN and infinities fail the ranges.
        if (
            type(lon) in _NUMBER_TYPES
            and type(lat) in _NUMBER_TYPES
            and -180 <= lon <= 180
            and -90 <= lat <= 90
        ):
            return None
    if not isinstance(pos, list) or len(pos) < 2:
        return (field, "a position must be [longitude, latitude]")
    if len(pos) > 2:
        return (field, "3D positions are not supported: give [longitude, latitude] only")
    lon, lat = pos
    for value in (lon, lat):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            return (field, f"coordinate {value!r} is not a finite number")
    if not -180 <= lon <= 180:
        return (field, f"longitude {lon} is outside -180..180")
    if not -90 <= lat <= 90:
        hint = (
            " (looks like [latitude, longitude]; GeoJSON is [lon, lat])" if -90 <= lon <= 90 else ""
        )
        return (field, f"latitude {lat} is outside -90..90{hint}")
    return None


def _check_parts(gtype: str, coords: Any) -> list[tuple[str, str]]:
    if gtype == "LineString":
        lines = {"geometry.coordinates": coords}
        rings: dict[str, list] = {}
    elif gtype == "MultiLineString":
        lines = {f"geometry.coordinates[{i}]": c for i, c in enumerate(coords)}
        rings = {}
    elif gtype == "Polygon":
        lines = {}
        rings = {f"geometry.coordinates[{i}]": r for i, r in enumerate(coords)}
    elif gtype == "MultiPolygon":
        lines = {}
        rings = {
            f"geometry.coordinates[{i}][{j}]": r
            for i, poly in enumerate(coords)
            for j, r in enumerate(poly)
        }
    else:
        return []
    problems = [(f, "a line needs at least 2 positions") for f, c in lines.items() if len(c) < 2]
    for field, ring in rings.items():
        if ring[0] != ring[-1]:
            problems.append((field, "ring is not closed: first and last positions differ"))
        elif len(ring) < 4:
            problems.append((field, "a closed ring needs at least 4 positions"))
        elif _crosses_antimeridian(ring):
            problems.append(
                (field, "ring spans more than 180° of longitude: RFC 7946 §3.1.9 asks to split it")
            )
    return problems


def _crosses_antimeridian(ring: list) -> bool:
    lons = [p[0] for p in ring]
    return max(lons) - min(lons) > 180


def _invalidity_reasons(polygons: list[dict]) -> list[str | None]:
    """Why GEOS finds each (well-formed) polygon invalid, or None where it is valid."""
    if not polygons:
        return []
    import orjson
    import shapely

    try:
        shapes = shapely.from_geojson([orjson.dumps(polygon) for polygon in polygons])
    except (shapely.errors.ShapelyError, ValueError, TypeError, orjson.JSONEncodeError):
        from shapely.geometry import shape  # builds what GEOS's GeoJSON reader will not

        shapes = [shape(polygon) for polygon in polygons]
    valid = shapely.is_valid(shapes).tolist()
    return [
        None if ok else str(shapely.is_valid_reason(geom))
        for ok, geom in zip(valid, shapes, strict=True)
    ]


def check_location(site: Site, *, geometry_ok: bool) -> list[tuple[str, str, str]]:
    loc, geom = site.location, site.geometry
    out = []
    if geom is None and loc.basis != "unlocated":
        out.append(
            ("location.basis", f"is {loc.basis!r} but geometry is null: use 'unlocated'", "error")
        )
    if geom is not None and loc.basis == "unlocated":
        out.append(("location.basis", "is 'unlocated' but the site has a geometry", "error"))
    if isinstance(geom, dict) and geom.get("type") == "Point":
        if loc.precision_m is None:
            out.append(
                ("location.precision_m", "a Point needs a radius that contains the site", "error")
            )
        elif loc.precision_m < PRECISE_RADIUS_M and loc.basis != "published-coordinates":
            out.append(
                (
                    "location.precision_m",
                    f"{loc.precision_m:g} m looks precise but basis is {loc.basis!r}; "
                    "only published coordinates justify a radius under 1 km",
                    "warning",
                )
            )
    if (
        geometry_ok
        and isinstance(geom, dict)
        and geom["type"] in ("Polygon", "MultiPolygon")
        and not is_right_hand(geom)
    ):
        out.append(
            (
                "geometry",
                "polygon rings do not follow the right-hand rule "
                "(RFC 7946 §3.1.6); `save_layer` rewinds them",
                "warning",
            )
        )
    return out
