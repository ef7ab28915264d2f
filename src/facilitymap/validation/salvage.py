"""Every problem of a site that does not fit the model, not only the model's.

A site whose record fails (an unknown stance, a date that is no date) cannot be built, so
the rules that read whole sites (references, links, location, status, country) would not
see it, and their problems would surface only once the first ones were fixed. Here each
value the model refused is replaced by a stand-in of the right type, the site is built and
checked, and what a stand-in could have caused is left out: a problem in a refused value
(or in the location, when a location field is refused) is not reported, nor one that reads
it (the references of a claim's sources, the country of a point). The derived status is checked over every
value a refused stance, actor type, basis or date could have held: a declared status no
such value gives is reported.
"""

from __future__ import annotations

import copy
import itertools
import re
from datetime import date
from typing import Any, cast

import msgspec

from facilitymap.model import (
    ACTOR_TYPES,
    CLAIM_BASES,
    COUNTRY_PATTERN,
    DATE_PATTERN,
    LANG_PATTERN,
    LOCAL_ID_PATTERN,
    SLUG_PATTERN,
    STANCES,
    RecordError,
    Site,
    site_from_properties,
)
from facilitymap.problems import Problem, Severity

_STAND_IN_TEXT = {
    DATE_PATTERN: "2000",
    COUNTRY_PATTERN: "ZZ",
    SLUG_PATTERN: "x",
    LANG_PATTERN: "en",
    LOCAL_ID_PATTERN: "x",
}
# What a refused claim field may have meant, for the derived status (dates: the earliest and
# the latest, which is all the order of official statements can depend on).
_ALTERNATIVES = {
    "stance": STANCES,
    "actor_type": ACTOR_TYPES,
    "basis": CLAIM_BASES,
    "date": ("0001", "9999"),
}
_MAX_ALTERNATIVES = 500
_DERIVED = ("official_status", "evidence", "status")
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class _CannotStandIn(Exception):
    pass


def salvaged_problems(
    part: tuple[dict[str, Any], Any, Any, dict[str, Any]],
    refused: list[tuple[str, str]],
    path: str,
    label: str,
    today: date | None = None,
) -> list[Problem]:
    """The problems of the site ``part`` (properties, id, geometry, members) beyond the
    model's ``refused`` ones (and beyond its geometry's, reported with them)."""
    from facilitymap.validation.country import country_problems
    from facilitymap.validation.geometry import check_geometry
    from facilitymap.validation.layer import check_site

    properties, site_id, geometry, members = part
    fields = [f for f, _ in refused]
    data = copy.deepcopy(properties)
    try:
        for field in fields:
            if field != "id":
                _stand_in(data, _steps(field))
        site = site_from_properties(
            data, site_id="x" if "id" in fields else site_id, geometry=geometry, members=members
        )
    except (_CannotStandIn, RecordError):
        return []  # nothing more can be said until the record's own problems are fixed
    reported = set(check_geometry(geometry))  # with the refused values, by shape.py
    found = [
        (f, m, s)
        for f, m, s in check_site(site, today or date.today())
        if (f, m) not in reported and not _reads_refused(f, fields)
    ]
    if any(f.startswith(("claims", "sources")) for f in fields):
        found += _derived_problems(site, fields)
    point = isinstance(geometry, dict) and geometry.get("type") == "Point"
    geometry_ok = not reported and not any(f.startswith("geometry") and s == "error" for f, _, s in found)  # fmt: skip
    if point and "country" not in fields and geometry_ok:
        found += [(p.field, p.message, "error") for p in country_problems([site], [True], path)]
    return [Problem(path, label, f, m, cast(Severity, s)) for f, m, s in found]


def _steps(field: str) -> list[str | int]:
    return [int(index) if index else name for name, index in _STEP.findall(field)]


def _reads_refused(field: str, refused: list[str]) -> bool:
    about_claims = any(f.startswith("claims") for f in refused)
    about_sources = any(f.startswith("sources") for f in refused)
    if any(field == f or field.startswith((f + ".", f + "[")) for f in refused):
        return True  # the refused value itself, or inside it
    if field.startswith("location") and any(f.startswith("location") for f in refused):
        return True  # the location's rules read its fields together
    if field in _DERIVED and (about_claims or about_sources):
        return True  # checked over what the refused values could be instead
    if field == "confidence" and (about_claims or about_sources):
        return True  # the publishers of supporting claims
    if re.fullmatch(r"sources\[\d+\]", field) and about_claims:
        return True  # "cited by no claim": a refused claim may cite it
    # "cites unknown source": a refused source may be the one
    return bool(re.fullmatch(r"claims\[\d+\]\.sources", field)) and about_sources


