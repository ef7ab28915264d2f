"""Writes are atomic even when the writing process is killed midway."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from facilitymap.atomic import write_atomic
from facilitymap.errors import OutputExistsError

WRITER = """
import sys
from facilitymap.atomic import write_atomic
write_atomic(sys.argv[1], b"N" * int(sys.argv[2]))
"""


def _open_temp_in(pid: int, folder: Path) -> bool:
    """Whether process ``pid`` holds an open file in ``folder`` other than a finished one."""
    fd_dir = Path(f"/proc/{pid}/fd")
    try:
        targets = [os.readlink(fd_dir / fd) for fd in os.listdir(fd_dir)]
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return False
    return any(t.startswith(str(folder)) for t in targets)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux /proc to see the write")
def test_sigkill_during_a_large_write_leaves_the_old_file_and_no_temp(tmp_path: Path):
    target = tmp_path / "sites.geojson"
    target.write_bytes(b'{"type": "FeatureCollection", "features": []}\n')
    before = target.read_bytes()
    size = 1_500_000_000  # large enough that the write is still under way when we look
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(target), str(size)])
    deadline = time.monotonic() + 60
    while not _open_temp_in(proc.pid, tmp_path):
        assert proc.poll() is None, "the writer finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.002)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sites.geojson"]


def test_completed_write_replaces_content_and_keeps_permissions(tmp_path: Path):
    target = tmp_path / "out.html"
    target.write_text("old")
    target.chmod(0o640)
    write_atomic(target, "new ✓")
    assert target.read_text(encoding="utf-8") == "new ✓"
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.html"]


def test_refuses_to_overwrite_when_asked_not_to(tmp_path: Path):
    target = tmp_path / "out.html"
    target.write_text("keep me")
    with pytest.raises(OutputExistsError):
        write_atomic(target, "new", overwrite=False)
    assert target.read_text() == "keep me"


def test_pieces_are_written_one_after_the_other(tmp_path: Path) -> None:
    """A large page is written from its pieces (views of what the workers sent among them),
    never joined: the file is their bytes in order, and replaces the old one whole."""
    target = tmp_path / "page.html"
    target.write_bytes(b"old")
    pieces = [b"<html>", memoryview(b"xxpackedxx")[2:8], bytearray(b"</html>\n")]
    write_atomic(target, pieces)
    assert target.read_bytes() == b"<html>packed</html>\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html"]
