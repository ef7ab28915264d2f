"""add site | claim | source: edit the layer from the command line, validated, atomic.

In a terminal (or with ``--interactive``) every value a valid record needs and no option
gave is asked for, and a bad answer is asked again; otherwise a missing one is a usage error.
"""

from __future__ import annotations

import re
import sys
from datetime import date
from pathlib import Path

import click

from facilitymap.cli.options import DEFAULT_LAYER, ISO_DATE, fail, terminal_safe
from facilitymap.errors import FacilitymapError
from facilitymap.model import (
    ACTOR_TYPES,
    CLAIM_BASES,
    CONFIDENCES,
    COUNTRY_PATTERN,
    KINDS,
    LANG_PATTERN,
    LOCAL_ID_PATTERN,
    LOCATION_BASES,
    PATTERN_WORDS,
    SLUG_PATTERN,
    STANCES,
)


class Pattern(click.ParamType):
    """Text matching one of the model's patterns (checked when asked, so a prompt re-asks)."""

    def __init__(self, pattern: str, name: str, upper: bool = False):
        self.regex, self.words, self.name, self.upper = (
            re.compile(pattern),
            PATTERN_WORDS[pattern],
            name,
            upper,
        )

    def convert(self, value, param, ctx):
        text = str(value).strip()
        text = text.upper() if self.upper else text
        if not self.regex.match(text):
            self.fail(f"{text!r} is not {self.words}", param, ctx)
        return text


class Position(click.ParamType):
    """``LON LAT`` (or ``LON,LAT``) in degrees; empty means unlocated (in a prompt)."""

    name = "lon lat"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        parts = str(value).replace(",", " ").split()
        try:
            lon, lat = (float(p) for p in parts)
        except ValueError:
            self.fail(f"{value!r} is not two numbers: longitude latitude", param, ctx)
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            self.fail(
                f"{value!r}: longitude is -180..180, latitude -90..90 (GeoJSON order)", param, ctx
            )
        return (lon, lat)


SLUG = Pattern(SLUG_PATTERN, "slug")
LOCAL_ID = Pattern(LOCAL_ID_PATTERN, "id")
COUNTRY = Pattern(COUNTRY_PATTERN, "CC", upper=True)
LANG = Pattern(LANG_PATTERN, "BCP47")
URL = click.STRING  # checked by the model (only http(s)); reported with every other problem
RADIUS = click.FloatRange(min=0, min_open=True)


def interactive(ctx: click.Context) -> bool:
    """Whether to ask for missing values: ``--interactive``, or a terminal on stdin."""
    return bool(ctx.find_root().meta.get("interactive")) or sys.stdin.isatty()


