"""facilitymap.render.build_html: deterministic, offline, escaped, and the data intact."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import xstatic.pkg.leaflet as xleaflet
from hypothesis import given, settings
from hypothesis import strategies as st

from facilitymap.render import assets, build_html, script_json
from facilitymap.render.assets import leaflet_css, leaflet_js
from facilitymap.render.packing import pack_bytes, pack_text, page_text, read_element, unpack_text
from facilitymap.render.page import build_page
from facilitymap.render.style import VOCABULARIES, page_vocabulary

TESTS = Path(__file__).parent
HOSTILE = TESTS / "data" / "hostile" / "hostile.geojson"


def point_feature(site_id: str = "tj-a", **props) -> dict:
    properties = {
        "name": "A",
        "kind": "base",
        "country": "TJ",
        "location": {"precision_m": 5000, "basis": "reference-place", "note": "n"},
        "confidence": "high",
        "confidence_note": "n",
        "claims": [],
        "sources": [],
        "status": "unverified",
        **props,
    }
    return {
        "type": "Feature",
        "id": site_id,
        "geometry": {"type": "Point", "coordinates": [71.5, 38.25]},
        "properties": properties,
    }


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text of each script element."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._in_script: dict[str, str | None] | None = None
        self._text: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script, self._text = dict(attrs), []

    def handle_endtag(self, tag):
        if tag == "script" and self._in_script is not None:
            self.scripts.append((self._in_script, "".join(self._text)))
            self._in_script = None

    def handle_data(self, data):
        if self._in_script is not None:
            self._text.append(data)

    def names(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def _decoded(attrs: dict[str, str | None], text: str):
    return json.loads(read_element(attrs, text))


def _element_json(page: str, element_id: str):
    (attrs, text) = next(s for s in Elements(page).scripts if s[0].get("id") == element_id)
    return _decoded(attrs, text)


def _details_json(page: str) -> list:
    """Every site's full properties: the fm-details elements, in order, joined."""
    details: list = []
    for attrs, text in Elements(page).scripts:
        if attrs.get("class") == "fm-details":
            assert int(attrs["data-first"] or "") == len(details)
            details += _decoded(attrs, text)
    return details


def index_rows(columns: dict) -> list[dict]:
    """The index's columns as a dict per site, without the fields a site holds by default."""
    import msgspec

    from facilitymap.render.payload import site_rows

    return msgspec.json.decode(msgspec.json.encode(site_rows(columns)))


def payload_of(page: str) -> dict:
    """The page's data as the browser ends up with it: the index, each site's full properties
    (from the fm-details elements) in place of its index properties, and its ``steps`` (from
    the fm-steps element)."""
    payload = _element_json(page, "fm-data")
    payload["sites"] = index_rows(payload["sites"])
    details = _details_json(page)
    steps = _element_json(page, "fm-steps")
    assert len(details) == len(steps) == len(payload["sites"])
    for site, properties, its_steps in zip(payload["sites"], details, steps, strict=True):
        site["properties"] = properties
        site["steps"] = its_steps
    return payload


def test_same_input_same_bytes():
    features = [point_feature("tj-a"), point_feature("tj-b", name="B")]
    first = build_html(features, title="T", as_of="2019-01-01", data_version="v")
    second = build_html(features, title="T", as_of="2019-01-01", data_version="v")
    assert first == second
    assert first != build_html(features, title="T", as_of="2019-01-02", data_version="v")


def test_offline_page_references_nothing_on_the_network():
    page = build_html([point_feature()], title="T", data_version="v", context=None)
    elements = Elements(page)
    assert [a for a in elements.names("script") if "src" in a] == []
    assert elements.names("link") == []
    assert elements.names("img") == []
    assert "sourceMappingURL" not in page
    # Images inlined; only `url(#default#VML)` (an old IE behaviour, no request) is left.
    assert not re.search(r"url\((?!data:|#default#VML)", leaflet_css().text)
    # Scripts: the JSON index, search words, steps and details, Leaflet, ours; the manifest
    # records asset hashes.
    assert len(elements.scripts) == 6
    assert f"leaflet.js (XStatic-Leaflet {xleaflet.PACKAGE_VERSION}) sha256=" in page


def test_cdn_page_links_leaflet_with_sri_of_the_packaged_bytes():
    page = build_html([point_feature()], title="T", data_version="v", offline=False)
    elements = Elements(page)
    (script,) = [a for a in elements.names("script") if "src" in a]
    (link,) = elements.names("link")
    js_bytes = (Path(xleaflet.BASE_DIR) / "leaflet.js").read_bytes()
    expected = "sha256-" + base64.b64encode(hashlib.sha256(js_bytes).digest()).decode()
    assert script["src"] == f"https://unpkg.com/leaflet@{xleaflet.VERSION}/dist/leaflet.js"
    assert script["integrity"] == expected == leaflet_js().sri
    assert link["integrity"] == leaflet_css().sri
    assert script["crossorigin"] == link["crossorigin"] == "anonymous"


