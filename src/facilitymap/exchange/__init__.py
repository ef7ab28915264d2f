"""Share the layer with GIS tools: export to and import from GPKG, FlatGeobuf, Shapefile,
CSV, KML and GeoJSON.

::

    from facilitymap import load_layer
    from facilitymap.exchange import export_layer, import_file

    report = export_layer(load_layer("geodata/sites.geojson"), "sites.gpkg", "gpkg")
    sites = import_file("from-colleague.csv", column_map={"name": "Site name"})

Every format carries the same flat columns (``FLAT_COLUMNS``; nested parts as JSON text);
what each one loses is measured in ``tests/test_import.py`` (round trips) and written down in
``docs/exchange.md``. Each format is a module with a reader and a writer, listed in
``exchange.registry``; this module holds what they share: atomic export, and turning rows
into checked sites (including the forms GDAL and QGIS give them, ``exchange.gis_rows``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from facilitymap.dates import date_end, parse_as_of
from facilitymap.errors import FacilitymapError, LayerError
from facilitymap.exchange import files, geometries, tabular
from facilitymap.exchange.flat import (
    COORDINATE_LIKE,
    FLAT_COLUMNS,
    LAT_NAMES,
    LON_NAMES,
    MAPPABLE_FIELDS,
    WKT_NAMES,
    row_to_record,
    site_to_row,
)
from facilitymap.exchange.gis_rows import complete_new_sites, undo_gis_columns
from facilitymap.exchange.protocol import ExportJob
from facilitymap.exchange.registry import FORMATS as REGISTRY
from facilitymap.exchange.registry import SUFFIXES, format_named, format_of
from facilitymap.io import Layer
from facilitymap.model import RecordError, Site, site_from_record
from facilitymap.problems import Problem, errors
from facilitymap.status import derive_site

FORMATS = tuple(REGISTRY)
_CSV_GEOMETRY = {"lon", "lat", "wkt"}
# Our CSV's lon/lat, rewritten by GDAL with 15 significant digits, still name the same point.
_SAME_DEGREES = 1e-9

__all__ = [
    "FLAT_COLUMNS",
    "FORMATS",
    "MAPPABLE_FIELDS",
    "SUFFIXES",
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
    writer = format_named(fmt)
    for option, given in (("flat", flat), ("excel_safe", excel_safe)):
        if given and option not in writer.options:
            takers = ", ".join(f.name for f in REGISTRY.values() if option in f.options)
            raise FacilitymapError(f"--{option.replace('_', '-')} applies to {takers} only")
    layer = layer_or_sites if isinstance(layer_or_sites, Layer) else Layer(list(layer_or_sites))
    cutoff = parse_as_of(as_of)
    sites = _snapshot(layer.sites, cutoff)
    path = Path(path)
    outputs = writer.outputs(path, sites)
    files.check_writable(outputs, overwrite=overwrite)
    report = ExportReport(fmt, outputs, len(sites), [s.id for s in sites if s.geometry is None])
    job = ExportJob(
        sites,
        cutoff,
        report.warnings,
        dict(layer.extra_members),
        flat=flat,
        excel_safe=excel_safe,
    )
    with files.staging(path) as tmp:
        try:
            writer.write(job, tmp / path.name)
        except FacilitymapError:
            raise
        except Exception as err:  # GDAL/pyogrio errors: nothing was published
            raise FacilitymapError(f"{path}: cannot write {fmt}: {err}") from err
        files.publish([tmp / p.name for p in outputs], outputs, overwrite=overwrite)
    return report


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
    reader = REGISTRY[format_of(path)]
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
    reading = reader.read(path, problems)
    if reading.sites is not None:  # the layer's own GeoJSON: its status is recomputed
        sites = []
        for site in reading.sites:
            declared = site.status
            site = site.replace(official_status=None, evidence=None, status=None)
            _check_declared(site, {"status": declared}, label, problems)
            sites.append(site)
        return _finish(label, sites, problems)
    raw = reading.rows
    columns = {k for _, _, row in raw for k in row}
    missing = sorted(c for c in column_map.values() if c not in columns)
    if missing and raw:
        raise LayerError(
            f"{path}: no column {', '.join(map(repr, missing))} "
            f"(columns: {', '.join(sorted(columns))})",
            [Problem(label, "-", "--map", f"no column {c!r} in the file") for c in missing],
        )
    # A copy of our CSV (its lon, lat and wkt columns still there) has '' for every blank
    # cell, as the CSV had: there too a blank is absent.
    blank_is_absent = reading.blank_is_absent or any(
        {k.lower() for k in row} >= _CSV_GEOMETRY for _, _, row in raw
    )
    records = []
    with_z = 0
    for row_label, geometry, source_row in raw:
        row = undo_gis_columns(_map_row(source_row, column_map))
        geometry = _row_geometry(row, geometry, label, row_label, problems)
        if geometries.has_z(geometry):
            geometry = geometries.drop_z(geometry)
            with_z += 1
        record, cell_problems = row_to_record(
            row,
            geometry,
            blank_is_absent=blank_is_absent,
            unescape=tabular.excel_unescape if excel_safe else None,
        )
        records.append((row_label, row, record, cell_problems))
    if with_z:
        problems.append(
            Problem(
                label,
                "-",
                "geometry",
                f"{with_z} row(s) had z values (heights); dropped: the layer is 2D",
                "notice",
            )
        )
    _unmapped_coordinates(raw, records, column_map, label, problems)
    complete_new_sites([(lbl, rec) for lbl, _, rec, _ in records], label, problems)
    sites = []
    for row_label, row, record, cell_problems in records:
        site_label = str(record.get("id") or row_label)
        problems += [Problem(label, site_label, p.field, p.message) for p in cell_problems]
        built = _validate(record, label, site_label, problems)
        if built is not None:
            _check_declared(built, row, label, problems)
            sites.append(built)
    return _finish(label, sites, problems)


def _unmapped_coordinates(raw, records, column_map, label, problems) -> None:
    # Rows that all came without a geometry while columns look like coordinates: say so,
    # rather than import every site as unlocated without a word.
    if not records or any(rec.get("geometry") is not None for _, _, rec, _ in records):
        return
    mapped = set(column_map.values())
    columns = dict.fromkeys(k for _, _, row in raw for k in row if k not in mapped)
    looks = [c for c in columns if COORDINATE_LIKE.search(c)]
    if looks:
        problems.append(
            Problem(
                label,
                "-",
                "geometry",
                f"no geometry, so all {len(records)} site(s) would be unlocated; columns "
                f"{', '.join(map(repr, looks))} look like coordinates: map them "
                "(--map lon=COLUMN --map lat=COLUMN, or --map wkt=COLUMN)",
                "warning",
            )
        )


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
                message += " (map a column to it with --map, or use a recipe: docs/import.md)"
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


def _row_geometry(row: dict[str, Any], geometry, label, row_label, problems) -> dict | None:
    """The row's geometry: the file's own, else from ``wkt`` or ``lon``/``lat`` columns.

    When the file has a geometry, columns that only repeat it (the ``lon``, ``lat``, ``wkt``
    of our CSV, carried into a GeoPackage by GDAL) are dropped; columns that disagree with it
    are kept as unknown properties.
    """
    if geometry is None:
        geometry = _geometry_from_columns(row, label, row_label, problems)
    if geometry is not None:
        _drop_repeated_geometry_columns(row, geometry)
    return geometry


def _geometry_from_columns(row: dict[str, Any], label, row_label, problems) -> dict | None:
    # The first column of each kind is the geometry: the others are checked against it.

    def take(names: Sequence[str]) -> Any:
        for name in names:
            for key in list(row):
                if key.lower() == name:
                    return row.pop(key)
        return None

    wkt, lon, lat = take(WKT_NAMES), take(LON_NAMES), take(LAT_NAMES)
    if isinstance(wkt, str) and wkt.strip():
        try:
            return geometries.from_wkt(wkt)
        except ValueError as err:
            problems.append(Problem(label, row_label, "wkt", f"not WKT: {err}"))
            return None
    if lon in (None, "") and lat in (None, ""):
        return None
    try:
        return {"type": "Point", "coordinates": [float(lon), float(lat)]}
    except (TypeError, ValueError):
        problems.append(Problem(label, row_label, "lon/lat", f"not numbers: {lon!r}, {lat!r}"))
        return None


def _drop_repeated_geometry_columns(row: dict[str, Any], geometry: dict[str, Any]) -> None:
    from facilitymap.geometry import representative_point

    point = representative_point(geometry)
    for key in list(row):
        name, value = key.lower(), row[key]
        if value is None or value == "":
            if name in (*WKT_NAMES, *LON_NAMES, *LAT_NAMES):
                del row[key]
            continue
        try:
            if name in WKT_NAMES:
                same = isinstance(value, str) and geometries.from_wkt(value) == geometry
            elif name in LON_NAMES:
                same = point is not None and abs(float(value) - point[0]) < _SAME_DEGREES
            elif name in LAT_NAMES:
                same = point is not None and abs(float(value) - point[1]) < _SAME_DEGREES
            else:
                continue
        except (TypeError, ValueError):
            continue
        if same:
            del row[key]
