"""The map page: one HTML file, data embedded as JSON, drawn by our own script.

No template engine sees the data: the page is a few constant strings, the title (HTML-escaped)
and ``<script type="application/json">`` elements whose text is JSON with ``<``, ``>``,
``&``, U+2028 and U+2029 escaped, or deflated JSON packed with no ``</`` or ``<!`` in it
(:func:`~facilitymap.render.packing.pack_bytes`; a page that holds packed text is read as
windows-1252, and everything else on it is ASCII), so nothing in the layer can end the
element or become markup, script or template source. The browser builds every element from
that data with ``textContent`` (``static/js/``, joined by :func:`assets.page_script`).

The order is the one a reader waits on: ``fm-data`` (the index every site is drawn and listed
by, ASCII so the browser decodes it as one-byte text), then the scripts, which draw at once;
then ``fm-search`` and ``fm-steps`` (each site's search words and timeline steps: the page
reads them after its first frame, and builds its timeline and layer control from the dates
and statuses the index's ``meta.timeline`` names), and last the ``fm-details`` elements
(claims, sources, notes: most of a large page's bytes), which the parser reaches while the
map is already up; a popup reads only its own element, waiting for the parser if it must.
"""

from __future__ import annotations

import base64
import codecs
import hashlib
import html
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import orjson

from facilitymap.dates import date_end
from facilitymap.geometry import representative_point
from facilitymap.parallel import map_parts, workers
from facilitymap.render import assets
from facilitymap.render.details import (
    DETAILS_CHUNK as DETAILS_CHUNK,
)
from facilitymap.render.details import (
    DETAILS_CHUNK_BYTES as DETAILS_CHUNK_BYTES,
)
from facilitymap.render.details import (
    DetailsElement,
    DetailsPart,
    details_part,
    elements_html,
    pack_elements,
    page_elements,
)
from facilitymap.render.packing import (
    PACKED_ENCODING,
    PACKED_PAGE_CHARSET,
    deflate_and_pack,
)
from facilitymap.render.packing import pack_text as pack_text
from facilitymap.render.packing import page_bytes as page_bytes
from facilitymap.render.packing import page_text as page_text
from facilitymap.render.packing import read_element as read_element
from facilitymap.render.packing import unpack_text as unpack_text
from facilitymap.render.payload import (
    PROPERTY_COLUMNS,
    SITE_MEMBERS,
    PageSite,
    index_columns,
    join_arrays,
    join_columns,
)
from facilitymap.render.style import TILE_ORIGINS, page_vocabulary

# Data larger than this (bytes of JSON) is embedded deflated and packed (pack_text); the
# page inflates it in its own script (inflate.js). Smaller layers stay readable JSON, so
# the committed maps diff well in git.
COMPRESS_OVER = 1 << 20
PAYLOAD_VERSION = 2  # 2: the index as columns
_JSON_ESCAPES = (
    (b"<", b"\\u003c"),
    (b">", b"\\u003e"),
    (b"&", b"\\u0026"),
    ("\u2028".encode(), b"\\u2028"),
    ("\u2029".encode(), b"\\u2029"),
)


class EncodedSites(bytes):
    """The page's ``sites`` index already as JSON (the columns of what :func:`_index_record`
    gives for each feature: :func:`~facilitymap.render.payload.join_columns`), with
    ``details``: their full properties (:class:`~facilitymap.render.details.DetailsPart`, one
    after the other), and ``search`` and ``steps``: each site's search words and timeline
    steps (JSON arrays, one after the other).
    Lets a caller with many sites skip building dicts per site."""

    details: Sequence[DetailsPart] = ()
    search: Sequence[bytes | memoryview] = ()
    steps: Sequence[bytes | memoryview] = ()
    timeline: TimelineStops | None = None  # the stops of every site's steps
    count: int = 0  # type: ignore[assignment]  # how many sites (hides bytes.count)
    latest_claim: str | None = None  # the latest claim's date (:func:`latest_claim`)


