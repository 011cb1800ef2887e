"""Importing a Covenant of Mayors or Net Zero Tracker file on the site, as a job with progress.

The page uploads the file (stored as the hub's imports are), the job runs ``targets_import`` in
its one transaction and reports what it wrote, every row whose city CityWeave does not know and
every skipped row; a cancel or a rejected file leaves nothing written.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop, ngettext

from cityweave.catalogue.services.imports import (
    delete_upload,
    read_rows,
    store_upload,
    submit_upload_job,
    upload_path,
)
from cityweave.climate.services import (
    DATASET_NAMES,
    RowProblem,
    TargetImportError,
    TargetImportRejected,
    targets_import,
)
from cityweave.core.jobs import Job, JobContext, JobError, register

JOB_KIND = "target-import"
PERMISSION = "climate.add_climatetarget"
READING = gettext_noop("Matching rows to cities")


def can_import_targets(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(PERMISSION))


@transaction.atomic
def targets_submit(
    *, dataset: str, upload: UploadedFile, skip_invalid: bool = False, by: Any
) -> Job:
    """Store ``upload`` and submit a ``target-import`` job for ``dataset`` (``covenant`` or
    ``net-zero-tracker``). ``PermissionDenied`` and ``ImportFileError`` as ``import_submit``."""
    if dataset not in DATASET_NAMES:
        raise TargetImportError(f"unknown dataset {dataset!r}")
    if not can_import_targets(by):
        raise PermissionDenied(f"{by} may not import climate targets")
    return submit_upload_job(
        job_kind=JOB_KIND,
        stored=store_upload(upload),
        params={"kind": dataset, "skip_invalid": skip_invalid},
        by=by,
    )


def _rows(problems: list[RowProblem], field: str) -> list[dict[str, Any]]:
    return [{"row": p.row_number, "field": field, "reason": p.message} for p in problems]


@register(JOB_KIND, cleanup=delete_upload)
def target_import_job(
    ctx: JobContext,
    *,
    kind: str,
    path: str,
    file_name: str,
    format: str,
    skip_invalid: bool = False,
) -> dict[str, Any]:
    """The ``target-import`` job. Its result has the target counts (``created``, ``updated``,
    ``unchanged``), the pledge counts, the ``unmatched`` and the ``skipped`` rows."""
    rows = read_rows(upload_path(path), file_format=format, name=file_name)
    done = 0
    ctx.progress(0, len(rows), READING)

    def step() -> None:
        nonlocal done
        done += 1
        ctx.progress(done)

    try:
        report = targets_import(
            dataset=kind,
            rows=rows,
            retrieved_on=timezone.localdate(),
            skip_invalid=skip_invalid,
            on_row=step,
        )
    except TargetImportError as error:
        raise JobError(f"{file_name}: {error}") from error
    except TargetImportRejected as rejected:
        count = len(rejected.errors)
        message = ngettext(
            "“%(name)s” was not imported (nothing was written): %(count)d row has errors.",
            "“%(name)s” was not imported (nothing was written): %(count)d rows have errors.",
            count,
        ) % {"name": file_name, "count": count}
        result = {"file_name": file_name, "errors": _rows(rejected.errors, "")}
        raise JobError(message, result=result) from rejected
    ctx.progress(len(rows), len(rows))
    return {
        "kind": kind,
        "file_name": file_name,
        "rows": report.rows,
        "matched_rows": report.matched_rows,
        **report.targets,
        "pledges": report.memberships,
        "skipped_rows": len(report.skipped),
        "skipped": _rows(report.skipped, ""),
        "unmatched": _rows(report.unmatched, "city"),
    }
