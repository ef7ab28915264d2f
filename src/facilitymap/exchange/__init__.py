"""Share the layer with GIS tools: export to and import from GPKG, FlatGeobuf, Shapefile,
CSV, KML and GeoJSON.

::

    from facilitymap import load_layer
    from facilitymap.exchange import export_layer, import_file

    report = export_layer(load_layer("geodata/sites.geojson"), "sites.gpkg", "gpkg")
    sites = import_file("from-colleague.csv", column_map={"name": "Site name"})

Every format carries the same flat columns (``FLAT_COLUMNS``; nested parts as JSON text);
what each one loses is measured in ``tests/test_export_roundtrip.py`` and written down in
``docs/exchange.md``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import orjson

from facilitymap.dates import date_end, parse_as_of
from facilitymap.errors import FacilitymapError, LayerError
from facilitymap.exchange import files, kml, ogr, tabular
from facilitymap.exchange.flat import (
    FLAT_COLUMNS,
    LAT_NAMES,
    LON_NAMES,
    MAPPABLE_FIELDS,
    WKT_NAMES,
    row_to_record,
    site_to_row,
)
from facilitymap.io import Layer, layer_to_dict, parse_layer
from facilitymap.model import RecordError, Site, site_from_record
from facilitymap.problems import Problem, errors
from facilitymap.status import derive_site

FORMATS = ("gpkg", "fgb", "shp", "csv", "kml", "geojson")
SUFFIXES = {
    ".gpkg": "gpkg",
    ".fgb": "fgb",
    ".shp": "shp",
    ".csv": "csv",
    ".txt": "csv",
    ".kml": "kml",
    ".kmz": "kml",
    ".geojson": "geojson",
    ".json": "geojson",
}

__all__ = [
    "FLAT_COLUMNS",
    "FORMATS",
    "MAPPABLE_FIELDS",
    "ExportReport",
    "ImportResult",
    "export_layer",
    "format_of",
    "import_file",
    "read_sites",
    "site_to_row",
]


@dataclass
class ExportReport:
    """What an export wrote: the files, how many sites, which had no geometry, what was lost."""

    fmt: str
    files: list[Path]
    sites: int
    unlocated: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def format_of(path: str | os.PathLike[str]) -> str:
    """The format a file name implies (``sites.gpkg`` → ``gpkg``); raises FacilitymapError."""
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        known = ", ".join(sorted(SUFFIXES))
        raise FacilitymapError(
            f"{path}: unknown file type {suffix or '(none)'}; use one of {known}"
        )
    return SUFFIXES[suffix]


def _snapshot(sites: Sequence[Site], as_of: date | None) -> list[Site]:
    # As of a date, a site is shown as it was known then: later claims are left out.
    if as_of is None:
        return list(sites)
    return [s.replace(claims=[c for c in s.claims if date_end(c.date) <= as_of]) for s in sites]


def export_layer(
    layer_or_sites: Layer | Sequence[Site],
    path: str | os.PathLike[str],
    fmt: str,
    *,
    flat: bool = False,
    overwrite: bool = False,
    as_of: date | str | None = None,
    excel_safe: bool = False,
) -> ExportReport:
    """Write sites in a GIS format, atomically, refusing to overwrite unless asked.

    Parameters
    ----------
    layer_or_sites : Layer or sequence of Site
        What to export (filter first, e.g. with :func:`facilitymap.listing.select_sites`).
    path : path-like
        Output file. For ``shp`` also ``<stem>.shx/.dbf/.prj/.cpg``, ``<stem>.fieldmap.csv``,
        and ``<stem>_lines.*`` / ``<stem>_polygons.*`` when there are lines or areas.
    fmt : {'gpkg', 'fgb', 'shp', 'csv', 'kml', 'geojson'}
    flat : bool
        ``geojson`` only: nested fields as JSON strings (the flat columns).
    overwrite : bool
        Replace existing files; otherwise :class:`OutputExistsError` and nothing is written.
    as_of : date or ISO string, optional
        Export the state known on that day: later claims are left out, status derived then.
    excel_safe : bool
        ``csv`` only: a byte-order mark, and ``'`` before free text a spreadsheet would run as
        a formula (undone by ``import_file(..., excel_safe=True)``).

    Returns
    -------
    ExportReport

    Raises
    ------
    OutputExistsError, FacilitymapError
    """
    if fmt not in FORMATS:
        raise FacilitymapError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    if flat and fmt != "geojson":
        raise FacilitymapError("--flat applies to geojson only (the other formats are flat)")
    if excel_safe and fmt != "csv":
        raise FacilitymapError("--excel-safe applies to csv only")
    layer = layer_or_sites if isinstance(layer_or_sites, Layer) else Layer(list(layer_or_sites))
    cutoff = parse_as_of(as_of)
    sites = _snapshot(layer.sites, cutoff)
    path = Path(path)
    outputs = ogr.shp_outputs(path, sites) if fmt == "shp" else [path]
    files.check_writable(outputs, overwrite=overwrite)
    report = ExportReport(fmt, outputs, len(sites), [s.id for s in sites if s.geometry is None])
    with files.staging(path) as tmp:
        target = tmp / path.name
        try:
            if fmt == "gpkg":
                ogr.write_gpkg(sites, target, cutoff, report.warnings)
            elif fmt == "fgb":
                ogr.write_fgb(sites, target, cutoff, report.warnings)
            elif fmt == "shp":
                ogr.write_shp(sites, target, cutoff, report.warnings)
            elif fmt == "csv":
                tabular.write_csv(sites, target, cutoff, report.warnings, excel_safe=excel_safe)
            elif fmt == "kml":
                title = layer.extra_members.get("name")
                kml.write_kml(
                    sites,
                    target,
                    cutoff,
                    report.warnings,
                    title=title if isinstance(title, str) else "facilitymap export",
                )
            else:
                target.write_bytes(_geojson_bytes(layer, sites, cutoff, flat=flat))
        except FacilitymapError:
            raise
        except Exception as err:  # GDAL/pyogrio errors: nothing was published
            raise FacilitymapError(f"{path}: cannot write {fmt}: {err}") from err
        files.publish([tmp / p.name for p in outputs], outputs, overwrite=overwrite)
    return report


def _geojson_bytes(layer: Layer, sites: list[Site], as_of, *, flat: bool) -> bytes:
    doc = layer_to_dict(Layer(sites, dict(layer.extra_members)), as_of=as_of)
    if flat:
        for site, feature in zip(sites, doc["features"], strict=True):
            row = site_to_row(site, as_of)
            del row["id"]
            feature["properties"] = row
            for key in [k for k in feature if k not in ("type", "id", "geometry", "properties")]:
                del feature[key]  # travels in the extra_members column
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n"


# --------------------------------------------------------------------------- import


@dataclass
class ImportResult:
    """Sites read from a file, and the warnings met on the way."""

    sites: list[Site]
    problems: list[Problem] = field(default_factory=list)


def import_file(
    path: str | os.PathLike[str],
    *,
    column_map: Mapping[str, str] | None = None,
    excel_safe: bool = False,
) -> list[Site]:
    """Read sites from a CSV, KML/KMZ, GeoJSON, GeoPackage, FlatGeobuf or Shapefile.

    See :func:`read_sites`; this returns only the sites.
    """
    return read_sites(path, column_map=column_map, excel_safe=excel_safe).sites


def read_sites(
    path: str | os.PathLike[str],
    *,
    column_map: Mapping[str, str] | None = None,
    excel_safe: bool = False,
) -> ImportResult:
    """Read and check sites from a file, reporting every problem at once.

    Parameters
    ----------
    path : path-like
        The format follows the suffix (``.csv``, ``.kml``, ``.kmz``, ``.geojson``/``.json``,
        ``.gpkg``, ``.fgb``, ``.shp``). Our own exports come back with their claims and
        sources (GeoPackage: from its ``claims`` and ``sources`` tables).
    column_map : mapping of field → column, optional
        Which source column holds each flat field (``{"name": "Site name", "lon": "X"}``).
        Columns named like a field (case-insensitively) need no mapping; other columns are
        kept as unknown properties.
    excel_safe : bool
        Undo the ``'`` a ``--excel-safe`` CSV export put before formula-like text.

    Returns
    -------
    ImportResult
        Sites in file order (derived status left to be recomputed) and warnings.

    Raises
    ------
    LayerError
        With every error found (bad values, unknown columns in the map, duplicate ids).
    """
    path = Path(path)
    fmt = format_of(path)
    column_map = dict(column_map or {})
    unknown = sorted(set(column_map) - set(MAPPABLE_FIELDS))
    if unknown:
        raise FacilitymapError(
            f"cannot map {', '.join(unknown)}: fields are {', '.join(MAPPABLE_FIELDS)}"
        )
    if not path.is_file():
        raise FacilitymapError(f"{path}: no such file")
    label = str(path)
    problems: list[Problem] = []
    if fmt == "geojson":
        nested = _read_canonical_geojson(path, problems)
        if nested is not None:
            return _finish(label, nested, problems)
    raw, blank_is_absent = _raw_rows(path, fmt, problems)
    sites = []
    columns = {k for _, _, row in raw for k in row}
    missing = sorted(c for c in column_map.values() if c not in columns)
    if missing and raw:
        found = ", ".join(sorted(columns))
        raise LayerError(
            f"{path}: no column {', '.join(map(repr, missing))} (columns: {found})",
            [Problem(label, "-", "--map", f"no column {c!r} in the file") for c in missing],
        )
    for row_label, geometry, source_row in raw:
        row = _map_row(source_row, column_map)
        if fmt == "csv":
            geometry = _tabular_geometry(row, label, row_label, problems)
        record, found = row_to_record(
            row,
            geometry,
            blank_is_absent=blank_is_absent,
            unescape=tabular.excel_unescape if excel_safe else None,
        )
        site_label = str(record.get("id") or row_label)
        problems += [Problem(label, site_label, p.field, p.message) for p in found]
        site = _validate(record, label, site_label, problems)
        if site is not None:
            _check_declared(site, row, label, problems)
            sites.append(site)
    return _finish(label, sites, problems)


def _finish(label: str, sites: list[Site], problems: list[Problem]) -> ImportResult:
    # Every rule the layer's own validator has, named against the file being imported (not
    # the layer it goes into), before anything is merged.
    from facilitymap.validate import validate_layer

    checked = validate_layer(Layer(sites=sites), label)
    problems += [p for p in checked if p.severity != "notice"]
    if errors(problems):
        raise LayerError(f"{label}: {len(errors(problems))} error(s); nothing imported", problems)
    return ImportResult(sites, problems)


def _validate(record, label, site_label, problems) -> Site | None:
    try:
        return site_from_record(record)
    except RecordError as err:
        for where, message in err.problems:
            if message == "required field is missing":
                message += " (map a column to it with --map)"
            problems.append(Problem(label, site_label, where or "site", message))
        return None


def _check_declared(site: Site, row: Mapping[str, Any], label: str, problems) -> None:
    declared = row.get("status")
    if declared not in (None, ""):
        try:
            computed = derive_site(site).status
        except ValueError:  # a malformed date: the validator run in _finish reports it
            return
        if declared != computed:
            problems.append(
                Problem(
                    label,
                    site.id,
                    "status",
                    f"the file says {declared!r}, the claims give {computed!r} (recomputed)",
                    "warning",
                )
            )


def _map_row(row: Mapping[str, Any], column_map: Mapping[str, str]) -> dict[str, Any]:
    mapped = dict(row)
    taken = set(column_map.values())
    for field_name, column in column_map.items():
        if field_name in mapped and field_name not in taken:
            # The file's own column of that name gives way; keep it as an unknown property.
            mapped[f"source_{field_name}"] = mapped.pop(field_name)
        if column in row:
            mapped.pop(column, None)
            mapped[field_name] = row[column]
    wanted = {c.lower(): c for c in (*FLAT_COLUMNS, "lon", "lat", "wkt")}
    for key in list(mapped):
        canonical = wanted.get(key.lower())
        if canonical and canonical != key and canonical not in mapped:
            mapped[canonical] = mapped.pop(key)
    return mapped


def _tabular_geometry(row: dict[str, Any], label, row_label, problems) -> dict | None:
    def take(names: Sequence[str]) -> Any:
        for name in names:
            for key in list(row):
                if key.lower() == name:
                    return row.pop(key)
        return None

    wkt, lon, lat = take(WKT_NAMES), take(LON_NAMES), take(LAT_NAMES)
    if wkt:
        import shapely

        try:
            return ogr.geometry_dict(shapely.from_wkt(wkt))
        except Exception as err:  # shapely.errors.GEOSException
            problems.append(Problem(label, row_label, "wkt", f"not WKT: {err}"))
            return None
    if lon in (None, "") and lat in (None, ""):
        return None
    try:
        return {"type": "Point", "coordinates": [float(lon), float(lat)]}
    except (TypeError, ValueError):
        problems.append(Problem(label, row_label, "lon/lat", f"not numbers: {lon!r}, {lat!r}"))
        return None


def _read_canonical_geojson(path: Path, problems: list[Problem]) -> list[Site] | None:
    """Sites of a GeoJSON in the layer's own (nested) format, or None if it is flat."""
    data = path.read_bytes()
    # The layer's own parser: strict JSON (duplicate keys, NaN) and located problems.
    layer, found = parse_layer(data, str(path))
    if layer is None:
        raise LayerError(f"{path}: not a layer", found)
    doc = orjson.loads(data)
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list):
        raise LayerError(
            f"{path}: not a GeoJSON FeatureCollection",
            [Problem(str(path), "-", "file", "expected a FeatureCollection")],
        )
    # Our format when any feature has a nested `location`; a flat file has none.
    nested = features and any(
        isinstance(f, dict)
        and isinstance(f.get("properties"), dict)
        and isinstance(f["properties"].get("location"), dict)
        for f in features
    )
    if not nested:
        return None
    problems += [p for p in found if p.field != "crs"]
    sites = []
    for site in layer.sites:
        declared = site.status
        site = site.replace(official_status=None, evidence=None, status=None)
        _check_declared(site, {"status": declared}, str(path), problems)
        sites.append(site)
    return sites


