"""A map rendered with --since marks what changed: a badge in the list, a ring on the map, the
changes in the popup, and the header says since when (issue #19)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from facilitymap.cli import cli
from facilitymap.edit import add_claim
from facilitymap.io import load_layer, save_layer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
]
REAL = Path(__file__).resolve().parents[2] / "geodata" / "sites.geojson"
CHANGED = "tj-kulob-mumirak"
SAME = "ru-orenburg-donguz"  # far from every other site: nothing else is drawn near it
HOSTILE = "<img src=x onerror=alert(1)> claim"

# Dark, opaque pixels on a circle around a site's glyph, in the site canvas.
RING_PIXELS = """(arg) => {
  const canvas = window.facilitymap.app.siteLayer._container;
  const box = canvas.getBoundingClientRect();
  const scale = canvas.width / box.width;
  const ctx = canvas.getContext('2d');
  let dark = 0;
  for (let r = 6; r <= 16; r += 1) {
    for (let k = 0; k < 48; k += 1) {
      const a = (k / 48) * 2 * Math.PI;
      const x = Math.round((arg.x + r * Math.cos(a) - box.left) * scale);
      const y = Math.round((arg.y + r * Math.sin(a) - box.top) * scale);
      const [red, green, blue, alpha] = ctx.getImageData(x, y, 1, 1).data;
      if (alpha > 200 && red < 40 && green < 40 && blue < 40) dark += 1;
    }
  }
  return dark;
}"""


def _ring_pixels(map_page) -> dict[str, int]:
    return {
        site: map_page.js(RING_PIXELS, map_page.js(f"window.facilitymap.screenPoint('{site}')"))
        for site in (CHANGED, SAME)
    }


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@e.org", *args],
        cwd=repo, capture_output=True, check=True,
    )  # fmt: skip


@pytest.fixture(scope="module")
def since_map(tmp_path_factory) -> Path:
    repo = tmp_path_factory.mktemp("since")
    layer = repo / "sites.geojson"
    shutil.copy(REAL, layer)
    _git(repo, "init", "-q")
    _git(repo, "add", "sites.geojson")
    _git(repo, "commit", "-qm", "before")
    claim = {
        "date": "2026-11-30",
        "actor": "Test outlet",
        "actor_type": "journalist",
        "stance": "context",
        "basis": "relay",
        "summary": HOSTILE,
        "sources": [load_layer(layer).site(CHANGED).sources[0].id],
    }
    save_layer(add_claim(load_layer(layer), CHANGED, claim), layer)
    out = repo / "since.html"
    run = CliRunner().invoke(cli, ["render", str(layer), "-o", str(out), "--since", "HEAD"])
    assert run.exit_code == 0, run.output
    plain = repo / "plain.html"
    run = CliRunner().invoke(cli, ["render", str(layer), "-o", str(plain)])
    assert run.exit_code == 0, run.output
    return out


def test_changed_sites_are_badged_ringed_and_explained(map_page, since_map):
    map_page.open(since_map)
    facts = map_page.page.locator(".fm-since-line").inner_text()
    assert facts == "Ringed and badged: 1 site new or changed since HEAD."
    badges = map_page.page.locator(".fm-item .fm-badge")
    assert badges.count() == 1 and badges.inner_text() == "changed"
    item = map_page.page.locator(".fm-item:has(.fm-badge)")
    assert item.get_attribute("class") == "fm-item"
    assert item.locator("[data-site]").get_attribute("data-site") == CHANGED
    # a ring: more dark pixels around the changed site's glyph than on the same map without
    # --since; around an unchanged site, as many (borders are dark too)
    marked = _ring_pixels(map_page)
    map_page.open(since_map.with_name("plain.html"))
    unmarked = _ring_pixels(map_page)
    assert marked[CHANGED] > unmarked[CHANGED] + 20
    assert marked[SAME] == unmarked[SAME]
    map_page.open(since_map)
    map_page.click_site(CHANGED)
    popup = map_page.popup()
    popup.wait_for()
    changes = popup.locator(".fm-changes")
    assert changes.locator("h3").inner_text() == "Changes since HEAD"
    lines = changes.locator("li").all_inner_texts()
    assert any(line.startswith("+ claim c") and HOSTILE in line for line in lines)
    assert popup.locator(".fm-changes img").count() == 0  # shown as text, never as markup
    map_page.assert_clean()


def test_a_map_without_since_marks_nothing(map_page, tmp_path):
    out = tmp_path / "plain.html"
    run = CliRunner().invoke(cli, ["render", str(REAL), "-o", str(out)])
    assert run.exit_code == 0, run.output
    map_page.open(out)
    assert map_page.page.locator(".fm-badge").count() == 0
    assert map_page.page.locator(".fm-since-line").count() == 0
    map_page.assert_clean()
