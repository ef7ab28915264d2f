"""The timeline: moved by keyboard, by the URL and by Play, the page shows what
``render --as-of`` shows for that date: which sites, their status, the legend's counts and,
in the details, only the claims known by then."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from facilitymap.dates import date_end
from facilitymap.io import load_layer
from facilitymap.maps import MapSpec, map_features, render_map
from facilitymap.status import STATUS_INFO

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SPECS = {
    "overview": MapSpec(name="overview", output="overview.html"),
    "filtered": MapSpec(
        name="filtered",
        output="filtered.html",
        statuses=("attested-denied", "reported-denied", "attested"),
    ),
}
LABELS = {info[0]: key for key, info in STATUS_INFO.items()}

# What a reader sees: each listed site's status, and the legend's counts.
SHOWN = """() => ({
  sites: Object.fromEntries([...document.querySelectorAll('#fm-panel .fm-item-button')].map(
    b => [b.dataset.site, b.querySelector('.fm-item-sub').textContent.split(' \\u00b7 ')[0]])),
  legend: Object.fromEntries([...document.querySelectorAll('.fm-legend-list li')].map(
    li => [li.dataset.status, +li.querySelector('.fm-count').textContent.replace(/[^0-9]/g, '')])),
})"""


@pytest.fixture(scope="module")
def layer():
    return load_layer(ROOT / "geodata" / "sites.geojson")


def expected(layer, spec: MapSpec, day: str | None) -> tuple[dict, dict]:
    """Sites and counts of the same map rendered with --as-of ``day``."""
    as_of = date.fromisoformat(day) if day else None
    features = map_features(layer, MapSpec(**{**spec.__dict__, "as_of": as_of}))
    sites = {f["id"]: f["properties"]["status"] for f in features}
    counts = Counter(sites.values())
    return sites, {key: counts.get(key, 0) for key in STATUS_INFO}


def settle(map_page, condition: str) -> None:
    """Until the date change is in the URL and the list (which follows once the date stops
    changing) is redrawn."""
    map_page.wait_until(f"({condition}) && window.facilitymap.app.listTimer === null")


def shown(map_page) -> tuple[dict, dict]:
    seen = map_page.js(SHOWN)
    return {k: LABELS[v] for k, v in seen["sites"].items()}, seen["legend"]


@pytest.mark.parametrize("name", list(SPECS))
def test_the_timeline_shows_what_render_as_of_shows(map_page, layer, tmp_path, name):
    spec = SPECS[name]
    path = tmp_path / spec.output
    path.write_text(render_map(layer, spec), encoding="utf-8")
    page = map_page.open(path).page
    stops = map_page.js("window.facilitymap.app.timeline.stops")
    assert stops[-1] is None and len(stops) >= 6, "one stop per claim date, then the map's own"
    slider = page.locator(".fm-slider")
    slider.focus()
    page.keyboard.press("Home")
    position = 0
    picks = sorted({0, len(stops) // 4, len(stops) // 2, 3 * len(stops) // 4, len(stops) - 2})
    assert len(picks) == 5
    for pick in picks:
        while position < pick:  # arrow keys step from date to date
            page.keyboard.press("ArrowRight")
            position += 1
        day = stops[pick]
        settle(map_page, f"location.hash.indexOf('date={day}') >= 0")
        assert page.locator(".fm-timebar-date").inner_text() == day
        want_sites, want_counts = expected(layer, spec, day)
        got_sites, got_counts = shown(map_page)
        assert got_sites == want_sites, day
        assert got_counts == want_counts, day
        assert f"Status as of {day}" in page.locator(".fm-asof-line").inner_text()
        if not want_sites:  # an empty map says why
            words = page.locator(".fm-count-line").inner_text()
            assert words.startswith("No site on this map: none has status") and day in words
            slider.focus()
            continue
        # The details of a site on the map list only the claims known that day.
        site_id = sorted(want_sites)[0]
        feature = next(f for f in layer.sites if f.id == site_id)
        known = [c for c in feature.claims if date_end(c.date) <= date.fromisoformat(day)]
        map_page.js("(id) => window.facilitymap.openSite(id)", site_id)
        detail = page.locator(f"article.fm-detail[data-site='{site_id}']")
        detail.wait_for()
        assert detail.locator(".fm-claim").count() == len(known), (day, site_id)
        later = len(feature.claims) - len(known)
        if later:
            assert f"{later} later claim" in detail.locator(".fm-later").inner_text()
        slider.focus()
    # End: the map's own date again, every site as the page was built.
    page.keyboard.press("End")
    settle(map_page, "location.hash.indexOf('date=') < 0")
    assert shown(map_page) == expected(layer, spec, None)
    # The URL keeps a date: a reader opening it sees that day.
    day = stops[picks[2]]
    map_page.open(path, f"#date={day}")
    settle(map_page, "true")
    assert shown(map_page) == expected(layer, spec, day)
    assert page.locator(".fm-timebar-date").inner_text() == day
    map_page.assert_clean()


def test_play_walks_through_the_dates_and_pauses(map_page, layer, tmp_path):
    path = tmp_path / "overview.html"
    path.write_text(render_map(layer, SPECS["overview"]), encoding="utf-8")
    page = map_page.open(path).page
    play = page.locator(".fm-play")
    assert play.get_attribute("aria-label") == "Play the timeline"
    play.click()  # at the end: starts again from the first date
    assert page.locator(".fm-slider").input_value() == "0"
    assert play.get_attribute("aria-label") == "Pause the timeline"
    map_page.wait_until("+document.querySelector('.fm-slider').value >= 2")
    play.click()
    stopped = page.locator(".fm-slider").input_value()
    page.wait_for_timeout(1200)
    assert page.locator(".fm-slider").input_value() == stopped
    day = map_page.js("window.facilitymap.app.date")
    settle(map_page, f"location.hash.indexOf('date={day}') >= 0")
    assert shown(map_page) == expected(layer, SPECS["overview"], day)
    map_page.assert_clean()
