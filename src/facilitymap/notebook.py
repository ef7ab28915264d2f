"""At home in a notebook: the layer as a GeoDataFrame and as a layer of a folium map.

``to_geodataframe`` / ``from_geodataframe`` convert without loss: one row per site, its
claims, sources, local names and location kept as the lists and dicts of the layer format,
so a round trip gives back the same layer, byte for byte once saved.

``folium_layer`` draws the sites in a ``folium.Map`` the user composes with other layers.
folium's popups and tooltips render HTML and branca re-parses rendered scripts as Jinja
templates, so none of the data goes through either: it is encoded as JSON, then base64 (an
alphabet in which neither ``{{``, ``{%`` nor ``</script>`` can occur), and the layer's own
script builds every element with ``textContent``; links only for http(s) URLs.
"""

from __future__ import annotations

import base64
import contextlib
import json
import math
from collections.abc import Sequence
from datetime import date
from typing import Any

from facilitymap.api import LayerLike, as_layer, filtered
from facilitymap.dates import parse_as_of
from facilitymap.errors import LayerError
from facilitymap.io import Layer, site_to_feature
from facilitymap.problems import Problem, errors
from facilitymap.status import derive_site

# Columns that hold the layer's nested records (lists and dicts); a GeoDataFrame read back
# from a file may hold them as JSON text, which from_geodataframe decodes.
NESTED_COLUMNS = ("local_names", "location", "claims", "sources")


def to_geodataframe(layer_or_path: LayerLike, *, as_of: date | str | None = None):
    """The layer as a GeoDataFrame (EPSG:4326): one row per site, indexed by id.

    Columns are the site's properties (derived status fields as of ``as_of``), nested
    records as lists and dicts; ``extra_members`` when a Feature has foreign members.
    Unlocated sites have an empty geometry (None).
    """
    import geopandas
    from shapely.geometry import shape

    layer = as_layer(layer_or_path)
    cutoff = parse_as_of(as_of)
    rows, geometries, ids = [], [], []
    for site in layer.sites:
        feature = site_to_feature(site, as_of=cutoff)
        row = dict(feature["properties"])
        members = {k: v for k, v in feature.items() if k not in ("type", "id", "geometry", "properties")}  # fmt: skip
        if members:
            row["extra_members"] = members
        rows.append(row)
        ids.append(site.id)
        geometries.append(shape(site.geometry) if site.geometry is not None else None)
    frame = geopandas.GeoDataFrame(rows, geometry=geometries, crs="EPSG:4326")
    frame.index = ids
    frame.index.name = "id"
    if "name" in layer.extra_members:
        frame.attrs["name"] = layer.extra_members["name"]
    return frame


def from_geodataframe(frame, *, id_column: str | None = None) -> Layer:
    """A layer from a GeoDataFrame shaped as :func:`to_geodataframe` makes it.

    The id is the ``id`` column, else the index. Nested columns may be lists and dicts or
    JSON text; missing values (None, NaN) are absent fields. The frame is reprojected to
    EPSG:4326 when it has another CRS.

    Raises
    ------
    LayerError
        With every problem of every row (row label, field, message); nothing is returned.
    """
    from facilitymap.exchange.geometries import from_shapely
    from facilitymap.model import RecordError, site_from_record
    from facilitymap.validate import validate_layer

    if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
        frame = frame.to_crs("EPSG:4326")
    geometry_column = frame.geometry.name
    sites, problems = [], []
    for label, row in frame.iterrows():
        record = {k: _plain(v) for k, v in row.items() if k != geometry_column}
        record = {k: v for k, v in record.items() if v is not None}
        for name in NESTED_COLUMNS:
            if isinstance(record.get(name), str):
                # Text that is not JSON stays text: the model reports it as the wrong type.
                with contextlib.suppress(ValueError):
                    record[name] = json.loads(record[name])
        site_id = record.pop(id_column or "id", None) if (id_column or "id") in record else label
        geometry = row[geometry_column]
        located = getattr(geometry, "is_empty", True) is False  # None or NaN when unlocated
        record["id"] = site_id
        record["geometry"] = from_shapely(geometry) if located else None
        try:
            sites.append(site_from_record(record))
        except RecordError as err:
            problems += [Problem(_FRAME, str(label), f, m) for f, m in err.problems]
    name = frame.attrs.get("name")
    layer = Layer(sites, {"name": name} if isinstance(name, str) else {})
    problems += errors(validate_layer(layer, _FRAME))
    if problems:
        raise LayerError(f"{_FRAME}: {len(problems)} error(s)", problems)
    return layer


_FRAME = "<GeoDataFrame>"


