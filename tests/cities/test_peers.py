"""Peer scoring with numbers worked out by hand."""

from __future__ import annotations

import math

import pytest

from cityweave.cities.peers import CityProfile, haversine_km, rank_peers, score, tier_of


def profile(id: int, **fields: object) -> CityProfile:
    base: dict[str, object] = {
        "slug": f"city-{id}",
        "name": f"City {id}",
        "country_code": "PL",
        "macro_region": "EU",
    }
    base.update(fields)
    return CityProfile(id=id, **base)  # type: ignore[arg-type]


A = profile(
    1,
    population=100_000,
    latitude=50.0,
    longitude=20.0,
    biogeographic_region="continental",
    challenges=frozenset({"heat", "water"}),
)
B = profile(
    2,
    population=1_000_000,
    latitude=51.0,
    longitude=20.0,
    biogeographic_region="continental",
    challenges=frozenset({"water", "biodiversity"}),
    cases_by_challenge={"water": frozenset({11, 12, 13}), "biodiversity": frozenset({14})},
)


def test_one_degree_of_latitude_is_111_km() -> None:
    # R·π/180 = 6371.0088 x 0.0174533 = 111.195 km
    assert haversine_km(50, 20, 51, 20) == pytest.approx(111.195, abs=1e-3)


def test_score_parts_by_hand() -> None:
    match = score(A, B)
    parts = {part.name: part.value for part in match.parts}
    assert match.tier == "local"
    assert parts["challenges"] == pytest.approx(1 / 3)  # {water} of {heat, water, biodiversity}
    assert parts["size"] == pytest.approx(0.5)  # log10(10) = 1 → 1 - 1/2
    assert parts["biogeography"] == 1.0
    assert parts["distance"] == pytest.approx(math.exp(-111.195 / 150), abs=1e-5)  # 0.47649
    assert parts["experience"] == pytest.approx(1 - math.exp(-1))  # 3 cases on "water"
    # 0.35/3 + 0.2·0.63212 + 0.2·0.5 + 0.15·0.47649 + 0.1·1 = 0.51457
    assert match.score == pytest.approx(0.51457, abs=1e-5)
    assert match.shared_challenges == ("water",)
    assert match.relevant_case_ids == (11, 12, 13)


def test_missing_inputs_score_zero_and_say_why() -> None:
    unknown = profile(3, country_code="ES")
    match = score(A, unknown)
    details = {part.name: part.detail for part in match.parts}
    assert match.tier == "regional"
    assert match.score == 0.0
    assert details["size"] == "population unknown"
    assert details["distance"] == "location unknown"
    assert details["biogeography"] == "region unknown"
    assert details["challenges"] == "no challenge recorded for the peer"


def test_tiers() -> None:
    assert tier_of(A, profile(4, country_code="PL")) == "local"
    assert tier_of(A, profile(5, country_code="DE")) == "regional"
    assert tier_of(A, profile(6, country_code="CO", macro_region="CELAC")) == "global"


def test_ranking_keeps_the_tier_and_orders_by_score() -> None:
    near_twin = profile(
        7, population=100_000, latitude=50.1, longitude=20.0, challenges=A.challenges
    )
    foreign = profile(8, country_code="DE", population=100_000, challenges=A.challenges)
    ranked = rank_peers(A, [B, near_twin, foreign, A], tier="local", limit=5)
    assert [m.peer.id for m in ranked] == [7, 2]
    assert ranked[0].score > ranked[1].score
    with pytest.raises(ValueError, match="tier"):
        rank_peers(A, [B], tier="continental")


def test_ranking_on_arrays_equals_ranking_every_candidate_by_score() -> None:
    """``rank_peers`` scores on arrays and re-scores a short list; it must pick exactly what
    sorting every candidate by ``score`` picks, ties and missing facts included."""
    import random

    rng = random.Random(7)
    codes = ["heat", "water", "biodiversity", "air", "health"]
    countries = ["PL", "DE", "CZ"]
    candidates = []
    for index in range(2, 400):
        has_place = rng.random() > 0.1
        candidates.append(
            profile(
                index,
                name=f"City {rng.randint(1, 60)}",  # shared names: ties broken by id
                country_code=rng.choice(countries),
                population=rng.choice([None, 0, 5_000, 50_000, 120_000, 1_000_000]),
                latitude=50 + rng.uniform(-3, 3) if has_place else None,
                longitude=20 + rng.uniform(-3, 3) if has_place else None,
                biogeographic_region=rng.choice(["", "continental", "alpine"]),
                challenges=frozenset(rng.sample(codes, rng.randint(0, 3))),
                cases_by_challenge={
                    code: frozenset(rng.sample(range(1000), rng.randint(1, 4)))
                    for code in rng.sample(codes, rng.randint(0, 2))
                },
            )
        )
    for tier in ("local", "regional"):
        expected = sorted(
            (score(A, c) for c in candidates if tier_of(A, c) == tier),
            key=lambda m: (-m.score, m.peer.name, m.peer.id),
        )
        for limit in (1, 5, 40):
            ranked = rank_peers(A, candidates, tier=tier, limit=limit)
            assert [m.peer.id for m in ranked] == [m.peer.id for m in expected[:limit]]
            assert [m.score for m in ranked] == [m.score for m in expected[:limit]]
