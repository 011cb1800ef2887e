"""The real seed: counts, idempotency and provenance."""

from __future__ import annotations

import pytest

from cityweave.catalogue.models import BiophysicalParameter, Case, CaseTerm, Instrument, NbsType
from cityweave.cities.models import City, MacroRegion
from cityweave.core.models import Link, Relation, TaxonomyTerm
from cityweave.data.loaders import load_all

pytestmark = pytest.mark.django_db


def test_352_una_cases_each_with_a_city_and_unverified_licence() -> None:
    cases = Case.objects.all()
    assert cases.count() == 352
    assert not cases.filter(city__isnull=True).exists()
    assert not cases.filter(licence_verified=True).exists()
    assert not cases.filter(source_url="").exists()
    assert not cases.filter(retrieved_on__isnull=True).exists()
    assert cases.filter(location_precision="site").count() == 330


def test_111_mission_cities() -> None:
    mission = [c for c in City.objects.all() if "EU Mission" in c.programmes]
    assert len(mission) == 111
    assert all(c.latitude is not None and c.geonameid for c in mission)


def test_duplicates_merged_on_geonameid() -> None:
    lisbon = City.objects.get(geonameid=2267057)
    assert lisbon.programmes == ["EU Mission", "Urban Nature Atlas"]
    assert lisbon.cases.count() > 0
    geonameids = [g for g in City.objects.values_list("geonameid", flat=True) if g]
    assert len(geonameids) == len(set(geonameids))


def test_macro_regions() -> None:
    assert City.objects.get(slug="fort-de-france-mq").macro_region == MacroRegion.CELAC
    assert City.objects.get(slug="envigado-co").macro_region == MacroRegion.CELAC
    assert City.objects.get(slug="aachen-de").macro_region == MacroRegion.EU
    assert City.objects.get(slug="tirana-al").macro_region == MacroRegion.EUROPE_OTHER
    assert City.objects.get(slug="nairobi-ke").macro_region == MacroRegion.OTHER


def test_regions_without_a_core_city_have_no_coordinates() -> None:
    zemgale = City.objects.get(slug="zemgale-lv")
    assert zemgale.programmes == ["IMPETUS"]
    assert zemgale.latitude is None


def test_twelve_challenges_with_five_labels() -> None:
    challenges = TaxonomyTerm.objects.filter(vocabulary="challenge")
    assert challenges.count() == 12
    assert all(len(term.all_labels()) == 5 for term in challenges)


def test_every_city_and_term_has_provenance() -> None:
    assert not City.objects.filter(source_name="").exists()
    assert not TaxonomyTerm.objects.filter(source_name="").exists()


def test_case_scores_keep_numbers_and_drop_na() -> None:
    # Site 1, "The Rio Salado Habitat Restoration Area": all 20 values present, climate total 10.
    case = Case.objects.get(slug__endswith="-una-1")
    assert case.scores["Climate"] == 10
    assert case.scores["Stormwater holding capacity"] == 4
    assert len(case.scores) == 20


def test_second_load_changes_nothing() -> None:
    stamps = dict(Case.objects.values_list("slug", "updated_at"))
    report = load_all()
    assert all(counts["created"] == 0 and counts["updated"] == 0 for counts in report.values())
    assert report["cases"]["unchanged"] == 352
    assert dict(Case.objects.values_list("slug", "updated_at")) == stamps


def test_nbs_types_with_five_labels_and_classification() -> None:
    types = NbsType.objects.prefetch_related("challenges", "ecosystem_services")
    assert types.count() >= 30
    for nbs_type in types:
        assert len(nbs_type.all_labels()) == 5, nbs_type.slug
        assert nbs_type.challenges.all(), nbs_type.slug
        assert nbs_type.ecosystem_services.all(), nbs_type.slug
        assert nbs_type.scales and nbs_type.description and nbs_type.source_name


