"""Import recipes: how the rows of someone else's file become sites, sources and claims.

A recipe is a small TOML file (or the same said with ``facilitymap import`` options) with
three sections, ``[site]``, ``[source]`` and ``[claim]``. In each, a key is a field and its
value says where the field comes from::

    [site]
    id = { from_name = true, prefix = "ru-" }      # or { column = "ID" }
    name = { column = "military_base_name" }       # column names match in any case
    kind = { column = "type_norm", map = { garrison = "base" }, default = "other" }
    country = { from_point = true }                # or { column = "Country" }: names, ISO-3, ISO-2
    lon = { column = "longtitudes" }
    lat = { column = "latitudes" }
    confidence = "low"                             # a plain value: the same for every row

    [source]                                       # one source per URL in the cell
    url = { column = "link" }
    title = { template = "Eyes on Russia entry {id}" }
    publisher = "Centre for Information Resilience"

    [claim]                                        # one claim citing the row's sources
    date = { column = "date" }
    actor = "Centre for Information Resilience"
    actor_type = "think-tank"
    stance = "affirms"
    summary = { column = "description" }           # basis defaults to "relay"

``read_with_recipe`` applies a recipe to the rows the format readers give and returns the
sites with every problem found, each named by file, row (or site id) and field. Nothing here
decides what is merged or written: :mod:`facilitymap.edit` and the CLI do.

Ids are stable: the same file gives the same ids on every run (ids from names are numbered in
file order when names repeat), so re-running a recipe on a grown file adds the new rows and
shows the changed ones as conflicts instead of duplicating them.
"""

from __future__ import annotations

import csv
import functools
import html
import io
import os
import re
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import orjson

from facilitymap.errors import FacilitymapError, LayerError
from facilitymap.exchange.flat import COORDINATE_LIKE, LAT_NAMES, LON_NAMES, WKT_NAMES
from facilitymap.model import (
    ACTOR_TYPES,
    CLAIM_BASES,
    CONFIDENCES,
    KINDS,
    LOCATION_BASES,
    PROPERTY_ORDER,
    STANCES,
    RecordError,
    Site,
    site_from_record,
)
from facilitymap.problems import Problem, Severity

__all__ = [
    "CLAIM_FIELDS",
    "SITE_FIELDS",
    "SOURCE_FIELDS",
    "FieldSpec",
    "Recipe",
    "RecipeResult",
    "Rejected",
    "country_code",
    "load_recipe",
    "parse_recipe",
    "read_with_recipe",
    "recipe_from_options",
    "slugify",
    "summarize_problems",
    "write_rejects",
]

SITE_FIELDS = (
    "id",
    "name",
    "kind",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "description",
    "confidence",
    "confidence_note",
    "precision_m",
    "location_basis",
    "location_note",
    "first_reported",
    "updated",
    "lon",
    "lat",
    "wkt",
)
SOURCE_FIELDS = (
    "url",
    "title",
    "publisher",
    "author",
    "via",
    "published",
    "accessed",
    "archive_url",
    "language",
    "note",
)
CLAIM_FIELDS = ("date", "actor", "actor_type", "stance", "basis", "summary", "quote", "note")
SECTIONS = {"site": SITE_FIELDS, "source": SOURCE_FIELDS, "claim": CLAIM_FIELDS}
# Constants are checked against the vocabularies when the recipe is read, not once per row.
VOCABULARIES = {
    ("site", "kind"): KINDS,
    ("site", "confidence"): CONFIDENCES,
    ("site", "location_basis"): LOCATION_BASES,
    ("claim", "actor_type"): ACTOR_TYPES,
    ("claim", "stance"): STANCES,
    ("claim", "basis"): CLAIM_BASES,
}
DATE_FIELDS = {
    ("site", "first_reported"),
    ("site", "updated"),
    ("source", "published"),
    ("source", "accessed"),
    ("claim", "date"),
}
# An import never makes a site attested unless the recipe says its evidence is first-hand.
DEFAULT_CLAIM_BASIS = "relay"
REQUIRED_CLAIM_FIELDS = ("date", "actor", "actor_type", "stance", "summary")
REQUIRED_SOURCE_FIELDS = ("url", "title", "publisher")
OPTIONS = ("keep", "decode_html", "fix_lookalikes")
SPEC_KEYS = (
    "column",
    "value",
    "template",
    "map",
    "default",
    "format",
    "from_name",
    "from_point",
    "prefix",
)


@dataclass(frozen=True)
class FieldSpec:
    """Where one field comes from: a column (optionally mapped), a constant or a template.

    ``map`` turns a column's values into ours (matched ignoring case and surrounding space);
    ``default`` fills a blank cell or a value the map does not list. ``template`` is text with
    ``{Column}`` placeholders. ``format`` is a ``strptime`` format for a date column.
    ``from_name`` (id) and ``from_point`` (country) derive the field from the row's site.
    """

    column: str | None = None
    value: Any = None
    template: str | None = None
    map: Mapping[str, str] = field(default_factory=dict)
    default: Any = None
    format: str | None = None
    from_name: bool = False
    from_point: bool = False
    prefix: str = ""


@dataclass
class Recipe:
    """Field specs per section, and how cells are cleaned.

    ``keep`` lists the unmapped columns kept as unknown properties (None: all of them).
    ``decode_html`` turns ``&aacute;`` into ``á`` in text cells; ``fix_lookalikes`` replaces
    Cyrillic letters that look Latin inside words written in Latin letters (``Т-72B``).
    """

    site: dict[str, FieldSpec] = field(default_factory=dict)
    source: dict[str, FieldSpec] = field(default_factory=dict)
    claim: dict[str, FieldSpec] = field(default_factory=dict)
    keep: list[str] | None = None
    decode_html: bool = True
    fix_lookalikes: bool = False
    label: str = "recipe"

    def merged(self, other: Recipe) -> Recipe:
        """This recipe with ``other``'s fields and options on top (options over a file)."""
        return Recipe(
            site=_combine(self.site, other.site),
            source=_combine(self.source, other.source),
            claim=_combine(self.claim, other.claim),
            keep=other.keep if other.keep is not None else self.keep,
            decode_html=self.decode_html and other.decode_html,
            fix_lookalikes=self.fix_lookalikes or other.fix_lookalikes,
            label=self.label,
        )

    def columns(self) -> list[str]:
        """Every column the recipe names (in specs and templates)."""
        names = []
        for section in (self.site, self.source, self.claim):
            for spec in section.values():
                if spec.column:
                    names.append(spec.column)
                if spec.template:
                    names += _PLACEHOLDER.findall(spec.template)
        return list(dict.fromkeys(names))


