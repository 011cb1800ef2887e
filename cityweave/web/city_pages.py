"""Pages of the city network: the city directory and map, a city's profile with its peers, and
the networks with their tiers, hubs and members.

The directory answers htmx requests with its results fragment only, like the search page; its
map follows the filters through the fragment's ``#search-state``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cityweave.cities import peer_selectors
from cityweave.cities import selectors as cities
from cityweave.cities.filters import CityFilters, parse_city_filters
from cityweave.cities.models import (
    KEY_FACT_TOPICS,
    City,
    FactTopic,
    MacroRegion,
    Network,
    NetworkFact,
    Role,
)
from cityweave.cities.peers import TIERS, WEIGHTS
from cityweave.search import InvalidSearchParams
from cityweave.search.labels import country_names, facet_labels
from cityweave.web.facets import SHOWN, FacetGroup, FacetOption
from cityweave.web.views import (
    HtmxHttpRequest,
    _detail,
    _get,
    _map_settings,
    follow_moved_slug,
)

DIRECTORY_PAGE_SIZE = 24
FILTER_TITLES = {
    "network": gettext_lazy("Network"),
    "role": gettext_lazy("Role"),
    "challenge": gettext_lazy("Challenge"),
    "macro_region": gettext_lazy("Macro-region"),
    "country": gettext_lazy("Country"),
}
TIER_TITLES = {
    "local": gettext_lazy("Local peers (same country)"),
    "regional": gettext_lazy("Regional peers (same macro-region)"),
    "global": gettext_lazy("Global peers"),
}
PART_TITLES = {
    "challenges": gettext_lazy("Shared challenges"),
    "experience": gettext_lazy("Experience with your challenges"),
    "size": gettext_lazy("Similar size"),
    "distance": gettext_lazy("Distance"),
    "biogeography": gettext_lazy("Same biogeographic region"),
}
assert set(PART_TITLES) == set(WEIGHTS)


def _labels(name: str, values: list[str]) -> dict[str, str]:
    if name == "network":
        names = {n.slug: n.label for n in Network.objects.filter(slug__in=values)}
        return {value: names.get(value, value) for value in values}
    if name == "role":
        return {
            value: str(Role(value).label) if value in Role.values else value for value in values
        }
    if name == "macro_region":
        return {
            value: str(MacroRegion(value).label) if value in MacroRegion.values else value
            for value in values
        }
    if name == "country":
        return country_names(values)
    return facet_labels(name, values)


def _filter_groups(filters: CityFilters) -> list[FacetGroup]:
    groups = []
    for name, pairs in cities.city_facet_counts(filters).items():
        selected = set(getattr(filters, name))
        labels = _labels(name, [value for value, _ in pairs])
        options = [
            FacetOption(value=v, label=labels.get(v, v), count=n, selected=v in selected)
            for v, n in pairs
        ]
        options.sort(key=lambda option: not option.selected)
        if options:
            groups.append(FacetGroup(name=name, title=str(FILTER_TITLES[name]), options=options))
    return groups


def city_directory(request: HtmxHttpRequest) -> HttpResponse:
    """Cities on a clustered map and in a list, filtered by network, role, challenge, country
    and macro-region."""
    status = 200
    try:
        filters = parse_city_filters(request.GET)
    except InvalidSearchParams as error:
        filters, status = CityFilters(), 400
        context: dict[str, Any] = {"error": error.message}
    else:
        context = {}
    queryset = cities.city_list(user=request.user, filters=filters)
    paginator = Paginator(queryset, DIRECTORY_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context.update(
        filters=filters,
        groups=_filter_groups(filters),
        page_obj=page,
        query_string=query.urlencode(),
        shown=SHOWN,
        map=_map_settings(),
    )
    template = "web/_city_directory_body.html" if request.htmx else "web/city_directory.html"
    return render(request, template, context, status=status)


@follow_moved_slug(City)
def city_detail(request: HttpRequest, slug: str) -> HttpResponse:
    city: City = _get(cities.city_get, slug, request.user)
    overview = peer_selectors.peer_overview(city=city, peers_per_tier=5, recommendations=6)
    return _detail(
        request,
        "web/city_detail.html",
        city,
        peer_tiers=[
            {"tier": tier, "title": TIER_TITLES[tier], "peers": overview.tiers[tier]}
            for tier in TIERS
        ],
        part_titles=PART_TITLES,
        recommendations=overview.recommendations,
        boundary_json=json.dumps(city.boundary) if city.boundary else "",
        **_exchange_context(city, request.user),
    )


def _exchange_context(city: City, user: Any) -> dict[str, Any]:
    """The events and practice transfers a city takes part in (the exchange app)."""
    from cityweave.exchange import selectors as exchange

    return {
        "events": list(exchange.events_for_city(city=city, user=user)[:6]),
        "transfers": list(exchange.transfers_for_city(city=city)[:6]),
    }


@dataclass(frozen=True)
class FactEntry:
    fact: NetworkFact
    source: int  # the number of its source in the network page's list of sources


@dataclass(frozen=True)
class FactSection:
    topic: str
    title: str
    entries: list[FactEntry]


def _facts_context(facts: list[NetworkFact]) -> dict[str, Any]:
    """A network's stated facts: the key facts (each stated or not), the other statements by
    topic, and their sources, numbered in the order they are first cited (one fact of each
    stands for its source)."""
    numbers: dict[tuple[Any, ...], int] = {}
    sources: list[NetworkFact] = []
    by_topic: dict[str, list[FactEntry]] = {}
    for fact in facts:
        source = (fact.source_name, fact.source_url, fact.licence, fact.licence_verified)
        if source not in numbers:
            numbers[source] = len(numbers) + 1
            sources.append(fact)
        by_topic.setdefault(fact.topic, []).append(FactEntry(fact, numbers[source]))

    def section(topic: FactTopic) -> FactSection:
        return FactSection(topic.value, str(topic.label), by_topic.get(topic.value, []))

    return {
        "facts": facts,
        "key_facts": [section(topic) for topic in KEY_FACT_TOPICS],
        "fact_sections": [
            section(topic)
            for topic in FactTopic
            if topic not in KEY_FACT_TOPICS and topic.value in by_topic
        ],
        "fact_sources": sources,
        "translated_facts": any(fact.text_original for fact in facts),
    }


def network_list(request: HttpRequest) -> HttpResponse:
    return render(request, "web/network_list.html", {"networks": cities.network_list()})


@follow_moved_slug(Network)
def network_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        network = cities.network_get(slug=slug)
    except Network.DoesNotExist:
        raise Http404(_("Nothing is published under this address.")) from None
    from cityweave.exchange import selectors as exchange

    members = list(network.memberships.all())
    groups = list(network.groups.all())
    facts = list(network.facts.all())
    by_group: dict[int | None, list[Any]] = {}
    for membership in members:
        by_group.setdefault(membership.group_id, []).append(membership)
    return _detail(
        request,
        "web/network_detail.html",
        network,
        groups=[{"group": g, "members": by_group.get(g.pk, [])} for g in groups],
        ungrouped=by_group.get(None, []),
        member_count=len({m.city_id for m in members}),
        members=members,
        one_role=len({m.role for m in members}) == 1,
        # A network read from sources that list no member: its members are not stated.
        members_unstated=bool(facts) and not members,
        **_facts_context(facts),
        events=list(exchange.events_for_network(network=network, user=request.user)[:8]),
        transfers=list(exchange.transfers_for_network(network=network)[:8]),
    )
