"""The citation hooks of export and import: sources out as CSL-JSON or BibTeX, CSL-JSON in."""

from __future__ import annotations

from pathlib import Path

import click

from facilitymap.cli.options import terminal_safe
from facilitymap.errors import FacilitymapError


def export_citations(sites, output: Path, fmt: str, *, overwrite: bool) -> None:
    """``export --to csl-json|bibtex``: write the sources of the selected sites."""
    from facilitymap.citations import write_citations

    try:
        entries = write_citations(sites, output, fmt, overwrite=overwrite)
    except FacilitymapError as err:
        raise click.ClickException(terminal_safe(err)) from err
    click.echo(f"{entries} source(s) of {len(sites)} site(s) → {output}", err=True)


def import_csl_json(
    source: Path, into: Path, site_id: str, *, replace: bool, dry_run: bool
) -> None:
    """``import REFS.json --site SITE``: merge CSL-JSON items into one site's sources."""
    from facilitymap import strictjson
    from facilitymap.citations import CitationError, merge_sources, sources_from_csl_json
    from facilitymap.edit import commit, open_layer
    from facilitymap.errors import LayerError
    from facilitymap.io import Layer

    try:
        items = strictjson.loads(source.read_bytes())
    except OSError as err:
        raise click.ClickException(f"{source}: cannot read: {err.strerror or err}") from err
    except strictjson.JsonProblem as err:
        raise click.ClickException(terminal_safe(f"{source}: not valid JSON: {err}")) from err
    try:
        sources = sources_from_csl_json(items)
    except CitationError as err:
        for item, field, message in err.problems:
            click.echo(terminal_safe(f"{source}: {item}: {field}: {message}"), err=True)
        raise click.ClickException(
            f"{source}: {len(err.problems)} problem(s) in the CSL-JSON; nothing imported"
        ) from err
    try:
        before = open_layer(into)
        site = before.site(site_id)
    except KeyError:
        raise click.ClickException(terminal_safe(f"{into}: no site with id {site_id!r}")) from None
    except FacilitymapError as err:
        raise click.ClickException(terminal_safe(err)) from err
    merged_site, report = merge_sources(site, sources, replace=replace)
    sites = [merged_site if s.id == site_id else s for s in before.sites]
    after = Layer(sites, dict(before.extra_members), before.path, before.sha256)
    try:
        outcome = commit(before, after, into, touched=[site_id], dry_run=dry_run)
    except FacilitymapError as err:
        if isinstance(err, LayerError):
            for problem in err.problems:
                click.echo(terminal_safe(problem), err=True)
        raise click.ClickException(terminal_safe(err)) from err
    for problem in outcome.warnings:
        click.echo(terminal_safe(problem), err=True)
    for mark, ids in (("+", report.added), ("~", report.replaced), ("!", report.conflicts),
                      ("=", report.unchanged)):  # fmt: skip
        for source_id in ids:
            click.echo(terminal_safe(f"{mark} {site_id}: source {source_id}"))
    verb = "would change" if dry_run else ("written" if outcome.written else "unchanged")
    click.echo(
        f"{into}: {verb}: {len(report.added)} source(s) added, {len(report.replaced)} replaced, "
        f"{len(report.conflicts)} conflict(s), {len(report.unchanged)} unchanged",
        err=True,
    )