def test_csp_allows_exactly_the_inline_scripts_and_tile_hosts():
    page = build_html([point_feature()], title="T", data_version="v")
    elements = Elements(page)
    (meta,) = [
        a for a in elements.names("meta") if a.get("http-equiv") == "Content-Security-Policy"
    ]
    policy = dict(part.strip().split(" ", 1) for part in meta["content"].split(";"))
    runnable = [text for attrs, text in elements.scripts if attrs.get("type") != "application/json"]
    hashes = {
        "'sha256-" + base64.b64encode(hashlib.sha256(t.encode()).digest()).decode() + "'"
        for t in runnable
    }
    assert set(policy["script-src"].split()) == hashes
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["default-src"] == "'none'"
    assert "https://tile.openstreetmap.org" in policy["img-src"]
    assert "https://server.arcgisonline.com" in policy["img-src"]


def test_script_json_cannot_close_the_element():
    text = "</script><!--<script>\u2028\u2029&"
    data = script_json({"s": text})
    for forbidden in (b"<", b">", b"&", "\u2028".encode(), "\u2029".encode()):
        assert forbidden not in data
    assert json.loads(data) == {"s": text}


def hostile_features() -> list[dict]:
    return json.loads(HOSTILE.read_text(encoding="utf-8"))["features"]


def test_hostile_strings_stay_data():
    features = hostile_features()
    names = [f["properties"]["name"] for f in features]
    page = build_html(features, title=names[0], data_version=names[1], as_of="2020")
    elements = Elements(page)
    # Nothing became an element: the only tags are the page's own.
    assert {name for name, _ in elements.tags} == {
        "html", "head", "meta", "title", "style", "body", "div", "aside", "main", "noscript",
        "p", "script",
    }  # fmt: skip
    assert len(elements.scripts) == 6  # index, search, steps, details, Leaflet, ours
    # Outside the JSON, a hostile string appears only HTML-escaped (in <title>).
    outside = page
    for attrs, text in elements.scripts:
        if attrs.get("type") == "application/json":
            outside = outside.replace(text, "")
    for name in names:
        if any(c in name for c in "<>&"):
            assert name not in outside
    assert "&lt;img src=x onerror=" in outside
    # The data arrives intact.
    payload = payload_of(page)
    assert [s["properties"]["name"] for s in payload["sites"]] == names
    assert payload["meta"]["title"] == names[0]


def test_jinja_in_the_data_is_never_template_source(monkeypatch):
    import os

    def boom():
        raise AssertionError("os.getpid() ran: data was evaluated as a template")

    monkeypatch.setattr(os, "getpid", boom)
    jinja = "{%if cycler.__init__.__globals__.os.getpid()%}X{%endif%}"
    page = build_html(
        [
            point_feature(name=jinja),
            point_feature("tj-b", name="x{#y"),
            point_feature("tj-c", name="{{ 7*7 }}"),
        ],
        title="{{ 7*7 }}",
        data_version="{% raw %}",
    )
    monkeypatch.undo()
    names = [s["properties"]["name"] for s in payload_of(page)["sites"]]
    assert names == [jinja, "x{#y", "{{ 7*7 }}"]
    assert "<title>{{ 7*7 }}</title>" in page


def test_compressed_payload_round_trips():
    features = [point_feature(f"tj-{i}", name=f"Site {i} <b>") for i in range(50)]
    page = build_html(features, title="T", data_version="v", compress=True)
    assert 'data-encoding="deflate-cp1252"' in page
    assert (
        payload_of(page)["sites"]
        == payload_of(build_html(features, title="T", data_version="v", compress=False))["sites"]
    )


def test_large_payloads_are_compressed_automatically(monkeypatch):
    import facilitymap.render.page as page_module

    monkeypatch.setattr(page_module, "COMPRESS_OVER", 1000)
    small = build_html([point_feature()], title="T", data_version="v", compress=None)
    assert "data-encoding" in small  # the vocabulary alone exceeds 1000 bytes


def test_site_records_give_each_located_site_a_glyph_point():
    polygon = point_feature("tj-area")
    polygon["geometry"] = {
        "type": "Polygon",
        "coordinates": [[[70, 38], [72, 38], [72, 39], [70, 39], [70, 38]]],
    }
    unlocated = point_feature("tj-none")
    unlocated["geometry"] = None
    unlocated["later_claims"] = 2
    unlocated["deciding_claims"] = ["c1"]
    sites = payload_of(build_html([point_feature(), polygon, unlocated], title="T"))["sites"]
    assert sites[0]["c"] == [71.5, 38.25] and "g" not in sites[0]
    lon, lat = sites[1]["c"]
    assert 70 < lon < 72 and 38 < lat < 39
    assert sites[1]["g"] == polygon["geometry"]
    assert "c" not in sites[2] and sites[2]["later_claims"] == 2
    assert sites[2]["deciding_claims"] == ["c1"]


