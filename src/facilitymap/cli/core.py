"""validate, list, show, schema: the commands over the core library."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import click

from facilitymap.cli.options import (
    DEFAULT_LAYER,
    as_of_opt,
    country_opt,
    fail,
    format_opt,
    kind_opt,
    layer_arg,
    load_or_fail,
    min_confidence_opt,
    retain,
    status_opt,
    terminal_safe,
)
from facilitymap.errors import FacilitymapError


@click.command(short_help="Check layers and report every problem.")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Warnings fail too (exit 1).")
@click.option(
    "--notices/--no-notices",
    "show_notices",
    default=None,
    help="List every notice (never a failure); or not even count them. Default: count them.",
)
@click.option("--all-notices", is_flag=True, help="The same as --notices.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def validate(
    paths: tuple[Path, ...], strict: bool, show_notices: bool | None, all_notices: bool, fmt: str
) -> None:
    """Validate layers and report every problem at once, one line each:

    \b
      PATH: SITE: FIELD: MESSAGE

    Errors and warnings are listed. Notices (worth knowing, never a failure, such as sources
    without an archived copy) are counted in one line; --notices lists them. JSON lists
    everything. Exit 0 when valid (warnings allowed unless --strict), 1 when not.

    \b
    $ facilitymap validate geodata/sites.geojson --strict
    $ facilitymap validate --format json layer.geojson | jq .
    """
    from facilitymap.listing import problem_counts
    from facilitymap.validate import validate_file

    problems = []
    for path in paths or (DEFAULT_LAYER,):
        try:
            found, layer = validate_file(path, in_parts=True)
        except FacilitymapError as err:  # (not the layer: a file the checks need is missing)
            raise fail(err) from err
        problems += found
        retain(layer)
    listed = all_notices or show_notices or (show_notices is None and fmt == "json")
    shown = problems if listed else [p for p in problems if p.severity != "notice"]
    if fmt == "json":
        click.echo(json.dumps([p.to_dict() for p in shown], ensure_ascii=False, indent=2))
    elif shown:
        click.echo("\n".join(terminal_safe(problem) for problem in shown))
    counts = problem_counts(problems)
    if fmt == "text":
        if counts["notice"] and not listed and show_notices is None:
            click.echo(f"{counts['notice']:,} notice(s) not listed (--notices lists them)", err=True)  # fmt: skip
        click.echo(f"{counts['error']} error(s), {counts['warning']} warning(s), "
                   f"{counts['notice']} notice(s) in {len(paths) or 1} file(s)", err=True)  # fmt: skip
    if counts["error"] or (strict and counts["warning"]):
        raise SystemExit(1)


@click.command("list", short_help="List sites with their status.")
@layer_arg
@status_opt
@kind_opt
@country_opt
@min_confidence_opt
@as_of_opt
@format_opt
def list_sites(layer, statuses, kinds, countries, min_confidence, as_of, fmt) -> None:
    """List the sites of LAYER (default geodata/sites.geojson) as a table, CSV or JSON.

    The table fits the terminal ($COLUMNS): long names are cut with "…" (CSV and JSON
    are never cut).

    \b
    $ facilitymap list --status attested-denied
    $ facilitymap list --as-of 2018-12-31 --format csv
    """
    from facilitymap.api import filtered
    from facilitymap.listing import site_rows_text

    sites = filtered(load_or_fail(layer), statuses=statuses, kinds=kinds, countries=countries,
                     min_confidence=min_confidence, as_of=as_of).sites  # fmt: skip
    width = table_width() if fmt == "table" else None
    click.echo(site_rows_text(sites, as_of, fmt, width=width, clean=terminal_safe), nl=False)
    if fmt == "table":
        click.echo(f"{len(sites)} site(s)", err=True)


def table_width() -> int | None:
    """The width a table must fit: $COLUMNS, else the terminal's; None when piped."""
    if os.environ.get("COLUMNS", "").isdigit():
        return int(os.environ["COLUMNS"])
    return shutil.get_terminal_size().columns if sys.stdout.isatty() else None


@click.command(short_help="Show one site in full, claims as a timeline.")
@click.argument("site_id")
@layer_arg
@as_of_opt
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def show(site_id: str, layer: Path, as_of, fmt: str) -> None:
    """Show SITE_ID of LAYER: status, location, confidence, and claims in date order.

    A part of an id or a name that only one site has is enough.

    \b
    $ facilitymap show tj-murghab-shaymak
    $ facilitymap show shaymak --as-of 2019-12-31
    """
    from facilitymap.listing import find_site, site_json, site_text

    loaded = load_or_fail(layer)
    try:
        site = find_site(loaded.sites, site_id)
    except LookupError as err:
        raise click.ClickException(f"{layer}: {terminal_safe(err.args[0])}") from None
    if fmt == "json":
        click.echo(json.dumps(site_json(site, as_of), ensure_ascii=False, indent=2))
    else:
        click.echo(site_text(site, as_of, clean=terminal_safe))


@click.command(short_help="Print the layer's JSON Schema.")
def schema() -> None:
    """Print the JSON Schema of the layer, generated from the model (geodata/schema.json)."""
    from facilitymap.schema import layer_schema_json

    click.echo(layer_schema_json(), nl=False)
