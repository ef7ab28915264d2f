"""The registry of validation rules: each rule, where it is checked, and its bad file.

Every problem the validator reports comes from exactly one rule here (matched by its field
and the start of its message), and every rule has a small layer under
``tests/data/invalid/`` that breaks it (made by ``tests/data/make_invalid.py``);
``tests/test_rules.py`` holds both to the validator's real output. To add a rule: write
the check in the module of its concern, add a case to ``make_invalid.py`` (and its line to
``invalid/expected.json``), and register the rule here.

Reading problems (not UTF-8, not JSON, duplicate keys) are listed too, although no module
of this package finds them: a file that is not strict JSON has no document to check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from facilitymap.problems import Problem, Severity

CONCERNS = ("reading", "shape", "records", "references", "geometry", "country", "status")


@dataclass(frozen=True)
class Rule:
    """One rule: ``name`` is ``concern.what``; ``field`` and ``message`` are regular
    expressions that the problem's field matches whole and its message from the start."""

    name: str
    severity: Severity
    summary: str
    checked_by: str  # the function that finds it, as module:qualname
    bad_file: str  # under tests/data/invalid/
    field: str
    message: str

    @property
    def concern(self) -> str:
        return self.name.split(".", 1)[0]

    def matches(self, problem: Problem) -> bool:
        return (
            problem.severity == self.severity
            and re.fullmatch(self.field, problem.field) is not None
            and re.match(self.message, problem.message) is not None
        )


_SHAPE = "facilitymap.validation.shape:layer_from_document"
_FEATURE = "facilitymap.validation.shape:feature_shape_problem"
_EXPLAIN = "facilitymap.model:explain"
_GEOMETRY = "facilitymap.validation.geometry:check_geometry"
_LOCATION = "facilitymap.validation.geometry:check_location"
_REFERENCES = "facilitymap.validation.references:check_references"
_FORMATS = "facilitymap.validation.records:check_formats"
_DATE = r"(first_reported|updated|claims\[\d+\]\.date|sources\[\d+\]\.(published|accessed))"
_COORDINATES = r"geometry\.coordinates(\[\d+\])*"

