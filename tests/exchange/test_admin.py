"""The exchange admin: every page opens; event times are typed in the event's own zone; raising
the capacity gives places to the waiting list; a new transfer gets its first dated stage."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client

from cityweave.exchange import services
from cityweave.exchange.models import Event, Registration, Transfer
from tests.exchange.conftest import WARSAW, World, make_event, make_transfer, make_user

pytestmark = pytest.mark.django_db


def event_form(world: World, **changes: Any) -> dict[str, Any]:
    data = {
        "title": "Zz admin workshop",
        "slug": "zz-admin-workshop",
        "kind": "workshop",
        "status": "published",
        "time_zone": "America/Lima",
        "starts_at_0": "2035-03-09",
        "starts_at_1": "10:00:00",
        "ends_at_0": "2035-03-09",
        "ends_at_1": "12:30:00",
        "city": world.lima.pk,
        "registration_open": "on",
    }
    for prefix in ("participants", "follow_ups", "registrations"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(changes)
    return data


@pytest.mark.parametrize(
    "path",
    [
        "/admin/exchange/event/",
        "/admin/exchange/event/add/",
        "/admin/exchange/transfer/",
        "/admin/exchange/transfer/add/",
    ],
)
def test_admin_pages_open(admin_client: Client, world: World, path: str) -> None:
    make_event()
    make_transfer(world)
    assert admin_client.get(path).status_code == 200


def test_change_pages_open_with_their_inlines(admin_client: Client, world: World) -> None:
    event = make_event(capacity=3)
    services.event_add_participant(event=event, name="Ana")
    services.follow_up_add(event=event, text="Minutes")
    services.event_register(event=event, user=make_user())
    page = admin_client.get(f"/admin/exchange/event/{event.pk}/change/").content.decode()
    assert "Ana" in page and "Minutes" in page and "Confirmed" in page
    transfer = make_transfer(world)
    page = admin_client.get(f"/admin/exchange/transfer/{transfer.pk}/change/").content.decode()
    assert "Stage changes" in page


def test_event_times_are_typed_in_the_events_zone(admin_client: Client, world: World) -> None:
    response = admin_client.post("/admin/exchange/event/add/", event_form(world))
    assert response.status_code == 302, response.content.decode()[:3000]
    event = Event.objects.get(slug="zz-admin-workshop")
    # 10:00 in Lima (UTC-5) is 15:00 UTC, whatever the server's zone.
    assert event.starts_at == datetime.datetime(2035, 3, 9, 15, tzinfo=datetime.UTC)
    assert event.ends_at == datetime.datetime(2035, 3, 9, 17, 30, tzinfo=datetime.UTC)
    page = admin_client.get(f"/admin/exchange/event/{event.pk}/change/").content.decode()
    assert 'name="starts_at_1" value="10:00:00"' in page  # shown back in Lima's time


def test_the_admin_refuses_an_unknown_zone_and_an_end_before_the_start(
    admin_client: Client, world: World
) -> None:
    page = admin_client.post(
        "/admin/exchange/event/add/", event_form(world, time_zone="Mars/Olympus")
    ).content.decode()
    assert "Select a valid choice" in page
    page = admin_client.post(
        "/admin/exchange/event/add/", event_form(world, ends_at_1="09:00:00")
    ).content.decode()
    assert "The event must end after it starts." in page
    assert not Event.objects.filter(slug="zz-admin-workshop").exists()


def test_raising_the_capacity_in_the_admin_confirms_people_waiting(
    admin_client: Client, world: World
) -> None:
    event = make_event(
        capacity=1,
        city=world.lima,
        slug="zz-admin-workshop",
        starts_at=datetime.datetime(2035, 3, 9, 10, tzinfo=WARSAW),
    )
    people = [make_user() for _ in range(3)]
    for person in people:
        services.event_register(event=event, user=person)
    data = event_form(world, capacity="2", time_zone="Europe/Warsaw", ends_at_1="16:00:00")
    data.update({"registrations-TOTAL_FORMS": "3", "registrations-INITIAL_FORMS": "3"})
    for index, registration in enumerate(
        Registration.objects.filter(event=event).order_by("status", "queued_at", "pk")
    ):
        data[f"registrations-{index}-id"] = registration.pk
        data[f"registrations-{index}-event"] = event.pk
    response = admin_client.post(f"/admin/exchange/event/{event.pk}/change/", data, follow=True)
    assert "1 person on the waiting list got a place." in response.content.decode()
    confirmed = Registration.objects.filter(event=event, status="confirmed")
    assert sorted(r.user_id for r in confirmed) == [people[0].pk, people[1].pk]


def test_a_transfer_added_in_the_admin_gets_its_first_stage(
    admin_client: Client, world: World
) -> None:
    response = admin_client.post(
        "/admin/exchange/transfer/add/",
        {
            "title": "Zz admin transfer",
            "slug": "zz-admin-transfer",
            "case": world.case.pk,
            "receiving_city": world.lima.pk,
            "first_stage": "study_visit",
            "started_on": "2024-05-02",
            "changes-TOTAL_FORMS": "0",
            "changes-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    transfer = Transfer.objects.get(slug="zz-admin-transfer")
    assert (transfer.stage, transfer.stage_on) == ("study_visit", datetime.date(2024, 5, 2))
    change = transfer.changes.get()
    assert (change.stage, change.by.username) == ("study_visit", "admin")  # type: ignore[union-attr]
