"""facilitymap archive against a local server speaking the Wayback availability API.

Everything talks to 127.0.0.1 only: a ThreadingHTTPServer that answers
``/wayback/available?url=U&timestamp=T`` the way archive.org documents it
(https://archive.org/help/wayback_api.php: ``{"archived_snapshots": {"closest": {"available":
true, "url": ..., "timestamp": ..., "status": "200"}}}``, or ``{"archived_snapshots": {}}``),
and ``/save/URL`` like Save Page Now. No network.
"""

from __future__ import annotations

import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from facilitymap.archive import (
    AVAILABILITY_API,
    SAVE_API,
    ArchiveInterrupted,
    archive_layer,
    lookups,
    snapshot_from_answer,
)
from facilitymap.cli import cli
from facilitymap.io import load_layer

ROOT = Path(__file__).resolve().parents[1]
LAYER = ROOT / "geodata" / "sites.geojson"


class FakeWayback:
    """Snapshots per URL; the closest to the asked timestamp is answered, as the API does."""

    def __init__(self) -> None:
        self.snapshots: dict[str, list[tuple[str, str]]] = {}  # url -> [(timestamp, status)]
        self.asked: list[tuple[str, str | None]] = []
        self.saved: list[str] = []
        self.hang: set[str] = set()  # URLs whose lookup never answers in time
        self.garbage: set[str] = set()  # URLs whose lookup answers with something else
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self.release = threading.Event()

    def snapshot_url(self, timestamp: str, url: str) -> str:
        return f"https://web.archive.org/web/{timestamp}/{url}"

    def answer(self, url: str, timestamp: str | None) -> dict:
        known = self.snapshots.get(url)
        if not known:
            return {"url": url, "archived_snapshots": {}}
        wanted = int((timestamp or "99991231").ljust(14, "0"))
        stamp, status = min(known, key=lambda s: abs(int(s[0]) - wanted))
        closest = {
            "status": status,
            "available": True,
            "url": self.snapshot_url(stamp, url),
            "timestamp": stamp,
        }
        return {"url": url, "archived_snapshots": {"closest": closest}}


def _handler(fake: FakeWayback):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):
            pass

        def do_GET(self):
            with fake.lock:
                fake.in_flight += 1
                fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
            try:
                self._answer()
            finally:
                with fake.lock:
                    fake.in_flight -= 1

        def _answer(self):
            if self.path.startswith("/save/"):
                url = self.path[len("/save/") :]  # the URL as given, query and all
                fake.saved.append(url)
                fake.snapshots.setdefault(url, []).append(("20261201093000", "200"))
                return self._send(200, b"<html>saved</html>", "text/html")
            query = parse_qs(urlsplit(self.path).query)
            url = query["url"][0]
            timestamp = query.get("timestamp", [None])[0]
            with fake.lock:
                fake.asked.append((url, timestamp))
            if url in fake.hang:
                fake.release.wait(10)
                return
            if url in fake.garbage:
                return self._send(200, b"<html>rate limited</html>", "text/html")
            body = json.dumps(fake.answer(url, timestamp)).encode()
            self._send(200, body, "application/json")

        def _send(self, status, body, kind):
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):  # the client hung up at its deadline
        pass


@pytest.fixture
def wayback():
    fake = FakeWayback()
    server = _Server(("127.0.0.1", 0), _handler(fake))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    fake.api = f"http://127.0.0.1:{port}/wayback/available"
    fake.save_api = f"http://127.0.0.1:{port}/save/"
    yield fake
    fake.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def layer(tmp_path) -> Path:
    path = tmp_path / "sites.geojson"
    shutil.copy(LAYER, path)
    return path


def _args(wayback, layer, *extra):
    return ["archive", str(layer), "--api", wayback.api, "--save-api", wayback.save_api,
            "--allow-private", *extra]  # fmt: skip


def _archive_urls(path: Path) -> dict[tuple[str, str], str | None]:
    return {
        (site.id, source.id): source.archive_url
        for site in load_layer(path).sites
        for source in site.sources
    }


