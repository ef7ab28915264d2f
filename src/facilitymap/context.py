"""The map's own context layer, and a check that a site lies in the country it declares.

Data: ``countries.geojson`` (every country of Natural Earth 1:10m, simplified; see below) and
``admin1.geojson`` (a few first-level divisions of Central Asia), both built by
``scripts/build_context.py``; ``geodata/context/README.md`` gives source, licence and processing.

The country check::

    >>> country_check(69.78194, 37.90917, "TJ") is None        # Kulob, in Tajikistan
    True
    >>> str(country_check(69.78194, 37.90917, "AF"))           # doctest: +ELLIPSIS
    'lies in Tajikistan (TJ), ... km from AF'
    >>> str(country_check(-58.38, -34.60, "CL"))               # Buenos Aires, declared Chile
    'lies in Argentina (AR), ... km from CL'

A point counts as in its declared country when it lies within ``DEFAULT_TOLERANCE_M`` (5 km) of
the country's outline.  5 km is the size of a 0.5 mm line at Natural Earth's 1:10 000 000 scale,
i.e. how far a 1:10m border may sit from the real one; the build's simplification and rounding
(≈ 1 km at worst, measured by the build) stay well inside it.  A site genuinely less than 5 km on
the wrong side of a border is therefore not caught.

Nothing is judged (the result is None) where the layer cannot tell: a declared code that is not in
the layer, or, for a country that the layer's region box cuts, a point outside the box or within
the tolerance of its edge.  The committed layer covers the whole world (no box), so every country
with an ISO code is judged everywhere; a site whose coordinates were swapped (latitude 68,
longitude 38) is caught, and ``CountryCheck.swapped_fits`` says so.  Inside a disputed area that
Natural Earth keeps separate (Siachen Glacier), the countries whose view gives it to them
(``claimed_by``: India, Pakistan) are accepted.

Everything is built once, lazily: outlines are shapely geometries, prepared on first use, and the
distance to a country uses an STRtree of its border segments.  ``countries_of`` and
``check_countries`` take arrays and are the fast path for many points.

The page draws only the borders near its sites: ``borders_for`` cuts the layer to the sites'
extent plus ``BORDER_MARGIN_DEG``.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import orjson
import shapely
import shapely.geometry

from facilitymap.errors import FacilitymapError

__all__ = [
    "BORDER_MARGIN_DEG",
    "DEFAULT_TOLERANCE_M",
    "WORLD",
    "ContextMissing",
    "CountryCheck",
    "CountryIndex",
    "borders_for",
    "check_countries",
    "context_dir",
    "countries_of",
    "country_check",
    "country_codes",
    "distance_to_country_m",
    "extent_of",
    "in_region",
    "load_admin1",
    "load_countries",
    "region_bbox",
]

DEFAULT_TOLERANCE_M = 5_000.0
ENV_DIR = "FACILITYMAP_CONTEXT_DIR"
_M_PER_DEG = 6_371_008.8 * math.pi / 180  # mean Earth radius: ~111.2 km per degree of latitude
_NEAR_M = 50_000.0  # distances up to this are exact (local projection); beyond, an upper bound


def context_dir() -> Path:
    """The directory holding ``countries.geojson`` and ``admin1.geojson``.

    In order: ``$FACILITYMAP_CONTEXT_DIR`` if set; the package data ``facilitymap/_data/context/``
    if it exists (a wheel that ships the layer puts it there); else the repository's
    ``geodata/context/``, found relative to this file (``src/facilitymap/context.py``, two levels
    below the repository root).
    The directory returned may not exist; loading then raises ``FileNotFoundError``.
    """
    env = os.environ.get(ENV_DIR)
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    packaged = here.parent / "_data" / "context"
    if (packaged / "countries.geojson").is_file():
        return packaged
    return here.parents[2] / "geodata" / "context"


class ContextMissing(FacilitymapError, FileNotFoundError):
    """A file of the context layer is not where it is looked for (a broken install, or
    ``FACILITYMAP_CONTEXT_DIR`` naming the wrong folder). A ``FileNotFoundError`` still, for
    the callers to which the borders are optional."""

    def __str__(self) -> str:
        return f"{self.filename}: {self.strerror}"


@functools.cache
def _load(name: str, directory: Path) -> dict[str, Any]:
    return orjson.loads(_load_bytes(name, directory))


def _load_bytes(name: str, directory: Path) -> bytes:
    try:
        return (directory / name).read_bytes()
    except FileNotFoundError as err:
        raise ContextMissing(
            err.errno,
            f"no such file: the country borders are not there ({ENV_DIR} says where they are)",
            str(directory / name),
        ) from None


def load_countries() -> dict[str, Any]:
    """The countries FeatureCollection (parsed once and cached: treat it as read-only)."""
    return _load("countries.geojson", context_dir())


def load_admin1() -> dict[str, Any]:
    """The first-level divisions FeatureCollection (cached: treat it as read-only).

    Gorno-Badakhshan, Khatlon, Sughd, Republican Subordination and Dushanbe (all of Tajikistan);
    Badakhshan, Takhar, Kunduz and Balkh (Afghanistan); Xinjiang (China).  Properties:
    ``iso_3166_2``, ``iso_a2``, ``name``, ``label_lon``, ``label_lat``.
    """
    return _load("admin1.geojson", context_dir())


@dataclass(frozen=True)
class CountryCheck:
    """Why a point is not in its declared country.

    ``found``: ISO 3166-1 alpha-2 of the layer's country that contains the point, or None (sea,
    lake, outside the region box, or an area without a code such as Siachen Glacier, which is
    then named in ``found_name``).
    ``distance_m``: from the point to the declared country's outline, in metres; within 0.5 % up
    to 50 km, beyond that an upper bound a few % high at worst.
    ``swapped_fits``: the point read as (lat, lon) lies in the declared country, i.e. the
    coordinates look swapped.
    """

    declared: str
    found: str | None
    found_name: str | None
    distance_m: float
    tolerance_m: float
    swapped_fits: bool = False

    def __str__(self) -> str:
        if self.found_name is None:
            where = "no country of the context layer"
        elif self.found is None:
            where = self.found_name
        else:
            where = f"{self.found_name} ({self.found})"
        text = f"lies in {where}, {self.distance_m / 1000:.1f} km from {self.declared}"
        if self.swapped_fits:
            text += " (looks like [latitude, longitude]; GeoJSON is [longitude, latitude])"
        return text


def _segments(geom: shapely.Geometry) -> np.ndarray:
    """All boundary segments of a polygonal geometry as an (n, 4) array x0, y0, x1, y1."""
    rings = shapely.get_rings(shapely.get_parts(geom))
    chunks = []
    for ring in rings:
        xy = shapely.get_coordinates(ring)
        chunks.append(np.hstack([xy[:-1], xy[1:]]))
    return np.vstack(chunks)


def _closest_on_segments(
    px: np.ndarray, py: np.ndarray, seg: np.ndarray, lat0: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The point of each segment closest to each point, in a local equirectangular projection."""
    k = np.cos(np.radians(lat0))
    ax = (seg[:, 0] - px) * k
    ay = seg[:, 1] - py
    dx = (seg[:, 2] - seg[:, 0]) * k
    dy = seg[:, 3] - seg[:, 1]
    length2 = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(length2 > 0, -(ax * dx + ay * dy) / length2, 0.0)
    t = np.clip(t, 0.0, 1.0)
    return seg[:, 0] + t * (seg[:, 2] - seg[:, 0]), seg[:, 1] + t * (seg[:, 3] - seg[:, 1])


