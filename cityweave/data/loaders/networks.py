"""Networks, their tiers and hubs, and the cities' memberships (``city_networks/networks.json``);
the climate targets and pledges of the Covenant of Mayors and the Net Zero Tracker; and each
city's challenges as its cases show them."""

from __future__ import annotations

import csv
from collections import Counter
from typing import Any

from cityweave.catalogue.models import Case
from cityweave.cities.models import City, CityChallenge, Membership, Network, NetworkGroup
from cityweave.climate.services import targets_import
from cityweave.data.loaders.provenance import DATA_DIR, RETRIEVED_ON, provenance, read_json
from cityweave.data.loaders.sync import Counts, sync_rows

TARGET_FILES = {
    "covenant": "city_ghg_eucom_ddl/eucom_cities_joined.csv",
    "net_zero_tracker": "city_targets_net_zero_tracker/nzt_cities_2022-12-20.csv",
}
CHALLENGE_SOURCE = "CityWeave editors: the challenges its published cases address"


def _network_provenance(spec: dict[str, Any]) -> dict[str, Any]:
    return provenance(
        source_name=spec["source_name"],
        source_url=spec.get("source_url", ""),
        licence=spec.get("licence", ""),
        licence_verified=spec.get("licence_verified", True),
    )


def _hub_slug(country_code: str) -> str:
    return country_code.lower()


def load_networks(*, cities: dict[str, City]) -> dict[str, Counts]:
    specs = read_json("city_networks/networks.json")["networks"]
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
                **_network_provenance(spec),
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
                    **_network_provenance(spec),
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
