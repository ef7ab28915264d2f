"""The popup of the real layer says which government denies (issue #14)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from facilitymap.io import load_layer
from facilitymap.maps import MapSpec, render_map

pytestmark = pytest.mark.browser
REAL = Path(__file__).resolve().parents[2] / "geodata" / "sites.geojson"


@pytest.mark.parametrize(
    ("as_of", "words"),
    [
        (None, "denied by Tajikistan and China"),
        (date(2021, 12, 31), "denied by China; acknowledged in another role by Tajikistan"),
    ],
)
def test_the_vakhon_popup_says_who_denies(map_page, tmp_path, as_of, words):
    spec = MapSpec(name="real", output="real.html", as_of=as_of)
    path = tmp_path / "real.html"
    path.write_text(render_map(load_layer(REAL), spec), encoding="utf-8")
    map_page.open(path, "#site=tj-ishkoshim-vakhon")
    popup = map_page.popup()
    popup.wait_for()
    status = popup.locator(".fm-axes").inner_text()
    assert f"({words})" in status
    item = map_page.page.locator(".fm-item-button[data-site='tj-ishkoshim-vakhon']")
    assert item.inner_text().endswith(words.split("; ")[0])
    map_page.assert_clean()
