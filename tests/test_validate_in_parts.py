"""A large layer validated in parts (each process reading, parsing and checking its own run of
features) gives exactly the problems of the whole-layer validation, in the same order, and
any layer the parts cannot prove they read right is validated whole."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from facilitymap import io, parallel, validate
from facilitymap.io import Layer, load_layer, save_layer
from facilitymap.validate import validate_file
from facilitymap.validation.geometry import check_geometries, check_geometry

ROOT = Path(__file__).resolve().parents[1]
REAL_LAYER = ROOT / "geodata" / "sites.geojson"
TODAY = date(2026, 11, 29)

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks on Linux only")


@pytest.fixture
def in_parts(monkeypatch):
    """Split any layer of two sites or more into up to three runs, each in a child.

    Forking is allowed although Playwright's fixtures may have left idle threads behind (they
    hold no lock a child needs); the guard itself is tested in test_parallel.py."""
    monkeypatch.setattr(parallel, "_fork_is_safe", lambda: True)
    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)
    monkeypatch.setattr(validate, "PLAIN_SITE_BYTES", 1)
    monkeypatch.setenv("FACILITYMAP_WORKERS", "3")


def whole_and_parts(path: Path) -> tuple[list, list, bool]:
    """The problems validated whole, in parts, and whether the parts were used (they give
    no layer back, where the whole validation gives the sites it parsed)."""
    whole, whole_layer = validate_file(path, today=TODAY)
    parts, parts_layer = validate_file(path, today=TODAY, in_parts=True)
    return whole, parts, whole_layer is not None and parts_layer is None


def test_every_test_layer_gives_the_same_problems_in_parts(in_parts):
    paths = [*sorted((ROOT / "tests" / "data").glob("*/*.geojson")), REAL_LAYER]
    assert len(paths) > 80
    read_in_parts = []
    for path in paths:
        whole, parts, used = whole_and_parts(path)
        assert parts == whole, path
        if used:
            read_in_parts.append(path)
    # Most test layers have one site, or are broken: they are read whole.
    assert REAL_LAYER in read_in_parts and len(read_in_parts) >= 2


def big_layer(tmp_path: Path, copies: int = 40) -> tuple[Path, list]:
    real = load_layer(REAL_LAYER)
    sites = [site.replace(id=f"{site.id}-{k}") for k in range(copies) for site in real.sites]
    # Problems in every run: a bad URL, a future date, duplicate ids within a run and across
    # runs, a swapped point (country check), a site with sources but no archive URL (notice).
    sites[5] = sites[5].replace(
        sources=[sites[5].sources[0].replace(url="javascript:alert(1)"), *sites[5].sources[1:]]
    )
    sites[200] = sites[200].replace(first_reported="2999-01-01")
    sites[150] = sites[150].replace(id=sites[149].id)
    sites[-1] = sites[-1].replace(id=sites[0].id)
    point = next(
        i
        for i in range(len(sites) // 2, len(sites))
        if sites[i].country == "TJ" and sites[i].geometry["type"] == "Point"
    )
    lon, lat = sites[point].geometry["coordinates"]
    sites[point] = sites[point].replace(geometry={"type": "Point", "coordinates": [lat, lon]})
    path = tmp_path / "big.geojson"
    save_layer(Layer(sites=sites), path)
    return path, [sites[5].id, sites[200].id, sites[149].id, sites[0].id, sites[point].id]


def test_a_layer_with_problems_in_every_run_gives_them_all_in_order(in_parts, tmp_path):
    path, planted = big_layer(tmp_path)
    with path.open("rb") as file:
        runs = io.split_plain_layer(file.fileno(), path.stat().st_size, 3)
    assert runs is not None and len(runs) == 3

    whole, parts, used = whole_and_parts(path)

    assert used
    assert parts == whole
    assert {p.site for p in whole if p.severity == "error"} >= set(planted)
    duplicates = [p for p in whole if p.field == "id"]
    assert [p.site for p in duplicates] == sorted({planted[2], planted[3]})
    assert any(p.severity == "notice" for p in whole)


def test_one_worker_validates_whole(monkeypatch, tmp_path):
    path, _ = big_layer(tmp_path)
    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)
    monkeypatch.setattr(validate, "PLAIN_SITE_BYTES", 1)
    monkeypatch.setenv("FACILITYMAP_WORKERS", "1")
    problems, layer = validate_file(path, today=TODAY, in_parts=True)
    assert layer is not None  # parsed here, whole
    assert problems == validate_file(path, today=TODAY)[0]


def feature(site_id: str, geometry: dict) -> dict:
    real = json.loads(REAL_LAYER.read_text())["features"][0]
    return {**real, "id": site_id, "geometry": geometry}


def write_compact(path: Path, doc: dict) -> Path:
    path.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    return path


def test_a_cut_inside_a_feature_is_caught_and_the_layer_validated_whole(in_parts, tmp_path):
    # Inside the first feature, a geometry collection whose members look like features (a
    # comma, then {"type":"Feature"...): the cut lands there. The runs then do not parse, so
    # the layer is validated whole, with the same problems.
    members = [{"type": "Feature", "coordinates": [71.0, 38.5]} for _ in range(3000)]
    doc = {
        "type": "FeatureCollection",
        "features": [
            feature("tj-first", {"type": "GeometryCollection", "geometries": members}),
            feature("tj-second", {"type": "Point", "coordinates": [71.0, 38.5]}),
        ],
    }
    path = write_compact(tmp_path / "decoy.geojson", doc)
    data = path.read_bytes()
    with path.open("rb") as file:
        runs = io.split_plain_layer(file.fileno(), len(data), 2)
    second = data.index(b'"id":"tj-second"')
    assert runs is not None and runs[0].end < second - 200  # cut inside the first feature

    whole, parts, used = whole_and_parts(path)

    assert not used
    assert parts == whole
    assert any(p.site == "tj-first" and p.field.startswith("geometry") for p in whole)


def test_a_layer_written_by_geopandas_is_read_in_parts_too(in_parts, tmp_path):
    # GeoDataFrame.to_json writes each feature's "id" before its "type", with no blanks.
    doc = json.loads(REAL_LAYER.read_text())
    doc["features"] = [
        {"id": f["id"], "type": "Feature", "properties": f["properties"], "geometry": f["geometry"]}
        for f in doc["features"]
    ]
    path = write_compact(tmp_path / "geopandas.geojson", doc)

    whole, parts, used = whole_and_parts(path)

    assert used
    assert parts == whole


def changed_real_layer(tmp_path: Path, change) -> Path:
    """The curated layer written compact, then changed as text by ``change``."""
    doc = json.loads(REAL_LAYER.read_text())
    compact = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    path = tmp_path / "changed.geojson"
    path.write_text(change(compact), encoding="utf-8")
    return path


def in_last_feature(edit):
    def change(text: str) -> str:
        last = text.rindex('{"type":"Feature"')
        return text[:last] + edit(text[last:])

    return change


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            in_last_feature(lambda t: t.replace('"kind":', '"kind":"base","kind":', 1)),
            id="duplicate-key",
        ),
        pytest.param(
            in_last_feature(lambda t: t.replace('"kind":', '"kind":"fort","id":7,"kind":', 1)),
            id="unknown-and-duplicate-keys",
        ),
        pytest.param(lambda t: t[:-1] + ',"name":"after"}', id="features-not-last"),
        pytest.param(lambda t: "\ufeff" + t, id="byte-order-mark"),
    ],
)
def test_a_structural_problem_sends_the_layer_the_whole_way(in_parts, tmp_path, change):
    # Problems the parse reports are placed by feature number, line and column in the whole
    # file, which no run knows: such a layer is validated whole.
    path = changed_real_layer(tmp_path, change)
    plain = write_compact(tmp_path / "plain.geojson", json.loads(REAL_LAYER.read_text()))
    assert whole_and_parts(plain)[2]  # unchanged, it is read in parts

    whole, parts, used = whole_and_parts(path)

    assert not used
    assert parts == whole
    assert any(p.severity == "error" for p in whole)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            in_last_feature(lambda t: t.replace('"kind":', '"colour":"red","kind":', 1)),
            id="unknown-property",
        ),
        pytest.param(
            lambda t: t.replace('"kind":', '"analyst":{"team":"b"},"kind":'), id="every-site"
        ),
        pytest.param(
            in_last_feature(lambda t: t.replace('"name":"', '"name":"a\\u003ab ', 1)),
            id="escaped-colon",
        ),
    ],
)
def test_what_the_fast_parse_does_not_take_is_parsed_the_slow_way_in_parts(
    in_parts, tmp_path, change
):
    # Unknown properties are kept (they are the user's), escapes are plain JSON: the runs
    # that have them are parsed the slow way, still each in its own process.
    path = changed_real_layer(tmp_path, change)
    assert io.parse_layer(path.read_bytes())[1] == []  # valid, but not plainly so
    assert io._parse_plain_layer(path.read_bytes()) is None

    whole, parts, used = whole_and_parts(path)

    assert used
    assert parts == whole


def test_a_file_that_cannot_be_read_at_an_offset_is_read_whole():
    # pread fails on a pipe (ESPIPE), as on some unusual file systems: no cut, no run.
    read_end, write_end = os.pipe()
    try:
        assert io.split_plain_layer(read_end, 10**8, 2) is None
        assert io.read_plain_run(read_end, io.PlainRun(1, 100)) is None
    finally:
        os.close(read_end)
        os.close(write_end)


def test_a_run_beyond_the_end_of_the_file_is_not_read(tmp_path):
    path = tmp_path / "short.geojson"
    path.write_bytes(b'{"type":"FeatureCollection","features":[]}')
    with path.open("rb") as file:
        assert io.read_plain_run(file.fileno(), io.PlainRun(10, 400)) is None


def test_geometries_checked_in_bulk_are_checked_as_one_by_one():
    ring = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
    bowtie = [[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]
    geometries = [
        None,
        "not a geometry",
        {"type": "Point", "coordinates": [71.0, 38.5]},
        {"type": "Polygon", "coordinates": [ring], "bbox": [0, 0, 1, 1]},
        {"type": "Polygon", "coordinates": [bowtie]},
        {"type": "MultiPolygon", "coordinates": [[ring], [bowtie]]},
        {"type": "Polygon", "coordinates": [ring, [[5, 5], [6, 5], [6, 6], [5, 5]]]},
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]},
        {"type": "Polygon", "coordinates": [ring], "crs": {}},
        {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
    ]
    expected = [check_geometry(g) for g in geometries]
    assert check_geometries(geometries) == expected
    assert [bool(found) for found in expected] == [0, 1, 0, 0, 1, 1, 1, 1, 1, 0]
    # A bbox that the GeoJSON writer refuses (an integer over 64 bits): the polygons are
    # then built by shapely one by one, with the same answers.
    odd = [{**g, "bbox": [2**70, 0, 1, 1]} for g in geometries[3:7]]
    assert check_geometries(odd) == [check_geometry(g) for g in odd]


def test_the_command_line_gives_the_same_report_on_one_core_and_on_several(tmp_path):
    # 12 MB: over the size from which the command line validates in parts.
    path, planted = big_layer(tmp_path, copies=1400)
    assert path.stat().st_size // validate.PLAIN_SITE_BYTES >= parallel.MIN_ITEMS
    outputs = []
    for workers in ("1", "2"):
        env = {**os.environ, "FACILITYMAP_WORKERS": workers}
        outputs.append(
            subprocess.run(
                [sys.executable, "-m", "facilitymap", "validate", "--format", "json", str(path)],
                capture_output=True,
                env=env,
                check=False,
            )
        )
    one, several = outputs
    assert one.returncode == several.returncode == 1
    assert one.stdout == several.stdout
    reported = {p["site"] for p in json.loads(several.stdout) if p["severity"] == "error"}
    assert reported >= set(planted)
