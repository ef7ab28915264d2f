"""ISO 8601 calendar dates with reduced precision (YYYY, YYYY-MM, YYYY-MM-DD)."""

from __future__ import annotations

import calendar
import functools
import re
from datetime import date

_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@functools.lru_cache(maxsize=65_536)  # a layer repeats few distinct dates many times
def parse_date_range(text: str) -> tuple[date, date]:
    """Return the first and last day a reduced-precision ISO 8601 date can denote.

    >>> parse_date_range("2019-02")
    (datetime.date(2019, 2, 1), datetime.date(2019, 2, 28))

    Raises
    ------
    ValueError
        When ``text`` is not ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, or not a real day.
    """
    match = _DATE_RE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not an ISO 8601 date (YYYY-MM-DD, YYYY-MM or YYYY)")
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    if month is None:
        return date(year, 1, 1), date(year, 12, 31)
    if not 1 <= month <= 12:
        raise ValueError(f"{text!r}: month {month} does not exist")
    last = calendar.monthrange(year, month)[1]
    if day is None:
        return date(year, month, 1), date(year, month, last)
    if not 1 <= day <= last:
        raise ValueError(f"{text!r}: day {day} does not exist in that month")
    return date(year, month, day), date(year, month, day)


@functools.lru_cache(maxsize=65_536)  # called for every claim, several times a render
def date_end(text: str) -> date:
    """The last day ``text`` can denote: the day from which a claim surely had been made."""
    return parse_date_range(text)[1]


def parse_as_of(text: str | date | None) -> date | None:
    """Parse an ``--as-of`` value; a reduced date means the end of its period."""
    if text is None or isinstance(text, date):
        return text
    return date_end(text)