def _stand_in(data: Any, steps: list[str | int]) -> None:
    """Replace the value at ``steps`` by a valid one of the model's type for it."""
    info: Any = msgspec.inspect.type_info(Site)
    target = data
    for i, step in enumerate(steps):
        info = _unwrap(info)
        if isinstance(step, int):
            if not isinstance(info, msgspec.inspect.ListType) or not isinstance(target, list):
                raise _CannotStandIn
            info = info.item_type
        else:
            if not isinstance(info, msgspec.inspect.StructType) or not isinstance(target, dict):
                raise _CannotStandIn
            match = [f for f in info.fields if f.encode_name == step]
            if not match or step.startswith("__facilitymap"):  # a reserved key: left out
                target.pop(step, None)
                return
            info = match[0].type
        if i == len(steps) - 1:
            value = _value_of(info)
            if isinstance(step, int) and step >= len(target):
                raise _CannotStandIn
            target[step] = value
            return
        try:
            target = target[step]
        except (KeyError, IndexError, TypeError):
            raise _CannotStandIn from None
    raise _CannotStandIn  # the record as a whole: nothing to stand in for it


def _unwrap(info: Any) -> Any:
    while isinstance(info, msgspec.inspect.Metadata):
        info = info.type
    return info


def _value_of(info: Any) -> Any:
    info = _unwrap(info)
    inspect = msgspec.inspect
    if isinstance(info, inspect.UnionType):
        if any(isinstance(t, inspect.NoneType) for t in info.types):
            return None
        return _value_of(info.types[0])
    if isinstance(info, inspect.LiteralType):
        return info.values[0]
    if isinstance(info, inspect.StrType):
        text = _STAND_IN_TEXT.get(info.pattern or "", "x")
        return text * max(1, (info.min_length or 0))
    if isinstance(info, inspect.IntType | inspect.FloatType):
        low = info.ge if info.ge is not None else (info.gt + 1 if info.gt is not None else 1)
        return max(low, 1)
    if isinstance(info, inspect.ListType):
        return [_value_of(info.item_type) for _ in range(info.min_length or 0)]
    raise _CannotStandIn


def _derived_problems(site: Site, refused: list[str]) -> list[tuple[str, str, str]]:
    """Declared derived fields that no value of the refused claim fields would give."""
    from facilitymap.status import derive_site

    declared = {name: getattr(site, name) for name in _DERIVED if getattr(site, name)}
    unknown: list[tuple[int, str]] = []
    for field in refused:
        steps = _steps(field)
        if steps[:1] != ["claims"]:
            return []  # a refused source (publisher) or list: the status cannot be bounded
        if len(steps) != 3 or steps[2] not in _ALTERNATIVES:
            if len(steps) == 3 and steps[2] in ("summary", "quote", "note", "actor", "id"):
                continue  # read by no rule of the status
            return []
        unknown.append((int(steps[1]), str(steps[2])))
    choices = [_ALTERNATIVES[name] for _, name in unknown]
    if not declared or _count(choices) > _MAX_ALTERNATIVES:
        return []
    possible: dict[str, set[str]] = {name: set() for name in declared}
    for values in itertools.product(*choices):
        claims = list(site.claims)
        for (index, name), value in zip(unknown, values, strict=True):
            claims[index] = claims[index].replace(**{name: value})
        derived = derive_site(site.replace(claims=claims))
        for name in declared:
            possible[name].add(getattr(derived, name))
    fields = ", ".join(f for f in refused if f.startswith("claims"))
    return [
        (
            name,
            f"says {value!r} but the claims give {' or '.join(map(repr, sorted(possible[name])))}"
            f" whatever {fields} should be",
            "error",
        )
        for name, value in declared.items()
        if value not in possible[name]
    ]


def _count(choices: list) -> int:
    total = 1
    for choice in choices:
        total *= len(choice)
    return total
