"""axe-core (the npm package, pinned in package-lock.json, injected only here) finds no
accessibility violation on any declared map: with a site's details open, with the timeline
focused, on a laptop and on a phone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from facilitymap.io import load_layer
from facilitymap.maps import combine_layers, load_config, render_map

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ': ' + n.failureSummary)}));
}"""


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        if os.environ.get("CI"):
            pytest.fail("node_modules/axe-core is missing, and CI is set: .ci/run runs npm ci")
        pytest.skip("axe-core not installed (npm ci); accessibility tests skip locally")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def project_maps(tmp_path_factory) -> list[Path]:
    config = load_config(ROOT / "maps.toml")
    out = tmp_path_factory.mktemp("a11y")
    paths = []
    for spec in config.maps:  # each with the layer(s) it names, as `build` draws it
        layer = combine_layers([load_layer(f) for f in spec.layers or (config.layer,)])
        paths.append(out / spec.output)
        paths[-1].write_text(render_map(layer, spec), encoding="utf-8")
    return paths


def violations(map_page, axe_source: str) -> list[dict]:
    # A popup fading in or out is half transparent: axe would judge its contrast mid-fade.
    map_page.wait_until("document.getAnimations().every(a => a.playState !== 'running')")
    map_page.wait_until(
        "[...document.querySelectorAll('.leaflet-popup')]"
        ".every(p => getComputedStyle(p).opacity === '1')"
    )
    if not map_page.js("typeof window.axe !== 'undefined'"):
        map_page.js(axe_source)  # evaluated by the test driver, not by the page's CSP
    return map_page.js(RUN_AXE)


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)], ids=str)
def test_no_violation_with_details_open_and_timeline_focused(
    browser, project_maps, axe_source, width, height
):
    from conftest import MapPage

    for path in project_maps:
        context = browser.new_context(
            viewport={"width": width, "height": height}, has_touch=width < 700
        )
        try:
            map_page = MapPage(context, tiles="blank")
            page = map_page.open(path).page
            site = map_page.js("window.facilitymap.app.located.filter(s => s.present)[0].id")
            # Opened from the list, as a reader with a keyboard would (on the world maps the
            # open legend can sit over a glyph).
            if width < 700:
                page.locator(".fm-panel-toggle").click()
            page.locator(f".fm-item-button[data-site='{site}']").click()
            map_page.popup().wait_for()
            map_page.wait_still()
            found = violations(map_page, axe_source)
            assert found == [], f"{path.name}, details of {site} open: {found}"
            page.locator(".fm-slider").focus()
            page.keyboard.press("Home")
            map_page.wait_until("window.facilitymap.app.listTimer === null")
            page.wait_for_timeout(400)  # a popup the date hid fades out (0.2 s) before removal
            found = violations(map_page, axe_source)
            assert found == [], f"{path.name}, timeline focused: {found}"
        finally:
            context.close()
