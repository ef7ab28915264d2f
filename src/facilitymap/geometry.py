"""Canonical geometry (RFC 7946): rounding to the stated precision, ring winding, points to
draw. The rules a geometry must follow are :mod:`facilitymap.validation.geometry`."""

from __future__ import annotations

import functools
import itertools
import math
from typing import Any

METRES_PER_DEGREE = 111_320.0
DEFAULT_DECIMALS = 5  # ~1 m: for areas drawn without a stated precision


@functools.lru_cache(maxsize=256)
def decimals_for_precision(precision_m: float | None) -> int:
    """Decimal places that keep rounding error under a hundredth of ``precision_m``.

    More digits would claim a precision the site does not have; fewer would move a cited
    reference point visibly (a tenth of a 120 km radius is 12 km).

    >>> decimals_for_precision(30_000), decimals_for_precision(1_000), decimals_for_precision(10)
    (3, 4, 6)
    """
    # (Cached: a layer has few distinct precisions, and the logarithm took half the time of
    # rounding a point.)
    if not precision_m or precision_m <= 0:
        return DEFAULT_DECIMALS
    # Half a unit in the last place, in metres, must stay below precision_m / 100.
    digits = math.ceil(math.log10(METRES_PER_DEGREE * 0.5 * 100 / precision_m))
    return max(0, min(7, digits))


def canonical_geometry(geometry: dict | None, precision_m: float | None) -> dict | None:
    """Round coordinates to what the precision justifies and orient rings (RFC 7946 §3.1.6).

    Exterior rings come out counter-clockwise and holes clockwise. Members other than
    ``type``, ``coordinates`` and ``bbox`` are dropped (``crs`` has no place in RFC 7946).
    """
    if geometry is None:
        return None
    gtype = geometry["type"]
    places = decimals_for_precision(precision_m)
    if gtype == "Point" and "bbox" not in geometry:  # nine sites in ten: no recursion
        lon, lat = geometry["coordinates"]
        return {
            "type": "Point",
            "coordinates": [_round_number(lon, places), _round_number(lat, places)],
        }
    coords = _round(geometry["coordinates"], places)
    if gtype == "Polygon":
        coords = _orient_polygon(coords)
    elif gtype == "MultiPolygon":
        coords = [_orient_polygon(poly) for poly in coords]
    out: dict[str, Any] = {"type": gtype, "coordinates": coords}
    if "bbox" in geometry:
        out["bbox"] = geometry["bbox"]
    return out


def _round(coords: Any, places: int) -> Any:
    if coords and isinstance(coords[0], int | float):
        return [_round_number(v, places) for v in coords]
    if coords and coords[0] and isinstance(coords[0][0], int | float):
        # A list of positions: the loop written out, a third of the time of a call per
        # number (canonical_geometry was a fifth of encoding a run's part of the page).
        try:
            return [[round(float(x), places) + 0.0, round(float(y), places) + 0.0]
                    for x, y in coords]  # fmt: skip
        except ValueError:  # not all [lon, lat] (the checks refuse 3D positions)
            pass
    return [_round(part, places) for part in coords]


def _round_number(value: float, places: int) -> float | int:
    rounded = round(float(value), places)
    return rounded + 0.0  # turns -0.0 into 0.0 so equal points serialize equally


def _signed_area(ring: list) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring)) / 2


def _orient_polygon(rings: list) -> list:
    out = []
    for index, ring in enumerate(rings):
        area = _signed_area(ring)
        wants_ccw = index == 0
        if (area < 0 and wants_ccw) or (area > 0 and not wants_ccw):
            ring = ring[::-1]
        out.append(ring)
    return out


def is_right_hand(geometry: dict | None) -> bool:
    """Whether polygon exteriors are counter-clockwise and holes clockwise."""
    if not geometry or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return True
    polys = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    for poly in polys:
        for index, ring in enumerate(poly):
            area = _signed_area(ring)
            if (index == 0 and area < 0) or (index > 0 and area > 0):
                return False
    return True


def representative_points(geometries: list[dict]) -> list[tuple[float, float]]:
    """:func:`representative_point` of many valid geometries at once: one GEOS call instead of
    a shapely object per geometry (half the time for the 12,000 lines and areas of the
    100,000-site benchmark layer)."""
    import orjson
    import shapely

    if not geometries:
        return []
    shapes = shapely.from_geojson([orjson.dumps(g) for g in geometries])
    xy = shapely.get_coordinates(shapely.point_on_surface(shapes))
    return [(float(x), float(y)) for x, y in xy.tolist()]


def representative_point(geometry: dict | None) -> tuple[float, float] | None:
    """A (lon, lat) inside or on the geometry: the point itself, or a point on the surface."""
    if geometry is None:
        return None
    if geometry["type"] == "Point":
        lon, lat = geometry["coordinates"]
        return float(lon), float(lat)
    from shapely.geometry import shape

    point = shape(geometry).representative_point()
    return point.x, point.y
