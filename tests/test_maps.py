"""facilitymap.maps: the declared maps (maps.toml), site selection, as-of claims, versions."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from facilitymap.errors import FacilitymapError
from facilitymap.io import load_layer
from facilitymap.maps import MapSpec, data_version, load_config, map_features, render_map
from facilitymap.render.details import details_items

REPO = Path(__file__).resolve().parents[1]
SAMPLE = Path(__file__).parent / "browser" / "data" / "sample.geojson"


@pytest.fixture(scope="module")
def sample():
    return load_layer(SAMPLE)


def test_the_project_declares_overview_denied_and_past_maps():
    config = load_config(REPO / "maps.toml")
    by_name = {spec.name: spec for spec in config.maps}
    assert by_name["overview"].statuses == () and by_name["overview"].as_of is None
    denied = by_name["denied-vs-attested"]
    assert {"attested-denied", "reported-denied", "attested"} <= set(denied.statuses)
    # The Tajikistan layer's past maps (the world layer's own are in test_dataset_overseas).
    past = [spec for spec in config.maps if spec.as_of is not None and not spec.layers]
    assert past and all(spec.as_of < date(2020, 1, 1) for spec in past)
    assert all(spec.offline for spec in config.maps)
    assert config.layer == REPO / "geodata" / "sites.geojson"
    assert config.output_dir == REPO / "outputs"
    assert config.screenshot is not None and config.screenshot.map == "overview"
    assert config.screenshot.output == "overview.png"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[map]]\nname = "a"\noutput = "a.html"\ncolour = "red"\n', "unknown key(s) colour"),
        ('[[map]]\nname = "a"\noutput = "a.html"\nstatuses = ["denied"]\n', "unknown denied"),
        ('[[map]]\nname = "a"\noutput = "../a.html"\n', "file name ending in .html"),
        ('[[map]]\nname = "a"\noutput = "a.png"\n', "file name ending in .html"),
        ('[[map]]\nname = "a"\noutput = "a.html"\nas_of = "2019-13"\n', "month 13"),
        (
            '[[map]]\nname = "a"\noutput = "a.html"\n[[map]]\nname = "a"\noutput = "b.html"\n',
            "name used twice",
        ),
        ('[[map]]\nname = "a"\noutput = "a.html"\ncountries = ["Tajikistan"]\n', "two-letter"),
        ('[[map]]\nname = "a"\noutput = "a.html"\nmin_confidence = "certain"\n', "min_confidence"),
        ('layer = "x"\n', "declare at least one [[map]]"),
        (
            'screenshot = { map = "nope", output = "x.png" }\n[[map]]\nname = "a"\noutput = "a.html"\n',
            "not a declared map",
        ),
        ("[[map]\n", "not valid TOML"),
        ('[[map]]\nname = "a"\noutput = "a.html"\nlayer = 3\n', "a list of layer files"),
        ('[[map]]\nname = "a"\noutput = "a.html"\nlayer = []\n', "a list of layer files"),
        ('[[map]]\nname = "a"\noutput = "a.html"\nlayer = ["x", "x"]\n', "layer file twice"),
    ],
)
def test_bad_config_is_refused_with_the_reason(tmp_path, text, message):
    path = tmp_path / "maps.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FacilitymapError) as err:
        load_config(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_missing_config(tmp_path):
    with pytest.raises(FacilitymapError, match="no such file"):
        load_config(tmp_path / "maps.toml")


def test_as_of_keeps_only_claims_known_then(sample):
    spec = MapSpec(name="x", output="x.html", as_of=date(2018, 12, 31))
    features = {f["id"]: f for f in map_features(sample, spec)}
    # Sites with no claim by then are left out.
    assert set(features) == {"tj-sample-denied-post", "tj-sample-other-role", "tj-sample-attested"}
    denied = features["tj-sample-denied-post"]
    assert denied["properties"]["status"] == "reported"
    assert [c["id"] for c in denied["properties"]["claims"]] == ["c1"]
    assert denied["later_claims"] == 2
    assert denied["deciding_claims"] == ["c1"]
    assert "later_claims" not in features["tj-sample-attested"]


def test_all_claims_without_as_of(sample):
    features = {f["id"]: f for f in map_features(sample, MapSpec(name="x", output="x.html"))}
    denied = features["tj-sample-denied-post"]
    assert denied["properties"]["status"] == "attested-denied"
    assert len(denied["properties"]["claims"]) == 3
    assert "later_claims" not in denied
    assert set(denied["deciding_claims"]) == {"c1", "c2", "c3"}
    assert features["tj-sample-programme"]["geometry"] is None


def test_filters_select_sites(sample):
    spec = MapSpec(name="x", output="x.html", statuses=("attested-denied", "reported-denied"))
    assert {f["id"] for f in map_features(sample, spec)} == {
        "tj-sample-denied-post",
        "tj-sample-border-strip",
    }
    spec = MapSpec(name="x", output="x.html", min_confidence="moderate", kinds=("border-post",))
    assert [f["id"] for f in map_features(sample, spec)] == ["tj-sample-other-role"]
    spec = MapSpec(name="x", output="x.html", countries=("KG",))
    assert map_features(sample, spec) == []


def test_data_version_names_file_hash_and_last_update(sample):
    text = data_version(sample)
    assert text == f"sample.geojson, SHA-256 {sample.sha256[:12]}, records updated up to 2024-05-01"


def test_render_map_uses_the_layer_name_as_default_title(sample):
    html = render_map(sample, MapSpec(name="x", output="x.html"), context=False)
    assert "<title>facilitymap test sample</title>" in html
    html = render_map(sample, MapSpec(name="x", output="x.html", title="Mine"), context=False)
    assert "<title>Mine</title>" in html


def test_encoded_page_sites_match_the_dict_path():
    """render_map's fast route (page_sites) gives the page the same sites as map_features."""
    import json
    import re
    from pathlib import Path

    from facilitymap.io import load_layer
    from facilitymap.maps import MapSpec, map_features, page_sites
    from facilitymap.model import PROPERTY_ORDER
    from facilitymap.render import build_html
    from facilitymap.render.page import _index_record, _search_of, _site_record, join_arrays
    from facilitymap.render.payload import index_columns, join_columns

    layer = load_layer(Path(__file__).resolve().parents[1] / "geodata" / "sites.geojson")
    for spec in (
        MapSpec(name="a", output="a.html"),
        MapSpec(name="b", output="b.html", as_of=__import__("datetime").date(2021, 10, 28)),
        MapSpec(name="c", output="c.html", statuses=("attested-denied",)),
        # Sites reported once, attested since: in the page, hidden at its own date.
        MapSpec(name="d", output="d.html", statuses=("reported",)),
    ):
        features = map_features(layer, spec, timeline=True)
        records = json.loads(json.dumps([_site_record(f) for f in features]))
        encoded = page_sites(layer, spec, pack=False)
        index = index_columns([_index_record(r) for r in records])
        assert json.loads(bytes(encoded)) == json.loads(join_columns([index]))
        details = [  # the page is given no unknown properties
            {k: v for k, v in r["properties"].items() if k in PROPERTY_ORDER} for r in records
        ]
        assert [json.loads(item) for item in details_items(encoded.details)] == details
        # The timeline: each site's steps, and the days and statuses the page's controls
        # are built from before it reads them.
        assert json.loads(join_arrays(encoded.steps)) == [r.get("steps", []) for r in records]
        assert json.loads(join_arrays(encoded.search)) == [_search_of(r) for r in records]
        page = build_html(features, title="t", filters=spec.filters())
        assert encoded.timeline is not None
        meta = json.loads(re.search(r'id="fm-data">(.*?)</script>', page).group(1))["meta"]
        assert meta["timeline"] == encoded.timeline.meta()
        days = {step[0] for r in records for step in r.get("steps", [])}
        assert encoded.timeline.meta()["dates"] == sorted(days) and len(days) > 5
        hidden = {r["id"] for r in records if r.get("hidden")}
        shown = {f["id"] for f in map_features(layer, spec)}
        assert hidden == {r["id"] for r in records} - shown
        assert bool(hidden) == (spec.name == "d")


