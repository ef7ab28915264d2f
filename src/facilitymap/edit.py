"""Change a layer: add a site, a claim or a source, or merge sites from another file.

Pure functions over :class:`~facilitymap.io.Layer` and :class:`~facilitymap.model.Site`
plus :func:`commit`, which validates the result and saves it atomically, refusing when the
file changed on disk since it was read.
"""

from __future__ import annotations

import difflib
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from facilitymap.atomic import write_atomic
from facilitymap.errors import FacilitymapError, LayerError
from facilitymap.geometry import METRES_PER_DEGREE
from facilitymap.io import Layer, dump_layer, load_layer, save_layer, site_to_feature
from facilitymap.model import Claim, RecordError, Site, Source, record_from_dict, site_from_record
from facilitymap.problems import Problem, errors
from facilitymap.status import derive_site


def with_derived(site: Site) -> Site:
    """A copy of ``site`` whose declared status fields are recomputed from its claims.

    A claim date that is not a real date leaves them as they are: validation then reports
    the date by site and field, which is more use than an exception from deriving.
    """
    try:
        derived = derive_site(site)
    except ValueError:
        return site
    return site.replace(
        official_status=derived.official_status,
        evidence=derived.evidence,
        status=derived.status,
    )


def _record(model: type, data: Mapping[str, Any] | Any, label: str, what: str):
    if isinstance(data, model):
        return data
    # Unset options are absent; "geometry": None is a value (an unlocated site).
    clean = {k: v for k, v in dict(data).items() if (v is not None and v != "") or k == "geometry"}
    try:
        return site_from_record(clean) if model is Site else record_from_dict(model, clean)
    except RecordError as err:
        problems = [Problem("<edit>", label, f or what, m) for f, m in err.problems]
        message = f"{label}: invalid {what}: " + "; ".join(map(str, problems))
        raise LayerError(message, problems) from None


def add_site(layer: Layer, site: Site | Mapping[str, Any]) -> Layer:
    """A new layer with ``site`` appended; raises FacilitymapError when the id is taken."""
    site_id = site.id if isinstance(site, Site) else site.get("id")
    if any(s.id == site_id for s in layer.sites):
        raise FacilitymapError(f"site {site_id!r} already exists")
    new = _record(Site, site, str(site_id), "site")
    return Layer(
        [*layer.sites, with_derived(new)], dict(layer.extra_members), layer.path, layer.sha256
    )


def next_claim_id(site: Site) -> str:
    """The first free ``c<n>`` id after the site's numbered claims."""
    numbers = [int(c.id[1:]) for c in site.claims if c.id[:1] == "c" and c.id[1:].isdigit()]
    return f"c{max(numbers, default=0) + 1}"


def _replace_site(layer: Layer, site_id: str, change) -> Layer:
    try:
        site = layer.site(site_id)
    except KeyError:
        raise FacilitymapError(f"no site with id {site_id!r}") from None
    updated = with_derived(change(site))
    sites = [updated if s.id == site_id else s for s in layer.sites]
    return Layer(sites, dict(layer.extra_members), layer.path, layer.sha256)


def add_claim(layer: Layer, site_id: str, claim: Claim | Mapping[str, Any]) -> Layer:
    """A new layer with ``claim`` added to site ``site_id`` (id ``c<n>`` when not given)."""

    def change(site: Site) -> Site:
        data = claim if isinstance(claim, Claim) else {"id": next_claim_id(site), **dict(claim)}
        if isinstance(data, dict) and data.get("id") is None:
            data["id"] = next_claim_id(site)
        new = _record(Claim, data, site_id, "claim")
        if any(c.id == new.id for c in site.claims):
            raise FacilitymapError(f"{site_id}: claim {new.id!r} already exists")
        return site.replace(claims=[*site.claims, new])

    return _replace_site(layer, site_id, change)


def add_source(layer: Layer, site_id: str, source: Source | Mapping[str, Any]) -> Layer:
    """A new layer with ``source`` added to site ``site_id``."""

    def change(site: Site) -> Site:
        new = _record(Source, source, site_id, "source")
        if any(s.id == new.id for s in site.sources):
            raise FacilitymapError(f"{site_id}: source {new.id!r} already exists")
        return site.replace(sources=[*site.sources, new])

    return _replace_site(layer, site_id, change)


# --------------------------------------------------------------------------- merge


@dataclass(frozen=True)
class Conflict:
    """A site in both layers with different content; ``fields`` are those that differ."""

    site_id: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Duplicate:
    """An incoming site that may be an existing one under another id."""

    incoming: str
    existing: str
    reason: str


