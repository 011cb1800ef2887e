"""Loaders for the real seed data in ``cityweave/data/``. ``load_all`` runs them in order."""

from __future__ import annotations

from django.db import transaction

from cityweave.data.loaders.cases import load_cases
from cityweave.data.loaders.cities import load_cities
from cityweave.data.loaders.events import load_events
from cityweave.data.loaders.instruments import load_instruments
from cityweave.data.loaders.nbs_types import load_nbs_types, load_parameters
from cityweave.data.loaders.networks import load_city_challenges, load_networks, load_targets
from cityweave.data.loaders.resources import load_resources
from cityweave.data.loaders.taxonomy import load_taxonomy


@transaction.atomic
def load_all() -> dict[str, dict[str, int]]:
    """Load every seed file; returns counts per kind (created, updated, unchanged).

    Idempotent: a second run creates nothing and updates nothing.
    """
    report: dict[str, dict[str, int]] = {}
    counts, terms = load_taxonomy()
    report["taxonomy"] = counts
    city_counts, cities, una_slugs = load_cities()
    report.update(city_counts)
    counts, nbs_types = load_nbs_types(terms=terms)
    report["nbs_types"] = counts
    report["parameters"] = load_parameters(nbs_types=nbs_types)
    report.update(load_cases(una_slugs=una_slugs, cities=cities, terms=terms))
    counts, link_counts = load_instruments(terms=terms, nbs_types=nbs_types, cities=cities)
    report["instruments"] = counts
    report["links"] = link_counts
    report["resources"] = load_resources(terms=terms, nbs_types=nbs_types)
    report.update(load_networks(cities=cities))
    report.update(load_events(cities=cities))
    report.update(load_targets())
    report["city_challenges"] = load_city_challenges()
    return report
