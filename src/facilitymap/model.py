"""Typed records of the layer: Layer, Site, Claim, Source, Location.

Pure data: no files, no HTML, no click. The field meanings are in ``docs/layer-format.md``;
``geodata/schema.json`` is generated from these classes (``facilitymap schema``).

The records are msgspec Structs: type checks, enums, patterns and lengths are validated in C
(a 100,000-site layer converts in about a second), and :func:`explain` walks the same type
information in Python to list *every* problem of a record that failed.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from facilitymap.dates import parse_date_range

KINDS = (
    "base",
    "border-post",
    "checkpoint",
    "command-centre",
    "training-centre",
    "exercise-area",
    "programme",
    "other",
)
ACTOR_TYPES = (
    "host-government",
    "foreign-government",
    "journalist",
    "imagery-analysis",
    "leaked-document",
    "anonymous-source",
    "think-tank",
    "other",
)
STANCES = (
    "affirms",
    "denies",
    "acknowledges-other-role",
    "announces",
    "no-comment",
    "context",
)
CLAIM_BASES = ("on-site", "imagery", "document", "statement", "testimony", "relay", "analysis")
LOCATION_BASES = (
    "published-coordinates",
    "reference-place",
    "admin-area",
    "analyst-estimate",
    "unlocated",
)
CONFIDENCES = ("low", "moderate", "high")
OFFICIAL_STATUSES = ("denied", "acknowledged", "acknowledged-other-role", "no-statement")
EVIDENCE_LEVELS = ("attested", "reported", "unverified")
# The headline categories the map shows, most contested first (see facilitymap.status).
STATUSES = (
    "attested-denied",
    "reported-denied",
    "acknowledged-other-role",
    "acknowledged",
    "attested",
    "reported",
    "unverified",
)

Kind = Literal[KINDS]  # type: ignore[valid-type]
ActorType = Literal[ACTOR_TYPES]  # type: ignore[valid-type]
Stance = Literal[STANCES]  # type: ignore[valid-type]
ClaimBasis = Literal[CLAIM_BASES]  # type: ignore[valid-type]
LocationBasis = Literal[LOCATION_BASES]  # type: ignore[valid-type]
Confidence = Literal[CONFIDENCES]  # type: ignore[valid-type]
OfficialStatus = Literal[OFFICIAL_STATUSES]  # type: ignore[valid-type]
EvidenceLevel = Literal[EVIDENCE_LEVELS]  # type: ignore[valid-type]
StatusCategory = Literal[STATUSES]  # type: ignore[valid-type]


MAX_TEXT_CHARS = 200_000
DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
LOCAL_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
COUNTRY_PATTERN = r"^[A-Z]{2}$"
LANG_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"

# Long enough for any real name or note (and for the hostile-input corpus's 100,000-character
# names); a multi-megabyte string is refused rather than embedded into every map and export.
Text = Annotated[str, Meta(min_length=1, max_length=MAX_TEXT_CHARS)]
OptionalText = Annotated[str, Meta(max_length=MAX_TEXT_CHARS)] | None
# Patterns are in the schema but checked by facilitymap.validation (once per distinct value,
# cached), not by msgspec, which would call the regex engine for every value: 1.3 s of a
# 100,000-site load, where the distinct values (c1, s0, 2019-02-18, ...) are a few thousand.
IsoDate = Annotated[
    str,
    Meta(extra_json_schema={"pattern": DATE_PATTERN}, description="YYYY-MM-DD, YYYY-MM or YYYY"),
]
Slug = Annotated[str, Meta(pattern=SLUG_PATTERN, max_length=120)]
LocalId = Annotated[str, Meta(max_length=120, extra_json_schema={"pattern": LOCAL_ID_PATTERN})]
CountryCode = Annotated[str, Meta(extra_json_schema={"pattern": COUNTRY_PATTERN})]
# Governments named on claims and sites are few: msgspec checks their pattern as it converts.
GovernmentCode = Annotated[
    str, Meta(pattern=COUNTRY_PATTERN, description="ISO 3166-1 alpha-2 code of a government")
]
LangTag = Annotated[str, Meta(extra_json_schema={"pattern": LANG_PATTERN})]
# Only the length is checked here; facilitymap.validation.records says why a URL is refused.
Url = Annotated[str, Meta(min_length=1, max_length=4096)]
Radius = Annotated[float, Meta(gt=0)]

# Unknown members of a record are kept in ``extra``; it and the Feature members of a Site have
# reserved JSON names that the loader never passes in (it fills them itself) and that are
# never written. A layer using one of these keys as a property is refused with a clear message.
RESERVED_PREFIX = "__facilitymap_"
EXTRA = RESERVED_PREFIX + "extra__"


# gc=False: records never form reference cycles, and untracked objects spare the cyclic
# collector from walking a 100,000-site layer over and over while it is built.
class Record(msgspec.Struct, kw_only=True, omit_defaults=True, repr_omit_defaults=True, gc=False):
    """Base of the layer's records: unknown members kept, JSON-ready output, copies."""

    extra: dict[str, Any] = msgspec.field(default_factory=dict, name=EXTRA)

    def to_json_dict(self) -> dict[str, Any]:
        """The record as JSON-ready data: known fields in declared order, unset ones left out,
        then unknown members (kept even when null)."""
        return _to_json(self)

    def replace(self, **changes: Any) -> Any:
        """A copy with some fields changed (the record itself is left as it is)."""
        return msgspec.structs.replace(self, **changes)


