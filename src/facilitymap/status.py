"""Derive a site's status from its claims: two axes and one headline category.

The rule, in plain words (also in the README and on every map's legend):

* **Official position**, per concerned government: the host government (the site's
  ``country``) and every government the site names in ``governments`` (the operating or funding
  state, where reported). Each one's latest statement on or before the as-of date sets *its*
  position: *denied*, *acknowledged* (it affirms or announces the site), *acknowledged in
  another role* ("a Tajik post built by China"), or *no statement*. On the same day a denial
  outranks an acknowledgement in another role, which outranks an acknowledgement. The site's
  official position is the most contested of them: *denied* when any concerned government's
  latest statement denies (and the map says which: "denied by Tajikistan and China").
* **Evidence** is *attested* when claims affirming the site on first-hand evidence (on-site
  reporting, imagery, documents) cite at least two different original publishers; *reported*
  when anything affirms, announces or acknowledges it; otherwise *unverified*.
* The **headline status** combines them: a denial is always shown (attested-denied or
  reported-denied); otherwise an official acknowledgement; otherwise the evidence level.

A claim speaks for a government when its ``government`` names it, or, for a
``host-government`` claim without one, for the site's country. Claims dated after ``as_of`` are
ignored; a reduced-precision date (``2019-02``) counts from the last day of its period.
"""

from __future__ import annotations

import functools
from bisect import insort
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import NamedTuple

import msgspec

from facilitymap.dates import date_end, parse_as_of
from facilitymap.model import STATUSES, Claim, Site, Source

STATUS_RULE = (
    "Status comes from the dated claims: each concerned government (the host, and the "
    "operating or funding state where reported) has its own official position, set by its "
    "latest statement; a site is shown as denied when any of them denies it, and the map says "
    "who. Attested means first-hand evidence (on-site reporting, imagery or documents) from at "
    "least two independent publishers; reported means only one source or relays."
)

