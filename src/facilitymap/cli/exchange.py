"""export, import, add: share the layer with GIS tools and edit it from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from facilitymap.cli.options import (
    DEFAULT_LAYER,
    as_of_opt,
    country_opt,
    kind_opt,
    layer_arg,
    load_or_fail,
    min_confidence_opt,
    status_opt,
    terminal_safe,
)
from facilitymap.errors import FacilitymapError, LayerError
from facilitymap.model import ACTOR_TYPES, CLAIM_BASES, CONFIDENCES, KINDS, LOCATION_BASES, STANCES

FORMAT_CHOICES = ("gpkg", "fgb", "shp", "csv", "kml", "geojson", "csl-json", "bibtex")


def _fail(err: FacilitymapError) -> click.ClickException:
    """Print every problem of a LayerError to stderr; the message becomes the exit-1 error."""
    if isinstance(err, LayerError):
        for problem in err.problems:
            click.echo(terminal_safe(problem), err=True)
    return click.ClickException(terminal_safe(err))


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
    if fmt in ("csl-json", "bibtex"):  # the sources as citations (facilitymap.citations)
        from facilitymap.cli.citations import export_citations

        return export_citations(sites, output, fmt, overwrite=overwrite)
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
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--into", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_LAYER,
              show_default=True, help="Layer to merge into (created if missing).")  # fmt: skip
@click.option("--map", "column_map", multiple=True, metavar="FIELD=COLUMN",
              callback=map_handler, help="Source column for a field (repeatable).")  # fmt: skip
@click.option("--replace", is_flag=True, help="Overwrite sites whose id exists with other content.")
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")
@click.option("--excel-safe", is_flag=True, help="Undo the ' of an --excel-safe CSV export.")
@click.option("--site", "site_id", metavar="SITE_ID",
              help="SOURCE is CSL-JSON (Zotero, Pandoc): merge its items into this site's "
                   "sources by id.")  # fmt: skip
def import_sites(source, into, column_map, replace, dry_run, excel_safe, site_id) -> None:
    """Merge the sites of SOURCE into a layer by id, validating everything first.

    A site whose id exists with other content is a conflict: reported and kept as it is
    unless --replace. Likely duplicates (same kind and name, or overlapping precision
    circles) are reported. One line per site on stdout: + added, ~ replaced, ! conflict,
    = unchanged, ? may duplicate.

    \b
    $ facilitymap import colleague.csv --map name="Site name" --map lon=X --map lat=Y --dry-run
    $ facilitymap import outputs/sites.gpkg --into geodata/sites.geojson
    $ facilitymap import zotero-export.json --site tj-murghab-shaymak --dry-run
    """
    if site_id is not None:
        from facilitymap.cli.citations import import_csl_json

        if column_map or excel_safe:
            raise click.UsageError("--map and --excel-safe do not apply to CSL-JSON (--site)")
        return import_csl_json(source, into, site_id, replace=replace, dry_run=dry_run)
    from facilitymap.edit import commit, merge_sites, open_layer
    from facilitymap.exchange import read_sites
    from facilitymap.io import Layer

    try:
        found = read_sites(source, column_map=column_map, excel_safe=excel_safe)
        before = open_layer(into)
        merged = merge_sites(before.sites, found.sites, replace=replace)
        after = Layer(merged.sites, dict(before.extra_members), before.path, before.sha256)
        touched = merged.added + [c.site_id for c in merged.replaced]
        outcome = commit(before, after, into, touched=touched, dry_run=dry_run)
    except FacilitymapError as err:
        raise _fail(err) from err
    for problem in found.problems + outcome.warnings:
        click.echo(terminal_safe(problem), err=True)
    for line in merged.summary_lines():
        click.echo(terminal_safe(line))
    verb = "would change" if dry_run else ("written" if outcome.written else "unchanged")
    click.echo(f"{into}: {verb}: {len(merged.added)} added, {len(merged.replaced)} replaced, "
               f"{len(merged.conflicts)} conflict(s), {len(merged.unchanged)} unchanged", err=True)  # fmt: skip


# --------------------------------------------------------------------------- add


def ask(ctx: click.Context, param: click.Parameter, value):
    """A required option: prompt for it in a terminal, else a usage error (exit 2)."""
    if value is not None:
        return value
    if sys.stdin.isatty():
        return click.prompt(param.human_readable_name.replace("_", " "), type=param.type)
    raise click.MissingParameter(ctx=ctx, param=param)


def _required(*names: str, **kwargs):
    return click.option(*names, callback=ask, **kwargs)


layer_opt = click.option(
    "--layer", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_LAYER,
    show_default=True, help="The layer to edit.",
)  # fmt: skip
dry_run_opt = click.option("--dry-run", is_flag=True, help="Print the diff; write nothing.")


def _apply(path: Path, change, touched: str, dry_run: bool) -> None:
    from facilitymap.edit import commit, open_layer

    try:
        before = open_layer(path)
        outcome = commit(before, change(before), path, touched=[touched], dry_run=dry_run)
    except FacilitymapError as err:
        raise _fail(err) from err
    for problem in outcome.warnings:
        click.echo(terminal_safe(problem), err=True)
    if dry_run:
        click.echo(terminal_safe(outcome.diff), nl=False)
    click.echo(f"{path}: {'would change' if dry_run else 'written'}", err=True)


@click.group(short_help="Add a site, a claim or a source to the layer.")
def add() -> None:
    """Add a site, a claim to a site, or a source to a site; validated, written atomically.

    Missing required options are asked for when run in a terminal.

    \b
    $ facilitymap add site --id tj-x-y --name "X post" --kind border-post --country TJ ...
    $ facilitymap add source tj-x-y --id rfe-2024 --title "..." --publisher RFE/RL --url https://...
    $ facilitymap add claim tj-x-y --date 2024-05 --actor "RFE/RL" --actor-type journalist \\
        --stance affirms --basis on-site --summary "..." --source rfe-2024 --dry-run
    """


@add.command("site", short_help="Add a site.")
@_required("--id", "site_id", help="Slug, e.g. tj-murghab-shaymak.")
@_required("--name", help="English name.")
@_required("--kind", type=click.Choice(KINDS))
@_required("--country", help="ISO 3166-1 alpha-2, e.g. TJ.")
@click.option("--lon", type=float, help="Longitude of a point (with --lat).")
@click.option("--lat", type=float, help="Latitude of a point (with --lon).")
@click.option("--wkt", help="Geometry as WKT instead of --lon/--lat.")
@click.option("--precision-m", type=float, help="Radius (m) that contains the site.")
@click.option(
    "--location-basis",
    type=click.Choice(LOCATION_BASES),
    help="Default: unlocated without geometry.",
)
@_required("--location-note", help="How the geometry was chosen.")
@_required("--confidence", type=click.Choice(CONFIDENCES))
@_required("--confidence-note", help="One sentence: why this level.")
@click.option("--local-name", "local_names", multiple=True, metavar="LANG=NAME", help="Repeatable.")
@click.option("--admin1")
@click.option("--admin2")
@click.option("--admin3")
@click.option("--description")
@click.option("--first-reported", metavar="DATE")
@click.option("--updated", metavar="DATE")
@layer_opt
@dry_run_opt
def add_site_cmd(site_id, lon, lat, wkt, precision_m, location_basis, location_note,
                 local_names, layer, dry_run, **fields) -> None:  # fmt: skip
    """Add a site (without claims: add sources and claims next)."""
    from facilitymap.edit import add_site
    from facilitymap.exchange.ogr import geometry_dict

    if (lon is None) != (lat is None) or (wkt and lon is not None):
        raise click.UsageError("give --lon and --lat together, or --wkt, or neither")
    names = [dict(zip(("lang", "name"), n.split("=", 1), strict=False)) for n in local_names]
    if wkt:
        import shapely

        try:
            geometry = geometry_dict(shapely.from_wkt(wkt))
        except Exception as err:
            raise click.BadParameter(f"not WKT: {err}", param_hint="--wkt") from err
    else:
        geometry = {"type": "Point", "coordinates": [lon, lat]} if lon is not None else None
    basis = location_basis or ("unlocated" if geometry is None else "analyst-estimate")
    record = {"id": site_id, "geometry": geometry, "local_names": names, **fields,
              "location": {"precision_m": precision_m, "basis": basis, "note": location_note},
              "claims": [], "sources": []}  # fmt: skip
    _apply(layer, lambda before: add_site(before, record), site_id, dry_run)


@add.command("claim", short_help="Add a claim to a site.")
@click.argument("site_id")
@click.option("--id", "claim_id", help="Default: the next c<n>.")
@_required("--date", help="YYYY-MM-DD, YYYY-MM or YYYY.")
@_required("--actor", help='Who said it, e.g. "Tajik Ministry of Foreign Affairs".')
@_required("--actor-type", type=click.Choice(ACTOR_TYPES))
@_required("--stance", type=click.Choice(STANCES))
@_required("--basis", type=click.Choice(CLAIM_BASES))
@_required("--summary", help="What was said, in our words.")
@click.option("--quote", help="A short exact quote.")
@click.option("--source", "sources", multiple=True, required=True, help="Source id (repeatable).")
@click.option("--note")
@layer_opt
@dry_run_opt
def add_claim_cmd(site_id, claim_id, sources, layer, dry_run, **fields) -> None:
    """Add a claim to SITE_ID; its sources must already be in the site (add source first)."""
    from facilitymap.edit import add_claim

    record = {"id": claim_id, "sources": list(sources), **fields}
    _apply(layer, lambda before: add_claim(before, site_id, record), site_id, dry_run)


@add.command("source", short_help="Add a source to a site.")
@click.argument("site_id")
@_required("--id", "source_id", help="e.g. wapo-2019-02-18.")
@_required("--title")
@_required("--publisher", help="The original outlet.")
@_required("--url", help="http(s) URL of the copy read.")
@click.option("--author")
@click.option("--via", help="Relay or mirror actually read.")
@click.option("--published", metavar="DATE")
@click.option("--accessed", metavar="DATE")
@click.option("--archive-url")
@click.option("--language", metavar="BCP47")
@click.option("--note")
@layer_opt
@dry_run_opt
def add_source_cmd(site_id, source_id, layer, dry_run, **fields) -> None:
    """Add a source to SITE_ID."""
    from facilitymap.edit import add_source

    record = {"id": source_id, **fields}
    _apply(layer, lambda before: add_source(before, site_id, record), site_id, dry_run)
