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
from facilitymap.errors import FacilitymapError, LayerError


class FormatChoice(click.Choice):
    """The formats of the exchange registry (``exchange.registry``), in its order, then the
    citation formats (``facilitymap.citations``: the sources, not the sites).

    Looked up when a command needs them: importing the formats loads the layer code and
    GDAL's bindings, which ``facilitymap --help`` should not wait for.
    """

    def __init__(self) -> None:
        super().__init__(())

    @property
    def choices(self) -> tuple[str, ...]:
        from facilitymap.citations import CITATION_FORMATS
        from facilitymap.exchange.registry import FORMATS

        return (*FORMATS, *CITATION_FORMATS)

    @choices.setter
    def choices(self, value) -> None:
        pass  # click.Choice sets it in __init__; the registry is the only source


def _fail(err: FacilitymapError) -> click.ClickException:
    """Print every problem of a LayerError to stderr; the message becomes the exit-1 error
    (exit 2 for an output that exists without --overwrite)."""
    return fail(err)


def map_handler(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]):
    """Parse repeated ``--map FIELD=COLUMN`` into a dict, checking the field names
    (``source.url=link`` and ``claim.date=Date`` name a recipe's source and claim fields)."""
    from facilitymap.exchange import MAPPABLE_FIELDS
    from facilitymap.exchange.recipe import SECTIONS

    mapping: dict[str, str] = {}
    for item in value:
        field, sep, column = item.partition("=")
        if not sep or not field or not column:
            raise click.BadParameter(f"{item!r} is not FIELD=COLUMN", ctx=ctx, param=param)
        section, dot, name = field.partition(".")
        known = SECTIONS.get(section, ()) if dot else MAPPABLE_FIELDS
        if (name if dot else field) not in known:
            raise click.BadParameter(
                f"unknown field {field!r}; fields: {', '.join(MAPPABLE_FIELDS)}, or "
                f"source.{{{','.join(SECTIONS['source'])}}}, "
                f"claim.{{{','.join(SECTIONS['claim'])}}}",
                ctx=ctx,
                param=param,
            )
        mapping[field] = column
    return mapping


def pairs_handler(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]):
    """Parse repeated ``FIELD=VALUE`` (``--set``) into a dict."""
    out: dict[str, str] = {}
    for item in value:
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r} is not FIELD=VALUE", ctx=ctx, param=param)
        out[key] = text
    return out


def value_map_handler(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]):
    """Parse repeated ``FIELD:FROM=TO`` (``--value kind:garrison=base``) into value maps."""
    maps: dict[str, dict[str, str]] = {}
    for item in value:
        field, colon, rest = item.partition(":")
        source, sep, target = rest.partition("=")
        if not colon or not sep or not field or not source:
            raise click.BadParameter(f"{item!r} is not FIELD:FROM=TO", ctx=ctx, param=param)
        maps.setdefault(field, {})[source] = target
    return maps


@click.command(short_help="Export sites to GPKG, FlatGeobuf, Shapefile, CSV, KML or GeoJSON.")
@layer_arg
@click.option("--to", "fmt", type=FormatChoice(), required=True, help="Format.")
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
    from facilitymap.api import export as export_sites
    from facilitymap.api import filtered
    from facilitymap.exchange.registry import FORMATS

    accepted = FORMATS[fmt].options if fmt in FORMATS else frozenset()
    for option, given in (("flat", flat), ("excel_safe", excel_safe)):
        if given and option not in accepted:
            takers = " or ".join(f"--to {f.name}" for f in FORMATS.values() if option in f.options)
            raise click.UsageError(f"--{option.replace('_', '-')} applies to {takers} only")
    filters = {"statuses": statuses, "kinds": kinds, "countries": countries,
               "min_confidence": min_confidence, "as_of": as_of}  # fmt: skip
    loaded = load_or_fail(layer)
    if fmt not in FORMATS:  # the sources as citations (facilitymap.citations)
        from facilitymap.cli.citations import export_citations

        sites = filtered(loaded, **filters).sites
        return export_citations(sites, output, fmt, overwrite=overwrite)
    try:
        report = export_sites(loaded, output, fmt, flat=flat, excel_safe=excel_safe,
                              overwrite=overwrite, **filters)  # fmt: skip
    except FacilitymapError as err:
        raise _fail(err) from err
    for warning in report.warnings:
        click.echo(f"warning: {terminal_safe(warning)}", err=True)
    if report.unlocated:
        click.echo(f"{len(report.unlocated)} site(s) without geometry kept as rows without "
                   f"geometry: {', '.join(report.unlocated)}", err=True)  # fmt: skip
    click.echo(f"{report.sites} site(s) → {', '.join(str(f) for f in report.files)}", err=True)


