"""Published hub items → search documents: the denormalised row, its tokens and facet values.

Each document's text includes the five-language labels of its NBS types and challenges, so a
query in any interface language finds items written in one language only. Subtitles name
countries in English ("Kraków, Poland"), never by code; a page shows them in its reader's
language (``labels.localised_subtitle``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, Prefetch, QuerySet

from cityweave.catalogue.models import Case, Instrument, NbsType, Resource
from cityweave.cities.models import City, MacroRegion
from cityweave.core.models import Status, TaxonomyTerm
from cityweave.search.labels import country_name
from cityweave.search.models import SearchDocument
from cityweave.search.places import place_names
from cityweave.search.text import fold, index_tokens
from cityweave.search.types import KINDS
from cityweave.search.vocabulary import concept_token, concepts_of_terms, concepts_of_text

MAX_INDEXED_CHARS = 60_000
SNIPPET_SOURCE_CHARS = 1_500
CONCEPT_REPEATS = 4


def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


EU_MEMBERS = _codes(
    "AT BE BG HR CY CZ DK EE FI FR DE GR IE IT LV LT LU MT NL PL PT RO SK SI ES SE HU"
)
EUROPE_OUTSIDE_EU = _codes("GB NO CH IS LI MC SM VA AD AL BA ME MK RS XK UA MD BY")
CELAC_MEMBERS = _codes(
    "AG AR BS BB BZ BO BR CL CO CR CU DM DO EC SV GD GT GY HT HN JM MX NI PA PY PE KN LC VC SR TT "
    "UY VE"
)

MODEL_KINDS: dict[type[Model], str] = {
    Case: "case",
    NbsType: "nbs_type",
    Instrument: "instrument",
    Resource: "resource",
    City: "city",
}


def kind_of(obj: Any) -> str | None:
    for model, kind in MODEL_KINDS.items():
        if isinstance(obj, model):
            return kind
    return None


def macro_region_of_country(code: str) -> str:
    if not code:
        return ""
    if code in EU_MEMBERS:
        return str(MacroRegion.EU)
    if code in EUROPE_OUTSIDE_EU:
        return str(MacroRegion.EUROPE_OTHER)
    if code in CELAC_MEMBERS:
        return str(MacroRegion.CELAC)
    return str(MacroRegion.OTHER)


def indexable_querysets() -> dict[str, QuerySet[Any]]:
    """The published items of each kind, with what their documents need prefetched."""
    challenge_terms = TaxonomyTerm.objects.filter(vocabulary="challenge")
    nbs = NbsType.objects.all()
    return {
        "case": Case.objects.published()
        .select_related("city")
        .prefetch_related(Prefetch("nbs_types", nbs), Prefetch("challenges", challenge_terms))
        .order_by("pk"),
        "nbs_type": NbsType.objects.published()
        .prefetch_related(Prefetch("challenges", challenge_terms), "ecosystem_services")
        .order_by("pk"),
        "instrument": Instrument.objects.published()
        .prefetch_related(
            Prefetch("challenges", challenge_terms),
            Prefetch("nbs_types", nbs),
            Prefetch("cities", City.objects.order_by("name")),
        )
        .order_by("pk"),
        "resource": Resource.objects.published()
        .prefetch_related(
            "topics", Prefetch("nbs_types", nbs), Prefetch("cities", City.objects.order_by("name"))
        )
        .order_by("pk"),
        "city": City.objects.order_by("pk"),
    }


@dataclass
class BuiltDocument:
    document: SearchDocument
    facet_values: list[tuple[str, str]] = field(default_factory=list)
    title_tokens: str = ""
    body_tokens: str = ""
    snippet_source: str = ""


class LabelTokens:
    """Indexed tokens of taxonomy labels in all five languages, computed once per term."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, int], str] = {}

    def of(self, terms: Iterable[TaxonomyTerm | NbsType]) -> str:
        parts = []
        for term in terms:
            key = (type(term).__name__, term.pk)
            if key not in self._cache:
                self._cache[key] = index_tokens(term.all_labels())
            parts.append(self._cache[key])
        return " ".join(parts)


def _document(kind: str, obj: Any, **fields: Any) -> BuiltDocument:
    title = fields.pop("title")
    title_tokens, body_tokens = fields.pop("title_tokens"), fields.pop("body_tokens")
    snippet_source = fields.pop("snippet_source")
    document = SearchDocument(
        kind=kind,
        kind_order=KINDS.index(kind),
        object_id=obj.pk,
        slug=obj.slug,
        title=title[:600],
        sort_title=fold(title).strip()[:600],
        **fields,
    )
    return BuiltDocument(document, [], title_tokens, body_tokens, snippet_source)


def _tokens(parts: Iterable[str]) -> str:
    return index_tokens(part[:MAX_INDEXED_CHARS] for part in parts if part)


def _english_country(code: str) -> str:
    return country_name(code, language="en")


