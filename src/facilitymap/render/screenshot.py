"""A PNG of a map page, taken in headless Chromium through Playwright, offline.

Every request other than the page's own ``file:`` URL is refused, so the picture never
depends on the network: the basemap is absent and the map shows its country borders on a
plain background, as it does offline. Playwright comes with facilitymap (it drives the
system's Chromium and never downloads one); without it, or without Chromium,
:class:`ScreenshotUnavailable` says what is missing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from facilitymap.atomic import write_atomic
from facilitymap.errors import FacilitymapError

# Flags for a quiet, reproducible headless run (no sandbox: CI and containers run as root).
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)


class ScreenshotUnavailable(FacilitymapError):
    """Raised when Chromium or Playwright is not installed."""


def chromium_path() -> str | None:
    """The Chromium to drive: ``$FACILITYMAP_CHROMIUM``, Debian's, or one on ``PATH``."""
    configured = os.environ.get("FACILITYMAP_CHROMIUM")
    if configured:
        return configured if Path(configured).is_file() else None
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return shutil.which("chromium") or shutil.which("chromium-browser")


def take_screenshot(
    html_path: str | os.PathLike[str],
    png_path: str | os.PathLike[str],
    *,
    width: int = 1280,
    height: int = 800,
) -> None:
    """Open ``html_path`` in headless Chromium, wait until the map is drawn, save a PNG."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise ScreenshotUnavailable(
            "Playwright is not installed (pip install playwright)"
        ) from None
    executable = chromium_path()
    if executable is None:
        raise ScreenshotUnavailable("Chromium not found (apt-get install chromium)")
    url = Path(html_path).resolve().as_uri()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.route("**/*", _only_the_page(url))
            page.goto(url)
            page.wait_for_selector("html[data-fm-ready='true']", timeout=30_000)
            page.wait_for_timeout(500)  # let the refused tiles report, and the canvas settle
            # The "tiles failed" notice is true but not news in a picture taken offline.
            page.evaluate("document.querySelectorAll('.fm-banner').forEach(b => b.remove())")
            data = page.screenshot(type="png")
        finally:
            browser.close()
    write_atomic(png_path, data)


def _only_the_page(url: str):
    def handle(route) -> None:
        if route.request.url.split("#")[0] == url:
            route.continue_()
        else:
            route.abort()

    return handle
