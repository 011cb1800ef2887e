"""Run one job to its end: queued → running → succeeded, failed or cancelled.

The state changes are written outside the job's own transaction, so they stay when the work
rolls back. Failures store a message for people, never a traceback; the log gets the traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from cityweave.core.jobs.context import (
    JobCancelled,
    JobContext,
    JobError,
    clear_cancel,
    forget_progress,
)
from cityweave.core.jobs.models import Job, JobStatus
from cityweave.core.jobs.registry import JobSpec, UnknownJobKind, get_spec

logger = logging.getLogger(__name__)

UNEXPECTED_ERROR = gettext_noop(
    "The job stopped on an unexpected error; the server log has the details."
)


def run_job(job_id: UUID | str) -> Job:
    """Run the queued job ``job_id`` in this thread and return it in its final state.

    A job that is no longer queued (cancelled before it started, or already run) is left as
    it is.
    """
    job = Job.objects.get(pk=job_id)
    try:
        spec = get_spec(job.kind)
    except UnknownJobKind as error:
        logger.error("job %s: %s", job.pk, error)
        return _finish(job, status=JobStatus.FAILED, error=UNEXPECTED_ERROR)
    started = timezone.now()
    if not Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=started
    ):
        job.refresh_from_db()
        return job
    job.status, job.started_at = JobStatus.RUNNING, started
    context = JobContext(job)
    try:
        result = _call(spec, context, job.params)
    except JobCancelled:
        logger.info("job %s (%s) cancelled", job.pk, job.kind)
        return _finish(job, context=context, status=JobStatus.CANCELLED)
    except JobError as error:
        logger.warning("job %s (%s) failed: %s", job.pk, job.kind, error)
        return _finish(
            job, context=context, status=JobStatus.FAILED, error=str(error), result=error.result
        )
    except (ValueError, ValidationError) as error:  # e.g. ImportFileError, DocumentError
        logger.warning("job %s (%s) failed", job.pk, job.kind, exc_info=True)
        message = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        return _finish(job, context=context, status=JobStatus.FAILED, error=message)
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        return _finish(job, context=context, status=JobStatus.FAILED, error=UNEXPECTED_ERROR)
    finally:
        end_job(spec, job)
    return _finish(job, context=context, status=JobStatus.SUCCEEDED, result=result or {})


def _call(spec: JobSpec, context: JobContext, params: dict[str, Any]) -> Any:
    if not spec.atomic:
        return spec.function(context, **params)
    committed = False
    result = None

    def mark_committed() -> None:
        nonlocal committed
        committed = True

    try:
        with _as_writer(), transaction.atomic():
            transaction.on_commit(mark_committed)  # runs first of the job's callbacks
            result = spec.function(context, **params)
    except Exception:
        if not committed:
            raise
        # The work is stored; a step after the commit (e.g. search indexing) failed.
        logger.exception("job %s (%s): a step after its commit failed", context.job.pk, spec.kind)
    return result


@contextmanager
def _as_writer() -> Iterator[None]:
    """On SQLite, begin the job's transaction as a writer (``BEGIN IMMEDIATE``).

    A job reads first (an import checks every row) and writes at the end. Begun as a reader, it
    could not upgrade while a web request holds the write lock and waits for the job's read lock:
    SQLite fails the job at once. As a writer from the start, the others wait for it instead.
    """
    wrapper: Any = connection
    if wrapper.vendor != "sqlite" or wrapper.in_atomic_block:
        yield
        return
    previous = wrapper.transaction_mode
    wrapper.transaction_mode = "IMMEDIATE"
    try:
        yield
    finally:
        wrapper.transaction_mode = previous


def end_job(spec: JobSpec, job: Job) -> None:
    """What follows every job however it ended: its cleanup, and its in-memory state dropped."""
    clear_cancel(job.pk)
    forget_progress(job.pk)
    if spec.cleanup is None:
        return
    try:
        spec.cleanup(job.params)
    except Exception:
        logger.exception("job %s (%s): cleanup failed", job.pk, job.kind)


def _finish(
    job: Job,
    *,
    status: JobStatus,
    context: JobContext | None = None,
    error: str = "",
    result: Any = None,
) -> Job:
    job.status = status
    job.error = error
    job.result = dict(result or {})
    job.finished_at = timezone.now()
    if context is not None:
        job.done, job.total, job.message = context.done, context.total, context.message
    fields: dict[str, Any] = {
        "status": job.status,
        "error": job.error,
        "result": job.result,
        "finished_at": job.finished_at,
        "done": job.done,
        "total": job.total,
        "message": job.message[:300],
    }
    if status == JobStatus.CANCELLED:  # a request made inside the job's transaction is undone
        job.cancel_requested = fields["cancel_requested"] = True
    try:
        Job.objects.filter(pk=job.pk).update(**fields)
    except TypeError:  # a result that is not JSON: the job must still end
        logger.exception("job %s (%s): result not stored", job.pk, job.kind)
        job.status, job.error, job.result = JobStatus.FAILED, UNEXPECTED_ERROR, {}
        fields.update(status=job.status, error=job.error, result=job.result)
        Job.objects.filter(pk=job.pk).update(**fields)
    return job