def _has_origin(spec: FieldSpec) -> bool:
    return bool(
        spec.column or spec.value is not None or spec.template or spec.from_name or spec.from_point
    )


def _combine(base: dict[str, FieldSpec], over: dict[str, FieldSpec]) -> dict[str, FieldSpec]:
    # An option that says where a field comes from replaces the file's spec; one that only
    # adds a value map, a default or a prefix completes it.
    out = dict(base)
    for name, spec in over.items():
        old = base.get(name)
        if _has_origin(spec) or old is None:
            out[name] = spec
        else:
            out[name] = replace(
                old,
                map={**old.map, **spec.map},
                default=spec.default if spec.default is not None else old.default,
                prefix=spec.prefix or old.prefix,
            )
    return out


_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_PREFIX = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*-?$")


# --------------------------------------------------------------------------- reading recipes


def load_recipe(path: str | os.PathLike[str]) -> Recipe:
    """Read a recipe file; raises FacilitymapError naming the file, line and key."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise FacilitymapError(f"{path}: cannot read the recipe: {err}") from err
    return parse_recipe(text, str(path))


def parse_recipe(text: str, label: str = "recipe") -> Recipe:
    """A Recipe from TOML text. Every problem of the recipe is reported at once.

    Raises
    ------
    LayerError
        Not TOML, an unknown section or field, a spec of the wrong shape, a constant outside
        its vocabulary (``kind = "garrison"``).
    """
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise LayerError(
            f"{label}: not TOML: {err}", [Problem(label, "-", "recipe", f"not TOML: {err}")]
        ) from err
    problems: list[Problem] = []
    recipe = Recipe(label=label)
    for key, value in doc.items():
        if key in SECTIONS:
            if not isinstance(value, dict):
                problems.append(Problem(label, "-", key, "must be a table ([" + key + "])"))
                continue
            setattr(recipe, key, _section(key, value, label, problems))
        elif key == "options":
            _options(recipe, value, label, problems)
        else:
            problems.append(
                Problem(
                    label, "-", key, "unknown section; use [site], [source], [claim], [options]"
                )
            )
    _check_recipe(recipe, problems)
    if problems:
        raise LayerError(f"{label}: {len(problems)} problem(s) in the recipe", problems)
    return recipe


def _options(recipe: Recipe, value: Any, label: str, problems: list[Problem]) -> None:
    if not isinstance(value, dict):
        problems.append(Problem(label, "-", "options", "must be a table"))
        return
    for key, item in value.items():
        if key == "keep":
            if item == "all":
                recipe.keep = None
            elif isinstance(item, list) and all(isinstance(c, str) for c in item):
                recipe.keep = list(item)
            else:
                problems.append(Problem(label, "-", "options.keep", 'a list of columns or "all"'))
        elif key in ("decode_html", "fix_lookalikes"):
            if not isinstance(item, bool):
                problems.append(Problem(label, "-", f"options.{key}", "must be true or false"))
            else:
                setattr(recipe, key, item)
        else:
            problems.append(
                Problem(label, "-", f"options.{key}", f"unknown option; use {', '.join(OPTIONS)}")
            )


def _section(
    name: str, table: dict, label: str, problems: list[Problem], *, partial: bool = False
) -> dict[str, FieldSpec]:
    specs = {}
    for key, value in table.items():
        where = f"{name}.{key}"
        if key not in SECTIONS[name]:
            problems.append(
                Problem(label, "-", where, f"unknown field; fields: {', '.join(SECTIONS[name])}")
            )
            continue
        spec = _spec(value, where, label, problems, partial=partial)
        if spec is not None:
            specs[key] = spec
    return specs


def _spec(
    value: Any, where: str, label: str, problems: list[Problem], *, partial: bool = False
) -> FieldSpec | None:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return FieldSpec(value=value)
    if not isinstance(value, dict):
        problems.append(Problem(label, "-", where, "a value, or a table such as { column = ... }"))
        return None
    unknown = sorted(set(value) - set(SPEC_KEYS))
    if unknown:
        problems.append(
            Problem(
                label,
                "-",
                where,
                f"unknown key(s) {', '.join(unknown)}; keys: {', '.join(SPEC_KEYS)}",
            )
        )
        return None
    mapping = value.get("map", {})
    if not isinstance(mapping, dict) or not all(
        isinstance(v, str | int | float) for v in mapping.values()
    ):
        problems.append(Problem(label, "-", where + ".map", "a table of value = value"))
        mapping = {}
    sources = [
        k for k in ("column", "value", "template", "from_name", "from_point") if value.get(k)
    ]
    if len(sources) > 1 or (not sources and not partial):
        problems.append(
            Problem(
                label,
                "-",
                where,
                "give exactly one of column, value, template, from_name (id), from_point (country)",
            )
        )
        return None
    text_keys = ("column", "template", "format", "prefix")
    for key in text_keys:
        if key in value and not isinstance(value[key], str):
            problems.append(Problem(label, "-", f"{where}.{key}", "must be text"))
            return None
    return FieldSpec(
        column=value.get("column"),
        value=value.get("value"),
        template=value.get("template"),
        map={str(k).strip().casefold(): str(v) for k, v in mapping.items()},
        default=value.get("default"),
        format=value.get("format"),
        from_name=bool(value.get("from_name")),
        from_point=bool(value.get("from_point")),
        prefix=value.get("prefix", ""),
    )


def _check_recipe(recipe: Recipe, problems: list[Problem]) -> None:
    label = recipe.label
    for section in SECTIONS:
        for name, spec in getattr(recipe, section).items():
            where = f"{section}.{name}"
            if not _has_origin(spec):
                problems.append(
                    Problem(label, "-", where, "say where it comes from (a column, a value, ...)")
                )
            if spec.from_name and where != "site.id":
                problems.append(Problem(label, "-", where, "from_name is for site.id only"))
            if spec.from_point and where != "site.country":
                problems.append(Problem(label, "-", where, "from_point is for site.country only"))
            if spec.prefix and where != "site.id":
                problems.append(Problem(label, "-", where, "prefix is for site.id only"))
            if spec.prefix and not _PREFIX.match(spec.prefix):
                problems.append(
                    Problem(label, "-", where, f"prefix {spec.prefix!r}: lower-case a-z, 0-9, -")
                )
            vocabulary = VOCABULARIES.get((section, name))
            if vocabulary:
                for given in [spec.value, spec.default, *spec.map.values()]:
                    if given is not None and str(given) not in vocabulary:
                        problems.append(
                            Problem(
                                label,
                                "-",
                                where,
                                f"{given!r} is not one of {', '.join(vocabulary)}",
                            )
                        )
    if recipe.claim and not recipe.source:
        problems.append(
            Problem(label, "-", "claim", "a claim needs sources: add a [source] section with url")
        )
    for required, section, names in (
        (REQUIRED_SOURCE_FIELDS, "source", recipe.source),
        (REQUIRED_CLAIM_FIELDS, "claim", recipe.claim),
    ):
        if names:
            for name in required:
                if name not in names:
                    problems.append(
                        Problem(
                            label,
                            "-",
                            f"{section}.{name}",
                            "required; say where it comes from (a column, a value or a template)",
                        )
                    )


def recipe_from_options(
    *,
    columns: Mapping[str, str] | None = None,
    constants: Mapping[str, str] | None = None,
    value_maps: Mapping[str, Mapping[str, str]] | None = None,
    id_from_name: bool = False,
    id_prefix: str = "",
    country_from_point: bool = False,
    label: str = "options",
) -> Recipe:
    """The recipe that ``--map``, ``--set``, ``--value``, ``--id-from-name`` and
    ``--country-from-point`` describe. Keys are ``field`` (site) or ``source.field`` /
    ``claim.field``.

    Raises
    ------
    LayerError
        An unknown field or a constant outside its vocabulary.
    """
    table: dict[str, dict[str, Any]] = {"site": {}, "source": {}, "claim": {}}

    def put(key: str, spec: dict[str, Any]) -> None:
        section, _, name = key.rpartition(".")
        table.setdefault(section or "site", {}).setdefault(name, {}).update(spec)

    for key, column in (columns or {}).items():
        put(key, {"column": column})
    for key, value in (constants or {}).items():
        put(key, {"value": value})
    for key, mapping in (value_maps or {}).items():
        put(key, {"map": dict(mapping)})
    if id_from_name:
        put("id", {"from_name": True})
    if id_prefix:
        put("id", {"prefix": id_prefix})
    if country_from_point:
        put("country", {"from_point": True})
    doc = {k: v for k, v in table.items() if v}
    problems: list[Problem] = []
    recipe = Recipe(label=label)
    for key, entries in doc.items():
        if key not in SECTIONS:
            problems.append(Problem(label, "-", key, "unknown section; use source. or claim."))
            continue
        setattr(recipe, key, _section(key, entries, label, problems, partial=True))
    _check_vocabularies_only(recipe, problems)
    if problems:
        raise LayerError(f"{label}: {len(problems)} problem(s)", problems)
    return recipe


def _check_vocabularies_only(recipe: Recipe, problems: list[Problem]) -> None:
    # Options complete a recipe file, so missing required fields are checked on the result.
    found: list[Problem] = []
    _check_recipe(recipe, found)
    problems += [
        p
        for p in found
        if "required" not in p.message
        and p.field != "claim"
        and not p.message.startswith("say where")
    ]


def check_complete(recipe: Recipe) -> None:
    """Raise LayerError when the combined recipe lacks a required source or claim field."""
    problems: list[Problem] = []
    _check_recipe(recipe, problems)
    if problems:
        raise LayerError(f"{recipe.label}: {len(problems)} problem(s) in the recipe", problems)


# --------------------------------------------------------------------------- cleaning values

_LOOKALIKES = dict(zip("АВЕКМНОРСТХаеорсухІіЈјЅѕ", "ABEKMHOPCTXaeopcyxIiJjSs", strict=True))
_CYRILLIC_TO_LATIN = {
    **dict(zip("абвгдезийклмнопрстуфхцы", "abvgdeziyklmnoprstufhcy", strict=True)),
    "ё": "e",
    "ж": "zh",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
    "є": "ye",
    "і": "i",
    "ї": "yi",
    "ґ": "g",
    "ў": "u",
    "ј": "j",
}
_LATIN = re.compile(r"[A-Za-z]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_WORD = re.compile(r"\S+")


def mixed_script_words(text: str) -> list[str]:
    """Words that mix Latin and Cyrillic letters (look-alikes such as Cyrillic ``Т`` in
    ``Т-72B``)."""
    return [w for w in _WORD.findall(text) if _LATIN.search(w) and _CYRILLIC.search(w)]


def fix_lookalikes(text: str) -> str:
    """Replace Cyrillic look-alike letters by Latin ones in words otherwise written in Latin.

    >>> fix_lookalikes("\\u0422-72B and \\u0422\\u043e\\u0440")   # Cyrillic Т in T-72B; Тор stays
    'T-72B and \\u0422\\u043e\\u0440'
    """

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        cyrillic = _CYRILLIC.findall(word)
        if _LATIN.search(word) and cyrillic and all(c in _LOOKALIKES for c in cyrillic):
            return "".join(_LOOKALIKES.get(c, c) for c in word)
        return word

    return _WORD.sub(fix, text)


def slugify(text: str, max_length: int = 80) -> str:
    """A lower-case ``a-z0-9-`` slug; Cyrillic is transliterated, other scripts' accents
    dropped.

    >>> slugify("Guantánamo Bay")
    'guantanamo-bay'
    >>> slugify("/B 5th Anti-Aircraft Missile Brigade")
    'b-5th-anti-aircraft-missile-brigade'
    >>> slugify("Кант")
    'kant'
    """
    text = "".join(_CYRILLIC_TO_LATIN.get(c.lower(), c) for c in text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) > max_length:
        slug = (
            slug[:max_length].rsplit("-", 1)[0] if "-" in slug[:max_length] else slug[:max_length]
        )
    return slug.strip("-")


@functools.lru_cache(maxsize=4096)
def country_code(value: str) -> str | None:
    """ISO 3166-1 alpha-2 for a country name, alpha-3 or alpha-2 code (pycountry), else None.

    >>> country_code("Ukraine"), country_code("RUS"), country_code("tj"), country_code("Russia")
    ('UA', 'RU', 'TJ', 'RU')
    """
    import pycountry

    text = " ".join(value.split())
    if not text:
        return None
    found = None
    if len(text) == 2 and text.isalpha():
        found = pycountry.countries.get(alpha_2=text.upper())
    elif len(text) == 3 and text.isalpha():
        found = pycountry.countries.get(alpha_3=text.upper())
    if found is None:
        alias = SHORT_NAMES.get(text.casefold())
        if alias:
            return alias
        try:
            found = pycountry.countries.lookup(text)
        except LookupError:
            return None
    return found.alpha_2


# Short names in everyday use that ISO 3166 (and so pycountry) does not list.
SHORT_NAMES = {
    "russia": "RU",
    "turkey": "TR",
    "uk": "GB",
    "britain": "GB",
    "great britain": "GB",
    "ivory coast": "CI",
    "dr congo": "CD",
    "drc": "CD",
    "democratic republic of the congo": "CD",
    "palestine": "PS",
    "macedonia": "MK",
    "burma": "MM",
    "cape verde": "CV",
    "swaziland": "SZ",
    "brunei": "BN",
    "micronesia": "FM",
    "vatican": "VA",
    "usa": "US",
}


_DATE_ISO = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_DATE_SLASHED = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")
_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]\d{1,2}:\d{2}")


def normalize_date(value: str, fmt: str | None = None) -> str | None:
    """``YYYY-MM-DD`` (or ``YYYY-MM``, ``YYYY``) from a cell, None if it is not a date.

    Accepted: ISO dates, ``YYYY/MM/DD`` (GDAL), ISO date-times (the date is kept), or
    ``fmt`` (a ``strptime`` format such as ``%d/%m/%Y``). ``02/03/2022`` is refused without
    a format: day-first and month-first cannot be told apart.
    """
    text = value.strip()
    if fmt:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            return None
    if _DATE_ISO.match(text):
        return text
    if m := _DATE_SLASHED.match(text):
        return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    if m := _DATETIME.match(text):
        return m.group(1)
    return None


# A URL runs to a space or separator, or to the next "http(s)://" (cells where two links
# were pasted with nothing between them).
_URL = re.compile(r"https?://.+?(?=https?://|[\s,;|<>\"'\\]|$)", re.IGNORECASE)


def split_urls(cell: str) -> list[str]:
    """The http(s) URLs in a cell, in order, without repeats (cells often hold several,
    separated by spaces, commas, semicolons or new lines, or glued together).

    >>> split_urls("https://a.example/1, https://b.example/2 https://a.example/1")
    ['https://a.example/1', 'https://b.example/2']
    >>> split_urls("https://t.me/x/1?singlehttps://t.me/x/2")
    ['https://t.me/x/1?single', 'https://t.me/x/2']
    """
    urls = [u.rstrip(").]") for u in _URL.findall(cell)]
    return list(dict.fromkeys(u for u in urls if len(u) > len("https://")))


# --------------------------------------------------------------------------- reading rows


@dataclass
class RawRow:
    """One record of the file as read: where it is, its cells, its geometry if any."""

    label: str  # "row N" (CSV, the header is row 1) or "#N" (features, 0-based)
    cells: dict[str, Any]
    geometry: dict[str, Any] | None = None
    lines: tuple[int, int] | None = None  # CSV: first and last physical line
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # field, message, sev


def read_csv_rows(path: Path) -> tuple[list[str], list[RawRow]]:
    """Header and records of a CSV, each with its lines; broken records are flagged.

    A record with more or fewer cells than the header, or one spanning several lines whose
    cell holds what looks like further records, most likely met an unbalanced quote.
    """
    with path.open(encoding="utf-8-sig", newline="") as handle:
        text = handle.read()
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] = []
    rows: list[RawRow] = []
    last_line = 0
    record = 0
    for cells in reader:
        start, last_line = last_line + 1, reader.line_num
        if not cells:
            continue
        record += 1
        if not header:
            header = [c.strip() for c in cells]
            continue
        row = RawRow(
            f"row {record}", dict(zip(header, cells, strict=False)), lines=(start, last_line)
        )
        span = f"line {start}" if start == last_line else f"lines {start}-{last_line}"
        if len(cells) != len(header):
            row.problems.append(
                (
                    "row",
                    f"{len(cells)} cells where the header has {len(header)} ({span}; an "
                    "unbalanced quote may have merged or split records)",
                    "error",
                )
            )
            for extra, cell in enumerate(cells[len(header) :]):
                row.cells[f"(extra cell {extra + 1})"] = cell
        elif start != last_line and _holds_records(cells, delimiter, len(header)):
            row.problems.append(
                (
                    "row",
                    f"{span} read as one record, and a cell holds what looks like further "
                    "records: a quote is probably unbalanced",
                    "warning",
                )
            )
        rows.append(row)
    return header, rows


def _holds_records(cells: Sequence[str], delimiter: str, width: int) -> bool:
    enough = max(2, (width - 1) // 2)
    return any(
        line.count(delimiter) >= enough
        for cell in cells
        if "\n" in cell
        for line in cell.split("\n")[1:]
    )


def read_feature_rows(path: Path, problems: list[Problem]) -> tuple[list[str], list[RawRow]]:
    """Rows of a GeoJSON FeatureCollection, or of a bare JSON array of Features (with a
    notice); each feature's properties are its cells and its ``id`` the ``id`` cell."""
    label = str(path)
    try:
        doc = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as err:
        raise LayerError(
            f"{path}: not JSON: {err}", [Problem(label, "-", "file", f"not JSON: {err}")]
        ) from err
    if isinstance(doc, list):
        features = doc
        problems.append(
            Problem(
                label,
                "-",
                "file",
                f"a bare JSON array of {len(doc)} features, read as a FeatureCollection",
                "notice",
            )
        )
    elif isinstance(doc, dict) and isinstance(doc.get("features"), list):
        features = doc["features"]
    else:
        raise LayerError(
            f"{path}: not a GeoJSON FeatureCollection",
            [Problem(label, "-", "file", "expected a FeatureCollection or an array of Features")],
        )
    rows, columns = [], {}
    for index, feature in enumerate(features):
        row = RawRow(f"#{index}", {})
        if not isinstance(feature, dict):
            row.problems.append(("feature", "not an object", "error"))
        else:
            properties = feature.get("properties") or {}
            if not isinstance(properties, dict):
                row.problems.append(("properties", "must be an object", "error"))
                properties = {}
            row.cells = dict(properties)
            if feature.get("id") is not None and "id" not in row.cells:
                row.cells["id"] = feature["id"]
            row.geometry = feature.get("geometry")
        columns.update(dict.fromkeys(row.cells))
        rows.append(row)
    return list(columns), rows