def _planar_m(px: np.ndarray, py: np.ndarray, qx: np.ndarray, qy: np.ndarray) -> np.ndarray:
    k = np.cos(np.radians(py))
    return np.hypot((qx - px) * k, qy - py) * _M_PER_DEG


def _haversine_m(px: np.ndarray, py: np.ndarray, qx: np.ndarray, qy: np.ndarray) -> np.ndarray:
    p1, p2 = np.radians(py), np.radians(qy)
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(qx - px) / 2) ** 2
    return 2 * np.degrees(np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))) * _M_PER_DEG


def _shape(feature: Mapping[str, Any]) -> shapely.Geometry:
    geometry = feature["geometry"]
    return shapely.from_geojson(geometry if isinstance(geometry, bytes) else orjson.dumps(geometry))


def _with_geometry(feature: Mapping[str, Any]) -> Mapping[str, Any]:
    """A feature of :func:`_load_unparsed` with its geometry parsed (as ``_load`` has it)."""
    geometry = feature["geometry"]
    return (
        {**feature, "geometry": orjson.loads(geometry)} if isinstance(geometry, bytes) else feature
    )


class _Unparsed(msgspec.Struct):
    features: list[dict[str, msgspec.Raw]]
    region_bbox: list[float] | None = None


@functools.cache
def _load_unparsed(name: str, directory: Path) -> dict[str, Any]:
    """``_load``, but each feature's geometry left as its JSON text: parsing the world's
    outlines into Python lists of floats took 0.15 s, in every process that checks a site's
    country, and few of them are ever needed (:class:`CountryIndex` makes shapes from the
    text, and :func:`borders_for` parses the few it draws)."""
    data = _load_bytes(name, directory)
    collection = msgspec.json.decode(data, type=_Unparsed)
    features = [
        {key: bytes(value) if key == "geometry" else orjson.loads(bytes(value))
         for key, value in feature.items()}
        for feature in collection.features
    ]  # fmt: skip
    return {"features": features, "region_bbox": collection.region_bbox}


