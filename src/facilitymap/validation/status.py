"""What a site declares about its standing agrees with its claims: the derived fields
(official status, evidence, status) and ICD 203 high confidence."""

from __future__ import annotations

from facilitymap.model import Site
from facilitymap.status import SUPPORTING_STANCES, derive_site


def check_derived(site: Site) -> list[tuple[str, str, str]]:
    derived = derive_site(site)
    if (
        site.status in (None, derived.status)
        and site.evidence in (None, derived.evidence)
        and site.official_status in (None, derived.official_status)
    ):
        return []
    out = []
    for name in ("official_status", "evidence", "status"):
        declared = getattr(site, name)
        computed = getattr(derived, name)
        if declared is not None and declared != computed:
            out.append(
                (
                    name,
                    f"says {declared!r} but the claims give {computed!r}; derived fields are "
                    "computed, not typed (save the layer to rewrite them)",
                    "error",
                )
            )
    return out


def check_confidence(site: Site) -> list[tuple[str, str, str]]:
    if site.confidence != "high":
        return []
    publisher_of = {s.id: s.publisher.strip().casefold() for s in site.sources}
    publishers = {
        publisher_of.get(ref, ref)
        for claim in site.claims
        if claim.stance in SUPPORTING_STANCES
        for ref in claim.sources
    }
    if len(publishers) < 2:
        return [
            (
                "confidence",
                f"'high' rests on {len(publishers)} independent publisher(s) of supporting claims; "
                "ICD 203 high confidence needs at least two",
                "warning",
            )
        ]
    return []
