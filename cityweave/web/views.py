"""The hub's pages: home, search with facets, map, and a page per item.

Views stay thin: parse the request, call a selector (or the search), render. The search page
answers htmx requests with the fragment that holds the facets and the results only. An item page
asked for a slug the item had before answers with a permanent redirect to its new address.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_htmx.middleware import HtmxDetails

from cityweave.catalogue import selectors as catalogue
from cityweave.catalogue.models import Case, Instrument, NbsType, Resource
from cityweave.catalogue.services.editing import can_edit
from cityweave.core.selectors import item_links, slug_moved_to
from cityweave.search import (
    InvalidSearchParams,
    SearchParams,
    parse_search_params,
    run_search,
)
from cityweave.search.labels import KIND_LABELS
from cityweave.web.facets import active_chips, facet_groups, page_query, with_param


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


KIND_ORDER = ("case", "nbs_type", "instrument", "resource", "city")
KIND_PLURALS = {
    "case": gettext_lazy("Cases"),
    "nbs_type": gettext_lazy("NBS types"),
    "instrument": gettext_lazy("Instruments"),
    "resource": gettext_lazy("Library resources"),
    "city": gettext_lazy("Cities"),
}


def _map_settings() -> dict[str, Any]:
    """What the map script needs: the optional tile server and its texts in this language."""
    return {
        "tiles_url": settings.MAP_TILES_URL,
        "tiles_attribution": settings.MAP_TILES_ATTRIBUTION,
        "texts": {
            "kinds": {kind: str(label) for kind, label in KIND_LABELS.items()},
            # Translators: %(count)s is a number of items shown on the map.
            "located": _("Items on the map: %(count)s"),
            "none": _("No item of this search has a location."),
            "failed": _("The map could not load its items. Reload the page to try again."),
            "approximate": _("Location: the city centre (approximate)"),
            "site": _("Location: the site (a point inside its outline)"),
            "basemap": _("Country outlines: Natural Earth (public domain)"),
        },
    }


def home(request: HttpRequest) -> HttpResponse:
    overview = run_search(SearchParams(page_size=1))
    kind_counts = {facet.value: facet.count for facet in overview.facets.get("kind", [])}
    return render(
        request,
        "web/home.html",
        {
            "kinds": [
                {"value": kind, "label": KIND_PLURALS[kind], "count": kind_counts.get(kind, 0)}
                for kind in KIND_ORDER
            ],
            "challenges": overview.facets.get("challenge", []),
            "nbs_types": catalogue.nbs_types_by_use(limit=8),
            "map": _map_settings(),
        },
    )


SORT_LABELS = {
    "relevance": gettext_lazy("Best match"),
    "newest": gettext_lazy("Newest"),
    "title": gettext_lazy("Title"),
}


def _search_context(request: HttpRequest) -> tuple[dict[str, Any], int]:
    try:
        params = parse_search_params(request.GET)
    except InvalidSearchParams as error:
        return {"error": error.message, "params": SearchParams()}, 400
    result = run_search(params)
    groups = facet_groups(result, params)
    pages = max(1, -(-result.count // params.page_size))
    return {
        "params": params,
        "result": result,
        "groups": groups,
        "chips": active_chips(request.GET, groups),
        "page": params.page,
        "pages": pages,
        "previous_query": page_query(request.GET, params.page - 1) if params.page > 1 else "",
        "next_query": page_query(request.GET, params.page + 1) if params.page < pages else "",
        "first_index": (params.page - 1) * params.page_size + 1,
        "last_index": min(result.count, params.page * params.page_size),
        "query_string": request.GET.urlencode(),
        "suggestion_query": with_param(request.GET, "q", result.suggestion)
        if result.suggestion
        else "",
        "sorts": [
            {
                "value": value,
                "label": label,
                "query": with_param(request.GET, "sort", "" if value == "relevance" else value),
                "active": params.sort == value,
            }
            for value, label in SORT_LABELS.items()
        ]
        if params.q
        else [],
        "kind_labels": KIND_LABELS,
        "map": _map_settings(),
    }, 200


def search(request: HtmxHttpRequest) -> HttpResponse:
    """Full-text search over every kind, with facets; ``/map/`` shows the same hits on a map."""
    context, status = _search_context(request)
    template = "web/_search_body.html" if request.htmx else "web/search.html"
    return render(request, template, context, status=status)


def search_map(request: HtmxHttpRequest) -> HttpResponse:
    context, status = _search_context(request)
    template = "web/_search_body.html" if request.htmx else "web/map.html"
    context["map_page"] = True
    return render(request, template, context, status=status)


def _detail(request: HttpRequest, template: str, obj: Any, **extra: Any) -> HttpResponse:
    model = type(obj)
    return render(
        request,
        template,
        {
            "object": obj,
            "links": item_links(obj, user=request.user),
            "can_edit": can_edit(request.user, model),
            "kind_label": model._meta.verbose_name,
            "map": _map_settings(),
            **extra,
        },
    )


def _get(getter: Any, slug: str, user: Any) -> Any:
    try:
        return getter(slug=slug, user=user)
    except ObjectDoesNotExist:
        raise Http404(_("Nothing is published under this address.")) from None


View = Callable[..., HttpResponse]


def follow_moved_slug(model: type[Model]) -> Callable[[View], View]:
    """Decorate an item page so that a slug ``model`` items had before (a ``SlugRedirect``)
    answers 301 with the same page at the new slug, in the same language (``/pl/cities/odz-pl/``
    → ``/pl/cities/lodz-pl/``) and with the same query. Costs a query only on a miss."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except Http404:
                new_slug = slug_moved_to(model=model, slug=kwargs.get("slug", ""))
                if new_slug is None:
                    raise
            name = request.resolver_match.view_name if request.resolver_match else ""
            url = reverse(name, kwargs={**kwargs, "slug": new_slug})
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)

        return wrapper

    return decorate