class CountryIndex:
    """Prepared outlines of one countries FeatureCollection (see ``load_countries``)."""

    def __init__(self, collection: Mapping[str, Any]) -> None:
        features = list(collection["features"])
        bbox = collection.get("region_bbox")
        self.region: tuple[float, float, float, float] | None = (
            (float(bbox[0]), float(bbox[1]), float(bbox[2]), float(bbox[3])) if bbox else None
        )
        self.iso: list[str | None] = []
        self.names: list[str] = []
        self.claimed_by: list[frozenset[str]] = []
        self.clipped: list[bool] = []
        geoms: list[shapely.Geometry | None] = []
        bounds: list[Sequence[float]] = []
        for feature in features:
            props = feature.get("properties") or {}
            iso = props.get("iso_a2")
            self.iso.append(iso.upper() if isinstance(iso, str) else None)
            self.names.append(str(props.get("name") or feature.get("id") or "?"))
            self.claimed_by.append(frozenset(c.upper() for c in props.get("claimed_by") or ()))
            self.clipped.append(bool(props.get("clipped")))
            box = feature.get("bbox")
            if box is None:
                geoms.append(_shape(feature))
                box = shapely.bounds(geoms[-1])
            else:
                geoms.append(None)
            bounds.append(box[:4])
        self.features = features
        # Making and preparing (indexing) the world's outlines takes longer than checking
        # 100,000 points; a layer touches a few countries, so only those are made, when first
        # needed.  The committed file gives each feature's bbox for the rest.
        self.geoms = geoms
        self.bounds = np.asarray(bounds, dtype=float).reshape(-1, 4)
        self._ready = np.zeros(len(geoms), dtype=bool)
        self.by_iso = {iso: i for i, iso in enumerate(self.iso) if iso is not None}
        self._trees: dict[int, tuple[shapely.STRtree, np.ndarray]] = {}

    def _geom(self, i: int) -> shapely.Geometry:
        """Outline ``i``, prepared."""
        if not self._ready[i]:
            if self.geoms[i] is None:
                self.geoms[i] = _shape(self.features[i])
            shapely.prepare(self.geoms[i])
            self._ready[i] = True
        return self.geoms[i]

    # -- containment -------------------------------------------------------------------------

    def feature_of(self, lons: Any, lats: Any) -> np.ndarray:
        """Index of the feature containing each point (boundary included), -1 for none."""
        x = np.asarray(lons, dtype=float).ravel()
        y = np.asarray(lats, dtype=float).ravel()
        out = np.full(x.shape, -1, dtype=np.intp)
        if not x.size:
            return out
        # Only the outlines whose box holds one of the points are looked at.
        x0, y0, x1, y1 = self.bounds.T
        finite = np.isfinite(x) & np.isfinite(y)
        if not finite.any():
            return out
        fx, fy = x[finite], y[finite]
        near = (x0 <= fx.max()) & (x1 >= fx.min()) & (y0 <= fy.max()) & (y1 >= fy.min())
        for i in np.flatnonzero(near).tolist():
            todo = np.flatnonzero(
                (out < 0) & (x >= x0[i]) & (x <= x1[i]) & (y >= y0[i]) & (y <= y1[i])
            )
            if todo.size:
                hit = shapely.intersects_xy(self._geom(i), x[todo], y[todo])
                out[todo[hit]] = i
        return out

    def countries_of(self, lons: Any, lats: Any) -> np.ndarray:
        """ISO alpha-2 of the country containing each point, None where none (object array)."""
        idx = self.feature_of(lons, lats)
        table = np.asarray([*self.iso, None], dtype=object)
        return table[idx]  # -1 picks the trailing None

    def in_region(self, lon: float, lat: float, margin_m: float = 0.0) -> bool:
        """Whether the point lies in the layer's region box (shrunk by ``margin_m``)."""
        if self.region is None:
            return True
        if not (math.isfinite(lon) and math.isfinite(lat)):
            return False
        dy = margin_m / _M_PER_DEG
        dx = dy / max(math.cos(math.radians(lat)), 1e-6)
        x0, y0, x1, y1 = self.region
        return x0 + dx <= lon <= x1 - dx and y0 + dy <= lat <= y1 - dy

    # -- distance ----------------------------------------------------------------------------

    def _tree(self, i: int) -> tuple[shapely.STRtree, np.ndarray]:
        if i not in self._trees:
            seg = _segments(self._geom(i))
            lines = shapely.linestrings(seg.reshape(-1, 2, 2))
            self._trees[i] = (shapely.STRtree(lines), seg)
        return self._trees[i]

    def distance_m(self, i: int, lons: Any, lats: Any) -> np.ndarray:
        """Metres from each point to the outline of feature ``i`` (0 inside it).

        Within ``_NEAR_M`` (50 km): the nearest of all candidate segments in a local
        equirectangular projection, within 0.5 % of the geodesic distance.  Beyond: the
        great-circle distance to the segment nearest in degree space, an upper bound that is a
        few % high at worst."""
        x = np.asarray(lons, dtype=float).ravel()
        y = np.asarray(lats, dtype=float).ravel()
        out = np.zeros(x.shape)
        outside = np.flatnonzero(~shapely.intersects_xy(self._geom(i), x, y))
        if not outside.size:
            return out
        tree, seg = self._tree(i)
        points = shapely.points(x[outside], y[outside])
        # Any segment within _NEAR_M metres is within this many degrees (lon degrees shrink by
        # cos(lat); 1 degree of latitude of slack covers the segment's own latitude).
        lat_max = np.minimum(np.abs(y[outside]) + _NEAR_M / _M_PER_DEG + 1.0, 89.0)
        radius = _NEAR_M / _M_PER_DEG / np.cos(np.radians(lat_max))
        best = np.full(outside.size, np.inf)
        px, py = x[outside], y[outside]
        p_idx, s_idx = tree.query(points, predicate="dwithin", distance=radius)
        if p_idx.size:
            qx, qy = _closest_on_segments(px[p_idx], py[p_idx], seg[s_idx], py[p_idx])
            np.minimum.at(best, p_idx, _planar_m(px[p_idx], py[p_idx], qx, qy))
        far = np.flatnonzero(best > _NEAR_M)
        if far.size:
            # the segment nearest in degree space; the great-circle distance to its closest
            # point is an upper bound of the true distance, and close to it
            p_far, s_far = tree.query_nearest(points[far], all_matches=False)
            rows = far[p_far]
            qx, qy = _closest_on_segments(px[rows], py[rows], seg[s_far], py[rows])
            best[rows] = np.minimum(best[rows], _haversine_m(px[rows], py[rows], qx, qy))
        out[outside] = best
        return out

    # -- the check ---------------------------------------------------------------------------

    def check(
        self,
        lons: Any,
        lats: Any,
        declared: Sequence[str | None] | np.ndarray,
        tolerance_m: float = DEFAULT_TOLERANCE_M,
    ) -> list[CountryCheck | None]:
        """``CountryCheck`` or None for each point; see ``country_check``."""
        x = np.asarray(lons, dtype=float).ravel()
        y = np.asarray(lats, dtype=float).ravel()
        # Each distinct code is normalised and looked up once (a layer has a few).
        normal = {c: c.strip().upper() if isinstance(c, str) else None for c in set(declared)}
        codes = [normal[c] for c in declared]
        if not (len(codes) == x.size == y.size):
            raise ValueError("lons, lats and declared must have the same length")
        index = {c: self.by_iso.get(c, -1) if c else -1 for c in set(normal.values())}
        target = np.fromiter((index[c] for c in codes), dtype=np.intp, count=len(codes))
        results: list[CountryCheck | None] = [None] * x.size
        # 1. the common case: the point is in its declared country
        suspect = np.zeros(x.size, dtype=bool)
        # (not np.unique, whose first call imports numpy.ma: 12 ms in every process)
        for t in sorted(set(target[target >= 0].tolist())):
            rows = np.flatnonzero(target == t)
            suspect[rows] = ~shapely.intersects_xy(self._geom(t), x[rows], y[rows])
        rows = np.flatnonzero(suspect)
        if not rows.size:
            return results
        # 2. where it is instead; contested ground claimed by the declared country is accepted
        found = self.feature_of(x[rows], y[rows])
        keep = []
        for n, f in zip(rows.tolist(), found.tolist(), strict=True):
            t = int(target[n])
            if f >= 0 and codes[n] in self.claimed_by[f]:
                continue
            if not (math.isfinite(x[n]) and math.isfinite(y[n])):
                continue
            if self.clipped[t] and not self.in_region(x[n], y[n], tolerance_m):
                continue  # the country goes on beyond the box, where the layer cannot see
            keep.append((n, f))
        # 3. how far from the declared country, per declared country
        by_target: dict[int, list[tuple[int, int]]] = {}
        for n, f in keep:
            by_target.setdefault(int(target[n]), []).append((n, f))
        for t, members in by_target.items():
            idx = np.asarray([n for n, _ in members])
            dist = self.distance_m(t, x[idx], y[idx])
            swapped = shapely.intersects_xy(self._geom(t), y[idx], x[idx])
            for (n, f), d, sw in zip(members, dist.tolist(), swapped.tolist(), strict=True):
                if d <= tolerance_m:
                    continue
                results[n] = CountryCheck(
                    declared=str(codes[n]),
                    found=self.iso[f] if f >= 0 else None,
                    found_name=self.names[f] if f >= 0 else None,
                    distance_m=round(d, 1),
                    tolerance_m=float(tolerance_m),
                    swapped_fits=bool(sw),
                )
        return results


