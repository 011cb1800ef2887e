"""NBS types (``catalogue/nbs_types.json``) and their biophysical parameters
(``catalogue/nbs_parameters.csv``, every value with its source)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from cityweave.catalogue.models import BiophysicalParameter, NbsType
from cityweave.core.models import Status, TaxonomyTerm
from cityweave.core.sync import Counts, sync_m2m, sync_rows
from cityweave.data.loaders.provenance import provenance, read_csv, read_json

LANGS = ("en", "pl", "es", "pt", "de")
NO_COST: dict[str, Any] = {
    "cost_min": None,
    "cost_max": None,
    "cost_currency": "",
    "cost_unit": "",
    "cost_year": None,
    "cost_source": "",
    "cost_source_url": "",
}


def nbs_type_rows() -> tuple[list[dict[str, Any]], dict[str, tuple[list[str], list[str]]]]:
    """Rows for NbsType, and slug → (challenge codes, ecosystem service codes)."""
    data = read_json("catalogue/nbs_types.json")
    prov = provenance(**data["provenance"])
    costs = data["costs"]
    cost_by_slug = {row[0]: row for row in costs["rows"]}
    rows = []
    terms: dict[str, tuple[list[str], list[str]]] = {}
    for slug, labels, ec_type, challenges, services, scales, description, maintenance in data[
        "types"
    ]:
        row: dict[str, Any] = {
            "slug": slug,
            "ec_type": ec_type,
            "scales": scales,
            "description": description,
            "maintenance": maintenance,
            "status": Status.PUBLISHED,
            **prov,
            **NO_COST,
        }
        row.update({f"label_{lang}": label for lang, label in zip(LANGS, labels, strict=True)})
        cost = cost_by_slug.get(slug)
        if cost:
            _slug, low, high, unit, name = cost
            row.update(
                cost_min=Decimal(low).quantize(Decimal("0.01")),
                cost_max=Decimal(high).quantize(Decimal("0.01")),
                cost_currency="USD",
                cost_unit=unit,
                cost_source=f"{costs['source']}: intervention “{name}”",
                cost_source_url=costs["source_url"],
                # The cost file has no licence at its origin.
                licence_verified=False,
                editorial_note=f"{prov['editorial_note']} {costs['editorial_note']}",
            )
        rows.append(row)
        terms[slug] = (challenges, services)
    return rows, terms


def load_nbs_types(
    *, terms: dict[tuple[str, str], TaxonomyTerm]
) -> tuple[Counts, dict[str, NbsType]]:
    rows, wanted = nbs_type_rows()
    counts, by_slug = sync_rows(model=NbsType, key="slug", rows=rows)
    sync_m2m(
        model=NbsType,
        field="challenges",
        wanted={
            by_slug[slug].pk: {terms["challenge", code].pk for code in challenges}
            for slug, (challenges, _services) in wanted.items()
        },
    )
    sync_m2m(
        model=NbsType,
        field="ecosystem_services",
        wanted={
            by_slug[slug].pk: {terms["ecosystem_service", code].pk for code in services}
            for slug, (_challenges, services) in wanted.items()
        },
    )
    return counts, by_slug


def load_parameters(*, nbs_types: dict[str, NbsType]) -> Counts:
    rows = [
        {
            "nbs_type_id": nbs_types[r["nbs_type_slug"]].pk,
            "name": r["name"],
            "value": float(r["value"]),
            "unit": r["unit"],
            "source": r["source"],
            "source_url": r["source_url"],
            "note": r["note"],
        }
        for r in read_csv("catalogue/nbs_parameters.csv")
    ]
    counts, _by_key = sync_rows(model=BiophysicalParameter, key=("nbs_type_id", "name"), rows=rows)
    return counts
