"""validate, list, show, schema: the commands over the core library."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click

from facilitymap.cli.options import (
    DEFAULT_LAYER,
    as_of_opt,
    country_opt,
    format_opt,
    kind_opt,
    layer_arg,
    load_or_fail,
    min_confidence_opt,
    retain,
    status_opt,
    terminal_safe,
)

# Past this many, notices are counted, not listed (one per site is common: sources without
# an archived copy), so that errors and warnings are not lost among them.
NOTICES_LISTED = 20


@click.command(short_help="Check layers and report every problem.")
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="Warnings fail too (exit 1).")
@click.option(
    "--notices/--no-notices", "show_notices", default=True, help="Show notices (never a failure)."
)
@click.option(
    "--all-notices",
    is_flag=True,
    help=f"List every notice (text lists the first {NOTICES_LISTED}, then counts the rest).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def validate(
    paths: tuple[Path, ...], strict: bool, show_notices: bool, all_notices: bool, fmt: str
) -> None:
    """Validate layers and report every problem at once, one line each:

    \b
      PATH: SITE: FIELD: MESSAGE

    Errors and warnings are all listed; notices (never a failure) are listed up to
    a number, then counted: a large layer has one per site without archived sources.
    JSON lists everything. Exit 0 when valid (warnings allowed unless --strict), 1 when not.

    \b
    $ facilitymap validate geodata/sites.geojson --strict
    $ facilitymap validate --format json layer.geojson | jq .
    """
    from facilitymap.validate import validate_file

    problems = []
    for path in paths or (DEFAULT_LAYER,):
        found, layer = validate_file(path, in_parts=True)
        problems += found
        retain(layer)
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    notices = [p for p in problems if p.severity == "notice"]
    if not show_notices:
        problems = [p for p in problems if p.severity != "notice"]
    if fmt == "json":
        click.echo(json.dumps([p.to_dict() for p in problems], ensure_ascii=False, indent=2))
    else:
        listed = problems if all_notices else _first_notices_only(problems, NOTICES_LISTED)
        if listed:
            click.echo("\n".join(terminal_safe(problem) for problem in listed))
        if len(listed) < len(problems):
            click.echo(
                f"... and {len(problems) - len(listed):,} more notice(s) "
                "(--all-notices lists them, --no-notices hides them)",
                err=True,
            )
        summary = (
            f"{len(errors)} error(s), {len(warnings)} warning(s), {len(notices)} notice(s) "
            f"in {len(paths) or 1} file(s)"
        )
        click.echo(summary, err=True)
    if errors or (strict and warnings):
        raise SystemExit(1)


def _first_notices_only(problems: list, limit: int) -> list:
    """``problems`` in order, without the notices past the first ``limit``."""
    listed, notices = [], 0
    for problem in problems:
        if problem.severity == "notice":
            notices += 1
            if notices > limit:
                continue
        listed.append(problem)
    return listed


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

    \b
    $ facilitymap list --status attested-denied
    $ facilitymap list --as-of 2018-12-31 --format csv
    """
    from facilitymap.listing import LIST_COLUMNS, format_table, select_sites, site_row

    sites = select_sites(
        load_or_fail(layer).sites,
        statuses=statuses,
        kinds=kinds,
        countries=countries,
        min_confidence=min_confidence,
        as_of=as_of,
    )
    rows = [site_row(site, as_of) for site in sites]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=LIST_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        click.echo(buffer.getvalue(), nl=False)
    else:
        safe = [{k: terminal_safe(v) for k, v in row.items()} for row in rows]
        click.echo(format_table(safe, LIST_COLUMNS))
        click.echo(f"{len(rows)} site(s)", err=True)


@click.command(short_help="Show one site in full, claims as a timeline.")
@click.argument("site_id")
@layer_arg
@as_of_opt
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def show(site_id: str, layer: Path, as_of, fmt: str) -> None:
    """Show SITE_ID of LAYER: status, location, confidence, and claims in date order.

    \b
    $ facilitymap show tj-murghab-shaymak
    """
    from facilitymap.io import site_to_feature
    from facilitymap.listing import precision_text, site_timeline
    from facilitymap.status import derive_site, position_words

    loaded = load_or_fail(layer)
    try:
        site = loaded.site(site_id)
    except KeyError:
        raise click.ClickException(f"{layer}: no site with id {site_id!r}") from None
    derived = derive_site(site, as_of=as_of)
    timeline = site_timeline(site, as_of)
    if fmt == "json":
        feature = site_to_feature(site, as_of=as_of)
        # Each concerned government's own position, host first: {"TJ": "denied", "CN": ...}.
        feature["official_positions"] = dict(derived.positions)
        feature["timeline"] = timeline
        click.echo(json.dumps(feature, ensure_ascii=False, indent=2))
        return
    s = terminal_safe
    lines = [
        f"{s(site.name)}  [{site.id}]",
        *(f"  {s(n.name)} ({s(n.lang)})" for n in site.local_names),
        f"kind: {site.kind}    country: {site.country}    "
        + " / ".join(s(a) for a in (site.admin1, site.admin2, site.admin3) if a),
        f"status: {derived.label} ({position_words(derived.positions)}; evidence: "
        f"{derived.evidence})" + (f" as of {as_of.isoformat()}" if as_of else ""),
        f"confidence: {site.confidence}: {s(site.confidence_note)}",
        f"location: {precision_text(site)}, {site.location.basis}: {s(site.location.note)}",
        "",
        "claims:",
    ]
    for claim in timeline:
        mark = "*" if claim["id"] in derived.deciding_claims else " "
        lines.append(
            f" {mark}{claim['date']:<10}  {s(claim['actor'])} ({claim['actor_type']})"
            f" {claim['stance']} [{claim['basis']}]"
        )
        lines.append(f"              {s(claim['summary'])}")
        if claim["quote"]:
            lines.append(f"              “{s(claim['quote'])}”")
        for src in claim["sources"]:
            via = f" via {s(src['via'])}" if src.get("via") else ""
            lines.append(
                f"              - {s(src.get('publisher', src['id']))}{via}: "
                f"{s(src.get('title', ''))} <{s(src.get('url', ''))}>"
            )
            if src.get("archive_url"):
                lines.append(f"                archived: <{s(src['archive_url'])}>")
    lines.append("")
    lines.append("* decides the status")
    click.echo("\n".join(lines))


@click.command(short_help="Print the layer's JSON Schema.")
def schema() -> None:
    """Print the JSON Schema of the layer, generated from the model (geodata/schema.json)."""
    from facilitymap.schema import layer_schema_json

    click.echo(layer_schema_json(), nl=False)
