"""Shared fixtures: paths to test layers, a CLI runner and one headless Chromium."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
REAL_LAYER = REPO / "geodata" / "sites.geojson"


@pytest.fixture
def runner() -> CliRunner:
    """A click runner keeping stderr apart from stdout."""
    return CliRunner()


@pytest.fixture
def two_sites(tmp_path: Path) -> Path:
    """A writable copy of tests/data/valid/two-sites.geojson."""
    target = tmp_path / "two-sites.geojson"
    shutil.copy(DATA / "valid" / "two-sites.geojson", target)
    return target


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}, and CI is set: .ci/run must install it")
    pytest.skip(f"{reason}; browser tests skip locally when CI is unset")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the session (Playwright's sync API allows one at a time:
    every test that drives Chromium uses this one)."""
    from facilitymap.render.screenshot import CHROMIUM_ARGS, chromium_path

    executable = chromium_path()
    if executable is None:
        _missing("Chromium not found (/usr/bin/chromium, or set FACILITYMAP_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=list(CHROMIUM_ARGS))
        yield chromium
        chromium.close()
