"""Paths and provenance shared by the loaders."""

from __future__ import annotations

import csv
import datetime
import json
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent.parent

# The day the shipped files were copied from their origin.
RETRIEVED_ON = datetime.date(2026, 11, 22)


def read_csv(relative: str) -> list[dict[str, str]]:
    with (DATA_DIR / relative).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def read_json(relative: str) -> Any:
    with (DATA_DIR / relative).open(encoding="utf-8") as handle:
        return json.load(handle)


def provenance(
    *,
    source_name: str,
    source_url: str = "",
    licence: str = "",
    licence_verified: bool = True,
    editorial_note: str = "",
) -> dict[str, Any]:
    return {
        "source_name": source_name,
        "source_url": source_url,
        "licence": licence,
        "licence_verified": licence_verified,
        "retrieved_on": RETRIEVED_ON,
        "editorial_note": editorial_note,
    }