def read_rows(path: Path, problems: list[Problem]) -> tuple[list[str], list[RawRow]]:
    """Header and rows of any file the import reads (CSV and GeoJSON here, the other formats
    through the exchange readers)."""
    from facilitymap.exchange.registry import FORMATS, format_of

    fmt = format_of(path)
    if fmt == "csv":
        return read_csv_rows(path)
    if fmt == "geojson":
        return read_feature_rows(path, problems)
    raw = FORMATS[fmt].read(path, problems).rows
    rows = [RawRow(f"#{i}", dict(cells), geometry) for i, (_, geometry, cells) in enumerate(raw)]
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row.cells))
    return list(columns), rows


# --------------------------------------------------------------------------- applying


@dataclass
class Rejected:
    """A row left out by ``skip_invalid``, with its cells and why."""

    label: str
    cells: dict[str, Any]
    reasons: list[str]
    lines: tuple[int, int] | None = None
    geometry: dict[str, Any] | None = None


@dataclass
class RecipeResult:
    """Sites made by a recipe, every problem met, and the rows refused (``skip_invalid``)."""

    sites: list[Site]
    problems: list[Problem] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: int = 0


def read_with_recipe(
    path: str | os.PathLike[str], recipe: Recipe, *, skip_invalid: bool = False
) -> RecipeResult:
    """Apply ``recipe`` to every row of the file at ``path``.

    Parameters
    ----------
    path : path-like
        CSV, GeoJSON (also a bare JSON array of Features), KML, GPKG, FlatGeobuf, Shapefile.
    recipe : Recipe
        From :func:`load_recipe`, :func:`recipe_from_options`, or both (``merged``).
    skip_invalid : bool
        Leave out the rows with errors (listed in ``rejected`` with their reasons) instead of
        refusing the whole file.

    Returns
    -------
    RecipeResult

    Raises
    ------
    FacilitymapError
        The recipe names a column the file does not have (nothing is read further).
    LayerError
        Any row has an error and ``skip_invalid`` is False; ``problems`` holds all of them.
    """
    from facilitymap.exchange.registry import format_of

    path = Path(path)
    if not path.is_file():
        raise FacilitymapError(f"{path}: no such file")
    format_of(path)
    check_complete(recipe)
    label = str(path)
    problems: list[Problem] = []
    header, rows = read_rows(path, problems)
    resolve = _column_resolver(header, recipe, label)
    builder = _RowBuilder(recipe, resolve, label, header)
    problems += builder.geometry_warning(rows)
    built = [builder.build(row) for row in rows]
    builder.fill_countries(built)
    by_site: dict[str, _Built] = {}
    for item in built:
        item.make_site()
        if item.site is not None:
            by_site.setdefault(item.site.id, item)
    _layer_rules(built, by_site, label)
    result = RecipeResult([], problems, columns=header, rows=len(rows))
    problems += builder.notices()
    for item in built:
        problems += item.problems
        errors = [p for p in item.problems if p.severity == "error"]
        if not errors and item.site is not None:
            result.sites.append(item.site)
        elif skip_invalid:
            result.rejected.append(
                Rejected(
                    item.row.label,
                    item.row.cells,
                    [f"{p.field}: {p.message}" for p in errors] or ["not a site"],
                    item.row.lines,
                    item.row.geometry,
                )
            )
    if not skip_invalid and any(p.severity == "error" for p in problems):
        count = sum(p.severity == "error" for p in problems)
        raise LayerError(f"{label}: {count} error(s); nothing imported", problems)
    return result


