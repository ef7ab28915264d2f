"""The library in one call per task (facilitymap.render, export, import_file) and in a
notebook (MapHTML, to_geodataframe / from_geodataframe, folium_layer)."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest

import facilitymap
from facilitymap.cli import cli
from facilitymap.errors import LayerError, OutputExistsError
from facilitymap.io import Layer, dump_layer, load_layer

REAL = Path(__file__).resolve().parents[1] / "geodata" / "sites.geojson"


def test_render_is_one_call_and_gives_the_cli_page(runner, two_sites, tmp_path):
    page = facilitymap.render(two_sites, statuses=["attested-denied"], title="Denied")
    out = tmp_path / "cli.html"
    done = runner.invoke(cli, ["render", str(two_sites), "-o", str(out), "--status",
                               "attested-denied", "--title", "Denied"])  # fmt: skip
    assert done.exit_code == 0
    assert isinstance(page, str) and page.encode("utf-8") == out.read_bytes()
    assert facilitymap.render(load_layer(two_sites)) == facilitymap.render(str(two_sites))
    saved = page.save(tmp_path / "lib.html")
    assert saved.read_bytes() == out.read_bytes()
    with pytest.raises(OutputExistsError):
        page.save(saved)
    # the page builder is still where it was
    assert facilitymap.render.build_html is not None


def test_a_map_displays_in_a_notebook_as_an_iframe_of_the_page(two_sites):
    page = facilitymap.render(two_sites)
    shown = page._repr_html_()
    assert shown.count("<iframe") == 1 and 'srcdoc="' in shown
    srcdoc = shown.split('srcdoc="', 1)[1].rsplit('"></iframe>', 1)[0]
    assert '"' not in srcdoc and "<" not in srcdoc  # all of the page is inside the attribute
    assert html.unescape(srcdoc) == page
    # ASCII: the notebook's page may be read in any encoding (the page's script holds "…").
    assert shown.isascii() and not str(page).isascii()


def test_export_and_import_file_are_one_call_each(two_sites, tmp_path):
    report = facilitymap.export(two_sites, tmp_path / "sites.gpkg")  # format from the suffix
    assert report.fmt == "gpkg" and report.sites == 2
    denied = facilitymap.export(two_sites, tmp_path / "d.csv", statuses=["attested-denied"])
    assert denied.sites == 1
    into = tmp_path / "new.geojson"
    with pytest.raises(facilitymap.FacilitymapError, match="pass --create"):
        facilitymap.import_file(tmp_path / "sites.gpkg", into)
    done = facilitymap.import_file(tmp_path / "sites.gpkg", into, create=True)
    assert done.merge.added == ["tj-test-denied", "tj-test-programme"] and done.edit.written
    assert [s.id for s in load_layer(into).sites] == ["tj-test-denied", "tj-test-programme"]
    again = facilitymap.import_file(tmp_path / "sites.gpkg", into, dry_run=True)
    assert again.merge.unchanged == ["tj-test-denied", "tj-test-programme"]


@pytest.mark.parametrize("source", ["real", "two_sites"])
def test_a_layer_round_trips_through_a_geodataframe(source, two_sites):
    layer = load_layer(REAL if source == "real" else two_sites)
    frame = facilitymap.to_geodataframe(layer)
    assert list(frame.index) == [s.id for s in layer.sites]
    assert frame.crs.to_epsg() == 4326
    first = frame.iloc[0]
    assert first["claims"][0]["sources"] and first["sources"][0]["url"].startswith("http")
    back = facilitymap.from_geodataframe(frame)
    assert dump_layer(back) == dump_layer(layer)  # claims, sources, extras: nothing lost


def test_a_geodataframe_saved_by_gdal_comes_back_whole(two_sites, tmp_path):
    import geopandas

    frame = facilitymap.to_geodataframe(two_sites)
    flat = frame.reset_index()
    for column in ("local_names", "location", "claims", "sources", "analyst_tag"):
        flat[column] = [json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else None
                        for v in flat[column]]  # fmt: skip
    path = tmp_path / "frame.gpkg"
    flat.to_file(path)  # GDAL writes it; nested records as JSON text
    read = geopandas.read_file(path)
    read["analyst_tag"] = [json.loads(v) if isinstance(v, str) else None for v in read["analyst_tag"]]  # fmt: skip
    back = facilitymap.from_geodataframe(read)
    assert dump_layer(Layer(back.sites)) == dump_layer(Layer(load_layer(two_sites).sites))


def test_from_geodataframe_reports_every_bad_row(two_sites):
    frame = facilitymap.to_geodataframe(two_sites)
    frame.loc["tj-test-denied", "kind"] = "fortress"
    frame.loc["tj-test-programme", "country"] = "tj"
    with pytest.raises(LayerError) as raised:
        facilitymap.from_geodataframe(frame)
    assert [(p.site, p.field) for p in raised.value.problems] == [
        ("tj-test-denied", "kind"),
        ("tj-test-programme", "country"),
    ]


def test_folium_layer_carries_the_data_as_base64_json_only(two_sites, monkeypatch):
    folium = pytest.importorskip("folium")
    import os

    layer = load_layer(two_sites)
    doc = json.loads(two_sites.read_text(encoding="utf-8"))
    doc["features"][0]["properties"]["name"] = "{{ 7*7 }} <script>x</script>"
    two_sites.write_text(json.dumps(doc), encoding="utf-8")
    fmap = folium.Map()
    sites = facilitymap.folium_layer(two_sites, name="Reported sites", kinds=["border-post"])
    sites.add_to(fmap)
    folium.LayerControl().add_to(fmap)
    monkeypatch.setattr(os, "getpid", lambda: pytest.fail("a template evaluated data"))
    page = fmap.get_root().render()
    monkeypatch.undo()
    assert "{{ 7*7 }}" not in page and "49" not in page.split(sites.get_name())[1][:200]
    assert "Reported sites" in page
    payload = facilitymap.notebook.folium_payload(two_sites, kinds=["border-post"])
    assert [s["id"] for s in payload["sites"]] == ["tj-test-denied"]
    assert payload["sites"][0]["name"] == "{{ 7*7 }} <script>x</script>"
    assert len(layer.sites) == 2


def test_a_page_of_packed_data_saved_from_its_text_is_the_file_save_map_writes(
    tmp_path, monkeypatch
):
    """render gives a page's text; a page that holds packed data (windows-1252, a byte a
    character) is saved from it as save_map writes it, not in UTF-8, where each packed byte
    over 0x7F would take two."""
    from facilitymap import maps
    from facilitymap.render import page as page_module

    monkeypatch.setattr(page_module, "COMPRESS_OVER", 1)  # the curated layer's data packed
    monkeypatch.setattr(maps, "COMPRESS_OVER", 1)
    page = facilitymap.render(REAL)
    assert 'data-encoding="deflate-cp1252"' in page and '<meta charset="utf-8">' in page
    saved = page.save(tmp_path / "from-text.html")
    written = facilitymap.save_map(REAL, tmp_path / "saved.html")
    assert saved.read_bytes() == written.path.read_bytes()
    assert b'<meta charset="windows-1252">' in saved.read_bytes()[:200]
    assert len(saved.read_bytes()) < len(page.encode("utf-8"))


def test_save_map_writes_the_page_render_gives_without_making_it_text(tmp_path, monkeypatch):
    """A large file's page goes to the file as the workers made it (bytes); it is the page
    render gives, byte for byte, and an existing file is kept unless overwrite."""
    from facilitymap import maps

    monkeypatch.setattr(maps, "MAP_IN_RUNS_OVER", 1)  # the curated layer mapped in runs
    saved = facilitymap.save_map(REAL, tmp_path / "map.html", statuses=["attested-denied"])
    page = facilitymap.render(REAL, statuses=["attested-denied"])
    assert saved.path.read_bytes() == page.encode("utf-8")
    assert (saved.sites, saved.shows) == (page.sites, page.shows)
    with pytest.raises(OutputExistsError):
        facilitymap.save_map(REAL, saved.path)
    facilitymap.save_map(REAL, saved.path, overwrite=True)
    assert saved.path.read_bytes() == facilitymap.render(REAL).encode("utf-8")
