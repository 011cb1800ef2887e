"""The programmes seeded from their public pages (the five copies CityWeave was given): what
each page states, with the page as source, and nothing it does not state; the first Interreg
IMPETUS policy brokerage in Lille as an all-day event; pages and API showing facts, sources and
what is missing; a second load changing nothing.

The expected values are read by hand from the pages (copies in /work/shared/seeds/, Polish
translated): e.g. CapaCITIES "Konsorcjum projektu tworzy 32 organizacji z 15 państw", "umowy nr
101056927", "październik 2022 - wrzesień 2024" (with an en dash); IMPETUS "W dniach 31
stycznia i 1 lutego 2024 roku Metropole Europeenne de Lille było gospodarzem ..."."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path
from typing import Any

import icalendar
import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from cityweave.cities.models import City, Membership, Network, NetworkFact, NetworkGroup
from cityweave.data.loaders.events import load_events
from cityweave.data.loaders.networks import load_networks
from cityweave.data.loaders.provenance import DATA_DIR
from cityweave.exchange.models import Event, EventKind

pytestmark = pytest.mark.django_db

SEEDS = Path("/work/shared/seeds")
SOURCES = json.loads((DATA_DIR / "city_networks/sources.json").read_text(encoding="utf-8"))
NETWORKS = json.loads((DATA_DIR / "city_networks/networks.json").read_text(encoding="utf-8"))
BROKERAGE = "impetus-interreg-policy-brokerage-lille-2024"
RETRIEVED = datetime.date(2026, 12, 8)
# Networks whose pages name no member city: none may be seeded.
NO_MEMBERS_STATED = ("impetus-interreg-europe", "precursor-cities", "capacities")


def cities() -> dict[str, City]:
    return {city.slug: city for city in City.objects.all()}


@pytest.fixture
def brokerage() -> Event:
    """The seeded events, loaded here too (a no-op once ``load_all`` loads them)."""
    load_events(cities=cities())
    return Event.objects.select_related("city", "network").get(slug=BROKERAGE)


def facts(network: str, topic: str) -> list[NetworkFact]:
    return list(NetworkFact.objects.filter(network__slug=network, topic=topic).order_by("position"))


def html(response: Any) -> str:
    assert response.status_code == 200
    return str(response.content.decode())


# --- what the pages state ---------------------------------------------------------------------


def test_capacities_as_its_page_states() -> None:
    (partners, poland) = facts("capacities", "partners")
    assert (partners.count, partners.country_count) == (32, 15)
    assert partners.text == (
        "The project consortium is made up of 32 organisations from 15 countries."
    )
    assert partners.text_original == "Konsorcjum projektu tworzy 32 organizacji z 15 państw."
    assert "Warsaw University of Technology" in poland.text
    (grant,) = facts("capacities", "grant_agreement")
    assert "101056927" in grant.text and "101056927" in grant.text_original
    (period,) = facts("capacities", "period")
    assert (period.period_start, period.period_end) == ("2022-10", "2024-09")
    (funding,) = facts("capacities", "funding")
    assert "HORIZON.2.5 \N{EN DASH} Climate, Energy and Mobility (Horizon Europe)" in funding.text
    scope = [fact.text for fact in facts("capacities", "scope")]
    assert len(scope) == 6
    assert any("transition labs" in text for text in scope)
    assert any("national ambassadors" in text for text in scope)
    (target,) = facts("capacities", "target_group")
    assert target.count == 100
    network = Network.objects.get(slug="capacities")
    assert network.name.startswith("CapaCITIES \N{EN DASH} Building Capacities")
    assert "32 organisations from 15 countries" in network.description


def test_every_statement_carries_its_page_as_source() -> None:
    capacities = NetworkFact.objects.filter(network__slug="capacities")
    assert capacities.count() == 13
    for fact in capacities:
        assert fact.source_name.startswith("“CapaCITIES \N{EN DASH} Building Capacities")
        assert fact.source_url == ""  # the copy gives no URL
        assert (fact.licence, fact.licence_verified) == ("", False)
        assert fact.retrieved_on == RETRIEVED
        assert fact.original_language == "pl"
    assert not NetworkFact.objects.filter(source_name="").exists()
    assert not NetworkFact.objects.filter(retrieved_on__isnull=True).exists()


def test_interlace_thematic_areas_tiers_and_partners() -> None:
    areas = [fact.text for fact in facts("interlace", "thematic_area")]
    assert len(areas) == 5
    assert areas[0] == "1. Foundations for Inclusive Collaboration."
    assert areas[3].startswith(
        "4. City-to-city exchange through multilevel city network accelerators"
    )
    assert areas[4].startswith("5. INTERLACE Hub for Innovation and Outreach")
    cities_fact, networks_fact = facts("interlace", "partners")
    assert cities_fact.count == 6
    assert networks_fact.count == 3
    assert "UNGL, Climate Alliance and UCLG" in networks_fact.text
    tiers = NetworkGroup.objects.filter(network__slug="interlace").order_by("position")
    assert [tier.level for tier in tiers] == ["local", "regional", "global"]
    assert all("City Network Accelerator" in tier.description for tier in tiers)
    # Two sources disagree on the end date: both are kept, each with its source.
    periods = {(f.period_start, f.period_end): f for f in facts("interlace", "period")}
    assert set(periods) == {("2020-09", "2025-02"), ("2020-09-01", "2024-09-01")}
    assert periods[("2020-09", "2025-02")].source_url == "https://www.ecologic.eu/18032"
    assert "1/09/201/09/24" in periods[("2020-09-01", "2024-09-01")].editorial_note


def test_the_precursor_cities_programme_and_its_roles() -> None:
    roles = facts("precursor-cities", "role")
    assert len(roles) == 5  # who they are, then their four roles
    assert roles[1].text_original.endswith("dzielenie się nimi z miastami zaangażowanymi")
    (countries,) = facts("precursor-cities", "partners")
    assert (countries.count, countries.country_count) == (None, 7)
    hubs = NetworkGroup.objects.filter(network__slug="precursor-cities").order_by("position")
    assert [hub.name for hub in hubs] == ["Precursor cities", "Engaged cities"]
    # The page names no funding, grant or period.
    assert not facts("precursor-cities", "funding")
    assert not facts("precursor-cities", "period")


def test_the_two_impetus_projects_are_two_networks() -> None:
    horizon = Network.objects.get(slug="impetus")
    assert horizon.name == "IMPETUS (Horizon 2020 climate adaptation)"
    assert horizon.memberships.count() == 7  # its demonstration regions stay
    interreg = Network.objects.get(slug="impetus-interreg-europe")
    assert "temporary use of spaces" in interreg.description
    assert interreg.source_name.startswith("“Pierwsze Międzyregionalne Pośrednictwo Polityki”")
    (funding,) = facts("impetus-interreg-europe", "funding")
    assert funding.text_original == "Interreg Europe … Co-funded by the European Union"
    for topic in ("grant_agreement", "period", "partners"):
        assert not facts("impetus-interreg-europe", topic), topic


def test_no_member_is_invented_where_a_page_names_none() -> None:
    for slug in NO_MEMBERS_STATED:
        assert not Membership.objects.filter(network__slug=slug).exists(), slug
    assert not NetworkGroup.objects.filter(network__slug="capacities").exists()
    lille = City.objects.get(slug="lille-fr")
    assert (lille.geonameid, lille.population, lille.programmes) == (2998324, 238695, [])
    assert not lille.memberships.exists()


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the copies of the pages are not on this machine")
def test_every_quote_is_the_pages_own_words() -> None:
    """Each statement's ``text_original`` (or, for an English page without one, its ``text``)
    is found in the copy of its page, excerpt by excerpt, spaces aside."""
    checked = 0
    for network in NETWORKS["networks"]:
        for fact in network.get("facts", []):
            copy = SOURCES["sources"][fact["source"]]["copy"]
            if not copy:
                continue
            page = " ".join((SEEDS / copy).read_text(encoding="utf-8").split())
            for excerpt in (fact.get("text_original") or fact["text"]).split(" … "):
                assert " ".join(excerpt.split()) in page, (network["slug"], fact["key"])
                checked += 1
    assert checked >= 56


# --- the Lille brokerage ----------------------------------------------------------------------


def test_the_lille_brokerage_as_its_page_states(brokerage: Event) -> None:
    paris = datetime.timezone(datetime.timedelta(hours=1))  # CET in winter
    assert brokerage.kind == EventKind.POLICY_BROKERAGE
    assert brokerage.time_zone == "Europe/Paris"
    assert brokerage.all_day
    assert (brokerage.starts_on, brokerage.ends_on) == (
        datetime.date(2024, 1, 31),
        datetime.date(2024, 2, 1),
    )
    assert brokerage.starts_at == datetime.datetime(2024, 1, 31, tzinfo=paris)
    assert brokerage.ends_at == datetime.datetime(2024, 2, 2, tzinfo=paris)
    assert brokerage.city is not None and brokerage.city.slug == "lille-fr"
    assert brokerage.network is not None and brokerage.network.slug == "impetus-interreg-europe"
    assert (brokerage.venue, brokerage.organiser_id, brokerage.registration_open) == (
        "",
        None,
        False,
    )
    agenda = brokerage.agenda
    assert "Cooperation with the private sector, including non-profit organisations" in agenda
    assert "Greening, biodiversity and urban wildlife" in agenda
    assert "three working groups" in agenda
    assert "Place Jacques Febvrier in Lille" in agenda and "Trichon farm in Roubaix" in agenda
    assert "does not say on which day" in agenda
    people = {(p.role, p.display_name, p.note) for p in brokerage.participants.all()}
    assert people == {
        ("host", "Métropole Européenne de Lille", ""),
        ("speaker", "Lucie Renou", "Samoa"),
        ("speaker", "Sophie Cottier", "Brussels"),
    }
    assert brokerage.source_name == Network.objects.get(slug="impetus-interreg-europe").source_name
    assert (brokerage.licence_verified, brokerage.retrieved_on) == (False, RETRIEVED)


def test_the_brokerage_is_on_its_networks_page_as_a_past_all_day_event(
    client: Client, brokerage: Event
) -> None:
    page = html(client.get("/networks/impetus-interreg-europe/"))
    assert f'data-event="{BROKERAGE}"' in page
    assert "Jan. 31, 2024 \N{EN DASH} Feb. 1, 2024 (all day)" in page
    event_page = html(client.get(brokerage.get_absolute_url()))
    assert "Past event" in event_page
    assert "Day 2, 1 February 2024: three working groups" in event_page
    assert "licence unverified" in event_page  # its source, in the side column
    # The Horizon 2020 project's page does not list it.
    assert f'data-event="{BROKERAGE}"' not in html(client.get("/networks/impetus/"))


def test_the_brokerage_in_the_calendar_and_the_api(client: Client, brokerage: Event) -> None:
    (vevent,) = icalendar.Calendar.from_ical(client.get(f"/events/{BROKERAGE}.ics").content).walk(
        "VEVENT"
    )
    assert vevent.decoded("DTSTART") == datetime.date(2024, 1, 31)
    assert vevent.decoded("DTEND") == datetime.date(2024, 2, 2)  # the day after the last
    body = client.get(f"/api/v1/events/{BROKERAGE}").json()
    assert body["all_day"] is True
    assert body["starts_at"].startswith("2024-01-31T00:00:00+01:00")
    assert body["provenance"]["licence_verified"] is False
    assert body["provenance"]["retrieved_on"] == "2026-12-08"


def test_an_all_day_event_starts_and_ends_at_midnight(brokerage: Event) -> None:
    brokerage.ends_at = brokerage.ends_at - datetime.timedelta(hours=6)
    with pytest.raises(ValidationError) as raised:
        brokerage.full_clean()
    assert "all_day" in raised.value.error_dict


# --- pages and API ----------------------------------------------------------------------------


def test_the_network_page_shows_the_facts_their_sources_and_what_is_not_stated(
    client: Client,
) -> None:
    page = html(client.get("/networks/capacities/"))
    assert "The project consortium is made up of 32 organisations from 15 countries." in page
    assert "Setting up transition labs in the partner countries" in page
    assert "“CapaCITIES \N{EN DASH} Building Capacities for the Climate Neutral" in page
    for topic in ("members", "national_networks"):
        cell = re.search(rf'data-topic="{topic}">(.*?)</dd>', page, re.S)
        assert cell is not None and "not stated by the source" in cell.group(1), topic
    assert 'data-members="not-stated"' in page
    page = html(client.get("/networks/impetus-interreg-europe/"))
    for topic in ("grant_agreement", "period", "partners"):
        cell = re.search(rf'data-topic="{topic}">(.*?)</dd>', page, re.S)
        assert cell is not None and "not stated by the source" in cell.group(1), topic


def test_the_polish_page_quotes_the_polish_source(client: Client) -> None:
    page = html(client.get("/pl/networks/capacities/"))
    assert "Konsorcjum projektu tworzy 32 organizacji z 15 państw." in page
    assert "źródło tego nie podaje" in page  # "not stated by the source", translated
    english = html(client.get("/networks/capacities/"))
    assert "Konsorcjum projektu" not in english


def test_the_api_gives_the_facts_with_their_sources(client: Client) -> None:
    body = client.get("/api/v1/networks/capacities").json()
    partners = next(fact for fact in body["facts"] if fact["key"] == "partners")
    assert (partners["count"], partners["country_count"]) == (32, 15)
    assert partners["provenance"]["licence_verified"] is False
    assert body["members"] == []


# --- idempotency ------------------------------------------------------------------------------


def test_a_second_load_changes_nothing() -> None:
    seeded = cities()
    load_events(cities=seeded)
    events = dict(Event.objects.values_list("slug", "updated_at"))
    for report in (load_networks(cities=seeded), load_events(cities=seeded)):
        for kind, counts in report.items():
            assert (counts["created"], counts["updated"]) == (0, 0), kind
    assert report["events"]["unchanged"] == 1
    assert dict(Event.objects.values_list("slug", "updated_at")) == events
