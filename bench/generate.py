"""Deterministic synthetic layers in the facilitymap schema, for benchmarks and scale tests.

    python bench/generate.py 100000 -o bench/out/sites-100k.geojson
    python bench/generate.py 10000 --profile rich -o bench/out/rich-10000.geojson
    python bench/generate.py --measure          # the curated layer's distribution

Same N, profile and seed, same bytes.

``light`` (the default): sites of ~2.7 KB spread over Central Asia with names in several
scripts, 1-4 claims and 1-3 sources each with short generated strings, a mix of statuses,
precisions and geometry types (mostly points, some polygons, lines and unlocated sites).

``rich``: sites written like the curated ones in ``geodata/sites.geojson``. Each site takes
the shape of a curated site drawn at random (its claims and sources, which optional fields
are there, stances, dates, cross-references), so counts per site follow the curated
distribution; every text is replaced by prose of about the same length (x0.8-1.2) and the
same script, recombined from the curated layer's own sentences with some words swapped for
other words of the layer, so that it deflates about as well as the real text (not like
repeated tokens). ``measure()`` states that distribution; tests/test_bench_generate.py
checks a rich layer against it.
"""

from __future__ import annotations

import argparse
import copy
import functools
import math
import random
import re
import statistics
import sys
import zlib
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import orjson

from facilitymap.io import Layer, dump_layer, parse_layer
from facilitymap.status import SUPPORTING_STANCES

_NAMES = [
    ("Post", "Пост", "哨所"),
    ("Base", "База", "基地"),
    ("Range", "Полигон", "靶场"),
    ("Checkpoint", "КПП", "检查站"),
    ("Camp", "Лагерь", "营地"),
    ("Centre", "Центр", "中心"),
]
_PLACES = [
    "Murghab",
    "Khorugh",
    "Ishkoshim",
    "Kulob",
    "Rasht",
    "Jelondi",
    "Shaymak",
    "Vakhon",
    "Alichur",
    "Karakul",
    "Zong",
    "Langar",
    "Darvoz",
    "Vanj",
    "Rushan",
    "Roshtqal'a",
]
_LOCAL = ["Мурғоб", "Хорог", "Ишкошим", "Кӯлоб", "Рашт", "Җелондӣ", "Шаймак", "Вахон"]
_KINDS = ["base", "border-post", "checkpoint", "command-centre", "training-centre", "exercise-area"]
_PUBLISHERS = ["Outlet A", "Outlet B", "Agency C", "Service D", "Review E", "Wire F", "Daily G"]
_ACTORS = [
    ("journalist", "on-site", "affirms"),
    ("imagery-analysis", "imagery", "affirms"),
    ("leaked-document", "document", "affirms"),
    ("host-government", "statement", "denies"),
    ("host-government", "statement", "acknowledges-other-role"),
    ("host-government", "document", "announces"),
    ("foreign-government", "statement", "no-comment"),
    ("anonymous-source", "testimony", "affirms"),
    ("journalist", "relay", "affirms"),
    ("think-tank", "analysis", "context"),
]
_START = date(2005, 1, 1)


def land_points(rng: random.Random, n: int) -> list[tuple[float, float, str]]:
    """``n`` random (lon, lat, country) in Central Asia, each well inside a country."""
    from facilitymap.context import check_countries, countries_of

    points: list[tuple[float, float, str]] = []
    while len(points) < n:
        lons = [rng.uniform(60.0, 80.0) for _ in range(n)]
        lats = [rng.uniform(35.0, 45.0) for _ in range(n)]
        codes = countries_of(lons, lats)
        # Keep points that pass the validator's country check once rounded (not on a border).
        keep = [
            (round(x, 3), round(y, 3), c) for x, y, c in zip(lons, lats, codes, strict=True) if c
        ]
        checks = check_countries([p[0] for p in keep], [p[1] for p in keep], [p[2] for p in keep])
        points += [p for p, bad in zip(keep, checks, strict=True) if bad is None]
    return points[:n]


def _supporting_publishers(claims: list[dict], sources: list[dict]) -> set[str]:
    publisher = {s["id"]: s["publisher"] for s in sources}
    return {
        publisher[ref]
        for claim in claims
        if claim["stance"] in SUPPORTING_STANCES
        for ref in claim["sources"]
    }


