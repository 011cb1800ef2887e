"""Writes of the exchange: events and their registrations, participants and follow-ups, and
the stage history of practice transfers.

Every function is one transaction and validates with ``full_clean()`` before saving. The
capacity of an event is enforced under a row lock on the event (``select_for_update()``): on
PostgreSQL concurrent registrations for the same event queue behind each other, so no more than
``capacity`` registrations are ever confirmed; SQLite serialises write transactions anyway.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from cityweave.catalogue.models import Case, Instrument, Resource
from cityweave.catalogue.services.editing import can_edit, unique_slug
from cityweave.cities.models import City, Network, Organisation
from cityweave.exchange.evidence import read_evidence
from cityweave.exchange.models import (
    RESERVED_EVENT_SLUGS,
    Event,
    EventParticipant,
    EventStatus,
    FollowUpAction,
    ParticipantRole,
    Registration,
    RegistrationStatus,
    Transfer,
    TransferStage,
    TransferStageChange,
    stage_index,
)

# --- events -----------------------------------------------------------------------------------


def _event_slug(title: str) -> str:
    slug = unique_slug(Event, title)
    if slug in RESERVED_EVENT_SLUGS:
        slug = unique_slug(Event, f"{title} event")
    return slug


@transaction.atomic
def event_create(
    *,
    title: str,
    kind: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    time_zone: str,
    city: City | None = None,
    venue: str = "",
    online_url: str = "",
    slug: str = "",
    description: str = "",
    agenda: str = "",
    organiser: Organisation | None = None,
    network: Network | None = None,
    capacity: int | None = None,
    registration_open: bool = True,
    registration_closes_at: datetime.datetime | None = None,
    status: str = EventStatus.PUBLISHED,
    outcomes: str = "",
    materials: Iterable[Resource] = (),
) -> Event:
    """A new event; ``ValidationError`` names each field that does not validate (an end before
    the start, neither city nor online URL, an unknown time zone, a naive datetime ...)."""
    for name, value in (
        ("starts_at", starts_at),
        ("ends_at", ends_at),
        ("registration_closes_at", registration_closes_at),
    ):
        if value is not None and timezone.is_naive(value):
            raise ValidationError({name: _("Give a time zone-aware date and time.")})
    event = Event(
        title=title,
        slug=slug or _event_slug(title),
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        time_zone=time_zone,
        city=city,
        venue=venue,
        online_url=online_url,
        description=description,
        agenda=agenda,
        organiser=organiser,
        network=network,
        capacity=capacity,
        registration_open=registration_open,
        registration_closes_at=registration_closes_at,
        status=status,
        outcomes=outcomes,
    )
    event.full_clean()
    event.save()
    event.materials.set(list(materials))
    return event


@transaction.atomic
def event_cancel(*, event: Event) -> Event:
    """Mark ``event`` as cancelled; it stays listed (and in the calendar feeds) as cancelled."""
    locked = Event.objects.select_for_update().get(pk=event.pk)
    if locked.status == EventStatus.CANCELLED:
        raise ValidationError(_("This event is already cancelled."))
    locked.status = EventStatus.CANCELLED
    locked.full_clean()
    locked.save(update_fields=["status", "updated_at"])
    event.status = locked.status
    return locked


@transaction.atomic
def event_add_participant(
    *,
    event: Event,
    role: str = ParticipantRole.PARTICIPANT,
    city: City | None = None,
    organisation: Organisation | None = None,
    user: Any = None,
    name: str = "",
    note: str = "",
) -> EventParticipant:
    participant = EventParticipant(
        event=event,
        role=role,
        city=city,
        organisation=organisation,
        user=user,
        name=name.strip(),
        note=note,
    )
    participant.full_clean()
    participant.save()
    return participant


@transaction.atomic
def follow_up_add(
    *, event: Event, text: str, owner: str = "", due_on: datetime.date | None = None
) -> FollowUpAction:
    action = FollowUpAction(event=event, text=text.strip(), owner=owner.strip(), due_on=due_on)
    action.full_clean()
    action.save()
    return action


@transaction.atomic
def follow_up_set_done(
    *, action: FollowUpAction, done: bool = True, on: datetime.date | None = None
) -> FollowUpAction:
    action.done = done
    action.done_on = (on or timezone.localdate()) if done else None
    action.full_clean()
    action.save(update_fields=["done", "done_on", "updated_at"])
    return action


def _local(event: Event, value: datetime.datetime) -> str:
    local = value.astimezone(event.zone)
    return f"{formats.date_format(local, 'DATE_FORMAT')} {local:%H:%M} {local.tzname()}"


def registration_refusal(event: Event, *, now: datetime.datetime | None = None) -> str:
    """Why ``event`` does not take registrations now, or "" when it does."""
    now = now or timezone.now()
    if event.status == EventStatus.CANCELLED:
        return _("This event was cancelled.")
    if event.status != EventStatus.PUBLISHED:
        return _("This event is not published yet.")
    if event.ends_at <= now:
        return _("This event is over.")
    if event.starts_at <= now:
        return _("Registration is closed: the event has started.")
    if not event.registration_open:
        return _("Registration for this event is closed.")
    if event.registration_closes_at is not None and event.registration_closes_at <= now:
        return _("Registration closed on %(when)s.") % {
            "when": _local(event, event.registration_closes_at)
        }
    return ""


def _confirmed_count(event: Event) -> int:
    return Registration.objects.filter(event=event, status=RegistrationStatus.CONFIRMED).count()


def _promote(event: Event, now: datetime.datetime) -> list[Registration]:
    """Confirm waitlisted registrations of the (locked) ``event``, first come first served,
    while places are free."""
    if event.status != EventStatus.PUBLISHED or event.starts_at <= now:
        return []
    waiting = Registration.objects.filter(
        event=event, status=RegistrationStatus.WAITLISTED
    ).order_by("queued_at", "pk")
    if event.capacity is not None:
        free = event.capacity - _confirmed_count(event)
        if free <= 0:
            return []
        waiting = waiting[:free]
    promoted = list(waiting.select_for_update())
    for registration in promoted:
        registration.status = RegistrationStatus.CONFIRMED
        registration.confirmed_at = now
        registration.full_clean(validate_unique=False, validate_constraints=False)
        registration.save(update_fields=["status", "confirmed_at", "updated_at"])
    return promoted


@transaction.atomic
def event_register(*, event: Event, user: Any) -> Registration:
    """Register ``user`` for ``event``: confirmed while places are free, otherwise on the waiting
    list. ``ValidationError`` says why when the event takes no registration (draft, cancelled,
    started or over, registration closed) or the user is already registered."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise ValidationError(_("Sign in to register for an event."))
    # The lock makes concurrent registrations for this event wait for each other.
    locked = Event.objects.select_for_update().get(pk=event.pk)
    now = timezone.now()
    refusal = registration_refusal(locked, now=now)
    if refusal:
        raise ValidationError(refusal, code="registration_closed")
    registration = Registration.objects.filter(event=locked, user=user).first()
    if registration is not None and registration.status == RegistrationStatus.CONFIRMED:
        raise ValidationError(
            _("You are already registered for this event."), code="already_registered"
        )
    if registration is not None and registration.status == RegistrationStatus.WAITLISTED:
        raise ValidationError(
            _("You are already on the waiting list of this event."), code="already_registered"
        )
    _promote(locked, now)  # people already waiting come first
    has_place = locked.capacity is None or _confirmed_count(locked) < locked.capacity
    if registration is None:
        registration = Registration(event=locked, user=user)
    registration.status = (
        RegistrationStatus.CONFIRMED if has_place else RegistrationStatus.WAITLISTED
    )
    registration.queued_at = now
    registration.confirmed_at = now if has_place else None
    registration.cancelled_at = None
    registration.full_clean()
    registration.save()
    return registration


