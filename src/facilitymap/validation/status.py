"""What a site declares about its standing agrees with its claims: the derived fields
(official status, evidence, status), whom official claims speak for, and ICD 203 high
confidence."""

from __future__ import annotations

from facilitymap.model import Site
from facilitymap.status import SUPPORTING_STANCES, Derived, derive_site


def check_derived(site: Site, derived: Derived | None = None) -> list[tuple[str, str, str]]:
    """The derived fields ``site`` declares that its claims do not give (``derived``:
    :func:`~facilitymap.status.derive_site` of it, when the caller has it)."""
    if derived is None:
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


_OFFICIAL_ACTORS = ("host-government", "foreign-government")
# Stances that would set a position (no-comment and context never do).
_POSITION_STANCES = ("affirms", "announces", "acknowledges-other-role", "denies")


def check_governments(site: Site) -> list[tuple[str, str, str]]:
    """A claim's ``government`` must be one the site names as concerned, or it sets no
    position (the usual slip: a PRC statement coded with ``CN`` on a site without
    ``"governments": ["CN"]``); and only an official actor speaks for a government."""
    concerned = {site.country, *site.governments}
    out = []
    for i, claim in enumerate(site.claims):
        code = claim.government
        if code is None:
            continue
        if claim.actor_type not in _OFFICIAL_ACTORS:
            out.append(
                (
                    f"claims[{i}].government",
                    f"{code!r} on a {claim.actor_type!r} claim: only a host-government or "
                    "foreign-government statement speaks for a government",
                    "warning",
                )
            )
        elif code not in concerned and claim.stance in _POSITION_STANCES:
            out.append(
                (
                    f"claims[{i}].government",
                    f"{code!r} is neither the site's country ({site.country}) nor in its "
                    f"governments, so this statement sets no official position; add {code!r} "
                    "to governments if that government is concerned",
                    "warning",
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
