"""list, show, schema and the CLI's contract: exit codes, stdout vs stderr, safe terminal output."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from facilitymap.cli import cli


def test_list_table_shows_every_site(runner, two_sites):
    result = runner.invoke(cli, ["list", str(two_sites)])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "ID",
        "NAME",
        "KIND",
        "COUNTRY",
        "STATUS",
        "DENIED_BY",
        "CONFIDENCE",
        "PRECISION",
        "CLAIMS",
        "SOURCES",
    ]
    assert "tj-test-denied" in lines[1] and "attested-denied" in lines[1] and "±30 km" in lines[1]
    assert "Tajikistan" in lines[1], "who denies"
    assert "tj-test-programme" in lines[2] and "unlocated" in lines[2]
    assert "2 site(s)" in result.stderr


def test_list_filters_and_formats(runner, two_sites):
    result = runner.invoke(
        cli, ["list", str(two_sites), "--status", "acknowledged", "--format", "json"]
    )
    assert [row["id"] for row in json.loads(result.stdout)] == ["tj-test-programme"]
    result = runner.invoke(
        cli, ["list", str(two_sites), "--kind", "border-post", "--format", "csv"]
    )
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["id"], r["claims"], r["sources"]) for r in rows] == [("tj-test-denied", "3", "3")]
    result = runner.invoke(cli, ["list", str(two_sites), "--country", "kg", "--format", "json"])
    assert json.loads(result.stdout) == []
    result = runner.invoke(
        cli, ["list", str(two_sites), "--min-confidence", "moderate", "--format", "json"]
    )
    assert [row["id"] for row in json.loads(result.stdout)] == ["tj-test-denied"]


def test_list_as_of_shows_the_earlier_state(runner, two_sites):
    result = runner.invoke(
        cli, ["list", str(two_sites), "--as-of", "2022-01-01", "--format", "json"]
    )
    rows = {row["id"]: row for row in json.loads(result.stdout)}
    assert rows["tj-test-denied"]["status"] == "attested"
    assert rows["tj-test-denied"]["claims"] == 2
    result = runner.invoke(
        cli, ["list", str(two_sites), "--as-of", "2018-12-31", "--format", "json"]
    )
    assert [row["id"] for row in json.loads(result.stdout)] == ["tj-test-programme"]


def test_bad_option_values_are_usage_errors(runner, two_sites):
    for args in (["--as-of", "2019-13-01"], ["--status", "secret"], ["--country", "TJK"]):
        result = runner.invoke(cli, ["list", str(two_sites), *args])
        assert result.exit_code == 2, args


def test_show_prints_a_dated_timeline_with_sources(runner, two_sites):
    result = runner.invoke(cli, ["show", "tj-test-denied", str(two_sites)])
    assert result.exit_code == 0
    out = result.stdout
    assert "status: Attested, officially denied" in out
    assert out.index("2019-02-18") < out.index("2021-10") < out.index("2024-07-12")
    assert "Outlet A via Relay X: A report <https://example.org/a>" in out
    assert "archived: <https://web.archive.org/web/2020/https://example.org/a>" in out
    assert "Тестовый пост (ru)" in out


def test_show_as_of_and_json(runner, two_sites):
    result = runner.invoke(
        cli, ["show", "tj-test-denied", str(two_sites), "--as-of", "2020-01-01", "--format", "json"]
    )
    feature = json.loads(result.stdout)
    assert feature["properties"]["status"] == "reported"
    assert [c["date"] for c in feature["timeline"]] == ["2019-02-18"]


def test_show_unknown_site_exits_1(runner, two_sites):
    result = runner.invoke(cli, ["show", "nope", str(two_sites)])
    assert result.exit_code == 1
    assert "no site with id 'nope'" in result.stderr


def test_commands_on_an_invalid_layer_list_problems_and_exit_1(runner, tmp_path):
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature"}]}')
    result = runner.invoke(cli, ["list", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}: #0: geometry: missing: use null for an unlocated site" in result.stderr
    assert "Traceback" not in result.output


def test_terminal_control_characters_in_data_are_shown_escaped(runner, two_sites):
    doc = json.loads(two_sites.read_text(encoding="utf-8"))
    doc["features"][0]["properties"]["name"] = "evil\x1b[2J\u202eeman"
    two_sites.write_text(json.dumps(doc), encoding="utf-8")
    result = runner.invoke(cli, ["show", "tj-test-denied", str(two_sites)])
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    assert "evil\\x1b[2J\\u202eeman" in result.stdout


def test_schema_command_prints_json_schema(runner):
    result = runner.invoke(cli, ["schema"])
    assert json.loads(result.stdout)["title"] == "facilitymap layer"


def test_python_dash_m_works(two_sites):
    proc = subprocess.run(
        [sys.executable, "-m", "facilitymap", "list", str(two_sites)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0 and "tj-test-denied" in proc.stdout


def test_version(runner):
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0 and "facilitymap" in result.stdout


@pytest.mark.parametrize(
    ("args", "code", "stdout_has", "stderr_has"),
    [
        (["list", "--format", "json", "{two_sites}"], 0, '"tj-test-denied"', ""),
        (["validate", "{bad}"], 1, "invalid polygon", "1 error(s)"),
        (["list", "--status", "nonsense", "{two_sites}"], 2, "", "Invalid value"),
        (["render", "{two_sites}", "-o", "{out}"], 0, "", "written"),
    ],
)
def test_the_console_command_exits_with_its_code_and_all_its_output(
    two_sites, tmp_path, args, code, stdout_has, stderr_has
):
    # main() ends the process with os._exit: output must still be complete and flushed.
    bad = Path(__file__).parent / "data" / "invalid" / "bowtie-polygon.geojson"
    out = tmp_path / "map.html"
    args = [a.format(two_sites=two_sites, bad=bad, out=out) for a in args]
    proc = subprocess.run(
        [sys.executable, "-m", "facilitymap", *args], capture_output=True, text=True, check=False
    )
    assert proc.returncode == code, proc.stderr
    assert stdout_has in proc.stdout and stderr_has in proc.stderr
    if code == 0 and args[0] == "list":
        assert len(json.loads(proc.stdout)) == 2
    if args[0] == "render":
        assert out.read_text(encoding="utf-8").rstrip().endswith("</html>")
