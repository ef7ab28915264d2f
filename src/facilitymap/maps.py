"""How one map is made from a layer, and how ``build`` makes every declared one.

A map may draw other layers than the top-level one: ``layer = "geodata/other.geojson"``, or a
list of files drawn together in one view (their site ids must not clash)::

    [[map]]
    name = "tajikistan-and-cambodia"
    output = "shaymak-and-ream.html"
    layer = ["geodata/sites.geojson", "geodata/china-overseas.geojson"]

A map is: the sites that pass the filters (:func:`facilitymap.listing.select_sites`), each as
a GeoJSON Feature with its status derived as of the map's date and the claims known by then,
and its status at each earlier claim date for the timeline (:func:`status_steps`), drawn by
:func:`facilitymap.render.build_html`. Which maps a project declares is ``maps.toml``
(:mod:`facilitymap.mapconfig`).
"""

from __future__ import annotations

import functools
import itertools
import operator
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from time import perf_counter
from typing import Any, NamedTuple

import msgspec

from facilitymap.atomic import write_atomic
from facilitymap.dates import date_end
from facilitymap.errors import FacilitymapError
from facilitymap.gcpause import gc_paused
from facilitymap.geometry import canonical_geometry, representative_points
from facilitymap.io import (
    Layer,
    PlainRun,
    file_sha256,
    invalid_layer,
    load_layer,
    open_layer_file,
    read_and_parse_run,
    site_to_feature,
    split_plain_layer,
)
from facilitymap.listing import select_sites
from facilitymap.mapconfig import DEFAULT_CONFIG as DEFAULT_CONFIG
from facilitymap.mapconfig import BuildConfig as BuildConfig
from facilitymap.mapconfig import MapSpec as MapSpec
from facilitymap.mapconfig import ScreenshotSpec as ScreenshotSpec
from facilitymap.mapconfig import load_config as load_config
from facilitymap.model import Claim, Site, site_weight
from facilitymap.parallel import (
    Background,
    SharedQueue,
    keep_in_child,
    map_chunks,
    map_parts,
    workers,
)
from facilitymap.problems import Problem, errors
from facilitymap.render.details import (
    NO_DETAILS,
    DetailsPart,
    details_part,
    details_size,
    join_details,
    pack_elements,
    page_end,
    page_start,
)
from facilitymap.render.page import (
    COMPRESS_OVER,
    EncodedSites,
    TimelineStops,
    latest_claim,
    page_pieces,
    page_text,
)
from facilitymap.render.payload import (
    IndexColumns,
    PageSite,
    PageStep,
    SiteSearch,
    index_columns,
    join_columns,
)
from facilitymap.status import Derived, StatusFold, derive_site, position_words

DEFAULT_TITLE = "facilitymap"


def with_changes_since(layer: Layer, spec: MapSpec) -> MapSpec:
    """``spec`` with the changes since ``spec.since`` worked out (git is read once per map)."""
    if spec.since is None or spec.since_changes is not None:
        return spec
    from facilitymap.diff import SinceChanges, changes_since

    if not isinstance(layer, CombinedLayer):
        return replace(spec, since_changes=changes_since(layer, spec.since))
    # Each file has its own history: the map marks what changed in any of them.
    parts = [changes_since(part, spec.since) for part in layer.parts]
    merged = SinceChanges(
        parts[0].label,
        {site: lines for part in parts for site, lines in part.changes.items()},
        frozenset().union(*(part.added for part in parts)),
        tuple(name for part in parts for name in part.removed),
    )
    return replace(spec, since_changes=merged)


@dataclass
class CombinedLayer(Layer):
    """Several layers drawn in one map: their sites together, each file still named."""

    parts: tuple[Layer, ...] = ()


def combine_layers(layers: Sequence[Layer]) -> Layer:
    """One layer holding the sites of ``layers`` in order (a single layer is returned as is).

    Raises
    ------
    FacilitymapError
        When two layers hold a site with the same id (the page could not tell them apart).
    """
    if len(layers) == 1:
        return layers[0]
    where: dict[str, Path | None] = {}
    for part in layers:
        for site in part.sites:
            if site.id in where:
                raise FacilitymapError(
                    f"site {site.id!r} is in both {where[site.id]} and {part.path}: "
                    "layers drawn together need distinct site ids"
                )
            where[site.id] = part.path
    return CombinedLayer(
        sites=[site for part in layers for site in part.sites],
        extra_members=dict(layers[0].extra_members),
        parts=tuple(layers),
    )


@dataclass(frozen=True)
class BuiltMap:
    """What ``build`` did for one map."""

    spec: MapSpec
    path: Path
    sites: int
    size: int
    seconds: float
    changed: bool = True


# ---------------------------------------------------------------------------- one map