def _set_interactive(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    if value:
        ctx.find_root().meta["interactive"] = True
    return value


def ask(ctx: click.Context, param: click.Parameter, value):
    """A required option: asked for (again on a bad answer) when interactive, else exit 2."""
    if value is not None and value != ():
        return value
    if interactive(ctx):
        return click.prompt(param.human_readable_name.replace("_", " "), type=param.type)
    raise click.MissingParameter(ctx=ctx, param=param)


def required(*names: str, **kwargs):
    kwargs["help"] = kwargs.get("help", "") + "  [required]"
    return click.option(*names, callback=ask, **kwargs)


layer_opt = click.option(
    "--layer", type=click.Path(path_type=Path), default=DEFAULT_LAYER, show_default=True,
    help="The layer to edit; it must exist unless --create.",
)  # fmt: skip
create_opt = click.option(
    "--create", is_flag=True, help="Start a new layer if LAYER does not exist."
)
dry_run_opt = click.option("--dry-run", is_flag=True, help="Print the diff; write nothing.")
interactive_opt = click.option(
    "-i", "--interactive", is_flag=True, is_eager=True, expose_value=False,
    callback=_set_interactive, help="Ask for missing values even without a terminal.",
)  # fmt: skip


def _apply(path: Path, change, touched: str, *, create: bool, dry_run: bool, quiet=()) -> None:
    """Load, change, validate and write the layer; print the warnings and what was done."""
    from facilitymap.edit import commit, open_layer

    try:
        before = open_layer(path, create=create)
        outcome = commit(before, change(before), path, touched=[touched], dry_run=dry_run)
    except FacilitymapError as err:
        raise fail(err) from err
    for problem in outcome.warnings:
        if not any(q in problem.message for q in quiet):
            click.echo(terminal_safe(problem), err=True)
    if dry_run:
        click.echo(terminal_safe(outcome.diff), nl=False)
    click.echo(f"{path}: {'would change' if dry_run else 'written'}", err=True)


@click.group(short_help="Add a site, a claim or a source to the layer.")
@interactive_opt
def add() -> None:
    """Add a site, a claim to a site, or a source to a site; validated, written atomically.

    In a terminal (or with -i), what a valid record needs and no option gives is asked
    for, again after a bad answer. LAYER must exist unless --create.

    \b
    $ facilitymap add site --id tj-x-y --name "X post" --kind border-post --country TJ ...
    $ facilitymap add source tj-x-y --id rfe-2024 --title "..." --publisher RFE/RL --url https://...
    $ facilitymap add claim tj-x-y --date 2024-05 --actor "RFE/RL" --actor-type journalist \\
        --stance affirms --basis on-site --summary "..." --source rfe-2024 --dry-run
    $ facilitymap add claim tj-x-y --date 2024-05 ... --source-url https://... \\
        --source-title "..." --publisher RFE/RL     # adds the source too
    """


@add.command("site", short_help="Add a site.")
@interactive_opt
@required("--id", "site_id", type=SLUG, help="Slug, e.g. tj-murghab-shaymak.")
@required("--name", help="English name.")
@required("--kind", type=click.Choice(KINDS), help="What the site is.")
@required("--country", type=COUNTRY, help="ISO 3166-1 alpha-2 code of the host, e.g. TJ.")
@click.option("--lon", type=click.FloatRange(-180, 180), help="Longitude of a point (with --lat).")
@click.option("--lat", type=click.FloatRange(-90, 90), help="Latitude of a point (with --lon).")
@click.option("--wkt", help="Geometry as WKT instead of --lon/--lat (a line or an area).")
@click.option("--unlocated", is_flag=True, help="No geometry: no location is published.")
@click.option("--precision-m", type=RADIUS, help="Radius in metres that surely contains the site (a point needs one).")  # fmt: skip
@click.option("--location-basis", type=click.Choice(LOCATION_BASES),
              help="How the geometry was chosen (default: analyst-estimate, or unlocated).")  # fmt: skip
@click.option(
    "--location-note", help="Why the geometry is where it is, in one sentence.  [required]"
)
@required("--confidence", type=click.Choice(CONFIDENCES), help="ICD 203 analytic confidence.")
@required("--confidence-note", help="One sentence: why this level.")
@click.option("--local-name", "local_names", multiple=True, metavar="LANG=NAME", help="A name in another language, e.g. ru=Шаймак (repeatable).")  # fmt: skip
@click.option("--admin1", help="First-level division (province, region).")
@click.option("--admin2", help="Second-level division (district).")
@click.option("--admin3", help="Third-level division (jamoat, town).")
@click.option("--description", help="What is reported to be there.")
@click.option("--first-reported", type=ISO_DATE, metavar="DATE", help="When it was first reported (YYYY-MM-DD, YYYY-MM or YYYY).")  # fmt: skip
@click.option("--updated", type=ISO_DATE, metavar="DATE", help="When this record was last checked (default: today).")  # fmt: skip
@layer_opt
@create_opt
@dry_run_opt
def add_site_cmd(site_id, lon, lat, wkt, unlocated, precision_m, location_basis, location_note,
                 local_names, layer, create, dry_run, **fields) -> None:  # fmt: skip
    """Add a site (without claims: add sources and claims next)."""
    from facilitymap.edit import add_site

    ctx = click.get_current_context()
    if (lon is None) != (lat is None) or sum(x for x in (wkt is not None, lon is not None, unlocated)) > 1:  # fmt: skip
        raise click.UsageError("give --lon and --lat together, or --wkt, or --unlocated")
    geometry = _geometry(lon, lat, wkt)
    if geometry is None and not unlocated and interactive(ctx):
        where = click.prompt("location: longitude latitude (empty if unlocated)", default="",
                             type=Position(), show_default=False, value_proc=_position_or_none)  # fmt: skip
        geometry = _geometry(where[0], where[1], None) if where else None
    if geometry is not None and geometry["type"] == "Point" and precision_m is None:
        if not interactive(ctx):
            raise click.UsageError(
                "a point needs --precision-m: the radius that surely contains the site"
            )
        precision_m = click.prompt(
            "precision m (radius that surely contains the site)", type=RADIUS
        )
    if geometry is not None and location_basis is None and interactive(ctx):
        located = [b for b in LOCATION_BASES if b != "unlocated"]
        location_basis = click.prompt("location basis", type=click.Choice(located))
    if location_note is None:
        location_note = ask(
            ctx, next(p for p in ctx.command.params if p.name == "location_note"), None
        )
    basis = location_basis or ("unlocated" if geometry is None else "analyst-estimate")
    names = [dict(zip(("lang", "name"), n.split("=", 1), strict=False)) for n in local_names]
    fields["updated"] = fields["updated"] or date.today().isoformat()
    record = {"id": site_id, "geometry": geometry, "local_names": names, **fields,
              "location": {"precision_m": precision_m, "basis": basis, "note": location_note},
              "claims": [], "sources": []}  # fmt: skip
    _apply(layer, lambda before: add_site(before, record), site_id, create=create, dry_run=dry_run)
    click.echo(f"next: facilitymap add source {site_id} ... (then add claim)", err=True)


def _position_or_none(text: str):
    return () if not text.strip() else Position().convert(text, None, None)


def _geometry(lon, lat, wkt):
    if wkt:
        from facilitymap.exchange.geometries import from_wkt

        try:
            return from_wkt(wkt)
        except ValueError as err:
            raise click.BadParameter(f"not WKT: {err}", param_hint="--wkt") from err
    return {"type": "Point", "coordinates": [lon, lat]} if lon is not None else None


_SOURCE_HELP = "(with --source-url: the new source's)"


@add.command("claim", short_help="Add a claim to a site (and its source).")
@interactive_opt
@click.argument("site_id")
@click.option("--id", "claim_id", type=LOCAL_ID, help="Default: the next c<n>.")
@required("--date", type=ISO_DATE, help="When it was said: YYYY-MM-DD, YYYY-MM or YYYY.")
@required("--actor", help='Who said it, e.g. "Tajik Ministry of Foreign Affairs".')
@required("--actor-type", type=click.Choice(ACTOR_TYPES), help="What kind of actor.")
@required("--stance", type=click.Choice(STANCES), help="What the actor says of the site.")
@required("--basis", type=click.Choice(CLAIM_BASES), help="What the claim rests on.")
@required("--summary", help="What was said, in our words.")
@click.option("--quote", help="A short exact quote.")
@click.option("--source", "sources", multiple=True, type=LOCAL_ID, help="Id of a source already in the site (repeatable).")  # fmt: skip
@click.option("--source-url", help="Add a new source with this http(s) URL and cite it.")
@click.option("--source-title", help=f"Title {_SOURCE_HELP}.")
@click.option("--publisher", help=f"Original outlet {_SOURCE_HELP}.")
@click.option("--source-id", type=LOCAL_ID, help=f"Id {_SOURCE_HELP}; default from publisher and date.")  # fmt: skip
@click.option("--via", help=f"Relay or mirror actually read {_SOURCE_HELP}.")
@click.option("--published", type=ISO_DATE, metavar="DATE", help=f"Publication date {_SOURCE_HELP}; default --date.")  # fmt: skip
@click.option("--archive-url", help=f"Archived copy {_SOURCE_HELP}.")
@click.option("--language", type=LANG, help=f"BCP 47 language {_SOURCE_HELP}.")
@click.option("--note", help="Anything a reader should know about the claim.")
@layer_opt
@dry_run_opt
def add_claim_cmd(site_id, claim_id, sources, source_url, source_title, publisher, source_id, via,
                  published, archive_url, language, layer, dry_run, **fields) -> None:  # fmt: skip
    """Add a claim to SITE_ID, citing sources already in the site (--source) or a new one
    given by --source-url, --source-title and --publisher (added in the same write)."""
    from facilitymap.edit import add_claim, add_source

    ctx = click.get_current_context()
    new_source = source_url is not None or source_title is not None or publisher is not None
    if not sources and not new_source:
        if not interactive(ctx):
            raise click.UsageError("give --source ID (repeatable), or --source-url, --source-title and --publisher")  # fmt: skip
        answer = click.prompt(
            "sources: ids in the site, comma-separated, or the URL of a new source"
        )
        if re.match(r"(?i)https?://", answer.strip()):
            source_url, new_source = answer.strip(), True
        else:
            sources = tuple(
                LOCAL_ID.convert(s, None, ctx) for s in answer.replace(",", " ").split()
            )
    if new_source:
        source_url = source_url or ask(ctx, _param(ctx, "source_url"), None)
        source_title = source_title or ask(ctx, _param(ctx, "source_title"), None)
        publisher = publisher or ask(ctx, _param(ctx, "publisher"), None)

    def change(before):
        cited = list(sources)
        if new_source:
            site = _site_or_fail(before, site_id)
            sid = source_id or _free_source_id(site, publisher, published or fields["date"])
            record = {"id": sid, "title": source_title, "publisher": publisher, "url": source_url,
                      "via": via, "published": published or fields["date"],
                      "archive_url": archive_url, "language": language}  # fmt: skip
            before = add_source(before, site_id, record)
            cited.append(sid)
        return add_claim(before, site_id, {"id": claim_id, "sources": cited, **fields})

    _apply(layer, change, site_id, create=False, dry_run=dry_run)


def _param(ctx: click.Context, name: str) -> click.Parameter:
    return next(p for p in ctx.command.params if p.name == name)


def _site_or_fail(layer, site_id: str):
    try:
        return layer.site(site_id)
    except KeyError:
        raise FacilitymapError(f"no site with id {site_id!r}") from None


def _free_source_id(site, publisher: str, when: str) -> str:
    """``<publisher slug>-<date>``, with ``-2``, ``-3``... when the site already has it."""
    stem = re.sub(r"[^a-z0-9]+", "-", publisher.casefold()).strip("-")[:40] or "source"
    base = f"{stem}-{when}"
    taken = {s.id for s in site.sources}
    n, candidate = 1, base
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


@add.command("source", short_help="Add a source to a site.")
@interactive_opt
@click.argument("site_id")
@required("--id", "source_id", type=LOCAL_ID, help="e.g. wapo-2019-02-18.")
@required("--title", help="Title of the article, report or document.")
@required("--publisher", help="The original outlet.")
@required("--url", help="http(s) URL of the copy read.")
@click.option("--author", help="Author(s).")
@click.option("--via", help="Relay or mirror actually read.")
@click.option("--published", type=ISO_DATE, metavar="DATE", help="Publication date.")
@click.option("--accessed", type=ISO_DATE, metavar="DATE", help="When it was read.")
@click.option("--archive-url", help="An archived copy (web.archive.org, archive.today).")
@click.option("--language", type=LANG, metavar="BCP47", help="Language, e.g. en, ru, zh-Hans.")
@click.option("--note", help="Anything a reader should know about the source.")
@layer_opt
@dry_run_opt
def add_source_cmd(site_id, source_id, layer, dry_run, **fields) -> None:
    """Add a source to SITE_ID (then cite it: add claim SITE_ID --source ID ...)."""
    from facilitymap.edit import add_source

    record = {"id": source_id, **fields}
    # A source is added before the claim that cites it: that it is cited by none yet is
    # the documented order, not a problem.
    _apply(layer, lambda before: add_source(before, site_id, record), site_id,
           create=False, dry_run=dry_run, quiet=(f"source {source_id!r} is cited by no claim",))  # fmt: skip
