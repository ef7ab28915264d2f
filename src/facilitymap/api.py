"""One call per task: what each command does, for a notebook or a script.

Each function takes a loaded :class:`~facilitymap.io.Layer` or a path to one, and the same
filters as the commands (``statuses``, ``kinds``, ``countries``, ``min_confidence``,
``as_of``). The CLI commands are thin wrappers over these::

    import facilitymap
    page = facilitymap.render("geodata/sites.geojson", statuses=["attested-denied"])
    page.save("denied.html")          # or just `page` as a notebook cell's last line
    facilitymap.export("geodata/sites.geojson", "sites.gpkg")
    facilitymap.import_file("colleague.csv", "geodata/sites.geojson", dry_run=True)

They raise :class:`~facilitymap.errors.FacilitymapError` (a ``LayerError`` lists every
problem of a layer) and never print.
"""

from __future__ import annotations

import html
import inspect
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from facilitymap.dates import parse_as_of
from facilitymap.edit import EditOutcome, MergeResult
from facilitymap.errors import FacilitymapError
from facilitymap.io import Layer, load_layer
from facilitymap.listing import select_sites

if TYPE_CHECKING:
    from facilitymap.exchange.recipe import Recipe
    from facilitymap.maps import MadeMap, MapSpec

LayerLike = Layer | str | os.PathLike[str]


def as_layer(layer_or_path: LayerLike) -> Layer:
    """``layer_or_path`` itself when it is a Layer, else the layer loaded from that file."""
    if isinstance(layer_or_path, Layer):
        return layer_or_path
    if isinstance(layer_or_path, str | os.PathLike):
        return load_layer(layer_or_path)
    raise TypeError(f"expected a Layer or a path, got {type(layer_or_path).__name__}")


def filtered(
    layer_or_path: LayerLike,
    *,
    statuses: Sequence[str] = (),
    kinds: Sequence[str] = (),
    countries: Sequence[str] = (),
    min_confidence: str | None = None,
    as_of: date | str | None = None,
) -> Layer:
    """The layer with only the sites that pass every filter (see ``listing.select_sites``)."""
    layer = as_layer(layer_or_path)
    sites = select_sites(layer.sites, statuses=statuses, kinds=kinds, countries=countries,
                         min_confidence=min_confidence, as_of=as_of)  # fmt: skip
    return Layer(sites, dict(layer.extra_members), layer.path, layer.sha256)


