"""The CLI as researchers use it (issue #18): one test per item seen by a new user.

Each of these failed before its fix; the item number is in the test's name.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from facilitymap.cli import cli
from facilitymap.io import load_layer

REPO = Path(__file__).resolve().parents[1]
INVALID = Path(__file__).parent / "data" / "invalid"
SITE = ["--kind", "base", "--country", "TJ", "--confidence", "low",
        "--confidence-note", "One report.", "--location-note", "Town centre."]  # fmt: skip
CLAIM = ["--actor", "Host MFA", "--actor-type", "host-government", "--stance", "denies",
         "--basis", "statement", "--summary", "Calls it baseless.", "--source", "c-2024"]  # fmt: skip


def error_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("Error:")]


def test_18_2_a_nan_coordinate_names_the_site_the_field_and_the_line(runner):
    result = runner.invoke(cli, ["validate", str(INVALID / "broken-nan-coordinate.geojson")])
    assert result.exit_code == 1
    assert result.stdout.split(": ", 1)[1] == (
        "tj-test-site: geometry.coordinates[0]: NaN is not a JSON number (RFC 8259): "
        "use null or a finite number (line 10, column 6)\n"
    )


@pytest.mark.parametrize("bad", ["12/07/2024", "2024-13-01", "2024-02-30", "yesterday"])
def test_18_3_a_bad_claim_date_is_a_usage_error_not_a_traceback(runner, two_sites, bad):
    # The traceback came from deriving the status of a host-government claim.
    before = two_sites.read_bytes()
    result = runner.invoke(
        cli, ["add", "claim", "tj-test-denied", "--date", bad, *CLAIM, "--layer", str(two_sites)]
    )
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert len(error_lines(result)) == 1 and "--date" in error_lines(result)[0]
    assert two_sites.read_bytes() == before


def test_18_3_the_library_reports_a_bad_date_as_a_layer_problem(two_sites):
    from facilitymap.edit import add_claim, commit, open_layer
    from facilitymap.errors import LayerError

    layer = open_layer(two_sites)
    claim = {"date": "12/07/2024", "actor": "MFA", "actor_type": "host-government",
             "stance": "denies", "basis": "statement", "summary": "No.", "sources": ["c-2024"]}  # fmt: skip
    changed = add_claim(layer, "tj-test-denied", claim)  # no ValueError while deriving
    with pytest.raises(LayerError) as raised:
        commit(layer, changed, two_sites)
    assert [(p.site, p.field) for p in raised.value.problems] == [
        ("tj-test-denied", "claims[3].date")
    ]


def test_18_4_editing_a_layer_that_does_not_exist_needs_create(runner, two_sites, tmp_path):
    typo = tmp_path / "sites.gejson"
    result = runner.invoke(cli, ["add", "site", "--id", "tj-a", "--name", "A", *SITE,
                                 "--layer", str(typo)])  # fmt: skip
    assert result.exit_code == 1
    assert error_lines(result) == [f"Error: {typo}: no such layer; check the path, or pass --create to start a new layer"]  # fmt: skip
    assert not typo.exists()
    for command in (["source", "tj-a", "--id", "s", "--title", "T", "--publisher", "P", "--url", "https://e.org"],
                    ["claim", "tj-a", "--date", "2024", *CLAIM]):  # fmt: skip
        refused = runner.invoke(cli, ["add", *command, "--layer", str(typo)])
        assert refused.exit_code == 1 and "no such layer" in refused.stderr and not typo.exists()
    created = runner.invoke(cli, ["add", "site", "--id", "tj-a", "--name", "A", *SITE,
                                  "--layer", str(typo), "--create"])  # fmt: skip
    assert created.exit_code == 0, created.output
    assert [s.id for s in load_layer(typo).sites] == ["tj-a"]


def test_18_5_interactive_add_site_asks_for_the_location_and_asks_again(runner, tmp_path):
    layer = tmp_path / "new.geojson"
    answers = [
        "Tj X",  # id: not a slug, asked again
        "tj-x",
        "X post",  # name
        "fort",  # kind: not a choice, asked again
        "border-post",
        "tjk",  # country: not two letters, asked again
        "tj",
        "sure",  # confidence: asked again
        "low",
        "One report.",  # confidence note
        "38.2 73.9 5",  # location: three numbers, asked again
        "200 38",  # longitude out of range, asked again
        "73.965, 38.169",
        "-5",  # precision: must be > 0
        "20000",
        "somewhere",  # basis: not a choice
        "reference-place",
        "Placed on the village named in the report.",  # location note
    ]
    result = runner.invoke(
        cli,
        ["add", "site", "-i", "--layer", str(layer), "--create"],
        input="\n".join(answers) + "\n",
    )
    assert result.exit_code == 0, result.output
    asked = result.stdout
    for prompt in ("site id:", "name:", "kind (", "country:", "confidence (",
                   "confidence note:", "location: longitude latitude (empty if unlocated):",
                   "precision m (radius", "location basis (", "location note:"):  # fmt: skip
        assert prompt in asked, prompt
    assert asked.count("Error:") == 8  # one per bad answer, each asked again
    site = load_layer(layer).site("tj-x")
    assert site.geometry == {"type": "Point", "coordinates": [73.965, 38.169]}
    assert (site.kind, site.country, site.confidence) == ("border-post", "TJ", "low")
    assert (site.location.precision_m, site.location.basis) == (20000, "reference-place")
    assert site.updated == date.today().isoformat()


def test_18_5_interactive_add_site_takes_an_empty_location_as_unlocated(runner, tmp_path):
    layer = tmp_path / "new.geojson"
    answers = ["tj-p", "P", "programme", "TJ", "low", "One relay.", "", "Not published."]
    result = runner.invoke(cli, ["add", "site", "-i", "--layer", str(layer), "--create"],
                           input="\n".join(answers) + "\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    site = load_layer(layer).site("tj-p")
    assert site.geometry is None and site.location.basis == "unlocated"


def test_18_5_every_add_option_says_what_it_is(runner):
    from facilitymap.cli.add import add

    for name, command in add.commands.items():
        for param in command.params:
            if param.param_type_name == "option" and param.name not in ("help",):
                assert param.help, f"add {name} {param.opts[0]} has no help"
    helped = runner.invoke(cli, ["add", "site", "--help"])
    note = helped.stdout[helped.stdout.index("--location-note") :]
    assert "[required]" in note.split("--confidence ")[0]


def test_18_5_add_site_without_a_terminal_names_what_is_missing(runner, tmp_path):
    layer = tmp_path / "new.geojson"
    result = runner.invoke(cli, ["add", "site", "--id", "tj-a", "--name", "A", "--lon", "73",
                                 "--lat", "38", *SITE, "--layer", str(layer), "--create"])  # fmt: skip
    assert result.exit_code == 2 and "--precision-m" in result.stderr and not layer.exists()


def test_18_6_add_source_does_not_warn_that_no_claim_cites_it_yet(runner, two_sites):
    result = runner.invoke(cli, ["add", "source", "tj-test-denied", "--id", "n-2025",
                                 "--title", "T", "--publisher", "P", "--url", "https://e.org/n",
                                 "--archive-url", "https://web.archive.org/web/2025/https://e.org/n",
                                 "--layer", str(two_sites)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "cited by no claim" not in result.stderr


def test_18_add_claim_adds_its_new_source_in_the_same_call(runner, two_sites):
    result = runner.invoke(cli, ["add", "claim", "tj-test-denied", "--date", "2025-03",
                                 *CLAIM[:-2], "--source-url", "https://e.org/mfa",
                                 "--source-title", "Statement", "--publisher", "Host MFA",
                                 "--language", "ru", "--layer", str(two_sites)])  # fmt: skip
    assert result.exit_code == 0, result.output
    site = load_layer(two_sites).site("tj-test-denied")
    claim, source = site.claims[-1], site.sources[-1]
    assert claim.sources == [source.id] == ["host-mfa-2025-03"]
    assert (source.url, source.title, source.published, source.language) == (
        "https://e.org/mfa", "Statement", "2025-03", "ru")  # fmt: skip
    again = runner.invoke(cli, ["add", "claim", "tj-test-denied", "--date", "2025-03",
                                *CLAIM[:-2], "--source-url", "https://e.org/mfa2",
                                "--source-title", "Again", "--publisher", "Host MFA",
                                "--layer", str(two_sites)])  # fmt: skip
    assert again.exit_code == 0, again.output
    assert load_layer(two_sites).site("tj-test-denied").sources[-1].id == "host-mfa-2025-03-2"


def test_18_add_claim_with_a_bad_new_source_writes_neither(runner, two_sites):
    before = two_sites.read_bytes()
    result = runner.invoke(cli, ["add", "claim", "tj-test-denied", "--date", "2025-03",
                                 *CLAIM[:-2], "--source-url", "javascript:alert(1)",
                                 "--source-title", "T", "--publisher", "P",
                                 "--layer", str(two_sites)])  # fmt: skip
    assert result.exit_code == 1 and "only http(s) links" in result.stderr
    assert two_sites.read_bytes() == before


def test_18_7_show_finds_a_site_by_part_of_its_name_or_suggests_ids(runner):
    layer = str(REPO / "geodata" / "sites.geojson")
    found = runner.invoke(cli, ["show", "shaymak", layer])
    assert found.exit_code == 0 and "[tj-murghab-shaymak]" in found.stdout
    typo = runner.invoke(cli, ["show", "tj-murgab-shaymak", layer])
    assert typo.exit_code == 1
    assert error_lines(typo) == [f"Error: {layer}: no site with id 'tj-murgab-shaymak'; did you mean tj-murghab-shaymak?"]  # fmt: skip
    part = runner.invoke(cli, ["show", "shaymk", layer])
    assert error_lines(part) == [f"Error: {layer}: no site with id 'shaymk'; did you mean tj-murghab-shaymak?"]  # fmt: skip
    many = runner.invoke(cli, ["show", "exercise", layer])
    assert many.exit_code == 1 and "match it: " in many.stderr


def test_18_7_show_as_of_counts_the_hidden_claims_and_dates_the_confidence(runner, two_sites):
    result = runner.invoke(cli, ["show", "tj-test-denied", str(two_sites), "--as-of", "2018"])
    assert result.exit_code == 0
    assert "claims: none by then" in result.stdout
    assert "3 later claim(s) hidden (made after 2018-12-31)" in result.stdout
    assert "(assessed 2026-11-29 with every claim, not as of 2018-12-31)" in result.stdout
    full = runner.invoke(cli, ["show", "tj-test-denied", str(two_sites)])
    assert "hidden" not in full.stdout and "assessed" not in full.stdout


def test_18_8_list_fits_the_terminal_width(runner, monkeypatch):
    layer = str(REPO / "geodata" / "sites.geojson")
    wide = runner.invoke(cli, ["list", layer], env={"COLUMNS": "400"})
    assert max(map(len, wide.stdout.splitlines())) > 150  # the table this layer gives
    for columns in (80, 100, 120):
        result = runner.invoke(cli, ["list", layer], env={"COLUMNS": str(columns)})
        lines = result.stdout.splitlines()
        assert max(map(len, lines)) <= columns, columns
        assert lines[1].startswith("tj-murghab-shaymak ")  # ids are never cut
        assert "STATUS" in lines[0] and "NAME" in lines[0]
    csv = runner.invoke(cli, ["list", layer, "--format", "csv"], env={"COLUMNS": "80"})
    assert "Interior Ministry rapid-response unit base, Vakhon (Ishkashim district)" in csv.stdout


@pytest.mark.parametrize("command", [["list"], ["show", "x"], ["render", "-o", "{out}"],
                                     ["export", "--to", "csv", "-o", "{out}"], ["validate"]])  # fmt: skip
def test_18_9_a_missing_file_and_a_folder_exit_alike(runner, tmp_path, command):
    out = str(tmp_path / "out.x")
    args = [a.format(out=out) for a in command]
    codes = set()
    for path in (tmp_path / "missing.geojson", tmp_path):
        result = runner.invoke(cli, [*args, str(path)])
        codes.add(result.exit_code)
        assert "Traceback" not in result.output
        assert str(path) in result.stderr + result.stdout
    assert codes == {1}


@pytest.mark.parametrize("command", [["render", "-o", "{out}"], ["export", "--to", "csv", "-o", "{out}"]])  # fmt: skip
def test_18_9_an_existing_output_without_overwrite_is_a_usage_error(runner, two_sites, tmp_path, command):  # fmt: skip
    out = tmp_path / "exists.out"
    out.write_bytes(b"mine")
    result = runner.invoke(cli, [*[a.format(out=out) for a in command], str(two_sites)])
    assert result.exit_code == 2
    assert error_lines(result) == [f"Error: {out}: exists; pass --overwrite to replace it"]
    assert out.read_bytes() == b"mine"


def test_18_10_validate_counts_notices_in_one_line(runner):
    result = runner.invoke(cli, ["validate", str(REPO / "geodata" / "sites.geojson")])
    assert result.exit_code == 0
    assert "notice" not in result.stdout
    assert next(line for line in result.stderr.splitlines() if "notice" in line).endswith(
        "notice(s) not listed (--notices lists them)"
    )


def test_18_12_build_fails_loudly_rather_than_keep_a_stale_screenshot(runner, tmp_path, monkeypatch):  # fmt: skip
    layer = tmp_path / "layer.geojson"
    shutil.copy(Path(__file__).parent / "data" / "valid" / "two-sites.geojson", layer)
    (tmp_path / "out").mkdir()
    stale = tmp_path / "out" / "all.png"
    stale.write_bytes(b"an older map")
    config = tmp_path / "maps.toml"
    config.write_text('layer = "layer.geojson"\noutput_dir = "out"\n'
                      'screenshot = { map = "all", output = "all.png" }\n'
                      '[[map]]\nname = "all"\noutput = "all.html"\n', encoding="utf-8")  # fmt: skip
    monkeypatch.setenv("FACILITYMAP_CHROMIUM", str(tmp_path / "no-chromium"))  # none to drive
    result = runner.invoke(cli, ["build", "-c", str(config)])
    assert result.exit_code == 1
    assert error_lines(result) == [
        f"Error: {stale}: not updated, so it shows the previous map: Chromium not found "
        "(apt-get install chromium); install it, or pass --no-screenshot"
    ]
    assert (tmp_path / "out" / "all.html").is_file() and stale.read_bytes() == b"an older map"
    skipped = runner.invoke(cli, ["build", "-c", str(config), "--no-screenshot"])
    assert skipped.exit_code == 0


def test_18_json_outputs_stay_whole(runner, two_sites):
    result = runner.invoke(cli, ["show", "tj-test-denied", str(two_sites), "--as-of", "2020",
                                 "--format", "json"])  # fmt: skip
    feature = json.loads(result.stdout)
    assert feature["later_claims"] == 2 and len(feature["timeline"]) == 1


def test_18_interactive_add_claim_asks_for_its_source_and_adds_a_new_one(runner, two_sites):
    answers = [
        "12/07/2024",  # date: asked again
        "2024-07",
        "Host MFA",  # actor
        "ministry",  # actor type: asked again
        "host-government",
        "denies",  # stance
        "statement",  # basis
        "Calls it a fabrication.",  # summary
        "https://example.org/mfa-2024",  # sources: a URL starts a new source
        "MFA statement",  # its title
        "Host MFA",  # its publisher
    ]
    result = runner.invoke(cli, ["add", "claim", "tj-test-denied", "-i", "--layer", str(two_sites)],
                           input="\n".join(answers) + "\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.count("Error:") == 2
    for prompt in ("date:", "actor:", "actor type (", "stance (", "basis (", "summary:",
                   "sources: ids in the site", "source title:",
                   "publisher:"):  # fmt: skip
        assert prompt in result.stdout, prompt
    site = load_layer(two_sites).site("tj-test-denied")
    assert site.claims[-1].sources == ["host-mfa-2024-07"]
    assert site.sources[-1].url == "https://example.org/mfa-2024"
