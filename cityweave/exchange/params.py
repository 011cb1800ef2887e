"""Request parameters of the event and transfer lists → filters, shared by the pages and the
API. A malformed value raises ``InvalidExchangeParams`` naming the parameter; unknown slugs are
not an error (they match nothing)."""

from __future__ import annotations

import calendar
import datetime
import re
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from cityweave.exchange.models import EventKind, TransferStage
from cityweave.exchange.selectors import EventFilters, TransferFilters
from cityweave.search.params import (
    SLUG_RE,
    InvalidSearchParams,
    param_value,
    param_values,
)

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
MAX_VALUES = 50
MAX_PAGE = 100_000


class InvalidExchangeParams(InvalidSearchParams):
    """A malformed event or transfer filter (HTTP 400 wherever a search parameter is)."""


def _slugs(data: Mapping[str, Any], name: str) -> tuple[str, ...]:
    values = param_values(data, name)
    if len(values) > MAX_VALUES:
        raise InvalidExchangeParams(
            _("%(name)s: at most %(max)d values are accepted") % {"name": name, "max": MAX_VALUES},
            name,
        )
    for value in values:
        if not SLUG_RE.match(value):
            raise InvalidExchangeParams(
                _("%(name)s: %(value)r is not a valid slug") % {"name": name, "value": value}, name
            )
    return tuple(dict.fromkeys(values))


def _choices(data: Mapping[str, Any], name: str, allowed: list[str]) -> tuple[str, ...]:
    values = _slugs(data, name)
    for value in values:
        if value not in allowed:
            raise InvalidExchangeParams(
                _("%(name)s: unknown value %(value)r (expected one of %(allowed)s)")
                % {"name": name, "value": value, "allowed": ", ".join(allowed)},
                name,
            )
    return values


def parse_month(raw: str, name: str = "month") -> tuple[datetime.date, datetime.date] | None:
    """``"2027-03"`` → (1 March 2027, 31 March 2027); "" → None."""
    if not raw:
        return None
    match = MONTH_RE.match(raw)
    if not match or not 1 <= int(match.group(2)) <= 12 or not 1000 <= int(match.group(1)) <= 2999:
        raise InvalidExchangeParams(
            _("%(name)s: %(value)r is not a month written as YYYY-MM")
            % {"name": name, "value": raw},
            name,
        )
    year, month = int(match.group(1)), int(match.group(2))
    last = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, 1), datetime.date(year, month, last)


def parse_date(raw: str, name: str) -> datetime.date | None:
    if not raw:
        return None
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise InvalidExchangeParams(
            _("%(name)s: %(value)r is not a date written as YYYY-MM-DD")
            % {"name": name, "value": raw},
            name,
        ) from None


def parse_page(data: Mapping[str, Any]) -> tuple[int, int]:
    """``(page, page_size)`` from ``page`` and ``page_size``."""
    values = []
    for name, default, maximum in (
        ("page", 1, MAX_PAGE),
        ("page_size", settings.PAGE_SIZE, settings.MAX_PAGE_SIZE),
    ):
        raw = param_value(data, name)
        try:
            value = int(raw) if raw else default
        except ValueError:
            raise InvalidExchangeParams(
                _("%(name)s: %(value)r is not an integer") % {"name": name, "value": raw}, name
            ) from None
        if not 1 <= value <= maximum:
            raise InvalidExchangeParams(
                _("%(name)s: must be between 1 and %(max)d") % {"name": name, "max": maximum},
                name,
            )
        values.append(value)
    return values[0], values[1]


def parse_event_filters(data: Mapping[str, Any], *, month: bool = True) -> EventFilters:
    """``kind``, ``network``, ``city`` (repeatable) and either ``month`` (YYYY-MM, pages) or
    ``from``/``to`` (YYYY-MM-DD, the API)."""
    starts_on = ends_on = None
    if month:
        bounds = parse_month(param_value(data, "month"))
        if bounds:
            starts_on, ends_on = bounds
    else:
        starts_on = parse_date(param_value(data, "from"), "from")
        ends_on = parse_date(param_value(data, "to"), "to")
        if starts_on and ends_on and ends_on < starts_on:
            raise InvalidExchangeParams(_("to: must not be before from"), "to")
    return EventFilters(
        kind=_choices(data, "kind", list(EventKind.values)),
        network=_slugs(data, "network"),
        city=_slugs(data, "city"),
        starts_on=starts_on,
        ends_on=ends_on,
    )


def parse_transfer_filters(data: Mapping[str, Any]) -> TransferFilters:
    return TransferFilters(
        network=_slugs(data, "network"),
        stage=_choices(data, "stage", list(TransferStage.values)),
        city=_slugs(data, "city"),
        case=_slugs(data, "case"),
    )
