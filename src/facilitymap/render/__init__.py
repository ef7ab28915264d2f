"""Render sites as interactive Leaflet maps: one self-contained, deterministic HTML page.

The public entry point is :func:`build_html`; the cues it draws are in :mod:`.style`, the
Leaflet files it inlines in :mod:`.assets`, and the browser code in ``static/``.
"""

from facilitymap.render.page import COMPRESS_OVER, build_html, script_json

__all__ = ["COMPRESS_OVER", "build_html", "script_json"]
