"""Split per-site work over the machine's cores with fork, or run it here.

Checking or encoding 100,000 sites is pure-Python work on objects already in memory. A
forked child sees those objects as they are (copy-on-write): nothing is pickled on the way
in, only each chunk's result on the way out. Threads would not help (the GIL), and a
process pool would have to pickle the whole layer to each worker.

Fork is used only where it is safe and pays: on Linux (macOS system libraries are not
fork-safe; Windows has no fork), in a single-threaded process (fork copies only the calling
thread, so a lock held by another thread would stay locked in the child; a notebook kernel
has threads, so it runs everything here), and for enough items. Anything that goes wrong in
a child (an exception, a crash, a result that does not arrive) makes this process redo that
chunk itself, so the result is always the same as a plain loop's. ``FACILITYMAP_WORKERS=1``
turns it off.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import mmap
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below this many items a fork costs more than it saves (measured: 17 ms to fork a 1 GB
# process; a site takes ~20 µs to check).
MIN_ITEMS = 20_000
# Or, where items are weighed (a site: 1 + its claims + its sources), below this much work.
# A small site (2 claims, 2 sources) weighs ~5, so this is MIN_ITEMS of them; sites written
# like the curated ones (~9 claims, ~12 sources) fork from ~5,000.
MIN_WEIGHT = 5 * MIN_ITEMS


def workers() -> int:
    """How many processes to use: ``FACILITYMAP_WORKERS``, else the usable cores (at most 4)."""
    configured = os.environ.get("FACILITYMAP_WORKERS", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))


def chunk_count(items: int) -> int:
    """How many processes :func:`map_chunks` would use for this many items."""
    if items < max(MIN_ITEMS, 2) or not _fork_is_safe():
        return 1
    return min(workers(), items)


def map_chunks(
    func: Callable[[Sequence[T]], R],
    items: Sequence[T],
    *,
    weight: Callable[[T], int] | None = None,
) -> list[R]:
    """``[func(chunk) for chunk in chunks]`` over contiguous chunks of ``items``, in order.

    ``func`` must be pure (its effects in a child are lost) and its result picklable (a
    ``bytes`` result may come back as a ``memoryview`` of the same bytes). With
    one worker, too few items or no safe fork, there is one chunk: ``[func(items)]``.
    ``weight`` (work per item, roughly) decides whether to split and where: chunks of about
    equal work rather than equal counts.

    >>> map_chunks(sum, [1, 2, 3])
    [6]
    """
    cuts: list[int] = []
    if weight is None:
        count = chunk_count(len(items))
        size = -(-len(items) // count)
        cuts = list(range(size, len(items), size)) if count > 1 else []
    else:
        weights = [weight(item) for item in items]
        total = sum(weights)
        heavy = total >= MIN_WEIGHT and len(items) >= 2 and _fork_is_safe()
        count = min(workers(), len(items)) if heavy else 1
        done = 0
        for index, w in enumerate(weights):
            # cut before the first item past each equal share of the work
            if len(cuts) < count - 1 and done >= total * (len(cuts) + 1) / count:
                cuts.append(index)
            done += w
    if count == 1 or not cuts:
        return [func(items)]
    bounds = [0, *cuts, len(items)]
    return map_parts(func, [items[a:b] for a, b in itertools.pairwise(bounds)])


def map_parts(func: Callable[[T], R], parts: Sequence[T], *, in_children: bool = False) -> list[R]:
    """``[func(part) for part in parts]``, each part but the first in a forked child (every
    part with ``in_children``, this process only waiting).

    For work already split by the caller (see :func:`chunk_count`); without a safe fork it
    is a plain loop here. A part whose child fails is redone here.
    """
    if len(parts) < 2 or not _fork_is_safe():
        return [func(part) for part in parts]
    first = 0 if in_children else 1
    children = [_fork(func, part) for part in parts[first:]]
    try:
        results = [func(part) for part in parts[:first]]
    finally:
        collected = [_collect(child) for child in children]
    for part, result in zip(parts[first:], collected, strict=True):
        results.append(func(part) if result is _FAILED else result)
    return results


class SharedQueue:
    """The indices ``0 .. n-1``, cut into contiguous shares (``bounds``: share k is
    ``bounds[k] .. bounds[k+1]-1``), handed out to forked processes as they ask for one.

    A process takes its own share's indices in order (:meth:`take`), then, once that is done,
    the last index left of the share with the most left: work is balanced while it runs (a
    process that started on slower items, or shared a core, does fewer), and each process's
    indices stay in few contiguous runs. Made before the fork; the counters live in shared
    memory, guarded by a one-byte pipe as a lock.
    """

    def __init__(self, bounds: Sequence[int]) -> None:
        self.shares = len(bounds) - 1
        self._memory = mmap.mmap(-1, 16 * max(self.shares, 1))  # shared, anonymous
        counters = memoryview(self._memory).cast("q")
        for k in range(self.shares):  # the next from the front, and one past the last
            counters[2 * k], counters[2 * k + 1] = bounds[k], bounds[k + 1]
        self._counters = counters
        self._lock, self._unlock = os.pipe()
        os.write(self._unlock, b"x")

    def take(self, share: int) -> int | None:
        """The next index for the process working on ``share``; None when none is left."""
        counters = self._counters
        os.read(self._lock, 1)  # blocks until no other process holds it
        try:
            if counters[2 * share] < counters[2 * share + 1]:
                counters[2 * share] += 1
                return counters[2 * share] - 1
            fullest = max(range(self.shares), key=lambda k: counters[2 * k + 1] - counters[2 * k])
            if counters[2 * fullest] < counters[2 * fullest + 1]:
                counters[2 * fullest + 1] -= 1
                return counters[2 * fullest + 1]
            return None
        finally:
            os.write(self._unlock, b"x")

    def close(self) -> None:
        self._counters.release()
        self._memory.close()
        os.close(self._lock)
        os.close(self._unlock)


_FAILED = object()
# Set in a forked child, which leaves with os._exit: see keep_in_child.
_in_child = False
_kept_in_child: list[object] = []


def keep_in_child(obj: object) -> None:
    """Keep ``obj`` alive until this process ends, if it is a forked child (else nothing).

    A child leaves with ``os._exit``, so what it keeps is never freed: at 50,000 sites,
    freeing them object by object would take a tenth of the child's time.
    """
    if _in_child:
        _kept_in_child.append(obj)


def _fork_is_safe() -> bool:
    return sys.platform.startswith("linux") and threading.active_count() == 1


class Background:
    """``func()`` computed in a forked child while this process goes on (or here, at
    :meth:`result`, when a fork is not safe or not worth it)."""

    def __init__(self, func: Callable[[], R], *, fork: bool = True) -> None:
        self._func = func
        use_fork = fork and workers() > 1 and _fork_is_safe()
        self._child = _fork(lambda _: func(), ()) if use_fork else None

    def cancel(self) -> None:
        """Stop the child: its result is no longer wanted."""
        if self._child is not None:
            pid, read_end, result_file = self._child
            self._child = None
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(read_end)
            os.close(result_file)

    def result(self):
        """The value of ``func()`` (computed here if the child failed)."""
        if self._child is not None:
            value = _collect(self._child)
            self._child = None
            if value is not _FAILED:
                return value
        return self._func()


def _fork(func: Callable, chunk: object) -> tuple[int, int, int] | None:
    """Start a child computing ``func(chunk)``; its (pid, read end of its pipe, the file its
    result is written to), or None if fork failed.

    The result goes into a memory file (memfd) that this process maps, not down the pipe:
    a child is then never held up by this process reading another child's pipe first, and
    its result is copied once, not twice (at 10,000 sites written like the curated ones a
    child's result is ~15 MB; through the pipe, the last child's took ~40 ms after it was
    done). The pipe carries only the result's kind and length, written last: a child that
    dies before it sent them all sent nothing."""
    read_end, write_end = os.pipe()
    try:
        result_file = os.memfd_create("facilitymap-result", os.MFD_CLOEXEC)
    except (AttributeError, OSError):  # no memfd (not Linux), or no file descriptor left
        os.close(read_end)
        os.close(write_end)
        return None
    gc.freeze()  # a collection in the child would otherwise touch (copy) every page
    try:
        pid = os.fork()
    except OSError:
        for fd in (read_end, write_end, result_file):
            os.close(fd)
        return None
    finally:
        gc.unfreeze()
    if pid == 0:  # the child: compute, send, and leave without running any cleanup
        status = 1
        try:
            global _in_child
            _in_child = True
            os.close(read_end)
            gc.disable()
            result = func(chunk)
            # Bytes go as they are (the parent takes a view of them, not a copy); anything
            # else pickled.
            if isinstance(result, bytes):
                kind, data = b"B", result
            else:
                kind, data = b"P", pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(result_file, "wb", closefd=False) as out:
                out.write(data)
            os.write(write_end, kind + len(data).to_bytes(8, "little"))
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    return pid, read_end, result_file


def _collect(child: tuple[int, int, int] | None):
    """The child's result, or _FAILED.

    A whole result is used as soon as it has arrived: the child may still be exiting
    (unmapping a few hundred megabytes takes it ~50 ms), and is reaped later.
    """
    if child is None:
        return _FAILED
    pid, read_end, result_file = child
    try:
        with os.fdopen(read_end, "rb") as pipe:
            sent = pipe.read()
        # no kind and length: the child died before its result was whole
        if len(sent) != 9 or sent[:1] not in (b"B", b"P"):
            value = _FAILED
        else:
            size = int.from_bytes(sent[1:], "little")
            data = memoryview(mmap.mmap(result_file, size, prot=mmap.PROT_READ) if size else b"")
            value = data if sent[:1] == b"B" else pickle.loads(data)
    except Exception:
        value = _FAILED
    finally:
        os.close(result_file)
    _exiting.append(pid)
    _reap()
    return value


# Children that sent their result and may still be exiting: reaped without waiting.
_exiting: list[int] = []


def wait_for_children() -> None:
    """Wait for every child that sent its result to be gone (their memory freed, their
    resource usage counted in this process's)."""
    while _exiting:
        pid = _exiting.pop()
        with contextlib.suppress(ChildProcessError):  # already reaped elsewhere
            os.waitpid(pid, 0)


def _reap() -> None:
    for pid in list(_exiting):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:  # already reaped elsewhere
            done = pid
        if done:
            _exiting.remove(pid)