class TimelineStops:
    """The days the page's timeline stops at (each day a step begins) and the statuses some
    day of it shows (its layer control offers those), gathered site by site: the page
    builds its controls from these at once, and reads the steps only after its first draw.

    >>> stops = TimelineStops({"attested"})
    >>> stops.add("attested", [("2019-01-01", "reported"), ("2020-05-01", "attested")])
    >>> stops.add("reported", [])  # no claims: on every day, as at the map's date
    >>> stops.meta()
    {'dates': ['2019-01-01', '2020-05-01'], 'statuses': ['attested', 'reported']}
    """

    def __init__(self, only: Iterable[str] = ()) -> None:
        self.only = frozenset(only)  # the map's status filter (empty: every status)
        self.days: set[str] = set()
        self.statuses: set[str] = set()

    def add(self, status: Any, steps: Iterable[tuple[Any, Any]]) -> None:
        """A site: its status at the map's date, and its steps as (day, status) pairs."""
        stepped = False
        for day, step_status in steps:
            stepped = True
            if isinstance(day, str):
                self.days.add(day)
            if isinstance(step_status, str) and (not self.only or step_status in self.only):
                self.statuses.add(step_status)
        if not stepped and isinstance(status, str):
            self.statuses.add(status)

    def meta(self) -> dict[str, list[str]]:
        return {"dates": sorted(self.days), "statuses": sorted(self.statuses)}


# Stands in for an EncodedSites array while the payload around it is serialized.
_SITES_SLOT = "\x00facilitymap-sites\x00"


def build_html(features: Iterable[Mapping[str, Any]] | EncodedSites, **options: Any) -> str:
    """:func:`build_page` (``options``: its keyword arguments) as text (:func:`page_text`)."""
    return page_text(build_page(features, **options))


def build_page(features: Iterable[Mapping[str, Any]] | EncodedSites, **options: Any) -> bytes:
    """:func:`page_pieces` joined: the bytes of the page's file."""
    return b"".join(page_pieces(features, **options))


