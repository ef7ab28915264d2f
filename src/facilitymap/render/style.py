"""How the map encodes each field: colours, shapes, opacities, words and basemaps.

One place for every visual cue, so the glyphs on the map, the legend and the list agree.
Colours are the Okabe-Ito palette (safe for the common colour-vision deficiencies), and no
cue relies on colour alone: the shape says the official position, the fill says the
evidence (filled = attested or acknowledged, hollow = reported, dashed = unverified).
The status palette itself is :mod:`facilitymap.palette`, which the KML export shares.
"""

from __future__ import annotations

from facilitymap.model import (
    ACTOR_TYPES,
    CLAIM_BASES,
    CONFIDENCES,
    EVIDENCE_LEVELS,
    KINDS,
    LOCATION_BASES,
    OFFICIAL_STATUSES,
    STANCES,
    STATUSES,
)
from facilitymap.palette import STATUS_STYLE
from facilitymap.status import STATUS_INFO, STATUS_RULE

SHAPE_WORDS = {
    "diamond": "diamond",
    "triangle": "triangle",
    "square": "square",
    "circle": "circle",
}
FILL_WORDS = {"solid": "filled", "hollow": "hollow", "dashed": "dashed hollow"}

# Opacity of a site's glyph by analytic confidence (ICD 203 wording).
CONFIDENCE_STYLE: dict[str, dict[str, object]] = {
    "high": {"label": "High confidence", "alpha": 1.0},
    "moderate": {"label": "Moderate confidence", "alpha": 0.7},
    "low": {"label": "Low confidence", "alpha": 0.4},
}

KIND_LABELS = {
    "base": "Base",
    "border-post": "Border post",
    "checkpoint": "Checkpoint",
    "command-centre": "Command centre",
    "training-centre": "Training centre",
    "exercise-area": "Exercise area",
    "programme": "Programme (sites reported together, not located one by one)",
    "other": "Other facility",
}
ACTOR_TYPE_LABELS = {
    "host-government": "host government",
    "foreign-government": "foreign government",
    "journalist": "journalist",
    "imagery-analysis": "imagery analysis",
    "leaked-document": "leaked document",
    "anonymous-source": "anonymous source",
    "think-tank": "think tank",
    "other": "other",
}
# (glyph, words): the words always accompany the glyph.
STANCE_LABELS = {
    "affirms": ("✓", "affirms"),
    "denies": ("✗", "denies"),
    "acknowledges-other-role": ("≈", "acknowledges another role"),
    "announces": ("!", "announces"),
    "no-comment": ("–", "no comment"),
    "context": ("·", "context"),
}
CLAIM_BASIS_LABELS = {
    "on-site": "on-site reporting",
    "imagery": "satellite or aerial imagery",
    "document": "document",
    "statement": "official statement",
    "testimony": "testimony",
    "relay": "relays other reporting",
    "analysis": "analysis",
}
LOCATION_BASIS_LABELS = {
    "published-coordinates": "coordinates published by a source",
    "reference-place": "a named reference place",
    "admin-area": "an administrative area",
    "analyst-estimate": "our analyst's estimate",
    "unlocated": "not located",
}
OFFICIAL_LABELS = {
    "denied": "officially denied",
    "acknowledged": "officially acknowledged",
    "acknowledged-other-role": "acknowledged in another role",
    "no-statement": "no official statement",
}
EVIDENCE_LABELS = {
    "attested": "attested: first-hand evidence from two or more publishers",
    "reported": "reported, not attested",
    "unverified": "unverified: nothing affirms it",
}

# Basemaps: URL templates and attributions are constants of this module (the attribution is
# HTML that Leaflet inserts as markup, so it must never come from the data).
BASEMAPS: tuple[dict[str, object], ...] = (
    {
        "key": "osm",
        "name": "OpenStreetMap",
        "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "attribution": '&copy; <a href="https://www.openstreetmap.org/copyright">'
        "OpenStreetMap</a> contributors",
        "max_zoom": 19,
        "subdomains": "",
    },
    {
        "key": "terrain",
        "name": "Terrain (OpenTopoMap)",
        "url": "https://{s}.tile.opentopomap.org/{z}/{x}/{y}.png",
        "attribution": 'Map data &copy; <a href="https://www.openstreetmap.org/copyright">'
        'OpenStreetMap</a> contributors, SRTM; style &copy; <a href="https://opentopomap.org">'
        'OpenTopoMap</a> (<a href="https://creativecommons.org/licenses/by-sa/3.0/">CC-BY-SA</a>)',
        "max_zoom": 17,
        "subdomains": "abc",
    },
    {
        "key": "satellite",
        "name": "Satellite (Esri World Imagery)",
        "url": "https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/"
        "tile/{z}/{y}/{x}",
        "attribution": "Tiles &copy; Esri &mdash; Source: Esri, i-cubed, USDA, USGS, AEX, "
        "GeoEye, Getmapping, Aerogrid, IGN, IGP, UPR-EGP, and the GIS User Community",
        "max_zoom": 18,
        "subdomains": "",
    },
)
# Hosts the page may load images (tiles) from: the Content-Security-Policy's img-src.
TILE_ORIGINS = (
    "https://tile.openstreetmap.org",
    "https://*.tile.opentopomap.org",
    "https://server.arcgisonline.com",
)


def glyph_words(status: str) -> str:
    """The glyph of a status in words, e.g. 'filled diamond'."""
    style = STATUS_STYLE[status]
    return f"{FILL_WORDS[str(style['fill'])]} {SHAPE_WORDS[str(style['shape'])]}"


def page_vocabulary() -> dict[str, object]:
    """Everything the page's script needs to draw and explain the cues (JSON-ready)."""
    return {
        "statuses": [
            {
                "key": key,
                "label": STATUS_INFO[key][0],
                "description": STATUS_INFO[key][1],
                "glyph": glyph_words(key),
                **STATUS_STYLE[key],
            }
            for key in STATUSES
        ],
        "rule": STATUS_RULE,
        "confidence": [{"key": key, **CONFIDENCE_STYLE[key]} for key in CONFIDENCES],
        "labels": {
            "kind": KIND_LABELS,
            "actor_type": ACTOR_TYPE_LABELS,
            "stance": {k: list(v) for k, v in STANCE_LABELS.items()},
            "claim_basis": CLAIM_BASIS_LABELS,
            "location_basis": LOCATION_BASIS_LABELS,
            "official": OFFICIAL_LABELS,
            "evidence": EVIDENCE_LABELS,
        },
        "basemaps": list(BASEMAPS),
    }


# Every value of the model's vocabularies has words here (checked by the tests).
VOCABULARIES = {
    "kind": (KINDS, KIND_LABELS),
    "actor_type": (ACTOR_TYPES, ACTOR_TYPE_LABELS),
    "stance": (STANCES, STANCE_LABELS),
    "claim_basis": (CLAIM_BASES, CLAIM_BASIS_LABELS),
    "location_basis": (LOCATION_BASES, LOCATION_BASIS_LABELS),
    "official": (OFFICIAL_STATUSES, OFFICIAL_LABELS),
    "evidence": (EVIDENCE_LEVELS, EVIDENCE_LABELS),
    "status": (STATUSES, STATUS_STYLE),
    "confidence": (CONFIDENCES, CONFIDENCE_STYLE),
}
