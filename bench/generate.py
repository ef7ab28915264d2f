"""Deterministic synthetic layers in the facilitymap schema, for benchmarks and scale tests.

    python bench/generate.py 100000 -o bench/out/sites-100k.geojson

Same N and seed, same bytes. Sites are spread over Central Asia with names in several scripts,
1-4 claims and 1-3 sources each, a mix of statuses, precisions and geometry types (mostly
points, some polygons, lines and unlocated sites).
"""

from __future__ import annotations

import argparse
import math
import random
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


def generate(n: int, seed: int = 7) -> bytes:
    """Canonical layer bytes for ``n`` synthetic sites (derived fields computed)."""
    rng = random.Random(seed)
    places = land_points(rng, n)
    doc = {
        "type": "FeatureCollection",
        "name": f"synthetic-{n}",
        "features": [make_feature(rng, i, places[i]) for i in range(n)],
    }
    layer, problems = parse_layer(orjson.dumps(doc), "synthetic")
    assert layer is not None and not problems, problems[:3]
    return dump_layer(Layer(sites=layer.sites, extra_members=layer.extra_members))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", type=int)
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(generate(args.n, args.seed))


if __name__ == "__main__":
    main()
