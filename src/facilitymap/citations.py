"""Citations out and in: the layer's sources as CSL-JSON and BibTeX, and CSL-JSON read back.

Writers cite our sources in articles and papers. :func:`csl_items` turns the sources of a list
of sites into CSL-JSON items (the format of Zotero, Pandoc and every CSL processor),
:func:`bibtex_entries` into biblatex ``@online`` entries, and :func:`sources_from_csl_json`
reads CSL-JSON items back as :class:`~facilitymap.model.Source` records.

One entry per source. A publication cited by several sites with the very same record (same id,
title, URL, dates...) is one entry; two different records sharing an id get ids prefixed with
their site (``tj-murghab-shaymak:s1``). Fields, as the layer has them:

============== ====================================== ===================================
layer          CSL-JSON                               BibTeX (biblatex)
============== ====================================== ===================================
id             id                                     entry key
title          title                                  title
publisher      container-title (the original outlet)  organization
author         author, as one literal name            author, braced (kept as written)
published      issued                                 date
url            URL (the copy read)                    url
accessed       accessed                               urldate
language       language                               langid (babel name) or language
archive_url    archive_location (archive: its host)   addendum ("Archived at \\url{...}")
via            note ("Read via ...")                  note ("Read via ...")
============== ====================================== ===================================

Authors are kept as one literal name each (``Gerry Shih``, ``RFE/RL's Tajik Service``,
``Zhou Hongwen (compiler)``): splitting a name into family and given parts would guess at name
order, which differs between the languages our sources are written in. The item type is
``webpage`` for every source (each has a URL; the layer does not record whether it is a news
article, a report or a post). Everything here is a pure function except
:func:`write_citations`, which writes one file atomically.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import orjson

from facilitymap.atomic import write_atomic
from facilitymap.model import LOCAL_ID_PATTERN, RecordError, Site, Source, record_from_dict

# Export formats (``facilitymap export --to``) this module writes.
CITATION_FORMATS = ("csl-json", "bibtex")

VIA_PREFIX = "Read via "
CSL_TYPE = "webpage"


def _unique_sources(sites: Iterable[Site]) -> list[tuple[str, Source]]:
    """``(citation id, source)`` once per distinct source record, in layer order.

    Records of one id that differ only in ``accessed`` (and ``note``) are one publication read
    on different days: one entry, with the latest ``accessed``.
    """
    by_id: dict[str, list[tuple[Site, Source]]] = {}
    for site in sites:
        for source in site.sources:
            by_id.setdefault(source.id, []).append((site, source))
    out: list[tuple[str, Source]] = []
    for source_id, uses in by_id.items():
        if len({_record_key(source) for _, source in uses}) == 1:
            out.append((source_id, _latest(source for _, source in uses)))
            continue
        grouped: dict[tuple, list[Source]] = {}
        first_site: dict[tuple, str] = {}
        for site, source in uses:
            key = _record_key(source)
            grouped.setdefault(key, []).append(source)
            first_site.setdefault(key, site.id)
        out += [(f"{first_site[k]}:{source_id}", _latest(v)) for k, v in grouped.items()]
    return out


def _record_key(source: Source) -> tuple:
    # The note is about the source's use in one site, and the same publication may have been
    # read again later: neither makes it another publication.
    data = source.to_json_dict()
    data.pop("note", None)
    data.pop("accessed", None)
    return tuple(sorted((k, repr(v)) for k, v in data.items()))


def _latest(sources: Iterable[Source]) -> Source:
    from facilitymap.dates import date_end

    listed = list(sources)
    dated = [s for s in listed if s.accessed]
    return max(dated, key=lambda s: date_end(s.accessed or "")) if dated else listed[0]


def _date_parts(value: str) -> dict[str, Any]:
    return {"date-parts": [[int(part) for part in value.split("-")]]}


def csl_item(source: Source, item_id: str | None = None) -> dict[str, Any]:
    """One source as a CSL-JSON item (keys in a fixed order; unset fields left out)."""
    item: dict[str, Any] = {"id": item_id or source.id, "type": CSL_TYPE, "title": source.title}
    item["container-title"] = source.publisher
    if source.author:
        item["author"] = [{"literal": source.author}]
    if source.published:
        item["issued"] = _date_parts(source.published)
    item["URL"] = source.url
    if source.accessed:
        item["accessed"] = _date_parts(source.accessed)
    if source.language:
        item["language"] = source.language
    if source.archive_url:
        item["archive"] = urlsplit(source.archive_url).hostname or source.archive_url
        item["archive_location"] = source.archive_url
    if source.via:
        item["note"] = VIA_PREFIX + source.via
    return item


def csl_items(sites: Iterable[Site]) -> list[dict[str, Any]]:
    """The sources of ``sites`` as CSL-JSON items, one per distinct source, in layer order."""
    return [csl_item(source, item_id) for item_id, source in _unique_sources(sites)]


# ------------------------------------------------------------------------------- BibTeX

# biblatex's langid takes babel/polyglossia names, not BCP 47 tags.
BABEL_LANGUAGES = {
    "de": "ngerman",
    "en": "english",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "it": "italian",
    "pt": "portuguese",
    "ru": "russian",
    "uk": "ukrainian",
}

_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    # BibTeX counts braces even after a backslash, so "\}" could still end a field: braces
    # become commands that hold balanced braces themselves.
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "$": r"\$",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\~{}",
}
_LATEX_RE = re.compile("|".join(re.escape(c) for c in _LATEX_SPECIAL))
# Characters that cannot appear raw in a BibTeX URL field: braces would end the field, and
# whitespace or control characters would break it; they are percent-encoded.
_URL_UNSAFE = re.compile(r"[{}\\\s\x00-\x1f\x7f\"%]")


def bibtex_escape(text: str) -> str:
    """Text as a BibTeX field value: LaTeX specials escaped, so braces always balance and no
    value can end its field or start a command; whitespace runs become one space."""
    text = " ".join(text.split())
    return _LATEX_RE.sub(lambda m: _LATEX_SPECIAL[m.group()], text)


def _bibtex_url(url: str) -> str:
    # "%" itself is left alone when it already starts an escape (%20), encoded otherwise.
    def encode(match: re.Match) -> str:
        char = match.group()
        return char if char == "%" else quote(char, safe="")

    url = re.sub(r"%(?![0-9A-Fa-f]{2})", "%25", url)
    return _URL_UNSAFE.sub(encode, url)


def bibtex_key(item_id: str) -> str:
    """A BibTeX key from a citation id: characters BibTeX keys cannot hold become ``-``."""
    return re.sub(r"[^A-Za-z0-9._:/-]", "-", item_id)


def bibtex_entry(source: Source, item_id: str | None = None) -> str:
    """One source as a biblatex ``@online`` entry."""
    fields: list[tuple[str, str]] = [("title", bibtex_escape(source.title))]
    if source.author:
        fields.append(("author", "{" + bibtex_escape(source.author) + "}"))
    fields.append(("organization", bibtex_escape(source.publisher)))
    if source.published:
        fields.append(("date", source.published))
    fields.append(("url", _bibtex_url(source.url)))
    if source.accessed:
        fields.append(("urldate", source.accessed))
    if source.language:
        babel = BABEL_LANGUAGES.get(source.language.split("-")[0].lower())
        # langid drives hyphenation and must be a babel name; other tags are kept as written.
        if babel:
            fields.append(("langid", babel))
        else:
            fields.append(("language", bibtex_escape(source.language)))
    if source.via:
        fields.append(("note", bibtex_escape(VIA_PREFIX + source.via)))
    if source.archive_url:
        fields.append(("addendum", r"Archived at \url{" + _bibtex_url(source.archive_url) + "}"))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@online{{{bibtex_key(item_id or source.id)},\n{body}\n}}\n"


def bibtex_entries(sites: Iterable[Site]) -> str:
    """The sources of ``sites`` as a ``.bib`` file, one entry per distinct source."""
    entries = [bibtex_entry(source, item_id) for item_id, source in _unique_sources(sites)]
    return "\n".join(entries)


def render_citations(sites: Iterable[Site], fmt: str) -> bytes:
    """The sources of ``sites`` as a CSL-JSON or BibTeX file's bytes (UTF-8, deterministic)."""
    if fmt == "csl-json":
        return orjson.dumps(csl_items(sites), option=orjson.OPT_INDENT_2) + b"\n"
    if fmt == "bibtex":
        return bibtex_entries(sites).encode("utf-8")
    raise ValueError(f"unknown citation format {fmt!r}; use one of {', '.join(CITATION_FORMATS)}")