def make_feature(rng: random.Random, index: int, where: tuple[float, float, str]) -> dict:
    """One synthetic site as a GeoJSON Feature (derived fields left to save_layer)."""
    lon, lat, country = where
    en, ru, zh = rng.choice(_NAMES)
    place = rng.choice(_PLACES)
    n_sources = rng.randint(1, 3)
    sources = []
    for s in range(n_sources):
        day = _START + timedelta(days=rng.randrange(7300))
        sources.append(
            {
                "id": f"s{s}",
                "title": f"Report {index}-{s} on the {place} {en.lower()}",
                "publisher": rng.choice(_PUBLISHERS),
                "url": f"https://news.example.org/{index}/{s}",
                "published": day.isoformat(),
                "accessed": "2026-11-01",
                **(
                    {
                        "archive_url": f"https://web.archive.org/web/2025/https://news.example.org/{index}/{s}"
                    }
                    if rng.random() < 0.5
                    else {}
                ),
                "language": rng.choice(["en", "ru", "tg", "zh-Hans"]),
            }
        )
    claims = []
    n_claims = rng.randint(1, 4)
    for c in range(n_claims):
        actor_type, basis, stance = rng.choice(_ACTORS)
        day = _START + timedelta(days=rng.randrange(7300))
        claims.append(
            {
                "id": f"c{c}",
                "date": day.isoformat(),
                "actor": f"{actor_type.title()} {c}",
                "actor_type": actor_type,
                "stance": stance,
                "basis": basis,
                "summary": f"Statement {c} about the {place} {en.lower()}: {stance} on {basis} grounds.",
                # Every source is cited (an uncited one would be a validator warning).
                "sources": [f"s{k}" for k in range(n_sources) if k % n_claims == c]
                or [f"s{rng.randrange(n_sources)}"],
            }
        )
    shape = rng.random()
    if shape < 0.85:
        precision = rng.choice([500, 2_000, 10_000, 30_000, 100_000])
        geometry = {"type": "Point", "coordinates": [lon, lat]}
        basis = "published-coordinates" if precision < 1_000 else "reference-place"
    elif shape < 0.93:
        r = rng.uniform(0.05, 0.5)
        ring = [
            [lon + r * math.cos(a / 6 * math.tau), lat + r * math.sin(a / 6 * math.tau)]
            for a in range(6)
        ]
        geometry = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
        precision, basis = None, "analyst-estimate"
    elif shape < 0.97:
        geometry = {"type": "LineString", "coordinates": [[lon, lat], [lon + 0.3, lat + 0.1]]}
        precision, basis = 5_000, "analyst-estimate"
    else:
        geometry, precision, basis = None, None, "unlocated"
    return {
        "type": "Feature",
        "id": f"syn-{index:06d}",
        "geometry": geometry,
        "properties": {
            "name": f"{place} {en} {index}",
            "local_names": [
                {"name": f"{rng.choice(_LOCAL)} {ru}", "lang": "tg"},
                {"name": f"{place}{zh}", "lang": "zh-Hans"},
            ],
            "kind": rng.choice(_KINDS),
            "country": country,
            "location": {
                "precision_m": precision,
                "basis": basis,
                "note": "Synthetic site: placed at random for benchmarking.",
            },
            # "high" only where supporting claims cite two publishers (ICD 203; the validator
            # warns otherwise, and a curated layer has few warnings).
            "confidence": rng.choice(
                ["low", "moderate", "high"]
                if len(_supporting_publishers(claims, sources)) >= 2
                else ["low", "moderate"]
            ),
            "confidence_note": "Synthetic.",
            "claims": claims,
            "sources": sources,
        },
    }


# --- The rich profile: sites shaped and written like the curated layer -----------------------

CURATED = Path(__file__).resolve().parent.parent / "geodata" / "sites.geojson"
# Text fields, as (where, field): "" is the site's properties, else a list of records in them
# (or the location record).
TEXT_FIELDS = (
    ("", "name"),
    ("", "description"),
    ("", "confidence_note"),
    ("", "admin1"),
    ("", "admin2"),
    ("", "admin3"),
    ("location", "note"),
    ("local_names", "name"),
    ("claims", "actor"),
    ("claims", "summary"),
    ("claims", "note"),
    ("claims", "quote"),
    ("sources", "title"),
    ("sources", "publisher"),
    ("sources", "author"),
    ("sources", "via"),
    ("sources", "note"),
)
# Computed when the layer is written; a generated site declares none of them.
_DERIVED = ("official_status", "evidence", "status")
# Share of a recombined sentence's words swapped for another word of the layer: enough that
# deflate finds no more long repeats than in the curated text, few enough to stay prose.
WORD_SWAP = 0.3
_SCRIPTS = (
    ("Latin", 0x0041, 0x024F),
    ("Cyrillic", 0x0400, 0x052F),
    ("Arabic", 0x0600, 0x06FF),
    ("Han", 0x3400, 0x9FFF),
)
_SENTENCE_END = re.compile(r"(?<=[.!?。])\s+")


