"""KML 2.2 for Google Earth: a Folder per status, styled like the map, balloons with claims.

Written by hand (not GDAL's KML drivers) to control escaping, styles and folders. Every text
node is XML-escaped; characters XML 1.0 cannot hold are removed and reported; the balloon is
HTML built with escaping and sits in CDATA that data cannot close.
"""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

from facilitymap.dates import date_end
from facilitymap.errors import FacilitymapError
from facilitymap.exchange import geometries
from facilitymap.exchange.flat import FLAT_COLUMNS, XML_INVALID, site_to_row
from facilitymap.exchange.protocol import ExportJob, Format, Reading
from facilitymap.io import site_to_feature
from facilitymap.listing import precision_text
from facilitymap.model import STATUSES, Site
from facilitymap.palette import STATUS_STYLE
from facilitymap.problems import Problem
from facilitymap.status import STATUS_INFO, derive_site, position_words
from facilitymap.validate import url_problem

KML_NS = "http://www.opengis.net/kml/2.2"
BALLOON_START = "<h3>"  # every balloon starts with the site's name as a heading
# The map's status colours (#rrggbb), from the one place the map takes them.
STATUS_COLORS = {status: str(STATUS_STYLE[status]["color"]) for status in STATUSES}
assert tuple(STATUS_COLORS) == STATUSES
ICON = "https://maps.google.com/mapfiles/kml/shapes/placemark_circle.png"
# ExtendedData names: the flat columns, except that <name> holds the name and GDAL already
# calls the balloon "description", so the site's description travels as site_description.
KML_DATA_NAMES = {c: ("site_description" if c == "description" else c) for c in FLAT_COLUMNS}
del KML_DATA_NAMES["name"]


def kml_color(hex_rgb: str, alpha: int = 255) -> str:
    """``#rrggbb`` as KML's ``aabbggrr``."""
    r, g, b = hex_rgb[1:3], hex_rgb[3:5], hex_rgb[5:7]
    return f"{alpha:02x}{b}{g}{r}".lower()


class _Text:
    """Escapes text for XML and counts the characters XML 1.0 cannot hold."""

    def __init__(self) -> None:
        self.removed: dict[str, int] = {}

    def clean(self, value: Any, where: str) -> str:
        text = str(value)
        cleaned, count = XML_INVALID.subn("", text)
        if count:
            self.removed[where] = self.removed.get(where, 0) + count
        return cleaned

    def __call__(self, value: Any, where: str) -> str:
        return escape(self.clean(value, where))


def _cdata(text: str) -> str:
    # "]]>" would end the section early; split it across two sections.
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _link(url: str | None, label: str) -> str:
    if url and url_problem(url) is None:
        return (
            f'<a href="{html.escape(url, quote=True)}" rel="noopener noreferrer" '
            f'target="_blank">{html.escape(label)}</a>'
        )
    return html.escape(label)


def balloon(site: Site, as_of=None) -> str:
    """The balloon HTML: status, confidence, location, the claims by date and their sources."""
    e = html.escape
    derived = derive_site(site, as_of=as_of)
    sources = site.source_map()
    parts = [f"{BALLOON_START}{e(site.name)}</h3>"]
    if site.local_names:
        names = "; ".join(f"{e(n.name)} ({e(n.lang)})" for n in site.local_names)
        parts.append(f"<p>{names}</p>")
    parts.append(
        f"<p><b>{e(derived.label)}</b> ({e(position_words(derived.positions))}; "
        f"evidence: {e(derived.evidence)})<br>"
        f"Confidence: {e(site.confidence)}: {e(site.confidence_note)}<br>"
        f"Location: {e(precision_text(site))}, {e(site.location.basis)}: "
        f"{e(site.location.note)}</p>"
    )
    if site.description:
        parts.append(f"<p>{e(site.description)}</p>")
    parts.append("<ol>")
    for claim in sorted(site.claims, key=lambda c: (date_end(c.date), c.id)):
        cited = []
        for ref in claim.sources:
            source = sources.get(ref)
            if source is None:
                cited.append(e(ref))
                continue
            text = f"{source.publisher}: {source.title}"
            item = _link(source.url, text)
            if source.archive_url:
                item += " (" + _link(source.archive_url, "archived") + ")"
            cited.append(item)
        quote = f"<br><q>{e(claim.quote)}</q>" if claim.quote else ""
        parts.append(
            f"<li>{e(claim.date)}: {e(claim.actor)} ({e(claim.actor_type)}) "
            f"<b>{e(claim.stance)}</b> [{e(claim.basis)}]<br>{e(claim.summary)}{quote}"
            f"<br><small>{'; '.join(cited)}</small></li>"
        )
    parts.append("</ol>")
    return "".join(parts)


