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
