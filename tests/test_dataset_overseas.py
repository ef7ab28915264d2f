"""The second curated layer, China's reported sites abroad: valid, canonical, each government's
position as the sources show, honest locations, and drawn with the Tajikistan layer in one map."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from facilitymap.cli import cli
from facilitymap.io import dump_layer, load_layer
from facilitymap.render.page import page_text, read_element
from facilitymap.status import derive_site, position_words
from facilitymap.validate import validate_path

REPO = Path(__file__).resolve().parents[1]
OVERSEAS = REPO / "geodata" / "china-overseas.geojson"
TAJIKISTAN = REPO / "geodata" / "sites.geojson"

EXPECTED_SITES = {
    "kh-preah-sihanouk-ream",
    "dj-doraleh-pla-support-base",
    "pk-gwadar-port",
    "lk-hambantota-port",
    "ki-phoenix-kanton-airstrip",
    "mm-coco-islands-great-coco",
    "cu-mayabeque-bejucal",
    "cu-santiago-el-salao",
    "ae-abu-dhabi-khalifa-port",
    "gq-litoral-bata",
    "sb-china-security-agreement",
    "ar-neuquen-espacio-lejano",
}


@pytest.fixture(scope="module")
def layer():
    return load_layer(OVERSEAS)


def test_layer_validates_strictly(runner):
    assert [p for p in validate_path(OVERSEAS) if p.severity != "notice"] == []
    result = runner.invoke(cli, ["validate", "--strict", str(OVERSEAS)])
    assert result.exit_code == 0, result.output


def test_layer_file_is_in_canonical_form(layer):
    assert OVERSEAS.read_bytes() == dump_layer(layer), "load and save_layer it"


def test_list_shows_every_site(runner):
    result = runner.invoke(cli, ["list", str(OVERSEAS), "--format", "json"])
    assert {row["id"] for row in json.loads(result.stdout)} == EXPECTED_SITES


def test_tajikistan_sites_are_referenced_not_copied(layer):
    tajik = {site.id for site in load_layer(TAJIKISTAN).sites}
    assert not tajik & {site.id for site in layer.sites}
    assert all(site.country != "TJ" for site in layer.sites)


# Each concerned government's own position (the host and China) today and at the end of 2020,
# as the sources show; geodata/README.md says what each government said and when.
NONE = "no-statement"
POSITIONS = {
    "kh-preah-sihanouk-ream": {
        # Hun Sen (22 Jul 2019): "the worst distorted news"; PRC defence ministry (24 Jul 2019):
        # reports of an outpost not true. The WSJ's officials are testimony: reported only.
        "2020-12-31": ({"KH": "denied", "CN": "denied"}, "reported-denied"),
        # Inauguration (5 Apr 2025): Hun Manet "nothing to hide", open to all navies; the CMC's
        # Cao Qingfeng: a symbol of friendship, for joint exercises. AMTI and AP imagery attest.
        None: (
            {"KH": "acknowledged-other-role", "CN": "acknowledged-other-role"},
            "acknowledged-other-role",
        ),
    },
    "dj-doraleh-pla-support-base": {
        # The control case: both acknowledge it since 2015-2017 (Hong Lei, Guelleh, Wu Qian, the
        # PLA Navy's order of 11 Jul 2017, Bahdon at the opening on 1 Aug 2017).
        "2020-12-31": ({"DJ": "acknowledged", "CN": "acknowledged"}, "acknowledged"),
        None: ({"DJ": "acknowledged", "CN": "acknowledged"}, "acknowledged"),
    },
    "pk-gwadar-port": {
        # Rear Adm. Iqbal (26 Oct 2018): purely commercial; Wu Qian (29 Jun 2017): guesswork.
        # Lu Kang's "not aware" (2018) is no-comment and does not replace China's denial.
        "2020-12-31": ({"PK": "denied", "CN": "denied"}, "reported-denied"),
        # The Foreign Office (19 Sep 2024): "completely unfounded"; unnamed Chinese diplomats
        # set no position, so China's stands from 2017.
        None: ({"PK": "denied", "CN": "denied"}, "reported-denied"),
    },
    "lk-hambantota-port": {
        "2020-12-31": ({"LK": "denied", "CN": "denied"}, "reported-denied"),
        None: ({"LK": "denied", "CN": "denied"}, "reported-denied"),
    },
    "ki-phoenix-kanton-airstrip": {
        "2020-12-31": ({"KI": NONE, "CN": NONE}, "unverified"),
        None: (
            {"KI": "acknowledged-other-role", "CN": "acknowledged-other-role"},
            "acknowledged-other-role",
        ),
    },
    "mm-coco-islands-great-coco": {
        # U Win Aung (1999): no Chinese soldier, Myanmar's own 40-year-old base.
        "2020-12-31": ({"MM": "acknowledged-other-role", "CN": NONE}, "acknowledged-other-role"),
        # PRC foreign ministry (10 Apr 2023): "sheer nonsense".
        None: ({"MM": "acknowledged-other-role", "CN": "denied"}, "reported-denied"),
    },
    "ae-abu-dhabi-khalifa-port": {
        "2020-12-31": ({"AE": NONE, "CN": NONE}, "unverified"),
        # The embassy denied any base (19 Nov 2021); Gargash (9 Dec 2021) confirmed halting a
        # Chinese facility he says was not military. No complete PRC statement was found.
        None: ({"AE": "acknowledged-other-role", "CN": NONE}, "acknowledged-other-role"),
    },
    "gq-litoral-bata": {
        "2020-12-31": ({"GQ": NONE, "CN": NONE}, "unverified"),
        # "For now, there is no such agreement" (2021); no proposal received (2023). China: none.
        None: ({"GQ": "denied", "CN": NONE}, "reported-denied"),
    },
    "cu-mayabeque-bejucal": {
        "2020-12-31": ({"CU": NONE, "CN": NONE}, "unverified"),
        # Rodríguez and Fernández de Cossío (3 Jul 2024); Mao Ning (4 Jul 2024).
        None: ({"CU": "denied", "CN": "denied"}, "reported-denied"),
    },
    "sb-china-security-agreement": {
        "2020-12-31": ({"SB": NONE, "CN": NONE}, "unverified"),
        # Both acknowledge the agreement and deny a base: Sogavare (2022, 2023), Wang Yi (2022).
        None: (
            {"SB": "acknowledged-other-role", "CN": "acknowledged-other-role"},
            "acknowledged-other-role",
        ),
    },
    "ar-neuquen-espacio-lejano": {
        # The 2016 protocol (both governments): exclusively peaceful use; Argentina's science
        # minister (Feb 2020): the agreement stands; the PRC embassy (April 2024): civil.
        "2020-12-31": (
            {"AR": "acknowledged-other-role", "CN": "acknowledged-other-role"},
            "acknowledged-other-role",
        ),
        None: (
            {"AR": "acknowledged-other-role", "CN": "acknowledged-other-role"},
            "acknowledged-other-role",
        ),
    },
    "cu-santiago-el-salao": {
        "2020-12-31": ({"CU": NONE, "CN": NONE}, "unverified"),
        None: ({"CU": "denied", "CN": "denied"}, "reported-denied"),
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


def test_who_holds_which_position_is_said_in_words(layer):
    ream = layer.site("kh-preah-sihanouk-ream")
    assert position_words(derive_site(ream, as_of="2020-12-31").positions) == (
        "denied by Cambodia and China"
    )
    assert position_words(derive_site(ream).positions) == (
        "acknowledged in another role by Cambodia and China"
    )
    djibouti = derive_site(layer.site("dj-doraleh-pla-support-base"))
    assert position_words(djibouti.positions) == "acknowledged by Djibouti and China"
    gwadar = derive_site(layer.site("pk-gwadar-port"))
    assert position_words(gwadar.positions) == "denied by Pakistan and China"


def test_ream_is_attested_by_two_imagery_publishers(layer):
    ream = layer.site("kh-preah-sihanouk-ream")
    assert derive_site(ream).evidence == "attested"
    # Before AMTI's and AP's imagery (2024) it rested on officials' testimony.
    assert derive_site(ream, as_of="2023-12-31").evidence == "reported"


def test_unnamed_officials_and_no_comment_set_no_position(layer):
    for site in layer.sites:
        for claim in site.claims:
            if claim.actor_type == "anonymous-source":
                assert claim.government is None, (site.id, claim.id)
    gwadar = layer.site("pk-gwadar-port")
    lu_kang = next(c for c in gwadar.claims if "Lu Kang" in c.actor)
    assert lu_kang.stance == "no-comment"


def test_csis_coordinates_are_kept_as_published(layer):
    # 22° 56' 54.5"N 82° 21' 46.29"W and 20° 0'19.16"N 75°44'48.49"W, to the rounding that a
    # 1 km radius justifies (a hundredth of the radius).
    for site_id, (lon, lat) in {
        "cu-mayabeque-bejucal": (-(82 + 21 / 60 + 46.29 / 3600), 22 + 56 / 60 + 54.5 / 3600),
        "cu-santiago-el-salao": (-(75 + 44 / 60 + 48.49 / 3600), 20 + 0 / 60 + 19.16 / 3600),
    }.items():
        site = layer.site(site_id)
        assert (
            _km(site.geometry["coordinates"], (lon, lat)) * 1000 <= site.location.precision_m / 100
        )


def test_only_the_concerned_governments_speak(layer):
    for site in layer.sites:
        assert site.governments == ["CN"], site.id
        for claim in site.claims:
            if claim.government is not None:
                assert claim.government in {site.country, "CN"}, (site.id, claim.id)


def test_every_claim_cites_a_page_and_relays_name_the_original(layer):
    for site in layer.sites:
        by_id = {source.id: source for source in site.sources}
        for claim in site.claims:
            assert claim.sources and all(ref in by_id for ref in claim.sources), claim.id
            if claim.quote:
                assert len(claim.quote.split()) < 20, (site.id, claim.id)
        for source in site.sources:
            assert source.url.startswith(("https://", "http://")), (site.id, source.id)
            assert source.accessed == "2026-12-01", (site.id, source.id)
            assert source.publisher not in {source.via}, (site.id, source.id)


def _km(a, b):
    """Great-circle distance between (lon, lat) points, in km."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


