"""One full-text search over every kind of hub item.

SQLite FTS5 on the embedded default, PostgreSQL full-text search when ``DATABASE_URL`` points
at PostgreSQL, behind one interface:

- ``rebuild_index()`` rebuilds the whole index (``cityweave seed`` calls it after loading);
- ``index_objects(objs)`` / ``remove_object(obj)`` keep it in step after a write (services call
  them after commit); unpublished objects are removed, never indexed;
- ``parse_search_params(querydict)`` turns request parameters into ``SearchParams`` or raises
  ``InvalidSearchParams`` naming the bad parameter;
- ``run_search(params)`` returns one page of hits with facet counts;
- ``located_hits(params)`` returns every matching hit with coordinates, for the map.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cityweave.search.params import FACETS, InvalidSearchParams, parse_search_params
from cityweave.search.types import KINDS, FacetCount, SearchHit, SearchParams, SearchResult

__all__ = [
    "FACETS",
    "KINDS",
    "FacetCount",
    "InvalidSearchParams",
    "SearchHit",
    "SearchParams",
    "SearchResult",
    "index_after_commit",
    "index_objects",
    "located_hits",
    "parse_search_params",
    "rebuild_index",
    "remove_object",
    "run_search",
]

# The implementation modules import the catalogue and cities models, which import
# ``cityweave.core.models``, which imports this package's models: import them on first use.


def rebuild_index() -> int:
    """Rebuild the whole index from the database; returns the number of documents indexed."""
    from cityweave.search import indexing

    return indexing.rebuild_index()


def index_objects(objs: Iterable[Any]) -> int:
    """(Re)index the given objects; unpublished ones are removed. Returns documents written."""
    from cityweave.search import indexing

    return indexing.index_objects(objs)


def index_after_commit(objs: Iterable[Any]) -> None:
    """Re-index ``objs`` once the current transaction commits (what a write service calls)."""
    from django.db import transaction

    batch = list(objs)
    if batch:
        transaction.on_commit(lambda: index_objects(batch))


def remove_object(obj: Any) -> None:
    """Remove one object from the index (call after deleting or unpublishing it)."""
    from cityweave.search import indexing

    indexing.remove_object(obj)


def run_search(params: SearchParams) -> SearchResult:
    """One page of hits, ranked (bm25 / ts_rank) or by kind then title when ``q`` is empty,
    with the facet counts of the result set."""
    from cityweave.search import query

    return query.run_search(params)


def located_hits(params: SearchParams) -> list[SearchHit]:
    """Every matching hit that has coordinates, unpaginated (for the map)."""
    from cityweave.search import query

    return query.located_hits(params)