@functools.lru_cache(maxsize=4096)
def script_of(text: str) -> str:
    """The script most of ``text``'s letters are written in (Latin, Cyrillic, Arabic, Han)."""
    counts: Counter[str] = Counter()
    for char in text:
        if char.isalpha():
            code = ord(char)
            counts[next((s for s, lo, hi in _SCRIPTS if lo <= code <= hi), "Other")] += 1
    return counts.most_common(1)[0][0] if counts else "Latin"


def text_slots(properties: dict):
    """Every text of a site's properties as (key, record, field), key like 'claims.summary'."""
    for where, field in TEXT_FIELDS:
        if where == "":
            records = [properties]
        elif where == "location":
            records = [properties["location"]]
        else:
            records = properties.get(where) or []
        key = f"{where}.{field}" if where else field
        for record in records:
            if isinstance(record.get(field), str):
                yield key, record, field


def _properties_bytes(doc: dict) -> bytes:
    return orjson.dumps([f["properties"] for f in doc["features"]])


def measure(doc: dict) -> dict:
    """The per-site distribution of a layer (a parsed FeatureCollection): claims and sources
    per site, presence and length (characters) of each text field, scripts of names and
    quotes, languages of sources, bytes per site and how well its properties deflate."""
    features = doc["features"]
    parents: Counter[str] = Counter()
    for f in features:
        p = f["properties"]
        parents[""] += 1
        parents["location"] += 1
        for where in ("local_names", "claims", "sources"):
            parents[where] += len(p.get(where) or [])
    lengths: dict[str, list[int]] = {}
    name_scripts: Counter[str] = Counter()
    quote_scripts: Counter[str] = Counter()
    for f in features:
        for key, record, field in text_slots(f["properties"]):
            text = record[field]
            lengths.setdefault(key, []).append(len(text))
            if key in ("name", "local_names.name"):
                name_scripts[script_of(text)] += 1
            elif key == "claims.quote":
                quote_scripts[script_of(text)] += 1
    fields = {}
    for where, field in TEXT_FIELDS:
        key = f"{where}.{field}" if where else field
        found = lengths.get(key, [])
        fields[key] = {
            "present": round(len(found) / parents[where], 3) if parents[where] else 0.0,
            "mean_chars": round(statistics.fmean(found), 1) if found else 0.0,
            "median_chars": statistics.median(found) if found else 0,
        }
    raw = _properties_bytes(doc)
    claims = [len(f["properties"].get("claims") or []) for f in features]
    sources = [len(f["properties"].get("sources") or []) for f in features]
    return {
        "sites": len(features),
        "claims_per_site": {"mean": round(statistics.fmean(claims), 2), "min": min(claims),
                            "median": statistics.median(claims), "max": max(claims)},
        "sources_per_site": {"mean": round(statistics.fmean(sources), 2), "min": min(sources),
                             "median": statistics.median(sources), "max": max(sources)},
        "fields": fields,
        "name_scripts": dict(name_scripts.most_common()),
        "quote_scripts": dict(quote_scripts.most_common()),
        "source_languages": dict(
            Counter(
                s.get("language", "-") for f in features for s in f["properties"]["sources"]
            ).most_common()
        ),
        "properties_bytes_per_site": round(len(raw) / len(features)),
        "feature_bytes_per_site": round(len(orjson.dumps(features)) / len(features)),
        # Deflated / raw size of the sites' properties (zlib level 6), compact JSON.
        "zlib_ratio": round(len(zlib.compress(raw, 6)) / len(raw), 3),
    }  # fmt: skip


