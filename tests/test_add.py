"""The add commands and the edit library: validated, atomic, status recomputed."""

from __future__ import annotations

import pytest

from facilitymap.cli.add import add
from facilitymap.edit import add_claim, add_source, next_claim_id, open_layer
from facilitymap.errors import FacilitymapError, LayerError
from facilitymap.io import load_layer

SOURCE = ["--id", "rfe-2025", "--title", "Report", "--publisher", "RFE/RL",
          "--url", "https://example.org/rfe", "--language", "en"]  # fmt: skip
CLAIM = ["--date", "2025-01-02", "--actor", "Host MFA", "--actor-type", "host-government",
         "--stance", "affirms", "--basis", "statement", "--summary", "Confirms the post.",
         "--source", "rfe-2025"]  # fmt: skip


def test_add_source_then_claim_recomputes_status(runner, two_sites):
    layer = ["--layer", str(two_sites)]
    done = runner.invoke(add, ["source", "tj-test-denied", *SOURCE, *layer])
    assert done.exit_code == 0, done.output
    done = runner.invoke(add, ["claim", "tj-test-denied", *CLAIM, *layer])
    assert done.exit_code == 0, done.output
    site = load_layer(two_sites).site("tj-test-denied")
    assert site.claims[-1].id == "c4" and site.status == "acknowledged"


def test_add_dry_run_prints_the_diff_and_writes_nothing(runner, two_sites):
    before = two_sites.read_bytes()
    done = runner.invoke(
        add, ["source", "tj-test-denied", *SOURCE, "--layer", str(two_sites), "--dry-run"]
    )
    assert done.exit_code == 0
    assert '+            "id": "rfe-2025",' in done.stdout and done.stdout.startswith("---")
    assert two_sites.read_bytes() == before


def test_add_site_point_and_unlocated(runner, tmp_path):
    layer = tmp_path / "new.geojson"
    common = ["--kind", "base", "--country", "tj", "--confidence", "low",
              "--confidence-note", "One report.", "--location-note", "Town centre.", "--create",
              "--layer", str(layer)]  # fmt: skip
    done = runner.invoke(add, ["site", "--id", "tj-a-b", "--name", "Пост Б",
                               "--lon", "74.1", "--lat", "37.5", "--precision-m", "20000",
                               "--location-basis", "reference-place",
                               "--local-name", "zh-Hans=哨所", *common])  # fmt: skip
    assert done.exit_code == 0, done.output  # "tj" is taken as TJ
    done = runner.invoke(add, ["site", "--id", "tj-c", "--name", "C", *common])
    assert done.exit_code == 0, done.output
    a, c = load_layer(layer).sites
    assert a.geometry == {"type": "Point", "coordinates": [74.1, 37.5]}
    assert a.local_names[0].name == "哨所" and a.status == "unverified" and a.country == "TJ"
    assert c.geometry is None and c.location.basis == "unlocated"
    again = runner.invoke(add, ["site", "--id", "tj-c", "--name", "C", *common])
    assert again.exit_code == 1 and "already exists" in again.output


def test_missing_options_without_a_terminal_are_usage_errors(runner, two_sites):
    done = runner.invoke(add, ["source", "tj-test-denied", "--id", "x", "--layer", str(two_sites)])
    assert done.exit_code == 2 and "--title" in done.output


def test_invalid_values_are_refused_with_every_problem(runner, two_sites):
    before = two_sites.read_bytes()
    bad = [*SOURCE[:6], "--url", "javascript:alert(1)"]
    done = runner.invoke(add, ["source", "tj-test-denied", *bad, "--layer", str(two_sites)])
    assert done.exit_code == 1 and "only http(s) links" in done.output
    claim = [*CLAIM[:-1], "unknown-source"]
    done = runner.invoke(add, ["claim", "tj-test-denied", *claim, "--layer", str(two_sites)])
    assert done.exit_code == 1 and "cites unknown source" in done.output
    done = runner.invoke(add, ["claim", "tj-nope", *CLAIM, "--layer", str(two_sites)])
    assert done.exit_code == 1 and "no site" in done.output
    assert two_sites.read_bytes() == before


def test_library_add_and_next_claim_id(two_sites):
    layer = open_layer(two_sites)
    site = layer.site("tj-test-denied")
    assert next_claim_id(site) == "c4"
    with pytest.raises(LayerError):
        add_claim(layer, site.id, {"date": "someday", "actor": "x"})
    with pytest.raises(FacilitymapError, match="already exists"):
        add_source(layer, site.id, {"id": "a-2019", "title": "t", "publisher": "p", "url": "https://x.org"})  # fmt: skip
    changed = add_source(layer, site.id, {"id": "n", "title": "t", "publisher": "p", "url": "https://x.org"})  # fmt: skip
    assert changed.site(site.id).sources[-1].id == "n" and layer.site(site.id).sources[-1].id != "n"


def test_concurrent_edit_is_refused(runner, two_sites, monkeypatch):
    import facilitymap.edit as edit

    real = edit.layer_diff

    def meanwhile(before, after, name="layer"):
        two_sites.write_bytes(two_sites.read_bytes() + b" ")
        return real(before, after, name)

    monkeypatch.setattr(edit, "layer_diff", meanwhile)
    done = runner.invoke(add, ["source", "tj-test-denied", *SOURCE, "--layer", str(two_sites)])
    assert done.exit_code == 1 and "changed on disk" in done.output


def test_add_site_asks_in_a_real_terminal(tmp_path):
    # No --interactive: a terminal on stdin is enough (a pseudo-terminal, as a user's shell).
    import os
    import pty
    import select
    import subprocess
    import sys
    import time

    layer = tmp_path / "new.geojson"
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "facilitymap", "add", "site", "--layer", str(layer), "--create"],
        stdin=slave, stdout=slave, stderr=slave, close_fds=True,
    )  # fmt: skip
    os.close(slave)
    seen = b""

    def answer(prompt: bytes, text: str) -> None:
        nonlocal seen
        deadline = time.monotonic() + 30
        while prompt not in seen:
            assert time.monotonic() < deadline, (prompt, seen.decode(errors="replace"))
            if select.select([master], [], [], 0.5)[0]:
                seen += os.read(master, 4096)
        seen = seen[seen.index(prompt) + len(prompt) :]
        os.write(master, text.encode("utf-8") + b"\r")

    answer(b"site id:", "tj-pty")
    answer(b"name:", "Пост")
    answer(b"kind (", "checkpoint")
    answer(b"country:", "tjk")  # asked again
    answer(b"country:", "TJ")
    answer(b"confidence (", "moderate")
    answer(b"confidence note:", "Two reports.")
    answer(b"(empty if unlocated):", "73.9 38.1")
    answer(b"precision m", "5000")
    answer(b"location basis (", "analyst-estimate")
    answer(b"location note:", "Read off a published map.")
    assert proc.wait(timeout=60) == 0
    os.close(master)
    site = load_layer(layer).site("tj-pty")
    assert site.name == "Пост" and site.geometry["coordinates"] == [73.9, 38.1]
    assert (site.location.precision_m, site.location.basis) == (5000, "analyst-estimate")
