"""check-links against a local HTTP server: every outcome, deadlines, dedup, concurrency, CLI.

Everything here talks to 127.0.0.1 only: a ThreadingHTTPServer started by the tests, and a
port that was bound and closed again for "connection refused".
"""

from __future__ import annotations

import copy
import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from facilitymap import links as links_module
from facilitymap.cli import links as cli_links
from facilitymap.cli.links import check_links as check_links_command
from facilitymap.io import load_layer
from facilitymap.links import (
    FAILING,
    LinkResult,
    check_links,
    is_refused_address,
    summarize,
    user_agent,
)

TEMPLATE = Path(__file__).parent / "data" / "valid" / "two-sites.geojson"
TIMEOUT = 1.0  # the budget per URL in these tests
SLOW_AFTER = 0.3
LAZY_S = 0.6  # /lazy answers after this: over SLOW_AFTER, under TIMEOUT
SLOW_S = 3.0  # /slow would answer after this: far over TIMEOUT


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64  # every check connects at once: a short backlog drops SYNs

    def handle_error(self, request, client_address):  # clients hang up on purpose
        pass


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.hits: Counter[tuple[str, str]] = Counter()
        self.agents: set[str] = set()
        self.in_flight = 0
        self.max_in_flight = 0
        self.stop = threading.Event()

    def count(self, path: str, method: str) -> int:
        with self.lock:
            return self.hits[(path, method)]


def _make_handler(state: _State):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):
            pass

        def do_HEAD(self):
            self._answer("HEAD")

        def do_GET(self):
            self._answer("GET")

        def _reply(self, status, headers=(), body=b""):
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command == "GET":
                self.wfile.write(body)

        def _trickle(self):
            # One byte every 0.2 s until the client goes away (or the tests end).
            for _ in range(100):
                if state.stop.wait(0.2):
                    return
                try:
                    self.wfile.write(b"x")
                    self.wfile.flush()
                except OSError:
                    return

        def _answer(self, method):
            path = self.path.split("?", 1)[0]
            with state.lock:
                state.hits[(path, method)] += 1
                state.agents.add(self.headers.get("User-Agent", ""))
            if path in ("/ok", "/shared", "/private-probe"):
                self._reply(200, body=b"hello")
            elif path == "/moved":
                self._reply(301, [("Location", "/ok")])
            elif path == "/moved-private":
                self._reply(301, [("Location", "/private-probe")])
            elif path == "/gone":
                self._reply(404)
            elif path == "/broken":
                self._reply(500)
            elif path == "/lazy":
                state.stop.wait(LAZY_S)
                self._reply(200)
            elif path == "/slow":
                if not state.stop.wait(SLOW_S):
                    self._reply(200)
            elif path == "/head-not-allowed":
                self._reply(405 if method == "HEAD" else 200, body=b"fine")
            elif path == "/to-js":
                self._reply(302, [("Location", "javascript:alert(1)")])
            elif path == "/loop":
                self._reply(302, [("Location", "/loop")])
            elif path == "/ansi":
                self._reply(302, [("Location", "/gone\x1b[31mred")])
            elif path == "/trickle":
                # The status line, then a header that never ends.
                self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Trickle: ")
                self._trickle()
            elif path == "/trickle-body":
                if method == "HEAD":
                    self._reply(405)
                    return
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
                self._trickle()
            elif path.startswith("/count/"):
                with state.lock:
                    state.in_flight += 1
                    state.max_in_flight = max(state.max_in_flight, state.in_flight)
                state.stop.wait(0.15)
                with state.lock:  # before answering, so the next request cannot overlap
                    state.in_flight -= 1
                self._reply(200)
            else:
                self._reply(404)

    return Handler


@pytest.fixture(scope="module")
def server():
    state = _State()
    httpd = _Server(("127.0.0.1", 0), _make_handler(state))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield state
    finally:
        state.stop.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
        assert not thread.is_alive()


@pytest.fixture(scope="module")
def refused_url():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}/nobody-home"