def _column_resolver(header: Sequence[str], recipe: Recipe, label: str):
    by_lower: dict[str, str] = {}
    for column in header:
        by_lower.setdefault(column.strip().casefold(), column)
    missing = [c for c in recipe.columns() if c.strip().casefold() not in by_lower]
    if missing and header:
        shown = ", ".join(repr(c) for c in header[:40]) + (" ..." if len(header) > 40 else "")
        raise LayerError(
            f"{label}: no column {', '.join(map(repr, missing))} (columns: {shown})",
            [Problem(recipe.label, "-", "column", f"no column {c!r} in {label}") for c in missing],
        )

    def resolve(name: str) -> str | None:
        return by_lower.get(name.strip().casefold())

    resolve.by_lower = by_lower  # type: ignore[attr-defined]
    return resolve


@dataclass
class _Built:
    row: RawRow
    fields: dict[str, Any]
    geometry: dict[str, Any] | None
    sources: list[dict[str, Any]]
    claims: list[dict[str, Any]]
    extra: dict[str, Any]
    problems: list[Problem]
    label: str
    file_label: str
    site: Site | None = None
    needs_country: bool = False
    columns: Mapping[str, str] = field(default_factory=dict)  # field → column it came from

    def problem(self, field_name: str, message: str, severity: str = "error") -> None:
        self.problems.append(
            Problem(self.file_label, self.label, field_name, message, cast(Severity, severity))
        )

    def make_site(self) -> None:
        from facilitymap.exchange.flat import row_to_record

        record, found = row_to_record(
            {k: v for k, v in self.fields.items() if k not in ("lon", "lat", "wkt")},
            self.geometry,
            blank_is_absent=True,
        )
        record["claims"] = self.claims
        record["sources"] = self.sources
        record["extra_properties"] = {**self.extra, **record.get("extra_properties", {})}
        for p in found:
            self.problem(p.field, p.message)
        # A field already refused (a country name no one knows, an id cell with no letters)
        # is not reported again as missing.
        reported = {p.field for p in self.problems}
        if reported & {"lon/lat", "wkt"}:
            reported.add("country")  # from a point that could not be read
        try:
            self.site = site_from_record(record)
        except RecordError as err:
            for where, message in err.problems:
                if where in reported and (message == "required field is missing" or where == "id"):
                    continue
                if message == "required field is missing":
                    column = self.columns.get(where)
                    message = (
                        f"blank cell in column {column!r} (a default in the recipe would fill it)"
                        if column
                        else message + " (give it in the recipe's [site] section)"
                    )
                self.problem(where or "site", message)


