"""Endpoints of events and practice transfers.

Lists are paged like the other lists (``{count, page, page_size, items}``). A malformed filter
is a 400 naming the parameter (a value of the wrong type, such as a date that is not a date, is
a 422); an unknown slug is a 404.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router
from ninja.errors import HttpError

from cityweave.api.formats import page
from cityweave.api.schemas import ErrorOut
from cityweave.api.serialize import city_ref, provenance
from cityweave.exchange import selectors
from cityweave.exchange.models import Event, EventParticipant, Transfer
from cityweave.exchange.params import (
    InvalidExchangeParams,
    parse_event_filters,
    parse_page,
    parse_transfer_filters,
)
from cityweave.exchange.schemas import (
    EventDetailOut,
    EventPage,
    EventQuery,
    TransferDetailOut,
    TransferPage,
    TransferQuery,
)
from cityweave.exchange.services import registration_refusal
from cityweave.search.types import SearchParams

router = Router(tags=["exchange"])
ERRORS: dict[int, Any] = {400: ErrorOut, 422: ErrorOut}


def _ref(obj: Any) -> dict[str, str] | None:
    return None if obj is None else {"slug": obj.slug, "name": obj.name}


def event_item(event: Event) -> dict[str, Any]:
    return {
        "slug": event.slug,
        "title": event.title,
        "kind": event.kind,
        "status": event.status,
        "starts_at": event.local_start,
        "ends_at": event.local_end,
        "all_day": event.all_day,
        "time_zone": event.time_zone,
        "city": city_ref(event.city),
        "online": event.is_online,
        "network": _ref(event.network),
        "capacity": event.capacity,
        "places_taken": getattr(event, "places_taken", 0),
        "waiting": getattr(event, "waiting", 0),
        "url": event.get_absolute_url(),
        "ics_url": reverse("exchange:event_ics", kwargs={"slug": event.slug}),
    }


def participant_item(participant: EventParticipant) -> dict[str, Any]:
    kind = (
        "person"
        if participant.is_person
        else "organisation"
        if participant.organisation
        else "city"
    )
    return {
        "role": participant.role,
        "name": participant.display_name,
        "kind": kind,
        "organisation": participant.organisation.name if participant.organisation else "",
        "city": city_ref(participant.city),
    }


def event_detail(event: Event) -> dict[str, Any]:
    return {
        **event_item(event),
        "description": event.description,
        "agenda": event.agenda,
        "venue": event.venue,
        "online_url": event.online_url,
        "organiser": _ref(event.organiser),
        "registration_open": not registration_refusal(event),
        "registration_closes_at": event.registration_closes_at.astimezone(event.zone)
        if event.registration_closes_at
        else None,
        "outcomes": event.outcomes,
        "participants": [participant_item(p) for p in event.participants.all()],
        "materials": [
            {"slug": r.slug, "title": r.title, "url": r.get_absolute_url()}
            for r in event.materials.all()
        ],
        "follow_ups": [
            {"text": a.text, "owner": a.owner, "due_on": a.due_on, "done": a.done}
            for a in event.follow_ups.all()
        ],
        "provenance": provenance(event),
    }


def transfer_item(transfer: Transfer) -> dict[str, Any]:
    case = transfer.case
    return {
        "slug": transfer.slug,
        "title": transfer.title,
        "case": {"slug": case.slug, "title": case.title_en, "city": city_ref(case.city)},
        "receiving_city": city_ref(transfer.receiving_city),
        "instrument": _ref(transfer.instrument),
        "network": _ref(transfer.network),
        "stage": transfer.stage,
        "stage_on": transfer.stage_on,
        "url": transfer.get_absolute_url(),
    }


def transfer_detail(transfer: Transfer) -> dict[str, Any]:
    return {
        **transfer_item(transfer),
        "summary": transfer.summary,
        "history": [
            {
                "stage": change.stage,
                "previous_stage": change.previous_stage,
                "on": change.on,
                "note": change.note,
                "reason": change.reason,
                "evidence_url": change.evidence.url if change.evidence else "",
            }
            for change in transfer.changes.all()
        ],
    }


def _page_params(request: HttpRequest) -> SearchParams:
    number, size = parse_page(request.GET)
    return SearchParams(page=number, page_size=size, with_facets=False)


@router.get("/events", response={200: EventPage, **ERRORS})
def list_events(request: HttpRequest, filters: Query[EventQuery]) -> Any:
    """Exchange events: upcoming first (soonest first), then past ones (latest first). Times are
    given in each event's own time zone."""
    try:
        event_filters = parse_event_filters(request.GET, month=False)
        params = _page_params(request)
    except InvalidExchangeParams as error:
        raise HttpError(400, error.message) from None
    queryset = selectors.event_list(user=request.user, filters=event_filters)
    return page(queryset, params, event_item)


@router.get("/events/{slug}", response={200: EventDetailOut, 404: ErrorOut})
def get_event(request: HttpRequest, slug: str) -> Any:
    """One event with its agenda, participants, materials, outcomes and follow-up actions."""
    try:
        return event_detail(selectors.event_get(slug=slug, user=request.user))
    except Event.DoesNotExist:
        raise HttpError(404, f"No event with slug {slug!r}") from None


@router.get("/transfers", response={200: TransferPage, **ERRORS})
def list_transfers(request: HttpRequest, filters: Query[TransferQuery]) -> Any:
    """Good-practice transfers between cities, the latest stage change first."""
    try:
        transfer_filters = parse_transfer_filters(request.GET)
        params = _page_params(request)
    except InvalidExchangeParams as error:
        raise HttpError(400, error.message) from None
    return page(selectors.transfer_list(filters=transfer_filters), params, transfer_item)


@router.get("/transfers/{slug}", response={200: TransferDetailOut, 404: ErrorOut})
def get_transfer(request: HttpRequest, slug: str) -> Any:
    """One transfer with its dated stage history."""
    try:
        return transfer_detail(selectors.transfer_get(slug=slug))
    except Transfer.DoesNotExist:
        raise HttpError(404, f"No transfer with slug {slug!r}") from None
