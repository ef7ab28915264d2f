"""diff: what changed between two versions of the layer, and the review check."""

from __future__ import annotations

import json

import click

from facilitymap.cli.options import terminal_safe


class _DiffFailed(click.ClickException):
    """A version could not be read: exit 2, as ``diff`` does, so 1 keeps meaning "different"."""

    exit_code = 2


@click.command("diff", short_help="What changed between two versions of the layer.")
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="[NEW]", required=False, default="geodata/sites.geojson")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "md", "html"]),
    default="text",
    show_default=True,
    help="md is ready to paste into a pull request; html is one self-contained page.",
)
@click.option(
    "--check",
    is_flag=True,
    help="Run the review checks instead: exit 1 when a status moved without a claim, a "
    "source still cited was dropped, or a claim was removed without a note.",
)
def diff(old: str, new: str, fmt: str, check: bool) -> None:
    """Compare two versions of a layer: OLD and NEW are files or git revisions.

    A version is a path, REV:PATH read with `git show` in the current repository
    (HEAD~3:geodata/sites.geojson; :geodata/sites.geojson is the staged copy), or a bare REV
    meaning REV:geodata/sites.geojson. NEW defaults to geodata/sites.geojson.

    Lists sites added and removed; per site, claims and sources added, changed (field by
    field) and removed, the geometry moved (km) or its precision changed, the confidence
    changed, and status transitions with the claims that caused them. Status is derived from
    the claims of each version, never read from the file.

    Exit 0 when the layers are equal, 1 when they differ, 2 when a version cannot be read.
    With --check: exit 1 when a review check fails (one line per problem,
    `NEW: SITE: FIELD: message`), else 0.

    \b
    $ facilitymap diff HEAD~3:geodata/sites.geojson geodata/sites.geojson
    $ facilitymap diff main --format md > changes.md
    $ facilitymap diff --check HEAD:geodata/sites.geojson :geodata/sites.geojson
    """
    from facilitymap.diff import (
        DiffError,
        diff_layers,
        read_version,
        review_problems,
        to_html,
        to_json_dict,
        to_markdown,
        to_text,
    )

    layers, failures = [], []
    for spec in (old, new):
        try:
            layers.append(read_version(spec))
        except DiffError as unreadable:
            failures.append(unreadable)
    if failures:
        for failure in failures:
            for problem in failure.problems:
                click.echo(terminal_safe(problem), err=True)
        raise _DiffFailed("; ".join(terminal_safe(failure) for failure in failures))
    (old_layer, old_label), (new_layer, new_label) = layers
    result = diff_layers(old_layer, new_layer, old_label, new_label)
    if check:
        problems = review_problems(result)
        for problem in problems:
            click.echo(terminal_safe(problem))
        click.echo(f"{result.summary()}; {len(problems)} review problem(s)", err=True)
        raise SystemExit(1 if problems else 0)
    if fmt == "json":
        # ASCII escapes: no control or direction-override character reaches a terminal.
        click.echo(json.dumps(to_json_dict(result), indent=2))
    else:
        render = {"md": to_markdown, "html": to_html, "text": to_text}[fmt]
        click.echo(terminal_safe(render(result)), nl=False)
    raise SystemExit(0 if result.equal else 1)