def _pick_sources(path: Path, n: int):
    """The first n distinct source URLs that have an accessed date."""
    seen = {}
    for site in load_layer(path).sites:
        for source in site.sources:
            if source.accessed and source.url not in seen:
                seen[source.url] = source
    return list(seen.values())[:n]


def test_fills_the_closest_snapshot_and_nothing_else(wayback, layer):
    first, second, third = _pick_sources(layer, 3)
    day = first.accessed.replace("-", "")
    # two snapshots: the one nearer the day the source was read wins
    wayback.snapshots[first.url] = [("20100101000000", "200"), (day + "120000", "200")]
    wayback.snapshots[second.url] = [("20190301000000", "200")]
    wayback.snapshots[third.url] = [("20200101000000", "404")]  # a capture of an error page
    before = _archive_urls(layer)
    assert not any(before.values())  # the layer has no archived copies yet
    run = CliRunner().invoke(cli, _args(wayback, layer))
    assert run.exit_code == 0, run.output
    after = _archive_urls(layer)
    filled = {key: url for key, url in after.items() if url}
    uses_first = [k for k, _ in filled.items() if k[1] == first.id]
    assert uses_first and all(
        filled[k] == f"https://web.archive.org/web/{day}120000/{first.url}" for k in uses_first
    )
    assert set(filled.values()) == {
        f"https://web.archive.org/web/{day}120000/{first.url}",
        f"https://web.archive.org/web/20190301000000/{second.url}",
    }
    # every source URL was asked about, once per (URL, day), with the day it was read
    todo = lookups(load_layer(LAYER).sites)
    assert sorted(wayback.asked, key=str) == sorted(
        [(item.url.split("#")[0], item.timestamp) for item in todo], key=str
    )
    assert (first.url, day) in wayback.asked
    assert f"sources[0] ({first.id}): found <https://web.archive.org/web/{day}120000/" in run.output
    assert f"({third.id}): none (no snapshot in the archive)" in run.output
    assert f"2 found, {len(todo) - 2} none" in run.output
    load_layer(layer)  # still a valid layer
    # a second run asks only about what is still missing
    wayback.asked.clear()
    again = CliRunner().invoke(cli, _args(wayback, layer))
    assert again.exit_code == 0
    assert len(wayback.asked) == len(todo) - 2
    assert (first.url, day) not in wayback.asked


def test_dry_run_writes_nothing(wayback, layer):
    (first,) = _pick_sources(layer, 1)
    wayback.snapshots[first.url] = [("20190301000000", "200")]
    before = layer.read_bytes()
    run = CliRunner().invoke(cli, _args(wayback, layer, "--dry-run"))
    assert run.exit_code == 0, run.output
    assert "found <https://web.archive.org/web/20190301000000/" in run.output
    assert "would fill" in run.output
    assert layer.read_bytes() == before


def test_save_page_now_only_for_urls_without_a_snapshot(wayback, layer):
    first, second = _pick_sources(layer, 2)
    wayback.snapshots[first.url] = [("20190301000000", "200")]
    run = CliRunner().invoke(cli, _args(wayback, layer, "--save"))
    assert run.exit_code == 0, run.output
    assert first.url not in wayback.saved  # it had a snapshot
    assert second.url in wayback.saved
    urls = _archive_urls(layer)
    assert urls[next(k for k in urls if k[1] == second.id)] == (
        f"https://web.archive.org/web/20261201093000/{second.url}"
    )
    assert f"({second.id}): saved <https://web.archive.org/web/20261201093000/" in run.output
    assert all(urls.values())  # every URL got saved, then found


def test_a_hanging_lookup_ends_at_its_deadline_and_the_run_resumes(wayback, layer):
    first, second = _pick_sources(layer, 2)
    wayback.snapshots[first.url] = [("20190301000000", "200")]
    wayback.snapshots[second.url] = [("20190302000000", "200")]
    wayback.hang.add(second.url)
    wayback.garbage.add(first.url)
    run = CliRunner().invoke(cli, _args(wayback, layer, "--timeout", "0.5"))
    assert run.exit_code == 1  # failed lookups: run again
    assert f"({second.id}): failed (no complete answer within 0.5 s)" in run.output
    assert f"({first.id}): failed (the availability API: the answer is not JSON)" in run.output
    assert not any(_archive_urls(layer).values())
    wayback.hang.clear()
    wayback.garbage.clear()
    wayback.release.set()
    again = CliRunner().invoke(cli, _args(wayback, layer, "--timeout", "5"))
    assert again.exit_code == 0, again.output
    assert sum(1 for url in _archive_urls(layer).values() if url) >= 2


