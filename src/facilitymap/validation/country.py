"""A located point lies in the country the site declares (Natural Earth outlines of the
context layer, :mod:`facilitymap.context`)."""

from __future__ import annotations

from typing import cast

from facilitymap.model import Site
from facilitymap.problems import Problem


def country_problems(sites: list[Site], is_point: list[bool], path: str) -> list[Problem]:
    points = [site for site, flag in zip(sites, is_point, strict=True) if flag]
    return [Problem(path, site_id, f, m) for site_id, f, m in check_countries(points)]


def check_countries(sites: list[Site]) -> list[tuple[str, str, str]]:
    """``(site id, field, message)`` for each valid Point site outside its declared country.

    Uses the context layer's Natural Earth outlines (``facilitymap.context``) with its 5 km
    tolerance: the width of a border line at 1:10m scale. The point must lie in the country
    even when the site's radius reaches across a border: the point is the reference place or
    estimate the location note describes, and it is that point a reader sees.
    """
    from facilitymap import context  # numpy and shapely, loaded only when a point is checked

    if not sites:
        return []
    positions = [cast(dict, s.geometry)["coordinates"] for s in sites]
    lons = [position[0] for position in positions]
    lats = [position[1] for position in positions]
    results = context.check_countries(lons, lats, [s.country for s in sites])
    return [
        (site.id, "geometry.coordinates", f"[{lon}, {lat}] {result}")
        for site, lon, lat, result in zip(sites, lons, lats, results, strict=True)
        if result is not None
    ]