def _selected(layer: Layer, spec: MapSpec) -> list[tuple[Site, SiteTimeline]]:
    """The sites of a map with their status steps and status at the map's date: every site
    the page's timeline can show, i.e. that passes the status filter at one of its steps (the
    page hides it on the days it does not, as ``render --as-of`` that day would)."""
    return _chosen(_candidates(layer, spec), spec)


def _candidates(layer: Layer, spec: MapSpec) -> list[Site]:
    """The sites that pass the map's filters other than status (which needs the steps)."""
    return list(
        select_sites(
            layer.sites,
            kinds=spec.kinds,
            countries=spec.countries,
            min_confidence=spec.min_confidence,
            as_of=spec.as_of,
        )
    )


def _chosen(
    sites: Sequence[Site], spec: MapSpec, timelines: Mapping[int, SiteTimeline] | None = None
) -> list[tuple[Site, SiteTimeline]]:
    """The sites of ``sites`` the map shows on some day, with their timelines (those in
    ``timelines``, by ``id(site)``, already found as of the map's date)."""
    chosen = []
    for site in sites:
        timeline = timelines.get(id(site)) if timelines else None
        if timeline is None:
            timeline = site_timeline(site, spec.as_of)
        statuses = [step.status for step in timeline.steps] or [timeline.derived.status]
        if not spec.statuses or any(status in spec.statuses for status in statuses):
            chosen.append((site, timeline))
    return chosen


def shown_at_map_date(steps: list[PageStep], spec: MapSpec) -> bool:
    """Whether a site is on the map at the map's own date (its last step). A site without
    claims has no step: it is on every day (the status filter kept it or left it out)."""
    return not steps or not spec.statuses or steps[-1].status in spec.statuses


def claims_in_page_order(claims: Sequence[Claim]) -> list[Claim]:
    """Claims as the page lists them: by the end of their date, then id."""
    return sorted(claims, key=lambda c: (date_end(c.date), c.id))


def status_steps(site: Site, as_of: date | None = None) -> list[PageStep]:
    """The site's status at each day a claim of it is dated (claims after ``as_of`` ignored):
    one step per distinct day, the first being the day the site is first on record."""
    return site_timeline(site, as_of).steps


class SiteTimeline(NamedTuple):
    """What a map shows of a site's claims, found in one pass over them."""

    steps: list[PageStep]  # status_steps
    derived: Derived  # its status at the map's date (derive_site)
    known: list[Claim]  # its claims known at the map's date, in page order
    latest: str | None  # the date of the latest of those (as latest_claim picks it)


def site_timeline(site: Site, as_of: date | None = None) -> SiteTimeline:
    """:func:`status_steps`, the site's status at ``as_of``, and its claims known then."""
    claims = site.claims
    # Each claim's day parsed once; the claims are added to one fold in date order (a day's
    # claims in file order: the sort is stable), and a step is read off after each day's
    # last claim.
    ends = [date_end(c.date) for c in claims]
    order = sorted(range(len(ends)), key=ends.__getitem__)
    fold = StatusFold(site.sources, country=site.country, governments=site.governments)
    add = fold.add
    steps: list[PageStep] = []
    derived = None
    for k, index in enumerate(order):
        day = ends[index]
        if as_of is not None and day > as_of:
            break
        add(index, claims[index], day)
        if k + 1 < len(order) and ends[order[k + 1]] == day:
            continue  # the step begins with the day's last claim
        derived = fold.result()
        steps.append(
            PageStep(
                day.isoformat(),
                derived.status,
                derived.official_status,
                derived.evidence,
                k + 1,
                list(derived.deciding_claims),
                official_words(derived),
            )
        )
    # Page order: by day, then id; the claims known at the map's date are the first of them
    # (all of them on a site with no step).
    page = sorted(range(len(ends)), key=lambda i: (ends[i], claims[i].id))
    if steps:
        page = page[: steps[-1].claims]
    latest = None
    if page:
        last_day = ends[page[-1]]
        latest = next(claims[i].date for i in page if ends[i] == last_day)
    return SiteTimeline(steps, derived or fold.result(), [claims[i] for i in page], latest)


def map_features(layer: Layer, spec: MapSpec, *, timeline: bool = False) -> list[dict[str, Any]]:
    """The sites of a map as GeoJSON Features, status and claims as of ``spec.as_of``.

    Each Feature carries foreign members the page shows: ``deciding_claims`` (the ids
    of the claims that decide its status), ``official_words`` (who holds which official
    position, when a government denies or more than one is concerned) and, on an as-of map,
    ``later_claims`` (how many claims were left out because they came later). Claims are in
    page order (:func:`claims_in_page_order`). With ``timeline``, also the sites the page's
    timeline can show (:func:`_selected`), each with ``steps`` (:class:`PageStep` as lists):
    what the page is given.
    """
    changes = _changes(layer, spec)
    features = []
    for site, (steps, derived, known, _) in _selected(layer, spec):
        if not (timeline or shown_at_map_date(steps, spec)):
            continue
        feature = site_to_feature(site.replace(claims=known), as_of=spec.as_of)
        feature["deciding_claims"] = list(derived.deciding_claims)
        if site.id in changes:
            feature["changes"] = list(changes[site.id])
        words = official_words(derived)
        if words is not None:
            feature["official_words"] = words
        if len(known) < len(site.claims):
            feature["later_claims"] = len(site.claims) - len(known)
        if timeline:
            feature["steps"] = [msgspec.to_builtins(step) for step in steps]
            if not shown_at_map_date(steps, spec):
                feature["hidden"] = True
        features.append(feature)
    return features