def write_kml(job: ExportJob, path: Path) -> None:
    """One Document: a shared Style per status, a Folder per status in the map's order.

    The document's name is the layer's ``name`` member, when it has one.
    """
    sites, as_of, warnings = job.sites, job.as_of, job.warnings
    title = job.collection_members.get("name")
    if not isinstance(title, str):
        title = "facilitymap export"
    t = _Text()
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<kml xmlns="{KML_NS}">\n<Document>\n<name>{t(title, "title")}</name>\n',
    ]
    for status, color in STATUS_COLORS.items():
        out.append(
            f'<Style id="status-{status}"><IconStyle><color>{kml_color(color)}</color>'
            f"<scale>1.1</scale><Icon><href>{escape(ICON)}</href></Icon></IconStyle>"
            f"<LabelStyle><scale>0.8</scale></LabelStyle>"
            f"<LineStyle><color>{kml_color(color)}</color><width>3</width></LineStyle>"
            f"<PolyStyle><color>{kml_color(color, 0x66)}</color></PolyStyle>"
            f"<BalloonStyle><text>$[description]</text></BalloonStyle></Style>\n"
        )
    by_status: dict[str, list[Site]] = {s: [] for s in STATUSES}
    for site in sites:
        by_status[derive_site(site, as_of=as_of).status].append(site)
    for status, members in by_status.items():
        if not members:
            continue
        label, meaning = STATUS_INFO[status]
        out.append(
            f"<Folder><name>{escape(label)}</name><description>{escape(meaning)}</description>\n"
        )
        for site in members:
            out.append(_placemark(site, status, as_of, t))
        out.append("</Folder>\n")
    out.append("</Document>\n</kml>\n")
    for where, count in sorted(t.removed.items()):
        warnings.append(f"{where}: {count} character(s) XML 1.0 cannot hold removed")
    path.write_text("".join(out), encoding="utf-8", newline="\n")


def _placemark(site: Site, status: str, as_of, t: _Text) -> str:
    row = site_to_row(site, as_of)
    where = site.id
    begin = site.first_reported or min((c.date for c in site.claims), key=date_end, default=None)
    time = f"<TimeSpan><begin>{t(begin, where)}</begin></TimeSpan>" if begin else ""
    data = "".join(
        f"<Data name={quoteattr(name)}><value>{t(row[column], where + ': ' + column)}</value></Data>"
        for column, name in KML_DATA_NAMES.items()
        if row[column] is not None
    )
    geometry = geometries.to_kml(site_to_feature(site, as_of)["geometry"])
    html_text = t.clean(balloon(site, as_of), where + ": balloon")
    return (
        f"<Placemark id={quoteattr('site-' + site.id)}><name>{t(site.name, where + ': name')}</name>"
        f"<description>{_cdata(html_text)}</description>{time}"
        f"<styleUrl>#status-{status}</styleUrl><ExtendedData>{data}</ExtendedData>"
        f"{geometry}</Placemark>\n"
    )


# --------------------------------------------------------------------------- read

_DOCTYPE = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in element if _local(c.tag) == name]


def _child_text(element: ET.Element, name: str) -> str | None:
    for child in element:
        if _local(child.tag) == name:
            return child.text or ""
    return None


def _parse_coords(text: str | None) -> list[list[float]]:
    out = []
    for token in (text or "").split():
        parts = token.split(",")
        out.append([float(parts[0]), float(parts[1])])
    return out


def _geometry(element: ET.Element) -> dict[str, Any] | None:
    name = _local(element.tag)
    if name == "Point":
        return {
            "type": "Point",
            "coordinates": _parse_coords(_child_text(element, "coordinates"))[0],
        }
    if name == "LineString":
        return {
            "type": "LineString",
            "coordinates": _parse_coords(_child_text(element, "coordinates")),
        }
    if name == "Polygon":
        rings = []
        for boundary in ("outerBoundaryIs", "innerBoundaryIs"):
            for b in _children(element, boundary):
                for ring in _children(b, "LinearRing"):
                    rings.append(_parse_coords(_child_text(ring, "coordinates")))
        return {"type": "Polygon", "coordinates": rings}
    if name == "MultiGeometry":
        parts = [g for g in (_geometry(c) for c in element) if g is not None]
        types = {p["type"] for p in parts}
        if types == {"Polygon"}:
            return {"type": "MultiPolygon", "coordinates": [p["coordinates"] for p in parts]}
        if types == {"LineString"}:
            return {"type": "MultiLineString", "coordinates": [p["coordinates"] for p in parts]}
        if types == {"Point"}:
            return {"type": "MultiPoint", "coordinates": [p["coordinates"] for p in parts]}
        return {"type": "GeometryCollection", "geometries": parts}
    return None


