"""What the faster drawing must keep: precision circles around the glyphs, a list that pages
in alphabetical order, and popups whose details sit in a later, separately read part."""

from __future__ import annotations

import pytest

import facilitymap.render.details as details_module
from facilitymap.render import build_html

pytestmark = pytest.mark.browser


def feature(n: int, lon: float, lat: float, precision_m: float = 500) -> dict:
    return {
        "type": "Feature",
        "id": f"s-{n:03d}",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "name": f"Site {n:03d}",
            "kind": "base",
            "country": "TJ",
            "location": {"precision_m": precision_m, "basis": "reference-place", "note": "n"},
            "confidence": "high",
            "confidence_note": "n",
            "claims": [
                {
                    "id": "c1",
                    "date": "2020-01-02",
                    "actor": f"Reporter of site {n:03d}",
                    "actor_type": "media",
                    "stance": "affirms",
                    "basis": "on-site",
                    "sources": [],
                }
            ],
            "sources": [],
            "status": "attested",
        },
    }


# The canvas's alpha at n points on a circle of `r` CSS pixels around a site.
RING_ALPHA = """([id, r, n]) => {
  const app = window.facilitymap.app;
  const site = app.byId.get(id);
  const canvas = document.querySelector('.fm-sites-canvas');
  const box = canvas.getBoundingClientRect();
  const p = app.map.latLngToContainerPoint([site.lat, site.lon]);
  const map = app.map.getContainer().getBoundingClientRect();
  const ratio = canvas.width / box.width;
  const ctx = canvas.getContext('2d');
  const out = [];
  for (let k = 0; k < n; k++) {
    const a = (2 * Math.PI * k) / n;
    const x = Math.round((map.left + p.x + r * Math.cos(a) - box.left) * ratio);
    const y = Math.round((map.top + p.y + r * Math.sin(a) - box.top) * ratio);
    out.push(ctx.getImageData(x, y, 1, 1).data[3]);
  }
  return out;
}"""

# The precision radius in CSS pixels at the current zoom, as the page computes it.
RADIUS_PX = """(id) => {
  const app = window.facilitymap.app;
  const site = app.byId.get(id);
  const scale = app.map.options.crs.scale(app.map.getZoom());
  return (site.radius / (40075016.686 * Math.cos((site.lat * Math.PI) / 180))) * scale;
}"""


def test_a_precision_circle_is_drawn_around_its_glyph(map_page, tmp_path):
    path = tmp_path / "circle.html"
    html = build_html([feature(1, 71.0, 38.5, precision_m=20_000)], title="c", data_version="v")
    path.write_text(html, encoding="utf-8")
    map_page.open(path)
    r = map_page.js(RADIUS_PX, "s-001")
    assert r > 20, "the circle is larger than the glyph at this zoom"
    inside = map_page.js(RING_ALPHA, ["s-001", r / 2, 24])
    edge = map_page.js(RING_ALPHA, ["s-001", r, 180])
    outside = map_page.js(RING_ALPHA, ["s-001", r + 6, 24])
    assert all(a > 0 for a in inside), "the translucent inside"
    dashes = sum(a > 100 for a in edge)
    assert 0.3 * len(edge) < dashes < 0.9 * len(edge), "a dashed outline"
    assert outside == [0] * 24
    map_page.assert_clean()