def _place(city: City | None) -> str:
    """``"Kraków, Poland"``: a city and its country's English name."""
    if city is None:
        return ""
    return ", ".join(filter(None, [city.name, _english_country(city.country_code)]))


def _labels_of(terms: Iterable[TaxonomyTerm | NbsType]) -> list[str]:
    """The five-language labels of the item's NBS types or terms: they name its concepts too."""
    return [label for term in terms for label in term.all_labels()]


def _add_concepts(
    built: BuiltDocument,
    *,
    titles: Iterable[str],
    bodies: Iterable[str],
    nbs_types: Iterable[str] = (),
    challenges: Iterable[str] = (),
    title_nbs_types: Iterable[str] = (),
) -> BuiltDocument:
    """Add the tokens of the concepts the item is about: those named in its title (or that its
    ``title_nbs_types`` are) rank as title words; those in its text or its NBS types and
    challenges as body words."""
    in_title = set(concepts_of_text(titles)) | concepts_of_terms(
        nbs_types=title_nbs_types, challenges=()
    )
    in_body = concepts_of_text(bodies)
    for code in concepts_of_terms(nbs_types=nbs_types, challenges=challenges):
        in_body[code] += 1
    if in_title:
        tokens = " ".join(concept_token(code) for code in sorted(in_title))
        built.title_tokens = f"{built.title_tokens} {tokens}".strip()
    # As often as the text says it (up to CONCEPT_REPEATS), so that bm25 tells a case about
    # heat from one that mentions shade once.
    body = [
        concept_token(code)
        for code, n in sorted(in_body.items())
        for _ in range(min(n, CONCEPT_REPEATS))
    ]
    if body:
        built.body_tokens = f"{built.body_tokens} {' '.join(body)}".strip()
    return built


def build_case(case: Case, labels: LabelTokens) -> BuiltDocument:
    city = case.city
    nbs_types = list(case.nbs_types.all())
    challenges = list(case.challenges.all())
    country = city.country_code if city else ""
    body = _tokens(
        [
            case.summary,
            case.description,
            case.outcomes,
            case.lessons,
            case.actors,
            case.participation,
            case.funding_sources,
            city.name if city else "",
            city.aliases if city else "",
            " ".join(place_names(city.geonameid)) if city else "",
            city.country if city else "",
        ]
    )
    built = _document(
        "case",
        case,
        title=case.title_en,
        subtitle=_place(city),
        snippet_source=(case.summary or case.description or case.outcomes)[:SNIPPET_SOURCE_CHARS],
        country_code=country,
        macro_region=city.macro_region if city else "",
        city=city.slug if city else "",
        city_name=city.name if city else "",
        year=case.start_year,
        status=case.case_status,
        latitude=case.latitude if case.latitude is not None else (city.latitude if city else None),
        longitude=(
            case.longitude if case.longitude is not None else (city.longitude if city else None)
        ),
        title_tokens=_tokens([case.title_en, case.title_original]),
        body_tokens=" ".join(filter(None, [body, labels.of(nbs_types), labels.of(challenges)])),
    )
    facets = [("nbs_type", t.slug) for t in nbs_types] + [("challenge", c.code) for c in challenges]
    built.facet_values = facets
    return _add_concepts(
        built,
        titles=[case.title_en, case.title_original],
        bodies=[
            case.summary,
            case.description,
            case.outcomes,
            case.lessons,
            *_labels_of(nbs_types),
            *_labels_of(challenges),
        ],
        nbs_types=[t.slug for t in nbs_types],
        challenges=[c.code for c in challenges],
    )


def build_nbs_type(nbs_type: NbsType, labels: LabelTokens) -> BuiltDocument:
    challenges = list(nbs_type.challenges.all())
    services = list(nbs_type.ecosystem_services.all())
    built = _document(
        "nbs_type",
        nbs_type,
        title=nbs_type.label_en,
        title_i18n={
            code: getattr(nbs_type, f"label_{code}")
            for code in ("pl", "es", "pt", "de")
            if getattr(nbs_type, f"label_{code}")
        },
        snippet_source=nbs_type.description[:SNIPPET_SOURCE_CHARS],
        title_tokens=_tokens(nbs_type.all_labels()),
        body_tokens=" ".join(
            filter(
                None,
                [
                    _tokens([nbs_type.description, nbs_type.maintenance]),
                    labels.of(challenges),
                    labels.of(services),
                ],
            )
        ),
    )
    facets = [("nbs_type", nbs_type.slug)] + [("challenge", c.code) for c in challenges]
    built.facet_values = facets
    # The type's own concept (green roofs for a green roof) ranks as its title.
    return _add_concepts(
        built,
        titles=nbs_type.all_labels(),
        bodies=[nbs_type.description],
        title_nbs_types=[nbs_type.slug],
    )