def write_layer(path: Path, sites: dict[str, list[tuple[str, str | None]]]) -> Path:
    """A layer of unlocated sites (the fixture's second site) with these (url, archive) sources."""
    doc = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    template = doc["features"][1]
    features = []
    for site_id, links in sites.items():
        feature = copy.deepcopy(template)
        feature["id"] = site_id
        base = feature["properties"]["sources"][0]
        sources = []
        for i, (url, archive) in enumerate(links):
            source = {**base, "id": base["id"] if i == 0 else f"s{i}", "url": url}
            if archive is not None:
                source["archive_url"] = archive
            sources.append(source)
        feature["properties"]["sources"] = sources
        features.append(feature)
    doc["features"] = features
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def by_place(results: list[LinkResult]) -> dict[tuple[str, int, str], LinkResult]:
    return {(r.site_id, r.source_index, r.field): r for r in results}


# --------------------------------------------------------------------------- the library


@pytest.fixture(scope="module")
def main_run(server, refused_url, tmp_path_factory):
    b = server.base
    path = write_layer(
        tmp_path_factory.mktemp("links") / "layer.geojson",
        {
            "tj-links-a": [
                (f"{b}/ok", f"{b}/moved"),
                (f"{b}/gone", None),
                (f"{b}/broken", f"{b}/head-not-allowed"),
                (f"{b}/slow", f"{b}/trickle"),
                (f"{b}/shared", f"{b}/loop"),
            ],
            "tj-links-b": [
                (refused_url, f"{b}/to-js"),
                (f"{b}/shared#section-2", f"{b}/trickle-body"),
                (f"{b}/lazy", None),
            ],
        },
    )
    sites = load_layer(path).sites
    calls: list[tuple[int, int]] = []
    start = time.monotonic()
    results = check_links(
        sites,
        timeout=TIMEOUT,
        concurrency=16,
        slow_after=SLOW_AFTER,
        allow_private=True,
        progress=lambda done, total: calls.append((done, total)),
    )
    return results, time.monotonic() - start, calls


def test_each_outcome(main_run, server, refused_url):
    results, _, _ = main_run
    got = by_place(results)
    b = server.base

    ok = got[("tj-links-a", 0, "url")]
    assert (ok.outcome, ok.status, ok.method, ok.url) == ("ok", 200, "HEAD", f"{b}/ok")

    moved = got[("tj-links-a", 0, "archive_url")]
    assert moved.outcome == "redirected"
    assert moved.final_url == f"{b}/ok" and moved.redirects == ((301, f"{b}/ok"),)

    gone = got[("tj-links-a", 1, "url")]
    assert (gone.outcome, gone.status) == ("dead", 404)
    broken = got[("tj-links-a", 2, "url")]
    assert (broken.outcome, broken.status) == ("dead", 500)

    head = got[("tj-links-a", 2, "archive_url")]
    assert (head.outcome, head.status, head.method) == ("ok", 200, "GET")
    assert server.count("/head-not-allowed", "HEAD") == 1
    assert server.count("/head-not-allowed", "GET") == 1

    refused = got[("tj-links-b", 0, "url")]
    assert (refused.outcome, refused.reason) == ("unreachable", "connection refused")
    assert refused.url == refused_url

    to_js = got[("tj-links-b", 0, "archive_url")]
    assert to_js.outcome == "refused-scheme"
    assert to_js.final_url == "javascript:alert(1)" and to_js.status == 302
    assert to_js.describe() == (
        f"refused-scheme (redirect to a javascript URL, not followed) <{b}/to-js>"
        " -> <javascript:alert(1)>"
    )

    loop = got[("tj-links-a", 4, "archive_url")]
    assert (loop.outcome, loop.reason) == ("unreachable", "more than 5 redirects")
    assert len(loop.redirects) == 6

    lazy = got[("tj-links-b", 2, "url")]
    assert lazy.outcome == "slow" and SLOW_AFTER < lazy.elapsed < TIMEOUT

    assert all(r.elapsed is not None for r in results if r.outcome != "missing-archive")


def test_slow_and_trickling_servers_are_cut_at_the_deadline(main_run):
    results, wall, _ = main_run
    got = by_place(results)
    for place in (
        ("tj-links-a", 3, "url"),  # /slow: says nothing for 3 s
        ("tj-links-a", 3, "archive_url"),  # /trickle: a header that never ends
        ("tj-links-b", 1, "archive_url"),  # /trickle-body: a body that never ends
    ):
        result = got[place]
        assert result.outcome == "timeout", result
        assert TIMEOUT * 0.9 < result.elapsed < TIMEOUT + 0.5
        assert result.failing
    # Everything ran side by side: the run took one budget, not one per URL.
    assert wall < TIMEOUT + 1.5