def test_costs_only_with_a_named_source() -> None:
    with_cost = NbsType.objects.filter(cost_min__isnull=False)
    assert sorted(with_cost.values_list("slug", flat=True)) == [
        "constructed-wetland",
        "green-roof",
        "hillside-reforestation",
        "pocket-park",
        "water-square",
    ]
    assert all(t.cost_source and t.cost_source_url for t in with_cost)
    wetland = NbsType.objects.get(slug="constructed-wetland")
    assert (wetland.cost_min, wetland.cost_max, wetland.cost_unit) == (30000, 120000, "ha")


def test_curve_numbers_from_tr55() -> None:
    park = {
        p.name: p.value
        for p in BiophysicalParameter.objects.filter(nbs_type__slug="large-urban-park")
    }
    assert park == {"CN_A": 39, "CN_B": 61, "CN_C": 74, "CN_D": 80}
    assert not BiophysicalParameter.objects.filter(source="").exists()


def test_cases_classified_from_their_text_with_evidence() -> None:
    case = Case.objects.get(title_en="Meama Coffee Factory Green Roof")
    assert "green-roof" in set(case.nbs_types.values_list("slug", flat=True))
    row = case.terms.get(nbs_type__slug="green-roof")
    assert row.machine and not row.decision
    assert "green roof" in row.evidence.lower()
    # Every machine assignment names the phrase that triggered it and its rule.
    assert not CaseTerm.objects.filter(machine=True, evidence="").exists()
    assert not CaseTerm.objects.filter(machine=True, rule="").exists()
    # What applies is exactly what the rows say.
    applied = {(t.case_id, t.challenge_id) for t in CaseTerm.objects.all() if t.challenge_id}
    m2m = set(Case.challenges.through.objects.values_list("case_id", "taxonomyterm_id"))
    assert applied == m2m


def test_instruments_with_sources_and_cities() -> None:
    instruments = Instrument.objects.all()
    assert instruments.count() >= 25
    assert not instruments.filter(source_url="").exists()
    assert not instruments.filter(description="").exists()
    baf = Instrument.objects.get(slug="berlin-biotope-area-factor")
    assert list(baf.cities.values_list("slug", flat=True)) == ["berlin-de"]
    mission = Instrument.objects.get(slug="eu-mission-climate-neutral-smart-cities")
    assert mission.cities.count() == 111


def test_tempelhof_case_applies_the_tempelhofer_feld_law() -> None:
    law = Instrument.objects.get(slug="tempelhofer-feld-law")
    case = Case.objects.get(slug__endswith="-una-116")
    assert case.title_en == "Tempelhofer Field"
    assert list(law.cases.all()) == [case]
    link = Link.objects.get(relation=Relation.APPLIES, target_id=law.pk)
    assert link.source == case


def test_every_catalogue_record_has_provenance() -> None:
    for model in (NbsType, Instrument, Case):
        assert not model.objects.filter(source_name="").exists(), model
        assert not model.objects.filter(retrieved_on__isnull=True).exists(), model
    # Costs come from a file without a licence: those types are flagged, the others are not.
    flagged = set(NbsType.objects.filter(licence_verified=False).values_list("slug", flat=True))
    assert flagged == set(
        NbsType.objects.filter(cost_min__isnull=False).values_list("slug", flat=True)
    )


def test_second_load_leaves_many_to_many_rows_alone() -> None:
    def snapshot() -> tuple[list[tuple[int, int]], ...]:
        return tuple(
            sorted(through.objects.values_list(a, b))
            for through, a, b in (
                (Case.nbs_types.through, "case_id", "nbstype_id"),
                (Case.challenges.through, "case_id", "taxonomyterm_id"),
                (NbsType.challenges.through, "nbstype_id", "taxonomyterm_id"),
                (Instrument.cities.through, "instrument_id", "city_id"),
            )
        )

    before = snapshot()
    load_all()
    assert snapshot() == before
    assert len(before[0]) >= 60  # cases with a type from their title