def _to_json(record: Record) -> dict[str, Any]:
    data = msgspec.to_builtins(record)
    for key in _RESERVED_KEYS:
        data.pop(key, None)
    _merge_extras(record, data)
    return data


def _merge_extras(record: Record, data: dict[str, Any]) -> None:
    # Nested records' unknown members are merged in place; most records have none.
    data.update(record.extra)
    for name in _NESTED.get(type(record), ()):
        value = getattr(record, name)
        if isinstance(value, list):
            for item, dumped in zip(value, data.get(name, ()), strict=False):
                if item.extra:
                    dumped.pop(EXTRA, None)
                    _merge_extras(item, dumped)
        elif value is not None and value.extra:
            data[name].pop(EXTRA, None)
            _merge_extras(value, data[name])


class LocalName(Record, kw_only=True, gc=False):
    """A name of the site in another language or script, as reported."""

    name: Text
    lang: LangTag


class Source(Record, kw_only=True, gc=False):
    """A publication a claim or a location cites. ``publisher`` is the original outlet."""

    id: LocalId
    title: Text
    publisher: Text
    author: OptionalText = None
    url: Url
    via: OptionalText = None
    published: IsoDate | None = None
    accessed: IsoDate | None = None
    archive_url: Url | None = None
    language: LangTag | None = None
    note: OptionalText = None


class Claim(Record, kw_only=True, gc=False):
    """One statement by one actor at one time about the site."""

    id: LocalId
    date: IsoDate
    actor: Text
    actor_type: ActorType
    government: GovernmentCode | None = None
    stance: Stance
    basis: ClaimBasis
    summary: Text
    quote: OptionalText = None
    sources: Annotated[list[LocalId], Meta(min_length=1)]
    note: OptionalText = None


class Location(Record, kw_only=True, gc=False):
    """How the geometry was chosen and how far from it the site may honestly be."""

    precision_m: Radius | None = None
    basis: LocationBasis
    note: Text
    sources: list[LocalId] = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        radius = self.precision_m
        if radius is not None:
            if radius != radius or radius == float("inf"):
                raise ValueError("precision_m: must be a finite number")
            if isinstance(radius, float) and radius.is_integer():
                self.precision_m = int(radius)  # written "170000", not "170000.0"


# Properties of a Feature in the order they are written; derived fields last.
PROPERTY_ORDER = (
    "name",
    "local_names",
    "kind",
    "country",
    "governments",
    "admin1",
    "admin2",
    "admin3",
    "description",
    "location",
    "confidence",
    "confidence_note",
    "first_reported",
    "updated",
    "claims",
    "sources",
    "official_status",
    "evidence",
    "status",
)
DERIVED_FIELDS = ("official_status", "evidence", "status")


