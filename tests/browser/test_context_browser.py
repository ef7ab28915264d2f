"""Country borders under the sites: drawn with every network request refused, toggleable."""

from __future__ import annotations

import orjson
import pytest

from facilitymap.context import load_countries

pytestmark = pytest.mark.browser


def test_country_borders_show_without_any_network(offline_page, sample_maps, tmp_path):
    page = offline_page.open(sample_maps["overview"]).page
    drawn = offline_page.js("window.facilitymap.contextNames()")
    assert "TJ" in drawn, "the Tajikistan outline is on the map"
    assert {"AF", "KG", "UZ", "CN"} <= set(drawn)
    assert len(load_countries()["features"]) >= len(drawn) > 5
    label = page.locator(".fm-country-label", has_text="Tajikistan")
    assert label.is_visible()
    # Drawn under the sites: the borders' pane is below the sites' canvas.
    z_context = offline_page.js(
        "getComputedStyle(window.facilitymap.map.getPane('fm-context')).zIndex"
    )
    z_sites = offline_page.js(
        "getComputedStyle(window.facilitymap.map.getPane('overlayPane')).zIndex"
    )
    assert int(z_context) < int(z_sites)
    offline_page.screenshot(tmp_path / "context-offline.png")
    assert offline_page.refused == [] and offline_page.page_errors == []
    assert offline_page.tile_requests, "tiles were asked for, and refused"


def test_country_borders_toggle_and_label_by_zoom(offline_page, sample_maps):
    page = offline_page.open(sample_maps["overview"]).page
    toggle = page.locator(".leaflet-control-layers label", has_text="Country borders").locator(
        "input"
    )
    assert toggle.is_checked()
    toggle.uncheck()
    assert offline_page.js("window.facilitymap.contextNames()") == []
    assert page.locator(".fm-country-label").count() == 0
    offline_page.wait_until(
        "location.hash.includes('layers=') && !location.hash.includes('countries')"
    )
    toggle.check()
    assert "TJ" in offline_page.js("window.facilitymap.contextNames()")
    offline_page.js("window.facilitymap.map.setZoom(3, {animate: false})")
    assert not page.locator(".fm-country-label", has_text="Tajikistan").is_visible()
    offline_page.js("window.facilitymap.map.setZoom(6, {animate: false})")
    assert page.locator(".fm-country-label", has_text="Tajikistan").is_visible()


# The borders canvas's pixel (RGBA) under a place, in the view now.
BORDER_PIXEL = """([lat, lon]) => {
  const map = window.facilitymap.map;
  const canvas = map.getPane('fm-context').querySelector('canvas');
  const box = canvas.getBoundingClientRect();
  const mapBox = map.getContainer().getBoundingClientRect();
  const p = map.latLngToContainerPoint([lat, lon]);
  const ratio = canvas.width / box.width;
  const x = Math.round((mapBox.left + p.x - box.left) * ratio);
  const y = Math.round((mapBox.top + p.y - box.top) * ratio);
  return Array.from(canvas.getContext('2d').getImageData(x, y, 1, 1).data);
}"""
DUSHANBE = [38.56, 68.78]  # inside Tajikistan
ARABIAN_SEA = [18.0, 66.0]  # outside every country (and the region box)


def test_borders_follow_every_zoom_and_pan(offline_page, sample_maps):
    offline_page.open(sample_maps["overview"])
    offline_page.js("window.facilitymap.map.setView([36, 70], 4, {animate: false})")
    moves = [
        "setZoom(5, {animate: false})",
        "setZoom(4.5, {animate: false})",
        "panBy([300, 0], {animate: false})",
        "panBy([-200, 150], {animate: false})",
    ]
    for move in ["getZoom()", *moves]:
        offline_page.js(f"window.facilitymap.map.{move} && undefined")
        inside = offline_page.js(BORDER_PIXEL, DUSHANBE)
        # Offline, the countries are filled almost opaque (#f6f2e8 at 0.92).
        assert inside[3] > 200 and inside[0] > 200, f"Tajikistan filled after {move}"
        assert offline_page.js(BORDER_PIXEL, ARABIAN_SEA)[3] == 0, f"the sea empty after {move}"
    # The fill follows the tiles: translucent once one loads.
    offline_page.js("window.facilitymap.app.tilesLoaded(true)")
    assert 40 < offline_page.js(BORDER_PIXEL, DUSHANBE)[3] < 120
    assert offline_page.page_errors == [] and offline_page.refused == []


