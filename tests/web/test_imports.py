"""Importing on the site: editors only; a file becomes a job whose page shows a progress bar,
then what was created or why nothing was written; bad files are refused before anything is
stored; a cancel leaves nothing behind."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from cityweave.catalogue.models import Case
from cityweave.core.jobs import Job, JobContext, JobStatus, request_cancel
from cityweave.core.jobs.context import LiveProgress, publish_progress

pytestmark = pytest.mark.django_db

NEW_SLUGS = ["t-import-1", "t-import-2", "t-import-3"]


@pytest.fixture
def editor(client: Client) -> Client:
    call_command("ensure_editor", verbosity=0)
    client.force_login(get_user_model().objects.get(username="editor"))
    return client


@pytest.fixture
def eager(settings: Any) -> None:
    settings.CITYWEAVE_JOBS_EAGER = True


@pytest.fixture
def uploads(settings: Any) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def exported_cases(count: int) -> list[dict[str, str]]:
    """The first ``count`` seeded cases as ``cityweave export cases`` writes them."""
    out = io.StringIO()
    call_command("export_records", "cases", format="csv", stdout=out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))[:count]


def new_cases_csv(**changes_by_row: dict[str, str]) -> bytes:
    """Three exported cases under new slugs (so they import as new records), with changes."""
    rows = exported_cases(3)
    for number, (row, slug) in enumerate(zip(rows, NEW_SLUGS, strict=True), start=1):
        row.update(slug=slug, title_en=f"T imported {number}")
        row.update(changes_by_row.get(f"row{number}", {}))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def upload(client: Client, content: bytes, name: str = "cases.csv", **data: Any) -> Any:
    form = {"kind": "cases", "file": SimpleUploadedFile(name, content, "text/csv"), **data}
    return client.post("/imports/new/", form)


def html(response: Any) -> str:
    return response.content.decode()


def job_of(response: Any) -> Job:
    assert response.status_code == 302, html(response)[:2000]
    match = re.fullmatch(r"/jobs/([0-9a-f-]{36})/", response["Location"])
    assert match, response["Location"]
    return Job.objects.get(pk=match.group(1))


# --- who may import --------------------------------------------------------------------------


def test_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get("/imports/new/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/imports/new/"


def test_signed_in_users_without_the_permission_get_403(client: Client, uploads: Path) -> None:
    client.force_login(get_user_model().objects.create_user("reader", password="x" * 12))
    assert client.get("/imports/new/").status_code == 403
    assert upload(client, new_cases_csv()).status_code == 403
    assert not Job.objects.exists() and not uploads.exists()
    assert 'href="/imports/new/"' not in html(client.get("/"))


def test_editors_find_the_form_in_their_menu(editor: Client) -> None:
    assert 'href="/imports/new/">Import records</a>' in html(editor.get("/"))
    page = html(editor.get("/imports/new/"))
    assert 'enctype="multipart/form-data"' in page
    assert '<option value="cases">Cases</option>' in page
    assert '<option value="cities">Cities</option>' in page
    assert 'name="skip_invalid"' in page


def test_jobs_of_others_are_not_shown(editor: Client, eager: None, client: Client) -> None:
    job = job_of(upload(editor, new_cases_csv()))
    other = Client()
    other.force_login(get_user_model().objects.create_user("other", password="x" * 12))
    assert other.get(f"/jobs/{job.pk}/").status_code == 404
    assert other.post(f"/jobs/{job.pk}/cancel/").status_code == 404


# --- a good file -----------------------------------------------------------------------------


def test_a_good_csv_creates_the_records_through_a_job(
    editor: Client, eager: None, uploads: Path
) -> None:
    before = Case.objects.count()
    job = job_of(upload(editor, new_cases_csv()))

    assert (job.kind, job.status, job.created_by.get_username()) == (
        "import",
        "succeeded",
        "editor",
    )  # type: ignore[union-attr]
    assert job.result | {"skipped": []} == {
        "kind": "case", "file_name": "cases.csv", "created": 3, "updated": 0, "unchanged": 0,
        "skipped_rows": 0, "skipped": [],
    }  # fmt: skip
    assert Case.objects.count() == before + 3
    assert Case.objects.get(slug="t-import-2").title_en == "T imported 2"
    assert list(uploads.iterdir()) == []  # the uploaded file is deleted when the job ends

    page = html(editor.get(f"/jobs/{job.pk}/"))
    assert "Import of “cases.csv”" in page
    assert '<progress class="job-bar" max="100" value="100"' in page
    assert "Writing records: 3 of 3 rows" in page
    assert '<dd data-count="created">3</dd>' in page
    assert '<dd data-count="skipped">0</dd>' in page
    assert "hx-get" not in page  # finished: no more polling
    assert f'action="/jobs/{job.pk}/cancel/"' not in page


def test_reimporting_an_export_changes_nothing(editor: Client, eager: None) -> None:
    rows = exported_cases(5)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    job = job_of(upload(editor, out.getvalue().encode()))
    assert (job.status, job.result["unchanged"], job.result["created"]) == ("succeeded", 5, 0)


# --- bad rows --------------------------------------------------------------------------------


def test_a_bad_row_names_the_row_and_reason_and_nothing_is_stored(
    editor: Client, eager: None, uploads: Path
) -> None:
    before = Case.objects.count()
    content = new_cases_csv(row2={"city": "t-atlantis", "start_year": "soon"})
    job = job_of(upload(editor, content))

    assert job.status == JobStatus.FAILED
    assert job.error == "“cases.csv” was not imported (nothing was written): 1 row has errors."
    assert Case.objects.count() == before
    assert not Case.objects.filter(slug__in=NEW_SLUGS).exists()
    assert list(uploads.iterdir()) == []

    page = html(editor.get(f"/jobs/{job.pk}/"))
    assert 'role="alert">“cases.csv” was not imported (nothing was written)' in page
    assert "Rows to fix" in page
    rows = re.findall(r"<tr><td class=\"num\">(Row \d+)</td><td><code>(\w+)</code></td>", page)
    assert rows == [("Row 2", "city"), ("Row 2", "start_year")]
    assert "unknown city &#x27;t-atlantis&#x27;" in page
    assert "“soon” value must be an integer." in page
    assert "Traceback" not in page


def test_skip_invalid_imports_the_valid_rows_and_lists_the_others(
    editor: Client, eager: None
) -> None:
    content = new_cases_csv(row3={"city": "t-atlantis"})
    job = job_of(upload(editor, content, skip_invalid="on"))

    assert (job.status, job.result["created"], job.result["skipped_rows"]) == ("succeeded", 2, 1)
    assert sorted(Case.objects.filter(slug__in=NEW_SLUGS).values_list("slug", flat=True)) == [
        "t-import-1", "t-import-2",
    ]  # fmt: skip
    page = html(editor.get(f"/jobs/{job.pk}/"))
    assert '<dd data-count="created">2</dd>' in page
    assert "Skipped rows" in page
    assert '<tr><td class="num">Row 3</td><td><code>city</code></td>' in page


def test_a_file_with_unknown_columns_fails_with_the_reason(editor: Client, eager: None) -> None:
    job = job_of(upload(editor, b"slug,colour\nt-x,green\n"))
    assert job.status == JobStatus.FAILED
    assert job.error.startswith("cases.csv: unknown column(s) 'colour'; the columns of case are:")
    assert job.result == {}


# --- files refused by the form -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("cases.xlsx", b"PK\x03\x04", "files of type “.xlsx” cannot be imported"),
        ("cases.csv", b"\xff\xfe\x00s\x00l\x00u\x00g", "is not UTF-8 text"),
        ("cases.csv", b"", "The submitted file is empty."),
        ("cases.csv", b"slug\n" + b"t-long\n" * 20, "the largest file accepted is 64 bytes"),
    ],
)
def test_a_wrong_or_oversized_file_is_refused_and_nothing_is_stored(
    editor: Client, settings: Any, uploads: Path, name: str, content: bytes, reason: str
) -> None:
    settings.UPLOAD_MAX_BYTES = 64
    response = upload(editor, content, name=name)
    assert response.status_code == 400
    assert reason in html(response)
    assert 'class="field-error"' in html(response)
    assert not Job.objects.exists()
    assert not uploads.exists() or list(uploads.iterdir()) == []


# --- progress and cancel ---------------------------------------------------------------------


def test_a_queued_job_polls_and_can_be_cancelled(editor: Client, uploads: Path) -> None:
    # Not eager: the worker would start the job after the commit, which a test never reaches.
    job = job_of(upload(editor, new_cases_csv()))
    assert job.status == JobStatus.QUEUED
    assert len(list(uploads.iterdir())) == 1

    page = html(editor.get(f"/jobs/{job.pk}/"))
    assert f'hx-get="/jobs/{job.pk}/progress/" hx-trigger="every 1s"' in page
    assert "Waiting to start…" in page
    assert f'<form method="post" action="/jobs/{job.pk}/cancel/"' in page
    assert editor.get(f"/jobs/{job.pk}/cancel/").status_code == 405

    response = editor.post(f"/jobs/{job.pk}/cancel/")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    job.refresh_from_db()
    assert (job.status, job.cancel_requested) == ("cancelled", True)
    assert list(uploads.iterdir()) == []
    page = html(editor.get(f"/jobs/{job.pk}/"))
    assert "Cancelled: nothing was written." in page
    assert "hx-get" not in page
    assert not Case.objects.filter(slug__in=NEW_SLUGS).exists()


def test_the_progress_fragment_shows_live_progress(editor: Client) -> None:
    user = get_user_model().objects.get(username="editor")
    job = Job.objects.create(
        kind="import", status=JobStatus.RUNNING, created_by=user, params={"file_name": "a.csv"}
    )
    Job.objects.filter(pk=job.pk).update(started_at=job.created_at)
    publish_progress(job.pk, LiveProgress(120, 200, "Checking rows"))

    response = editor.get(f"/jobs/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    fragment = html(response)
    assert response.status_code == 200
    assert fragment.lstrip().startswith('<section id="job-progress"')
    assert "<html" not in fragment
    assert '<progress class="job-bar" max="100" value="60"' in fragment
    assert "Checking rows: 120 of 200 rows" in fragment
    assert 'hx-trigger="every 1s"' in fragment

    request_cancel(job)  # signalled: the worker records "cancelled" when it stops
    fragment = html(editor.get(f"/jobs/{job.pk}/progress/", HTTP_HX_REQUEST="true"))
    assert "Cancelling…" in fragment
    assert f'action="/jobs/{job.pk}/cancel/"' not in fragment


def test_cancelling_a_running_import_stores_nothing(
    editor: Client, eager: None, uploads: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The editor presses Cancel while the second record is being written."""
    progress = JobContext.progress

    def cancel_while_writing(
        self: JobContext, done: int, total: Any = None, message: str = ""
    ) -> None:
        if message == "Writing records" and done == 2:
            request_cancel(self.job)
        progress(self, done, total, message)

    monkeypatch.setattr(JobContext, "progress", cancel_while_writing)
    before = Case.objects.count()
    job = job_of(upload(editor, new_cases_csv()))

    assert (job.status, job.done, job.total, job.result) == ("cancelled", 2, 3, {})
    assert Case.objects.count() == before
    assert list(uploads.iterdir()) == []
    page = html(editor.get(f"/jobs/{job.pk}/"))
    assert "Cancelled: nothing was written." in page
    assert '<progress class="job-bar" max="100" value="67"' in page
