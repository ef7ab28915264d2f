"""Writing export files safely: never overwrite unasked, never leave half a file.

Every format is written into a temporary folder beside the destination, then each finished
file is moved into place with ``os.replace`` (atomic per file, same filesystem).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from facilitymap.errors import FacilitymapError, OutputExistsError


def check_writable(paths: Sequence[Path], *, overwrite: bool) -> None:
    """Refuse before writing anything when a file of the set exists or the folder is missing.

    Raises
    ------
    OutputExistsError
        A file of the set exists and ``overwrite`` is False (nothing is written).
    FacilitymapError
        The destination folder does not exist.
    """
    for path in paths:
        folder = path.parent if str(path.parent) else Path(".")
        if not folder.is_dir():
            raise FacilitymapError(f"{path}: folder {folder} does not exist")
        if path.is_dir():
            raise FacilitymapError(f"{path}: is a folder")
    existing = [p for p in paths if p.exists()]
    if existing and not overwrite:
        names = ", ".join(str(p) for p in existing)
        raise OutputExistsError(f"{names}: exists; pass --overwrite to replace it")


@contextlib.contextmanager
def staging(destination: Path) -> Iterator[Path]:
    """A temporary folder beside ``destination``, removed afterwards whatever happens."""
    folder = destination.parent if str(destination.parent) else Path(".")
    tmp = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", suffix=".tmp", dir=folder))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def publish(staged: Sequence[Path], destinations: Sequence[Path], *, overwrite: bool) -> None:
    """Move finished files into place, one ``os.replace`` each, then sync the folder.

    The existence check is repeated just before moving so a file created meanwhile is not
    clobbered without ``overwrite``.
    """
    check_writable(destinations, overwrite=overwrite)
    umask = os.umask(0)
    os.umask(umask)
    for source, target in zip(staged, destinations, strict=True):
        with open(source, "rb") as handle:
            os.fsync(handle.fileno())
        mode = target.stat().st_mode & 0o7777 if target.exists() else 0o666 & ~umask
        os.chmod(source, mode)
        os.replace(source, target)
    folder = destinations[0].parent if destinations and str(destinations[0].parent) else Path(".")
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