@transaction.atomic
def event_cancel_registration(*, registration: Registration) -> Registration:
    """Cancel ``registration``; a place it frees goes to the first person on the waiting list.
    ``ValidationError`` when it is already cancelled or the event has started."""
    locked = Event.objects.select_for_update().get(pk=registration.event_id)
    current = Registration.objects.select_for_update().get(pk=registration.pk)
    now = timezone.now()
    if current.status == RegistrationStatus.CANCELLED:
        raise ValidationError(_("This registration is already cancelled."), code="cancelled")
    if locked.starts_at <= now:
        raise ValidationError(
            _("The event has started; registrations can no longer be cancelled."),
            code="started",
        )
    current.status = RegistrationStatus.CANCELLED
    current.cancelled_at = now
    current.full_clean(validate_unique=False, validate_constraints=False)
    current.save(update_fields=["status", "cancelled_at", "updated_at"])
    _promote(locked, now)
    registration.status, registration.cancelled_at = current.status, current.cancelled_at
    return current


@transaction.atomic
def event_fill_places(*, event: Event) -> list[Registration]:
    """Confirm people on the waiting list while places are free (after the capacity of
    ``event`` was raised or removed); returns the registrations confirmed."""
    locked = Event.objects.select_for_update().get(pk=event.pk)
    return _promote(locked, timezone.now())


# --- practice transfers -----------------------------------------------------------------------


def _check_date(on: datetime.date, last: datetime.date | None) -> None:
    if isinstance(on, datetime.datetime) or not isinstance(on, datetime.date):
        raise ValidationError({"on": _("Give the date of the stage change.")})
    if on > timezone.localdate():
        raise ValidationError({"on": _("A stage change cannot be dated in the future.")})
    if last is not None and on < last:
        raise ValidationError(
            {
                "on": _("A stage change cannot be dated before the previous one (%(date)s).")
                % {"date": formats.date_format(last, "DATE_FORMAT")}
            }
        )