def official_words(derived: Derived) -> str | None:
    """Who holds which official position ("denied by Tajikistan and China"), for the page;
    None when no government denies and only the host is concerned (the label says it all,
    and a large layer's page stays small)."""
    if derived.denied_by or len(derived.positions) > 1:
        return _position_words(derived.positions)
    return None


# The same few combinations of positions come back on every step of every site.
_position_words = functools.lru_cache(maxsize=4096)(position_words)


_ENCODE = msgspec.json.Encoder()


def page_sites(layer: Layer, spec: MapSpec, *, pack: bool = True) -> EncodedSites:
    """The page's sites as JSON, straight from the records (no dict per site).

    The index and details :func:`facilitymap.render.build_html` makes from
    ``map_features(layer, spec)`` (a test checks it), except unknown properties, which the
    page does not show; several times faster for large layers, where building a dict per
    site dominated a render. Large layers are encoded in chunks over the cores, which deflate
    the page's details elements as well (without ``pack``, each site's JSON is kept:
    :func:`facilitymap.render.details.details_items`).
    """
    encode = functools.partial(
        _encode_page_sites, spec=spec, changes=_changes(layer, spec) or None, pack=pack
    )
    # Choosing a site needs its status steps, the dearest part: done in the chunks too.
    return _encoded_sites(map_chunks(encode, _candidates(layer, spec), weight=site_weight))


class PagePart(NamedTuple):
    """Some sites' part of the page (:func:`_encode_page_sites`)."""

    sites: IndexColumns  # their PageSites (the index)
    details: DetailsPart  # their full properties
    search: bytes | memoryview  # JSON array of their SiteSearch
    steps: bytes | memoryview  # JSON array of their lists of PageSteps
    shown: int  # how many the map shows at its own date
    latest: str | None  # the latest claim date among them
    days: list[str]  # TimelineStops of them
    statuses: list[str]


def _encoded_sites(
    parts: Sequence[PagePart], details: Sequence[DetailsPart] | None = None
) -> EncodedSites:
    """The page's sites from their parts, in order (their details given apart, or theirs)."""
    encoded = EncodedSites(join_columns([part.sites for part in parts]))
    encoded.details = [part.details for part in parts] if details is None else details
    encoded.search = [part.search for part in parts]
    encoded.steps = [part.steps for part in parts]
    encoded.count = sum(part.shown for part in parts)
    encoded.latest_claim = latest_claim(part.latest for part in parts)
    encoded.timeline = TimelineStops()
    for part in parts:
        encoded.timeline.days.update(part.days)
        encoded.timeline.statuses.update(part.statuses)
    return encoded


def _changes(layer: Layer, spec: MapSpec) -> dict[str, tuple[str, ...]]:
    return with_changes_since(layer, spec).since_changes.changes if spec.since else {}


