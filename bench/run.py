"""Benchmark: facilitymap render vs GeoDataFrame.explore() vs the orjson floor, 1k to 100k sites.

    python bench/run.py                 # both profiles, N = 1000, 10000, 100000; 3 runs each
    python bench/run.py --sizes 1000 --runs 1
    python bench/run.py --profiles rich trimmed --sizes 1000 10000 --keep

Profiles (bench/generate.py): ``light`` (short generated strings), ``rich`` (sites shaped
and written like the curated layer), ``trimmed`` (rich, at most 3 claims a site).
``--keep`` keeps the rows of RESULTS.md this run does not measure again (each row says when
it was measured). Everything runs in this session, on the same synthetic layers (seed 7),
each timed command in its own process under /usr/bin/time -v (wall time and peak RSS).
facilitymap's bytecode is written first, as installing it writes it (compile_bytecode).
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

import msgspec

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


PROFILES = {"light": [], "rich": ["--profile", "rich"], "trimmed": ["--profile", "rich", "--max-claims", "3"]}  # fmt: skip


def layer_for(n: int, profile: str = "light") -> Path:
    """The synthetic layer of n sites (generated once, cached in bench/out/)."""
    path = OUT / (f"sites-{n}.geojson" if profile == "light" else f"{profile}-{n}.geojson")
    if not path.exists():
        OUT.mkdir(exist_ok=True)
        subprocess.run(
            [PY, str(HERE / "generate.py"), str(n), "-o", str(path), *PROFILES[profile]],
            check=True,
        )
    return path


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Run ``cmd`` under /usr/bin/time -v; return (wall seconds, peak RSS bytes)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        start = time.perf_counter()
        proc = subprocess.run(
            ["/usr/bin/time", "-v", "-o", report.name, *cmd],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, **(env or {})},
        )
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            raise RuntimeError(f"{cmd[:3]} failed: {proc.stderr[-2000:]}")
        rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", report.read())[1])
    return wall, rss_kb * 1024


def browser_time(html: Path, n_located: int, ours: bool, timeout_s: float = 300) -> dict:
    """Seconds from navigation until all sites are drawn, the JS heap (MB) then and, for our
    page, the interactions: a zoom, a pan, a click that opens a popup (medians, ms)."""
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
        asked = time.time()
        page.goto(html.as_uri(), wait_until="commit", timeout=timeout_s * 1000)
        result: dict = {}
        if ours:
            page.wait_for_function(
                "() => document.documentElement.getAttribute('data-fm-ready') === 'true'",
                timeout=timeout_s * 1000,
                polling=20,
            )
            # By the page's clock (performance.timeOrigin is when the navigation began, on
            # the system clock, as time.time()): shown, the first task after the frame with
            # every site drawn; ready, once the search words and timeline steps are read
            # too. Polling from here instead would wait on the page's busy main thread.
            origin = page.evaluate("performance.timeOrigin")
            timings = page.evaluate("window.facilitymap.timings")
            result["browser_s"] = (origin + timings["shown"]) / 1000 - asked
            result["ready_s"] = (origin + timings["ready"]) / 1000 - asked
            drawn = page.evaluate("() => window.facilitymap.drawnIds().length")
            if drawn < n_located:
                raise RuntimeError(f"only {drawn} of {n_located} sites drawn")
            result.update(_interactions(page))
        else:
            # explore(): one SVG path per feature once the GeoJson layer is added.
            page.wait_for_function(
                f"() => document.querySelectorAll('.leaflet-interactive').length >= {n_located}",
                timeout=timeout_s * 1000,
                polling=200,
            )
            result["browser_s"] = time.perf_counter() - start
        heap = page.evaluate("() => performance.memory ? performance.memory.usedJSHeapSize : 0")
        result["heap_mb"] = heap / 1e6
        browser.close()
    return result


# One redraw after a change of view, timed in the page: from the call to the layer's
# 'drawn' event, in milliseconds; and the longest the main thread went without an animation
# frame meanwhile (from the call, through each frame, to the first frame after 'drawn'):
# the stall a user would feel.
_REDRAW_MS = """async (move) => {
  const fm = window.facilitymap, map = fm.map, layer = fm.app.siteLayer;
  await new Promise((resolve) => requestAnimationFrame(() => resolve()));
  let done = false, stall = 0, last;
  const drawn = new Promise((resolve) => layer.once('drawn', () => { done = true; resolve(); }));
  const framed = new Promise((resolve) => {
    const tick = (now) => {
      const t = performance.now();
      stall = Math.max(stall, t - last);
      last = t;
      if (done) resolve(); else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const t0 = last = performance.now();
  if (move === 'zoom-in') map.setZoom(map.getZoom() + 1, {animate: false});
  else if (move === 'zoom-out') map.setZoom(map.getZoom() - 1, {animate: false});
  else map.panBy([move === 'pan-east' ? 300 : -300, 0], {animate: false});
  await drawn;
  const ms = performance.now() - t0;
  await framed;
  return {ms: ms, stall: stall};
}"""


# Sites spread over the layer, and where to click each: only where its glyph is not under
# a panel, a control or the banner that says tiles failed (null then).
_SPREAD_SITES = "() => window.facilitymap.drawnIds().filter((id, i) => i % 997 === 0)"
_CLICK_POINT = """(id) => {
  const p = window.facilitymap.screenPoint(id);
  const under = p && document.elementFromPoint(p.x, p.y);
  return under && under.tagName === 'CANVAS' ? p : null;
}"""


# A popup's time, by the page's clock: from the click (the event's timeStamp: when the
# input reached the page, its wait for a busy main thread included) to the first task after
# the frame that shows its claims.
_ARM_POPUP = """() => {
  window.__fmShown = null;
  if (!window.__fmClickSeen) {
    window.__fmClickSeen = true;
    document.addEventListener('click', (e) => { window.__fmClick = e.timeStamp; }, true);
  }
  const wanted = '.leaflet-popup-content .fm-claim, .leaflet-popup-content .fm-empty';
  const observer = new MutationObserver(() => {
    if (!document.querySelector(wanted)) return;
    observer.disconnect();
    requestAnimationFrame(() => setTimeout(() => { window.__fmShown = performance.now(); }, 0));
  });
  observer.observe(document.body, {childList: true, subtree: true});
}"""


def _interactions(page) -> dict:
    """Median milliseconds for a zoom and a pan to redraw every site, and for a click on a
    site to show its popup (claims and sources filled in): by the page's clock (_ARM_POPUP)
    and, for comparison, from here (Playwright's click and wait, their overhead in)."""
    zooms, pans, popups, walls, stalls = [], [], [], [], []
    for _ in range(3):
        for moves, kinds in ((zooms, ("zoom-in", "zoom-out")), (pans, ("pan-east", "pan-west"))):
            for kind in kinds:
                redraw = page.evaluate(_REDRAW_MS, kind)
                moves.append(redraw["ms"])
                stalls.append(redraw["stall"])
    for site_id in page.evaluate(_SPREAD_SITES):
        if len(popups) == 5:
            break
        # In braces: closePopup returns the map, which Playwright would try to serialize.
        page.evaluate("() => { window.facilitymap.map.closePopup(); }")
        point = page.evaluate(_CLICK_POINT, site_id)
        if point is None:
            continue
        page.evaluate(_ARM_POPUP)
        start = time.perf_counter()
        page.mouse.click(point["x"], point["y"])
        shown = page.wait_for_selector(
            ".leaflet-popup-content .fm-claim, .leaflet-popup-content .fm-empty, "
            ".leaflet-popup-content .fm-stack"
        )
        if "fm-stack" in (shown.get_attribute("class") or ""):
            # Several sites under the click: the popup lists them; timed from the click on
            # the first in the list (once the list stands still) until its claims show.
            button = page.locator(".leaflet-popup-content .fm-stack .fm-item-button").first
            button.wait_for()
            page.wait_for_timeout(300)
            box = button.bounding_box()
            if box is None:
                continue
            page.evaluate(_ARM_POPUP)
            start = time.perf_counter()
            page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_function("() => window.__fmShown !== null")
        walls.append((time.perf_counter() - start) * 1000)
        popups.append(page.evaluate("() => window.__fmShown - window.__fmClick"))
    return {
        "zoom_ms": median(zooms),
        "pan_ms": median(pans),
        "popup_ms": median(popups) if popups else None,
        "popup_wall_ms": median(walls) if walls else None,
        # The longest frame gap during a zoom or pan: median and worst of the 12 moves.
        "stall_ms": median(stalls),
        "stall_max_ms": max(stalls),
    }


def _serve_leaflet_or_abort(route) -> None:
    import xstatic.pkg.leaflet as xleaflet

    url = route.request.url
    for name in ("leaflet.js", "leaflet.css"):
        if url.endswith("/" + name):
            route.fulfill(path=Path(xleaflet.BASE_DIR) / name)
            return
    route.abort()


class _Located(msgspec.Struct):
    geometry: dict | None = None


class _Collection(msgspec.Struct):
    features: list[_Located]


def located(path: Path) -> int:
    """How many features have a geometry (msgspec skips the properties: a 1.4 GB layer)."""
    features = msgspec.json.decode(path.read_bytes(), type=_Collection).features
    return sum(1 for f in features if f.geometry)


def median(values: list[float]) -> float:
    return statistics.median(values)


def bench_size(
    n: int,
    runs: int,
    browser: bool,
    explore_runs: int,
    profile: str = "light",
    one_core: bool = True,
) -> dict:
    layer = layer_for(n, profile)
    stem = layer.name.removesuffix(".geojson")
    compact = OUT / f"{stem}.compact.geojson"
    if not compact.exists():
        import orjson

        compact.write_bytes(orjson.dumps(orjson.loads(layer.read_bytes())))
    ours_html, explore_html, floor_out = (
        OUT / f"ours-{stem}.html",
        OUT / f"explore-{stem}.html",
        OUT / f"floor-{stem}.json",
    )
    facilitymap = [PY, "-m", "facilitymap"]
    row: dict = {
        "profile": profile,
        "n": n,
        "measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "input_bytes": layer.stat().st_size,
        "compact_bytes": compact.stat().st_size,
    }
    row["load_before"] = os.getloadavg()[0]
    results: dict[str, list] = {
        "ours": [], "ours1": [], "explore": [], "floor": [], "validate": [], "validate1": []
    }  # fmt: skip
    render = [*facilitymap, "render", str(layer), "-o", str(ours_html), "--offline", "--overwrite"]
    validate = [*facilitymap, "validate", "--no-notices", str(layer)]
    one_worker = {"FACILITYMAP_WORKERS": "1"}
    for _ in range(runs):
        results["ours"].append(timed(render))
        results["floor"].append(timed([PY, "-c", FLOOR, str(layer), str(floor_out)]))
        results["validate"].append(timed(validate))
        if one_core:
            results["ours1"].append(timed(render, one_worker))
            results["validate1"].append(timed(validate, one_worker))
    for _ in range(explore_runs):
        results["explore"].append(timed([PY, "-c", EXPLORE, str(layer), str(explore_html)]))
    for key, values in results.items():
        if values:
            row[f"{key}_s"] = median([v[0] for v in values])
            row[f"{key}_rss"] = median([v[1] for v in values])
            row[f"{key}_runs"] = len(values)
    row["ours_html_bytes"] = ours_html.stat().st_size
    if explore_html.exists() and explore_runs:
        row["explore_html_bytes"] = explore_html.stat().st_size
    if browser and Path(CHROMIUM).exists():
        n_located = located(layer)
        ours = [browser_time(ours_html, n_located, ours=True) for _ in range(runs)]
        for key in ours[0]:
            values = [r[key] for r in ours if r[key] is not None]
            row[f"ours_{key}"] = median(values) if values else None
        if explore_html.exists() and n <= 10_000 and explore_runs:
            theirs = browser_time(explore_html, n_located, ours=False)
            row["explore_browser_s"], row["explore_heap_mb"] = (
                theirs["browser_s"],
                theirs["heap_mb"],
            )
    row["load_after"] = os.getloadavg()[0]
    return row


def _fmt_s(v):
    return "–" if v is None else f"{v:.2f} s"


def _fmt_mb(v):
    return "–" if v is None else f"{v / 1e6:,.0f} MB"


def _ratio(a, b):
    return "–" if a is None or b is None or b == 0 else f"{a / b:.2f}×"


def _fmt_ms(v):
    return "–" if v is None else f"{v:,.0f} ms"


def write_results(rows: list[dict], path: Path) -> None:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    lines = [
        "# Benchmark results",
        "",
        f"Made by `python bench/run.py` on {platform.machine()}, {cores} cores, "
        f"Python {platform.python_version()}. Medians of the runs shown; wall time and peak RSS "
        "from `/usr/bin/time -v`, each command in its own process (imports included). "
        "facilitymap splits per-site work over the cores (`facilitymap.parallel`); the "
        "*1 core* columns set `FACILITYMAP_WORKERS=1`, as single-threaded as explore(). "
        "Peak RSS is that of the largest process (workers share the parent's pages "
        "copy-on-write until they write to them). "
        "Ratios < 1 mean facilitymap is smaller/faster. *load* is the 1-minute load average "
        "before and after each size: the machine is shared and noisy.",
        "",
        "## Render (Python)",
        "",
        "| profile | N | input (compact) | render | render, 1 core | explore() | floor (orjson) "
        "| render / explore | 1 core / explore | render / floor | RSS render | RSS explore "
        "| RSS ratio | RSS / input | load | measured |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.get('profile', 'light')} "
            f"| {r['n']:,} | {_fmt_mb(r['input_bytes'])} ({_fmt_mb(r['compact_bytes'])}) "
            f"| {_fmt_s(r.get('ours_s'))} | {_fmt_s(r.get('ours1_s'))} "
            f"| {_fmt_s(r.get('explore_s'))} | {_fmt_s(r.get('floor_s'))} "
            f"| {_ratio(r.get('ours_s'), r.get('explore_s'))} "
            f"| {_ratio(r.get('ours1_s'), r.get('explore_s'))} "
            f"| {_ratio(r.get('ours_s'), r.get('floor_s'))} "
            f"| {_fmt_mb(r.get('ours_rss'))} | {_fmt_mb(r.get('explore_rss'))} "
            f"| {_ratio(r.get('ours_rss'), r.get('explore_rss'))} "
            f"| {_ratio(r.get('ours_rss'), r.get('input_bytes'))} "
            f"| {r.get('load_before', 0):.1f} → {r.get('load_after', 0):.1f} "
            f"| {r.get('measured', '–')} |"
        )
    lines += [
        "",
        "## The page in Chromium",
        "",
        "Debian Chromium headless, GPU off, network blocked. *shown*: from the navigation "
        "asked for until the frame with every site drawn is out (the page's clock). "
        "*ready*: until the search words and timeline steps are read too (after that "
        "frame). *explore() shown*: until its last path is in the page (polled). *zoom*, "
        "*pan*: from the call until every site is redrawn. *popup*: from the click (its "
        "event's time) until the frame that shows the claims is out, by the page's clock; "
        "*from Playwright*: the same from the harness's click call to its wait's return. "
        "*stall*: the longest gap between animation frames during a zoom or pan (median of "
        "the moves; the worst in brackets).",
        "",
        "| profile | N | HTML | HTML / input | shown | ready | explore() shown | JS heap "
        "| zoom | pan | popup | from Playwright | stall |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.get('profile', 'light')} "
            f"| {r['n']:,} | {_fmt_mb(r.get('ours_html_bytes'))} "
            f"| {_ratio(r.get('ours_html_bytes'), r['compact_bytes'])} "
            f"| {_fmt_s(r.get('ours_browser_s'))} | {_fmt_s(r.get('ours_ready_s'))} "
            f"| {_fmt_s(r.get('explore_browser_s'))} "
            f"| {_fmt_mb((r.get('ours_heap_mb') or 0) * 1e6)} | {_fmt_ms(r.get('ours_zoom_ms'))} "
            f"| {_fmt_ms(r.get('ours_pan_ms'))} | {_fmt_ms(r.get('ours_popup_ms'))} "
            f"| {_fmt_ms(r.get('ours_popup_wall_ms'))} "
            f"| {_fmt_ms(r.get('ours_stall_ms'))} ({_fmt_ms(r.get('ours_stall_max_ms'))}) |"
        )
    lines += [
        "",
        "## Validate",
        "",
        "| profile | N | validate | validate, 1 core | validate / floor | RSS |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.get('profile', 'light')} "
            f"| {r['n']:,} | {_fmt_s(r.get('validate_s'))} | {_fmt_s(r.get('validate1_s'))} "
            f"| {_ratio(r.get('validate_s'), r.get('floor_s'))} "
            f"| {_fmt_mb(r.get('validate_rss'))} |"
        )
    lines += _layers_section(rows)
    lines += _kept_notes(path)
    lines += ["", "Raw figures:", "", "```json", json.dumps(rows, indent=1), "```", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


NOTES_START, NOTES_END = "<!-- notes: kept by run.py -->", "<!-- /notes -->"


def _kept_notes(path: Path) -> list[str]:
    """The hand-written findings of an earlier RESULTS.md (between the notes markers), kept
    when the tables are measured again."""
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    if NOTES_START not in text or NOTES_END not in text:
        return []
    notes = text.split(NOTES_START, 1)[1].split(NOTES_END, 1)[0]
    return ["", NOTES_START + notes + NOTES_END]


def _layers_section(rows: list[dict]) -> list[str]:
    """What the layers are: the curated layer's per-site distribution, measured, beside each
    profile's (on its smallest layer here)."""
    sys.path.insert(0, str(HERE))
    import generate
    import orjson

    measured = {"curated (geodata/sites.geojson)": generate.measure(orjson.loads(generate.CURATED.read_bytes()))}  # fmt: skip
    for profile in PROFILES:
        sizes = sorted(r["n"] for r in rows if r.get("profile", "light") == profile)
        if sizes:
            doc = orjson.loads(layer_for(sizes[0], profile).read_bytes())
            measured[f"{profile} ({sizes[0]:,} sites)"] = generate.measure(doc)

    def counts(m, key):
        c = m[key]
        return f"{c['mean']:.1f} ({c['min']}–{c['max']}, median {c['median']:g})"

    def field(m, key):
        f = m["fields"][key]
        return f"{f['mean_chars']:.0f}" + ("" if f["present"] == 1 else f" ({f['present']:.0%})")

    def scripts(m, key):
        total = sum(m[key].values()) or 1
        return ", ".join(f"{s} {v / total:.0%}" for s, v in m[key].items()) or "–"

    lines = [
        "",
        "## The layers",
        "",
        "Per-site distribution, measured by `bench/generate.py --measure` (mean, range; text "
        "lengths in characters, mean, and in brackets the share of records that have the "
        "field when not all do). *zlib*: deflated / raw bytes of the sites' properties as "
        "compact JSON (level 6): prose deflates to about a quarter, repeated tokens far "
        "better.",
        "",
        "| layer | claims / site | sources / site | description | location note | claim "
        "summary | claim note | quote | source title | bytes / site | zlib | names | quotes |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, m in measured.items():
        lines.append(
            f"| {name} | {counts(m, 'claims_per_site')} | {counts(m, 'sources_per_site')} "
            f"| {field(m, 'description')} | {field(m, 'location.note')} "
            f"| {field(m, 'claims.summary')} | {field(m, 'claims.note')} "
            f"| {field(m, 'claims.quote')} | {field(m, 'sources.title')} "
            f"| {m['feature_bytes_per_site']:,} | {m['zlib_ratio']:.3f} "
            f"| {scripts(m, 'name_scripts')} | {scripts(m, 'quote_scripts')} |"
        )
    return lines


def read_rows(path: Path) -> list[dict]:
    """The raw rows of an earlier RESULTS.md (none if there is none)."""
    if not path.exists():
        return []
    raw = path.read_text(encoding="utf-8").rsplit("```json", 1)
    return json.loads(raw[1].split("```", 1)[0]) if len(raw) == 2 else []


def merge_rows(kept: list[dict], new: list[dict]) -> list[dict]:
    """``kept`` with ``new`` in place of the rows of the same profile and N, in a stable order."""
    by_key = {(r.get("profile", "light"), r["n"]): r for r in kept}
    by_key.update({(r["profile"], r["n"]): r for r in new})
    order = {p: i for i, p in enumerate(PROFILES)}
    return [by_key[k] for k in sorted(by_key, key=lambda k: (order.get(k[0], 9), k[1]))]


def compile_bytecode() -> None:
    """Write facilitymap's bytecode before anything is timed, as pip does when it installs a
    package (geopandas and the rest have theirs): a machine where PYTHONDONTWRITEBYTECODE is
    set, as this one is, would otherwise compile every module of it from source in every
    timed command (~0.08 s of each render and validate; the floor and explore() pay none)."""
    import compileall

    import facilitymap

    compileall.compile_dir(Path(facilitymap.__file__).parent, quiet=1)


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
    parser.add_argument(
        "--explore-runs-over",
        type=int,
        nargs=2,
        metavar=("N", "RUNS"),
        help="runs of explore() for layers of more than N sites (default: --explore-runs)",
    )
    parser.add_argument(
        "--one-core-max",
        type=int,
        default=None,
        help="measure the one-process columns only up to this many sites (default: all)",
    )
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument(
        "--profiles", nargs="+", choices=sorted(PROFILES), default=["light", "rich", "trimmed"]
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the rows of the output this run does not measure again",
    )
    parser.add_argument("-o", "--output", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args()
    kept = read_rows(args.output) if args.keep else []
    compile_bytecode()
    rows = []
    for profile in args.profiles:
        for n in args.sizes:
            print(f"{profile}, N = {n:,} ...", file=sys.stderr, flush=True)
            explore_runs = args.runs if args.explore_runs is None else args.explore_runs
            if args.explore_runs_over and n > args.explore_runs_over[0]:
                explore_runs = args.explore_runs_over[1]
            one_core = args.one_core_max is None or n <= args.one_core_max
            rows.append(
                bench_size(n, args.runs, not args.no_browser, explore_runs, profile, one_core)
            )
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
            # Written after each size: a long run interrupted keeps what it measured.
            write_results(merge_rows(kept, rows), args.output)
    print(f"wrote {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