class MapHTML(str):
    """The HTML text of a map page (a ``str``); a notebook displays it as the map itself.

    ``sites`` is how many sites the page shows at its own date, ``shows`` the same in words
    with the filters ("3 sites (status attested; as of 2018-12-31)").
    """

    sites: int = 0
    shows: str = ""

    def _repr_html_(self) -> str:
        # The page is a whole document with its own Content-Security-Policy: it goes into an
        # iframe (srcdoc, attribute-escaped), so neither the page nor the notebook sees the
        # other's scripts or styles. No allow-same-origin: the page needs no storage. ASCII
        # only (the rest as character references): the page's text then reads the same in
        # whatever encoding the notebook's page is read in.
        page = html.escape(self, quote=True).encode("ascii", "xmlcharrefreplace").decode()
        return (
            '<div style="width:100%;height:0;padding-bottom:60%;position:relative">'
            '<iframe sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox" '
            'style="position:absolute;inset:0;width:100%;height:100%;border:0" '
            f'srcdoc="{page}"></iframe></div>'
        )

    def save(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Write the page atomically; an existing file is kept unless ``overwrite``. (A page
        of packed data is written as :func:`save_map` writes it: ``render.page.page_bytes``.)"""
        from facilitymap.render.page import page_bytes

        return _write_page(Path(path), page_bytes(self), overwrite)


def _write_page(path: Path, page: bytes | Sequence[bytes | memoryview], overwrite: bool) -> Path:
    """``page`` written to ``path`` atomically; an OS error said as a FacilitymapError."""
    from facilitymap.atomic import write_atomic

    try:
        write_atomic(path, page, overwrite=overwrite)
    except OSError as err:
        if isinstance(err, FacilitymapError):
            raise
        raise FacilitymapError(f"{path}: cannot write: {err.strerror or err}") from err
    return path


def render(
    layer_or_path: LayerLike,
    *,
    title: str | None = None,
    statuses: Sequence[str] = (),
    kinds: Sequence[str] = (),
    countries: Sequence[str] = (),
    min_confidence: str | None = None,
    as_of: date | str | None = None,
    offline: bool = True,
    since: str | None = None,
) -> MapHTML:
    """The interactive map of a layer as one self-contained HTML page (``facilitymap render``).

    ``since`` (a git revision or a date) marks the sites changed since that version of the
    layer's file (:func:`facilitymap.diff.changes_since`).

    Returns the page's text; ``.save(path)`` writes it and a notebook shows it inline.
    (:func:`save_map` writes a large one without making it text first.)
    """
    made, spec = _made_map(layer_or_path, locals())  # (its arguments, nothing else yet)
    page = MapHTML(made.html)
    page.sites, page.shows = made.sites, spec.describe(made.sites)
    return page


@dataclass
class SavedMap:
    """What :func:`save_map` wrote: the file, and how many sites it shows (``shows``: in
    words, with the filters)."""

    path: Path
    sites: int
    shows: str


def save_map(
    layer_or_path: LayerLike,
    output: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    **options: Any,
) -> SavedMap:
    """:func:`render` (``options``: its keyword arguments) written to ``output`` atomically
    (an existing file is kept unless ``overwrite``), as the page's bytes were made: a 150 MB
    page is never a Python string."""
    arguments = inspect.signature(render).bind(layer_or_path, **options)  # render's check
    arguments.apply_defaults()
    made, spec = _made_map(layer_or_path, arguments.arguments)
    path = _write_page(Path(output), made.pieces, overwrite)
    return SavedMap(path, made.sites, spec.describe(made.sites))


def _made_map(layer_or_path: LayerLike, options: Mapping[str, Any]) -> tuple[MadeMap, MapSpec]:
    """The page of :func:`render` (the bytes of its file) and its MapSpec; ``options``: every
    keyword argument of :func:`render`, by name."""
    from facilitymap.maps import MapSpec, make_map, make_map_of_file

    spec = MapSpec(
        name="map",
        output="map.html",
        title=options["title"],
        statuses=tuple(options["statuses"]),
        kinds=tuple(options["kinds"]),
        countries=tuple(c.upper() for c in options["countries"]),
        min_confidence=options["min_confidence"],
        as_of=parse_as_of(options["as_of"]),
        offline=options["offline"],
        since=options["since"],
    )
    made = None
    if isinstance(layer_or_path, str | os.PathLike):
        # A large file is mapped a run of sites at a time, never loaded whole.
        made = make_map_of_file(layer_or_path, spec)
    if made is None:
        made = make_map(as_layer(layer_or_path), spec)
    return made, spec


def export(
    layer_or_path: LayerLike,
    output: str | os.PathLike[str],
    to: str | None = None,
    *,
    flat: bool = False,
    excel_safe: bool = False,
    overwrite: bool = False,
    statuses: Sequence[str] = (),
    kinds: Sequence[str] = (),
    countries: Sequence[str] = (),
    min_confidence: str | None = None,
    as_of: date | str | None = None,
):
    """Write the (filtered) sites for GIS tools (``facilitymap export``).

    ``to`` is the format (gpkg, fgb, shp, csv, kml, geojson), by default the one the
    output's suffix names. Returns the ``ExportReport`` (files written, what was lost).
    """
    from facilitymap.exchange import export_layer, format_of

    layer = filtered(layer_or_path, statuses=statuses, kinds=kinds, countries=countries,
                     min_confidence=min_confidence, as_of=as_of)  # fmt: skip
    fmt = to or format_of(output)
    return export_layer(layer, output, fmt, flat=flat, overwrite=overwrite,
                        as_of=parse_as_of(as_of), excel_safe=excel_safe)  # fmt: skip


@dataclass
class ImportOutcome:
    """What :func:`import_file` found, merged and wrote."""

    read: Any  # ImportResult, or RecipeResult with a recipe: the sites read, the rows' problems
    merge: MergeResult
    edit: EditOutcome
    into: Path

    @property
    def warnings(self) -> list:
        """Problems of the source rows (kept out) and warnings about the sites touched."""
        return [*self.read.problems, *self.edit.warnings]


def import_file(
    source: str | os.PathLike[str],
    into: str | os.PathLike[str],
    *,
    column_map: Mapping[str, str] | None = None,
    recipe: Recipe | str | os.PathLike[str] | None = None,
    skip_invalid: bool = False,
    rejects: str | os.PathLike[str] | None = None,
    excel_safe: bool = False,
    replace: bool = False,
    dry_run: bool = False,
    create: bool = False,
) -> ImportOutcome:
    """Merge the sites of a CSV, KML, GeoJSON, GPKG, FGB or SHP file into the layer ``into``
    by id, validating everything first (``facilitymap import``).

    A site whose id exists with other content is a conflict, kept as it is unless
    ``replace``. ``into`` must exist unless ``create``. Nothing is written on ``dry_run``,
    or when the merged layer would not validate (``LayerError``).

    A ``recipe`` (a :class:`~facilitymap.exchange.recipe.Recipe` or the path of its TOML
    file, docs/import.md) turns any table into sites with sources and claims; with it,
    ``skip_invalid`` imports the good rows and writes the refused ones, with their reasons,
    to the CSV ``rejects`` (not on ``dry_run``); without it, one refused row refuses all.
    """
    from facilitymap.edit import commit, merge_sites, open_layer
    from facilitymap.exchange import read_sites
    from facilitymap.exchange.recipe import Recipe, load_recipe, read_with_recipe, write_rejects

    read: Any
    if recipe is None:
        if skip_invalid:
            raise FacilitymapError("skip_invalid needs a recipe")
        read = read_sites(source, column_map=column_map, excel_safe=excel_safe)
    else:
        steps = recipe if isinstance(recipe, Recipe) else load_recipe(Path(recipe))
        read = read_with_recipe(source, steps, skip_invalid=skip_invalid)
    before = open_layer(into, create=create)
    merged = merge_sites(before.sites, read.sites, replace=replace)
    after = Layer(merged.sites, dict(before.extra_members), before.path, before.sha256)
    touched = merged.added + [c.site_id for c in merged.replaced]
    if recipe is not None and skip_invalid and rejects is not None and not dry_run:
        write_rejects(Path(rejects), read.rejected, read.columns)
    outcome = commit(before, after, into, touched=touched, dry_run=dry_run)
    return ImportOutcome(read, merged, outcome, Path(into))


def validate(path: str | os.PathLike[str]) -> list:
    """Every problem of one layer file (``facilitymap validate``): ``Problem`` records."""
    from facilitymap.validate import validate_path

    return validate_path(path)
