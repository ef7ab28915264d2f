"""Rows as GIS tools leave them: columns only they add, and rows added by hand.

GDAL and QGIS read our exports with columns of their own (the KML balloon as
``description``, LIBKML's drawing fields) and let an analyst add a row with nothing but a
name and a point. These functions turn such rows back into what ``row_to_record`` reads.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from facilitymap.exchange.kml import BALLOON_START
from facilitymap.problems import Problem

# Fields GDAL's LIBKML driver adds to every KML layer it reads, with the values they have
# when the KML did not set them (then they say nothing and are dropped).
LIBKML_DEFAULTS: dict[str, tuple[Any, ...]] = {
    "timestamp": (None, ""),
    "begin": (None, ""),
    "end": (None, ""),
    "altitudeMode": (None, ""),
    "tessellate": (None, "", -1, "-1"),
    "extrude": (None, "", 0, "0"),
    "visibility": (None, "", -1, "-1"),
    "drawOrder": (None, ""),
    "icon": (None, ""),
    "snippet": (None, ""),
}
# What a row added by hand gets for each required field it lacks: placeholders that say so,
# never a fact (the kind is "other", the confidence "low", and the notes say why).
NEW_ROW_PLACEHOLDERS: dict[str, Any] = {
    "kind": "other",
    "confidence": "low",
    "confidence_note": "Not assessed yet: added in a GIS tool without a note.",
}
NEW_ROW_LOCATION = {
    "basis": "analyst-estimate",
    "note": "Placed by hand in a GIS tool; the radius is a placeholder until reviewed.",
}
# A point needs a radius that contains the site; a hand-placed one states none, so a coarse
# placeholder (50 km) that the warning names, rather than a precision nobody claimed.
NEW_ROW_PRECISION_M = 50_000


def undo_gis_columns(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` without the columns a GIS tool added to one of our exports.

    Our KML export keeps the description in ``site_description`` (its ``<description>`` is
    the balloon); a GDAL copy of it has the balloon in ``description``. LIBKML's drawing
    fields are dropped when unset, and its time fields when the row is one of our exports
    (there they repeat ``first_reported``).
    """
    ours = "n_claims" in row
    if "site_description" in row:
        row["description"] = row.pop("site_description")
    elif ours and str(row.get("description") or "").startswith(BALLOON_START):
        del row["description"]
    for name, defaults in LIBKML_DEFAULTS.items():
        if name in row and (row[name] in defaults or (ours and name in ("begin", "end"))):
            del row[name]
    return row


def slug(text: str) -> str:
    """Lower-case ASCII words joined by hyphens (``"Post No. 3, Murghob"`` →
    ``post-no-3-murghob``); '' when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _country_of(geometry: dict[str, Any]) -> str | None:
    from facilitymap.context import countries_of
    from facilitymap.geometry import representative_point

    point = representative_point(geometry)
    if point is None:
        return None
    try:
        found = countries_of([point[0]], [point[1]])[0]
    except Exception:  # no country layer shipped: the country stays missing, and is named
        return None
    return str(found) if found else None


def complete_new_sites(
    records: Sequence[tuple[str, dict[str, Any]]], label: str, problems: list[Problem]
) -> None:
    """Give rows added by hand (no id, a name and a geometry) what a site needs, in place.

    Only in a copy of a layer (other rows have ids): a table without any id is not ours.

    The id is ``<country>-<name as a slug>`` (numbered when taken), the country the one the
    point lies in; the other missing fields get :data:`NEW_ROW_PLACEHOLDERS`. A warning per
    site names every field filled, so nothing is invented silently.
    """
    taken = {str(r["id"]) for _, r in records if r.get("id")}
    if not taken:
        return  # not a copy of a layer: a table without ids needs --map id=... (or a recipe)
    for row_label, record in records:
        if record.get("id") or not record.get("name") or record.get("geometry") is None:
            continue
        filled = []
        if not record.get("country"):
            country = _country_of(record["geometry"])
            if country:
                record["country"] = country
                filled.append(f"country {country} (from the point)")
        for name, value in NEW_ROW_PLACEHOLDERS.items():
            if not record.get(name):
                record[name] = value
                filled.append(name)
        location = record.setdefault("location", {})
        for name, value in NEW_ROW_LOCATION.items():
            if not location.get(name):
                location[name] = value
                filled.append(f"location {name}")
        if record["geometry"].get("type") == "Point" and location.get("precision_m") is None:
            location["precision_m"] = NEW_ROW_PRECISION_M
            filled.append(f"location precision_m {NEW_ROW_PRECISION_M}")
        base = "-".join(
            p for p in (str(record.get("country") or "").lower(), slug(str(record["name"]))) if p
        )
        new_id, n = base or "site", 1
        while new_id in taken:
            n += 1
            new_id = f"{base}-{n}"
        taken.add(new_id)
        record["id"] = new_id
        problems.append(
            Problem(
                label,
                new_id,
                "id",
                f"{row_label} has no id (a row added in a GIS tool): added as {new_id!r}; "
                f"placeholders to review: {', '.join(filled) or 'none'}",
                "warning",
            )
        )
