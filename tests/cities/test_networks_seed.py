"""The seeded networks: members from the shipped files, tiers and hubs, provenance; a city is
one per GeoNames place and country."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from cityweave.cities.models import City, CityChallenge, Membership, Network, Role

pytestmark = pytest.mark.django_db


def test_networks_with_members_and_roles() -> None:
    counts = {
        network.slug: network.memberships.count()
        for network in Network.objects.prefetch_related("memberships")
    }
    assert counts["eu-mission"] == 111
    assert counts["interlace"] == 6
    assert counts["impetus"] == 7
    # Programmes without a members file start empty rather than with invented members.
    assert counts["precursor-cities"] == 0
    assert counts["capacities"] == 0
    assert set(
        Membership.objects.filter(network__slug="interlace").values_list("role", flat=True)
    ) == {Role.PARTNER}


def test_interlace_has_three_tiers_and_the_mission_one_hub_per_country() -> None:
    interlace = Network.objects.get(slug="interlace")
    assert list(interlace.groups.values_list("level", flat=True)) == [
        "local",
        "regional",
        "global",
    ]
    mission = Network.objects.get(slug="eu-mission")
    polish = mission.groups.get(slug="pl")
    assert polish.kind == "hub"
    members = set(polish.memberships.values_list("city__country_code", flat=True))
    assert members == {"PL"}
    assert not mission.memberships.filter(group__isnull=True).exists()


def test_every_network_and_membership_has_a_source() -> None:
    assert not Network.objects.filter(source_name="").exists()
    assert not Membership.objects.filter(source_name="").exists()


def test_city_challenges_come_from_its_cases_and_say_so() -> None:
    links = CityChallenge.objects.select_related("city", "term")
    assert links.exists()
    for link in links:
        assert link.city.cases.filter(challenges=link.term, status="published").exists()
        assert link.source.startswith("CityWeave editors")


def test_aliases_hold_the_geonames_spelling() -> None:
    assert "Århus" in City.objects.get(slug="aarhus-dk").aliases.split("|")


def test_duplicate_city_by_country_and_geonames_id_is_refused() -> None:
    lisbon = City.objects.get(geonameid=2267057)
    copy = City(
        name="Lisboa",
        slug="lisboa-pt",
        country="Portugal",
        country_code=lisbon.country_code,
        macro_region=lisbon.macro_region,
        geonameid=lisbon.geonameid,
    )
    with pytest.raises(ValidationError, match="GeoNames id already exists in this country"):
        copy.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()


def test_importing_a_duplicate_city_names_the_row(tmp_path: Path) -> None:
    exported = tmp_path / "lisbon.csv"
    call_command("export_records", "cities", "--format", "csv", "--output", str(exported))
    rows = list(csv.DictReader(exported.open(encoding="utf-8")))
    lisbon = next(row for row in rows if row["geonameid"] == "2267057")
    lisbon.update(slug="lisboa-pt", name="Lisboa")
    duplicate = tmp_path / "duplicate.csv"
    with duplicate.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(lisbon))
        writer.writeheader()
        writer.writerow(lisbon)
    with pytest.raises(
        CommandError, match="row 1: A city with this GeoNames id already exists in this country"
    ):
        call_command("import_records", "cities", str(duplicate))
    assert not City.objects.filter(slug="lisboa-pt").exists()