def _encode_page_sites(
    candidates: Sequence[Site],
    spec: MapSpec,
    changes: dict[str, tuple[str, ...]] | None = None,
    pack: bool = True,
    timelines: Mapping[int, SiteTimeline] | None = None,
    as_read: Mapping[int, bytes] | None = None,
) -> PagePart:
    """The part of the page of the chosen ones of ``candidates`` (:func:`_chosen`); with
    ``pack``, the details elements its sites alone decide are deflated here, if the page will
    be compressed (:data:`~facilitymap.render.page.COMPRESS_OVER`: these sites' details alone
    are over it). ``timelines``: as for :func:`_chosen`. ``as_read``: sites' properties as
    JSON by ``id(site)``, as the layer's reader encoded them (``ParsedRun.properties``), taken
    as their details where the page shows the site as it was read (:func:`_shown_as_read`)."""
    sites = _chosen(candidates, spec, timelines)
    records, details, searches, site_steps = [], [], [], []
    shown = 0
    stops = TimelineStops(spec.statuses or ())
    areas: list[PageSite] = []  # lines and polygons: their label point is found in bulk
    for site, (steps, derived, claims, _) in sites:
        on_map = shown_at_map_date(steps, spec)
        shown += on_map
        site_steps.append(steps)
        stops.add(derived.status, ((step.date, step.status) for step in steps))
        later = (len(site.claims) - len(claims)) or None
        properties = as_read.get(id(site)) if as_read is not None else None
        if properties is None or not _shown_as_read(site, claims, derived):
            properties = _ENCODE.encode(
                site.replace(
                    claims=claims,
                    official_status=derived.official_status,
                    evidence=derived.evidence,
                    status=derived.status,
                    id="",
                    geometry=None,
                    extra={},
                    extra_members={},
                )
            )
        record = PageSite(
            id=site.id,
            deciding_claims=list(derived.deciding_claims),
            official_words=official_words(derived),
            later_claims=later,
            changes=list(changes[site.id]) if changes and site.id in changes else None,
            hidden=not on_map,
            name=site.name,
            status=derived.status,
            confidence=site.confidence,
            precision_m=site.location.precision_m,
        )
        details.append(properties)
        searches.append(
            SiteSearch([n.name for n in site.local_names], site.admin1, site.admin2, site.admin3)
        )
        geometry = canonical_geometry(site.geometry, site.location.precision_m)
        if geometry is not None:
            if geometry["type"] == "Point":
                record.c = geometry["coordinates"]
            else:
                record.g = geometry
                areas.append(record)
        records.append(record)
    for record, (lon, lat) in zip(
        areas, representative_points([r.g for r in areas if r.g]), strict=True
    ):
        record.c = [round(lon, 6), round(lat, 6)]
    pack = pack and sum(map(len, details)) > COMPRESS_OVER
    return PagePart(
        index_columns(records),
        details_part(details, pack=pack),
        _ENCODE.encode(searches),
        _ENCODE.encode(site_steps),
        shown,
        latest_claim(timeline.latest for _, timeline in sites),
        sorted(stops.days),
        sorted(stops.statuses),
    )


def _shown_as_read(site: Site, claims: list[Claim], derived: Derived) -> bool:
    """Whether the page's details of ``site`` are its properties as read: it shows every
    claim, in the file's order, and the derived fields the site declares (as a layer that
    passes its checks does; the page leaves out unknown properties, which a site read the
    fast way has none of)."""
    return (
        len(claims) == len(site.claims)
        and all(map(operator.is_, claims, site.claims))
        and derived.official_status == site.official_status
        and derived.evidence == site.evidence
        and derived.status == site.status
        and not site.extra
    )


def data_version(layer: Layer) -> str:
    """Words that identify the data: file name, SHA-256 prefix, latest record update."""
    if isinstance(layer, CombinedLayer):
        return "; ".join(data_version(part) for part in layer.parts)
    return _version_words(layer.path, layer.sha256, _latest_update(layer.sites))


def _latest_update(sites: Sequence[Site]) -> str | None:
    """The latest ``updated`` date of the sites (ordered by :func:`dates.date_end`)."""
    return latest_claim(site.updated for site in sites if site.updated)


def _version_words(path: Path | None, sha256: str | None, updated: str | None) -> str:
    name = path.name if path else "layer"
    digest = sha256[:12] if sha256 else "not recorded"
    text = f"{name}, SHA-256 {digest}"
    if updated:
        text += f", records updated up to {updated}"
    return text


def default_context(layer: Layer | None = None) -> dict[str, Any] | None:
    """Country borders to draw under the sites, when the context layer is available: those
    around the layer's sites (:func:`facilitymap.context.borders_for`), all without a layer."""
    try:
        from facilitymap.context import extent_of
    except ImportError:  # the context capability is optional
        return None
    if layer is None:
        return _context_around(None, everything=True)
    return _context_around(extent_of(site.geometry for site in layer.sites))


def _read_borders() -> None:
    """Read the world's borders now (cached by :mod:`facilitymap.context`), if they are
    there: processes forked after share them. Where they are missing, what needs them says
    so."""
    try:
        from facilitymap.context import region_bbox
    except ImportError:  # the context capability is optional
        return
    try:
        region_bbox()
    except FileNotFoundError:
        return


def _context_around(
    extent: tuple[float, ...] | None, *, everything: bool = False
) -> dict[str, Any] | None:
    """Country borders around ``extent`` (all of them with ``everything``)."""
    try:
        from facilitymap.context import borders_for, load_countries
    except ImportError:  # the context capability is optional
        return None
    try:
        return load_countries() if everything else borders_for(extent)
    except FileNotFoundError:
        return None


def render_map(layer: Layer, spec: MapSpec, *, context: dict[str, Any] | bool | None = True) -> str:
    """The HTML page of one map.

    Parameters
    ----------
    layer : Layer
        A loaded, validated layer (:func:`facilitymap.io.load_layer`).
    spec : MapSpec
        Filters, date, title and offline mode.
    context : dict, bool
        Country borders (a FeatureCollection); True loads the project's
        (:func:`default_context`), False or None draws none.
    """
    return make_map(layer, spec, context=context).html