DUPLICATES_LISTED = 20


@click.command("import", short_help="Import sites from CSV, KML, GeoJSON, GPKG, FGB or SHP.")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--into", type=click.Path(path_type=Path), default=DEFAULT_LAYER,
              show_default=True, help="Layer to merge into; it must exist unless --create.")  # fmt: skip
@click.option("--create", is_flag=True, help="Start a new layer if --into does not exist.")
@click.option("--recipe", type=click.Path(path_type=Path),
              help="TOML recipe: columns, constants, value maps, ids, sources, claims "
              "(docs/import.md).")  # fmt: skip
@click.option("--map", "column_map", multiple=True, metavar="FIELD=COLUMN",
              callback=map_handler, help="Source column for a field (repeatable; also "
              "source.url=COLUMN, claim.date=COLUMN, ...).")  # fmt: skip
@click.option("--set", "constants", multiple=True, metavar="FIELD=VALUE", callback=pairs_handler,
              help="The same value for every row (repeatable): kind=base, "
              "source.publisher=...")  # fmt: skip
@click.option("--value", "value_maps", multiple=True, metavar="FIELD:FROM=TO",
              callback=value_map_handler, help="Turn a column's value into ours (repeatable): "
              "kind:garrison=base.")  # fmt: skip
@click.option("--id-from-name", is_flag=True, help="Ids from the names (stable slugs).")
@click.option("--id-prefix", default="", help="Prefix of every id, e.g. ru.")
@click.option("--country-from-point", is_flag=True, help="Country from each site's point.")
@click.option("--skip-invalid", is_flag=True,
              help="Import the good rows; refused rows go to --rejects.")  # fmt: skip
@click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV of the refused rows and why (with --skip-invalid; replaced each run).")  # fmt: skip
@click.option("--all-problems", is_flag=True, help="List every problem, not a summary per kind.")
@click.option("--replace", is_flag=True, help="Overwrite sites whose id exists with other content.")
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")
@click.option("--excel-safe", is_flag=True, help="Undo the ' of an --excel-safe CSV export.")
@click.option("--site", "site_id", metavar="SITE_ID",
              help="SOURCE is CSL-JSON (Zotero, Pandoc): merge its items into this site's "
                   "sources by id.")  # fmt: skip
