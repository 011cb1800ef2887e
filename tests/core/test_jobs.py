"""Jobs: submitted after commit, run with progress, cancelled with a rollback, failures stored
as messages for people (never tracebacks), eager mode, and the real background worker thread."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections, transaction

from cityweave.catalogue.documents import DocumentError
from cityweave.catalogue.services.imports import ImportFileError
from cityweave.cities.models import City
from cityweave.core.jobs import (
    Job,
    JobCancelled,
    JobContext,
    JobError,
    JobStatus,
    UnknownJobKind,
    job_progress,
    register,
    request_cancel,
    submit,
    worker,
)
from cityweave.core.jobs.context import LiveProgress, live_progress, publish_progress
from cityweave.core.jobs.runner import UNEXPECTED_ERROR, run_job
from cityweave.core.models import TaxonomyTerm

pytestmark = pytest.mark.django_db

cleaned_up: list[Mapping[str, Any]] = []
ran_on: dict[str, Any] = {}
STARTED = threading.Event()


def _cleanup(params: Mapping[str, Any]) -> None:
    cleaned_up.append(dict(params))


@register("test.terms", cleanup=_cleanup)
def make_terms(ctx: JobContext, *, codes: list[str], cancel_after: int = 0) -> dict[str, Any]:
    """Create one topic per code, reporting each; with ``cancel_after`` the job asks for its own
    cancellation after that many terms, as a person pressing Cancel would."""
    for number, code in enumerate(codes, start=1):
        TaxonomyTerm.objects.create(vocabulary="topic", code=code, label_en=code.title())
        if number == cancel_after:
            request_cancel(ctx.job)
        ctx.progress(number, len(codes), "Making terms")
    ran_on["thread"] = threading.current_thread().name
    ran_on["connection"] = connections["default"]
    ran_on["transaction_mode"] = getattr(connections["default"], "transaction_mode", None)
    return {"made": len(codes)}


@register("test.fail")
def fail(ctx: JobContext, *, error: str) -> None:
    TaxonomyTerm.objects.create(vocabulary="topic", code="t-half-written", label_en="Half")
    ctx.progress(1, 2)
    raise {
        "job": JobError("the file is bad", result={"errors": [{"row": 2}]}),
        "import": ImportFileError("cases.json: not valid JSON: Expecting value"),
        "document": DocumentError("“a.pdf” is empty."),
        "validation": ValidationError("Enter a valid URL."),
        "bug": RuntimeError("connection to db password=secret failed"),
    }[error]


@register("test.index-fails")
def index_fails(ctx: JobContext, *, code: str) -> dict[str, Any]:
    TaxonomyTerm.objects.create(vocabulary="topic", code=code, label_en="Stored")
    transaction.on_commit(lambda: 1 / 0)  # e.g. the search index after an import
    return {"stored": code}


@register("test.until-cancelled")
def until_cancelled(ctx: JobContext, *, code: str) -> dict[str, Any]:
    TaxonomyTerm.objects.create(vocabulary="topic", code=code, label_en="Waiting")
    STARTED.set()
    for step in range(1, 3001):  # at most 15 s
        ctx.progress(step, 3000, "Waiting")
        time.sleep(0.005)
    return {"finished": True}


@pytest.fixture(autouse=True)
def _reset() -> None:
    cleaned_up.clear()
    ran_on.clear()
    STARTED.clear()


@pytest.fixture
def eager(settings: Any) -> None:
    settings.CITYWEAVE_JOBS_EAGER = True


@pytest.fixture
def user() -> Any:
    return get_user_model().objects.create_user("jobs-editor", password="x" * 12)


def codes(n: int, prefix: str = "t-job") -> list[str]:
    return [f"{prefix}-{i}" for i in range(1, n + 1)]


# --- submit and lifecycle ----------------------------------------------------------------------


def test_submit_queues_the_job_and_starts_it_after_commit(
    user: Any, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[Any] = []
    monkeypatch.setattr(worker, "start", started.append)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = submit(kind="test.terms", params={"codes": ["t-job-q"]}, by=user)
        assert started == []  # not before the commit
    assert (job.status, job.created_by, job.params) == ("queued", user, {"codes": ["t-job-q"]})
    assert len(callbacks) == 1
    callbacks[0]()
    assert started == [job.pk]


def test_an_unknown_kind_is_refused_and_nothing_is_stored() -> None:
    with pytest.raises(UnknownJobKind, match=r"no job of kind 'test\.nope'"):
        submit(kind="test.nope")
    assert not Job.objects.exists()


def test_eager_mode_runs_the_job_at_once(eager: None, user: Any) -> None:
    job = submit(kind="test.terms", params={"codes": codes(3)}, by=user)
    assert job.status == JobStatus.SUCCEEDED
    job.refresh_from_db()
    assert (job.status, job.result, job.error) == ("succeeded", {"made": 3}, "")
    assert (job.done, job.total, job.message) == (3, 3, "Making terms")
    assert job.created_at <= job.started_at <= job.finished_at  # type: ignore[operator]
    assert job.finished_at is not None and job.finished_at.utcoffset() == timedelta(0)
    assert TaxonomyTerm.objects.filter(code__in=codes(3)).count() == 3
    assert cleaned_up == [{"codes": codes(3)}]
    assert ran_on["thread"] == threading.current_thread().name


def test_run_job_leaves_a_job_that_is_no_longer_queued_alone() -> None:
    job = Job.objects.create(kind="test.terms", params={"codes": ["t-job-x"]}, status="succeeded")
    assert run_job(job.pk).status == JobStatus.SUCCEEDED
    assert not TaxonomyTerm.objects.filter(code="t-job-x").exists()


# --- progress --------------------------------------------------------------------------------


def test_progress_is_published_at_most_every_quarter_second_and_on_the_last_step() -> None:
    job = Job.objects.create(kind="test.terms", status=JobStatus.RUNNING)
    now = [100.0]
    ctx = JobContext(job, clock=lambda: now[0])

    ctx.progress(1, 10, "Checking rows")
    assert live_progress(job.pk) == LiveProgress(1, 10, "Checking rows")
    ctx.progress(2)  # 0 s later: kept in memory only
    assert live_progress(job.pk) == LiveProgress(1, 10, "Checking rows")
    assert (ctx.done, ctx.total, ctx.message) == (2, 10, "Checking rows")
    now[0] += 0.25
    ctx.progress(3)
    assert live_progress(job.pk) == LiveProgress(3, 10, "Checking rows")
    ctx.progress(10, message="Writing records")  # the last step, at once
    assert live_progress(job.pk) == LiveProgress(10, 10, "Writing records")


def test_the_page_reads_live_progress_while_running_and_the_row_afterwards() -> None:
    job = Job.objects.create(kind="test.terms", status=JobStatus.RUNNING)
    publish_progress(job.pk, LiveProgress(120, 200, "Checking rows"))
    progress = job_progress(job)
    assert (progress.done, progress.total, progress.message, progress.percent) == (
        120, 200, "Checking rows", 60,
    )  # fmt: skip
    job.status, job.done, job.total = JobStatus.SUCCEEDED, 200, 200
    assert job_progress(job).percent == 100
    assert job_progress(Job(kind="x", total=None)).percent is None
    assert job_progress(Job(kind="x", total=0)).percent == 100  # an empty file is all done


# --- cancel ----------------------------------------------------------------------------------


def test_cancelling_a_running_job_rolls_its_work_back(eager: None) -> None:
    job = submit(kind="test.terms", params={"codes": codes(5), "cancel_after": 2})
    job.refresh_from_db()
    assert (job.status, job.cancel_requested, job.result) == ("cancelled", True, {})
    assert (job.done, job.total) == (2, 5)  # where it stopped
    assert not TaxonomyTerm.objects.filter(code__in=codes(5)).exists()
    assert cleaned_up == [{"codes": codes(5), "cancel_after": 2}]


def test_cancelling_a_queued_job_ends_it_before_it_starts(user: Any) -> None:
    job = submit(kind="test.terms", params={"codes": ["t-job-never"]}, by=user)
    job = request_cancel(job)
    assert (job.status, job.cancel_requested) == ("cancelled", True)
    assert job.finished_at is not None and job.started_at is None
    assert cleaned_up == [{"codes": ["t-job-never"]}]  # e.g. its uploaded file is deleted
    assert run_job(job.pk).status == JobStatus.CANCELLED  # the worker skips it
    assert not TaxonomyTerm.objects.filter(code="t-job-never").exists()


def test_a_finished_job_cannot_be_cancelled(eager: None) -> None:
    job = submit(kind="test.terms", params={"codes": ["t-job-done"]})
    job = request_cancel(job)
    assert (job.status, job.cancel_requested) == ("succeeded", False)


def test_progress_raises_when_cancel_was_requested() -> None:
    job = Job.objects.create(kind="test.terms", status=JobStatus.RUNNING)
    ctx = JobContext(job, clock=lambda: 0.0)
    ctx.progress(1, 3)
    request_cancel(job)
    with pytest.raises(JobCancelled):
        ctx.progress(2)  # at once, not only when progress is next published


# --- failures --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "message", "result"),
    [
        ("job", "the file is bad", {"errors": [{"row": 2}]}),
        ("import", "cases.json: not valid JSON: Expecting value", {}),
        ("document", "“a.pdf” is empty.", {}),
        ("validation", "Enter a valid URL.", {}),
        ("bug", UNEXPECTED_ERROR, {}),
    ],
)
def test_a_failed_job_stores_a_message_for_people_and_nothing_else(
    eager: None, error: str, message: str, result: dict[str, Any], caplog: Any
) -> None:
    job = submit(kind="test.fail", params={"error": error})
    job.refresh_from_db()
    assert (job.status, job.error, job.result) == ("failed", message, result)
    assert "Traceback" not in job.error and "secret" not in job.error
    assert not TaxonomyTerm.objects.filter(code="t-half-written").exists()
    assert (job.done, job.total) == (1, 2)
    if error == "bug":  # the traceback goes to the log
        record = next(r for r in caplog.records if r.name == "cityweave.core.jobs.runner")
        assert record.exc_info is not None and "password=secret" in caplog.text


def test_a_job_of_a_kind_no_longer_registered_fails_cleanly() -> None:
    job = Job.objects.create(kind="test.gone")
    assert run_job(job.pk).status == JobStatus.FAILED
    job.refresh_from_db()
    assert (job.status, job.error) == ("failed", UNEXPECTED_ERROR)


# --- the command line ------------------------------------------------------------------------


def test_ctrl_c_cancels_a_command_line_import_with_nothing_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [
        {"slug": f"t-ctrl-c-{n}", "name": f"T {n}", "country": "Chile", "country_code": "CL",
         "macro_region": "CELAC"}
        for n in range(3)
    ]  # fmt: skip
    path = tmp_path / "cities.json"
    path.write_text(json.dumps(rows), encoding="utf-8")

    def interrupt(objs: Any) -> None:  # Ctrl-C after every row was written
        raise KeyboardInterrupt

    monkeypatch.setattr("cityweave.catalogue.services.imports.index_after_commit", interrupt)
    with pytest.raises(CommandError, match="import cancelled; nothing was written") as raised:
        call_command("import_records", "cities", str(path))
    assert raised.value.returncode == 130
    assert not City.objects.filter(slug__startswith="t-ctrl-c").exists()


# --- the background worker thread --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_worker_thread_runs_the_job_on_its_own_connection_and_closes_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    closed_in: list[str] = []
    close_all = connections.close_all

    def spy() -> None:
        closed_in.append(threading.current_thread().name)
        close_all()

    monkeypatch.setattr(connections, "close_all", spy)
    job = submit(kind="test.terms", params={"codes": codes(2, "t-thread")})
    worker.drain(timeout=30)
    job.refresh_from_db()
    assert (job.status, job.result, job.done, job.total) == ("succeeded", {"made": 2}, 2, 2)
    assert ran_on["thread"].startswith("cityweave-job")
    assert ran_on["connection"] is not connections["default"]
    assert closed_in == [ran_on["thread"]]  # when the job ended, in the worker thread
    if ran_on["connection"].vendor == "sqlite":  # a writer from the start: no lock upgrade
        assert ran_on["transaction_mode"] == "IMMEDIATE"
        assert ran_on["connection"].transaction_mode is None  # only for the job
    in_memory = getattr(ran_on["connection"], "is_in_memory_db", lambda: False)()
    if not in_memory:  # Django's SQLite backend never closes an in-memory test database
        assert ran_on["connection"].connection is None
    assert TaxonomyTerm.objects.filter(code__in=codes(2, "t-thread")).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_job_running_on_the_worker_shows_progress_and_is_cancelled_with_a_rollback() -> None:
    job = submit(kind="test.until-cancelled", params={"code": "t-thread-cancel"})
    assert STARTED.wait(timeout=30)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        job.refresh_from_db()
        progress = job_progress(job)
        if job.status == JobStatus.RUNNING and progress.done > 0:
            break
        time.sleep(0.05)
    assert job.status == JobStatus.RUNNING
    assert progress.total == 3000 and progress.message == "Waiting" and progress.done > 0

    request_cancel(job)
    worker.drain(timeout=30)
    job.refresh_from_db()
    assert (job.status, job.cancel_requested) == ("cancelled", True)
    assert 0 < job.done < 3000
    assert not TaxonomyTerm.objects.filter(code="t-thread-cancel").exists()


@pytest.mark.django_db(transaction=True)
def test_a_failure_after_the_commit_does_not_hide_the_stored_work(caplog: Any) -> None:
    job = Job.objects.create(kind="test.index-fails", params={"code": "t-after-commit"})
    job = run_job(job.pk)
    job.refresh_from_db()
    assert (job.status, job.result, job.error) == ("succeeded", {"stored": "t-after-commit"}, "")
    assert TaxonomyTerm.objects.filter(code="t-after-commit").exists()
    assert "a step after its commit failed" in caplog.text and "ZeroDivisionError" in caplog.text
