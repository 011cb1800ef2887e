"""The iCalendar feeds, parsed back with ``icalendar``: UID, DTSTAMP, start and end in the
event's zone with its VTIMEZONE, location, URL, description, cancelled events, drafts left out."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.test import Client

from cityweave.exchange import services
from cityweave.exchange.models import EventStatus
from tests.exchange.conftest import LIMA, WARSAW, World, make_event

pytestmark = pytest.mark.django_db


def parse(response: Any) -> icalendar.Calendar:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def by_summary(calendar: icalendar.Calendar) -> dict[str, Any]:
    return {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}


def test_the_feed_holds_every_public_event_with_its_zone(client: Client, world: World) -> None:
    workshop = make_event(
        title="Zz roof workshop",
        starts_at=datetime.datetime(2035, 3, 9, 10, tzinfo=WARSAW),
        ends_at=datetime.datetime(2035, 3, 9, 16, tzinfo=WARSAW),
        venue="City Hall",
        description="Green roofs, hands on.",
        agenda="10:00 Welcome",
        organiser=world.organisation,
    )
    make_event(
        title="Zz Lima webinar",
        kind="webinar",
        time_zone="America/Lima",
        city=None,
        online_url="https://meet.example.org/lima",
        starts_at=datetime.datetime(2035, 3, 31, 20, tzinfo=LIMA),
        ends_at=datetime.datetime(2035, 3, 31, 21, 30, tzinfo=LIMA),
    )
    make_event(title="Zz draft", status=EventStatus.DRAFT)

    calendar = parse(client.get("/events.ics"))
    assert calendar["PRODID"] == "-//CityWeave//Exchange events//EN"
    assert str(calendar["X-WR-CALNAME"]) == "CityWeave exchange events"
    events = by_summary(calendar)
    assert sorted(events) == ["Zz Lima webinar", "Zz roof workshop"]  # no draft

    roof = events["Zz roof workshop"]
    assert str(roof["UID"]) == f"{workshop.uid}@cityweave"
    start = roof.decoded("DTSTART")
    assert start == datetime.datetime(2035, 3, 9, 10, tzinfo=WARSAW)
    assert roof["DTSTART"].params["TZID"] == "Europe/Warsaw"
    assert roof.decoded("DTEND") == datetime.datetime(2035, 3, 9, 16, tzinfo=WARSAW)
    assert roof.decoded("DTSTAMP") == workshop.updated_at.replace(microsecond=0)
    assert str(roof["LOCATION"]) == "City Hall, Zz Warsaw, Poland"
    assert str(roof["URL"]) == f"http://testserver/events/{workshop.slug}/"
    assert str(roof["STATUS"]) == "CONFIRMED"
    description = str(roof["DESCRIPTION"])
    assert description == (
        "Green roofs, hands on.\n\nAgenda:\n10:00 Welcome\n\nOrganiser: Zz Warsaw City Hall"
    )
    assert [str(category) for category in roof.categories] == ["Workshop"]

    lima = events["Zz Lima webinar"]
    assert lima["DTSTART"].params["TZID"] == "America/Lima"
    # 20:00 in Lima is 01:00 UTC the next day.
    assert lima.decoded("DTSTART").astimezone(datetime.UTC) == datetime.datetime(
        2035, 4, 1, 1, tzinfo=datetime.UTC
    )
    assert str(lima["LOCATION"]) == "Online"
    assert "Join online: https://meet.example.org/lima" in str(lima["DESCRIPTION"])
    # Each zone used has its VTIMEZONE, so calendar apps need no outside zone data.
    assert {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")} == {
        "Europe/Warsaw",
        "America/Lima",
    }


def test_a_cancelled_event_stays_in_the_feed_as_cancelled(client: Client, world: World) -> None:
    event = make_event(title="Zz called off")
    services.event_cancel(event=event)
    cancelled = by_summary(parse(client.get("/events.ics")))["Zz called off"]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert str(cancelled["UID"]) == f"{event.uid}@cityweave"  # the same event for subscribers


def test_a_networks_feed_holds_its_events_and_its_sub_networks(
    client: Client, world: World
) -> None:
    make_event(title="Zz network event", network=world.network)
    make_event(title="Zz project event", network=world.project)
    make_event(title="Zz other event", network=world.other_network)
    calendar = parse(client.get("/networks/zz-green/events.ics"))
    assert sorted(by_summary(calendar)) == ["Zz network event", "Zz project event"]
    assert str(calendar["X-WR-CALNAME"]) == "Zz Green Cities events · CityWeave"
    assert client.get("/networks/zz-nowhere/events.ics").status_code == 404


def test_one_event_as_a_download(client: Client, world: World) -> None:
    event = make_event(
        title="Zz hybrid visit",
        city=world.lisbon,
        time_zone="Europe/Lisbon",
        online_url="https://meet.example.org/visit",
        starts_at=datetime.datetime(2035, 7, 1, 9, tzinfo=ZoneInfo("Europe/Lisbon")),
        ends_at=datetime.datetime(2035, 7, 2, 17, tzinfo=ZoneInfo("Europe/Lisbon")),
    )
    response = client.get(f"/events/{event.slug}.ics")
    assert response["Content-Disposition"] == f'attachment; filename="{event.slug}.ics"'
    (vevent,) = parse(response).walk("VEVENT")
    assert str(vevent["LOCATION"]) == "Zz Lisbon, Portugal and online"
    assert vevent.decoded("DTEND") - vevent.decoded("DTSTART") == datetime.timedelta(hours=32)
    # Summer time in Lisbon: WEST, one hour ahead of UTC.
    assert vevent.decoded("DTSTART").utcoffset() == datetime.timedelta(hours=1)


def test_a_draft_has_no_calendar_file_for_visitors(client: Client, world: World) -> None:
    draft = make_event(status=EventStatus.DRAFT)
    assert client.get(f"/events/{draft.slug}.ics").status_code == 404
    assert client.get("/events/no-such-event.ics").status_code == 404


def test_an_empty_feed_is_a_valid_calendar(client: Client, world: World) -> None:
    calendar = parse(client.get("/events.ics"))
    assert calendar.walk("VEVENT") == []
    assert str(calendar["VERSION"]) == "2.0"
