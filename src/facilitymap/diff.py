"""What changed between two versions of a layer, and whether a reviewer should accept it.

:func:`diff_layers` compares two loaded layers site by site (by id) and returns a
:class:`LayerDiff`: sites added and removed; per site, claims and sources added, changed
(field by field) and removed, the geometry moved (km) or its precision changed, the confidence
changed, other properties changed, and **status transitions with the claims that caused them**.
Status is derived from the claims by :func:`facilitymap.status.derive_status` (through
``derive_site``), never read from the file's declared fields, so a diff shows what the claims
mean, not what a contributor typed.

:func:`read_version` reads a version from a path or from git (``REV:PATH``, read with
``git show`` in the current repository). :func:`review_problems` runs the checks a second coder
would make (``facilitymap diff --check``). The renderers turn a diff into text, JSON-ready data,
Markdown for a pull request and a self-contained HTML page; every string from the layers is
escaped for the format it lands in.
"""

from __future__ import annotations

import html
import math
import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from facilitymap.errors import FacilitymapError, LayerError
from facilitymap.geometry import representative_point
from facilitymap.io import Layer, parse_layer, read_layer_bytes
from facilitymap.model import PROPERTY_ORDER, Claim, Site, Source
from facilitymap.problems import Problem, errors
from facilitymap.status import derive_site

DEFAULT_LAYER_PATH = "geodata/sites.geojson"
EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)
# Claim fields whose change re-codes the claim: they decide what the status rule sees.
CODING_FIELDS = ("date", "actor_type", "government", "stance", "basis", "sources")
# Site properties with their own entries (location, claims, sources, confidence) or recomputed
# rather than compared (the derived fields); every other property is compared as it is.
_OWN_ENTRIES = frozenset(
    {"claims", "sources", "location", "confidence", "official_status", "evidence", "status"}
)
SITE_FIELDS = tuple(name for name in PROPERTY_ORDER if name not in _OWN_ENTRIES)
# Site fields the status rule reads besides the claims (whose governments are concerned).
_STATUS_FIELDS = ("country", "governments")
# Values longer than this are shortened in text, Markdown and HTML (JSON keeps them whole).
SHORT_VALUE_CHARS = 120


class DiffError(FacilitymapError):
    """Raised when a version cannot be read (no such file or revision, not a layer)."""

    def __init__(self, message: str, problems: Iterable[Problem] = ()):
        super().__init__(message)
        self.problems = list(problems)


# ---------------------------------------------------------------------------- the records


@dataclass(frozen=True)
class FieldChange:
    """One field of a record that differs: ``old`` and ``new`` as JSON values (None = unset)."""

    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class RecordChange:
    """A claim or source present in both versions whose fields differ."""

    id: str
    fields: tuple[FieldChange, ...]

    @property
    def recoded(self) -> bool:
        """True when a field the status rule reads changed (stance, actor type, basis...)."""
        return any(f.field in CODING_FIELDS for f in self.fields)


@dataclass(frozen=True)
class GeometryChange:
    """How the site's location changed. ``moved_km`` is None when either side is unlocated."""

    moved_km: float | None
    old_type: str | None
    new_type: str | None
    old_precision_m: float | None
    new_precision_m: float | None
    old_basis: str
    new_basis: str


@dataclass(frozen=True)
class StatusChange:
    """A transition of the derived status; ``causes`` are the claims (and sources) behind it.

    ``old`` and ``new`` map each derived field (``status``, ``official_status``, ``evidence``
    and whatever else the status rule derives) to its value; ``causes`` are phrases such as
    ``c10 re-coded (stance: denies → acknowledges-other-role)`` or ``c11 added``.
    ``claim_causes`` says whether any claim was added, changed or removed among them.
    """

    old: dict[str, Any]
    new: dict[str, Any]
    causes: tuple[str, ...]
    claim_causes: bool


@dataclass(frozen=True)
class SiteSummary:
    """A site added or removed: its id, name and derived status."""

    id: str
    name: str
    status: str


