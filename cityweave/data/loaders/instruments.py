"""Policy and governance instruments (``catalogue/instruments.json``), linked to the cities and
cases they clearly belong to; a case that an instrument governs also gets a typed link."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType

from cityweave.catalogue.models import Case, Instrument, NbsType
from cityweave.cities.models import City
from cityweave.core.models import Link, Relation, Status, TaxonomyTerm
from cityweave.core.sync import Counts, sync_m2m, sync_rows
from cityweave.data.loaders.cases import CASE_SLUG_SUFFIX
from cityweave.data.loaders.provenance import provenance, read_json

PROGRAMME_PREFIX = "@"


def _city_ids(refs: list[str], cities: dict[str, City]) -> set[int]:
    ids: set[int] = set()
    for ref in refs:
        if ref.startswith(PROGRAMME_PREFIX):
            programme = ref[len(PROGRAMME_PREFIX) :]
            ids.update(c.pk for c in cities.values() if programme in c.programmes)
        else:
            ids.add(cities[ref].pk)
    return ids


def load_instruments(
    *,
    terms: dict[tuple[str, str], TaxonomyTerm],
    nbs_types: dict[str, NbsType],
    cities: dict[str, City],
) -> tuple[Counts, Counts]:
    """Returns counts for instruments and for the typed links case → instrument."""
    data = read_json("catalogue/instruments.json")
    rows: list[dict[str, Any]] = []
    relations: dict[str, tuple[list[str], list[str], list[str], list[str]]] = {}
    for (
        slug,
        name,
        name_original,
        category,
        level,
        country_code,
        year,
        source_name,
        source_url,
        challenges,
        types,
        city_refs,
        case_ids,
        description,
    ) in data["instruments"]:
        rows.append(
            {
                "slug": slug,
                "name": name,
                "name_original": name_original,
                "category": category,
                "governance_level": level,
                "country_code": country_code,
                "year_adopted": year,
                "description": description,
                "status": Status.PUBLISHED,
                **provenance(source_name=source_name, source_url=source_url, **data["provenance"]),
            }
        )
        relations[slug] = (challenges, types, city_refs, case_ids)
    counts, by_slug = sync_rows(model=Instrument, key="slug", rows=rows)

    case_ids_by_una: dict[str, int] = {
        slug.rsplit(CASE_SLUG_SUFFIX, 1)[1]: pk
        for slug, pk in Case.objects.filter(slug__contains=CASE_SLUG_SUFFIX).values_list(
            "slug", "pk"
        )
    }
    wanted_challenges, wanted_types, wanted_cities, wanted_cases = {}, {}, {}, {}
    for slug, (challenges, types, city_refs, una_ids) in relations.items():
        pk = by_slug[slug].pk
        wanted_challenges[pk] = {terms["challenge", code].pk for code in challenges}
        wanted_types[pk] = {nbs_types[t].pk for t in types}
        wanted_cities[pk] = _city_ids(city_refs, cities)
        wanted_cases[pk] = {case_ids_by_una[una_id] for una_id in una_ids}
    sync_m2m(model=Instrument, field="challenges", wanted=wanted_challenges)
    sync_m2m(model=Instrument, field="nbs_types", wanted=wanted_types)
    sync_m2m(model=Instrument, field="cities", wanted=wanted_cities)
    sync_m2m(model=Instrument, field="cases", wanted=wanted_cases)
    return counts, _load_links(wanted_cases)


def _load_links(cases_by_instrument: dict[int, set[int]]) -> Counts:
    case_type = ContentType.objects.get_for_model(Case)
    instrument_type = ContentType.objects.get_for_model(Instrument)
    rows = [
        {
            "source_type_id": case_type.pk,
            "source_id": case_id,
            "relation": Relation.APPLIES,
            "target_type_id": instrument_type.pk,
            "target_id": instrument_id,
            "note": "The case lies under this instrument (CityWeave editors).",
        }
        for instrument_id, case_ids in sorted(cases_by_instrument.items())
        for case_id in sorted(case_ids)
    ]
    counts, _by_key = sync_rows(
        model=Link,
        key=("source_type_id", "source_id", "relation", "target_type_id", "target_id"),
        rows=rows,
    )
    return counts