class Site(Record, kw_only=True, gc=False):
    """One reported facility: a GeoJSON Feature of the layer.

    The fields are the Feature's properties, plus its ``id`` and ``geometry`` (the GeoJSON
    geometry dict, or None for an unlocated site; its shape is checked by
    :mod:`facilitymap.validation`). The derived fields hold what the file declared;
    :func:`facilitymap.status.derive_site` computes them from the claims. ``extra`` holds unknown properties and
    ``extra_members`` unknown Feature members.
    """

    name: Text
    local_names: list[LocalName] = msgspec.field(default_factory=list)
    kind: Kind
    country: CountryCode
    governments: list[GovernmentCode] = msgspec.field(default_factory=list)
    admin1: OptionalText = None
    admin2: OptionalText = None
    admin3: OptionalText = None
    description: OptionalText = None
    location: Location
    confidence: Confidence
    confidence_note: Text
    first_reported: IsoDate | None = None
    updated: IsoDate | None = None
    claims: list[Claim]
    sources: list[Source]
    official_status: OfficialStatus | None = None
    evidence: EvidenceLevel | None = None
    status: StatusCategory | None = None
    # Feature members, not properties: named so that no property can land in them.
    id: Slug = msgspec.field(default="", name=RESERVED_PREFIX + "id__")
    geometry: dict[str, Any] | None = msgspec.field(
        default=None, name=RESERVED_PREFIX + "geometry__"
    )
    extra_members: dict[str, Any] = msgspec.field(
        default_factory=dict, name=RESERVED_PREFIX + "members__"
    )

    @property
    def extra_properties(self) -> dict[str, Any]:
        """Properties the model does not know, kept verbatim (the same dict as ``extra``)."""
        return self.extra

    def source_map(self) -> dict[str, Source]:
        """Sources by id."""
        return {source.id: source for source in self.sources}


@dataclasses.dataclass
class Layer:
    """A loaded layer: its sites, the collection's other members, and where it came from."""

    sites: list[Site]
    extra_members: dict[str, Any] = dataclasses.field(default_factory=dict)
    path: Path | None = None
    sha256: str | None = None

    def site(self, site_id: str) -> Site:
        """The site with this id; raises KeyError."""
        for site in self.sites:
            if site.id == site_id:
                return site
        raise KeyError(site_id)


# Which fields of a record hold nested records (walked to merge unknown members).
_NESTED: dict[type, tuple[str, ...]] = {
    Site: ("local_names", "location", "claims", "sources"),
}
# Keys each record knows, as they appear in JSON (unknown ones go to ``extra``).
KNOWN_KEYS: dict[type, frozenset[str]] = {
    cls: frozenset(f.encode_name for f in msgspec.structs.fields(cls)) - {EXTRA}
    for cls in (LocalName, Source, Claim, Location, Site)
}
_RESERVED_KEYS = (EXTRA, *(k for k in KNOWN_KEYS[Site] if k.startswith(RESERVED_PREFIX)))
_VOCABULARIES = (KINDS, ACTOR_TYPES, STANCES, CLAIM_BASES, LOCATION_BASES, CONFIDENCES,
                 OFFICIAL_STATUSES, EVIDENCE_LEVELS, STATUSES)  # fmt: skip
_NESTED_TYPES = {"local_names": LocalName, "location": Location, "claims": Claim, "sources": Source}


def site_weight(site: Site) -> int:
    """Roughly how much work a site is to check or put on a map: 1 + its claims and sources
    (for splitting sites over processes, :func:`facilitymap.parallel.map_chunks`)."""
    return 1 + len(site.claims) + len(site.sources)


def site_from_properties(
    properties: dict[str, Any],
    *,
    site_id: Any = "",
    geometry: Any = None,
    members: dict[str, Any] | None = None,
) -> Site:
    """Build a Site from a Feature's parts; unknown keys at any level are kept.

    Raises
    ------
    RecordError
        With every problem of the record (field path and message).
    """
    built = sites_from_properties([(properties, site_id, geometry, members or {})])[0]
    if isinstance(built, RecordError):
        raise built
    return built


def site_from_record(record: dict[str, Any]) -> Site:
    """A Site from one flat dict: its properties plus ``id``, ``geometry`` and, optionally,
    ``extra_properties`` (unknown properties) and ``extra_members`` (unknown Feature members).

    Raises RecordError with every problem.
    """
    props = {k: v for k, v in record.items() if k not in _RECORD_ONLY}
    props.update(record.get("extra_properties") or {})
    return site_from_properties(
        props,
        site_id=record.get("id", ""),
        geometry=record.get("geometry"),
        members=record.get("extra_members"),
    )


_RECORD_ONLY = frozenset({"id", "geometry", "extra_properties", "extra_members"})


