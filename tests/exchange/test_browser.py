"""The exchange in headless Chromium: a signed-in user registers for an event and sees the place
count change; an editor moves a transfer to its next stage and sees the timeline follow.
Screenshots go to test-artifacts/."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest

from cityweave.exchange import services
from cityweave.exchange.models import Registration, Transfer
from tests.exchange.conftest import (
    PASSWORD,
    WARSAW,
    make_event,
    make_transfer,
    make_user,
    make_world,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Any, base: str, username: str, next_path: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))


def test_a_signed_in_user_registers_for_an_event(page: Any, seeded_live_server: Any) -> None:
    world = make_world()
    event = make_event(
        title="Green roofs study visit in Warsaw",
        kind="study_visit",
        venue="City Hall, pl. Bankowy 3/5",
        description="Two days on the green roofs of Warsaw with the teams that built them.",
        agenda="Day 1: visits to four roofs\nDay 2: the bylaw and its incentives",
        organiser=world.organisation,
        network=world.network,
        capacity=20,
        materials=[world.resource],
    )
    services.event_add_participant(event=event, role="host", city=world.warsaw)
    services.event_add_participant(
        event=event, role="speaker", name="Ana Souza", organisation=world.organisation
    )
    services.event_add_participant(event=event, role="participant", city=world.lisbon)
    services.follow_up_add(
        event=event,
        text="Share the visit report",
        owner="Zz Warsaw City Hall",
        due_on=datetime.date(2035, 7, 1),
    )
    for _ in range(3):
        services.event_register(event=event, user=make_user())
    user = make_user("zz-visitor")
    base = seeded_live_server.url

    # Visitors are invited to sign in, and come back to the event afterwards.
    page.goto(base + event.get_absolute_url())
    count = page.locator(".capacity-count")
    assert count.inner_text() == "3 of 20 places taken"
    page.get_by_role("link", name="Sign in to register").click()
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(event.get_absolute_url()) + "$"))

    page.get_by_role("button", name="Register").click()
    page.wait_for_url(re.compile(re.escape(event.get_absolute_url()) + "$"))
    assert "your place is confirmed" in page.locator(".messages").inner_text()
    assert count.inner_text() == "4 of 20 places taken"
    assert page.locator("[data-registration=confirmed]").is_visible()
    assert page.get_by_role("button", name="Cancel my registration").is_visible()
    assert Registration.objects.get(event=event, user=user).status == "confirmed"


def test_an_editor_moves_a_transfer_to_its_next_stage(page: Any, seeded_live_server: Any) -> None:
    world = make_world()
    transfer = make_transfer(
        world,
        title="Lisbon's green roofs in Warsaw",
        summary="Warsaw adapts Lisbon's green-roof incentives to its own building code.",
        instrument=world.instrument,
        network=world.network,
        note="Warsaw asked for the Lisbon bylaw after the kick-off meeting.",
    )
    services.transfer_move(
        transfer=transfer,
        stage="study_visit",
        on=datetime.date(2024, 3, 12),
        note="Four Warsaw officers visited six roofs in Lisbon.",
        by=world.editor,
    )
    base = seeded_live_server.url
    sign_in(page, base, world.editor.username, transfer.get_absolute_url())

    current = page.locator(".timeline li.is-current")
    assert current.get_attribute("data-stage") == "study_visit"
    # The form proposes the next stage.
    assert page.locator("#id_stage").input_value() == "adaptation_plan"
    page.fill("#id_on", "2024-06-20")
    page.fill("#id_note", "The adaptation plan was approved by the steering group.")
    page.get_by_role("button", name="Record the stage").click()
    page.wait_for_url(re.compile(re.escape(transfer.get_absolute_url()) + "$"))

    assert "Moved to the stage “Adaptation plan”" in page.locator(".messages").inner_text()
    assert current.get_attribute("data-stage") == "adaptation_plan"
    assert "June 20, 2024" in current.inner_text()
    assert page.locator(".timeline li.is-done").count() == 2
    assert "Moved to “Adaptation plan”" in page.locator(".history li").first.inner_text()
    assert Transfer.objects.get(pk=transfer.pk).stage == "adaptation_plan"


def test_a_visitor_browses_the_events_the_calendar_and_the_board(
    page: Any, seeded_live_server: Any
) -> None:
    world = make_world()
    today = datetime.date.today()
    next_month = (today.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    start = datetime.datetime(next_month.year, next_month.month, 9, 10, tzinfo=WARSAW)
    make_event(
        title="Nature-based solutions webinar",
        kind="webinar",
        city=None,
        online_url="https://meet.example.org/nbs",
        starts_at=start,
        network=world.network,
        capacity=100,
    )
    make_event(
        title="Peer review of the Lisbon climate plan",
        kind="peer_review",
        city=world.lisbon,
        time_zone="Europe/Lisbon",
        starts_at=start + datetime.timedelta(days=5),
    )
    make_event(
        title="Transition lab: schoolyards",
        kind="transition_lab",
        city=world.lima,
        time_zone="America/Lima",
        starts_at=start + datetime.timedelta(days=12, hours=7),
    )
    make_event(
        title="Kick-off conference",
        kind="conference",
        city=world.warsaw,
        starts_at=datetime.datetime(2023, 10, 3, 9, tzinfo=WARSAW),
    )
    make_transfer(world, title="Lisbon's green roofs in Warsaw", network=world.network)
    make_transfer(
        world, title="Lisbon's green roofs in Lima", receiving_city=world.lima, stage="adopted"
    )
    base = seeded_live_server.url

    page.goto(base + "/events/")
    assert page.locator(".event-card").count() == 4
    page.select_option("#filter-kind", "webinar")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"kind=webinar"))
    assert page.locator(".hit-title").all_inner_texts() == ["Nature-based solutions webinar"]

    page.goto(base + "/events/calendar/")
    title = page.locator("#month-title")
    assert title.get_attribute("data-month") == f"{today:%Y-%m}"
    page.get_by_role(
        "link", name=re.compile("\N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK}$")
    ).click()
    page.wait_for_url(re.compile(rf"month={next_month:%Y-%m}"))
    assert title.get_attribute("data-month") == f"{next_month:%Y-%m}"
    cell = page.locator(f'td[data-date="{next_month:%Y-%m}-09"] .cal-event')
    assert "Nature-based solutions webinar" in cell.inner_text()

    page.goto(base + "/transfers/")
    assert page.locator(".board-column").count() == 6
    adopted = page.locator('.board-column[data-stage="adopted"] .transfer-card')
    assert adopted.all_inner_texts()[0].startswith("Lisbon's green roofs in Lima")
    page.goto(base + "/events/calendar/?month=" + f"{next_month:%Y-%m}")
