"""The curated Tajikistan layer: valid, canonical, complete, and its key statuses right."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from facilitymap.cli import cli
from facilitymap.io import dump_layer, load_layer
from facilitymap.status import derive_site
from facilitymap.validate import validate_path

REAL_LAYER = Path(__file__).resolve().parents[1] / "geodata" / "sites.geojson"

EXPECTED_SITES = {
    "tj-murghab-shaymak",
    "tj-ishkoshim-vakhon",
    "tj-afghan-border-china-funded-posts",
    "tj-kulob-mumirak",
    "tj-dushanbe-mountain-training-ground",
    "tj-ishkoshim-exercise-2016",
    "tj-gbao-exercise-2019",
    "ru-orenburg-donguz",
    "tj-undisclosed-joint-exercise-grounds",
}


@pytest.fixture(scope="module")
def layer():
    return load_layer(REAL_LAYER)


def test_layer_validates_strictly(runner):
    assert [p for p in validate_path(REAL_LAYER) if p.severity != "notice"] == []
    assert runner.invoke(cli, ["validate", "--strict", str(REAL_LAYER)]).exit_code == 0


def test_layer_file_is_in_canonical_form(layer):
    assert REAL_LAYER.read_bytes() == dump_layer(layer), "load and save_layer it"


def test_list_shows_every_site(runner):
    result = runner.invoke(cli, ["list", str(REAL_LAYER), "--format", "json"])
    assert {row["id"] for row in json.loads(result.stdout)} >= EXPECTED_SITES


def test_shaymak_is_attested_and_denied_today_but_not_before_2019(layer):
    site = layer.site("tj-murghab-shaymak")
    now = derive_site(site)
    assert (now.official_status, now.evidence, now.status) == (
        "denied",
        "attested",
        "attested-denied",
    )
    before = derive_site(site, as_of="2018-12-31")
    assert before.official_status == "no-statement"
    assert before.status != "attested-denied"
    # Between the 2019 Tajik line ("a Tajik post built by China") and the 2024 denials.
    assert derive_site(site, as_of="2020-01-01").official_status == "acknowledged-other-role"


def test_vakhon_is_announced_then_denied_as_a_chinese_base(layer):
    site = layer.site("tj-ishkoshim-vakhon")
    now = derive_site(site)
    assert (now.official_status, now.evidence, now.status) == (
        "denied",
        "reported",
        "reported-denied",
    )
    assert derive_site(site, as_of="2021-10-27").official_status == "acknowledged"
    assert site.location.precision_m >= 100_000, "its location is uncertain: say so"


def test_every_site_is_sourced_and_every_source_is_a_web_link(layer):
    for site in layer.sites:
        assert site.claims, site.id
        assert site.confidence_note and site.location.note
        for source in site.sources:
            assert source.url.startswith(("https://", "http://")), (site.id, source.id)


def test_unlocated_and_vague_sites_say_so(layer):
    for site in layer.sites:
        if site.geometry is None:
            assert site.location.basis == "unlocated"
        elif site.location.basis != "published-coordinates":
            assert (site.location.precision_m or 0) >= 1_000 or site.geometry["type"] != "Point"
