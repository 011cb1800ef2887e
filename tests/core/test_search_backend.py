"""The search backend on a small hand-made world: matching, folding, stemming, multilingual
taxonomy labels, facets and their counts, publication, incremental updates."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from cityweave.catalogue.models import Case, Instrument, NbsType, Resource
from cityweave.cities.models import City
from cityweave.core.models import Status, TaxonomyTerm
from cityweave.search import (
    SearchParams,
    index_objects,
    located_hits,
    rebuild_index,
    remove_object,
    run_search,
)
from cityweave.search.models import SearchDocument

pytestmark = pytest.mark.django_db


@dataclass
class World:
    roof: NbsType
    garden: NbsType
    heat: TaxonomyTerm
    water: TaxonomyTerm
    goteborg: City
    iasi: City
    quito: City
    roof_case: Case
    garden_case: Case
    draft_case: Case
    quito_case: Case
    instrument: Instrument
    resource: Resource


def make_world() -> World:
    heat = TaxonomyTerm.objects.create(
        vocabulary="challenge", code="zz-heat", label_en="Zz heat stress", label_pl="Zz upał"
    )
    water = TaxonomyTerm.objects.create(
        vocabulary="challenge", code="zz-water", label_en="Zz water management"
    )
    roof = NbsType.objects.create(
        slug="zz-green-roof",
        label_en="Zz green roof",
        label_pl="Zz zielony dach",
        label_es="Zz techo verde",
        label_pt="Zz telhado verde",
        label_de="Zz Gründach",
        description="A roof covered with vegetation.",
        ec_type=3,
    )
    garden = NbsType.objects.create(
        slug="zz-rain-garden",
        label_en="Zz rain garden",
        description="A planted depression.",
        ec_type=3,
    )
    goteborg = City.objects.create(
        name="Zz Göteborg",
        slug="zz-goteborg",
        country="Sweden",
        country_code="SE",
        macro_region="EU",
        latitude=57.7,
        longitude=11.97,
    )
    iasi = City.objects.create(
        name="Zz Iaşi",
        slug="zz-iasi",
        country="Romania",
        country_code="RO",
        macro_region="EU",
        latitude=47.16,
        longitude=27.59,
    )
    quito = City.objects.create(
        name="Zz Quito",
        slug="zz-quito",
        country="Ecuador",
        country_code="EC",
        macro_region="CELAC",
    )
    roof_case = Case.objects.create(
        slug="zz-roof-case",
        title_en="Zz Factory Roof Retrofit",
        city=goteborg,
        summary="Vegetation was planted on the factory.",
        start_year=2018,
    )
    roof_case.nbs_types.add(roof)
    roof_case.challenges.add(heat)
    garden_case = Case.objects.create(
        slug="zz-garden-case",
        title_en="Zz Community gardens of the river",
        city=iasi,
        summary="Neighbours maintain the gardens.",
        start_year=2020,
    )
    garden_case.nbs_types.add(garden)
    garden_case.challenges.add(water, heat)
    draft_case = Case.objects.create(
        slug="zz-draft-case", title_en="Zz Secret roof garden", city=iasi, status=Status.DRAFT
    )
    quito_case = Case.objects.create(
        slug="zz-quito-case",
        title_en="Zz Río Machángara restoration",
        city=quito,
        summary="The river banks were replanted.",
        start_year=2018,
    )
    quito_case.challenges.add(water)
    instrument = Instrument.objects.create(
        slug="zz-roof-bylaw",
        name="Zz green roof bylaw",
        category="legislative",
        governance_level="local",
        description="Requires vegetated roofs on new buildings.",
        year_adopted=2016,
    )
    instrument.nbs_types.add(roof)
    instrument.cities.add(goteborg)
    resource = Resource.objects.create(
        slug="zz-guide",
        title="Zz Leitfaden Dachbegrünung",
        resource_type="guidance",
        language="de",
        year=2020,
        description="Planung und Pflege.",
    )
    resource.nbs_types.add(roof)
    rebuild_index()
    return World(
        roof,
        garden,
        heat,
        water,
        goteborg,
        iasi,
        quito,
        roof_case,
        garden_case,
        draft_case,
        quito_case,
        instrument,
        resource,
    )


@pytest.fixture
def world() -> World:
    return make_world()


def slugs(q: str = "", **filters: object) -> list[str]:
    params = SearchParams(q=q, page_size=200, **filters)  # type: ignore[arg-type]
    return [hit.slug for hit in run_search(params).items if hit.slug.startswith("zz-")]


@pytest.mark.parametrize(
    "q", ["zielony dach", "telhado verde", "Gründach", "techo verde", "green roofs"]
)
def test_the_five_languages_find_the_green_roof_case_through_its_nbs_type(
    world: World, q: str
) -> None:
    found = slugs(q)
    assert "zz-roof-case" in found  # its own text never says "green roof"
    assert "zz-garden-case" not in found


def test_accents_are_folded_both_ways(world: World) -> None:
    assert "zz-goteborg" in slugs("goteborg")
    assert "zz-goteborg" in slugs("GÖTEBORG")
    assert "zz-iasi" in slugs("Iasi")
    assert "zz-iasi" in slugs("iaşi")
    assert "zz-quito-case" in slugs("rio machangara")


def test_stemming_finds_the_singular_from_the_plural_and_back(world: World) -> None:
    assert "zz-garden-case" in slugs("garden")
    assert "zz-roof-case" in slugs("roofs")
    assert set(slugs("gardens")) >= {"zz-garden-case", "zz-rain-garden"}


def test_records_holding_every_word_rank_first_then_any_word(world: World) -> None:
    # "Community gardens" is a concept: the garden case holds it in its title.
    assert slugs("community gardens")[0] == "zz-garden-case"
    # Any word matches; the records holding more of the query's words come first.
    found = slugs("banks replanted roof")
    assert found[0] == "zz-quito-case"  # "banks" and "replanted" in its text
    assert {"zz-roof-case", "zz-roof-bylaw"} <= set(found)
    assert "zz-garden-case" not in found


def test_drafts_are_not_indexed(world: World) -> None:
    assert "zz-draft-case" not in slugs("secret")
    assert not SearchDocument.objects.filter(kind="case", object_id=world.draft_case.pk).exists()


def test_the_title_ranks_above_the_body(world: World) -> None:
    # "green" is in the bylaw's title and only in the taxonomy labels of the roof case.
    found = slugs("green", kind=("instrument", "case"), city=("zz-goteborg",))
    assert found.index("zz-roof-bylaw") < found.index("zz-roof-case")


def test_facets_count_the_result_set_without_their_own_filter(world: World) -> None:
    result = run_search(SearchParams(q="zz", kind=("case",), country=("RO",)))
    assert [hit.slug for hit in result.items] == ["zz-garden-case"]
    assert result.count == 1
    countries = {f.value: f.count for f in result.facets["country"]}
    # The country facet ignores country=RO: the three published zz cases are in SE, RO and EC.
    assert countries["SE"] == 1 and countries["RO"] == 1 and countries["EC"] == 1
    kinds = {f.value: f.count for f in result.facets["kind"]}
    # The kind facet ignores kind=case: in Romania there are the garden case and the city Iaşi.
    assert kinds == {"case": 1, "city": 1}
    challenges = {f.value: f.count for f in result.facets["challenge"]}
    assert challenges == {"zz-heat": 1, "zz-water": 1}
    labels = {f.value: f.label for f in result.facets["challenge"]}
    assert labels["zz-heat"] == "Zz heat stress"


def test_multi_valued_filters_or_within_and_across(world: World) -> None:
    assert set(slugs("zz", kind=("case",), challenge=("zz-heat",))) == {
        "zz-garden-case",
        "zz-roof-case",
    }
    assert set(slugs("zz", kind=("case",), challenge=("zz-heat", "zz-water"))) == {
        "zz-garden-case",
        "zz-roof-case",
        "zz-quito-case",
    }
    assert slugs("zz", challenge=("zz-heat",), year=(2018,)) == ["zz-roof-case"]
    result = run_search(SearchParams(q="zz", challenge=("zz-water",)))
    challenges = {f.value: f.count for f in result.facets["challenge"]}
    # Own filter excluded: heat is on 2 documents (roof and garden cases), water on 2.
    assert challenges == {"zz-heat": 2, "zz-water": 2}
    nbs = {f.value: f.count for f in result.facets["nbs_type"]}
    assert nbs == {"zz-rain-garden": 1}


def test_nbs_type_facet_includes_the_type_itself_and_uses_the_active_language(
    world: World,
) -> None:
    from django.utils import translation

    with translation.override("pl"):
        result = run_search(SearchParams(q="zz", nbs_type=("zz-green-roof",)))
        hits = {hit.slug: hit.title for hit in result.items}
        facet = {f.value: f.label for f in result.facets["nbs_type"]}
    assert set(hits) == {"zz-green-roof", "zz-roof-case", "zz-roof-bylaw", "zz-guide"}
    assert hits["zz-green-roof"] == "Zz zielony dach"
    assert facet["zz-green-roof"] == "Zz zielony dach"


def test_empty_query_lists_everything_by_kind_then_title(world: World) -> None:
    result = run_search(SearchParams(page_size=200, kind=("case", "city"), country=("RO",)))
    assert [(hit.kind, hit.slug) for hit in result.items if hit.slug[:3] == "zz-"] == [
        ("case", "zz-garden-case"),
        ("city", "zz-iasi"),
    ]


def test_pagination_counts_all_and_returns_one_page(world: World) -> None:
    first = run_search(SearchParams(q="zz", kind=("case",), page=1, page_size=2))
    second = run_search(SearchParams(q="zz", kind=("case",), page=2, page_size=2))
    assert first.count == second.count == 3
    assert len(first.items) == 2 and len(second.items) == 1
    assert {h.slug for h in first.items}.isdisjoint({h.slug for h in second.items})


def test_located_hits_are_every_match_with_coordinates(world: World) -> None:
    hits = [h for h in located_hits(SearchParams(q="zz", kind=("case",))) if h.slug[:3] == "zz-"]
    # The Quito case has no coordinates, nor has its city; the others take their city's.
    assert {h.slug: (h.latitude, h.longitude) for h in hits} == {
        "zz-roof-case": (57.7, 11.97),
        "zz-garden-case": (47.16, 27.59),
    }


def test_index_objects_and_remove_object_keep_the_index_in_step(world: World) -> None:
    case = world.garden_case
    case.title_en = "Zz Orchard of the river"
    case.save()
    assert index_objects([case]) == 1
    assert slugs("orchard") == ["zz-garden-case"]
    assert "zz-garden-case" not in slugs("community")
    case.status = Status.DRAFT
    case.save()
    assert index_objects([case]) == 0
    assert slugs("orchard") == []
    world.draft_case.status = Status.PUBLISHED
    world.draft_case.save()
    index_objects([world.draft_case])
    assert slugs("secret") == ["zz-draft-case"]
    remove_object(world.draft_case)
    assert slugs("secret") == []


def test_snippet_is_taken_around_the_first_matching_word(world: World) -> None:
    world.quito_case.summary = ("Lorem ipsum dolor sit amet. " * 20) + "The wetlands were restored."
    world.quito_case.save()
    index_objects([world.quito_case])
    hit = run_search(SearchParams(q="zz wetland")).items[0]
    assert hit.slug == "zz-quito-case"
    assert "wetlands" in hit.snippet and hit.snippet.startswith("…")


def test_filters_without_text_and_whole_index_counts_follow_writes(world: World) -> None:
    everything = run_search(SearchParams())
    countries = {f.value: f.count for f in everything.facets["country"]}
    assert everything.count == sum(f.count for f in everything.facets["kind"])
    result = run_search(SearchParams(country=("RO",), kind=("case",), page_size=200))
    assert [h.slug for h in result.items if h.slug[:3] == "zz-"] == ["zz-garden-case"]
    # The country facet ignores country=RO but not kind=case: choosing EC gives its count.
    by_country = {f.value: f.count for f in result.facets["country"]}
    assert by_country["EC"] == run_search(SearchParams(country=("EC",), kind=("case",))).count
    assert by_country["EC"] >= 1
    city = City.objects.create(
        name="Zz Malmö", slug="zz-malmo", country="Sweden", country_code="SE", macro_region="EU"
    )
    index_objects([city])
    again = {f.value: f.count for f in run_search(SearchParams()).facets["country"]}
    assert again["SE"] == countries["SE"] + 1
    assert run_search(SearchParams()).count == everything.count + 1


def test_renaming_a_city_or_a_label_reindexes_what_copies_it(world: World) -> None:
    world.iasi.name = "Zz Jassy"
    world.iasi.save()
    index_objects([world.iasi])
    assert set(slugs("jassy")) == {"zz-iasi", "zz-garden-case"}
    world.heat.label_pl = "Zz skwar"
    world.heat.save()
    assert index_objects([world.heat]) == 2  # the roof and garden cases
    assert set(slugs("skwar")) == {"zz-roof-case", "zz-garden-case"}
    with pytest.raises(TypeError):
        index_objects([object()])
