"""A small hand-made world for the exchange tests: three cities (two in Europe, one in Latin
America), a network with a sub-network, an organisation, a practice (case), an instrument and
a library resource, plus helpers that create events and transfers through the services. The
seeded events are left out of it."""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import translation

from cityweave.catalogue.models import Case, Instrument, Resource
from cityweave.cities.models import City, Network, Organisation
from cityweave.exchange import services
from cityweave.exchange.models import Event, EventKind, Transfer

WARSAW = ZoneInfo("Europe/Warsaw")
LIMA = ZoneInfo("America/Lima")
PASSWORD = "exchange-test-password"
_numbers = itertools.count(1)


@dataclass
class World:
    warsaw: City
    lisbon: City
    lima: City
    network: Network
    project: Network  # a sub-network of ``network``
    other_network: Network
    organisation: Organisation
    case: Case
    instrument: Instrument
    resource: Resource
    editor: Any


def make_user(username: str = "", *, editor: bool = False, **fields: Any) -> Any:
    user = get_user_model().objects.create_user(
        username or f"zz-user-{next(_numbers)}", password=PASSWORD, **fields
    )
    if editor:
        group, _ = Group.objects.get_or_create(name="Editors")
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="exchange",
                codename__in=["add_transfer", "change_transfer", "view_transfer"],
            )
        )
        user.groups.add(group)
    return user


def make_world() -> World:
    # Without the events the real seed holds (the IMPETUS policy brokerage in Lille ...): the
    # exchange tests count and list only the events they make.
    Event.objects.all().delete()
    warsaw = City.objects.create(
        name="Zz Warsaw", slug="zz-warsaw", country="Poland", country_code="PL", macro_region="EU"
    )
    lisbon = City.objects.create(
        name="Zz Lisbon",
        slug="zz-lisbon",
        country="Portugal",
        country_code="PT",
        macro_region="EU",
    )
    lima = City.objects.create(
        name="Zz Lima", slug="zz-lima", country="Peru", country_code="PE", macro_region="CELAC"
    )
    network = Network.objects.create(name="Zz Green Cities", slug="zz-green", kind="city_network")
    project = Network.objects.create(
        name="Zz Green Roofs Project", slug="zz-green-roofs", kind="programme", parent=network
    )
    other = Network.objects.create(name="Zz Other Network", slug="zz-other", kind="city_network")
    organisation = Organisation.objects.create(
        name="Zz Warsaw City Hall",
        slug="zz-warsaw-hall",
        city=warsaw,
        level="local",
        helix="public",
    )
    case = Case.objects.create(
        slug="zz-green-roofs-lisbon", title_en="Zz Lisbon green roofs", city=lisbon
    )
    instrument = Instrument.objects.create(
        slug="zz-roof-bylaw",
        name="Zz Green roof bylaw",
        category="legislative",
        governance_level="local",
        description="A bylaw.",
    )
    resource = Resource.objects.create(
        slug="zz-roof-guide", title="Zz Green roof guide", resource_type="guidance"
    )
    return World(
        warsaw=warsaw,
        lisbon=lisbon,
        lima=lima,
        network=network,
        project=project,
        other_network=other,
        organisation=organisation,
        case=case,
        instrument=instrument,
        resource=resource,
        editor=make_user("zz-editor", editor=True),
    )


@pytest.fixture(autouse=True)
def _default_language() -> Any:
    """A page requested in another language leaves it active in the thread: start each test in
    the default language (English), so ``get_absolute_url()`` gives unprefixed paths."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def world(db: None) -> World:
    return make_world()


def soon(days: int = 30, hour: int = 10) -> datetime.datetime:
    """A time ``days`` from now, at ``hour`` o'clock in Warsaw."""
    day = datetime.date.today() + datetime.timedelta(days=days)
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=WARSAW)


def make_event(**fields: Any) -> Event:
    """An event through the service; a workshop in Warsaw 30 days from now, 10:00-16:00, unless
    ``fields`` say otherwise."""
    number = next(_numbers)
    starts_at = fields.pop("starts_at", soon())
    values: dict[str, Any] = {
        "title": f"Zz event {number}",
        "kind": EventKind.WORKSHOP,
        "starts_at": starts_at,
        "ends_at": starts_at + datetime.timedelta(hours=6),
        "time_zone": "Europe/Warsaw",
    }
    values.update(fields)
    if "city" not in values and "online_url" not in values:
        values["city"] = City.objects.get(slug="zz-warsaw")
    return services.event_create(**values)


def make_transfer(world: World, **fields: Any) -> Transfer:
    number = next(_numbers)
    values: dict[str, Any] = {
        "case": world.case,
        "receiving_city": world.warsaw,
        "title": f"Zz transfer {number}",
        "on": datetime.date(2024, 1, 15),
        "by": world.editor,
    }
    values.update(fields)
    return services.transfer_create(**values)
