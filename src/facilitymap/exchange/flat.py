"""Sites as flat rows and back: the column set every export format shares.

A flat row has one scalar per column; nested parts of a site (local names, claims, sources,
unknown properties) are JSON text. ``site_to_row`` and ``row_to_record`` are inverses for
every site the model accepts, so a format that stores each column exactly round-trips the
layer (see ``docs/exchange.md``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson

from facilitymap.dates import date_end
from facilitymap.io import site_to_feature
from facilitymap.model import KNOWN_KEYS, PROPERTY_ORDER, Location, Site
from facilitymap.status import derive_site, government_names

# The shared columns, in order. JSON_COLUMNS hold JSON text; DERIVED_COLUMNS are computed
# on export and ignored on import (the status is always recomputed from the claims).
FLAT_COLUMNS = (
    "id",
    "name",
    "kind",
    "country",
    "governments",
    "admin1",
    "admin2",
    "admin3",
    "description",
    "status",
    "official_status",
    "evidence",
    "denied_by",
    "confidence",
    "confidence_note",
    "precision_m",
    "location_basis",
    "location_note",
    "location_sources",
    "first_reported",
    "updated",
    "n_claims",
    "n_sources",
    "latest_claim_date",
    "local_names",
    "claims",
    "sources",
    "extra",
    "extra_members",
)
JSON_COLUMNS = frozenset(
    {
        "governments",
        "location_sources",
        "local_names",
        "claims",
        "sources",
        "extra",
        "extra_members",
    }
)
INTEGER_COLUMNS = frozenset({"n_claims", "n_sources"})
REAL_COLUMNS = frozenset({"precision_m"})
# denied_by names the concerned governments whose latest statement denies ("Tajikistan and China").
DERIVED_COLUMNS = frozenset(
    {
        "status",
        "official_status",
        "evidence",
        "denied_by",
        "n_claims",
        "n_sources",
        "latest_claim_date",
    }
)
# Plain text columns a person types: the ones a spreadsheet could read as a formula.
FREE_TEXT_COLUMNS = (
    "name",
    "admin1",
    "admin2",
    "admin3",
    "description",
    "confidence_note",
    "location_note",
)
# Geometry columns of the tabular formats (CSV): accepted on import, case-insensitively.
LON_NAMES = ("lon", "lng", "long", "longitude", "x")
LAT_NAMES = ("lat", "latitude", "y")
WKT_NAMES = ("wkt", "geometry", "the_geom", "geom", "wkt_geom")
# Column names that look like coordinates (even misspelled: "longtitudes"), named in a warning
# when nothing gave the rows a geometry.
COORDINATE_LIKE = re.compile(r"lat|lon|lng|coord|^x$|^y$|easting|northing", re.IGNORECASE)
MAPPABLE_FIELDS = (*(c for c in FLAT_COLUMNS if c not in DERIVED_COLUMNS), "lon", "lat", "wkt")

# Characters XML 1.0 cannot hold at all (not even escaped): C0 controls but tab, LF, CR;
# lone surrogates; U+FFFE/U+FFFF.
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _json(value: Any) -> str:
    return orjson.dumps(value).decode("utf-8")


def site_to_row(site: Site, as_of: date | None = None) -> dict[str, Any]:
    """One flat row per site: scalars as they are, nested parts as compact JSON text.

    Empty optional parts (no local names, no unknown properties) are None, so most cells of
    those columns stay blank. Derived columns are computed as of ``as_of``.
    """
    feature = site_to_feature(site, as_of=as_of)
    props = feature["properties"]
    location = props["location"]
    extra = {k: v for k, v in props.items() if k not in _KNOWN}
    location_extra = {k: v for k, v in location.items() if k not in _LOCATION_KEYS}
    if location_extra:
        # "location" is a known property, so this key can never clash with a real one.
        extra["location"] = location_extra
    claims = props["claims"]
    dates = [c["date"] for c in claims]
    return {
        "id": site.id,
        "name": props["name"],
        "kind": props["kind"],
        "country": props["country"],
        "governments": _json(props["governments"]) if props.get("governments") else None,
        "admin1": props.get("admin1"),
        "admin2": props.get("admin2"),
        "admin3": props.get("admin3"),
        "description": props.get("description"),
        "status": props["status"],
        "official_status": props["official_status"],
        "evidence": props["evidence"],
        # Derived again only for the few denied sites: who denies is not in the Feature.
        "denied_by": (
            government_names(derive_site(site, as_of=as_of).denied_by)
            if props["official_status"] == "denied"
            else None
        ),
        "confidence": props["confidence"],
        "confidence_note": props["confidence_note"],
        "precision_m": location.get("precision_m"),
        "location_basis": location["basis"],
        "location_note": location["note"],
        "location_sources": _json(location["sources"]) if location.get("sources") else None,
        "first_reported": props.get("first_reported"),
        "updated": props.get("updated"),
        "n_claims": len(claims),
        "n_sources": len(props["sources"]),
        "latest_claim_date": max(dates, key=date_end) if dates else None,
        "local_names": _json(props["local_names"]) if props.get("local_names") else None,
        "claims": _json(claims),
        "sources": _json(props["sources"]),
        "extra": _json(extra) if extra else None,
        "extra_members": _json(_members(feature)) if _members(feature) else None,
    }


_KNOWN = frozenset(PROPERTY_ORDER)
_LOCATION_KEYS = KNOWN_KEYS[Location]


def _members(feature: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in feature.items() if k not in ("type", "id", "geometry", "properties")}


@dataclass
class RowProblem:
    """Why one cell of a row could not be read."""

    field: str
    message: str


def row_to_record(
    row: Mapping[str, Any],
    geometry: dict[str, Any] | None,
    *,
    blank_is_absent: bool = False,
    unescape: Callable[[str], str] | None = None,
) -> tuple[dict[str, Any], list[RowProblem]]:
    """A ``site_from_record`` record from a flat row (the inverse of :func:`site_to_row`).

    ``row`` keys are flat column names (already mapped). None is absent; so is '' when
    ``blank_is_absent`` (CSV, where every empty cell reads as ''); the formats that can tell
    them apart keep '' for optional text. ``unescape`` undoes a spreadsheet escape of the
    free-text columns. Columns that are not flat columns become unknown properties, so
    nothing a colleague added is dropped. Derived columns are ignored: the status is
    recomputed from the claims.
    """
    problems: list[RowProblem] = []

    def cell(name: str) -> Any:
        value = row.get(name)
        if isinstance(value, str) and unescape is not None and name in FREE_TEXT_COLUMNS:
            value = unescape(value)
        if value is None or (value == "" and (blank_is_absent or name not in _TEXT_KEEPS_EMPTY)):
            return None
        return value

    def parsed(name: str, default: Any) -> Any:
        value = cell(name)
        if value is None:
            return default
        if not isinstance(value, str):
            return value  # already nested (a GeoJSON property that was not flattened)
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError as err:
            listed = gdal_string_list(value)
            if listed is not None:
                return listed
            problems.append(RowProblem(name, f"not valid JSON text ({err.msg}): {value[:60]!r}"))
            return default

    # The layer's own nested `location`, as GDAL carries it (JSON text, or an object): its
    # parts stand in for the flat location columns that are missing.
    location = parsed("location", {})
    if not isinstance(location, dict):
        problems.append(RowProblem("location", "must be a JSON object"))
        location = {}
    location = dict(location)
    from_location = {
        "precision_m": location.pop("precision_m", None),
        "location_basis": location.pop("basis", None),
        "location_note": location.pop("note", None),
        "location_sources": location.pop("sources", None),
    }
    extra = parsed("extra", {})
    if not isinstance(extra, dict):
        problems.append(RowProblem("extra", "must be a JSON object"))
        extra = {}
    location_extra = extra.pop("location", None) if isinstance(extra.get("location"), dict) else {}
    location_extra = location | location_extra
    members = parsed("extra_members", {})
    if not isinstance(members, dict):
        problems.append(RowProblem("extra_members", "must be a JSON object"))
        members = {}
    for key, value in row.items():
        if key in FLAT_COLUMNS or key == "location" or value is None or value == "":
            continue
        extra[key] = value
    precision = cell("precision_m")
    if precision is None:
        precision = from_location["precision_m"]
    if isinstance(precision, str):
        try:
            precision = float(precision)
        except ValueError:
            problems.append(RowProblem("precision_m", f"not a number: {precision[:40]!r}"))
            precision = None
    record: dict[str, Any] = {
        "id": cell("id"),
        "geometry": geometry,
        "local_names": parsed("local_names", []),
        "governments": parsed("governments", []),
        "location": {
            k: v
            for k, v in {
                "precision_m": precision,
                "basis": cell("location_basis")
                or from_location["location_basis"]
                or ("unlocated" if geometry is None else None),
                "note": cell("location_note") or from_location["location_note"],
                "sources": parsed("location_sources", None)
                or from_location["location_sources"]
                or [],
            }.items()
            if v is not None or k == "precision_m"
        }
        | location_extra,
        "claims": parsed("claims", []),
        "sources": parsed("sources", []),
        "extra_properties": extra,
        "extra_members": members,
    }
    for name in (
        "name",
        "kind",
        "country",
        "admin1",
        "admin2",
        "admin3",
        "description",
        "confidence",
        "confidence_note",
        "first_reported",
        "updated",
    ):
        value = cell(name)
        if name in ("first_reported", "updated"):
            value = iso_date(value)
        if value is not None:
            record[name] = value if not isinstance(value, int | float) else str(value)
    kept = {k: v for k, v in record.items() if v is not None}
    kept["geometry"] = geometry  # None is a value here: an unlocated site
    return kept, problems


# Dates as GDAL writes them: 2026/11/29 (CSV, KML, Shapefile), and as a midnight datetime
# (2026/11/29 00:00:00, 2026-11-29T00:00:00Z) where a Date became a DateTime.
_GDAL_DATE = re.compile(
    r"^(\d{4})[/-](\d{2})[/-](\d{2})(?:[ T]00:00(?::00(?:\.0+)?)?(?:Z|[+-]00(?::?00)?)?)?$"
)


def iso_date(value: Any) -> Any:
    """A GDAL date form as ``YYYY-MM-DD``; anything else unchanged (the model checks it).

    >>> iso_date("2026/11/29"), iso_date("2026/11/29 00:00:00"), iso_date("2021-10")
    ('2026-11-29', '2026-11-29', '2021-10')
    """
    if isinstance(value, str) and (found := _GDAL_DATE.match(value.strip())):
        return "-".join(found.groups())
    return value


# A list of strings as GDAL writes it where a format has no lists: "(2:CN,RU)".
_GDAL_STRING_LIST = re.compile(r"^\((\d+):(.*)\)$", re.S)


def gdal_string_list(text: str) -> list[str] | None:
    """The items of GDAL's StringList text form, or None when ``text`` is not one.

    >>> gdal_string_list("(2:CN,RU)"), gdal_string_list("(0:)"), gdal_string_list("CN")
    (['CN', 'RU'], [], None)
    """
    found = _GDAL_STRING_LIST.match(text)
    if found is None:
        return None
    count, body = int(found.group(1)), found.group(2)
    items = body.split(",") if body else []
    return items if len(items) == count else None


# Optional text the model allows to be '' (required text must not be empty anyway).
_TEXT_KEEPS_EMPTY = frozenset({"admin1", "admin2", "admin3", "description"})


def clean_text(value: str, pattern: re.Pattern[str]) -> tuple[str, int]:
    """``value`` without the characters ``pattern`` matches, and how many were removed."""
    cleaned, count = pattern.subn("", value)
    return cleaned, count
