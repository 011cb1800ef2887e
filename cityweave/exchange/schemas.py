"""Schemas of the exchange API: the filters each list accepts and one list and one detail shape
for events and practice transfers."""

from __future__ import annotations

import datetime

from ninja import Field, Schema

from cityweave.api.schemas import CityRef, ProvenanceOut


class Ref(Schema):
    slug: str
    name: str


class ResourceRef(Schema):
    slug: str
    title: str
    url: str


# --- filters ----------------------------------------------------------------------------------


class ExchangePageQuery(Schema):
    page: int = Field(1, description="Page number, from 1")
    page_size: int | None = Field(None, description="Items per page (default 20, at most 200)")


class EventQuery(ExchangePageQuery):
    kind: list[str] = Field(
        [],
        description="workshop, study_visit, webinar, policy_brokerage, peer_review, "
        "transition_lab, conference",
    )
    network: list[str] = Field([], description="Network slugs (events of sub-networks included)")
    city: list[str] = Field([], description="City slugs: where the event is or a participant")
    from_: datetime.date | None = Field(
        None, alias="from", description="Events still running on or after this day (YYYY-MM-DD)"
    )
    to: datetime.date | None = Field(
        None, description="Events starting on or before this day (YYYY-MM-DD)"
    )


class TransferQuery(ExchangePageQuery):
    network: list[str] = Field([], description="Network slugs (sub-networks included)")
    stage: list[str] = Field(
        [],
        description="interest, study_visit, adaptation_plan, adopted, implemented, evaluated",
    )
    city: list[str] = Field([], description="City slugs: the practice's city or the receiving one")
    case: list[str] = Field([], description="Case (good practice) slugs")


# --- events -----------------------------------------------------------------------------------


class EventOut(Schema):
    slug: str
    title: str
    kind: str
    status: str
    starts_at: datetime.datetime = Field(description="In the event's time zone, with its offset")
    ends_at: datetime.datetime
    all_day: bool = Field(
        description="The days only (the times are not known): from midnight of the first day "
        "to midnight after the last"
    )
    time_zone: str
    city: CityRef | None
    online: bool
    network: Ref | None
    capacity: int | None
    places_taken: int
    waiting: int
    url: str
    ics_url: str


class ParticipantOut(Schema):
    role: str
    name: str
    kind: str = Field(description="person, organisation or city")
    organisation: str
    city: CityRef | None


class FollowUpOut(Schema):
    text: str
    owner: str
    due_on: datetime.date | None
    done: bool


class EventDetailOut(EventOut):
    description: str
    agenda: str
    venue: str
    online_url: str
    organiser: Ref | None
    registration_open: bool = Field(description="Whether the event takes registrations now")
    registration_closes_at: datetime.datetime | None
    outcomes: str
    participants: list[ParticipantOut]
    materials: list[ResourceRef]
    follow_ups: list[FollowUpOut]
    provenance: ProvenanceOut = Field(description="The source an event was recorded from, if any")


class EventPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[EventOut]


# --- practice transfers -----------------------------------------------------------------------


class CaseLinkOut(Schema):
    slug: str
    title: str
    city: CityRef | None


class TransferOut(Schema):
    slug: str
    title: str
    case: CaseLinkOut
    receiving_city: CityRef
    instrument: Ref | None
    network: Ref | None
    stage: str
    stage_on: datetime.date | None
    url: str


class StageChangeOut(Schema):
    stage: str
    previous_stage: str
    on: datetime.date
    note: str
    reason: str
    evidence_url: str


class TransferDetailOut(TransferOut):
    summary: str
    history: list[StageChangeOut]


class TransferPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[TransferOut]
