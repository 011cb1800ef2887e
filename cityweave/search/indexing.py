"""Writing the index: full rebuild, and keeping single objects in step after a write."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import transaction

from cityweave.catalogue.models import Case, Instrument, NbsType, Resource
from cityweave.core.models import TaxonomyTerm
from cityweave.search import backends
from cityweave.search.documents import (
    BUILDERS,
    BuiltDocument,
    LabelTokens,
    indexable_querysets,
    is_indexable,
    kind_of,
)
from cityweave.search.models import SearchDocument, SearchFacetValue, SearchText
from cityweave.search.params import COLUMN_FACETS
from cityweave.search.query import index_changed
from cityweave.search.text import facet_token

BATCH_SIZE = 2_000


def facet_tokens(document: SearchDocument, facet_values: Sequence[tuple[str, str]]) -> str:
    """The tokens of every facet value of a document, for filtering in the full-text index."""
    pairs = [(facet, getattr(document, column)) for facet, column in COLUMN_FACETS.items()]
    pairs += list(facet_values)
    return " ".join(
        dict.fromkeys(
            facet_token(facet, str(value)) for facet, value in pairs if value not in ("", None)
        )
    )


def _write(built: Sequence[BuiltDocument]) -> list[int]:
    documents = SearchDocument.objects.bulk_create([b.document for b in built], batch_size=500)
    values = [
        SearchFacetValue(document_id=document.pk, facet=facet, value=value)
        for document, b in zip(documents, built, strict=True)
        for facet, value in dict.fromkeys(b.facet_values)
    ]
    SearchFacetValue.objects.bulk_create(values, batch_size=1_000)
    SearchText.objects.bulk_create(
        [
            SearchText(
                document_id=document.pk,
                title_tokens=b.title_tokens,
                body_tokens=b.body_tokens,
                facet_tokens=facet_tokens(document, b.facet_values),
                snippet_source=b.snippet_source,
            )
            for document, b in zip(documents, built, strict=True)
        ],
        batch_size=500,
    )
    return [document.pk for document in documents]


def _batches(kind: str, queryset: Any, labels: LabelTokens) -> Iterator[list[BuiltDocument]]:
    builder = BUILDERS[kind]
    batch: list[BuiltDocument] = []
    for obj in queryset.iterator(chunk_size=BATCH_SIZE):
        batch.append(builder(obj, labels))
        if len(batch) >= BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


def _changed() -> None:
    """Forget cached counts now, and again once the write is visible to other connections."""
    index_changed()
    transaction.on_commit(index_changed)


@transaction.atomic
def rebuild_index() -> int:
    """Rebuild the whole index from the database; returns the number of documents indexed."""
    backends.clear_all()
    labels = LabelTokens()
    total = 0
    for kind, queryset in indexable_querysets().items():
        for batch in _batches(kind, queryset, labels):
            total += len(_write(batch))
    backends.fts_rebuild()
    backends.analyse()
    _changed()
    return total


def _delete(kind: str, object_ids: Iterable[int]) -> None:
    ids = list(
        SearchDocument.objects.filter(kind=kind, object_id__in=list(object_ids)).values_list(
            "pk", flat=True
        )
    )
    if not ids:
        return
    backends.fts_delete(ids)
    SearchFacetValue.objects.filter(document_id__in=ids)._raw_delete(SearchFacetValue.objects.db)
    SearchText.objects.filter(document_id__in=ids)._raw_delete(SearchText.objects.db)
    SearchDocument.objects.filter(pk__in=ids)._raw_delete(SearchDocument.objects.db)


def _dependents(by_kind: dict[str, set[int]], terms: set[int]) -> dict[str, set[int]]:
    """Items whose documents copy something of the given ones: the name of their city, the
    labels of their NBS types or taxonomy terms."""
    found: dict[str, set[int]] = defaultdict(set)

    def add(kind: str, queryset: Any) -> None:
        found[kind].update(queryset.values_list("pk", flat=True))

    if cities := by_kind.get("city"):
        add("case", Case.objects.filter(city__in=cities))
        add("instrument", Instrument.objects.filter(cities__in=cities))
        add("resource", Resource.objects.filter(cities__in=cities))
    if nbs_types := by_kind.get("nbs_type"):
        add("case", Case.objects.filter(nbs_types__in=nbs_types))
        add("instrument", Instrument.objects.filter(nbs_types__in=nbs_types))
        add("resource", Resource.objects.filter(nbs_types__in=nbs_types))
    if terms:
        add("case", Case.objects.filter(challenges__in=terms))
        add("nbs_type", NbsType.objects.filter(challenges__in=terms))
        add("nbs_type", NbsType.objects.filter(ecosystem_services__in=terms))
        add("instrument", Instrument.objects.filter(challenges__in=terms))
        add("resource", Resource.objects.filter(topics__in=terms))
    return found


@transaction.atomic
def index_objects(objs: Iterable[Any]) -> int:
    """(Re)index the given objects and the items that copy their names or labels (the cases of
    a city or of an NBS type; the items classified under a taxonomy term, which may be passed
    too); unpublished ones leave the index. Returns the number of documents written."""
    by_kind: dict[str, set[int]] = defaultdict(set)
    terms: set[int] = set()
    for obj in objs:
        kind = kind_of(obj)
        if isinstance(obj, TaxonomyTerm):
            terms.add(obj.pk)
        elif kind is None:
            raise TypeError(f"{type(obj).__name__} is not a searchable kind")
        else:
            by_kind[kind].add(obj.pk)
    for kind, pks in _dependents(by_kind, terms).items():
        by_kind[kind] |= pks
    written = 0
    labels = LabelTokens()
    querysets = indexable_querysets()
    for kind, pks in by_kind.items():
        _delete(kind, pks)
        fresh = [o for o in querysets[kind].filter(pk__in=pks) if is_indexable(o)]
        if fresh:
            ids = _write([BUILDERS[kind](o, labels) for o in fresh])
            backends.fts_insert(ids)
            written += len(ids)
    _changed()
    return written


@transaction.atomic
def remove_object(obj: Any) -> None:
    """Remove one object from the index (after deleting or unpublishing it)."""
    kind = kind_of(obj)
    if kind is None:
        raise TypeError(f"{type(obj).__name__} is not a searchable kind")
    _delete(kind, [obj.pk])
    _changed()