def test_a_map_draws_the_layers_it_names(tmp_path, sample):
    """``layer`` per map: other files than the top-level layer, several in one view."""
    import json

    from facilitymap.maps import build_maps

    other = json.loads(SAMPLE.read_text(encoding="utf-8"))
    for feature in other["features"]:
        feature["id"] = feature["id"].replace("tj-", "kh-", 1)
    (tmp_path / "other.geojson").write_text(json.dumps(other), encoding="utf-8")
    (tmp_path / "sample.geojson").write_bytes(SAMPLE.read_bytes())
    config_path = tmp_path / "maps.toml"
    config_path.write_text(
        'layer = "sample.geojson"\n'
        '[[map]]\nname = "own"\noutput = "own.html"\n'
        '[[map]]\nname = "other"\noutput = "other.html"\nlayer = "other.geojson"\n'
        '[[map]]\nname = "both"\noutput = "both.html"\n'
        'layer = ["sample.geojson", "other.geojson"]\n',
        encoding="utf-8",
    )
    config = load_config(config_path)
    assert config.maps[1].layers == (tmp_path / "other.geojson",)
    built = {b.spec.name: b for b in build_maps(config, sample, screenshot=False)}
    count = len(sample.sites)
    assert (built["own"].sites, built["other"].sites, built["both"].sites) == (
        count,
        count,
        2 * count,
    )
    both = built["both"].path.read_text(encoding="utf-8")
    assert "tj-sample-attested" in both and "kh-sample-attested" in both
    assert "sample.geojson, SHA-256" in both and "other.geojson, SHA-256" in both
    other_page = built["other"].path.read_text(encoding="utf-8")
    assert "kh-sample-attested" in other_page and "tj-sample-attested" not in other_page


