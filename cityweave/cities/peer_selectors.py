"""Reads behind peer matching: the profiles ``peers`` scores, a city's ranked peers with the
cases that explain them, and the cases that worked in cities like it.

Each read is a fixed number of queries whatever the number of cities: the candidates of a tier
are filtered in SQL, their challenges and the challenges of their cases are read in one query
each, and the cases shown as evidence in one more.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet

from cityweave.catalogue.models import Case
from cityweave.cities.models import City, CityChallenge
from cityweave.cities.peers import NO_CASES, TIERS, CityProfile, PeerMatch, rank_peers
from cityweave.core.models import Status, TaxonomyTerm

PROFILE_FIELDS = (
    "pk",
    "slug",
    "name",
    "country_code",
    "macro_region",
    "population",
    "latitude",
    "longitude",
    "biogeographic_region",
)


def tier_candidates(city: City, tier: str) -> QuerySet[City]:
    """The cities of ``tier`` for ``city`` (``peers.tier_of``, evaluated in the database)."""
    others = City.objects.exclude(pk=city.pk)
    if tier == "local":
        return others.filter(country_code=city.country_code)
    same_country = others.filter(country_code=city.country_code).values("pk")
    if tier == "regional":
        return others.filter(macro_region=city.macro_region).exclude(pk__in=same_country)
    return others.exclude(macro_region=city.macro_region).exclude(pk__in=same_country)


def city_profiles(cities: QuerySet[City]) -> list[CityProfile]:
    """Matching profiles of ``cities``, in three queries; the rows are read with a plain cursor
    (the directory's regional tier holds thousands of cities)."""
    ids = cities.values("pk")
    challenges: dict[int, set[str]] = defaultdict(set)
    for city_id, code in (
        CityChallenge.objects.filter(city_id__in=ids)
        .values_list("city_id", "term__code")
        .order_by()
    ):
        challenges[city_id].add(code)
    cases: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for city_id, case_id, code in (
        Case.challenges.through.objects.filter(case__status=Status.PUBLISHED, case__city_id__in=ids)
        .values_list("case__city_id", "case_id", "taxonomyterm__code")
        .order_by()
    ):
        cases[city_id][code].add(case_id)
    sql, params = cities.values_list(*PROFILE_FIELDS).order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    empty: frozenset[str] = frozenset()
    return [
        CityProfile._make(
            (
                *row,
                frozenset(challenges[row[0]]) if row[0] in challenges else empty,
                {code: frozenset(v) for code, v in cases[row[0]].items()}
                if row[0] in cases
                else NO_CASES,
            )
        )
        for row in rows
    ]


def city_profile(city: City) -> CityProfile:
    (profile,) = city_profiles(City.objects.filter(pk=city.pk))
    return profile


@dataclass(frozen=True)
class Peer:
    """A ranked peer, with the objects its explanation names."""

    match: PeerMatch
    city: City
    cases: tuple[Case, ...]
    shared_challenges: tuple[TaxonomyTerm, ...]

    @property
    def score(self) -> float:
        return self.match.score


def _challenge_terms(codes: set[str]) -> dict[str, TaxonomyTerm]:
    terms = TaxonomyTerm.objects.filter(vocabulary="challenge", code__in=codes)
    return {term.code: term for term in terms}


def _explained(matches: list[PeerMatch]) -> list[Peer]:
    """Peers with their city rows, evidence cases and shared challenges: three queries."""
    cities = City.objects.in_bulk([m.peer.id for m in matches])
    case_ids = {case_id for m in matches for case_id in m.relevant_case_ids}
    cases = Case.objects.only("pk", "slug", "title_en", "city_id", "start_year").in_bulk(case_ids)
    terms = _challenge_terms({code for m in matches for code in m.shared_challenges})
    return [
        Peer(
            match=m,
            city=cities[m.peer.id],
            cases=tuple(cases[i] for i in m.relevant_case_ids if i in cases),
            shared_challenges=tuple(terms[c] for c in m.shared_challenges if c in terms),
        )
        for m in matches
    ]


def city_peers(*, city: City, tier: str, limit: int = 10) -> list[Peer]:
    """The ``limit`` best peers of ``city`` in ``tier`` (local, regional or global); only that
    tier's cities are read."""
    if tier not in TIERS:
        raise ValueError(f"tier: expected one of {', '.join(TIERS)}, got {tier!r}")
    me = city_profile(city)
    candidates = city_profiles(tier_candidates(city, tier))
    return _explained(rank_peers(me, candidates, tier=tier, limit=limit))


@dataclass(frozen=True)
class Recommendation:
    """A case from a peer city, and why: the peer's match and the challenges it shares."""

    case: Case
    match: PeerMatch
    challenges: tuple[TaxonomyTerm, ...]

    @property
    def peer_city(self) -> City:
        return self.case.city  # type: ignore[return-value]


def _ranked(city: City, limit: int) -> tuple[CityProfile, dict[str, list[PeerMatch]]]:
    """The city's profile and its best ``limit`` peers in every tier, from one read of all
    profiles."""
    profiles = city_profiles(City.objects.all())
    me = next(profile for profile in profiles if profile.id == city.pk)
    return me, {tier: rank_peers(me, profiles, tier=tier, limit=limit) for tier in TIERS}


def _recommend(me: CityProfile, matches: list[PeerMatch], limit: int) -> list[Recommendation]:
    """The cases of ``matches`` (best first) that address one of ``me``'s challenges, or every
    case of theirs when ``me`` records no challenge; two queries."""
    picked: dict[int, tuple[PeerMatch, list[str]]] = {}
    for match in sorted(matches, key=lambda m: (-m.score, m.peer.name, m.peer.id)):
        for code, case_ids in sorted(match.peer.cases_by_challenge.items()):
            if me.challenges and code not in me.challenges:
                continue
            for case_id in sorted(case_ids):
                _, codes = picked.setdefault(case_id, (match, []))
                if code not in codes:
                    codes.append(code)
    chosen = list(picked.items())[:limit]
    cases = Case.objects.select_related("city").in_bulk([case_id for case_id, _ in chosen])
    terms = _challenge_terms({code for _, (_, codes) in chosen for code in codes})
    return [
        Recommendation(
            case=cases[case_id],
            match=match,
            challenges=tuple(terms[c] for c in codes if c in terms),
        )
        for case_id, (match, codes) in chosen
        if case_id in cases
    ]


def recommended_cases(
    *, city: City, limit: int = 20, peers_per_tier: int = 10
) -> list[Recommendation]:
    """What worked in cities like this one: the published cases of its ``peers_per_tier`` best
    peers of every tier that address one of its challenges, best peer first (every case of
    those peers when the city records no challenge). Its own cases are never recommended."""
    me, ranked = _ranked(city, peers_per_tier)
    return _recommend(me, [m for matches in ranked.values() for m in matches], limit)


@dataclass(frozen=True)
class PeerOverview:
    tiers: dict[str, list[Peer]]
    recommendations: list[Recommendation]


def peer_overview(*, city: City, peers_per_tier: int = 5, recommendations: int = 6) -> PeerOverview:
    """What a city's profile shows: its best peers in each tier, explained, and the cases that
    worked in cities like it; one read of the profiles for both."""
    me, ranked = _ranked(city, max(peers_per_tier, 10))
    shown = {tier: matches[:peers_per_tier] for tier, matches in ranked.items()}
    explained = iter(_explained([m for matches in shown.values() for m in matches]))
    tiers = {tier: [next(explained) for _ in matches] for tier, matches in shown.items()}
    every = [m for matches in ranked.values() for m in matches]
    return PeerOverview(tiers=tiers, recommendations=_recommend(me, every, recommendations))