STATUS_INFO: dict[str, tuple[str, str]] = {
    "attested-denied": (
        "Attested, officially denied",
        "First-hand evidence from two or more independent publishers; the latest statement of "
        "a concerned government (the host, or the operating or funding state) denies it.",
    ),
    "reported-denied": (
        "Reported, officially denied",
        "Reported but not attested by independent first-hand evidence; a concerned "
        "government's latest statement denies it.",
    ),
    "acknowledged-other-role": (
        "Acknowledged in another role",
        "A concerned government admits a facility but describes a different role or owner; "
        "none denies it.",
    ),
    "acknowledged": (
        "Officially acknowledged",
        "A concerned government has affirmed or announced the site; none denies it.",
    ),
    "attested": (
        "Attested, no official statement",
        "First-hand evidence from two or more independent publishers; no concerned government "
        "has said anything.",
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

# Names of the governments this layer's claims speak for; any other code is shown as it is.
GOVERNMENT_NAMES: Mapping[str, str] = {
    "AE": "the United Arab Emirates",
    "AF": "Afghanistan",
    "AR": "Argentina",
    "CN": "China",
    "CU": "Cuba",
    "DJ": "Djibouti",
    "GQ": "Equatorial Guinea",
    "IN": "India",
    "IR": "Iran",
    "KG": "Kyrgyzstan",
    "KH": "Cambodia",
    "KI": "Kiribati",
    "KZ": "Kazakhstan",
    "LK": "Sri Lanka",
    "MM": "Myanmar",
    "PK": "Pakistan",
    "RU": "Russia",
    "SB": "Solomon Islands",
    "TJ": "Tajikistan",
    "US": "the United States",
    "UZ": "Uzbekistan",
}

_OFFICIAL_BY_STANCE = {
    "denies": "denied",
    "acknowledges-other-role": "acknowledged-other-role",
    "affirms": "acknowledged",
    "announces": "acknowledged",
}
# Same-day tie-break, and how several governments' positions combine: a denial outranks an
# acknowledgement in another role, which outranks an acknowledgement; we never show more
# official acceptance than was on record.
_SAME_DAY_RANK = {"acknowledged": 0, "acknowledged-other-role": 1, "denied": 2}
_OFFICIAL_ACTORS = frozenset({"host-government", "foreign-government"})
_FIRST_HAND = frozenset({"on-site", "imagery", "document"})
# Stances that support a site existing (the "reported" evidence level; ICD 203 confidence).
SUPPORTING_STANCES = frozenset({"affirms", "announces", "acknowledges-other-role"})


class Derived(msgspec.Struct, frozen=True, gc=False):
    """A site's derived status, and the claims that decide it.

    ``positions`` holds each concerned government's own position, host first, as
    ``(country code, official status)``; ``denied_by`` the codes of those that deny.
    """

    official_status: str
    evidence: str
    status: str
    deciding_claims: tuple[str, ...]
    positions: tuple[tuple[str, str], ...] = ()
    denied_by: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The headline category in words."""
        return STATUS_INFO[self.status][0]


def concerned_governments(country: str | None, governments: Iterable[str] = ()) -> tuple[str, ...]:
    """The host's code first, then the other concerned governments, each once.

    >>> concerned_governments("TJ", ["CN", "TJ"])
    ('TJ', 'CN')
    """
    return tuple(dict.fromkeys([country or "", *governments]))


def derive_status(
    claims: Iterable[Claim],
    as_of: date | str | None = None,
    sources: Sequence[Source] = (),
    *,
    country: str | None = None,
    governments: Iterable[str] = (),
) -> Derived:
    """Derive official positions, evidence and headline status from claims.

    Parameters
    ----------
    claims : iterable of Claim
        The site's claims, in any order.
    as_of : date or ISO string, optional
        Ignore claims made after this day. None means all claims.
    sources : sequence of Source
        The site's sources; their ``publisher`` decides whether first-hand claims are
        independent. A claim citing an unknown source id counts that id as its own publisher.
    country : str, optional
        The site's country: the host government, for whom ``host-government`` claims without
        a ``government`` speak. None: the host's code is unknown ("").
    governments : iterable of str
        The other concerned governments (ISO 3166-1 alpha-2); a claim whose ``government`` is
        not the host or one of these sets no position.

    Returns
    -------
    Derived
    """
    cutoff = parse_as_of(as_of)
    fold = StatusFold(sources, country=country, governments=governments)
    for index, claim in enumerate(claims):
        # Dates are parsed only where they matter: most claims are not official (this loop
        # runs for every site of a 100,000-site layer).
        if cutoff is not None and date_end(claim.date) > cutoff:
            continue
        fold.add(index, claim)
    return fold.result()


class _Official(NamedTuple):
    """The official axis of a :class:`StatusFold`'s result."""

    position: str
    deciding: tuple[str, ...]  # the claims that set it
    positions: tuple[tuple[str, str], ...]
    denied_by: tuple[str, ...]


class StatusFold:
    """:func:`derive_status` one claim at a time: :meth:`result` is the status of the claims
    added so far. The page's timeline needs the status at every claim date of a site; adding
    the claims in date order and reading the result after each day costs one pass over the
    claims instead of one per day.

    The result does not depend on the order claims are added in, as long as claims of the
    same day come in file order: each claim's ``index`` (its place in the site's list) keeps
    the deciding claims in file order.
    """

    __slots__ = (
        "_concerned",
        "_evidence",
        "_first_hand_claims",
        "_first_hand_sources",
        "_host",
        "_latest",
        "_official",
        "_publisher",
        "_sources",
        "_supporting_claims",
    )  # fmt: skip

    def __init__(
        self,
        sources: Sequence[Source] = (),
        *,
        country: str | None = None,
        governments: Iterable[str] = (),
    ) -> None:
        self._host = host = country or ""
        # (Most sites name no other government: a StatusFold is made for every site.)
        self._concerned = (host,) if not governments else concerned_governments(host, governments)
        self._sources = sources
        self._publisher: dict[str, str] | None = None  # source id -> publisher, when needed
        # Per government: (key of its latest statement, its position, the claims that set it).
        self._latest: dict[str, tuple[tuple[date, int], str, list[str]]] = {}
        # The sources that first-hand claims cite, and (index, id) of the first-hand and of
        # the supporting claims, in file order.
        self._first_hand_sources: set[str] = set()
        self._first_hand_claims: list[tuple[int, str]] = []
        self._supporting_claims: list[tuple[int, str]] = []
        # What result() found of each axis, until a claim changes it (None): a timeline reads
        # the result after every day, and most days change only one axis, or neither.
        self._official: _Official | None = None
        self._evidence: tuple[str, tuple[str, ...]] | None = None

    def add(self, index: int, claim: Claim, end: date | None = None) -> None:
        """Count one claim (``end``: its :func:`date_end`, when the caller has it)."""
        stance = claim.stance
        if stance in _OFFICIAL_BY_STANCE and claim.actor_type in _OFFICIAL_ACTORS:
            # A journalist quoting a minister is not the ministry: only an official actor's
            # claim speaks for a government (validation warns about a stray ``government``).
            speaks_for = claim.government or (
                self._host if claim.actor_type == "host-government" else None
            )
            if speaks_for is not None and speaks_for in self._concerned:
                position = _OFFICIAL_BY_STANCE[stance]
                key = (end or date_end(claim.date), _SAME_DAY_RANK[position])
                held = self._latest.get(speaks_for)
                if held is None or key > held[0]:
                    self._latest[speaks_for] = (key, position, [claim.id])
                    self._official = None
                elif key == held[0]:
                    held[2].append(claim.id)
                    self._official = None
        if stance in SUPPORTING_STANCES:
            entry = (index, claim.id)
            _in_file_order(self._supporting_claims, entry)
            self._evidence = None
            if stance == "affirms" and claim.basis in _FIRST_HAND:
                _in_file_order(self._first_hand_claims, entry)
                self._first_hand_sources.update(claim.sources)

    def result(self) -> Derived:
        """The status of the claims added so far."""
        official = self._official
        if official is None:
            latest, concerned = self._latest, self._concerned
            if not latest:  # (no government has spoken: the most common case by far)
                official = _no_statement(concerned)
            else:
                position = combined_position([held[1] for held in latest.values()])
                positions = tuple(
                    [(code, latest[code][1] if code in latest else "no-statement")
                     for code in concerned]
                )  # fmt: skip
                setting = [  # the claims that set the position
                    claim
                    for code in concerned
                    if code in latest and latest[code][1] == position
                    for claim in latest[code][2]
                ]
                denied_by = [code for code, held in positions if held == "denied"]
                official = _Official(position, tuple(setting), positions, tuple(denied_by))
            self._official = official
        evidence = self._evidence
        if evidence is None:
            if len(self._first_hand_sources) >= 2 and len(self._first_hand_publishers()) >= 2:
                level, claims = "attested", self._first_hand_claims
            elif self._supporting_claims:
                level, claims = "reported", self._supporting_claims
            else:
                level, claims = "unverified", []
            evidence = self._evidence = (level, tuple([c for _, c in claims]))
        status = headline_status(official.position, evidence[0])
        deciding = official.deciding
        if evidence[1] and status not in ("acknowledged", "acknowledged-other-role"):
            deciding += (
                tuple([c for c in evidence[1] if c not in deciding]) if deciding else evidence[1]
            )
        return Derived(
            official.position, evidence[0], status, deciding, official.positions, official.denied_by
        )

    def _first_hand_publishers(self) -> set[str]:
        """The original publishers of the sources first-hand claims cite (an unknown source
        id counts as its own publisher)."""
        publisher = self._publisher
        if publisher is None:
            publisher = self._publisher = {
                s.id: s.publisher.strip().casefold() for s in self._sources
            }
        return {publisher.get(i, i) for i in self._first_hand_sources}


def _in_file_order(claims: list[tuple[int, str]], entry: tuple[int, str]) -> None:
    """Add ``entry`` (a claim's index and id) to ``claims``, kept in file order. Claims mostly
    come in it (derive_status adds them so): appended then, without a search."""
    if not claims or claims[-1] < entry:
        claims.append(entry)
    else:
        insort(claims, entry)


@functools.lru_cache(maxsize=1024)
def _no_statement(concerned: tuple[str, ...]) -> _Official:
    """The official axis of a site no concerned government has spoken of."""
    return _Official("no-statement", (), tuple([(code, "no-statement") for code in concerned]), ())


def combined_position(positions: Iterable[str]) -> str:
    """The site's official position from its governments' own: the most contested one.

    >>> combined_position(["acknowledged", "denied"])
    'denied'
    >>> combined_position([])
    'no-statement'
    """
    return max(positions, key=_SAME_DAY_RANK.__getitem__, default="no-statement")


def derive_site(site: Site, as_of: date | str | None = None) -> Derived:
    """The derived status of a site from its claims and sources, optionally as of a date: each
    concerned government's position (the host ``country`` and ``governments``)."""
    return derive_status(
        site.claims,
        as_of=as_of,
        sources=site.sources,
        country=site.country,
        governments=site.governments,
    )


def headline_status(official_status: str, evidence: str) -> str:
    """Combine the two axes into the category the map shows."""
    if official_status == "denied":
        return "attested-denied" if evidence == "attested" else "reported-denied"
    if official_status in ("acknowledged", "acknowledged-other-role"):
        return official_status
    return evidence


def government_name(code: str) -> str:
    """A government's name in running text: "China"; an unknown code as it is; "" for a host
    whose code is unknown."""
    return GOVERNMENT_NAMES.get(code, code) if code else "the host government"


_POSITION_WORDS = {
    "denied": "denied by",
    "acknowledged-other-role": "acknowledged in another role by",
    "acknowledged": "acknowledged by",
    "no-statement": "no statement from",
}


def position_words(positions: Sequence[tuple[str, str]]) -> str:
    """Who holds which official position, in words, most contested first.

    >>> position_words([("TJ", "denied"), ("CN", "denied")])
    'denied by Tajikistan and China'
    >>> position_words([("TJ", "acknowledged-other-role"), ("CN", "denied")])
    'denied by China; acknowledged in another role by Tajikistan'
    >>> position_words([("TJ", "no-statement")])
    'no statement from Tajikistan'
    """
    parts = []
    for position, words in _POSITION_WORDS.items():
        names = [government_name(code) for code, held in positions if held == position]
        if names:
            parts.append(f"{words} {_and_join(names)}")
    return "; ".join(parts) or "no official statement"


def government_names(codes: Sequence[str]) -> str:
    """Governments in running text.

    >>> government_names(["TJ", "CN", "US"])
    'Tajikistan, China and the United States'
    >>> government_names([])
    ''
    """
    return _and_join([government_name(code) for code in codes])


def denied_by_words(derived: Derived) -> str:
    """ "denied by Tajikistan and China", or "" when no concerned government denies."""
    return f"denied by {government_names(derived.denied_by)}" if derived.denied_by else ""


def _and_join(names: Sequence[str]) -> str:
    if len(names) < 2:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