@dataclass(frozen=True)
class MadeMap:
    """A map's page, as the pieces of its file's bytes (``render.page.page_pieces``: written
    as they are, a large page is never joined into one copy), and how many sites it shows
    (what the CLI reports)."""

    pieces: list[bytes | memoryview]
    sites: int

    @property
    def page(self) -> bytes:
        """The bytes of the page's file."""
        return b"".join(self.pieces)

    @property
    def html(self) -> str:
        """The page as text (``render.page.page_text``)."""
        return page_text(self.page)


def make_map(
    layer: Layer, spec: MapSpec, *, context: dict[str, Any] | bool | None = True
) -> MadeMap:
    """:func:`render_map`, with the number of sites the page shows."""
    spec = with_changes_since(layer, spec)
    with gc_paused():
        sites = page_sites(layer, spec)
        return MadeMap(_page(layer, spec, sites, context), sites.count)


def _page(layer: Layer, spec: MapSpec, features: Any, context: Any) -> list[bytes | memoryview]:
    if context is True:
        context = default_context(layer)
    return _page_of(
        spec,
        features,
        context,
        name=layer.extra_members.get("name"),
        version=data_version(layer),
        since=with_changes_since(layer, spec).since_changes,
    )


def _page_of(
    spec: MapSpec, features: Any, context: Any, *, name: Any, version: str, since: Any = None
) -> list[bytes | memoryview]:
    """The page of a map's sites, in pieces; ``name``: the layer's own, ``version``: its
    data_version."""
    return page_pieces(
        features,
        title=spec.title or str(name or DEFAULT_TITLE),
        as_of=spec.as_of,
        since=since.label if since else None,
        since_removed=since.removed if since else (),
        data_version=version,
        context=context or None,
        offline=spec.offline,
        filters=spec.filters(),
    )


# ---------------------------------------------------------------------------- build


def build_maps(
    config: BuildConfig,
    layer: Layer,
    *,
    output_dir: Path | None = None,
    screenshot: bool | None = None,
    progress: Callable[[str], None] = lambda message: None,
) -> list[BuiltMap]:
    """Render every declared map into the output folder; write only what changed.

    Parameters
    ----------
    config : BuildConfig
        From :func:`load_config`.
    layer : Layer
        The loaded layer ``config.layer``.
    output_dir : Path, optional
        Write here instead of ``config.output_dir`` (tests compare the two).
    screenshot : bool, optional
        True: take the README screenshot (fail when Chromium or Playwright is missing).
        None: take it when a map changed or the PNG is missing, and Chromium is available.
        False: never.
    progress : callable
        Called with one line per step (the CLI prints them on stderr).
    """
    out = output_dir or config.output_dir
    out.mkdir(parents=True, exist_ok=True)
    loaded = {config.layer.resolve(): layer}
    contexts: dict[tuple[Path, ...], dict[str, Any] | None] = {}

    def layer_of(spec: MapSpec) -> tuple[Layer, dict[str, Any] | None]:
        """The layer(s) a map draws, each file read once per build, and the borders around
        their sites (worked out once per set of files)."""
        files = tuple(file.resolve() for file in spec.layers or (config.layer,))
        parts = []
        for file, key in zip(spec.layers or (config.layer,), files, strict=True):
            if key not in loaded:
                progress(f"{file}: loading")
                loaded[key] = load_layer(file)
            parts.append(loaded[key])
        combined = combine_layers(parts)
        if files not in contexts:
            contexts[files] = default_context(combined)
        return combined, contexts[files]

    built = []
    for number, spec in enumerate(config.maps, 1):
        started = perf_counter()
        map_layer, context = layer_of(spec)
        with gc_paused():
            spec = with_changes_since(map_layer, spec)
            sites = page_sites(map_layer, spec)
            data = b"".join(_page(map_layer, spec, sites, context))
        path = out / spec.output
        changed = not path.is_file() or path.read_bytes() != data
        if changed:
            write_atomic(path, data)
        result = BuiltMap(spec, path, sites.count, len(data), perf_counter() - started, changed)
        built.append(result)
        progress(
            f"[{number}/{len(config.maps)}] {path}: {spec.describe(result.sites)}, "
            f"{result.size / 1024:,.0f} KiB, {result.seconds:.2f} s"
            + ("" if changed else " (unchanged)")
        )
        if not result.sites:
            progress(f"warning: {path} shows no site: nothing in the layer passes its filters")
    if config.screenshot and screenshot is not False:
        _screenshot(config.screenshot, out, built, screenshot, progress)
    return built


