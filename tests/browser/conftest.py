"""Headless Chromium (Debian's, driven by Playwright) for the map pages.

The tests skip, with the reason, only when Chromium is missing and the environment variable
``CI`` is unset; on CI a missing browser fails them. No test needs the network: tile requests
are answered with a blank tile (or refused, to test the offline notice), and every other
request that leaves ``file:`` is refused and recorded, so a test can assert there was none.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
SAMPLE = HERE / "data" / "sample.geojson"
# A 1x1 transparent PNG served for every tile, so a missing network is not a console error.
BLANK_TILE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAC0lEQVR4nGNgAAIAAAUAAXpeqz8AAAAASUVORK5CYII="
)
TILE_HOSTS = re.compile(
    r"^https://([a-z]\.)?tile\.(openstreetmap|opentopomap)\.org/|^https://server\.arcgisonline\.com/"
)
# Records every CSP violation and dialog the page causes, from before its first script.
WATCH_SCRIPT = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__violations.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


class MapPage:
    """A map page in a fresh browser context, with what it logged and asked for."""

    def __init__(self, context: Any, tiles: str) -> None:
        self.context = context
        self.page = context.new_page()
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.dialogs: list[str] = []
        self.tile_requests: list[str] = []
        self.refused: list[str] = []
        self.page.on(
            "console",
            lambda m: self.console_errors.append(m.text) if m.type == "error" else None,
        )
        self.page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.page.add_init_script(WATCH_SCRIPT)
        self.page.route("**/*", self._route)
        self.tiles = tiles

    @staticmethod
    def is_tile(url: str) -> bool:
        """Whether a URL is a basemap tile (the only network request a map may make)."""
        return bool(TILE_HOSTS.match(url))

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        elif TILE_HOSTS.match(url):
            self.tile_requests.append(url)
            if self.tiles == "blank":
                route.fulfill(status=200, content_type="image/png", body=BLANK_TILE)
            else:
                route.abort()
        else:
            self.refused.append(url)
            route.abort()

    def open(self, path: Path, fragment: str = "") -> MapPage:
        """Load a map file (afresh, even when only the fragment differs) and wait until its
        script says it is drawn."""
        self.page.goto("about:blank")
        self.page.goto(path.resolve().as_uri() + fragment)
        self.page.wait_for_selector("html[data-fm-ready='true']", timeout=20_000)
        return self

    def js(self, expression: str, arg: Any = None) -> Any:
        return self.page.evaluate(expression, arg)

    def wait_until(self, expression: str, timeout: float = 10.0) -> None:
        """Poll a JS expression until it is truthy (wait_for_function would need eval, which
        the page's Content-Security-Policy rightly forbids)."""
        deadline = time.monotonic() + timeout
        while not self.js(expression):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {expression}")
            self.page.wait_for_timeout(50)

    def drawn_ids(self) -> list[str]:
        return self.js("window.facilitymap.drawnIds()")

    def wait_still(self) -> None:
        """Until the map is not panning (a popup's autoPan glides for a quarter second)."""
        self.wait_until(
            "!(window.facilitymap.map._panAnim && window.facilitymap.map._panAnim._inProgress)"
        )

    def click_site(self, site_id: str) -> None:
        self.wait_still()
        point = self.js("(id) => window.facilitymap.screenPoint(id)", site_id)
        assert point is not None, f"{site_id} has no point on the map"
        self.page.mouse.click(point["x"], point["y"])

    def popup(self) -> Any:
        return self.page.locator(".leaflet-popup-content .fm-detail")

    def screenshot(self, path: Path) -> Path:
        """Save a PNG (also into $FACILITYMAP_TEST_SCREENSHOTS, to look at after a run)."""
        self.page.screenshot(path=str(path))
        keep = os.environ.get("FACILITYMAP_TEST_SCREENSHOTS")
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(keep) / path.name)
        return path

    def assert_clean(self) -> None:
        """No script error, console error, dialog, CSP violation or non-tile request."""
        assert self.page_errors == []
        assert self.console_errors == []
        assert self.dialogs == []
        assert self.js("window.__violations") == []
        assert self.refused == []


@contextlib.contextmanager
def screen(browser: Any, width: int, height: int, *, touch: bool = True) -> Iterator[MapPage]:
    """A page on a screen of ``width`` x ``height`` (a touch screen unless ``touch`` is False),
    with every request beyond its own file refused, tiles included (the banner shows)."""
    context = browser.new_context(viewport={"width": width, "height": height}, has_touch=touch)
    try:
        yield MapPage(context, tiles="refuse")
    finally:
        context.close()


@pytest.fixture
def map_page(browser: Any) -> Iterator[MapPage]:
    """A page whose tile requests get a blank tile (no network needed, no errors)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    yield MapPage(context, tiles="blank")
    context.close()


@pytest.fixture
def offline_page(browser: Any) -> Iterator[MapPage]:
    """A page with every request beyond its own file refused, tiles included."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    yield MapPage(context, tiles="refuse")
    context.close()


@pytest.fixture
def phone_page(browser: Any) -> Iterator[MapPage]:
    """A phone-sized touch screen, blank tiles."""
    context = browser.new_context(viewport={"width": 390, "height": 760}, has_touch=True)
    yield MapPage(context, tiles="blank")
    context.close()


@pytest.fixture(scope="session")
def sample_layer() -> Any:
    from facilitymap.io import load_layer

    return load_layer(SAMPLE)


@pytest.fixture(scope="session")
def sample_maps(tmp_path_factory: pytest.TempPathFactory, sample_layer: Any) -> dict[str, Path]:
    """The sample layer rendered offline: an overview and a map as of 2018-12-31."""
    from datetime import date

    from facilitymap.maps import MapSpec, render_map

    out = tmp_path_factory.mktemp("maps")
    specs = {
        "overview": MapSpec(name="overview", output="overview.html", title="Sample overview"),
        "as-of-2018": MapSpec(
            name="as-of-2018", output="as-of-2018.html", as_of=date(2018, 12, 31)
        ),
    }
    paths = {}
    for name, spec in specs.items():
        paths[name] = out / spec.output
        paths[name].write_text(render_map(sample_layer, spec), encoding="utf-8")
    return paths
