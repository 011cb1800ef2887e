"""iCalendar (RFC 5545) for exchange events: one event, or a feed calendar apps subscribe to.

Each event keeps a stable ``UID`` (its ``uid`` field), ``DTSTAMP`` is the time it was last
revised (the calendar carries no METHOD, RFC 5545 §3.8.7.2), start and end are given in the
event's own zone (``TZID`` with its ``VTIMEZONE``) or, for an all-day event, as dates (``DTEND``
the day after its last, RFC 5545 §3.6.1), and a cancelled event stays in the feed with
``STATUS:CANCELLED`` so subscribed calendars drop it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable

import icalendar
from django.utils.translation import gettext as _

from cityweave.exchange.models import Event, EventStatus

PRODID = "-//CityWeave//Exchange events//EN"
REFRESH = datetime.timedelta(hours=6)


def location(event: Event) -> str:
    """Venue, city and country, "Online", or both for a hybrid event."""
    parts = [event.venue] if event.venue else []
    if event.city is not None:
        parts += [event.city.name, event.city.country]
    place = ", ".join(part for part in parts if part)
    if event.online_url:
        return _("%(place)s and online") % {"place": place} if place else _("Online")
    return place


def description(event: Event) -> str:
    blocks = [event.description.strip()]
    if event.agenda.strip():
        blocks.append(_("Agenda") + ":\n" + event.agenda.strip())
    if event.organiser is not None:
        blocks.append(_("Organiser: %(name)s") % {"name": event.organiser.name})
    if event.online_url:
        blocks.append(_("Join online: %(url)s") % {"url": event.online_url})
    return "\n\n".join(block for block in blocks if block)


def to_vevent(event: Event, page_url: str) -> icalendar.Event:
    vevent = icalendar.Event()
    vevent.add("uid", f"{event.uid}@cityweave")
    vevent.add("dtstamp", event.updated_at.astimezone(datetime.UTC))
    vevent.add("created", event.created_at.astimezone(datetime.UTC))
    vevent.add("last-modified", event.updated_at.astimezone(datetime.UTC))
    if event.all_day:
        vevent.add("dtstart", event.local_start.date())
        vevent.add("dtend", event.local_end.date())
    else:
        vevent.add("dtstart", event.local_start)
        vevent.add("dtend", event.local_end)
    vevent.add("summary", event.title)
    text = description(event)
    if text:
        vevent.add("description", text)
    place = location(event)
    if place:
        vevent.add("location", place)
    vevent.add("url", page_url)
    vevent.add("categories", [str(event.get_kind_display())])
    vevent.add("status", "CANCELLED" if event.status == EventStatus.CANCELLED else "CONFIRMED")
    return vevent


def event_calendar(
    events: Iterable[Event], *, page_url: Callable[[Event], str], name: str = ""
) -> bytes:
    """An iCalendar object holding ``events``; ``page_url`` gives each event's absolute URL."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if name:
        calendar.add("name", name)
        calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH)
    first: datetime.date | None = None
    last: datetime.date | None = None
    for event in events:
        calendar.add_component(to_vevent(event, page_url(event)))
        first = min(first, event.starts_on) if first else event.starts_on
        last = max(last, event.ends_on) if last else event.ends_on
    if first and last:
        # Each zone's rules from a year before the first event to a year after the last.
        calendar.add_missing_timezones(
            first_date=datetime.date(first.year - 1, 1, 1),
            last_date=datetime.date(last.year + 2, 1, 1),
        )
    return bytes(calendar.to_ical())