def sites_from_properties(
    parts: list[tuple[dict[str, Any], Any, Any, dict[str, Any]]],
) -> list[Site | RecordError]:
    """Many sites at once: ``(properties, id, geometry, members)`` each; a RecordError in
    place of each site that fails. One C-level conversion for the common all-valid case."""
    try:
        converted: list[Site | None] = msgspec.convert([p[0] for p in parts], list[Site])
    except msgspec.ValidationError:
        converted = []
        for props, *_ in parts:
            try:
                converted.append(msgspec.convert(props, Site))
            except msgspec.ValidationError:
                converted.append(None)
    return [
        _finish_site(site, props, site_id, geometry, members)
        for site, (props, site_id, geometry, members) in zip(converted, parts, strict=True)
    ]


def _finish_site(
    site: Site | None, props: dict, site_id: Any, geometry: Any, members: Any
) -> Site | RecordError:
    problems = _id_problems(site_id)
    problems += [(k, "this key is reserved by facilitymap") for k in _RESERVED_KEYS if k in props]
    if site is None:
        problems += explain(Site, props)
    if problems or site is None:  # explain finds a problem whenever msgspec did
        return RecordError(problems)
    site.id = site_id
    site.geometry = geometry
    site.extra_members = dict(members or {})
    if not KNOWN_KEYS[Site].issuperset(props):
        site.extra = {k: v for k, v in props.items() if k not in KNOWN_KEYS[Site]}
    _keep_nested_extras(site, props)
    return site


def _keep_nested_extras(site: Site, props: dict[str, Any]) -> None:
    # issuperset, not a set difference: no set is built for the records (nearly all) that
    # have no unknown key; a third of the time over the 600,000 records of 100,000 sites.
    for name, cls in _NESTED_TYPES.items():
        raw = props.get(name)
        known = KNOWN_KEYS[cls]
        if isinstance(raw, dict):
            if not known.issuperset(raw):
                getattr(site, name).extra = {k: v for k, v in raw.items() if k not in known}
        elif isinstance(raw, list) and not all(map(known.issuperset, raw)):
            for record, item in zip(getattr(site, name), raw, strict=False):
                if not known.issuperset(item):
                    record.extra = {k: v for k, v in item.items() if k not in known}


def record_from_dict(cls: type, data: Any) -> Any:
    """One record (Claim, Source, Location, LocalName) from a dict, unknown keys kept.

    Raises RecordError with every problem.
    """
    try:
        record: Any = msgspec.convert(data, cls)
    except msgspec.ValidationError:
        raise RecordError(explain(cls, data)) from None
    unknown = data.keys() - KNOWN_KEYS[cls]
    if unknown:
        record.extra = {k: v for k, v in data.items() if k in unknown}
    return record


_ID_RE = re.compile(SLUG_PATTERN[:-1] + r"\Z")  # "$" would let a trailing newline through


def _id_problems(site_id: Any) -> list[tuple[str, str]]:
    if site_id is None or site_id == "":
        return [
            ("id", "missing: every feature needs a string id (a slug such as tj-murghab-shaymak)")
        ]
    if not isinstance(site_id, str):
        return [("id", f"input should be a valid string, got {_short(site_id)}")]
    if len(site_id) > 120:
        return [("id", f"is {len(site_id):,} characters long; at most 120 allowed")]
    if not _ID_RE.match(site_id):
        return [("id", f"{_short(site_id)} is not {PATTERN_WORDS[SLUG_PATTERN]}")]
    return []


