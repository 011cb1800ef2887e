"""Output schemas of the read API, one list shape and one detail shape per kind, and the query
schemas that document the filters each endpoint accepts."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from ninja import Field, Schema

Format = Literal["json", "csv", "geojson"]
TabularFormat = Literal["json", "csv"]


class ErrorOut(Schema):
    detail: str


class ProvenanceOut(Schema):
    source_name: str
    source_url: str
    licence: str
    licence_verified: bool
    retrieved_on: datetime.date | None
    editorial_note: str


class TermOut(Schema):
    code: str
    label: str


class NbsTypeRef(Schema):
    slug: str
    label: str


class CityRef(Schema):
    slug: str
    name: str
    country_code: str


class CaseRef(Schema):
    slug: str
    title: str


class InstrumentRef(Schema):
    slug: str
    name: str


# --- search -----------------------------------------------------------------------------------


class SearchHitOut(Schema):
    kind: str
    id: int
    slug: str
    title: str
    url: str
    snippet: str
    subtitle: str
    country_code: str
    city: str
    latitude: float | None
    longitude: float | None


class FacetCountOut(Schema):
    value: str
    label: str
    count: int


class SearchOut(Schema):
    count: int
    page: int
    page_size: int
    items: list[SearchHitOut]
    facets: dict[str, list[FacetCountOut]]
    suggestion: str = Field(
        "",
        description='The query with its typos corrected ("green roof" for "gren roof"), '
        "whose matches the items already include; empty when nothing was corrected",
    )


class PageQuery(Schema):
    q: str = Field("", description="Free text, up to 500 characters, any of the five languages")
    page: int = Field(1, description="Page number, from 1")
    page_size: int | None = Field(None, description="Items per page (default 20, at most 200)")


class SearchQuery(PageQuery):
    kind: list[str] = Field([], description="case, nbs_type, instrument, resource, city")
    challenge: list[str] = Field([], description="Challenge codes")
    nbs_type: list[str] = Field([], description="NBS type slugs")
    country: list[str] = Field([], description="ISO 3166-1 alpha-2 codes")
    macro_region: list[str] = Field([], description="EU, EUROPE, CELAC, OTHER")
    city: list[str] = Field([], description="City slugs")
    category: list[str] = Field([], description="Instrument categories")
    level: list[str] = Field([], description="Governance levels")
    year: list[int] = Field([], description="Years (case start, instrument adoption, resource)")
    language: list[str] = Field([], description="Resource language codes")
    format: Format = Field("json", description="json, csv (all matches) or geojson (located)")
    facets: bool = Field(True, description="false skips the facet counts (faster)")
    sort: Literal["relevance", "newest", "title"] = Field(
        "relevance",
        description="relevance: records holding most of the query's words and concepts first "
        "(any word matches); newest: latest year first; title: alphabetical",
    )


class CaseQuery(PageQuery):
    challenge: list[str] = []
    nbs_type: list[str] = []
    country: list[str] = []
    macro_region: list[str] = []
    city: list[str] = []
    year: list[int] = Field([], description="Start year")
    format: Format = "json"


class NbsTypeQuery(PageQuery):
    challenge: list[str] = []
    format: TabularFormat = "json"


class InstrumentQuery(PageQuery):
    challenge: list[str] = []
    nbs_type: list[str] = []
    country: list[str] = []
    city: list[str] = []
    category: list[str] = []
    level: list[str] = []
    year: list[int] = Field([], description="Year adopted")
    format: TabularFormat = "json"


class ResourceQuery(PageQuery):
    challenge: list[str] = Field([], description="Challenge codes among the resource's topics")
    nbs_type: list[str] = []
    city: list[str] = []
    year: list[int] = []
    language: list[str] = []
    format: TabularFormat = "json"


class CityQuery(PageQuery):
    country: list[str] = Field([], description="ISO 3166 alpha-2 country codes")
    macro_region: list[str] = Field([], description="EU, EUROPE, CELAC or OTHER")
    network: list[str] = Field([], description="Network slugs (interlace, eu-mission ...)")
    role: list[str] = Field(
        [], description="Membership roles (partner, frontrunner, follower, signatory ...)"
    )
    challenge: list[str] = Field([], description="Challenge codes the city works on")
    format: Format = "json"


# --- cases ------------------------------------------------------------------------------------


class CaseOut(Schema):
    slug: str
    title: str
    title_original: str
    city: CityRef | None
    country_code: str
    latitude: float | None
    longitude: float | None
    nbs_types: list[NbsTypeRef]
    challenges: list[TermOut]
    case_status: str
    start_year: int | None
    url: str


class TermAssignmentOut(Schema):
    vocabulary: Literal["challenge", "nbs_type"]
    code: str
    label: str
    applies: bool = Field(description="Whether the term is one of the case's terms")
    machine: bool = Field(description="Derived by the machine classification from the text")
    rule: str
    evidence: str = Field(description="The sentence of the case's text that triggered the rule")
    decision: Literal["", "confirmed", "removed", "added"] = Field(
        description="An editor's decision; it wins over the machine"
    )


class CaseDetailOut(CaseOut):
    summary: str
    description: str = Field(description="The source's description of the site, verbatim")
    description_note: str = Field(description="Where the description comes from, what it omits")
    location_precision: str = Field(
        description="`site`: a point inside the site outline; `city`: the city centre"
    )
    outline: dict[str, Any] | None = Field(
        description="The site outline as a GeoJSON geometry (WGS 84), where known"
    )
    end_year: int | None
    area_m2: float | None = Field(description="Geodesic area of the outline in m², where known")
    cost: str | None
    cost_currency: str
    funding_sources: str
    governance: str
    actors: str
    participation: str
    outcomes: str
    lessons: str
    scores: dict[str, Any]
    links: list[Any]
    classification: list[TermAssignmentOut] = Field(
        description="Each challenge and NBS type assigned: by the machine classification (with "
        "the rule and the phrase that triggered it), by an editor, or both"
    )
    instruments: list[InstrumentRef]
    provenance: ProvenanceOut


class CasePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[CaseOut]


# --- NBS types --------------------------------------------------------------------------------


class ParameterOut(Schema):
    name: str
    value: float
    unit: str
    source: str
    source_url: str
    note: str


class NbsTypeOut(Schema):
    slug: str
    label: str
    labels: dict[str, str]
    ec_type: int
    scales: list[Any]
    challenges: list[TermOut]
    url: str


class NbsTypeDetailOut(NbsTypeOut):
    description: str
    ecosystem_services: list[TermOut]
    cost_min: str | None
    cost_max: str | None
    cost_currency: str
    cost_unit: str
    cost_year: int | None
    cost_source: str
    cost_source_url: str
    maintenance: str
    parameters: list[ParameterOut]
    provenance: ProvenanceOut


class NbsTypePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[NbsTypeOut]


# --- instruments ------------------------------------------------------------------------------


class InstrumentOut(Schema):
    slug: str
    name: str
    name_original: str
    category: str
    governance_level: str
    country_code: str
    year_adopted: int | None
    challenges: list[TermOut]
    nbs_types: list[NbsTypeRef]
    cities: list[CityRef]
    url: str


class InstrumentDetailOut(InstrumentOut):
    description: str
    actors: str
    success_factors: str
    lessons: str
    cases: list[CaseRef]
    provenance: ProvenanceOut


class InstrumentPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[InstrumentOut]


# --- resources --------------------------------------------------------------------------------


class ResourceOut(Schema):
    slug: str
    title: str
    resource_type: str
    language: str
    authors: str
    year: int | None
    link: str
    nbs_types: list[NbsTypeRef]
    cities: list[CityRef]
    url: str


class ResourceDetailOut(ResourceOut):
    description: str
    topics: list[TermOut]
    file_url: str
    file_name: str
    file_size: int | None
    provenance: ProvenanceOut


class ResourcePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ResourceOut]


# --- cities -----------------------------------------------------------------------------------


class MembershipOut(Schema):
    network: str
    network_name: str
    role: str
    group: str | None
    pledge: str
    since: datetime.date | None
    until: datetime.date | None
    provenance: ProvenanceOut


class CityChallengeOut(Schema):
    code: str
    label: str
    priority: int | None
    source: str


class ClimateTargetOut(Schema):
    dataset: str
    kind: str
    label: str
    interim: bool
    reduction_percent: float | None
    baseline_year: int | None
    target_year: int | None
    status: str
    text: str
    plan_url: str
    provenance: ProvenanceOut


class ContactOut(Schema):
    name: str
    role: str


class OrganisationOut(Schema):
    slug: str
    name: str
    level: str
    helix: str
    website: str
    contacts: list[ContactOut]


class CityOut(Schema):
    slug: str
    name: str
    kind: str
    country: str
    country_code: str
    macro_region: str
    latitude: float | None
    longitude: float | None
    population: int | None
    programmes: list[Any]
    networks: list[str]
    case_count: int
    url: str


class CityDetailOut(CityOut):
    official_name: str
    aliases: str
    website: str
    geonameid: int | None
    population_source: str
    population_year: int | None
    area_km2: float | None
    area_source: str
    biogeographic_region: str
    boundary: dict[str, Any] | None
    challenges: list[CityChallengeOut]
    memberships: list[MembershipOut]
    climate_targets: list[ClimateTargetOut]
    organisations: list[OrganisationOut]
    cases: list[CaseRef]
    instruments: list[InstrumentRef]
    provenance: ProvenanceOut


class CityPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[CityOut]


# --- peers ------------------------------------------------------------------------------------

Tier = Literal["local", "regional", "global"]


class PeerQuery(Schema):
    tier: Tier = Field(
        "local",
        description="local (same country), regional (same macro-region), global (elsewhere)",
    )
    limit: int = Field(10, ge=1, le=50, description="How many peers, 1 to 50")


class ScorePartOut(Schema):
    name: str = Field(description="challenges, experience, size, distance or biogeography")
    weight: float
    value: float = Field(description="0 to 1")
    points: float = Field(description="weight x value; the score is their sum")
    detail: str


class PeerCityOut(Schema):
    slug: str
    name: str
    country_code: str
    macro_region: str
    population: int | None
    url: str


class PeerOut(Schema):
    city: PeerCityOut
    tier: Tier
    score: float
    distance_km: float | None
    parts: list[ScorePartOut]
    shared_challenges: list[TermOut]
    relevant_cases: list[CaseRef]


class PeersOut(Schema):
    city: CityRef
    tier: Tier
    items: list[PeerOut]


class RecommendationQuery(Schema):
    limit: int = Field(20, ge=1, le=100, description="How many cases, 1 to 100")


class RecommendationOut(Schema):
    case: CaseRef
    case_url: str
    peer: PeerCityOut
    peer_tier: Tier
    peer_score: float
    challenges: list[TermOut]


class RecommendationsOut(Schema):
    city: CityRef
    items: list[RecommendationOut]


# --- networks ---------------------------------------------------------------------------------


class NetworkGroupOut(Schema):
    slug: str
    name: str
    kind: str
    level: str
    description: str
    member_count: int


class NetworkOut(Schema):
    slug: str
    name: str
    kind: str
    description: str
    member_count: int
    url: str


class NetworkMemberOut(Schema):
    city: CityRef
    role: str
    group: str | None
    pledge: str


class NetworkFactOut(Schema):
    key: str
    topic: str
    text: str = Field(
        description="The statement in English (translated by CityWeave's editors where the "
        "source is in another language)"
    )
    text_original: str = Field(
        description="The source's own words, verbatim excerpts joined by ' … ' (empty when "
        "'text' quotes it)"
    )
    original_language: str
    count: int | None = Field(description="The number the statement gives, if it gives one")
    country_count: int | None = Field(description="The number of countries it gives, if any")
    period_start: str = Field(description="YYYY, YYYY-MM or YYYY-MM-DD, as precise as stated")
    period_end: str
    provenance: ProvenanceOut


class NetworkDetailOut(NetworkOut):
    website: str
    groups: list[NetworkGroupOut]
    members: list[NetworkMemberOut]
    facts: list[NetworkFactOut] = Field(
        description="What the network's sources state, each statement with its source"
    )
    provenance: ProvenanceOut
