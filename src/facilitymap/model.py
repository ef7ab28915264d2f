"""Typed records of the layer: Site, Claim, Source, Location.

Pure data: no files, no HTML, no click. The field meanings are in ``docs/layer-format.md``;
``geodata/schema.json`` is generated from these classes (``facilitymap schema``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

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


def _whole_as_int(value: float) -> int | float:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _check_date(value: str) -> str:
    parse_date_range(value)
    return value


IsoDate = Annotated[
    str,
    StringConstraints(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$"),
    AfterValidator(_check_date),
    Field(json_schema_extra={"format": "date (YYYY-MM-DD, YYYY-MM or YYYY)"}),
]
# Long enough for any real name or note (and for the hostile-input corpus's 100,000-character
# names); a multi-megabyte string is refused rather than embedded into every map and export.
MAX_TEXT_CHARS = 200_000
Text = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT_CHARS)]
OptionalText = Annotated[str, StringConstraints(max_length=MAX_TEXT_CHARS)] | None
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=120)]
LocalId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length=120)]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
LangTag = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]
# Only the scheme is checked here; validate.py says why a URL is refused.
Url = Annotated[str, StringConstraints(min_length=1, max_length=4096)]


class _Record(BaseModel):
    # Unknown keys are kept (extra="allow") so a round trip never drops what a colleague added.
    model_config = ConfigDict(extra="allow", frozen=False, str_strip_whitespace=False)

    def to_json_dict(self) -> dict[str, Any]:
        """The record as JSON-ready data: known fields in declared order, unset ones left out.

        A known optional field that is null is the same as an absent one and is left out; an
        unknown member keeps its value even when that is null.
        """
        data = self.model_dump(mode="json", exclude_none=True)
        _restore_null_extras(self, data)
        return data


def _restore_null_extras(record: BaseModel, data: dict[str, Any]) -> None:
    """Put back unknown members whose value is null (exclude_none drops them too)."""
    for key, value in (record.model_extra or {}).items():
        if value is None:
            data[key] = None
    for name in _NESTED_FIELDS.get(type(record), ()):
        value = getattr(record, name)
        if isinstance(value, list):
            for item, dumped in zip(value, data.get(name, ()), strict=False):
                if item.model_extra:
                    _restore_null_extras(item, dumped)
        elif value is not None and value.model_extra:
            _restore_null_extras(value, data[name])


class LocalName(_Record):
    """A name of the site in another language or script, as reported."""

    name: Text
    lang: LangTag


class Source(_Record):
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


class Claim(_Record):
    """One statement by one actor at one time about the site."""

    id: LocalId
    date: IsoDate
    actor: Text
    actor_type: ActorType
    stance: Stance
    basis: ClaimBasis
    summary: Text
    quote: OptionalText = None
    sources: Annotated[list[LocalId], Field(min_length=1)]
    note: OptionalText = None


class Location(_Record):
    """How the geometry was chosen and how far from it the site may honestly be."""

    # A whole number is written as one ("170000", not "170000.0").
    precision_m: (
        Annotated[float, Field(gt=0, allow_inf_nan=False), AfterValidator(_whole_as_int)] | None
    ) = None
    basis: LocationBasis
    note: Text
    sources: list[LocalId] = Field(default_factory=list)


# Properties of a Feature in the order they are written; derived fields last.
PROPERTY_ORDER = (
    "name",
    "local_names",
    "kind",
    "country",
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


class Site(_Record):
    """One reported facility: a GeoJSON Feature of the layer.

    ``geometry`` is the GeoJSON geometry dict (or None for an unlocated site); its shape is
    checked by :mod:`facilitymap.validate`. The derived fields hold what the file declared;
    :meth:`derive` computes them from the claims.
    """

    model_config = ConfigDict(extra="forbid")

    id: Slug
    geometry: dict[str, Any] | None
    name: Text
    local_names: list[LocalName] = Field(default_factory=list)
    kind: Kind
    country: CountryCode
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
    # Properties the model does not know, kept verbatim; and unknown Feature members.
    extra_properties: dict[str, Any] = Field(default_factory=dict, exclude=True)
    extra_members: dict[str, Any] = Field(default_factory=dict, exclude=True)

    def source_map(self) -> dict[str, Source]:
        """Sources by id."""
        return {source.id: source for source in self.sources}

    def derive(self, as_of=None):
        """The derived status of this site from its claims, optionally as of a date."""
        from facilitymap.status import derive_status

        return derive_status(self.claims, as_of=as_of, sources=self.sources)

    def to_feature(self, as_of=None) -> dict[str, Any]:
        """The site as a GeoJSON Feature dict, derived fields computed as of ``as_of``."""
        from facilitymap.io import site_to_feature

        return site_to_feature(self, as_of=as_of)


# Which fields of a record hold nested records (walked to restore null unknown members).
_NESTED_FIELDS: dict[type, tuple[str, ...]] = {
    Site: ("local_names", "location", "claims", "sources"),
}