def test_list_pages_in_order_and_late_details_open(map_page, tmp_path, monkeypatch):
    monkeypatch.setattr(details_module, "DETAILS_CHUNK", 100)
    # Names out of order in the file; three details elements of 100, 100 and 50 sites.
    features = [feature(n, 70 + (n % 25) * 0.1, 37 + (n // 25) * 0.1) for n in range(250)]
    features.reverse()
    path = tmp_path / "many.html"
    html = build_html(features, title="many", data_version="v", compress=True)
    assert html.count('class="fm-details"') == 3
    path.write_text(html, encoding="utf-8")
    map_page.open(path)
    page = map_page.page
    names = page.locator(".fm-item-name")
    assert names.all_inner_texts() == [f"Site {n:03d}" for n in range(100)]
    assert "250 sites, showing 100" in page.locator(".fm-count-line").inner_text()
    page.locator(".fm-more").click()
    page.locator(".fm-more").click()
    assert names.all_inner_texts() == [f"Site {n:03d}" for n in range(250)]
    assert page.locator(".fm-more").is_hidden()
    # Site 000 is the file's last feature: its details are in the last element.
    page.locator(".fm-item-button[data-site='s-000']").click()
    map_page.popup().wait_for()
    assert "Reporter of site 000" in map_page.popup().inner_text()
    page.locator(".fm-search").fill("site 249")  # in the first element
    page.locator(".fm-item-button[data-site='s-249']").click()
    map_page.wait_until(
        "document.querySelector('.leaflet-popup-content .fm-detail')"
        ".getAttribute('data-site') === 's-249'"
    )
    assert "Reporter of site 249" in map_page.popup().inner_text()
    map_page.assert_clean()


# A pan with the large-layer path forced and the least drawn per frame: what each frame
# shows until every site is drawn, and whether the pointer meanwhile finishes the draw.
SLICED_PAN = """async ([dx, probe]) => {
  const fm = window.facilitymap, layer = fm.app.siteLayer, map = fm.map;
  layer.sliceMin = 0;
  layer.sliceMs = 0;
  const alphaAt = (canvas, id) => {
    const p = fm.screenPoint(id), box = canvas.getBoundingClientRect();
    const ratio = canvas.width / box.width;
    const x = Math.round((p.x - box.left) * ratio), y = Math.round((p.y - box.top) * ratio);
    return canvas.getContext('2d').getImageData(x, y, 1, 1).data[3];
  };
  const before = document.querySelector('.fm-sites-canvas');
  const draws = layer.drawCount;
  let done = false;
  layer.once('drawn', () => { done = true; });
  map.panBy([dx, 0], {animate: false});
  const frames = [];
  const site = fm.app.byId.get(probe);
  const under = () => fm.map.latLngToLayerPoint([site.lat, site.lon]);
  let hover = null;
  while (!done) {
    await new Promise((resolve) => requestAnimationFrame(resolve));
    const shown = document.querySelector('.fm-sites-canvas');
    const frame = {same: shown === before, draws: layer.drawCount - draws, alpha: alphaAt(shown, probe)};
    if (frames.length === 0) {
      // The pointer over the probe site, meanwhile: which glyph is on top there on screen.
      hover = {site: layer.shownAt(under())};
      hover.draws = layer.drawCount - draws;
    }
    frames.push(frame);
  }
  hover.after = layer.shownAt(under());  // now the new image is shown
  return {frames: frames, hover: hover};
}"""

# The shown image (as PNG) and drawn ids, then the same view drawn again all at once.
IMAGE_NOW_AND_AT_ONCE = """() => {
  const layer = window.facilitymap.app.siteLayer;
  const shot = () => document.querySelector('.fm-sites-canvas').toDataURL('image/png');
  const sliced = {image: shot(), ids: window.facilitymap.drawnIds()};
  layer.sliceMin = Infinity;
  layer.requestDraw();
  layer.flush();
  return [sliced, {image: shot(), ids: window.facilitymap.drawnIds()}];
}"""


def test_a_large_layer_redraws_a_slice_a_frame_over_the_old_image(map_page, tmp_path):
    # 1,000 sites in a block, a few with precision circles large enough to draw.
    features = [
        feature(n, 68 + (n % 40) * 0.1, 36 + (n // 40) * 0.1, 20_000 if n % 50 == 0 else 50)
        for n in range(1000)
    ]
    path = tmp_path / "sliced.html"
    path.write_text(build_html(features, title="sliced", data_version="v"), encoding="utf-8")
    map_page.open(path)
    everything = sorted(map_page.drawn_ids())
    assert len(everything) == 1000
    pan = map_page.js(SLICED_PAN, [120, "s-420"])
    *drawing, last = pan["frames"]
    assert len(drawing) >= 3, "the redraw took several frames"
    for frame in drawing:
        assert frame["draws"] == 0, "no 'drawn' before every site is drawn"
        assert frame["same"] and frame["alpha"] > 0, "the previous image stays meanwhile"
    hover = pan["hover"]
    assert hover["draws"] == 0, "the pointer does not finish the draw"
    assert hover["site"] >= 0 and hover["site"] == hover["after"], "it finds the glyph shown"
    assert last["draws"] == 1 and not last["same"] and last["alpha"] > 0
    # Complete, and as a draw all at once would have it.
    sliced, at_once = map_page.js(IMAGE_NOW_AND_AT_ONCE)
    assert sorted(sliced["ids"]) == everything
    assert sliced["ids"] == at_once["ids"]
    assert sliced["image"] == at_once["image"]
    map_page.assert_clean()


def test_reading_what_is_drawn_finishes_a_sliced_redraw(map_page, tmp_path):
    # Sites a degree apart: no glyph covers another.
    features = [feature(n, 60 + (n % 20), 30 + (n // 20)) for n in range(400)]
    path = tmp_path / "flush.html"
    path.write_text(build_html(features, title="flush", data_version="v"), encoding="utf-8")
    map_page.open(path)
    result = map_page.js(
        """async () => {
          const fm = window.facilitymap, layer = fm.app.siteLayer;
          layer.sliceMin = 0;
          layer.sliceMs = 0;
          const draws = layer.drawCount;
          fm.map.setZoom(fm.map.getZoom() + 0.5, {animate: false});
          await new Promise((resolve) => requestAnimationFrame(resolve));
          const during = layer.drawCount - draws;
          const ids = fm.drawnIds();
          return {during: during, after: layer.drawCount - draws, ids: ids.length};
        }"""
    )
    assert result == {"during": 0, "after": 1, "ids": 400}
    # A click right after a pan, mid-draw, finds its site.
    # The site nearest the middle of the map after the pan (its edges move with the controls).
    site = map_page.js(
        """() => {
          const fm = window.facilitymap;
          fm.map.panBy([60, 0], {animate: false});
          const mid = fm.map.latLngToContainerPoint(fm.map.getCenter());
          const box = fm.map.getContainer().getBoundingClientRect();
          let best = null, far = Infinity;
          for (const s of fm.app.sites) {
            const p = fm.screenPoint(s.id);
            const d = Math.hypot(p.x - box.left - mid.x, p.y - box.top - mid.y);
            if (d < far) { best = s.id; far = d; }
          }
          return best;
        }"""
    )
    map_page.click_site(site)
    map_page.popup().wait_for()
    assert f"Reporter of site {site[2:]}" in map_page.popup().inner_text()
    map_page.assert_clean()


# What is on screen below a site (the popup opens above it): a PNG of the lower half of a
# 40-pixel square centred on the site's glyph, with the selection pane shown or hidden.
BELOW = """(id) => {
  const p = window.facilitymap.screenPoint(id);
  return {x: Math.round(p.x) - 20, y: Math.round(p.y) + 1, width: 40, height: 19};
}"""
SELECTION_PANE = "window.facilitymap.map.getPane('fm-selection').style"


def test_selecting_a_site_moves_the_ring_without_redrawing_the_sites(map_page, tmp_path):
    # Sites a degree apart (45 pixels at zoom 6): no glyph covers another, or a ring around
    # one. The two selected are on the southern row: the popup of either is above both.
    features = [feature(n, 60 + (n % 20), 30 + (n // 20)) for n in range(400)]
    path = tmp_path / "ring.html"
    path.write_text(build_html(features, title="ring", data_version="v"), encoding="utf-8")
    map_page.open(path)
    map_page.js("() => { window.facilitymap.map.setView([32, 67], 6, {animate: false}); }")
    draws = "window.facilitymap.app.siteLayer.flush() || window.facilitymap.app.siteLayer.drawCount"
    page = map_page.page

    def settled(clip: dict) -> bytes:
        """The screen in `clip` once it stops changing (a popup pans the map into view)."""
        shots = [page.screenshot(clip=clip)]
        while len(shots) < 2 or shots[-1] != shots[-2]:
            assert len(shots) < 40, "the map never settled"
            page.wait_for_timeout(50)
            shots.append(page.screenshot(clip=clip))
        return shots[-1]

    def ringed() -> dict[str, bool]:
        """Which of two sites has the selection ring drawn around it, on screen."""
        page.mouse.move(400, 795)  # the pointer away: no tooltip
        settled(map_page.js(BELOW, "s-005"))
        result = {}
        for site in ("s-005", "s-009"):
            clip = map_page.js(BELOW, site)
            with_ring = settled(clip)
            map_page.js(f"{SELECTION_PANE}.visibility = 'hidden'")
            result[site] = settled(clip) != with_ring
            map_page.js(f"{SELECTION_PANE}.visibility = ''")
        return result

    assert ringed() == {"s-005": False, "s-009": False}
    map_page.click_site("s-005")
    map_page.popup().wait_for()
    assert ringed() == {"s-005": True, "s-009": False}
    map_page.click_site("s-009")
    map_page.wait_until(
        "document.querySelector('.leaflet-popup-content .fm-detail')"
        ".getAttribute('data-site') === 's-009'"
    )
    assert ringed() == {"s-005": False, "s-009": True}
    # The popups panned the map (which redraws the sites); now it fits where it is.
    before = map_page.js(draws)
    map_page.js("() => { window.facilitymap.map.closePopup(); }")
    assert ringed() == {"s-005": False, "s-009": False}
    map_page.click_site("s-009")
    map_page.popup().wait_for()
    assert ringed() == {"s-005": False, "s-009": True}
    assert map_page.js(draws) == before, "selecting and unselecting redrew no site"
    # The ring stays on its site through a zoom, and a click through it finds the site.
    map_page.js("() => { window.facilitymap.map.setZoom(7, {animate: false}); }")
    assert ringed()["s-009"]
    centred = """(id) => {
      const p = window.facilitymap.screenPoint(id);
      const ring = document.querySelector('.fm-ring').getBoundingClientRect();
      return Math.hypot(ring.left + ring.width / 2 - p.x, ring.top + ring.height / 2 - p.y);
    }"""
    assert map_page.js(centred, "s-009") < 1
    map_page.js("() => { window.facilitymap.map.closePopup(); }")
    map_page.click_site("s-009")
    map_page.popup().wait_for()
    assert map_page.popup().get_attribute("data-site") == "s-009"
    map_page.assert_clean()


# The sites drawn as the page does it (glyphs and areas under opaque glyphs skipped), then
# with every glyph and area in view painted: how many glyphs each stamped, what each drew
# (ids, for hit-testing), and how their pixels differ.
CULLED_AND_ALL = """() => {
  const fm = window.facilitymap, layer = fm.app.siteLayer;
  const draw = () => {
    layer.requestDraw();
    layer.flush();
    const canvas = document.querySelector('.fm-sites-canvas');
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    return {pixels: pixels, stamped: layer.stamped, ids: fm.drawnIds()};
  };
  const culled = draw();
  layer.occlusion = false;
  const all = draw();
  layer.occlusion = true;
  let differ = 0, most = 0, painted = 0;
  for (let i = 0; i < all.pixels.length; i++) {
    const d = Math.abs(all.pixels[i] - culled.pixels[i]);
    if (d) differ++;
    most = Math.max(most, d);
    if (i % 4 === 3 && all.pixels[i]) painted++;
  }
  delete culled.pixels;
  delete all.pixels;
  return {culled: culled, all: all, differ: differ, most: most, painted: painted};
}"""


def test_what_other_glyphs_cover_is_not_drawn_and_the_image_is_the_same(map_page, tmp_path):
    """A glyph or area that opaque glyphs above it cover wherever it paints is skipped
    (most of a dense layer's draw without a GPU), and the image stays the same."""
    from facilitymap.model import CONFIDENCES, STATUSES

    features = []
    for n in range(900):
        # A tight block: most glyphs lie under others. Every status and confidence (the
        # low ones translucent), precision circles of several sizes, some polygons.
        x, y = 70 + (n % 30) * 0.01, 38 + (n // 30) * 0.01
        f = feature(n, x, y, (50, 3_000, 20_000)[n % 3])
        f["properties"]["status"] = STATUSES[n % len(STATUSES)]
        f["properties"]["confidence"] = CONFIDENCES[(n // 7) % len(CONFIDENCES)]
        if n % 50 == 0:
            ring = [[x, y], [x + 0.05, y], [x + 0.05, y + 0.04], [x, y + 0.04], [x, y]]
            f["geometry"] = {"type": "Polygon", "coordinates": [ring]}
        features.append(f)
    path = tmp_path / "dense.html"
    path.write_text(build_html(features, title="dense", data_version="v"), encoding="utf-8")
    map_page.open(path)
    zoom_by = (
        "(z) => { const m = window.facilitymap.map; m.setZoom(m.getZoom() + z, {animate: false}); }"
    )
    for zoom in (0, -1.5, 2):  # the opening view; zoomed out; in, at a fractional zoom
        map_page.js(zoom_by, zoom)
        result = map_page.js(CULLED_AND_ALL)
        culled, everything = result["culled"], result["all"]
        assert culled["ids"] == everything["ids"], "every glyph in view is still hit-tested"
        assert everything["stamped"] == len(everything["ids"]) > 100
        if zoom <= 0:
            assert culled["stamped"] < everything["stamped"] / 2, "most are covered"
        # Glyphs are stamped pixel for pixel; a batch of circles filled as one path with
        # fewer circles in it may round a pixel outside them one level differently (Skia).
        assert result["most"] <= 1, f"zoom {zoom:+}"
        assert result["differ"] <= result["painted"] // 10_000, f"zoom {zoom:+}"
    map_page.assert_clean()