def _raw_rows(path: Path, fmt: str, problems: list[Problem]):
    """``[(label, geometry, row)]`` and whether a blank cell means absent."""
    if fmt == "csv":
        _, rows = tabular.read_csv(path)
        return [(f"row {i + 2}", None, row) for i, row in enumerate(rows)], True
    if fmt == "kml":
        return kml.read_kml(path), False
    if fmt == "geojson":
        doc = orjson.loads(path.read_bytes())
        out = []
        for index, feature in enumerate(doc["features"]):
            if not isinstance(feature, dict):
                problems.append(Problem(str(path), f"#{index}", "feature", "not an object"))
                continue
            properties = feature.get("properties") or {}
            if not isinstance(properties, dict):
                problems.append(Problem(str(path), f"#{index}", "properties", "must be an object"))
                continue
            row = dict(properties)
            if feature.get("id") is not None and "id" not in row:
                row["id"] = feature["id"]
            out.append((str(row.get("id") or f"#{index}"), feature.get("geometry"), row))
        return out, False
    if fmt == "shp":
        return _shp_rows(path), False
    return _ogr_rows(path, fmt, problems), False


def _shp_rows(path: Path):
    names = ogr.read_fieldmap(path)
    members = [path]
    if path.with_name(path.stem + ".fieldmap.csv").exists():
        members += [
            p
            for suffix in ("_lines", "_polygons")
            if (p := path.with_name(path.stem + suffix + ".shp")).exists()
        ]
    out = []
    for member in members:
        for index, (geometry, row) in enumerate(ogr.read_table(member)):
            row = {names.get(k, k): v for k, v in row.items()}
            out.append((str(row.get("id") or f"{member.name}#{index}"), geometry, row))
    return out