def test_missing_archive_urls_are_reported(main_run):
    results, _, _ = main_run
    missing = [r for r in results if r.outcome == "missing-archive"]
    assert [(r.site_id, r.source_id, r.pointer, r.url) for r in missing] == [
        ("tj-links-a", "s1", "sources[1].archive_url", None),
        ("tj-links-b", "s2", "sources[2].archive_url", None),
    ]
    assert "has no archive_url" in missing[0].describe()


def test_a_url_used_twice_is_fetched_once_and_reported_twice(main_run, server):
    results, _, _ = main_run
    shared = [r for r in results if r.url and "/shared" in r.url]
    assert [(r.site_id, r.outcome) for r in shared] == [
        ("tj-links-a", "ok"),
        ("tj-links-b", "ok"),
    ]
    assert server.count("/shared", "HEAD") == 1
    assert server.count("/shared", "GET") == 0


def test_results_are_in_layer_order_with_progress(main_run):
    results, _, calls = main_run
    assert [(r.site_id, r.source_index, r.field) for r in results] == [
        (site, i, field)
        for site, n in (("tj-links-a", 5), ("tj-links-b", 3))
        for i in range(n)
        for field in ("url", "archive_url")
    ]
    distinct = len({r.url.split("#")[0] for r in results if r.url})
    assert calls == [(done, distinct) for done in range(distinct + 1)]
    assert summarize(results)["missing-archive"] == 2


def test_requests_say_who_they_are(main_run, server):
    assert server.agents == {user_agent()}
    assert user_agent().startswith("facilitymap-check-links/")


def test_concurrency_is_bounded(server, tmp_path):
    links = [(f"{server.base}/count/{i}", None) for i in range(9)]
    sites = load_layer(write_layer(tmp_path / "c.geojson", {"tj-links-c": links})).sites
    server.max_in_flight = 0
    results = check_links(sites, timeout=5, concurrency=3, allow_private=True)
    assert {r.outcome for r in results if r.field == "url"} == {"ok"}
    assert 2 <= server.max_in_flight <= 3


def test_private_addresses_are_refused_by_default(server, tmp_path):
    path = write_layer(
        tmp_path / "p.geojson", {"tj-links-p": [(f"{server.base}/private-probe", None)]}
    )
    [result, _] = check_links(load_layer(path).sites, timeout=TIMEOUT)
    assert result.outcome == "refused-private"
    assert result.reason == "resolves to 127.0.0.1"
    assert not result.failing
    assert server.count("/private-probe", "HEAD") == 0
    assert server.count("/private-probe", "GET") == 0


def test_every_redirect_hop_is_checked_for_private_addresses(server, tmp_path, monkeypatch):
    # Pretend 127.0.0.1 is public for the first connection only: the redirect's target is
    # then refused before anything is sent to it.
    calls = []

    def first_is_public(address):
        calls.append(address)
        return len(calls) > 1

    monkeypatch.setattr(links_module, "is_refused_address", first_is_public)
    url = f"{server.base}/moved-private"
    path = write_layer(tmp_path / "r.geojson", {"tj-links-r": [(url, None)]})
    [result, _] = check_links(load_layer(path).sites, timeout=TIMEOUT)
    assert result.outcome == "refused-private"
    assert result.redirects == ((301, f"{server.base}/private-probe"),)
    assert server.count("/moved-private", "HEAD") == 1
    assert server.count("/private-probe", "HEAD") == 0


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("192.168.0.1", True),
        ("172.16.5.4", True),
        ("169.254.169.254", True),  # cloud metadata
        ("100.64.0.1", True),  # carrier-grade NAT
        ("0.0.0.0", True),
        ("224.0.0.1", True),
        ("::1", True),
        ("fe80::1%eth0", True),
        ("fd00::1", True),
        ("::ffff:127.0.0.1", True),
        ("93.184.215.14", False),
        ("2606:4700::6810:84e5", False),
        ("::ffff:93.184.215.14", False),
    ],
)
def test_which_addresses_are_private(address, refused):
    assert is_refused_address(address) is refused


