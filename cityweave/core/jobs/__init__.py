"""Long work (imports, assessments) as jobs with progress that can be cancelled.

- ``@register("kind")`` names a job function ``function(ctx, **params) -> dict``;
- ``submit(kind=..., params=..., by=...)`` creates the job and starts it after the transaction
  commits on the in-process worker thread (or at once with ``CITYWEAVE_JOBS_EAGER``);
- the function calls ``ctx.progress(done, total, message)``, which raises ``JobCancelled`` once
  ``request_cancel(job)`` was called; the job's transaction then rolls back;
- a function raises ``JobError`` (or a ``ValueError``) with a message for people when it fails.

See docs/decisions/0004-jobs-in-process-worker.md.
"""

from __future__ import annotations

from cityweave.core.jobs.context import JobCancelled, JobContext, JobError
from cityweave.core.jobs.models import Job, JobStatus
from cityweave.core.jobs.registry import UnknownJobKind, register
from cityweave.core.jobs.selectors import (
    JobProgress,
    job_cancelling,
    job_for_user,
    job_progress,
)
from cityweave.core.jobs.services import request_cancel, submit

__all__ = [
    "Job",
    "JobCancelled",
    "JobContext",
    "JobError",
    "JobProgress",
    "JobStatus",
    "UnknownJobKind",
    "job_cancelling",
    "job_for_user",
    "job_progress",
    "register",
    "request_cancel",
    "submit",
]
