"""Template helpers of the exchange pages: an event's times in its own time zone, with the zone's
abbreviation ("CET", "UTC-05:00" where the zone has none), in the active language; an all-day
event's days only."""

from __future__ import annotations

import datetime

from django import template
from django.utils import formats
from django.utils.translation import gettext as _

from cityweave.exchange.models import Event

register = template.Library()


def zone_label(value: datetime.datetime) -> str:
    """The abbreviation of the zone of the aware ``value``: "CET", or "UTC-05:00"."""
    name = value.tzname() or ""
    if name and name[0] not in "+-":
        return name
    offset = value.utcoffset() or datetime.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def _day(value: datetime.date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def when(event: Event) -> str:
    if event.all_day:
        # Its days in its zone (the last is the day before the midnight it ends at).
        if event.starts_on == event.ends_on:
            return _("%(weekday)s, %(day)s (all day)") % {
                "weekday": formats.date_format(event.starts_on, "l"),
                "day": _day(event.starts_on),
            }
        return _("%(start_day)s – %(end_day)s (all day)") % {  # noqa: RUF001
            "start_day": _day(event.starts_on),
            "end_day": _day(event.ends_on),
        }
    start, end = event.local_start, event.local_end
    if start.date() == end.date():
        return _("%(weekday)s, %(day)s · %(start)s–%(end)s %(zone)s") % {  # noqa: RUF001
            "weekday": formats.date_format(start, "l"),
            "day": _day(start),
            "start": f"{start:%H:%M}",
            "end": f"{end:%H:%M}",
            "zone": zone_label(end),
        }
    text = _("%(start_day)s, %(start)s %(start_zone)s – %(end_day)s, %(end)s %(end_zone)s")  # noqa: RUF001
    return text % {
        "start_day": _day(start),
        "start": f"{start:%H:%M}",
        "start_zone": zone_label(start),
        "end_day": _day(end),
        "end": f"{end:%H:%M}",
        "end_zone": zone_label(end),
    }


@register.simple_tag
def event_when(event: Event) -> str:
    """``{% event_when event %}``: "Tuesday, March 9, 2027 · 10:00-16:00 CET"
    (with an en dash)."""
    return when(event)


@register.simple_tag
def event_time(event: Event) -> str:
    """``{% event_time event %}``: the start time with the zone, "10:00 CET" ("all day" for an
    all-day event)."""
    if event.all_day:
        return _("all day")
    start = event.local_start
    return f"{start:%H:%M} {zone_label(start)}"


@register.simple_tag
def event_local(event: Event, value: datetime.datetime | None) -> str:
    """``{% event_local event event.registration_closes_at %}``: a date and time of ``event`` in
    its zone, "March 1, 2027, 18:00 CET"."""
    if value is None:
        return ""
    local = value.astimezone(event.zone)
    return f"{_day(local)}, {local:%H:%M} {zone_label(local)}"


@register.filter
def zone_of(event: Event) -> str:
    """``{{ event|zone_of }}``: the abbreviation of the event's zone at its start."""
    return zone_label(event.local_start)