@functools.cache
def _index(directory: Path) -> CountryIndex:
    return CountryIndex(_load_unparsed("countries.geojson", directory))


def _default() -> CountryIndex:
    return _index(context_dir())


def country_codes() -> frozenset[str]:
    """ISO alpha-2 codes of the countries in the layer (the ones ``country_check`` can judge)."""
    return frozenset(_default().by_iso)


WORLD: tuple[float, float, float, float] = (-180.0, -90.0, 180.0, 90.0)


def region_bbox() -> tuple[float, float, float, float]:
    """The layer's region box: (lon_min, lat_min, lon_max, lat_max); the world when unclipped."""
    return _default().region or WORLD


def in_region(lon: float, lat: float) -> bool:
    """Whether a point lies in the region box that the layer covers."""
    return _default().in_region(lon, lat)


def countries_of(lons: Any, lats: Any) -> np.ndarray:
    """ISO alpha-2 of the country containing each point, or None (object array, 1-D)."""
    return _default().countries_of(lons, lats)


def distance_to_country_m(lon: float, lat: float, iso_a2: str) -> float | None:
    """Metres from the point to the country's outline (0 inside), None if not in the layer."""
    index = _default()
    i = index.by_iso.get(iso_a2.strip().upper())
    if i is None:
        return None
    return float(index.distance_m(i, [lon], [lat])[0])


