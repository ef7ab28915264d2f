"""Ids and what cites them: unique site, claim and source ids; claims and locations citing
sources that exist; sources that are cited and archived."""

from __future__ import annotations

from collections import Counter

from facilitymap.model import Site
from facilitymap.problems import Problem


def duplicate_ids(counts: Counter, path: str) -> list[Problem]:
    return [
        Problem(path, site_id, "id", f"duplicate id: used by {count} sites")
        for site_id, count in sorted((k, n) for k, n in counts.items() if n > 1)
    ]


def check_references(site: Site) -> list[tuple[str, str, str]]:
    out = []
    source_ids = {source.id for source in site.sources}
    if len(source_ids) < len(site.sources):
        counts = Counter(source.id for source in site.sources)
        out += [
            ("sources", f"duplicate source id {k!r}", "error") for k, n in counts.items() if n > 1
        ]
    if len({claim.id for claim in site.claims}) < len(site.claims):
        counts = Counter(claim.id for claim in site.claims)
        out += [
            ("claims", f"duplicate claim id {k!r}", "error") for k, n in counts.items() if n > 1
        ]
    cited = set()
    for i, claim in enumerate(site.claims):
        for ref in claim.sources:
            cited.add(ref)
            if ref not in source_ids:
                out.append((f"claims[{i}].sources", f"cites unknown source {ref!r}", "error"))
    for ref in site.location.sources:
        cited.add(ref)
        if ref not in source_ids:
            out.append(("location.sources", f"cites unknown source {ref!r}", "error"))
    for i, source in enumerate(site.sources):
        if source.id not in cited:
            out.append((f"sources[{i}]", f"source {source.id!r} is cited by no claim", "warning"))
    return out


def archive_notices(sites: list[Site], path: str) -> list[Problem]:
    """One notice per site listing its sources that have no archived copy.

    Link rot is certain over a dataset's life; a notice (not a warning, so ``--strict`` still
    passes) keeps the gap visible. ``facilitymap check-links`` reports the same per source.
    """
    found = []
    for site in sites:
        missing = [s.id for s in site.sources if not s.archive_url]
        if missing:
            shown = ", ".join(missing[:5]) + (
                f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            )
            found.append(
                Problem(
                    path,
                    site.id,
                    "sources",
                    f"{len(missing)} of {len(site.sources)} source(s) have no archive_url: {shown}",
                    "notice",
                )
            )
    return found
