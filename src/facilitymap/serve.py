"""A local web server for a tiled map (``facilitymap serve``): static files with HTTP range
requests, which the PMTiles reader needs and Python's ``http.server`` does not answer.

Single ranges only (``bytes=a-b``, ``bytes=a-``, ``bytes=-n``), as RFC 9110 describes them: a
satisfiable range gets 206 with Content-Range, one past the end 416 with ``bytes */size``,
and a header we do not read (several ranges, other units) the whole file with 200, which the
RFC allows. Every answer says ``Accept-Ranges: bytes``.
"""

from __future__ import annotations

import os
import re
import shutil
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str | None, size: int) -> tuple[int, int] | Literal[False] | None:
    """The byte range ``(first, last)`` (inclusive) a Range header asks of a ``size``-byte
    file; None to send the whole file; False when it cannot be satisfied (416).

    >>> parse_range("bytes=0-99", 1000), parse_range("bytes=900-", 1000)
    ((0, 99), (900, 999))
    >>> parse_range("bytes=-100", 1000), parse_range("bytes=0-5000", 1000)
    ((900, 999), (0, 999))
    >>> parse_range("bytes=1000-", 1000), parse_range("bytes=0-1,5-6", 1000)
    (False, None)
    >>> parse_range("bytes=5-3", 1000), parse_range("items=0-1", 1000)
    (None, None)
    """
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if not match or match.groups() == ("", ""):
        return None  # not a single byte range: ignored, as RFC 9110 allows
    first, last = match.groups()
    if not first:  # the last n bytes
        length = int(last)
        if length == 0 or size == 0:
            return False
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if last and int(last) < start:
        return None  # an invalid range: ignored, as RFC 9110 says
    if start >= size:
        return False
    return start, end


class RangeRequestHandler(SimpleHTTPRequestHandler):
    """SimpleHTTPRequestHandler with single-range GET and HEAD requests."""

    extensions_map = {  # noqa: RUF012 (http.server's own class attribute)
        **SimpleHTTPRequestHandler.extensions_map,
        ".pmtiles": "application/vnd.pmtiles",
        ".json": "application/json",
        ".js": "text/javascript",
    }

    def send_head(self) -> Any:
        path = self.translate_path(self.path)
        if os.path.isdir(path) or not os.path.isfile(path):
            return super().send_head()  # index.html, redirects and 404 as http.server does
        try:
            file = open(path, "rb")  # noqa: SIM115 (closed by copyfile's caller)
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        size = os.fstat(file.fileno()).st_size
        wanted = parse_range(self.headers.get("Range"), size)
        self._range = None
        if wanted is False:
            file.close()
            self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if wanted is None or wanted is True:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Length", str(size))
        else:
            first, last = wanted
            self.send_response(HTTPStatus.PARTIAL_CONTENT)
            self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
            self.send_header("Content-Length", str(last - first + 1))
            file.seek(first)
            self._range = last - first + 1
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header(
            "Last-Modified", self.date_time_string(int(os.fstat(file.fileno()).st_mtime))
        )
        self.end_headers()
        return file

    def copyfile(self, source: Any, outputfile: Any) -> None:
        length = getattr(self, "_range", None)
        if length is None:
            shutil.copyfileobj(source, outputfile)
            return
        while length > 0:
            chunk = source.read(min(length, 1 << 16))
            if not chunk:
                break
            outputfile.write(chunk)
            length -= len(chunk)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: a map page makes hundreds of requests


def make_server(directory: Path, port: int = 8000, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """A server of ``directory`` on ``host:port`` (port 0: any free one; ``server_port``
    says which). Call ``serve_forever()``; ``shutdown()`` from another thread stops it."""
    handler = partial(RangeRequestHandler, directory=str(directory))
    return ThreadingHTTPServer((host, port), handler)
