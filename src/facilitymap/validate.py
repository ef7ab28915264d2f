"""Every validation rule, every problem at once.

Structural problems (not JSON, bad enums, missing fields) come from
:func:`facilitymap.io.parse_layer`; this module adds the rules that need a whole site or the whole layer.
"""

from __future__ import annotations

import functools
import os
import re
from collections import Counter
from datetime import date
from urllib.parse import urlsplit

import msgspec

from facilitymap.dates import parse_date_range
from facilitymap.gcpause import gc_paused
from facilitymap.geometry import check_geometries, check_geometry, is_right_hand
from facilitymap.io import (
    Layer,
    PlainRun,
    open_layer_file,
    parse_layer,
    parse_plain_run,
    parse_run_slowly,
    read_plain_run,
    split_plain_layer,
)
from facilitymap.model import (
    COUNTRY_PATTERN,
    DATE_PATTERN,
    LANG_PATTERN,
    LOCAL_ID_PATTERN,
    PATTERN_WORDS,
    Site,
    _short,
)
from facilitymap.parallel import chunk_count, keep_in_child, map_chunks, map_parts
from facilitymap.problems import Problem
from facilitymap.status import SUPPORTING_STANCES

# A point is "precise-looking" below this radius; only published coordinates justify it.
PRECISE_RADIUS_M = 1_000
# Bytes per site assumed when choosing whether to split a layer: a small site (a point,
# one claim, one source) takes about this much.
PLAIN_SITE_BYTES = 500


def validate_path(path: str | os.PathLike[str], *, today: date | None = None) -> list[Problem]:
    """Read, parse and validate one layer file; return every problem (never raises for data)."""
    return validate_file(path, today=today, in_parts=True)[0]


def validate_file(
    path: str | os.PathLike[str], *, today: date | None = None, in_parts: bool = False
) -> tuple[list[Problem], Layer | None]:
    """:func:`validate_path`, also returning the sites that parsed (None if the file is not
    a layer at all), for a caller that goes on to use them.

    ``in_parts``: a large layer may be parsed and checked in parts, in several processes,
    which is faster when only the problems are wanted; the layer returned is then None.
    """
    from facilitymap.errors import LayerError

    today = today or date.today()
    found = None
    try:
        with open_layer_file(path) as (file, size):
            if in_parts:
                found = _validate_in_parts(file.fileno(), size, str(path), today)
            data = file.read() if found is None else b""
    except LayerError as err:
        return err.problems, None
    if found is not None:
        return found, None
    with gc_paused():
        return _validate_bytes(data, str(path), today)


def _validate_bytes(data: bytes, path: str, today: date) -> tuple[list[Problem], Layer | None]:
    layer, problems = parse_layer(data, path)
    if layer is not None:
        problems += validate_layer(layer, path, today=today)
    return problems, layer


