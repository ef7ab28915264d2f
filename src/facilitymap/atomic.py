"""Atomic file writes: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from facilitymap.errors import FacilitymapError, OutputExistsError


def write_atomic(
    path: str | os.PathLike[str], data: bytes | str, *, overwrite: bool = True
) -> None:
    """Write ``data`` to ``path`` through a temp file in the same folder, fsync, then rename.

    Parameters
    ----------
    path : path-like
        Destination file. Its folder must exist.
    data : bytes or str
        Content; ``str`` is encoded as UTF-8.
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
    # The temp file lives beside the target so the final rename stays on one filesystem.
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp_name, path.stat().st_mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp_name, 0o666 & ~umask)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
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