def _screenshot(
    shot: ScreenshotSpec,
    out: Path,
    built: list[BuiltMap],
    force: bool | None,
    progress: Callable[[str], None],
) -> None:
    from facilitymap.render.screenshot import ScreenshotUnavailable, take_screenshot

    png = out / shot.output
    source = next(b for b in built if b.spec.name == shot.map)
    if force is None and png.is_file() and not source.changed:
        progress(f"{png}: map unchanged, screenshot kept")
        return
    try:
        take_screenshot(source.path, png, width=shot.width, height=shot.height)
    except ScreenshotUnavailable as err:
        if force or png.is_file():  # a PNG of the previous map must not pass for this one
            raise ScreenshotUnavailable(
                f"{png}: not updated, so it shows the previous map: {err}; "
                "install it, or pass --no-screenshot"
            ) from None
        progress(f"{png}: screenshot skipped: {err}")
        return
    progress(f"{png}: screenshot of {source.path.name}")


# ---------------------------------------------------------------------------- a large file


# Files over this size are mapped in runs (:func:`make_map_of_file`): parsing, checking and
# encoding are then split over the cores too.
MAP_IN_RUNS_OVER = 1 << 22
RUNS_PER_PROCESS = 8
# A run is ~0.5 s of work at this size (sites written like the curated ones); smaller runs
# balance better but each costs a little more (16 MB runs: up to ~1 s between processes
# at the end; 4 MB: no faster overall, on trimmed 100,000).
MAP_RUN_BYTES = 1 << 23
# Timelines of at most about this many sites a process keeps instead of freeing (_page_runs).
KEPT_TIMELINES = 10_000


class _RunPage(msgspec.Struct, array_like=True):
    """What a process sends back for a run of a layer file (see :func:`make_map_of_file`):
    the run's checks, and its sites' part of the page (:class:`PagePart`: the JSON of its
    index's columns, search words and steps follows in the same bytes, ``sizes`` long;
    ``used``: which of the columns hold more than their default; its details come in a
    :class:`_DetailsChain`)."""

    run: int  # which run of the file
    ids: list[str]
    found: list[Problem]  # per-site problems
    countries: list[Problem]
    notices: list[Problem]
    sizes: list[int] | None  # None when the run has an error (no map)
    used: list[bool]
    shown: int
    latest: str | None
    days: list[str]
    statuses: list[str]
    extent: tuple[float, ...] | None
    updated: str | None
    name: str | None


def make_map_of_file(
    path: str | os.PathLike[str], spec: MapSpec, *, context: bool = True, today: date | None = None
) -> MadeMap | None:
    """:func:`make_map` of the layer file ``path``, checked as ``load_layer`` checks it, without
    ever holding the whole layer: each process reads, parses, checks and encodes runs of
    features, and sends back only their part of the page. None where this does not apply
    (a small file, a map marking changes, or a file not cut into runs the fast way): the
    caller loads the layer and calls :func:`make_map`. The page is the same, byte for byte.

    At 10,000 sites written like the curated ones (143 MB), a loaded layer takes twice the
    file's size in memory, and the page's data as much again; here the largest process
    holds a run's sites and the page's data.

    Raises
    ------
    LayerError
        As :func:`facilitymap.io.load_layer` would, with every problem found.
    """
    from facilitymap.validation.layer import problems_in_order

    if spec.since is not None:
        return None
    today = today or date.today()
    with open_layer_file(path) as (file, size):
        if size < MAP_IN_RUNS_OVER:
            return None
        runs = split_plain_layer(file.fileno(), size, fractions=_run_fractions(size, workers()))
        if runs is None:
            return None
        # Each process starts on its share of the runs (contiguous, of about equal bytes) and
        # then helps with the others' (SharedQueue); every run in a child, so that this
        # process never holds sites.
        queue = SharedQueue(_share_bounds(runs, workers()))
        work = functools.partial(
            _page_runs, queue=queue, runs=runs, fd=file.fileno(), path=str(path), spec=spec,
            today=today,
        )  # fmt: skip
        with gc_paused():
            # The file's hash is taken while the borders are read and the runs worked on.
            sha256 = Background(functools.partial(file_sha256, file))
            try:
                # The world's borders, which every process checks its sites' countries
                # against, read once here and shared by the processes forked below, rather
                # than read in each.
                _read_borders()
                sent = map_parts(work, range(queue.shares), in_children=True)
            finally:
                queue.close()
            digest = sha256.result()
            received = _received(sent, len(runs))
            if received is None:
                return None
            pages, parts, chains = received
            problems = problems_in_order(
                str(path),
                [site_id for page in pages for site_id in page.ids],
                (problem for page in pages for problem in page.found),
                (problem for page in pages for problem in page.countries),
                (problem for page in pages for problem in page.notices),
            )
            if errors(problems):
                raise invalid_layer(path, problems)
            sites = _encoded_sites(parts, [chain.details for chain in chains])
            del sent, received, parts, chains
            return _map_of_parts(pages, sites, Path(path), digest, spec, context)