def test_layers_drawn_together_need_distinct_ids(tmp_path, sample):
    from facilitymap.maps import build_maps

    (tmp_path / "copy.geojson").write_bytes(SAMPLE.read_bytes())
    config_path = tmp_path / "maps.toml"
    config_path.write_text(
        f'layer = "{SAMPLE}"\n[[map]]\nname = "both"\noutput = "both.html"\n'
        f'layer = ["{SAMPLE}", "copy.geojson"]\n',
        encoding="utf-8",
    )
    with pytest.raises(FacilitymapError, match=r"tj-sample-.* is in both .*layers drawn together"):
        build_maps(load_config(config_path), sample, screenshot=False)


# ---------------------------------------------------------------------------- a large file


@pytest.fixture
def small_runs(monkeypatch):
    """Large-file handling on small files: runs of a few kilobytes."""
    from facilitymap import io, maps

    monkeypatch.setattr(maps, "MAP_RUN_BYTES", 1 << 13)
    monkeypatch.setattr(maps, "MAP_IN_RUNS_OVER", 1 << 14)
    monkeypatch.setattr(io, "LOAD_RUN_BYTES", 1 << 13)


def _rich_layer(tmp_path, n=120):
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "bench" / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    path = tmp_path / "rich.geojson"
    path.write_bytes(generate.generate(n, seed=5, profile="rich"))
    return path


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_large_file_is_mapped_run_by_run_into_the_same_page(
    tmp_path, small_runs, monkeypatch, workers
):
    """make_map_of_file never holds the whole layer, yet gives the page make_map gives,
    byte for byte, whatever the filters (and in one process or several)."""
    from datetime import date

    from facilitymap.io import load_layer
    from facilitymap.maps import MapSpec, make_map, make_map_of_file

    monkeypatch.setenv("FACILITYMAP_WORKERS", workers)
    # The details are the sites' properties as read where the page shows them unchanged;
    # here some sites declare no status and some list their claims out of the page's order.
    doc = json.loads(_rich_layer(tmp_path).read_bytes())
    for k, feature in enumerate(doc["features"]):
        properties = feature["properties"]
        if k % 4 < 3:
            properties.pop(("official_status", "evidence", "status")[k % 4], None)
        else:
            properties["claims"].reverse()
    edited = tmp_path / "edited.geojson"
    edited.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    for path in (_rich_layer(tmp_path), edited, REPO / "geodata" / "sites.geojson"):
        layer = load_layer(path)
        for spec in (
            MapSpec(name="a", output="a.html"),
            MapSpec(name="b", output="b.html", as_of=date(2021, 10, 28), title="Then"),
            MapSpec(name="c", output="c.html", statuses=("attested-denied", "reported")),
        ):
            streamed = make_map_of_file(path, spec)
            assert streamed is not None, "the file was not cut into runs"
            made = make_map(layer, spec)
            assert streamed.sites == made.sites
            assert streamed.html == made.html


