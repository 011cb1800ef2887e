"""The /api/v1 NinjaAPI: routers of each part are mounted here, with the error shapes.

Every error is ``{"detail": "<message>"}``: 400 for a malformed search parameter, 422 for a
value of the wrong type (both name the parameter), 404 for an unknown slug. The interactive
documentation at /api/v1/docs loads Swagger UI from the static files of django-ninja (``ninja``
is an installed app), never from a CDN.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import ValidationError

from cityweave.api import catalogue, cities, exchange, search
from cityweave.search import InvalidSearchParams

api = NinjaAPI(
    title="CityWeave API",
    version="1",
    description="Search and read the CityWeave knowledge hub: NBS types, cases, instruments, "
    "library resources and cities.",
    urls_namespace="api",
)


def _location(error: dict[str, Any]) -> str:
    skipped = {"query", "path", "body", "filters"}
    parts = [str(p) for p in error.get("loc", ()) if not isinstance(p, int) and p not in skipped]
    return ".".join(parts) or "request"


@api.exception_handler(InvalidSearchParams)
def invalid_search_params(request: HttpRequest, exc: InvalidSearchParams) -> HttpResponse:
    return api.create_response(request, {"detail": exc.message}, status=400)


@api.exception_handler(ValidationError)
def invalid_input(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    messages = [f"{_location(error)}: {error.get('msg', 'invalid')}" for error in exc.errors]
    return api.create_response(request, {"detail": "; ".join(messages)}, status=422)


api.add_router("", search.router)
api.add_router("", catalogue.router)
api.add_router("", cities.router)
api.add_router("", exchange.router)
