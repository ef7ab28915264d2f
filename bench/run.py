"""Benchmark: facilitymap render vs GeoDataFrame.explore() vs the orjson floor, 1k to 100k sites.

    python bench/run.py                 # N = 1000, 10000, 100000; 3 runs each
    python bench/run.py --sizes 1000 --runs 1

Everything runs in this session, on the same synthetic layers (bench/generate.py, seed 7),
each timed command in its own process under /usr/bin/time -v (wall time and peak RSS).
Chromium (Debian's, driven by Playwright) measures the time from navigation until every site
is on the map, and the JS heap then. Results: bench/RESULTS.md (medians, and ratios).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
PY = sys.executable
CHROMIUM = "/usr/bin/chromium"

EXPLORE = """
import sys, geopandas
gdf = geopandas.read_file(sys.argv[1])
gdf.explore().save(sys.argv[2])
"""
# The floor: read the file and serialize its features with orjson (no validation, no HTML).
FLOOR = """
import sys, orjson
doc = orjson.loads(open(sys.argv[1], "rb").read())
open(sys.argv[2], "wb").write(orjson.dumps(doc["features"]))
"""


def layer_for(n: int) -> Path:
    """The synthetic layer of n sites (generated once, cached in bench/out/)."""
    path = OUT / f"sites-{n}.geojson"
    if not path.exists():
        OUT.mkdir(exist_ok=True)
        subprocess.run([PY, str(HERE / "generate.py"), str(n), "-o", str(path)], check=True)
    return path


def timed(cmd: list[str]) -> tuple[float, int]:
    """Run ``cmd`` under /usr/bin/time -v; return (wall seconds, peak RSS bytes)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        start = time.perf_counter()
        proc = subprocess.run(
            ["/usr/bin/time", "-v", "-o", report.name, *cmd],
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            raise RuntimeError(f"{cmd[:3]} failed: {proc.stderr[-2000:]}")
        rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", report.read())[1])
    return wall, rss_kb * 1024


def browser_time(
    html: Path, n_located: int, ours: bool, timeout_s: float = 300
) -> tuple[float, float]:
    """Seconds from navigation until all sites are drawn, and the JS heap (MB) then."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--enable-precise-memory-info",
            ],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        # No network here: explore()'s page gets Leaflet from the same xstatic files ours
        # inlines; every other request (tiles, jQuery, Bootstrap, fonts) fails at once.
        page.route(lambda url: not url.startswith("file:"), _serve_leaflet_or_abort)
        start = time.perf_counter()
        page.goto(html.as_uri(), wait_until="commit", timeout=timeout_s * 1000)
        if ours:
            page.wait_for_function(
                "() => document.documentElement.getAttribute('data-fm-ready') === 'true'",
                timeout=timeout_s * 1000,
                polling=20,
            )
            drawn = page.evaluate("() => window.facilitymap.drawnIds().length")
            if drawn < n_located:
                raise RuntimeError(f"only {drawn} of {n_located} sites drawn")
        else:
            # explore(): one SVG path per feature once the GeoJson layer is added.
            page.wait_for_function(
                f"() => document.querySelectorAll('.leaflet-interactive').length >= {n_located}",
                timeout=timeout_s * 1000,
                polling=200,
            )
        elapsed = time.perf_counter() - start
        heap = page.evaluate("() => performance.memory ? performance.memory.usedJSHeapSize : 0")
        browser.close()
    return elapsed, heap / 1e6


def _serve_leaflet_or_abort(route) -> None:
    import xstatic.pkg.leaflet as xleaflet

    url = route.request.url
    for name in ("leaflet.js", "leaflet.css"):
        if url.endswith("/" + name):
            route.fulfill(path=Path(xleaflet.BASE_DIR) / name)
            return
    route.abort()


def located(path: Path) -> int:
    import orjson

    return sum(1 for f in orjson.loads(path.read_bytes())["features"] if f["geometry"])


def median(values: list[float]) -> float:
    return statistics.median(values)


def bench_size(n: int, runs: int, browser: bool, explore_runs: int) -> dict:
    layer = layer_for(n)
    compact = OUT / f"sites-{n}.compact.geojson"
    if not compact.exists():
        import orjson

        compact.write_bytes(orjson.dumps(orjson.loads(layer.read_bytes())))
    ours_html, explore_html, floor_out = (
        OUT / f"ours-{n}.html",
        OUT / f"explore-{n}.html",
        OUT / f"floor-{n}.json",
    )
    facilitymap = [PY, "-m", "facilitymap"]
    row: dict = {
        "n": n,
        "input_bytes": layer.stat().st_size,
        "compact_bytes": compact.stat().st_size,
    }
    results = {"ours": [], "explore": [], "floor": [], "validate": []}
    for _ in range(runs):
        results["ours"].append(
            timed(
                [
                    *facilitymap,
                    "render",
                    str(layer),
                    "-o",
                    str(ours_html),
                    "--offline",
                    "--overwrite",
                ]
            )
        )
        results["floor"].append(timed([PY, "-c", FLOOR, str(layer), str(floor_out)]))
        results["validate"].append(timed([*facilitymap, "validate", "--no-notices", str(layer)]))
    for _ in range(explore_runs):
        results["explore"].append(timed([PY, "-c", EXPLORE, str(layer), str(explore_html)]))
    for key, values in results.items():
        if values:
            row[f"{key}_s"] = median([v[0] for v in values])
            row[f"{key}_rss"] = median([v[1] for v in values])
            row[f"{key}_runs"] = len(values)
    row["ours_html_bytes"] = ours_html.stat().st_size
    if explore_html.exists():
        row["explore_html_bytes"] = explore_html.stat().st_size
    if browser and Path(CHROMIUM).exists():
        n_located = located(layer)
        row["ours_browser_s"], row["ours_heap_mb"] = browser_time(ours_html, n_located, ours=True)
        if explore_html.exists() and n <= 10_000:
            row["explore_browser_s"], row["explore_heap_mb"] = browser_time(
                explore_html, n_located, ours=False
            )
    return row


def _fmt_s(v):
    return "–" if v is None else f"{v:.2f} s"


def _fmt_mb(v):
    return "–" if v is None else f"{v / 1e6:,.0f} MB"


def _ratio(a, b):
    return "–" if a is None or b is None or b == 0 else f"{a / b:.2f}×"


def write_results(rows: list[dict], path: Path) -> None:
    lines = [
        "# Benchmark results",
        "",
        f"Made by `python bench/run.py` on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}. Medians of the runs shown; wall time and peak RSS "
        "from `/usr/bin/time -v`, each command in its own process (imports included). "
        "Browser: Debian Chromium headless, network blocked, from navigation until every "
        "site is drawn. Ratios < 1 mean facilitymap is smaller/faster.",
        "",
        "| N | input (compact) | render | explore() | floor (orjson) | render / explore | render / floor "
        "| RSS render | RSS explore | RSS ratio | HTML | HTML / input | browser | browser explore "
        "| JS heap | validate |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['n']:,} | {_fmt_mb(r['input_bytes'])} ({_fmt_mb(r['compact_bytes'])}) "
            f"| {_fmt_s(r.get('ours_s'))} | {_fmt_s(r.get('explore_s'))} | {_fmt_s(r.get('floor_s'))} "
            f"| {_ratio(r.get('ours_s'), r.get('explore_s'))} | {_ratio(r.get('ours_s'), r.get('floor_s'))} "
            f"| {_fmt_mb(r.get('ours_rss'))} | {_fmt_mb(r.get('explore_rss'))} "
            f"| {_ratio(r.get('ours_rss'), r.get('explore_rss'))} "
            f"| {_fmt_mb(r.get('ours_html_bytes'))} | {_ratio(r.get('ours_html_bytes'), r['compact_bytes'])} "
            f"| {_fmt_s(r.get('ours_browser_s'))} | {_fmt_s(r.get('explore_browser_s'))} "
            f"| {r.get('ours_heap_mb', 0):,.0f} MB | {_fmt_s(r.get('validate_s'))} |"
        )
    lines += ["", "Raw figures:", "", "```json", json.dumps(rows, indent=1), "```", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--explore-runs",
        type=int,
        default=None,
        help="runs of explore() (default: --runs; it takes ~20 s at 100k)",
    )
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("-o", "--output", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args()
    rows = []
    for n in args.sizes:
        print(f"N = {n:,} ...", file=sys.stderr, flush=True)
        explore_runs = args.runs if args.explore_runs is None else args.explore_runs
        rows.append(bench_size(n, args.runs, not args.no_browser, explore_runs))
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    write_results(rows, args.output)
    print(f"wrote {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
