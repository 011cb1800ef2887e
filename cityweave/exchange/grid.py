"""The month grid of the event calendar: whole weeks from the locale's first day of the week,
with each event placed on every local day it covers (in the event's own time zone)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import formats, timezone
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR

from cityweave.exchange.models import Event

ONE_DAY = datetime.timedelta(days=1)


@dataclass
class Day:
    date: datetime.date
    in_month: bool
    is_today: bool
    events: list[Event] = field(default_factory=list)


@dataclass
class MonthGrid:
    first: datetime.date  # the first day of the month shown
    weeks: list[list[Day]]
    weekdays: list[tuple[str, str]]  # (abbreviation, full name), from the first day of the week

    @property
    def first_day(self) -> datetime.date:
        return self.weeks[0][0].date

    @property
    def last_day(self) -> datetime.date:
        return self.weeks[-1][-1].date

    @property
    def previous_month(self) -> datetime.date:
        return (self.first - ONE_DAY).replace(day=1)

    @property
    def next_month(self) -> datetime.date:
        return (self.first.replace(day=28) + 4 * ONE_DAY).replace(day=1)

    @property
    def event_count(self) -> int:
        return len({event.pk for week in self.weeks for day in week for event in day.events})

    def place(self, events: Iterable[Event]) -> None:
        """Put each event on the days of the grid it covers, in the order given."""
        days = {day.date: day for week in self.weeks for day in week}
        for event in events:
            date = max(event.starts_on, self.first_day)
            while date <= min(event.ends_on, self.last_day):
                days[date].events.append(event)
                date += ONE_DAY


def month_grid(first: datetime.date, *, today: datetime.date | None = None) -> MonthGrid:
    """The weeks that hold the month starting on ``first``, in the active language's week."""
    today = today or timezone.localdate()
    first = first.replace(day=1)
    week_start = int(formats.get_format("FIRST_DAY_OF_WEEK"))  # 0 Sunday, 1 Monday
    # date.weekday(): Monday 0 ... Sunday 6; FIRST_DAY_OF_WEEK: Sunday 0, Monday 1 ...
    offset = (first.weekday() + 1 - week_start) % 7
    day = first - offset * ONE_DAY
    weeks: list[list[Day]] = []
    while not weeks or day.month == first.month:
        week = []
        for _ in range(7):
            week.append(Day(date=day, in_month=day.month == first.month, is_today=day == today))
            day += ONE_DAY
        weeks.append(week)
    # WEEKDAYS is keyed Monday 0 ... Sunday 6.
    order = [(week_start - 1 + index) % 7 for index in range(7)]
    weekdays = [(str(WEEKDAYS_ABBR[i]), str(WEEKDAYS[i])) for i in order]
    return MonthGrid(first=first, weeks=weeks, weekdays=weekdays)