def _validate_in_parts(fd: int, size: int, path: str, today: date) -> list[Problem] | None:
    """Every problem of a large, plainly valid layer file, each process reading, parsing and
    checking its own run of features; None when that does not apply (one core, a small
    layer, or any structural problem, which the whole-layer parse explains).

    Only problems come back to this process, which reads a few kilobytes: the file is read
    in parallel too, and no page of a shared layer is copied on write.
    """
    # A site takes a few hundred bytes; the cut is in bytes, so no count of sites is needed.
    runs = split_plain_layer(fd, size, chunk_count(size // PLAIN_SITE_BYTES))
    if runs is None:
        return None
    check = functools.partial(_check_run, fd=fd, path=path, today=today)
    # Every run in a child: the sites are built and dropped there (freeing them one by one
    # would cost this process a tenth of the time).
    checked = map_parts(check, runs, in_children=True)
    if any(result is None for result in checked):
        return None
    checked = [_RUN_RESULT.decode(result) for result in checked]
    site_ids = [site_id for ids, *_ in checked for site_id in ids]
    # The same problems in the same order as validate_layer's.
    problems = _duplicate_ids(Counter(site_ids), path) if len(set(site_ids)) < len(site_ids) else []
    for index in (1, 2, 3):
        for result in checked:
            problems += result[index]
    return problems


# A run's site ids, per-site problems, country problems and archive notices, sent from the
# child as MessagePack: pickle takes ten times as long over 35,000 notices.
_RUN_RESULT = msgspec.msgpack.Decoder(tuple[list[str], list[Problem], list[Problem], list[Problem]])


def _check_run(run: PlainRun, fd: int, path: str, today: date) -> bytes | None:
    """Read, parse and check one run of features (see ``_RUN_RESULT``); None if the run
    does not parse the fast way."""
    text = read_plain_run(fd, run)
    sites = None if text is None else parse_plain_run(text, run)
    if sites is None and text is not None:
        # Read again: the fast path wrote over the text. A run with unknown properties is
        # still parsed here, in parallel; one with a structural problem is not (None).
        text = read_plain_run(fd, run)
        sites = None if text is None else parse_run_slowly(text, run)
    if sites is None:
        return None
    found, notices, is_point = _check_sites(sites, path, today)
    countries = _country_problems(sites, is_point, path)
    keep_in_child(sites)
    return msgspec.msgpack.encode(([site.id for site in sites], found, countries, notices))


def validate_layer(
    layer: Layer, path: str = "<layer>", *, today: date | None = None
) -> list[Problem]:
    """Check the rules that span a site or the layer. Returns problems; never raises."""
    today = today or date.today()
    problems = _duplicate_ids(Counter(site.id for site in layer.sites), path)
    # Chunks are checked in parallel on large layers; the order of the problems is the
    # same however many there are: per site, then countries, then archive notices.
    checked = map_chunks(functools.partial(_check_sites, path=path, today=today), layer.sites)
    is_point: list[bool] = []
    for found, _, flags in checked:
        problems += found
        is_point += flags
    problems += _country_problems(layer.sites, is_point, path)
    for _, notices, _ in checked:
        problems += notices
    return problems


def _duplicate_ids(counts: Counter, path: str) -> list[Problem]:
    return [
        Problem(path, site_id, "id", f"duplicate id: used by {count} sites")
        for site_id, count in sorted((k, n) for k, n in counts.items() if n > 1)
    ]


def _country_problems(sites: list[Site], is_point: list[bool], path: str) -> list[Problem]:
    points = [site for site, flag in zip(sites, is_point, strict=True) if flag]
    return [Problem(path, site_id, f, m) for site_id, f, m in check_countries(points)]


def _check_sites(
    sites: list[Site], path: str, today: date
) -> tuple[list[Problem], list[Problem], list[bool]]:
    """The per-site problems of ``sites``, their archive notices, and for each site whether it
    is a valid Point (the country check is done in bulk, over all of them)."""
    problems: list[Problem] = []
    is_point = []
    formats_ok = _all_formats_ok(sites, today)
    urls_ok = _all_urls_plain(sites)
    geometries = check_geometries([site.geometry for site in sites])
    for site, geometry_problems in zip(sites, geometries, strict=True):
        found = check_site(
            site,
            today,
            formats_ok=formats_ok,
            urls_ok=urls_ok,
            geometry_problems=geometry_problems,
        )
        if found:
            problems += [Problem(path, site.id, f, m, s) for f, m, s in found]
        geometry_ok = not found or not any(
            f.startswith("geometry") and s == "error" for f, _, s in found
        )
        is_point.append(
            geometry_ok and isinstance(site.geometry, dict) and site.geometry["type"] == "Point"
        )
    return problems, _archive_notice(sites, path), is_point


def _archive_notice(sites: list[Site], path: str) -> list[Problem]:
    """One notice per site listing its sources that have no archived copy.

    Link rot is certain over a dataset's life; a notice (not a warning, so ``--strict`` still
    passes) keeps the gap visible. ``facilitymap check-links`` reports the same per source.
    """
    found = []
    for site in sites:
        missing = [s.id for s in site.sources if not s.archive_url]
        if missing:
            shown = ", ".join(missing[:5]) + (
                f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            )
            found.append(
                Problem(
                    path,
                    site.id,
                    "sources",
                    f"{len(missing)} of {len(site.sources)} source(s) have no archive_url: {shown}",
                    "notice",
                )
            )
    return found


def check_site(
    site: Site,
    today: date,
    *,
    formats_ok: bool = False,
    urls_ok: bool = False,
    geometry_problems: list[tuple[str, str]] | None = None,
) -> list[tuple[str, str, str]]:
    """``(field, message, severity)`` for every rule this site breaks.

    What the caller already checked in bulk is not checked again: ``formats_ok``, every
    date, id and code of the site is well formed and no date is in the future
    (:func:`_all_formats_ok`); ``urls_ok``, every URL is a plain http(s) link
    (:func:`_all_urls_plain`); ``geometry_problems``, what ``check_geometry`` finds.
    """
    if geometry_problems is None:
        geometry_problems = check_geometry(site.geometry)
    found: list[tuple[str, str, str]] = [(f, m, "error") for f, m in geometry_problems]
    found += _check_location(site, geometry_ok=not geometry_problems)
    found += _check_references(site)
    if not urls_ok:
        found += _check_urls(site)
    formats = _check_formats(site) if not formats_ok else []
    found += formats
    if not formats:  # the rules below read dates and would choke on a bad one
        found += [] if formats_ok else _check_dates(site, today)
        found += _check_derived(site)
    found += _check_confidence(site)
    return found


@functools.lru_cache(maxsize=65_536)
def _format_problem(pattern: str, value: str) -> str | None:
    # Distinct values are few (c1, s0, en, 2019-02-18, ...): each is matched once.
    if not re.search(pattern, value):
        return f"{_short(value)} is not {PATTERN_WORDS[pattern]}"
    if pattern == DATE_PATTERN:
        try:
            parse_date_range(value)
        except ValueError as err:
            return str(err)
    return None


def _site_values(site: Site):
    """Every format-checked value of a site: ``(pattern, value, where)``; ``where`` is a tuple
    turned into a field name only when the value is wrong (most are right)."""
    yield COUNTRY_PATTERN, site.country, ("country",)
    yield DATE_PATTERN, site.first_reported, ("first_reported",)
    yield DATE_PATTERN, site.updated, ("updated",)
    for i, name in enumerate(site.local_names):
        yield LANG_PATTERN, name.lang, ("local_names", i, "lang")
    for i, ref in enumerate(site.location.sources):
        yield LOCAL_ID_PATTERN, ref, ("location.sources", i)
    for i, claim in enumerate(site.claims):
        yield LOCAL_ID_PATTERN, claim.id, ("claims", i, "id")
        yield DATE_PATTERN, claim.date, ("claims", i, "date")
        for k, ref in enumerate(claim.sources):
            yield LOCAL_ID_PATTERN, ref, ("claims", i, f"sources[{k}]")
    for i, source in enumerate(site.sources):
        yield LOCAL_ID_PATTERN, source.id, ("sources", i, "id")
        yield DATE_PATTERN, source.published, ("sources", i, "published")
        yield DATE_PATTERN, source.accessed, ("sources", i, "accessed")
        yield LANG_PATTERN, source.language, ("sources", i, "language")


def _all_formats_ok(sites: list[Site], today: date) -> bool:
    """Whether every date, id, country and language code in the layer is well formed, and no
    date is in the future.

    One pass collects the distinct values (a few thousand in a 100,000-site layer) and checks
    each once; only when one is wrong are sites checked one by one, to say where.
    """
    groups = _distinct_values(sites)
    dates = groups[DATE_PATTERN] - {None}
    return not any(
        _format_problem(pattern, value)
        for pattern, values in groups.items()
        for value in values
        if value is not None
    ) and all(parse_date_range(d)[0] <= today for d in dates)


def _distinct_values(sites: list[Site]) -> dict[str, set]:
    """The distinct values :func:`_site_values` gives for ``sites``, by pattern.

    The same walk written out as one loop with bound methods: a third of the time of going
    through ``_site_values`` (0.2 s against 0.55 s at 100,000 sites); a test keeps the two
    in step.
    """
    dates: set[str | None] = set()
    ids: set[str] = set()
    langs: set[str | None] = set()
    countries: set[str | None] = set()
    add_date, add_id, add_ids, add_lang = dates.add, ids.add, ids.update, langs.add
    for site in sites:
        add_date(site.first_reported)
        add_date(site.updated)
        countries.add(site.country)
        for name in site.local_names:
            add_lang(name.lang)
        add_ids(site.location.sources)
        for claim in site.claims:
            add_date(claim.date)
            add_id(claim.id)
            add_ids(claim.sources)
        for source in site.sources:
            add_date(source.published)
            add_date(source.accessed)
            add_id(source.id)
            add_lang(source.language)
    return {DATE_PATTERN: dates, LOCAL_ID_PATTERN: ids, LANG_PATTERN: langs,
            COUNTRY_PATTERN: countries}  # fmt: skip


def _field_name(where: tuple) -> str:
    if len(where) == 1:
        return where[0]
    if len(where) == 2:
        return f"{where[0]}[{where[1]}]"
    return f"{where[0]}[{where[1]}].{where[2]}"


def _check_formats(site: Site) -> list[tuple[str, str, str]]:
    """Dates, ids, country and language codes: the patterns the schema states."""
    out = []
    for pattern, value, where in _site_values(site):
        if value is not None:
            message = _format_problem(pattern, value)
            if message:
                out.append((_field_name(where), message, "error"))
    return out


def _check_location(site: Site, *, geometry_ok: bool) -> list[tuple[str, str, str]]:
    loc, geom = site.location, site.geometry
    out = []
    if geom is None and loc.basis != "unlocated":
        out.append(
            ("location.basis", f"is {loc.basis!r} but geometry is null: use 'unlocated'", "error")
        )
    if geom is not None and loc.basis == "unlocated":
        out.append(("location.basis", "is 'unlocated' but the site has a geometry", "error"))
    if isinstance(geom, dict) and geom.get("type") == "Point":
        if loc.precision_m is None:
            out.append(
                ("location.precision_m", "a Point needs a radius that contains the site", "error")
            )
        elif loc.precision_m < PRECISE_RADIUS_M and loc.basis != "published-coordinates":
            out.append(
                (
                    "location.precision_m",
                    f"{loc.precision_m:g} m looks precise but basis is {loc.basis!r}; "
                    "only published coordinates justify a radius under 1 km",
                    "warning",
                )
            )
    if (
        geometry_ok
        and isinstance(geom, dict)
        and geom["type"] in ("Polygon", "MultiPolygon")
        and not is_right_hand(geom)
    ):
        out.append(
            (
                "geometry",
                "polygon rings do not follow the right-hand rule "
                "(RFC 7946 §3.1.6); `save_layer` rewinds them",
                "warning",
            )
        )
    return out


def _check_references(site: Site) -> list[tuple[str, str, str]]:
    out = []
    source_ids = {source.id for source in site.sources}
    if len(source_ids) < len(site.sources):
        counts = Counter(source.id for source in site.sources)
        out += [
            ("sources", f"duplicate source id {k!r}", "error") for k, n in counts.items() if n > 1
        ]
    if len({claim.id for claim in site.claims}) < len(site.claims):
        counts = Counter(claim.id for claim in site.claims)
        out += [
            ("claims", f"duplicate claim id {k!r}", "error") for k, n in counts.items() if n > 1
        ]
    cited = set()
    for i, claim in enumerate(site.claims):
        for ref in claim.sources:
            cited.add(ref)
            if ref not in source_ids:
                out.append((f"claims[{i}].sources", f"cites unknown source {ref!r}", "error"))
    for ref in site.location.sources:
        cited.add(ref)
        if ref not in source_ids:
            out.append(("location.sources", f"cites unknown source {ref!r}", "error"))
    for i, source in enumerate(site.sources):
        if source.id not in cited:
            out.append((f"sources[{i}]", f"source {source.id!r} is cited by no claim", "warning"))
    return out


_PLAIN_HTTP_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::\d+)?(?:[/?#][!-~]*)?\Z")


def url_problem(url: str) -> str | None:
    """Why a URL is refused, or None: only absolute http(s) URLs with a host are links."""
    if _PLAIN_HTTP_URL.match(url):  # the common case: printable ASCII, a plain host
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return f"{url[:80]!r} is not a URL"
    if parts.scheme.lower() not in ("http", "https"):
        scheme = parts.scheme or "no scheme"
        return f"only http(s) links are allowed, got {scheme}: {url[:80]!r}"
    if not parts.hostname:
        return f"URL has no host: {url[:80]!r}"
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return f"URL contains spaces or control characters: {url[:80]!r}"
    return None


def _all_urls_plain(sites: list[Site]) -> bool:
    """Whether every URL of ``sites`` is a plain http(s) link, so none has a problem."""
    match = _PLAIN_HTTP_URL.match
    return all(
        match(url)
        for site in sites
        for source in site.sources
        for url in (source.url, source.archive_url)
        if url is not None
    )


def _check_urls(site: Site) -> list[tuple[str, str, str]]:
    out = []
    for i, source in enumerate(site.sources):
        for name in ("url", "archive_url"):
            value = getattr(source, name)
            if value is None:
                continue
            reason = url_problem(value)
            if reason:
                out.append((f"sources[{i}].{name}", reason, "error"))
    return out


def _check_dates(site: Site, today: date) -> list[tuple[str, str, str]]:
    out = []
    for pattern, value, where in _site_values(site):
        if pattern is DATE_PATTERN and value is not None and parse_date_range(value)[0] > today:
            out.append((_field_name(where), f"{value} is in the future", "error"))
    return out


def _check_derived(site: Site) -> list[tuple[str, str, str]]:
    derived = site.derive()
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


def _check_confidence(site: Site) -> list[tuple[str, str, str]]:
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


def check_countries(sites: list[Site]) -> list[tuple[str, str, str]]:
    """``(site id, field, message)`` for each valid Point site outside its declared country.

    Uses the context layer's Natural Earth outlines (``facilitymap.context``) with its 5 km
    tolerance: the width of a border line at 1:10m scale. The point must lie in the country
    even when the site's radius reaches across a border: the point is the reference place or
    estimate the location note describes, and it is that point a reader sees.
    """
    from facilitymap import context

    if not sites:
        return []
    positions = [s.geometry["coordinates"] for s in sites]
    lons = [position[0] for position in positions]
    lats = [position[1] for position in positions]
    results = context.check_countries(lons, lats, [s.country for s in sites])
    return [
        (site.id, "geometry.coordinates", f"[{lon}, {lat}] {result}")
        for site, lon, lat, result in zip(sites, lons, lats, results, strict=True)
        if result is not None
    ]