def test_page_carries_the_meta_and_the_vocabulary():
    payload = payload_of(
        build_html(
            [point_feature()], title="T", as_of="2018-12-31", data_version="sites, SHA-256 x"
        )
    )
    assert payload["meta"]["as_of"] == "2018-12-31"
    assert payload["meta"]["data_version"] == "sites, SHA-256 x"
    assert payload["vocab"] == json.loads(json.dumps(page_vocabulary()))
    assert "build" not in json.dumps(payload["meta"]).lower()  # no build timestamp


@pytest.mark.parametrize("group", sorted(VOCABULARIES))
def test_every_value_of_the_model_has_words_and_style(group):
    values, table = VOCABULARIES[group]
    assert set(table) == set(values)


def test_status_colours_are_okabe_ito_and_shapes_distinct():
    statuses = page_vocabulary()["statuses"]
    okabe_ito = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}
    colours = [s["color"] for s in statuses]
    assert len(set(colours)) == len(colours)
    assert set(colours) - okabe_ito == {"#7A7A7A"}  # grey for unverified
    cues = {(s["shape"], s["fill"]) for s in statuses}
    assert len(cues) == len(statuses), "no two statuses share shape and fill"
    denied = [s for s in statuses if s["key"].endswith("-denied")]
    assert {s["shape"] for s in denied} == {"diamond"}


@settings(max_examples=60, deadline=None)
@given(
    text=st.text(
        alphabet=st.sampled_from(list("<>&/'\"`${}%#!-= scriptSCRIPT\u2028\u2029\u202e\x00")),
        max_size=40,
    )
)
def test_any_text_stays_data(text):
    """Whatever a name, title or note holds, the page's elements stay ours and the data
    round-trips exactly."""
    feature = point_feature(name=text, description=text, confidence_note=text)
    page = build_html([feature], title=text, data_version=text)
    elements = Elements(page)
    assert len(elements.scripts) == 6  # index, search, steps, details, Leaflet, ours
    assert {name for name, _ in elements.tags} <= {
        "html", "head", "meta", "title", "style", "body", "div", "aside", "main", "noscript",
        "p", "script",
    }  # fmt: skip
    payload = payload_of(page)
    props = payload["sites"][0]["properties"]
    assert (props["name"], props["description"], payload["meta"]["title"]) == (text, text, text)


def test_many_details_chunks_compressed_by_threads_come_out_whole_and_in_order(monkeypatch):
    features = [point_feature(f"tj-{i:05d}", name=f"Site {i}") for i in range(9_500)]
    pages = []
    for threads in ("1", "2"):
        monkeypatch.setenv("FACILITYMAP_WORKERS", threads)
        pages.append(build_html(features, title="T", data_version="v", compress=True))
    assert pages[0] == pages[1]
    # At most DETAILS_CHUNK (1,000) sites an element, and some end early (always_ends).
    assert pages[0].count('class="fm-details"') >= 10
    details = _details_json(pages[0])
    assert [d["name"] for d in details] == [f"Site {i}" for i in range(9_500)]


def test_page_script_is_its_parts_joined_in_order_without_their_headers():
    folder = Path(assets.__file__).parent / "static" / "js"
    on_disk = sorted(p.name for p in folder.glob("*.js"))
    assert sorted(assets.PAGE_SCRIPT_PARTS) == on_disk  # no part left out of the page
    bodies = []
    for name in assets.PAGE_SCRIPT_PARTS:
        text = (folder / name).read_text(encoding="utf-8")
        header, _, body = text.partition("\n\n")
        assert header.startswith(f"// {name}: "), name  # each part says what it owns
        bodies.append(body)
    script = assets.page_script()
    assert script.text == "".join(bodies)
    assert script.text.startswith("/* facilitymap:") and script.text.endswith("})();\n")
    page = build_html([], title="t")
    assert f"<script>{script.text}</script>" in page
    assert f"facilitymap.js (facilitymap) sha256={script.sha256}" in page


def test_a_part_without_its_header_is_refused():
    with pytest.raises(ValueError, match=r"static/js/x\.js must begin with // header"):
        assets._without_header("x.js", "  var a = 1;\n\n  var b = 2;\n")


