"""Networks, their tiers and hubs, the facts their sources state and the cities' memberships
(``city_networks/networks.json``, sources in ``city_networks/sources.json``); the climate
targets and pledges of the Covenant of Mayors and the Net Zero Tracker; and each city's
challenges as its cases show them."""

from __future__ import annotations

import csv
import datetime
from collections import Counter
from typing import Any

from cityweave.catalogue.models import Case
from cityweave.cities.models import (
    City,
    CityChallenge,
    Membership,
    Network,
    NetworkFact,
    NetworkGroup,
)
from cityweave.climate.services import targets_import
from cityweave.core.sync import Counts, sync_rows
from cityweave.data.loaders.provenance import DATA_DIR, RETRIEVED_ON, provenance, read_json

TARGET_FILES = {
    "covenant": "city_ghg_eucom_ddl/eucom_cities_joined.csv",
    "net_zero_tracker": "city_targets_net_zero_tracker/nzt_cities_2022-12-20.csv",
}
CHALLENGE_SOURCE = "CityWeave editors: the challenges its published cases address"


# What a statement gives where it gives it, and the empty value where it does not.
FACT_DEFAULTS: dict[str, Any] = {
    "count": None,
    "country_count": None,
    "period_start": "",
    "period_end": "",
}


def read_sources() -> dict[str, dict[str, Any]]:
    """The sources networks, facts and events cite, by key (``city_networks/sources.json``)."""
    return dict(read_json("city_networks/sources.json")["sources"])


def source_provenance(source: dict[str, Any], *, editorial_note: str = "") -> dict[str, Any]:
    """The provenance fields of a source of ``city_networks/sources.json``."""
    return {
        "source_name": source["source_name"],
        "source_url": source["source_url"],
        "licence": source["licence"],
        "licence_verified": source["licence_verified"],
        "retrieved_on": datetime.date.fromisoformat(source["retrieved_on"]),
        "editorial_note": editorial_note,
    }


def _network_provenance(spec: dict[str, Any], sources: dict[str, Any]) -> dict[str, Any]:
    if "source" in spec:
        return source_provenance(
            sources[spec["source"]], editorial_note=spec.get("editorial_note", "")
        )
    return provenance(
        source_name=spec["source_name"],
        source_url=spec.get("source_url", ""),
        licence=spec.get("licence", ""),
        licence_verified=spec.get("licence_verified", True),
        editorial_note=spec.get("editorial_note", ""),
    )


def _fact_rows(
    specs: list[dict[str, Any]], networks: dict[str, Network], sources: dict[str, Any]
) -> list[dict[str, Any]]:
    """One row per statement of a network's sources, in the order the file gives them."""
    rows = []
    for spec in specs:
        for position, fact in enumerate(spec.get("facts", [])):
            source = sources[fact["source"]]
            original = fact.get("text_original", "")
            rows.append(
                {
                    "network_id": networks[spec["slug"]].pk,
                    "key": fact["key"],
                    "topic": fact["topic"],
                    "position": position,
                    "text": fact["text"],
                    "text_original": original,
                    "original_language": source["language"] if original else "",
                    **{name: fact.get(name, empty) for name, empty in FACT_DEFAULTS.items()},
                    **source_provenance(source, editorial_note=fact.get("editorial_note", "")),
                }
            )
    return rows


def _hub_slug(country_code: str) -> str:
    return country_code.lower()


def load_networks(*, cities: dict[str, City]) -> dict[str, Counts]:
    specs = read_json("city_networks/networks.json")["networks"]
    sources = read_sources()
    counts, networks = sync_rows(
        model=Network,
        key="slug",
        rows=[
            {
                "slug": spec["slug"],
                "name": spec["name"],
                "short_name": spec["short_name"],
                "kind": spec["kind"],
                "description": spec["description"],
                **_network_provenance(spec, sources),
            }
            for spec in specs
        ],
    )
    report = {"networks": counts}
    group_rows: list[dict[str, Any]] = []
    for spec in specs:
        network = networks[spec["slug"]]
        for position, group in enumerate(spec.get("groups", [])):
            group_rows.append({"network_id": network.pk, "position": position, **group})
        if spec.get("hubs_by_country"):
            members = [c for c in cities.values() if spec["programme"] in c.programmes]
            countries = sorted({(c.country, c.country_code) for c in members})
            for position, (country, code) in enumerate(countries):
                group_rows.append(
                    {
                        "network_id": network.pk,
                        "slug": _hub_slug(code),
                        "name": country,
                        "kind": "hub",
                        "level": "",
                        "description": "",
                        "position": position,
                    }
                )
    report["network_groups"], groups = sync_rows(
        model=NetworkGroup, key=("network_id", "slug"), rows=group_rows
    )
    report["network_facts"], _ = sync_rows(
        model=NetworkFact, key=("network_id", "key"), rows=_fact_rows(specs, networks, sources)
    )

    membership_rows: list[dict[str, Any]] = []
    for spec in specs:
        if "programme" not in spec:
            continue
        network = networks[spec["slug"]]
        for city in cities.values():
            if spec["programme"] not in city.programmes:
                continue
            hub = groups.get((network.pk, _hub_slug(city.country_code)))
            membership_rows.append(
                {
                    "city_id": city.pk,
                    "network_id": network.pk,
                    "role": spec["role"],
                    "group_id": hub.pk if spec.get("hubs_by_country") and hub else None,
                    **_network_provenance(spec, sources),
                    "editorial_note": (
                        "National hub: CityWeave editors, by the city's country."
                        if spec.get("hubs_by_country")
                        else ""
                    ),
                }
            )
    report["memberships"], _ = sync_rows(
        model=Membership, key=("city_id", "network_id", "role"), rows=membership_rows
    )
    return report


def load_targets() -> dict[str, Counts]:
    """Targets and pledges of the shipped Covenant and Net Zero Tracker files. Their rows name
    cities worldwide; only the CityWeave cities are kept, so unmatched rows are expected. A row
    the file gets wrong (the Net Zero Tracker gives Raleigh, NC the baseline year 1007) is left
    out."""
    report: dict[str, Counts] = {}
    for dataset, relative in TARGET_FILES.items():
        with (DATA_DIR / relative).open(encoding="utf-8", newline="") as handle:
            result = targets_import(
                dataset=dataset,
                rows=csv.DictReader(handle),
                retrieved_on=RETRIEVED_ON,
                skip_invalid=True,
            )
        report[f"targets_{dataset}"] = result.targets
        report[f"pledges_{dataset}"] = result.memberships
    return report


def load_city_challenges() -> Counts:
    """A city's challenges: those of its published cases (editorial, unranked)."""
    through = Case.challenges.through
    per_city: Counter[tuple[int, int]] = Counter(
        through.objects.filter(case__status="published", case__city__isnull=False).values_list(
            "case__city_id", "taxonomyterm_id"
        )
    )
    rows = [
        {"city_id": city_id, "term_id": term_id, "priority": None, "source": CHALLENGE_SOURCE}
        for (city_id, term_id) in sorted(per_city)
    ]
    counts, _ = sync_rows(model=CityChallenge, key=("city_id", "term_id"), rows=rows)
    return counts
