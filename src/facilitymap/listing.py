"""What ``facilitymap list`` and ``show`` print, as text: rows, tables, one site in full.

Text only, no printing: the CLI echoes it, a notebook can print it. ``clean`` arguments
take a function applied to every value from the layer (the CLI escapes terminal controls).
"""

from __future__ import annotations

import csv
import difflib
import io
import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

from facilitymap.dates import date_end, parse_as_of
from facilitymap.io import site_to_feature
from facilitymap.model import CONFIDENCES, Site
from facilitymap.status import derive_site, government_names, position_words

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


# In a narrow terminal: the name is cut first (to no less than this), then these columns
# are left out, in this order. Ids are never cut: they are what the other commands take.
MIN_NAME_WIDTH = 16
OPTIONAL_COLUMNS = ("sources", "claims", "country", "precision", "confidence", "denied_by", "kind")


def format_table(
    rows: Sequence[dict[str, Any]], columns: Sequence[str], *, width: int | None = None
) -> str:
    """A plain-text table with a header and aligned columns.

    With ``width``, the table fits it: a long ``name`` is cut with "…", then the columns of
    :data:`OPTIONAL_COLUMNS` are left out one by one (the terminal wraps what still does not
    fit).
    """
    columns = list(columns)
    cells = {c: [str(row[c]) for row in rows] for c in columns}
    natural = {c: max([len(c)] + [len(v) for v in cells[c]]) for c in columns}
    widths = dict(natural)
    if width is not None:
        droppable = [c for c in OPTIONAL_COLUMNS if c in columns]
        while True:
            used = sum(natural[c] for c in columns) + 2 * (len(columns) - 1)
            widths = {c: natural[c] for c in columns}
            if used <= width or "name" not in columns:
                break
            room = width - (used - natural["name"])
            if room >= min(MIN_NAME_WIDTH, natural["name"]):
                widths["name"] = room
                break
            if not droppable:
                widths["name"] = min(MIN_NAME_WIDTH, natural["name"])
                break
            columns.remove(droppable.pop(0))
    lines = ["  ".join(c.upper().ljust(widths[c]) for c in columns).rstrip()]
    lines += [
        "  ".join(_cut(cells[c][i], widths[c]).ljust(widths[c]) for c in columns).rstrip()
        for i in range(len(rows))
    ]
    return "\n".join(lines)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def site_rows_text(
    sites: Sequence[Site],
    as_of: date | None = None,
    fmt: str = "table",
    *,
    width: int | None = None,
    clean: Callable[[Any], str] = str,
) -> str:
    """``facilitymap list``'s output: a table (fitted to ``width``), CSV or JSON text."""
    rows = [site_row(site, as_of) for site in sites]
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=LIST_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue()
    safe = [{k: clean(v) for k, v in row.items()} for row in rows]
    return format_table(safe, LIST_COLUMNS, width=width) + "\n"


def problem_counts(problems: Iterable[Any]) -> Counter:
    """How many problems of each severity (error, warning, notice)."""
    counts = Counter({"error": 0, "warning": 0, "notice": 0})
    counts.update(p.severity for p in problems)
    return counts


def find_site(sites: Sequence[Site], query: str) -> Site:
    """The site with id ``query``, or the only one whose id or a name contains it.

    Raises
    ------
    LookupError
        With a message naming the closest ids (or how to list them).
    """
    for site in sites:
        if site.id == query:
            return site
    wanted = query.casefold()
    partial = [s for s in sites if wanted in s.id or any(wanted in n.casefold() for n in _names(s))]
    if len(partial) == 1:
        return partial[0]
    if partial:
        ids = ", ".join(s.id for s in partial[:8]) + (", ..." if len(partial) > 8 else "")
        raise LookupError(f"no site with id {query!r}; {len(partial)} match it: {ids}")
    close = difflib.get_close_matches(query, [s.id for s in sites], n=3, cutoff=0.75)
    if not close:  # a misspelt part of an id: "shaymk" for tj-murghab-shaymak
        parts: dict[str, list[str]] = {}
        for site in sites:
            for part in site.id.split("-"):
                parts.setdefault(part, []).append(site.id)
        near = difflib.get_close_matches(wanted, list(parts), n=3, cutoff=0.75)
        close = list(dict.fromkeys(i for part in near for i in parts[part]))[:3]
    hint = f"did you mean {' or '.join(close)}?" if close else "`facilitymap list` shows the ids"
    raise LookupError(f"no site with id {query!r}; {hint}")


def _names(site: Site) -> list[str]:
    return [site.name, *(n.name for n in site.local_names)]


def site_json(site: Site, as_of: date | None = None) -> dict[str, Any]:
    """``show --format json``: the site's Feature as of ``as_of``, with its timeline."""
    feature = site_to_feature(site, as_of=as_of)
    # Each concerned government's own position, host first: {"TJ": "denied", "CN": ...}.
    feature["official_positions"] = dict(derive_site(site, as_of=as_of).positions)
    feature["timeline"] = site_timeline(site, as_of)
    if as_of is not None:
        feature["later_claims"] = len(site.claims) - len(feature["timeline"])
    return feature


def site_text(site: Site, as_of: date | None = None, *, clean: Callable[[Any], str] = str) -> str:
    """``facilitymap show``: one site in full, its claims as a dated timeline with sources.

    As of a date, claims made later are left out and counted, and the confidence (assessed
    with every claim) says so.
    """
    s = clean
    derived = derive_site(site, as_of=as_of)
    timeline = site_timeline(site, as_of)
    later = len(site.claims) - len(timeline)
    assessed = f" (assessed {site.updated or 'later'} with every claim, not as of {as_of})"
    lines = [
        f"{s(site.name)}  [{s(site.id)}]",
        *(f"  {s(n.name)} ({s(n.lang)})" for n in site.local_names),
        f"kind: {site.kind}    country: {site.country}    "
        + " / ".join(s(a) for a in (site.admin1, site.admin2, site.admin3) if a),
        f"status: {derived.label} ({position_words(derived.positions)}; evidence: "
        f"{derived.evidence})" + (f" as of {as_of.isoformat()}" if as_of else ""),
        f"confidence: {site.confidence}: {s(site.confidence_note)}"
        + (assessed if as_of is not None and later else ""),
        f"location: {precision_text(site)}, {site.location.basis}: {s(site.location.note)}",
        "",
        "claims:" if timeline else "claims: none by then",
    ]
    for claim in timeline:
        mark = "*" if claim["id"] in derived.deciding_claims else " "
        lines.append(
            f" {mark}{claim['date']:<10}  {s(claim['actor'])} ({claim['actor_type']})"
            f" {claim['stance']} [{claim['basis']}]"
        )
        lines.append(f"              {s(claim['summary'])}")
        if claim["quote"]:
            lines.append(f"              “{s(claim['quote'])}”")
        for src in claim["sources"]:
            via = f" via {s(src['via'])}" if src.get("via") else ""
            lines.append(
                f"              - {s(src.get('publisher', src['id']))}{via}: "
                f"{s(src.get('title', ''))} <{s(src.get('url', ''))}>"
            )
            if src.get("archive_url"):
                lines.append(f"                archived: <{s(src['archive_url'])}>")
    if later:
        lines.append(f"  ... {later} later claim(s) hidden (made after {as_of})")
    lines.append("")
    lines.append("* decides the status")
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
