"""export, import: share the layer with GIS tools (add is in cli/add.py)."""

from __future__ import annotations

from pathlib import Path

import click

from facilitymap.cli.options import (
    DEFAULT_LAYER,
    as_of_opt,
    country_opt,
    fail,
    kind_opt,
    layer_arg,
    load_or_fail,
    min_confidence_opt,
    status_opt,
    terminal_safe,
)
from facilitymap.errors import FacilitymapError

FORMAT_CHOICES = ("gpkg", "fgb", "shp", "csv", "kml", "geojson")


def _fail(err: FacilitymapError) -> click.ClickException:
    """Print every problem of a LayerError to stderr; the message becomes the exit-1 error
    (exit 2 for an output that exists without --overwrite)."""
    return fail(err)


def map_handler(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]):
    """Parse repeated ``--map FIELD=COLUMN`` into a dict, checking the field names."""
    from facilitymap.exchange import MAPPABLE_FIELDS

    mapping: dict[str, str] = {}
    for item in value:
        field, sep, column = item.partition("=")
        if not sep or not field or not column:
            raise click.BadParameter(f"{item!r} is not FIELD=COLUMN", ctx=ctx, param=param)
        if field not in MAPPABLE_FIELDS:
            raise click.BadParameter(
                f"unknown field {field!r}; fields: {', '.join(MAPPABLE_FIELDS)}",
                ctx=ctx,
                param=param,
            )
        mapping[field] = column
    return mapping


@click.command(short_help="Export sites to GPKG, FlatGeobuf, Shapefile, CSV, KML or GeoJSON.")
@layer_arg
@click.option("--to", "fmt", type=click.Choice(FORMAT_CHOICES), required=True, help="Format.")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="File."
)
@click.option("--overwrite", is_flag=True, help="Replace existing output files.")
@click.option("--flat", is_flag=True, help="geojson: nested fields as JSON strings.")
@click.option("--excel-safe", is_flag=True, help="csv: BOM, and ' before formula-like text.")
@status_opt
@kind_opt
@country_opt
@min_confidence_opt
@as_of_opt
def export(layer, fmt, output, overwrite, flat, excel_safe, statuses, kinds, countries,
           min_confidence, as_of) -> None:  # fmt: skip
    """Export the sites of LAYER (default geodata/sites.geojson) for GIS tools.

    Sites without geometry are kept as rows without geometry and listed on stderr; what each
    format loses is in docs/exchange.md and reported here as warnings.

    \b
    $ facilitymap export --to gpkg -o outputs/sites.gpkg
    $ facilitymap export --to kml -o outputs/denied.kml --status attested-denied
    $ facilitymap export --to csv -o sites.csv --excel-safe
    """
    from facilitymap.exchange import export_layer
    from facilitymap.listing import select_sites

    if flat and fmt != "geojson":
        raise click.UsageError("--flat applies to --to geojson only")
    if excel_safe and fmt != "csv":
        raise click.UsageError("--excel-safe applies to --to csv only")
    loaded = load_or_fail(layer)
    sites = select_sites(loaded.sites, statuses=statuses, kinds=kinds, countries=countries,
                         min_confidence=min_confidence, as_of=as_of)  # fmt: skip
    loaded.sites = sites
    try:
        report = export_layer(loaded, output, fmt, flat=flat, overwrite=overwrite, as_of=as_of,
                              excel_safe=excel_safe)  # fmt: skip
    except FacilitymapError as err:
        raise _fail(err) from err
    for warning in report.warnings:
        click.echo(f"warning: {terminal_safe(warning)}", err=True)
    if report.unlocated:
        click.echo(f"{len(report.unlocated)} site(s) without geometry kept as rows without "
                   f"geometry: {', '.join(report.unlocated)}", err=True)  # fmt: skip
    click.echo(f"{report.sites} site(s) → {', '.join(str(f) for f in report.files)}", err=True)


@click.command("import", short_help="Import sites from CSV, KML, GeoJSON, GPKG, FGB or SHP.")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--into", type=click.Path(path_type=Path), default=DEFAULT_LAYER,
              show_default=True, help="Layer to merge into; it must exist unless --create.")  # fmt: skip
@click.option("--create", is_flag=True, help="Start a new layer if --into does not exist.")
@click.option("--map", "column_map", multiple=True, metavar="FIELD=COLUMN",
              callback=map_handler, help="Source column for a field (repeatable).")  # fmt: skip
@click.option("--replace", is_flag=True, help="Overwrite sites whose id exists with other content.")
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")
@click.option("--excel-safe", is_flag=True, help="Undo the ' of an --excel-safe CSV export.")
def import_sites(source, into, create, column_map, replace, dry_run, excel_safe) -> None:
    """Merge the sites of SOURCE into a layer by id, validating everything first.

    A site whose id exists with other content is a conflict: reported and kept as it is
    unless --replace. Likely duplicates (same kind and name, or overlapping precision
    circles) are reported. One line per site on stdout: + added, ~ replaced, ! conflict,
    = unchanged, ? may duplicate.

    \b
    $ facilitymap import colleague.csv --map name="Site name" --map lon=X --map lat=Y --dry-run
    $ facilitymap import outputs/sites.gpkg --into geodata/sites.geojson
    """
    from facilitymap.api import import_file

    try:
        done = import_file(source, into, column_map=column_map, excel_safe=excel_safe,
                           replace=replace, dry_run=dry_run, create=create)  # fmt: skip
    except FacilitymapError as err:
        raise _fail(err) from err
    merged, outcome = done.merge, done.edit
    for problem in done.warnings:
        click.echo(terminal_safe(problem), err=True)
    for line in merged.summary_lines():
        click.echo(terminal_safe(line))
    verb = "would change" if dry_run else ("written" if outcome.written else "unchanged")
    click.echo(f"{into}: {verb}: {len(merged.added)} added, {len(merged.replaced)} replaced, "
               f"{len(merged.conflicts)} conflict(s), {len(merged.unchanged)} unchanged", err=True)  # fmt: skip
