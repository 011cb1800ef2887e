"""Writes on jobs: submit one, request its cancellation."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from cityweave.core.jobs import worker
from cityweave.core.jobs.context import signal_cancel
from cityweave.core.jobs.models import ACTIVE_STATUSES, Job, JobStatus
from cityweave.core.jobs.registry import get_spec
from cityweave.core.jobs.runner import end_job, run_job


@transaction.atomic
def submit(*, kind: str, params: Mapping[str, Any] | None = None, by: Any = None) -> Job:
    """Create a job of ``kind`` and start it once the current transaction commits, on the
    background worker; with ``CITYWEAVE_JOBS_EAGER`` it runs now, and returns finished.

    ``params`` (JSON values) are passed to the job function as keyword arguments. Raises
    ``UnknownJobKind`` for a kind nobody registered.
    """
    get_spec(kind)
    user = by if getattr(by, "is_authenticated", False) else None
    job = Job.objects.create(kind=kind, params=dict(params or {}), created_by=user)
    if settings.CITYWEAVE_JOBS_EAGER:
        return run_job(job.pk)
    transaction.on_commit(partial(worker.start, job.pk))
    return job


def request_cancel(job: Job) -> Job:
    """Ask ``job`` to stop. A queued job is cancelled at once; a running one stops at its next
    progress step and rolls back (the worker then records it as cancelled). A finished job is
    left as it is.

    Not one transaction, on purpose: the running job is signalled before any write, and on
    SQLite nothing is written for it at all, because a write there would wait for the running
    job's transaction to end.
    """
    status = Job.objects.values_list("status", flat=True).get(pk=job.pk)
    if status == JobStatus.QUEUED and Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
        status=JobStatus.CANCELLED, cancel_requested=True, finished_at=timezone.now()
    ):
        end_job(get_spec(job.kind), job)
    elif status in ACTIVE_STATUSES:  # running, or started meanwhile
        signal_cancel(job.pk)
        if connection.vendor != "sqlite":  # other processes read the row (see JobContext)
            Job.objects.filter(pk=job.pk, status__in=ACTIVE_STATUSES).update(cancel_requested=True)
    job.refresh_from_db()
    return job
