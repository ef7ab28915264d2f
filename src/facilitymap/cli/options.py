"""Options and helpers shared by the commands."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import click

from facilitymap.dates import parse_as_of, parse_date_range
from facilitymap.errors import FacilitymapError, LayerError
from facilitymap.model import CONFIDENCES, KINDS, STATUSES

DEFAULT_LAYER = Path("geodata/sites.geojson")

# Terminal control sequences (ANSI escapes, bidi overrides) in a shared layer must not reach
# the user's terminal as control codes: they are shown as \x.. / \u.... escapes instead.
_UNSAFE_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: object) -> str:
    """Text with control and direction-override characters made visible."""
    return _UNSAFE_CHARS.sub(
        lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text)
    )


def as_of_handler(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    """Parse --as-of: YYYY-MM-DD, YYYY-MM or YYYY (the end of that period)."""
    try:
        return parse_as_of(value)
    except ValueError as err:
        raise click.BadParameter(str(err), ctx=ctx, param=param) from err


def country_handler(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]):
    """Upper-case ISO 3166-1 alpha-2 codes."""
    codes = tuple(v.upper() for v in value)
    for code in codes:
        if not re.fullmatch(r"[A-Z]{2}", code):
            raise click.BadParameter(
                f"{code!r} is not a two-letter ISO country code", ctx=ctx, param=param
            )
    return codes


class IsoDate(click.ParamType):
    """A reduced-precision ISO 8601 date (YYYY-MM-DD, YYYY-MM or YYYY), kept as text.

    Checked when the command line is parsed, so a bad date is a usage error (exit 2) and a
    prompt asks again, before any layer is read.
    """

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None):
        if value is None or value == "":
            return None
        text = str(value).strip()
        try:
            parse_date_range(text)
        except ValueError as err:
            self.fail(str(err), param, ctx)
        return text


ISO_DATE = IsoDate()

# Files to read are not checked by click (exists=True, dir_okay=False): a path that is
# missing, a folder or unreadable is a file that cannot be read, exit 1 with one line naming
# it, as `validate` reports it among the problems of the other files.
layer_arg = click.argument(
    "layer",
    required=False,
    default=DEFAULT_LAYER,
    type=click.Path(path_type=Path),
)
as_of_opt = click.option(
    "--as-of",
    callback=as_of_handler,
    metavar="DATE",
    help="Evaluate claims as known on DATE (YYYY-MM-DD); later claims are ignored.",
)
status_opt = click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice(STATUSES),
    help="Only sites with this derived status (repeatable).",
)
kind_opt = click.option(
    "--kind", "kinds", multiple=True, type=click.Choice(KINDS), help="Only this kind (repeatable)."
)
country_opt = click.option(
    "--country",
    "countries",
    multiple=True,
    callback=country_handler,
    metavar="CC",
    help="Only sites in this ISO country code (repeatable).",
)
min_confidence_opt = click.option(
    "--min-confidence",
    type=click.Choice(CONFIDENCES),
    help="Only sites at or above this confidence.",
)
format_opt = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)


# Set by the console entry point (facilitymap.cli.main): what a command loaded stays here
# until the process ends, and main() ends it without freeing them one object at a time.
RETAINED: list | None = None


def retain(value: Any) -> Any:
    """Keep ``value`` alive until the process exits (only under the console entry point).

    Freeing a 100,000-site layer object by object took 0.5-0.9 s after a 268 MB render;
    an exiting process need not.
    """
    if RETAINED is not None:
        RETAINED.append(value)
    return value


def load_or_fail(path: Path):
    """Load a layer for a command; on bad data print every problem to stderr and exit 1."""
    from facilitymap.io import load_layer

    try:
        return retain(load_layer(path))
    except FacilitymapError as err:
        raise fail(err) from err


class UsageProblem(click.UsageError):
    """A usage error (exit 2) printed as one line, without the usage banner: for problems
    found after parsing, such as an output that exists without --overwrite."""

    def show(self, file: Any = None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True)


def fail(err: FacilitymapError) -> click.ClickException:
    """The exception a command raises for ``err``; prints the problems of a LayerError first.

    A file that cannot be read is one line; a layer with problems lists every error, then
    the summary. An output that exists without --overwrite is a usage error (exit 2).
    """
    from facilitymap.errors import OutputExistsError

    if isinstance(err, OutputExistsError):
        return UsageProblem(terminal_safe(err))
    if isinstance(err, LayerError):
        errors = [p for p in err.problems if p.severity == "error"]
        if len(errors) == 1 and errors[0].site == "-" and errors[0].field == "file":
            return click.ClickException(terminal_safe(f"{errors[0].path}: {errors[0].message}"))
        for problem in errors:
            click.echo(terminal_safe(problem), err=True)
    return click.ClickException(terminal_safe(err))
