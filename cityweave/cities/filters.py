"""The filters of the city directory and map (page and API), parsed once from a request.

``?network=interlace&role=partner&challenge=climate-resilience&country=PL&macro_region=EU&q=``;
repeat a parameter to select several values. A value that cannot be right (an unknown network
or role, a country code that is not two letters) is refused with a message naming the
parameter, never silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cityweave.cities.models import Network, Role
from cityweave.search import InvalidSearchParams, parse_search_params
from cityweave.search.params import filter_values


@dataclass(frozen=True)
class CityFilters:
    q: str = ""
    network: tuple[str, ...] = ()
    role: tuple[str, ...] = ()
    challenge: tuple[str, ...] = ()
    country: tuple[str, ...] = ()
    macro_region: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return any(
            (self.q, self.network, self.role, self.challenge, self.country, self.macro_region)
        )


def parse_city_filters(querydict: Mapping[str, Any]) -> CityFilters:
    """Validated filters; raises ``InvalidSearchParams`` (HTTP 400) naming the parameter.

    Text, country, macro-region and challenge are read as the search reads them; network and
    role are the directory's own."""
    search = parse_search_params(querydict)
    roles = filter_values(querydict, "role")
    unknown = [r for r in roles if r not in Role.values]
    if unknown:
        raise InvalidSearchParams(
            f"role: unknown role {unknown[0]!r} (expected one of {', '.join(Role.values)})",
            "role",
        )
    networks = filter_values(querydict, "network")
    if networks:
        known = set(Network.objects.filter(slug__in=networks).values_list("slug", flat=True))
        missing = [n for n in networks if n not in known]
        if missing:
            raise InvalidSearchParams(f"network: no network {missing[0]!r}", "network")
    return CityFilters(
        q=search.q,
        network=networks,
        role=roles,
        challenge=search.challenge,
        country=search.country,
        macro_region=search.macro_region,
    )