def test_a_large_file_with_errors_reports_every_problem_as_load_layer_does(tmp_path, small_runs):
    import orjson

    from facilitymap import api
    from facilitymap.errors import LayerError
    from facilitymap.io import load_layer
    from facilitymap.maps import MapSpec, make_map_of_file

    doc = orjson.loads(_rich_layer(tmp_path).read_bytes())
    doc["features"][3]["properties"]["updated"] = "2019-02-30"  # no such day
    doc["features"][-2]["geometry"]["coordinates"] = [200.0, 95.0]
    doc["features"][-1]["id"] = doc["features"][0]["id"]
    # A status its claims do not give, and a claim dated no day (no status to compare).
    props = doc["features"][5]["properties"]
    props["status"] = "reported" if props["status"] != "reported" else "attested"
    doc["features"][6]["properties"]["claims"][0]["date"] = "2019-13"
    bad = tmp_path / "bad.geojson"
    bad.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
    with pytest.raises(LayerError) as streamed:
        make_map_of_file(bad, MapSpec(name="a", output="a.html"))
    with pytest.raises(LayerError) as loaded:
        load_layer(bad)
    assert str(streamed.value) == str(loaded.value)
    assert streamed.value.problems == loaded.value.problems
    found = {  # (site, the field's first name: claims for claims[0].date)
        (p.site, p.field.split(".")[0].split("[")[0])
        for p in streamed.value.problems
        if p.severity == "error"
    }
    assert {
        (doc["features"][3]["id"], "updated"),
        (doc["features"][-2]["id"], "geometry"),
        (doc["features"][5]["id"], "status"),
        (doc["features"][6]["id"], "claims"),
    } <= found
    assert any(
        doc["features"][0]["id"] == p.site and "id" in p.field for p in streamed.value.problems
    )
    # A problem in the structure (a value the model does not take) is found by the whole
    # parse the library falls back to: render reports it all the same.
    doc["features"][4]["properties"]["confidence"] = "certain"
    bad.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
    assert make_map_of_file(bad, MapSpec(name="a", output="a.html")) is None
    with pytest.raises(LayerError) as rendered:
        api.render(bad)
    assert any(p.field == "confidence" for p in rendered.value.problems)


def test_a_large_file_the_fast_way_cannot_cut_is_loaded_whole(tmp_path, small_runs):
    """A layer with a property of its own takes the slow parse: no runs, the caller loads."""
    import orjson

    from facilitymap.maps import MapSpec, make_map_of_file

    doc = orjson.loads(_rich_layer(tmp_path).read_bytes())
    doc["features"][5]["properties"]["analyst_note"] = "checked twice"
    path = tmp_path / "custom.geojson"
    path.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
    assert make_map_of_file(path, MapSpec(name="a", output="a.html")) is None


def test_a_large_file_written_by_ogr2ogr_is_mapped_in_runs_into_the_same_page(tmp_path, small_runs):
    """GDAL writes GeoJSON its own way (its own spacing, members in its own order): the runs
    are still cut between its features, and the page is the loaded layer's."""
    import shutil
    import subprocess

    from facilitymap.maps import MapSpec, make_map, make_map_of_file

    if shutil.which("ogr2ogr") is None:
        pytest.skip("GDAL's ogr2ogr is not installed (apt-get install gdal-bin)")
    written = tmp_path / "gdal.geojson"
    subprocess.run(
        ["ogr2ogr", "-f", "GeoJSON", str(written), str(_rich_layer(tmp_path))], check=True
    )
    spec = MapSpec(name="a", output="a.html")
    streamed = make_map_of_file(written, spec)
    assert streamed is not None, "GDAL's file was not cut into runs"
    assert streamed.html == make_map(load_layer(written), spec).html


@pytest.mark.parametrize("workers", ["1", "2"])
def test_details_deflated_by_the_processes_that_read_the_runs_make_the_same_page(
    tmp_path, small_runs, monkeypatch, workers
):
    """Each process deflates the details elements its runs decide alone, and joins the runs
    it read one after another; the page is still the one make_map gives, byte for byte."""
    from facilitymap import maps
    from facilitymap.io import load_layer
    from facilitymap.maps import MapSpec, make_map, make_map_of_file
    from facilitymap.render import details, page

    monkeypatch.setenv("FACILITYMAP_WORKERS", workers)
    monkeypatch.setattr(details, "ENDS_EVERY_BYTES", 1 << 15)
    monkeypatch.setattr(details, "DETAILS_CHUNK_BYTES", 1 << 16)
    monkeypatch.setattr(maps, "COMPRESS_OVER", 1 << 12)  # the runs' details packed
    monkeypatch.setattr(page, "COMPRESS_OVER", 1 << 12)
    path = _rich_layer(tmp_path, n=200)
    spec = MapSpec(name="a", output="a.html")
    streamed = make_map_of_file(path, spec)
    assert streamed is not None, "the file was not cut into runs"
    made = make_map(load_layer(path), spec)
    assert streamed.html.count('class="fm-details"') > 20
    assert streamed.html == made.html
