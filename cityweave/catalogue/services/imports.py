"""Bulk imports of hub items from the flat rows of ``cityweave.catalogue.tabular``.

One import is one transaction. Every row is validated first (field conversion, reference
look-ups, ``full_clean``); a bad row rejects the whole file unless ``skip_invalid`` is set, in
which case the valid rows are written and the bad ones reported. Rows are matched to existing
records by ``slug`` (upsert); a row equal to its record writes nothing, so importing an export
changes nothing.

Cell conventions (the same as the export): multi-valued cells hold ``;``-separated keys (city
and NBS type slugs, taxonomy codes); booleans are ``true``/``false``; an empty cell is "no
value". Row numbers count records from 1 (the CSV header is not a record).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models, transaction
from django.db.models import Model

from cityweave.catalogue.models import Case, Instrument, NbsType, Resource
from cityweave.catalogue.services.library import index_after_commit
from cityweave.catalogue.tabular import COLUMNS, MULTI_SEPARATOR, RELATED_KEYS
from cityweave.cities.models import City
from cityweave.core.models import TaxonomyTerm

# Command-line names of the kinds, and the tabular kind each stands for.
KIND_NAMES = {
    "cases": "case",
    "instruments": "instrument",
    "resources": "resource",
    "nbs-types": "nbs_type",
    "cities": "city",
}
MODELS: dict[str, type[Model]] = {
    "case": Case,
    "instrument": Instrument,
    "resource": Resource,
    "nbs_type": NbsType,
    "city": City,
}
# Columns written by the export but derived from other data: ignored on import.
DERIVED_COLUMNS = {"case": {"country_code"}, "resource": {"file_name"}}
# Taxonomy columns and the vocabulary their codes belong to (None: any vocabulary).
VOCABULARIES = {
    "challenges": "challenge",
    "ecosystem_services": "ecosystem_service",
    "topics": None,
}
TRUE_WORDS = {"true", "1", "yes", "y", "t"}
FALSE_WORDS = {"false", "0", "no", "n", "f"}


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (unreadable, unknown columns)."""


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.field}: {self.reason}"


class ImportRejected(Exception):
    """At least one row is invalid and ``skip_invalid`` was not set: nothing was written."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(error) for error in self.errors))


@dataclass
class ImportReport:
    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[RowError] = field(default_factory=list)
    objects: list[Model] = field(default_factory=list)  # created and updated records

    @property
    def skipped_rows(self) -> list[int]:
        return sorted({error.row for error in self.skipped})


@dataclass
class _Planned:
    obj: Model
    related: dict[str, list[Model]]
    created: bool
    changed: bool


# --- reading files ---------------------------------------------------------------------------


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The records of a CSV file (header row first) or a JSON file (a list of objects)."""
    suffix = path.suffix.lower()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ImportFileError(f"{path}: cannot be read as UTF-8 text: {error}") from error
    if suffix == ".csv":
        return [dict(row) for row in csv.DictReader(io.StringIO(text, newline=""))]
    if suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ImportFileError(f"{path}: not valid JSON: {error}") from error
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise ImportFileError(f"{path}: expected a JSON list of objects")
        return data
    raise ImportFileError(f"{path}: unknown file type {suffix or '(none)'}; use .csv or .json")


# --- references ------------------------------------------------------------------------------


class References:
    """Every record a row may refer to, loaded once, by the key the export writes."""

    def __init__(self) -> None:
        self.by_column: dict[str, dict[str, list[Model]]] = {}
        cities = _index(City.objects.all(), "slug")
        self.by_column["city"] = cities
        self.by_column["cities"] = cities
        self.by_column["nbs_types"] = _index(NbsType.objects.all(), "slug")
        self.by_column["cases"] = _index(Case.objects.all(), "slug")
        for column, vocabulary in VOCABULARIES.items():
            terms = TaxonomyTerm.objects.all()
            if vocabulary:
                terms = terms.filter(vocabulary=vocabulary)
            self.by_column[column] = _index(terms, "code")

    def resolve(self, column: str, key: str) -> Model:
        matches = self.by_column[column].get(key, [])
        if len(matches) == 1:
            return matches[0]
        what = {"city": "city", "cities": "city", "nbs_types": "NBS type", "cases": "case"}.get(
            column, VOCABULARIES.get(column) or "taxonomy term"
        )
        if not matches:
            raise ValidationError(f"unknown {what} {key!r}")
        raise ValidationError(f"{key!r} matches {len(matches)} terms; use a code that is unique")


def _index(queryset: Iterable[Model], key: str) -> dict[str, list[Model]]:
    index: dict[str, list[Model]] = {}
    for obj in queryset:
        index.setdefault(str(getattr(obj, key)), []).append(obj)
    return index


# --- cells -----------------------------------------------------------------------------------


def split_keys(value: Any) -> list[str]:
    """A multi-valued cell (``a;b``) or a JSON list as a list of non-empty strings."""
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).split(MULTI_SEPARATOR)
    return [str(item).strip() for item in items if str(item).strip()]


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValidationError(f"{value!r} is not true or false")


def convert(model_field: models.Field[Any, Any], value: Any) -> Any:
    """A cell as the Python value of ``model_field`` (raises ``ValidationError``)."""
    if isinstance(model_field, models.JSONField):
        return split_keys(value)
    empty = value is None or (isinstance(value, str) and value.strip() == "")
    if isinstance(model_field, models.BooleanField):
        return model_field.get_default() if empty else parse_bool(value)
    if empty:
        if model_field.null:
            return None
        if not model_field.blank and model_field.has_default():
            return model_field.get_default()  # e.g. an empty status means the default status
        if isinstance(model_field, models.CharField | models.TextField):
            return ""
        return model_field.get_default()
    if isinstance(value, list | dict):
        raise ValidationError("expected a single value")
    if isinstance(model_field, models.CharField | models.TextField) and not isinstance(value, str):
        value = str(value)
    return model_field.to_python(value)


