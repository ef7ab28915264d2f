"""The render and build commands, and outputs/ kept in step with geodata/."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from facilitymap.cli import cli
from facilitymap.io import load_layer
from facilitymap.maps import build_maps, load_config

REPO = Path(__file__).resolve().parents[1]
SAMPLE = Path(__file__).parent / "browser" / "data" / "sample.geojson"


@pytest.fixture
def layer(tmp_path: Path) -> Path:
    target = tmp_path / "sample.geojson"
    shutil.copy(SAMPLE, target)
    return target


def test_render_writes_one_offline_map(runner, layer, tmp_path):
    out = tmp_path / "map.html"
    result = runner.invoke(cli, ["render", str(layer), "-o", str(out), "--title", "Mine"])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "<title>Mine</title>" in page
    assert "<script src=" not in page
    assert "written" in result.stderr
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left


def test_render_refuses_to_overwrite(runner, layer, tmp_path):
    out = tmp_path / "map.html"
    out.write_text("precious", encoding="utf-8")
    result = runner.invoke(cli, ["render", str(layer), "-o", str(out)])
    assert result.exit_code == 2  # a usage error (#18.9)
    assert "exists; pass --overwrite" in result.stderr
    assert out.read_text(encoding="utf-8") == "precious"
    result = runner.invoke(cli, ["render", str(layer), "-o", str(out), "--overwrite"])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_render_filters_and_as_of(runner, layer, tmp_path):
    out = tmp_path / "map.html"
    args = ["render", str(layer), "-o", str(out), "--status", "reported", "--as-of", "2018-12-31"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0
    assert "1 site (status reported; as of 2018-12-31)" in result.stderr
    page = out.read_text(encoding="utf-8")
    payload = json.loads(re.search(r'id="fm-data">(.*?)</script>', page).group(1))
    steps = json.loads(re.search(r'id="fm-steps">(.*?)</script>', page).group(1))
    assert payload["meta"]["as_of"] == "2018-12-31"
    assert payload["meta"]["filters"] == {"statuses": ["reported"]}
    # On the map's date (its last step) only the reported site; the attested one is in the
    # page because it was reported earlier, when the timeline shows it, and the index says
    # it is hidden at the map's date.
    ids = payload["sites"]["id"]
    last = {site_id: its[-1][1] for site_id, its in zip(ids, steps, strict=True)}
    assert last["tj-sample-denied-post"] == "reported"
    assert last["tj-sample-attested"] != "reported"
    assert "reported" in [step[1] for step in steps[ids.index("tj-sample-attested")]]
    hidden = {i for i, h in zip(ids, payload["sites"]["hidden"], strict=True) if h}
    assert hidden == {"tj-sample-attested"}
    assert payload["meta"]["timeline"]["statuses"] == ["reported"]


def test_an_empty_map_says_so_and_names_its_filters(runner, layer, tmp_path):
    out = tmp_path / "empty.html"
    args = ["render", str(layer), "-o", str(out), "--status", "attested-denied"]
    result = runner.invoke(cli, [*args, "--as-of", "2015-01-01"])
    assert result.exit_code == 0
    assert "0 sites (status attested-denied; as of 2015-01-01)" in result.stderr
    assert f"warning: {out} shows no site" in result.stderr


def test_render_cdn_mode(runner, layer, tmp_path):
    out = tmp_path / "map.html"
    assert runner.invoke(cli, ["render", str(layer), "-o", str(out), "--cdn"]).exit_code == 0
    assert 'integrity="sha256-' in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "args",
    [
        ["--as-of", "2019-13-01"],
        ["--as-of", "yesterday"],
        ["--status", "denied"],
        ["--min-confidence", "certain"],
        ["--country", "Tajikistan"],
        [],  # no -o
    ],
)
def test_render_usage_errors_exit_2(runner, layer, tmp_path, args):
    out = ["-o", str(tmp_path / "map.html")] if args else []
    result = runner.invoke(cli, ["render", str(layer), *out, *args])
    assert result.exit_code == 2, result.output
    assert not (tmp_path / "map.html").exists()


def test_render_data_errors_exit_1(runner, tmp_path):
    missing = runner.invoke(
        cli, ["render", str(tmp_path / "none.geojson"), "-o", str(tmp_path / "m.html")]
    )
    assert missing.exit_code == 1
    assert "no such file" in missing.stderr
    hostile = Path(__file__).parent / "data" / "hostile" / "hostile.geojson"
    invalid = runner.invoke(cli, ["render", str(hostile), "-o", str(tmp_path / "m.html")])
    assert invalid.exit_code == 1  # javascript: URLs do not validate
    assert not (tmp_path / "m.html").exists()


def test_render_into_a_missing_folder_exits_1(runner, layer, tmp_path):
    result = runner.invoke(cli, ["render", str(layer), "-o", str(tmp_path / "no" / "map.html")])
    assert result.exit_code == 1
    assert "does not exist" in result.stderr


def write_config(tmp_path: Path, layer: Path) -> Path:
    config = tmp_path / "maps.toml"
    config.write_text(
        f'layer = "{layer.name}"\noutput_dir = "out"\n'
        '[[map]]\nname = "all"\noutput = "all.html"\n'
        '[[map]]\nname = "past"\noutput = "past.html"\nas_of = 2018-12-31\n',
        encoding="utf-8",
    )
    return config


def test_build_writes_every_map_and_reports_progress(runner, layer, tmp_path):
    config = write_config(tmp_path, layer)
    result = runner.invoke(cli, ["build", "-c", str(config), "--no-screenshot"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["all.html", "past.html"]
    assert "[1/2]" in result.stderr and "[2/2]" in result.stderr
    assert "8 sites" in result.stderr and "3 sites" in result.stderr
    assert result.stdout == ""
    again = runner.invoke(cli, ["build", "-c", str(config), "--no-screenshot"])
    assert again.stderr.count("(unchanged)") == 2


def test_build_with_a_bad_config_exits_1(runner, tmp_path):
    config = tmp_path / "maps.toml"
    config.write_text('[[map]]\nname = "a"\n', encoding="utf-8")
    result = runner.invoke(cli, ["build", "-c", str(config)])
    assert result.exit_code == 1
    assert "output" in result.stderr


def test_outputs_are_up_to_date(tmp_path):
    """outputs/ must be what `facilitymap build` makes from geodata/ today."""
    config = load_config(REPO / "maps.toml")
    built = build_maps(config, load_layer(config.layer), output_dir=tmp_path, screenshot=False)
    stale = [
        b.spec.output
        for b in built
        if not (config.output_dir / b.spec.output).is_file()
        or (config.output_dir / b.spec.output).read_bytes() != b.path.read_bytes()
    ]
    assert stale == [], f"outputs/ is stale ({', '.join(stale)}): run `facilitymap build`"
    assert (config.output_dir / config.screenshot.output).is_file()