def _received(
    sent: list[bytes | None], runs: int
) -> tuple[list[_RunPage], list[PagePart], list[_DetailsChain]] | None:
    """What the processes sent (:func:`_page_runs`), in the order of the runs: each run's
    page, the parts of the page of those without an error, and the chains of details; None
    when a process did not send all of it."""
    if any(data is None for data in sent):
        return None
    pages: list[tuple[_RunPage, PagePart | None]] = []
    chains: list[_DetailsChain] = []
    for data in sent:
        view = memoryview(data)  # type: ignore[arg-type]
        at = 8 + int.from_bytes(view[:8], "little")
        sent_pages, sent_chains = _RUN_PAGES.decode(view[8:at])
        chains += sent_chains
        for page in sent_pages:
            part = None
            if page.sizes is not None:
                # Views of what the process sent, not copies.
                *columns, search, steps = (view[at : (at := at + size)] for size in page.sizes)
                part = PagePart(
                    IndexColumns(columns, page.used), NO_DETAILS, search, steps,
                    page.shown, page.latest, page.days, page.statuses,
                )  # fmt: skip
            pages.append((page, part))
    pages.sort(key=lambda sent_page: sent_page[0].run)
    chains.sort(key=lambda chain: chain.first)
    # A process that failed is redone by map_parts here, but finds no run left to take.
    if [page.run for page, _ in pages] != list(range(runs)):
        return None
    parts = [part for _, part in pages if part is not None]
    if len(parts) == runs and [(c.first, c.end) for c in chains] != list(
        itertools.pairwise([0, *(c.end for c in chains)])
    ):
        return None  # (cannot happen: every run is in one chain)
    return [page for page, _ in pages], parts, chains


class _DetailsChain(msgspec.Struct, array_like=True, gc=False):
    """The details of runs ``first`` to ``end - 1``, which one process read one after the
    other (joined by it: :func:`facilitymap.render.details.join_details`)."""

    first: int
    end: int
    details: DetailsPart


_RUN_PAGES = msgspec.msgpack.Decoder(tuple[list[_RunPage], list[_DetailsChain]])