class _RowBuilder:
    """Turns raw rows into site parts following the recipe, collecting every problem."""

    def __init__(self, recipe: Recipe, resolve, file_label: str, header: Sequence[str]):
        self.recipe = recipe
        self.resolve = resolve
        self.file_label = file_label
        self.header = list(header)
        self.slug_counts: Counter[str] = Counter()
        self.ids_seen: dict[str, str] = {}
        self.decoded: set[tuple[str, str]] = set()  # (row, column): a cell read twice counts once
        self.lookalike_rows: list[str] = []
        self.lookalikes_fixed: set[tuple[str, str]] = set()
        self.z_dropped = 0
        used = {c.strip().casefold() for c in recipe.columns()}
        if "id" not in recipe.site and resolve("id"):
            used.add("id")  # the ids' column when the recipe names none
        geometry = {"lon", "lat", "wkt"} & set(recipe.site)
        self.auto_geometry = {}
        if not geometry:
            for name, candidates in (("wkt", WKT_NAMES), ("lon", LON_NAMES), ("lat", LAT_NAMES)):
                for candidate in candidates:
                    column = resolve(candidate)
                    if column and candidate not in used:
                        self.auto_geometry[name] = column
                        break
        self.kept = self._kept_columns(used)

    def _kept_columns(self, used: set[str]) -> list[str]:
        auto = {c.casefold() for c in self.auto_geometry.values()}
        if self.recipe.keep is None:
            return [c for c in self.header if c.strip().casefold() not in used | auto]
        return [c for name in self.recipe.keep if (c := self.resolve(name))]

    def geometry_warning(self, rows: Sequence[RawRow]) -> list[Problem]:
        """A warning naming lat/lon-like columns when nothing gives the rows a geometry."""
        has_geometry = {"lon", "lat", "wkt"} & set(self.recipe.site) or self.auto_geometry
        if has_geometry or any(r.geometry for r in rows):
            return []
        candidates = [c for c in self.header if COORDINATE_LIKE.search(c)]
        if not candidates:
            return []
        names = ", ".join(repr(c) for c in candidates)
        return [
            Problem(
                self.file_label,
                "-",
                "geometry",
                f"no geometry mapped, so all {len(rows)} "
                f"sites would be unlocated; columns {names} look like coordinates: map them "
                "(lon = { column = ... }, lat = ..., or wkt)",
                "warning",
            )
        ]

    # -- cells

    def _text(self, value: Any, row_label: str, column: str = "") -> Any:
        if not isinstance(value, str):
            return value
        value = value.strip()
        if self.recipe.decode_html and "&" in value:
            decoded = html.unescape(value)
            if decoded != value:
                self.decoded.add((row_label, column))
                value = decoded
        if _CYRILLIC.search(value) and mixed_script_words(value):
            if self.recipe.fix_lookalikes:
                fixed = fix_lookalikes(value)
                if fixed != value:
                    self.lookalikes_fixed.add((row_label, column))
                    value = fixed
            if mixed_script_words(value):
                self.lookalike_rows.append(row_label)
        return value

    def cell(self, row: RawRow, column: str) -> Any:
        name = self.resolve(column)
        value = row.cells.get(name) if name is not None else None
        return self._text(value, row.label, name or "")

    def value(self, row: RawRow, spec: FieldSpec) -> Any:
        """The spec's value for the row (None when blank and no default)."""
        if spec.value is not None:
            return spec.value
        if spec.template is not None:

            def put(match: re.Match[str]) -> str:
                found = self.cell(row, match.group(1))
                return "" if found is None else str(found)

            return _PLACEHOLDER.sub(put, spec.template).strip() or None
        if spec.column is None:
            return None
        value = self.cell(row, spec.column)
        if value is None or value == "":
            return spec.default
        if spec.map:
            mapped = spec.map.get(str(value).strip().casefold())
            if mapped is not None:
                return mapped
            if spec.default is not None:
                return spec.default
        return value

    # -- rows

    def build(self, row: RawRow) -> _Built:
        site_specs = self.recipe.site
        fields: dict[str, Any] = {}
        problems: list[Problem] = []
        for name, spec in site_specs.items():
            if name in ("id",) or spec.from_point:
                continue
            value = self.value(row, spec)
            if value is not None and (("site", name) in DATE_FIELDS):
                value = self._date(value, spec, f"{name}", problems, row)
            fields[name] = value
        built = _Built(row, fields, None, [], [], {}, problems, row.label, self.file_label)
        built.columns = {name: spec.column for name, spec in site_specs.items() if spec.column}
        site_id = self._site_id(row, fields, built)
        if site_id:
            built.label = site_id
            fields["id"] = site_id
        for where, message, severity in row.problems:
            built.problem(where, message, severity)
        self._geometry(row, fields, built)
        self._country(row, fields, built)
        self._sources_and_claims(row, built)
        for column in self.kept:
            value = self._text(row.cells.get(column), row.label, column)
            if value not in (None, ""):
                built.extra[column if column not in _RESERVED else f"source_{column}"] = value
        if built.geometry is None:
            # No point, no placement to speak of: whatever the recipe says for located rows.
            fields["location_basis"] = "unlocated"
            fields.pop("precision_m", None)
        if built.label != row.label:  # problems met before the id was known
            built.problems[:] = [
                Problem(p.path, built.label, p.field, p.message, p.severity)
                if p.site == row.label
                else p
                for p in built.problems
            ]
        return built

    def _date(self, value: Any, spec: FieldSpec, where: str, problems: list, row: RawRow):
        text = str(value)
        date = normalize_date(text, spec.format)
        if date is None:
            hint = (
                f" (format {spec.format!r})"
                if spec.format
                else ('; give its format, e.g. { column = ..., format = "%d/%m/%Y" }')
            )
            problems.append(
                Problem(self.file_label, row.label, where, f"not a date: {text[:40]!r}{hint}")
            )
            return None
        return date

    def _site_id(self, row: RawRow, fields: dict[str, Any], built: _Built) -> str | None:
        spec = self.recipe.site.get("id")
        if spec is None:
            spec = FieldSpec(column="id") if self.resolve("id") else None
        if spec is None:
            built.problem(
                "id", "no id: the recipe needs id = { column = ... } or id = { from_name = true }"
            )
            return None
        if spec.from_name:
            base = slugify(str(fields.get("name") or ""))
            if not base:
                built.problem("id", "cannot make an id from an empty name")
                return None
            base = _prefixed(spec.prefix, base)
            self.slug_counts[base] += 1
            count = self.slug_counts[base]
            # Numbered in file order, so the same file (or the same file with rows added at
            # the end) gives the same ids on every run.
            return base if count == 1 else f"{base}-{count}"
        raw = self.value(row, spec)
        slug = slugify(str(raw)) if raw not in (None, "") else ""
        if not slug:
            built.problem(
                "id",
                f"cell {raw!r} gives no usable id" if raw not in (None, "") else "blank id cell",
            )
            return None
        slug = _prefixed(spec.prefix, slug)
        if slug in self.ids_seen:
            built.problem("id", f"{slug!r} is already the id of {self.ids_seen[slug]}")
            return None
        self.ids_seen[slug] = row.label
        return slug

    def _geometry(self, row: RawRow, fields: dict[str, Any], built: _Built) -> None:
        def pick(name: str) -> Any:
            if name in fields:
                return fields[name]
            column = self.auto_geometry.get(name)
            return self.cell(row, column) if column else None

        wkt, lon, lat = pick("wkt"), pick("lon"), pick("lat")
        if wkt not in (None, ""):
            from facilitymap.exchange.geometries import from_wkt

            try:
                geometry = from_wkt(str(wkt))
            except ValueError as err:
                built.problem("wkt", f"not WKT: {err}")
                return
            built.geometry = None if geometry is None else self._drop_z(geometry)
        elif lon not in (None, "") or lat not in (None, ""):
            try:
                built.geometry = {"type": "Point", "coordinates": [float(lon), float(lat)]}
            except (TypeError, ValueError):
                built.problem("lon/lat", f"not numbers: {_short(lon)}, {_short(lat)}")
        elif isinstance(row.geometry, dict):
            built.geometry = self._drop_z(row.geometry)

    def _drop_z(self, geometry: dict[str, Any]) -> dict[str, Any]:
        def flat(coords: Any) -> Any:
            if isinstance(coords, list) and coords and isinstance(coords[0], int | float):
                if len(coords) > 2:
                    dropped[0] = True
                return coords[:2]
            if isinstance(coords, list):
                return [flat(c) for c in coords]
            return coords

        dropped = [False]
        if "coordinates" not in geometry:
            return geometry
        out = {**geometry, "coordinates": flat(geometry["coordinates"])}
        self.z_dropped += dropped[0]
        return out

    def _country(self, row: RawRow, fields: dict[str, Any], built: _Built) -> None:
        spec = self.recipe.site.get("country")
        if spec is not None and spec.from_point:
            built.needs_country = True
            return
        value = fields.get("country")
        if value in (None, ""):
            return
        code = country_code(str(value))
        if code is None:
            built.problem("country", f"{_short(value)} is not a country name or ISO code")
            fields["country"] = None
        else:
            fields["country"] = code

    def fill_countries(self, built: Sequence[_Built]) -> None:
        """Countries from the points, in one pass (the offline borders of the map)."""
        from facilitymap.context import countries_of
        from facilitymap.geometry import representative_point

        pending = [
            (b, representative_point(b.geometry))
            for b in built
            if b.needs_country and not any(p.field in ("lon/lat", "wkt") for p in b.problems)
        ]
        located = [(b, p) for b, p in pending if p is not None]
        for b, point in pending:
            if point is None:
                b.problem("country", "no point to find the country from (map a country column)")
        if not located:
            return
        codes = countries_of([p[0] for _, p in located], [p[1] for _, p in located])
        for (b, point), code in zip(located, codes, strict=True):
            if code:
                b.fields["country"] = str(code)
            else:
                b.problem(
                    "country",
                    f"the point {point[0]:g}, {point[1]:g} is in no country the "
                    "offline borders know (map a country column)",
                )

    def _sources_and_claims(self, row: RawRow, built: _Built) -> None:
        recipe = self.recipe
        if not recipe.source:
            return
        cell = self.value(row, recipe.source["url"])
        urls = split_urls(str(cell)) if cell not in (None, "") else []
        if not urls:
            if cell not in (None, ""):
                built.problem("source.url", f"no http(s) URL in {_short(cell)}")
            else:
                built.problem(
                    "source.url", "blank: the site gets no source and no claim", "warning"
                )
            return
        source_fields = {}
        for name, spec in recipe.source.items():
            if name == "url":
                continue
            value = self.value(row, spec)
            if value is not None and ("source", name) in DATE_FIELDS:
                value = self._date(value, spec, f"source.{name}", built.problems, row)
            if value not in (None, ""):
                source_fields[name] = str(value)
            elif name in REQUIRED_SOURCE_FIELDS:
                built.problem(f"source.{name}", "blank: the source needs it")
        for i, url in enumerate(urls, start=1):
            built.sources.append({"id": f"s{i}", **_ordered(source_fields, url)})
        if not recipe.claim:
            if _refused_for(built, ("source.",)):
                built.sources.clear()
            return
        claim: dict[str, Any] = {"id": "c1"}
        for name in CLAIM_FIELDS:
            claim_spec = recipe.claim.get(name)
            value = self.value(row, claim_spec) if claim_spec else None
            if name == "basis" and value in (None, ""):
                value = DEFAULT_CLAIM_BASIS
            if claim_spec and value not in (None, "") and ("claim", name) in DATE_FIELDS:
                value = self._date(value, claim_spec, "claim.date", built.problems, row)
            if value not in (None, ""):
                claim[name] = str(value)
            elif name in REQUIRED_CLAIM_FIELDS:
                built.problem(f"claim.{name}", "blank: the claim needs it")
        claim["sources"] = [s["id"] for s in built.sources]
        if _refused_for(built, ("source.", "claim.")):
            built.sources.clear()  # the row is refused for what its source or claim lacks
        else:
            built.claims.append(claim)

    def notices(self) -> list[Problem]:
        """What was changed or noticed across rows, counted once each."""
        out = []
        if self.decoded:
            out.append(
                Problem(
                    self.file_label,
                    "-",
                    "text",
                    f"HTML entities decoded in {len(self.decoded)} cell(s) (&aacute; → á)",
                    "notice",
                )
            )
        if self.z_dropped:
            out.append(
                Problem(
                    self.file_label,
                    "-",
                    "geometry",
                    f"z values dropped from {self.z_dropped} geometr(ies)",
                    "notice",
                )
            )
        if self.lookalikes_fixed:
            out.append(
                Problem(
                    self.file_label,
                    "-",
                    "text",
                    "Cyrillic look-alike letters "
                    f"replaced by Latin ones in {len(self.lookalikes_fixed)} cell(s)",
                    "notice",
                )
            )
        rows = list(dict.fromkeys(self.lookalike_rows))
        if rows:
            shown = ", ".join(rows[:5]) + (f" and {len(rows) - 5} more" if len(rows) > 5 else "")
            out.append(
                Problem(
                    self.file_label,
                    "-",
                    "text",
                    f"words mixing Latin and Cyrillic "
                    f"letters (look-alikes?) in {shown}; [options] fix_lookalikes = "
                    "true replaces them",
                    "warning",
                )
            )
        return out