def test_other_schemes_are_never_fetched(tmp_path):
    # The validator refuses these, so only an unchecked load gets them this far.
    path = write_layer(
        tmp_path / "s.geojson",
        {
            "tj-links-s": [
                ("file:///etc/passwd", "ftp://example.org/x"),
                ("javascript:alert(1)", None),
            ]
        },
    )
    results = check_links(load_layer(path, check=False).sites, timeout=TIMEOUT)
    assert [(r.outcome, r.reason) for r in results] == [
        ("refused-scheme", "file scheme: not fetched"),
        ("refused-scheme", "ftp scheme: not fetched"),
        ("refused-scheme", "javascript scheme: not fetched"),
        ("missing-archive", None),
    ]
    assert all(r.elapsed is None for r in results)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="timeout"):
        check_links([], timeout=0)
    with pytest.raises(ValueError, match="concurrency"):
        check_links([], concurrency=0)
    assert check_links([]) == []


def test_host_names_are_resolved_and_checked(server, tmp_path):
    # localhost comes from /etc/hosts: the name lookup path without any network.
    url = server.base.replace("127.0.0.1", "localhost") + "/ok"
    path = write_layer(tmp_path / "h.geojson", {"tj-links-h": [(url, url)]})
    sites = load_layer(path).sites
    [allowed, _] = check_links(sites, timeout=TIMEOUT, allow_private=True)
    assert (allowed.outcome, allowed.status) == ("ok", 200)
    [refused, _] = check_links(sites, timeout=TIMEOUT)
    assert refused.outcome == "refused-private"
    assert "127.0.0.1" in refused.reason


