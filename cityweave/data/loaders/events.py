"""Exchange events read from published sources (``city_networks/events.json``): the
organisations that host them, the events and their participants, each with its source.

An event whose source gives its days but not its times is all-day: from midnight of its first
day to midnight after its last, in its time zone.
"""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from cityweave.cities.models import City, Network, Organisation
from cityweave.core.sync import Counts, sync_rows
from cityweave.data.loaders.networks import read_sources, source_provenance
from cityweave.data.loaders.provenance import read_json
from cityweave.exchange.models import Event, EventParticipant


def _midnight(day: datetime.date, zone: ZoneInfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(0), zone)


def _event_row(
    spec: dict[str, Any],
    *,
    cities: dict[str, City],
    networks: dict[str, Network],
    organisations: dict[str, Organisation],
    sources: dict[str, Any],
) -> dict[str, Any]:
    zone = ZoneInfo(spec["time_zone"])
    first = datetime.date.fromisoformat(spec["first_day"])
    last = datetime.date.fromisoformat(spec["last_day"])
    organiser = spec.get("organiser")
    return {
        "slug": spec["slug"],
        "title": spec["title"],
        "kind": spec["kind"],
        "status": spec["status"],
        "description": spec["description"],
        "agenda": spec.get("agenda", ""),
        "outcomes": spec.get("outcomes", ""),
        "time_zone": spec["time_zone"],
        "all_day": True,
        "starts_at": _midnight(first, zone),
        "ends_at": _midnight(last + datetime.timedelta(days=1), zone),
        # Written here too, so that a changed day updates them (clean() derives the same).
        "starts_on": first,
        "ends_on": last,
        "city_id": cities[spec["city"]].pk,
        "venue": spec.get("venue", ""),
        "network_id": networks[spec["network"]].pk,
        "organiser_id": organisations[organiser].pk if organiser else None,
        "registration_open": spec["registration_open"],
        **source_provenance(sources[spec["source"]], editorial_note=spec.get("editorial_note", "")),
    }


def load_events(*, cities: dict[str, City]) -> dict[str, Counts]:
    """Organisations, events and participants of ``city_networks/events.json``. Runs after
    ``load_networks`` (an event belongs to a seeded network) and takes the seeded cities."""
    data = read_json("city_networks/events.json")
    sources = read_sources()
    report: dict[str, Counts] = {}
    report["organisations"], organisations = sync_rows(
        model=Organisation,
        key="slug",
        rows=[
            {
                "slug": spec["slug"],
                "name": spec["name"],
                "city_id": cities[spec["city"]].pk,
                "country_code": spec["country_code"],
                "level": spec["level"],
                "helix": spec["helix"],
                **source_provenance(
                    sources[spec["source"]], editorial_note=spec.get("editorial_note", "")
                ),
            }
            for spec in data["organisations"]
        ],
    )
    specs = data["events"]
    networks = {n.slug: n for n in Network.objects.filter(slug__in={s["network"] for s in specs})}
    report["events"], events = sync_rows(
        model=Event,
        key="slug",
        rows=[
            _event_row(
                spec,
                cities=cities,
                networks=networks,
                organisations=organisations,
                sources=sources,
            )
            for spec in specs
        ],
    )
    participant_rows = []
    for spec in specs:
        for participant in spec.get("participants", []):
            organisation = participant.get("organisation")
            participant_rows.append(
                {
                    "event_id": events[spec["slug"]].pk,
                    "role": participant["role"],
                    "organisation_id": organisations[organisation].pk if organisation else None,
                    "name": participant.get("name", ""),
                    "note": participant.get("note", ""),
                }
            )
    report["event_participants"], _ = sync_rows(
        model=EventParticipant,
        key=("event_id", "role", "organisation_id", "name"),
        rows=participant_rows,
    )
    return report
