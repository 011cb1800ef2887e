"""Text processing of the search index, with results worked out by hand."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from cityweave.search import InvalidSearchParams, SearchParams, parse_search_params
from cityweave.search.text import (
    facet_token,
    fold,
    index_tokens,
    light_polish_stem,
    query_groups,
    snippet,
    word_forms,
)


def test_folding_removes_accents_and_case() -> None:
    assert fold("Göteborg") == "goteborg"
    assert fold("Iaşi") == "iasi"
    assert fold("Río Machángara") == "rio machangara"


def test_word_forms_hold_the_folded_word_and_its_stems_once() -> None:
    # Folded word first, then the English stem; the other stemmers may add more.
    assert word_forms("gardens")[:2] == ("gardens", "garden")
    assert word_forms("park") == ("park",)
    # Singular and plural share a stem ("telh", Portuguese): the plural finds the singular.
    assert set(word_forms("telhados")) & set(word_forms("telhado")) >= {"telh"}
    assert "dach" in word_forms("dachy")  # Polish stem
    assert word_forms("the") == ()  # stop word
    assert len(set(word_forms("roofs"))) == len(word_forms("roofs"))


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("zielony", "zielon"),
        ("zielonych", "zielon"),
        ("dachy", "dach"),
        ("dachow", "dach"),
        ("dach", "dach"),
        ("park", "park"),
        ("parki", "park"),
    ],
)
def test_light_polish_stemmer_strips_case_endings(word: str, stem: str) -> None:
    assert light_polish_stem(word) == stem


def test_query_groups_are_one_group_of_alternatives_per_word() -> None:
    assert query_groups("green roofs") == [word_forms("green"), word_forms("roofs")]
    assert query_groups("the roof of the roof") == [word_forms("roof")]
    assert query_groups("the") == [("the",)]  # nothing but stop words: keep them
    assert query_groups("-(") == []


def test_index_tokens_join_the_forms_of_every_word() -> None:
    assert index_tokens(["Rain gardens", "", "the park"]) == " ".join(
        [*word_forms("rain"), *word_forms("gardens"), *word_forms("park")]
    )


def test_facet_tokens_are_hex_words_that_text_never_produces() -> None:
    assert facet_token("country", "PL") == "x3x504c"  # country is facet 3; "PL" = 0x50 0x4c
    assert facet_token("city", "sao-paulo") == "x5x" + b"sao-paulo".hex()


def test_snippet_is_a_window_around_the_first_matching_word() -> None:
    text = "Alpha beta gamma. " * 30 + "The wetland was restored. " + "Omega. " * 30
    piece = snippet(text, "wetlands", width=60)
    assert "wetland" in piece and piece.startswith("… ") and piece.endswith(" …")
    assert snippet("Short text.", "anything") == "Short text."


def test_parse_search_params_reads_repeated_filters() -> None:
    query = QueryDict("q=+green++roof+&kind=case&kind=city&country=pl&macro_region=celac&year=2018")
    assert parse_search_params(query) == SearchParams(
        q="green roof",
        kind=("case", "city"),
        country=("PL",),
        macro_region=("CELAC",),
        year=(2018,),
    )
    assert parse_search_params({"page": "2", "page_size": "5", "facets": "false"}) == (
        SearchParams(page=2, page_size=5, with_facets=False)
    )


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("page=x", "page"),
        ("page=0", "page"),
        ("page_size=0", "page_size"),
        ("page_size=201", "page_size"),
        ("kind=planet", "kind"),
        ("year=soon", "year"),
        ("year=99", "year"),
        ("country=POL", "country"),
        ("city=a%20b", "city"),
        ("level=planetary", "level"),
        ("facets=maybe", "facets"),
    ],
)
def test_parse_search_params_names_the_bad_parameter(query: str, param: str) -> None:
    with pytest.raises(InvalidSearchParams) as error:
        parse_search_params(QueryDict(query))
    assert error.value.param == param
    assert str(error.value).startswith(f"{param}:")
