"""The notebook API in Chromium: a rendered map shows inline (``_repr_html_``), and the
folium layer draws the hostile layer without running any of it.

folium's own page loads Leaflet from a CDN: here those requests get the xstatic-leaflet files
the package ships, tiles get a blank tile, and everything else is refused and recorded, so no
test needs the network.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

import facilitymap

pytestmark = pytest.mark.browser
folium = pytest.importorskip("folium", reason="folium is in the test extra")

HERE = Path(__file__).parent
_spec = importlib.util.spec_from_file_location(
    "hostile_everywhere", HERE / "test_hostile_everywhere.py"
)
hostile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hostile)

BLANK_TILE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAC0lEQVR4nGNgAAIAAAUAAXpeqz8AAAAASUVORK5CYII="
)
TILE = re.compile(r"^https://([a-z]\.)?tile\.openstreetmap\.org/")


def _leaflet_file(name: str) -> bytes:
    import xstatic.pkg.leaflet as leaflet

    return (Path(leaflet.BASE_DIR) / name).read_bytes()


class Watched:
    """A page that records errors, dialogs and refused requests."""

    def __init__(self, browser: Any) -> None:
        self.context = browser.new_context(viewport={"width": 1100, "height": 800})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.refused: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.route("**/*", self._route)

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:", "blob:", "about:")):
            route.continue_()
        elif TILE.match(url):
            route.fulfill(status=200, content_type="image/png", body=BLANK_TILE)
        elif url.endswith("/leaflet.js"):
            route.fulfill(content_type="text/javascript", body=_leaflet_file("leaflet.js"))
        elif url.endswith("/leaflet.css"):
            route.fulfill(content_type="text/css", body=_leaflet_file("leaflet.css"))
        elif "/leaflet@" in url and "/dist/images/" in url:
            image = url.rsplit("/", 1)[-1]
            route.fulfill(content_type="image/png", body=_leaflet_file(f"images/{image}"))
        else:
            self.refused.append(url)
            route.abort()

    def js(self, expression: str, arg: Any = None) -> Any:
        return self.page.evaluate(expression, arg)


@pytest.fixture
def watched(browser: Any):
    page = Watched(browser)
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def hostile_layer(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "sites.geojson"
    doc = {
        "type": "FeatureCollection",
        "name": hostile.TEXTS[1],
        "features": [hostile.hostile_site(i) for i in range(len(hostile.TEXTS))],
    }
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def test_folium_layer_draws_a_hostile_layer_and_runs_nothing(
    hostile_layer, tmp_path, watched, monkeypatch
):
    layer = facilitymap.load_layer(hostile_layer)
    fmap = folium.Map(location=[38.5, 71], zoom_start=6)
    sites = facilitymap.folium_layer(layer, name="Sites")
    sites.add_to(fmap)
    folium.LayerControl().add_to(fmap)

    def no_templates(*args, **kwargs):
        raise AssertionError("a template evaluated data: os.getpid() was called")

    monkeypatch.setattr(os, "getpid", no_templates)
    html = fmap.get_root().render()
    monkeypatch.undo()
    for text in hostile.TEXTS[:12]:
        assert text not in html  # the data is base64 in the page, never text or template
    path = tmp_path / "folium.html"
    path.write_text(html, encoding="utf-8")

    watched.page.goto(path.as_uri())
    name = sites.get_name()
    watched.page.wait_for_function(f"typeof window.{name} === 'object'")
    scripts = watched.js("document.scripts.length")
    assert watched.js(f"window.{name}.getLayers().length") == 2 * len(layer.sites)  # circles too
    assert "Sites" in watched.js("document.querySelector('.leaflet-control-layers').textContent")

    expected = {site.name for site in layer.sites}
    shown = set()
    count = watched.js(f"window.{name}.getLayers().filter(l => l.getPopup()).length")
    assert count == len(layer.sites)
    for index in range(count):
        # The previous popup fades out before it is removed: wait, so one popup is read.
        watched.js(f"() => window.{name}.getLayers().forEach(l => l.closePopup())")
        watched.page.locator(".leaflet-popup").first.wait_for(state="detached")
        watched.js(
            f"(i) => window.{name}.getLayers().filter(l => l.getPopup())[i].openPopup()", index
        )
        content = watched.page.locator(".leaflet-popup-content .facilitymap-popup")
        content.wait_for()
        shown.add(watched.js("document.querySelector('.facilitymap-popup strong').textContent"))
        hrefs = watched.js(
            "[...document.querySelectorAll('.facilitymap-popup a')].map(a => a.getAttribute('href'))"
        )
        assert hrefs and all(h.startswith(("https://", "http://")) for h in hrefs), hrefs
        assert content.locator("img, svg, iframe, script, style").count() == 0
    assert shown == expected  # every name shown as itself, as text
    assert watched.js("typeof window.__pwned") == "undefined"
    assert watched.js("document.scripts.length") == scripts
    assert watched.dialogs == [] and watched.errors == []
    # Only folium's own extras (jQuery, Bootstrap, marker icons) were asked for, and refused:
    # the layer itself requests nothing.
    assert [url for url in watched.refused if url not in html] == []


def test_a_rendered_map_shows_inline_in_a_notebook_cell(watched, tmp_path):
    # What Jupyter does with _repr_html_: the HTML goes into the notebook's page.
    layer = Path(__file__).parent / "data" / "sample.geojson"
    page = facilitymap.render(layer)
    assert isinstance(page, str) and page.startswith("<!DOCTYPE html>")
    cell = tmp_path / "notebook.html"
    cell.write_text(
        "<!DOCTYPE html><html><body><h1>In [1]:</h1>" + page._repr_html_() + "</body></html>",
        encoding="utf-8",
    )
    watched.page.goto(cell.as_uri())
    frame = watched.page.frame_locator("iframe")
    frame.locator("html[data-fm-ready='true']").wait_for(timeout=20_000)
    inner = watched.page.frames[1]
    located = [s.id for s in facilitymap.load_layer(layer).sites if s.geometry is not None]
    assert sorted(inner.evaluate("window.facilitymap.drawnIds()")) == sorted(located)
    box = watched.page.locator("iframe").bounding_box()
    assert box["width"] > 800 and box["height"] > 400  # sized to the cell, not 300x150
    assert watched.errors == [] and watched.dialogs == [] and watched.refused == []
