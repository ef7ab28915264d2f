"""A layer full of hostile strings, rendered and opened in Chromium: nothing runs.

The strings (tests/data/hostile/make_hostile.py) try markup, ``</script>``, template
literals, Jinja source, ``javascript:`` links, comments, line separators and bidi overrides.
Each successful attack would set ``window.__pwned``. The page must show every string as
text, link only http(s) URLs, evaluate nothing, and trip no Content-Security-Policy rule (a
violation would mean something tried to run and only the policy stopped it).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from facilitymap.render import build_html

pytestmark = pytest.mark.browser

HOSTILE = Path(__file__).parents[1] / "data" / "hostile" / "hostile.geojson"


def hostile_features() -> list[dict]:
    return json.loads(HOSTILE.read_text(encoding="utf-8"))["features"]


def check_nothing_ran(map_page) -> None:
    assert map_page.js("typeof window.__pwned") == "undefined"
    assert map_page.js("window.__violations") == []
    assert map_page.dialogs == []
    assert map_page.page_errors == []
    assert map_page.console_errors == []
    assert map_page.refused == []
    # Only our own elements: no image, frame or SVG from the data, no script beyond ours.
    imgs = map_page.js(
        "[...document.images].filter(i => !i.classList.contains('leaflet-tile'))"
        ".map(i => i.className + ' ' + i.src.slice(0, 22))"
    )
    assert imgs and all(
        i.startswith("fm-glyph") and i.endswith(" data:image/png;base64,") for i in imgs
    )
    tiles = map_page.js("[...document.querySelectorAll('img.leaflet-tile')].map(i => i.src)")
    assert all(map_page.is_tile(t) for t in tiles), tiles
    assert map_page.js("document.querySelectorAll('iframe, object, embed').length") == 0
    assert map_page.js("document.querySelectorAll('svg').length") == map_page.js(
        "document.querySelectorAll('.fm-fullscreen svg').length"
    )
    # Leaflet and ours run; every other script element is inert JSON (index and details,
    # the details in several elements when the page's data is large enough to be deflated).
    kinds = map_page.js("[...document.scripts].map(s => s.type || 'classic')")
    assert kinds.count("classic") == 2 and set(kinds) == {"classic", "application/json"}, kinds
    hrefs = map_page.js(
        "[...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))"
    )
    leaflet_buttons = ("#", "#close")
    odd = [
        h for h in hrefs if not h.startswith(("https://", "http://")) and h not in leaflet_buttons
    ]
    assert odd == []


def test_hostile_layer_runs_nothing(map_page, tmp_path, monkeypatch):
    # Jinja in the data would call os.getpid() while rendering (folium's explore() does).
    def no_templates(*args, **kwargs):
        raise AssertionError("a template evaluated data: os.getpid() was called")

    features = hostile_features()
    names = [f["properties"]["name"] for f in features]
    context = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "name": names[0],
                    "iso_a2": "TJ",
                    "label_lon": 70.0,
                    "label_lat": 38.5,
                },
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[68, 37], [72, 37], [72, 40], [68, 40], [68, 37]]],
                },
            }
        ],
    }
    # Shapes the loader would refuse, for the page only: unknown status, a bad language tag.
    features[1]["properties"]["status"] = names[1]
    features[2]["properties"]["local_names"][0]["lang"] = names[2]
    features[3]["properties"]["claims"][0]["stance"] = names[3]
    monkeypatch.setattr(os, "getpid", no_templates)
    html = build_html(
        features, title=names[5], data_version=names[1], context=context, as_of="2020-01-01"
    )
    monkeypatch.undo()
    path = tmp_path / "hostile.html"
    path.write_text(html, encoding="utf-8")

    map_page.open(path)
    page = map_page.page
    assert sorted(map_page.drawn_ids()) == sorted(f["id"] for f in features)
    assert page.title() == names[5]
    head = page.locator(".fm-head").inner_text()
    assert names[5] in head and names[1] in head

    # Every name is in the list, as text.
    assert page.locator(".fm-item-name").count() == len(names)
    for name in names:
        if "\u2028" not in name:
            assert page.locator(".fm-item-name").get_by_text(name, exact=True).count() == 1, name

    # Open every popup: text shown literally, links only for http(s).
    for feature in features:
        map_page.js("(id) => window.facilitymap.openSite(id)", feature["id"])
        popup = map_page.popup()
        popup.wait_for()
        text = popup.inner_text()
        expected = (
            feature["properties"]["claims"][0]["summary"]
            .replace("\u2028", "\n")
            .replace("\u2029", "\n")
        )
        assert expected.split("\n")[0] in text
        for link in popup.locator("a").all():
            href = link.get_attribute("href")
            assert href.startswith(("https://", "http://")), href
        check_nothing_ran(map_page)

    # The last popup cites the https URL with markup inside it: a link, its markup
    # percent-encoded inside the one href attribute.
    tricky = map_page.popup().locator("a[href^='https://example.org/']")
    assert tricky.count() == 2  # cited by a claim and by the location
    for link in tricky.all():
        assert "%22%3E%3Cimg" in link.get_attribute("href")

    # Search with hostile input, and a hostile hash.
    page.locator(".fm-search").fill(names[0])
    assert page.locator(".fm-item-button").count() >= 1
    map_page.js("(h) => { location.hash = h; }", "#site=" + names[1] + "&layers=" + names[2])
    page.wait_for_timeout(200)
    map_page.screenshot(tmp_path / "hostile.png")
    check_nothing_ran(map_page)


def test_hostile_layer_through_the_library(map_page, tmp_path):
    """The same layer through load_layer → render_map (what the CLI does)."""
    from facilitymap.io import load_layer
    from facilitymap.maps import MapSpec, render_map

    layer = load_layer(HOSTILE, check=False)
    path = tmp_path / "hostile-lib.html"
    path.write_text(render_map(layer, MapSpec(name="h", output="h.html")), encoding="utf-8")
    map_page.open(path)
    assert len(map_page.drawn_ids()) == len(layer.sites)
    assert map_page.page.title() == layer.extra_members["name"]
    for site in layer.sites:
        map_page.js("(id) => window.facilitymap.openSite(id)", site.id)
        map_page.popup().wait_for()
    check_nothing_ran(map_page)
