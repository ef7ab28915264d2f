"""Large pages in Chromium: data deflated and packed (the bytes themselves, on a page read as
windows-1252), the map drawn before the parser reaches the sites' details, and a popup that
waits for them; a page a server calls UTF-8 reads its data from its file."""

from __future__ import annotations

import random
import re
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import deflate
import pytest
from playwright.sync_api import Error as PlaywrightError

from facilitymap.render import build_html
from facilitymap.render.page import build_page, pack_text, page_text, unpack_text

DETAILS = re.compile(
    r'<script type="application/json" id="(fm-[a-z]+(?:-\d+)?)"[^>]*?'
    r' data-encoding="deflate-cp1252" data-bytes="(\d+)" data-size="\d+">(.*?)</script>',
    re.S,
)


def feature(n: int, lon: float, lat: float) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": f"s-{n:03d}",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "name": f"Site {n:03d}",
            "kind": "base",
            "country": "TJ",
            "location": {"precision_m": 500, "basis": "reference-place", "note": "n"},
            "confidence": "high",
            "confidence_note": "n",
            "claims": [
                {
                    "id": "c1",
                    "date": "2020-01-02",
                    "actor": f"Reporter of site {n:03d}",
                    "actor_type": "media",
                    "stance": "affirms",
                    "basis": "on-site",
                    "sources": [],
                }
            ],
            "sources": [],
            "status": "attested",
        },
    }


def _odd_text(rng: random.Random, length: int) -> str:
    # Every code point below 0x300 (controls, NUL, CR, "<", "&", quotes, Latin-1, the range
    # the packing's escapes use), and some from further up: what a shared layer may hold.
    pool = [chr(c) for c in range(0x300)] + ["\u2028", "\u2029", "\ufeff", "\U0001f600", "я", "中"]
    return "".join(rng.choice(pool) for _ in range(length))


def _details_of(app_page: Any, ids: list[str]) -> dict[str, Any]:
    """Each site's properties as the page holds them once their details are read."""
    return app_page.js(
        """async (ids) => {
          const app = window.facilitymap.app, out = {};
          for (const id of ids) { const site = app.byId.get(id); await app.loadDetails(site); out[id] = site.p; }
          return out;
        }""",
        ids,
    )


def test_every_byte_value_round_trips_through_a_page(map_page, tmp_path):
    rng = random.Random(16)
    features = []
    for n in range(40):
        f = feature(n, 70 + n * 0.01, 38)
        f["properties"]["name"] = f"Site {n} " + _odd_text(rng, 20)
        f["properties"]["description"] = _odd_text(rng, 3000 if n % 3 else 30)
        f["properties"]["claims"][0]["summary"] = "</script><!--<script>" + _odd_text(rng, 50)
        features.append(f)
    page = build_page(features, title="packed", data_version="v", compress=True)
    # Nothing in the packed text is changed by the HTML parser or ends the element.
    elements = DETAILS.findall(page_text(page))
    assert [e[0] for e in elements][:4] == ["fm-data", "fm-search", "fm-steps", "fm-details-0"]
    packed = "".join(text for _, _, text in elements)
    assert "\r" not in packed and "</" not in packed and "<!" not in packed
    # The deflated bytes take every value, and the packed text every byte but CR: all three
    # escapes, NUL (which the parser makes U+FFFD) and the five bytes windows-1252 has no
    # character for are among them.
    deflated = b"".join(unpack_text(text, int(size)) for _, size, text in elements)
    assert set(deflated) == set(range(256))
    assert {ord(c) for c in packed} == set(range(256)) - {0x0D}
    assert {"=}", "=M", "=|"} <= {packed[k : k + 2] for k in range(len(packed) - 1)}

    # The file as written (read as windows-1252), and the page's text written as UTF-8 (as
    # MapHTML.save and a notebook's srcdoc have it): the same sites, every character.
    as_bytes, as_text = tmp_path / "packed.html", tmp_path / "packed-text.html"
    as_bytes.write_bytes(page)
    as_text.write_text(page_text(page), encoding="utf-8")
    ids = [f["id"] for f in features]
    for path in (as_bytes, as_text):
        map_page.open(path)
        shown = _details_of(map_page, ids)
        for f in features:
            assert shown[f["id"]] == f["properties"]
        names = map_page.js("() => window.facilitymap.app.sites.map((s) => s.name)")
        assert names == [f["properties"]["name"] for f in features]
        map_page.assert_clean()


