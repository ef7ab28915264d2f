"""The page's ``fm-details`` elements: every site's full properties (claims, sources, notes),
cut into elements a popup inflates one at a time, and deflated where the sites were encoded.

Where an element ends is decided by the sites' own JSON, never by where a process's share of
them happens to start: an element always ends after a site whose JSON hashes under a
threshold (:func:`always_ends`: about once every :data:`ENDS_EVERY_BYTES` of details), and
otherwise after :data:`DETAILS_CHUNK` sites or once it holds :data:`DETAILS_CHUNK_BYTES`.
So a process that encodes some consecutive sites can cut and deflate every element after
its first such site by itself, without knowing the sites before it; only its first few
sites and its last (:class:`DetailsPart` ``head`` and ``tail``) wait for the neighbouring
parts (:func:`join_details`). Deflating, the dearest part of a large page, is then done by
the processes that read the sites, at the same time as reading them; and the page is the
same bytes however the sites were shared out (over how many cores, in runs of a file or
chunks of a loaded layer).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence

import msgspec

from facilitymap.render.packing import PACKED_ENCODING, deflate_and_pack

# Sites per details element at most: the page inflates and parses only the element a popup
# needs (a few milliseconds), never all of them at once.
DETAILS_CHUNK = 1000
# And at most about this many bytes of JSON per element: sites written like the curated ones
# (~10 KB each) would otherwise put 10 MB behind one popup's click. A popup's first click in
# an element inflates and parses all of it, in the page's script: 2 MB (elements of 1.2 MB on
# average at rich 10,000) made rich 1,000-site popups 167 ms where 512 KB makes them 144 ms
# (medians of 16 clicks each, alternating; render's CPU the same). Smaller elements
# deflate worse (on the trimmed 10,000-site layer's details, 1 MB elements to 0.245 of the
# JSON, 512 KB to 0.247, 256 KB to 0.251): 512 KB costs pages of sites written like the
# curated ones 1.6 % (rich 10,000: 0.2887 -> 0.2934 of the compact input).
DETAILS_CHUNK_BYTES = 1 << 19
# An element always ends after a site with probability its JSON's size over this: about
# every this many bytes. Together with the cap, elements of ~320 KB on average.
ENDS_EVERY_BYTES = 1 << 19


def always_ends(item: bytes) -> bool:
    """Whether an element ends after this site's JSON whatever came before it.

    >>> always_ends(b"x" * ENDS_EVERY_BYTES)
    True
    """
    return zlib.crc32(item) * ENDS_EVERY_BYTES < len(item) << 32


class DetailsElement(msgspec.Struct, array_like=True, gc=False):
    """One ``fm-details`` element: its sites' JSON (``items``) until it is packed, then the
    packed text of their JSON array deflated, as the page's bytes (``items`` emptied): they go
    into the page file as they are, never through a Python string.

    ``packed`` is a view: of the bytes packed here, or, in an element a worker sent
    (decoded from MessagePack), of what it sent, not a copy (most of a large page)."""

    sites: int
    size: int  # bytes of its JSON array: the page's data-size
    items: list[bytes]
    nbytes: int = 0  # bytes deflated (data-bytes); 0 until packed
    packed: memoryview = memoryview(b"")


class DetailsPart(msgspec.Struct, array_like=True, gc=False):
    """Some consecutive sites' details, cut into elements as far as they can be without the
    sites around them (:func:`details_part`, :func:`join_details`)."""

    head: list[bytes]  # the sites up to the first that always ends an element (or all)
    closed: bool  # whether one does (the last of ``head``)
    elements: list[DetailsElement]  # those after it, each ended by its own sites
    tail: list[bytes]  # the sites after the last element's end (only when closed)


def details_part(items: Sequence[bytes], *, pack: bool = False) -> DetailsPart:
    """The details of consecutive sites (each one's JSON), their elements packed with ``pack``.

    >>> part = details_part([b"{}", b"x" * ENDS_EVERY_BYTES, b"{}"])
    >>> len(part.head), part.closed, [e.sites for e in part.elements], len(part.tail)
    (2, True, [], 1)
    """
    first = next((i for i, item in enumerate(items) if always_ends(item)), None)
    if first is None:
        return DetailsPart(list(items), False, [], [])
    elements, tail = _cut(items[first + 1 :])
    if pack:
        pack_elements(elements)
    return DetailsPart(list(items[: first + 1]), True, elements, tail)


NO_DETAILS = DetailsPart([], False, [], [])


def join_details(first: DetailsPart, then: DetailsPart, *, pack: bool = False) -> DetailsPart:
    """The details of ``first``'s sites followed by ``then``'s: the elements between them cut
    (and packed with ``pack``)."""
    if not first.closed:
        return DetailsPart(first.head + then.head, then.closed, then.elements, then.tail)
    between, rest = _cut(first.tail + then.head)
    if pack:
        pack_elements(between)
    # ``then``'s head, when closed, ends with a site that ends an element: nothing is left.
    tail = then.tail if then.closed else rest
    return DetailsPart(first.head, True, first.elements + between + then.elements, tail)


def page_start(part: DetailsPart, *, pack: bool = False) -> DetailsPart:
    """``part`` as the start of the page: its head cut too (an element starts at its first
    site), leaving it no head."""
    if not part.head:
        return part
    elements, rest = _cut(part.head)
    if pack:
        pack_elements(elements)
    if part.closed:  # (then the head's last site ends an element: nothing is left)
        return DetailsPart([], True, elements + part.elements, part.tail)
    return DetailsPart([], True, elements, rest)


def page_end(part: DetailsPart, *, pack: bool = False) -> DetailsPart:
    """``part`` as the end of the page: its tail made the last element, if it has one."""
    if not part.closed or not part.tail:
        return part
    last = _element(part.tail)
    if pack:
        pack_elements([last])
    return DetailsPart(part.head, True, [*part.elements, last], [])


def page_elements(parts: Sequence[DetailsPart]) -> list[DetailsElement]:
    """Every element of the page, from the parts of its sites in order (the first part
    starts the page, the last ends it; at least one element, empty when there are no
    sites)."""
    whole = NO_DETAILS
    for part in parts:
        whole = join_details(whole, part)
    whole = page_end(page_start(whole))
    return whole.elements or [_element([])]


def details_size(part: DetailsPart) -> int:
    """Bytes of JSON of the sites of ``part`` (about: each element's with its brackets)."""
    return (
        sum(map(len, part.head))
        + sum(element.size for element in part.elements)
        + sum(map(len, part.tail))
    )


def details_items(parts: Sequence[DetailsPart]) -> list[bytes]:
    """Each site's JSON, in order, from parts none of whose elements is packed."""
    items: list[bytes] = []
    for part in parts:
        items += part.head
        for element in part.elements:
            if element.nbytes:
                raise ValueError("details already packed")
            items += element.items
        items += part.tail
    return items


def pack_elements(elements: Sequence[DetailsElement]) -> None:
    """Deflate and pack each element not packed yet (in place)."""
    for element in elements:
        if not element.nbytes:
            element.nbytes, packed = deflate_and_pack(_array(element.items))
            element.packed, element.items = memoryview(packed), []


def elements_html(
    elements: Sequence[DetailsElement], pack: Callable[[list[DetailsElement]], None]
) -> tuple[list[int], list[bytes | memoryview]]:
    """The elements as HTML, packed by ``pack`` first where they are not (it may share them
    out over processes), and the index of each one's first site (what the page finds a
    site's element by: ``data-first``). The HTML comes in pieces of the page's bytes, to be
    written with the rest of the page: the packed text is most of a large page, and a join
    would copy it."""
    pack([element for element in elements if not element.nbytes])
    starts: list[int] = []
    html: list[bytes | memoryview] = []
    first = 0
    for k, element in enumerate(elements):
        starts.append(first)
        html += [
            f'<script type="application/json" id="fm-details-{k}" class="fm-details" '
            f'data-first="{first}" data-encoding="{PACKED_ENCODING}" '
            f'data-bytes="{element.nbytes}" data-size="{element.size}">'.encode(),
            element.packed,
            b"</script>\n",
        ]
        first += element.sites
    return starts, html


def _cut(items: Sequence[bytes]) -> tuple[list[DetailsElement], list[bytes]]:
    """The elements ``items`` make when an element starts at the first of them, and the
    items after the last element's end."""
    elements: list[DetailsElement] = []
    start = size = 0
    for index, item in enumerate(items):
        size += len(item)
        if always_ends(item) or index + 1 - start >= DETAILS_CHUNK or size >= DETAILS_CHUNK_BYTES:
            elements.append(_element(items[start : index + 1]))
            start, size = index + 1, 0
    return elements, list(items[start:])


def _element(items: Sequence[bytes]) -> DetailsElement:
    # "[" + the items joined by commas + "]"
    size = sum(map(len, items)) + max(len(items) - 1, 0) + 2
    return DetailsElement(len(items), size, list(items))


def _array(items: Sequence[bytes]) -> bytes:
    return b"[" + b",".join(items) + b"]"
