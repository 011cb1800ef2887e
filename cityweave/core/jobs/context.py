"""What a running job sees: ``JobContext.progress(done, total, message)``, which publishes the
progress and raises ``JobCancelled`` once cancellation was requested.

Live progress goes to Django's cache, not to the job row: the job's own transaction holds the
database (SQLite has a single writer, and PostgreSQL would hide an uncommitted row), and the cache
is shared by the web pages (in-process memory by default, Redis with ``REDIS_URL``). The row gets
the final numbers when the job ends.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import connection

from cityweave.core.jobs.models import Job

# Progress is published at most this often (seconds), and always on the last step.
PROGRESS_INTERVAL = 0.25
PROGRESS_TIMEOUT = 24 * 3600


class JobCancelled(Exception):
    """Raised inside a job when cancellation was requested; the job's transaction rolls back."""


class JobError(Exception):
    """A failure to show people as it is (``str(error)``), with an optional partial ``result``
    (e.g. the rows that made a file fail)."""

    def __init__(self, message: str, *, result: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.result = dict(result or {})


@dataclass(frozen=True)
class LiveProgress:
    done: int
    total: int | None
    message: str


def _progress_key(job_id: Any) -> str:
    return f"cityweave:job:{job_id}:progress"


def publish_progress(job_id: Any, progress: LiveProgress) -> None:
    cache.set(
        _progress_key(job_id),
        {"done": progress.done, "total": progress.total, "message": progress.message},
        PROGRESS_TIMEOUT,
    )


def live_progress(job_id: Any) -> LiveProgress | None:
    value = cache.get(_progress_key(job_id))
    if not isinstance(value, dict):
        return None
    return LiveProgress(done=value["done"], total=value["total"], message=value["message"])


def forget_progress(job_id: Any) -> None:
    cache.delete(_progress_key(job_id))


# Cancellation requested in this process: seen by the job at its next progress call.
_cancelled: set[str] = set()
_cancelled_lock = threading.Lock()


def signal_cancel(job_id: Any) -> None:
    with _cancelled_lock:
        _cancelled.add(str(job_id))


def clear_cancel(job_id: Any) -> None:
    with _cancelled_lock:
        _cancelled.discard(str(job_id))


def cancel_signalled(job_id: Any) -> bool:
    with _cancelled_lock:
        return str(job_id) in _cancelled


class JobContext:
    """Passed to a job function; ``done``, ``total`` and ``message`` hold the latest progress."""

    def __init__(
        self,
        job: Job,
        *,
        clock: Callable[[], float] = time.monotonic,
        interval: float = PROGRESS_INTERVAL,
    ) -> None:
        self.job = job
        self.done = job.done
        self.total: int | None = job.total
        self.message = job.message
        self._clock = clock
        self._interval = interval
        self._published_at: float | None = None

    def progress(self, done: int, total: int | None = None, message: str = "") -> None:
        """Record that ``done`` of ``total`` steps are done (``total`` None keeps the total
        given before; an empty ``message`` keeps the previous one).

        Publishes at most every ``PROGRESS_INTERVAL`` seconds and on the last step; raises
        ``JobCancelled`` when cancellation was requested.
        """
        self.done = done
        if total is not None:
            self.total = total
        if message:
            self.message = message
        if cancel_signalled(self.job.pk):
            raise JobCancelled
        # Let the web server's threads run: this thread shares the interpreter lock with them,
        # and a busy job would otherwise hold every page back by the switch interval per hand-over.
        time.sleep(0)
        now = self._clock()
        last_step = self.total is not None and done >= self.total
        due = self._published_at is None or now - self._published_at >= self._interval
        if not (due or last_step):
            return
        self._published_at = now
        publish_progress(self.job.pk, LiveProgress(self.done, self.total, self.message))
        if due and self._cancel_requested_elsewhere():
            raise JobCancelled

    def _cancel_requested_elsewhere(self) -> bool:
        """A cancel recorded on the row by another process. Only PostgreSQL can show it while
        this job's transaction is open; on SQLite that write waits for the job to end."""
        if connection.vendor == "sqlite":
            return False
        return Job.objects.filter(pk=self.job.pk, cancel_requested=True).exists()
