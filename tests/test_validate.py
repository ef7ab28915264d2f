"""The validator: one tiny bad file per rule, each with its exact one-line message."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from facilitymap.cli import cli
from facilitymap.validate import validate_path

INVALID = Path(__file__).parent / "data" / "invalid"
EXPECTED: dict[str, str] = json.loads((INVALID / "expected.json").read_text(encoding="utf-8"))
ERROR_CASES = sorted(k for k in EXPECTED if not k.startswith("warn-"))
WARNING_CASES = sorted(k for k in EXPECTED if k.startswith("warn-"))


def test_fixtures_are_what_the_generator_writes(tmp_path, monkeypatch):
    sys.path.insert(0, str(INVALID.parent))
    try:
        import make_invalid
    finally:
        sys.path.pop(0)
    monkeypatch.setattr(make_invalid, "HERE", tmp_path)
    make_invalid.main()
    for made in tmp_path.iterdir():
        assert made.read_bytes() == (INVALID / made.name).read_bytes(), made.name


@pytest.mark.parametrize("name", ERROR_CASES)
def test_each_bad_file_gives_its_one_line_and_exit_1(runner, name):
    path = INVALID / name
    result = runner.invoke(cli, ["validate", "--no-notices", str(path)])
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines == [f"{path}: {EXPECTED[name]}"]
    assert "Traceback" not in result.output


@pytest.mark.parametrize("name", WARNING_CASES)
def test_warnings_pass_unless_strict(runner, name):
    path = INVALID / name
    result = runner.invoke(cli, ["validate", "--no-notices", str(path)])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [f"{path}: {EXPECTED[name]}"]
    assert runner.invoke(cli, ["validate", "--no-notices", "--strict", str(path)]).exit_code == 1


def test_every_problem_is_reported_at_once(tmp_path, runner):
    doc = json.loads((INVALID / "unknown-source.geojson").read_text(encoding="utf-8"))
    props = doc["features"][0]["properties"]
    props["kind"] = "fortress"
    props["sources"][0]["url"] = "javascript:alert(1)"
    props["claims"][0]["date"] = "2999-01-01"
    second = json.loads(json.dumps(doc["features"][0]))
    second["id"] = "Bad Id"
    doc["features"].append(second)
    path = tmp_path / "many.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = runner.invoke(cli, ["validate", "--no-notices", str(path)])
    assert result.exit_code == 1
    assert f"{path}: tj-test-site: kind: unknown value 'fortress'" in result.stdout
    assert f"{path}: Bad Id: id: 'Bad Id' is not a slug" in result.stdout
    assert "Bad Id: kind:" in result.stdout  # the second site is checked too


def test_semantic_problems_all_listed_for_a_structurally_valid_site(tmp_path):
    doc = json.loads((INVALID / "unknown-source.geojson").read_text(encoding="utf-8"))
    props = doc["features"][0]["properties"]
    props["sources"][0]["url"] = "javascript:alert(1)"
    props["claims"][0]["date"] = "2999-01-01"
    path = tmp_path / "semantic.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    fields = {p.field for p in validate_path(path) if p.severity == "error"}
    assert {"claims[1].sources", "sources[0].url", "claims[0].date"} <= fields


def test_json_format_lists_the_same_problems(runner):
    path = INVALID / "duplicate-id.geojson"
    result = runner.invoke(cli, ["validate", "--no-notices", "--format", "json", str(path)])
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [
        {
            "path": str(path),
            "site": "tj-test-site",
            "field": "id",
            "message": "duplicate id: used by 2 sites",
            "severity": "error",
        }
    ]


def test_several_files_at_once(runner, two_sites):
    result = runner.invoke(
        cli, ["validate", "--no-notices", str(two_sites), str(INVALID / "missing-kind.geojson")]
    )
    assert result.exit_code == 1
    assert "missing-kind.geojson: tj-test-site: kind: required field is missing" in result.stdout
    assert "two-sites" not in result.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file: expected a GeoJSON FeatureCollection"),
        (b"\xef\xbb\xbf{}", "starts with a UTF-8 byte-order mark; RFC 7946 \u00a711 forbids it"),
        (b'{"name": "Kulob \xe9"}', "not UTF-8 (byte 16: 0xe9); save as UTF-8"),
        (b"[1, 2]", "expected a GeoJSON FeatureCollection object, got a JSON array"),
        (b'{"type": "FeatureCollection", "features": {}}', '"features" must be an array'),
        (b'{"type": "FeatureCollection", "features": [}', "not valid JSON"),
    ],
)
def test_file_level_problems_name_the_file(tmp_path, runner, content, message):
    path = tmp_path / "layer.geojson"
    path.write_bytes(content)
    result = runner.invoke(cli, ["validate", "--no-notices", str(path)])
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{path}: -: file: {message}")


def test_feature_level_shape_problems_name_the_index(tmp_path, runner):
    path = tmp_path / "layer.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    "nope",
                    {"type": "Feature", "id": 7, "geometry": None, "properties": None},
                ],
            }
        )
    )
    result = runner.invoke(cli, ["validate", "--no-notices", str(path)])
    assert result.stdout.splitlines() == [
        f"{path}: #0: feature: expected a GeoJSON Feature object, got a JSON string",
        f"{path}: #1: properties: must be an object",
    ]


def test_missing_file_and_folder_are_clear_errors(tmp_path, runner):
    result = runner.invoke(cli, ["validate", "--no-notices", str(tmp_path / "nope.geojson")])
    assert result.exit_code == 1
    assert result.stdout.strip() == f"{tmp_path / 'nope.geojson'}: -: file: no such file"
    result = runner.invoke(cli, ["validate", "--no-notices", str(tmp_path)])
    assert result.exit_code in (1, 2)
    assert "Traceback" not in result.output


def test_usage_error_exits_2(runner):
    assert runner.invoke(cli, ["validate", "--no-notices", "--format", "xml"]).exit_code == 2


def test_real_subprocess_prints_no_traceback(tmp_path):
    path = tmp_path / "x.geojson"
    path.write_bytes(
        b'{"type":"FeatureCollection","features":[{"type":"Feature","id":"a","geometry":{"type":"Point","coordinates":"x"},"properties":{}}]}'
    )
    proc = subprocess.run(
        [sys.executable, "-m", "facilitymap", "validate", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert f"{path}: a: name: required field is missing" in proc.stdout
    assert (
        f"{path}: a: geometry.coordinates: a position must be [longitude, latitude]" in proc.stdout
    )


def test_sources_without_an_archived_copy_are_a_notice_that_never_fails(runner, two_sites):
    quiet = runner.invoke(cli, ["validate", "--strict", str(two_sites)])
    assert quiet.exit_code == 0 and quiet.stdout == ""  # counted, not listed, by default
    assert "2 notice(s) not listed (--notices lists them)" in quiet.stderr
    result = runner.invoke(cli, ["validate", "--strict", "--notices", str(two_sites)])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"{two_sites}: tj-test-denied: sources: notice: 2 of 3 source(s) have no archive_url: "
        "b-2021, c-2024",
        f"{two_sites}: tj-test-programme: sources: notice: 1 of 1 source(s) have no archive_url: "
        "d-2016",
    ]
    assert "0 error(s), 0 warning(s), 2 notice(s)" in result.stderr


def test_the_bulk_format_walk_collects_exactly_the_values_checked_one_by_one():
    # _distinct_values is _site_values written out for speed: a field added to one and not
    # the other would let a bad value through unchecked. Every field here holds its own value.
    from facilitymap.io import load_layer
    from facilitymap.validation.records import _distinct_values, _site_values

    site = load_layer(Path(__file__).resolve().parents[1] / "geodata" / "sites.geojson").sites[0]
    marked = site.replace(
        first_reported="2004",
        updated="2005-06",
        country="KG",
        local_names=[site.local_names[0].replace(lang="ky")],
        location=site.location.replace(sources=["loc-ref"]),
        claims=[site.claims[0].replace(id="c-x", date="2001", sources=["claim-ref"])],
        sources=[
            site.sources[0].replace(
                id="s-x", published="2002-03", accessed="2003-04-05", language="uz"
            )
        ],
    )
    expected: dict[str, set] = {}
    for pattern, value, _ in _site_values(marked):
        expected.setdefault(pattern, set()).add(value)
    assert _distinct_values([marked]) == expected
    assert sum(len(v) for v in expected.values()) == 12  # one value per field


def test_a_flood_of_notices_is_counted_and_listed_on_request(runner, tmp_path):
    # A large layer has one notice per site whose sources have no archived copy; the
    # errors must not drown among them.
    from facilitymap.io import Layer, load_layer, save_layer

    real = load_layer(Path(__file__).resolve().parents[1] / "geodata" / "sites.geojson")
    sites = [s.replace(id=f"{s.id}-{k}") for k in range(3) for s in real.sites]
    sites[-1] = sites[-1].replace(first_reported="2999-01-01")  # one error, listed last
    path = tmp_path / "many.geojson"
    save_layer(Layer(sites=sites), path)
    notices = len(sites)

    default = runner.invoke(cli, ["validate", str(path)])
    lines = default.stdout.splitlines()
    assert default.exit_code == 1
    assert len(lines) == 1 and "is in the future" in lines[0]
    assert f"{notices} notice(s) not listed (--notices lists them)" in default.stderr
    assert f"{notices} notice(s) in 1 file(s)" in default.stderr

    for flag in ("--notices", "--all-notices"):
        every = runner.invoke(cli, ["validate", flag, str(path)])
        assert len(every.stdout.splitlines()) == notices + 1
        assert "is in the future" in every.stdout.splitlines()[0]  # errors before notices
        assert "not listed" not in every.stderr
    hidden = runner.invoke(cli, ["validate", "--no-notices", str(path)])
    assert len(hidden.stdout.splitlines()) == 1 and "not listed" not in hidden.stderr

    none = runner.invoke(cli, ["validate", "--no-notices", str(path)])
    assert len(none.stdout.splitlines()) == 1

    as_json = runner.invoke(cli, ["validate", "--format", "json", str(path)])
    assert sum(p["severity"] == "notice" for p in json.loads(as_json.stdout)) == notices