def _ogr_rows(path: Path, fmt: str, problems: list[Problem]):
    layers = ogr.list_layers(path)
    if fmt == "gpkg" and "sites" in layers:
        table = "sites"
    elif len(layers) == 1:
        table = layers[0]
    else:
        raise FacilitymapError(
            f"{path}: {len(layers)} layers ({', '.join(layers)}); expected one or 'sites'"
        )
    rows = ogr.read_table(path, table)
    children: dict[str, dict[str, list]] = {}
    if fmt == "gpkg" and table == "sites" and {"claims", "sources"} <= set(layers):
        children["claims"] = ogr.children_by_site(
            ogr.read_table(path, "claims"), "claim_index", ogr.CLAIM_COLUMNS[2:-1]
        )
        children["sources"] = ogr.children_by_site(
            ogr.read_table(path, "sources"), "source_index", ogr.SOURCE_COLUMNS[2:-1]
        )
    out = []
    for index, (geometry, row) in enumerate(rows):
        site_id = str(row.get("id"))
        for name, grouped in children.items():
            from_table = grouped.get(site_id, [])
            column = row.get(name)
            if isinstance(column, str) and column:
                try:
                    column = orjson.loads(column)
                except orjson.JSONDecodeError:
                    column = None
            if column is not None and column != from_table:
                problems.append(
                    Problem(
                        str(path),
                        site_id,
                        name,
                        f"the {name} table and the {name} column differ; the table is used",
                        "warning",
                    )
                )
            row[name] = from_table
        out.append((str(row.get("id") or f"#{index}"), geometry, row))
    return out
