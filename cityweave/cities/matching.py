"""Finding the CityWeave city that a row of an outside dataset names.

A row names a city by its name (in any spelling the city's record knows: name, official name or
one of its aliases) and its country. Names are compared without case and accents, so "Kraków",
"Krakow" and "KRAKOW" are one name; a name that two cities of a country share matches neither,
so a row is never attached to the wrong city.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from unidecode import unidecode

from cityweave.cities.models import City

_NOT_WORD = re.compile(r"[^a-z0-9]+")


def name_key(name: str) -> str:
    """``"Gasteiz / Vitoria"`` → ``"gasteiz vitoria"``: lower case, no accents or punctuation."""
    return _NOT_WORD.sub(" ", unidecode(name).lower()).strip()


def city_names(city: City) -> set[str]:
    names = {city.name, city.official_name, *city.aliases.split("|")}
    return {key for key in (name_key(name) for name in names if name) if key}


class CityMatcher:
    """Looks cities up by (name, ISO 3166 alpha-2 country code)."""

    def __init__(self, cities: Iterable[City]) -> None:
        self._by_key: dict[tuple[str, str], City | None] = {}
        for city in cities:
            for key in city_names(city):
                slot = (key, city.country_code.upper())
                existing = self._by_key.get(slot, city)
                # Two cities of one country with the same name: ambiguous, match neither.
                self._by_key[slot] = (
                    city if existing is not None and existing.pk == city.pk else None
                )

    @classmethod
    def from_database(cls) -> CityMatcher:
        return cls(City.objects.only("pk", "name", "official_name", "aliases", "country_code"))

    def match(self, name: str, country_code: str) -> City | None:
        return self._by_key.get((name_key(name), country_code.upper()))
