"""The tiled map (``render --tiles``) at scale: build time, folder size, first draw and popup.

    python bench/tiles.py 100000 1000000            # light sites (bench/generate.py)
    python bench/tiles.py 1000000 --lean            # lean sites (lean_layer below)
    python bench/tiles.py 100000 --profile rich
    python bench/tiles.py 1000000 --lean --single  # and the same layer as one file

For each size: the layer is generated (not timed), loaded, written as a tiled folder (timed:
``write_tiles``, the work of ``facilitymap render --tiles``), served by ``facilitymap.serve``
and opened in Chromium (headless, /usr/bin/chromium, basemap tiles answered blank): time
from navigation to the first tiles drawn (``data-fm-ready``), and from a click on a glyph to
its popup with claims. Prints one JSON line per size; bench/RESULTS.md gives the figures.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _generate_module() -> Any:
    spec = importlib.util.spec_from_file_location("bench_generate", HERE / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Lean sites: one or two claims and one source each, short strings (~700 bytes a site), in
# the statuses' mix a claim pattern gives. bench/generate.py's light sites (~2.7 KB) take
# minutes to make and load at 1,000,000; these make the million-site test fit in CI.
_PATTERNS = (
    (("journalist", "on-site", "affirms"),),
    (("journalist", "on-site", "affirms"), ("host-government", "statement", "denies")),
    (("imagery-analysis", "imagery", "affirms"),),
    (("host-government", "statement", "acknowledges-other-role"),),
    (("host-government", "document", "announces"),),
    (("anonymous-source", "testimony", "affirms"),),
)
_WORDS = ("Murghab", "Khorugh", "Ishkoshim", "Kulob", "Rasht", "Jelondi", "Shaymak", "Vakhon")
_KINDS = ("Post", "Base", "Range", "Checkpoint", "Camp", "Centre")


def lean_layer(n: int, seed: int = 11) -> Any:
    """``n`` lean sites (see above) as a loaded Layer, derived fields computed; same n and
    seed, same layer. Points are bench/generate.py's (inside a country, off its borders)."""
    import orjson

    from facilitymap.io import Layer, parse_layer

    rng = random.Random(seed)
    places = _generate_module().land_points(rng, n)
    features = []
    for index, (lon, lat, country) in enumerate(places):
        pattern = _PATTERNS[index % len(_PATTERNS)]
        place, kind = _WORDS[rng.randrange(len(_WORDS))], _KINDS[rng.randrange(len(_KINDS))]
        claims = [
            {
                "id": f"c{k}",
                "date": f"{2010 + (index + k) % 15}-0{1 + k}-15",
                "actor": f"{actor.title()} {k}",
                "actor_type": actor,
                "stance": stance,
                "basis": basis,
                "summary": f"Claim {k} on {place} {kind.lower()} {index}.",
                "sources": ["s0"],
            }
            for k, (actor, basis, stance) in enumerate(pattern)
        ]
        features.append(
            {
                "type": "Feature",
                "id": f"lean-{index:07d}",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "name": f"{place} {kind} {index}",
                    "kind": "base",
                    "country": country,
                    "location": {
                        "precision_m": 2000,
                        "basis": "reference-place",
                        "note": "Lean synthetic site.",
                    },
                    "confidence": "low",
                    "confidence_note": "Synthetic.",
                    "claims": claims,
                    "sources": [
                        {
                            "id": "s0",
                            "title": f"Report {index}",
                            "publisher": "Outlet A",
                            "url": f"https://news.example.org/{index}",
                            "published": "2020-01-01",
                        }
                    ],
                },
            }
        )
    data = orjson.dumps({"type": "FeatureCollection", "name": f"lean-{n}", "features": features})
    del features  # a million dicts: gone before the layer is parsed
    layer, problems = parse_layer(data, "lean")
    del data
    assert layer is not None and not problems, problems[:3]
    return Layer(sites=layer.sites, extra_members=layer.extra_members)