def _plain(value: Any) -> Any:
    """numpy scalars as Python values; NaN and None as None."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, list | dict | str):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            return value
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


# ----------------------------------------------------------------------------- folium


def folium_payload(
    layer_or_path: LayerLike,
    *,
    statuses: Sequence[str] = (),
    kinds: Sequence[str] = (),
    countries: Sequence[str] = (),
    min_confidence: str | None = None,
    as_of: date | str | None = None,
) -> dict[str, Any]:
    """What the folium layer draws: per site its geometry, status, style and timeline."""
    from facilitymap.listing import site_timeline
    from facilitymap.render.style import CONFIDENCE_STYLE, STATUS_STYLE

    cutoff = parse_as_of(as_of)
    layer = filtered(layer_or_path, statuses=statuses, kinds=kinds, countries=countries,
                     min_confidence=min_confidence, as_of=cutoff)  # fmt: skip
    sites = []
    for site in layer.sites:
        derived = derive_site(site, as_of=cutoff)
        timeline = site_timeline(site, cutoff)
        sites.append(
            {
                "id": site.id,
                "name": site.name,
                "local_names": [n.name for n in site.local_names],
                "geometry": site.geometry,
                "status": derived.status,
                "label": derived.label,
                "confidence": site.confidence,
                "confidence_note": site.confidence_note,
                "precision_m": site.location.precision_m,
                "basis": site.location.basis,
                "location_note": site.location.note,
                "later_claims": len(site.claims) - len(timeline),
                "claims": [_folium_claim(c, derived.deciding_claims) for c in timeline],
            }
        )
    return {
        "sites": sites,
        "as_of": cutoff.isoformat() if cutoff else None,
        "styles": STATUS_STYLE,
        "alpha": {k: v["alpha"] for k, v in CONFIDENCE_STYLE.items()},
    }


def _folium_claim(claim: dict[str, Any], deciding: Sequence[str]) -> dict[str, Any]:
    keys = ("title", "publisher", "url", "archive_url")
    return {
        **{k: claim[k] for k in ("date", "actor", "stance", "summary", "quote")},
        "decides": claim["id"] in deciding,
        "sources": [{k: source.get(k) for k in keys} for source in claim["sources"]],
    }


def folium_layer(
    layer_or_path: LayerLike,
    *,
    name: str = "facilitymap sites",
    show: bool = True,
    statuses: Sequence[str] = (),
    kinds: Sequence[str] = (),
    countries: Sequence[str] = (),
    min_confidence: str | None = None,
    as_of: date | str | None = None,
):
    """The sites as one folium layer (a ``folium.map.Layer``) to add to a ``folium.Map``.

    Filters as for :func:`facilitymap.render`. Each site is drawn in its status colour with
    its precision circle (or its line or area), and a popup with its status, confidence and
    claims as a dated timeline with source links. It is listed in a ``LayerControl`` by
    ``name``. Needs folium (``pip install 'facilitymap[folium]'``).
    """
    from folium.map import Layer as FoliumLayer
    from jinja2 import Template

    payload = folium_payload(layer_or_path, statuses=statuses, kinds=kinds, countries=countries,
                             min_confidence=min_confidence, as_of=as_of)  # fmt: skip
    encoded = base64.b64encode(
        json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    ).decode("ascii")

    class SiteLayer(FoliumLayer):
        _template = Template(_FOLIUM_TEMPLATE)

        def __init__(self) -> None:
            super().__init__(name=name, overlay=True, control=True, show=show)
            self._name = "FacilitymapSites"
            self.payload = encoded

    return SiteLayer()


# The template has no data in it: `this.payload` is base64 text (A-Z a-z 0-9 + / =).
_FOLIUM_TEMPLATE = """
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = (function () {
  var bytes = Uint8Array.from(atob("{{ this.payload }}"), function (c) { return c.charCodeAt(0); });
  var data = JSON.parse(new TextDecoder("utf-8").decode(bytes));
  var group = L.featureGroup();
  function el(tag, text, parent) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (parent) { parent.appendChild(node); }
    return node;
  }
  function link(url, text, parent) {
    if (typeof url !== "string" || !/^https?:\\/\\//i.test(url)) { return el("span", text, parent); }
    var a = el("a", text, parent);
    a.href = url; a.target = "_blank"; a.rel = "noopener noreferrer";
    return a;
  }
  function popup(site) {
    var box = el("div"); box.className = "facilitymap-popup";
    el("strong", site.name, box);
    if (site.local_names.length) { el("div", site.local_names.join(" · "), box); }
    el("div", site.label + (data.as_of ? " (as of " + data.as_of + ")" : ""), box);
    el("div", "Confidence: " + site.confidence + ": " + site.confidence_note, box);
    el("div", "Location: " + site.basis + (site.precision_m ? ", within " + site.precision_m + " m" : "") + ": " + site.location_note, box);
    var list = el("ul", null, box);
    site.claims.forEach(function (claim) {
      var item = el("li", null, list);
      el("b", claim.date + (claim.decides ? " *" : ""), item);
      item.appendChild(document.createTextNode(" " + claim.actor + " " + claim.stance + ": " + claim.summary));
      if (claim.quote) { el("q", claim.quote, item); }
      claim.sources.forEach(function (source) {
        var line = el("div", null, item);
        link(source.url, (source.publisher || "") + ": " + (source.title || source.url || ""), line);
        if (source.archive_url) { line.appendChild(document.createTextNode(" ")); link(source.archive_url, "(archived)", line); }
      });
    });
    if (site.later_claims) { el("div", site.later_claims + " later claim(s) hidden", box); }
    return box;
  }
  data.sites.forEach(function (site) {
    var style = data.styles[site.status], alpha = data.alpha[site.confidence] || 1;
    var look = {color: style.color, weight: 2, opacity: alpha, fillColor: style.color,
                fillOpacity: style.fill === "solid" ? 0.8 * alpha : 0.05,
                dashArray: style.fill === "dashed" ? "3 3" : null};
    var drawn;
    if (!site.geometry) { return; }
    if (site.geometry.type === "Point") {
      var at = [site.geometry.coordinates[1], site.geometry.coordinates[0]];
      if (site.precision_m) {
        L.circle(at, {radius: site.precision_m, color: style.color, weight: 1, opacity: 0.5 * alpha,
                      fillOpacity: 0.06, interactive: false}).addTo(group);
      }
      look.radius = style.size;
      drawn = L.circleMarker(at, look);
    } else {
      drawn = L.geoJSON(site.geometry, {style: function () { return look; }});
    }
    drawn.bindPopup(function () { return popup(site); }, {maxWidth: 420});
    drawn.bindTooltip(el("span", site.name + " (" + site.label + ")"));
    drawn.addTo(group);
  });
  return group;
})();
{% endmacro %}
"""