@pytest.fixture(scope="module")
def tls_server(server, tmp_path_factory):
    """An HTTPS server on 127.0.0.1 with a self-signed certificate; yields (base, cert)."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd = _Server(("127.0.0.1", 0), _make_handler(server))
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"https://127.0.0.1:{httpd.server_address[1]}", cert
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_https_with_an_untrusted_certificate_is_unreachable(tls_server, tmp_path):
    base, _ = tls_server
    path = write_layer(tmp_path / "t.geojson", {"tj-links-t": [(f"{base}/ok", None)]})
    [result, _] = check_links(load_layer(path).sites, timeout=TIMEOUT, allow_private=True)
    assert result.outcome == "unreachable"
    assert result.reason.startswith("TLS certificate: ")


def test_https_with_a_trusted_certificate(tls_server, tmp_path, monkeypatch):
    base, cert = tls_server
    monkeypatch.setattr(links_module, "_TLS_CONTEXT", ssl.create_default_context(cafile=cert))
    path = write_layer(tmp_path / "t.geojson", {"tj-links-t": [(f"{base}/gone", f"{base}/moved")]})
    [gone, moved] = check_links(load_layer(path).sites, timeout=TIMEOUT, allow_private=True)
    assert (gone.outcome, gone.status, gone.method) == ("dead", 404, "GET")
    assert (moved.outcome, moved.final_url) == ("redirected", f"{base}/ok")


def test_a_tls_handshake_that_trickles_is_cut_at_the_deadline(server, tmp_path):
    # A TLS record header announcing 16 KB, then one byte every 0.2 s.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(5)

    def serve():
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            conn.recv(4096)
            try:
                conn.sendall(b"\x16\x03\x03\x40\x00")
                while not server.stop.wait(0.2):
                    conn.sendall(b"\x00")
            except OSError:
                return

    thread = threading.Thread(target=serve)
    thread.start()
    url = f"https://127.0.0.1:{listener.getsockname()[1]}/"
    path = write_layer(tmp_path / "t.geojson", {"tj-links-t": [(url, None)]})
    try:
        [result, _] = check_links(load_layer(path).sites, timeout=0.5, allow_private=True)
    finally:
        thread.join(timeout=5)
        listener.close()
    assert result.outcome == "timeout"
    assert 0.45 < result.elapsed < 1.0


# --------------------------------------------------------------------------- the command


def test_cli_text_output_and_exit_1_on_a_dead_link(runner, server, tmp_path):
    b = server.base
    path = write_layer(
        tmp_path / "l.geojson",
        {
            "tj-links-a": [
                (f"{b}/ok", f"{b}/ok?copy"),
                (f"{b}/gone", None),
                (f"{b}/moved", f"{b}/ok"),
            ]
        },
    )
    result = runner.invoke(check_links_command, [str(path), "--allow-private", "--timeout", "2"])
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [
        f"tj-links-a: sources[1].url: dead (404 Not Found) <{b}/gone>",
        "tj-links-a: sources[1].archive_url: missing-archive (source 's1' has no archive_url)",
        f"tj-links-a: sources[2].url: redirected (301) <{b}/moved> -> <{b}/ok>",
    ]
    assert "checking 4 distinct URL(s)" in result.stderr
    assert result.stderr.splitlines()[-1] == (
        "5 link(s), 4 distinct URL(s), in 1 site(s): 3 ok, 1 redirected, 1 dead, 1 missing-archive"
    )


def test_cli_exit_0_when_nothing_is_broken(runner, server, tmp_path):
    b = server.base
    path = write_layer(
        tmp_path / "l.geojson", {"tj-links-a": [(f"{b}/ok", None), (f"{b}/moved", None)]}
    )
    result = runner.invoke(check_links_command, [str(path), "--allow-private"])
    assert result.exit_code == 0, result.output
    assert "missing-archive" in result.stdout and "redirected (301)" in result.stdout


def test_cli_json(runner, server, refused_url, tmp_path):
    b = server.base
    path = write_layer(tmp_path / "l.geojson", {"tj-links-a": [(f"{b}/ok", refused_url)]})
    result = runner.invoke(check_links_command, [str(path), "--allow-private", "--format", "json"])
    assert result.exit_code == 1
    rows = json.loads(result.stdout)
    assert [(r["pointer"], r["outcome"], r["status"], r["reason"]) for r in rows] == [
        ("sources[0].url", "ok", 200, None),
        ("sources[0].archive_url", "unreachable", None, "connection refused"),
    ]
    assert set(rows[0]) == {
        "site",
        "source",
        "pointer",
        "field",
        "url",
        "outcome",
        "status",
        "final_url",
        "redirects",
        "reason",
        "elapsed",
        "method",
    }
    assert rows[0]["site"] == "tj-links-a" and rows[0]["url"] == f"{b}/ok"


def test_cli_refuses_private_targets_without_the_flag(runner, server, tmp_path):
    path = write_layer(
        tmp_path / "l.geojson", {"tj-links-a": [(f"{server.base}/private-probe", None)]}
    )
    result = runner.invoke(check_links_command, [str(path), "--no-allow-private"])
    assert result.exit_code == 0
    assert "refused-private (resolves to 127.0.0.1)" in result.stdout
    assert server.count("/private-probe", "HEAD") == 0


def test_cli_keeps_server_text_off_the_terminal(runner, server, tmp_path):
    path = write_layer(tmp_path / "l.geojson", {"tj-links-a": [(f"{server.base}/ansi", None)]})
    result = runner.invoke(check_links_command, [str(path), "--allow-private"])
    assert result.exit_code == 1  # /gone<ESC>[31mred is a 404
    assert "\x1b" not in result.stdout and "\\x1b[31mred" in result.stdout
    result = runner.invoke(check_links_command, [str(path), "--allow-private", "--format", "json"])
    assert "\x1b" not in result.stdout
    assert json.loads(result.stdout)[0]["final_url"].endswith("/gone\x1b[31mred")


def test_cli_progress_bar_on_a_terminal(runner, server, tmp_path, monkeypatch):
    monkeypatch.setattr(cli_links, "_stderr_is_tty", lambda: True)
    path = write_layer(tmp_path / "l.geojson", {"tj-links-a": [(f"{server.base}/ok", None)]})
    result = runner.invoke(check_links_command, [str(path), "--allow-private"])
    assert result.exit_code == 0
    assert "Checking links" in result.stderr
    assert "checking 1 distinct" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--concurrency", "0"],
        ["--concurrency", "65"],
        ["--timeout", "0"],
        ["--timeout", "-1"],
        ["--slow-after", "-1"],
        ["--format", "xml"],
    ],
)
def test_cli_usage_errors_exit_2(runner, two_sites, args):
    result = runner.invoke(check_links_command, [str(two_sites), *args])
    assert result.exit_code == 2


def test_cli_bad_layer_exits_1(runner, tmp_path):
    result = runner.invoke(check_links_command, [str(tmp_path / "missing.geojson")])
    assert result.exit_code == 1
    assert "no such file" in result.stderr


def test_failing_outcomes():
    assert frozenset({"dead", "unreachable", "timeout"}) == FAILING
