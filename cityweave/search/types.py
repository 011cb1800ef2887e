"""The values that cross the search interface: what is asked and what comes back."""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = ("case", "nbs_type", "instrument", "resource", "city")
# Orders of a result list: best match first (the default with text), newest year first, or by
# title (the default without text: kind, then title).
SORTS = ("relevance", "newest", "title")


@dataclass(frozen=True)
class SearchParams:
    """A search: free text plus facet filters. Empty values mean "no filter"."""

    q: str = ""
    kind: tuple[str, ...] = ()
    challenge: tuple[str, ...] = ()  # TaxonomyTerm codes
    nbs_type: tuple[str, ...] = ()  # NbsType slugs
    country: tuple[str, ...] = ()  # ISO 3166-1 alpha-2
    macro_region: tuple[str, ...] = ()
    city: tuple[str, ...] = ()  # City slugs
    category: tuple[str, ...] = ()  # instrument category
    level: tuple[str, ...] = ()  # governance level
    year: tuple[int, ...] = ()
    language: tuple[str, ...] = ()
    page: int = 1
    page_size: int = 20
    with_facets: bool = True  # False skips the facet counts (lists, exports, benchmarks)
    sort: str = "relevance"

    def active_filters(self) -> dict[str, tuple[str, ...] | tuple[int, ...]]:
        """The facet filters that have values, by facet name."""
        from cityweave.search.params import FACETS

        return {name: getattr(self, name) for name in FACETS if getattr(self, name)}


@dataclass(frozen=True)
class SearchHit:
    kind: str
    id: int
    slug: str
    title: str
    url: str
    snippet: str = ""
    subtitle: str = ""
    country_code: str = ""
    city: str = ""
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class FacetCount:
    value: str
    label: str
    count: int


@dataclass
class SearchResult:
    count: int
    items: list[SearchHit]
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)
    page: int = 1
    page_size: int = 20
    # The query with its typos corrected, when it had some ("green roof" for "gren roof"): the
    # results are already those of the corrected query; pages offer it as "did you mean".
    suggestion: str = ""
