"""Atomic file writes: a reader sees the old file or the new one, never half of one.

Where the OS allows it (Linux, O_TMPFILE), the data is written to an unnamed file that the
kernel deletes if the process dies, then linked under a temporary name and renamed over the
target in two quick steps: a process killed mid-write (SIGKILL, power loss after fsync aside)
leaves neither a half-written target nor a stray temp file. Elsewhere a named temp file in the
same folder is used and removed on any Python-level failure.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from facilitymap.errors import FacilitymapError, OutputExistsError

TEMP_PREFIX = ".facilitymap-"


def write_atomic(
    path: str | os.PathLike[str],
    data: bytes | str | Sequence[bytes | memoryview],
    *,
    overwrite: bool = True,
) -> None:
    """Write ``data`` to ``path`` via a temp file in the same folder, fsync, then rename.

    Parameters
    ----------
    path : path-like
        Destination file. Its folder must exist.
    data : bytes, str, or a sequence of bytes-like pieces
        Content; ``str`` is encoded as UTF-8; pieces are written one after the other (a
        large page is never joined into one copy).
    overwrite : bool
        When False and ``path`` exists, raise :class:`OutputExistsError` and write nothing.
    """
    path = Path(path)
    if not overwrite and path.exists():
        raise OutputExistsError(f"{path}: exists; pass --overwrite to replace it")
    if isinstance(data, str):
        data = data.encode("utf-8")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FacilitymapError(f"{path}: folder {folder} does not exist")
    mode = path.stat().st_mode & 0o7777 if path.exists() else _default_mode()
    fd, tmp_name = _open_temp(folder, path.name)
    try:
        with os.fdopen(fd, "wb") as handle:
            if isinstance(data, bytes | bytearray | memoryview):
                handle.write(data)
            else:
                handle.writelines(data)
            handle.flush()
            os.fsync(handle.fileno())
            os.fchmod(handle.fileno(), mode)
            if tmp_name is None:  # unnamed: give it a name only now that it is complete
                tmp_name = _link_unnamed(handle.fileno(), folder, path.name)
        os.replace(tmp_name, path)
    except BaseException:
        if tmp_name is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
        raise
    _fsync_folder(folder)


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _open_temp(folder: Path, name: str) -> tuple[int, str | None]:
    """An unnamed O_TMPFILE in ``folder`` (name None), or a named temp file."""
    flag = getattr(os, "O_TMPFILE", 0)
    if flag and os.path.isdir("/proc/self/fd"):
        try:
            return os.open(folder, flag | os.O_WRONLY, 0o600), None
        except OSError:  # the filesystem does not support it
            pass
    fd, tmp_name = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{name}.", suffix=".tmp", dir=folder)
    return fd, tmp_name


def _link_unnamed(fd: int, folder: Path, name: str) -> str:
    # linkat(AT_SYMLINK_FOLLOW) on /proc/self/fd/N names an O_TMPFILE file; CPython only uses
    # linkat when a dir_fd is given, so give it /proc/self/fd as the source folder.
    proc_fd = os.open("/proc/self/fd", os.O_RDONLY | os.O_DIRECTORY)
    try:
        for attempt in range(100):
            candidate = folder / f"{TEMP_PREFIX}{name}.{os.getpid()}.{attempt}.tmp"
            try:
                os.link(str(fd), candidate, src_dir_fd=proc_fd, follow_symlinks=True)
                return str(candidate)
            except FileExistsError:
                continue
    finally:
        os.close(proc_fd)
    raise FacilitymapError(f"{folder}: cannot create a temporary file name")


def _fsync_folder(folder: Path) -> None:
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)
