"""Cases: the 352 Urban Nature Atlas sites scored by the Naturescapes project."""

from __future__ import annotations

from typing import Any

from cityweave.catalogue.classification import classify
from cityweave.catalogue.models import Case, NbsType
from cityweave.catalogue.services.classification import case_terms_classify
from cityweave.cities.models import City
from cityweave.core.models import Status, TaxonomyTerm
from cityweave.core.sync import Counts, sync_rows
from cityweave.core.text import slug_of
from cityweave.data.loaders.case_sites import DESCRIPTION_NOTE, descriptions, outlines
from cityweave.data.loaders.provenance import provenance, read_csv

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
    "Challenges and NBS types are assigned by CityWeave's machine classification from the "
    "title and description, each with the phrase that triggered it, unless an editor decided."
)


CASE_SLUG_SUFFIX = "-una-"


def case_slug(site_id: str, title: str) -> str:
    return f"{slug_of(title, max_length=190)}{CASE_SLUG_SUFFIX}{site_id}"


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
) -> dict[str, Counts]:
    """The cases and their machine-derived terms; returns counts of both."""
    city_by_una_name = {name: cities[slug] for name, slug in una_slugs.items()}
    rows = case_rows(city_by_una_name)
    for row in rows:
        row["editorial_note"] = f"{row['editorial_note']} {CLASSIFICATION_NOTE}"
    counts, by_slug = sync_rows(model=Case, key="slug", rows=rows)
    assignments = {
        by_slug[row["slug"]].pk: classify(
            title=row["title_en"],
            native_title=row["title_original"],
            description=row["description"],
        )
        for row in rows
    }
    term_counts = case_terms_classify(
        assignments=assignments,
        challenge_ids={
            code: term.pk for (vocabulary, code), term in terms.items() if vocabulary == "challenge"
        },
        nbs_type_ids=dict(NbsType.objects.values_list("slug", "id")),
    )
    return {"cases": counts, "case_terms": term_counts}
