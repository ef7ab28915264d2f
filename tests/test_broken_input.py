"""Broken and arbitrary input: the loader and validator only ever report, never crash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facilitymap import io as layer_io
from facilitymap.cli import cli
from facilitymap.errors import LayerError
from facilitymap.io import load_layer, parse_layer
from facilitymap.validate import validate_layer, validate_path

BASE = Path(__file__).parent / "data" / "invalid" / "unknown-source.geojson"


def test_the_corpus_has_at_least_forty_broken_layers():
    broken = list((Path(__file__).parent / "data" / "invalid").glob("broken-*.geojson"))
    assert len(broken) >= 40


def test_a_ten_megabyte_name_is_refused_in_one_line(tmp_path, runner):
    doc = json.loads(BASE.read_text(encoding="utf-8"))
    doc["features"][0]["properties"]["name"] = "x" * (10 * 1024 * 1024)
    path = tmp_path / "huge-name.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = runner.invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    lines = [line for line in result.stdout.splitlines() if ": name: " in line]
    assert lines == [
        f"{path}: tj-test-site: name: is 10,485,760 characters long; at most 200,000 allowed"
    ]


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path, runner, monkeypatch):
    monkeypatch.setattr(layer_io, "MAX_LAYER_BYTES", 1000)
    path = tmp_path / "big.geojson"
    path.write_bytes(b" " * 2000)
    result = runner.invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.stdout.strip() == (
        f"{path}: -: file: 2,000 bytes is over the 1,000-byte limit "
        "(set FACILITYMAP_MAX_LAYER_BYTES to raise it)"
    )


# ---- Hypothesis: arbitrary JSON never makes the loader or validator raise anything else ----

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=30,
)
# Feature-shaped values reach deeper code than arbitrary JSON does.
keys = st.sampled_from(
    [
        "type",
        "id",
        "geometry",
        "properties",
        "coordinates",
        "name",
        "kind",
        "country",
        "location",
        "claims",
        "sources",
        "precision_m",
        "basis",
        "note",
        "date",
        "stance",
        "url",
        "confidence",
        "status",
    ]
)
feature_like = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-200, 200)
    | st.floats(-200, 200)
    | st.sampled_from(
        [
            "Feature",
            "Point",
            "Polygon",
            "TJ",
            "base",
            "affirms",
            "2019-02-18",
            "https://x.example",
            "javascript:x",
            "unlocated",
            "high",
        ]
    ),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(keys, children, max_size=8),
    max_leaves=40,
)


def _check_never_raises(doc) -> None:
    data = json.dumps(doc).encode()
    layer, problems = parse_layer(data, "fuzz")
    if layer is not None:
        problems += validate_layer(layer, "fuzz")
    assert all(p.path == "fuzz" and p.message for p in problems)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_arbitrary_json_only_yields_problems(doc):
    _check_never_raises(doc)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(feature_like, max_size=3))
def test_arbitrary_feature_like_values_only_yield_problems(features):
    _check_never_raises({"type": "FeatureCollection", "features": features})


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_raise_only_layer_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "x.geojson"
    path.write_bytes(data)
    try:
        load_layer(path)
    except LayerError as err:
        assert err.problems
    assert isinstance(validate_path(path), list)


INVALID_DIR = Path(__file__).parent / "data" / "invalid"
ERROR_FILES = sorted(p for p in INVALID_DIR.glob("*.geojson") if not p.name.startswith("warn-"))


# import recomputes derived fields (a mismatch is only a warning there) and accepts the
# WGS 84 `crs` member older tools write; everything else must be refused by import too.
# What GIS tools write is accepted on import, with a notice (#13): a bare array of Features
# is read as a collection, and z values are dropped.
IMPORT_ACCEPTS = {
    "broken-evidence-mismatch",
    "derived-status-mismatch",
    "crs-member",
    "broken-top-level-array",
    "three-d-position",
}


@pytest.mark.parametrize("bad", ERROR_FILES, ids=lambda p: p.stem)
def test_no_command_writes_anything_from_a_bad_layer(bad, tmp_path, runner, two_sites):
    before = two_sites.read_bytes()
    runs = {
        "render": ["render", str(bad), "-o", str(tmp_path / "map.html")],
        "export": ["export", str(bad), "--to", "geojson", "-o", str(tmp_path / "out.geojson")],
    }
    if bad.stem not in IMPORT_ACCEPTS:
        runs["import"] = ["import", str(bad), "--into", str(two_sites)]
    for name, args in runs.items():
        result = runner.invoke(cli, args)
        assert result.exit_code == 1, (name, result.output)
        assert "Traceback" not in result.output
        assert str(bad) in result.stderr, (name, result.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["two-sites.geojson"]
    assert two_sites.read_bytes() == before
