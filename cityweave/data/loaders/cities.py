"""Cities: the EU Mission cities, INTERLACE and IMPETUS partners and the Urban Nature Atlas urban
areas, merged on GeoNames id into one city with combined programmes."""

from __future__ import annotations

from typing import Any

from django.utils.text import slugify

from cityweave.cities.models import City, CityKind, MacroRegion
from cityweave.data.loaders.provenance import provenance, read_csv
from cityweave.data.loaders.sync import Counts, sync_rows

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
    source_name="EU Mission for 100 Climate-Neutral and Smart Cities: city list "
    "(Open-Earth-Foundation/Quartz_project NZC.json), matched to GeoNames",
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
    return slugify(f"{name} {country_code}")[:200]


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
                        f"Coordinates and population of {r['geonames_name']}: {note}."
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


def merged_city_rows() -> tuple[list[dict[str, Any]], dict[str, str]]:
    """All city rows, merged on GeoNames id; also UNA name → city slug."""
    by_geonameid: dict[int, dict[str, Any]] = {}
    rows: list[dict[str, Any]] = []
    una_slugs: dict[str, str] = {}
    for row in [*mission_rows(), *partner_rows(), *una_rows()]:
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


def load_cities() -> tuple[Counts, dict[str, City], dict[str, str]]:
    """Returns counts, slug → city, and UNA city name → city slug."""
    rows, una_slugs = merged_city_rows()
    counts, by_slug = sync_rows(model=City, key="slug", rows=rows)
    return counts, by_slug, una_slugs
