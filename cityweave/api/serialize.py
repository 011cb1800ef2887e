"""Objects fetched by the selectors → the dicts of the output schemas (no query of their own:
everything they read is prefetched)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import get_language

from cityweave.catalogue.models import Case, CaseTerm, Instrument, NbsType, Resource
from cityweave.catalogue.tabular import page_url
from cityweave.cities.models import City, Membership, Network, NetworkFact
from cityweave.climate.models import ClimateTarget
from cityweave.core.models import LANGUAGE_CODES, Provenance, TaxonomyTerm


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def provenance(obj: Provenance) -> dict[str, Any]:
    return {
        "source_name": obj.source_name,
        "source_url": obj.source_url,
        "licence": obj.licence,
        "licence_verified": obj.licence_verified,
        "retrieved_on": obj.retrieved_on,
        "editorial_note": obj.editorial_note,
    }


def terms(items: Any) -> list[dict[str, str]]:
    language = get_language()
    return [{"code": t.code, "label": t.label_in(language)} for t in items.all()]


def nbs_refs(items: Any) -> list[dict[str, str]]:
    language = get_language()
    return [{"slug": t.slug, "label": t.label_in(language)} for t in items.all()]


def city_ref(city: City | None) -> dict[str, str] | None:
    if city is None:
        return None
    return {"slug": city.slug, "name": city.name, "country_code": city.country_code}


def city_refs(items: Any) -> list[dict[str, str]]:
    return [{"slug": c.slug, "name": c.name, "country_code": c.country_code} for c in items.all()]


def case_item(case: Case) -> dict[str, Any]:
    return {
        "slug": case.slug,
        "title": case.title_en,
        "title_original": case.title_original,
        "city": city_ref(case.city),
        "country_code": case.city.country_code if case.city else "",
        "latitude": case.latitude,
        "longitude": case.longitude,
        "nbs_types": nbs_refs(case.nbs_types),
        "challenges": terms(case.challenges),
        "case_status": case.case_status,
        "start_year": case.start_year,
        "url": page_url(case),
    }


def term_assignment(row: CaseTerm) -> dict[str, Any]:
    term = row.term
    return {
        "vocabulary": "challenge" if row.challenge_id else "nbs_type",
        "code": term.code if isinstance(term, TaxonomyTerm) else term.slug,
        "label": term.label,
        "applies": row.applies,
        "machine": row.machine,
        "rule": row.rule,
        "evidence": row.evidence,
        "decision": row.decision,
    }


def case_detail(case: Case) -> dict[str, Any]:
    return {
        **case_item(case),
        "summary": case.summary,
        "description": case.description,
        "description_note": case.description_note,
        "location_precision": case.location_precision,
        "outline": case.polygon if isinstance(case.polygon, dict) else None,
        "end_year": case.end_year,
        "area_m2": case.area_m2,
        "cost": _decimal(case.cost),
        "cost_currency": case.cost_currency,
        "funding_sources": case.funding_sources,
        "governance": case.governance,
        "actors": case.actors,
        "participation": case.participation,
        "outcomes": case.outcomes,
        "lessons": case.lessons,
        "scores": case.scores if isinstance(case.scores, dict) else {},
        "links": case.links if isinstance(case.links, list) else [],
        "classification": [term_assignment(row) for row in case.terms.all()],
        "instruments": [{"slug": i.slug, "name": i.name} for i in case.instruments.all()],
        "provenance": provenance(case),
    }


def nbs_type_item(nbs_type: NbsType) -> dict[str, Any]:
    return {
        "slug": nbs_type.slug,
        "label": nbs_type.label_in(get_language()),
        "labels": {
            code: getattr(nbs_type, f"label_{code}")
            for code in LANGUAGE_CODES
            if getattr(nbs_type, f"label_{code}")
        },
        "ec_type": nbs_type.ec_type,
        "scales": nbs_type.scales if isinstance(nbs_type.scales, list) else [],
        "challenges": terms(nbs_type.challenges),
        "url": page_url(nbs_type),
    }


def nbs_type_detail(nbs_type: NbsType) -> dict[str, Any]:
    return {
        **nbs_type_item(nbs_type),
        "description": nbs_type.description,
        "ecosystem_services": terms(nbs_type.ecosystem_services),
        "cost_min": _decimal(nbs_type.cost_min),
        "cost_max": _decimal(nbs_type.cost_max),
        "cost_currency": nbs_type.cost_currency,
        "cost_unit": nbs_type.cost_unit,
        "cost_year": nbs_type.cost_year,
        "cost_source": nbs_type.cost_source,
        "cost_source_url": nbs_type.cost_source_url,
        "maintenance": nbs_type.maintenance,
        "parameters": [
            {
                "name": p.name,
                "value": p.value,
                "unit": p.unit,
                "source": p.source,
                "source_url": p.source_url,
                "note": p.note,
            }
            for p in nbs_type.parameters.all()
        ],
        "provenance": provenance(nbs_type),
    }


def instrument_item(instrument: Instrument) -> dict[str, Any]:
    return {
        "slug": instrument.slug,
        "name": instrument.name,
        "name_original": instrument.name_original,
        "category": instrument.category,
        "governance_level": instrument.governance_level,
        "country_code": instrument.country_code,
        "year_adopted": instrument.year_adopted,
        "challenges": terms(instrument.challenges),
        "nbs_types": nbs_refs(instrument.nbs_types),
        "cities": city_refs(instrument.cities),
        "url": page_url(instrument),
    }


def instrument_detail(instrument: Instrument) -> dict[str, Any]:
    return {
        **instrument_item(instrument),
        "description": instrument.description,
        "actors": instrument.actors,
        "success_factors": instrument.success_factors,
        "lessons": instrument.lessons,
        "cases": [{"slug": c.slug, "title": c.title_en} for c in instrument.cases.all()],
        "provenance": provenance(instrument),
    }


def resource_item(resource: Resource) -> dict[str, Any]:
    return {
        "slug": resource.slug,
        "title": resource.title,
        "resource_type": resource.resource_type,
        "language": resource.language,
        "authors": resource.authors,
        "year": resource.year,
        "link": resource.url,
        "nbs_types": nbs_refs(resource.nbs_types),
        "cities": city_refs(resource.cities),
        "url": page_url(resource),
    }


def resource_detail(resource: Resource) -> dict[str, Any]:
    return {
        **resource_item(resource),
        "description": resource.description,
        "topics": [
            {"code": t.code, "label": t.label_in(get_language())}
            for t in resource.topics.all()
            if isinstance(t, TaxonomyTerm)
        ],
        "file_url": resource.file.url if resource.file else "",
        "file_name": resource.file_name,
        "file_size": resource.file_size,
        "provenance": provenance(resource),
    }


def city_item(city: City) -> dict[str, Any]:
    return {
        "slug": city.slug,
        "name": city.name,
        "kind": city.kind,
        "country": city.country,
        "country_code": city.country_code,
        "macro_region": city.macro_region,
        "latitude": city.latitude,
        "longitude": city.longitude,
        "population": city.population,
        "programmes": city.programmes if isinstance(city.programmes, list) else [],
        "networks": sorted({m.network.slug for m in city.memberships.all()}),
        "case_count": getattr(city, "case_count", 0),
        "url": page_url(city),
    }


def membership(m: Membership) -> dict[str, Any]:
    return {
        "network": m.network.slug,
        "network_name": m.network.name,
        "role": m.role,
        "group": m.group.name if m.group else None,
        "pledge": m.pledge,
        "since": m.since,
        "until": m.until,
        "provenance": provenance(m),
    }


def climate_target(t: ClimateTarget) -> dict[str, Any]:
    return {
        "dataset": t.dataset,
        "kind": t.kind,
        "label": t.label,
        "interim": t.interim,
        "reduction_percent": t.reduction_percent,
        "baseline_year": t.baseline_year,
        "target_year": t.target_year,
        "status": t.status,
        "text": t.text,
        "plan_url": t.plan_url,
        "provenance": provenance(t),
    }


def city_detail(city: City) -> dict[str, Any]:
    language = get_language()
    return {
        **city_item(city),
        "official_name": city.official_name,
        "aliases": city.aliases,
        "website": city.website,
        "geonameid": city.geonameid,
        "population_source": city.population_source,
        "population_year": city.population_year,
        "area_km2": city.area_km2,
        "area_source": city.area_source,
        "biogeographic_region": city.biogeographic_region,
        "boundary": city.boundary,
        "challenges": [
            {
                "code": link.term.code,
                "label": link.term.label_in(language),
                "priority": link.priority,
                "source": link.source,
            }
            for link in city.challenge_links.all()
        ],
        "memberships": [membership(m) for m in city.memberships.all()],
        "climate_targets": [climate_target(t) for t in city.climate_targets.all()],
        "organisations": [
            {
                "slug": o.slug,
                "name": o.name,
                "level": o.level,
                "helix": o.helix,
                "website": o.website,
                "contacts": [{"name": c.name, "role": c.role} for c in o.contacts.all()],
            }
            for o in city.organisations.all()
        ],
        "cases": [{"slug": c.slug, "title": c.title_en} for c in city.cases.all()],
        "instruments": [{"slug": i.slug, "name": i.name} for i in city.instruments.all()],
        "provenance": provenance(city),
    }


def network_item(network: Network) -> dict[str, Any]:
    return {
        "slug": network.slug,
        "name": network.name,
        "kind": network.kind,
        "description": network.description,
        "member_count": getattr(network, "member_count", 0),
        "url": network.get_absolute_url(),
    }


def network_detail(network: Network) -> dict[str, Any]:
    members = list(network.memberships.all())
    return {
        **network_item(network),
        "member_count": len({m.city_id for m in members}),
        "website": network.website,
        "groups": [
            {
                "slug": g.slug,
                "name": g.name,
                "kind": g.kind,
                "level": g.level,
                "description": g.description,
                "member_count": getattr(g, "member_count", 0),
            }
            for g in network.groups.all()
        ],
        "members": [
            {
                "city": city_ref(m.city),
                "role": m.role,
                "group": m.group.name if m.group else None,
                "pledge": m.pledge,
            }
            for m in members
        ],
        "facts": [network_fact(f) for f in network.facts.all()],
        "provenance": provenance(network),
    }


def network_fact(fact: NetworkFact) -> dict[str, Any]:
    return {
        "key": fact.key,
        "topic": fact.topic,
        "text": fact.text,
        "text_original": fact.text_original,
        "original_language": fact.original_language,
        "count": fact.count,
        "country_count": fact.country_count,
        "period_start": fact.period_start,
        "period_end": fact.period_end,
        "provenance": provenance(fact),
    }
