"""The status colours: one palette for the map (render.style) and the KML export.

Okabe-Ito colours (safe for the common colour-vision deficiencies); ``colour`` is the name
the legend says. Kept apart from ``render`` so that exporting never imports the page.
"""

from __future__ import annotations

from facilitymap.model import STATUSES

# status: (hex the map draws with, the colour's name)
STATUS_COLOURS: dict[str, tuple[str, str]] = {
    "attested-denied": ("#D55E00", "vermillion"),
    "reported-denied": ("#E69F00", "orange"),
    "acknowledged-other-role": ("#56B4E9", "sky blue"),
    "acknowledged": ("#009E73", "bluish green"),
    "attested": ("#0072B2", "blue"),
    "reported": ("#CC79A7", "reddish purple"),
    "unverified": ("#7A7A7A", "grey"),
}
assert tuple(STATUS_COLOURS) == STATUSES
