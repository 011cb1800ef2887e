"""Writes of climate targets: importing a Covenant of Mayors or Net Zero Tracker file.

An import is one transaction. Each row is read first; a row that cannot be read rejects the whole
file with its row number and reason (or, with ``skip_invalid``, is reported and left out). A row
whose city CityWeave does not know is reported as unmatched, never attached to a guess. Targets
are matched on the dataset's own key, so importing the same file twice changes nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from cityweave.cities.matching import CityMatcher
from cityweave.cities.models import City, Membership, Network, Role
from cityweave.climate.datasets import READERS, SOURCES, RowRecords, missing_columns
from cityweave.climate.models import ClimateTarget

DATASET_NAMES = {"covenant": "covenant", "net-zero-tracker": "net_zero_tracker"}


class TargetImportError(ValueError):
    """The file as a whole cannot be imported (wrong columns, unknown dataset...)."""


@dataclass(frozen=True)
class RowProblem:
    row_number: int
    message: str

    def __str__(self) -> str:
        return f"row {self.row_number}: {self.message}"


class TargetImportRejected(Exception):
    def __init__(self, errors: list[RowProblem]) -> None:
        super().__init__(f"{len(errors)} invalid rows")
        self.errors = errors


@dataclass
class TargetImportReport:
    rows: int = 0
    matched_rows: int = 0
    unmatched: list[RowProblem] = field(default_factory=list)
    skipped: list[RowProblem] = field(default_factory=list)
    targets: dict[str, int] = field(
        default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0}
    )
    memberships: dict[str, int] = field(
        default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0}
    )


def _read(
    dataset: str, rows: list[Mapping[str, str]], skip_invalid: bool, report: TargetImportReport
) -> list[RowRecords]:
    reader = READERS[dataset]
    records: list[RowRecords] = []
    errors: list[RowProblem] = []
    for index, row in enumerate(rows):
        row_number = index + 1  # records count from 1, as in every CityWeave import
        try:
            records.append(reader(row, row_number))
        except (ValueError, KeyError) as error:
            errors.append(RowProblem(row_number, str(error).strip("'")))
    if errors and not skip_invalid:
        raise TargetImportRejected(errors)
    report.skipped = errors
    return records


def _upsert(obj: Any, values: Mapping[str, Any], counts: dict[str, int]) -> None:
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if obj.pk is None:
        for name, value in values.items():
            setattr(obj, name, value)
        obj.full_clean(validate_unique=False, validate_constraints=False)
        obj.save()
        counts["created"] += 1
    elif changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.full_clean(validate_unique=False, validate_constraints=False)
        obj.save(update_fields=[*changed, "updated_at"])
        counts["updated"] += 1
    else:
        counts["unchanged"] += 1


@transaction.atomic
def targets_import(
    *,
    dataset: str,
    rows: Iterable[Mapping[str, str]],
    retrieved_on: datetime.date,
    skip_invalid: bool = False,
    on_row: Callable[[], None] | None = None,
) -> TargetImportReport:
    """Import the climate targets (and pledge memberships) of a ``dataset`` file.

    ``dataset`` is ``covenant`` or ``net_zero_tracker`` (or ``net-zero-tracker``). Raises
    ``TargetImportError`` for a file that is not such a dataset and ``TargetImportRejected``
    listing every unreadable row; nothing is written then.
    """
    dataset = DATASET_NAMES.get(dataset, dataset)
    if dataset not in READERS:
        raise TargetImportError(
            f"unknown dataset {dataset!r}: expected covenant or net-zero-tracker"
        )
    rows = list(rows)
    if not rows:
        raise TargetImportError("the file has no rows")
    missing = missing_columns(set(rows[0]), dataset)
    if missing:
        raise TargetImportError(f"missing columns: {', '.join(sorted(missing))}")
    report = TargetImportReport(rows=len(rows))
    records = _read(dataset, rows, skip_invalid, report)

    matcher = CityMatcher.from_database()
    networks = {network.slug: network for network in Network.objects.all()}
    existing_targets = {
        target.dataset_key: target for target in ClimateTarget.objects.filter(dataset=dataset)
    }
    memberships = {
        (m.city_id, m.network_id): m
        for m in Membership.objects.filter(role=Role.SIGNATORY, network__in=networks.values())
    }
    provenance = {**SOURCES[dataset], "retrieved_on": retrieved_on}
    for record in records:
        if on_row is not None:
            on_row()
        city: City | None = matcher.match(record.city_name, record.country_code)
        if city is None:
            report.unmatched.append(
                RowProblem(
                    record.row_number,
                    f"no CityWeave city named {record.city_name!r} in {record.country_code}",
                )
            )
            continue
        report.matched_rows += 1
        for target in record.targets:
            key = target.fields["dataset_key"]
            obj = existing_targets.get(key) or ClimateTarget(city=city)
            _upsert(
                obj, {**target.fields, "retrieved_on": retrieved_on, "city": city}, report.targets
            )
            existing_targets[key] = obj
        for slug, pledge in record.pledges.items():
            network = networks.get(slug)
            if network is None:
                raise TargetImportError(
                    f"the network {slug!r} is missing: run `cityweave seed` first"
                )
            membership = memberships.get((city.pk, network.pk)) or Membership(
                city=city, network=network, role=Role.SIGNATORY
            )
            _upsert(membership, {"pledge": pledge, **provenance}, report.memberships)
            memberships[(city.pk, network.pk)] = membership
    return report
