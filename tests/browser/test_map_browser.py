"""The offline map page in headless Chromium: markers, popups, layers, list, legend, as-of,
permalink, search, the offline notice, and a denied site never hidden by another."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from facilitymap.render import build_html
from facilitymap.render.page import build_page

pytestmark = pytest.mark.browser

DENIED = "tj-sample-denied-post"


def located_ids(layer) -> set[str]:
    return {site.id for site in layer.sites if site.geometry is not None}


def test_overview_draws_one_marker_per_located_site(map_page, sample_maps, sample_layer, tmp_path):
    map_page.open(sample_maps["overview"])
    drawn = map_page.drawn_ids()
    assert sorted(drawn) == sorted(located_ids(sample_layer))
    assert map_page.js("window.facilitymap.siteCount") == len(sample_layer.sites)
    assert map_page.tile_requests, "the basemap asks for tiles"
    map_page.screenshot(tmp_path / "overview.png")
    map_page.assert_clean()


def test_clicking_a_marker_opens_its_popup_with_source_links(map_page, sample_maps, tmp_path):
    map_page.open(sample_maps["overview"])
    map_page.click_site(DENIED)
    popup = map_page.popup()
    popup.wait_for()
    assert popup.get_attribute("data-site") == DENIED
    text = popup.inner_text()
    assert "Sample Denied Post" in text
    assert "Пости намуна" in text
    assert "Attested, officially denied" in text
    assert "High confidence" in text
    assert "decides the status" in text
    hrefs = popup.locator("a.fm-source-title").evaluate_all("links => links.map(a => a.href)")
    assert "https://news-a.example.com/post" in hrefs
    assert "https://lab.example.org/report" in hrefs
    archive = popup.locator("a.fm-archive")
    assert archive.get_attribute("href").startswith("https://web.archive.org/")
    robust = popup.locator("a[data-versionurl]").first
    assert robust.get_attribute("data-originalurl") == "https://lab.example.org/report"
    for link in popup.locator("a").all():
        assert link.get_attribute("target") == "_blank"
        assert link.get_attribute("rel") == "noopener noreferrer"
    osm = popup.locator("a", has_text="OpenStreetMap").get_attribute("href")
    assert osm.startswith("https://www.openstreetmap.org/?mlat=37.45000&mlon=74.50000#map=")
    # Claims in date order: 2016-10, 2019-02-18, 2019-02-20.
    dates = popup.locator(".fm-claim .fm-date").all_inner_texts()
    assert dates == ["2016-10", "2019-02-18", "2019-02-20"]
    map_page.screenshot(tmp_path / "popup.png")
    map_page.assert_clean()


def test_toggling_a_status_layer_hides_its_sites(map_page, sample_maps):
    map_page.open(sample_maps["overview"])
    control = map_page.page.locator(
        ".leaflet-control-layers label", has_text="Attested, officially denied"
    )
    checkbox = control.locator("input")
    assert checkbox.is_checked()
    checkbox.uncheck()
    assert DENIED not in map_page.drawn_ids()
    assert "tj-sample-acknowledged" in map_page.drawn_ids()
    checkbox.check()
    assert DENIED in map_page.drawn_ids()
    map_page.assert_clean()


def test_the_list_pans_to_a_site_and_opens_its_popup(map_page, sample_maps):
    map_page.open(sample_maps["overview"])
    map_page.page.locator(f".fm-item-button[data-site='{DENIED}']").click()
    map_page.popup().wait_for()
    assert map_page.popup().get_attribute("data-site") == DENIED
    centre = map_page.js(
        "(() => { const c = window.facilitymap.map.getCenter(); return [c.lat, c.lng]; })()"
    )
    zoom = map_page.js("window.facilitymap.map.getZoom()")
    # The popup may nudge the view; the site stays in sight and the zoom fits its 5 km radius.
    bounds = map_page.js(
        "(() => { const b = window.facilitymap.map.getBounds(); return [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()]; })()"
    )
    assert bounds[0] < 37.45 < bounds[2] and bounds[1] < 74.5 < bounds[3]
    assert abs(centre[0] - 37.45) < 1 and 8 <= zoom <= 12
    map_page.assert_clean()


def test_an_unlocated_site_opens_in_the_panel(map_page, sample_maps):
    map_page.open(sample_maps["overview"])
    item = map_page.page.locator(".fm-item-button[data-site='tj-sample-programme']")
    assert "not located" in item.inner_text()
    item.click()
    detail = map_page.page.locator(".fm-panel-detail .fm-detail")
    detail.wait_for()
    assert "Sample Unlocated Programme" in detail.inner_text()
    assert "Not located on the map" in detail.inner_text()
    map_page.assert_clean()


def test_legend_is_visible_and_explains_every_cue(map_page, sample_maps):
    map_page.open(sample_maps["overview"])
    legend = map_page.page.locator(".fm-legend")
    assert legend.is_visible()
    text = legend.inner_text()
    for words in (
        "Attested, officially denied",
        "filled diamond, vermillion",
        "hollow diamond, orange",
        "Opacity = confidence",
        "location precision",
        "Shape = official position",
        "shown as denied when any of them denies it",  # the status rule, one sentence
    ):
        assert words in text
    assert legend.locator("li[data-status]").count() == 7
    map_page.assert_clean()


def test_page_states_data_version_and_as_of(map_page, sample_maps, sample_layer):
    map_page.open(sample_maps["as-of-2018"])
    facts = map_page.page.locator(".fm-facts").inner_text()
    assert "Status as of 2018-12-31" in facts
    assert sample_layer.sha256[:12] in facts
    map_page.open(sample_maps["overview"])
    facts = map_page.page.locator(".fm-facts").inner_text()
    assert "all claims on record (latest: 2023-01-01)" in facts


def test_as_of_map_shows_the_earlier_status(map_page, sample_maps, tmp_path):
    map_page.open(sample_maps["as-of-2018"])
    # Known by the end of 2018: the denied post (imagery only), the other-role post, the
    # attested checkpoint. The denial and the on-site visit came in 2019.
    assert sorted(map_page.drawn_ids()) == [
        "tj-sample-attested",
        DENIED,
        "tj-sample-other-role",
    ]
    map_page.click_site(DENIED)
    popup = map_page.popup()
    popup.wait_for()
    text = popup.inner_text()
    assert "Reported, not attested" in text
    assert "as of 2018-12-31" in text
    assert "officially denied" not in text.split("Claims")[0]
    assert "2 later claims are not shown" in text
    assert popup.locator(".fm-claim").count() == 1
    map_page.screenshot(tmp_path / "as-of-2018.png")
    map_page.assert_clean()


def test_permalink_keeps_view_site_and_layers(map_page, sample_maps):
    map_page.open(sample_maps["overview"])
    map_page.page.locator(".leaflet-control-layers label", has_text="Unverified").locator(
        "input"
    ).uncheck()
    map_page.click_site(DENIED)
    map_page.popup().wait_for()
    # Settled: the hash describes the current state (after the popup's auto-pan).
    map_page.page.wait_for_timeout(400)
    map_page.wait_until("location.hash === window.facilitymap.app.hashState()")
    fragment = map_page.js("location.hash")
    assert f"site={DENIED}" in fragment
    assert "unverified" not in fragment.split("layers=")[1].split("&")[0]
    view = map_page.js("[window.facilitymap.map.getZoom(), window.facilitymap.map.getCenter().lat]")

    map_page.open(sample_maps["overview"], fragment)
    map_page.popup().wait_for()
    assert map_page.popup().get_attribute("data-site") == DENIED
    assert "tj-sample-unverified" not in map_page.drawn_ids()
    restored = map_page.js(
        "[window.facilitymap.map.getZoom(), window.facilitymap.map.getCenter().lat]"
    )
    assert restored[0] == view[0] and abs(restored[1] - view[1]) < 1e-3
    # Editing the hash moves the map to another site.
    map_page.js("location.hash = '#site=tj-sample-acknowledged'")
    map_page.wait_until(
        "document.querySelector('.fm-popup .fm-detail')?.dataset.site === 'tj-sample-acknowledged'"
    )
    # A hash naming no real site, or nonsense, is ignored.
    map_page.open(sample_maps["overview"], "#site=%3Cimg%20src%3Dx%3E&map=99/x/y&layers=&base=nope")
    assert map_page.popup().count() == 0
    map_page.assert_clean()


def test_search_filters_the_list(map_page, sample_maps):
    map_page.open(sample_maps["overview"])
    search = map_page.page.locator(".fm-search")
    search.fill("намуна")  # a local name
    items = map_page.page.locator(".fm-item-button")
    assert items.count() == 1
    assert items.first.get_attribute("data-site") == DENIED
    search.fill("sample acknowledged")
    assert map_page.page.locator(".fm-item-button").count() == 1
    search.press("Enter")
    map_page.popup().wait_for()
    assert map_page.popup().get_attribute("data-site") == "tj-sample-acknowledged"
    assert "1 of 8 sites" in map_page.page.locator(".fm-count-line").inner_text()
    map_page.assert_clean()


def test_without_network_the_page_says_tiles_failed(offline_page, sample_maps):
    offline_page.open(sample_maps["overview"])
    banner = offline_page.page.locator(".fm-banner")
    banner.wait_for(state="visible")
    assert "tiles could not be loaded" in banner.inner_text()
    assert offline_page.refused == [], "nothing but tiles is fetched"
    assert offline_page.page_errors == []
    assert len(offline_page.drawn_ids()) == 7
    fill = "window.facilitymap.app.contextLayer.options.fillOpacity"
    assert offline_page.js(fill) > 0.9, "countries filled: a land and water map without tiles"
    # The network comes back: the next tile that loads ends the offline look.
    offline_page.tiles = "blank"
    offline_page.js("window.facilitymap.map.panBy([600, 0], {animate: false})")
    banner.wait_for(state="hidden")
    assert offline_page.js(fill) < 0.5


def test_a_denied_site_is_drawn_over_a_site_at_the_same_place(map_page, tmp_path):
    def feature(site_id, status, official):
        return {
            "type": "Feature",
            "id": site_id,
            "geometry": {"type": "Point", "coordinates": [71.0, 38.5]},
            "properties": {
                "name": site_id,
                "kind": "base",
                "country": "TJ",
                "location": {"precision_m": 1000, "basis": "reference-place", "note": "n"},
                "confidence": "high",
                "confidence_note": "n",
                "claims": [],
                "sources": [],
                "official_status": official,
                "evidence": "attested",
                "status": status,
            },
        }

    features = [
        feature("a-denied", "attested-denied", "denied"),
        feature("b-acknowledged", "acknowledged", "acknowledged"),
        feature("c-attested", "attested", "no-statement"),
    ]
    path = tmp_path / "stack.html"
    path.write_text(build_html(features, title="stack", data_version="test"), encoding="utf-8")
    map_page.open(path)
    assert sorted(map_page.drawn_ids()) == ["a-denied", "b-acknowledged", "c-attested"]
    assert map_page.drawn_ids()[-1] == "a-denied", "drawn last, so on top"
    page = map_page.page
    # The hover label names every site under the pointer, the one on top first.
    point = map_page.js("(id) => window.facilitymap.screenPoint(id)", "a-denied")
    page.mouse.move(point["x"], point["y"])
    tip = page.locator(".fm-tip")
    tip.wait_for()
    assert tip.locator("li").all_inner_texts() == [
        "a-denied \u2014 Attested, officially denied",
        "b-acknowledged \u2014 Officially acknowledged",
        "c-attested \u2014 Attested, no official statement",
    ]
    # A click offers each of them; each opens its own details.
    for site_id in ("a-denied", "b-acknowledged", "c-attested"):
        map_page.click_site("a-denied")
        choice = page.locator(f".fm-stack .fm-item-button[data-site='{site_id}']")
        choice.wait_for()
        assert page.locator(".fm-stack .fm-item-button").count() == 3
        choice.click()
        map_page.popup().and_(page.locator(f"[data-site='{site_id}']")).wait_for()
    map_page.assert_clean()


def test_compressed_data_renders_the_same_sites(map_page, sample_layer, tmp_path):
    from facilitymap.maps import MapSpec, map_features

    features = map_features(sample_layer, MapSpec(name="x", output="x.html"))
    path = tmp_path / "packed.html"
    page = build_page(features, title="packed", data_version="v", compress=True)
    assert b'data-encoding="deflate-cp1252"' in page
    path.write_bytes(page)
    map_page.open(path)
    assert sorted(map_page.drawn_ids()) == sorted(located_ids(sample_layer))
    map_page.assert_clean()


def test_fullscreen_scale_and_coordinates_controls(map_page, sample_maps):
    map_page.open(sample_maps["overview"])
    page = map_page.page
    assert page.locator(".leaflet-control-scale").is_visible()
    assert page.locator("a.fm-fullscreen").is_visible()
    box = page.locator("#fm-map").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    coords = page.locator(".fm-coords-control").inner_text()
    lat, lon = (float(v) for v in coords.split(","))
    centre = map_page.js("window.facilitymap.map.getCenter()")
    assert abs(lat - centre["lat"]) < 0.5 and abs(lon - centre["lng"]) < 0.5
    page.locator("a.fm-fullscreen").click()
    map_page.wait_until("document.fullscreenElement !== null")
    map_page.assert_clean()


def test_basemaps_are_offered_with_attribution(map_page, sample_maps):
    map_page.open(sample_maps["overview"])
    page = map_page.page
    labels = page.locator(".leaflet-control-layers-base label").all_inner_texts()
    assert [label.strip() for label in labels] == [
        "OpenStreetMap",
        "Terrain (OpenTopoMap)",
        "Satellite (Esri World Imagery)",
    ]
    assert "OpenStreetMap" in page.locator(".leaflet-control-attribution").inner_text()
    page.locator(".leaflet-control-layers-base label", has_text="Satellite").locator(
        "input"
    ).check()
    map_page.wait_until(
        "document.querySelector('.leaflet-control-attribution').innerText.includes('Esri')"
    )
    map_page.wait_until("location.hash.includes('base=satellite')")
    assert any("arcgisonline" in url for url in map_page.tile_requests)
    map_page.assert_clean()


def test_screenshot_script_makes_a_png(tmp_path, sample_maps, browser):
    # Its own process: Playwright's sync API does not nest inside the session's browser.
    png = tmp_path / "shot.png"
    script = Path(__file__).parents[2] / "scripts" / "screenshot.py"
    done = subprocess.run(
        [sys.executable, str(script), str(sample_maps["overview"]), str(png), "--size", "800x500"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 10_000


def test_on_a_phone_the_list_is_a_drawer(phone_page, sample_maps):
    page = phone_page.open(sample_maps["overview"]).page
    assert not page.locator("#fm-panel").is_visible()
    assert page.locator(".leaflet-control-layers-expanded").count() == 0
    page.locator(".fm-panel-toggle").click()
    page.locator(f".fm-item-button[data-site='{DENIED}']").click()
    phone_page.popup().wait_for()
    assert not page.locator("#fm-panel").is_visible(), "picking a site shows the map"
    assert phone_page.popup().get_attribute("data-site") == DENIED
    phone_page.assert_clean()
