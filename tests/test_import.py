"""Imports: export → import round trips (lossless or exactly the documented losses),
other people's CSV/KML, merging by id, and the import command."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facilitymap.cli import cli
from facilitymap.cli.exchange import import_sites
from facilitymap.edit import merge_sites
from facilitymap.errors import FacilitymapError, LayerError
from facilitymap.exchange import export_layer, import_file, read_sites
from facilitymap.exchange.flat import iso_date
from facilitymap.io import Layer, load_layer, site_to_feature
from facilitymap.model import Site
from facilitymap.status import derive_site

DATA = Path(__file__).parent / "data"
FIXTURE = DATA / "valid" / "two-sites.geojson"
AWKWARD = DATA / "exchange" / "awkward.geojson"
LOSSLESS = [("gpkg", ".gpkg", False), ("fgb", ".fgb", False), ("csv", ".csv", False),
            ("geojson", ".geojson", False), ("geojson", ".geojson", True),
            ("kml", ".kml", False)]  # fmt: skip


def features(sites):
    return [site_to_feature(s) for s in sites]


@pytest.fixture(scope="module")
def awkward():
    return load_layer(AWKWARD)


# ---- round trips ---------------------------------------------------------------------


@pytest.mark.parametrize("layer_path", [FIXTURE, AWKWARD], ids=["fixture", "awkward"])
@pytest.mark.parametrize("fmt,suffix,flat", LOSSLESS, ids=lambda v: str(v))
def test_round_trip_gives_back_the_same_sites(tmp_path, layer_path, fmt, suffix, flat):
    layer = load_layer(layer_path)
    out = tmp_path / f"sites{suffix}"
    export_layer(layer, out, fmt, flat=flat)
    back = import_file(out)
    expected = features(layer.sites)
    if fmt == "csv":
        # Documented CSV loss: an empty optional text ('') cannot be told from a blank cell.
        for feature in expected:
            for key in ("admin1", "admin2", "admin3", "description"):
                if feature["properties"].get(key) == "":
                    del feature["properties"][key]
    assert features(back) == expected


def test_csv_excel_safe_round_trip(tmp_path, awkward):
    out = tmp_path / "sites.csv"
    export_layer(awkward, out, "csv", excel_safe=True)
    back = import_file(out, excel_safe=True)
    assert [s.description for s in back] == [s.description for s in awkward.sites]
    assert [s.name for s in back] == [s.name for s in awkward.sites]


def test_kml_loses_only_characters_xml_cannot_hold(tmp_path, awkward):
    site = awkward.sites[0]
    noisy = site.replace(confidence_note="a\x01b\x1fc", name="N\x0bame")
    out = tmp_path / "sites.kml"
    report = export_layer([noisy, *awkward.sites[1:]], out, "kml")
    assert any("XML 1.0 cannot hold" in w for w in report.warnings)
    (back, *rest) = import_file(out)
    assert back.confidence_note == "abc" and back.name == "Name"
    expected = site_to_feature(noisy)
    expected["properties"]["confidence_note"] = "abc"
    expected["properties"]["name"] = "Name"
    assert site_to_feature(back) == expected
    assert features(rest) == features(awkward.sites[1:])


def test_shp_documented_losses(tmp_path, awkward):
    """Shapefile: text over 254 bytes is cut (the site cannot come back), a file per
    geometry family (points and unlocated first, then lines, then polygons)."""
    out = tmp_path / "sites.shp"
    report = export_layer(awkward, out, "shp")
    assert {p.name for p in report.files} >= {"sites.shp", "sites_lines.shp", "sites_polygons.shp", "sites.fieldmap.csv"}  # fmt: skip
    assert any(w.startswith("claims: cut to 254 bytes") for w in report.warnings)
    # Cut JSON cannot come back: one line says which columns of which sites, and what to use.
    with pytest.raises(FacilitymapError) as caught:
        import_file(out)
    assert not isinstance(caught.value, LayerError)
    message = str(caught.value)
    assert "\n" not in message and "claims, sources of 1 site(s) (tj-test-denied)" in message
    assert "GeoPackage" in message
    # Every site whose text fits comes back exactly; order is by geometry family.
    small = [s for s in awkward.sites if s.id != "tj-test-denied"]
    out2 = tmp_path / "small.shp"
    export_layer(small, out2, "shp")
    back = import_file(out2)
    assert [s.id for s in back] == ["tj-test-programme", "tj-test-line", "tj-test-area"]
    assert sorted(features(back), key=lambda f: f["id"]) == sorted(
        features(small), key=lambda f: f["id"]
    )


def test_gpkg_claims_come_from_the_claims_table(tmp_path, awkward):
    import sqlite3

    out = tmp_path / "sites.gpkg"
    export_layer(awkward, out, "gpkg")
    con = sqlite3.connect(out)
    with con:
        con.execute("UPDATE claims SET summary = 'Edited in QGIS' WHERE id = 'c1'")
    con.close()
    result = read_sites(out)
    assert {c.summary for s in result.sites for c in s.claims if c.id == "c1"} == {"Edited in QGIS"}
    assert any(
        "the claims table and the claims column differ" in p.message for p in result.problems
    )


text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=40)  # fmt: skip


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=text, note=text, summary=text)
def test_any_text_survives_csv_gpkg_and_flat_geojson(tmp_path_factory, name, note, summary):
    base = load_layer(FIXTURE).sites[0]
    claims = [base.claims[0].replace(summary=summary), *base.claims[1:]]
    site = base.replace(name=name, confidence_note=note, claims=claims)
    folder = tmp_path_factory.mktemp("prop")
    for fmt, suffix, flat in (("csv", ".csv", False), ("gpkg", ".gpkg", False), ("geojson", ".geojson", True)):  # fmt: skip
        out = folder / f"s{suffix}"
        export_layer([site], out, fmt, flat=flat)
        assert features(import_file(out)) == features([site]), fmt


# ---- other people's files ------------------------------------------------------------


def test_analyst_csv_with_a_column_map(tmp_path):
    src = tmp_path / "colleague.csv"
    src.write_text(
        "Site name;Type;Land;X;Y;conf;why;how;radius;remark\n"
        "Post Ёлка;border-post;TJ;73.5;37.8;low;one report;analyst-estimate;20000;checked\n"
        "Camp 营地;base;TJ;;;moderate;two reports;;;\n",
        encoding="utf-8-sig",
    )
    mapping = {"name": "Site name", "kind": "Type", "country": "Land", "lon": "X", "lat": "Y",
               "confidence": "conf", "confidence_note": "why", "location_basis": "how",
               "precision_m": "radius", "location_note": "remark"}  # fmt: skip
    with pytest.raises(LayerError) as caught:
        import_file(src, column_map=mapping)
    messages = {(p.site, p.field) for p in caught.value.problems}
    assert ("row 2", "id") in messages and ("row 3", "location.note") in messages
    src.write_text(src.read_text(encoding="utf-8-sig").replace("Site name;", "id;Site name;")
                   .replace("\nPost", "\ntj-a-post;Post").replace("\nCamp", "\ntj-b-camp;Camp")
                   .replace(";;;\n", ";;;unknown\n"), encoding="utf-8")  # fmt: skip
    sites = import_file(src, column_map=mapping)
    assert sites[0].geometry == {"type": "Point", "coordinates": [73.5, 37.8]}
    assert sites[0].location.precision_m == 20000 and sites[0].name == "Post Ёлка"
    assert sites[1].geometry is None and sites[1].location.basis == "unlocated"
    assert sites[1].claims == [] and derive_site(sites[0]).status == "unverified"


def test_unknown_columns_are_kept_and_bad_maps_refused(tmp_path):
    src = tmp_path / "a.csv"
    src.write_text(
        "id,name,kind,country,confidence,confidence_note,location_note,location_basis,wkt,Analyst\n"
        'tj-a,A,base,TJ,low,n,n,admin-area,"POLYGON ((73 38, 74 38, 74 39, 73 38))",Ann\n',
        encoding="utf-8",
    )
    (site,) = import_file(src)
    assert site.extra_properties == {"Analyst": "Ann"} and site.geometry["type"] == "Polygon"
    with pytest.raises(FacilitymapError, match="cannot map"):
        import_file(src, column_map={"colour": "Analyst"})
    with pytest.raises(LayerError, match="no column 'Nope'"):
        import_file(src, column_map={"name": "Nope"})


def test_google_earth_kml(tmp_path):
    src = tmp_path / "ge.kml"
    src.write_text(
        """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Folder><name>x</name>