@dataclass
class SiteDiff:
    """Everything that changed in one site present in both versions."""

    id: str
    name: str
    status: StatusChange | None = None
    confidence: FieldChange | None = None
    geometry: GeometryChange | None = None
    location: list[FieldChange] = field(default_factory=list)
    fields: list[FieldChange] = field(default_factory=list)
    claims_added: list[Claim] = field(default_factory=list)
    claims_removed: list[Claim] = field(default_factory=list)
    claims_changed: list[RecordChange] = field(default_factory=list)
    sources_added: list[Source] = field(default_factory=list)
    sources_removed: list[Source] = field(default_factory=list)
    sources_changed: list[RecordChange] = field(default_factory=list)
    # Kept for the review checks: the new version of the site.
    new_site: Site | None = field(default=None, repr=False, compare=False)

    @property
    def empty(self) -> bool:
        """True when nothing differs."""
        return not (
            self.status
            or self.confidence
            or self.geometry
            or self.location
            or self.fields
            or self.claims_added
            or self.claims_removed
            or self.claims_changed
            or self.sources_added
            or self.sources_removed
            or self.sources_changed
        )


@dataclass
class LayerDiff:
    """The difference between two layers; ``old_label``/``new_label`` say where they came from."""

    old_label: str
    new_label: str
    added: list[SiteSummary] = field(default_factory=list)
    removed: list[SiteSummary] = field(default_factory=list)
    changed: list[SiteDiff] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        """True when the two layers hold the same sites, claims, sources and locations."""
        return not (self.added or self.removed or self.changed)

    @property
    def transitions(self) -> list[tuple[SiteDiff, StatusChange]]:
        """Sites whose derived status changed, in order."""
        return [(s, s.status) for s in self.changed if s.status is not None]

    def summary(self) -> str:
        """One line: ``1 site added, 1 removed, 3 changed (2 status transitions)``."""
        if self.equal:
            return "no changes"
        n = len(self.added)
        parts = [f"{n} site{'s' if n != 1 else ''} added", f"{len(self.removed)} removed"]
        parts.append(f"{len(self.changed)} changed")
        t = len(self.transitions)
        return ", ".join(parts) + f" ({t} status transition{'s' if t != 1 else ''})"


# ------------------------------------------------------------------------------ reading


def read_version(spec: str, *, cwd: str | Path | None = None) -> tuple[Layer, str]:
    """Read one version of a layer: a file path, ``REV:PATH`` or a bare ``REV``.

    A spec that names an existing file is read from disk. Otherwise it is handed to
    ``git show`` in ``cwd`` (default: the current directory): ``HEAD~3:geodata/sites.geojson``,
    ``main:geodata/sites.geojson``, ``:geodata/sites.geojson`` (the staged copy); a bare
    revision means ``REV:geodata/sites.geojson``. The layer is parsed, not fully validated:
    a diff of a layer that breaks a rule is still worth reading.

    Returns
    -------
    (Layer, str)
        The layer and a label naming it.

    Raises
    ------
    DiffError
        When the file or revision cannot be read, or is not a layer (every problem listed).
    """
    path = Path(cwd or ".") / spec
    if path.is_file():
        try:
            data = read_layer_bytes(path)
        except LayerError as err:
            raise DiffError(str(err), err.problems) from None
        return _parse(data, spec), spec
    if ":" not in spec:
        if not _is_revision(spec, cwd):
            raise DiffError(f"{spec}: no such file, and not a git revision")
        spec = f"{spec}:{DEFAULT_LAYER_PATH}"
    return _parse(_git_show(spec, cwd), spec), spec


def _is_revision(rev: str, cwd: str | Path | None) -> bool:
    if rev.startswith("-"):
        return False
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
            cwd=cwd,
            capture_output=True,
            check=False,
        )
    except OSError:
        return False
    return done.returncode == 0


def _git_show(spec: str, cwd: str | Path | None) -> bytes:
    if spec.startswith("-"):  # never let a spec become an option of git
        raise DiffError(f"{spec}: not a file or git revision")
    try:
        done = subprocess.run(
            ["git", "show", "--no-textconv", spec, "--"],
            cwd=cwd,
            capture_output=True,
            check=False,
        )
    except OSError as err:
        raise DiffError(f"{spec}: cannot run git: {err.strerror or err}") from None
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = why[-1].removeprefix("fatal: ") if why else f"git exited {done.returncode}"
        raise DiffError(f"{spec}: not a file, and git cannot show it: {reason}")
    return done.stdout