@follow_moved_slug(Case)
def case_detail(request: HttpRequest, slug: str) -> HttpResponse:
    case = _get(catalogue.case_get, slug, request.user)
    return _detail(
        request,
        "web/case_detail.html",
        case,
        scores=case_scores(case.scores),
        polygon_json=json.dumps(case.polygon) if case.polygon else "",
        term_rows=case_term_rows(case),
    )


@follow_moved_slug(NbsType)
def nbs_type_detail(request: HttpRequest, slug: str) -> HttpResponse:
    nbs_type = _get(catalogue.nbs_type_get, slug, request.user)
    cases = catalogue.case_list(user=request.user, params=SearchParams(nbs_type=(slug,)))
    return _detail(
        request,
        "web/nbs_type_detail.html",
        nbs_type,
        case_count=cases.count(),
        cases=cases[:12],
    )


@follow_moved_slug(Instrument)
def instrument_detail(request: HttpRequest, slug: str) -> HttpResponse:
    instrument = _get(catalogue.instrument_get, slug, request.user)
    return _detail(request, "web/instrument_detail.html", instrument)


@follow_moved_slug(Resource)
def resource_detail(request: HttpRequest, slug: str) -> HttpResponse:
    resource = _get(catalogue.resource_get, slug, request.user)
    return _detail(request, "web/resource_detail.html", resource)


def case_term_rows(case: Any) -> dict[str, list[Any]]:
    """A case's challenge and NBS type assignments, each list in the taxonomy's order."""
    rows = list(case.terms.all())
    challenges = [r for r in rows if r.challenge_id]
    nbs_types = [r for r in rows if r.nbs_type_id]
    challenges.sort(key=lambda r: (r.challenge.position, r.challenge.label_en))
    nbs_types.sort(key=lambda r: r.nbs_type.label_en)
    return {"challenge": challenges, "nbs_type": nbs_types}


# The Naturescapes theme totals; every other score is an indicator scored 0 to 4.
SCORE_THEMES = ("Climate", "Biodiversity", "Social Justice", "Transformative Potential")


def case_scores(scores: dict[str, Any]) -> dict[str, list[tuple[str, Any]]]:
    """A case's impact scores split into theme totals and indicators, each sorted by name."""
    themes = [(name, scores[name]) for name in SCORE_THEMES if name in scores]
    indicators = sorted((name, value) for name, value in scores.items() if name not in SCORE_THEMES)
    return {"themes": themes, "indicators": indicators}
