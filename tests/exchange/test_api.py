"""The exchange API: lists with their filters and pages, details, 404s, malformed parameters
(4xx with the reason, never a 500), responses valid against the published schema, and bounded
queries."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cityweave.exchange import services
from cityweave.exchange.models import EventStatus
from tests.api.conftest import response_schema, schema_errors
from tests.exchange.conftest import LIMA, WARSAW, World, make_event, make_transfer, make_user

pytestmark = pytest.mark.django_db


def at(year: int, month: int, day: int, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, tzinfo=WARSAW)


@pytest.fixture
def openapi(client: Client) -> dict[str, Any]:
    return client.get("/api/v1/openapi.json").json()


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.content[:1000]
    return response.json()


def slugs(response: Any) -> list[str]:
    return [item["slug"] for item in ok(response)["items"]]


def test_events_list_with_times_in_each_events_zone(
    client: Client, world: World, openapi: dict[str, Any]
) -> None:
    make_event(title="Zz past", slug="zz-past", starts_at=at(2022, 5, 1))
    make_event(
        title="Zz Lima",
        slug="zz-lima-webinar",
        kind="webinar",
        city=None,
        online_url="https://meet.example.org/l",
        time_zone="America/Lima",
        starts_at=datetime.datetime(2035, 3, 31, 20, tzinfo=LIMA),
        ends_at=datetime.datetime(2035, 3, 31, 21, tzinfo=LIMA),
    )
    make_event(title="Zz draft", slug="zz-draft", status=EventStatus.DRAFT)
    body = ok(client.get("/api/v1/events"))
    assert schema_errors(body, response_schema(openapi, "/api/v1/events"), openapi) == []
    assert (body["count"], body["page"], body["page_size"]) == (2, 1, 20)
    assert [item["slug"] for item in body["items"]] == ["zz-lima-webinar", "zz-past"]
    lima = body["items"][0]
    assert lima["starts_at"] == "2035-03-31T20:00:00-05:00"
    assert (lima["time_zone"], lima["online"], lima["city"]) == ("America/Lima", True, None)
    assert lima["url"] == "/events/zz-lima-webinar/"
    assert lima["ics_url"] == "/events/zz-lima-webinar.ics"


def test_event_filters(client: Client, world: World) -> None:
    make_event(slug="zz-march", kind="webinar", starts_at=at(2035, 3, 9), network=world.project)
    make_event(slug="zz-april", kind="study_visit", starts_at=at(2035, 4, 9), city=world.lisbon)
    make_event(slug="zz-may", kind="study_visit", starts_at=at(2035, 5, 9), city=world.lisbon)
    assert slugs(client.get("/api/v1/events", {"kind": "study_visit"})) == ["zz-april", "zz-may"]
    assert slugs(client.get("/api/v1/events", {"kind": ["webinar", "study_visit"]})) == [
        "zz-march", "zz-april", "zz-may",
    ]  # fmt: skip
    assert slugs(client.get("/api/v1/events", {"network": "zz-green"})) == ["zz-march"]
    assert slugs(client.get("/api/v1/events", {"city": "zz-lisbon"})) == ["zz-april", "zz-may"]
    assert slugs(client.get("/api/v1/events", {"from": "2035-04-01", "to": "2035-04-30"})) == [
        "zz-april"
    ]
    assert slugs(client.get("/api/v1/events", {"from": "2035-04-10"})) == ["zz-may"]
    assert slugs(client.get("/api/v1/events", {"city": "zz-atlantis"})) == []
    page = ok(client.get("/api/v1/events", {"page_size": 2, "page": 2}))
    assert (page["count"], [i["slug"] for i in page["items"]]) == (3, ["zz-may"])


@pytest.mark.parametrize(
    ("params", "status", "detail"),
    [
        ({"kind": "party"}, 400, "kind: unknown value 'party'"),
        ({"network": "a b"}, 400, "network: 'a b' is not a valid slug"),
        ({"from": "2035-13-01"}, 422, "from"),
        ({"to": "tomorrow"}, 422, "to"),
        ({"from": "2035-05-01", "to": "2035-04-01"}, 400, "to: must not be before from"),
        ({"page": "0"}, 400, "page: must be between 1 and"),
        ({"page": "two"}, 422, "page"),
        ({"page_size": "500"}, 400, "page_size: must be between 1 and 200"),
    ],
)
def test_malformed_event_filters_are_4xx(
    client: Client, world: World, params: dict[str, str], status: int, detail: str
) -> None:
    response = client.get("/api/v1/events", params)
    assert response.status_code == status, response.content
    assert detail in response.json()["detail"]


def test_event_detail(client: Client, world: World, openapi: dict[str, Any]) -> None:
    event = make_event(
        slug="zz-visit",
        kind="study_visit",
        capacity=2,
        organiser=world.organisation,
        network=world.network,
        agenda="Roofs",
        materials=[world.resource],
        starts_at=at(2035, 6, 1),
        ends_at=at(2035, 6, 1, 18),
    )
    services.event_add_participant(event=event, role="host", city=world.warsaw)
    services.event_add_participant(event=event, role="speaker", name="Ana", city=world.lisbon)
    services.follow_up_add(event=event, text="Send minutes", due_on=datetime.date(2035, 6, 15))
    for _ in range(3):
        services.event_register(event=event, user=make_user())

    body = ok(client.get("/api/v1/events/zz-visit"))
    assert schema_errors(body, response_schema(openapi, "/api/v1/events/{slug}"), openapi) == []
    assert body["starts_at"] == "2035-06-01T10:00:00+02:00"  # summer time in Warsaw
    assert (body["capacity"], body["places_taken"], body["waiting"]) == (2, 2, 1)
    assert body["registration_open"] is True
    assert body["organiser"] == {"slug": "zz-warsaw-hall", "name": "Zz Warsaw City Hall"}
    assert body["participants"] == [
        {"role": "host", "name": "Zz Warsaw", "kind": "city", "organisation": "",
         "city": {"slug": "zz-warsaw", "name": "Zz Warsaw", "country_code": "PL"}},
        {"role": "speaker", "name": "Ana", "kind": "person", "organisation": "",
         "city": {"slug": "zz-lisbon", "name": "Zz Lisbon", "country_code": "PT"}},
    ]  # fmt: skip
    assert body["materials"] == [
        {"slug": "zz-roof-guide", "title": "Zz Green roof guide", "url": "/library/zz-roof-guide/"}
    ]
    assert body["follow_ups"] == [
        {"text": "Send minutes", "owner": "", "due_on": "2035-06-15", "done": False}
    ]


def test_unknown_and_draft_events_are_404(client: Client, world: World) -> None:
    make_event(slug="zz-secret", status=EventStatus.DRAFT)
    for slug in ("zz-secret", "zz-nothing"):
        response = client.get(f"/api/v1/events/{slug}")
        assert response.status_code == 404
        assert response.json() == {"detail": f"No event with slug {slug!r}"}


def test_transfers_list_filters_and_detail(
    client: Client, world: World, openapi: dict[str, Any]
) -> None:
    first = make_transfer(
        world, title="Zz A", slug="zz-a", network=world.project, instrument=world.instrument
    )
    make_transfer(world, title="Zz B", slug="zz-b", receiving_city=world.lima, stage="adopted")
    services.transfer_move(
        transfer=first,
        stage="study_visit",
        on=datetime.date(2024, 2, 1),
        note="Visit",
        by=world.editor,
    )

    body = ok(client.get("/api/v1/transfers"))
    assert schema_errors(body, response_schema(openapi, "/api/v1/transfers"), openapi) == []
    assert [item["slug"] for item in body["items"]] == ["zz-a", "zz-b"]  # latest stage first
    assert slugs(client.get("/api/v1/transfers", {"network": "zz-green"})) == ["zz-a"]
    assert slugs(client.get("/api/v1/transfers", {"stage": "adopted"})) == ["zz-b"]
    assert slugs(client.get("/api/v1/transfers", {"city": "zz-lima"})) == ["zz-b"]
    assert slugs(client.get("/api/v1/transfers", {"city": "zz-lisbon"})) == ["zz-a", "zz-b"]
    assert slugs(client.get("/api/v1/transfers", {"case": "zz-green-roofs-lisbon"})) == [
        "zz-a", "zz-b",
    ]  # fmt: skip

    detail = ok(client.get("/api/v1/transfers/zz-a"))
    assert (
        schema_errors(detail, response_schema(openapi, "/api/v1/transfers/{slug}"), openapi) == []
    )
    assert (detail["stage"], detail["stage_on"]) == ("study_visit", "2024-02-01")
    assert detail["case"] == {
        "slug": "zz-green-roofs-lisbon", "title": "Zz Lisbon green roofs",
        "city": {"slug": "zz-lisbon", "name": "Zz Lisbon", "country_code": "PT"},
    }  # fmt: skip
    assert detail["instrument"] == {"slug": "zz-roof-bylaw", "name": "Zz Green roof bylaw"}
    assert [(h["previous_stage"], h["stage"], h["on"]) for h in detail["history"]] == [
        ("", "interest", "2024-01-15"),
        ("interest", "study_visit", "2024-02-01"),
    ]
    assert client.get("/api/v1/transfers/zz-none").json() == {
        "detail": "No transfer with slug 'zz-none'"
    }


@pytest.mark.parametrize(
    ("params", "status"),
    [({"stage": "finished"}, 400), ({"case": "x/y"}, 400), ({"page_size": "x"}, 422)],
)
def test_malformed_transfer_filters_are_4xx(
    client: Client, world: World, params: dict[str, str], status: int
) -> None:
    response = client.get("/api/v1/transfers", params)
    assert response.status_code == status
    assert response.json()["detail"]


def test_the_lists_run_a_fixed_number_of_queries(client: Client, world: World) -> None:
    def count(path: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            ok(client.get(path))
        return len(queries)

    make_event(network=world.network)
    make_transfer(world)
    few = (count("/api/v1/events"), count("/api/v1/transfers"))
    for _ in range(6):
        make_event(network=world.network, city=world.lima)
        make_transfer(world, network=world.network)
    assert (count("/api/v1/events"), count("/api/v1/transfers")) == few