def country_check(
    lon: float, lat: float, iso_a2: str, *, tolerance_m: float = DEFAULT_TOLERANCE_M
) -> CountryCheck | None:
    """None if (lon, lat) lies in country ``iso_a2`` (or within ``tolerance_m`` of it), or if the
    layer cannot judge (code not in the layer; outside the box for a country the box cuts);
    otherwise a ``CountryCheck`` saying where the point is and how far from ``iso_a2``."""
    return _default().check([lon], [lat], [iso_a2], tolerance_m)[0]


def check_countries(
    lons: Any,
    lats: Any,
    iso_a2: Sequence[str | None] | np.ndarray,
    *,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
) -> list[CountryCheck | None]:
    """``country_check`` for many points at once (same results, much faster per point)."""
    return _default().check(lons, lats, iso_a2, tolerance_m)


# -- the borders a page draws ---------------------------------------------------------------

# How far beyond its sites' extent a page has borders, in degrees on every side.  15 degrees is
# what a reader sees after zooming out three levels from a single site's view, or about one
# screen's width around Central Asia at zoom 5; beyond it the page shows a blank background.
BORDER_MARGIN_DEG = 15.0
# A page whose box of borders spans this many degrees of longitude or more draws them all.
WORLD_MAP_DEG = 180.0
_GRID = 1e-4  # the committed layer's grid (4 decimals): cut edges are snapped to it too


