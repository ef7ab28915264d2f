"""Read and write the layer: bytes → sites with located problems, sites → canonical GeoJSON.

Reading defines no rule: what is not strict JSON is refused by :mod:`facilitymap.strictjson`,
and the shape of the document and the rules of a layer are :mod:`facilitymap.validation`'s.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO, Literal, NamedTuple

import msgspec
import orjson

from facilitymap import strictjson
from facilitymap.atomic import write_atomic
from facilitymap.errors import ConcurrentEditError, FacilitymapError, LayerError
from facilitymap.gcpause import gc_paused
from facilitymap.geometry import canonical_geometry
from facilitymap.model import DERIVED_FIELDS, PROPERTY_ORDER, Layer, Site, _id_problems
from facilitymap.parallel import Background
from facilitymap.problems import Problem, errors, site_label
from facilitymap.status import derive_site
from facilitymap.validation import validate_layer
from facilitymap.validation.shape import layer_from_document, start_problem

# A layer larger than this is refused before reading: a layer the fast path cannot take is
# parsed whole, which takes several times its size in memory (one read in runs takes about
# twice its size; a render of a file in runs, a fraction). Override with
# FACILITYMAP_MAX_LAYER_BYTES.
MAX_LAYER_BYTES = int(os.environ.get("FACILITYMAP_MAX_LAYER_BYTES", 2 << 30))
# Over this size the fast path scans the raw bytes in a child process (see parallel.py).
SCAN_IN_BACKGROUND_OVER = 1 << 25


def read_layer_bytes(path: str | os.PathLike[str]) -> bytes:
    """Read a layer file, refusing what cannot be a layer before it is parsed.

    Raises
    ------
    LayerError
        With one file-level problem: missing, a folder, unreadable, or over the size limit.
    """
    with open_layer_file(path) as (file, _):
        return file.read()


@contextlib.contextmanager
def open_layer_file(path: str | os.PathLike[str]) -> Iterator[tuple[BinaryIO, int]]:
    """The open layer file and its size, refusing what cannot be a layer before it is read.

    An OS error while it is read in the ``with`` block (or a MemoryError) becomes a
    :class:`LayerError` too, with one file-level problem.
    """
    path = Path(path)

    def refuse(message: str) -> LayerError:
        return LayerError(f"{path}: {message}", [Problem(str(path), "-", "file", message)])

    try:
        if path.is_dir():
            raise refuse("is a folder, not a GeoJSON file")
        with path.open("rb") as file:
            size = os.fstat(file.fileno()).st_size
            if size > MAX_LAYER_BYTES:
                raise refuse(
                    f"{size:,} bytes is over the {MAX_LAYER_BYTES:,}-byte limit "
                    "(set FACILITYMAP_MAX_LAYER_BYTES to raise it)"
                )
            yield file, size
    except MemoryError:
        raise refuse("too large to read into memory") from None
    except OSError as err:
        if err.filename is not None and os.fspath(err.filename) != os.fspath(path):
            # Another file the work in the block needs (the country borders the checks
            # read, say): named as it is, not blamed on the layer.
            raise FacilitymapError(f"{err.filename}: {err.strerror} (needed for {path})") from None
        if isinstance(err, FileNotFoundError):
            raise refuse("no such file") from None
        if isinstance(err, PermissionError):
            raise refuse("permission denied") from None
        raise refuse(f"cannot read: {err.strerror or err}") from None


def parse_layer(data: bytes, path: str = "<layer>") -> tuple[Layer | None, list[Problem]]:
    """Parse layer bytes into sites, collecting every structural problem.

    Returns the layer (None when the file is not a FeatureCollection at all) and the problems
    found. Features that fail the model are left out of ``layer.sites`` and reported.
    """
    return _parse_layer(data, path, fast=True)


def _parse_layer(data: bytes, path: str, *, fast: bool) -> tuple[Layer | None, list[Problem]]:
    def file_problem(message: str) -> tuple[None, list[Problem]]:
        return None, [Problem(path, "-", "file", message)]

    refused = start_problem(data)
    if refused:
        return file_problem(refused)
    plain = _parse_plain_layer(data) if fast else None
    if plain is not None:
        return plain, []
    try:
        doc = strictjson.loads(data)
    except strictjson.JsonProblem as err:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as bad:
            at = bad.start
            return file_problem(f"not UTF-8 (byte {at}: 0x{data[at]:02x}); save as UTF-8")
        if err.where is None:
            return file_problem(f"not valid JSON: {err}")
        return None, [_located_problem(doc_path=err.where, message=str(err), path=path, text=text)]
    return layer_from_document(doc, path)


def _located_problem(doc_path: tuple, message: str, path: str, text: str) -> Problem:
    """A problem found at a JSON path: named by site and field when it is inside a feature."""
    if len(doc_path) >= 2 and doc_path[0] == "features" and isinstance(doc_path[1], int):
        index = doc_path[1]
        try:
            feature = strictjson.json.loads(text)["features"][index]
        except (ValueError, LookupError, TypeError, RecursionError):
            feature = None
        in_properties = doc_path[2:3] == ("properties",)
        rest = doc_path[3:] if in_properties else doc_path[2:]
        field = _dotted(rest) or ("properties" if in_properties else "feature")
        return Problem(path, site_label(feature, index), field, message)
    return Problem(path, "-", _dotted(doc_path) or "file", message)


def _dotted(parts: tuple) -> str:
    field = ""
    for part in parts:
        field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else str(part))
    return field


class _FeatureIn(msgspec.Struct, omit_defaults=True):
    type: Literal["Feature"]
    id: Any
    geometry: Any
    properties: Site


class _LayerIn(msgspec.Struct, omit_defaults=True):
    type: Literal["FeatureCollection"]
    features: list[_FeatureIn]
    name: str | None = None


def _needs_slow_path(data: bytes | bytearray) -> bool:
    """A reserved key, or a colon written as an escape (which the colon count would miss)."""
    return data.find(b'"__facilitymap_') != -1 or strictjson.has_escaped_colon(data)


def _parse_plain_layer(data: bytes) -> Layer | None:
    """The fast path for a layer that is plainly valid in structure (as ours always are).

    msgspec decodes the bytes straight into Sites (parsing and type checks in one C pass).
    That pass ignores keys it does not know and keeps the last of duplicate keys, so its
    result is only used when re-encoding it gives as many colons as the file has: every
    colon outside a string ends a key, so an unknown, null-valued or duplicate key makes the
    counts differ (a colon written as an escape, or a reserved key, is sent the slow way).
    Anything else, valid or not, returns None and takes the slow path, which keeps unknown
    keys and explains every problem.
    """
    if not _first_feature_is_plain(data, collection=True):
        return None
    # The two scans of the raw bytes run in a child process while this one decodes
    # (a third of the parse time at 100,000 sites, on two cores).
    scan = Background(
        lambda: (_needs_slow_path(data), data.count(b":")), fork=len(data) > SCAN_IN_BACKGROUND_OVER
    )
    try:
        # No separate UTF-8 check: msgspec decodes every string it keeps (and fails on bad
        # UTF-8), and a string it skips is an unknown key or value, which the colon count
        # below sends the slow way.
        parsed = msgspec.json.decode(data, type=_LayerIn)
    except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError):
        scan.cancel()
        return None
    needs_slow_path, colons = scan.result()
    if needs_slow_path or msgspec.json.encode(parsed).count(b":") != colons:
        return None
    sites = _plain_sites(parsed.features)
    if sites is None:
        return None
    extra = {"name": parsed.name} if parsed.name is not None else {}
    return Layer(sites=sites, extra_members=extra)


def _plain_sites(features: list[_FeatureIn]) -> list[Site] | None:
    sites = []
    for feature in features:
        site = feature.properties
        if _id_problems(feature.id):
            return None
        site.id = feature.id
        site.geometry = feature.geometry
        sites.append(site)
    return sites


class PlainRun(NamedTuple):
    """A run of features of a layer file, cut by :func:`split_plain_layer`: bytes
    ``start:end``; the first run also has the collection's closing bytes (``tail``, ``] }``),
    and starts with its own members."""

    start: int
    end: int
    tail: tuple[int, int] | None = None


# A comma between two objects, the second with "type": "Feature" before any nested value
# (facilitymap and GDAL write "type" first, geopandas writes "id" first). It is only a
# candidate: whether it is between features of the collection is proved by parsing (see
# split_plain_layer), and a candidate inside a feature sends the layer the whole way.
_BETWEEN_FEATURES = re.compile(rb'\}\s*(,)\s*\{[^{}\[\]]*?"type"\s*:\s*"Feature"\s*[,}]')
_FEATURES_LAST = re.compile(rb"\]\s*\}\s*\Z")
# How far split_plain_layer reads: the end of the file, and past each cut it aims at.
_TAIL_BYTES = 4096
_SEARCH_BYTES = (1 << 16, 1 << 21)


def split_plain_layer(
    fd: int, size: int, parts: int = 0, *, fractions: Sequence[float] = ()
) -> list[PlainRun] | None:
    """Cut the features of the layer file ``fd`` (``size`` bytes) into ``parts`` runs of
    about as many bytes, for separate processes to read and parse (:func:`read_plain_run`,
    :func:`parse_plain_run`); None where it cannot be cut so. ``fractions``: where to cut
    instead, as increasing fractions of the file.

    Only a few kilobytes are read and nothing is parsed here: each cut is the first comma
    between two features after a fraction of the file, and the parse of the runs proves it
    right. Say the layer is ``P , R1 , R2 T``: the first run parses ``P T`` as a collection
    whose features array is its last member (``T`` is ``] }``), the others parse ``[R1]``
    and ``[R2]`` as arrays of features. Then ``P`` ends inside that array, after a whole
    value, and putting back ``, R1 , R2`` only adds values to it: the layer parses as the
    first run's collection with every run's features, in order. A cut anywhere else makes
    some run fail to parse, and the layer is then parsed whole.
    """
    targets = (
        [int(size * f) for f in fractions]
        if fractions
        else [size * k // parts for k in range(1, parts)]
    )
    if not targets:
        return None
    try:
        at = max(0, size - _TAIL_BYTES)
        end = _FEATURES_LAST.search(os.pread(fd, size - at, at))
        if end is None:
            return None
        tail = at + end.start()
        cuts: list[int] = []
        for target in targets:
            start = max(target, cuts[-1] + 1 if cuts else 0)
            for reach in _SEARCH_BYTES:
                found = _BETWEEN_FEATURES.search(
                    os.pread(fd, max(0, min(reach, tail - start)), start)
                )
                if found is not None:
                    cuts.append(start + found.start(1))
                    break
    except OSError:  # the whole-file read says what is wrong, if anything
        return None
    if not cuts:
        return None
    starts = [0, *(cut + 1 for cut in cuts)]
    return [
        PlainRun(start, stop, (tail, size) if start == 0 else None)
        for start, stop in zip(starts, [*cuts, tail], strict=True)
    ]


def read_plain_run(fd: int, run: PlainRun) -> bytearray | None:
    """The JSON text of ``run``, read from the layer file ``fd``: the collection without
    the other runs' features for the first run, ``[features]`` for the others. None if the
    file is shorter than it was."""
    if run.tail is None:
        pieces, text = [(run.start, run.end)], bytearray(run.end - run.start + 2)
        text[0], text[-1], into = ord("["), ord("]"), 1
    else:
        pieces = [(0, run.end), run.tail]
        text, into = bytearray(run.end + run.tail[1] - run.tail[0]), 0
    with memoryview(text) as view:
        for start, end in pieces:
            while start < end:
                try:
                    got = os.preadv(fd, [view[into : into + end - start]], start)
                except OSError:  # the whole-file read says what is wrong, if anything
                    return None
                if got == 0:
                    return None
                start, into = start + got, into + got
    return text


def parse_plain_run(text: bytearray, run: PlainRun) -> list[Site] | None:
    """The sites of a run read by :func:`read_plain_run`, or None where the fast path does
    not take them (or the cut was not between features): the whole layer must then be
    parsed the slow way. See :func:`_parse_plain_layer` for what the colon count proves."""
    parsed = parse_plain_run_and_name(text, run)
    return None if parsed is None else parsed.sites


class ParsedRun(NamedTuple):
    """A run's sites, the collection's ``name`` (first run only), and, when asked for, each
    site's properties as JSON: the Feature's ``properties`` as msgspec encodes them (what the
    colon count re-encoded; a page whose details are the site as it was read takes them)."""

    sites: list[Site]
    name: str | None
    properties: list[bytes]


_ENCODER = msgspec.json.Encoder()


def parse_plain_run_and_name(
    text: bytearray, run: PlainRun, *, properties: bool = False
) -> ParsedRun | None:
    """:func:`parse_plain_run`, with the collection's ``name`` and, with ``properties``, the
    sites' properties as JSON (as much memory again as the run's text, while it is kept)."""
    if _needs_slow_path(text) or not _first_feature_is_plain(text, collection=run.tail is not None):
        return None
    try:
        parsed = msgspec.json.decode(text, type=list[_FeatureIn] if run.tail is None else _LayerIn)
    except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError):
        return None
    features, name = (parsed, None) if isinstance(parsed, list) else (parsed.features, parsed.name)
    # The colon count: each Feature's properties, id and geometry (the properties encoded one
    # by one when they are kept, else a thousand Features at a time), the four keys of the
    # Feature itself, and the collection's own members.
    encode = _ENCODER.encode
    if properties:
        kept = [encode(feature.properties) for feature in features]
        colons = sum(part.count(b":") for part in kept)
        colons += encode([(feature.id, feature.geometry) for feature in features]).count(b":")
    else:
        kept, colons = [], _colons_of_features(features)
    colons += 4 * len(features)
    if not isinstance(parsed, list):
        parsed.features = []
        colons += encode(parsed).count(b":")
    if colons != text.count(b":"):
        return None
    sites = _plain_sites(features)
    return None if sites is None else ParsedRun(sites, name, kept)


def _colons_of_features(features: list[_FeatureIn], step: int = 1000) -> int:
    """The colons of every feature's id, geometry and properties as msgspec encodes them.

    A thousand features at a time, into one buffer: at 50,000 light sites, 0.2 s against
    0.4 s for one encode per site (the buffer is not made again, and stays small: validate's
    runs are as large as a core's share of the layer)."""
    buffer, colons, encode_into = bytearray(), 0, _ENCODER.encode_into
    for start in range(0, len(features), step):
        part = features[start : start + step]
        encode_into(
            [(feature.id, feature.geometry, feature.properties) for feature in part], buffer
        )
        colons += buffer.count(b":")
    return colons


def _first_feature_is_plain(text: bytes | bytearray, *, collection: bool) -> bool:
    """False when the first feature of ``text`` (a collection, or an array of features) is
    one the fast parse does not take, so that the fast parse of the whole is bound to fail;
    True when it is, or when this cannot tell.

    A look at a few kilobytes: a layer whose sites all have a custom property is then spared
    a fast parse that fails only at its end (1.7 s at 100,000 sites). The first feature is
    cut as split_plain_layer cuts runs, and parsed with the collection's members."""
    found = _BETWEEN_FEATURES.search(text, 0, _SEARCH_BYTES[-1])
    if found is None:
        return True
    cut = found.start(1)
    kind: Any  # a collection, or a list of features
    if collection:
        end = _FEATURES_LAST.search(text, max(0, len(text) - _TAIL_BYTES))
        if end is None:
            return True
        head, kind = bytes(text[:cut] + text[end.start() :]), _LayerIn
    else:
        head, kind = bytes(text[:cut] + b"]"), list[_FeatureIn]
    try:
        parsed = msgspec.json.decode(head, type=kind)
    except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError):
        return True  # a cut inside the feature, or a problem the full parse will report
    return msgspec.json.encode(parsed).count(b":") == head.count(b":")