# Every published coordinate set (as cited in location.note), which the circle must contain.
ACCOUNTS = {
    # English Wikipedia and a mirror of another revision, about 400 m apart.
    "dj-doraleh-pla-support-base": [(43.063119, 11.590231), (43.06082, 11.58747)],
    # Current and older Wikipedia revisions, about 8 km apart.
    "mm-coco-islands-great-coco": [(93.35, 14.05), (93.367, 14.117)],
    # Wikipedia (via a mirror) and remote-islands.com.
    "ki-phoenix-kanton-airstrip": [(-171.67556, -2.81056), (-171.71667, -2.83333)],
    # Swahili Wikipedia and the Croatian and Italian encyclopedia copies.
    "gq-litoral-bata": [(9.77, 1.865), (9.75, 1.85), (9.76667, 1.85)],
    # Wikipedia (via a mirror) and Wikimapia, about 17 km apart.
    "ar-neuquen-espacio-lejano": [(-70.1495, -38.1914), (-69.96667, -38.13056)],
}


@pytest.mark.parametrize("site_id", sorted(ACCOUNTS))
def test_conflicting_coordinates_are_both_inside_the_circle(layer, site_id):
    site = layer.site(site_id)
    centre = site.geometry["coordinates"]
    for account in ACCOUNTS[site_id]:
        assert _km(centre, account) * 1000 < site.location.precision_m, account
    assert "°" in site.location.note and site.location.note.count("°") >= 4