# The layer's own property names (and the id): never kept again as an unknown property.
_RESERVED = frozenset({*PROPERTY_ORDER, "id"})


def _refused_for(built: _Built, prefixes: tuple[str, ...]) -> bool:
    return any(p.severity == "error" and p.field.startswith(prefixes) for p in built.problems)


def _prefixed(prefix: str, slug: str) -> str:
    if not prefix:
        return slug
    return prefix + slug if prefix.endswith("-") else f"{prefix}-{slug}"


def _ordered(fields: Mapping[str, str], url: str) -> dict[str, str]:
    out = {k: fields[k] for k in ("title", "publisher", "author") if k in fields}
    out["url"] = url
    out.update({k: v for k, v in fields.items() if k not in out})
    return out


def _short(value: Any, limit: int = 40) -> str:
    text = str(value)
    return repr(text if len(text) <= limit else text[:limit] + "…")


def _layer_rules(built: Sequence[_Built], by_site: Mapping[str, _Built], label: str) -> None:
    # The layer's own validator, over the sites made so far, named against this file; its
    # problems go back to the rows they came from.
    from facilitymap.io import Layer
    from facilitymap.validate import validate_layer

    sites = [b.site for b in built if b.site is not None]
    for problem in validate_layer(Layer(sites=sites), label):
        if problem.severity == "notice":
            continue
        owner = by_site.get(problem.site)
        if owner is not None:
            owner.problems.append(problem)


