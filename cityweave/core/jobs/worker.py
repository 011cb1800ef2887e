"""The in-process worker: one background thread runs the jobs one after the other.

Each job gets the thread's own database connection, closed when the job ends. When the
interpreter exits, the running job is cancelled (its transaction rolls back) and jobs that have
not started are marked failed, so no job is left "running" by a stopped server.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any
from uuid import UUID

from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext_noop

from cityweave.core.jobs.context import signal_cancel
from cityweave.core.jobs.models import Job, JobStatus
from cityweave.core.jobs.registry import get_spec
from cityweave.core.jobs.runner import end_job, run_job

logger = logging.getLogger(__name__)

SERVER_STOPPED = gettext_noop("The server stopped before the job started; please submit it again.")

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_pending: dict[str, Future[Any]] = {}
_running: set[str] = set()


def _get_executor() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cityweave-job")
            # Runs before concurrent.futures joins its threads (callbacks run last first).
            register_atexit = getattr(threading, "_register_atexit", None)
            if register_atexit is not None:
                register_atexit(_stop)
        return _executor


def start(job_id: UUID | str) -> Future[Any]:
    """Queue the job ``job_id`` on the worker thread."""
    key = str(job_id)
    future = _get_executor().submit(_execute, key)
    with _lock:
        _pending[key] = future
    future.add_done_callback(lambda _future: _forget(key))
    return future


def drain(timeout: float | None = None) -> None:
    """Wait until every job queued so far has ended (for tests and orderly shutdowns)."""
    _get_executor().submit(lambda: None).result(timeout)


def _forget(key: str) -> None:
    with _lock:
        _pending.pop(key, None)


def _execute(job_id: str) -> None:
    with _lock:
        _running.add(job_id)
    try:
        run_job(job_id)
    except Exception:
        logger.exception("job %s: the worker could not run it", job_id)
    finally:
        with _lock:
            _running.discard(job_id)
        connections.close_all()


def _stop() -> None:
    with _lock:
        running = list(_running)
        pending = [(key, future) for key, future in _pending.items() if key not in running]
    for key in running:
        signal_cancel(key)
    dropped = [key for key, future in pending if future.cancel()]
    if not dropped:
        return
    try:
        for job in Job.objects.filter(pk__in=dropped, status=JobStatus.QUEUED):
            Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
                status=JobStatus.FAILED, error=SERVER_STOPPED, finished_at=timezone.now()
            )
            end_job(get_spec(job.kind), job)
    except Exception:  # the database may already be gone
        logger.exception("could not mark %d queued jobs as stopped", len(dropped))