def test_concurrency_is_bounded(wayback, layer):
    run = CliRunner().invoke(cli, _args(wayback, layer, "--concurrency", "2"))
    assert run.exit_code == 0
    assert 1 <= wayback.max_in_flight <= 2


def test_private_addresses_are_refused_by_default(wayback, layer):
    args = ["archive", str(layer), "--api", wayback.api, "--timeout", "2"]
    run = CliRunner().invoke(cli, args)
    assert run.exit_code == 1
    assert "failed (resolves to 127.0.0.1)" in run.output
    assert wayback.asked == []


def test_an_interrupted_run_keeps_what_it_found(wayback, layer):
    sources = _pick_sources(layer, 4)
    for source in sources:
        wayback.snapshots[source.url] = [("20190301000000", "200")]
    seen = []

    def progress(done, total):
        seen.append(done)
        if done == 6:
            raise KeyboardInterrupt

    with pytest.raises(ArchiveInterrupted) as stopped:
        archive_layer(
            layer,
            api=wayback.api,
            allow_private=True,
            concurrency=1,
            progress=progress,
            checkpoint_every=100,
        )
    run = stopped.value.run
    assert run.interrupted and len(run.results) == 6
    found = [r for r in run.results if r.filled]
    written = {url for url in _archive_urls(layer).values() if url}
    assert written == {r.archive_url for r in found}
    assert run.writes == (1 if found else 0)


def test_checkpoints_write_as_it_goes(wayback, layer):
    sources = _pick_sources(layer, 3)
    for source in sources:
        wayback.snapshots[source.url] = [("20190301000000", "200")]
    run = archive_layer(layer, api=wayback.api, allow_private=True, checkpoint_every=1)
    assert run.writes == 3
    assert sum(1 for r in run.results if r.filled) == 3


@pytest.mark.parametrize(
    ("closest", "expected"),
    [
        ({"available": True, "url": "https://web.archive.org/web/1/x", "timestamp": "1"}, True),
        ({"available": True, "url": "javascript:alert(1)", "status": "200"}, False),
        ({"available": True, "url": "https://web.archive.org/web/1/x", "status": "302"}, False),
        ({"available": False, "url": "https://web.archive.org/web/1/x"}, False),
        ({"available": "true", "url": "https://web.archive.org/web/1/x"}, False),
    ],
)
def test_only_an_available_http_snapshot_counts(closest, expected):
    body = json.dumps({"archived_snapshots": {"closest": closest}}).encode()
    assert (snapshot_from_answer(body) is not None) is expected


def test_answers_that_are_not_the_api_are_errors():
    for body in (b"<html>", b"[]", b'{"archived": {}}'):
        with pytest.raises(ValueError):
            snapshot_from_answer(body)


def test_cli_defaults_are_the_real_endpoints():
    params = {p.name: p.default for p in cli.commands["archive"].params}
    assert params["api"] == AVAILABILITY_API
    assert params["save_api"] == SAVE_API


def test_a_layer_edited_meanwhile_is_not_overwritten(wayback, layer):
    from facilitymap.errors import ConcurrentEditError

    (first,) = _pick_sources(layer, 1)
    wayback.snapshots[first.url] = [("20190301000000", "200")]
    edited = layer.read_bytes().replace(b'"name": "', b'"name": "Edited: ', 1)

    def progress(done, total):
        if done == 0:  # someone saves the layer after the run has read it
            layer.write_bytes(edited)

    with pytest.raises(ConcurrentEditError, match="changed on disk since it was read"):
        archive_layer(layer, api=wayback.api, allow_private=True, progress=progress)
    assert layer.read_bytes() == edited