def parse_run_slowly(text: bytearray, run: PlainRun) -> list[Site] | None:
    """The sites of a run that the fast path does not take (unknown properties, which a
    layer keeps; escaped characters), parsed the slow way; None if the run has any problem,
    which only a parse of the whole layer can place (feature numbers, lines, columns)."""
    data = bytes(text)
    if run.tail is None:
        data = b"".join((b'{"type":"FeatureCollection","features":', data, b"}"))
    layer, problems = _parse_layer(data, "<run>", fast=False)
    return None if layer is None or problems else layer.sites


def load_layer(path: str | os.PathLike[str], *, check: bool = True) -> Layer:
    """Load and validate a layer file.

    Parameters
    ----------
    path : path-like
        A GeoJSON FeatureCollection in the facilitymap format.
    check : bool
        Run every validation rule (:func:`facilitymap.validation.validate_layer`) and raise on
        errors. With False only the structural parse must succeed.

    Raises
    ------
    LayerError
        With ``.problems`` listing every error (and warning) found.
    """
    with open_layer_file(path) as (file, size), gc_paused():
        # A large layer is parsed a run of features at a time, so that its bytes and its
        # sites are never in memory together (the fast way only; see _load_in_runs).
        layer = _load_in_runs(file.fileno(), size)
        problems: list[Problem] = []
        if layer is None:
            data = file.read()
            layer, problems = parse_layer(data, str(path))
            digest = hashlib.sha256(data).hexdigest()
            del data
        else:
            digest = file_sha256(file)
        if layer is not None and check and not errors(problems):
            problems += validate_layer(layer, str(path))
    if layer is None or errors(problems):
        raise invalid_layer(path, problems)
    layer.path = Path(path)
    layer.sha256 = digest
    return layer


