"""Responses other than JSON pages: CSV (streamed) and GeoJSON FeatureCollections, and the page
slicing shared by the list endpoints."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse

from cityweave.catalogue.tabular import COLUMNS, feature_collection, to_feature, to_row
from cityweave.search.types import SearchParams

CSV_CHUNK = 1_000


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(columns: Iterable[str], rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    writer = csv.DictWriter(_Echo(), fieldnames=list(columns))  # type: ignore[type-var]
    yield writer.writeheader()
    for row in rows:
        yield writer.writerow(row)


def csv_response(filename: str, columns: Iterable[str], rows: Iterable[dict[str, Any]]) -> Any:
    response = StreamingHttpResponse(
        csv_stream(list(columns), rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def queryset_csv(filename: str, kind: str, queryset: QuerySet[Any]) -> Any:
    rows = (to_row(obj) for obj in queryset.iterator(chunk_size=CSV_CHUNK))
    return csv_response(filename, COLUMNS[kind], rows)


def geojson_response(features: list[dict[str, Any]]) -> HttpResponse:
    return HttpResponse(
        json.dumps(feature_collection(features), cls=DjangoJSONEncoder),
        content_type="application/geo+json",
    )


def queryset_geojson(queryset: QuerySet[Any]) -> HttpResponse:
    features = [to_feature(obj) for obj in queryset.iterator(chunk_size=CSV_CHUNK)]
    return geojson_response([f for f in features if f is not None])


def page(
    queryset: QuerySet[Any], params: SearchParams, serialize: Callable[[Any], dict[str, Any]]
) -> dict[str, Any]:
    """``{count, page, page_size, items}``: two queries plus the prefetches, whatever the size."""
    count = queryset.count()
    start = (params.page - 1) * params.page_size
    items = [serialize(obj) for obj in queryset[start : start + params.page_size]]
    return {"count": count, "page": params.page, "page_size": params.page_size, "items": items}