# fmt: off
RULES: tuple[Rule, ...] = (
    # reading: strict JSON in UTF-8 (facilitymap.strictjson, facilitymap.io)
    Rule("reading.utf8", "error", "the file is UTF-8 (RFC 8259 §8.1)",
         "facilitymap.io:parse_layer", "broken-latin1-bytes.geojson",
         "file", r"not UTF-8 \(byte \d+: 0x[0-9a-f]{2}\)"),
    Rule("reading.json", "error", "the file is JSON: complete, well formed, not too deep",
         "facilitymap.strictjson:loads", "not-json.geojson",
         "file", "not valid JSON: "),
    Rule("reading.number", "error", "numbers are finite 64-bit floats (RFC 8259: no NaN, no Infinity)",
         "facilitymap.strictjson:loads", "broken-nan-coordinate.geojson",
         r".+", r"(NaN|-?Infinity) is not a JSON number|number .+ is too large for a 64-bit float"),
    Rule("reading.duplicate-key", "error", "no object repeats a key (RFC 8259 leaves it undefined)",
         "facilitymap.strictjson:loads", "broken-duplicate-key-properties.geojson",
         r".+", r"duplicate key .+: JSON leaves which value counts undefined"),
    # shape: a FeatureCollection of Features
    Rule("shape.empty", "error", "the file is not empty",
         "facilitymap.validation.shape:start_problem", "broken-empty-file.geojson",
         "file", "empty file: expected a GeoJSON FeatureCollection"),
    Rule("shape.byte-order-mark", "error", "no UTF-8 byte-order mark (RFC 7946 §11)",
         "facilitymap.validation.shape:start_problem", "broken-bom.geojson",
         "file", "starts with a UTF-8 byte-order mark"),
    Rule("shape.feature-collection", "error", "the document is a GeoJSON FeatureCollection",
         _SHAPE, "not-a-featurecollection.geojson",
         "file", r"(expected a GeoJSON FeatureCollection object|\"type\" is .*: expected a GeoJSON FeatureCollection)"),
    Rule("shape.features-array", "error", '"features" is an array',
         _SHAPE, "broken-features-object.geojson",
         "file", '"features" must be an array'),
    Rule("shape.crs", "error", "no crs member: coordinates are WGS 84 lon/lat (RFC 7946 §4)",
         _SHAPE, "crs-member.geojson",
         "crs", "RFC 7946 has no crs member"),
    Rule("shape.feature", "error", 'each feature is an object of type "Feature"',
         _FEATURE, "broken-feature-type-missing.geojson",
         r"feature|type", r'(expected a GeoJSON Feature object|.*: expected "Feature")'),
    Rule("shape.geometry-member", "error", "each feature has a geometry member (null if unlocated)",
         _FEATURE, "broken-geometry-member-missing.geojson",
         "geometry", "missing: use null for an unlocated site"),
    Rule("shape.properties", "error", "each feature's properties are an object",
         _FEATURE, "broken-properties-null.geojson",
         "properties", "must be an object"),
    # records: the fields of a site, as the model declares them
    Rule("records.feature-id", "error", "each feature has an id",
         "facilitymap.model:_id_problems", "broken-id-missing.geojson",
         "id", "missing: every feature needs a string id"),
    Rule("records.reserved-key", "error", "no property uses a key facilitymap reserves",
         "facilitymap.model:sites_from_properties", "reserved-key.geojson",
         r"__facilitymap_.*", "this key is reserved by facilitymap"),
    Rule("records.required", "error", "required fields are present",
         _EXPLAIN, "missing-kind.geojson",
         r".+", "required field is missing"),
    Rule("records.type", "error", "each field has its JSON type (string, number, list, object)",
         _EXPLAIN, "broken-name-number.geojson",
         r".+", r"input should be a valid (string|list|object), got "),
    Rule("records.vocabulary", "error", "coded fields use their vocabulary (kind, stance, ...)",
         _EXPLAIN, "unknown-kind.geojson",
         r".+", r"unknown value .+; expected one of "),
    Rule("records.text", "error", "texts are not empty and not longer than their limit",
         _EXPLAIN, "broken-name-empty.geojson",
         r".+", r"(must not be empty|is [\d,]+ characters long; at most [\d,]+ allowed)"),
    Rule("records.list", "error", "lists that need items have them (a claim cites a source)",
         _EXPLAIN, "broken-claim-without-sources.geojson",
         r".+", r"needs at least \d+ items?"),
    Rule("records.number", "error", "numbers are finite and in range (a radius is positive)",
         _EXPLAIN, "broken-precision-negative.geojson",
         r".+", r"(input should be a valid number|input should be greater than|must be a finite number)"),
    Rule("records.format", "error", "ids, slugs, dates, country and language codes are well formed",
         _FORMATS, "date-not-iso.geojson",
         r".+", r".+ is not (an ISO 8601 date|a slug|an ISO 3166-1|a BCP 47|an id)"),
    Rule("records.real-date", "error", "dates exist in the calendar",
         _FORMATS, "date-impossible.geojson",
         _DATE, r"'.+': (day \d+ does not exist|month \d+ does not exist)"),
    Rule("records.future-date", "error", "no date is in the future",
         "facilitymap.validation.records:check_dates", "date-in-future.geojson",
         _DATE, r".+ is in the future"),
    Rule("records.link", "error", "links are absolute http(s) URLs with a host, no spaces",
         "facilitymap.validation.records:url_problem", "javascript-url.geojson",
         r"sources\[\d+\]\.(url|archive_url)",
         r"(only http\(s\) links are allowed|URL has no host|URL contains spaces|.+ is not a URL)"),
    # references: ids and what cites them
    Rule("references.duplicate-site-id", "error", "site ids are unique in the layer",
         "facilitymap.validation.references:duplicate_ids", "duplicate-id.geojson",
         "id", r"duplicate id: used by \d+ sites"),
    Rule("references.duplicate-claim-id", "error", "claim ids are unique in a site",
         _REFERENCES, "broken-claim-id-duplicate.geojson",
         "claims", "duplicate claim id "),
    Rule("references.duplicate-source-id", "error", "source ids are unique in a site",
         _REFERENCES, "duplicate-source-id.geojson",
         "sources", "duplicate source id "),
    Rule("references.unknown-source", "error", "claims and locations cite sources of the site",
         _REFERENCES, "unknown-source.geojson",
         r"claims\[\d+\]\.sources|location\.sources", "cites unknown source "),
    Rule("references.uncited-source", "warning", "every source is cited",
         _REFERENCES, "warn-uncited-source.geojson",
         r"sources\[\d+\]", r"source .+ is cited by no claim"),
    Rule("references.archive", "notice", "sources have an archived copy (a notice, never a failure)",
         "facilitymap.validation.references:archive_notices", "unknown-source.geojson",
         "sources", r"\d+ of \d+ source\(s\) have no archive_url"),
    # geometry: RFC 7946 geometry and the location that goes with it
    Rule("geometry.type", "error", "a geometry is an object of a supported type, or null",
         _GEOMETRY, "broken-unknown-geometry-type.geojson",
         r"geometry(\.type)?",
         r"(must be a GeoJSON geometry object or null|unknown geometry type|.+ is not supported; use )"),
    Rule("geometry.crs", "error", "a geometry has no crs member",
         _GEOMETRY, "broken-geometry-crs-member.geojson",
         r"geometry\.crs", "RFC 7946 has no crs member"),
    Rule("geometry.positions", "error", "coordinates nest as the type says; positions are [lon, lat]",
         _GEOMETRY, "three-d-position.geojson",
         _COORDINATES, r"(must be a non-empty array|a position must be|3D positions are not supported|coordinate .+ is not a finite number)"),
    Rule("geometry.range", "error", "longitude within -180..180, latitude within -90..90",
         _GEOMETRY, "longitude-out-of-range.geojson",
         _COORDINATES, r"(longitude .+ is outside -180\.\.180|latitude .+ is outside -90\.\.90)"),
    Rule("geometry.line", "error", "a line has at least 2 positions",
         _GEOMETRY, "broken-linestring-one-position.geojson",
         _COORDINATES, "a line needs at least 2 positions"),
    Rule("geometry.ring", "error", "rings are closed, of 4+ positions, within 180° of longitude",
         _GEOMETRY, "unclosed-ring.geojson",
         _COORDINATES, r"(ring is not closed|a closed ring needs at least 4 positions|ring spans more than 180° of longitude)"),
    Rule("geometry.valid-polygon", "error", "polygons are valid (no self-intersection, holes inside)",
         _GEOMETRY, "bowtie-polygon.geojson",
         "geometry", "invalid polygon: "),
    Rule("geometry.right-hand", "warning", "polygon rings follow the right-hand rule (RFC 7946 §3.1.6)",
         _LOCATION, "warn-left-hand-polygon.geojson",
         "geometry", "polygon rings do not follow the right-hand rule"),
    Rule("geometry.unlocated", "error", "a null geometry goes with basis 'unlocated', and only it",
         _LOCATION, "unlocated-with-basis.geojson",
         r"location\.basis", r"(is .+ but geometry is null|is 'unlocated' but the site has a geometry)"),
    Rule("geometry.point-radius", "error", "a Point has a radius that contains the site",
         _LOCATION, "point-without-precision.geojson",
         r"location\.precision_m", "a Point needs a radius that contains the site"),
    Rule("geometry.precise-radius", "warning", "only published coordinates justify a radius under 1 km",
         _LOCATION, "warn-precise-point-not-published.geojson",
         r"location\.precision_m", r".+ m looks precise but basis is "),
    # country
    Rule("country.point-in-country", "error", "a Point lies in its declared country (5 km tolerance)",
         "facilitymap.validation.country:check_countries", "wrong-country.geojson",
         r"geometry\.coordinates", r"\[.+\] lies in "),
    # status: what a site declares agrees with its claims
    Rule("status.derived", "error", "declared derived fields agree with the claims",
         "facilitymap.validation.status:check_derived", "derived-status-mismatch.geojson",
         r"official_status|evidence|status", r"says .+ but the claims give "),
    Rule("status.government-concerned", "warning", "a government's statement is about a site it is concerned in",
         "facilitymap.validation.status:check_governments", "warn-government-not-concerned.geojson",
         r"claims\[\d+\]\.government", r".+ is neither the site's country .+ nor in its governments"),
    Rule("status.government-actor", "warning", "only an official actor speaks for a government",
         "facilitymap.validation.status:check_governments", "warn-government-on-unofficial-claim.geojson",
         r"claims\[\d+\]\.government", r".+ on a .+ claim: only a host-government or foreign-government statement"),
    Rule("status.high-confidence", "warning", "'high' confidence rests on two independent publishers (ICD 203)",
         "facilitymap.validation.status:check_confidence", "warn-high-confidence-one-publisher.geojson",
         "confidence", r"'high' rests on \d+ independent publisher"),
)
# fmt: on


def rule_of(problem: Problem) -> Rule | None:
    """The registered rule that ``problem`` breaks, or None."""
    return next((rule for rule in RULES if rule.matches(problem)), None)
