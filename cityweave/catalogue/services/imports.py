"""Bulk imports of hub items from the flat rows of ``cityweave.catalogue.tabular``.

One import is one transaction. Every row is validated first (field conversion, reference
look-ups, ``full_clean``); a bad row rejects the whole file unless ``skip_invalid`` is set, in
which case the valid rows are written and the bad ones reported. Rows are matched to existing
records by ``slug`` (upsert); a row equal to its record writes nothing, so importing an export
changes nothing.

Cell conventions (the same as the export): multi-valued cells hold ``;``-separated keys (city
and NBS type slugs, taxonomy codes); booleans are ``true``/``false``; an empty cell is "no
value". Row numbers count records from 1 (the CSV header is not a record).

On the site an import is a job (``import_submit`` stores the upload and submits the ``import``
job, see ``cityweave.core.jobs``): it shows progress and a cancel rolls it back.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    FieldDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import Model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from cityweave.catalogue.documents import DocumentError
from cityweave.catalogue.models import Case, Instrument, NbsType, Resource
from cityweave.catalogue.services.editing import can_edit
from cityweave.catalogue.services.library import read_upload
from cityweave.catalogue.tabular import COLUMNS, MULTI_SEPARATOR, RELATED_KEYS
from cityweave.cities.models import City
from cityweave.core.jobs import Job, JobContext, JobError, register, submit
from cityweave.core.models import TaxonomyTerm
from cityweave.search import index_after_commit

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
# The stages ``import_rows`` reports progress for (translated where they are shown).
CHECKING = gettext_noop("Checking rows")
WRITING = gettext_noop("Writing records")
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
        if self.field == NON_FIELD_ERRORS:  # a rule over several fields (a duplicate ...)
            return f"row {self.row}: {self.reason}"
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


def read_rows(
    path: Path, *, file_format: str | None = None, name: str | None = None
) -> list[dict[str, Any]]:
    """The records of a CSV file (header row first) or a JSON file (a list of objects).

    ``file_format`` (``csv`` or ``json``) defaults to the file's extension; messages name the
    file ``name`` (default: ``path``).
    """
    shown = name or str(path)
    suffix = f".{file_format}" if file_format else path.suffix.lower()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ImportFileError(f"{shown}: cannot be read as UTF-8 text: {error}") from error
    if suffix == ".csv":
        return [dict(row) for row in csv.DictReader(io.StringIO(text, newline=""))]
    if suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ImportFileError(f"{shown}: not valid JSON: {error}") from error
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise ImportFileError(f"{shown}: expected a JSON list of objects")
        return data
    raise ImportFileError(f"{shown}: unknown file type {suffix or '(none)'}; use .csv or .json")


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
    progress: Callable[[int, int, str], None] | None = None,
) -> ImportReport:
    """Validate then upsert ``rows`` of ``kind`` (a key of ``MODELS``) in one transaction.

    ``source_name`` is the provenance given to new records whose row names no source.
    ``on_row`` is called after each row is validated and again after it is written (so twice
    per valid row), for progress display. ``progress(done, total, stage)`` is called after each
    row of each stage: ``CHECKING`` every row, then ``WRITING`` every valid row; an exception it
    raises (a cancelled job) rolls the import back. Raises ``ImportFileError`` or
    ``ImportRejected``.
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
        if progress:
            progress(number, len(rows), CHECKING)

    if report.skipped and not skip_invalid:
        raise ImportRejected(report.skipped)

    for number, plan in enumerate(planned, start=1):
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
        if progress:
            progress(number, len(planned), WRITING)

    index_after_commit(report.objects)
    return report


# --- imports as jobs ---------------------------------------------------------------------------

# Uploaded files wait for their job under MEDIA_ROOT/imports/ and are deleted when it ends.
UPLOAD_DIR = "imports"
FORMATS = ("csv", "json")


def can_import(user: Any, kind: str) -> bool:
    """Whether ``user`` may import ``kind`` (a key of ``MODELS``): an import adds and changes."""
    model = MODELS[kind]
    return can_edit(user, model, creating=True) and can_edit(user, model)


def upload_path(relative: str) -> Path:
    """The file of an uploaded import, refusing anything outside ``MEDIA_ROOT/imports/``."""
    root = (Path(settings.MEDIA_ROOT) / UPLOAD_DIR).resolve()
    path = (Path(settings.MEDIA_ROOT) / relative).resolve()
    if path.parent != root:
        raise ImportFileError(f"{relative!r} is not an uploaded import file")
    return path


