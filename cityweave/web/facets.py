"""The search page's facet panel and filter chips, built from a ``SearchResult``."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from cityweave.search import FACETS, SearchParams, SearchResult

FACET_TITLES = {
    "kind": _("Kind"),
    "challenge": _("Challenge"),
    "nbs_type": _("NBS type"),
    "country": _("Country"),
    "macro_region": _("Macro-region"),
    "city": _("City"),
    "category": _("Instrument category"),
    "level": _("Governance level"),
    "year": _("Year"),
    "language": _("Language"),
}
# How many values a facet shows before "more".
SHOWN = 8


@dataclass(frozen=True)
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class FacetGroup:
    name: str
    title: str
    options: list[FacetOption]

    @property
    def first(self) -> list[FacetOption]:
        return self.options[:SHOWN]

    @property
    def rest(self) -> list[FacetOption]:
        return self.options[SHOWN:]

    @property
    def any_selected_in_rest(self) -> bool:
        return any(option.selected for option in self.rest)


@dataclass(frozen=True)
class Chip:
    """An active filter, with the query string that removes it."""

    title: str
    label: str
    remove_query: str


def facet_groups(result: SearchResult, params: SearchParams) -> list[FacetGroup]:
    """Facets with values, in the order of ``FACETS``; selected values first."""
    groups = []
    for name in FACETS:
        selected = {str(value) for value in getattr(params, name)}
        options = [
            FacetOption(
                value=count.value,
                label=count.label,
                count=count.count,
                selected=count.value in selected,
            )
            for count in result.facets.get(name, [])
        ]
        options.sort(key=lambda option: not option.selected)
        if options:
            groups.append(FacetGroup(name=name, title=str(FACET_TITLES[name]), options=options))
    return groups


def active_chips(query: QueryDict, groups: list[FacetGroup]) -> list[Chip]:
    """One chip per active filter value, labelled as its facet shows it."""
    labels = {
        (group.name, option.value): option.label for group in groups for option in group.options
    }
    chips = []
    for name in FACETS:
        for value in query.getlist(name):
            remaining = query.copy()
            remaining.setlist(name, [v for v in query.getlist(name) if v != value])
            remaining.pop("page", None)
            chips.append(
                Chip(
                    title=str(FACET_TITLES[name]),
                    label=labels.get((name, value), value),
                    remove_query=remaining.urlencode(),
                )
            )
    return chips


def page_query(query: QueryDict, page: int) -> str:
    """The current query string with another page number."""
    pairs = [(key, value) for key, values in query.lists() if key != "page" for value in values]
    return urlencode([*pairs, ("page", str(page))])


def with_param(query: QueryDict, name: str, value: str) -> str:
    """The current query string with ``name`` set to ``value`` (and back on the first page)."""
    pairs = [(k, v) for k, values in query.lists() if k not in (name, "page") for v in values]
    return urlencode([*pairs, (name, value)] if value else pairs)
