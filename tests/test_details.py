"""The page's details elements are cut by the sites' own JSON: the same elements however the
sites were shared out, and each process deflates what it can alone."""

from __future__ import annotations

import itertools
import json
import random
import zlib

import pytest

from facilitymap.render import details
from facilitymap.render.details import (
    details_items,
    details_part,
    join_details,
    page_elements,
)
from facilitymap.render.packing import unpack_text


@pytest.fixture
def small_elements(monkeypatch):
    # Elements of a few kilobytes, so that a few hundred sites make many.
    monkeypatch.setattr(details, "ENDS_EVERY_BYTES", 1 << 12)
    monkeypatch.setattr(details, "DETAILS_CHUNK_BYTES", 1 << 13)
    monkeypatch.setattr(details, "DETAILS_CHUNK", 25)


def _sites(count: int, seed: int = 1) -> list[bytes]:
    rng = random.Random(seed)
    return [
        b'{"name":"site %d","note":"%s"}' % (n, b"w" * rng.choice([5, 50, 500, 3000]))
        for n in range(count)
    ]


def _shape(elements):
    return [(e.sites, e.size) for e in elements]


def _json(element) -> bytes:
    if element.nbytes:
        return zlib.decompress(unpack_text(bytes(element.packed).decode("latin-1"), element.nbytes))
    return b"[" + b",".join(element.items) + b"]"


def test_sites_cut_anywhere_and_joined_in_any_order_make_the_same_elements(small_elements):
    sites = _sites(400)
    whole = page_elements([details_part(sites)])
    assert len(whole) > 20
    assert sum(e.sites for e in whole) == 400
    # Each element ends at a site that always ends one, or at a cap; never later.
    assert all(e.sites <= 25 for e in whole)
    rng = random.Random(7)
    for _ in range(30):
        cuts = sorted(rng.sample(range(1, 400), rng.randint(1, 12)))
        bounds = [0, *cuts, 400]
        parts = [
            details_part(sites[a:b], pack=rng.random() < 0.5) for a, b in itertools.pairwise(bounds)
        ]
        # Neighbours joined in a random order, as processes join the runs they took.
        while len(parts) > 1:
            k = rng.randrange(len(parts) - 1)
            parts[k : k + 2] = [join_details(parts[k], parts[k + 1], pack=rng.random() < 0.5)]
        elements = page_elements(parts)
        assert _shape(elements) == _shape(whole)
        assert [_json(e) for e in elements] == [_json(e) for e in whole]


def test_an_element_holds_its_sites_json_array_and_says_its_size(small_elements):
    sites = _sites(120, seed=3)
    elements = page_elements([details_part(sites, pack=True)])
    joined = [item for e in elements for item in json.loads(_json(e))]
    assert joined == [json.loads(s) for s in sites]
    assert all(e.size == len(_json(e)) for e in elements)


def test_no_sites_is_one_empty_element():
    (element,) = page_elements([details_part([])])
    assert (element.sites, _json(element)) == (0, b"[]")


def test_the_sites_json_comes_back_from_unpacked_parts_only(small_elements):
    sites = _sites(200, seed=4)
    assert details_items([details_part(sites[:90]), details_part(sites[90:])]) == sites
    with pytest.raises(ValueError, match="packed"):
        details_items([details_part(sites, pack=True)])