# --------------------------------------------------------------------------- output


_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|-?\d+(?:[.\-]\d+)*")


def problem_kind(problem: Problem) -> tuple[str, str, str]:
    """(severity, field, message with its values blanked): problems of one kind share it."""
    return problem.severity, problem.field, _QUOTED.sub("…", problem.message)


def summarize_problems(problems: Iterable[Problem], examples: int = 3) -> list[str]:
    """Lines grouping problems by severity, field and kind, with counts and a few examples.

    ``row 12: name: ...`` style lines are for a handful of problems; past that, one line per
    kind says how many there are and shows the first ``examples``.
    """
    order = {"error": 0, "warning": 1, "notice": 2}
    groups: dict[tuple[str, str, str], list[Problem]] = {}
    for problem in problems:
        groups.setdefault(problem_kind(problem), []).append(problem)
    lines = []
    for key in sorted(groups, key=lambda k: (order[k[0]], -len(groups[k]), k[1])):
        members = groups[key]
        severity, field_name, _ = key
        prefix = "" if severity == "error" else f"{severity}: "
        if len(members) == 1:
            lines.append(str(members[0]))
            continue
        path = members[0].path
        lines.append(f"{path}: {prefix}{field_name}: {len(members)} × {_kind_text(members)}")
        for p in members[:examples]:
            lines.append(f"    {p.site}: {p.message}")
        if len(members) > examples:
            lines.append(f"    ... and {len(members) - examples} more")
    return lines


