"""Reads of the exchange: events and practice transfers, with what their pages, feeds and the
API show loaded up front, in a stable order.

Visitors see published and cancelled events; users with ``exchange.view_event`` see drafts too.
Event querysets carry ``places_taken`` (confirmed registrations) and ``waiting`` (the waiting
list) and ``is_past``. "Upcoming first" means: events not yet over by start time, then past
events, the latest first.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from cityweave.catalogue.models import Resource
from cityweave.cities.models import City, Network
from cityweave.exchange.models import (
    PUBLIC_EVENT_STATUSES,
    ROLE_ORDER,
    Event,
    EventParticipant,
    Registration,
    RegistrationStatus,
    Transfer,
    TransferStageChange,
)


def can_see_draft_events(user: Any) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.has_perm("exchange.view_event"))


def network_family(network: Network) -> list[int]:
    """The ids of ``network`` and of the networks under it (a programme and its projects)."""
    ids = [network.pk]
    frontier = [network.pk]
    while frontier:  # networks nest a level or two deep: one query per level
        frontier = [
            pk
            for pk in Network.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
            if pk not in ids
        ]
        ids += frontier
    return ids


def event_queryset(*, user: Any = None, now: datetime.datetime | None = None) -> QuerySet[Event]:
    """Events visible to ``user`` with place, organiser and network, their registration counts
    and ``is_past``, upcoming first (soonest first), then past ones (latest first)."""
    now = now or timezone.now()
    queryset = Event.objects.select_related("city", "organiser", "network").annotate(
        places_taken=Count(
            "registrations", filter=Q(registrations__status=RegistrationStatus.CONFIRMED)
        ),
        waiting=Count(
            "registrations", filter=Q(registrations__status=RegistrationStatus.WAITLISTED)
        ),
        is_past=Case(
            When(ends_at__lt=now, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )
    if not can_see_draft_events(user):
        queryset = queryset.filter(status__in=PUBLIC_EVENT_STATUSES)
    return queryset.order_by(
        "is_past",
        Case(When(is_past=False, then="starts_at")).asc(),
        Case(When(is_past=True, then="starts_at")).desc(),
        "pk",
    )


@dataclass(frozen=True)
class EventFilters:
    """The filters of the event list, the calendar and the API; empty means "no filter".
    ``starts_on``/``ends_on`` keep the events that cover at least one day of that range (in the
    event's own time zone)."""

    kind: tuple[str, ...] = ()
    network: tuple[str, ...] = ()  # network slugs (events of sub-networks included)
    city: tuple[str, ...] = ()  # city slugs: the place or a participating city
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None


def _city_events(cities: Q) -> Q:
    participating = EventParticipant.objects.filter(cities).values("event_id")
    return Q(pk__in=participating)


def event_list(
    *, user: Any = None, filters: EventFilters | None = None, now: datetime.datetime | None = None
) -> QuerySet[Event]:
    queryset = event_queryset(user=user, now=now)
    if filters is None:
        return queryset
    if filters.kind:
        queryset = queryset.filter(kind__in=filters.kind)
    if filters.network:
        ids: list[int] = []
        for network in Network.objects.filter(slug__in=filters.network):
            ids += network_family(network)
        queryset = queryset.filter(network_id__in=ids)
    if filters.city:
        queryset = queryset.filter(
            Q(city__slug__in=filters.city) | _city_events(Q(city__slug__in=filters.city))
        )
    if filters.starts_on:
        queryset = queryset.filter(ends_on__gte=filters.starts_on)
    if filters.ends_on:
        queryset = queryset.filter(starts_on__lte=filters.ends_on)
    return queryset


def events_for_city(*, city: City, user: Any = None) -> QuerySet[Event]:
    """Events in ``city`` or with it among the participants, upcoming first."""
    return event_queryset(user=user).filter(Q(city=city) | _city_events(Q(city=city)))


def events_for_network(*, network: Network, user: Any = None) -> QuerySet[Event]:
    """Events of ``network`` and of the networks under it, upcoming first."""
    return event_queryset(user=user).filter(network_id__in=network_family(network))


def _participants() -> QuerySet[EventParticipant]:
    rank = Case(
        *(When(role=role, then=Value(index)) for index, role in enumerate(ROLE_ORDER)),
        output_field=IntegerField(),
    )
    return (
        EventParticipant.objects.select_related("city", "organisation", "user")
        .annotate(role_rank=rank)
        .order_by("role_rank", "pk")
    )


def event_get(*, slug: str, user: Any = None) -> Event:
    """One visible event with participants (hosts first), materials and follow-up actions;
    raises ``Event.DoesNotExist``."""
    return (
        event_queryset(user=user)
        .prefetch_related(
            Prefetch("participants", _participants()),
            Prefetch(
                "materials", Resource.objects.filter(status="published").order_by("title", "pk")
            ),
            "follow_ups",
        )
        .get(slug=slug)
    )


def registration_for(*, event: Event, user: Any) -> Registration | None:
    """``user``'s registration for ``event`` (cancelled ones included), or None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Registration.objects.filter(event=event, user=user).first()


def waiting_position(*, registration: Registration) -> int | None:
    """The place of a waitlisted registration in the waiting list, from 1."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    ahead = Registration.objects.filter(
        event_id=registration.event_id, status=RegistrationStatus.WAITLISTED
    ).filter(
        Q(queued_at__lt=registration.queued_at)
        | Q(queued_at=registration.queued_at, pk__lt=registration.pk)
    )
    return ahead.count() + 1


