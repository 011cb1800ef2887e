"""Cases: the 352 Urban Nature Atlas sites scored by the Naturescapes project."""

from __future__ import annotations

from typing import Any

from django.utils.text import slugify

from cityweave.catalogue.models import Case, NbsType
from cityweave.cities.models import City
from cityweave.core.models import Status, TaxonomyTerm
from cityweave.data.loaders.case_sites import DESCRIPTION_NOTE, descriptions, outlines
from cityweave.data.loaders.provenance import provenance, read_csv
from cityweave.data.loaders.sync import Counts, sync_m2m, sync_rows
from cityweave.data.loaders.title_rules import classify_title

SITES_FILE = "nbs_cases_naturescapes_una/una_nbs_sites_scores.csv"
# Columns 7 to 26 of the sites file: 16 indicator scores (0 to 4) and the 4 theme totals.
FIRST_SCORE_COLUMN = 6

SCORING_NOTE = (
    "Scores from the Naturescapes project: 16 indicators scored 0 to 4 in four themes (climate, "
    "biodiversity, social justice, transformative potential) plus the four theme totals; "
    "indicators marked NA at the source are left out."
)
LOCATION_NOTES = {
    "site": "Location: a point inside the site outline of the Urban Nature Atlas.",
    "city": "Location: the centre of the city; the Urban Nature Atlas gives no site outline.",
}
CLASSIFICATION_NOTE = (
    "NBS types and challenges assigned by CityWeave editors from the title only, by keyword rules."
)


CASE_SLUG_SUFFIX = "-una-"


def case_slug(site_id: str, title: str) -> str:
    return f"{slugify(title)[:190]}{CASE_SLUG_SUFFIX}{site_id}"


def _text(value: str) -> str:
    value = value.strip()
    return "" if value == "NA" else value


def _location(site_id: str, city: City) -> dict[str, Any]:
    outline = outlines().get(site_id)
    if outline is None:
        return {
            "latitude": city.latitude,
            "longitude": city.longitude,
            "location_precision": "city",
            "polygon": None,
            "area_m2": None,
        }
    return {
        "latitude": outline.latitude,
        "longitude": outline.longitude,
        "location_precision": "site",
        "polygon": outline.geometry,
        "area_m2": outline.area_m2,
    }


def case_rows(city_by_una_name: dict[str, City]) -> list[dict[str, Any]]:
    rows = []
    texts = descriptions()
    for r in read_csv(SITES_FILE):
        columns = list(r)
        scores = {
            column: int(r[column]) for column in columns[FIRST_SCORE_COLUMN:] if r[column] != "NA"
        }
        city = city_by_una_name[r["City or FUA"]]
        title = r["Name (short English title)"].strip()
        website = _text(r["Website of the intervention"])
        location = _location(r["ID"], city)
        rows.append(
            {
                "slug": case_slug(r["ID"], title),
                "title_en": title,
                "title_original": _text(r["Native language title"]),
                "description": texts.get(r["ID"], ""),
                "description_note": DESCRIPTION_NOTE if texts.get(r["ID"]) else "",
                "city_id": city.pk,
                **location,
                "scores": scores,
                "links": [{"label": "Website", "url": website}] if website else [],
                "status": Status.PUBLISHED,
                **provenance(
                    source_name="Urban Nature Atlas, scored by the Naturescapes project "
                    f"(thenatureconservancy/naturescapes, site {r['ID']})",
                    source_url="https://github.com/thenatureconservancy/naturescapes",
                    licence="no licence file at origin",
                    licence_verified=False,
                    editorial_note=(
                        f"{SCORING_NOTE} {LOCATION_NOTES[location['location_precision']]}"
                    ),
                ),
            }
        )
    return rows


def load_cases(
    *,
    una_slugs: dict[str, str],
    cities: dict[str, City],
    terms: dict[tuple[str, str], TaxonomyTerm],
) -> Counts:
    city_by_una_name = {name: cities[slug] for name, slug in una_slugs.items()}
    rows = case_rows(city_by_una_name)
    nbs_ids = dict(NbsType.objects.values_list("slug", "id"))
    wanted_types: dict[str, set[int]] = {}
    wanted_challenges: dict[str, set[int]] = {}
    for row in rows:
        types, challenges = classify_title(row["title_en"], row["title_original"])
        wanted_types[row["slug"]] = {nbs_ids[slug] for slug in types if slug in nbs_ids}
        wanted_challenges[row["slug"]] = {terms["challenge", code].pk for code in challenges}
        editorial = bool(wanted_types[row["slug"]] or wanted_challenges[row["slug"]])
        row["classification_editorial"] = editorial
        if editorial:
            row["editorial_note"] = f"{row['editorial_note']} {CLASSIFICATION_NOTE}"
    counts, by_slug = sync_rows(model=Case, key="slug", rows=rows)
    sync_m2m(
        model=Case,
        field="nbs_types",
        wanted={by_slug[slug].pk: ids for slug, ids in wanted_types.items()},
    )
    sync_m2m(
        model=Case,
        field="challenges",
        wanted={by_slug[slug].pk: ids for slug, ids in wanted_challenges.items()},
    )
    return counts
