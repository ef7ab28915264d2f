"""The page's data contract, defined once: what the ``fm-data`` element's ``sites`` index
holds of each site (:class:`PageSite`: what the page is drawn and listed by, as one array per
field, :func:`index_columns`), and what the page reads after its first draw: each site's
search words (the ``fm-search`` element, a :class:`SiteSearch` per site) and its timeline
steps (``fm-steps``, a list of :class:`PageStep` per site), both in the order of the index;
as typed structs.

:mod:`facilitymap.maps` encodes these structs straight from the records (fast, for large
layers); :func:`facilitymap.render.build_html` builds the same from Feature dicts
(``render.page._index_record``), its members and index properties taken from these
definitions. The page script reads them in ``static/js/sites.js`` (the index's columns) and
``static/js/timeline.js`` (a step's positions, ``STEP_<FIELD>``); ``tests/test_render.py``
checks that the script names every field defined here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import msgspec


class SiteSearch(msgspec.Struct, array_like=True, gc=False):
    """What a site is found by besides its name and id (JSON: an array in this order)."""

    local_names: list[str]  # its names in other languages or scripts
    admin1: str | None
    admin2: str | None
    admin3: str | None


class PageStep(msgspec.Struct, array_like=True, frozen=True, gc=False):
    """A site's status from one day on, as :mod:`facilitymap.status` derives it: the page's
    timeline shows the last step on or before the chosen day (JSON: an array in this order)."""

    date: str  # ISO day: the end of the claim date(s) the step begins with
    status: str
    official_status: str
    evidence: str
    claims: int  # how many of the site's claims, in page order, are known by then
    deciding_claims: list[str]
    official_words: str | None  # who holds which position, when that says more than the label


class PageSite(msgspec.Struct, omit_defaults=True, gc=False):
    """One site of the page's index: what it is drawn and listed by. The rest (claims,
    sources, notes) waits in the details elements until its popup opens. The page holds the
    index as columns (:func:`index_columns`), not as a record per site."""

    id: str
    c: list[float] | None = None  # [lon, lat] of its glyph
    g: dict[str, Any] | None = None  # its area (a line or polygon), when it is not a point
    name: str | None = None
    status: str | None = None
    confidence: str | None = None
    precision_m: float | None = None  # its location's precision (location.precision_m)
    deciding_claims: list[str] = []  # ids of the claims that decide its status
    official_words: str | None = None  # "denied by Tajikistan and China"
    later_claims: int | None = None  # claims after the map's date, left out
    changes: list[str] | None = None  # what changed since the map's ``since``, in words
    # Not on the map at its own date: the status filter leaves it out then, an earlier date
    # of the timeline shows it. (The page draws from the index before it reads the steps.)
    hidden: bool = False


# The index's columns, in order: PageSite's fields.
INDEX_COLUMNS = PageSite.__struct_fields__
# Those a Feature holds in its properties (precision_m in its location), and its members
# besides its id and position (foreign members of a Feature dict; and ``steps``: its
# PageSteps, for fm-steps).
PROPERTY_COLUMNS = ("name", "status", "confidence")
SITE_MEMBERS = (
    *(f for f in INDEX_COLUMNS if f not in ("id", "c", "g", "precision_m", *PROPERTY_COLUMNS)),
    "steps",
)
_BLANK = PageSite("")  # each field's default
_DEFAULTS = {field: getattr(_BLANK, field) for field in INDEX_COLUMNS}
_ENCODE = msgspec.json.Encoder()
_NO_C = (None, None)  # the place of a site without one


class IndexColumns(NamedTuple):
    """Some sites' index as columns: each column's JSON array in :data:`INDEX_COLUMNS` order
    (``c`` flat: lon, lat, lon, lat, ...), and whether it holds more than its default."""

    arrays: Sequence[bytes | memoryview]
    used: Sequence[bool]


def index_columns(sites: Sequence[PageSite]) -> IndexColumns:
    """The index of ``sites`` as columns. One array per field instead of an object per site:
    at 100,000 sites a third fewer bytes to inflate and parse, and none of the objects.

    >>> cols = index_columns([PageSite("a", c=[1.5, 2.0], name="A"), PageSite("b", name="B")])
    >>> join_columns([cols])
    b'{"id":["a","b"],"c":[1.5,2.0,null,null],"name":["A","B"]}'
    """
    arrays, used = [], []
    for field in INDEX_COLUMNS:
        if field == "c":
            values = [
                x
                for site in sites
                for x in (site.c[:2] if isinstance(site.c, list) and len(site.c) >= 2 else _NO_C)
            ]
            default = None
        else:
            values = [getattr(site, field) for site in sites]
            default = _DEFAULTS[field]
        arrays.append(_ENCODE.encode(values))
        used.append(field == "id" or any(value != default for value in values))
    return IndexColumns(arrays, used)


def join_columns(parts: Sequence[IndexColumns]) -> bytes:
    """The index's JSON object from its parts' columns, in order. A column no site uses is
    left out (the page takes its default); ``id`` is always there, as long as the index."""
    members = [
        b'"' + field.encode() + b'":' + join_arrays([part.arrays[k] for part in parts])
        for k, field in enumerate(INDEX_COLUMNS)
        if any(part.used[k] for part in parts) or field == "id"
    ]
    return b"{" + b",".join(members) + b"}"


def site_rows(columns: Mapping[str, Any]) -> list[PageSite]:
    """The sites of an index's columns (its JSON object, decoded), as records.

    >>> site_rows({"id": ["a", "b"], "c": [1.5, 2.0, None, None], "name": ["A", "B"]})[0]
    PageSite(id='a', c=[1.5, 2.0], g=None, name='A', status=None, confidence=None, precision_m=None, deciding_claims=[], official_words=None, later_claims=None, changes=None, hidden=False)
    """
    ids = columns.get("id") or []
    flat = columns.get("c")
    given = [(field, columns[field]) for field in INDEX_COLUMNS[2:] if field in columns]
    rows = []
    for i, site_id in enumerate(ids):
        site = PageSite(site_id, **{field: values[i] for field, values in given})
        if flat is not None and flat[2 * i] is not None:
            site.c = [flat[2 * i], flat[2 * i + 1]]
        rows.append(site)
    return rows


def join_arrays(arrays: Iterable[bytes | memoryview]) -> bytes:
    """Concatenate JSON arrays (``[1,2]`` and ``[3]`` give ``[1,2,3]``) without decoding.

    >>> join_arrays([b"[1,2]", b"[]", memoryview(b"[3]")])
    b'[1,2,3]'
    """
    return b"[" + b",".join(a[1:-1] for a in arrays if len(a) > 2) + b"]"