def test_locations_are_honest(layer):
    for site in layer.sites:
        if site.geometry is None:  # the Solomon Islands agreement: no place is reported
            assert site.location.basis == "unlocated" and site.id == "sb-china-security-agreement"
            continue
        assert site.location.sources, site.id
        if site.location.basis == "published-coordinates":
            # Only CSIS, a primary source, publishes a site's own coordinates.
            assert site.id.startswith("cu-"), site.id
            assert any(s.id == "csis-2024-07-01" for s in site.sources), site.id
        else:
            assert site.location.basis == "reference-place", site.id
        if site.geometry["type"] == "Point":
            assert site.location.precision_m >= 1000, site.id
    # Khalifa's port island lies beyond the 1:10m coastline: an area, said so in the note.
    khalifa = layer.site("ae-abu-dhabi-khalifa-port")
    assert khalifa.geometry["type"] == "Polygon" and "1:10m" in khalifa.location.note
    kanton = layer.site("ki-phoenix-kanton-airstrip").geometry["coordinates"]
    assert kanton[0] < -170  # west of Greenwich, near the antimeridian, not wrapped


def test_world_maps_are_declared_and_draw_this_layer():
    from facilitymap.maps import load_config

    config = load_config(REPO / "maps.toml")
    by_name = {spec.name: spec for spec in config.maps}
    for name in ("world-overview", "world-denied-vs-attested", "world-as-of-2020"):
        assert by_name[name].layers == (OVERSEAS,), name
    assert by_name["world-as-of-2020"].as_of.isoformat() == "2020-12-31"
    assert by_name["both-layers"].layers == (TAJIKISTAN, OVERSEAS)


def test_one_map_shows_shaymak_and_ream(tmp_path):
    from facilitymap.maps import build_maps, load_config

    config = load_config(REPO / "maps.toml")
    both = [spec for spec in config.maps if spec.name == "both-layers"]
    config = type(config)(config.path, config.layer, tmp_path, tuple(both))
    (built,) = build_maps(config, load_layer(config.layer), screenshot=False)
    page = page_text(built.path.read_bytes())
    assert built.sites == len(load_layer(TAJIKISTAN).sites) + len(EXPECTED_SITES)
    # The page's data is deflated when the borders make it large: read it as the page does.
    data = re.search(
        r'<script type="application/json" id="fm-data"([^>]*)>(.*?)</script>', page, re.S
    )
    raw = data.group(2)
    if "data-encoding" in data.group(1):
        attrs = dict(re.findall(r'([a-z-]+)="([^"]*)"', data.group(1)))
        raw = read_element(attrs, raw).decode("utf-8")
    assert '"tj-murghab-shaymak"' in raw and '"kh-preah-sihanouk-ream"' in raw
    # The page says which files it was made from.
    assert "sites.geojson, SHA-256" in raw and "china-overseas.geojson, SHA-256" in raw
