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
    type=click.Path(dir_okay=False, path_type=Path),
    help="The HTML file to write.",
)
@click.option(
    "--tiles",
    "tiles_dir",
    metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="Instead of one file, write a folder for static hosting: the sites in a PMTiles "
    "archive (tippecanoe), details and search in files beside it, and DIR/index.html. For "
    "layers too large for one page; look at it with `facilitymap serve DIR`.",
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
    layer, output, tiles_dir, title, statuses, kinds, countries, min_confidence, as_of, offline,
    overwrite, since,
) -> None:  # fmt: skip
    """Render the sites of LAYER (default geodata/sites.geojson) as one HTML map.

    The file is self-contained (--offline, the default): it opens from disk anywhere and
    only basemap tiles need the network. It is written atomically; an existing file is
    kept unless --overwrite is given.

    \b
    $ facilitymap render -o denied.html --status attested-denied --status reported-denied
    $ facilitymap render -o 2018.html --as-of 2018-12-31 --title "Known by 2018"
    $ facilitymap render -o new.html --since HEAD~10
    $ facilitymap render --tiles big-map/ && facilitymap serve big-map/
    """
    from facilitymap.api import save_map

    if (output is None) == (tiles_dir is None):
        raise UsageProblem("give one of -o/--output FILE or --tiles DIR")
    if tiles_dir is not None:
        if not offline:
            raise UsageProblem("--cdn: a tiled map's page always carries its scripts (--tiles)")
        _render_tiles(layer, tiles_dir, title, statuses, kinds, countries, min_confidence,
                      as_of, overwrite, since)  # fmt: skip
        return
    if output.exists() and not overwrite:
        raise UsageProblem(f"{output}: exists; pass --overwrite to replace it")
    try:
        saved = save_map(layer, output, overwrite=overwrite, title=title, statuses=statuses,
                         kinds=kinds, countries=countries, min_confidence=min_confidence,
                         as_of=as_of, offline=offline, since=since)  # fmt: skip
    except FacilitymapError as err:
        raise fail(err) from err
    click.echo(f"{output}: written, {saved.shows}", err=True)
    if not saved.sites:
        click.echo(
            f"warning: {output} shows no site: nothing in the layer passes the filters", err=True
        )


def _render_tiles(
    layer, directory, title, statuses, kinds, countries, min_confidence, as_of, overwrite, since,
) -> None:  # fmt: skip
    from facilitymap.mapconfig import MapSpec
    from facilitymap.tiles import write_tiles

    if directory.exists() and not overwrite:
        raise UsageProblem(f"{directory}: exists; pass --overwrite to replace it")
    spec = MapSpec(name="map", output=str(directory), title=title, statuses=tuple(statuses),
                   kinds=tuple(kinds), countries=tuple(c.upper() for c in countries),
                   min_confidence=min_confidence, as_of=as_of, since=since)  # fmt: skip
    try:
        made = write_tiles(load_or_fail(layer), spec, directory, overwrite=overwrite)
    except FacilitymapError as err:
        raise fail(err) from err
    size = sum(made.sizes.values())
    click.echo(
        f"{directory}: written, {spec.describe(made.sites)}, {made.located} on the map; "
        f"{size / 1e6:.1f} MB (archive {made.sizes['archive'] / 1e6:.1f} MB)",
        err=True,
    )
    click.echo(f"look at it: facilitymap serve {directory}", err=True)
    if not made.sites:
        click.echo(
            f"warning: {directory} shows no site: nothing in the layer passes the filters",
            err=True,
        )


@click.command(short_help="Serve a folder over HTTP with range requests (render --tiles).")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="The port on 127.0.0.1 (0: any free one).")  # fmt: skip
def serve(directory: Path, port: int) -> None:
    """Serve DIRECTORY (a map written by `render --tiles`) on http://127.0.0.1:PORT/ for a
    local look, with the HTTP range requests its PMTiles archive is read by. Ctrl-C stops it.

    \b
    $ facilitymap serve big-map/ --port 8080
    """
    from facilitymap.serve import make_server

    try:
        server = make_server(directory, port)
    except OSError as err:
        raise click.ClickException(f"port {port}: cannot listen: {err.strerror or err}") from err
    click.echo(f"serving {directory} on http://127.0.0.1:{server.server_port}/ (Ctrl-C stops)",
               err=True)  # fmt: skip
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


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
