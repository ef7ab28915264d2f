"""The ``facilitymap`` command line: a thin layer over the library.

Each command parses its options, calls one library function, prints, and maps
:class:`facilitymap.errors.FacilitymapError` to exit code 1. Usage errors exit 2.
"""

from __future__ import annotations

import sys

import click

from facilitymap.cli.core import list_sites, schema, show, validate
from facilitymap.cli.exchange import add, export, import_sites
from facilitymap.cli.links import check_links
from facilitymap.cli.render import build, render


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="facilitymap", prog_name="facilitymap")
def cli() -> None:
    """Keep a sourced GeoJSON layer of reported facilities, validate it, map it, share it.

    \b
    $ facilitymap validate geodata/sites.geojson
    $ facilitymap list --status attested-denied
    $ facilitymap build
    """


for command in (
    validate,
    list_sites,
    show,
    schema,
    render,
    build,
    export,
    import_sites,
    add,
    check_links,
):
    cli.add_command(command)


def main() -> None:
    """Console-script entry point."""
    try:
        cli(prog_name="facilitymap")
    except KeyboardInterrupt:  # pragma: no cover - interactive only
        click.echo("Interrupted.", err=True)
        sys.exit(130)