class RecordError(ValueError):
    """Raised when a record does not fit the model; ``problems`` lists (field, message)."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(f"{f}: {m}" for f, m in problems))
        self.problems = problems


# ---- explaining every problem of a record (the slow path, only for records that fail) ----

PATTERN_WORDS = {
    DATE_PATTERN: "an ISO 8601 date (YYYY-MM-DD, YYYY-MM or YYYY)",
    SLUG_PATTERN: "a slug (lowercase letters, digits, single hyphens: tj-murghab-shaymak)",
    COUNTRY_PATTERN: "an ISO 3166-1 alpha-2 country code (two capital letters)",
    LANG_PATTERN: "a BCP 47 language tag (en, ru, zh-Hans)",
    LOCAL_ID_PATTERN: "an id (letters, digits, '.', '_', '-')",
}
_JSON_KIND = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def explain(cls: type, data: Any) -> list[tuple[str, str]]:
    """Every problem of ``data`` as a ``cls`` record: ``(field path, message)`` pairs."""
    return _explain(_type_info(cls), data, "")


@functools.cache
def _type_info(cls: type) -> Any:
    # msgspec builds this by evaluating every annotation (~25 ms for Site): once per class,
    # not once per invalid record (an import of 2,000 bad rows took 40 s).
    return msgspec.inspect.type_info(cls)


def _join(path: str, part: str | int) -> str:
    if isinstance(part, int):
        return f"{path}[{part}]"
    return f"{path}.{part}" if path else part


def _explain(info: Any, value: Any, path: str) -> list[tuple[str, str]]:
    mi = msgspec.inspect
    field = path or "record"
    pattern = None
    if isinstance(info, mi.Metadata):  # Annotated[..., Meta(extra_json_schema=...)]
        pattern = (info.extra_json_schema or {}).get("pattern")
        info = info.type
    if isinstance(info, mi.UnionType):
        if value is None and any(isinstance(t, mi.NoneType) for t in info.types):
            return []
        others = [t for t in info.types if not isinstance(t, mi.NoneType)]
        return _explain(others[0], value, path)
    if isinstance(info, mi.StructType):
        if not isinstance(value, dict):
            return [(field, f"input should be a valid object, got {_short(value)}")]
        found: list[tuple[str, str]] = []
        for f in info.fields:
            if f.encode_name.startswith(RESERVED_PREFIX):
                continue  # reported by _finish_site
            if f.encode_name not in value:
                if f.required:
                    found.append((_join(path, f.name), "required field is missing"))
                continue
            found += _explain(f.type, value[f.encode_name], _join(path, f.name))
        if not found:
            try:
                msgspec.convert(value, info.cls)
            except msgspec.ValidationError as err:
                name, _, why = _post_init_message(err).partition(": ")
                known = {f.name for f in info.fields}
                found.append((_join(path, name), why) if name in known else (field, str(err)))
        return found
    if isinstance(info, mi.ListType):
        if not isinstance(value, list):
            return [(field, f"input should be a valid list, got {_short(value)}")]
        if info.min_length and len(value) < info.min_length:
            n = info.min_length
            return [(field, f"needs at least {n} item{'s' if n != 1 else ''}")]
        found = []
        for index, item in enumerate(value):
            found += _explain(info.item_type, item, _join(path, index))
        return found
    if isinstance(info, mi.DictType):
        if not isinstance(value, dict):
            return [(field, f"input should be a valid object, got {_short(value)}")]
        return []
    if isinstance(info, mi.LiteralType):
        if isinstance(value, str) and value in info.values:
            return []
        # In the order the vocabulary is declared (msgspec keeps them sorted).
        ordered = next((v for v in _VOCABULARIES if set(v) == set(info.values)), info.values)
        options = [repr(v) for v in ordered]
        expected = ", ".join(options[:-1]) + f" or {options[-1]}"
        return [(field, f"unknown value {_short(value)}; expected one of {expected}")]
    if isinstance(info, mi.StrType):
        return _explain_str(info, value, field, pattern or info.pattern)
    if isinstance(info, mi.FloatType | mi.IntType):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return [(field, f"input should be a valid number, got {_short(value)}")]
        if info.gt is not None and not value > info.gt:
            return [(field, f"input should be greater than {info.gt:g}, got {_short(value)}")]
        return []
    return []


def _explain_str(info: Any, value: Any, field: str, pattern: str | None) -> list[tuple[str, str]]:
    if not isinstance(value, str):
        return [(field, f"input should be a valid string, got {_short(value)}")]
    if info.min_length and len(value) < info.min_length:
        return [(field, "must not be empty")]
    if info.max_length is not None and len(value) > info.max_length:
        return [(field, f"is {len(value):,} characters long; at most {info.max_length:,} allowed")]
    if pattern and not re.search(pattern, value):
        return [(field, f"{_short(value)} is not {PATTERN_WORDS.get(pattern, pattern)}")]
    if pattern == DATE_PATTERN:
        try:
            parse_date_range(value)
        except ValueError as err:
            return [(field, str(err))]
    return []


def _post_init_message(err: msgspec.ValidationError) -> str:
    # "'2019-02-30': day 30 does not exist in that month - at `$.date`" → the first part.
    return str(err).split(" - at `")[0]
