"""Leaflet's files, read from the ``xstatic-leaflet`` package (PyPI), to inline or to link.

Offline pages inline them (one self-contained file); CDN pages link the same release on unpkg
with Subresource Integrity hashes computed from these very bytes, so a changed CDN file is
refused by the browser. The xstatic files are byte-identical to the npm release (their SHA-256
equals the SRI hashes Leaflet publishes for 1.9.3).
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path

import xstatic.pkg.leaflet as xleaflet

LEAFLET_VERSION = xleaflet.VERSION
_CDN = f"https://unpkg.com/leaflet@{LEAFLET_VERSION}/dist/"
_SOURCE_MAP = re.compile(r"^//# sourceMappingURL=\S+\s*$", re.MULTILINE)
_CSS_IMAGE = re.compile(r"url\(images/([a-z0-9-]+\.png)\)")


@dataclass(frozen=True)
class Asset:
    """One file of the page: its text as inlined, and where it came from."""

    name: str
    origin: str
    text: str
    sha256: str  # hex digest of the packaged file's bytes
    cdn_url: str | None = None
    sri: str | None = None  # "sha256-<base64>" of the same bytes, for <script integrity>


def _sri(data: bytes) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def _checked(name: str, text: str, closing: str) -> str:
    # Inlined text must not end its own element early nor open an HTML comment inside a
    # script (the "double-escaped" parser state); none of these files does, and it stays so.
    lowered = text.lower()
    if f"</{closing}" in lowered or "<!--" in text:
        raise ValueError(f"{name} cannot be inlined safely: it contains </{closing} or <!--")
    # A page holding packed data is read as windows-1252 (render/packing.py), where only
    # ASCII reads as it does in UTF-8; every inlined file is ASCII (escapes say the rest).
    if not text.isascii():
        raise ValueError(f"{name} cannot be inlined: it has characters outside ASCII")
    return text


def _leaflet_file(name: str) -> bytes:
    return (Path(xleaflet.BASE_DIR) / name).read_bytes()


@cache
def leaflet_js() -> Asset:
    """Leaflet's minified script, its source-map comment removed (nothing to fetch)."""
    data = _leaflet_file("leaflet.js")
    text = _SOURCE_MAP.sub("", data.decode("utf-8")).rstrip() + "\n"
    return Asset(
        name="leaflet.js",
        origin=f"XStatic-Leaflet {xleaflet.PACKAGE_VERSION}",
        text=_checked("leaflet.js", text, "script"),
        sha256=hashlib.sha256(data).hexdigest(),
        cdn_url=_CDN + "leaflet.js",
        sri=_sri(data),
    )


@cache
def leaflet_css() -> Asset:
    """Leaflet's stylesheet with its three images inlined as data: URIs."""
    data = _leaflet_file("leaflet.css")

    def inline(match: re.Match[str]) -> str:
        png = _leaflet_file(f"images/{match.group(1)}")
        return "url(data:image/png;base64," + base64.b64encode(png).decode("ascii") + ")"

    text = _CSS_IMAGE.sub(inline, data.decode("utf-8"))
    return Asset(
        name="leaflet.css",
        origin=f"XStatic-Leaflet {xleaflet.PACKAGE_VERSION}",
        text=_checked("leaflet.css", text, "style"),
        sha256=hashlib.sha256(data).hexdigest(),
        cdn_url=_CDN + "leaflet.css",
        sri=_sri(data),
    )


# The page script's parts (``static/js``), joined in this order into one script. open.js and
# close.js hold the closure the others sit in, so a part's top-level names are the page's
# private names; each part begins with a ``//`` header saying what it owns, which the join
# drops (the page carries the code, not the file layout).
PAGE_SCRIPT_PARTS = (
    "open.js",
    "base.js",
    "inflate.js",
    "payload.js",
    "sites.js",
    "glyphs.js",
    "site-layer.js",
    "context-layer.js",
    "selection.js",
    "details.js",
    "app.js",
    "controls.js",
    "list.js",
    "timeline.js",
    "permalink.js",
    "start.js",
    "close.js",
)
PAGE_SCRIPT = "facilitymap.js"


def _without_header(name: str, text: str) -> str:
    header, blank, body = text.partition("\n\n")
    if not blank or not all(line.startswith("//") for line in header.split("\n")):
        raise ValueError(f"static/js/{name} must begin with // header lines and a blank line")
    return body


@cache
def page_script() -> Asset:
    """Our page script: the parts of ``static/js`` joined, their headers dropped."""
    folder = files("facilitymap.render").joinpath("static", "js")
    text = "".join(
        _without_header(name, folder.joinpath(name).read_bytes().decode("utf-8"))
        for name in PAGE_SCRIPT_PARTS
    )
    return Asset(
        name=PAGE_SCRIPT,
        origin="facilitymap",
        text=_checked(PAGE_SCRIPT, text, "script"),
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


@cache
def own_asset(name: str) -> Asset:
    """A file of ``facilitymap/render/static`` (our stylesheet)."""
    data = files("facilitymap.render").joinpath("static", name).read_bytes()
    closing = "script" if name.endswith(".js") else "style"
    return Asset(
        name=name,
        origin="facilitymap",
        text=_checked(name, data.decode("utf-8"), closing),
        sha256=hashlib.sha256(data).hexdigest(),
    )