def build_instrument(instrument: Instrument, labels: LabelTokens) -> BuiltDocument:
    cities = list(instrument.cities.all())
    city = cities[0] if cities else None
    nbs_types = list(instrument.nbs_types.all())
    challenges = list(instrument.challenges.all())
    country = instrument.country_code or (city.country_code if city else "")
    if city:
        macro_region = city.macro_region
    elif instrument.governance_level == "eu" and not country:
        macro_region = str(MacroRegion.EU)
    else:
        macro_region = macro_region_of_country(country)
    built = _document(
        "instrument",
        instrument,
        title=instrument.name,
        subtitle=", ".join(c.name for c in cities[:3]) or _english_country(country),
        snippet_source=instrument.description[:SNIPPET_SOURCE_CHARS],
        country_code=country,
        macro_region=macro_region,
        city=city.slug if city else "",
        city_name=city.name if city else "",
        year=instrument.year_adopted,
        category=instrument.category,
        level=instrument.governance_level,
        latitude=city.latitude if city and len(cities) == 1 else None,
        longitude=city.longitude if city and len(cities) == 1 else None,
        title_tokens=_tokens([instrument.name, instrument.name_original]),
        body_tokens=" ".join(
            filter(
                None,
                [
                    _tokens(
                        [
                            instrument.description,
                            instrument.actors,
                            instrument.success_factors,
                            instrument.lessons,
                            " ".join(c.name for c in cities),
                        ]
                    ),
                    labels.of(nbs_types),
                    labels.of(challenges),
                ],
            )
        ),
    )
    facets = [("nbs_type", t.slug) for t in nbs_types] + [("challenge", c.code) for c in challenges]
    built.facet_values = facets
    return _add_concepts(
        built,
        titles=[instrument.name, instrument.name_original],
        bodies=[
            instrument.description,
            instrument.success_factors,
            instrument.lessons,
            *_labels_of(nbs_types),
            *_labels_of(challenges),
        ],
        nbs_types=[t.slug for t in nbs_types],
        challenges=[c.code for c in challenges],
    )


def build_resource(resource: Resource, labels: LabelTokens) -> BuiltDocument:
    cities = list(resource.cities.all())
    city = cities[0] if cities else None
    nbs_types = list(resource.nbs_types.all())
    topics = list(resource.topics.all())
    country = city.country_code if city else ""
    built = _document(
        "resource",
        resource,
        title=resource.title,
        subtitle=", ".join(filter(None, [resource.authors[:200], str(resource.year or "")])),
        snippet_source=(resource.description or resource.extracted_text)[:SNIPPET_SOURCE_CHARS],
        country_code=country,
        macro_region=city.macro_region if city else "",
        city=city.slug if city else "",
        city_name=city.name if city else "",
        year=resource.year,
        language=resource.language.lower(),
        title_tokens=_tokens([resource.title]),
        body_tokens=" ".join(
            filter(
                None,
                [
                    _tokens(
                        [
                            resource.authors,
                            resource.description,
                            " ".join(c.name for c in cities),
                            resource.extracted_text,
                        ]
                    ),
                    labels.of(nbs_types),
                    labels.of(topics),
                ],
            )
        ),
    )
    facets = [("nbs_type", t.slug) for t in nbs_types] + [
        ("challenge", t.code) for t in topics if t.vocabulary == "challenge"
    ]
    built.facet_values = facets
    return _add_concepts(
        built,
        titles=[resource.title],
        bodies=[
            resource.description,
            resource.extracted_text[:20_000],
            *_labels_of(nbs_types),
            *_labels_of(topics),
        ],
        nbs_types=[t.slug for t in nbs_types],
        challenges=[t.code for t in topics if t.vocabulary == "challenge"],
    )


def build_city(city: City, labels: LabelTokens) -> BuiltDocument:
    programmes = [str(p) for p in city.programmes] if isinstance(city.programmes, list) else []
    built = _document(
        "city",
        city,
        title=city.name,
        subtitle=_english_country(city.country_code) or city.country,
        snippet_source=", ".join(filter(None, [city.country, *programmes]))[:SNIPPET_SOURCE_CHARS],
        country_code=city.country_code,
        macro_region=city.macro_region,
        city=city.slug,
        city_name=city.name,
        latitude=city.latitude,
        longitude=city.longitude,
        title_tokens=_tokens([city.name, city.aliases, " ".join(place_names(city.geonameid))]),
        body_tokens=_tokens([city.country, " ".join(programmes)]),
    )
    return built


BUILDERS: dict[str, Callable[[Any, LabelTokens], BuiltDocument]] = {
    "case": build_case,
    "nbs_type": build_nbs_type,
    "instrument": build_instrument,
    "resource": build_resource,
    "city": build_city,
}


def is_indexable(obj: Any) -> bool:
    """Only published records are indexed; cities have no publication status."""
    return getattr(obj, "status", Status.PUBLISHED) == Status.PUBLISHED