def _record_change(
    *,
    transfer: Transfer,
    stage: str,
    previous_stage: str,
    on: datetime.date,
    note: str,
    reason: str,
    evidence: UploadedFile | None,
    by: Any,
) -> TransferStageChange:
    change = TransferStageChange(
        transfer=transfer,
        stage=stage,
        previous_stage=previous_stage,
        on=on,
        note=note.strip(),
        reason=reason.strip(),
        by=by if getattr(by, "is_authenticated", False) else None,
    )
    stored = ""
    try:
        if evidence is not None:
            name, data = read_evidence(evidence)
            change.evidence.save(name, ContentFile(data), save=False)
            stored = change.evidence.name or ""
        change.full_clean()
        change.save()
        transfer.stage = stage
        transfer.stage_on = on
        transfer.full_clean()
        transfer.save(update_fields=["stage", "stage_on", "updated_at"])
    except BaseException:
        if stored:  # nothing is kept of a refused change, not even its file
            change.evidence.storage.delete(stored)
        raise
    return change


@transaction.atomic
def transfer_create(
    *,
    case: Case,
    receiving_city: City,
    title: str,
    on: datetime.date,
    by: Any,
    summary: str = "",
    instrument: Instrument | None = None,
    network: Network | None = None,
    slug: str = "",
    stage: str = TransferStage.INTEREST,
    note: str = "",
) -> Transfer:
    """A new transfer of ``case`` to ``receiving_city``, with its first dated stage."""
    if not can_edit(by, Transfer, creating=True):
        raise PermissionDenied(_("You may not record practice transfers."))
    if stage not in TransferStage.values:
        raise ValidationError({"stage": _("Unknown stage “%(stage)s”.") % {"stage": stage}})
    _check_date(on, None)
    transfer = Transfer(
        slug=slug or unique_slug(Transfer, title),
        title=title,
        summary=summary,
        case=case,
        receiving_city=receiving_city,
        instrument=instrument,
        network=network,
        stage=stage,
        stage_on=on,
    )
    transfer.full_clean()
    transfer.save()
    _record_change(
        transfer=transfer,
        stage=stage,
        previous_stage="",
        on=on,
        note=note,
        reason="",
        evidence=None,
        by=by,
    )
    return transfer


@transaction.atomic
def transfer_move(
    *,
    transfer: Transfer,
    stage: str,
    on: datetime.date,
    note: str = "",
    reason: str = "",
    evidence: UploadedFile | None = None,
    by: Any,
) -> Transfer:
    """Move ``transfer`` to ``stage`` on the date ``on``, recording a note and optional
    evidence. Moving to the next or a later stage is allowed; moving back needs a ``reason``;
    the current stage again is refused. ``PermissionDenied`` unless ``by`` may change
    transfers; ``ValidationError`` (by field: stage, on, reason, evidence) otherwise."""
    if not can_edit(by, Transfer):
        raise PermissionDenied(_("You may not change practice transfers."))
    locked = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if stage not in TransferStage.values:
        raise ValidationError({"stage": _("Unknown stage “%(stage)s”.") % {"stage": stage}})
    current = locked.stage
    labels = dict(TransferStage.choices)
    if stage == current:
        raise ValidationError(
            {
                "stage": _("The transfer is already at the stage “%(stage)s”.")
                % {"stage": labels[stage]}
            }
        )
    if stage_index(stage) < stage_index(current) and not reason.strip():
        raise ValidationError(
            {
                "reason": _("Moving back from “%(current)s” to “%(stage)s” needs a reason.")
                % {"current": labels[current], "stage": labels[stage]}
            }
        )
    last = locked.changes.order_by("-on").values_list("on", flat=True).first()
    _check_date(on, last)
    _record_change(
        transfer=locked,
        stage=stage,
        previous_stage=current,
        on=on,
        note=note,
        reason=reason,
        evidence=evidence,
        by=by,
    )
    transfer.stage, transfer.stage_on = locked.stage, locked.stage_on
    return locked


@transaction.atomic
def transfer_sync_stage(*, transfer: Transfer) -> Transfer:
    """Set the current stage of ``transfer`` from its latest stage change (after changes were
    edited or deleted in the admin)."""
    locked = Transfer.objects.select_for_update().get(pk=transfer.pk)
    latest = locked.changes.order_by("-on", "-recorded_at", "-pk").first()
    locked.stage = latest.stage if latest else TransferStage.INTEREST
    locked.stage_on = latest.on if latest else None
    locked.full_clean()
    locked.save(update_fields=["stage", "stage_on", "updated_at"])
    return locked
