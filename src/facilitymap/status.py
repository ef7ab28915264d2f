"""Derive a site's status from its claims: two axes and one headline category.

The rule, in plain words (also in the README and on every map's legend):

* **Official position** is the host government's latest statement on or before the as-of date:
  *denied*, *acknowledged* (it affirms or announces the site), *acknowledged in another role*
  ("a Tajik post built by China"), or *no statement*. On the same day a denial outranks an
  acknowledgement in another role, which outranks an acknowledgement.
* **Evidence** is *attested* when claims affirming the site on first-hand evidence (on-site
  reporting, imagery, documents) cite at least two different original publishers; *reported*
  when anything affirms, announces or acknowledges it; otherwise *unverified*.
* The **headline status** combines them: a denial is always shown (attested-denied or
  reported-denied); otherwise an official acknowledgement; otherwise the evidence level.

Claims dated after ``as_of`` are ignored; a reduced-precision date (``2019-02``) counts from the
last day of its period.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import msgspec

from facilitymap.dates import date_end, parse_as_of
from facilitymap.model import STATUSES, Claim, Site, Source

STATUS_RULE = (
    "Status comes from the dated claims: a host-government denial (its latest statement) is "
    "shown as denied; attested means first-hand evidence (on-site reporting, imagery or "
    "documents) from at least two independent publishers; reported means only one source or "
    "relays."
)

STATUS_INFO: dict[str, tuple[str, str]] = {
    "attested-denied": (
        "Attested, officially denied",
        "First-hand evidence from two or more independent publishers; the host government's "
        "latest statement denies it.",
    ),
    "reported-denied": (
        "Reported, officially denied",
        "Reported but not attested by independent first-hand evidence; the host government "
        "denies it.",
    ),
    "acknowledged-other-role": (
        "Acknowledged in another role",
        "The host government admits a facility but describes a different role or owner.",
    ),
    "acknowledged": (
        "Officially acknowledged",
        "The host government has affirmed or announced the site.",
    ),
    "attested": (
        "Attested, no official statement",
        "First-hand evidence from two or more independent publishers; the host government "
        "has said nothing.",
    ),
    "reported": (
        "Reported, not attested",
        "One source or relays only; no official statement.",
    ),
    "unverified": (
        "Unverified",
        "Nothing on record affirms the site (as of the date shown).",
    ),
}
assert tuple(STATUS_INFO) == STATUSES

_OFFICIAL_BY_STANCE = {
    "denies": "denied",
    "acknowledges-other-role": "acknowledged-other-role",
    "affirms": "acknowledged",
    "announces": "acknowledged",
}
# Same-day tie-break: a denial outranks an acknowledgement in another role, which outranks
# an acknowledgement; we never show more official acceptance than was on record that day.
_SAME_DAY_RANK = {"acknowledged": 0, "acknowledged-other-role": 1, "denied": 2}
_FIRST_HAND = frozenset({"on-site", "imagery", "document"})
# Stances that support a site existing (the "reported" evidence level; ICD 203 confidence).
SUPPORTING_STANCES = frozenset({"affirms", "announces", "acknowledges-other-role"})


class Derived(msgspec.Struct, frozen=True, gc=False):
    """A site's derived status, and the claims that decide it."""

    official_status: str
    evidence: str
    status: str
    deciding_claims: tuple[str, ...]

    @property
    def label(self) -> str:
        """The headline category in words."""
        return STATUS_INFO[self.status][0]


def derive_status(
    claims: Iterable[Claim],
    as_of: date | str | None = None,
    sources: Sequence[Source] = (),
) -> Derived:
    """Derive official position, evidence and headline status from claims.

    Parameters
    ----------
    claims : iterable of Claim
        The site's claims, in any order.
    as_of : date or ISO string, optional
        Ignore claims made after this day. None means all claims.
    sources : sequence of Source
        The site's sources; their ``publisher`` decides whether first-hand claims are
        independent. A claim citing an unknown source id counts that id as its own publisher.

    Returns
    -------
    Derived
    """
    cutoff = parse_as_of(as_of)
    official, official_key, official_claims = "no-statement", None, []
    first_hand_sources: set[str] = set()
    first_hand_claims: list[str] = []
    supporting_claims: list[str] = []
    for claim in claims:
        # Dates are parsed only where they matter: most claims are not official (this loop
        # runs for every site of a 100,000-site layer, twice per render).
        if cutoff is not None and date_end(claim.date) > cutoff:
            continue
        stance = claim.stance
        if stance in _OFFICIAL_BY_STANCE and claim.actor_type == "host-government":
            position = _OFFICIAL_BY_STANCE[stance]
            key = (date_end(claim.date), _SAME_DAY_RANK[position])
            if official_key is None or key > official_key:
                official, official_key, official_claims = position, key, [claim.id]
            elif key == official_key:
                official_claims.append(claim.id)
        if stance in SUPPORTING_STANCES:
            supporting_claims.append(claim.id)
            if stance == "affirms" and claim.basis in _FIRST_HAND:
                first_hand_claims.append(claim.id)
                first_hand_sources.update(claim.sources)
    if len(first_hand_sources) >= 2 and len(_publishers(first_hand_sources, sources)) >= 2:
        evidence, evidence_claims = "attested", first_hand_claims
    elif supporting_claims:
        evidence, evidence_claims = "reported", supporting_claims
    else:
        evidence, evidence_claims = "unverified", []
    status = headline_status(official, evidence)
    deciding = official_claims if official != "no-statement" else []
    if status not in ("acknowledged", "acknowledged-other-role"):
        deciding = deciding + [c for c in evidence_claims if c not in deciding]
    return Derived(official, evidence, status, tuple(deciding))


def derive_site(site: Site, as_of: date | str | None = None) -> Derived:
    """The derived status of a site from its claims and sources, optionally as of a date."""
    return derive_status(site.claims, as_of=as_of, sources=site.sources)


def _publishers(source_ids: set[str], sources: Sequence[Source]) -> set[str]:
    """Original publishers of the cited sources; an unknown id counts as its own publisher."""
    found = {s.id: s.publisher.strip().casefold() for s in sources if s.id in source_ids}
    return {found.get(i, i) for i in source_ids}


def headline_status(official_status: str, evidence: str) -> str:
    """Combine the two axes into the category the map shows."""
    if official_status == "denied":
        return "attested-denied" if evidence == "attested" else "reported-denied"
    if official_status in ("acknowledged", "acknowledged-other-role"):
        return official_status
    return evidence
