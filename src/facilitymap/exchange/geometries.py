"""Geometry in every representation exchange writes: one writer per representation.

GeoJSON dicts (from shapely, for what GDAL reads), WKB (for what GDAL writes), WKT (CSV) and
KML. Coordinates are written with their shortest exact ``repr`` (no rounding, unlike GEOS's
WKT writer), so a geometry comes back as it went out. Also the two repairs an import makes
to foreign geometry: dropping z values and reprojecting to WGS 84 lon/lat.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# Names GDAL and GeoJSON files give to WGS 84 lon/lat: nothing to reproject.
WGS84_NAMES = frozenset(
    {
        "urn:ogc:def:crs:ogc:1.3:crs84",
        "urn:ogc:def:crs:ogc::crs84",
        "ogc:crs84",
        "crs84",
        "urn:ogc:def:crs:epsg::4326",
        "epsg:4326",
        "http://www.opengis.net/def/crs/ogc/1.3/crs84",
        "http://www.opengis.net/def/crs/epsg/0/4326",
    }
)


# --------------------------------------------------------------------------- GeoJSON dict


def _listify(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_listify(v) for v in value]
    return value


def from_shapely(geom: Any) -> dict[str, Any] | None:
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


def from_wkt(text: str) -> dict[str, Any] | None:
    """A WKT string as a GeoJSON dict; raises ValueError when it is not WKT."""
    import shapely

    try:
        return from_shapely(shapely.from_wkt(text))
    except Exception as err:  # shapely.errors.GEOSException
        raise ValueError(str(err)) from err


# --------------------------------------------------------------------------- WKB (GDAL)


def to_wkb(geometry: dict[str, Any] | None) -> bytes | None:
    """A GeoJSON dict as WKB for pyogrio (None stays None: a row without geometry)."""
    if geometry is None:
        return None
    import shapely

    return shapely.to_wkb(shapely.geometry.shape(geometry))


# --------------------------------------------------------------------------- WKT


def _number(value: float | int) -> str:
    return repr(float(value)) if isinstance(value, float) else str(value)


def _pos(position: list) -> str:
    return f"{_number(position[0])} {_number(position[1])}"


def to_wkt(geometry: dict[str, Any] | None) -> str:
    """WKT with every coordinate's shortest exact repr ('' for no geometry)."""
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


# --------------------------------------------------------------------------- KML


def _kml_coords(positions: list) -> str:
    return " ".join(f"{p[0]!r},{p[1]!r}" for p in positions)


def _kml_point(pos: list) -> str:
    return f"<Point><coordinates>{pos[0]!r},{pos[1]!r}</coordinates></Point>"


def _kml_polygon(rings: list) -> str:
    outer = f"<outerBoundaryIs><LinearRing><coordinates>{_kml_coords(rings[0])}</coordinates></LinearRing></outerBoundaryIs>"
    inner = "".join(
        f"<innerBoundaryIs><LinearRing><coordinates>{_kml_coords(r)}</coordinates></LinearRing></innerBoundaryIs>"
        for r in rings[1:]
    )
    return f"<Polygon>{outer}{inner}</Polygon>"


def _kml_line(positions: list) -> str:
    return f"<LineString><tessellate>1</tessellate><coordinates>{_kml_coords(positions)}</coordinates></LineString>"


def to_kml(geometry: dict[str, Any] | None) -> str:
    """KML for a GeoJSON geometry ('' for none: a Placemark may have no geometry)."""
    if geometry is None:
        return ""
    gtype, coords = geometry["type"], geometry["coordinates"]
    if gtype == "Point":
        return _kml_point(coords)
    if gtype == "LineString":
        return _kml_line(coords)
    if gtype == "Polygon":
        return _kml_polygon(coords)
    if gtype == "MultiLineString":
        return "<MultiGeometry>" + "".join(_kml_line(c) for c in coords) + "</MultiGeometry>"
    if gtype == "MultiPolygon":
        return "<MultiGeometry>" + "".join(_kml_polygon(c) for c in coords) + "</MultiGeometry>"
    raise ValueError(f"cannot write {gtype} as KML")


# --------------------------------------------------------------------------- repairs


def _map_positions(coords: Any, change: Callable[[list], list]) -> Any:
    if isinstance(coords, list) and coords and isinstance(coords[0], int | float):
        return change(coords)
    if isinstance(coords, list):
        return [_map_positions(part, change) for part in coords]
    return coords


def _positions(coords: Any):
    if isinstance(coords, list) and coords and isinstance(coords[0], int | float):
        yield coords
    elif isinstance(coords, list):
        for part in coords:
            yield from _positions(part)


def map_geometry(geometry: Any, change: Callable[[list], list]) -> Any:
    """``geometry`` with ``change`` applied to every position (collections included)."""
    if not isinstance(geometry, dict):
        return geometry
    out = dict(geometry)
    if isinstance(geometry.get("geometries"), list):
        out["geometries"] = [map_geometry(g, change) for g in geometry["geometries"]]
    if "coordinates" in geometry:
        out["coordinates"] = _map_positions(geometry["coordinates"], change)
    return out


def has_z(geometry: Any) -> bool:
    """Whether any position of a GeoJSON geometry has a third (height) value."""
    if not isinstance(geometry, dict):
        return False
    if isinstance(geometry.get("geometries"), list):
        return any(has_z(g) for g in geometry["geometries"])
    return any(len(p) > 2 for p in _positions(geometry.get("coordinates")))


def drop_z(geometry: Any) -> Any:
    """``geometry`` with every position cut to lon, lat."""
    return map_geometry(geometry, lambda p: list(p[:2]))


def is_wgs84(crs_name: str) -> bool:
    """Whether a CRS name (as a GeoJSON ``crs`` member or GDAL gives it) is WGS 84 lon/lat."""
    return crs_name.strip().lower() in WGS84_NAMES


def transformer_to_wgs84(crs: Any) -> Callable[[list], list]:
    """A function taking a position in ``crs`` to WGS 84 lon/lat (pyproj, axis order x/y).

    Raises ValueError naming the CRS when pyproj does not know it.
    """
    from pyproj import CRS, Transformer
    from pyproj.exceptions import CRSError

    try:
        source = CRS.from_user_input(crs)
    except CRSError as err:
        raise ValueError(f"unknown coordinate reference system {crs!r}") from err
    transform = Transformer.from_crs(source, "OGC:CRS84", always_xy=True).transform

    def change(position: list) -> list:
        lon, lat = transform(position[0], position[1])
        return [lon, lat, *position[2:]]

    return change