def page_pieces(
    features: Iterable[Mapping[str, Any]] | EncodedSites,
    *,
    title: str,
    as_of: date | str | None = None,
    since: str | None = None,
    since_removed: Sequence[str] = (),
    data_version: str = "",
    context: Mapping[str, Any] | None = None,
    offline: bool = True,
    compress: bool | None = None,
    filters: Mapping[str, Any] | None = None,
) -> list[bytes | memoryview]:
    """Render sites as one interactive HTML map page, as the bytes of its file (UTF-8, or
    windows-1252 when it holds packed data: :mod:`~facilitymap.render.packing`), in pieces to
    be written one after the other.

    A large page is bytes from the start: its packed details come from the processes that
    made them (views of what they sent) and go into the file as they are, never
    joined into one: that took a copy of the whole page (153 MB at 100,000 trimmed sites).
    (Through a Python string, that page was decoded, joined and encoded again: ~1.3 s of the
    first process's time in a profile, and 230 MB more at its peak.)

    Parameters
    ----------
    features : iterable of GeoJSON Feature dicts
        Already selected, derived fields computed as of ``as_of``. Optional foreign
        members are shown too: ``deciding_claims`` (ids of the claims that decide the
        status), ``official_words`` (who holds which official position: "denied by
        Tajikistan and China"), ``later_claims`` (how many claims after ``as_of`` were
        left out), ``changes`` (what changed in the site since ``since``, in words) and
        ``steps`` (the status from each claim date on, for the timeline: lists as
        :class:`facilitymap.render.payload.PageStep` defines them; without it there is no timeline).
    title : str
        Page title and heading.
    as_of : date or ISO string, optional
        The date the statuses are evaluated at; None means all claims.
    since : str, optional
        The version changes are marked against (``HEAD~3``, ``2024-01-01 (commit 1a2b3c4)``);
        ``since_removed`` names the sites removed since then.
    data_version : str
        Words that identify the data (file hash, last update), shown on the page.
    context : GeoJSON FeatureCollection, optional
        Country borders drawn under the sites (properties ``name``, ``label_lon``,
        ``label_lat``, ``iso_a2``).
    offline : bool
        True inlines Leaflet (one self-contained file); False links it from unpkg with SRI.
    compress : bool, optional
        Embed the data deflated; None decides by size (:data:`COMPRESS_OVER`).
    filters : mapping, optional
        The filters that chose the sites (``statuses``, ``kinds``, ``countries``,
        ``min_confidence``), named in the page header so a map says what it leaves out.

    Returns
    -------
    bytes
        The page. The same arguments always give the same bytes: no timestamp, no random id.
    """
    if isinstance(features, EncodedSites):
        # Taken over: a large layer's details are freed once packed into the page.
        details: Sequence[DetailsPart] = features.details
        search = join_arrays(features.search)
        steps = join_arrays(features.steps)
        # Let go of the views: they may hold what a worker sent whole, details and all.
        features.details, features.search, features.steps = (), (), ()
        stops = features.timeline or TimelineStops()
        latest = features.latest_claim
    else:
        records = [_site_record(feature) for feature in features]
        index = [_index_record(record) for record in records]
        details = [details_part([orjson.dumps(record["properties"]) for record in records])]
        search = orjson.dumps([_search_of(record) for record in records])
        site_steps = [_steps_of(record) for record in records]
        steps = orjson.dumps(site_steps)
        stops = TimelineStops((filters or {}).get("statuses") or ())
        for site, its_steps in zip(index, site_steps, strict=True):
            stops.add(site.status, (step[:2] for step in its_steps))
        latest = latest_claim(_claim_dates(records))
    # Deflated first (the slow part, over the cores); placed last in the page.
    details_starts, details_elements, details_packed = _details_elements(details, compress)
    del details  # (a large layer's: the caller may have let go of them too)
    payload = {
        "v": PAYLOAD_VERSION,
        "meta": {
            "title": title,
            "as_of": as_of.isoformat() if isinstance(as_of, date) else as_of,
            "data_version": data_version,
            "offline": offline,
            "leaflet": assets.LEAFLET_VERSION,
            "filters": dict(filters or {}),
            "latest_claim": latest,
            # The timeline's dates and the statuses it shows: its steps are read after the
            # first draw, from the fm-steps element.
            "timeline": stops.meta(),
            # Only on maps that mark changes: other pages stay byte for byte as they were.
            **({"since": since, "since_removed": list(since_removed)} if since else {}),
        },
        "vocab": page_vocabulary(),
        "sites": _SITES_SLOT,
        "context": context,
        # The index of the first site of each fm-details element (fm-details-0, -1, ...).
        "details": details_starts,
    }
    data = _index_json(
        payload,
        bytes(features)
        if isinstance(features, EncodedSites)
        else join_columns([index_columns(index)]),
    )
    # The search words and steps are packed when the index is: a 10,000-site layer's words
    # (0.5 MB) would otherwise be plain, the larger part of its page's overhead. Large ones
    # are deflated at the same time as the index, in forked processes.
    packed = compress if compress is not None else len(data) > COMPRESS_OVER
    # A page that holds packed text is read as windows-1252 (packing.py); the rest of it is
    # then ASCII: JSON escapes in its data, character references in its markup.
    one_byte = packed or details_packed
    data_element, search_element, steps_element = _data_elements(
        [("fm-data", data), ("fm-search", search), ("fm-steps", steps)], packed, one_byte
    )
    del data, search, steps
    if one_byte and not details_packed:
        details_elements = [ascii_json(bytes(piece)) for piece in details_elements]
    leaflet_css, leaflet_js = assets.leaflet_css(), assets.leaflet_js()
    own_css, own_js = assets.own_asset("facilitymap.css"), assets.page_script()
    inline_scripts = [own_js.text]
    if offline:
        inline_scripts.insert(0, leaflet_js.text)
        head_assets = f"<style>{leaflet_css.text}</style>\n"
        body_scripts = "".join(f"<script>{text}</script>\n" for text in inline_scripts)
    else:
        head_assets = _link_tag(leaflet_css)
        body_scripts = _script_tag(leaflet_js) + f"<script>{own_js.text}</script>\n"
    manifest = _manifest([leaflet_css, leaflet_js, own_css, own_js], offline)
    charset = PACKED_PAGE_CHARSET if one_byte else "utf-8"
    head = "".join(
        [
            "<!DOCTYPE html>\n",
            f'<html lang="en">\n<head>\n<meta charset="{charset}">\n',
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
            '<meta http-equiv="Content-Security-Policy" content="',
            html.escape(_csp(inline_scripts, offline, read_self=one_byte)),
            '">\n<meta name="generator" content="facilitymap">\n',
            f"<title>{html.escape(title)}</title>\n",
            manifest,
            head_assets,
            f"<style>{own_css.text}</style>\n",
            "</head>\n<body>\n",
            '<div id="fm-app"><aside id="fm-panel" aria-label="Sites"></aside>',
            '<main id="fm-map" aria-label="Map"></main></div>\n',
            "<noscript><p>This map is drawn by JavaScript, which is turned off. The data is in "
            "the GeoJSON layer this page was made from.</p></noscript>\n",
        ]
    )
    # (The scripts and styles are ASCII: assets._checked.)
    return [
        head.encode("ascii", "xmlcharrefreplace") if one_byte else head.encode("utf-8"),
        data_element,
        body_scripts.encode("ascii"),
        search_element,
        steps_element,
        *details_elements,
        b"</body>\n</html>\n",
    ]


