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
        "-: file: not valid JSON: unexpected end of data at line 1, column 44",
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
    # Warnings: exit 0, or 1 with --strict.
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
    "warn-precise-point-not-published": (
        layer(site(**{f"{P}.location.precision_m": 200})),
        "tj-test-site: location.precision_m: warning: 200 m looks precise but basis is "
        "'reference-place'; only published coordinates justify a radius under 1 km",
    ),
}


def main() -> None:
    HERE.mkdir(exist_ok=True)
    expected = {}
    for name, (doc, line) in CASES.items():
        text = doc if isinstance(doc, str) else json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
        (HERE / f"{name}.geojson").write_text(text, encoding="utf-8")
        expected[f"{name}.geojson"] = line
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
