"""Citations out (CSL-JSON, BibTeX) and CSL-JSON back in, on the real layer.

The CSL-JSON is rendered by citeproc-py (a maintained CSL processor we did not write) in the
Harvard style it ships, and the BibTeX is parsed by pybtex.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from facilitymap.citations import (
    CitationError,
    bibtex_entries,
    bibtex_escape,
    csl_items,
    sources_from_csl_json,
)
from facilitymap.cli import cli
from facilitymap.io import load_layer
from facilitymap.model import Source

ROOT = Path(__file__).resolve().parents[1]
LAYER = ROOT / "geodata" / "sites.geojson"


@pytest.fixture(scope="module")
def sites():
    return load_layer(LAYER).sites


def _distinct_sources(sites) -> dict[str, Source]:
    """The sources by id; one id, one publication in this layer (a test below checks the
    case of one id used for two different records)."""
    found: dict[str, Source] = {}
    for source in (source for site in sites for source in site.sources):
        known = found.get(source.id)
        if known is None or (source.accessed or "") > (known.accessed or ""):
            found[source.id] = source  # read again later: the latest accessed date
    return found


def test_one_item_per_distinct_source_with_every_field(sites):
    items = csl_items(sites)
    distinct = _distinct_sources(sites)
    assert [item["id"] for item in items] == list(distinct)  # the layer's ids, layer order
    by_id = {item["id"]: item for item in items}
    shih = by_id["wapo-2019-02-18-ein"]
    source = distinct["wapo-2019-02-18-ein"]
    assert shih["title"] == source.title
    assert shih["container-title"] == source.publisher == "The Washington Post"
    assert shih["author"] == [{"literal": "Gerry Shih"}]
    assert shih["issued"] == {"date-parts": [[2019, 2, 18]]}
    assert shih["URL"] == source.url
    assert shih["accessed"]["date-parts"][0][0] >= 2026
    assert shih["language"] == "en"
    # a relay keeps the original outlet as container and says which copy was read
    assert shih["note"] == f"Read via {source.via}" == "Read via EIN News syndication"
    for item in items:
        original = distinct[item["id"]]
        assert item["container-title"] == original.publisher
        assert ("note" in item) == (original.via is not None)
        assert ("archive_location" in item) == (original.archive_url is not None)


def test_archive_url_goes_to_archive_location(sites):
    source = sites[0].sources[0].replace(archive_url="https://web.archive.org/web/2019/x")
    site = sites[0].replace(sources=[source])
    (item,) = csl_items([site])
    assert item["archive"] == "web.archive.org"
    assert item["archive_location"] == "https://web.archive.org/web/2019/x"


def test_one_publication_read_twice_is_one_entry_with_the_latest_date(sites):
    source = sites[0].sources[0].replace(accessed="2026-01-01", note="read first")
    again = source.replace(accessed="2026-11-30", note="read again")
    a = sites[0].replace(sources=[source])
    b = sites[1].replace(sources=[again])
    (item,) = csl_items([a, b])
    assert item["id"] == source.id and item["accessed"] == {"date-parts": [[2026, 11, 30]]}


def test_same_id_different_records_are_told_apart(sites):
    a = sites[0].replace(sources=[sites[0].sources[0]])
    b = sites[1].replace(sources=[sites[0].sources[0].replace(title="Another title")])
    assert [i["id"] for i in csl_items([a, b])] == [
        f"{a.id}:{a.sources[0].id}",
        f"{b.id}:{a.sources[0].id}",
    ]


def test_citeproc_renders_every_entry(sites):
    from citeproc import (
        Citation,
        CitationItem,
        CitationStylesBibliography,
        CitationStylesStyle,
        formatter,
    )
    from citeproc.source.json import CiteProcJSON

    items = csl_items(sites)
    # through JSON text, as a file handed to Zotero or Pandoc would be
    source = CiteProcJSON(json.loads(json.dumps(items)))
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, source, formatter.plain)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    rendered = [str(entry) for entry in bibliography.bibliography()]
    assert len(rendered) == len(items)
    text = "\n".join(rendered)
    for item in items:
        assert item["URL"] in text, item["id"]
        assert item["container-title"] in text, item["id"]
    url = next(i["URL"] for i in items if i["id"] == "wapo-2019-02-18-ein")
    (shih,) = [r for r in rendered if url in r]
    assert shih.startswith("Gerry Shih (2019) ")
    assert "The Washington Post. Available at: " in shih


def test_bibtex_parses_with_pybtex(sites):
    from pybtex.database import parse_string

    text = bibtex_entries(sites)
    distinct = _distinct_sources(sites)
    data = parse_string(text, "bibtex")
    assert list(data.entries) == list(distinct)
    entry = data.entries["wapo-2019-02-18-ein"]
    assert entry.type == "online"
    assert entry.fields["organization"] == "The Washington Post"
    assert entry.fields["date"] == "2019-02-18"
    assert entry.fields["url"] == distinct["wapo-2019-02-18-ein"].url
    assert entry.fields["note"] == "Read via EIN News syndication"
    assert entry.fields["langid"] == "english"
    assert [str(p) for p in entry.persons["author"]] == ["{Gerry Shih}"]
    chinese = [s for s in distinct.values() if s.language == "zh-Hans"]
    assert chinese and all(data.entries[s.id].fields["language"] == "zh-Hans" for s in chinese)


def test_bibtex_values_cannot_escape_their_field(sites):
    from pybtex.database import parse_string

    hostile = (
        sites[0]
        .sources[0]
        .replace(
            id="x",
            title='}, title = {pwned}, @preamble{"\\immediate\\write18{rm -rf}"} {',
            publisher="A & B 100% #1 $x$ a_b ^ ~ \\",
            url="https://example.org/a}b{c d%zz%41",
            via=None,
            author=None,
        )
    )
    text = bibtex_entries([sites[0].replace(sources=[hostile])])
    data = parse_string(text, "bibtex")
    assert list(data.entries) == ["x"]
    fields = data.entries["x"].fields
    assert "pwned" in fields["title"] and "@preamble" in fields["title"]
    assert set(fields) == {"title", "organization", "date", "url", "urldate", "langid"}
    assert fields["url"] == "https://example.org/a%7Db%7Bc%20d%25zz%41"
    assert bibtex_escape("A & B 100% {x}") == r"A \& B 100\% \textbraceleft{}x\textbraceright{}"


def test_csl_json_reads_back_to_the_same_sources(sites):
    items = json.loads(json.dumps(csl_items(sites)))
    back = sources_from_csl_json(items)
    expected = [s.replace(note=None) for s in _distinct_sources(sites).values()]
    assert len(back) == len(expected)
    assert back == expected


def test_zotero_style_names_and_dates():
    (source,) = sources_from_csl_json(
        [
            {
                "id": "s1",
                "type": "article-newspaper",
                "title": "T",
                "publisher": "P",
                "author": [{"family": "Shih", "given": "Gerry"}, {"literal": "Staff"}],
                "issued": {"date-parts": [["2019", "2"]]},
                "URL": "https://example.org/t",
                "archive_location": "Box 3",
            }
        ]
    )
    assert source.author == "Gerry Shih, Staff"
    assert source.published == "2019-02"
    assert source.publisher == "P"
    assert source.archive_url is None  # only an http(s) archive location is an archive URL


def test_every_bad_item_is_reported():
    with pytest.raises(CitationError) as caught:
        sources_from_csl_json(
            [
                {"id": "ok", "title": "T", "container-title": "P", "URL": "https://e.org"},
                {"id": "a", "container-title": "P"},
                {"id": "http://zotero.org/users/1/items/ABC", "title": "T", "URL": "https://e.org"},
                "not an object",
                {
                    "id": "d",
                    "title": "T",
                    "publisher": "P",
                    "URL": "https://e.org",
                    "issued": {"date-parts": [["x"]]},
                },
            ]
        )
    problems = caught.value.problems
    assert ("item 1 (a)", "title", "required field is missing") in problems
    assert ("item 1 (a)", "url", "required field is missing") in problems
    assert any(p[0].startswith("item 2 (http://zotero") and p[1] == "id" for p in problems)
    assert ("item 3", "-", "must be an object") in problems
    assert any(p[0] == "item 4 (d)" and p[1] == "date" for p in problems)


# ---------------------------------------------------------------------------- the CLI


def test_export_to_csl_json_and_bibtex(tmp_path):
    runner = CliRunner()
    out = tmp_path / "refs.json"
    run = runner.invoke(cli, ["export", str(LAYER), "--to", "csl-json", "-o", str(out)])
    assert run.exit_code == 0, run.output
    items = json.loads(out.read_text(encoding="utf-8"))
    assert items == csl_items(load_layer(LAYER).sites)
    assert f"{len(items)} source(s) of 9 site(s) → {out}" in run.output
    again = runner.invoke(cli, ["export", str(LAYER), "--to", "csl-json", "-o", str(out)])
    assert again.exit_code == 1 and "exists; pass --overwrite" in again.output
    # filters apply: the sources of the officially denied sites only
    bib = tmp_path / "denied.bib"
    args = ["export", str(LAYER), "--to", "bibtex", "-o", str(bib), "--status", "reported-denied"]
    run = runner.invoke(cli, args)
    assert run.exit_code == 0, run.output
    vakhon = load_layer(LAYER).site("tj-ishkoshim-vakhon")
    assert bib.read_text(encoding="utf-8").count("@online{") == len(vakhon.sources)


def test_import_csl_json_into_a_site(tmp_path):
    layer = tmp_path / "sites.geojson"
    shutil.copy(LAYER, layer)
    site = load_layer(layer).site("tj-kulob-mumirak")
    existing = csl_items([site])
    new_item = {
        "id": "zotero-1",
        "type": "article-newspaper",
        "title": "A new report",
        "container-title": "Test outlet",
        "author": [{"family": "Doe", "given": "Jane"}],
        "issued": {"date-parts": [[2024, 5, 1]]},
        "URL": "https://example.org/report",
        "accessed": {"date-parts": [[2026, 11, 30]]},
        "language": "en",
    }
    conflicting = {**existing[1], "title": "A different title"}
    refs = tmp_path / "refs.json"
    refs.write_text(json.dumps([existing[0], conflicting, new_item]), encoding="utf-8")
    before = layer.read_bytes()
    runner = CliRunner()
    args = ["import", str(refs), "--into", str(layer), "--site", "tj-kulob-mumirak"]
    dry = runner.invoke(cli, [*args, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert layer.read_bytes() == before
    run = runner.invoke(cli, args)
    assert run.exit_code == 0, run.output
    assert "+ tj-kulob-mumirak: source zotero-1" in run.output
    assert f"! tj-kulob-mumirak: source {existing[1]['id']}" in run.output
    assert f"= tj-kulob-mumirak: source {existing[0]['id']}" in run.output
    assert "1 source(s) added, 0 replaced, 1 conflict(s), 1 unchanged" in run.output
    after = load_layer(layer).site("tj-kulob-mumirak")
    added = after.source_map()["zotero-1"]
    assert (added.author, added.publisher, added.published) == (
        "Jane Doe",
        "Test outlet",
        "2024-05-01",
    )
    assert after.source_map()[existing[1]["id"]].title == existing[1]["title"]  # kept
    replaced = runner.invoke(cli, [*args, "--replace"])
    assert "~ tj-kulob-mumirak: source" in replaced.output
    assert load_layer(layer).site("tj-kulob-mumirak").source_map()[existing[1]["id"]].title == (
        "A different title"
    )


def test_import_bad_csl_json_names_every_item_and_writes_nothing(tmp_path):
    layer = tmp_path / "sites.geojson"
    shutil.copy(LAYER, layer)
    before = layer.read_bytes()
    refs = tmp_path / "refs.json"
    refs.write_text(json.dumps([{"id": "a"}, {"id": "b", "title": "T"}]), encoding="utf-8")
    args = ["import", str(refs), "--into", str(layer), "--site", "tj-kulob-mumirak"]
    run = CliRunner().invoke(cli, args)
    assert run.exit_code == 1
    assert f"{refs}: item 0 (a): title: required field is missing" in run.output
    assert f"{refs}: item 1 (b): url: required field is missing" in run.output
    assert "Traceback" not in run.output
    assert layer.read_bytes() == before
    refs.write_text(json.dumps(csl_items(load_layer(LAYER).sites[:1])), encoding="utf-8")
    missing_site = CliRunner().invoke(
        cli, ["import", str(refs), "--into", str(layer), "--site", "nope"]
    )
    assert missing_site.exit_code == 1
    assert f"{layer}: no site with id 'nope'" in missing_site.output
    assert layer.read_bytes() == before
