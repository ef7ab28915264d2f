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


# Each concerned government's own position (the host and, where reported, China), as the
# sources show on each date: see geodata/README.md for what each government said and when.
NONE = "no-statement"
POSITIONS = {
    "tj-murghab-shaymak": {
        # Crisis Group (March 2018) reports a counter-terrorism centre; no government has spoken.
        "2018-12-31": ({"TJ": NONE, "CN": NONE}, "reported"),
        # Tajik MFA communiqué reported by Le Caucase (Feb 2019); China's defence ministry
        # (28 Feb 2019) denied only a presence in Afghanistan's Wakhan Corridor.
        "2019-12-31": ({"TJ": "denied", "CN": NONE}, "reported-denied"),
        # RFE/RL (27 Oct 2021): both governments have officially denied the base.
        "2021-12-31": ({"TJ": "denied", "CN": "denied"}, "attested-denied"),
        # The Tajik foreign minister (July 2022, recalled in 2024): a Defence Ministry facility
        # meant to receive Chinese colleagues. China's 2021 denial still stands.
        "2022-12-31": ({"TJ": "acknowledged-other-role", "CN": "denied"}, "attested-denied"),
        # Tajik MFA and PRC MFA (12 Jul 2024), PRC embassy (15 Jul), Tajik MIA (8 Aug 2024).
        None: ({"TJ": "denied", "CN": "denied"}, "attested-denied"),
    },
    "tj-ishkoshim-vakhon": {
        "2018-12-31": ({"TJ": NONE, "CN": NONE}, "unverified"),
        "2019-12-31": ({"TJ": NONE, "CN": NONE}, "unverified"),
        # Parliament approved it (27 Oct 2021); the MIA (30 Oct) denied a Chinese base but
        # confirmed its own unit's base with China paying; the PRC MFA denied (29 Oct).
        "2021-12-31": ({"TJ": "acknowledged-other-role", "CN": "denied"}, "reported-denied"),
        # Alamshozoda (8 Aug 2024): no base, no centre is being built in Ishkashim district.
        None: ({"TJ": "denied", "CN": "denied"}, "reported-denied"),
    },
}


@pytest.mark.parametrize(
    ("site_id", "as_of"), [(s, a) for s, dates in POSITIONS.items() for a in dates]
)
def test_each_governments_position_as_the_sources_show(layer, site_id, as_of):
    expected_positions, expected_status = POSITIONS[site_id][as_of]
    derived = derive_site(layer.site(site_id), as_of=as_of)
    assert dict(derived.positions) == expected_positions
    assert derived.status == expected_status
    assert derived.denied_by == tuple(c for c, p in expected_positions.items() if p == "denied")


def test_who_denies_is_said_in_words(layer):
    from facilitymap.status import position_words

    vakhon = layer.site("tj-ishkoshim-vakhon")
    assert position_words(derive_site(vakhon).positions) == "denied by Tajikistan and China"
    assert position_words(derive_site(vakhon, as_of="2021-12-31").positions) == (
        "denied by China; acknowledged in another role by Tajikistan"
    )


def test_the_as_of_2018_map_shows_shaymak(layer):
    # The Crisis Group report of March 2018 is the first on record.
    site = layer.site("tj-murghab-shaymak")
    assert site.first_reported == "2018-03-14"
    assert derive_site(site, as_of="2018-12-31").evidence == "reported"


def test_vakhon_location_is_uncertain(layer):
    assert layer.site("tj-ishkoshim-vakhon").location.precision_m >= 100_000


def test_named_ranges_and_shaymak_are_areas_with_a_glyph_inside(layer):
    from shapely.geometry import shape

    from facilitymap.geometry import representative_point

    for site_id in ("tj-murghab-shaymak", "tj-gbao-exercise-2019"):
        site = layer.site(site_id)
        area = shape(site.geometry)
        assert area.geom_type == "Polygon", site_id
        assert area.contains(
            shape({"type": "Point", "coordinates": representative_point(site.geometry)})
        )
        assert site.location.basis == "analyst-estimate" and "glyph" in site.location.note
    margob = layer.site("tj-dushanbe-mountain-training-ground")
    assert "Margob" in margob.location.note and margob.location.precision_m <= 60_000


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


@pytest.mark.parametrize("suffix", [".csv", ".gpkg"])
def test_gis_exports_say_who_denies_and_keep_the_governments(layer, tmp_path, suffix):
    import csv

    from facilitymap.exchange import export_layer, import_file

    out = tmp_path / f"sites{suffix}"
    export_layer(layer, out, suffix[1:])
    if suffix == ".csv":
        with out.open(encoding="utf-8", newline="") as f:
            rows = {r["id"]: r for r in csv.DictReader(f)}
        assert rows["tj-murghab-shaymak"]["denied_by"] == "Tajikistan and China"
        assert rows["tj-kulob-mumirak"]["denied_by"] == ""
        assert rows["tj-ishkoshim-vakhon"]["governments"] == '["CN"]'
    back = {s.id: s for s in import_file(out)}
    for site_id in ("tj-murghab-shaymak", "tj-ishkoshim-vakhon"):
        assert back[site_id].governments == ["CN"]
        assert derive_site(back[site_id]).positions == derive_site(layer.site(site_id)).positions


def test_show_says_who_holds_which_position(runner):
    args = ["show", "tj-ishkoshim-vakhon", str(REAL_LAYER), "--as-of", "2021-12-31"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0
    assert "denied by China; acknowledged in another role by Tajikistan" in result.stdout


def test_kml_balloon_says_who_denies(layer):
    from facilitymap.exchange.kml import balloon

    assert "denied by Tajikistan and China" in balloon(layer.site("tj-murghab-shaymak"))
