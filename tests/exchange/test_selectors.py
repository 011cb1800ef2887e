"""The exchange's reads: order (upcoming first, past below), visibility of drafts, the events and
transfers of a city or a network (with its sub-networks), the month filter in local days."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission

from cityweave.exchange import selectors, services
from cityweave.exchange.models import EventStatus
from cityweave.exchange.selectors import EventFilters, TransferFilters
from tests.exchange.conftest import LIMA, WARSAW, World, make_event, make_transfer, make_user

pytestmark = pytest.mark.django_db


def at(year: int, month: int, day: int, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, tzinfo=WARSAW)


def titles(queryset: object) -> list[str]:
    return [event.title for event in queryset]  # type: ignore[attr-defined]


def test_upcoming_events_come_first_soonest_first_then_past_ones_latest_first(
    world: World,
) -> None:
    for title, start in [
        ("Past 2021", at(2021, 5, 1)),
        ("Future 2036", at(2036, 1, 1)),
        ("Past 2022", at(2022, 5, 1)),
        ("Future 2035", at(2035, 1, 1)),
    ]:
        make_event(title=title, starts_at=start)
    events = list(selectors.event_list(filters=EventFilters()))
    assert titles(events) == ["Future 2035", "Future 2036", "Past 2022", "Past 2021"]
    assert [e.is_past for e in events] == [False, False, True, True]  # type: ignore[attr-defined]


def test_drafts_are_seen_by_editors_only_and_cancelled_events_by_everyone(world: World) -> None:
    make_event(title="Draft", status=EventStatus.DRAFT)
    make_event(title="Cancelled", status=EventStatus.CANCELLED)
    make_event(title="Published")
    assert sorted(titles(selectors.event_list())) == ["Cancelled", "Published"]
    viewer = make_user()
    viewer.user_permissions.add(Permission.objects.get(codename="view_event"))
    assert sorted(titles(selectors.event_list(user=viewer))) == ["Cancelled", "Draft", "Published"]


def test_places_taken_and_waiting_are_counted(world: World) -> None:
    event = make_event(capacity=2)
    registrations = [services.event_register(event=event, user=make_user()) for _ in range(5)]
    services.event_cancel_registration(registration=registrations[4])  # a waitlisted one leaves
    counted = selectors.event_get(slug=event.slug)
    assert (counted.places_taken, counted.waiting) == (2, 2)  # type: ignore[attr-defined]


def test_events_for_a_city_are_where_it_is_or_takes_part(world: World) -> None:
    make_event(title="In Warsaw", city=world.warsaw)
    lima_online = make_event(title="Online with Lima", city=None, online_url="https://x.org/m")
    services.event_add_participant(event=lima_online, city=world.lima, role="speaker")
    # A person from Lima counts too; an organisation participant elsewhere does not.
    with_person = make_event(title="Lima speaker in Lisbon", city=world.lisbon)
    services.event_add_participant(event=with_person, name="Rosa", city=world.lima)
    make_event(title="Elsewhere", city=world.lisbon)
    # Two participant rows for the same city list the event once.
    services.event_add_participant(event=lima_online, city=world.lima, role="host")

    assert sorted(titles(selectors.events_for_city(city=world.lima))) == [
        "Lima speaker in Lisbon",
        "Online with Lima",
    ]
    assert titles(selectors.events_for_city(city=world.warsaw)) == ["In Warsaw"]


def test_events_for_a_network_include_its_sub_networks(world: World) -> None:
    make_event(title="Network event", network=world.network, starts_at=at(2035, 2, 1))
    make_event(title="Project event", network=world.project, starts_at=at(2035, 1, 1))
    make_event(title="Other event", network=world.other_network)
    assert titles(selectors.events_for_network(network=world.network)) == [
        "Project event",
        "Network event",
    ]
    assert titles(selectors.events_for_network(network=world.project)) == ["Project event"]


def test_the_month_filter_uses_the_local_days_of_each_event(world: World) -> None:
    # 31 March, 20:00-23:00 in Lima is 1 April 01:00-04:00 UTC: it belongs to March.
    make_event(
        title="Lima evening",
        city=world.lima,
        time_zone="America/Lima",
        starts_at=datetime.datetime(2035, 3, 31, 20, tzinfo=LIMA),
        ends_at=datetime.datetime(2035, 3, 31, 23, tzinfo=LIMA),
    )
    make_event(
        title="Three days over the month's end",
        starts_at=at(2035, 2, 27),
        ends_at=at(2035, 3, 1, 16),
    )
    make_event(title="April", starts_at=at(2035, 4, 1))
    march = EventFilters(starts_on=datetime.date(2035, 3, 1), ends_on=datetime.date(2035, 3, 31))
    assert sorted(titles(selectors.event_list(filters=march))) == [
        "Lima evening",
        "Three days over the month's end",
    ]


def test_filters_by_kind_city_and_network(world: World) -> None:
    make_event(title="Visit", kind="study_visit", city=world.lisbon, network=world.project)
    make_event(title="Webinar", kind="webinar", city=world.warsaw)
    assert titles(selectors.event_list(filters=EventFilters(kind=("study_visit",)))) == ["Visit"]
    assert titles(selectors.event_list(filters=EventFilters(city=("zz-warsaw",)))) == ["Webinar"]
    assert titles(selectors.event_list(filters=EventFilters(network=("zz-green",)))) == ["Visit"]
    assert titles(selectors.event_list(filters=EventFilters(network=("zz-nowhere",)))) == []


def test_the_waiting_position_counts_from_one(world: World) -> None:
    event = make_event(capacity=1)
    registrations = [services.event_register(event=event, user=make_user()) for _ in range(4)]
    assert [selectors.waiting_position(registration=r) for r in registrations] == [None, 1, 2, 3]


def test_transfers_for_a_city_as_source_or_receiver(world: World) -> None:
    to_warsaw = make_transfer(world, title="Lisbon roofs to Warsaw")
    from cityweave.catalogue.models import Case

    lima_case = Case.objects.create(
        slug="zz-lima-case", title_en="Zz Lima fog nets", city=world.lima
    )
    to_lisbon = make_transfer(
        world, title="Lima nets to Lisbon", case=lima_case, receiving_city=world.lisbon
    )
    assert list(selectors.transfers_for_city(city=world.warsaw)) == [to_warsaw]
    assert {t.pk for t in selectors.transfers_for_city(city=world.lisbon)} == {
        to_warsaw.pk,  # Lisbon's practice
        to_lisbon.pk,  # received by Lisbon
    }
    assert list(selectors.transfers_for_city(city=world.lima)) == [to_lisbon]


def test_transfers_for_a_network_and_the_list_filters(world: World) -> None:
    in_project = make_transfer(world, title="A", network=world.project)
    make_transfer(world, title="B", network=world.other_network, stage="adopted")
    assert list(selectors.transfers_for_network(network=world.network)) == [in_project]
    adopted = selectors.transfer_list(filters=TransferFilters(stage=("adopted",)))
    assert [t.title for t in adopted] == ["B"]
    by_case = selectors.transfer_list(filters=TransferFilters(case=("zz-green-roofs-lisbon",)))
    assert sorted(t.title for t in by_case) == ["A", "B"]
