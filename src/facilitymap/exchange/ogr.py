"""What the GDAL formats (GeoPackage, FlatGeobuf, Shapefile) share, through pyogrio.

Writing: flat rows as typed columns, geometry as WKB, GDAL configuration pinned for
deterministic bytes. Reading: one OGR layer as plain Python rows and GeoJSON geometry in
WGS 84 lon/lat (another CRS is reprojected with pyproj and said so).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np

from facilitymap.dates import date_end
from facilitymap.errors import FacilitymapError
from facilitymap.exchange import geometries
from facilitymap.exchange.flat import INTEGER_COLUMNS, REAL_COLUMNS
from facilitymap.io import site_to_feature
from facilitymap.model import Site
from facilitymap.problems import Problem

CRS = "EPSG:4326"


def pyogrio_module():
    """pyogrio, imported on first use (it loads GDAL)."""
    import pyogrio

    return pyogrio


def typed_columns(rows: Sequence[dict[str, Any]], names: Sequence[str]) -> list[np.ndarray]:
    """Typed column arrays for pyogrio: integers, reals (None → NaN), everything else text."""
    arrays = []
    for name in names:
        values = [row.get(name) for row in rows]
        if name in INTEGER_COLUMNS or name.endswith("_index"):
            arrays.append(np.array(values, dtype=np.int32))
        elif name in REAL_COLUMNS:
            arrays.append(np.array([math.nan if v is None else v for v in values], dtype=float))
        else:
            arrays.append(np.array(values, dtype=object))
    return arrays


def wkb_array(sites: Sequence[Site], as_of) -> np.ndarray:
    """The sites' geometries as WKB (None for an unlocated site)."""
    return np.array(
        [geometries.to_wkb(site_to_feature(s, as_of)["geometry"]) for s in sites], dtype=object
    )


def geometry_type(sites: Sequence[Site]) -> str:
    """``Point`` when every located site is a point (so GDAL and QGIS see a point layer),
    else ``Unknown`` (any geometry)."""
    types = {s.geometry["type"] for s in sites if s.geometry is not None}
    return "Point" if types == {"Point"} else "Unknown"


def strip_nul(rows: list[dict[str, Any]], warnings: list[str], fmt: str) -> None:
    """GDAL strings are C strings: a NUL would silently cut the value. Remove it and say so."""
    for row in rows:
        for key, value in row.items():
            if isinstance(value, str) and "\x00" in value:
                row[key] = value.replace("\x00", "")
                warnings.append(
                    f"{row.get('site_id', row.get('id'))}: {key}: NUL character removed "
                    f"({fmt} cannot store it)"
                )


@contextlib.contextmanager
def gdal_config(**options: str) -> Iterator[None]:
    """GDAL configuration options set for the duration of a block."""
    pyogrio = pyogrio_module()
    before = {k: pyogrio.get_gdal_config_option(k) for k in options}
    pyogrio.set_gdal_config_options(options)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(before)


def data_date(sites: Sequence[Site]) -> str:
    """A timestamp derived from the data (latest ``updated`` or claim date) for GDAL.

    GeoPackage records a last-change time per table; pinning it makes the file depend only on
    the data (same layer, same bytes).
    """
    days = [date_end(s.updated) for s in sites if s.updated]
    days += [date_end(c.date) for s in sites for c in s.claims]
    latest = max(days, default=date(2000, 1, 1))
    return f"{latest.isoformat()}T00:00:00.000Z"


def truncate_utf8(text: str, limit: int, marker: str = "…") -> str:
    """``text`` cut at a character boundary so that it and ``marker`` fit in ``limit`` bytes."""
    room = limit - len(marker.encode("utf-8"))
    return text.encode("utf-8")[:room].decode("utf-8", errors="ignore") + marker


# --------------------------------------------------------------------------- read


def plain(value: Any) -> Any:
    """A cell from pandas/numpy as plain Python: NaN/NaT → None, timestamps → ISO dates."""
    if value is None:
        return None
    try:
        import pandas as pd

        # NaT first: it is a datetime whose .time() raises.
        if value is pd.NaT or (not isinstance(value, str | list | dict) and pd.isna(value)):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None and value.time() == datetime.min.time():
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


def read_table(
    path: Path, layer: str | None = None, problems: list[Problem] | None = None
) -> list[tuple[dict | None, dict[str, Any]]]:
    """Rows of one OGR layer as ``(geometry, {column: plain value})``, in FID order.

    Geometry in another CRS than WGS 84 is reprojected with pyproj (a notice says from
    what); a CRS pyproj does not know is refused, naming it.
    """
    pyogrio = pyogrio_module()
    try:
        info = pyogrio.read_info(str(path), layer=layer)
        has_geometry = info.get("geometry_type") is not None
        frame = pyogrio.read_dataframe(str(path), layer=layer, read_geometry=has_geometry)
    except Exception as err:  # pyogrio raises its own DataSourceError/DataLayerError
        raise FacilitymapError(f"{path}: cannot read with GDAL: {err}") from err
    change = None
    crs = info.get("crs")
    if has_geometry and crs and not geometries.is_wgs84(crs):
        try:
            change = geometries.transformer_to_wgs84(crs)
        except ValueError as err:
            raise FacilitymapError(
                f"{path}: {err}; reproject it to WGS 84 (EPSG:4326) and import again"
            ) from err
        if problems is not None:
            problems.append(
                Problem(str(path), "-", "crs", f"reprojected from {crs} to WGS 84", "notice")
            )
    names = [c for c in frame.columns if c != "geometry"]
    out = []
    geoms = frame["geometry"] if has_geometry else [None] * len(frame)
    for geom, values in zip(geoms, frame[names].itertuples(index=False, name=None), strict=True):
        geometry = geometries.from_shapely(geom)
        if change is not None:
            geometry = geometries.map_geometry(geometry, change)
        out.append((geometry, {c: plain(v) for c, v in zip(names, values, strict=True)}))
    return out


def list_layers(path: Path) -> list[str]:
    """Layer names of a GDAL dataset."""
    pyogrio = pyogrio_module()
    try:
        return [str(name) for name, _ in pyogrio.list_layers(str(path))]
    except Exception as err:
        raise FacilitymapError(f"{path}: cannot open with GDAL: {err}") from err


def only_layer(path: Path, preferred: str | None = None) -> str:
    """The layer to read: ``preferred`` when the file has it, else the file's only layer."""
    layers = list_layers(path)
    if preferred in layers:
        return preferred
    if len(layers) == 1:
        return layers[0]
    wanted = f"expected one or {preferred!r}" if preferred else "expected one"
    raise FacilitymapError(f"{path}: {len(layers)} layers ({', '.join(layers)}); {wanted}")


def label_rows(rows: list[tuple[dict | None, dict[str, Any]]], prefix: str = "#"):
    """``(label, geometry, row)``: the id when there is one, else ``#index``."""
    return [
        (str(row.get("id") or f"{prefix}{index}"), geometry, row)
        for index, (geometry, row) in enumerate(rows)
    ]