def invalid_layer(path: str | os.PathLike[str], problems: list[Problem]) -> LayerError:
    """The error a command stops with on a layer that has errors (every problem with it)."""
    found = errors(problems)
    return LayerError(f"{path}: {len(found)} error(s); run `facilitymap validate {path}`", problems)


def file_sha256(file: BinaryIO) -> str:
    """The SHA-256 of a whole open file, read in blocks (never all of it in memory)."""
    file.seek(0)
    digest = hashlib.sha256()
    while block := file.read(1 << 20):
        digest.update(block)
    return digest.hexdigest()


# Layers over this size are loaded in runs of about this many bytes (see _load_in_runs).
LOAD_RUN_BYTES = 1 << 24


def _load_in_runs(fd: int, size: int) -> Layer | None:
    """The layer in file ``fd``, read and parsed a run of features at a time; None where a
    run does not take the fast path (the whole file is then parsed as one, which explains
    any problem). The layer's sites and its bytes are never in memory together: at most one
    run's bytes are (peak memory at 10,000 sites written like the curated ones: the layer
    plus 16 MB instead of the layer plus the file's 143 MB)."""
    if size < 2 * LOAD_RUN_BYTES:
        return None
    runs = split_plain_layer(fd, size, size // LOAD_RUN_BYTES)
    if runs is None:
        return None
    sites: list[Site] = []
    name = None
    for run in runs:
        parsed = read_and_parse_run(fd, run)
        if parsed is None:
            return None
        sites += parsed.sites
        name = parsed.name if run.tail is not None else name
        del parsed
    return Layer(sites=sites, extra_members={"name": name} if name is not None else {})


def read_and_parse_run(fd: int, run: PlainRun, *, properties: bool = False) -> ParsedRun | None:
    """:func:`read_plain_run` then :func:`parse_plain_run_and_name`; None where either
    fails (the whole file is then parsed as one). The text is not kept."""
    text = read_plain_run(fd, run)
    return None if text is None else parse_plain_run_and_name(text, run, properties=properties)


def site_to_feature(site: Site, as_of=None) -> dict[str, Any]:
    """A site as a canonical GeoJSON Feature dict, derived fields computed as of ``as_of``."""
    record = site.to_json_dict()
    properties = {k: record[k] for k in PROPERTY_ORDER if k in record and k not in DERIVED_FIELDS}
    for key in sorted(site.extra_properties):
        properties[key] = site.extra_properties[key]
    derived = derive_site(site, as_of=as_of)
    properties["official_status"] = derived.official_status
    properties["evidence"] = derived.evidence
    properties["status"] = derived.status
    feature: dict[str, Any] = {
        "type": "Feature",
        "id": site.id,
        "geometry": canonical_geometry(site.geometry, site.location.precision_m),
        "properties": properties,
    }
    for key in sorted(site.extra_members):
        feature[key] = site.extra_members[key]
    return feature


def layer_to_dict(layer: Layer, as_of=None) -> dict[str, Any]:
    """The layer as a canonical FeatureCollection dict."""
    doc: dict[str, Any] = {"type": "FeatureCollection"}
    for key in sorted(layer.extra_members):
        doc[key] = layer.extra_members[key]
    doc["features"] = [site_to_feature(site, as_of=as_of) for site in layer.sites]
    return doc


def dump_layer(layer: Layer) -> bytes:
    """Canonical GeoJSON bytes: 2-space indent, UTF-8, stable key order, trailing newline."""
    with gc_paused():
        return orjson.dumps(layer_to_dict(layer), option=orjson.OPT_INDENT_2) + b"\n"


def save_layer(
    layer: Layer | list[Site],
    path: str | os.PathLike[str],
    *,
    expected_sha256: str | None = None,
) -> Path:
    """Write a layer as canonical RFC 7946 GeoJSON, atomically.

    Parameters
    ----------
    layer : Layer or list of Site
    path : path-like
    expected_sha256 : str, optional
        The hash of the file as it was read. When the file on disk no longer has it (another
        process edited it meanwhile), raise :class:`ConcurrentEditError` and write nothing.
    """
    if not isinstance(layer, Layer):
        layer = Layer(sites=list(layer))
    path = Path(path)
    data = dump_layer(layer)
    if expected_sha256 is not None:
        try:
            current = hashlib.sha256(path.read_bytes()).hexdigest()
        except FileNotFoundError:
            current = None
        if current != expected_sha256:
            raise ConcurrentEditError(
                f"{path}: changed on disk since it was read; nothing written (re-run to merge)"
            )
    try:
        write_atomic(path, data)
    except OSError as err:
        raise FacilitymapError(f"{path}: cannot write: {err.strerror or err}") from err
    return path