def _site_record(feature: Mapping[str, Any]) -> dict[str, Any]:
    """A feature as the page reads it: ``c`` = [lon, lat] of its glyph, ``g`` = its area."""
    geometry = feature.get("geometry")
    record: dict[str, Any] = {"id": feature.get("id"), "properties": feature.get("properties")}
    if geometry:
        if geometry.get("type") == "Point":
            record["c"] = geometry["coordinates"][:2]
        else:
            lon, lat = representative_point(geometry)  # type: ignore[misc]
            record["c"] = [round(lon, 6), round(lat, 6)]
            record["g"] = geometry
    for key in SITE_MEMBERS:
        if key in feature:
            record[key] = feature[key]
    return record


def script_json(value: Any) -> bytes:
    """JSON that can sit inside a ``<script>`` element: markup characters escaped."""
    return _escape_for_script(orjson.dumps(value))


def _escape_for_script(data: bytes) -> bytes:
    # Inside JSON these bytes occur only within strings, where \uXXXX means the same.
    for raw, escaped in _JSON_ESCAPES:
        data = data.replace(raw, escaped)
    return data


def _index_record(record: dict[str, Any]) -> PageSite:
    """What the page draws and lists a site by; its full properties follow in fm-details,
    its steps in fm-steps. (A Feature dict may hold anything: the page checks each value.)"""
    props = record.get("properties")
    props = props if isinstance(props, dict) else {}
    location = props.get("location")
    members: dict[str, Any] = {k: record[k] for k in SITE_MEMBERS if k in record and k != "steps"}
    members.update((k, props.get(k)) for k in PROPERTY_COLUMNS)
    return PageSite(
        record.get("id"),  # type: ignore[arg-type]
        c=record.get("c"),
        g=record.get("g"),
        precision_m=location.get("precision_m") if isinstance(location, dict) else None,
        **members,
    )


def _search_of(record: dict[str, Any]) -> list[Any]:
    """A site's search words (:class:`~facilitymap.render.payload.SiteSearch` as a list)."""
    props = record.get("properties")
    props = props if isinstance(props, dict) else {}
    names = props.get("local_names")
    return [
        [n["name"] for n in names if isinstance(n, dict) and "name" in n]
        if isinstance(names, list)
        else [],
        *(props.get(key) for key in ("admin1", "admin2", "admin3")),
    ]


