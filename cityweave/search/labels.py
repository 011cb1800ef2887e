"""Labels of facet values in the active language, one query at most per facet."""

from __future__ import annotations

import csv
import gettext
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import pycountry
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext_lazy as _

from cityweave.catalogue.models import GovernanceLevel, InstrumentCategory, NbsType
from cityweave.cities.models import City, MacroRegion
from cityweave.core.models import TaxonomyTerm

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
# The GeoNames country table shipped with the seed data (either place).
COUNTRIES_CSVS = (
    DATA_DIR / "countries" / "geonames_countries.csv",
    DATA_DIR / "cities_geonames" / "geonames_countries.csv",
)

KIND_LABELS = {
    "case": _("Case"),
    "nbs_type": _("NBS type"),
    "instrument": _("Instrument"),
    "resource": _("Resource"),
    "city": _("City"),
}


@lru_cache(maxsize=1)
def _countries_from_csv() -> dict[str, str]:
    for path in COUNTRIES_CSVS:
        if path.exists():
            with path.open(encoding="utf-8", newline="") as handle:
                rows = csv.DictReader(handle)
                return {row["iso"]: row["name"] for row in rows if row.get("iso")}
    return {}


@lru_cache(maxsize=8)
def _country_translation(language: str) -> gettext.NullTranslations:
    """pycountry's translations of ISO 3166-1 country names into ``language``."""
    return gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )


def _translated_country(code: str, language: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return ""
    return _country_translation(language).gettext(country.name)


def country_names(codes: Iterable[str]) -> dict[str, str]:
    """Country names in the active language: pycountry's ISO 3166-1 translations outside
    English; in English (or where no translation exists) the GeoNames table shipped with the seed
    data, else the names stored on cities, else the code itself."""
    language = (get_language() or "en")[:2]
    codes = list(codes)
    english = _english_country_names(codes)
    if language == "en":
        return english
    return {code: _translated_country(code, language) or english[code] for code in codes}


def country_name(code: str, *, language: str | None = None) -> str:
    """One country's name, in ``language`` or else the active language (see
    ``country_names``): ``"PL"`` → ``"Poland"``, ``"Polska"`` in Polish; ``""`` for no code."""
    if not code:
        return ""
    language = (language or get_language() or "en")[:2]
    english = _english_country_names([code])[code]
    if language == "en":
        return english
    return _translated_country(code, language) or english


def localised_subtitle(subtitle: str, code: str) -> str:
    """A search subtitle stored in English, its country in the active language.

    Documents are indexed once for every language, with the English name of their country at
    the end of the subtitle ("Kraków, Poland", or "Poland" alone); that name is swapped for the
    reader's ("Kraków, Polska"). A subtitle that does not end with it is returned as it is.
    """
    english = country_name(code, language="en") if subtitle and code else ""
    if not english or not (subtitle == english or subtitle.endswith(f", {english}")):
        return subtitle
    return subtitle[: len(subtitle) - len(english)] + country_name(code)


def _english_country_names(codes: Iterable[str]) -> dict[str, str]:
    codes = list(codes)
    names = {code: name for code in codes if (name := _countries_from_csv().get(code))}
    missing = [code for code in codes if code not in names]
    if missing:
        names.update(
            City.objects.filter(country_code__in=missing)
            .order_by()
            .values_list("country_code", "country")
            .distinct()
        )
    return {code: names.get(code) or code for code in codes}


def _language_name(code: str) -> str:
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


def _choice_labels(choices: Iterable[tuple[str, Any]]) -> Callable[[list[str]], dict[str, str]]:
    mapping = dict(choices)
    return lambda values: {v: str(mapping.get(v, v)) for v in values}


def _challenge_labels(values: list[str]) -> dict[str, str]:
    language = get_language()
    terms = TaxonomyTerm.objects.filter(vocabulary="challenge", code__in=values)
    return {term.code: term.label_in(language) for term in terms}


def _nbs_type_labels(values: list[str]) -> dict[str, str]:
    language = get_language()
    return {t.slug: t.label_in(language) for t in NbsType.objects.filter(slug__in=values)}


def _city_labels(values: list[str]) -> dict[str, str]:
    return dict(City.objects.filter(slug__in=values).values_list("slug", "name"))


LABELLERS: dict[str, Callable[[list[str]], dict[str, str]]] = {
    "kind": lambda values: {v: str(KIND_LABELS.get(v, v)) for v in values},
    "challenge": _challenge_labels,
    "nbs_type": _nbs_type_labels,
    "country": country_names,
    "macro_region": _choice_labels(MacroRegion.choices),
    "city": _city_labels,
    "category": _choice_labels(InstrumentCategory.choices),
    "level": _choice_labels(GovernanceLevel.choices),
    "year": lambda values: {v: v for v in values},
    "language": lambda values: {v: _language_name(v) for v in values},
}


def facet_labels(facet: str, values: list[str]) -> dict[str, str]:
    if not values:
        return {}
    labels = LABELLERS[facet](values)
    return {value: labels.get(value) or value for value in values}
