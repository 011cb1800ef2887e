"""Template helpers of CityWeave's pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format

from cityweave.search.labels import country_name as _country_name

register = template.Library()


@register.filter
def lookup(mapping: Any, key: Any) -> Any:
    """``{{ labels|lookup:hit.kind }}``: a value of a dict by a key held in a variable."""
    try:
        return mapping[key]
    except (KeyError, TypeError, IndexError):
        return ""


@register.filter
def score_width(value: Any, maximum: Any = 4) -> int:
    """The width in per cent of a score bar (``value`` out of ``maximum``), clamped to 0-100."""
    try:
        share = float(value) / float(maximum)
    except (TypeError, ValueError, ZeroDivisionError):
        return 0
    return round(max(0.0, min(1.0, share)) * 100)


@register.filter
def aliases(value: str) -> str:
    """``"Krakow|Cracow"`` → ``"Krakow, Cracow"``: a city's aliases as people read them."""
    return ", ".join(alias.strip() for alias in (value or "").split("|") if alias.strip())


@register.filter
def hectares(square_metres: Any) -> str:
    """An area in m² as hectares with the digits that matter: 0.008, 0.45, 3.7, 32,376."""
    try:
        ha = float(square_metres) / 10_000
    except (TypeError, ValueError):
        return ""
    digits = 0 if ha >= 100 else 1 if ha >= 10 else 2 if ha >= 0.1 else 3
    return number_format(round(ha, digits), decimal_pos=digits, force_grouping=True)


@register.filter
def country_name(code: str) -> str:
    """``{{ city.country_code|country_name }}``: ``"PL"`` → ``"Poland"``, in the page's
    language (``"Polska"`` on ``/pl/``); pages name countries, never their ISO codes."""
    return _country_name(code or "")