def write_citations(
    sites: Sequence[Site], path: str | os.PathLike[str], fmt: str, *, overwrite: bool = False
) -> int:
    """Write the sources of ``sites`` to ``path`` atomically; returns the number of entries.

    Raises OutputExistsError (nothing written) when ``path`` exists and ``overwrite`` is False.
    """
    data = render_citations(sites, fmt)
    write_atomic(path, data, overwrite=overwrite)
    return len(_unique_sources(sites))


# ------------------------------------------------------------------------------- reading


class CitationError(ValueError):
    """Raised when CSL-JSON items cannot become sources; ``problems`` lists (item, field, message)."""

    def __init__(self, problems: list[tuple[str, str, str]]):
        super().__init__("; ".join(f"{i}: {f}: {m}" for i, f, m in problems))
        self.problems = problems


def _csl_date(value: Any) -> str | None:
    if not isinstance(value, dict):
        return None
    parts = value.get("date-parts")
    if not (isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]):
        raw = value.get("raw")
        return raw if isinstance(raw, str) else None
    numbers = [int(p) for p in parts[0][:3]]
    return "-".join([f"{numbers[0]:04d}", *(f"{n:02d}" for n in numbers[1:])])


def _csl_names(value: Any) -> str | None:
    if not isinstance(value, list) or not value:
        return None
    names = []
    for name in value:
        if not isinstance(name, dict):
            continue
        if name.get("literal"):
            names.append(str(name["literal"]))
        else:
            parts = [name.get("given"), name.get("non-dropping-particle"), name.get("family")]
            names.append(" ".join(str(p) for p in parts if p))
    return ", ".join(n for n in names if n) or None


