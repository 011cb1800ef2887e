"""Search latency with 100,000 generated cases on top of the real seed, SQLite and PostgreSQL.

    .venv/bin/python benchmarks/search.py [--cases 100000] [--rounds 3] [--backend all]

For each backend (SQLite in a fresh temporary directory; PostgreSQL database ``cw_bench`` when
a server answers at ``CITYWEAVE_BENCH_PG``, default postgres://postgres@127.0.0.1:5432) the
script migrates a fresh database, runs ``cityweave seed``, adds the generated cases, rebuilds
the index and measures ``/api/v1/search`` through ``django.test.Client``:

- faceted: the 100 queries of the judged set (``benchmarks/data/search_judgements.jsonl``, 20 per
  language), each with two facet filters (country + challenge), with all ten facet counts —
  what the search page asks for;
- bare: the same 100 texts with no filter and ``facets=false`` (the ranked page and the total).

Generated cases are clearly synthetic: "Synthetic benchmark case 12345: <NBS type> in <city>",
composed from the seeded NBS type labels and the seeded city names, published, each with a
description as long as real ones (500 to 2,000 characters of sentences of the real case
descriptions in a random order). Each backend runs
in its own process (Django settings are per process). Never run by ``make test``.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from typing import Any

from harness import ROOT, as_served, emit, percentile, run_child, setup_django

PG_DATABASE = "cw_bench"
JUDGEMENTS = ROOT / "benchmarks/data/search_judgements.jsonl"


def judged_queries() -> list[str]:
    """The 100 queries of the judged set (five languages), as people typed them."""
    with JUDGEMENTS.open(encoding="utf-8") as handle:
        return [json.loads(line)["query"] for line in handle if line.strip()]


def sentence_pool() -> list[str]:
    """Sentences of the real case descriptions, to compose generated ones as long as real."""
    from cityweave.catalogue.models import Case

    pool = []
    for text in Case.objects.exclude(description="").values_list("description", flat=True):
        pool.extend(s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.strip()) > 30)
    return pool


def compose(rng: random.Random, pool: list[str]) -> str:
    """500 to 2,000 characters of real sentences in a random order."""
    target = rng.randint(500, 2_000)
    parts: list[str] = []
    while sum(len(p) + 1 for p in parts) < target:
        parts.append(rng.choice(pool))
    return " ".join(parts)[:2_000]


# --- child process: one backend --------------------------------------------------------------


def generate_cases(count: int, rng: random.Random) -> int:
    from django.db import transaction

    from cityweave.catalogue.models import Case, NbsType
    from cityweave.cities.models import City
    from cityweave.core.models import TaxonomyTerm

    pool = sentence_pool()
    nbs_types = list(NbsType.objects.filter(status="published"))
    cities = list(City.objects.all())
    challenges = list(TaxonomyTerm.objects.filter(vocabulary="challenge"))
    if not (nbs_types and cities and challenges):
        raise SystemExit("The seed holds no NBS types, cities or challenges: nothing to compose.")
    batch = 5_000
    for start in range(0, count, batch):
        with transaction.atomic():
            cases = []
            for number in range(start, min(count, start + batch)):
                nbs_type, city = rng.choice(nbs_types), rng.choice(cities)
                cases.append(
                    Case(
                        slug=f"synthetic-benchmark-case-{number}",
                        title_en=(
                            f"Synthetic benchmark case {number}: {nbs_type.label_en} in {city.name}"
                        ),
                        summary="Generated for the search benchmark; not a real project.",
                        description=compose(rng, pool),
                        city=city,
                        start_year=rng.randint(2000, 2024),
                        status="published",
                    )
                )
            created = Case.objects.bulk_create(cases)
            types_through, challenges_through = Case.nbs_types.through, Case.challenges.through
            types_through.objects.bulk_create(
                [
                    types_through(case_id=case.pk, nbstype_id=t.pk)
                    for case in created
                    for t in rng.sample(nbs_types, k=min(len(nbs_types), rng.randint(1, 2)))
                ]
            )
            challenges_through.objects.bulk_create(
                [
                    challenges_through(case_id=case.pk, taxonomyterm_id=c.pk)
                    for case in created
                    for c in rng.sample(challenges, k=min(len(challenges), rng.randint(1, 3)))
                ]
            )
    return count


def queries(rng: random.Random) -> list[dict[str, str]]:
    from cityweave.catalogue.models import Case

    # Facet values people would pick: a country and a challenge that the data holds.
    pairs = list(
        Case.objects.filter(status="published", city__isnull=False)
        .values_list("city__country_code", "challenges__code")
        .distinct()
        .exclude(challenges__code=None)
    )
    chosen = []
    for text in judged_queries():
        country, challenge = rng.choice(pairs)
        chosen.append({"q": text, "country": country, "challenge": challenge})
    return chosen


def measure(client: Any, url_params: list[dict[str, str]], rounds: int) -> list[float]:
    timings = []
    for params in url_params:  # warm-up
        assert client.get("/api/v1/search", params).status_code == 200
    for _ in range(rounds):
        for params in url_params:
            started = time.perf_counter()
            response = client.get("/api/v1/search", params)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content[:300]
    return timings


def child(backend: str, cases: int, rounds: int) -> None:
    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from cityweave.search import rebuild_index

    rng = random.Random(20240601)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("seed", verbosity=0)
    timings["seed_s"] = time.perf_counter() - started
    started = time.perf_counter()
    generate_cases(cases, rng)
    timings["generate_s"] = time.perf_counter() - started
    started = time.perf_counter()
    documents = rebuild_index()
    if connection.vendor == "postgresql":  # what autovacuum does on a live server
        with connection.cursor() as cursor:
            for table in ("core_searchdocument", "core_searchtext", "core_searchfacetvalue"):
                cursor.execute(f"VACUUM ANALYZE {table}")
    timings["index_s"] = time.perf_counter() - started
    chosen = queries(rng)
    client = Client()
    as_served()
    faceted = measure(client, chosen, rounds)
    bare = measure(client, [{"q": p["q"], "facets": "false"} for p in chosen], rounds)
    sample = client.get("/api/v1/search", chosen[0]).json()
    result = {
        "backend": f"{backend} ({connection.vendor})",
        "documents": documents,
        "faceted_p50": statistics.median(faceted),
        "faceted_p95": percentile(faceted, 0.95),
        "bare_p50": statistics.median(bare),
        "bare_p95": percentile(bare, 0.95),
        "sample_query": chosen[0],
        "sample_count": sample["count"],
        **timings,
    }
    emit(result)


# --- parent process --------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backend", choices=["all", "sqlite", "postgresql"], default="all")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per backend")
    parser.add_argument("--child", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.cases, args.rounds)
        return
    backends = ["sqlite", "postgresql"] if args.backend == "all" else [args.backend]
    results = []
    for backend in backends:
        result = run_child(
            __file__,
            backend,
            ["--cases", str(args.cases), "--rounds", str(args.rounds)],
            pg_database=PG_DATABASE,
            timeout=args.timeout,
        )
        if result:
            results.append(result)
    header = (
        f"{'backend':<24}{'docs':>9}{'faceted p50':>13}{'p95':>8}{'bare p50':>10}{'p95':>8}"
        f"{'p95 ratio':>11}{'index s':>9}"
    )
    lines = [
        f"{args.cases:,} generated cases, {len(judged_queries())} judged queries "
        f"x {args.rounds} rounds, ms",
        header,
    ]
    for r in results:
        ratio = r["faceted_p95"] / r["bare_p95"] if r["bare_p95"] else float("nan")
        lines.append(
            f"{r['backend']:<24}{r['documents']:>9,}{r['faceted_p50']:>13.1f}"
            f"{r['faceted_p95']:>8.1f}{r['bare_p50']:>10.1f}{r['bare_p95']:>8.1f}"
            f"{ratio:>10.2f}x{r['index_s']:>9.1f}"
        )
    lines.append("targets: faceted p95 <= 50 ms and <= 3x the bare query")
    sys.stdout.write("\n".join(lines) + "\n")
    if not results:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
