"""The page of a tiled map (``facilitymap render --tiles``): the single-file page's script
and stylesheet, with the pmtiles reader and the tiled data source (``static/tiles``) before
its start, and the sites left out of the page: they come from the archive and sidecar files
beside it (:mod:`facilitymap.tiles`).

The page's data element holds what the single-file page's does, less the sites, plus
``meta.tiles``: where the archive and sidecars are, the legend's counts and the bounds. The
Content-Security-Policy lets the page fetch from its own origin only.
"""

from __future__ import annotations

import base64
import hashlib
import html
from functools import cache
from importlib.resources import files
from typing import Any

from facilitymap.render import assets
from facilitymap.render.page import PAYLOAD_VERSION, script_json
from facilitymap.render.style import TILE_ORIGINS, page_vocabulary

# assets' helpers for inlining (header-stripping, the </script check, the source-map comment)
# are used as they are, so the tiled page inlines by the same rules as the single-file page.

# The parts of static/js the tiled source goes in front of: it replaces a few of the parts
# before (the site layer, the details loader, the search) before the page starts.
_START = "start.js"


@cache
def tiles_script() -> assets.Asset:
    """The page script of a tiled map: ``static/js`` joined as for the single-file page, with
    ``static/tiles/tiles.js`` (its header dropped) inserted before ``start.js``."""
    parts = assets.PAGE_SCRIPT_PARTS
    js = files("facilitymap.render").joinpath("static", "js")
    own = files("facilitymap.render").joinpath("static", "tiles", "tiles.js")
    texts = []
    for name in parts:
        if name == _START:
            texts.append(assets._without_header("tiles.js", own.read_bytes().decode("utf-8")))
        texts.append(assets._without_header(name, js.joinpath(name).read_bytes().decode("utf-8")))
    text = "".join(texts)
    return assets.Asset(
        name="facilitymap-tiles.js",
        origin="facilitymap",
        text=assets._checked("facilitymap-tiles.js", text, "script"),
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


@cache
def pmtiles_js() -> assets.Asset:
    """The pmtiles reader's browser build (npm ``pmtiles``, vendored in ``static/vendor``:
    the package must work installed from PyPI, without npm), source-map comment removed."""
    data = files("facilitymap.render").joinpath("static", "vendor", "pmtiles.js").read_bytes()
    text = assets._SOURCE_MAP.sub("", data.decode("utf-8")).rstrip() + "\n"
    return assets.Asset(
        name="pmtiles.js",
        origin=f"pmtiles {PMTILES_VERSION} (npm, BSD-3-Clause)",
        text=assets._checked("pmtiles.js", text, "script"),
        sha256=hashlib.sha256(data).hexdigest(),
    )


PMTILES_VERSION = "4.5.0"  # package.json pins the same; tests/test_tiles.py compares the files


def build_tiled_html(
    *,
    title: str,
    as_of: str | None,
    data_version: str,
    filters: dict[str, Any],
    latest_claim: str | None,
    context: dict[str, Any] | None,
    tiles: dict[str, Any],
) -> str:
    """The page of a tiled map; ``tiles`` is ``meta.tiles`` (see the module docstring).
    Always offline: Leaflet and every script are inlined, only basemap tiles come from
    elsewhere."""
    payload = {
        "v": PAYLOAD_VERSION,
        "meta": {
            "title": title,
            "as_of": as_of,
            "data_version": data_version,
            "offline": True,
            "leaflet": assets.LEAFLET_VERSION,
            "filters": filters,
            "latest_claim": latest_claim,
            "tiles": tiles,
        },
        "vocab": page_vocabulary(),
        "sites": {"id": []},
        "context": context,
    }
    data = script_json(payload).decode("utf-8")
    leaflet_css, leaflet_js = assets.leaflet_css(), assets.leaflet_js()
    own_css, reader, own_js = assets.own_asset("facilitymap.css"), pmtiles_js(), tiles_script()
    scripts = [leaflet_js.text, reader.text, own_js.text]
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in scripts
    )
    csp = (
        "default-src 'none'; "
        f"script-src {hashes}; "
        "style-src 'unsafe-inline'; "
        f"img-src data: {' '.join(TILE_ORIGINS)}; "
        "connect-src 'self'; "
        "base-uri 'none'; form-action 'none'"
    )
    manifest = "\n  ".join(
        f"{a.name} ({a.origin}) sha256={a.sha256}"
        for a in (leaflet_css, leaflet_js, reader, own_css, own_js)
    )
    return "".join(
        [
            "<!DOCTYPE html>\n",
            '<html lang="en">\n<head>\n<meta charset="utf-8">\n',
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
            f'<meta http-equiv="Content-Security-Policy" content="{html.escape(csp)}">\n',
            '<meta name="generator" content="facilitymap">\n',
            f"<title>{html.escape(title)}</title>\n",
            f"<!-- facilitymap page assets, inlined:\n  {manifest}\n-->\n",
            f"<style>{leaflet_css.text}</style>\n",
            f"<style>{own_css.text}</style>\n",
            "</head>\n<body>\n",
            '<div id="fm-app"><aside id="fm-panel" aria-label="Sites"></aside>',
            '<main id="fm-map" aria-label="Map"></main></div>\n',
            "<noscript><p>This map is drawn by JavaScript, which is turned off. The data is in "
            "the GeoJSON layer this page was made from.</p></noscript>\n",
            f'<script type="application/json" id="fm-data">{data}</script>\n',
            *(f"<script>{text}</script>\n" for text in scripts),
            "</body>\n</html>\n",
        ]
    )
