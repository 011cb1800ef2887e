"""How well search answers what people ask, in five languages, on the real seed.

``benchmarks/data/search_judgements.jsonl`` holds 100 queries, 20 per language, each with the
items a good answer contains (grade 2: what the person looks for, 1: useful), written by reading
the catalogue before search was tuned. Queries with an odd number (``en-01``, ``en-03`` ...) are
the development half; the even ones are held out and no rule is tuned on them.

For each query the first page of ``/api/v1/search`` is judged: nDCG@10 (graded gains, ideal
order from the judgements) and success@5 (a grade-2 item among the first five).

    .venv/bin/python benchmarks/search_quality.py [--split held_out|development|all] [--show]

Runs on the database of the settings in force (``DATABASE_URL``; by default a fresh SQLite
database in a temporary directory, seeded here).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
JUDGEMENTS = ROOT / "benchmarks/data/search_judgements.jsonl"
LANGUAGES = ("en", "pl", "es", "pt", "de")
TARGET_SUCCESS, TARGET_NDCG = 0.9, 0.7


def load_judgements(split: str) -> list[dict[str, Any]]:
    with JUDGEMENTS.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    if split == "all":
        return rows
    held_out = split == "held_out"
    return [r for r in rows if (int(r["id"].split("-")[1]) % 2 == 0) == held_out]


def dcg(gains: list[int]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains))


def judge(slugs: list[str], relevant: dict[str, int]) -> tuple[float, bool]:
    gains = [relevant.get(slug, 0) for slug in slugs[:10]]
    ideal = dcg(sorted(relevant.values(), reverse=True)[:10])
    ndcg = dcg(gains) / ideal if ideal else 0.0
    success = any(relevant.get(slug, 0) == 2 for slug in slugs[:5])
    return ndcg, success


def first_page(client: Any, query: dict[str, Any]) -> list[str]:
    response = client.get(
        "/api/v1/search",
        {"q": query["query"], "page_size": 10, "facets": "false"},
        headers={"accept-language": query["language"]},
    )
    assert response.status_code == 200, response.content[:300]
    return [item["slug"] for item in response.json()["items"]]


def evaluate(split: str, show: bool) -> dict[str, dict[str, float]]:
    from django.test import Client

    client = Client()
    per_language: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    for query in load_judgements(split):
        slugs = first_page(client, query)
        ndcg, success = judge(slugs, query["relevant"])
        per_language[query["language"]].append((ndcg, success))
        if show:
            marks = "".join(str(query["relevant"].get(s, 0)) for s in slugs[:10])
            print(
                f"{query['id']:6} {ndcg:5.2f} {'ok ' if success else 'MISS'} {marks:10} "
                f"{query['query']}"
            )
    report: dict[str, dict[str, float]] = {}
    for language in LANGUAGES:
        scores = per_language.get(language, [])
        if scores:
            report[language] = {
                "queries": len(scores),
                "ndcg@10": statistics.mean(s[0] for s in scores),
                "success@5": statistics.mean(1.0 if s[1] else 0.0 for s in scores),
            }
    everything = [s for scores in per_language.values() for s in scores]
    report["all"] = {
        "queries": len(everything),
        "ndcg@10": statistics.mean(s[0] for s in everything),
        "success@5": statistics.mean(1.0 if s[1] else 0.0 for s in everything),
    }
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", default="held_out", choices=["held_out", "development", "all"])
    parser.add_argument("--show", action="store_true", help="print each query's judged page")
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        os.environ["CITYWEAVE_VAR_DIR"] = tempfile.mkdtemp(prefix="cw-search-quality-")
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from harness import setup_django

    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed", verbosity=0)
    report = evaluate(args.split, args.show)
    print(f"\n{'language':10} {'queries':>7} {'nDCG@10':>8} {'success@5':>9}   ({args.split})")
    for language, row in report.items():
        print(f"{language:10} {row['queries']:7.0f} {row['ndcg@10']:8.3f} {row['success@5']:9.3f}")
    print(f"targets: nDCG@10 >= {TARGET_NDCG}, success@5 >= {TARGET_SUCCESS}")


if __name__ == "__main__":
    main()