def extent_of(geometries: Iterable[Mapping[str, Any] | None]) -> tuple[float, ...] | None:
    """(lon_min, lat_min, lon_max, lat_max) of GeoJSON geometries; None when there are none.

    >>> extent_of([{"type": "Point", "coordinates": [69.8, 37.9]}, None,
    ...            {"type": "LineString", "coordinates": [[70.0, 37.0], [71.5, 38.0]]}])
    (69.8, 37.0, 71.5, 38.0)
    """
    x0 = y0 = math.inf
    x1 = y1 = -math.inf
    for geometry in geometries:
        if not geometry:
            continue
        coordinates = geometry.get("coordinates")
        if geometry.get("type") == "Point":
            positions: Iterable[Sequence[float]] = (coordinates,) if coordinates else ()
        elif geometry.get("type") == "GeometryCollection":
            inner = extent_of(geometry.get("geometries") or ())
            positions = (inner[:2], inner[2:]) if inner else ()
        else:
            positions = _positions(coordinates)
        for position in positions:
            x, y = float(position[0]), float(position[1])
            if math.isfinite(x) and math.isfinite(y):
                x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
    if x0 > x1:
        return None
    return (x0, y0, x1, y1)


def _positions(coordinates: Any) -> Iterable[Sequence[float]]:
    if not coordinates:
        return
    if isinstance(coordinates[0], int | float):
        yield coordinates
        return
    for inner in coordinates:
        yield from _positions(inner)