<Placemark><name>Пост</name><description>seen &lt;b&gt;here&lt;/b&gt;</description>
<TimeStamp><when>2021-06-01T00:00:00Z</when></TimeStamp>
<ExtendedData><Data name="id"><value>tj-ge-post</value></Data>
<Data name="kind"><value>checkpoint</value></Data><Data name="country"><value>TJ</value></Data>
<Data name="confidence"><value>low</value></Data><Data name="confidence_note"><value>n</value></Data>
<Data name="location_basis"><value>analyst-estimate</value></Data>
<Data name="precision_m"><value>5000</value></Data>
<Data name="location_note"><value>GE pin</value></Data></ExtendedData>
<Point><coordinates>74.1,37.5,0</coordinates></Point></Placemark></Folder></Document></kml>""",
        encoding="utf-8",
    )
    (site,) = import_file(src)
    assert site.name == "Пост" and site.description == "seen <b>here</b>"
    assert site.first_reported == "2021-06-01"
    assert site.geometry == {"type": "Point", "coordinates": [74.1, 37.5]}


def test_kml_with_entities_is_refused(tmp_path):
    src = tmp_path / "bomb.kml"
    src.write_text('<?xml version="1.0"?><!DOCTYPE k [<!ENTITY a "aaaa">]><kml>&a;</kml>')
    with pytest.raises(FacilitymapError, match="DOCTYPE"):
        import_file(src)


def test_duplicate_ids_in_a_file(tmp_path):
    layer = load_layer(FIXTURE)
    out = tmp_path / "dup.geojson"
    export_layer([layer.sites[0], layer.sites[0]], out, "geojson", flat=True)
    with pytest.raises(LayerError, match="1 error"):
        import_file(out)


# ---- merge ---------------------------------------------------------------------------


def test_merge_by_id(awkward):
    existing = awkward.sites[:2]
    changed = existing[0].replace(name="Renamed")
    new = awkward.sites[2]
    result = merge_sites(existing, [changed, existing[1], new])
    assert result.added == ["tj-test-area"] and result.unchanged == ["tj-test-programme"]
    assert [(c.site_id, c.fields) for c in result.conflicts] == [("tj-test-denied", ("name",))]
    assert result.sites[0].name != "Renamed"
    replaced = merge_sites(existing, [changed], replace=True)
    assert replaced.sites[0].name == "Renamed" and replaced.replaced[0].site_id == "tj-test-denied"
    assert not merge_sites(existing, existing).changed


def test_likely_duplicates_same_kind_within_both_radii(awkward):
    site = awkward.sites[0]  # border post, ±30 km at (73.965, 38.169)
    near = site.replace(
        id="tj-near", name="Other", local_names=[],
        location=site.location.replace(precision_m=1000.0),
        geometry={"type": "Point", "coordinates": [74.2, 38.169]})  # fmt: skip
    far = near.replace(id="tj-far", geometry={"type": "Point", "coordinates": [75.0, 38.169]})  # fmt: skip
    other_kind = near.replace(id="tj-base", kind="base")
    same_name = far.replace(id="tj-same-name", name="test POST (denied)  ")
    renamed = site.replace(name="Test post (denied)")
    result = merge_sites([renamed], [near, far, other_kind, same_name])
    pairs = {(d.incoming, d.existing) for d in result.duplicates}
    assert ("tj-near", "tj-test-denied") in pairs  # 20.6 km apart, radii 30 + 1 km
    assert ("tj-far", "tj-test-denied") not in pairs and ("tj-base", "tj-test-denied") not in pairs
    assert ("tj-same-name", "tj-test-denied") in pairs


# ---- the import command --------------------------------------------------------------


def test_import_creates_the_layer_and_dry_run_writes_nothing(runner, tmp_path, awkward):
    src = tmp_path / "sites.gpkg"
    export_layer(awkward, src, "gpkg")
    into = tmp_path / "new" / "layer.geojson"
    into.parent.mkdir()
    refused = runner.invoke(import_sites, [str(src), "--into", str(into)])
    assert refused.exit_code == 1 and "pass --create" in refused.stderr and not into.exists()
    dry = runner.invoke(import_sites, [str(src), "--into", str(into), "--create", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "+ tj-test-area  added" in dry.stdout and not into.exists()
    done = runner.invoke(import_sites, [str(src), "--into", str(into), "--create"])
    assert done.exit_code == 0, done.output
    assert features(load_layer(into).sites) == features(awkward.sites)
    again = runner.invoke(import_sites, [str(src), "--into", str(into)])
    assert again.exit_code == 0 and again.stdout.count("unchanged") == 4


def test_import_reports_conflicts_and_replaces_on_request(runner, tmp_path, two_sites):
    layer = load_layer(two_sites)
    edited = [layer.sites[0].replace(name="Renamed")]
    src = tmp_path / "edit.csv"
    export_layer(edited, src, "csv")
    result = runner.invoke(import_sites, [str(src), "--into", str(two_sites)])
    assert result.exit_code == 0 and "! tj-test-denied  conflict" in result.stdout
    assert load_layer(two_sites).sites[0].name == "Test post (denied)"
    result = runner.invoke(import_sites, [str(src), "--into", str(two_sites), "--replace"])
    assert result.exit_code == 0 and "~ tj-test-denied  replaced (name)" in result.stdout
    assert load_layer(two_sites).sites[0].name == "Renamed"


def test_import_refuses_invalid_data_and_writes_nothing(runner, tmp_path, two_sites):
    before = two_sites.read_bytes()
    src = tmp_path / "bad.csv"
    src.write_text("id,name,kind\ntj-x,X,castle\n", encoding="utf-8")
    result = runner.invoke(import_sites, [str(src), "--into", str(two_sites)])
    assert result.exit_code == 1 and "kind" in result.stderr
    assert two_sites.read_bytes() == before
    usage = runner.invoke(import_sites, [str(src), "--into", str(two_sites), "--map", "bogus"])
    assert usage.exit_code == 2


def test_import_refuses_a_layer_changed_meanwhile(runner, tmp_path, two_sites, monkeypatch):
    import facilitymap.edit as edit

    src = tmp_path / "new.geojson"
    site = load_layer(AWKWARD).sites[2]
    export_layer([site], src, "geojson")
    real_validate = edit.layer_diff

    def meanwhile(before, after, name="layer"):
        two_sites.write_bytes(two_sites.read_bytes() + b"\n")  # another editor saved
        return real_validate(before, after, name)

    monkeypatch.setattr(edit, "layer_diff", meanwhile)
    result = runner.invoke(import_sites, [str(src), "--into", str(two_sites)])
    assert result.exit_code == 1 and "changed on disk" in result.output
    assert len(load_layer(two_sites).sites) == 2


def test_import_of_our_geojson_recomputes_status(tmp_path):
    doc = orjson.loads(FIXTURE.read_bytes())
    doc["features"][0]["properties"]["status"] = "unverified"
    src = tmp_path / "stale.geojson"
    src.write_bytes(orjson.dumps(doc))
    result = read_sites(src)
    assert (
        result.sites[0].status is None and derive_site(result.sites[0]).status == "attested-denied"
    )
    assert any("recomputed" in p.message for p in result.problems)
    assert isinstance(result.sites[0], Site) and isinstance(Layer(result.sites), Layer)


# ---- what GDAL writes comes back (real ogr2ogr) ----------------------------------------

gdal = pytest.mark.gdal
needs_ogr2ogr = pytest.mark.skipif(
    shutil.which("ogr2ogr") is None and not os.environ.get("CI"),
    reason="ogr2ogr (Debian gdal-bin) is not installed; CI installs it and fails without it",
)
REAL = Path(__file__).resolve().parents[1] / "geodata" / "sites.geojson"
# Where GDAL (and QGIS's "Save as", which is GDAL) can write a layer: (id, driver, suffix,
# ogr2ogr options). Shapefiles in UTF-8, as QGIS writes them (GDAL's own default is Latin-1).
GDAL_TARGETS = [
    ("geojson", "GeoJSON", ".geojson", []),
    ("geojson-rfc7946", "GeoJSON", ".geojson", ["-lco", "RFC7946=YES"]),
    ("geojson-id-field", "GeoJSON", ".geojson", ["-lco", "ID_FIELD=id"]),
    ("gpkg", "GPKG", ".gpkg", []),
    ("gpkg-nln", "GPKG", ".gpkg", ["-nln", "edited"]),
    ("fgb", "FlatGeobuf", ".fgb", ["-lco", "SPATIAL_INDEX=NO"]),
    ("fgb-indexed", "FlatGeobuf", ".fgb", []),
    ("csv-xy", "CSV", ".csv", ["-lco", "GEOMETRY=AS_XY"]),
    ("csv-wkt", "CSV", ".csv", ["-lco", "GEOMETRY=AS_WKT"]),
    ("kml", "KML", ".kml", []),
    ("libkml", "LIBKML", ".kml", []),
    ("kmz", "LIBKML", ".kmz", []),
    ("shp", "ESRI Shapefile", ".shp", ["-lco", "ENCODING=UTF-8"]),
]
# What GDAL copies: the layer itself and each of our exports.
GDAL_SOURCES = ["layer", "gpkg", "fgb", "csv", "kml", "geojson-flat"]


def ogr2ogr(source: Path, target: Path, driver: str, *options: str, layers=()) -> None:
    if driver in ("FlatGeobuf", "ESRI Shapefile"):
        # GDAL 3.6 cannot write a list field (`governments`) to these: it says so and asks
        # for a conversion (QGIS converts lists to text too).
        options = (*options, "-mapFieldType", "StringList=String")
    done = subprocess.run(
        ["ogr2ogr", "-f", driver, *options, str(target), str(source), *layers],
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C.UTF-8"},
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def gdal_layer(tmp_path_factory):
    """The real layer plus a site made by `add site` (no `updated`: the NaT crash), and our
    exports of it."""
    folder = tmp_path_factory.mktemp("gdal")
    layer_path = folder / "layer.geojson"
    shutil.copy(REAL, layer_path)
    result = CliRunner().invoke(
        cli,
        ["add", "site", "--id", "tj-new-post", "--name", "New post", "--kind", "border-post",
         "--country", "TJ", "--lon", "71.5", "--lat", "38.5", "--precision-m", "5000",
         "--location-basis", "analyst-estimate", "--location-note", "Test point.",
         "--confidence", "low", "--confidence-note", "Test.", "--layer", str(layer_path)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    # A site without `updated` (as `add site` made them, and the format allows): GDAL reads
    # the column as a Date with NaT for it, which crashed the import.
    doc = orjson.loads(layer_path.read_bytes())
    for feature in doc["features"]:
        if feature["id"] == "tj-new-post":
            del feature["properties"]["updated"]
    layer_path.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
    layer = load_layer(layer_path)
    assert any(s.updated is None and s.geometry for s in layer.sites)
    sources = {"layer": layer_path}
    for name, fmt, suffix, flat in [("gpkg", "gpkg", ".gpkg", False), ("fgb", "fgb", ".fgb", False),
                                    ("csv", "csv", ".csv", False), ("kml", "kml", ".kml", False),
                                    ("geojson-flat", "geojson", ".geojson", True)]:  # fmt: skip
        sources[name] = folder / f"ours-{name}{suffix}"
        export_layer(layer, sources[name], fmt, flat=flat)
    return layer, sources


def sorted_by_id(found: list[dict]) -> list[dict]:
    return sorted(found, key=lambda f: f["id"])


def _copy_is_possible(source: str, target: str) -> bool:
    # Our KML has a Folder per status, which GDAL reads as one layer each: only a format
    # with several layers (GeoPackage, KMZ) can take it in one copy.
    return source != "kml" or target in ("gpkg", "kmz")


@gdal
@needs_ogr2ogr
@pytest.mark.parametrize("source", GDAL_SOURCES)
@pytest.mark.parametrize(
    "target,driver,suffix,options", GDAL_TARGETS, ids=[t[0] for t in GDAL_TARGETS]
)
def test_what_gdal_writes_imports_back_as_the_same_layer(
    tmp_path, gdal_layer, source, target, driver, suffix, options
):  # fmt: skip
    if not _copy_is_possible(source, target):
        pytest.skip("GDAL reads our KML as one layer per status folder")
    layer, sources = gdal_layer
    if target == "csv-xy" and any(
        s.geometry and s.geometry["type"] != "Point" for s in layer.sites
    ):
        pytest.skip("GEOMETRY=AS_XY writes points only; areas need AS_WKT (tested with points)")
    if target == "shp":
        # One Shapefile holds one geometry type: GDAL skips the others on request.
        options = [*options, "-skipfailures"]
    src = sources[source]
    # Of our GeoPackage, the sites layer (QGIS saves one layer at a time).
    layers = ["sites"] if source == "gpkg" else []
    out = tmp_path / f"copy{suffix}"
    ogr2ogr(src, out, driver, *options, layers=layers)
    expected = features(layer.sites)
    if target == "shp":
        # The documented truncation: our JSON columns do not fit in 254 bytes, and the
        # import says so in one line (not one error per site and field).
        with pytest.raises(FacilitymapError) as caught:
            import_file(out)
        assert not isinstance(caught.value, LayerError)
        assert "254 bytes" in str(caught.value) and "GeoPackage" in str(caught.value)
        return
    back = import_file(out)
    if driver == "FlatGeobuf":
        # GDAL's FlatGeobuf writer leaves out features without geometry (GDAL 3.6 even
        # with SPATIAL_INDEX=NO; ours keeps them), and its spatial index reorders them:
        # what is left comes back exactly (a merge goes by id, not order).
        kept = {s.id for s in back}
        expected = [f for f in expected if f["geometry"] is not None or f["id"] in kept]
        assert sorted_by_id(features(back)) == sorted_by_id(expected)
        return
    assert features(back) == expected


@gdal
@needs_ogr2ogr
@pytest.mark.parametrize("target,driver,suffix,options",
                         [t for t in GDAL_TARGETS if t[0] != "fgb-indexed"],
                         ids=[t[0] for t in GDAL_TARGETS if t[0] != "fgb-indexed"])  # fmt: skip
def test_a_short_layer_survives_every_gdal_format_even_shapefile(
    tmp_path, target, driver, suffix, options
):
    """Sites whose text fits in a Shapefile's 254 bytes come back from every format."""
    layer_path = tmp_path / "short.geojson"
    layer_path.write_bytes(orjson.dumps(SHORT_LAYER))
    layer = load_layer(layer_path)
    out = tmp_path / f"copy{suffix}"
    ogr2ogr(layer_path, out, driver, *options)
    back = import_file(out)
    expected = features(layer.sites)
    if driver == "FlatGeobuf":  # see above: GDAL may leave out the site without geometry
        expected = [
            f for f in expected if f["geometry"] is not None or f["id"] in {s.id for s in back}
        ]
    assert features(back) == expected


