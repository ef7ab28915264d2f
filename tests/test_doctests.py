"""The examples in docstrings run and hold (CI also runs them with --doctest-modules)."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
WITH_EXAMPLES = sorted(
    ".".join(path.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__")
    for path in (SRC / "facilitymap").rglob("*.py")
    if ">>> " in path.read_text(encoding="utf-8")
)


def test_the_modules_known_to_have_examples_are_found():
    assert {"facilitymap.dates", "facilitymap.context", "facilitymap.geometry"} <= set(
        WITH_EXAMPLES
    )


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_examples_run_and_hold(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name}: no example was run"
    assert result.failed == 0
