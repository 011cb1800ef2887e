"""The exchange's writes: event validation, registration with capacity, waiting list and FIFO
promotion, refusals; the stage rules of practice transfers and their evidence files."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cityweave.exchange import services
from cityweave.exchange.models import (
    Event,
    EventStatus,
    Registration,
    Transfer,
    TransferStageChange,
)
from tests.exchange.conftest import LIMA, WARSAW, World, make_event, make_transfer, make_user

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def errors(error: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return error.value.message_dict


# --- events -----------------------------------------------------------------------------------


def test_an_event_keeps_its_zone_and_local_days(world: World) -> None:
    # 23:00 in Lima on 31 March is 04:00 UTC on 1 April: the event is on 31 March for Lima.
    event = make_event(
        starts_at=datetime.datetime(2035, 3, 31, 20, tzinfo=LIMA),
        ends_at=datetime.datetime(2035, 3, 31, 23, tzinfo=LIMA),
        time_zone="America/Lima",
        city=world.lima,
    )
    event.refresh_from_db()
    assert event.starts_at == datetime.datetime(2035, 4, 1, 1, tzinfo=datetime.UTC)
    assert (event.starts_on, event.ends_on) == (datetime.date(2035, 3, 31),) * 2
    assert event.local_start.hour == 20 and event.local_start.tzname() == "-05"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"ends_at": datetime.datetime(2035, 3, 9, 9, tzinfo=WARSAW)}, "ends_at", "must end after"),
        ({"time_zone": "Europe/Atlantis"}, "time_zone", "is not an IANA time zone name"),
        ({"city": None}, "city", "Give the city the event takes place in, or its online URL."),
        ({"slug": "calendar"}, "slug", "is reserved"),
        (
            {"registration_closes_at": datetime.datetime(2035, 3, 10, tzinfo=WARSAW)},
            "registration_closes_at",
            "must close before the event ends",
        ),
        ({"starts_at": datetime.datetime(2035, 3, 9, 10)}, "starts_at", "time zone-aware"),
    ],
)
def test_an_invalid_event_is_refused_with_the_field(
    world: World, fields: dict[str, Any], field: str, message: str
) -> None:
    values: dict[str, Any] = {
        "starts_at": datetime.datetime(2035, 3, 9, 10, tzinfo=WARSAW),
        "ends_at": datetime.datetime(2035, 3, 9, 16, tzinfo=WARSAW),
        "city": world.warsaw,
    }
    values.update(fields)
    with pytest.raises(ValidationError) as error:
        make_event(**values)
    assert message in " ".join(errors(error)[field])
    assert not Event.objects.filter(title__startswith="Zz event").exists()


def test_an_online_event_needs_no_city(world: World) -> None:
    event = make_event(city=None, online_url="https://meet.example.org/zz")
    assert (event.is_online, event.is_hybrid) == (True, False)
    hybrid = make_event(city=world.warsaw, online_url="https://meet.example.org/zz2")
    assert hybrid.is_hybrid


def test_the_slug_comes_from_the_title_and_never_clashes(world: World) -> None:
    first = make_event(title="Nature-based solutions: study visit")
    second = make_event(title="Nature-based solutions: study visit")
    assert (first.slug, second.slug) == (
        "nature-based-solutions-study-visit",
        "nature-based-solutions-study-visit-2",
    )
    assert make_event(title="Calendar").slug == "calendar-event"


# --- registration -----------------------------------------------------------------------------


def test_registrations_fill_the_places_then_the_waiting_list(world: World) -> None:
    event = make_event(capacity=2)
    people = [make_user() for _ in range(4)]
    statuses = [services.event_register(event=event, user=p).status for p in people]
    assert statuses == ["confirmed", "confirmed", "waitlisted", "waitlisted"]


def test_unlimited_capacity_confirms_everyone(world: World) -> None:
    event = make_event(capacity=None)
    for _ in range(5):
        assert services.event_register(event=event, user=make_user()).status == "confirmed"


def test_a_cancelled_place_goes_to_the_first_on_the_waiting_list(world: World) -> None:
    event = make_event(capacity=2)
    a, b, c, d = (make_user() for _ in range(4))
    reg_a = services.event_register(event=event, user=a)
    services.event_register(event=event, user=b)
    reg_c = services.event_register(event=event, user=c)
    reg_d = services.event_register(event=event, user=d)

    services.event_cancel_registration(registration=reg_a)

    statuses = dict(
        Registration.objects.filter(event=event).values_list("user__username", "status")
    )
    assert statuses == {
        a.username: "cancelled", b.username: "confirmed",
        c.username: "confirmed", d.username: "waitlisted",
    }  # fmt: skip
    reg_c.refresh_from_db()
    assert reg_c.confirmed_at is not None
    # A waitlisted person leaving frees no place: nobody moves.
    services.event_cancel_registration(registration=reg_d)
    assert Registration.objects.filter(event=event, status="confirmed").count() == 2


def test_registering_again_after_cancelling_joins_the_end_of_the_queue(world: World) -> None:
    event = make_event(capacity=1)
    a, b, c = (make_user() for _ in range(3))
    reg_a = services.event_register(event=event, user=a)
    services.event_register(event=event, user=b)  # waitlisted, first
    services.event_cancel_registration(registration=reg_a)  # b gets the place
    again = services.event_register(event=event, user=a)
    services.event_register(event=event, user=c)
    assert (again.pk, again.status) == (reg_a.pk, "waitlisted")  # the same row, reused
    waiting = Registration.objects.filter(event=event, status="waitlisted").order_by("queued_at")
    assert [r.user_id for r in waiting] == [a.pk, c.pk]


def test_raising_the_capacity_gives_places_to_people_waiting(world: World) -> None:
    event = make_event(capacity=1)
    users = [make_user() for _ in range(4)]
    for user in users:
        services.event_register(event=event, user=user)
    Event.objects.filter(pk=event.pk).update(capacity=3)
    promoted = services.event_fill_places(event=event)
    assert [r.user_id for r in promoted] == [users[1].pk, users[2].pk]
    assert Registration.objects.filter(event=event, status="waitlisted").get().user == users[3]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": EventStatus.CANCELLED}, "This event was cancelled."),
        ({"status": EventStatus.DRAFT}, "This event is not published yet."),
        ({"registration_open": False}, "Registration for this event is closed."),
        (
            {"registration_closes_at": timezone.now() - datetime.timedelta(hours=1)},
            "Registration closed on",
        ),
        (
            {
                "starts_at": timezone.now() - datetime.timedelta(hours=1),
                "ends_at": timezone.now() + datetime.timedelta(hours=1),
            },
            "Registration is closed: the event has started.",
        ),
        (
            {
                "starts_at": timezone.now() - datetime.timedelta(days=2),
                "ends_at": timezone.now() - datetime.timedelta(days=1),
            },
            "This event is over.",
        ),
    ],
)
def test_registration_is_refused_with_the_reason(
    world: World, change: dict[str, Any], message: str
) -> None:
    event = make_event()
    Event.objects.filter(pk=event.pk).update(**change)
    with pytest.raises(ValidationError) as error:
        services.event_register(event=event, user=make_user())
    assert message in " ".join(error.value.messages)
    assert not Registration.objects.filter(event=event).exists()


def test_registering_twice_is_refused(world: World) -> None:
    event = make_event(capacity=1)
    first, second = make_user(), make_user()
    services.event_register(event=event, user=first)
    services.event_register(event=event, user=second)
    with pytest.raises(ValidationError, match="already registered"):
        services.event_register(event=event, user=first)
    with pytest.raises(ValidationError, match="already on the waiting list"):
        services.event_register(event=event, user=second)
    assert Registration.objects.filter(event=event).count() == 2


def test_an_anonymous_user_cannot_register(world: World) -> None:
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(ValidationError, match="Sign in"):
        services.event_register(event=make_event(), user=AnonymousUser())


def test_cancelling_twice_or_after_the_start_is_refused(world: World) -> None:
    event = make_event()
    registration = services.event_register(event=event, user=make_user())
    services.event_cancel_registration(registration=registration)
    with pytest.raises(ValidationError, match="already cancelled"):
        services.event_cancel_registration(registration=registration)
    other = services.event_register(event=event, user=make_user())
    Event.objects.filter(pk=event.pk).update(starts_at=timezone.now() - datetime.timedelta(hours=1))
    with pytest.raises(ValidationError, match="has started"):
        services.event_cancel_registration(registration=other)


def test_cancelling_an_event_keeps_it_marked(world: World) -> None:
    event = make_event()
    services.event_cancel(event=event)
    assert Event.objects.get(pk=event.pk).status == "cancelled"
    with pytest.raises(ValidationError, match="already cancelled"):
        services.event_cancel(event=event)


def test_participants_and_follow_ups(world: World) -> None:
    event = make_event()
    with pytest.raises(ValidationError, match="Give the participating city"):
        services.event_add_participant(event=event, role="speaker")
    person = services.event_add_participant(
        event=event, role="speaker", name="  Ana Souza ", organisation=world.organisation
    )
    assert (person.display_name, person.is_person) == ("Ana Souza", True)
    user = make_user(first_name="Jan", last_name="Kowalski")
    assert services.event_add_participant(event=event, user=user).display_name == "Jan Kowalski"
    assert services.event_add_participant(event=event, city=world.lima).display_name == "Zz Lima"

    action = services.follow_up_add(event=event, text="Share the minutes", owner="Zz Lisbon")
    done = services.follow_up_set_done(action=action, on=datetime.date(2035, 4, 1))
    assert (done.done, done.done_on) == (True, datetime.date(2035, 4, 1))
    assert services.follow_up_set_done(action=action, done=False).done_on is None


# --- practice transfers -----------------------------------------------------------------------


def moves(transfer: Transfer) -> list[tuple[str, str]]:
    return list(transfer.changes.order_by("on", "pk").values_list("previous_stage", "stage"))


def test_a_transfer_starts_with_its_first_dated_stage(world: World) -> None:
    transfer = make_transfer(world, note="Lisbon presented it at the kick-off.")
    assert (transfer.stage, transfer.stage_on) == ("interest", datetime.date(2024, 1, 15))
    change = transfer.changes.get()
    assert (change.stage, change.previous_stage, change.by) == ("interest", "", world.editor)


def test_moving_forward_one_or_several_stages(world: World) -> None:
    transfer = make_transfer(world)
    services.transfer_move(
        transfer=transfer, stage="study_visit", on=datetime.date(2024, 3, 1), by=world.editor
    )
    services.transfer_move(
        transfer=transfer,
        stage="adopted",
        on=datetime.date(2024, 6, 1),
        note="Council vote",
        by=world.editor,
    )
    transfer.refresh_from_db()
    assert (transfer.stage, transfer.stage_on) == ("adopted", datetime.date(2024, 6, 1))
    assert moves(transfer) == [
        ("", "interest"),
        ("interest", "study_visit"),
        ("study_visit", "adopted"),
    ]


def test_moving_back_needs_a_reason(world: World) -> None:
    transfer = make_transfer(world, stage="adaptation_plan")
    with pytest.raises(ValidationError) as error:
        services.transfer_move(
            transfer=transfer,
            stage="study_visit",
            on=datetime.date(2024, 2, 1),
            reason="  ",
            by=world.editor,
        )
    assert errors(error) == {
        "reason": ["Moving back from “Adaptation plan” to “Study visit” needs a reason."]
    }
    services.transfer_move(
        transfer=transfer,
        stage="study_visit",
        on=datetime.date(2024, 2, 1),
        reason="The plan needs a second visit.",
        by=world.editor,
    )
    change = transfer.changes.latest("recorded_at")
    assert (change.is_backward, change.reason) == (True, "The plan needs a second visit.")
    assert Transfer.objects.get(pk=transfer.pk).stage == "study_visit"


def test_the_same_stage_again_is_refused(world: World) -> None:
    transfer = make_transfer(world)
    with pytest.raises(ValidationError) as error:
        services.transfer_move(
            transfer=transfer, stage="interest", on=datetime.date(2024, 2, 1), by=world.editor
        )
    assert errors(error) == {"stage": ["The transfer is already at the stage “Interest”."]}
    assert transfer.changes.count() == 1


@pytest.mark.parametrize(
    ("on", "message"),
    [
        (datetime.date(2024, 1, 14), "cannot be dated before the previous one"),
        (datetime.date.today() + datetime.timedelta(days=2), "cannot be dated in the future"),
    ],
)
def test_stage_dates_follow_the_history(world: World, on: datetime.date, message: str) -> None:
    transfer = make_transfer(world)
    with pytest.raises(ValidationError) as error:
        services.transfer_move(transfer=transfer, stage="study_visit", on=on, by=world.editor)
    assert message in errors(error)["on"][0]


def test_only_editors_move_transfers(world: World) -> None:
    transfer = make_transfer(world)
    with pytest.raises(PermissionDenied):
        services.transfer_move(
            transfer=transfer, stage="study_visit", on=datetime.date(2024, 2, 1), by=make_user()
        )
    with pytest.raises(PermissionDenied):
        make_transfer(world, by=make_user())
    assert Transfer.objects.get(pk=transfer.pk).stage == "interest"


def test_evidence_is_stored_with_the_change(world: World, settings: Any) -> None:
    transfer = make_transfer(world)
    services.transfer_move(
        transfer=transfer,
        stage="study_visit",
        on=datetime.date(2024, 2, 1),
        by=world.editor,
        evidence=SimpleUploadedFile("visit-minutes.pdf", PDF, "application/pdf"),
    )
    change = transfer.changes.get(stage="study_visit")
    assert change.evidence_name == "visit-minutes.pdf"
    assert change.evidence.name == "exchange/evidence/2024/visit-minutes.pdf"
    assert (Path(settings.MEDIA_ROOT) / change.evidence.name).read_bytes() == PDF


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("minutes.txt", b"hello", "evidence must be a PDF, DOCX, PNG or JPEG file"),
        ("minutes.pdf", b"hello", "is named .pdf but is not a PDF file"),
        ("photo.jpg", PNG, "is named .jpg but is not a JPEG file"),
        ("plan.docx", b"PK\x03\x04 broken", "is named .docx but is not a DOCX file"),
        ("big.png", PNG + b"\x00" * 64, "the largest file accepted is 64 bytes"),
        ("empty.pdf", b"", "is empty"),
    ],
)
def test_wrong_or_oversized_evidence_is_refused_and_nothing_is_kept(
    world: World, settings: Any, name: str, content: bytes, message: str
) -> None:
    settings.UPLOAD_MAX_BYTES = 64
    transfer = make_transfer(world)
    with pytest.raises(ValidationError) as error:
        services.transfer_move(
            transfer=transfer,
            stage="study_visit",
            on=datetime.date(2024, 2, 1),
            by=world.editor,
            evidence=SimpleUploadedFile(name, content),
        )
    assert message in errors(error)["evidence"][0]
    assert Transfer.objects.get(pk=transfer.pk).stage == "interest"
    assert TransferStageChange.objects.filter(transfer=transfer).count() == 1
    evidence = Path(settings.MEDIA_ROOT) / "exchange" / "evidence"
    assert not evidence.exists() or not any(evidence.rglob("*.*"))


def test_a_png_and_a_docx_are_accepted(world: World) -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    transfer = make_transfer(world)
    services.transfer_move(
        transfer=transfer,
        stage="study_visit",
        on=datetime.date(2024, 2, 1),
        by=world.editor,
        evidence=SimpleUploadedFile("photo.png", PNG),
    )
    services.transfer_move(
        transfer=transfer,
        stage="adaptation_plan",
        on=datetime.date(2024, 3, 1),
        by=world.editor,
        evidence=SimpleUploadedFile("plan.docx", buffer.getvalue()),
    )
    assert sorted(c.evidence_name for c in transfer.changes.exclude(evidence="")) == [
        "photo.png", "plan.docx",
    ]  # fmt: skip


def test_the_stage_follows_the_history_after_a_change_is_deleted(world: World) -> None:
    transfer = make_transfer(world)
    services.transfer_move(
        transfer=transfer, stage="study_visit", on=datetime.date(2024, 2, 1), by=world.editor
    )
    transfer.changes.get(stage="study_visit").delete()
    synced = services.transfer_sync_stage(transfer=transfer)
    assert (synced.stage, synced.stage_on) == ("interest", datetime.date(2024, 1, 15))
