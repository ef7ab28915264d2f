"""``maps.toml``: which maps the project declares, read and checked apart from how a map
is made (:mod:`facilitymap.maps`).

``maps.toml`` at the top of the repository declares the maps ``facilitymap build`` regenerates
into ``outputs/``::

    layer = "geodata/sites.geojson"
    output_dir = "outputs"
    screenshot = { map = "overview", output = "overview.png" }

    [[map]]
    name = "as-of-2018"
    output = "as-of-2018.html"
    title = "What was on record at the end of 2018"
    as_of = 2018-12-31                # evaluate claims as known that day
    statuses = ["attested-denied"]    # also: kinds, countries, min_confidence, offline, since
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from facilitymap.dates import parse_as_of
from facilitymap.errors import FacilitymapError
from facilitymap.model import CONFIDENCES, KINDS, STATUSES

DEFAULT_CONFIG = Path("maps.toml")


@dataclass(frozen=True)
class MapSpec:
    """One map: which sites, as of when, and where it is written (a file name)."""

    name: str
    output: str
    title: str | None = None
    statuses: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    min_confidence: str | None = None
    as_of: date | None = None
    offline: bool = True
    # Mark the sites changed since this git revision or date (facilitymap.diff.changes_since);
    # ``since_changes`` holds what changed, filled by :func:`with_changes_since`.
    since: str | None = None
    since_changes: Any = field(default=None, compare=False, hash=False, repr=False)
    # The layer files this map draws (resolved paths); empty: the config's top-level layer.
    layers: tuple[Path, ...] = ()

    def filters(self) -> dict[str, Any]:
        """The filters this map applies, by name (only those set): what the page header and
        the CLI name when they say what a map shows."""
        chosen = {
            "statuses": list(self.statuses),
            "kinds": list(self.kinds),
            "countries": list(self.countries),
            "min_confidence": self.min_confidence,
        }
        return {key: value for key, value in chosen.items() if value}

    def describe(self, count: int) -> str:
        """How many sites the map shows, and under which filters and date, in words."""
        words = [f"{_FILTER_WORDS[key]} {_listed(v)}" for key, v in self.filters().items()]
        if self.as_of is not None:
            words.append(f"as of {self.as_of.isoformat()}")
        where = f" ({'; '.join(words)})" if words else ""
        return f"{count} site{'' if count == 1 else 's'}{where}"


_FILTER_WORDS = {
    "statuses": "status",
    "kinds": "kind",
    "countries": "country",
    "min_confidence": "confidence at least",
}


def _listed(value: Any) -> str:
    return " or ".join(value) if isinstance(value, list) else str(value)


@dataclass(frozen=True)
class ScreenshotSpec:
    """The PNG of one declared map that the README shows."""

    map: str
    output: str
    width: int = 1280
    height: int = 800


@dataclass(frozen=True)
class BuildConfig:
    """``maps.toml``, with its paths resolved against the file's folder."""

    path: Path
    layer: Path
    output_dir: Path
    maps: tuple[MapSpec, ...]
    screenshot: ScreenshotSpec | None = None


_TOP_KEYS = frozenset({"layer", "output_dir", "screenshot", "map"})
_MAP_KEYS = frozenset(
    {
        "name",
        "output",
        "title",
        "statuses",
        "kinds",
        "countries",
        "min_confidence",
        "as_of",
        "offline",
        "since",
        "layer",
    }
)
_SHOT_KEYS = frozenset({"map", "output", "width", "height"})


