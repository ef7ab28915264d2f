"""The status rule, claim by claim: official position, evidence, headline, as of a date."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from facilitymap.model import ACTOR_TYPES, CLAIM_BASES, STANCES, STATUSES, Claim, Source
from facilitymap.status import (
    STATUS_INFO,
    denied_by_words,
    derive_site,
    derive_status,
    government_name,
    headline_status,
    position_words,
)

_counter = itertools.count()


def claim(stance="affirms", actor_type="journalist", basis="on-site", when="2020-01-01", src="a"):
    return Claim(
        id=f"c{next(_counter)}",
        date=when,
        actor="someone",
        actor_type=actor_type,
        stance=stance,
        basis=basis,
        summary="said something",
        sources=[src],
    )


SOURCES = [
    Source(id="a", title="A", publisher="Outlet A", url="https://a.example"),
    Source(id="a2", title="A again", publisher=" outlet a ", url="https://a.example/2"),
    Source(id="b", title="B", publisher="Outlet B", url="https://b.example"),
]


def test_no_claims_is_unverified_with_no_statement():
    d = derive_status([], sources=SOURCES)
    assert (d.official_status, d.evidence, d.status) == ("no-statement", "unverified", "unverified")
    assert d.deciding_claims == ()


@pytest.mark.parametrize(
    ("stance", "expected"),
    [
        ("denies", "denied"),
        ("affirms", "acknowledged"),
        ("announces", "acknowledged"),
        ("acknowledges-other-role", "acknowledged-other-role"),
        ("no-comment", "no-statement"),
        ("context", "no-statement"),
    ],
)
def test_each_host_government_stance_sets_the_official_position(stance, expected):
    d = derive_status([claim(stance, "host-government", "statement")], sources=SOURCES)
    assert d.official_status == expected


@pytest.mark.parametrize("actor_type", [a for a in ACTOR_TYPES if a != "host-government"])
@pytest.mark.parametrize("stance", STANCES)
def test_only_the_host_government_sets_the_official_position(actor_type, stance):
    d = derive_status([claim(stance, actor_type, "statement")], sources=SOURCES)
    assert d.official_status == "no-statement"


def test_latest_host_statement_wins_whatever_the_list_order():
    early = claim("acknowledges-other-role", "host-government", "statement", "2019-02-21")
    late = claim("denies", "host-government", "statement", "2024-07-12")
    for order in ([early, late], [late, early]):
        d = derive_status(order, sources=SOURCES)
        assert d.official_status == "denied"
        assert d.deciding_claims[0] == late.id


def test_a_later_acknowledgement_replaces_an_earlier_denial():
    deny = claim("denies", "host-government", "statement", "2021-10-30")
    admit = claim("affirms", "host-government", "statement", "2022-01-05")
    assert derive_status([deny, admit], sources=SOURCES).official_status == "acknowledged"


@pytest.mark.parametrize(
    ("stances", "expected"),
    [
        (("affirms", "denies"), "denied"),
        (("acknowledges-other-role", "denies"), "denied"),
        (("affirms", "acknowledges-other-role"), "acknowledged-other-role"),
        (("announces", "affirms"), "acknowledged"),
    ],
)
def test_same_day_statements_rank_denial_over_other_role_over_acknowledgement(stances, expected):
    claims = [claim(s, "host-government", "statement", "2021-10-30") for s in stances]
    for order in (claims, claims[::-1]):
        assert derive_status(order, sources=SOURCES).official_status == expected


def test_same_day_same_position_claims_all_decide():
    a = claim("denies", "host-government", "statement", "2024-07-12")
    b = claim("denies", "host-government", "statement", "2024-07-12")
    assert derive_status([a, b], sources=SOURCES).deciding_claims[:2] == (a.id, b.id)


@pytest.mark.parametrize("basis", CLAIM_BASES)
def test_attested_needs_first_hand_basis_from_two_publishers(basis):
    claims = [claim("affirms", basis=basis, src="a"), claim("affirms", basis=basis, src="b")]
    d = derive_status(claims, sources=SOURCES)
    first_hand = basis in ("on-site", "imagery", "document")
    assert d.evidence == ("attested" if first_hand else "reported")


def test_two_sources_of_one_publisher_are_not_independent():
    # "Outlet A" and " outlet a " are the same publisher: case and spaces do not matter.
    claims = [claim("affirms", src="a"), claim("affirms", basis="imagery", src="a2")]
    assert derive_status(claims, sources=SOURCES).evidence == "reported"


def test_one_claim_citing_two_publishers_attests():
    c = claim("affirms", basis="imagery")
    c.sources = ["a", "b"]
    assert derive_status([c], sources=SOURCES).evidence == "attested"


@pytest.mark.parametrize("stance", STANCES)
def test_which_stances_make_a_site_reported(stance):
    d = derive_status([claim(stance, "think-tank", "analysis")], sources=SOURCES)
    expected = (
        "reported"
        if stance in ("affirms", "announces", "acknowledges-other-role")
        else "unverified"
    )
    assert d.evidence == expected


def test_denials_alone_do_not_make_evidence():
    d = derive_status([claim("denies", "foreign-government", "statement")], sources=SOURCES)
    assert d.evidence == "unverified"


def test_unknown_source_id_counts_as_its_own_publisher():
    claims = [claim("affirms", src="a"), claim("affirms", basis="imagery", src="zzz")]
    assert derive_status(claims, sources=SOURCES).evidence == "attested"


@pytest.mark.parametrize(
    ("official", "evidence", "expected"),
    [
        ("denied", "attested", "attested-denied"),
        ("denied", "reported", "reported-denied"),
        ("denied", "unverified", "reported-denied"),
        ("acknowledged", "attested", "acknowledged"),
        ("acknowledged", "reported", "acknowledged"),
        ("acknowledged", "unverified", "acknowledged"),
        ("acknowledged-other-role", "attested", "acknowledged-other-role"),
        ("acknowledged-other-role", "reported", "acknowledged-other-role"),
        ("acknowledged-other-role", "unverified", "acknowledged-other-role"),
        ("no-statement", "attested", "attested"),
        ("no-statement", "reported", "reported"),
        ("no-statement", "unverified", "unverified"),
    ],
)
def test_headline_for_every_combination_of_the_two_axes(official, evidence, expected):
    assert headline_status(official, evidence) == expected


def test_every_headline_status_has_a_label_and_description():
    assert tuple(STATUS_INFO) == STATUSES
    assert all(label and text for label, text in STATUS_INFO.values())


def shaymak_like():
    return [
        claim("affirms", "journalist", "on-site", "2019-02-18", "a"),
        claim("acknowledges-other-role", "host-government", "statement", "2019-02-21", "a"),
        claim("affirms", "journalist", "document", "2021-10", "b"),
        claim("denies", "host-government", "statement", "2024-07-12", "b"),
    ]


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (None, ("denied", "attested", "attested-denied")),
        ("2026-11-29", ("denied", "attested", "attested-denied")),
        ("2024-07-11", ("acknowledged-other-role", "attested", "acknowledged-other-role")),
        ("2021-10-31", ("acknowledged-other-role", "attested", "acknowledged-other-role")),
        ("2021-10-30", ("acknowledged-other-role", "reported", "acknowledged-other-role")),
        ("2021-09-30", ("acknowledged-other-role", "reported", "acknowledged-other-role")),
        ("2019-02-20", ("no-statement", "reported", "reported")),
        ("2018-12-31", ("no-statement", "unverified", "unverified")),
        (date(2018, 12, 31), ("no-statement", "unverified", "unverified")),
    ],
)
def test_as_of_ignores_later_claims(as_of, expected):
    d = derive_status(shaymak_like(), as_of=as_of, sources=SOURCES)
    assert (d.official_status, d.evidence, d.status) == expected


def test_reduced_precision_date_counts_from_the_end_of_its_period():
    c = claim("affirms", when="2021-10", src="a")
    assert derive_status([c], as_of="2021-10-30", sources=SOURCES).evidence == "unverified"
    assert derive_status([c], as_of="2021-10-31", sources=SOURCES).evidence == "reported"
    year = claim("affirms", when="2019", src="a")
    assert derive_status([year], as_of="2019-06-30", sources=SOURCES).evidence == "unverified"
    assert derive_status([year], as_of="2019", sources=SOURCES).evidence == "reported"


# ---- per-government positions: the host and the operating or funding state ----


def said(stance, government, when, actor_type="foreign-government"):
    c = claim(stance, actor_type, "statement", when)
    return c.replace(government=government) if government else c


def positions(claims, as_of=None, governments=("CN",)):
    d = derive_status(claims, as_of, SOURCES, country="TJ", governments=governments)
    return d.official_status, dict(d.positions), d.denied_by


def test_each_concerned_government_has_its_own_latest_position():
    claims = [
        said("announces", None, "2021-10-27", "host-government"),  # the host, by default
        said("denies", "CN", "2021-10-29"),
        said("acknowledges-other-role", "TJ", "2021-10-30"),
    ]
    assert positions(claims) == (
        "denied",
        {"TJ": "acknowledged-other-role", "CN": "denied"},
        ("CN",),
    )
    # Before China spoke, only the host's announcement was on record.
    assert positions(claims, "2021-10-28") == (
        "acknowledged",
        {"TJ": "acknowledged", "CN": "no-statement"},
        (),
    )


def test_a_later_statement_of_one_government_does_not_lift_anothers_denial():
    claims = [said("denies", "CN", "2019-02-28"), said("affirms", "TJ", "2024-01-01")]
    assert positions(claims)[::2] == ("denied", ("CN",))


def test_denied_by_lists_every_denying_government_host_first():
    claims = [said("denies", "CN", "2024-07-12"), said("denies", "TJ", "2024-07-12")]
    d = derive_status(claims, None, SOURCES, country="TJ", governments=["CN"])
    assert d.denied_by == ("TJ", "CN")
    assert set(d.deciding_claims[:2]) == {c.id for c in claims}
    assert denied_by_words(d) == "denied by Tajikistan and China"


def test_without_a_denial_the_least_accepting_position_is_shown():
    claims = [said("affirms", "CN", "2020-01-01"), said("acknowledges-other-role", "TJ", "2019")]
    assert positions(claims)[0] == "acknowledged-other-role"


@pytest.mark.parametrize("governments", [(), ("RU",)])
def test_a_government_that_is_not_concerned_sets_no_position(governments):
    # A foreign government the site does not name (here China) is heard, not counted.
    d = derive_status([said("denies", "CN", "2021-10-29")], None, SOURCES, country="TJ",
                      governments=governments)  # fmt: skip
    assert (d.official_status, d.denied_by) == ("no-statement", ())
    assert dict(d.positions) == {"TJ": "no-statement", **dict.fromkeys(governments, "no-statement")}


def test_a_foreign_government_claim_without_a_government_sets_no_position():
    assert positions([said("denies", None, "2021-10-29")])[0] == "no-statement"


def test_an_explicit_government_on_a_host_government_claim_is_respected():
    # e.g. a Chinese official speaking at a joint press conference, coded host-government
    # by mistake: the government field says whom the statement speaks for.
    c = said("denies", "CN", "2021-10-29", "host-government")
    assert positions([c]) == ("denied", {"TJ": "no-statement", "CN": "denied"}, ("CN",))


def test_position_words_say_who_holds_which_position():
    assert position_words([("TJ", "acknowledged"), ("CN", "no-statement")]) == (
        "acknowledged by Tajikistan; no statement from China"
    )
    assert position_words([("TJ", "denied"), ("XX", "denied")]) == "denied by Tajikistan and XX"
    assert position_words([]) == "no official statement"
    assert government_name("") == "the host government"


def test_a_site_passes_its_country_and_governments():
    from facilitymap.model import Location, Site

    site = Site(
        name="x",
        kind="base",
        country="TJ",
        governments=["CN"],
        location=Location(basis="unlocated", note="n"),
        confidence="low",
        confidence_note="n",
        claims=[said("denies", "CN", "2021-10-29")],
        sources=SOURCES,
    )
    assert derive_site(site).denied_by == ("CN",)
    assert derive_site(site, as_of="2021-10-28").denied_by == ()


def test_only_an_official_actor_speaks_for_a_government():
    # A journalist's claim tagged with a government (validation warns about it) is evidence,
    # never an official position: the map must not show a denial nobody official made.
    stray = said("denies", "CN", "2021-10-29", actor_type="journalist")
    assert positions([stray]) == ("no-statement", {"TJ": "no-statement", "CN": "no-statement"}, ())
    official = said("denies", "CN", "2021-10-29")
    assert positions([official]) == ("denied", {"TJ": "no-statement", "CN": "denied"}, ("CN",))


def test_the_fold_read_after_every_claim_is_the_status_of_the_claims_so_far():
    """StatusFold keeps what it found of each axis until a claim changes it: read after every
    claim, in any order of days (same-day claims in file order), it must give what deriving
    the status of the claims added so far from scratch gives."""
    import random

    from facilitymap.dates import date_end
    from facilitymap.status import StatusFold

    rnd = random.Random(16)
    days = ["2019-05-05", "2020-01", "2020-01-01", "2020-01-31", "2021"]
    for _ in range(1500):
        claims = [
            Claim(
                id=f"c{k}", date=rnd.choice(days), actor="someone",
                actor_type=rnd.choice(ACTOR_TYPES), stance=rnd.choice(STANCES),
                basis=rnd.choice(CLAIM_BASES), summary="said something",
                government=rnd.choice([None, None, "CN", "TJ", "RU"]),
                sources=rnd.sample(["a", "a2", "b", "unknown"], rnd.randint(1, 2)),
            )
            for k in range(rnd.randint(0, 8))
        ]  # fmt: skip
        context = {"country": rnd.choice(["TJ", "CN", None]),
                   "governments": rnd.sample(["CN", "TJ", "RU"], rnd.randint(0, 2))}  # fmt: skip
        order = sorted(range(len(claims)), key=lambda i: date_end(claims[i].date))
        fold = StatusFold(SOURCES, **context)
        assert fold.result() == derive_status([], sources=SOURCES, **context)
        for k, index in enumerate(order):
            fold.add(index, claims[index])
            so_far = [claims[i] for i in sorted(order[: k + 1])]
            assert fold.result() == derive_status(so_far, sources=SOURCES, **context), claims
