"""facilitymap diff: every kind of change, in text, JSON, Markdown and HTML; git revisions;
the review checks (--check); exit codes."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from facilitymap.cli import cli
from facilitymap.diff import (
    DiffError,
    change_words,
    changes_since,
    diff_layers,
    md_escape,
    read_version,
    review_problems,
    to_html,
    to_json_dict,
    to_markdown,
    to_text,
)
from facilitymap.edit import add_claim, add_site, add_source, with_derived
from facilitymap.io import Layer, load_layer, save_layer

ROOT = Path(__file__).resolve().parents[1]
LAYER = ROOT / "geodata" / "sites.geojson"
# A small layer built here through the library (made-up sites, so the tests do not move when
# the real data is recoded); the sites are shaped like real ones: a denied base read from a
# relay, an attested and denied facility, an acknowledged exercise range.
VAKHON = "test-vakhon"
SHAYMAK = "test-shaymak"
KULOB = "test-kulob"
GONE = "test-gone"


def _claim(claim_id, date, actor_type, stance, basis, sources, **extra):
    return {"id": claim_id, "date": date, "actor": f"Actor of {claim_id}",
            "actor_type": actor_type, "stance": stance, "basis": basis,
            "summary": f"Summary of {claim_id}.", "sources": sources, **extra}  # fmt: skip


def _source(source_id, publisher, **extra):
    return {"id": source_id, "title": f"Title of {source_id}", "publisher": publisher,
            "url": f"https://example.org/{source_id}", **extra}  # fmt: skip


def _site(site_id, name, claims, sources, *, lon=68.78, lat=38.54, precision=50000, **extra):
    return {
        "id": site_id,
        "name": name,
        "kind": "base",
        "country": "TJ",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "location": {"precision_m": precision, "basis": "analyst-estimate", "note": "Made up."},
        "confidence": "moderate",
        "confidence_note": "Made up for the tests.",
        "claims": claims,
        "sources": sources,
        **extra,
    }


BASE_SITES = [
    _site(
        SHAYMAK,
        "Facility near Shaymak, Murghab district",
        [
            _claim("c1", "2019-02-18", "journalist", "affirms", "on-site", ["s1"]),
            _claim("c2", "2019-02-18", "journalist", "affirms", "imagery", ["s2"]),
            _claim("c3", "2019-02-21", "host-government", "denies", "statement", ["s3"]),
        ],
        [_source("s1", "Outlet One"), _source("s2", "Outlet Two"), _source("s3", "State agency")],
        lon=73.97,
        lat=38.17,
        precision=170000,
        confidence="high",
    ),
    _site(
        VAKHON,
        "Rapid-response unit base, Vakhon",
        [
            _claim("c1", "2021-10-27", "journalist", "affirms", "relay", ["s1"]),
            _claim("c2", "2021-10-30", "host-government", "denies", "statement", ["s2"]),
            _claim("c3", "2022-11-23", "journalist", "context", "relay", ["s3"]),
        ],
        [_source("s1", "Outlet One"), _source("s2", "State agency"), _source("s3", "Outlet 3")],
    ),
    _site(
        KULOB,
        "Mumirak range, Kulob",
        [
            _claim("c1", "2006-09-14", "host-government", "announces", "statement", ["s1"]),
            _claim("c2", "2006-09-21", "journalist", "affirms", "statement", ["s2"]),
            _claim("c3", "2006-09-22", "journalist", "affirms", "statement", ["s3"]),
            _claim("c4", "2022-11-22", "journalist", "affirms", "relay", ["s4"]),
        ],
        [_source(f"s{i}", f"Outlet {i}") for i in range(1, 5)],
    ),
    _site(
        GONE,
        "Undisclosed exercise grounds",
        [_claim("c1", "2022-11-21", "host-government", "announces", "document", ["s1"])],
        [_source("s1", "State agency")],
    ),
]

NEW_SITE = {
    "id": "tj-test-new-post",
    "name": "Test post <b>|new|</b>",
    "kind": "border-post",
    "country": "TJ",
    "geometry": {"type": "Point", "coordinates": [71.5, 37.5]},
    "location": {"precision_m": 5000, "basis": "analyst-estimate", "note": "Test point."},
    "confidence": "low",
    "confidence_note": "One test source.",
    "claims": [
        {
            "id": "c1",
            "date": "2024-01-02",
            "actor": "Test outlet",
            "actor_type": "journalist",
            "stance": "affirms",
            "basis": "relay",
            "summary": "A post is reported.",
            "sources": ["s1"],
        }
    ],
    "sources": [
        {"id": "s1", "title": "Report", "publisher": "Test outlet", "url": "https://example.org/r"}
    ],
}


def base_layer() -> Layer:
    layer = Layer(sites=[])
    for site in BASE_SITES:
        layer = add_site(layer, site)
    return layer


def _change(layer: Layer, site_id: str, change) -> Layer:
    sites = [with_derived(change(s)) if s.id == site_id else s for s in layer.sites]
    return Layer(sites, dict(layer.extra_members))


def _recode(site, claim_id: str, **fields):
    return site.replace(
        claims=[c.replace(**fields) if c.id == claim_id else c for c in site.claims]
    )


def _shift(coords, dlat: float):
    if isinstance(coords[0], int | float):
        return [coords[0], round(coords[1] + dlat, 6)]
    return [_shift(part, dlat) for part in coords]


def _move(site, dlat: float):
    geometry = site.geometry
    return site.replace(geometry={**geometry, "coordinates": _shift(geometry["coordinates"], dlat)})


@pytest.fixture(scope="module")
def versions() -> tuple[Layer, Layer]:
    """A layer, and a second version built from it with every kind of change."""
    old = base_layer()
    new = _change(old, VAKHON, lambda s: _recode(s, "c2", stance="acknowledges-other-role"))
    new = _change(
        new,
        SHAYMAK,
        lambda s: _move(s, 0.1).replace(
            confidence="moderate",
            location=s.location.replace(precision_m=150000),
            name="Facility near Shaymak",
        ),
    )
    new = add_claim(
        new,
        KULOB,
        {
            "date": "2024-05-01",
            "actor": "Test outlet",
            "actor_type": "journalist",
            "stance": "affirms",
            "basis": "relay",
            "summary": "Recalls the range.",
            "sources": ["test-2024"],
        },
    )
    new = add_source(
        new,
        KULOB,
        {"id": "test-2024", "title": "Range", "publisher": "Test outlet", "url": "https://e.org/"},
    )
    new = _change(
        new,
        KULOB,
        lambda s: _recode(s, "c2", summary="Shorter summary.").replace(
            # c3 goes, with a note saying why; its only source goes with it
            claims=[
                c.replace(summary="Shorter summary.")
                if c.id == "c2"
                else c.replace(note="c3 removed: duplicate of c2 (test).")
                if c.id == "c4"
                else c
                for c in s.claims
                if c.id != "c3"
            ],
            sources=[
                src.replace(title="Retitled") if src.id == "s2" else src
                for src in s.sources
                if src.id != "s3"
            ],
        ),
    )
    new = Layer([s for s in new.sites if s.id != GONE], {})
    new = add_site(new, NEW_SITE)
    return old, new


@pytest.fixture(scope="module")
def result(versions):
    return diff_layers(*versions, "old.geojson", "new.geojson")


def test_sites_added_and_removed(result):
    assert [s.id for s in result.added] == ["tj-test-new-post"]
    assert [s.id for s in result.removed] == [GONE]
    assert result.added[0].status == "reported"
    assert [s.id for s in result.changed] == [SHAYMAK, VAKHON, KULOB]
    assert result.summary() == "1 site added, 1 removed, 3 changed (1 status transition)"


def test_status_transition_names_the_claim_that_caused_it(result):
    (site, change), *others = result.transitions
    assert site.id == VAKHON and not others
    assert change.old["status"] == "reported-denied"
    assert change.new["status"] == "acknowledged-other-role"
    assert change.causes == ('c2 re-coded (stance: "denies" → "acknowledges-other-role")',)
    text = to_text(result)
    assert (
        'status: reported-denied → acknowledged-other-role (official_status: "denied" → '
        '"acknowledged-other-role"; positions: TJ: denied → TJ: acknowledged-other-role), '
        'by c2 re-coded (stance: "denies" → "acknowledges-other-role")' in text
    )


def test_every_kind_of_change_in_text(result):
    text = to_text(result)
    assert text.startswith("old.geojson → new.geojson: 1 site added, 1 removed, 3 changed")
    assert "+ tj-test-new-post (Test post <b>|new|</b>): reported" in text
    assert f"- {GONE} (" in text
    shaymak = text.split(f"~ {SHAYMAK}")[1].split("\n~ ")[0]
    assert 'confidence: "high" → "moderate"' in shaymak
    # 0.1° of latitude is 11.1 km
    assert "location: moved 11.1 km; precision 170,000 m → 150,000 m" in shaymak
    assert 'name: "Facility near Shaymak, Murghab district" → "Facility near Shaymak"' in shaymak
    kulob = text.split(f"~ {KULOB}")[1]
    assert '+ claim c5 (2024-05-01, Test outlet, affirms): "Recalls the range."' in kulob
    assert '~ claim c2: summary: "' in kulob and '→ "Shorter summary."' in kulob
    assert "- claim c3 (2006-09-22" in kulob
    assert '+ source test-2024: "Range" (Test outlet)' in kulob
    assert '~ source s2: title: "' in kulob and '→ "Retitled"' in kulob
    assert "- source s3:" in kulob
    assert "status:" not in kulob  # an acknowledged site stays acknowledged


def test_every_kind_of_change_in_json(result):
    data = json.loads(json.dumps(to_json_dict(result)))
    assert data["equal"] is False
    assert data["added"] == [
        {"id": "tj-test-new-post", "name": "Test post <b>|new|</b>", "status": "reported"}
    ]
    assert [s["id"] for s in data["removed"]] == [GONE]
    sites = {s["id"]: s for s in data["changed"]}
    vakhon = sites[VAKHON]
    assert vakhon["status"]["old"]["status"] == "reported-denied"
    assert vakhon["status"]["new"]["official_status"] == "acknowledged-other-role"
    assert vakhon["claims"]["changed"] == [
        {"id": "c2", "fields": {"stance": {"old": "denies", "new": "acknowledges-other-role"}}}
    ]
    shaymak = sites[SHAYMAK]
    assert shaymak["confidence"] == {"old": "high", "new": "moderate"}
    assert shaymak["geometry"]["moved_km"] == pytest.approx(11.12, abs=0.01)
    assert shaymak["geometry"]["precision_m"] == {"old": 170000, "new": 150000}
    assert shaymak["fields"]["name"]["new"] == "Facility near Shaymak"
    kulob = sites[KULOB]
    assert [c["id"] for c in kulob["claims"]["added"]] == ["c5"]
    assert kulob["claims"]["added"][0]["sources"] == ["test-2024"]
    assert [c["id"] for c in kulob["claims"]["removed"]] == ["c3"]
    changed = {c["id"]: c["fields"] for c in kulob["claims"]["changed"]}
    assert changed["c2"]["summary"]["new"] == "Shorter summary."
    assert "note" in changed["c4"]
    assert [s["id"] for s in kulob["sources"]["added"]] == ["test-2024"]
    assert [s["id"] for s in kulob["sources"]["removed"]] == ["s3"]
    assert kulob["sources"]["changed"][0]["fields"]["title"]["new"] == "Retitled"
    assert kulob["status"] is None


def test_every_kind_of_change_in_markdown(result):
    md = to_markdown(result)
    assert md.startswith("### Layer changes: `old.geojson` → `new.geojson`\n")
    assert "| site | from | to | by |" in md
    assert (
        f"| {VAKHON} |" not in md  # the row names the site by its name
        and "| Rapid-response unit base, Vakhon | reported-denied; official\\_status: denied; "
        "positions: TJ: denied | acknowledged-other-role; official\\_status: "
        "acknowledged-other-role; positions: TJ: acknowledged-other-role | c2 re-coded"
        in md
    )
    # text from the layer cannot open HTML or break the table
    assert "Test post &lt;b&gt;\\|new\\|&lt;/b&gt;" in md
    assert "<b>" not in md
    assert f"**`{SHAYMAK}`**" in md
    assert "- location: moved 11.1 km; precision 170,000 m → 150,000 m" in md
    assert "- added claim c5 (2024-05-01, Test outlet, affirms)" in md
    assert "- removed claim c3 (2006-09-22" in md
    assert "- changed claim c2: summary:" in md
    assert "- changed source s2: title:" in md
    assert "- added source test-2024" in md
    assert "- removed source s3" in md
    assert '- confidence: "high" → "moderate"' in md


def test_html_is_escaped(result):
    page = to_html(result)
    assert "<b>|new|</b>" not in page
    assert "Test post &lt;b&gt;|new|&lt;/b&gt;" in page
    assert (
        "<td>reported-denied; official_status: denied; positions: TJ: denied</td>"
        "<td>acknowledged-other-role; official_status: acknowledged-other-role; "
        "positions: TJ: acknowledged-other-role</td>" in page
    )
    assert "default-src 'none'" in page


def test_md_escape():
    assert md_escape("a|b *c* [x](javascript:y) <img> `z`\nnext") == (
        "a\\|b \\*c\\* \\[x\\](javascript:y) &lt;img&gt; \\`z\\` next"
    )


def test_equal_layers_and_formatting_do_not_count(tmp_path):
    copy = tmp_path / "copy.geojson"
    copy.write_text(json.dumps(json.loads(LAYER.read_text()), indent=None), encoding="utf-8")
    result = diff_layers(load_layer(LAYER), load_layer(copy))
    assert result.equal and result.summary() == "no changes"
    run = CliRunner().invoke(cli, ["diff", str(LAYER), str(copy)])
    assert run.exit_code == 0, run.output
    assert run.output == f"{LAYER} → {copy}: no changes\n"


def test_cli_formats_and_exit_codes(versions, tmp_path):
    old, new = versions
    save_layer(old, tmp_path / "old.geojson")
    save_layer(new, tmp_path / "new.geojson")
    a, b = str(tmp_path / "old.geojson"), str(tmp_path / "new.geojson")
    runner = CliRunner()
    text = runner.invoke(cli, ["diff", a, b])
    assert text.exit_code == 1
    assert "by c2 re-coded" in text.output
    data = runner.invoke(cli, ["diff", a, b, "--format", "json"])
    assert data.exit_code == 1
    assert json.loads(data.output)["changed"][1]["id"] == VAKHON
    md = runner.invoke(cli, ["diff", a, b, "--format", "md"])
    assert md.exit_code == 1 and md.output.startswith("### Layer changes:")
    page = runner.invoke(cli, ["diff", a, b, "--format", "html"])
    assert page.exit_code == 1 and page.output.startswith("<!DOCTYPE html>")


def test_unreadable_versions_exit_2_naming_each(tmp_path):
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    run = CliRunner().invoke(cli, ["diff", str(tmp_path / "missing.geojson"), str(broken)])
    assert run.exit_code == 2
    assert "missing.geojson: no such file, and not a git revision" in run.output
    assert f"{broken}: 1 error(s)" in run.output
    assert "Traceback" not in run.output


def test_duplicate_ids_cannot_be_compared(tmp_path):
    doc = json.loads(LAYER.read_text())
    doc["features"].append(doc["features"][0])
    first_id = doc["features"][0]["id"]
    twice = tmp_path / "twice.geojson"
    twice.write_text(json.dumps(doc), encoding="utf-8")
    run = CliRunner().invoke(cli, ["diff", str(LAYER), str(twice)])
    assert run.exit_code == 2
    assert f"{twice}: {first_id}: id: appears 2 times; cannot compare by id" in run.output


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_revisions_in_a_temporary_repository(versions, tmp_path, monkeypatch):
    old, new = versions
    repo = tmp_path / "repo"
    (repo / "geodata").mkdir(parents=True)
    _git(repo, "init", "-q")
    layer = repo / "geodata" / "sites.geojson"
    save_layer(old, layer)
    _git(repo, "add", "geodata/sites.geojson")
    _git(repo, "commit", "-q", "-m", "first")
    save_layer(new, layer)
    _git(repo, "commit", "-q", "-am", "second")
    save_layer(old, layer)  # the working copy goes back; the staged copy is the second
    monkeypatch.chdir(repo)
    runner = CliRunner()
    run = runner.invoke(cli, ["diff", "HEAD~1:geodata/sites.geojson", "HEAD:geodata/sites.geojson"])
    assert run.exit_code == 1, run.output
    assert run.output.startswith(
        "HEAD~1:geodata/sites.geojson → HEAD:geodata/sites.geojson: 1 site added, 1 removed"
    )
    assert "by c2 re-coded" in run.output
    # a bare revision means REV:geodata/sites.geojson; NEW defaults to the working copy
    back = runner.invoke(cli, ["diff", "HEAD"])
    assert back.exit_code == 1
    assert "status: acknowledged-other-role → reported-denied (" in back.output
    assert 'by c2 re-coded (stance: "acknowledges-other-role" → "denies")' in back.output
    same = runner.invoke(cli, ["diff", "HEAD~1", "geodata/sites.geojson"])
    assert same.exit_code == 0 and same.output.endswith("no changes\n")
    staged = runner.invoke(cli, ["diff", ":geodata/sites.geojson", "HEAD"])
    assert staged.exit_code == 0
    missing = runner.invoke(cli, ["diff", "HEAD~5:geodata/sites.geojson", "HEAD"])
    assert missing.exit_code == 2
    assert "HEAD~5:geodata/sites.geojson: not a file, and git cannot show it" in missing.output
    layer_, label = read_version("HEAD~1", cwd=repo)
    assert label == "HEAD~1:geodata/sites.geojson" and len(layer_.sites) == len(old.sites)


def test_a_concerned_government_changes_status_and_is_named(versions):
    old, _ = versions
    # naming China as a concerned government adds its position (no statement coded for it)
    new = _change(old, VAKHON, lambda s: s.replace(governments=["CN"]))
    result = diff_layers(old, new, "a", "b")
    (change,) = result.changed
    assert [(f.field, f.old, f.new) for f in change.fields] == [("governments", None, ["CN"])]
    assert change.status.causes == ("governments changed",)
    assert (
        "    status: reported-denied (positions: TJ: denied → TJ: denied, CN: no-statement), "
        "by governments changed\n" in to_text(result)
    )
    # a second coder asks which claim supports the new position
    (problem,) = review_problems(result)
    assert str(problem) == (
        f"b: {VAKHON}: status: reported-denied (positions: TJ: denied → TJ: denied, "
        "CN: no-statement) without a new or changed claim (governments changed)"
    )


# ---------------------------------------------------------------------------- --check


def test_check_passes_a_well_formed_contribution(result):
    # c3 was removed with a note naming it; the dropped source is no longer cited
    assert review_problems(result) == []


def test_check_flags_what_a_second_coder_would(versions, tmp_path):
    old, _ = versions
    # Shaymak's status moves only because two publishers are merged into one
    new = _change(
        old,
        SHAYMAK,
        lambda s: s.replace(
            sources=[
                src.replace(publisher="Outlet One") if src.id == "s2" else src for src in s.sources
            ]
        ),
    )
    # a cited source dropped, a claim removed without a note
    new = _change(
        new,
        VAKHON,
        lambda s: s.replace(
            sources=[src for src in s.sources if src.id != "s2"],
            claims=[c for c in s.claims if c.id != "c3"],
        ),
    )
    result = diff_layers(old, new, "a", "b")
    messages = [str(p) for p in review_problems(result)]
    assert messages == [
        f"b: {SHAYMAK}: status: attested-denied → reported-denied (evidence: "
        '"attested" → "reported") without a new or changed claim (publisher of source s2 '
        "changed)",
        f"b: {VAKHON}: sources: source 's2' was removed but is still cited by claim c2",
        f"b: {VAKHON}: claims: claim 'c3' was removed without a note saying why "
        "(mention c3 in a note of the site)",
    ]
    save_layer(old, tmp_path / "a.geojson")
    save_layer(new, tmp_path / "b.geojson")
    run = CliRunner().invoke(
        cli, ["diff", "--check", str(tmp_path / "a.geojson"), str(tmp_path / "b.geojson")]
    )
    assert run.exit_code == 1
    assert "was removed but is still cited by claim c2" in run.output
    ok = CliRunner().invoke(cli, ["diff", "--check", str(LAYER), str(LAYER)])
    assert ok.exit_code == 0


def _documented_hook() -> str:
    doc = (ROOT / "docs" / "diff.md").read_text(encoding="utf-8")
    section = doc.split("### A git pre-commit hook", 1)[1]
    return section.split("```sh\n", 1)[1].split("```", 1)[0]


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_the_documented_pre_commit_hook_refuses_a_bad_commit(versions, tmp_path):
    old, _ = versions
    repo = tmp_path / "repo"
    (repo / "geodata").mkdir(parents=True)
    _git(repo, "init", "-q")
    layer = repo / "geodata" / "sites.geojson"
    save_layer(old, layer)
    _git(repo, "add", "geodata/sites.geojson")
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text(_documented_hook(), encoding="utf-8")
    hook.chmod(0o755)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}

    def commit(message: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@e.org", "commit", "-qam", message],
            cwd=repo,
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )

    assert commit("first").returncode == 0  # nothing to compare with yet
    # a claim removed without a note: refused, with the reason
    save_layer(_change(old, VAKHON, lambda s: s.replace(claims=s.claims[:-1])), layer)
    refused = commit("drop c3")
    assert refused.returncode == 1
    assert (
        f":geodata/sites.geojson: {VAKHON}: claims: claim 'c3' was removed "
        "without a note" in refused.stderr  # git shows a hook's output on stderr
    )
    # the same removal with a note naming it: accepted
    noted = _change(
        old,
        VAKHON,
        lambda s: s.replace(
            claims=s.claims[:-1],
            confidence_note=s.confidence_note + " c3 removed: context only (test).",
        ),
    )
    save_layer(noted, layer)
    accepted = commit("drop c3, with a note")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert _git(repo, "log", "--format=%s") == "drop c3, with a note\nfirst\n"


def test_long_texts_show_where_they_differ_and_id_lists_what_was_added():
    old = "A" * 200 + " the old ending."
    new = "A" * 200 + " the new ending."
    words = change_words(old, new)
    assert words == '"…AAAAAAAAAAAAAAA the old ending." → "…AAAAAAAAAAAAAAA the new ending."'
    assert change_words(["s1", "s2"], ["s2", "s3"]) == "+s3, -s1"
    assert change_words(["s1", "s2"], ["s2", "s1"]) == "reordered: s2, s1"
    assert change_words("low", "high") == '"low" → "high"'


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_changes_since_a_revision_or_a_date(versions, tmp_path):
    old, new = versions
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    layer = repo / "sites.geojson"
    save_layer(old, layer)
    _git(repo, "add", "sites.geojson")
    env_date = {
        "GIT_AUTHOR_DATE": "2024-01-15T12:00:00",
        "GIT_COMMITTER_DATE": "2024-01-15T12:00:00",
    }
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@e.org", "commit", "-qm", "first"],
        cwd=repo, env={**os.environ, **env_date}, check=True,
    )  # fmt: skip
    save_layer(new, layer)
    current = load_layer(layer)
    by_rev = changes_since(current, "HEAD")
    assert by_rev.label == "HEAD"
    assert by_rev.added == {"tj-test-new-post"}
    assert by_rev.changes["tj-test-new-post"] == ("new since HEAD",)
    assert by_rev.changes[VAKHON][0].startswith("status: reported-denied → acknowledged-other-role")
    assert set(by_rev.changes) == {"tj-test-new-post", SHAYMAK, VAKHON, KULOB}
    assert by_rev.removed == ("Undisclosed exercise grounds",)
    by_date = changes_since(current, "2024-02")
    assert by_date.label.startswith("2024-02 (commit ")
    assert by_date.changes["tj-test-new-post"] == (f"new since {by_date.label}",)
    assert by_date.changes[VAKHON] == by_rev.changes[VAKHON]
    before = changes_since(current, "2023-12-31")
    assert before.label == "2023-12-31 (before the layer's first commit)"
    assert set(before.changes) == {s.id for s in current.sites}
    with pytest.raises(DiffError, match=r"sites\.geojson"):
        changes_since(current, "no-such-revision")


def test_maps_toml_declares_since(tmp_path):
    from facilitymap.errors import FacilitymapError
    from facilitymap.maps import load_config

    config = tmp_path / "maps.toml"
    config.write_text(
        'layer = "sites.geojson"\noutput_dir = "out"\n'
        '[[map]]\nname = "new"\noutput = "new.html"\nsince = "HEAD~3"\n',
        encoding="utf-8",
    )
    assert load_config(config).maps[0].since == "HEAD~3"
    config.write_text(
        'layer = "sites.geojson"\n[[map]]\nname = "new"\noutput = "new.html"\nsince = 2024-01-01\n',
        encoding="utf-8",
    )
    with pytest.raises(
        FacilitymapError, match=r"map\[0\]\.since: must be a git revision or a date"
    ):
        load_config(config)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_build_since_marks_every_map(versions, tmp_path, monkeypatch):
    old, new = versions
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    save_layer(old, repo / "sites.geojson")
    _git(repo, "add", "sites.geojson")
    _git(repo, "commit", "-qm", "first")
    save_layer(new, repo / "sites.geojson")
    (repo / "maps.toml").write_text(
        'layer = "sites.geojson"\noutput_dir = "out"\n'
        '[[map]]\nname = "all"\noutput = "all.html"\n'
        '[[map]]\nname = "denied"\noutput = "denied.html"\nstatuses = ["reported-denied"]\n',
        encoding="utf-8",
    )
    (repo / "out").mkdir()
    monkeypatch.chdir(repo)
    run = CliRunner().invoke(cli, ["build", "--since", "HEAD", "--no-screenshot"])
    assert run.exit_code == 0, run.output
    for name in ("all.html", "denied.html"):
        page = (repo / "out" / name).read_text(encoding="utf-8")
        assert '"since":"HEAD","since_removed":["Undisclosed exercise grounds"]' in page
    page = (repo / "out" / "all.html").read_text(encoding="utf-8")
    index = json.loads(re.search(r'id="fm-data">(.*?)</script>', page).group(1))["sites"]
    assert ["new since HEAD"] in index["changes"]
    plain = CliRunner().invoke(cli, ["build", "--no-screenshot"])
    assert plain.exit_code == 0, plain.output
    assert '"since"' not in (repo / "out" / "all.html").read_text(encoding="utf-8")