def _kind_text(members: Sequence[Problem]) -> str:
    message = members[0].message
    return message if all(p.message == message for p in members) else problem_kind(members[0])[2]


def write_rejects(
    path: str | os.PathLike[str], rejected: Sequence[Rejected], columns: Sequence[str]
) -> None:
    """The refused rows as CSV (atomically): ``row``, ``lines``, ``reasons``, then the file's
    own columns as read (and ``wkt`` when the rows had a geometry), so they can be fixed and
    imported again."""
    from facilitymap.atomic import write_atomic
    from facilitymap.exchange.geometries import to_wkt

    extra = list(dict.fromkeys(k for r in rejected for k in r.cells if k not in columns))
    with_geometry = any(r.geometry for r in rejected)
    header = ["row", "lines", "reasons", *columns, *extra] + (["wkt"] if with_geometry else [])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for r in rejected:
        lines = (
            ""
            if r.lines is None
            else (str(r.lines[0]) if r.lines[0] == r.lines[1] else f"{r.lines[0]}-{r.lines[1]}")
        )
        cells = [_cell_text(r.cells.get(c)) for c in (*columns, *extra)]
        wkt = []
        if with_geometry:
            try:
                wkt = [to_wkt(r.geometry) if isinstance(r.geometry, dict) else ""]
            except (ValueError, KeyError, TypeError, IndexError):
                wkt = [orjson.dumps(r.geometry).decode()]
        writer.writerow([r.label, lines, "; ".join(r.reasons), *cells, *wkt])
    write_atomic(path, buffer.getvalue())


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return orjson.dumps(value).decode() if isinstance(value, dict | list) else str(value)
