"""Tabular summaries of sites for ``facilitymap list`` and ``show``: rows, not printing."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from facilitymap.dates import date_end, parse_as_of
from facilitymap.model import CONFIDENCES, Site
from facilitymap.status import derive_site, government_names

LIST_COLUMNS = (
    "id",
    "name",
    "kind",
    "country",
    "status",
    "denied_by",
    "confidence",
    "precision",
    "claims",
    "sources",
)


def select_sites(
    sites: Iterable[Site],
    *,
    statuses: Sequence[str] = (),
    kinds: Sequence[str] = (),
    countries: Sequence[str] = (),
    min_confidence: str | None = None,
    as_of: date | str | None = None,
) -> list[Site]:
    """Sites that pass every filter given; the status filter is evaluated as of ``as_of``.

    A site none of whose claims was made by ``as_of`` is left out: nothing was known of it.
    """
    cutoff = parse_as_of(as_of)
    floor = CONFIDENCES.index(min_confidence) if min_confidence else 0
    wanted_countries = {c.upper() for c in countries}
    chosen = []
    for site in sites:
        if kinds and site.kind not in kinds:
            continue
        if wanted_countries and site.country not in wanted_countries:
            continue
        if CONFIDENCES.index(site.confidence) < floor:
            continue
        if cutoff is not None and not any(date_end(c.date) <= cutoff for c in site.claims):
            continue
        if statuses and derive_site(site, as_of=cutoff).status not in statuses:
            continue
        chosen.append(site)
    return chosen


def precision_text(site: Site) -> str:
    """Radius or area in words: '±30 km', 'area', 'unlocated'."""
    if site.geometry is None:
        return "unlocated"
    radius = site.location.precision_m
    if radius is None:
        return site.geometry.get("type", "area").lower()
    return f"±{radius / 1000:g} km" if radius >= 1000 else f"±{radius:g} m"


def site_row(site: Site, as_of: date | None = None) -> dict[str, Any]:
    """One row of ``facilitymap list``; ``denied_by`` names the governments that deny."""
    derived = derive_site(site, as_of=as_of)
    return {
        "id": site.id,
        "name": site.name,
        "kind": site.kind,
        "country": site.country,
        "status": derived.status,
        "denied_by": government_names(derived.denied_by),
        "confidence": site.confidence,
        "precision": precision_text(site),
        "claims": sum(1 for c in site.claims if as_of is None or date_end(c.date) <= as_of),
        "sources": len(site.sources),
    }


def format_table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """A plain-text table with a header and aligned columns."""
    cells = [[str(row[c]) for c in columns] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)


def site_timeline(site: Site, as_of: date | None = None) -> list[dict[str, Any]]:
    """The site's claims in date order, each with its sources resolved (``show``)."""
    sources = site.source_map()
    claims = sorted(
        (c for c in site.claims if as_of is None or date_end(c.date) <= as_of),
        key=lambda c: (date_end(c.date), c.id),
    )
    return [
        {
            "date": c.date,
            "actor": c.actor,
            "actor_type": c.actor_type,
            "stance": c.stance,
            "basis": c.basis,
            "summary": c.summary,
            "quote": c.quote,
            "sources": [
                sources[s].to_json_dict() if s in sources else {"id": s} for s in c.sources
            ],
            "id": c.id,
        }
        for c in claims
    ]
