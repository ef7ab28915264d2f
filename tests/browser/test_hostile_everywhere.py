"""A *valid* layer with an attack in every text and URL field, through the whole CLI.

render, build and every export run on it; Chromium opens the map and each KML balloon's HTML
and nothing runs; every export stays well-formed (XML parses, GDAL opens it).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from facilitymap.cli import cli
from facilitymap.validate import validate_path

pytestmark = pytest.mark.browser
HOSTILE_DIR = Path(__file__).parents[1] / "data" / "hostile"
_spec = importlib.util.spec_from_file_location("make_hostile", HOSTILE_DIR / "make_hostile.py")
make_hostile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_hostile)

TEXTS = [*make_hostile.STRINGS, "x" * 100_000, "\u200b\u200d\u2066zero width\u2069"]
# http(s) URLs a validator must accept, but whose characters try to leave an attribute.
URLS = [
    make_hostile.TRICKY_HTTPS.replace(" ", "/"),
    "https://example.org/a?b=`${window.__pwned=1}`&c='\"<x>",
    "http://example.org/%3Cscript%3E</script>",
]
KML_NS = "{http://www.opengis.net/kml/2.2}"


def hostile_site(i: int) -> dict:
    def t(k: int) -> str:
        return TEXTS[(i + k) % len(TEXTS)]

    sources = [
        {
            "id": f"s{k}",
            "title": t(k),
            "publisher": t(k + 1),
            "author": t(k + 2),
            "url": URLS[(i + k) % len(URLS)],
            "via": t(k + 3),
            "published": "2019-01-01",
            "accessed": "2020-01-01",
            "archive_url": URLS[(i + k + 1) % len(URLS)],
            "language": "en",
            "note": t(k + 4),
        }
        for k in range(2)
    ]
    claims = [
        {
            "id": "c1",
            "date": "2019-02-18",
            "actor": t(5),
            "actor_type": "journalist",
            "stance": "affirms",
            "basis": "on-site",
            "summary": t(6),
            "quote": t(7),
            "sources": ["s0"],
            "note": t(8),
        },
        {
            "id": "c2",
            "date": "2024-07-12",
            "actor": t(9),
            "actor_type": "host-government",
            "stance": "denies",
            "basis": "statement",
            "summary": t(10),
            "sources": ["s1"],
        },
    ]
    return {
        "type": "Feature",
        "id": f"tj-hostile-{i}",
        "geometry": {"type": "Point", "coordinates": [68.5 + 0.4 * i, 38.5]},
        "properties": {
            "name": t(0),
            "local_names": [{"name": t(1), "lang": "ru"}],
            "kind": "base",
            "country": "TJ",
            "admin1": t(2),
            "admin2": t(3),
            "admin3": t(4),
            "description": t(11),
            "location": {
                "precision_m": 20000,
                "basis": "reference-place",
                "note": t(12),
                "sources": ["s1"],
            },
            "confidence": "low",
            "confidence_note": t(13),
            "claims": claims,
            "sources": sources,
            t(0)[:40] or "k": t(14),  # an unknown property with a hostile key and value
        },
    }


@pytest.fixture(scope="module")
def hostile_layer(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "sites.geojson"
    doc = {
        "type": "FeatureCollection",
        "name": TEXTS[1],
        "features": [hostile_site(i) for i in range(len(TEXTS))],
    }
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert [p for p in validate_path(path) if p.severity == "error"] == []
    return path


def test_render_and_build_pages_run_nothing(hostile_layer, tmp_path, runner, map_page):
    from test_hostile_browser import check_nothing_ran  # tests/browser is on sys.path

    out = tmp_path / "map.html"
    result = runner.invoke(cli, ["render", str(hostile_layer), "-o", str(out), "--title", TEXTS[0]])
    assert result.exit_code == 0, result.output
    config = tmp_path / "maps.toml"
    config.write_text(
        f'layer = "{hostile_layer}"\noutput_dir = "built"\n'
        '[[map]]\nname = "all"\noutput = "all.html"\ntitle = "t"\n'
        '[[map]]\nname = "then"\noutput = "then.html"\nas_of = 2020-01-01\n',
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["build", "-c", str(config), "--no-screenshot"])
    assert result.exit_code == 0, result.output
    for page in (out, tmp_path / "built" / "all.html", tmp_path / "built" / "then.html"):
        map_page.open(page)
        for site_id in map_page.drawn_ids():
            map_page.js("(id) => window.facilitymap.openSite(id)", site_id)
            map_page.popup().wait_for()
        check_nothing_ran(map_page)


def test_every_export_is_well_formed(hostile_layer, tmp_path, runner):
    ogrinfo = shutil.which("ogrinfo")
    for fmt in ("gpkg", "fgb", "shp", "csv", "kml", "geojson"):
        out = tmp_path / f"sites.{fmt}"
        result = runner.invoke(cli, ["export", str(hostile_layer), "--to", fmt, "-o", str(out)])
        assert result.exit_code == 0, (fmt, result.output)
        if fmt == "kml":
            ET.parse(out)  # well-formed XML despite </script>, ]]> and control characters
        if fmt == "geojson":
            assert json.loads(out.read_text(encoding="utf-8"))["features"]
        if ogrinfo:
            info = subprocess.run(
                [ogrinfo, "-ro", "-so", "-al", str(out)],
                capture_output=True,
                text=True,
                check=False,
            )
            assert info.returncode == 0, (fmt, info.stderr)
            assert "Feature Count" in info.stdout


def test_kml_balloons_run_nothing_in_a_browser(hostile_layer, tmp_path, runner, browser):
    out = tmp_path / "sites.kml"
    assert (
        runner.invoke(cli, ["export", str(hostile_layer), "--to", "kml", "-o", str(out)]).exit_code
        == 0
    )
    placemarks = ET.parse(out).iter(f"{KML_NS}Placemark")
    balloons = [p.findtext(f"{KML_NS}description") or "" for p in placemarks]
    assert len(balloons) == len(TEXTS)
    context = browser.new_context()
    page = context.new_page()
    dialogs, errors, requests = [], [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route(
        "**/*",
        lambda r: (
            (requests.append(r.request.url), r.abort())
            if not r.request.url.startswith("file:")
            else r.continue_()
        ),
    )
    for i, html in enumerate(balloons):
        # Google Earth shows the balloon as an HTML page; so does this test.
        path = tmp_path / f"balloon-{i}.html"
        path.write_text(f"<!doctype html><meta charset=utf-8><body>{html}</body>", encoding="utf-8")
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert page.evaluate("document.scripts.length") == 0
        assert page.evaluate("document.querySelectorAll('img, iframe, svg, object').length") == 0
        hrefs = page.evaluate("[...document.querySelectorAll('a[href]')].map(a => a.href)")
        assert hrefs and all(h.startswith(("https://", "http://")) for h in hrefs)
    assert dialogs == [] and errors == [] and requests == []
    context.close()