def test_the_latest_claim_is_ordered_by_the_end_of_its_period():
    from facilitymap.render.page import latest_claim

    assert latest_claim(["2019-06-30", "2019", "2019-12"]) == "2019"  # 2019-12-31 ends last
    assert latest_claim(["2020-02", "2020-02-28"]) == "2020-02"  # ties: the first given
    assert latest_claim(["yesterday", None, 7, "2018-01-01"]) == "2018-01-01"
    assert latest_claim([]) is None
    feature = point_feature("tj-a")
    feature["properties"]["claims"] = [{"date": "2021"}, {"date": "2021-07-04"}, {"date": "x"}]
    payload = _element_json(build_html([feature], title="t"), "fm-data")
    assert payload["meta"]["latest_claim"] == "2021"


def test_the_page_script_reads_every_field_of_the_payload():
    """The payload is defined once (render.payload); the script names each of its fields."""
    from facilitymap.render.payload import PageSite, PageStep, SiteSearch

    script = assets.page_script().text
    for field in PageSite.__struct_fields__:
        assert f"column(columns, '{field}')" in script, field
    for prefix, struct in (("STEP", PageStep), ("SEARCH", SiteSearch)):
        positions = {
            m[1].lower(): int(m[2]) for m in re.finditer(rf"var {prefix}_(\w+) = (\d+);", script)
        }
        assert positions == {field: k for k, field in enumerate(struct.__struct_fields__)}


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=3000))
def test_packed_text_round_trips_and_holds_nothing_the_parser_changes(data):
    packed = pack_bytes(data)
    # Read as the browser decodes the page (windows-1252), or a byte a character.
    assert unpack_text(pack_text(data), len(data)) == data
    assert unpack_text(packed.decode("latin-1"), len(data)) == data
    # Nothing the HTML parser changes in a script element's text, nor anything that ends it
    # or opens a comment (NUL, made U+FFFD, is read back as such).
    assert b"\r" not in packed and b"</" not in packed and b"<!" not in packed
    # The bytes themselves, and one more for each escaped one (base64 took 4/3, and the
    # seven-bit packing before this one 8/7).
    escaped = data.count(b"=") + data.count(b"\r") + data.count(b"</") + data.count(b"<!")
    assert len(packed) == len(data) + escaped


def test_a_page_of_packed_text_is_ascii_but_for_it_and_says_so():
    """A page that holds packed text is read as windows-1252: everything else on it is
    ASCII, its markup's other characters as references (the title) and its plain JSON as
    escapes; written from its text (page_text, as a notebook or MapHTML.save has it) it
    says UTF-8, and its elements read back the same."""
    names = ["Вахон", "瓦罕 🏔", "Ҷелондӣ"]
    features = [point_feature(f"tj-{n}", name=name) for n, name in enumerate(names)]
    page = build_page(features, title="Вахон & co", data_version="v", compress=True)
    assert b'<meta charset="windows-1252">' in page[:200]
    assert b"<title>&#1042;&#1072;&#1093;&#1086;&#1085; &amp; co</title>" in page
    outside = re.sub(rb'data-encoding="deflate-cp1252"[^>]*>[^<]*(?:<(?![/!])[^<]*)*', b"", page)
    assert outside.isascii() and outside.count(b"<script") == page.count(b"<script")
    text = page_text(page)
    assert '<meta charset="utf-8">' in text and text.encode("utf-8") != page
    names_read = [payload_of(t)["sites"] for t in (text, build_html(features, title="t"))]
    assert [s["properties"]["name"] for s in names_read[0]] == names
    assert names_read[0] == names_read[1]
    # A page with no packed text is UTF-8, as before.
    plain = build_page(features, title="Вахон", data_version="v", compress=False)
    assert b'<meta charset="utf-8">' in plain and "<title>Вахон</title>".encode() in plain


def test_the_index_and_scripts_come_before_the_details():
    """The page draws from fm-data as soon as its script runs: the details, most of a large
    page's bytes, follow the scripts, and the index says where each element starts."""
    features = [point_feature(f"tj-{i}", name=f"Site {i}") for i in range(30)]
    page = build_html(features, title="T", data_version="v", compress=True)
    data, script, details = (
        page.index('id="fm-data"'),
        page.index("<script>"),
        page.index('id="fm-details-0"'),
    )
    assert data < script < details
    assert page.rindex("<script>") < details
    assert _element_json(page, "fm-data")["details"] == [0]


@pytest.mark.parametrize("compress", [False, True])
def test_the_index_is_ascii_and_reads_back_every_name(compress):
    """The index escapes what is not ASCII (a browser decodes ASCII text four times as fast
    as text with one character that is not), and reads back the same names."""
    names = ["Вахон", "瓦罕 🏔", "Shaymak \u2028 post", "Ҷелондӣ"]
    features = [point_feature(f"tj-{n}", name=name) for n, name in enumerate(names)]
    page = build_html(features, title="t", compress=compress)
    (attrs, text) = next(s for s in Elements(page).scripts if s[0].get("id") == "fm-data")
    data = read_element(attrs, text)
    assert data.isascii()
    assert json.loads(data)["sites"]["name"] == names