def load_config(path: str | Path = DEFAULT_CONFIG) -> BuildConfig:
    """Read and check ``maps.toml``; every path in it is relative to its folder.

    Raises
    ------
    FacilitymapError
        When the file is missing, not TOML, or declares something unknown.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FacilitymapError(f"{path}: no such file (the list of maps to build)") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise FacilitymapError(f"{path}: not valid TOML: {err}") from None

    def fail(where: str, message: str) -> FacilitymapError:
        return FacilitymapError(f"{path}: {where}: {message}")

    _unknown_keys(data, _TOP_KEYS, fail, "top level")
    maps = data.get("map")
    if not isinstance(maps, list) or not maps:
        raise fail("map", "declare at least one [[map]]")
    root = path.parent
    specs = tuple(_map_spec(entry, i, fail, root) for i, entry in enumerate(maps))
    for attr in ("name", "output"):
        seen = [getattr(s, attr) for s in specs]
        dupes = sorted({v for v in seen if seen.count(v) > 1})
        if dupes:
            raise fail("map", f"{attr} used twice: {', '.join(dupes)}")
    screenshot = None
    if "screenshot" in data:
        shot = data["screenshot"]
        if not isinstance(shot, dict):
            raise fail("screenshot", "must be a table")
        _unknown_keys(shot, _SHOT_KEYS, fail, "screenshot")
        if shot.get("map") not in {s.name for s in specs}:
            raise fail("screenshot.map", f"{shot.get('map')!r} is not a declared map")
        screenshot = ScreenshotSpec(
            map=shot["map"],
            output=_file_name(shot.get("output"), ".png", fail, "screenshot.output"),
            width=int(shot.get("width", 1280)),
            height=int(shot.get("height", 800)),
        )
    return BuildConfig(
        path=path,
        layer=root / str(data.get("layer", "geodata/sites.geojson")),
        output_dir=root / str(data.get("output_dir", "outputs")),
        maps=specs,
        screenshot=screenshot,
    )


def _unknown_keys(table: dict, known: frozenset[str], fail: Callable, where: str) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise fail(where, f"unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")


def _file_name(value: Any, suffix: str, fail: Callable, where: str) -> str:
    if not isinstance(value, str) or not value.endswith(suffix) or Path(value).name != value:
        raise fail(where, f"must be a file name ending in {suffix} (no folders), got {value!r}")
    return value


def _choices(entry: dict, key: str, allowed: Sequence[str], fail: Callable, where: str) -> tuple:
    values = entry.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise fail(f"{where}.{key}", "must be a list of strings")
    wrong = [v for v in values if v not in allowed]
    if wrong:
        raise fail(f"{where}.{key}", f"unknown {', '.join(wrong)}; expected {', '.join(allowed)}")
    return tuple(values)


def _map_files(value: Any, root: Path, fail: Callable, where: str) -> tuple[Path, ...]:
    """A map's ``layer``: one path or a list of paths, relative to maps.toml's folder."""
    if value is None:
        return ()
    files = [value] if isinstance(value, str) else value
    if not isinstance(files, list) or not files or not all(isinstance(f, str) and f for f in files):
        raise fail(where, "must be a layer file or a list of layer files (paths as strings)")
    if len(set(files)) != len(files):
        raise fail(where, "names a layer file twice")
    return tuple(root / f for f in files)


def _map_spec(entry: Any, index: int, fail: Callable, root: Path = Path(".")) -> MapSpec:
    where = f"map[{index}]"
    if not isinstance(entry, dict):
        raise fail(where, "must be a table")
    _unknown_keys(entry, _MAP_KEYS, fail, where)
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        raise fail(f"{where}.name", "required")
    countries = entry.get("countries", [])
    if not isinstance(countries, list) or not all(
        isinstance(c, str) and len(c) == 2 and c.isalpha() for c in countries
    ):
        raise fail(f"{where}.countries", "must be a list of two-letter ISO codes")
    confidence = entry.get("min_confidence")
    if confidence is not None and confidence not in CONFIDENCES:
        raise fail(f"{where}.min_confidence", f"expected one of {', '.join(CONFIDENCES)}")
    try:
        as_of = parse_as_of(entry.get("as_of"))
    except (ValueError, TypeError) as err:
        raise fail(f"{where}.as_of", str(err)) from None
    title = entry.get("title")
    if title is not None and not isinstance(title, str):
        raise fail(f"{where}.title", "must be a string")
    offline = entry.get("offline", True)
    if not isinstance(offline, bool):
        raise fail(f"{where}.offline", "must be true or false")
    since = entry.get("since")
    if since is not None and (not isinstance(since, str) or not since):
        raise fail(f"{where}.since", "must be a git revision or a date, as a string")
    return MapSpec(
        name=name,
        output=_file_name(entry.get("output"), ".html", fail, f"{where}.output"),
        title=title,
        statuses=_choices(entry, "statuses", STATUSES, fail, where),
        kinds=_choices(entry, "kinds", KINDS, fail, where),
        countries=tuple(c.upper() for c in countries),
        min_confidence=confidence,
        as_of=as_of,
        offline=offline,
        since=since,
        layers=_map_files(entry.get("layer"), root, fail, f"{where}.layer"),
    )
