"""The page's data contract, defined once: what each site of the ``fm-data`` element's
``sites`` array holds (what the page is drawn and listed by), and what the page reads after
its first draw: each site's search words (the ``fm-search`` element, a :class:`SiteSearch`
per site) and its timeline steps (``fm-steps``, a list of :class:`PageStep` per site), both
in the order of ``sites``; as typed structs.

:mod:`facilitymap.maps` encodes these structs straight from the records (fast, for large
layers); :func:`facilitymap.render.build_html` builds the same shape from Feature dicts
(``render.page._index_record``), its members and index properties taken from these
definitions. The page script reads them in ``static/js/sites.js`` (a record's members) and
``static/js/timeline.js`` (a step's positions, ``STEP_<FIELD>``); ``tests/test_render.py``
checks that the script names every field defined here.
"""

from __future__ import annotations

from typing import Any

import msgspec


class IndexLocation(msgspec.Struct, omit_defaults=True, gc=False):
    precision_m: float | None = None


class IndexProperties(msgspec.Struct, omit_defaults=True, gc=False):
    """The few properties a site is drawn and listed by; the rest (claims, sources, notes)
    waits in the details elements until its popup opens."""

    name: str
    status: str | None = None
    confidence: str | None = None
    location: IndexLocation | None = None


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
    """One site of the page's index."""

    id: str
    c: list[float] | None = None  # [lon, lat] of its glyph
    g: dict[str, Any] | None = None  # its area (a line or polygon), when it is not a point
    deciding_claims: list[str] = []  # ids of the claims that decide its status
    official_words: str | None = None  # "denied by Tajikistan and China"
    later_claims: int | None = None  # claims after the map's date, left out
    changes: list[str] | None = None  # what changed since the map's ``since``, in words
    # Not on the map at its own date: the status filter leaves it out then, an earlier date
    # of the timeline shows it. (The page draws from the index before it reads the steps.)
    hidden: bool = False
    properties: IndexProperties | None = None


# Members of a site record besides its id, position and properties (a Feature dict may carry
# them as foreign members, and ``steps``: its PageSteps, for fm-steps), and the properties
# of the index, in the structs' order.
SITE_MEMBERS = (
    *(f for f in PageSite.__struct_fields__ if f not in ("id", "c", "g", "properties")),
    "steps",
)
INDEX_PROPERTIES = tuple(f for f in IndexProperties.__struct_fields__ if f != "location")