def measure_page(directory: Path) -> dict[str, float]:
    """Serve ``directory``; in Chromium, ms from navigation to the first draw, and from a
    click on a drawn glyph to its popup with claims."""
    from playwright.sync_api import sync_playwright

    from facilitymap.render.screenshot import CHROMIUM_ARGS, chromium_path
    from facilitymap.serve import make_server

    server = make_server(directory, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/index.html"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium_path(), args=list(CHROMIUM_ARGS)
            )
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.route("https://**", lambda route: route.abort())
            page.goto(url)
            page.wait_for_selector("html[data-fm-ready='true']", timeout=120_000)
            timings = page.evaluate("window.facilitymap.timings")
            drawn = page.evaluate("window.facilitymap.drawnIds()")
            # A glyph alone at the click: zoom in on one site first.
            site = drawn[len(drawn) // 2]
            page.evaluate(
                "(id) => { var a = window.facilitymap.app; var s = a.byId.get(id);"
                " a.map.setView([s.lat, s.lon], 14, {animate: false}); }",
                site,
            )
            deadline = time.monotonic() + 30
            while site not in page.evaluate("window.facilitymap.drawnIds()"):
                assert time.monotonic() < deadline, "the zoomed-in tiles never drew the site"
                page.wait_for_timeout(50)
            point = page.evaluate("(id) => window.facilitymap.screenPoint(id)", site)
            start = page.evaluate("performance.now()")
            page.mouse.click(point["x"], point["y"])
            page.wait_for_selector(".leaflet-popup-content .fm-timeline .fm-claim")
            popup = page.evaluate("performance.now()") - start
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return {
        "first_draw_ms": round(timings["drawn"]),
        "script_ms": round(timings["script"]),
        "drawn_in_view": len(drawn),
        "popup_ms": round(popup),
    }


def measure_single_file(layer: Any, scratch: Path) -> dict[str, Any]:
    """The same layer as one self-contained page (``render -o``): its size, render time, and
    ms from navigation until Chromium has drawn every site in view (``data-fm-ready``)."""
    from playwright.sync_api import sync_playwright

    from facilitymap.mapconfig import MapSpec
    from facilitymap.maps import make_map
    from facilitymap.render.screenshot import CHROMIUM_ARGS, chromium_path

    start = time.perf_counter()
    html = make_map(layer, MapSpec(name="bench", output="map.html")).html
    render = time.perf_counter() - start
    path = scratch / "map.html"
    path.write_text(html, encoding="utf-8")
    size = path.stat().st_size
    del html
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), args=list(CHROMIUM_ARGS)
        )
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.route("https://**", lambda route: route.abort())
        try:
            page.goto(path.as_uri(), timeout=300_000)
            page.wait_for_selector("html[data-fm-ready='true']", timeout=300_000)
            drawn: Any = round(page.evaluate("window.facilitymap.timings.drawn"))
        except Exception as err:  # the page may not load at all: that is a result too
            drawn = f"failed: {str(err).splitlines()[0][:120]}"
        browser.close()
    return {"single_render_s": round(render, 1), "single_page_mb": round(size / 1e6, 1),
            "single_drawn_ms": drawn}  # fmt: skip


def run(n: int, profile: str, lean: bool, keep: Path | None, single: bool) -> dict[str, Any]:
    from facilitymap.mapconfig import MapSpec
    from facilitymap.tiles import write_tiles

    if lean:
        layer = lean_layer(n)
    else:
        from facilitymap.io import load_layer

        with tempfile.TemporaryDirectory() as scratch:
            path = Path(scratch) / "layer.geojson"
            path.write_bytes(_generate_module().generate(n, profile=profile))
            layer_bytes = path.stat().st_size
            layer = load_layer(path)
    with tempfile.TemporaryDirectory(dir=keep) as scratch:
        directory = Path(scratch) / "map"
        start = time.perf_counter()
        made = write_tiles(layer, MapSpec(name="bench", output="map"), directory)
        build = time.perf_counter() - start
        page = measure_page(directory)
        if single:
            page.update(measure_single_file(layer, Path(scratch)))
    return {
        "sites": n,
        "profile": "lean" if lean else profile,
        **({} if lean else {"layer_mb": round(layer_bytes / 1e6, 1)}),
        "build_s": round(build, 1),
        "archive_mb": round(made.sizes["archive"] / 1e6, 1),
        "details_mb": round(made.sizes["details"] / 1e6, 1),
        "search_mb": round(made.sizes["search"] / 1e6, 1),
        "page_kb": round(made.sizes["page"] / 1e3),
        **page,
        "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 2),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sizes", type=int, nargs="+")
    parser.add_argument("--profile", choices=("light", "rich"), default="light")
    parser.add_argument("--lean", action="store_true", help="lean sites (lean_layer)")
    parser.add_argument("--keep", type=Path, default=None, help="scratch folder (default: /tmp)")
    parser.add_argument("--single", action="store_true", help="also the single-file page")
    args = parser.parse_args()
    for n in args.sizes:
        result = run(n, args.profile, args.lean, args.keep, args.single)
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