def import_sites(source, into, create, recipe, column_map, constants, value_maps, id_from_name,
                 id_prefix, country_from_point, skip_invalid, rejects, all_problems, replace,
                 dry_run, excel_safe, site_id) -> None:  # fmt: skip
    """Merge the sites of SOURCE into a layer by id, validating everything first.

    A site whose id exists with other content is a conflict: reported and kept as it is
    unless --replace. Likely duplicates (same kind and name, or overlapping precision
    circles) are reported. One line per site on stdout: + added, ~ replaced, ! conflict,
    = unchanged, ? may duplicate. Problems are summarised per field and kind
    (--all-problems lists each one).

    With a recipe (--recipe, or --set/--value/--id-from-name/--country-from-point, or
    source./claim. fields in --map), any file becomes sites with sources and claims; see
    docs/import.md. Without --skip-invalid nothing is imported if any row is refused.

    \b
    $ facilitymap import colleague.csv --map name="Site name" --map lon=X --map lat=Y --dry-run
    $ facilitymap import outputs/sites.gpkg --into geodata/sites.geojson
    $ facilitymap import RusBases.csv --recipe docs/recipes/russian-bases.toml \\
        --into bases.geojson --skip-invalid --rejects rejects.csv
    $ facilitymap import zotero-export.json --site tj-murghab-shaymak --dry-run
    """
    if site_id is not None:
        from facilitymap.cli.citations import import_csl_json

        if column_map or excel_safe or recipe:
            raise click.UsageError(
                "--map, --recipe and --excel-safe do not apply to CSL-JSON (--site)"
            )
        return import_csl_json(source, into, site_id, replace=replace, dry_run=dry_run)
    from facilitymap.api import import_file
    from facilitymap.exchange.recipe import load_recipe, recipe_from_options

    uses_recipe = bool(recipe or constants or value_maps or id_from_name or id_prefix
                       or country_from_point or any("." in k for k in column_map))  # fmt: skip
    if skip_invalid and not uses_recipe:
        raise click.UsageError("--skip-invalid needs a recipe (--recipe, --set, ...)")
    if skip_invalid != bool(rejects):
        raise click.UsageError("--skip-invalid and --rejects FILE.csv go together")
    steps = None
    try:
        if uses_recipe:
            steps = load_recipe(recipe) if recipe else None
            given = recipe_from_options(columns=column_map, constants=constants,
                                        value_maps=value_maps, id_from_name=id_from_name,
                                        id_prefix=id_prefix,
                                        country_from_point=country_from_point)  # fmt: skip
            steps = steps.merged(given) if steps else given
        done = import_file(source, into, column_map=None if uses_recipe else column_map,
                           recipe=steps, skip_invalid=skip_invalid,
                           rejects=rejects, excel_safe=excel_safe, replace=replace,
                           dry_run=dry_run, create=create)  # fmt: skip
    except FacilitymapError as err:
        raise _fail_summarized(err, all_problems) from err
    merged, outcome, result = done.merge, done.edit, done.read
    _echo_problems(done.warnings, all_problems)
    for line in _capped_merge_lines(merged, all_problems):
        click.echo(terminal_safe(line))
    if uses_recipe:
        click.echo(f"{source}: {result.rows} row(s), {len(result.sites)} site(s) read"
                   + (f", {len(result.rejected)} refused → {rejects}" if skip_invalid else "")
                   + (" (not written: --dry-run)" if dry_run and skip_invalid else ""),
                   err=True)  # fmt: skip
    verb = "would change" if dry_run else ("written" if outcome.written else "unchanged")
    click.echo(f"{into}: {verb}: {len(merged.added)} added, {len(merged.replaced)} replaced, "
               f"{len(merged.conflicts)} conflict(s), {len(merged.unchanged)} unchanged", err=True)  # fmt: skip


def _echo_problems(problems, all_problems: bool) -> None:
    from facilitymap.exchange.recipe import summarize_problems

    lines = [str(p) for p in problems] if all_problems else summarize_problems(problems)
    for line in lines:
        click.echo(terminal_safe(line), err=True)


def _fail_summarized(err: FacilitymapError, all_problems: bool) -> click.ClickException:
    """Like ``_fail``, with the problems summarised per field and kind unless asked for all."""
    if isinstance(err, LayerError):
        _echo_problems(err.problems, all_problems)
    return click.ClickException(terminal_safe(err))


def _capped_merge_lines(merged, all_problems: bool) -> list[str]:
    # Many similar names (a dataset listing 13 "Warehouse"s) would bury the summary under
    # "may duplicate" lines: the first ones are listed, the rest counted.
    lines = merged.summary_lines()
    if all_problems:
        return lines
    maybe = [line for line in lines if line.startswith("? ")]
    if len(maybe) <= DUPLICATES_LISTED:
        return lines
    kept = [line for line in lines if not line.startswith("? ")] + maybe[:DUPLICATES_LISTED]
    more = len(maybe) - DUPLICATES_LISTED
    return [*kept, f"? ... and {more} more possible duplicate(s) (--all-problems lists them)"]
