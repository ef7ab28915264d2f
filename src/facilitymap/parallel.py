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

import gc
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


def map_chunks(func: Callable[[Sequence[T]], R], items: Sequence[T]) -> list[R]:
    """``[func(chunk) for chunk in chunks]`` over contiguous chunks of ``items``, in order.

    ``func`` must be pure (its effects in a child are lost) and its result picklable. With
    one worker, too few items or no safe fork, there is one chunk: ``[func(items)]``.
    """
    count = workers() if len(items) >= max(MIN_ITEMS, 2) else 1
    if count == 1 or not _fork_is_safe():
        return [func(items)]
    size = -(-len(items) // count)
    chunks = [items[start : start + size] for start in range(0, len(items), size)]
    children = [_fork(func, chunk) for chunk in chunks[1:]]
    try:
        results = [func(chunks[0])]
    finally:
        collected = [_collect(child) for child in children]
    for chunk, result in zip(chunks[1:], collected, strict=True):
        results.append(func(chunk) if result is _FAILED else result)
    return results


_FAILED = object()


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
            pid, read_end = self._child
            self._child = None
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(read_end)

    def result(self):
        """The value of ``func()`` (computed here if the child failed)."""
        if self._child is not None:
            value = _collect(self._child)
            self._child = None
            if value is not _FAILED:
                return value
        return self._func()


def _fork(func: Callable, chunk: Sequence) -> tuple[int, int] | None:
    """Start a child computing ``func(chunk)``; its (pid, read end), or None if fork failed."""
    read_end, write_end = os.pipe()
    gc.freeze()  # a collection in the child would otherwise touch (copy) every page
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    finally:
        gc.unfreeze()
    if pid == 0:  # the child: compute, send, and leave without running any cleanup
        status = 1
        try:
            os.close(read_end)
            gc.disable()
            data = pickle.dumps(func(chunk), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as out:
                out.write(data)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    return pid, read_end


def _collect(child: tuple[int, int] | None):
    """The child's result, or _FAILED."""
    if child is None:
        return _FAILED
    pid, read_end = child
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    if status != 0 or not data:
        return _FAILED
    try:
        return pickle.loads(data)
    except Exception:  # a truncated result: redo the chunk here
        return _FAILED
