"""Library resources (``catalogue/resources.json``): real documents and tools cited in the seed
data, each with the bibliographic facts its citation states and nothing more."""

from __future__ import annotations

from typing import Any

from cityweave.catalogue.models import NbsType, Resource
from cityweave.core.models import Status, TaxonomyTerm
from cityweave.core.sync import Counts, sync_m2m, sync_rows
from cityweave.data.loaders.provenance import provenance, read_json


def load_resources(
    *, terms: dict[tuple[str, str], TaxonomyTerm], nbs_types: dict[str, NbsType]
) -> Counts:
    """Upsert the resources by slug; topics are challenge areas and CICES sections."""
    data = read_json("catalogue/resources.json")
    rows: list[dict[str, Any]] = []
    topics: dict[str, set[int]] = {}
    types: dict[str, set[int]] = {}
    for item in data["resources"]:
        slug = item["slug"]
        rows.append(
            {
                "slug": slug,
                "title": item["title"],
                "resource_type": item["resource_type"],
                "language": item["language"],
                "authors": item["authors"],
                "year": item["year"],
                "description": item["description"],
                "url": item["url"],
                "status": Status.PUBLISHED,
                **provenance(
                    source_name=item["source_name"],
                    source_url=item["url"],
                    licence=item["licence"],
                    licence_verified=item["licence_verified"],
                    editorial_note=data["provenance"]["editorial_note"],
                ),
            }
        )
        topics[slug] = {terms["challenge", code].pk for code in item["challenges"]} | {
            terms["ecosystem_service", code].pk for code in item["ecosystem_services"]
        }
        types[slug] = {nbs_types[t].pk for t in item["nbs_types"]}
    counts, by_slug = sync_rows(model=Resource, key="slug", rows=rows)
    sync_m2m(
        model=Resource,
        field="topics",
        wanted={by_slug[slug].pk: ids for slug, ids in topics.items()},
    )
    sync_m2m(
        model=Resource,
        field="nbs_types",
        wanted={by_slug[slug].pk: ids for slug, ids in types.items()},
    )
    return counts
