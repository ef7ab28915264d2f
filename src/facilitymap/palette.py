"""The colour, shape and fill of each status category: one palette for the maps
(:mod:`facilitymap.render.style`) and the KML export, so Google Earth shows a site in the
colour the map does.

Colours are the Okabe-Ito palette (safe for the common colour-vision deficiencies), and no
cue relies on colour alone: the shape says the official position, the fill says the
evidence (filled = attested or acknowledged, hollow = reported, dashed = unverified).
"""

from __future__ import annotations


def _style(color: str, colour: str, shape: str, fill: str, size: float) -> dict[str, object]:
    return {"color": color, "colour": colour, "shape": shape, "fill": fill, "size": size}


# color: the hex the page draws with; colour: its name, for the legend's words. shape:
# official position (diamond = denied, triangle = another role, square = acknowledged,
# circle = no statement); fill: evidence; size: glyph radius in px (denied ones larger).
STATUS_STYLE: dict[str, dict[str, object]] = {
    "attested-denied": _style("#D55E00", "vermillion", "diamond", "solid", 8.5),
    "reported-denied": _style("#E69F00", "orange", "diamond", "hollow", 8.5),
    "acknowledged-other-role": _style("#56B4E9", "sky blue", "triangle", "solid", 7.5),
    "acknowledged": _style("#009E73", "bluish green", "square", "solid", 6.5),
    "attested": _style("#0072B2", "blue", "circle", "solid", 7),
    "reported": _style("#CC79A7", "reddish purple", "circle", "hollow", 7),
    "unverified": _style("#7A7A7A", "grey", "circle", "dashed", 6),
}
