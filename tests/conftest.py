"""Shared fixtures: paths to test layers and a CLI runner."""

from __future__ import annotations

import shutil
from pathlib import Path

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
