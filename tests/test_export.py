"""Exports: what GDAL (ogrinfo, pyogrio) reads from each file, escaping, safety, determinism."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path
from xml.etree import ElementTree as ET

import pyogrio
import pytest

from facilitymap.cli.exchange import export
from facilitymap.errors import FacilitymapError, OutputExistsError
from facilitymap.exchange import FLAT_COLUMNS, export_layer
from facilitymap.exchange.flat import JSON_COLUMNS
from facilitymap.exchange.kml import STATUS_COLORS, kml_color
from facilitymap.exchange.shp import SHP_FIELDS
from facilitymap.exchange.tabular import CSV_COLUMNS, excel_escape, excel_unescape
from facilitymap.io import load_layer
from facilitymap.render.style import STATUS_STYLE

DATA = Path(__file__).parent / "data"
FIXTURE = DATA / "valid" / "two-sites.geojson"
AWKWARD = DATA / "exchange" / "awkward.geojson"
REAL = Path(__file__).resolve().parents[1] / "geodata" / "sites.geojson"
FORMATS = [("gpkg", ".gpkg"), ("fgb", ".fgb"), ("shp", ".shp"), ("csv", ".csv"),
           ("kml", ".kml"), ("geojson", ".geojson")]  # fmt: skip
STRING, INT, REAL_T = "String", "Integer", "Real"
EXPECTED_TYPES = dict.fromkeys(FLAT_COLUMNS, STRING) | {
    "n_claims": INT,
    "n_sources": INT,
    "precision_m": REAL_T,
}


def have_ogrinfo() -> bool:
    return shutil.which("ogrinfo") is not None


gdal = pytest.mark.gdal
needs_ogrinfo = pytest.mark.skipif(
    not have_ogrinfo() and not os.environ.get("CI"),
    reason="ogrinfo (Debian gdal-bin) is not installed; CI installs it and fails without it",
)


def ogrinfo(path: Path, *args: str) -> str:
    """``ogrinfo -so -al`` output (summary of every layer); fails when ogrinfo fails."""
    done = subprocess.run(
        ["ogrinfo", "-ro", "-so", "-al", *args, str(path)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "LC_ALL": "C.UTF-8"},
    )
    assert "ERROR" not in done.stderr, done.stderr
    return done.stdout


def ogr_layers(text: str) -> dict[str, dict]:
    """Parse ``ogrinfo -so -al``: per layer, feature count, geometry and ``{field: type}``."""
    layers = {}
    for block in re.split(r"\n(?=Layer name: )", text)[1:]:
        name = re.search(r"Layer name: (.+)", block).group(1).strip()
        fields = dict(re.findall(r"^(\w+): (\w+(?:\(\w+\))?) \(", block, flags=re.M))
        for meta in ("Geometry", "Layer", "Extent", "Data", "FID", "Feature"):
            fields.pop(meta, None)
        layers[name] = {
            "count": int(re.search(r"Feature Count: (\d+)", block).group(1)),
            "geometry": re.search(r"Geometry: (.+)", block).group(1).strip(),
            "fields": fields,
        }
    return layers


@pytest.fixture(scope="module")
def fixture_layer():
    return load_layer(FIXTURE)


@pytest.fixture(scope="module")
def awkward_layer():
    return load_layer(AWKWARD)


# ---- ogrinfo opens every export -------------------------------------------------------


@gdal
@needs_ogrinfo
@pytest.mark.parametrize("fmt,suffix", FORMATS)
def test_ogrinfo_opens_every_export(tmp_path, fixture_layer, fmt, suffix):
    out = tmp_path / f"sites{suffix}"
    export_layer(fixture_layer, out, fmt)
    layers = ogr_layers(ogrinfo(out))
    if fmt == "kml":
        # GDAL reads one layer per Folder (status); ExtendedData become String fields.
        assert sum(layer["count"] for layer in layers.values()) == 2
        assert set(layers) == {"Attested, officially denied", "Officially acknowledged"}
        for layer in layers.values():
            assert {"id", "status", "claims", "sources"} <= set(layer["fields"])
        return
    if fmt == "shp":
        (layer,) = layers.values()
        assert layer["count"] == 2 and layer["geometry"] == "Point"
        assert layer["fields"] == {SHP_FIELDS[c]: EXPECTED_TYPES[c] for c in FLAT_COLUMNS}
        return
    # GDAL names the layer after the file, or after the collection's "name" (GeoJSON).
    main = layers["sites"] if fmt == "gpkg" else next(iter(layers.values()))
    assert main["count"] == 2
    if fmt == "csv":
        # The .csvt beside the CSV gives GDAL the numbers' types; the rest is String.
        numbers = {"precision_m": "Real", "lon": "Real", "lat": "Real"}
        numbers |= {"n_claims": "Integer", "n_sources": "Integer"}
        assert main["fields"] == dict.fromkeys(CSV_COLUMNS, STRING) | numbers
    elif fmt == "geojson":
        # Nested members (claims, sources, location) are JSON-subtype strings to GDAL.
        assert main["fields"]["claims"] == main["fields"]["location"] == "String(JSON)"
        assert main["fields"]["name"] == "String"
    elif fmt == "gpkg":
        # gpkg_data_columns marks the JSON text columns application/json.
        assert main["fields"] == EXPECTED_TYPES | dict.fromkeys(JSON_COLUMNS, "String(JSON)")
    else:
        assert main["fields"] == EXPECTED_TYPES
    if fmt in ("gpkg", "fgb"):
        # Every located site is a point: GDAL (and QGIS) see a point layer, not "Unknown".
        assert main["geometry"] == "Point"
    if fmt == "gpkg":
        assert layers["claims"]["count"] == 4 and layers["sources"]["count"] == 4
        assert layers["claims"]["geometry"] == "None"
        assert "site_id" in layers["claims"]["fields"]


@gdal
@needs_ogrinfo
def test_gpkg_field_domains_are_seen_by_gdal(tmp_path, fixture_layer):
    out = tmp_path / "sites.gpkg"
    export_layer(fixture_layer, out, "gpkg")
    summary = ogrinfo(out)
    assert "status: String (0.0), domain name=sites_status" in summary
    assert "stance: String (0.0), domain name=claims_stance" in summary
    domain = subprocess.run(
        ["ogrinfo", "-ro", "-fielddomain", "sites_status", str(out)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "Type: coded" in domain and "attested-denied: Attested, officially denied" in domain


@gdal
@needs_ogrinfo
@pytest.mark.skipif(not REAL.exists(), reason="geodata/sites.geojson not curated yet")
@pytest.mark.parametrize("fmt,suffix", FORMATS)
def test_ogrinfo_opens_exports_of_the_real_layer(tmp_path, fmt, suffix):
    layer = load_layer(REAL)
    out = tmp_path / f"sites{suffix}"
    report = export_layer(layer, out, fmt)
    # A Shapefile holds one geometry family: the layer's areas are in sites_polygons.shp.
    files = sorted(tmp_path.glob("sites*.shp")) if fmt == "shp" else [out]
    counted = sum(
        v["count"]
        for path in files
        for k, v in ogr_layers(ogrinfo(path)).items()
        if k not in ("claims", "sources")
    )
    assert counted == len(layer.sites)
    assert report.sites == len(layer.sites)


# ---- pyogrio reads them back ----------------------------------------------------------


@pytest.mark.parametrize("fmt,suffix", [f for f in FORMATS if f[0] != "kml"])
def test_pyogrio_reads_back_rows_columns_and_non_ascii(tmp_path, fixture_layer, fmt, suffix):
    out = tmp_path / f"sites{suffix}"
    report = export_layer(fixture_layer, out, fmt)
    frame = pyogrio.read_dataframe(out, layer="sites" if fmt == "gpkg" else None)
    assert len(frame) == 2
    assert report.unlocated == ["tj-test-programme"]
    assert frame.geometry.isna().sum() == 1  # the unlocated site is a row without geometry
    names = {"shp": "local_nms"}.get(fmt, "local_names")
    cell = str(frame[names].iloc[0]) if names in frame else str(frame["properties"].iloc[0])
    assert "Тестовый пост" in cell and "测试哨所" in cell
    if fmt not in ("geojson", "shp"):
        assert [c for c in frame.columns if c != "geometry"][: len(FLAT_COLUMNS)] == list(
            FLAT_COLUMNS
        )
    if fmt == "shp":
        assert set(frame.columns) - {"geometry"} == set(SHP_FIELDS.values())
        fieldmap = (tmp_path / "sites.fieldmap.csv").read_text(encoding="utf-8").splitlines()
        assert fieldmap[0] == "column,shapefile_field"
        assert "official_status,off_status" in fieldmap
        assert (tmp_path / "sites.cpg").read_text().strip().upper() in ("UTF-8", "UTF8")


def test_gpkg_links_claims_and_sources_by_related_tables(tmp_path, fixture_layer):
    out = tmp_path / "sites.gpkg"
    export_layer(fixture_layer, out, "gpkg")
    con = sqlite3.connect(out)
    try:
        relations = con.execute(
            "SELECT base_table_name, related_table_name, relation_name, mapping_table_name "
            "FROM gpkgext_relations ORDER BY id"
        ).fetchall()
        assert relations == [
            ("sites", "claims", "attributes", "sites_claims"),
            ("sites", "sources", "attributes", "sites_sources"),
        ]
        pairs = con.execute(
            "SELECT s.id, c.id FROM sites_claims m JOIN sites s ON s.fid = m.base_id "
            "JOIN claims c ON c.fid = m.related_id ORDER BY s.fid, c.claim_index"
        ).fetchall()
        assert pairs == [("tj-test-denied", "c1"), ("tj-test-denied", "c2"),
                         ("tj-test-denied", "c3"), ("tj-test-programme", "c1")]  # fmt: skip
        mime = dict(
            con.execute(
                "SELECT column_name, mime_type FROM gpkg_data_columns "
                "WHERE table_name = 'sites' AND mime_type IS NOT NULL"
            ).fetchall()
        )
        assert mime["claims"] == "application/json"
        version = con.execute("PRAGMA user_version").fetchone()[0]
        assert version == 10300  # GPKG 1.3: what Debian's GDAL 3.6 reads without a warning
    finally:
        con.close()
    assert "sites_claims" in [str(n) for n, _ in pyogrio.list_layers(out)]


# ---- safety: no overwrite, no half files, determinism --------------------------------


@pytest.mark.parametrize("fmt,suffix", FORMATS)
def test_refuses_to_overwrite_and_writes_nothing(tmp_path, fixture_layer, fmt, suffix):
    out = tmp_path / f"sites{suffix}"
    export_layer(fixture_layer, out, fmt)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(OutputExistsError):
        export_layer(fixture_layer, out, fmt)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    export_layer(fixture_layer, out, fmt, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(before)  # no temp leftovers


def test_shp_refuses_when_any_file_of_the_set_exists(tmp_path, fixture_layer):
    (tmp_path / "sites.dbf").write_bytes(b"not ours")
    with pytest.raises(OutputExistsError, match=r"sites\.dbf"):
        export_layer(fixture_layer, tmp_path / "sites.shp", "shp")
    assert [p.name for p in tmp_path.iterdir()] == ["sites.dbf"]


def test_failed_export_leaves_nothing(tmp_path, fixture_layer, monkeypatch):
    from facilitymap.exchange import gpkg

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(gpkg, "_add_gpkg_schema", boom)
    with pytest.raises(FacilitymapError, match="disk full"):
        export_layer(fixture_layer, tmp_path / "sites.gpkg", "gpkg")
    assert list(tmp_path.iterdir()) == []


def test_missing_folder_is_an_error(tmp_path, fixture_layer):
    with pytest.raises(FacilitymapError, match="does not exist"):
        export_layer(fixture_layer, tmp_path / "nope" / "sites.csv", "csv")


@pytest.mark.parametrize("fmt,suffix", FORMATS)
def test_same_input_same_bytes(tmp_path, awkward_layer, fmt, suffix):
    outputs = []
    for run in ("a", "b"):
        (tmp_path / run).mkdir()
        report = export_layer(awkward_layer, tmp_path / run / f"sites{suffix}", fmt)
        outputs.append({p.name: p.read_bytes() for p in report.files})
    assert outputs[0] == outputs[1]


def test_geojson_export_is_the_canonical_layer(tmp_path, fixture_layer):
    from facilitymap.io import dump_layer

    out = tmp_path / "sites.geojson"
    export_layer(fixture_layer, out, "geojson")
    assert out.read_bytes() == dump_layer(fixture_layer)


def test_flat_geojson_has_only_scalar_properties(tmp_path, fixture_layer):
    import orjson

    out = tmp_path / "flat.geojson"
    export_layer(fixture_layer, out, "geojson", flat=True)
    doc = orjson.loads(out.read_bytes())
    for feature in doc["features"]:
        assert list(feature["properties"]) == list(FLAT_COLUMNS[1:])
        assert all(not isinstance(v, dict | list) for v in feature["properties"].values())
    assert "crs" not in doc


# ---- KML: folders, styles, escaping --------------------------------------------------


def test_kml_folders_styles_balloon_and_escaping(tmp_path, awkward_layer):
    out = tmp_path / "sites.kml"
    report = export_layer(awkward_layer, out, "kml")
    text = out.read_text(encoding="utf-8")
    root = ET.fromstring(text.encode("utf-8"))  # well-formed XML
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    folders = [f.findtext("k:name", namespaces=ns) for f in root.iter(f"{{{ns['k']}}}Folder")]
    assert folders == ["Attested, officially denied", "Officially acknowledged", "Reported, not attested", "Unverified"]  # fmt: skip
    for status, color in STATUS_COLORS.items():
        assert color.lower() == str(STATUS_STYLE[status]["color"]).lower()
        assert f"<color>{kml_color(color)}</color>" in text
    placemark = next(root.iter(f"{{{ns['k']}}}Placemark"))
    assert placemark.findtext("k:name", namespaces=ns).startswith(
        'Post "A" <b>&amp; ]]> =HYPERLINK'
    )
    balloon = placemark.findtext("k:description", namespaces=ns)
    assert "<script>" not in balloon and "&lt;script&gt;" in balloon
    assert 'href="https://example.org/b?x=1&amp;y=&lt;2&gt;"' in balloon
    assert 'rel="noopener noreferrer"' in balloon
    assert placemark.find("k:TimeSpan/k:begin", ns).text == "2019-02-18"
    data = {d.get("name"): d.findtext("k:value", namespaces=ns)
            for d in placemark.iter(f"{{{ns['k']}}}Data")}  # fmt: skip
    assert data["status"] == "attested-denied" and data["site_description"].startswith("-starts")
    assert report.warnings == []


def test_kml_links_only_http_and_strips_xml_invalid_characters(tmp_path, fixture_layer):
    site = fixture_layer.sites[0]
    bad_source = site.sources[0].replace(url="javascript:alert(1)")
    bad = site.replace(
        sources=[bad_source, *site.sources[1:]],
        confidence_note="bell\x07 and \x0b vertical tab",
    )
    out = tmp_path / "bad.kml"
    report = export_layer([bad], out, "kml")
    text = out.read_text(encoding="utf-8")
    ET.fromstring(text.encode("utf-8"))
    assert "javascript:" not in text.split("<ExtendedData>")[0].split("CDATA")[1]
    assert 'href="javascript' not in text
    assert "\x07" not in text and "\x0b" not in text
    assert any("XML 1.0 cannot hold" in w for w in report.warnings)


def test_cdata_cannot_be_closed_by_data():
    from facilitymap.exchange.kml import _cdata

    wrapped = _cdata("a]]>b")
    assert ET.fromstring(f"<d>{wrapped}</d>").text == "a]]>b"


# ---- CSV -----------------------------------------------------------------------------


def test_csv_columns_lon_lat_wkt_utf8(tmp_path, awkward_layer):
    import csv

    out = tmp_path / "sites.csv"
    export_layer(awkward_layer, out, "csv")
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8").splitlines(keepends=True)))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert rows[0]["wkt"] == "POINT (73.965 38.169)" and rows[0]["lon"] == "73.965"
    assert rows[1]["wkt"] == "" and rows[1]["lon"] == ""
    assert rows[2]["wkt"].startswith("POLYGON ((73.0 38.0, 73.5 38.0")
    assert rows[3]["wkt"].startswith("MULTILINESTRING ((74.0 37.0, 74.2 37.1)")
    assert "练习区" in rows[2]["name"]


def test_csv_excel_safe_escapes_formulas_reversibly(tmp_path, awkward_layer):
    out = tmp_path / "sites.csv"
    export_layer(awkward_layer, out, "csv", excel_safe=True)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "'-starts with a minus" in raw.decode("utf-8")
    for value in ("=1+1", "+x", "-y", "@z", "'quoted", "''", "plain", "\tTAB", ""):
        assert excel_unescape(excel_escape(value)) == value
    assert excel_escape("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0"


# ---- options -------------------------------------------------------------------------


def test_as_of_exports_what_was_known_then(tmp_path, fixture_layer):
    import csv

    out = tmp_path / "2020.csv"
    export_layer(fixture_layer, out, "csv", as_of="2020-12-31")
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines(keepends=True)))
    assert rows[0]["status"] == "reported" and rows[0]["n_claims"] == "1"


def test_flat_and_excel_safe_only_where_they_apply(tmp_path, fixture_layer):
    with pytest.raises(FacilitymapError):
        export_layer(fixture_layer, tmp_path / "x.gpkg", "gpkg", flat=True)
    with pytest.raises(FacilitymapError):
        export_layer(fixture_layer, tmp_path / "x.kml", "kml", excel_safe=True)


# ---- CLI -----------------------------------------------------------------------------


def test_cli_export_filters_and_reports(runner, two_sites, tmp_path):
    out = tmp_path / "denied.gpkg"
    result = runner.invoke(
        export, [str(two_sites), "--to", "gpkg", "-o", str(out), "--status", "attested-denied"]
    )
    assert result.exit_code == 0, result.output
    assert len(pyogrio.read_dataframe(out, layer="sites")) == 1
    again = runner.invoke(export, [str(two_sites), "--to", "gpkg", "-o", str(out)])
    assert again.exit_code == 2 and "--overwrite" in again.output


def test_cli_export_reports_unlocated_sites_and_usage_errors(runner, two_sites, tmp_path):
    result = runner.invoke(export, [str(two_sites), "--to", "csv", "-o", str(tmp_path / "a.csv")])
    assert result.exit_code == 0
    assert "without geometry" in result.stderr and "tj-test-programme" in result.stderr
    usage = runner.invoke(export, [str(two_sites), "--to", "csv", "--flat", "-o", "b.csv"])
    assert usage.exit_code == 2
    usage = runner.invoke(export, [str(two_sites), "--to", "xls", "-o", "b.xls"])
    assert usage.exit_code == 2


def test_cli_export_shp_warns_about_cut_text(runner, two_sites, tmp_path):
    result = runner.invoke(export, [str(two_sites), "--to", "shp", "-o", str(tmp_path / "s.shp")])
    assert result.exit_code == 0
    assert "cut to 254 bytes" in result.stderr


def test_the_registry_is_the_one_list_of_formats(runner, two_sites, tmp_path):
    """Every registered format has a reader, a writer, its docs; the CLI offers exactly them."""
    from facilitymap.exchange import FORMATS as EXPORTED
    from facilitymap.exchange.registry import FORMATS, SUFFIXES, format_of

    docs = (Path(__file__).resolve().parents[1] / "docs" / "exchange.md").read_text("utf-8")
    assert tuple(FORMATS) == EXPORTED
    for name, fmt in FORMATS.items():
        assert fmt.name == name and callable(fmt.read) and callable(fmt.write)
        assert f"| `{name}` |" in docs, f"{name} is not described in docs/exchange.md"
        assert all(format_of(f"x{suffix}") == name for suffix in fmt.suffixes)
    assert set(SUFFIXES.values()) == set(FORMATS)
    result = runner.invoke(export, [str(two_sites), "--to", "nope", "-o", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert all(f"'{name}'" in result.output for name in FORMATS)
    # Format options come from the registry too.
    result = runner.invoke(export, [str(two_sites), "--to", "kml", "--flat", "-o", str(tmp_path / "x.kml")])  # fmt: skip
    assert result.exit_code == 2 and "--to geojson" in result.output
