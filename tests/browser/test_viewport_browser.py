"""The map as a reader meets it on a phone and on a laptop, with the network off: every site's
details fit the screen with their close button visible, and no control covers another or
the details. Run on the project's own layer, so a new long name or description is checked too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from facilitymap.io import load_layer
from facilitymap.maps import MapSpec, render_map

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SIZES = [(360, 640), (390, 844), (1280, 800)]

# Boxes of every control shown on the map, of the popup and of its close button (viewport px).
BOXES = """() => {
  const box = (n) => { const r = n.getBoundingClientRect();
    return {left: r.left, top: r.top, right: r.right, bottom: r.bottom, name: n.className}; };
  const shown = (n) => n.getClientRects().length && n.getBoundingClientRect().width > 0;
  const controls = [...document.querySelectorAll('.leaflet-control, .fm-panel-toggle, .fm-timebar')]
    .filter(shown).map(box);
  const popup = document.querySelector('.leaflet-popup');
  const close = document.querySelector('.leaflet-popup-close-button');
  let closeOnTop = false;
  if (close) {
    const r = close.getBoundingClientRect();
    closeOnTop = close.contains(document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2));
  }
  const map = document.getElementById('fm-map');
  return {controls, popup: popup && box(popup), close: close && box(close), closeOnTop,
          map: box(map), title: popup && box(popup.querySelector('h2'))};
}"""


def overlap(a: dict, b: dict) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    )


def inside(inner: dict, outer: dict) -> bool:
    return (
        inner["left"] >= outer["left"] - 0.5
        and inner["top"] >= outer["top"] - 0.5
        and inner["right"] <= outer["right"] + 0.5
        and inner["bottom"] <= outer["bottom"] + 0.5
    )


def assert_no_controls_overlap(controls: list[dict], where: str) -> None:
    for i, a in enumerate(controls):
        for b in controls[i + 1 :]:
            assert not overlap(a, b), f"{where}: {a['name']!r} overlaps {b['name']!r}"


@pytest.fixture(scope="module")
def project_map(tmp_path_factory) -> Path:
    layer = load_layer(ROOT / "geodata" / "sites.geojson")
    path = tmp_path_factory.mktemp("viewport") / "overview.html"
    path.write_text(render_map(layer, MapSpec(name="overview", output="overview.html")), "utf-8")
    return path


@pytest.mark.parametrize(("width", "height"), SIZES, ids=lambda v: str(v))
def test_every_sites_details_fit_and_no_control_covers_another(
    browser, project_map, width, height, tmp_path
):
    from conftest import screen

    with screen(browser, width, height, touch=width < 700) as map_page:
        page = map_page.open(project_map).page
        page.locator(".fm-banner").wait_for()
        boxes = map_page.js(BOXES)
        assert_no_controls_overlap(boxes["controls"], f"{width}x{height}, on opening")
        ids = map_page.js("window.facilitymap.app.sites.map(s => s.id)")
        assert len(ids) >= 9
        for site_id in ids:
            if width < 700:
                page.locator(".fm-panel-toggle").click()
            page.locator(f".fm-item-button[data-site='{site_id}']").click()
            located = map_page.js("(id) => window.facilitymap.app.byId.get(id).located", site_id)
            where = f"{width}x{height}, {site_id}"
            if not located:
                detail = page.locator(".fm-panel-detail")
                detail.wait_for()
                close = page.locator(".fm-panel-detail .fm-detail-close")
                assert close.is_visible() and close.bounding_box()["x"] + 10 < width, where
                close.click()
                if width < 700:
                    page.locator(".fm-panel-close").click()  # back to the map
                continue
            map_page.popup().and_(page.locator(f"[data-site='{site_id}']")).wait_for()
            map_page.wait_still()
            boxes = map_page.js(BOXES)
            popup = boxes["popup"]
            assert inside(popup, boxes["map"]), (
                f"{where}: popup {popup} leaves the map {boxes['map']}"
            )
            assert inside(boxes["close"], boxes["map"]), f"{where}: close button off screen"
            assert boxes["closeOnTop"], f"{where}: something covers the close button"
            for control in boxes["controls"]:
                assert not overlap(popup, control), f"{where}: {control['name']!r} covers the popup"
            assert_no_controls_overlap(boxes["controls"], where)
            page.locator(".leaflet-popup-close-button").click()
        map_page.screenshot(tmp_path / f"viewport-{width}x{height}.png")
        assert map_page.page_errors == [] and map_page.refused == []


@pytest.mark.parametrize("site_id", ["tj-murghab-shaymak", "tj-ishkoshim-vakhon"])
def test_a_shared_link_to_a_site_opens_its_details_in_view_on_a_phone(
    browser, project_map, site_id
):
    # A link with #site=… opens the details before the tiles fail and the offline banner
    # appears: the details must still end up inside the map, clear of every control.
    from conftest import screen

    with screen(browser, 390, 844) as map_page:
        page = map_page.open(project_map, f"#site={site_id}").page
        page.locator(".fm-banner").wait_for()
        map_page.popup().and_(page.locator(f"[data-site='{site_id}']")).wait_for()
        map_page.wait_still()
        boxes = map_page.js(BOXES)
        where = f"#site={site_id}"
        assert inside(boxes["popup"], boxes["map"]), f"{where}: the details leave the map"
        assert inside(boxes["close"], boxes["map"]) and boxes["closeOnTop"], where
        for control in boxes["controls"]:
            assert not overlap(boxes["popup"], control), f"{where}: {control['name']!r} covers it"
        assert map_page.page_errors == []


# Where each located site is drawn (viewport px), whether it lies inside the map, and the boxes
# of what covers the map: the controls, the offline banner, the legend.
SITES_IN_VIEW = """() => {
  const app = window.facilitymap.app;
  const map = app.map.getContainer().getBoundingClientRect();
  const covers = [...document.querySelectorAll('.leaflet-control, .fm-panel-toggle, .fm-timebar, .fm-banner')]
    .filter((n) => n.getClientRects().length).map((n) => n.getBoundingClientRect());
  return app.located.map((site) => {
    const p = app.map.latLngToContainerPoint([site.lat, site.lon]);
    const x = map.left + p.x, y = map.top + p.y;
    const inMap = x >= map.left && x <= map.right && y >= map.top && y <= map.bottom;
    const covered = covers.some((r) => x >= r.left && x <= r.right && y >= r.top && y <= r.bottom);
    return {id: site.id, seen: inMap && !covered};
  });
}"""


@pytest.fixture(scope="module")
def world_map(tmp_path_factory) -> Path:
    # The project's two layers in one map, as maps.toml's both-layers: sites from Cuba and
    # Kanton Island to Cambodia, which no view of the lowest zoom holds on a phone.
    from facilitymap.model import Layer

    sites = [
        site
        for name in ("sites.geojson", "china-overseas.geojson")
        for site in load_layer(ROOT / "geodata" / name).sites
    ]
    path = tmp_path_factory.mktemp("world") / "both-layers.html"
    path.write_text(
        render_map(Layer(sites=sites), MapSpec(name="both", output="both.html")), "utf-8"
    )
    return path


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 800)], ids=str)
def test_a_world_map_opens_on_most_of_its_sites_clear_of_the_controls(
    browser, world_map, width, height
):
    # Fitting the box of every site centred a phone's view on the Atlantic (4 of 18 sites in
    # view) and put the Tajik and Asian sites under a laptop's legend; the page now opens on
    # the stretch of longitude that holds the most sites beside the controls.
    from conftest import screen

    with screen(browser, width, height, touch=width < 700) as map_page:
        page = map_page.open(world_map).page
        page.locator(".fm-banner").wait_for()
        map_page.wait_still()
        sites = map_page.js(SITES_IN_VIEW)
        seen = {site["id"] for site in sites if site["seen"]}
        where = f"{width}x{height}: {len(seen)} of {len(sites)} sites in view"
        assert len(sites) >= 18 and len(seen) >= 0.7 * len(sites), where
        assert {"tj-murghab-shaymak", "tj-ishkoshim-vakhon"} <= seen, where
        assert map_page.page_errors == []


@pytest.mark.parametrize(
    ("width", "height"), [(768, 1024), (820, 1180), (1024, 768), (1280, 800)], ids=str
)
def test_a_tablet_opens_on_the_sites_not_under_the_legend(browser, project_map, width, height):
    # Beside the site list, a tablet's map is 440-700 px wide: the legend and the layers list,
    # spread out because the window was wider than a phone's, covered every site of the
    # overview at 768x1024 and 820x1180, and five of seven at 1024x768. They now start
    # folded when the map itself is too narrow to frame the sites beside them.
    from conftest import screen

    with screen(browser, width, height) as map_page:
        page = map_page.open(project_map).page
        page.locator(".fm-banner").wait_for()
        map_page.wait_still()
        sites = map_page.js(SITES_IN_VIEW)
        seen = {site["id"] for site in sites if site["seen"]}
        where = f"{width}x{height}: {sorted(seen)} of {len(sites)} sites in view"
        # All but the exercise range in Orenburg, far from the others (the opening view).
        assert len(seen) >= len(sites) - 1, where
        assert {"tj-murghab-shaymak", "tj-ishkoshim-vakhon"} <= seen, where
        assert_no_controls_overlap(map_page.js(BOXES)["controls"], where)
        # The legend is a click away.
        legend = page.locator(".fm-legend details")
        if not legend.evaluate("d => d.open"):
            page.locator(".fm-legend summary").click()
            assert page.locator(".fm-legend-list").is_visible()
        assert map_page.page_errors == []


def test_a_phone_zooms_out_to_the_whole_world(browser, world_map):
    # The lowest zoom was 2 on every screen: a phone saw at most 137 degrees of longitude.
    from conftest import screen

    with screen(browser, 390, 844) as map_page:
        map_page.open(world_map)
        assert map_page.js("window.facilitymap.map.getZoom()") >= 2  # (it opens as before)
        map_page.js("window.facilitymap.map.setZoom(0, {animate: false})")
        bounds = map_page.js(
            "(() => { const b = window.facilitymap.map.getBounds(); "
            "return [b.getWest(), b.getEast()]; })()"
        )
        assert bounds[1] - bounds[0] >= 360, bounds
        seen = [site for site in map_page.js(SITES_IN_VIEW) if site["seen"]]
        assert len(seen) >= 16, seen
        # A laptop's lowest zoom is still 2: its map sees the world whole there.
        map_page.page.set_viewport_size({"width": 1920, "height": 1080})
        map_page.wait_until("window.facilitymap.map.getMinZoom() === 2")
        assert map_page.page_errors == []


def test_a_phone_held_sideways_says_tiles_failed_in_one_line(browser, project_map):
    # ~350 px of map: the banner's three lines (70 px) covered the sites in the middle of it.
    from conftest import screen

    with screen(browser, 844, 390) as map_page:
        page = map_page.open(project_map).page
        banner = page.locator(".fm-banner")
        banner.wait_for()
        assert "tiles could not be loaded" in banner.inner_text()
        assert banner.bounding_box()["height"] < 32
        assert_no_controls_overlap(map_page.js(BOXES)["controls"], "844x390")
        assert map_page.page_errors == []
