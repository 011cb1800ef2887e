"""Pages of the exchange: the event list and month calendar, an event's page with registration,
the iCalendar feeds, the board of practice transfers and a transfer's page with its timeline.

Views stay thin: parse the request, call one selector or service, render.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cityweave.catalogue.services.editing import can_edit
from cityweave.cities.models import Network
from cityweave.exchange import selectors, services
from cityweave.exchange.forms import TransferMoveForm
from cityweave.exchange.grid import month_grid
from cityweave.exchange.ics import event_calendar
from cityweave.exchange.models import (
    STAGE_ORDER,
    Event,
    EventKind,
    RegistrationStatus,
    Transfer,
    TransferStage,
    stage_index,
)
from cityweave.exchange.params import (
    InvalidExchangeParams,
    parse_event_filters,
    parse_month,
    parse_page,
    parse_transfer_filters,
)
from cityweave.exchange.selectors import EventFilters


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """Render an exchange page (which loads exchange.css in its head, not in its partials)."""
    return render(request, template, {"exchange_page": True, **context}, status=status)


def _filter_query(request: HttpRequest, *, drop: tuple[str, ...] = ()) -> str:
    """The request's filters as a query string, without the parameters in ``drop``."""
    pairs = [
        (name, value)
        for name, values in request.GET.lists()
        if name not in drop
        for value in values
        if value
    ]
    return urlencode(pairs)


def _filters_context(request: HttpRequest, filters: EventFilters) -> dict[str, Any]:
    return {
        "filters": filters,
        "kinds": EventKind.choices,
        **selectors.event_filter_options(user=request.user),
    }


def event_list(request: HttpRequest) -> HttpResponse:
    """Upcoming events first (soonest first), then past ones (latest first), filtered by kind,
    network, city and month; paged."""
    try:
        filters = parse_event_filters(request.GET)
        page_number, page_size = parse_page(request.GET)
    except InvalidExchangeParams as error:
        context = {"error": error.message, **_filters_context(request, EventFilters())}
        return _render(request, "exchange/event_list.html", context, status=400)
    events = selectors.event_list(user=request.user, filters=filters)
    paginator = Paginator(events, per_page=page_size)
    page = paginator.get_page(page_number)
    items = list(page.object_list)
    feed_url = reverse("exchange:events_ics")
    if len(filters.network) == 1:
        feed_url = reverse("exchange:network_events_ics", kwargs={"slug": filters.network[0]})
    return _render(
        request,
        "exchange/event_list.html",
        {
            **_filters_context(request, filters),
            "page": page,
            # ``is_past`` is annotated by the selector.
            "upcoming": [event for event in items if not event.is_past],  # type: ignore[attr-defined]
            "past": [event for event in items if event.is_past],  # type: ignore[attr-defined]
            "count": paginator.count,
            "month": request.GET.get("month", ""),
            "query": _filter_query(request, drop=("page",)),
            "feed_url": feed_url,
            "is_filtered": bool(
                filters.kind or filters.network or filters.city or filters.starts_on
            ),
        },
    )


def event_calendar_page(request: HttpRequest) -> HttpResponse:
    """A month grid (``?month=2027-03``, this month by default) with each event on the local
    days it covers; the list filters apply."""
    try:
        filters = parse_event_filters(request.GET, month=False)
        bounds = parse_month(request.GET.get("month", "").strip())
    except InvalidExchangeParams as error:
        context = {"error": error.message, **_filters_context(request, EventFilters())}
        return _render(request, "exchange/event_calendar.html", context, status=400)
    first = bounds[0] if bounds else timezone.localdate().replace(day=1)
    grid = month_grid(first)
    events = selectors.event_list(
        user=request.user,
        filters=EventFilters(
            kind=filters.kind,
            network=filters.network,
            city=filters.city,
            starts_on=grid.first_day,
            ends_on=grid.last_day,
        ),
    )
    grid.place(events)
    query = _filter_query(request, drop=("month", "from", "to"))
    return _render(
        request,
        "exchange/event_calendar.html",
        {
            **_filters_context(request, filters),
            "grid": grid,
            "query": query,
            "month": f"{first:%Y-%m}",
            "previous_query": urlencode({"month": f"{grid.previous_month:%Y-%m}"}),
            "next_query": urlencode({"month": f"{grid.next_month:%Y-%m}"}),
            "list_query": urlencode({"month": f"{first:%Y-%m}"}),
        },
    )


def _event(request: HttpRequest, slug: str) -> Event:
    try:
        return selectors.event_get(slug=slug, user=request.user)
    except Event.DoesNotExist:
        raise Http404(_("No event is published under this address.")) from None


def event_detail(request: HttpRequest, slug: str) -> HttpResponse:
    event = _event(request, slug)
    registration = selectors.registration_for(event=event, user=request.user)
    active = registration is not None and registration.status != RegistrationStatus.CANCELLED
    places_left = None
    if event.capacity is not None:
        places_left = max(0, event.capacity - event.places_taken)  # type: ignore[attr-defined]
    return _render(
        request,
        "exchange/event_detail.html",
        {
            "event": event,
            "registration": registration if active else None,
            "position": selectors.waiting_position(registration=registration)
            if active and registration
            else None,
            "refusal": services.registration_refusal(event),
            "can_cancel": active and event.starts_at > timezone.now(),
            "today": timezone.localdate(),
            "places_left": places_left,
            "participants": list(event.participants.all()),
            "can_edit": can_edit(request.user, Event),
        },
    )


