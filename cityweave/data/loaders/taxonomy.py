"""The shared taxonomy (``catalogue/taxonomy.json``): EC challenge areas, CICES sections,
sectors."""

from __future__ import annotations

from typing import Any

from cityweave.core.models import TaxonomyTerm
from cityweave.core.sync import Counts, sync_rows
from cityweave.data.loaders.provenance import provenance, read_json

LANGS = ("en", "pl", "es", "pt", "de")


def taxonomy_rows() -> list[dict[str, Any]]:
    rows = []
    for vocabulary, block in read_json("catalogue/taxonomy.json").items():
        prov = provenance(
            source_name=block["source_name"],
            source_url=block["source_url"],
            licence=block["licence"],
            editorial_note=block["editorial_note"],
        )
        for position, (code, *labels) in enumerate(block["terms"], start=1):
            row: dict[str, Any] = {
                "vocabulary": vocabulary,
                "code": code,
                "position": position,
                **prov,
            }
            row.update({f"label_{lang}": label for lang, label in zip(LANGS, labels, strict=True)})
            rows.append(row)
    return rows


def load_taxonomy() -> tuple[Counts, dict[tuple[str, str], TaxonomyTerm]]:
    """Returns counts and (vocabulary, code) → term."""
    return sync_rows(model=TaxonomyTerm, key=("vocabulary", "code"), rows=taxonomy_rows())
