"""Reads on jobs: the jobs a person may see, and a job's progress as the page shows it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from cityweave.core.jobs.context import cancel_signalled, live_progress
from cityweave.core.jobs.models import Job, JobStatus


def job_for_user(*, job_id: UUID | str, user: Any) -> Job:
    """The job ``job_id`` if ``user`` submitted it (superusers see every job); raises
    ``Job.DoesNotExist`` otherwise."""
    jobs = Job.objects.select_related("created_by")
    if not getattr(user, "is_superuser", False):
        jobs = jobs.filter(created_by_id=getattr(user, "pk", None))
    return jobs.get(pk=job_id)


@dataclass(frozen=True)
class JobProgress:
    done: int
    total: int | None
    message: str

    @property
    def percent(self) -> int | None:
        """Done in percent; None while the total is unknown (an empty job is 100% done)."""
        if self.total is None:
            return None
        if self.total == 0:
            return 100
        return min(100, round(100 * self.done / self.total))


def job_progress(job: Job) -> JobProgress:
    """The latest progress: live from the cache while the job runs, from the row otherwise."""
    if job.status == JobStatus.RUNNING:
        live = live_progress(job.pk)
        if live is not None:
            return JobProgress(done=live.done, total=live.total, message=live.message)
    return JobProgress(done=job.done, total=job.total, message=job.message)


def job_cancelling(job: Job) -> bool:
    """Whether ``job`` is still active but was asked to stop."""
    return job.is_active and (job.cancel_requested or cancel_signalled(job.pk))