def _parse(data: bytes, label: str) -> Layer:
    layer, problems = parse_layer(data, label)
    found = errors(problems)
    ids: dict[str, int] = {}
    for site in layer.sites if layer is not None else ():
        ids[site.id] = ids.get(site.id, 0) + 1
        for kind, records in (("claims", site.claims), ("sources", site.sources)):
            seen: set[str] = set()
            for record in records:
                if record.id in seen:
                    message = f"id {record.id!r} appears twice; cannot compare by id"
                    found.append(Problem(label, site.id, kind, message))
                seen.add(record.id)
    found += [
        Problem(label, site_id, "id", f"appears {n} times; cannot compare by id")
        for site_id, n in ids.items()
        if n > 1
    ]
    if layer is None or found:
        raise DiffError(f"{label}: {len(found)} error(s); not a layer that can be compared", found)
    return layer


# ---------------------------------------------------------------------------- comparing


def diff_layers(
    old: Layer, new: Layer, old_label: str = "old", new_label: str = "new"
) -> LayerDiff:
    """Compare two layers site by site (by id).

    Sites added are listed in the new layer's order, removed ones in the old layer's order,
    changed ones in the new layer's order. Formatting, key order and the declared derived
    fields do not count as changes; status is derived from the claims on both sides.
    """
    before = {site.id: site for site in old.sites}
    after_ids = {site.id for site in new.sites}
    result = LayerDiff(old_label, new_label)
    for site in new.sites:
        if site.id not in before:
            result.added.append(_summary(site))
            continue
        previous = before[site.id]
        if previous == site:  # msgspec compares in C: most sites of a contribution are as they were
            continue
        site_diff = diff_sites(previous, site)
        if not site_diff.empty:
            result.changed.append(site_diff)
    result.removed = [_summary(site) for site in old.sites if site.id not in after_ids]
    return result


def _summary(site: Site) -> SiteSummary:
    return SiteSummary(site.id, site.name, derive_site(site).status)


def diff_sites(old: Site, new: Site) -> SiteDiff:
    """Everything that differs between two versions of one site."""
    result = SiteDiff(new.id, new.name, new_site=new)
    old_props, new_props = old.to_json_dict(), new.to_json_dict()
    for name in SITE_FIELDS:
        if old_props.get(name) != new_props.get(name):
            result.fields.append(FieldChange(name, old_props.get(name), new_props.get(name)))
    for name in sorted((old.extra.keys() | new.extra.keys()) - _OWN_ENTRIES):
        if old.extra.get(name) != new.extra.get(name):
            result.fields.append(FieldChange(name, old.extra.get(name), new.extra.get(name)))
    if old.confidence != new.confidence:
        result.confidence = FieldChange("confidence", old.confidence, new.confidence)
    result.geometry = _geometry_change(old, new)
    old_loc, new_loc = old_props["location"], new_props["location"]
    for name in sorted(old_loc.keys() | new_loc.keys()):
        if name not in ("precision_m", "basis") and old_loc.get(name) != new_loc.get(name):
            result.location.append(FieldChange(name, old_loc.get(name), new_loc.get(name)))
    (result.claims_added, result.claims_removed, result.claims_changed) = _diff_records(
        old.claims, new.claims
    )
    (result.sources_added, result.sources_removed, result.sources_changed) = _diff_records(
        old.sources, new.sources
    )
    result.status = _status_change(old, new, result)
    return result


def _diff_records(old: list, new: list) -> tuple[list, list, list[RecordChange]]:
    before = {record.id: record for record in old}
    after_ids = {record.id for record in new}
    added, changed = [], []
    for record in new:
        previous = before.get(record.id)
        if previous is None:
            added.append(record)
            continue
        if previous == record:
            continue
        a, b = previous.to_json_dict(), record.to_json_dict()
        fields = tuple(
            FieldChange(k, a.get(k), b.get(k)) for k in _ordered_keys(a, b) if a.get(k) != b.get(k)
        )
        if fields:
            changed.append(RecordChange(record.id, fields))
    removed = [record for record in old if record.id not in after_ids]
    return added, removed, changed


def _ordered_keys(a: dict, b: dict) -> list[str]:
    return list(dict.fromkeys([*a, *b]))