@require_POST
def event_register(request: HttpRequest, slug: str) -> HttpResponse:
    event = _event(request, slug)
    if not request.user.is_authenticated:
        return redirect_to_login(event.get_absolute_url())
    try:
        registration = services.event_register(event=event, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if registration.status == RegistrationStatus.CONFIRMED:
            messages.success(request, _("You are registered: your place is confirmed."))
        else:
            position = selectors.waiting_position(registration=registration)
            messages.success(
                request,
                _("The event is full: you are on the waiting list, in position %(position)s.")
                % {"position": position},
            )
    return redirect(event.get_absolute_url())


@require_POST
def event_cancel_registration(request: HttpRequest, slug: str) -> HttpResponse:
    event = _event(request, slug)
    if not request.user.is_authenticated:
        return redirect_to_login(event.get_absolute_url())
    registration = selectors.registration_for(event=event, user=request.user)
    if registration is None or registration.status == RegistrationStatus.CANCELLED:
        messages.error(request, _("You are not registered for this event."))
        return redirect(event.get_absolute_url())
    was_waiting = registration.status == RegistrationStatus.WAITLISTED
    try:
        services.event_cancel_registration(registration=registration)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("You left the waiting list.")
            if was_waiting
            else _("Your registration is cancelled."),
        )
    return redirect(event.get_absolute_url())


def _calendar_response(request: HttpRequest, events: Any, *, name: str, filename: str) -> Any:
    body = event_calendar(
        events,
        page_url=lambda event: request.build_absolute_uri(event.get_absolute_url()),
        name=name,
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}.ics"'
    return response


def events_ics(request: HttpRequest) -> HttpResponse:
    """Every published (and cancelled) event, for calendar apps to subscribe to."""
    return _calendar_response(
        request,
        selectors.event_feed(),
        name=_("CityWeave exchange events"),
        filename="cityweave-events",
    )


def network_events_ics(request: HttpRequest, slug: str) -> HttpResponse:
    network = get_object_or_404(Network, slug=slug)
    return _calendar_response(
        request,
        selectors.event_feed(network=network),
        name=_("%(network)s events · CityWeave") % {"network": network.name},
        filename=f"cityweave-{network.slug}-events",
    )


def event_ics(request: HttpRequest, slug: str) -> HttpResponse:
    event = _event(request, slug)
    response = _calendar_response(request, [event], name="", filename=event.slug)
    response["Content-Disposition"] = f'attachment; filename="{event.slug}.ics"'
    return response


# --- practice transfers -----------------------------------------------------------------------


def _board(request: HttpRequest, network: Network | None = None) -> HttpResponse:
    try:
        filters = parse_transfer_filters(request.GET)
    except InvalidExchangeParams as error:
        return _render(
            request,
            "exchange/transfer_board.html",
            {"error": error.message, "columns": [], **selectors.transfer_filter_options()},
            status=400,
        )
    if network is not None:
        filters = type(filters)(
            network=(network.slug,), stage=filters.stage, city=filters.city, case=filters.case
        )
    transfers = list(selectors.transfer_list(filters=filters))
    labels = dict(TransferStage.choices)
    columns = [
        {
            "stage": stage,
            "label": labels[stage],
            "transfers": [t for t in transfers if t.stage == stage],
        }
        for stage in STAGE_ORDER
    ]
    return _render(
        request,
        "exchange/transfer_board.html",
        {
            "columns": columns,
            "count": len(transfers),
            "network": network,
            "filters": filters,
            **selectors.transfer_filter_options(),
        },
    )


def transfer_board(request: HttpRequest) -> HttpResponse:
    """Transfers in one column per stage; ``?network=slug`` keeps one network's."""
    return _board(request)


def network_transfer_board(request: HttpRequest, slug: str) -> HttpResponse:
    return _board(request, get_object_or_404(Network, slug=slug))


def _transfer(slug: str) -> Transfer:
    try:
        return selectors.transfer_get(slug=slug)
    except Transfer.DoesNotExist:
        raise Http404(_("No practice transfer is recorded under this address.")) from None


def _timeline(transfer: Transfer) -> list[dict[str, Any]]:
    """Each stage in order: done, current or to come, with the date it was last reached."""
    reached: dict[str, Any] = {}
    for change in transfer.changes.all():
        reached[change.stage] = change.on
    current = stage_index(transfer.stage)
    labels = dict(TransferStage.choices)
    return [
        {
            "stage": stage,
            "label": labels[stage],
            "state": "done" if index < current else "current" if index == current else "todo",
            "on": reached.get(stage) if index <= current else None,
        }
        for index, stage in enumerate(STAGE_ORDER)
    ]


def _transfer_page(
    request: HttpRequest, transfer: Transfer, form: TransferMoveForm | None, status: int = 200
) -> HttpResponse:
    can_move = can_edit(request.user, Transfer)
    if can_move and form is None:
        form = TransferMoveForm(transfer=transfer)
    return _render(
        request,
        "exchange/transfer_detail.html",
        {
            "transfer": transfer,
            "timeline": _timeline(transfer),
            "changes": list(transfer.changes.all()),
            "form": form if can_move else None,
            "can_move": can_move,
        },
        status=status,
    )


def transfer_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _transfer_page(request, _transfer(slug), None)


@require_POST
def transfer_move(request: HttpRequest, slug: str) -> HttpResponse:
    transfer = _transfer(slug)
    if not request.user.is_authenticated:
        return redirect_to_login(transfer.get_absolute_url())
    if not can_edit(request.user, Transfer):
        raise PermissionDenied
    form = TransferMoveForm(request.POST, request.FILES, transfer=transfer)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.transfer_move(
                transfer=transfer,
                stage=data["stage"],
                on=data["on"],
                note=data["note"],
                reason=data["reason"],
                evidence=data["evidence"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Moved to the stage “%(stage)s”.")
                % {"stage": dict(TransferStage.choices)[data["stage"]]},
            )
            return redirect(transfer.get_absolute_url())
    return _transfer_page(request, _transfer(slug), form, status=400)
