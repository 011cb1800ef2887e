"""The event pages: the list and the month calendar (with filters, bad parameters, bounded
queries), an event's page (times in its zone, participants, materials, capacity, the register
and cancel buttons) in each language."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cityweave.exchange import services
from cityweave.exchange.models import EventStatus, Registration
from tests.exchange.conftest import (
    LIMA,
    PASSWORD,
    WARSAW,
    World,
    make_event,
    make_user,
)

pytestmark = pytest.mark.django_db


def html(response: Any) -> str:
    return response.content.decode()


def at(year: int, month: int, day: int, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, tzinfo=WARSAW)


def signed_in(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def query_count(client: Client, url: str, **params: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, html(response)[:1000]
    return len(queries)


# --- the event list ---------------------------------------------------------------------------


def test_the_list_shows_upcoming_events_first_and_past_ones_below(
    client: Client, world: World
) -> None:
    make_event(title="Zz past visit", kind="study_visit", starts_at=at(2022, 5, 4))
    make_event(title="Zz roof workshop", starts_at=at(2035, 3, 9), network=world.network)
    page = html(client.get("/events/"))
    assert page.index("Zz roof workshop") < page.index("Past events") < page.index("Zz past visit")
    assert 'data-count="2"' in page
    assert "Friday, March 9, 2035 · 10:00\N{EN DASH}16:00 CET" in page
    assert '<span class="badge badge-event">Study visit</span>' in page
    assert 'href="/static/exchange/exchange.css"' in page
    assert 'href="/events.ics"' in page


def test_the_list_filters_by_kind_network_city_and_month(client: Client, world: World) -> None:
    make_event(
        title="Zz March webinar",
        kind="webinar",
        starts_at=at(2035, 3, 9),
        city=None,
        online_url="https://meet.example.org/a",
    )
    make_event(
        title="Zz April visit",
        kind="study_visit",
        starts_at=at(2035, 4, 9),
        city=world.lisbon,
        network=world.project,
    )

    def shown(**params: str) -> list[str]:
        return re.findall(
            r'class="hit-title"><a href="[^"]+">([^<]+)</a>', html(client.get("/events/", params))
        )

    assert shown(kind="webinar") == ["Zz March webinar"]
    assert shown(month="2035-04") == ["Zz April visit"]
    assert shown(city="zz-lisbon") == ["Zz April visit"]
    assert shown(network="zz-green") == ["Zz April visit"]  # the project is under the network
    assert shown(network="zz-green", kind="webinar") == []
    page = html(client.get("/events/", {"network": "zz-green"}))
    assert '<option value="zz-green-roofs" selected>' not in page
    assert 'href="/networks/zz-green/events.ics"' in page  # the network's own feed
    assert "No upcoming event matches these filters." in html(
        client.get("/events/", {"kind": "conference"})
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"kind": "party"}, "kind: unknown value &#x27;party&#x27;"),
        ({"month": "2035-13"}, "month: &#x27;2035-13&#x27; is not a month written as YYYY-MM"),
        ({"month": "March"}, "is not a month"),
        ({"city": "no/slug"}, "city: &#x27;no/slug&#x27; is not a valid slug"),
        ({"page": "x"}, "page: &#x27;x&#x27; is not an integer"),
    ],
)
def test_malformed_filters_are_a_400_with_the_reason(
    client: Client, world: World, params: dict[str, str], message: str
) -> None:
    response = client.get("/events/", params)
    assert response.status_code == 400
    assert message in html(response)


def test_the_list_pages_past_events_and_keeps_the_filters(
    client: Client, world: World, settings: Any
) -> None:
    settings.PAGE_SIZE = 3
    for day in range(1, 6):
        make_event(title=f"Zz old {day}", kind="webinar", starts_at=at(2021, 1, day))
    first = html(client.get("/events/", {"kind": "webinar"}))
    assert "Page 1 of 2" in first
    assert 'rel="next" href="?kind=webinar&amp;page=2"' in first
    second = html(client.get("/events/", {"kind": "webinar", "page": "2"}))
    assert "Zz old 2" in second and "Zz old 1" in second and "Zz old 5" not in second


def test_the_list_page_runs_a_fixed_number_of_queries(
    client: Client, world: World, django_assert_max_num_queries: Any
) -> None:
    def add(count: int, offset: int) -> None:
        for n in range(count):
            event = make_event(
                starts_at=at(2035, 1, 1 + offset + n), network=world.network, capacity=10
            )
            services.event_add_participant(event=event, city=world.lima)
            services.event_register(event=event, user=make_user())

    add(2, 0)
    few = query_count(client, "/events/")
    add(10, 2)
    many = query_count(client, "/events/")
    assert few == many
    with django_assert_max_num_queries(8):
        client.get("/events/")


# --- the calendar -----------------------------------------------------------------------------


def test_the_calendar_is_a_month_grid_with_the_events_on_their_local_days(
    client: Client, world: World
) -> None:
    make_event(title="Zz roof workshop", starts_at=at(2035, 3, 9))
    make_event(title="Zz three-day visit", starts_at=at(2035, 2, 27), ends_at=at(2035, 3, 1, 16))
    make_event(
        title="Zz Lima evening",
        city=world.lima,
        time_zone="America/Lima",
        starts_at=datetime.datetime(2035, 3, 31, 20, tzinfo=LIMA),
        ends_at=datetime.datetime(2035, 3, 31, 22, tzinfo=LIMA),
    )
    page = html(client.get("/events/calendar/", {"month": "2035-03"}))
    assert ">March 2035</h2>" in page
    # English weeks start on Sunday: 1 March 2035 is a Thursday and 31 March a Saturday, so the
    # grid runs from Sunday 25 February to Saturday 31 March: 5 weeks of 7 days.
    cells = re.findall(r'<td class="[^"]*" data-date="([\d-]+)">', page)
    assert (cells[0], cells[-1], len(cells)) == ("2035-02-25", "2035-03-31", 35)
    assert re.findall(r"<th scope=\"col\"><abbr title=\"(\w+)\">", page)[:2] == ["Sunday", "Monday"]

    def on(day: str) -> list[str]:
        cell = re.search(rf'data-date="{day}">(.*?)</td>', page, re.S)
        assert cell
        return re.findall(r'title="([^"·]+) ·', cell.group(1))

    assert on("2035-03-09") == ["Zz roof workshop"]
    assert on("2035-03-31") == ["Zz Lima evening"]  # 1 April in UTC, 31 March in Lima
    # The days of the previous month in the first week show their events too.
    assert on("2035-02-27") == on("2035-02-28") == on("2035-03-01") == ["Zz three-day visit"]
    assert "is-continued" in page
    assert on("2035-03-10") == []
    assert '<span class="cal-time">20:00 UTC-05:00</span>' in page
    assert 'rel="prev" href="?month=2035-02"' in page
    assert 'rel="next" href="?month=2035-04"' in page


def test_the_calendar_in_polish_starts_on_monday(client: Client, world: World) -> None:
    page = html(client.get("/pl/events/calendar/", {"month": "2035-03"}))
    cells = re.findall(r'data-date="([\d-]+)"', page)
    assert (cells[0], cells[-1]) == ("2035-02-26", "2035-04-01")  # Monday to Sunday


def test_the_calendar_keeps_the_filters_and_refuses_a_bad_month(
    client: Client, world: World
) -> None:
    make_event(title="Zz webinar", kind="webinar", starts_at=at(2035, 3, 9))
    make_event(title="Zz visit", kind="study_visit", starts_at=at(2035, 3, 10))
    page = html(client.get("/events/calendar/", {"month": "2035-03", "kind": "webinar"}))
    assert "Zz webinar" in page and "Zz visit" not in page
    assert 'rel="next" href="?month=2035-04&amp;kind=webinar"' in page
    response = client.get("/events/calendar/", {"month": "2035-3"})
    assert response.status_code == 400
    assert "is not a month written as YYYY-MM" in html(response)


def test_the_calendar_runs_a_fixed_number_of_queries(client: Client, world: World) -> None:
    make_event(starts_at=at(2035, 3, 2))
    few = query_count(client, "/events/calendar/", month="2035-03")
    for day in range(3, 20):
        make_event(starts_at=at(2035, 3, day), network=world.network)
    assert query_count(client, "/events/calendar/", month="2035-03") == few


# --- an event's page --------------------------------------------------------------------------


def full_event(world: World, **fields: Any) -> Any:
    event = make_event(
        title="Zz green roofs study visit",
        kind="study_visit",
        starts_at=at(2035, 6, 9, 9),
        ends_at=at(2035, 6, 10, 17),
        venue="City Hall, pl. Bankowy 3/5",
        description="Two days on the roofs of Warsaw.",
        agenda="Day 1: roofs\nDay 2: policy",
        organiser=world.organisation,
        network=world.network,
        capacity=20,
        outcomes="Lisbon drafts an adaptation plan.",
        materials=[world.resource],
        **fields,
    )
    services.event_add_participant(event=event, role="host", city=world.warsaw)
    services.event_add_participant(
        event=event, role="speaker", name="Ana Souza", organisation=world.organisation
    )
    services.event_add_participant(event=event, role="participant", city=world.lima)
    services.follow_up_add(
        event=event, text="Share the minutes", owner="Zz Warsaw", due_on=datetime.date(2035, 7, 1)
    )
    return event


def test_the_event_page_shows_everything_in_the_events_zone(client: Client, world: World) -> None:
    event = full_event(world)
    for _ in range(3):
        services.event_register(event=event, user=make_user())
    page = html(client.get(event.get_absolute_url()))
    assert "<h1>Zz green roofs study visit</h1>" in page
    # Summer in Warsaw: CEST; the event spans two days.
    assert "June 9, 2035, 09:00 CEST \N{EN DASH} June 10, 2035, 17:00 CEST" in page
    assert "Europe/Warsaw (CEST)" in page
    assert "City Hall, pl. Bankowy 3/5" in page
    assert "organised by Zz Warsaw City Hall" in page
    assert '<a href="/events/?network=zz-green">Zz Green Cities</a>' in page
    assert "Day 1: roofs<br>Day 2: policy" in page
    assert (
        page.index("<h3>Host</h3>")
        < page.index("<h3>Speaker</h3>")
        < page.index("<h3>Participant</h3>")
    )
    assert "Ana Souza" in page
    assert f'<a href="{world.resource.get_absolute_url()}">Zz Green roof guide</a>' in page
    assert "Lisbon drafts an adaptation plan." in page
    assert "Share the minutes" in page and "July 1, 2035" in page
    assert 'data-taken="3" data-capacity="20">3 of 20 places taken</p>' in page
    assert 'href="/events/zz-green-roofs-study-visit.ics"' in page
    # Visitors are asked to sign in, and come back here afterwards.
    assert (
        'href="/accounts/login/?next=/events/zz-green-roofs-study-visit/">Sign in to register'
        in page
    )


def test_the_event_page_runs_a_fixed_number_of_queries(client: Client, world: World) -> None:
    event = full_event(world)
    user = make_user()
    services.event_register(event=event, user=user)
    signed_in(client, user)
    few = query_count(client, event.get_absolute_url())
    for n in range(8):
        services.event_add_participant(event=event, name=f"Person {n}")
        services.follow_up_add(event=event, text=f"Action {n}")
    assert query_count(client, event.get_absolute_url()) == few


def test_register_and_cancel_from_the_page(client: Client, world: World) -> None:
    event = make_event(capacity=1)
    user = make_user()
    signed_in(client, user)
    page = html(client.get(event.get_absolute_url()))
    assert f'action="/events/{event.slug}/register/"' in page
    assert "csrfmiddlewaretoken" in page

    response = client.post(f"/events/{event.slug}/register/", follow=True)
    page = html(response)
    assert response.redirect_chain == [(event.get_absolute_url(), 302)]
    assert "You are registered: your place is confirmed." in page
    assert 'data-taken="1" data-capacity="1">1 of 1 place taken</p>' in page
    assert "Cancel my registration" in page

    page = html(client.post(f"/events/{event.slug}/register/", follow=True))
    assert "You are already registered for this event." in page

    page = html(client.post(f"/events/{event.slug}/cancel-registration/", follow=True))
    assert "Your registration is cancelled." in page
    assert 'data-taken="0" data-capacity="1">0 of 1 place taken</p>' in page
    assert Registration.objects.get(event=event, user=user).status == "cancelled"


def test_a_full_event_offers_the_waiting_list(client: Client, world: World) -> None:
    event = make_event(capacity=1)
    services.event_register(event=event, user=make_user())
    signed_in(client, make_user())
    assert "Join the waiting list" in html(client.get(event.get_absolute_url()))
    page = html(client.post(f"/events/{event.slug}/register/", follow=True))
    assert "The event is full: you are on the waiting list, in position 1." in page
    assert "You are on the waiting list, in position 1." in page
    assert "1 person on the waiting list" in page
    assert "Leave the waiting list" in page


def test_registration_needs_a_post_and_a_signed_in_user(client: Client, world: World) -> None:
    event = make_event()
    assert client.get(f"/events/{event.slug}/register/").status_code == 405
    response = client.post(f"/events/{event.slug}/register/")
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/events/{event.slug}/"
    assert not Registration.objects.exists()
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.login(username=make_user("zz-csrf").username, password=PASSWORD)
    assert csrf_client.post(f"/events/{event.slug}/register/").status_code == 403


def test_closed_cancelled_and_draft_events(client: Client, world: World) -> None:
    closed = make_event(registration_open=False)
    signed_in(client, make_user())
    page = html(client.get(closed.get_absolute_url()))
    assert "Registration for this event is closed." in page
    assert "/register/" not in page

    cancelled = make_event(status=EventStatus.CANCELLED)
    page = html(client.get(cancelled.get_absolute_url()))
    assert page.count("This event was cancelled.") == 2  # the banner and the registration box

    draft = make_event(status=EventStatus.DRAFT)
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get("/events/no-such-event/").status_code == 404


@pytest.mark.parametrize(
    ("language", "date", "texts"),
    [
        ("es", "9 de marzo de 2035", ["Taller", "0 de 20 plazas ocupadas", "Cuándo y dónde"]),
        ("pl", "9 marca 2035", ["Warsztaty", "0 z 20 miejsc zajętych", "Kiedy i gdzie"]),
        ("pt", "9 de Março de 2035", ["Oficina", "0 de 20 lugares ocupados", "Quando e onde"]),
        ("de", "9. März 2035", ["Workshop", "0 von 20 Plätzen belegt", "Wann und wo"]),
    ],
)
def test_the_event_page_in_each_language(
    client: Client, world: World, language: str, date: str, texts: list[str]
) -> None:
    event = make_event(starts_at=at(2035, 3, 9), capacity=20)
    page = html(client.get(f"/{language}{event.get_absolute_url()}"))
    assert f'<html lang="{language}">' in page
    assert date in page
    for text in texts:
        assert text in page


def test_the_catalogues_translate_every_message() -> None:
    from pathlib import Path

    locale = Path(__file__).resolve().parents[2] / "cityweave" / "exchange" / "locale"
    for language in ("pl", "es", "pt", "de"):
        po = (locale / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
        entries = po.split("\n\n")[1:]  # after the header
        assert len(entries) > 250
        untranslated = [e for e in entries if 'msgstr ""' in e or 'msgstr[0] ""' in e]
        assert untranslated == [], f"{language}: {untranslated[:3]}"
        assert (locale / language / "LC_MESSAGES" / "django.mo").exists()