def _run_fractions(size: int, processes: int) -> list[float]:
    """Where a layer file of ``size`` bytes is cut into runs, as fractions of it: each
    process's share (of equal bytes) in runs of at most MAP_RUN_BYTES, RUNS_PER_PROCESS at
    least, the last of which is cut again into a half and two quarters.

    A process done with its share takes the others' last runs (SharedQueue), so the
    processes end within about the last run of each other: with runs all alike, one core
    idled ~0.25 s at the end of a rich 10,000-site render (runs of 8 MB, ~0.3 s each).

    >>> [round(f, 3) for f in _run_fractions(MAP_RUN_BYTES, 1)]  # 8 runs, the last in 3
    [0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 0.938, 0.969]
    """
    runs = max(RUNS_PER_PROCESS, -(-size // (processes * MAP_RUN_BYTES)))
    in_share = [k / runs for k in range(1, runs)] + [1 - 1 / (2 * runs), 1 - 1 / (4 * runs)]
    fractions: list[float] = []
    for share in range(processes):
        fractions += [(share + cut) / processes for cut in in_share]
        if share + 1 < processes:
            fractions.append((share + 1) / processes)
    return fractions


def _share_bounds(runs: list[PlainRun], count: int) -> list[int]:
    """Where each of at most ``count`` contiguous shares of ``runs`` of about equal bytes
    starts, and their end."""
    total = sum(run.end - run.start for run in runs)
    bounds, done = [0], 0
    for index, run in enumerate(runs):
        if index and len(bounds) < count and done >= total * len(bounds) / count:
            bounds.append(index)
        done += run.end - run.start
    return [*bounds, len(runs)]


def _page_runs(
    share: int,
    queue: SharedQueue,
    runs: list[PlainRun],
    fd: int,
    path: str,
    spec: MapSpec,
    today: date,
) -> bytes | None:
    """Read, parse, check and encode the runs of a layer file ``queue`` gives this process
    (see :func:`make_map_of_file`): a :class:`_RunPage` for each and the details of each
    chain of consecutive ones, as MessagePack, followed by the pages' arrays; None when a run
    does not take the fast path."""
    from facilitymap.context import extent_of
    from facilitymap.validation.country import country_problems
    from facilitymap.validation.layer import check_sites

    pages: list[_RunPage] = []
    blobs: list[bytes | memoryview] = []
    chains: dict[int, _DetailsChain] = {}  # by first run, and by end
    pack = False  # whether the page surely packs its details: some run's are over COMPRESS_OVER
    kept_timelines = 0
    while (index := queue.take(share)) is not None:
        parsed = read_and_parse_run(fd, runs[index], properties=True)
        if parsed is None:
            return None
        sites, name, properties = parsed
        # The checks compare each site's declared status with its claims'; at the map's
        # own date of all claims, the page's timeline derives that too: found once.
        timelines: dict[int, SiteTimeline] = {}
        found, notices, is_point = check_sites(
            sites,
            path,
            today,
            derive=_timeline_keeper(timelines) if spec.as_of is None else derive_site,
        )
        countries = country_problems(sites, is_point, path)
        ids = [site.id for site in sites]
        # With an error, the map is not made: only the problems are sent.
        if errors(found) or errors(countries):
            pages.append(
                _RunPage(
                    index, ids, found, countries, notices, None, [], 0, None, [], [], None,
                    None, name,
                )
            )  # fmt: skip
        else:
            part = _encode_page_sites(
                _candidates(Layer(sites=sites), spec), spec, timelines=timelines,
                as_read=dict(zip(map(id, sites), properties, strict=True)),
            )  # fmt: skip
            arrays = [*part.sites.arrays, part.search, part.steps]
            pages.append(
                _RunPage(
                    index, ids, found, countries, notices,
                    sizes=[len(array) for array in arrays], used=list(part.sites.used),
                    shown=part.shown, latest=part.latest, days=part.days,
                    statuses=part.statuses, extent=extent_of(site.geometry for site in sites),
                    updated=_latest_update(sites), name=name,
                )
            )  # fmt: skip
            blobs += arrays
            pack = pack or details_size(part.details) > COMPRESS_OVER
            _add_to_chains(chains, _DetailsChain(index, index + 1, part.details), len(runs), pack)
            del part
        # The run's sites are freed here, before the next run is read: the process holds
        # one run's sites at a time. The timelines of its first KEPT_TIMELINES sites are
        # kept until it exits: a few objects a claim, two fifths of the cost of freeing a
        # run for a seventh of its memory (at 10,000 sites written like the curated ones,
        # 0.03 s of each process for 15 MB; bounded, as 100,000 would hold 190 MB).
        if kept_timelines < KEPT_TIMELINES:
            keep_in_child(timelines)
            kept_timelines += len(timelines)
        del sites, parsed, properties, timelines
    done = [chain for first, chain in chains.items() if chain.first == first]
    if pack:  # (elements cut before this process knew)
        for chain in done:
            pack_elements(chain.details.elements)
    head = msgspec.msgpack.encode((pages, done))
    return b"".join([len(head).to_bytes(8, "little"), head, *blobs])


def _timeline_keeper(timelines: dict[int, SiteTimeline]) -> Callable[[Site], Derived]:
    """A site's derived fields (as :func:`~facilitymap.status.derive_site` gives them), from
    its timeline of all its claims, which is kept in ``timelines`` by ``id(site)``."""

    def derive(site: Site) -> Derived:
        timeline = timelines[id(site)] = site_timeline(site)
        return timeline.derived

    return derive


def _add_to_chains(
    chains: dict[int, _DetailsChain], chain: _DetailsChain, runs: int, pack: bool
) -> None:
    """Add a run's details to the chains of runs this process did, joined to the chain that
    ends where it starts and the one that starts where it ends; the chain that starts the
    page (or ends it) cuts its first sites (or its last) into elements. ``chains`` holds each
    chain under its first run and under its end; there are ``runs`` runs. The elements cut
    are packed with ``pack``."""
    before = chains.pop(chain.first, None)  # (under its end: it ends where this starts)
    if before is not None:
        del chains[before.first]
        joined = join_details(before.details, chain.details, pack=pack)
        chain = _DetailsChain(before.first, chain.end, joined)
    after = chains.pop(chain.end, None)  # (under its first run)
    if after is not None:
        del chains[after.end]
        joined = join_details(chain.details, after.details, pack=pack)
        chain = _DetailsChain(chain.first, after.end, joined)
    if chain.first == 0:
        chain.details = page_start(chain.details, pack=pack)
    if chain.end == runs:
        chain.details = page_end(chain.details, pack=pack)
    chains[chain.first] = chains[chain.end] = chain


def _map_of_parts(
    parts: list[_RunPage],
    sites: EncodedSites,
    path: Path,
    digest: str,
    spec: MapSpec,
    context: bool,
) -> MadeMap:
    """The map from every run's checks and their sites (and, with ``context``, the borders
    around them)."""
    extents = [part.extent for part in parts if part.extent is not None]
    extent = (
        (min(e[0] for e in extents), min(e[1] for e in extents),
         max(e[2] for e in extents), max(e[3] for e in extents))
        if extents else None
    )  # fmt: skip
    name = next((part.name for part in parts if part.name is not None), None)
    page = _page_of(
        spec,
        sites,
        _context_around(extent) if context else None,
        name=name,
        version=_version_words(path, digest, latest_claim(part.updated for part in parts)),
    )
    return MadeMap(page, sites.count)