SHORT_LAYER = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "id": "tj-short-post",
            "geometry": {"type": "Point", "coordinates": [71.5, 38.5]},
            "properties": {
                "name": "Short post Ёлка",
                "local_names": [{"name": "Ёлка", "lang": "ru"}],
                "kind": "border-post",
                "country": "TJ",
                "governments": ["CN"],
                "admin1": "Gorno-Badakhshan",
                "description": "A post; its name is cut to 10 letters in a Shapefile.",
                "location": {"precision_m": 5000, "basis": "analyst-estimate", "note": "Test."},
                "confidence": "low",
                "confidence_note": "Test.",
                "first_reported": "2021-10",
                "updated": "2026-11-29",
                "claims": [
                    {
                        "id": "c1",
                        "date": "2021-10-02",
                        "actor": "RFE/RL",
                        "actor_type": "journalist",
                        "stance": "affirms",
                        "basis": "relay",
                        "summary": "Reported.",
                        "sources": ["s1"],
                    }
                ],
                "sources": [
                    {
                        "id": "s1",
                        "title": "T",
                        "publisher": "RFE/RL",
                        "url": "https://example.org/a",
                    }
                ],
            },
        },
        {
            "type": "Feature",
            "id": "tj-short-unlocated",
            "geometry": None,
            "properties": {
                "name": "Somewhere",
                "kind": "programme",
                "country": "TJ",
                "location": {"basis": "unlocated", "note": "No place given."},
                "confidence": "low",
                "confidence_note": "Test.",
                "claims": [],
                "sources": [],
            },
        },
    ],
}


