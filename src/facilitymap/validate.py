"""Validate layer files: read each (:mod:`facilitymap.io`), run every rule
(:mod:`facilitymap.validation`), report every problem at once; a large file in parts, in
several processes.

The rules themselves are in :mod:`facilitymap.validation`; ``validate_layer``,
``check_site`` and ``url_problem`` are re-exported here for callers of the old module.
"""

from __future__ import annotations

import functools
import os
from datetime import date

import msgspec

from facilitymap.errors import LayerError
from facilitymap.gcpause import gc_paused
from facilitymap.io import (
    Layer,
    PlainRun,
    open_layer_file,
    parse_layer,
    parse_plain_run,
    parse_run_slowly,
    read_plain_run,
    split_plain_layer,
)
from facilitymap.parallel import chunk_count, keep_in_child, map_parts
from facilitymap.problems import Problem
from facilitymap.validation import check_site, url_problem, validate_layer
from facilitymap.validation.country import country_problems
from facilitymap.validation.layer import check_sites, problems_in_order

__all__ = ["check_site", "url_problem", "validate_file", "validate_layer", "validate_path"]

# Bytes per site assumed when choosing whether to split a layer: a small site (a point,
# one claim, one source) takes about this much.
PLAIN_SITE_BYTES = 500


def validate_path(path: str | os.PathLike[str], *, today: date | None = None) -> list[Problem]:
    """Read, parse and validate one layer file; return every problem (never raises for data)."""
    return validate_file(path, today=today, in_parts=True)[0]


def validate_file(
    path: str | os.PathLike[str], *, today: date | None = None, in_parts: bool = False
) -> tuple[list[Problem], Layer | None]:
    """:func:`validate_path`, also returning the sites that parsed (None if the file is not
    a layer at all), for a caller that goes on to use them.

    ``in_parts``: a large layer may be parsed and checked in parts, in several processes,
    which is faster when only the problems are wanted; the layer returned is then None.
    """
    today = today or date.today()
    found = None
    try:
        with open_layer_file(path) as (file, size):
            if in_parts:
                found = _validate_in_parts(file.fileno(), size, str(path), today)
            data = file.read() if found is None else b""
    except LayerError as err:
        return err.problems, None
    if found is not None:
        return found, None
    with gc_paused():
        return _validate_bytes(data, str(path), today)


def _validate_bytes(data: bytes, path: str, today: date) -> tuple[list[Problem], Layer | None]:
    layer, problems = parse_layer(data, path)
    if layer is not None:
        problems += validate_layer(layer, path, today=today)
    return problems, layer


def _validate_in_parts(fd: int, size: int, path: str, today: date) -> list[Problem] | None:
    """Every problem of a large, plainly valid layer file, each process reading, parsing and
    checking its own run of features; None when that does not apply (one core, a small
    layer, or any structural problem, which the whole-layer parse explains).

    Only problems come back to this process, which reads a few kilobytes: the file is read
    in parallel too, and no page of a shared layer is copied on write.
    """
    # A site takes a few hundred bytes; the cut is in bytes, so no count of sites is needed.
    runs = split_plain_layer(fd, size, chunk_count(size // PLAIN_SITE_BYTES))
    if runs is None:
        return None
    check = functools.partial(_check_run, fd=fd, path=path, today=today)
    # Every run in a child: the sites are built and dropped there (freeing them one by one
    # would cost this process a tenth of the time).
    encoded = map_parts(check, runs, in_children=True)
    if any(result is None for result in encoded):
        return None
    checked = [_RUN_RESULT.decode(result) for result in encoded if result is not None]
    # The same problems in the same order as validate_layer's.
    return problems_in_order(
        path,
        [site_id for ids, *_ in checked for site_id in ids],
        (problem for _, found, _, _ in checked for problem in found),
        (problem for _, _, countries, _ in checked for problem in countries),
        (problem for _, _, _, notices in checked for problem in notices),
    )


# A run's site ids, per-site problems, country problems and archive notices, sent from the
# child as MessagePack: pickle takes ten times as long over 35,000 notices.
_RUN_RESULT = msgspec.msgpack.Decoder(tuple[list[str], list[Problem], list[Problem], list[Problem]])


def _check_run(run: PlainRun, fd: int, path: str, today: date) -> bytes | None:
    """Read, parse and check one run of features (see ``_RUN_RESULT``); None if the run
    does not parse the fast way."""
    text = read_plain_run(fd, run)
    sites = None if text is None else parse_plain_run(text, run)
    if sites is None and text is not None:
        # A run with unknown properties is still parsed here, in parallel; one with a
        # structural problem is not (None).
        sites = parse_run_slowly(text, run)
    if sites is None:
        return None
    found, notices, is_point = check_sites(sites, path, today)
    countries = country_problems(sites, is_point, path)
    keep_in_child(sites)
    return msgspec.msgpack.encode(([site.id for site in sites], found, countries, notices))
