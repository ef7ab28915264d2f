"""Every problem at once (#18.1): one `validate` run reports every independent mistake of a site.

The mistakes are the bad files under tests/data/invalid/: each breaks one rule of the same
one-site layer, so the difference between its feature and the base site *is* the mistake.
A generated site carries several of them at once, chosen so that none changes what another
rule reads (two mistakes in the same field cannot both be seen, and a status cannot be
checked against claims that are themselves broken); its validation must report each one's
line (field and message) as the bad file alone does.
"""

from __future__ import annotations

import copy
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facilitymap.cli import cli
from facilitymap.validate import validate_path
from facilitymap.validation.shape import feature_shape_problem

DATA = Path(__file__).parent / "data"
INVALID = DATA / "invalid"
sys.path.insert(0, str(DATA))
from make_invalid import BASE_SITE  # noqa: E402

sys.path.pop(0)
EXPECTED: dict[str, str] = json.loads((INVALID / "expected.json").read_text(encoding="utf-8"))
_MISSING = object()


def _changes(base: Any, bad: Any, path: tuple = ()) -> dict[tuple, Any]:
    """The paths where ``bad`` differs from ``base``, with ``bad``'s value (or _MISSING)."""
    if isinstance(base, dict) and isinstance(bad, dict):
        found: dict[tuple, Any] = {}
        for key in dict.fromkeys([*base, *bad]):
            found |= _changes(base.get(key, _MISSING), bad.get(key, _MISSING), (*path, key))
        return found
    if isinstance(base, list) and isinstance(bad, list) and len(base) == len(bad):
        found = {}
        for index, (a, b) in enumerate(zip(base, bad, strict=True)):
            found |= _changes(a, b, (*path, index))
        return found
    return {} if base == bad else {path: bad}


def _mistakes() -> dict[str, tuple[dict[tuple, Any], str, str]]:
    """Each one-site bad file: its changes to the base site, and its (field, message)."""
    found = {}
    for name, line in sorted(EXPECTED.items()):
        label, field, message = line.split(": ", 2)
        if label == "-":
            continue  # the file as a whole: nothing else can be checked in it
        try:
            doc = json.loads((INVALID / name).read_bytes())
        except ValueError:
            continue  # not JSON: the parser stops there, by necessity
        features = doc.get("features") if isinstance(doc, dict) else None
        if not isinstance(features, list) or len(features) != 1:
            continue  # duplicate ids need two sites
        try:
            json.dumps(features[0], allow_nan=False)
        except ValueError:
            continue  # NaN or Infinity: the file is not JSON, so nothing else is read
        if feature_shape_problem(features[0]):
            continue  # not a Feature with properties: no rule of a site applies to it
        changes = _changes(BASE_SITE, features[0])
        if changes:
            found[name] = (changes, field, message)
    # A mistake only the file's bytes carry (a duplicate key, an encoding) is not in the
    # parsed feature: kept are those the feature reproduces on its own.
    with tempfile.TemporaryDirectory() as folder:
        return {
            name: found[name]
            for name in found
            if _found(found[name], _lines(_site(BASE_SITE, found[name][0]), Path(folder)))
        }


# What each rule reads besides its own field: a mistake there could change its verdict.
_READS = {
    "status": ("properties", "claims"),
    "evidence": ("properties", "claims"),
    "official_status": ("properties", "claims"),
    "confidence": ("properties", "claims"),
}


def _reads(field: str, message: str) -> list[tuple]:
    if field in _READS:
        return [("properties", "claims"), ("properties", "sources"), ("properties", field)]
    if field.startswith("geometry"):
        return [("properties", "country"), ("properties", "location"), ("geometry",)]
    if field.startswith("location"):
        return [("geometry",), ("properties", "location")]
    if field.startswith(("claims", "sources")) and ("source" in message or "cited" in message):
        return [("properties", "claims"), ("properties", "sources")]
    if field == "id":
        return [("id",)]
    return []


def _overlap(a: tuple, b: tuple) -> bool:
    return a[: len(b)] == b or b[: len(a)] == a


def compatible(first: str, second: str) -> bool:
    a_changes, a_field, a_message = MISTAKES[first]
    b_changes, b_field, b_message = MISTAKES[second]
    if a_field == b_field:
        return False
    if any(_overlap(x, y) for x in a_changes for y in b_changes):
        return False
    for changes, field, message in ((a_changes, b_field, b_message), (b_changes, a_field, a_message)):  # fmt: skip
        if any(_overlap(x, y) for x in changes for y in _reads(field, message)):
            return False
    return True


