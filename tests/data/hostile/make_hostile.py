"""Regenerate tests/data/hostile/hostile.geojson: a layer whose every free-text field attacks.

Each string tries one way out of the page's text: markup (``<img onerror>``, ``</script>``),
JavaScript template literals (``${...}``, backticks), Jinja template source (folium/branca
re-parse rendered scripts as templates), ``javascript:``/``data:`` links, HTML comments,
line separators, and right-to-left overrides. A successful attack increments
``window.__pwned``; the browser test asserts it never exists. The layer is structurally valid
(it loads with ``load_layer(path, check=False)``); the validator refuses its URLs. Run from
the repo root:

    python tests/data/hostile/make_hostile.py
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).parent
PWN = "window.__pwned=(window.__pwned||0)+1"

STRINGS = [
    f'<img src=x onerror="{PWN}">',
    f"</script><script>{PWN}</script>",
    f"${{{PWN}}}",
    f"`+({PWN})+`",
    "{{ 7*7 }} {{ cycler.__init__.__globals__.os.getpid() }}",
    "{%if cycler.__init__.__globals__.os.getpid()%}X{%endif%}",
    "x{#y",
    "\u202eevil\u202c right-to-left override",
    f"<!-- <script>{PWN}</script>",
    f"'\"><svg onload={PWN}>",
    "line\u2028separator\u2029paragraph",
    "</style><style>body{display:none}</style>",
    "&lt;already escaped&gt; &amp;",
    f"</textarea></title><iframe src=javascript:{PWN}>",
]
BAD_URLS = [
    f"javascript:{PWN}",
    f"JaVaScRiPt:{PWN}",
    f" javascript:{PWN}",
    f"data:text/html,<script>{PWN}</script>",
    "vbscript:msgbox(1)",
    "//example.org/scheme-relative",
]
# A real https URL with markup in it: a link is fine, as long as it stays an attribute value.
TRICKY_HTTPS = f'https://example.org/"><img src=x onerror={PWN}>'


def source(i: int, text: str, url: str) -> dict:
    return {
        "id": f"s{i}",
        "title": text,
        "publisher": text,
        "author": text,
        "url": url,
        "via": text,
        "published": "2019-01-01",
        "accessed": "2020-01-01",
        "archive_url": BAD_URLS[i % len(BAD_URLS)],
        "language": "en",
        "note": text,
    }


def site(i: int, text: str) -> dict:
    urls = [*BAD_URLS, TRICKY_HTTPS]
    sources = [source(k, text, urls[(i + k) % len(urls)]) for k in range(3)]
    return {
        "type": "Feature",
        "id": f"tj-hostile-{i}",
        "geometry": {"type": "Point", "coordinates": [69.0 + i * 0.4, 38.0 + (i % 3) * 0.3]},
        "properties": {
            "name": text,
            "local_names": [{"name": text, "lang": "tg"}],
            "kind": "base",
            "country": "TJ",
            "admin1": text,
            "admin2": text,
            "description": text,
            "location": {
                "precision_m": 5000,
                "basis": "reference-place",
                "note": text,
                "sources": ["s0"],
            },
            "confidence": "moderate",
            "confidence_note": text,
            "first_reported": "2019",
            "updated": "2020-01-01",
            "claims": [
                {
                    "id": "c1",
                    "date": "2019-01-01",
                    "actor": text,
                    "actor_type": "journalist",
                    "stance": "affirms",
                    "basis": "on-site",
                    "summary": text,
                    "quote": text,
                    "sources": ["s0", "s1"],
                    "note": text,
                },
                {
                    "id": "c2",
                    "date": "2019-02",
                    "actor": text,
                    "actor_type": "host-government",
                    "stance": "denies",
                    "basis": "statement",
                    "summary": text,
                    "sources": ["s2", "missing-source"],
                },
            ],
            "sources": sources,
            "official_status": "denied",
            "evidence": "reported",
            "status": "reported-denied",
            text if i < 4 else f"extra-{i}": text,
        },
    }


def main() -> None:
    layer = {
        "type": "FeatureCollection",
        "name": STRINGS[0],
        "features": [site(i, text) for i, text in enumerate(STRINGS)],
    }
    out = HERE / "hostile.geojson"
    out.write_text(json.dumps(layer, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