def _steps_of(record: dict[str, Any]) -> list[Any]:
    """A site's timeline steps (:class:`~facilitymap.render.payload.PageStep` as lists); a
    Feature dict may carry anything there, and only lists of two items or more are steps."""
    steps = record.get("steps")
    if not isinstance(steps, list):
        return []
    return [step for step in steps if isinstance(step, list) and len(step) >= 2]


def latest_claim(dates: Iterable[Any]) -> str | None:
    """The latest of some claim dates, by the end of their period (:func:`dates.date_end`,
    the one ordering of dates): what the page header names. Values that are not ISO dates
    are passed over (a feature handed to :func:`build_html` may carry anything)."""
    latest, latest_end = None, None
    for text in dates:
        try:
            end = date_end(text)
        except (TypeError, ValueError):
            continue
        if latest_end is None or end > latest_end:
            latest, latest_end = text, end
    return latest


def _claim_dates(records: list[dict[str, Any]]) -> Iterable[Any]:
    for record in records:
        props = record.get("properties")
        claims = props.get("claims") if isinstance(props, dict) else None
        for claim in claims if isinstance(claims, list) else ():
            if isinstance(claim, dict):
                yield claim.get("date")


def _index_json(payload: dict[str, Any], sites: bytes) -> bytes:
    """The fm-data element's JSON: the payload, with its sites' index (already JSON)."""
    data = orjson.dumps(payload).replace(orjson.dumps(_SITES_SLOT), sites, 1)
    return ascii_json(data)


def _json_escapes(error: UnicodeError) -> tuple[str, int]:
    # A run of characters the ascii codec cannot encode, as JSON escapes (``\uXXXX``).
    assert isinstance(error, UnicodeEncodeError)
    return json.dumps(error.object[error.start : error.end])[1:-1], error.end


codecs.register_error("facilitymap-json-escapes", _json_escapes)


def ascii_json(data: bytes) -> bytes:
    r"""The JSON ``data`` with every non-ASCII character escaped (``\uXXXX``).

    A browser decodes ASCII into a one-byte string; one non-ASCII character makes the
    whole text two bytes a character, which took the page four times as long to decode
    (26 MB of index with 20,000 such characters: 160 ms against 40 ms).

    >>> ascii_json('{"name":"Вахон 🏔"}'.encode())
    b'{"name":"\\u0412\\u0430\\u0445\\u043e\\u043d \\ud83c\\udfd4"}'
    """
    if data.isascii():
        return data
    # Only strings hold non-ASCII characters in JSON. The codec hands each run of them to
    # the handler (a regular expression over the bytes took three times as long).
    return data.decode("utf-8").encode("ascii", "facilitymap-json-escapes")


def _details_elements(
    details: Sequence[DetailsPart], compress: bool | None
) -> tuple[list[int], list[bytes | memoryview], bool]:
    """The sites' full properties: one element, or when compressed, the elements
    :mod:`facilitymap.render.details` cuts them into, deflated (``data-first``: the index
    of the first site of each). Returns the index of each element's first site (what the
    page looks a site's element up by), the elements' HTML, in pieces of the page's bytes
    (plain: UTF-8), and whether they are packed."""
    elements = page_elements(details)
    if compress is None:
        compress = any(e.nbytes for e in elements) or sum(e.size for e in elements) > COMPRESS_OVER
    if not compress:
        if any(e.nbytes for e in elements):
            raise ValueError("details packed already: the page cannot show them plain")
        whole = b"[" + b",".join(item for e in elements for item in e.items) + b"]"
        element = _json_element("fm-details-0", whole, False, ' class="fm-details" data-first="0"')
        return [0], [element], False
    return (*elements_html(elements, _pack_over_cores), True)