def ogr_sql(path: Path, sql: str) -> None:
    """Edit a GeoPackage with GDAL's own SQL (SpatiaLite functions), as a GIS tool does."""
    done = subprocess.run(["ogrinfo", "-q", str(path), "-sql", sql], capture_output=True, text=True)
    assert done.returncode == 0 and "ERROR" not in done.stderr, done.stderr


@gdal
@needs_ogr2ogr
@pytest.mark.parametrize("copy", ["our-export", "gdal-copy"])
def test_edits_in_a_gis_tool_merge_back_as_exactly_those_changes(runner, tmp_path, copy):
    """A point moved, a name changed and a row added with only a name and a point: the
    dry run lists exactly those, and the import makes exactly those changes."""
    into = tmp_path / "layer.geojson"
    shutil.copy(REAL, into)
    layer = load_layer(into)
    points = [s.id for s in layer.sites if s.geometry and s.geometry["type"] == "Point"]
    moved, renamed = points[0], points[1]
    edited = tmp_path / "edited.gpkg"
    if copy == "our-export":
        export_layer(layer, edited, "gpkg")
    else:
        ogr2ogr(into, edited, "GPKG", "-nln", "sites")
    ogr_sql(edited, f"UPDATE sites SET geom = AsGPB(SetSRID(MakePoint(71.25, 38.5), 4326)) "
                    f"WHERE id = '{moved}'")  # fmt: skip
    ogr_sql(edited, f"UPDATE sites SET name = 'Renamed in QGIS' WHERE id = '{renamed}'")
    added = tmp_path / "added.geojson"
    added.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
        '{"name": "Post drawn by hand"}, "geometry": {"type": "Point", "coordinates": '
        "[71.75, 38.25]}}]}"
    )
    ogr2ogr(added, edited, "GPKG", "-append", "-update", "-nln", "sites")
    before = into.read_bytes()

    dry = runner.invoke(import_sites, [str(edited), "--into", str(into), "--replace", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    changed = sorted(line for line in dry.stdout.splitlines() if not line.startswith("="))
    assert changed == sorted(
        [
            "+ tj-post-drawn-by-hand  added",
            f"~ {renamed}  replaced (name)",
            f"~ {moved}  replaced (geometry)",
        ]
    )
    assert "placeholders to review" in dry.stderr and into.read_bytes() == before

    done = runner.invoke(import_sites, [str(edited), "--into", str(into), "--replace"])
    assert done.exit_code == 0, done.output
    after = {s.id: s for s in load_layer(into).sites}
    for site in layer.sites:
        if site.id == moved:
            assert after[site.id].geometry["coordinates"] != site.geometry["coordinates"]
            assert (
                site_to_feature(after[site.id])["properties"] == site_to_feature(site)["properties"]
            )
        elif site.id == renamed:
            assert after[site.id].name == "Renamed in QGIS"
            assert after[site.id].replace(name=site.name) == site
        else:
            assert site_to_feature(after[site.id]) == site_to_feature(site)
    new = after["tj-post-drawn-by-hand"]
    assert new.geometry == {"type": "Point", "coordinates": [71.75, 38.25]}
    assert (new.country, new.kind, new.confidence, new.claims) == ("TJ", "other", "low", [])
    assert new.location.basis == "analyst-estimate" and "placeholder" in new.location.note


@gdal
@needs_ogr2ogr
@pytest.mark.parametrize("driver,suffix", [("GeoJSON", ".geojson"), ("GPKG", ".gpkg")])
def test_another_crs_is_reprojected_with_a_notice(tmp_path, driver, suffix):
    layer = load_layer(REAL)
    out = tmp_path / f"mercator{suffix}"
    ogr2ogr(REAL, out, driver, "-t_srs", "EPSG:3857")
    result = read_sites(out)
    # Back in lon/lat: equal once rounded to what each site's precision justifies.
    assert features(result.sites) == features(layer.sites)
    notices = [str(p) for p in result.problems if p.severity == "notice"]
    assert any("reprojected from" in n and "3857" in n for n in notices)


def test_an_unknown_crs_is_refused_naming_it(tmp_path):
    out = tmp_path / "odd.geojson"
    doc = orjson.loads(REAL.read_bytes())
    doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::99999"}}
    out.write_bytes(orjson.dumps(doc))
    with pytest.raises(FacilitymapError, match=r"EPSG::99999.*WGS 84"):
        import_file(out)


@gdal
@needs_ogr2ogr
def test_z_values_are_dropped_with_a_notice(tmp_path):
    out = tmp_path / "with-z.geojson"
    ogr2ogr(REAL, out, "GeoJSON", "-dim", "XYZ")
    assert b"0.0 ]" in out.read_bytes() or b", 0.0]" in out.read_bytes()
    result = read_sites(out)
    assert features(result.sites) == features(load_layer(REAL).sites)
    assert any("z values" in p.message and p.severity == "notice" for p in result.problems)


def test_a_bare_array_of_features_is_read_with_a_notice(tmp_path):
    out = tmp_path / "array.json"
    out.write_bytes(orjson.dumps(orjson.loads(REAL.read_bytes())["features"]))
    result = read_sites(out)
    assert features(result.sites) == features(load_layer(REAL).sites)
    assert any("bare JSON array" in p.message for p in result.problems)


@pytest.mark.parametrize(
    "written,read",
    [("2026/11/29", "2026-11-29"), ("2026/11/29 00:00:00", "2026-11-29"),
     ("2026-11-29T00:00:00Z", "2026-11-29"), ("2026/11/29 00:00:00+00", "2026-11-29"),
     ("2021-10", "2021-10"), ("2026/11/29 13:45:00", "2026/11/29 13:45:00")],
)  # fmt: skip
def test_gdal_date_forms_are_read_as_iso_dates(written, read):
    # A time other than midnight is not a date: it is left for the model to refuse.
    assert iso_date(written) == read


@gdal
@needs_ogr2ogr
def test_dates_gdal_wrote_as_datetimes_come_back(tmp_path):
    out = tmp_path / "datetimes.csv"
    ogr2ogr(REAL, out, "CSV", "-lco", "GEOMETRY=AS_WKT", "-mapFieldType", "Date=DateTime")
    assert re.search(r",\d{4}/\d{2}/\d{2} 00:00:00,", out.read_text(encoding="utf-8"))
    assert features(import_file(out)) == features(load_layer(REAL).sites)


@gdal
def test_our_own_shapefile_gets_one_line_of_advice(runner, tmp_path):
    out = tmp_path / "sites.shp"
    export_layer(load_layer(REAL), out, "shp")
    into = tmp_path / "layer.geojson"
    result = runner.invoke(import_sites, [str(out), "--into", str(into)])
    assert result.exit_code == 1 and not into.exists()
    (line,) = result.stderr.strip().splitlines()
    assert "254 bytes" in line and "--to gpkg" in line and "Traceback" not in result.output


@gdal
@needs_ogr2ogr
def test_a_gdal_csv_without_geometry_says_how_to_keep_it(tmp_path):
    out = tmp_path / "no-geometry.csv"
    ogr2ogr(REAL, out, "CSV")  # GDAL's default: no geometry column at all
    with pytest.raises(LayerError) as caught:
        import_file(out)
    hints = [p for p in caught.value.problems if p.field == "geometry" and p.severity == "warning"]
    assert len(hints) == 1 and "GEOMETRY=AS_WKT" in hints[0].message


@gdal
@needs_ogr2ogr
def test_a_feature_appended_to_a_gdal_geojson_is_added(runner, tmp_path):
    """GDAL (and QGIS editing a GeoJSON) appends a feature with only what was typed."""
    into = tmp_path / "layer.geojson"
    shutil.copy(REAL, into)
    edited = tmp_path / "edited.geojson"
    ogr2ogr(into, edited, "GeoJSON", "-nln", "sites")
    added = tmp_path / "added.geojson"
    added.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
        '{"name": "Post drawn by hand"}, "geometry": {"type": "Point", "coordinates": '
        "[71.75, 38.25]}}]}"
    )
    ogr2ogr(added, edited, "GeoJSON", "-append", "-nln", "sites")
    dry = runner.invoke(import_sites, [str(edited), "--into", str(into), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    changed = [line for line in dry.stdout.splitlines() if not line.startswith("=")]
    assert changed == ["+ tj-post-drawn-by-hand  added"]
