"""Capacity under concurrent registrations: 20 people press "Register" at the same moment for
an event with 5 places. The row lock on the event makes exactly 5 of them confirmed and 15
waitlisted, and the waiting list keeps the order in which they got the lock.

Runs on PostgreSQL only (``DATABASE_URL=postgres://...``): SQLite serialises write transactions
at the file level, so threads there would test SQLite's locking, not ours.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.conf import settings
from django.db import connection

from cityweave.exchange import services
from cityweave.exchange.models import Event, Registration
from tests.exchange.conftest import make_event, make_user

ON_POSTGRESQL = "postgresql" in settings.DATABASES["default"]["ENGINE"]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not ON_POSTGRESQL,
        reason="row locks (select_for_update) need PostgreSQL; set DATABASE_URL=postgres://...",
    ),
]

CAPACITY = 5
PEOPLE = 20


def register_all_at_once(
    event: Event, users: list[object]
) -> tuple[list[str], list[BaseException]]:
    barrier = threading.Barrier(len(users))
    statuses: list[str] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def register(user: object) -> None:
        try:
            barrier.wait(timeout=30)
            registration = services.event_register(event=Event.objects.get(pk=event.pk), user=user)
            with lock:
                statuses.append(registration.status)
        except BaseException as error:  # reported by the test, never lost in the thread
            with lock:
                failures.append(error)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=register, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses, failures


def test_twenty_simultaneous_registrations_for_five_places() -> None:
    from cityweave.cities.models import City

    City.objects.create(
        name="Zz Warsaw", slug="zz-warsaw", country="Poland", country_code="PL", macro_region="EU"
    )
    event = make_event(capacity=CAPACITY)
    users = [make_user() for _ in range(PEOPLE)]

    statuses, failures = register_all_at_once(event, users)

    assert failures == []
    assert Counter(statuses) == {"confirmed": 5, "waitlisted": 15}
    stored = Counter(Registration.objects.filter(event=event).values_list("status", flat=True))
    assert stored == {"confirmed": 5, "waitlisted": 15}
    # Cancelling a confirmed place promotes the waitlisted person who registered first.
    first_waiting = Registration.objects.filter(event=event, status="waitlisted").earliest(
        "queued_at", "pk"
    )
    confirmed = Registration.objects.filter(event=event, status="confirmed").first()
    assert confirmed is not None
    services.event_cancel_registration(registration=confirmed)
    first_waiting.refresh_from_db()
    assert first_waiting.status == "confirmed"
    assert Registration.objects.filter(event=event, status="confirmed").count() == CAPACITY