def _pack_over_cores(elements: list[DetailsElement]) -> None:
    """Deflate and pack elements; many of them in forked processes, each a contiguous share
    (libdeflate holds the GIL; only the packed text comes back)."""
    if not elements:
        return
    count = workers() if len(elements) >= 8 else 1
    size = -(-len(elements) // count)
    shares = [elements[k : k + size] for k in range(0, len(elements), size)]

    def packed(share: list[DetailsElement]) -> list[tuple[int, bytes]]:
        pack_elements(share)
        return [(element.nbytes, element.packed.tobytes()) for element in share]

    for share, done in zip(shares, map_parts(packed, shares), strict=True):
        for element, (nbytes, text) in zip(share, done, strict=True):
            element.nbytes, element.packed, element.items = nbytes, memoryview(text), []


# Data elements are deflated side by side, in forked processes, when together they are
# larger than this (a fork and sending the text back cost ~10 ms).
PACK_APART_OVER = 4 << 20


def _data_elements(
    elements: list[tuple[str, bytes]], packed: bool, ascii: bool = False
) -> list[bytes]:
    """The JSON data elements (:func:`_json_element`, by id and data; plain ones in ASCII
    with ``ascii``); when large, each but the first deflated in a forked process while this
    one deflates the first."""

    def element(item: tuple[str, bytes]) -> bytes:
        return _json_element(item[0], item[1], packed, ascii=ascii)

    if packed and sum(len(data) for _, data in elements) > PACK_APART_OVER:
        return map_parts(element, elements)
    return [element(item) for item in elements]


def _json_element(
    element_id: str, data: bytes, compress: bool | None, attrs: str = "", *, ascii: bool = False
) -> bytes:
    """A JSON data element, as the page's bytes: plain (escaped for a script element; with
    ``ascii``, its other characters too) or deflated and packed."""
    if compress is None:
        compress = len(data) > COMPRESS_OVER
    if not compress:
        text = _escape_for_script(data)
        text = ascii_json(text) if ascii else text
        return b"".join(
            [f'<script type="application/json" id="{element_id}"{attrs}>'.encode(), text,
             b"</script>\n"]
        )  # fmt: skip
    nbytes, packed = deflate_and_pack(data)
    return b"".join(
        [
            f'<script type="application/json" id="{element_id}"{attrs} '
            f'data-encoding="{PACKED_ENCODING}" data-bytes="{nbytes}" '
            f'data-size="{len(data)}">'.encode(),
            packed,
            b"</script>\n",
        ]
    )


def _csp(inline_scripts: list[str], offline: bool, read_self: bool = False) -> str:
    """Content-Security-Policy: only our inline scripts (by hash) run; tiles are the only
    network requests an offline page makes, and, with ``read_self``, the page itself (a page
    of packed text that a server calls UTF-8 reads its data from its file: payload.js)."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in inline_scripts
    )
    cdn = "" if offline else f" {assets.leaflet_js().cdn_url}"
    cdn_css = "" if offline else f" {assets.leaflet_css().cdn_url}"
    cdn_img = (
        "" if offline else f" {(assets.leaflet_css().cdn_url or '').rsplit('/', 1)[0]}/images/"
    )
    return (
        "default-src 'none'; "
        f"script-src {hashes}{cdn}; "
        f"style-src 'unsafe-inline'{cdn_css}; "
        f"img-src data: {' '.join(TILE_ORIGINS)}{cdn_img}; "
        + ("connect-src 'self'; " if read_self else "")
        + "base-uri 'none'; form-action 'none'"
    )


def _manifest(parts: list[assets.Asset], offline: bool) -> str:
    how = "inlined" if offline else "linked"
    lines = [f"{a.name} ({a.origin}) sha256={a.sha256}" for a in parts]
    return f"<!-- facilitymap page assets, {how}:\n  " + "\n  ".join(lines) + "\n-->\n"


def _script_tag(asset: assets.Asset) -> str:
    return (
        f'<script src="{asset.cdn_url}" integrity="{asset.sri}" crossorigin="anonymous"></script>\n'
    )


def _link_tag(asset: assets.Asset) -> str:
    return (
        f'<link rel="stylesheet" href="{asset.cdn_url}" integrity="{asset.sri}" '
        'crossorigin="anonymous">\n'
    )