def test_a_pan_within_the_drawn_borders_draws_nothing_again(offline_page, sample_maps):
    # The canvas reaches half a view beyond each edge: a pan that stays within it moves the
    # canvas with the map (a pan on a phone took 161 ms with the CPU slowed 4x when it drew
    # every country again, 32 ms without the borders).
    offline_page.open(sample_maps["overview"])
    draws = "window.facilitymap.app.contextLayer.drawCount"
    offline_page.js(f"window.facilitymap.map.setView({DUSHANBE}, 6, {{animate: false}})")
    width = offline_page.js("window.facilitymap.map.getSize().x")
    before = offline_page.js(draws)
    for dx, dy in [(width // 3, 0), (-width // 2, 100), (width // 6, -100)]:
        offline_page.js(f"window.facilitymap.map.panBy([{dx}, {dy}], {{animate: false}})")
        assert offline_page.js(draws) == before, f"pan by {dx}, {dy} drew the borders again"
        inside = offline_page.js(BORDER_PIXEL, DUSHANBE)
        assert inside[3] > 200 and inside[0] > 200, f"Tajikistan still filled after {dx}, {dy}"
    # A pan past the canvas's edge draws it again, around the new view.
    offline_page.js(f"window.facilitymap.map.panBy([{width}, 0], {{animate: false}})")
    assert offline_page.js(draws) == before + 1
    offline_page.js(f"window.facilitymap.map.panBy([{-width}, 0], {{animate: false}})")
    assert offline_page.js(draws) == before + 2
    inside = offline_page.js(BORDER_PIXEL, DUSHANBE)
    assert inside[3] > 200 and inside[0] > 200
    # So does a map of another size (a phone turned, a window resized).
    offline_page.page.set_viewport_size({"width": 700, "height": 600})
    offline_page.wait_until(f"{draws} > {before + 2}")
    inside = offline_page.js(BORDER_PIXEL, DUSHANBE)
    assert inside[3] > 200 and inside[0] > 200
    assert offline_page.page_errors == [] and offline_page.refused == []


# Sites far from Central Asia (town centres), each drawn over its own country's borders.
WORLD_SITES = {
    "RU": (37.6173, 55.7558),  # Moscow
    "UA": (30.5234, 50.4501),  # Kyiv
    "DJ": (43.1456, 11.5883),  # Djibouti
    "KH": (104.9282, 11.5564),  # Phnom Penh
    "AR": (-68.0591, -38.9516),  # Neuquén
    "CU": (-82.3666, 23.1136),  # Havana
}

# Around a place, in the borders canvas: is the place itself filled, and how many pixels of
# the border stroke (#5f5f5f, nearly opaque) lie within `r` CSS pixels of it.
AROUND = """([lat, lon, r]) => {
  const map = window.facilitymap.map;
  const canvas = map.getPane('fm-context').querySelector('canvas');
  const box = canvas.getBoundingClientRect();
  const mapBox = map.getContainer().getBoundingClientRect();
  const p = map.latLngToContainerPoint([lat, lon]);
  const ratio = canvas.width / box.width;
  const cx = Math.round((mapBox.left + p.x - box.left) * ratio);
  const cy = Math.round((mapBox.top + p.y - box.top) * ratio);
  const ctx = canvas.getContext('2d');
  const side = Math.round(2 * r * ratio);
  const data = ctx.getImageData(cx - side / 2, cy - side / 2, side, side).data;
  let stroke = 0;
  for (let k = 0; k < data.length; k += 4) {
    if (data[k + 3] > 150 && data[k] < 150 && data[k + 1] < 150 && data[k + 2] < 150) stroke++;
  }
  return {fill: Array.from(ctx.getImageData(cx, cy, 1, 1).data), stroke: stroke};
}"""


def _world_layer():
    from facilitymap.io import parse_layer

    features = []
    for n, (code, (lon, lat)) in enumerate(sorted(WORLD_SITES.items())):
        features.append(
            {
                "type": "Feature",
                "id": f"w-{code.lower()}",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "name": f"Site {n} ({code})",
                    "kind": "base",
                    "country": code,
                    "location": {"precision_m": 5000, "basis": "reference-place", "note": "town"},
                    "confidence": "low",
                    "confidence_note": "test",
                    "claims": [],
                    "sources": [],
                },
            }
        )
    doc = {"type": "FeatureCollection", "name": "world", "features": features}
    layer, problems = parse_layer(orjson.dumps(doc), "world.geojson")
    assert layer is not None and not problems, problems
    return layer


def test_borders_are_drawn_under_sites_anywhere_in_the_world(offline_page, tmp_path):
    from facilitymap.maps import MapSpec, render_map
    from facilitymap.validate import validate_layer

    layer = _world_layer()
    assert [p for p in validate_layer(layer) if p.field == "geometry.coordinates"] == []
    path = tmp_path / "world.html"
    path.write_text(render_map(layer, MapSpec(name="w", output="w.html")), encoding="utf-8")
    offline_page.open(path)
    for code, (lon, lat) in WORLD_SITES.items():
        offline_page.js(f"window.facilitymap.map.setView([{lat}, {lon}], 5, {{animate: false}})")
        assert code in offline_page.js("window.facilitymap.contextNames()"), code
        around = offline_page.js(AROUND, [lat, lon, 150])
        # Offline, the country under the site is filled almost opaque (#f6f2e8 at 0.92), or
        # stroked where the town is on its coast (Djibouti) ...
        assert around["fill"][3] > 200, f"{code} drawn under the site"
        # ... and borders or coasts are stroked near it.
        assert around["stroke"] > 50, f"borders drawn near the site in {code}"
    offline_page.screenshot(tmp_path / "world-offline.png")
    assert offline_page.refused == [] and offline_page.page_errors == []


def test_a_tajik_page_has_no_borders_far_away(offline_page, sample_maps):
    offline_page.open(sample_maps["overview"])
    lon, lat = WORLD_SITES["AR"]
    offline_page.js(f"window.facilitymap.map.setView([{lat}, {lon}], 5, {{animate: false}})")
    assert offline_page.js("window.facilitymap.contextNames()") == []
    assert offline_page.js(AROUND, [lat, lon, 150]) == {"fill": [0, 0, 0, 0], "stroke": 0}