def test_stored_fixed_and_dynamic_blocks_inflate(map_page, tmp_path):
    """The page inflates by itself: every kind of deflate block, from zlib and libdeflate,
    of bytes of every value, reads back."""
    path = tmp_path / "small.html"
    path.write_text(build_html([feature(0, 70, 38)], title="s", data_version="v"), "utf-8")
    map_page.open(path)
    rng = random.Random(3)
    noise = bytes(rng.randrange(256) for _ in range(70_000))
    text = ("Сообщения о базе, denied; " * 40 + "".join(map(chr, range(256)))).encode()
    streams = {
        "stored": zlib.compress(noise, 0),
        "stored, noise deflated": deflate.zlib_compress(noise, 8),
        "fixed": _fixed(text),
        "dynamic": deflate.zlib_compress(text * 50 + noise[:5000], 8),
        "empty": zlib.compress(b""),
    }
    for name, stream in streams.items():
        packed = pack_text(stream)
        got = map_page.js(
            "([t, n]) => Array.from(window.facilitymap.inflatePacked(t, n))", [packed, len(stream)]
        )
        assert bytes(got) == zlib.decompress(stream), name
    # A stream cut short is an error, not a hang or made-up bytes.
    cut = streams["dynamic"][:-40]
    with pytest.raises(PlaywrightError, match="damaged"):
        map_page.js(
            "([t, n]) => window.facilitymap.inflatePacked(t, n).length", [pack_text(cut), len(cut)]
        )
    kinds = {name: (stream[2] >> 1) & 3 for name, stream in streams.items() if name != "empty"}
    assert kinds["stored"] == 0 and kinds["fixed"] == 1 and kinds["dynamic"] == 2
    map_page.assert_clean()


def _fixed(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 15, 9, zlib.Z_FIXED)
    return packer.compress(data) + packer.flush()


class _SlowPage:
    """Serves one page over HTTP in two parts: up to its first details element, then (once
    released) the rest, as a slow disk or network would; ``content_type`` says what it is."""

    def __init__(self, data: bytes, content_type: str) -> None:
        cut = data.index(b'<script type="application/json" id="fm-details-0"')
        self.parts = (data[:cut], data[cut:])
        self.release = threading.Event()
        page = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(page.parts[0])
                self.wfile.flush()
                page.release.wait(30)
                self.wfile.write(page.parts[1])

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/map.html"

    def __enter__(self) -> _SlowPage:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


# The page's file as it is (its <meta charset> says windows-1252); the same with a header that
# says UTF-8, as many hosts send with every .html file, which wins over the page's own word
# (the page then reads its data from the file as it arrives: payload.js); and the page's text
# written as UTF-8 (MapHTML.save).
SERVED = {
    "file": ("bytes", "text/html"),
    "file, called UTF-8 by the server": ("bytes", "text/html; charset=utf-8"),
    "text as UTF-8": ("text", "text/html; charset=utf-8"),
}


@pytest.mark.parametrize("served", SERVED)
def test_map_draws_before_the_details_arrive_and_a_popup_waits_for_them(browser, served):
    features = [feature(n, 70 + (n % 20) * 0.05, 38 + (n // 20) * 0.05) for n in range(200)]
    for f in features:
        f["properties"]["description"] = f"About {f['id']}: " + "words " * 2000
    data = build_page(features, title="slow", data_version="v", compress=True)
    assert data.count(b'class="fm-details"') >= 2
    form, content_type = SERVED[served]
    data = page_text(data).encode("utf-8") if form == "text" else data
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route(
        re.compile(r"^https?://(?!127\.0\.0\.1)"), lambda route: route.abort()
    )  # tiles: none needed
    try:
        with _SlowPage(data, content_type) as slow:
            page.goto(slow.url, wait_until="commit")
            # Every site drawn, while the parser has not seen a single details element.
            page.wait_for_selector("html[data-fm-drawn='true']", timeout=20_000)
            assert page.evaluate("() => window.facilitymap.drawnIds().length") == 200
            assert page.evaluate("() => document.querySelectorAll('.fm-details').length") == 0
            assert page.evaluate("() => document.readyState") == "loading"
            # The last site's details are in the last element: its popup waits for them.
            last = features[-1]["id"]
            page.evaluate("(id) => window.facilitymap.openSite(id)", last)
            page.wait_for_timeout(300)
            assert page.locator(".leaflet-popup-content .fm-detail").count() == 0
            slow.release.set()
            popup = page.locator(".leaflet-popup-content .fm-detail")
            popup.wait_for(timeout=20_000)
            assert f"About {last}: words" in popup.inner_text()
            assert popup.get_attribute("data-site") == last
            charset = page.evaluate("() => document.characterSet")
            assert charset == ("windows-1252" if served == "file" else "UTF-8")
    finally:
        context.close()
    assert errors == []
