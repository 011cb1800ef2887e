"""Peer matching: which cities a city should learn from, and why.

Pure Python and numpy (no Django): the selectors build ``CityProfile`` values from the database
and this module scores them. A peer's score is a weighted sum of five parts, each between 0 and 1:

- ``challenges``: shared challenges, Jaccard index |A ∩ B| / |A | B| of the two cities' challenge
  areas (EC 2021 handbook);
- ``size``: 1 - min(1, |log10(pop_a / pop_b)| / 2): equal populations give 1, a factor of 100
  or more gives 0;
- ``biogeography``: 1 when both cities lie in the same biogeographical region, else 0 (and 0 when
  either is unknown);
- ``distance``: exp(-d / D) with d the great-circle distance in km (haversine, R = 6371.0088 km,
  the IUGG mean radius) and D the tier's reach: 150 km local, 1,500 km regional, 8,000 km global;
- ``experience``: 1 - exp(-n / 3) with n the number of the peer's cases that address at least
  one of this city's challenges: a peer that has done it counts more.

A part whose inputs are missing scores 0 and says so; it never guesses.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple

import numpy as np

TIERS = ("local", "regional", "global")
WEIGHTS: Mapping[str, float] = {
    "challenges": 0.35,
    "experience": 0.20,
    "size": 0.20,
    "distance": 0.15,
    "biogeography": 0.10,
}
REACH_KM: Mapping[str, float] = {"local": 150.0, "regional": 1500.0, "global": 8000.0}
EARTH_RADIUS_KM = 6371.0088


NO_CASES: Mapping[str, frozenset[int]] = MappingProxyType({})


class CityProfile(NamedTuple):
    """What matching needs to know about one city (a tuple: thousands are built per request)."""

    id: int
    slug: str
    name: str
    country_code: str
    macro_region: str
    population: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    biogeographic_region: str = ""
    challenges: frozenset[str] = frozenset()
    # Challenge code → ids of this city's published cases that address it.
    cases_by_challenge: Mapping[str, frozenset[int]] = NO_CASES


@dataclass(frozen=True)
class ScorePart:
    name: str
    weight: float
    value: float
    detail: str

    @property
    def points(self) -> float:
        return self.weight * self.value


@dataclass(frozen=True)
class PeerMatch:
    peer: CityProfile
    tier: str
    score: float
    parts: tuple[ScorePart, ...]
    shared_challenges: tuple[str, ...]
    relevant_case_ids: tuple[int, ...]
    distance_km: float | None


def tier_of(city: CityProfile, peer: CityProfile) -> str:
    """``local`` in the same country, ``regional`` in the same macro-region, else ``global``."""
    if city.country_code and city.country_code == peer.country_code:
        return "local"
    if city.macro_region and city.macro_region == peer.macro_region:
        return "regional"
    return "global"


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km: d = 2R·asin(√(sin²(Δφ/2) + cos φ1 cos φ2 sin²(Δλ/2)))."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _challenges_part(city: CityProfile, peer: CityProfile) -> tuple[ScorePart, tuple[str, ...]]:
    shared = tuple(sorted(city.challenges & peer.challenges))
    union = city.challenges | peer.challenges
    if not city.challenges:
        detail = "no challenge recorded for this city"
        value = 0.0
    elif not peer.challenges:
        detail = "no challenge recorded for the peer"
        value = 0.0
    else:
        value = len(shared) / len(union)
        detail = f"{len(shared)} of {len(union)} challenges shared"
    return ScorePart("challenges", WEIGHTS["challenges"], value, detail), shared


def _size_part(city: CityProfile, peer: CityProfile) -> ScorePart:
    if not city.population or not peer.population:
        return ScorePart("size", WEIGHTS["size"], 0.0, "population unknown")
    ratio = abs(math.log10(city.population / peer.population))
    value = 1.0 - min(1.0, ratio / 2.0)
    return ScorePart(
        "size", WEIGHTS["size"], value, f"population {peer.population:,} vs {city.population:,}"
    )


def _biogeography_part(city: CityProfile, peer: CityProfile) -> ScorePart:
    if not city.biogeographic_region or not peer.biogeographic_region:
        return ScorePart("biogeography", WEIGHTS["biogeography"], 0.0, "region unknown")
    same = city.biogeographic_region == peer.biogeographic_region
    detail = "same region" if same else "different regions"
    return ScorePart("biogeography", WEIGHTS["biogeography"], 1.0 if same else 0.0, detail)


def _distance_part(
    city: CityProfile, peer: CityProfile, tier: str
) -> tuple[ScorePart, float | None]:
    if None in (city.latitude, city.longitude, peer.latitude, peer.longitude):
        return ScorePart("distance", WEIGHTS["distance"], 0.0, "location unknown"), None
    km = haversine_km(city.latitude, city.longitude, peer.latitude, peer.longitude)  # type: ignore[arg-type]
    value = math.exp(-km / REACH_KM[tier])
    return ScorePart("distance", WEIGHTS["distance"], value, f"{km:,.0f} km away"), km


def _experience_part(city: CityProfile, peer: CityProfile) -> tuple[ScorePart, tuple[int, ...]]:
    cases: set[int] = set()
    for code in city.challenges:
        cases |= peer.cases_by_challenge.get(code, frozenset())
    n = len(cases)
    value = 1.0 - math.exp(-n / 3.0)
    detail = f"{n} case{'s' if n != 1 else ''} on this city's challenges"
    return ScorePart("experience", WEIGHTS["experience"], value, detail), tuple(sorted(cases))


def score(city: CityProfile, peer: CityProfile) -> PeerMatch:
    """The match of ``peer`` for ``city``, with every part of its score explained."""
    tier = tier_of(city, peer)
    challenges, shared = _challenges_part(city, peer)
    experience, case_ids = _experience_part(city, peer)
    distance, km = _distance_part(city, peer, tier)
    parts = (
        challenges,
        experience,
        _size_part(city, peer),
        distance,
        _biogeography_part(city, peer),
    )
    total = round(sum(part.points for part in parts), 6)
    return PeerMatch(
        peer=peer,
        tier=tier,
        score=total,
        parts=parts,
        shared_challenges=shared,
        relevant_case_ids=case_ids,
        distance_km=km,
    )


def _part_values(city: CityProfile, pool: Sequence[CityProfile], tier: str) -> np.ndarray:
    """The weighted sum of the five parts for every peer of ``pool`` at once: the formulas of
    the ``_*_part`` functions above, on arrays (``score`` stays the exact explanation)."""
    n = len(pool)
    challenges = np.zeros(n)
    experience = np.zeros(n)
    if city.challenges:
        for index, peer in enumerate(pool):
            if peer.challenges:
                shared = len(city.challenges & peer.challenges)
                challenges[index] = shared / len(city.challenges | peer.challenges)
            if peer.cases_by_challenge:
                cases: set[int] = set()
                for code in city.challenges:
                    cases |= peer.cases_by_challenge.get(code, frozenset())
                experience[index] = 1.0 - math.exp(-len(cases) / 3.0)
    population = np.array([p.population or np.nan for p in pool], dtype=float)
    size = np.zeros(n)
    if city.population:
        known = ~np.isnan(population) & (population > 0)
        ratio = np.abs(np.log10(city.population / population[known]))
        size[known] = 1.0 - np.minimum(1.0, ratio / 2.0)
    distance = np.zeros(n)
    if city.latitude is not None and city.longitude is not None:
        lat = np.array([np.nan if p.latitude is None else p.latitude for p in pool], dtype=float)
        lon = np.array([np.nan if p.longitude is None else p.longitude for p in pool], dtype=float)
        known = ~(np.isnan(lat) | np.isnan(lon))
        phi1, phi2 = math.radians(city.latitude), np.radians(lat[known])
        dphi = phi2 - phi1
        dlambda = np.radians(lon[known] - city.longitude)
        h = np.sin(dphi / 2) ** 2 + math.cos(phi1) * np.cos(phi2) * np.sin(dlambda / 2) ** 2
        km = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
        distance[known] = np.exp(-km / REACH_KM[tier])
    biogeography = np.zeros(n)
    if city.biogeographic_region:
        biogeography = np.array(
            [1.0 if p.biogeographic_region == city.biogeographic_region else 0.0 for p in pool]
        )
    return np.asarray(
        WEIGHTS["challenges"] * challenges
        + WEIGHTS["experience"] * experience
        + WEIGHTS["size"] * size
        + WEIGHTS["distance"] * distance
        + WEIGHTS["biogeography"] * biogeography
    )


def rank_peers(
    city: CityProfile, candidates: Iterable[CityProfile], *, tier: str, limit: int = 10
) -> list[PeerMatch]:
    """The best ``limit`` peers of ``city`` in ``tier``, best first (ties by name).

    Every candidate is scored on arrays; the best few (with a margin for rounding) are scored
    again by ``score``, which explains each part, and ordered by that exact score."""
    if tier not in TIERS:
        raise ValueError(f"tier: expected one of {', '.join(TIERS)}, got {tier!r}")
    pool = [peer for peer in candidates if peer.id != city.id and tier_of(city, peer) == tier]
    if not pool:
        return []
    totals = _part_values(city, pool, tier)
    keep = min(len(pool), 2 * limit + 10)
    # Scores within 1e-6 of the last one kept are ties: keep them all, then order exactly.
    threshold = np.sort(totals)[::-1][keep - 1] - 1e-6
    shortlist = [pool[i] for i in np.flatnonzero(totals >= threshold)]
    matches = [score(city, peer) for peer in shortlist]
    matches.sort(key=lambda match: (-match.score, match.peer.name, match.peer.id))
    return matches[:limit]