def upload_format(name: str) -> str:
    """``csv`` or ``json`` from the file name, or ``ImportFileError``."""
    suffix = PurePath(name).suffix.lower()
    if suffix.lstrip(".") not in FORMATS:
        raise ImportFileError(
            _("“%(name)s”: files of type “%(suffix)s” cannot be imported; use a CSV or JSON file.")
            % {"name": name, "suffix": suffix or _("no extension")}
        )
    return suffix.lstrip(".")


def store_upload(upload: UploadedFile) -> dict[str, str]:
    """Keep an uploaded CSV or JSON file under ``MEDIA_ROOT/imports/`` for an import job: its
    ``path`` (relative to ``MEDIA_ROOT``), ``file_name`` and ``format``.

    Raises ``ImportFileError`` for a file that is not CSV or JSON text in UTF-8, is empty or is
    larger than ``UPLOAD_MAX_BYTES``; nothing is stored then."""
    name = PurePath(upload.name or "").name
    file_format = upload_format(name)
    try:
        data = read_upload(upload)
    except DocumentError as error:
        raise ImportFileError(str(error)) from error
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            _("“%(name)s” is not UTF-8 text: save it as CSV (UTF-8) or JSON and try again.")
            % {"name": name}
        ) from None
    relative = f"{UPLOAD_DIR}/{uuid.uuid4().hex}.{file_format}"
    path = upload_path(relative)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return {"path": relative, "file_name": name, "format": file_format}


def submit_upload_job(
    *, job_kind: str, stored: Mapping[str, str], params: Mapping[str, Any], by: Any
) -> Job:
    """Submit a ``job_kind`` job for a ``store_upload`` file; the file goes if submitting fails."""
    try:
        return submit(kind=job_kind, params={**stored, **params}, by=by)
    except BaseException:
        upload_path(stored["path"]).unlink(missing_ok=True)
        raise


@transaction.atomic
def import_submit(*, kind: str, upload: UploadedFile, skip_invalid: bool = False, by: Any) -> Job:
    """Store ``upload`` under ``MEDIA_ROOT/imports/`` and submit an ``import`` job for it.

    Raises ``PermissionDenied`` when ``by`` may not import ``kind``, and ``ImportFileError`` for
    a file ``store_upload`` refuses; nothing is stored then.
    """
    if kind not in MODELS:
        raise ImportFileError(f"unknown kind {kind!r}")
    if not can_import(by, kind):
        raise PermissionDenied(f"{by} may not import {MODELS[kind]._meta.verbose_name_plural}")
    stored = store_upload(upload)
    return submit_upload_job(
        job_kind="import",
        stored=stored,
        params={"kind": kind, "skip_invalid": skip_invalid},
        by=by,
    )


def delete_upload(params: Mapping[str, Any]) -> None:
    upload_path(params["path"]).unlink(missing_ok=True)


def _row_errors(errors: Iterable[RowError]) -> list[dict[str, Any]]:
    return [{"row": e.row, "field": e.field, "reason": e.reason} for e in errors]


@register("import", cleanup=delete_upload)
def import_job(
    ctx: JobContext,
    *,
    kind: str,
    path: str,
    file_name: str,
    format: str,
    skip_invalid: bool = False,
) -> dict[str, Any]:
    """The ``import`` job: ``import_rows`` over an uploaded file, with progress.

    The result holds the counts and the skipped rows (``row``, ``field``, ``reason``); a file
    rejected for its rows fails with those rows in ``result["errors"]``.
    """
    rows = read_rows(upload_path(path), file_format=format, name=file_name)
    ctx.progress(0, len(rows), CHECKING)
    try:
        report = import_rows(
            kind=kind,
            rows=rows,
            source_name=file_name,
            skip_invalid=skip_invalid,
            progress=ctx.progress,
        )
    except ImportFileError as error:
        raise JobError(f"{file_name}: {error}") from error
    except ImportRejected as rejected:
        count = len({error.row for error in rejected.errors})
        message = ngettext(
            "“%(name)s” was not imported (nothing was written): %(count)d row has errors.",
            "“%(name)s” was not imported (nothing was written): %(count)d rows have errors.",
            count,
        ) % {"name": file_name, "count": count}
        result = {"file_name": file_name, "errors": _row_errors(rejected.errors)}
        raise JobError(message, result=result) from rejected
    return {
        "kind": kind,
        "file_name": file_name,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "skipped_rows": len(report.skipped_rows),
        "skipped": _row_errors(report.skipped),
    }
