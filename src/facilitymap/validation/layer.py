"""Every rule over a layer's sites, in the order problems are reported: per site (geometry,
location, references, links, formats, dates, derived fields, confidence), then countries,
then archive notices."""

from __future__ import annotations

import contextlib
import functools
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date
from typing import cast

from facilitymap.model import Layer, Site, site_weight
from facilitymap.parallel import map_chunks
from facilitymap.problems import Problem, Severity
from facilitymap.status import Derived, derive_site
from facilitymap.validation.country import country_problems
from facilitymap.validation.geometry import check_geometries, check_geometry, check_location
from facilitymap.validation.records import (
    all_formats_ok,
    all_urls_plain,
    check_dates,
    check_formats,
    check_urls,
)
from facilitymap.validation.references import archive_notices, check_references, duplicate_ids
from facilitymap.validation.status import check_confidence, check_derived, check_governments


def validate_layer(
    layer: Layer, path: str = "<layer>", *, today: date | None = None
) -> list[Problem]:
    """Check the rules that span a site or the layer. Returns problems; never raises."""
    today = today or date.today()
    problems = duplicate_ids(Counter(site.id for site in layer.sites), path)
    # Chunks are checked in parallel on large layers; the order of the problems is the
    # same however many there are: per site, then countries, then archive notices.
    checked = map_chunks(
        functools.partial(check_sites, path=path, today=today), layer.sites, weight=site_weight
    )
    is_point: list[bool] = []
    for found, _, flags in checked:
        problems += found
        is_point += flags
    problems += country_problems(layer.sites, is_point, path)
    for _, notices, _ in checked:
        problems += notices
    return problems


def problems_in_order(
    path: str,
    site_ids: list[str],
    per_site: Iterable[Problem],
    countries: Iterable[Problem],
    notices: Iterable[Problem],
) -> list[Problem]:
    """Problems found in parts (runs of a file, in their order) as :func:`validate_layer`
    orders them: duplicate ids, then per site, then countries, then archive notices."""
    problems = duplicate_ids(Counter(site_ids), path) if len(set(site_ids)) < len(site_ids) else []
    return [*problems, *per_site, *countries, *notices]


def check_sites(
    sites: list[Site], path: str, today: date, *, derive: Callable[[Site], Derived] = derive_site
) -> tuple[list[Problem], list[Problem], list[bool]]:
    """The per-site problems of ``sites``, their archive notices, and for each site whether it
    is a valid Point (the country check is done in bulk, over all of them). ``derive`` gives
    a site's derived fields from its claims, to compare with what it declares (a caller that
    derives them anyway hands over its own)."""
    problems: list[Problem] = []
    is_point = []
    formats_ok = all_formats_ok(sites, today)
    urls_ok = all_urls_plain(sites)
    geometries = check_geometries([site.geometry for site in sites])
    for site, geometry_problems in zip(sites, geometries, strict=True):
        found = check_site(
            site,
            today,
            formats_ok=formats_ok,
            urls_ok=urls_ok,
            geometry_problems=geometry_problems,
            derive=derive,
        )
        if found:
            problems += [Problem(path, site.id, f, m, cast(Severity, s)) for f, m, s in found]
        geometry_ok = not found or not any(
            f.startswith("geometry") and s == "error" for f, _, s in found
        )
        is_point.append(
            geometry_ok and isinstance(site.geometry, dict) and site.geometry["type"] == "Point"
        )
    return problems, archive_notices(sites, path), is_point


def check_site(
    site: Site,
    today: date,
    *,
    formats_ok: bool = False,
    urls_ok: bool = False,
    geometry_problems: list[tuple[str, str]] | None = None,
    derive: Callable[[Site], Derived] = derive_site,
) -> list[tuple[str, str, str]]:
    """``(field, message, severity)`` for every rule this site breaks.

    What the caller already checked in bulk is not checked again: ``formats_ok``, every
    date, id and code of the site is well formed and no date is in the future
    (:func:`~facilitymap.validation.records.all_formats_ok`); ``urls_ok``, every URL is a
    plain http(s) link (:func:`~facilitymap.validation.records.all_urls_plain`);
    ``geometry_problems``, what ``check_geometry`` finds. ``derive``: as for
    :func:`check_sites`.
    """
    if geometry_problems is None:
        geometry_problems = check_geometry(site.geometry)
    found: list[tuple[str, str, str]] = [(f, m, "error") for f, m in geometry_problems]
    found += check_location(site, geometry_ok=not geometry_problems)
    found += check_references(site)
    if not urls_ok:
        found += check_urls(site)
    if not formats_ok:
        found += check_formats(site)
        found += check_dates(site, today)  # those that are dates
    # An official claim's date that is no date (reported above) leaves no status to compare.
    with contextlib.suppress(ValueError):
        found += check_derived(site, derive(site))
    found += check_confidence(site)
    found += check_governments(site)
    return found
