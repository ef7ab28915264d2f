"""Load and save: canonical output, lossless round trips, atomic writes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facilitymap.errors import ConcurrentEditError, LayerError
from facilitymap.geometry import decimals_for_precision, is_right_hand
from facilitymap.io import (
    Layer,
    dump_layer,
    layer_to_dict,
    load_layer,
    parse_layer,
    save_layer,
    site_to_feature,
)
from facilitymap.model import (
    ACTOR_TYPES,
    CLAIM_BASES,
    CONFIDENCES,
    KINDS,
    KNOWN_KEYS,
    STANCES,
    Claim,
    Site,
    Source,
)


def test_round_trip_keeps_everything(two_sites: Path, tmp_path: Path):
    original = json.loads(two_sites.read_text(encoding="utf-8"))
    layer = load_layer(two_sites)
    out = save_layer(layer, tmp_path / "out.geojson")
    again = json.loads(out.read_text(encoding="utf-8"))
    assert again["name"] == original["name"]
    first = again["features"][0]
    assert first["properties"]["analyst_tag"] == {"kept": ["as", "is"]}
    assert first["properties"]["local_names"][1] == {"name": "测试哨所", "lang": "zh-Hans"}
    assert first["properties"]["claims"] == original["features"][0]["properties"]["claims"]
    assert first["properties"]["sources"] == original["features"][0]["properties"]["sources"]
    assert again["features"][1]["geometry"] is None
    assert layer_to_dict(load_layer(out)) == layer_to_dict(layer)


def test_saved_text_is_utf8_not_escaped_and_ends_with_newline(two_sites: Path, tmp_path: Path):
    out = save_layer(load_layer(two_sites), tmp_path / "out.geojson")
    text = out.read_text(encoding="utf-8")
    assert "Тестовый пост" in text and "\\u" not in text
    assert text.endswith("}\n")


def test_save_is_idempotent_byte_for_byte(two_sites: Path, tmp_path: Path):
    first = save_layer(load_layer(two_sites), tmp_path / "a.geojson").read_bytes()
    second = save_layer(load_layer(tmp_path / "a.geojson"), tmp_path / "b.geojson").read_bytes()
    assert first == second


def test_key_order_is_stable(two_sites: Path):
    doc = orjson.loads(dump_layer(load_layer(two_sites)))
    feature = doc["features"][0]
    assert list(doc) == ["type", "name", "features"]
    assert list(feature) == ["type", "id", "geometry", "properties"]
    props = list(feature["properties"])
    assert props[0] == "name" and props[-3:] == ["official_status", "evidence", "status"]
    assert props.index("claims") < props.index("sources") < props.index("analyst_tag")


def test_no_crs_member_is_written(two_sites: Path):
    assert b'"crs"' not in dump_layer(load_layer(two_sites))


@pytest.mark.parametrize(
    ("precision_m", "decimals"), [(100_000, 2), (30_000, 3), (1_000, 4), (50, 6), (1, 7)]
)
def test_coordinates_are_rounded_to_what_precision_justifies(precision_m, decimals):
    assert decimals_for_precision(precision_m) == decimals
    site = _site(
        geometry={"type": "Point", "coordinates": [73.123456789, 38.987654321]},
        precision_m=precision_m,
    )
    lon, lat = site_to_feature(site)["geometry"]["coordinates"]
    assert lon == round(73.123456789, decimals) and lat == round(38.987654321, decimals)
    # The rounding never moves the point by more than a hundredth of the stated radius.
    assert abs(lon - 73.123456789) * 111_320 <= precision_m / 100


def test_clockwise_polygon_is_rewound_to_the_right_hand_rule():
    clockwise = [[[73, 38], [73, 39], [74, 39], [74, 38], [73, 38]]]
    site = _site(
        geometry={"type": "Polygon", "coordinates": clockwise},
        precision_m=None,
        basis="analyst-estimate",
    )
    assert not is_right_hand(site.geometry)
    assert is_right_hand(site_to_feature(site)["geometry"])


def test_derived_fields_are_written_from_claims_not_copied(two_sites: Path):
    doc = json.loads(two_sites.read_text(encoding="utf-8"))
    for prop in ("official_status", "evidence", "status"):
        del doc["features"][0]["properties"][prop]
    layer, problems = parse_layer(json.dumps(doc).encode(), "x")
    assert problems == []
    props = orjson.loads(dump_layer(layer))["features"][0]["properties"]
    assert (props["official_status"], props["evidence"], props["status"]) == (
        "denied",
        "attested",
        "attested-denied",
    )


def test_load_refuses_an_invalid_layer_with_every_problem(tmp_path: Path):
    doc = json.loads((Path(__file__).parent / "data/valid/two-sites.geojson").read_text())
    doc["features"][0]["properties"]["kind"] = "fortress"
    doc["features"][1]["properties"]["sources"][0]["url"] = "ftp://example.org"
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps(doc))
    with pytest.raises(LayerError) as caught:
        load_layer(bad)
    fields = [(p.site, p.field) for p in caught.value.problems]
    assert ("tj-test-denied", "kind") in fields


def test_save_is_atomic_and_leaves_no_temp_file(two_sites: Path):
    layer = load_layer(two_sites)
    save_layer(layer, two_sites)
    assert sorted(p.name for p in two_sites.parent.iterdir()) == ["two-sites.geojson"]


def test_failed_save_leaves_the_previous_file_intact(two_sites: Path, monkeypatch):
    before = two_sites.read_bytes()
    layer = load_layer(two_sites)

    def explode(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", explode)
    with pytest.raises(Exception, match="No space left"):
        save_layer(layer, two_sites)
    assert two_sites.read_bytes() == before
    assert sorted(p.name for p in two_sites.parent.iterdir()) == ["two-sites.geojson"]


def test_save_refuses_when_the_file_changed_since_it_was_read(two_sites: Path):
    layer = load_layer(two_sites)
    two_sites.write_bytes(two_sites.read_bytes() + b" ")
    edited = two_sites.read_bytes()
    with pytest.raises(ConcurrentEditError):
        save_layer(layer, two_sites, expected_sha256=layer.sha256)
    assert two_sites.read_bytes() == edited


# ---- Hypothesis: any valid site survives save → load unchanged ----

_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=30,
)
_date = st.dates(
    min_value=__import__("datetime").date(1990, 1, 1),
    max_value=__import__("datetime").date(2026, 1, 1),
).map(lambda d: d.isoformat())
_json_scalar = st.one_of(st.none(), st.booleans(), st.integers(-(10**9), 10**9), _text)
_extra = st.dictionaries(
    st.text(min_size=1, max_size=10).filter(
        lambda k: k not in KNOWN_KEYS[Site] and not k.startswith("__facilitymap_")
    ),
    _json_scalar,
    max_size=3,
)


@st.composite
def sites(draw):
    n_sources = draw(st.integers(1, 3))
    sources = [
        {
            "id": f"s{i}",
            "title": draw(_text),
            "publisher": draw(_text),
            "url": f"https://example.org/{i}",
            "published": draw(st.none() | _date),
            "unknown_member": draw(_json_scalar),
        }
        for i in range(n_sources)
    ]
    claims = [
        {
            "id": f"c{i}",
            "date": draw(_date),
            "actor": draw(_text),
            "actor_type": draw(st.sampled_from(ACTOR_TYPES)),
            "stance": draw(st.sampled_from(STANCES)),
            "basis": draw(st.sampled_from(CLAIM_BASES)),
            "summary": draw(_text),
            "sources": [f"s{draw(st.integers(0, n_sources - 1))}"],
        }
        for i in range(draw(st.integers(0, 4)))
    ]
    located = draw(st.booleans())
    precision = draw(st.floats(1, 500_000))
    lon = draw(st.floats(-180, 180))
    lat = draw(st.floats(-90, 90))
    props = {
        "name": draw(_text),
        "local_names": [
            {"name": draw(_text), "lang": draw(st.sampled_from(["ru", "tg", "zh-Hans"]))}
        ],
        "kind": draw(st.sampled_from(KINDS)),
        "country": "TJ",
        "location": {
            "precision_m": precision if located else None,
            "basis": "reference-place" if located else "unlocated",
            "note": draw(_text),
        },
        "confidence": draw(st.sampled_from(CONFIDENCES)),
        "confidence_note": draw(_text),
        "claims": claims,
        "sources": sources,
        **draw(_extra),
    }
    geometry = {"type": "Point", "coordinates": [lon, lat]} if located else None
    return {"type": "Feature", "id": "site-1", "geometry": geometry, "properties": props}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sites())
def test_any_site_round_trips_through_save_and_load(feature):
    raw = orjson.dumps({"type": "FeatureCollection", "features": [feature]})
    layer, problems = parse_layer(raw, "gen")
    assert problems == [], problems
    saved = dump_layer(layer)
    reloaded, problems = parse_layer(saved, "saved")
    assert problems == []
    assert dump_layer(reloaded) == saved
    props = orjson.loads(saved)["features"][0]["properties"]
    for key, value in feature["properties"].items():
        if key != "location":
            assert props[key] == _without_known_nulls(value)


def _without_known_nulls(value):
    # A known optional field that is null is written as absent; that is the canonical form.
    if isinstance(value, list):
        return [_without_known_nulls(v) for v in value]
    if isinstance(value, dict):
        known = KNOWN_KEYS[Source] | KNOWN_KEYS[Claim]
        return {k: v for k, v in value.items() if v is not None or k not in known}
    return value


def _site(*, geometry, precision_m, basis="reference-place") -> Site:
    layer, problems = parse_layer(
        orjson.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "id": "s",
                        "geometry": geometry,
                        "properties": {
                            "name": "n",
                            "kind": "base",
                            "country": "TJ",
                            "location": {"precision_m": precision_m, "basis": basis, "note": "x"},
                            "confidence": "low",
                            "confidence_note": "x",
                            "claims": [],
                            "sources": [],
                        },
                    }
                ],
            }
        ),
        "t",
    )
    assert problems == [] and isinstance(layer, Layer)
    return layer.sites[0]


# ---- the fast path (msgspec straight from bytes) and the slow one agree ----


def test_fast_and_slow_parse_give_the_same_layer(monkeypatch):
    from facilitymap import io as layer_io

    path = Path(__file__).resolve().parents[1] / "geodata/sites.geojson"
    canonical = dump_layer(parse_layer(path.read_bytes(), "x")[0])
    fast = layer_io._parse_plain_layer(canonical)
    assert fast is not None, "a canonical layer without unknown keys takes the fast path"
    monkeypatch.setattr(layer_io, "_parse_plain_layer", lambda data: None)
    slow, problems = parse_layer(canonical, "x")
    assert problems == []
    assert dump_layer(fast) == dump_layer(slow) == canonical


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t.replace(b'"kind": "programme"', b'"kind": "programme", "kind": "base"', 1),
        lambda t: t.replace(b'"name": "Test', b'"unknown": 1, "name": "Test', 1),
        lambda t: t.replace(b'"name": "Test', b'"admin1": null, "name": "Test', 1),
        lambda t: t.replace(b'"name": "Test', b'"__facilitymap_id__": "x", "name": "Test', 1),
        lambda t: t.replace(b"A report", b"A\\u003a report", 1),
    ],
    ids=["duplicate", "unknown", "explicit-null", "reserved", "escaped-colon"],
)
def test_anything_but_a_plain_layer_takes_the_slow_path(change):
    from facilitymap import io as layer_io

    text = (Path(__file__).parent / "data/valid/two-sites.geojson").read_bytes()
    layer = parse_layer(text, "x")[0]
    layer.sites[0].extra = {}  # no unknown keys: the plain case
    canonical = dump_layer(layer)
    assert layer_io._parse_plain_layer(canonical) is not None
    changed = change(canonical)
    assert changed != canonical
    assert layer_io._parse_plain_layer(changed) is None


def test_the_look_at_the_first_feature_only_skips_fast_parses_bound_to_fail(monkeypatch):
    # _first_feature_is_plain spares a layer whose sites all have a custom property a fast
    # parse that would fail at its end; it must never skip one that would succeed, nor
    # change what any layer parses to.
    from facilitymap import io as layer_io

    root = Path(__file__).resolve().parents[1]
    real = (root / "geodata" / "sites.geojson").read_bytes()
    custom = real.replace(b'"kind":', b'"analyst": "team-b", "kind":')
    paths = sorted((root / "tests" / "data").glob("*/*.geojson"))
    layers = [p.read_bytes() for p in paths] + [real, custom]
    looked = [layer_io._first_feature_is_plain(data, collection=True) for data in layers]
    parsed = [layer_io.parse_layer(data) for data in layers]

    monkeypatch.setattr(layer_io, "_first_feature_is_plain", lambda *_, **__: True)
    fast_anyway = [layer_io._parse_plain_layer(data) for data in layers]
    unpeeked = [layer_io.parse_layer(data) for data in layers]

    for look, fast in zip(looked, fast_anyway, strict=True):
        assert look or fast is None  # skipped only where the fast parse fails
    assert looked[-2:] == [True, False]  # the real layer is plain; with custom properties not
    for (layer_a, problems_a), (layer_b, problems_b) in zip(parsed, unpeeked, strict=True):
        assert problems_a == problems_b
        assert (layer_a is None) == (layer_b is None)
        if layer_a is not None:
            assert [s.to_json_dict() for s in layer_a.sites] == [
                s.to_json_dict() for s in layer_b.sites
            ]


@pytest.mark.parametrize("where", [0, 999, 1000, 2499])
def test_a_duplicate_key_in_any_thousand_of_a_run_sends_it_the_slow_way(where):
    # validate's runs count their colons a thousand features at a time: a key given twice
    # must be caught in every one of those pieces, at their edges too.
    import orjson

    from facilitymap import io as layer_io

    text = (Path(__file__).parent / "data/valid/two-sites.geojson").read_bytes()
    layer = parse_layer(text, "x")[0]
    layer.sites[0].extra = {}
    feature = orjson.loads(dump_layer(layer))["features"][0]
    features = []
    for i in range(2500):
        feature["id"] = f"site-{i:04d}"
        features.append(orjson.dumps(feature, option=orjson.OPT_INDENT_2))
    run = layer_io.PlainRun(0, 0)
    plain = bytearray(b"[" + b",".join(features) + b"]")
    parsed = layer_io.parse_plain_run(plain, run)
    assert parsed is not None and len(parsed) == 2500 and parsed[-1].id == "site-2499"
    features[where] = features[where].replace(b'"kind":', b'"kind": "base", "kind":', 1)
    assert layer_io.parse_plain_run(bytearray(b"[" + b",".join(features) + b"]"), run) is None