def _linked(document: bytes) -> dict[str, int]:
    """``{href: position}`` of the NetworkLinks of a KML document (not parsed as a tree: a
    document with entities is refused when it is read)."""
    hrefs = re.findall(rb"<href>\s*([^<]*?)\s*</href>", document)
    return {html.unescape(h.decode("utf-8", "replace")): i for i, h in enumerate(hrefs)}


def read_kml(path: Path) -> list[tuple[str, dict[str, Any] | None, dict[str, Any]]]:
    """Placemarks of a KML or KMZ file as ``(label, geometry, row)``.

    ``row`` has ``name``, the ExtendedData values (``Data`` and ``SchemaData``), and, for a
    KML that is not our export (no ``claims`` in ExtendedData), ``description`` from the
    balloon and ``first_reported`` from a TimeSpan/TimeStamp.
    """
    data = path.read_bytes()
    documents = [data]
    if path.suffix.lower() == ".kmz" or data[:2] == b"PK":
        try:
            with zipfile.ZipFile(path) as archive:
                names = [n for n in archive.namelist() if n.lower().endswith(".kml")]
                if not names:
                    raise FacilitymapError(f"{path}: KMZ without a .kml file")
                # doc.kml first; GDAL's LIBKML puts each layer in layers/<name>.kml and
                # links it from doc.kml, so every document in the archive is read, the
                # linked ones in the order doc.kml links them.
                first = "doc.kml" if "doc.kml" in names else names[0]
                linked = _linked(archive.read(first))
                names.sort(key=lambda n: (n != first, linked.get(n, len(linked)), n))
                documents = [archive.read(name) for name in names]
        except zipfile.BadZipFile as err:
            raise FacilitymapError(f"{path}: not a KMZ (zip) file: {err}") from err
    placemarks = []
    for document in documents:
        if _DOCTYPE.search(document[:4096]) or b"<!ENTITY" in document:
            raise FacilitymapError(f"{path}: KML with a DOCTYPE or entities is refused (XML bombs)")
        try:
            root = ET.fromstring(document)
        except ET.ParseError as err:
            raise FacilitymapError(f"{path}: not well-formed XML: {err}") from err
        placemarks += [p for p in root.iter() if _local(p.tag) == "Placemark"]
    out = []
    for index, placemark in enumerate(placemarks):
        row: dict[str, Any] = {}
        for extended in _children(placemark, "ExtendedData"):
            for item in extended.iter():
                name = item.get("name")
                if _local(item.tag) == "Data" and name:
                    row[name] = _child_text(item, "value") or ""
                elif _local(item.tag) == "SimpleData" and name:
                    row[name] = item.text or ""
        # Our own export (and GDAL's copies of it) carries every flat column in ExtendedData
        # ("n_claims" among them): then the balloon and the TimeSpan are views of those
        # columns, not data. A copy of the layer itself has no n_claims: its <description>
        # is the site's description.
        ours = "n_claims" in row
        if "site_description" in row:
            row["description"] = row.pop("site_description")
        elif (text := _child_text(placemark, "description")) and not (
            ours and text.startswith(BALLOON_START)
        ):
            # GDAL writes the description column as <description>; ours is the balloon.
            row["description"] = text
        name = _child_text(placemark, "name")
        if name is not None:
            row["name"] = name
        if not ours and not row.get("first_reported"):
            for time in placemark:
                if _local(time.tag) in ("TimeSpan", "TimeStamp"):
                    begin = _child_text(time, "begin") or _child_text(time, "when")
                    if begin:
                        row["first_reported"] = begin[:10]
        geometry = None
        for child in placemark:
            geometry = _geometry(child) or geometry
        label = row.get("id") or placemark.get("id") or f"#{index}"
        out.append((str(label), geometry, row))
    return out


def read_placemarks(path: Path, problems: list[Problem]) -> Reading:
    """Every Placemark, in document order."""
    return Reading(read_kml(path))


FORMAT = Format(
    name="kml",
    title="KML (Google Earth)",
    suffixes=(".kml", ".kmz"),
    write=write_kml,
    read=read_placemarks,
)
