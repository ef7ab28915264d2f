"""Country borders under the sites: drawn with every network request refused, toggleable."""

from __future__ import annotations

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
