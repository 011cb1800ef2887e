"""The transfer pages: the board with one column per stage (filtered by network, bounded
queries), a transfer's page with its timeline and history, and its form for editors; the
partials other pages include."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cityweave.exchange import services
from tests.exchange.conftest import World, make_event, make_transfer, make_user

pytestmark = pytest.mark.django_db


def html(response: Any) -> str:
    return response.content.decode()


def signed_in(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def query_count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, html(response)[:1000]
    return len(queries)


def test_the_board_has_one_column_per_stage(client: Client, world: World) -> None:
    make_transfer(world, title="Zz roofs to Warsaw", network=world.network)
    make_transfer(world, title="Zz roofs to Lima", receiving_city=world.lima, stage="adopted")
    page = html(client.get("/transfers/"))
    columns = re.findall(r'data-stage="(\w+)"', page)
    assert columns == [
        "interest",
        "study_visit",
        "adaptation_plan",
        "adopted",
        "implemented",
        "evaluated",
    ]

    def column(stage: str) -> str:
        match = re.search(rf'data-stage="{stage}".*?</section>', page, re.S)
        assert match
        return match.group(0)

    assert "Zz roofs to Warsaw" in column("interest")
    assert "Zz roofs to Lima" in column("adopted")
    assert "Zz Lisbon → Zz Lima" in column("adopted")
    assert "None at this stage" in column("evaluated")


def test_the_board_filters_by_network(client: Client, world: World) -> None:
    make_transfer(world, title="Zz in the project", network=world.project)
    make_transfer(world, title="Zz elsewhere", network=world.other_network)
    for page in (
        html(client.get("/transfers/", {"network": "zz-green"})),
        html(client.get("/networks/zz-green/transfers/")),
    ):
        assert "Zz in the project" in page and "Zz elsewhere" not in page
    assert "Practice transfers in Zz Green Cities" in html(
        client.get("/networks/zz-green/transfers/")
    )
    assert client.get("/networks/zz-nowhere/transfers/").status_code == 404
    assert client.get("/transfers/", {"stage": "done"}).status_code == 400


def test_the_board_runs_a_fixed_number_of_queries(client: Client, world: World) -> None:
    make_transfer(world)
    few = query_count(client, "/transfers/")
    for stage in ("interest", "study_visit", "adopted", "evaluated", "evaluated"):
        make_transfer(world, stage=stage, network=world.network)
    assert query_count(client, "/transfers/") == few
    assert few <= 6


def test_the_transfer_page_shows_the_timeline_and_history(client: Client, world: World) -> None:
    transfer = make_transfer(world, title="Zz Lisbon roofs to Warsaw", instrument=world.instrument)
    services.transfer_move(
        transfer=transfer,
        stage="adaptation_plan",
        on=datetime.date(2024, 3, 2),
        note="Plan drafted",
        by=world.editor,
    )
    services.transfer_move(
        transfer=transfer,
        stage="study_visit",
        on=datetime.date(2024, 4, 5),
        reason="A second visit was needed",
        by=world.editor,
    )
    page = html(client.get(transfer.get_absolute_url()))
    timeline = page[page.index('<ol class="timeline">') : page.index('<ol class="history"')]
    steps = re.findall(r'<li class="is-(\w+)" data-stage="(\w+)"', timeline)
    assert steps == [
        ("done", "interest"),
        ("current", "study_visit"),
        ("todo", "adaptation_plan"),
        ("todo", "adopted"),
        ("todo", "implemented"),
        ("todo", "evaluated"),
    ]
    assert "April 5, 2024" in page
    assert "Back to “Study visit” from “Adaptation plan”" in page
    assert "A second visit was needed" in page
    assert f'<a href="{world.instrument.get_absolute_url()}">Zz Green roof bylaw</a>' in page
    assert f'<a href="{world.case.get_absolute_url()}">Zz Lisbon green roofs</a>' in page
    assert "Move to another stage" not in page  # visitors see no form
    assert "Recorded by" not in page
    assert client.get("/transfers/no-such-transfer/").status_code == 404


def test_editors_move_a_transfer_from_its_page(client: Client, world: World) -> None:
    transfer = make_transfer(world)
    signed_in(client, world.editor)
    page = html(client.get(transfer.get_absolute_url()))
    assert "Move to another stage" in page
    assert '<option value="study_visit" selected>Study visit</option>' in page
    assert '<option value="interest"' not in page  # the current stage is not a move

    response = client.post(
        f"/transfers/{transfer.slug}/move/",
        {"stage": "study_visit", "on": "2024-02-01", "note": "Visit to Lisbon"},
        follow=True,
    )
    page = html(response)
    assert "Moved to the stage “Study visit”." in page
    assert '<li class="is-current" data-stage="study_visit"' in page
    assert "Recorded by zz-editor" in page


def test_a_refused_move_is_shown_beside_the_field(client: Client, world: World) -> None:
    transfer = make_transfer(world, stage="adopted")
    signed_in(client, world.editor)
    response = client.post(
        f"/transfers/{transfer.slug}/move/", {"stage": "interest", "on": "2024-02-01"}
    )
    assert response.status_code == 400
    page = html(response)
    assert re.search(
        r'data-field="reason">.*?<p class="field-error" role="alert">Moving back from '
        r"“Adopted in a policy or action plan” to “Interest” needs a reason.</p>",
        page,
        re.S,
    )
    assert '<option value="interest" selected>Interest (back)</option>' in page


def test_only_editors_may_post_a_move(client: Client, world: World) -> None:
    transfer = make_transfer(world)
    data = {"stage": "study_visit", "on": "2024-02-01"}
    response = client.post(f"/transfers/{transfer.slug}/move/", data)
    assert response["Location"] == f"/accounts/login/?next=/transfers/{transfer.slug}/"
    signed_in(client, make_user())
    assert client.post(f"/transfers/{transfer.slug}/move/", data).status_code == 403
    assert transfer.changes.count() == 1


def test_the_partials_carry_their_stylesheet_outside_the_exchange_pages(world: World) -> None:
    from django.template.loader import render_to_string

    from cityweave.exchange import selectors

    make_event(title="Zz partial event", city=world.lima)
    make_transfer(world, title="Zz partial transfer", receiving_city=world.lima)
    events = render_to_string(
        "exchange/_event_list.html", {"events": selectors.events_for_city(city=world.lima)}
    )
    assert "Zz partial event" in events
    assert 'href="/static/exchange/exchange.css"' in events
    transfers = render_to_string(
        "exchange/_transfer_list.html", {"transfers": selectors.transfers_for_city(city=world.lima)}
    )
    assert "Zz partial transfer" in transfers
    assert "No event recorded yet." in render_to_string("exchange/_event_list.html", {"events": []})


def test_at_the_last_stage_the_form_proposes_no_move(client: Client, world: World) -> None:
    transfer = make_transfer(world, stage="evaluated")
    signed_in(client, world.editor)
    page = html(client.get(transfer.get_absolute_url()))
    assert '<option value="" selected>---------</option>' in page
    assert '<option value="implemented">Implemented (back)</option>' in page
    response = client.post(f"/transfers/{transfer.slug}/move/", {"on": "2024-02-01"})
    assert response.status_code == 400
    assert transfer.changes.count() == 1