def event_feed(*, user: Any = None, network: Network | None = None) -> QuerySet[Event]:
    """The events of a calendar feed (published and cancelled, never drafts), by start."""
    queryset = (
        Event.objects.select_related("city", "organiser", "network")
        .filter(status__in=PUBLIC_EVENT_STATUSES)
        .order_by("starts_at", "pk")
    )
    if network is not None:
        queryset = queryset.filter(network_id__in=network_family(network))
    return queryset


def event_filter_options(*, user: Any = None) -> dict[str, QuerySet[Any]]:
    """The networks and cities that have visible events, for the filters of the list."""
    visible = event_queryset(user=user).values("pk")
    participating = EventParticipant.objects.filter(event__in=visible).values("city_id")
    return {
        "networks": Network.objects.filter(
            Exists(Event.objects.filter(pk__in=visible, network=OuterRef("pk")))
        ).order_by("name", "pk"),
        "cities": City.objects.filter(
            Q(Exists(Event.objects.filter(pk__in=visible, city=OuterRef("pk"))))
            | Q(pk__in=participating)
        ).order_by("name", "pk"),
    }


# --- practice transfers -----------------------------------------------------------------------


def transfer_queryset() -> QuerySet[Transfer]:
    """Transfers with their practice (and its city), receiving city, instrument and network."""
    return Transfer.objects.select_related(
        "case", "case__city", "receiving_city", "instrument", "network"
    ).order_by("-stage_on", "title", "pk")


@dataclass(frozen=True)
class TransferFilters:
    network: tuple[str, ...] = ()  # network slugs (transfers of sub-networks included)
    stage: tuple[str, ...] = ()
    city: tuple[str, ...] = ()  # source city of the practice or receiving city
    case: tuple[str, ...] = ()


def transfer_list(*, filters: TransferFilters | None = None) -> QuerySet[Transfer]:
    queryset = transfer_queryset()
    if filters is None:
        return queryset
    if filters.network:
        ids: list[int] = []
        for network in Network.objects.filter(slug__in=filters.network):
            ids += network_family(network)
        queryset = queryset.filter(network_id__in=ids)
    if filters.stage:
        queryset = queryset.filter(stage__in=filters.stage)
    if filters.city:
        queryset = queryset.filter(
            Q(case__city__slug__in=filters.city) | Q(receiving_city__slug__in=filters.city)
        )
    if filters.case:
        queryset = queryset.filter(case__slug__in=filters.case)
    return queryset


def transfers_for_city(*, city: City) -> QuerySet[Transfer]:
    """Transfers of practices from ``city`` and transfers ``city`` receives, latest stage first."""
    return transfer_queryset().filter(Q(case__city=city) | Q(receiving_city=city))


def transfers_for_network(*, network: Network) -> QuerySet[Transfer]:
    """Transfers run in ``network`` or the networks under it, latest stage first."""
    return transfer_queryset().filter(network_id__in=network_family(network))


def transfer_get(*, slug: str) -> Transfer:
    """One transfer with its stage history in date order; raises ``Transfer.DoesNotExist``."""
    return (
        transfer_queryset()
        .prefetch_related(
            Prefetch(
                "changes",
                TransferStageChange.objects.select_related("by").order_by(
                    "on", "recorded_at", "pk"
                ),
            )
        )
        .get(slug=slug)
    )


def transfer_filter_options() -> dict[str, QuerySet[Any]]:
    """The networks that have transfers, for the board's filter."""
    return {
        "networks": Network.objects.filter(
            Exists(Transfer.objects.filter(network=OuterRef("pk")))
        ).order_by("name", "pk")
    }
