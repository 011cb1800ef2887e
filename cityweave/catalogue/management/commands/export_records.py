"""``cityweave export KIND --format csv|json|geojson [--output FILE]``: every record of a kind,
drafts included, in the columns ``cityweave import`` reads back."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Model, QuerySet

from cityweave.catalogue.models import Case, Instrument, NbsType, Resource
from cityweave.catalogue.services.imports import KIND_NAMES
from cityweave.catalogue.tabular import COLUMNS, feature_collection, to_feature, to_row
from cityweave.cities.models import City

GEOJSON_KINDS = ("cases", "cities")


def export_queryset(kind: str) -> QuerySet[Any]:
    """Every record of a tabular kind, with what its row needs loaded, ordered by slug."""
    querysets: dict[str, QuerySet[Any]] = {
        "case": Case.objects.select_related("city").prefetch_related("nbs_types", "challenges"),
        "nbs_type": NbsType.objects.prefetch_related("challenges", "ecosystem_services"),
        "instrument": Instrument.objects.prefetch_related(
            "challenges", "nbs_types", "cities", "cases"
        ),
        "resource": Resource.objects.prefetch_related("topics", "nbs_types", "cities"),
        "city": City.objects.all(),
    }
    return querysets[kind].order_by("slug")


def render(kind: str, objs: list[Model], file_format: str) -> str:
    """The records as CSV, a JSON list of rows, or a GeoJSON FeatureCollection."""
    if file_format == "geojson":
        features = [f for f in (to_feature(obj) for obj in objs) if f is not None]
        return json.dumps(feature_collection(features), ensure_ascii=False, indent=2) + "\n"
    rows = [to_row(obj) for obj in objs]
    if file_format == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS[kind], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


class Command(BaseCommand):
    help = (
        "Export cases, instruments, resources, nbs-types or cities as CSV, JSON or GeoJSON "
        "(GeoJSON: cases and cities) to standard output or --output FILE."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(KIND_NAMES))
        parser.add_argument(
            "--format", dest="file_format", choices=("csv", "json", "geojson"), default="csv"
        )
        parser.add_argument("--output", type=Path, default=None, help="default: standard output")

    def handle(
        self,
        *args: Any,
        kind: str,
        file_format: str = "csv",
        output: Path | str | None = None,
        **options: Any,
    ) -> None:
        if file_format == "geojson" and kind not in GEOJSON_KINDS:
            raise CommandError(f"geojson export is available for {' and '.join(GEOJSON_KINDS)}")
        tabular_kind = KIND_NAMES[kind]
        objs = list(export_queryset(tabular_kind))
        text = render(tabular_kind, objs, file_format)
        if output is None:
            self.stdout.write(text, ending="")
            return
        Path(output).write_text(text, encoding="utf-8", newline="")
        self.stderr.write(f"{len(objs)} {kind} written to {output}")
