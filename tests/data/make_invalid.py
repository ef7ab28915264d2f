"""Regenerate tests/data/invalid/: one tiny bad layer per validation rule.

Each case starts from a valid one-site layer and breaks exactly one thing. The expected
validator line for each file is in invalid/expected.json. Run from the repo root:

    python tests/data/make_invalid.py
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

HERE = Path(__file__).parent / "invalid"

BASE_SITE = {
    "type": "Feature",
    "id": "tj-test-site",
    "geometry": {"type": "Point", "coordinates": [73.965, 38.16889]},
    "properties": {
        "name": "Test site",
        "kind": "base",
        "country": "TJ",
        "location": {
            "precision_m": 30000,
            "basis": "reference-place",
            "note": "On a reference town.",
        },
        "confidence": "moderate",
        "confidence_note": "Two outlets.",
        "claims": [
            {
                "id": "c1",
                "date": "2019-02-18",
                "actor": "Outlet A",
                "actor_type": "journalist",
                "stance": "affirms",
                "basis": "on-site",
                "summary": "Saw it.",
                "sources": ["a"],
            },
            {
                "id": "c2",
                "date": "2021-10-15",
                "actor": "Outlet B",
                "actor_type": "imagery-analysis",
                "stance": "affirms",
                "basis": "imagery",
                "summary": "Imagery shows it.",
                "sources": ["b"],
            },
        ],
        "sources": [
            {"id": "a", "title": "A", "publisher": "Outlet A", "url": "https://example.org/a"},
            {"id": "b", "title": "B", "publisher": "Outlet B", "url": "https://example.org/b"},
        ],
        "official_status": "no-statement",
        "evidence": "attested",
        "status": "attested",
    },
}


def layer(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def site(**changes):
    """A copy of the base site; keys like 'properties.kind' or 'geometry' are replaced."""
    feature = copy.deepcopy(BASE_SITE)
    for dotted, value in changes.items():
        target = feature
        *parents, last = dotted.split(".")
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        if value is DELETE:
            del target[last]
        elif last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value
    return feature


DELETE = object()
P = "properties"
BOWTIE = {"type": "Polygon", "coordinates": [[[73, 38], [74, 39], [74, 38], [73, 39], [73, 38]]]}
UNCLOSED = {"type": "Polygon", "coordinates": [[[73, 38], [74, 38], [74, 39], [73, 39]]]}

# name: (layer document or raw text, expected validator line without the "path: " prefix)
CASES = {
    "not-json": (
        '{"type": "FeatureCollection", "features": [',
        "-: file: not valid JSON: ends too early (truncated?) at line 1, column 44",
    ),
    "not-a-featurecollection": (
        BASE_SITE,
        "-: file: \"type\" is 'Feature': expected a GeoJSON FeatureCollection",
    ),
    "duplicate-id": (layer(site(), site()), "tj-test-site: id: duplicate id: used by 2 sites"),
    "missing-kind": (
        layer(site(**{f"{P}.kind": DELETE})),
        "tj-test-site: kind: required field is missing",
    ),
    "unknown-kind": (
        layer(site(**{f"{P}.kind": "fortress"})),
        "tj-test-site: kind: unknown value 'fortress'; expected one of 'base', 'border-post', "
        "'checkpoint', 'command-centre', 'training-centre', 'exercise-area', 'programme' or 'other'",
    ),
    "unknown-stance": (
        layer(site(**{f"{P}.claims.0.stance": "maybe"})),
        "tj-test-site: claims[0].stance: unknown value 'maybe'; expected one of 'affirms', "
        "'denies', 'acknowledges-other-role', 'announces', 'no-comment' or 'context'",
    ),
    "longitude-out-of-range": (
        layer(site(geometry={"type": "Point", "coordinates": [273.965, 38.16889]})),
        "tj-test-site: geometry.coordinates: longitude 273.965 is outside -180..180",
    ),
    "latitude-out-of-range": (
        layer(site(geometry={"type": "Point", "coordinates": [38.16889, 93.965]})),
        "tj-test-site: geometry.coordinates: latitude 93.965 is outside -90..90 "
        "(looks like [latitude, longitude]; GeoJSON is [lon, lat])",
    ),
    "swapped-coordinates": (
        layer(site(geometry={"type": "Point", "coordinates": [38.16889, 73.965]})),
        "tj-test-site: geometry.coordinates: [38.16889, 73.965] lies in no country of the context "
        "layer, 4125.6 km from TJ (looks like [latitude, longitude]; GeoJSON is [longitude, latitude])",
    ),
    "wrong-country": (
        layer(site(geometry={"type": "Point", "coordinates": [55.1, 51.767]})),
        "tj-test-site: geometry.coordinates: [55.1, 51.767] lies in Russia (RU), 1661.2 km from TJ",
    ),
    "bowtie-polygon": (
        layer(
            site(
                geometry=BOWTIE,
                **{f"{P}.location.precision_m": None, f"{P}.location.basis": "analyst-estimate"},
            )
        ),
        "tj-test-site: geometry: invalid polygon: Self-intersection[73.5 38.5]",
    ),
    "unclosed-ring": (
        layer(
            site(
                geometry=UNCLOSED,
                **{f"{P}.location.precision_m": None, f"{P}.location.basis": "analyst-estimate"},
            )
        ),
        "tj-test-site: geometry.coordinates[0]: ring is not closed: first and last positions differ",
    ),
    "three-d-position": (
        layer(site(geometry={"type": "Point", "coordinates": [73.965, 38.16889, 3650]})),
        "tj-test-site: geometry.coordinates: 3D positions are not supported: give [longitude, latitude] only",
    ),
    "unknown-source": (
        layer(site(**{f"{P}.claims.1.sources": ["b", "nyt"]})),
        "tj-test-site: claims[1].sources: cites unknown source 'nyt'",
    ),
    "source-without-url": (
        layer(site(**{f"{P}.sources.0.url": DELETE})),
        "tj-test-site: sources[0].url: required field is missing",
    ),
    "javascript-url": (
        layer(site(**{f"{P}.sources.0.url": "javascript:alert(1)"})),
        "tj-test-site: sources[0].url: only http(s) links are allowed, got javascript: 'javascript:alert(1)'",
    ),
    "date-not-iso": (
        layer(site(**{f"{P}.claims.0.date": "18 Feb 2019"})),
        "tj-test-site: claims[0].date: '18 Feb 2019' is not an ISO 8601 date (YYYY-MM-DD, YYYY-MM or YYYY)",
    ),
    "date-impossible": (
        layer(site(**{f"{P}.claims.0.date": "2019-02-30"})),
        "tj-test-site: claims[0].date: '2019-02-30': day 30 does not exist in that month",
    ),
    "date-in-future": (
        layer(site(**{f"{P}.claims.1.date": "2999-01-01"})),
        "tj-test-site: claims[1].date: 2999-01-01 is in the future",
    ),
    "derived-status-mismatch": (
        layer(site(**{f"{P}.status": "attested-denied"})),
        "tj-test-site: status: says 'attested-denied' but the claims give 'attested'; derived "
        "fields are computed, not typed (save the layer to rewrite them)",
    ),
    "unlocated-with-basis": (
        layer(site(geometry=None)),
        "tj-test-site: location.basis: is 'reference-place' but geometry is null: use 'unlocated'",
    ),
    "point-without-precision": (
        layer(site(**{f"{P}.location.precision_m": None})),
        "tj-test-site: location.precision_m: a Point needs a radius that contains the site",
    ),
    "crs-member": (
        {**layer(site()), "crs": {"type": "name", "properties": {"name": "EPSG:4326"}}},
        "-: crs: RFC 7946 has no crs member: coordinates are WGS 84 lon/lat",
    ),
    "duplicate-source-id": (
        layer(
            site(
                **{
                    f"{P}.sources.1.id": "a",
                    f"{P}.claims.1.sources": ["a"],
                    f"{P}.evidence": "reported",
                    f"{P}.status": "reported",
                }
            )
        ),
        "tj-test-site: sources: duplicate source id 'a'",
    ),
    "located-but-unlocated": (
        layer(site(**{f"{P}.location.basis": "unlocated"})),
        "tj-test-site: location.basis: is 'unlocated' but the site has a geometry",
    ),
    "reserved-key": (
        layer(site(**{f"{P}.__facilitymap_id__": "tj-other-site"})),
        "tj-test-site: __facilitymap_id__: this key is reserved by facilitymap",
    ),
    # Warnings: exit 0, or 1 with --strict.
    "warn-uncited-source": (
        layer(
            site(
                **{
                    f"{P}.sources": [
                        *BASE_SITE[P]["sources"],
                        {"id": "c", "title": "C", "publisher": "C", "url": "https://example.org/c"},
                    ]
                }
            )
        ),
        "tj-test-site: sources[2]: warning: source 'c' is cited by no claim",
    ),
    "warn-left-hand-polygon": (
        layer(
            site(
                geometry={
                    "type": "Polygon",
                    "coordinates": [[[73, 38], [73, 39], [74, 39], [74, 38], [73, 38]]],
                },
                **{f"{P}.location.precision_m": None, f"{P}.location.basis": "analyst-estimate"},
            )
        ),
        "tj-test-site: geometry: warning: polygon rings do not follow the right-hand rule "
        "(RFC 7946 §3.1.6); `save_layer` rewinds them",
    ),
    "warn-high-confidence-one-publisher": (
        layer(
            site(
                **{
                    f"{P}.confidence": "high",
                    f"{P}.sources.1.publisher": "Outlet A",
                    f"{P}.evidence": "reported",
                    f"{P}.status": "reported",
                }
            )
        ),
        "tj-test-site: confidence: warning: 'high' rests on 1 independent publisher(s) of "
        "supporting claims; ICD 203 high confidence needs at least two",
    ),
    "warn-government-on-unofficial-claim": (
        layer(
            site(
                # A journalist's claim speaks for no government: the derived fields stay
                # those of a site no government has spoken about.
                **{f"{P}.claims.0.government": "TJ"}
            )
        ),
        "tj-test-site: claims[0].government: warning: 'TJ' on a 'journalist' claim: only a "
        "host-government or foreign-government statement speaks for a government",
    ),
    "warn-government-not-concerned": (
        layer(
            site(
                **{
                    f"{P}.claims.0.actor_type": "foreign-government",
                    f"{P}.claims.0.government": "CN",
                    f"{P}.claims.0.basis": "statement",
                    f"{P}.evidence": "reported",
                    f"{P}.status": "reported",
                }
            )
        ),
        "tj-test-site: claims[0].government: warning: 'CN' is neither the site's country (TJ) "
        "nor in its governments, so this statement sets no official position; add 'CN' to "
        "governments if that government is concerned",
    ),
    "warn-precise-point-not-published": (
        layer(site(**{f"{P}.location.precision_m": 200})),
        "tj-test-site: location.precision_m: warning: 200 m looks precise but basis is "
        "'reference-place'; only published coordinates justify a radius under 1 km",
    ),
}


def raw(doc) -> str:
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


VALID_TEXT = raw(layer(site()))
HOLE_OUTSIDE = {
    "type": "Polygon",
    "coordinates": [
        [[73, 38], [74, 38], [74, 39], [73, 39], [73, 38]],
        [[75, 38], [75.5, 38], [75.5, 38.5], [75, 38.5], [75, 38]],
    ],
}
AREA = {f"{P}.location.precision_m": None, f"{P}.location.basis": "analyst-estimate"}

# Issue #7's corpus: broken and odd layers beyond the one-rule cases above. Bytes (str) are
# written as they are; everything else as JSON.
BROKEN = {
    "broken-truncated-mid-string": (VALID_TEXT[: VALID_TEXT.index("Test site") + 4], None),
    "broken-bom": ("\ufeff" + VALID_TEXT, None),
    "broken-latin1-bytes": (VALID_TEXT.replace("Test site", "K\u016dlob \u00e9t\u00e9"), None),
    "broken-nan-coordinate": (VALID_TEXT.replace("73.965", "NaN"), None),
    "broken-infinity-precision": (
        VALID_TEXT.replace('"precision_m": 30000', '"precision_m": Infinity'),
        None,
    ),
    "broken-overflowing-number": (VALID_TEXT.replace("73.965", "1e400"), None),
    "broken-duplicate-key-properties": (
        VALID_TEXT.replace('"kind": "base",', '"kind": "base",\n  "kind": "exercise-area",'),
        None,
    ),
    "broken-duplicate-key-claim": (
        VALID_TEXT.replace('"stance": "affirms",', '"stance": "affirms", "stance": "denies",', 1),
        None,
    ),
    "broken-duplicate-key-top": (
        VALID_TEXT.replace(
            '"type": "FeatureCollection",', '"type": "FeatureCollection", "type": "Topology",'
        ),
        None,
    ),
    "broken-deeply-nested-arrays": ("[" * 100_000 + "]" * 100_000, None),
    "broken-empty-file": ("", None),
    "broken-whitespace-only": ("  \n\t\n", None),
    "broken-top-level-array": ("[" + raw(site()) + "]", None),
    "broken-top-level-string": ('"FeatureCollection"', None),
    "broken-features-object": ({"type": "FeatureCollection", "features": {"a": site()}}, None),
    "broken-feature-type-missing": (layer(site(type=DELETE)), None),
    "broken-geometry-member-missing": (layer(site(geometry=DELETE)), None),
    "broken-properties-null": (layer(site(properties=None)), None),
    "broken-properties-array": (layer(site(properties=[1, 2])), None),
    "broken-geometrycollection": (
        layer(site(geometry={"type": "GeometryCollection", "geometries": []}, **AREA)),
        None,
    ),
    "broken-multipoint": (
        layer(site(geometry={"type": "MultiPoint", "coordinates": [[73, 38]]})),
        None,
    ),
    "broken-unknown-geometry-type": (
        layer(site(geometry={"type": "Circle", "coordinates": [73, 38], "radius": 5})),
        None,
    ),
    "broken-antimeridian-polygon": (
        layer(
            site(
                geometry={
                    "type": "Polygon",
                    "coordinates": [[[179, 60], [-179, 60], [-179, 61], [179, 61], [179, 60]]],
                },
                **AREA,
            )
        ),
        None,
    ),
    "broken-ring-too-short": (
        layer(
            site(
                geometry={"type": "Polygon", "coordinates": [[[73, 38], [74, 38], [73, 38]]]},
                **AREA,
            )
        ),
        None,
    ),
    "broken-bowtie-multipolygon": (
        layer(
            site(geometry={"type": "MultiPolygon", "coordinates": [BOWTIE["coordinates"]]}, **AREA)
        ),
        None,
    ),
    "broken-hole-outside-shell": (layer(site(geometry=HOLE_OUTSIDE, **AREA)), None),
    "broken-linestring-one-position": (
        layer(site(geometry={"type": "LineString", "coordinates": [[73, 38]]})),
        None,
    ),
    "broken-position-as-string": (
        layer(site(geometry={"type": "Point", "coordinates": "73.965, 38.16889"})),
        None,
    ),
    "broken-position-with-null": (
        layer(site(geometry={"type": "Point", "coordinates": [73.965, None]})),
        None,
    ),
    "broken-geometry-crs-member": (
        layer(
            site(
                geometry={
                    "type": "Point",
                    "coordinates": [73.965, 38.16889],
                    "crs": {"type": "name", "properties": {"name": "EPSG:4326"}},
                }
            )
        ),
        None,
    ),
    "broken-id-number": (layer(site(id=7)), None),
    "broken-id-missing": (layer(site(id=DELETE)), None),
    "broken-id-uppercase-spaces": (layer(site(id="TJ Test Site")), None),
    "broken-id-too-long": (layer(site(id="a" * 121)), None),
    "broken-claims-not-a-list": (layer(site(**{f"{P}.claims": {"c1": "affirms"}})), None),
    "broken-claim-without-sources": (layer(site(**{f"{P}.claims.0.sources": []})), None),
    "broken-relative-url": (layer(site(**{f"{P}.sources.0.url": "/news/2019/a.html"})), None),
    "broken-data-url": (
        layer(site(**{f"{P}.sources.0.url": "data:text/html,<script>alert(1)</script>"})),
        None,
    ),
    "broken-javascript-archive-url": (
        layer(site(**{f"{P}.sources.1.archive_url": "JavaScript:alert(document.domain)"})),
        None,
    ),
    "broken-url-with-control-character": (
        layer(site(**{f"{P}.sources.0.url": "https://example.org/a\u0000b"})),
        None,
    ),
    "broken-country-lowercase": (layer(site(**{f"{P}.country": "tj"})), None),
    "broken-confidence-unknown": (layer(site(**{f"{P}.confidence": "certain"})), None),
    "broken-precision-negative": (layer(site(**{f"{P}.location.precision_m": -5})), None),
    "broken-precision-string": (layer(site(**{f"{P}.location.precision_m": "30 km"})), None),
    "broken-month-13": (layer(site(**{f"{P}.claims.0.date": "2019-13-01"})), None),
    "broken-first-reported-future": (layer(site(**{f"{P}.first_reported": "2999-12"})), None),
    "broken-lang-not-bcp47": (
        layer(site(**{f"{P}.local_names": [{"name": "Шаймак", "lang": "Russian"}]})),
        None,
    ),
    "broken-name-empty": (layer(site(**{f"{P}.name": ""})), None),
    "broken-name-number": (layer(site(**{f"{P}.name": 42})), None),
    "broken-status-unknown": (layer(site(**{f"{P}.status": "secret"})), None),
    "broken-evidence-mismatch": (layer(site(**{f"{P}.evidence": "reported"})), None),
    "broken-claim-id-duplicate": (layer(site(**{f"{P}.claims.1.id": "c1"})), None),
    "broken-utf16": (None, None),
}
# The one line `validate` prints for each (after "path: "), reviewed by hand.
BROKEN_EXPECTED = {
    "broken-truncated-mid-string": "-: file: not valid JSON: unterminated string starting at line 15, column 13",
    "broken-bom": "-: file: starts with a UTF-8 byte-order mark; RFC 7946 §11 forbids it",
    "broken-latin1-bytes": "-: file: not UTF-8 (byte 234: 0xe9); save as UTF-8",
    "broken-nan-coordinate": "tj-test-site: geometry.coordinates[0]: NaN is not a JSON number (RFC 8259): use null or a finite number (line 10, column 6)",
    "broken-infinity-precision": "tj-test-site: location.precision_m: Infinity is not a JSON number (RFC 8259): use null or a finite number (line 19, column 21)",
    "broken-overflowing-number": "tj-test-site: geometry.coordinates[0]: number 1e400 is too large for a 64-bit float (line 10, column 6)",
    "broken-duplicate-key-properties": "tj-test-site: properties: duplicate key 'kind': JSON leaves which value counts undefined",
    "broken-duplicate-key-claim": "tj-test-site: claims[0]: duplicate key 'stance': JSON leaves which value counts undefined",
    "broken-duplicate-key-top": "-: file: duplicate key 'type': JSON leaves which value counts undefined",
    "broken-deeply-nested-arrays": "-: file: not valid JSON: nested too deeply to parse",
    "broken-empty-file": "-: file: empty file: expected a GeoJSON FeatureCollection",
    "broken-whitespace-only": "-: file: empty file: expected a GeoJSON FeatureCollection",
    "broken-top-level-array": "-: file: expected a GeoJSON FeatureCollection object, got a JSON array",
    "broken-top-level-string": "-: file: expected a GeoJSON FeatureCollection object, got a JSON string",
    "broken-features-object": '-: file: "features" must be an array',
    "broken-feature-type-missing": 'tj-test-site: type: missing: expected "Feature"',
    "broken-geometry-member-missing": "tj-test-site: geometry: missing: use null for an unlocated site",
    "broken-properties-null": "tj-test-site: properties: must be an object",
    "broken-properties-array": "tj-test-site: properties: must be an object",
    "broken-geometrycollection": "tj-test-site: geometry.type: GeometryCollection is not supported; use Point, LineString, Polygon, MultiLineString, MultiPolygon",
    "broken-multipoint": "tj-test-site: geometry.type: MultiPoint is not supported; use Point, LineString, Polygon, MultiLineString, MultiPolygon",
    "broken-unknown-geometry-type": "tj-test-site: geometry.type: unknown geometry type 'Circle'",
    "broken-antimeridian-polygon": "tj-test-site: geometry.coordinates[0]: ring spans more than 180° of longitude: RFC 7946 §3.1.9 asks to split it",
    "broken-ring-too-short": "tj-test-site: geometry.coordinates[0]: a closed ring needs at least 4 positions",
    "broken-bowtie-multipolygon": "tj-test-site: geometry: invalid polygon: Self-intersection[73.5 38.5]",
    "broken-hole-outside-shell": "tj-test-site: geometry: invalid polygon: Hole lies outside shell[75 38]",
    "broken-linestring-one-position": "tj-test-site: geometry.coordinates: a line needs at least 2 positions",
    "broken-position-as-string": "tj-test-site: geometry.coordinates: a position must be [longitude, latitude]",
    "broken-position-with-null": "tj-test-site: geometry.coordinates: coordinate None is not a finite number",
    "broken-geometry-crs-member": "tj-test-site: geometry.crs: RFC 7946 has no crs member: coordinates are WGS 84",
    "broken-id-number": "#0: id: input should be a valid string, got 7",
    "broken-id-missing": "#0: id: missing: every feature needs a string id (a slug such as tj-murghab-shaymak)",
    "broken-id-uppercase-spaces": "TJ Test Site: id: 'TJ Test Site' is not a slug (lowercase letters, digits, single hyphens: tj-murghab-shaymak)",
    "broken-id-too-long": "#0: id: is 121 characters long; at most 120 allowed",
    "broken-claims-not-a-list": "tj-test-site: claims: input should be a valid list, got {'c1': 'affirms'}",
    "broken-claim-without-sources": "tj-test-site: claims[0].sources: needs at least 1 item",
    "broken-relative-url": "tj-test-site: sources[0].url: only http(s) links are allowed, got no scheme: '/news/2019/a.html'",
    "broken-data-url": "tj-test-site: sources[0].url: only http(s) links are allowed, got data: 'data:text/html,<script>alert(1)</script>'",
    "broken-javascript-archive-url": "tj-test-site: sources[1].archive_url: only http(s) links are allowed, got javascript: 'JavaScript:alert(document.domain)'",
    "broken-url-with-control-character": "tj-test-site: sources[0].url: URL contains spaces or control characters: 'https://example.org/a\\x00b'",
    "broken-country-lowercase": "tj-test-site: country: 'tj' is not an ISO 3166-1 alpha-2 country code (two capital letters)",
    "broken-confidence-unknown": "tj-test-site: confidence: unknown value 'certain'; expected one of 'low', 'moderate' or 'high'",
    "broken-precision-negative": "tj-test-site: location.precision_m: input should be greater than 0, got -5",
    "broken-precision-string": "tj-test-site: location.precision_m: input should be a valid number, got '30 km'",
    "broken-month-13": "tj-test-site: claims[0].date: '2019-13-01': month 13 does not exist",
    "broken-first-reported-future": "tj-test-site: first_reported: 2999-12 is in the future",
    "broken-lang-not-bcp47": "tj-test-site: local_names[0].lang: 'Russian' is not a BCP 47 language tag (en, ru, zh-Hans)",
    "broken-name-empty": "tj-test-site: name: must not be empty",
    "broken-name-number": "tj-test-site: name: input should be a valid string, got 42",
    "broken-status-unknown": "tj-test-site: status: unknown value 'secret'; expected one of 'attested-denied', 'reported-denied', 'acknowledged-other-role', 'acknowledged', 'attested', 'reported' or 'unverified'",
    "broken-evidence-mismatch": "tj-test-site: evidence: says 'reported' but the claims give 'attested'; derived fields are computed, not typed (save the layer to rewrite them)",
    "broken-claim-id-duplicate": "tj-test-site: claims: duplicate claim id 'c1'",
    "broken-utf16": "-: file: not UTF-8 (byte 0: 0xff); save as UTF-8",
}
LATIN1 = {"broken-latin1-bytes"}
UTF16 = {"broken-utf16"}


def main() -> None:
    HERE.mkdir(exist_ok=True)
    expected = {}
    for name, (doc, line) in CASES.items():
        text = doc if isinstance(doc, str) else json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
        (HERE / f"{name}.geojson").write_text(text, encoding="utf-8")
        expected[f"{name}.geojson"] = line
    for name, (doc, _) in BROKEN.items():
        line = BROKEN_EXPECTED[name]
        text = raw(doc) if not isinstance(doc, str) and doc is not None else doc
        path = HERE / f"{name}.geojson"
        if name in LATIN1:
            path.write_bytes(text.encode("latin-1", errors="replace"))
        elif name in UTF16:
            path.write_bytes(VALID_TEXT.encode("utf-16"))
        else:
            path.write_bytes(text.encode("utf-8"))
        expected[f"{name}.geojson"] = line
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