def _geometry_change(old: Site, new: Site) -> GeometryChange | None:
    same_place = old.geometry == new.geometry
    old_loc, new_loc = old.location, new.location
    if same_place and (old_loc.precision_m, old_loc.basis) == (new_loc.precision_m, new_loc.basis):
        return None
    moved = None
    a, b = representative_point(old.geometry), representative_point(new.geometry)
    if a is not None and b is not None:
        moved = 0.0 if same_place else round(distance_km(a, b), 3)
    return GeometryChange(
        moved,
        old.geometry["type"] if old.geometry else None,
        new.geometry["type"] if new.geometry else None,
        old_loc.precision_m,
        new_loc.precision_m,
        old_loc.basis,
        new_loc.basis,
    )


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lon, lat) points in km (haversine, mean radius).

    >>> round(distance_km((0.0, 0.0), (0.0, 1.0)), 1)
    111.2
    """
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2
    h += math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _derived(site: Site) -> dict[str, Any]:
    # Every field the status rule derives except the list of deciding claims: the rule may
    # grow (per-government positions) and the diff shows whatever it derives.
    derived = derive_site(site)
    names = getattr(derived, "__struct_fields__", None) or tuple(vars(derived))
    return {name: _plain(getattr(derived, name)) for name in names if name != "deciding_claims"}


def _plain(value: Any) -> Any:
    # JSON values (tuples become lists), as the rest of the diff holds them.
    import msgspec

    return msgspec.json.decode(msgspec.json.encode(value))


def _status_change(old: Site, new: Site, site_diff: SiteDiff) -> StatusChange | None:
    if (old.claims, old.sources, old.country, old.governments) == (
        new.claims,
        new.sources,
        new.country,
        new.governments,
    ):
        return None  # nothing the status rule reads has changed
    before, after = _derived(old), _derived(new)
    if before == after:
        return None
    deciding = set(derive_site(old).deciding_claims) | set(derive_site(new).deciding_claims)
    claim_phrases = []
    for record in site_diff.claims_changed:
        if record.recoded:
            what = ", ".join(_field_line(f) for f in record.fields if f.field in CODING_FIELDS)
            claim_phrases.append((record.id, f"{record.id} re-coded ({what})"))
    claim_phrases += [
        (c.id, f"{c.id} added ({c.stance}, {c.date})") for c in site_diff.claims_added
    ]
    claim_phrases += [(c.id, f"{c.id} removed") for c in site_diff.claims_removed]
    causes = [phrase for claim_id, phrase in claim_phrases if claim_id in deciding]
    if not causes:
        causes = [phrase for _, phrase in claim_phrases]
    # Independence of evidence rests on the publishers of the sources the deciding claims cite.
    cited = {
        source_id
        for site in (old, new)
        for claim in site.claims
        if claim.id in deciding
        for source_id in claim.sources
    }
    publishers = [
        r.id
        for r in site_diff.sources_changed
        if r.id in cited and any(f.field == "publisher" for f in r.fields)
    ]
    if publishers:
        causes.append(f"publisher of source {', '.join(publishers)} changed")
    causes += [f"{f.field} changed" for f in site_diff.fields if f.field in _STATUS_FIELDS]
    if not claim_phrases:
        causes += [f"source {s.id} added" for s in site_diff.sources_added if s.id in cited]
        causes += [f"source {s.id} removed" for s in site_diff.sources_removed if s.id in cited]
    return StatusChange(before, after, tuple(causes), bool(claim_phrases))


# ---------------------------------------------------------------------------- since a version

_DATE_RE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


@dataclass(frozen=True)
class SinceChanges:
    """What changed in a layer since an earlier version, for marking sites on a map.

    ``label`` names the version (``HEAD~3`` or ``2024-01-01 (commit 1a2b3c4)``), ``changes``
    maps each added or changed site id to its changes in words (``["new since ..."]`` for an
    added site), ``removed`` lists the names of sites that are gone.
    """

    label: str
    changes: dict[str, tuple[str, ...]]
    added: frozenset[str]
    removed: tuple[str, ...]


def changes_since(layer: Layer, since: str) -> SinceChanges:
    """Changes of ``layer`` since ``since``: a git revision or a date (YYYY, YYYY-MM, YYYY-MM-DD).

    The earlier version is the layer's own file as git has it, read in the repository that
    holds ``layer.path``: at revision ``since``, or for a date the last commit that touched
    the file by the end of that day (period). When the file did not exist yet, every site is
    new.

    Raises
    ------
    DiffError
        When the layer has no path, is not in a git repository, or the revision is unknown.
    """
    if layer.path is None:
        raise DiffError("--since needs a layer read from a file in a git repository")
    folder = layer.path.resolve().parent
    name = layer.path.name
    label = since
    if _DATE_RE.fullmatch(since):
        from facilitymap.dates import date_end

        try:
            end = date_end(since)
        except ValueError as err:
            raise DiffError(f"--since {since}: {err}") from None
        commit = _git_output(
            ["rev-list", "-1", f"--before={end.isoformat()} 23:59:59", "HEAD", "--", name], folder
        )
        if not commit:
            old = Layer(sites=[])
            label = f"{since} (before the layer's first commit)"
        else:
            old = _parse(_git_show(f"{commit}:./{name}", folder), f"{since}:{name}")
            label = f"{since} (commit {commit[:7]})"
    else:
        old = _parse(_git_show(f"{since}:./{name}", folder), f"{since}:{name}")
    diff = diff_layers(old, layer, label, str(layer.path))
    changes: dict[str, tuple[str, ...]] = {s.id: (f"new since {label}",) for s in diff.added}
    changes.update({site.id: tuple(_site_lines(site)) for site in diff.changed})
    return SinceChanges(
        label,
        changes,
        frozenset(s.id for s in diff.added),
        tuple(s.name for s in diff.removed),
    )


def _git_output(args: list[str], cwd: Path) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except OSError as err:
        raise DiffError(f"cannot run git: {err.strerror or err}") from None
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = why[-1].removeprefix("fatal: ") if why else f"git exited {done.returncode}"
        raise DiffError(f"{cwd}: {reason}")
    return done.stdout.decode("utf-8", "replace").strip()


# ---------------------------------------------------------------------------- review checks


def review_problems(diff: LayerDiff) -> list[Problem]:
    """The checks a second coder makes on a contribution, as problems against the new version.

    - a status moved without any claim added, changed or removed (only a source's publisher,
      say, or nothing at all in the claims explains it);
    - a source was removed while a claim or the location of the new version still cites it;
    - a claim was removed and no note of the new version of the site (a claim's, a source's,
      the location's or ``confidence_note``) mentions its id to say why.
    """
    label = diff.new_label
    found: list[Problem] = []
    for site in diff.changed:
        new = site.new_site
        if site.status is not None and not site.status.claim_causes:
            why = "; ".join(site.status.causes) or "nothing in the claims changed"
            moved = transition_phrase(site.status).split(", by ", 1)[0]
            message = f"{moved} without a new or changed claim ({why})"
            found.append(Problem(label, site.id, "status", message))
        if new is None:
            continue
        citing = _citations(new)
        for source in site.sources_removed:
            if source.id in citing:
                where = ", ".join(citing[source.id])
                message = f"source {source.id!r} was removed but is still cited by {where}"
                found.append(Problem(label, site.id, "sources", message))
        notes = _notes(new)
        for claim in site.claims_removed:
            pattern = re.compile(rf"(?<![\w.-]){re.escape(claim.id)}(?![\w-])")
            if not any(pattern.search(note) for note in notes):
                message = (
                    f"claim {claim.id!r} was removed without a note saying why "
                    f"(mention {claim.id} in a note of the site)"
                )
                found.append(Problem(label, site.id, "claims", message))
    return found


def _citations(site: Site) -> dict[str, list[str]]:
    citing: dict[str, list[str]] = {}
    for claim in site.claims:
        for source_id in claim.sources:
            citing.setdefault(source_id, []).append(f"claim {claim.id}")
    for source_id in site.location.sources:
        citing.setdefault(source_id, []).append("location")
    return citing


def _notes(site: Site) -> list[str]:
    notes = [site.confidence_note, site.location.note]
    notes += [c.note for c in site.claims if c.note]
    notes += [s.note for s in site.sources if s.note]
    return notes


# ---------------------------------------------------------------------------- rendering


def _short(value: Any, limit: int = SHORT_VALUE_CHARS) -> str:
    """A value in one line for people: strings quoted, lists joined, long text cut."""
    if value is None:
        return "(unset)"
    if isinstance(value, str):
        text = value
    elif value == []:
        text = "none"
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        text = ", ".join(value)
    elif isinstance(value, list) and all(_is_pair(v) for v in value):
        text = ", ".join(f"{a}: {b}" for a, b in value)  # positions: TJ: denied, CN: ...
    else:
        import orjson

        text = orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f'"{text}"' if isinstance(value, str) else text


def _is_pair(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)


def _km(value: float) -> str:
    return f"{value:,.1f} km" if value >= 0.1 else f"{value * 1000:,.0f} m"


def _precision(value: float | None) -> str:
    return "none" if value is None else f"{value:,g} m"


def _geometry_phrase(g: GeometryChange) -> str:
    parts = []
    if g.old_type is None and g.new_type is not None:
        parts.append(f"located ({g.new_type})")
    elif g.new_type is None and g.old_type is not None:
        parts.append(f"unlocated (was a {g.old_type})")
    elif g.moved_km:
        parts.append(f"moved {_km(g.moved_km)}")
        if g.old_type != g.new_type:
            parts.append(f"{g.old_type} → {g.new_type}")
    elif g.old_type != g.new_type:
        parts.append(f"geometry {g.old_type} → {g.new_type}")
    if g.old_precision_m != g.new_precision_m:
        parts.append(f"precision {_precision(g.old_precision_m)} → {_precision(g.new_precision_m)}")
    if g.old_basis != g.new_basis:
        parts.append(f"basis {g.old_basis} → {g.new_basis}")
    return "; ".join(parts) or "geometry reshaped in place"


def _changed_fields(change: StatusChange) -> list[str]:
    """The derived fields besides the headline status that differ, in the rule's order."""
    changed = [
        name
        for name in _ordered_keys(change.old, change.new)
        if name != "status" and change.old.get(name) != change.new.get(name)
    ]
    if "positions" in changed and "denied_by" in changed:
        changed.remove("denied_by")  # who denies is read off the positions
    return changed


def transition_phrase(change: StatusChange) -> str:
    """``reported-denied → acknowledged-other-role, by c10 re-coded (...)``."""
    old_status, new_status = change.old["status"], change.new["status"]
    arrow = new_status if old_status == new_status else f"{old_status} → {new_status}"
    details = [
        f"{n}: {_short(change.old.get(n))} → {_short(change.new.get(n))}"
        for n in _changed_fields(change)
    ]
    if details:
        arrow += " (" + "; ".join(details) + ")"
    by = ", ".join(change.causes) if change.causes else "no claim changed"
    return f"{arrow}, by {by}"


def _state_cells(change: StatusChange) -> tuple[str, str]:
    """The "from" and "to" cells of a transitions table: the headline status, then the
    other derived fields that changed (a change of positions keeps the headline)."""
    changed = _changed_fields(change)

    def words(value: Any) -> str:
        return value if isinstance(value, str) else _short(value)

    def cell(state: dict[str, Any]) -> str:
        parts = [f"{n}: {words(state.get(n))}" for n in changed]
        return "; ".join([state["status"], *parts])

    return cell(change.old), cell(change.new)


def _claim_line(claim: Claim) -> str:
    return f"{claim.id} ({claim.date}, {claim.actor}, {claim.stance}): {_short(claim.summary, 80)}"


def _source_line(source: Source) -> str:
    return f"{source.id}: {_short(source.title, 80)} ({source.publisher})"


def _field_line(change: FieldChange) -> str:
    return f"{change.field}: {change_words(change.old, change.new)}"


def change_words(old: Any, new: Any, limit: int = SHORT_VALUE_CHARS) -> str:
    """A change of one value in words: ``"a" → "b"``; for lists of ids the items added and
    removed (``+irna-2024-07-13, -ap-2019``); for long texts the part where they differ.

    >>> change_words(["s1", "s2"], ["s2", "s3"])
    '+s3, -s1'
    """
    if _is_str_list(old) and _is_str_list(new):
        added = [f"+{v}" for v in new if v not in old]
        removed = [f"-{v}" for v in old if v not in new]
        return ", ".join(added + removed) or f"reordered: {_short(new, limit)}"
    if isinstance(old, str) and isinstance(new, str):
        old_text, new_text = " ".join(old.split()), " ".join(new.split())
        pairs = zip(old_text, new_text, strict=False)
        same = next(
            (i for i, (a, b) in enumerate(pairs) if a != b), min(map(len, (old_text, new_text)))
        )
        if same > limit // 2 and max(len(old_text), len(new_text)) > limit:
            # Both would be cut before they differ: show each from a little before that.
            start = same - 20
            return (
                f"{_short('…' + old_text[start:], limit)} → {_short('…' + new_text[start:], limit)}"
            )
    return f"{_short(old, limit)} → {_short(new, limit)}"


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _site_lines(site: SiteDiff) -> list[str]:
    """Each change of a site as one line of plain text (escaped later for each format)."""
    lines = []
    if site.status is not None:
        lines.append(f"status: {transition_phrase(site.status)}")
    if site.confidence is not None:
        lines.append(_field_line(site.confidence))
    if site.geometry is not None:
        lines.append(f"location: {_geometry_phrase(site.geometry)}")
    lines += [f"location.{_field_line(c)}" for c in site.location]
    lines += [_field_line(c) for c in site.fields]
    lines += [f"+ claim {_claim_line(c)}" for c in site.claims_added]
    for record in site.claims_changed:
        lines += [f"~ claim {record.id}: {_field_line(f)}" for f in record.fields]
    lines += [f"- claim {_claim_line(c)}" for c in site.claims_removed]
    lines += [f"+ source {_source_line(s)}" for s in site.sources_added]
    for record in site.sources_changed:
        lines += [f"~ source {record.id}: {_field_line(f)}" for f in record.fields]
    lines += [f"- source {_source_line(s)}" for s in site.sources_removed]
    return lines


def to_text(diff: LayerDiff) -> str:
    """The diff as plain text, one change per line (terminal escaping is the CLI's job)."""
    out = [f"{diff.old_label} → {diff.new_label}: {diff.summary()}"]
    out += [f"+ {s.id} ({s.name}): {s.status}" for s in diff.added]
    out += [f"- {s.id} ({s.name}): {s.status}" for s in diff.removed]
    for site in diff.changed:
        out.append(f"~ {site.id} ({site.name})")
        out += [f"    {line}" for line in _site_lines(site)]
    return "\n".join(out) + "\n"


def to_json_dict(diff: LayerDiff) -> dict[str, Any]:
    """The diff as JSON-ready data (whole values, records as they are written in the layer)."""

    def fields(changes: Iterable[FieldChange]) -> dict[str, Any]:
        return {c.field: {"old": c.old, "new": c.new} for c in changes}

    def records(changed: list[RecordChange]) -> list[dict[str, Any]]:
        return [{"id": r.id, "fields": fields(r.fields)} for r in changed]

    def site_json(site: SiteDiff) -> dict[str, Any]:
        g = site.geometry
        return {
            "id": site.id,
            "name": site.name,
            "status": None
            if site.status is None
            else {
                "old": site.status.old,
                "new": site.status.new,
                "causes": list(site.status.causes),
            },
            "confidence": None
            if site.confidence is None
            else {"old": site.confidence.old, "new": site.confidence.new},
            "geometry": None
            if g is None
            else {
                "moved_km": g.moved_km,
                "type": {"old": g.old_type, "new": g.new_type},
                "precision_m": {"old": g.old_precision_m, "new": g.new_precision_m},
                "basis": {"old": g.old_basis, "new": g.new_basis},
            },
            "location": fields(site.location),
            "fields": fields(site.fields),
            "claims": {
                "added": [c.to_json_dict() for c in site.claims_added],
                "changed": records(site.claims_changed),
                "removed": [c.to_json_dict() for c in site.claims_removed],
            },
            "sources": {
                "added": [s.to_json_dict() for s in site.sources_added],
                "changed": records(site.sources_changed),
                "removed": [s.to_json_dict() for s in site.sources_removed],
            },
        }

    return {
        "old": diff.old_label,
        "new": diff.new_label,
        "equal": diff.equal,
        "summary": diff.summary(),
        "added": [vars(s) for s in diff.added],
        "removed": [vars(s) for s in diff.removed],
        "changed": [site_json(s) for s in diff.changed],
    }


# Inline Markdown syntax; block syntax (#, -, +, 1.) only acts at the start of a line, and no
# escaped text starts a line here. "<", ">" and "&" become entities: GitHub renders raw HTML.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md_escape(text: str) -> str:
    """Text safe inside Markdown (GitHub's): punctuation backslash-escaped, HTML as entities,
    one line."""
    text = " ".join(str(text).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def to_markdown(diff: LayerDiff) -> str:
    """The diff as Markdown to paste into a pull request: a summary, a table of status
    transitions, then the changes per site."""
    out = [
        f"### Layer changes: `{_code(diff.old_label)}` → `{_code(diff.new_label)}`",
        "",
        md_escape(diff.summary()),
    ]
    if diff.transitions:
        out += ["", "| site | from | to | by |", "|---|---|---|---|"]
        for site, change in diff.transitions:
            by = ", ".join(change.causes) or "no claim changed"
            cells = [site.name, *_state_cells(change), by]
            out.append("| " + " | ".join(md_escape(c) for c in cells) + " |")
    if diff.added:
        out += ["", "**Added sites**", ""]
        out += [f"- `{_code(s.id)}` {md_escape(s.name)}: {md_escape(s.status)}" for s in diff.added]
    if diff.removed:
        out += ["", "**Removed sites**", ""]
        out += [
            f"- `{_code(s.id)}` {md_escape(s.name)}: {md_escape(s.status)}" for s in diff.removed
        ]
    for site in diff.changed:
        out += ["", f"**`{_code(site.id)}`** {md_escape(site.name)}", ""]
        out += [f"- {md_escape(_worded(line))}" for line in _site_lines(site)]
    return "\n".join(out) + "\n"


_MARKS = {"+ ": "added ", "- ": "removed ", "~ ": "changed "}


def _worded(line: str) -> str:
    """``+ claim c5 ...`` as ``added claim c5 ...`` (Markdown and HTML lists)."""
    mark = _MARKS.get(line[:2])
    return mark + line[2:] if mark else line


def _code(text: str) -> str:
    # Inside a code span only a backtick matters; ids are slugs, labels may hold anything.
    return " ".join(str(text).split()).replace("`", "'")


def to_html(diff: LayerDiff) -> str:
    """The diff as one self-contained HTML page; every string from the layers is escaped."""
    e = html.escape
    body = [
        f"<h1>{e(diff.old_label)} → {e(diff.new_label)}</h1>",
        f"<p>{e(diff.summary())}</p>",
    ]
    if diff.transitions:
        body.append("<h2>Status transitions</h2><table><tr><th>site</th><th>from</th>")
        body.append("<th>to</th><th>by</th></tr>")
        for site, change in diff.transitions:
            by = ", ".join(change.causes) or "no claim changed"
            cells = [site.name, *_state_cells(change), by]
            body.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>")
        body.append("</table>")
    for title, items, css in (
        ("Added sites", diff.added, "add"),
        ("Removed sites", diff.removed, "del"),
    ):
        if items:
            body.append(f"<h2>{title}</h2><ul>")
            body += [
                f'<li class="{css}"><code>{e(s.id)}</code> {e(s.name)}: {e(s.status)}</li>'
                for s in items
            ]
            body.append("</ul>")
    if diff.changed:
        body.append("<h2>Changed sites</h2>")
    for site in diff.changed:
        body.append(f"<h3><code>{e(site.id)}</code> {e(site.name)}</h3><ul>")
        for line in _site_lines(site):
            css = {"+": "add", "-": "del"}.get(line[:1], "mod")
            body.append(f'<li class="{css}">{e(_worded(line))}</li>')
        body.append("</ul>")
    style = (
        "body{font:15px/1.4 system-ui,sans-serif;max-width:60em;margin:1em auto;padding:0 1em}"
        "table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2em .5em;"
        "text-align:left}.add{color:#0a5d00}.del{color:#a00}"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\">"
        f"<title>facilitymap diff: {e(diff.old_label)} → {e(diff.new_label)}</title>"
        f"<style>{style}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


__all__ = [
    "DiffError",
    "FieldChange",
    "GeometryChange",
    "LayerDiff",
    "RecordChange",
    "SinceChanges",
    "SiteDiff",
    "StatusChange",
    "change_words",
    "changes_since",
    "diff_layers",
    "diff_sites",
    "distance_km",
    "md_escape",
    "read_version",
    "review_problems",
    "to_html",
    "to_json_dict",
    "to_markdown",
    "to_text",
    "transition_phrase",
]