def borders_for(
    extent: Sequence[float] | None,
    *,
    margin_deg: float = BORDER_MARGIN_DEG,
    collection: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The countries (``load_countries()`` unless ``collection``) that a page whose sites span
    ``extent`` draws: those within ``margin_deg`` of it, cut at that box.

    A country wholly inside the box is the layer's feature as it is; one the box cuts is cut
    (its cut edge snapped to the layer's 1e-4 degree grid, its label moved into what is left
    when it fell outside).  ``extent`` None (no located site) gives the borders around the
    page's default view, Central Asia.  A box of ``WORLD_MAP_DEG`` of longitude or more is
    the whole world (every country as it is).  The collection's ``bbox`` is the box.  Same
    extent, same result.
    """
    index = _default() if collection is None else CountryIndex(collection)
    if extent is None:
        extent = _DEFAULT_VIEW
    x0, y0, x1, y1 = (float(v) for v in extent)
    box = (
        max(-180.0, x0 - margin_deg),
        max(-90.0, y0 - margin_deg),
        min(180.0, x1 + margin_deg),
        min(90.0, y1 + margin_deg),
    )
    if box[2] - box[0] >= WORLD_MAP_DEG:
        # A world map: it opens at its lowest zoom, which shows far more than its sites'
        # latitudes plus the margin (a phone, most of the world's), so every country is drawn.
        box = WORLD
    bx0, by0, bx1, by1 = box
    features = []
    for i, feature in enumerate(index.features):
        fx0, fy0, fx1, fy1 = index.bounds[i]
        if fx1 < bx0 or fx0 > bx1 or fy1 < by0 or fy0 > by1:
            continue
        if bx0 <= fx0 and fx1 <= bx1 and by0 <= fy0 and fy1 <= by1:
            features.append(_with_geometry(feature))
            continue
        cut = _cut(index._geom(i), box)
        if cut is None:
            continue
        properties = dict(feature.get("properties") or {})
        label = (properties.get("label_lon"), properties.get("label_lat"))
        if not (
            isinstance(label[0], int | float)
            and isinstance(label[1], int | float)
            and shapely.intersects_xy(cut, float(label[0]), float(label[1]))
        ):
            largest = max(shapely.get_parts(cut), key=lambda part: part.area)
            point = shapely.point_on_surface(largest)
            properties["label_lon"] = round(point.x, 4)
            properties["label_lat"] = round(point.y, 4)
        features.append(
            {
                "type": "Feature",
                "id": feature.get("id"),
                "properties": properties,
                "geometry": shapely.geometry.mapping(cut),
            }
        )
    return {"type": "FeatureCollection", "bbox": list(box), "features": features}


# The page's view when it has no located site (facilitymap.js, App.fitAll).
_DEFAULT_VIEW = (71.2, 38.8, 71.2, 38.8)


def _cut(geom: shapely.Geometry, box: tuple[float, float, float, float]) -> Any:
    """``geom`` clipped to ``box`` on the 1e-4 grid, exteriors counter-clockwise; None if
    nothing with an area is left."""
    cut = shapely.set_precision(shapely.clip_by_rect(geom, *box), _GRID)
    polygons = [p for p in shapely.get_parts(cut) if p.geom_type == "Polygon" and p.area > 0]
    if not polygons:
        return None
    cut = shapely.multipolygons(polygons) if len(polygons) > 1 else polygons[0]
    cut = shapely.orient_polygons(shapely.normalize(cut), exterior_cw=False)
    # set_precision leaves binary noise (69.12340000000001): round what is written
    return shapely.transform(cut, lambda xy: np.round(xy, 4))
