"""archive: fill the sources' archive_url from the Wayback Machine."""

from __future__ import annotations

import click

from facilitymap.cli.links import _Progress, _stderr_is_tty
from facilitymap.cli.options import layer_arg, terminal_safe


@click.command("archive", short_help="Fill archive_url from the Wayback Machine.")
@layer_arg
@click.option("--save", is_flag=True, help="Ask Save Page Now for URLs with no snapshot.")
@click.option("--dry-run", is_flag=True, help="Report what would be filled; write nothing.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True, max=600),
    default=30.0,
    show_default=True,
    metavar="SECONDS",
    help="Hard limit for one request to the archive.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 16),
    default=4,
    show_default=True,
    help="URLs looked up at the same time.",
)
@click.option(
    "--api",
    default="https://archive.org/wayback/available",
    show_default=True,
    metavar="URL",
    help="The availability API (another Wayback installation, or a test server).",
)
@click.option(
    "--save-api",
    default="https://web.archive.org/save/",
    show_default=True,
    metavar="URL",
    help="Save Page Now: the source URL is appended.",
)
@click.option(
    "--allow-private/--no-allow-private",
    default=False,
    show_default=True,
    help="Also contact loopback and private addresses (for a local archive or test server).",
)
def archive(layer, save, dry_run, timeout, concurrency, api, save_api, allow_private) -> None:
    """Fill archive_url for every source of LAYER that has none.

    Asks the Wayback Machine's availability API for the snapshot closest to the day the
    source was read (accessed, else published) and writes the snapshot URL it returns, as
    returned, into every source with that URL: nothing is ever made up. --save sends URLs with
    no snapshot to Save Page Now first, then asks again. One line per URL on stdout:

    \b
      SITE: sources[I] (ID): found|saved <ARCHIVE_URL> (snapshot YYYY-MM-DD)
      SITE: sources[I] (ID): none (no snapshot in the archive)
      SITE: sources[I] (ID): failed (REASON)

    The layer is written atomically every 10 snapshots found and at the end (also on
    Ctrl-C), so an interrupted run keeps its finds and a second run picks up the rest.
    Progress goes to stderr. Exit 1 when a lookup failed (or the layer does not load), so a
    script can run it again; 0 otherwise, found or not.

    \b
    $ facilitymap archive --dry-run
    $ facilitymap archive geodata/sites.geojson --save
    """
    from facilitymap.archive import ArchiveInterrupted, archive_layer, summarize
    from facilitymap.errors import FacilitymapError, LayerError

    progress = _Progress(_stderr_is_tty(), label="Asking the archive")
    interrupted = False
    try:
        run = archive_layer(
            layer,
            dry_run=dry_run,
            save=save,
            timeout=timeout,
            concurrency=concurrency,
            api=api,
            save_api=save_api,
            allow_private=allow_private,
            progress=progress,
        )
    except ArchiveInterrupted as stop:
        run, interrupted = stop.run, True
    except FacilitymapError as err:
        if isinstance(err, LayerError):
            for problem in err.problems:
                if problem.severity == "error":
                    click.echo(terminal_safe(problem), err=True)
        raise click.ClickException(terminal_safe(err)) from err
    finally:
        progress.close()
    for result in run.results:
        for use in result.lookup.uses:
            where = f"{use.site_id}: sources[{use.source_index}] ({use.source_id})"
            click.echo(terminal_safe(f"{where}: {result.describe()}"))
    counts = ", ".join(f"{n} {outcome}" for outcome, n in summarize(run.results).items())
    filled = sum(len(r.lookup.uses) for r in run.results if r.filled)
    verb = "would fill" if dry_run else "filled"
    click.echo(
        f"{len(run.results)} URL(s) without an archive: {counts or 'nothing to do'}; "
        f"{verb} {filled} source(s) in {layer}" + (" (interrupted)" if interrupted else ""),
        err=True,
    )
    if interrupted:
        raise SystemExit(130)
    if any(r.outcome == "failed" for r in run.results):
        raise SystemExit(1)
