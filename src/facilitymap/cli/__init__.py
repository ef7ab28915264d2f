"""The ``facilitymap`` command line: a thin layer over the library.

Each command parses its options, calls one library function (mostly
:mod:`facilitymap.api`), prints, and maps :class:`facilitymap.errors.FacilitymapError` to
exit code 1: bad data, a file that cannot be read, a failed run. Usage errors exit 2: an
unknown option, a malformed or missing value, an output that exists without --overwrite.
"""

from __future__ import annotations

import os
import sys

import click

from facilitymap import parallel
from facilitymap.cli import options
from facilitymap.cli.add import add
from facilitymap.cli.archive import archive
from facilitymap.cli.core import list_sites, schema, show, validate
from facilitymap.cli.diff import diff
from facilitymap.cli.exchange import export, import_sites
from facilitymap.cli.links import check_links
from facilitymap.cli.render import build, render, serve


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
    diff,
    archive,
    serve,
):
    cli.add_command(command)


def main() -> None:
    """Console-script entry point.

    The process ends with ``os._exit`` once the command is done and its output flushed:
    the interpreter would otherwise free every object of the layer one by one (as mypy's
    ``hard_exit`` avoids the same cost). Nothing of facilitymap registers exit handlers;
    files are written atomically before this point.
    """
    options.RETAINED = []
    # numpy (for the country checks) starts OpenBLAS's threads as it is imported, for linear
    # algebra no command does: with one, the import takes half the CPU (0.15 s, not 0.28 s,
    # on the benchmark's 2-core machine, while a render's other processes wait for it). A
    # command's process is its own; a value the user set is kept.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        cli(prog_name="facilitymap")
    except KeyboardInterrupt:  # pragma: no cover - interactive only
        click.echo("Interrupted.", err=True)
        code = 130
    except SystemExit as done:
        code = _exit_code(done.code)
    else:  # pragma: no cover - click always raises SystemExit in standalone mode
        code = 0
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except OSError:  # a closed pipe (facilitymap list | head)
            code = code or 1
    parallel.wait_for_children()  # they are exiting: none is left behind
    os._exit(code)


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1
