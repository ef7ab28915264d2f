"""add and import refuse to overwrite a layer another process changed since they read it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from facilitymap import edit
from facilitymap.cli import cli
from facilitymap.errors import ConcurrentEditError

# Another process edits the layer: it renames a site and saves, the way a colleague's
# `facilitymap add` or an editor would.
OTHER_EDITOR = """
import sys
from facilitymap.io import load_layer, save_layer
layer = load_layer(sys.argv[1])
layer.sites[0].name = "Renamed by the other process"
save_layer(layer, sys.argv[1])
"""


def _edit_in_another_process(path: Path) -> bytes:
    subprocess.run([sys.executable, "-c", OTHER_EDITOR, str(path)], check=True)
    return path.read_bytes()


def test_library_commit_detects_the_other_process_and_writes_nothing(two_sites: Path):
    before = edit.open_layer(two_sites)
    after = edit.add_source(
        before,
        "tj-test-denied",
        {"id": "e-2025", "title": "E", "publisher": "Outlet E", "url": "https://example.org/e"},
    )
    theirs = _edit_in_another_process(two_sites)
    with pytest.raises(ConcurrentEditError):
        edit.commit(before, after, two_sites)
    assert two_sites.read_bytes() == theirs


@pytest.mark.parametrize("command", ["add", "import"])
def test_cli_refuses_and_keeps_the_other_edit(
    command, two_sites: Path, tmp_path: Path, runner, monkeypatch
):
    real_open = edit.open_layer

    def open_then_race(path, **options):
        layer = real_open(path, **options)
        _edit_in_another_process(Path(path))  # lands between our read and our write
        return layer

    monkeypatch.setattr(edit, "open_layer", open_then_race)
    if command == "add":
        args = [
            "add",
            "source",
            "tj-test-denied",
            "--layer",
            str(two_sites),
            "--id",
            "e-2025",
            "--title",
            "E",
            "--publisher",
            "Outlet E",
            "--url",
            "https://example.org/e",
        ]
    else:
        incoming = tmp_path / "incoming.geojson"
        incoming.write_text(
            two_sites.read_text(encoding="utf-8").replace("tj-test-programme", "tj-test-new"),
            encoding="utf-8",
        )
        args = ["import", str(incoming), "--into", str(two_sites)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert "changed on disk since it was read" in result.stderr
    assert "Renamed by the other process" in two_sites.read_text(encoding="utf-8")
    assert "Traceback" not in result.output
