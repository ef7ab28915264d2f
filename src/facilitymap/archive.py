"""Fill the sources' ``archive_url`` from the Wayback Machine, never inventing one.

Links rot. For every source without an ``archive_url``, :func:`find_snapshots` asks the
Wayback Machine's availability API (``GET {api}?url=URL&timestamp=YYYYMMDD``) for the snapshot
closest to the date the source was read (``accessed``; else ``published``; else the newest) and
:func:`fill_archive_urls` writes the snapshot URL the API returned, exactly as returned, into
every use of that URL. Nothing else ever becomes an ``archive_url``: no URL is built from a
pattern, and an answer without an available snapshot, with a non-2xx snapshot status or with a
URL that is not http(s) leaves the source as it is.

With ``save=True``, a URL the API has no snapshot of is first sent to Save Page Now
(``GET {save_api}URL``), then looked up again: the archive gets a fresh copy only when it has
none, and the URL written is still the one the availability API returns.

Requests go through :func:`facilitymap.links.fetch` (the machinery of ``check-links``): a hard
wall-clock deadline per request, private and loopback addresses refused unless
``allow_private``, at most ``concurrency`` URLs at a time. :func:`archive_layer` runs it on a
layer file and writes the file atomically every ``checkpoint_every`` snapshots found and at the
end (an interrupted run keeps what it found, and a second run skips the sources filled by the
first: the run is resumable).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from facilitymap.io import Layer, load_layer, save_layer
from facilitymap.links import FetchError, fetch, fetch_key
from facilitymap.model import Site

AVAILABILITY_API = "https://archive.org/wayback/available"
SAVE_API = "https://web.archive.org/save/"
OUTCOMES = ("found", "saved", "none", "failed")
# The availability API answers with a few hundred bytes; more is not a Wayback answer.
MAX_ANSWER_BYTES = 64 * 1024

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Use:
    """Where a source without an archive is: site id, index in its sources, source id."""

    site_id: str
    source_index: int
    source_id: str


@dataclass(frozen=True)
class Lookup:
    """One distinct question to the archive: a URL, and the day to look closest to."""

    url: str
    timestamp: str | None
    uses: tuple[Use, ...]


@dataclass(frozen=True)
class ArchiveResult:
    """What the archive said about one :class:`Lookup`.

    ``outcome`` is ``found`` (a snapshot existed), ``saved`` (found after Save Page Now),
    ``none`` (no snapshot) or ``failed`` (no usable answer; ``reason`` says why).
    """

    lookup: Lookup
    outcome: str
    archive_url: str | None = None
    snapshot: str | None = None
    reason: str | None = None

    @property
    def filled(self) -> bool:
        """True when an archive URL was found."""
        return self.archive_url is not None

    def describe(self) -> str:
        """One line: ``found <URL> (snapshot 2024-07-12)``."""
        if self.archive_url is not None:
            day = self.snapshot or ""
            when = f" (snapshot {day[:4]}-{day[4:6]}-{day[6:8]})" if len(day) >= 8 else ""
            return f"{self.outcome} <{self.archive_url}>{when}"
        if self.outcome == "none":
            return "none (no snapshot in the archive)"
        return f"failed ({self.reason})"


def lookups(sites: Iterable[Site]) -> list[Lookup]:
    """The distinct (URL, day) pairs of sources without ``archive_url``, in layer order."""
    grouped: dict[tuple[str, str | None], list[Use]] = {}
    for site in sites:
        for index, source in enumerate(site.sources):
            if source.archive_url:
                continue
            day = source.accessed or source.published
            timestamp = day.replace("-", "") if day else None
            grouped.setdefault((source.url, timestamp), []).append(Use(site.id, index, source.id))
    return [Lookup(url, ts, tuple(uses)) for (url, ts), uses in grouped.items()]


def availability_url(api: str, url: str, timestamp: str | None) -> str:
    """The availability API request for ``url`` closest to ``timestamp`` (YYYYMMDD)."""
    query = {"url": fetch_key(url)}
    if timestamp:
        query["timestamp"] = timestamp
    return f"{api}?{urlencode(query)}"


def snapshot_from_answer(body: bytes) -> tuple[str, str | None] | None:
    """The (snapshot URL, timestamp) an availability API answer gives, or None.

    Only ``archived_snapshots.closest`` with ``available: true``, a 2xx (or absent)
    ``status`` and an http(s) ``url`` counts.

    Raises ValueError when the answer is not the API's JSON.

    >>> snapshot_from_answer(b'{"archived_snapshots": {}}') is None
    True
    """
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ValueError("the answer is not JSON") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("archived_snapshots"), dict):
        raise ValueError("the answer has no archived_snapshots object")
    closest = doc["archived_snapshots"].get("closest")
    if not isinstance(closest, dict) or closest.get("available") is not True:
        return None
    status = closest.get("status")
    if status is not None and not str(status).startswith("2"):
        return None
    found = closest.get("url")
    if not isinstance(found, str) or _url_problem(found) is not None:
        return None
    timestamp = closest.get("timestamp")
    return found, timestamp if isinstance(timestamp, str) and timestamp.isdigit() else None


def _url_problem(url: str) -> str | None:
    from facilitymap.validate import url_problem

    return url_problem(url)


def _agent() -> str:
    from facilitymap import __version__

    return f"facilitymap-archive/{__version__}"


@dataclass(frozen=True)
class _Options:
    api: str
    save_api: str
    save: bool
    timeout: float
    allow_private: bool


def _ask(lookup: Lookup, options: _Options) -> tuple[str, str | None] | None:
    answer = fetch(
        availability_url(options.api, lookup.url, lookup.timestamp),
        timeout=options.timeout,
        allow_private=options.allow_private,
        max_body=MAX_ANSWER_BYTES,
        agent=_agent(),
    )
    if answer.status != 200:
        raise FetchError("failed", f"the availability API answered {answer.status}")
    try:
        return snapshot_from_answer(answer.body)
    except ValueError as err:
        raise FetchError("failed", f"the availability API: {err}") from None


def _look_up(lookup: Lookup, options: _Options) -> ArchiveResult:
    """Ask the archive about one URL; never raises."""
    try:
        found = _ask(lookup, options)
        if found is None and options.save:
            saved = fetch(
                # Save Page Now takes the URL as it is, query included, after /save/.
                options.save_api + fetch_key(lookup.url),
                timeout=options.timeout,
                allow_private=options.allow_private,
                max_body=0,
                agent=_agent(),
            )
            if saved.status >= 400:
                return ArchiveResult(
                    lookup, "failed", reason=f"Save Page Now answered {saved.status}"
                )
            found = _ask(lookup, options)
            if found is not None:
                return ArchiveResult(lookup, "saved", found[0], found[1])
    except FetchError as err:
        return ArchiveResult(lookup, "failed", reason=err.reason)
    if found is None:
        return ArchiveResult(lookup, "none")
    return ArchiveResult(lookup, "found", found[0], found[1])


def find_snapshots(
    todo: Sequence[Lookup],
    *,
    save: bool = False,
    timeout: float = 30.0,
    concurrency: int = 4,
    api: str = AVAILABILITY_API,
    save_api: str = SAVE_API,
    allow_private: bool = False,
    progress: Progress | None = None,
    on_result: Callable[[ArchiveResult], None] | None = None,
) -> list[ArchiveResult]:
    """Ask the archive about every lookup, ``concurrency`` at a time.

    ``timeout`` bounds each request (a lookup makes one, or three with ``save``).
    ``progress(done, total)`` and ``on_result(result)`` are called from the calling thread
    as answers come in. Returns the results in the order of ``todo``.
    """
    if not timeout > 0:
        raise ValueError(f"timeout must be positive, got {timeout!r}")
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency!r}")
    options = _Options(api, save_api, save, timeout, allow_private)
    results: dict[int, ArchiveResult] = {}
    if progress is not None:
        progress(0, len(todo))
    if todo:
        pool = ThreadPoolExecutor(
            max_workers=min(concurrency, len(todo)), thread_name_prefix="archive"
        )
        try:
            futures = {pool.submit(_look_up, item, options): i for i, item in enumerate(todo)}
            for future in as_completed(futures):
                result = future.result()
                results[futures[future]] = result
                if on_result is not None:
                    on_result(result)
                if progress is not None:
                    progress(len(results), len(todo))
        finally:
            # On an interrupt, drop what has not started; running lookups end at their deadline.
            pool.shutdown(wait=True, cancel_futures=True)
    return [results[i] for i in sorted(results)]


def fill_archive_urls(sites: Sequence[Site], results: Iterable[ArchiveResult]) -> list[Site]:
    """Copies of ``sites`` with the found snapshot URLs in the sources they belong to."""
    found: dict[tuple[str, int], str] = {}
    for result in results:
        if result.archive_url is not None:
            for use in result.lookup.uses:
                found[(use.site_id, use.source_index)] = result.archive_url
    if not found:
        return list(sites)
    out = []
    for site in sites:
        if not any((site.id, i) in found for i in range(len(site.sources))):
            out.append(site)
            continue
        sources = [
            source.replace(archive_url=found[(site.id, i)]) if (site.id, i) in found else source
            for i, source in enumerate(site.sources)
        ]
        out.append(site.replace(sources=sources))
    return out


@dataclass
class ArchiveRun:
    """What :func:`archive_layer` did: every result, and how many times the file was written."""

    results: list[ArchiveResult]
    writes: int
    interrupted: bool = False


def archive_layer(
    path: str | os.PathLike[str],
    *,
    dry_run: bool = False,
    checkpoint_every: int = 10,
    **options,
) -> ArchiveRun:
    """Fill the archive URLs of a layer file; ``options`` go to :func:`find_snapshots`.

    The file is written atomically (checked against concurrent edits) after every
    ``checkpoint_every`` snapshots found and at the end, also when interrupted; with
    ``dry_run`` it is never written.
    """
    path = Path(path)
    layer = load_layer(path)
    expected = layer.sha256
    pending: list[ArchiveResult] = []
    done: list[ArchiveResult] = []
    writes = 0

    def checkpoint() -> None:
        nonlocal layer, expected, writes
        if dry_run or not pending:
            return
        layer = Layer(
            fill_archive_urls(layer.sites, pending), dict(layer.extra_members), path, expected
        )
        save_layer(layer, path, expected_sha256=expected)
        expected = hashlib.sha256(path.read_bytes()).hexdigest()
        pending.clear()
        writes += 1

    def on_result(result: ArchiveResult) -> None:
        done.append(result)
        if result.filled:
            pending.append(result)
            if len(pending) >= checkpoint_every:
                checkpoint()

    todo = lookups(layer.sites)
    interrupted = False
    try:
        find_snapshots(todo, on_result=on_result, **options)
    except KeyboardInterrupt:
        interrupted = True
    checkpoint()
    order = {id(item): i for i, item in enumerate(todo)}
    done.sort(key=lambda r: order[id(r.lookup)])  # layer order, not the order answers came
    if interrupted:
        raise ArchiveInterrupted(ArchiveRun(done, writes, True))
    return ArchiveRun(done, writes)


class ArchiveInterrupted(KeyboardInterrupt):
    """Raised when a run is interrupted after what was found has been written; ``run``."""

    def __init__(self, run: ArchiveRun) -> None:
        super().__init__("interrupted")
        self.run = run


def summarize(results: Iterable[ArchiveResult]) -> dict[str, int]:
    """How many results of each outcome, in :data:`OUTCOMES` order, zero counts left out."""
    counts = dict.fromkeys(OUTCOMES, 0)
    for result in results:
        counts[result.outcome] += 1
    return {k: v for k, v in counts.items() if v}


__all__ = [
    "AVAILABILITY_API",
    "OUTCOMES",
    "SAVE_API",
    "ArchiveInterrupted",
    "ArchiveResult",
    "ArchiveRun",
    "Lookup",
    "archive_layer",
    "availability_url",
    "fill_archive_urls",
    "find_snapshots",
    "lookups",
    "snapshot_from_answer",
    "summarize",
]