class Prose:
    """Text recombined from a layer's own sentences, per script, with some words swapped."""

    def __init__(self, doc: dict) -> None:
        self.sentences: dict[str, list[str]] = {}
        self.words: dict[str, list[str]] = {}
        for f in doc["features"]:
            for _key, record, field in text_slots(f["properties"]):
                text = record[field]
                script = script_of(text)
                self.sentences.setdefault(script, []).extend(
                    s for s in _SENTENCE_END.split(text) if s
                )
                self.words.setdefault(script, []).extend(
                    w for w in text.split() if len(w) > 2 and w.isalpha()
                )
        for script in self.sentences:
            self.sentences[script].sort()
            self.words[script] = sorted(set(self.words[script])) or ["text"]

    def text(self, rng: random.Random, script: str, length: int) -> str:
        """About ``length`` characters of prose in ``script`` (cut at a word)."""
        sentences, words = self.sentences[script], self.words[script]
        parts: list[str] = []
        total = 0
        while total < length:
            sentence = rng.choice(sentences).split(" ")
            parts.append(
                " ".join(
                    rng.choice(words) if w.isalpha() and rng.random() < WORD_SWAP else w
                    for w in sentence
                )
            )
            total += len(parts[-1]) + 1
        text = " ".join(parts)
        if len(text) > length:
            cut = text.rfind(" ", 0, length + 1)
            text = text[: cut if cut > length // 2 else length]
        return text.strip(" ,;:(") or rng.choice(words)


def _curated() -> dict:
    return orjson.loads(CURATED.read_bytes())


def make_rich_feature(
    rng: random.Random,
    index: int,
    where: tuple[float, float, str],
    template: dict,
    prose: Prose,
    max_claims: int | None = None,
) -> dict:
    """One site shaped like ``template`` (a curated Feature), every text rewritten."""
    lon, lat, country = where
    properties = copy.deepcopy(template["properties"])
    for field in _DERIVED:
        properties.pop(field, None)
    if max_claims is not None and len(properties["claims"]) > max_claims:
        properties["claims"] = properties["claims"][:max_claims]
        cited = {ref for c in properties["claims"] for ref in c["sources"]}
        cited |= set(properties["location"].get("sources") or [])
        properties["sources"] = [s for s in properties["sources"] if s["id"] in cited]
    for _key, record, field in text_slots(properties):
        original = record[field]
        length = max(1, round(len(original) * rng.uniform(0.8, 1.2)))
        record[field] = prose.text(rng, script_of(original), length)
    for source in properties["sources"]:
        source["url"] = f"https://news.example.org/{index}/{source['id']}"
        if "archive_url" in source:
            source["archive_url"] = f"https://web.archive.org/web/2025/{source['url']}"
    properties["country"] = country
    kind = (template["geometry"] or {}).get("type")
    if kind is None:
        geometry = None
    elif kind in ("Polygon", "MultiPolygon"):
        r = rng.uniform(0.05, 0.3)
        ring = [
            [lon + r * math.cos(a / 6 * math.tau), lat + r * math.sin(a / 6 * math.tau)]
            for a in range(6)
        ]
        geometry = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
    else:
        geometry = {"type": "Point", "coordinates": [lon, lat]}
    return {"type": "Feature", "id": f"rich-{index:06d}", "geometry": geometry,
            "properties": properties}  # fmt: skip


def _rich_features(rng: random.Random, n: int, max_claims: int | None) -> list[dict]:
    curated = _curated()
    templates = curated["features"]
    prose = Prose(curated)
    places = land_points(rng, n)
    return [
        make_rich_feature(rng, i, places[i], rng.choice(templates), prose, max_claims)
        for i in range(n)
    ]


PROFILES = ("light", "rich")


def generate(n: int, seed: int = 7, profile: str = "light", max_claims: int | None = None) -> bytes:
    """Canonical layer bytes for ``n`` synthetic sites (derived fields computed).

    ``max_claims`` (rich only) trims each site to its first claims and the sources they or
    its location cite.
    """
    rng = random.Random(seed)
    if profile == "rich":
        features = _rich_features(rng, n, max_claims)
    else:
        places = land_points(rng, n)
        features = [make_feature(rng, i, places[i]) for i in range(n)]
    doc = {"type": "FeatureCollection", "name": f"synthetic-{profile}-{n}", "features": features}
    layer, problems = parse_layer(orjson.dumps(doc), "synthetic")
    assert layer is not None and not problems, problems[:3]
    return dump_layer(Layer(sites=layer.sites, extra_members=layer.extra_members))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", type=int, nargs="?")
    parser.add_argument("-o", "--output", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", choices=PROFILES, default="light")
    parser.add_argument("--max-claims", type=int, default=None, help="rich: trim each site")
    parser.add_argument(
        "--measure",
        nargs="?",
        const=CURATED,
        type=Path,
        metavar="LAYER",
        help="print the per-site distribution of LAYER (default: the curated layer) and exit",
    )
    args = parser.parse_args()
    if args.measure is not None:
        sys.stdout.write(orjson.dumps(measure(orjson.loads(args.measure.read_bytes())),
                                      option=orjson.OPT_INDENT_2).decode() + "\n")  # fmt: skip
        return
    if args.n is None or args.output is None:
        parser.error("N and -o are required unless --measure")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(generate(args.n, args.seed, args.profile, args.max_claims))


if __name__ == "__main__":
    main()