# --- the import --------------------------------------------------------------------------------


def check_columns(kind: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Reject a file with columns the kind does not have (a typo would be silently lost)."""
    known = set(COLUMNS[kind])
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    unknown = [name for name in seen if name not in known]
    if unknown:
        raise ImportFileError(
            f"unknown column(s) {', '.join(map(repr, unknown))}; "
            f"the columns of {kind} are: {', '.join(COLUMNS[kind])}"
        )
    if rows and "slug" not in seen:
        raise ImportFileError("the file has no 'slug' column: records are matched by slug")


def _plan_row(
    *,
    kind: str,
    number: int,
    row: Mapping[str, Any],
    existing: dict[str, Model],
    references: References,
    source_name: str,
) -> _Planned | list[RowError]:
    model = MODELS[kind]
    slug = str(row.get("slug") or "").strip()
    if not slug:
        return [RowError(number, "slug", "this field is required")]
    current = existing.get(slug)
    created = current is None
    obj = current if current is not None else model(slug=slug)
    errors: list[RowError] = []
    before = {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields}
    related: dict[str, list[Model]] = {}

    for column, value in row.items():
        if column == "slug" or column in DERIVED_COLUMNS.get(kind, ()):
            continue
        try:
            model_field = model._meta.get_field(column)
        except FieldDoesNotExist:  # pragma: no cover - check_columns keeps these out
            errors.append(RowError(number, column, "unknown column"))
            continue
        try:
            if column in RELATED_KEYS:
                related[column] = [references.resolve(column, key) for key in split_keys(value)]
            elif isinstance(model_field, models.ForeignKey):
                keys = split_keys(value)
                if len(keys) > 1:
                    raise ValidationError("expected one slug")
                setattr(obj, column, references.resolve(column, keys[0]) if keys else None)
            elif column == "source_name" and not str(value or "").strip():
                if created:
                    obj.source_name = source_name  # type: ignore[attr-defined]
            else:
                setattr(obj, column, convert(model_field, value))  # type: ignore[arg-type]
        except ValidationError as error:
            errors.append(RowError(number, column, "; ".join(error.messages)))

    if created and "source_name" not in row:
        obj.source_name = source_name  # type: ignore[attr-defined]
    changed = created or any(getattr(obj, attname) != value for attname, value in before.items())
    if not changed:
        for column, objs in related.items():
            current_pks = {o.pk for o in getattr(obj, column).all()}
            if current_pks != {o.pk for o in objs}:
                changed = True
                break
    # A row equal to its record is a no-op, whatever the record holds: validate the others.
    if errors or changed:
        bad_fields = {error.field for error in errors}
        try:
            obj.full_clean(exclude=[*bad_fields, *RELATED_KEYS])
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.append(RowError(number, name, "; ".join(messages)))
    if errors:
        return errors
    return _Planned(obj=obj, related=related, created=created, changed=changed)


@transaction.atomic
def import_rows(
    *,
    kind: str,
    rows: Sequence[Mapping[str, Any]],
    source_name: str,
    skip_invalid: bool = False,
    on_row: Callable[[], None] | None = None,
) -> ImportReport:
    """Validate then upsert ``rows`` of ``kind`` (a key of ``MODELS``) in one transaction.

    ``source_name`` is the provenance given to new records whose row names no source.
    ``on_row`` is called after each row is validated and again after it is written (so twice
    per valid row), for progress display. Raises ``ImportFileError`` or ``ImportRejected``.
    """
    if kind not in MODELS:
        raise ImportFileError(f"unknown kind {kind!r}")
    check_columns(kind, rows)
    model = MODELS[kind]
    related_columns = [c for c in COLUMNS[kind] if c in RELATED_KEYS]
    slugs = [str(row.get("slug") or "").strip() for row in rows]
    existing: dict[str, Model] = {
        obj.slug: obj  # type: ignore[attr-defined]
        for obj in model._default_manager.filter(slug__in=[s for s in slugs if s]).prefetch_related(
            *related_columns
        )
    }
    references = References()
    report = ImportReport(kind=kind)
    planned: list[_Planned] = []
    first_row_of: dict[str, int] = {}

    for number, (row, slug) in enumerate(zip(rows, slugs, strict=True), start=1):
        if slug and slug in first_row_of:
            outcome: _Planned | list[RowError] = [
                RowError(number, "slug", f"{slug!r} already appears on row {first_row_of[slug]}")
            ]
        else:
            if slug:
                first_row_of[slug] = number
            outcome = _plan_row(
                kind=kind,
                number=number,
                row=row,
                existing=existing,
                references=references,
                source_name=source_name,
            )
        if isinstance(outcome, list):
            report.skipped.extend(outcome)
        else:
            planned.append(outcome)
        if on_row:
            on_row()

    if report.skipped and not skip_invalid:
        raise ImportRejected(report.skipped)

    for plan in planned:
        if plan.changed:
            plan.obj.save()
            for column, objs in plan.related.items():
                getattr(plan.obj, column).set(objs)
            report.objects.append(plan.obj)
            if plan.created:
                report.created += 1
            else:
                report.updated += 1
        else:
            report.unchanged += 1
        if on_row:
            on_row()

    index_after_commit(report.objects)
    return report