def _site(feature: dict[str, Any], changes: dict[tuple, Any]) -> dict[str, Any]:
    feature = copy.deepcopy(feature)
    for path, value in changes.items():
        target = feature
        for step in path[:-1]:
            target = target[step]
        if value is _MISSING:
            del target[path[-1]]
        else:
            target[path[-1]] = copy.deepcopy(value)
    return feature


def site_with(names: list[str]) -> dict[str, Any]:
    feature = BASE_SITE
    for name in names:
        feature = _site(feature, MISTAKES[name][0])
    return feature


def _lines(feature: dict[str, Any], folder: Path) -> list[str]:
    path = folder / "many.geojson"
    doc = {"type": "FeatureCollection", "features": [feature]}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return [
        f"{p.field}: {'' if p.severity == 'error' else p.severity + ': '}{p.message}"
        for p in validate_path(path)
        if p.severity != "notice"
    ]


def _found(mistake: tuple[dict, str, str], lines: list[str]) -> bool:
    _, field, message = mistake
    return any(
        line.startswith(f"{field}: ") and _words(line.split(": ", 1)[1]) == _words(message)
        for line in lines
    )


@st.composite
def mistake_sets(draw) -> list[str]:
    order = draw(st.permutations(NAMES))
    wanted = draw(st.integers(min_value=2, max_value=6))
    chosen: list[str] = []
    for name in order:
        if all(compatible(name, other) for other in chosen):
            chosen.append(name)
        if len(chosen) == wanted:
            break
    return chosen


def _words(message: str) -> str:
    # A status checked over broken claims is worded with what they could give; the
    # verdict (field, "says 'x'") is what must be there.
    return " ".join(message.split()[:3])


MISTAKES = _mistakes()
NAMES = sorted(MISTAKES)


def test_the_catalogue_covers_the_rules_with_a_bad_file():
    assert len(MISTAKES) >= 40
    assert {"unknown-stance", "date-not-iso", "derived-status-mismatch", "unknown-source",
            "javascript-url", "swapped-coordinates"} <= {n.removesuffix(".geojson") for n in MISTAKES}  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(names=mistake_sets())
def test_one_run_reports_every_independent_mistake(names, tmp_path):
    lines = _lines(site_with(names), tmp_path)
    for name in names:
        assert _found(MISTAKES[name], lines), (name, MISTAKES[name][1:], lines)


def test_the_six_mistakes_of_the_issue_in_one_run(runner, tmp_path):
    # A bad date, an unknown stance, a stale status, an unknown source id, a URL without a
    # scheme and swapped coordinates: 3 lines before, then 3 more after fixing those.
    feature = copy.deepcopy(BASE_SITE)
    props = feature["properties"]
    props["claims"][0]["date"] = "18 Feb 2019"
    props["claims"][1]["stance"] = "maybe"
    props["status"] = "attested-denied"
    props["claims"][1]["sources"] = ["nyt"]
    props["sources"][0]["url"] = "example.org/a"
    feature["geometry"]["coordinates"] = [38.16889, 73.965]
    path = tmp_path / "six.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")  # fmt: skip
    result = runner.invoke(cli, ["validate", str(path)])
    fields = [line.split(": ")[2] for line in result.stdout.splitlines()]
    assert fields == [
        "claims[0].date",
        "claims[1].stance",
        "claims[1].sources",
        "sources[0].url",
        "status",
        "geometry.coordinates",
    ]
    assert "says 'attested-denied' but the claims give 'attested' or 'reported'" in result.stdout
    assert "6 error(s)" in result.stderr


def test_a_status_some_value_of_a_broken_claim_would_give_is_not_reported(tmp_path):
    # claims[0] is an on-site affirmation; with an unknown stance it might still be one,
    # so "attested" may be right: only the stance is reported.
    feature = copy.deepcopy(BASE_SITE)
    feature["properties"]["claims"][0]["stance"] = "maybe"
    path = tmp_path / "one.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")  # fmt: skip
    fields = [p.field for p in validate_path(path) if p.severity == "error"]
    assert fields == ["claims[0].stance"]