def sources_from_csl_json(items: Sequence[Any]) -> list[Source]:
    """CSL-JSON items (a list of objects, as Zotero and :func:`csl_items` write them) as
    Sources: the inverse of :func:`csl_item` for what it writes.

    ``container-title`` (else ``publisher``) becomes the publisher, ``URL`` the url,
    ``issued`` and ``accessed`` dates (year, month, day as given), ``archive_location`` the
    archive URL, and a ``note`` starting "Read via " the ``via``. Authors are joined into one
    string.

    Raises
    ------
    CitationError
        With every problem of every item (an item without a title, publisher or URL, a bad
        date, an id that is not a source id).
    """
    if not isinstance(items, list):
        raise CitationError([("-", "-", "CSL-JSON must be a list of items")])
    sources: list[Source] = []
    problems: list[tuple[str, str, str]] = []
    for index, item in enumerate(items):
        label = f"item {index}"
        if not isinstance(item, dict):
            problems.append((label, "-", "must be an object"))
            continue
        label = f"item {index} ({item.get('id', 'no id')})"
        try:
            data = _source_data(item)
        except (TypeError, ValueError) as err:
            problems.append((label, "date", f"not a date: {err}"))
            continue
        if not re.fullmatch(LOCAL_ID_PATTERN, data.get("id", "")):
            message = f"{data.get('id', '')!r} is not a source id (letters, digits, '.', '_', '-')"
            problems.append((label, "id", message))
            continue
        try:
            sources.append(record_from_dict(Source, data))
        except RecordError as err:
            problems += [(label, field, message) for field, message in err.problems]
    if problems:
        raise CitationError(problems)
    return sources


def _source_data(item: dict[str, Any]) -> dict[str, Any]:
    note = item.get("note")
    via = note[len(VIA_PREFIX) :] if isinstance(note, str) and note.startswith(VIA_PREFIX) else None
    data = {
        "id": str(item.get("id", "")).rsplit(":", 1)[-1],
        "title": item.get("title"),
        "publisher": item.get("container-title") or item.get("publisher"),
        "author": _csl_names(item.get("author")),
        "url": item.get("URL"),
        "via": via,
        "published": _csl_date(item.get("issued")),
        "accessed": _csl_date(item.get("accessed")),
        "archive_url": item.get("archive_location")
        if _is_url(item.get("archive_location"))
        else None,
        "language": item.get("language"),
    }
    return {k: v for k, v in data.items() if v not in (None, "")}


@dataclass
class SourceMerge:
    """What :func:`merge_sources` did, by source id."""

    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def merge_sources(
    site: Site, sources: Iterable[Source], *, replace: bool = False
) -> tuple[Site, SourceMerge]:
    """A copy of ``site`` with ``sources`` merged in by id.

    A new id is added; an id the site has with the same record is unchanged; with a different
    record it is a conflict, kept as it is unless ``replace`` (the site's own ``note`` on the
    source is kept either way: CSL-JSON does not carry it).
    """
    merged = list(site.sources)
    index = {source.id: i for i, source in enumerate(merged)}
    report = SourceMerge()
    for source in sources:
        at = index.get(source.id)
        if at is None:
            index[source.id] = len(merged)
            merged.append(source)
            report.added.append(source.id)
            continue
        current = merged[at]
        incoming = source.replace(note=current.note) if source.note is None else source
        if incoming == current:
            report.unchanged.append(source.id)
        elif replace:
            merged[at] = incoming
            report.replaced.append(source.id)
        else:
            report.conflicts.append(source.id)
    return site.replace(sources=merged), report


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and urlsplit(value).scheme in ("http", "https")


__all__ = [
    "CITATION_FORMATS",
    "CitationError",
    "SourceMerge",
    "bibtex_entries",
    "bibtex_entry",
    "bibtex_escape",
    "csl_item",
    "csl_items",
    "merge_sources",
    "render_citations",
    "sources_from_csl_json",
    "write_citations",
]