@dataclass
class MergeResult:
    """The merged sites and what happened to each incoming one."""

    sites: list[Site]
    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    replaced: list[Conflict] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether the merge changes the layer."""
        return bool(self.added or self.replaced)

    def summary_lines(self) -> list[str]:
        """One line per incoming site: ``+`` added, ``~`` replaced, ``!`` conflict, ``=``."""
        lines = [f"+ {i}  added" for i in self.added]
        lines += [f"~ {c.site_id}  replaced ({', '.join(c.fields)})" for c in self.replaced]
        lines += [
            f"! {c.site_id}  conflict, kept as it is ({', '.join(c.fields)} differ; "
            "--replace overwrites)"
            for c in self.conflicts
        ]
        lines += [f"= {i}  unchanged" for i in self.unchanged]
        lines += [
            f"? {d.incoming}  may duplicate {d.existing}: {d.reason}" for d in self.duplicates
        ]
        return lines


def _differences(a: dict[str, Any], b: dict[str, Any]) -> tuple[str, ...]:
    fields = []
    if a.get("geometry") != b.get("geometry"):
        fields.append("geometry")
    pa, pb = a["properties"], b["properties"]
    fields += [k for k in dict.fromkeys([*pa, *pb]) if pa.get(k) != pb.get(k)]
    members = {k for k in (*a, *b) if k not in ("type", "id", "geometry", "properties")}
    fields += sorted(k for k in members if a.get(k) != b.get(k))
    return tuple(fields)


def merge_sites(
    existing: Sequence[Site], incoming: Sequence[Site], *, replace: bool = False
) -> MergeResult:
    """Merge ``incoming`` into ``existing`` by id.

    A new id is appended; an identical site is left alone; a site with the same id but other
    content is a conflict, kept as it is unless ``replace`` (then it takes the incoming
    site's place, at the same position). Added sites are checked for likely duplicates: the
    same kind and the same name, or the same kind with the two location circles
    (geometry + ``precision_m``) overlapping, so the same facility could be at both places.

    Returns
    -------
    MergeResult
    """
    result = MergeResult(sites=list(existing))
    index = {site.id: i for i, site in enumerate(result.sites)}
    for site in incoming:
        site = with_derived(site)
        if site.id not in index:
            index[site.id] = len(result.sites)
            result.sites.append(site)
            result.added.append(site.id)
            continue
        old = result.sites[index[site.id]]
        before, after = site_to_feature(old), site_to_feature(site)
        if before == after:
            result.unchanged.append(site.id)
            continue
        conflict = Conflict(site.id, _differences(before, after))
        if replace:
            result.sites[index[site.id]] = site
            result.replaced.append(conflict)
        else:
            result.conflicts.append(conflict)
    added = set(result.added)
    result.duplicates = likely_duplicates([s for s in result.sites if s.id in added], result.sites)
    return result


def _name_keys(site: Site) -> set[str]:
    return {
        " ".join(n.casefold().split()) for n in [site.name, *(x.name for x in site.local_names)]
    }


MAX_DUPLICATES_PER_SITE = 5


def likely_duplicates(candidates: Sequence[Site], others: Sequence[Site]) -> list[Duplicate]:
    """Pairs (candidate, other) of the same kind with a shared name or overlapping circles.

    At most ``MAX_DUPLICATES_PER_SITE`` are reported per candidate.
    """
    import shapely
    from shapely.geometry import shape

    located = [s for s in others if s.geometry is not None]
    geoms = [shape(s.geometry) for s in located]
    tree = shapely.STRtree(geoms)
    reach = max((s.location.precision_m or 0 for s in located), default=0)
    found: list[Duplicate] = []
    seen: set[tuple[str, str]] = set()
    per_site: dict[str, int] = {}

    def note(a: Site, b: Site, reason: str) -> None:
        key = (a.id, b.id)
        if a.id == b.id or key in seen or (b.id, a.id) in seen:
            return
        seen.add(key)
        per_site[a.id] = per_site.get(a.id, 0) + 1
        if per_site[a.id] <= MAX_DUPLICATES_PER_SITE:  # enough to send someone to look
            found.append(Duplicate(a.id, b.id, reason))

    by_name: dict[tuple[str, str], list[Site]] = {}
    for other in others:
        for key in _name_keys(other):
            by_name.setdefault((other.kind, key), []).append(other)
    for site in candidates:
        for key in _name_keys(site):
            for other in by_name.get((site.kind, key), [])[: 2 * MAX_DUPLICATES_PER_SITE]:
                note(site, other, "same kind and name")
        if site.geometry is None:
            continue
        geom = shape(site.geometry)
        radius = site.location.precision_m or 0
        lat = geom.centroid.y
        scale = METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01)
        for i in tree.query(geom.buffer((radius + reach) / scale)):
            if per_site.get(site.id, 0) >= MAX_DUPLICATES_PER_SITE:
                break
            other = located[int(i)]
            if other.kind != site.kind or other.id == site.id:
                continue
            metres = _distance_m(geom, geoms[int(i)], lat)
            limit = radius + (other.location.precision_m or 0)
            if metres <= limit:
                note(
                    site,
                    other,
                    f"same kind, {metres / 1000:.1f} km apart, within {limit / 1000:g} km "
                    "(both precision radii)",
                )
    return found


def _distance_m(a, b, lat: float) -> float:
    # Equirectangular around the pair's latitude: good to a fraction of a percent at the
    # distances (tens of km) where "may be the same site" is asked.
    import shapely.affinity

    scale = math.cos(math.radians(lat))
    if a.geom_type == "Point" and b.geom_type == "Point":
        # The same formula without two affine transforms per pair: most pairs are points,
        # and an import of 6,650 of them spent 30 s here.
        return math.hypot((a.x - b.x) * scale, a.y - b.y) * METRES_PER_DEGREE
    sa = shapely.affinity.scale(a, xfact=scale, yfact=1, origin=(0, 0))
    sb = shapely.affinity.scale(b, xfact=scale, yfact=1, origin=(0, 0))
    return sa.distance(sb) * METRES_PER_DEGREE


# --------------------------------------------------------------------------- commit


@dataclass
class EditOutcome:
    """What :func:`commit` did: the diff, the warnings about touched sites, written or not."""

    diff: str
    warnings: list[Problem]
    written: bool


def open_layer(path: str | os.PathLike[str], *, create: bool = False) -> Layer:
    """Load a layer to edit; with ``create``, a missing file gives a new, empty layer.

    Without ``create`` a missing file is an error: a mistyped path must not silently start
    a new one-site layer beside the real one.
    """
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        if not create:
            raise FacilitymapError(
                f"{path}: no such layer; check the path, or pass --create to start a new layer"
            )
        return Layer(sites=[], path=path, sha256=None)
    return load_layer(path)


def layer_diff(before: Layer, after: Layer, name: str = "layer") -> str:
    """A unified diff of the canonical GeoJSON text of two layers."""
    old = dump_layer(before).decode("utf-8").splitlines(keepends=True) if before.sites else []
    new = dump_layer(after).decode("utf-8").splitlines(keepends=True)
    return unified_diff(old, new, f"a/{name}", f"b/{name}")


def unified_diff(old: list[str], new: list[str], a: str, b: str, context: int = 3) -> str:
    """``difflib.unified_diff`` text, fast for a big layer with a few changes.

    difflib is quadratic on long runs of similar lines (a 6,500-site layer took four minutes
    to diff against itself), so the common head and tail are left out of it, but for
    ``context`` lines, and the hunk line numbers shifted back. The result is a unified diff
    of the same change (among repeated lines difflib may pick others to mark).
    """
    if old == new:
        return ""
    same = min(len(old), len(new))
    head = 0
    while head < same and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < same - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    start, cut = max(head - context, 0), max(tail - context, 0)
    lines = difflib.unified_diff(
        old[start : len(old) - cut], new[start : len(new) - cut], a, b, n=context
    )

    def shifted(line: str) -> str:
        match = _HUNK.match(line)
        if not match:
            return line
        first, second = int(match[1]) + start, int(match[3]) + start
        return f"@@ -{first}{match[2] or ''} +{second}{match[4] or ''} @@{line[match.end() :]}"

    return "".join(shifted(line) for line in lines)


_HUNK = re.compile(r"@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@")


def commit(
    before: Layer,
    after: Layer,
    path: str | os.PathLike[str],
    *,
    touched: Sequence[str] = (),
    dry_run: bool = False,
) -> EditOutcome:
    """Validate ``after`` and save it over ``before``'s file, atomically.

    Raises
    ------
    LayerError
        When ``after`` breaks a validation rule (nothing is written).
    ConcurrentEditError
        When the file changed on disk since ``before`` was read.
    """
    from facilitymap.validate import validate_layer

    path = Path(path)
    problems = validate_layer(after, str(path))
    if errors(problems):
        found = errors(problems)
        raise LayerError(f"{path}: {len(found)} error(s); nothing written", found)
    wanted = set(touched)
    warnings = [p for p in problems if p.site in wanted]
    diff = layer_diff(before, after, path.name)
    if dry_run or not diff:
        return EditOutcome(diff, warnings, False)
    if before.sha256 is None:
        # A new layer: refuse if someone created the file meanwhile.
        try:
            write_atomic(path, dump_layer(after), overwrite=False)
        except OSError as err:
            if isinstance(err, FacilitymapError):
                raise
            raise FacilitymapError(f"{path}: cannot write: {err.strerror or err}") from err
    else:
        save_layer(after, path, expected_sha256=before.sha256)
    return EditOutcome(diff, warnings, True)
