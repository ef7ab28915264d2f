"""bench/generate.py --profile rich: sites written like the curated ones, and valid.

The benchmark's rich figures are only as good as this layer's likeness to the curated one:
these tests check that a small rich layer passes the validator and that its per-site
distribution (counts, text lengths, scripts, how its prose deflates) is the curated layer's.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import orjson
import pytest

from facilitymap.validate import validate_path

REPO = Path(__file__).resolve().parents[1]


def _load_generate():
    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "bench" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generate = _load_generate()
N = 150


@pytest.fixture(scope="module")
def curated() -> dict:
    return generate.measure(orjson.loads(generate.CURATED.read_bytes()))


@pytest.fixture(scope="module")
def rich(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("rich") / "rich.geojson"
    path.write_bytes(generate.generate(N, seed=3, profile="rich"))
    return path


def _errors_and_warnings(path: Path) -> list[str]:
    return [str(p) for p in validate_path(path) if p.severity != "notice"]


def test_a_rich_layer_validates(rich: Path) -> None:
    assert _errors_and_warnings(rich) == []
    features = orjson.loads(rich.read_bytes())["features"]
    assert len(features) == N
    assert len({f["id"] for f in features}) == N


def test_rich_counts_and_lengths_follow_the_curated_layer(rich: Path, curated: dict) -> None:
    measured = generate.measure(orjson.loads(rich.read_bytes()))
    for key in ("claims_per_site", "sources_per_site"):
        assert measured[key]["mean"] == pytest.approx(curated[key]["mean"], rel=0.25), key
        assert measured[key]["max"] <= curated[key]["max"], key
    for key, real in curated["fields"].items():
        ours = measured["fields"][key]
        assert ours["present"] == pytest.approx(real["present"], abs=0.1), key
        if real["mean_chars"] >= 40:  # the prose fields; short ones are a few words
            assert ours["mean_chars"] == pytest.approx(real["mean_chars"], rel=0.25), key
    assert measured["properties_bytes_per_site"] == pytest.approx(
        curated["properties_bytes_per_site"], rel=0.25
    )


def test_rich_names_and_quotes_keep_the_curated_scripts(rich: Path, curated: dict) -> None:
    measured = generate.measure(orjson.loads(rich.read_bytes()))
    for key in ("name_scripts", "quote_scripts"):
        assert set(measured[key]) == set(curated[key]), key
        ours, real = measured[key], curated[key]
        share = ours["Cyrillic"] / sum(ours.values())
        assert share == pytest.approx(real["Cyrillic"] / sum(real.values()), abs=0.12), key


def test_rich_prose_deflates_like_the_curated_text_not_like_repeated_tokens(
    rich: Path, curated: dict
) -> None:
    doc = orjson.loads(rich.read_bytes())
    assert generate.measure(doc)["zlib_ratio"] == pytest.approx(curated["zlib_ratio"], abs=0.04)
    summaries = [c["summary"] for f in doc["features"] for c in f["properties"]["claims"]]
    assert len(set(summaries)) == len(summaries)
    light = orjson.loads(generate.generate(N, seed=3))
    # The light profile's strings are templates: they deflate far better than prose.
    assert generate.measure(light)["zlib_ratio"] < curated["zlib_ratio"] - 0.05


def test_trimmed_rich_sites_keep_their_first_claims_and_what_they_cite(tmp_path: Path) -> None:
    path = tmp_path / "trimmed.geojson"
    path.write_bytes(generate.generate(40, seed=3, profile="rich", max_claims=3))
    assert _errors_and_warnings(path) == []
    for feature in orjson.loads(path.read_bytes())["features"]:
        properties = feature["properties"]
        assert 1 <= len(properties["claims"]) <= 3
        cited = {ref for c in properties["claims"] for ref in c["sources"]}
        cited |= set(properties["location"].get("sources") or [])
        assert {s["id"] for s in properties["sources"]} == cited


def test_same_seed_same_bytes() -> None:
    assert generate.generate(5, seed=1, profile="rich") == generate.generate(
        5, seed=1, profile="rich"
    )


def test_a_page_of_rich_sites_keeps_each_popups_details_to_a_couple_of_megabytes(
    tmp_path: Path,
) -> None:
    """A click inflates and parses one details element: with ~10 KB sites a thousand of them
    would be 10 MB. Every site's details are still there, in order."""
    import re

    import facilitymap
    from facilitymap.render.page import DETAILS_CHUNK_BYTES, read_element

    path = tmp_path / "rich.geojson"
    path.write_bytes(generate.generate(300, seed=3, profile="rich"))
    html = str(facilitymap.render(str(path)))
    elements = re.findall(
        r'<script type="application/json" id="fm-details-(\d+)" class="fm-details" '
        r'data-first="(\d+)" data-encoding="deflate-cp1252" data-bytes="(\d+)" data-size="\d+">(.*?)</script>',
        html,
        re.S,
    )
    assert len(elements) >= 2
    ids = []
    for k, (number, first, size, packed) in enumerate(elements):
        assert int(number) == k
        data = read_element({"data-encoding": "deflate-cp1252", "data-bytes": size}, packed)
        sites = orjson.loads(data)
        assert int(first) == len(ids)
        assert len(data) <= DETAILS_CHUNK_BYTES + max(len(orjson.dumps(s)) for s in sites)
        ids += [s["name"] for s in sites]
    names = [f["properties"]["name"] for f in orjson.loads(path.read_bytes())["features"]]
    assert ids == names


def test_the_timeline_steps_are_the_status_derived_on_each_claim_day(rich: Path) -> None:
    """The page's steps come from one pass over a site's claims in date order; each must be
    what deriving the site's status that day gives, on sites written like the curated ones
    (many claims, same-day claims, several governments) and on the curated layers."""
    from facilitymap.dates import date_end
    from facilitymap.io import load_layer
    from facilitymap.maps import claims_in_page_order, official_words, site_timeline
    from facilitymap.render.page import latest_claim
    from facilitymap.status import derive_site

    sites = [site for path in (rich, *REPO.glob("geodata/*.geojson"))
             for site in load_layer(path, check=False).sites]  # fmt: skip
    compared = 0
    for site in sites:
        days = sorted({date_end(c.date) for c in site.claims})
        for as_of in (None, days[len(days) // 2] if days else None):
            steps, final, known, latest = site_timeline(site, as_of)
            assert final == derive_site(site, as_of=as_of), site.id
            page = claims_in_page_order(site.claims)
            assert known == (page[: steps[-1].claims] if steps else page)
            assert latest == latest_claim(c.date for c in known)
            kept = [day for day in days if as_of is None or day <= as_of]
            assert [step.date for step in steps] == [day.isoformat() for day in kept]
            for step, day in zip(steps, kept, strict=True):
                derived = derive_site(site, as_of=day)
                assert (step.status, step.official_status, step.evidence) == (
                    derived.status, derived.official_status, derived.evidence), (site.id, day)  # fmt: skip
                assert step.deciding_claims == list(derived.deciding_claims), (site.id, day)
                assert step.official_words == official_words(derived)
                assert step.claims == sum(date_end(c.date) <= day for c in site.claims)
                compared += 1
    assert compared > 1000
