"""The concept vocabulary: phrases found in texts and queries in five languages, word forms,
typos, and what a query becomes."""

from __future__ import annotations

import json
import math
import statistics
from pathlib import Path

import pytest

from cityweave.search import SearchParams, run_search
from cityweave.search.plan import plan_query
from cityweave.search.vocabulary import (
    concept_token,
    concepts_of_text,
    edit_distance,
    find_phrases,
)

JUDGEMENTS = Path(__file__).resolve().parents[2] / "benchmarks/data/search_judgements.jsonl"


def codes(text: str) -> list[str]:
    return [f.phrase.concept.code for f in find_phrases(text)]


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("mitigating the urban heat island effect", "heat"),
        ("Miejska wyspa ciepła w centrum", "heat"),
        ("contra las olas de calor", "heat"),
        ("Schutz vor Hitzewellen", "heat"),
        ("new green roofs on schools", "green-roofs"),
        ("Gründächer und Fassaden", "green-roofs"),
        ("techos verdes", "green-roofs"),
        ("powodzie i susze", "flooding"),
    ],
)
def test_phrases_are_found_in_any_language_and_form(text: str, concept: str) -> None:
    assert concept in codes(text)


def test_a_word_that_only_starts_like_a_phrase_is_not_it() -> None:
    assert "parks" not in codes("a parking lot")
    assert codes("Drought-tolerant shrubs were planted") == []  # about plants, not droughts


def test_a_text_says_a_concept_as_often_as_it_says_its_phrases() -> None:
    assert concepts_of_text(["Heatwaves and heat stress.", "Shade against heat."])["heat"] == 4


def test_a_query_phrase_becomes_its_concept_token() -> None:
    plan = plan_query("wyspa ciepła")
    assert plan.groups == ((concept_token("heat"),),)
    assert plan.suggestion == ""


def test_a_mistyped_phrase_is_understood_and_corrected() -> None:
    plan = plan_query("gren roof")
    assert plan.groups == ((concept_token("green-roofs"),),)
    assert plan.suggestion == "green roof"
    # ... unless the index holds its words as written.
    assert plan_query("gren roof", indexed=lambda words: True).suggestion == ""


def test_other_words_keep_their_forms() -> None:
    plan = plan_query("green roofs Berlin")
    assert plan.groups[0] == (concept_token("green-roofs"),)
    assert plan.groups[1][0] == "berlin"


def test_edit_distance_counts_a_transposition_as_one() -> None:
    assert edit_distance("gren", "green", 2) == 1
    assert edit_distance("reforestasion", "reforestacion", 2) == 1
    assert edit_distance("abcd", "abdc", 2) == 1
    assert edit_distance("heat", "cold", 1) == 2  # past the limit: limit + 1


def _dcg(gains: list[int]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains))


@pytest.mark.django_db
def test_held_out_queries_do_not_fall_back() -> None:
    """A guard against a vocabulary or ranking that gets worse: on the held-out half of the
    judged queries (benchmarks/search_quality.py reports each language) success@5 and nDCG@10
    stay where they were measured."""
    rows = [json.loads(line) for line in JUDGEMENTS.read_text(encoding="utf-8").splitlines()]
    held_out = [r for r in rows if int(r["id"].split("-")[1]) % 2 == 0]
    assert len(held_out) == 50
    successes, ndcgs = [], []
    for row in held_out:
        slugs = [h.slug for h in run_search(SearchParams(q=row["query"], page_size=10)).items]
        gains = [row["relevant"].get(slug, 0) for slug in slugs]
        ideal = _dcg(sorted(row["relevant"].values(), reverse=True)[:10])
        ndcgs.append(_dcg(gains) / ideal)
        successes.append(any(g == 2 for g in gains[:5]))
    assert statistics.mean(successes) >= 0.94
    # Measured: 0.647 on SQLite, 0.614 on PostgreSQL, whose ranks order the matches past the
    # re-ranked first ones differently.
    assert statistics.mean(ndcgs) >= 0.60
