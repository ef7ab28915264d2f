"""check-links: report dead, redirected and slow source links, and sources without an archive."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import click

from facilitymap.cli.options import layer_arg, load_or_fail, terminal_safe

# A plain progress line at most this often when stderr is not a terminal.
PLAIN_PROGRESS_EVERY_S = 5.0


def _stderr_is_tty() -> bool:
    stream = sys.stderr
    return bool(getattr(stream, "isatty", None) and stream.isatty())


class _Progress:
    """The library's progress callback: a bar on a terminal, occasional lines otherwise."""

    def __init__(self, tty: bool, label: str = "Checking links") -> None:
        self.tty = tty
        self.label = label
        self.bar: Any = None  # a click progress bar, opened on the first call
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        if self.tty:
            if self.bar is None:
                self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
                self.bar.__enter__()
            self.bar.update(done - self.bar.pos)
            return
        now = time.monotonic()
        if done == 0:
            click.echo(f"checking {total} distinct URL(s)", err=True)
            self.last = now
        elif done < total and now - self.last >= PLAIN_PROGRESS_EVERY_S:
            click.echo(f"checked {done}/{total} URL(s)", err=True)
            self.last = now

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.command("check-links", short_help="Check every source link: dead, redirected, slow.")
@layer_arg
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True, max=600),
    default=10.0,
    show_default=True,
    metavar="SECONDS",
    help="Hard limit for checking one URL, redirects included.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=8,
    show_default=True,
    help="URLs checked at the same time.",
)
@click.option(
    "--slow-after",
    type=click.FloatRange(min=0),
    default=3.0,
    show_default=True,
    metavar="SECONDS",
    help="Report a working link as slow when it took longer than this.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--allow-private/--no-allow-private",
    default=False,
    show_default=True,
    help="Also contact loopback, private and link-local addresses (refused by default).",
)
def check_links(
    layer, timeout: float, concurrency: int, slow_after: float, fmt: str, allow_private: bool
) -> None:
    """Check every source url and archive_url of LAYER (default geodata/sites.geojson).

    Each distinct URL is fetched once (HEAD, then GET when HEAD is refused), redirects are
    followed by hand up to 5, and no URL takes longer than --timeout. Text output is one line
    per link that is not plainly ok, grouped by site, and one line per source without an
    archive_url:

    \b
      SITE: sources[I].FIELD: OUTCOME (DETAIL) <URL>

    The layer names the hosts that get contacted. Addresses that are not on the public
    internet (localhost, private networks, cloud metadata) are refused unless
    --allow-private is given, and reported as refused-private.

    Exit 1 when a link is dead, unreachable or timed out (or the layer does not load);
    0 otherwise (redirected, slow, refused and missing archives are reported, not failed);
    2 on usage errors.

    \b
    $ facilitymap check-links
    $ facilitymap check-links --timeout 5 --concurrency 16 --format json > links.json
    """
    from facilitymap.links import check_links as run_checks
    from facilitymap.links import fetch_key, summarize

    sites = load_or_fail(layer).sites
    progress = _Progress(_stderr_is_tty())
    try:
        results = run_checks(
            sites,
            timeout=timeout,
            concurrency=concurrency,
            slow_after=slow_after,
            progress=progress,
            allow_private=allow_private,
        )
    finally:
        progress.close()
    if fmt == "json":
        # ASCII escapes keep what a server put in a Location header off the terminal.
        click.echo(json.dumps([r.to_dict() for r in results], indent=2))
    else:
        for result in results:
            if result.outcome != "ok":
                line = f"{result.site_id}: {result.pointer}: {result.describe()}"
                click.echo(terminal_safe(line))
    links = [r.url for r in results if r.url is not None]
    distinct = len({fetch_key(url) for url in links})
    parts = ", ".join(f"{n} {outcome}" for outcome, n in summarize(results).items())
    click.echo(
        f"{len(links)} link(s), {distinct} distinct URL(s), in {len(sites)} site(s): "
        f"{parts or 'nothing to check'}",
        err=True,
    )
    if any(r.failing for r in results):
        raise SystemExit(1)
