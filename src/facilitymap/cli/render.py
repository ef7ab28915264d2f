"""render, build: the commands that make the HTML maps."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from facilitymap.cli.options import (
    UsageProblem,
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

since_opt = click.option(
    "--since",
    metavar="REV-or-DATE",
    help="Mark the sites changed since this git revision (HEAD~3, main) or date (YYYY-MM-DD): "
    "a badge in the list, a ring on the map, the changes in the popup.",
)


@click.command(short_help="Render one interactive HTML map.")
@layer_arg
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The HTML file to write.",
)
@click.option("--title", help="Page title (default: the layer's name).")
@status_opt
@kind_opt
@country_opt
@min_confidence_opt
@as_of_opt
@click.option(
    "--offline/--cdn",
    default=True,
    show_default=True,
    help="Inline Leaflet into the file (default), or link it from unpkg.com with SRI.",
)
@click.option("--overwrite", is_flag=True, help="Replace OUTPUT if it exists.")
@since_opt
def render(
    layer, output, title, statuses, kinds, countries, min_confidence, as_of, offline, overwrite,
    since,
) -> None:  # fmt: skip
    """Render the sites of LAYER (default geodata/sites.geojson) as one HTML map.

    The file is self-contained (--offline, the default): it opens from disk anywhere and
    only basemap tiles need the network. It is written atomically; an existing file is
    kept unless --overwrite is given.

    \b
    $ facilitymap render -o denied.html --status attested-denied --status reported-denied
    $ facilitymap render -o 2018.html --as-of 2018-12-31 --title "Known by 2018"
    $ facilitymap render -o new.html --since HEAD~10
    """
    from facilitymap.api import render as render_page

    if output.exists() and not overwrite:
        raise UsageProblem(f"{output}: exists; pass --overwrite to replace it")
    try:
        page = render_page(layer, title=title, statuses=statuses, kinds=kinds,
                           countries=countries, min_confidence=min_confidence, as_of=as_of,
                           offline=offline, since=since)  # fmt: skip
        page.save(output, overwrite=overwrite)
    except FacilitymapError as err:
        raise fail(err) from err
    click.echo(f"{output}: written, {page.shows}", err=True)
    if not page.sites:
        click.echo(
            f"warning: {output} shows no site: nothing in the layer passes the filters", err=True
        )


@click.command(short_help="Regenerate every map declared in maps.toml.")
@click.option(
    "-c",
    "--config",
    default="maps.toml",
    show_default=True,
    type=click.Path(path_type=Path),
    help="The list of maps to build.",
)
@click.option(
    "--screenshot/--no-screenshot",
    default=None,
    help="Take the README screenshot (default: when a map changed and Chromium is available).",
)
@since_opt
def build(config: Path, screenshot: bool | None, since: str | None) -> None:
    """Regenerate every map that maps.toml declares into its output folder (outputs/).

    Files whose content did not change are not rewritten. Progress goes to stderr.

    \b
    $ facilitymap build
    $ facilitymap build --no-screenshot
    """
    from facilitymap.maps import build_maps, load_config

    def progress(message: str) -> None:
        click.echo(terminal_safe(message), err=True)

    try:
        settings = load_config(config)
        if since is not None:  # the command line wins over maps.toml
            maps = tuple(replace(spec, since=since) for spec in settings.maps)
            settings = replace(settings, maps=maps)
        progress(f"{settings.layer}: loading")
        layer = load_or_fail(settings.layer)
        build_maps(settings, layer, screenshot=screenshot, progress=progress)
    except FacilitymapError as err:
        raise click.ClickException(terminal_safe(err)) from err
    except OSError as err:  # a config path that is a folder, or runs through a file
        raise click.ClickException(f"{config}: cannot read: {err.strerror or err}") from err
