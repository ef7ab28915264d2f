"""Is a point in the country it declares? Uses the context layer's outlines when present."""

from __future__ import annotations


def country_problem(lon: float, lat: float, country: str, precision_m: float | None) -> str | None:
    """Why (lon, lat) cannot be in ``country``, or None when it is (or cannot be checked)."""
    try:
        from facilitymap import context
    except ImportError:
        return None
    check = getattr(context, "country_check", None)
    if check is None:
        return None
    result = check(lon, lat, country)
    if result is None:
        return None
    swapped = check(lat, lon, country) if -90 <= lon <= 90 and -180 <= lat <= 180 else result
    where = getattr(result, "found", None) or "no country of the context layer"
    message = f"[{lon}, {lat}] lies in {where}, not {country}"
    if swapped is None:
        message += " (looks like [latitude, longitude]; GeoJSON is [longitude, latitude])"
    return message
