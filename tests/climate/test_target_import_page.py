"""Importing climate targets on the site: a job that writes the targets and pledges, lists every
row whose city is unknown, and writes nothing when the file is rejected or the job cancelled."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from cityweave.climate.jobs import target_import_job
from cityweave.climate.models import ClimateTarget
from cityweave.core.jobs import Job, JobContext, JobStatus

pytestmark = pytest.mark.django_db

HEADER = (
    "locode,country_iso2,city_name,inventory_year,total_emissions_tco2e,target_type,"
    "baseline_year,target_year,target_value,target_unit,com_action_plan_url"
)
GOOD = (
    HEADER
    + "\nPL KRK,PL,Kraków,,,Absolute emission reduction,2013,2030,40,percent,\n"
    + "XX NOP,DE,Nowhereville,,,Absolute emission reduction,2010,2030,40,percent,\n"
)


@pytest.fixture
def editor(client: Client) -> Client:
    call_command("ensure_editor", verbosity=0)
    client.force_login(get_user_model().objects.get(username="editor"))
    return client


@pytest.fixture
def eager(settings: Any) -> None:
    settings.CITYWEAVE_JOBS_EAGER = True


def upload(client: Client, content: str, kind: str = "covenant") -> Any:
    file = SimpleUploadedFile("pledges.csv", content.encode(), "text/csv")
    return client.post("/imports/new/", {"kind": kind, "file": file})


def job_page(client: Client, response: Any) -> tuple[Job, str]:
    assert response.status_code == 302, response.content.decode()[:2000]
    job_id = re.fullmatch(r"/jobs/([0-9a-f-]{36})/", response["Location"]).group(1)  # type: ignore[union-attr]
    return Job.objects.get(pk=job_id), client.get(response["Location"]).content.decode()


def test_editors_are_offered_both_datasets(editor: Client) -> None:
    page = editor.get("/imports/new/").content.decode()
    assert '<option value="covenant">' in page
    assert '<option value="net-zero-tracker">' in page


def test_a_covenant_file_imports_and_lists_the_unmatched_rows(editor: Client, eager: None) -> None:
    job, page = job_page(editor, upload(editor, GOOD))
    assert job.status == JobStatus.SUCCEEDED
    assert job.result["created"] == 1 and job.result["matched_rows"] == 1
    assert ClimateTarget.objects.get(dataset="covenant", dataset_key="PL KRK").city.slug == (
        "krakow-pl"
    )
    assert '<dd data-count="unmatched">1</dd>' in page
    assert "no CityWeave city named &#x27;Nowhereville&#x27; in DE" in page


def test_a_bad_row_fails_the_job_with_nothing_written(editor: Client, eager: None) -> None:
    before = ClimateTarget.objects.count()
    bad = HEADER + "\nPL KRK,PL,Kraków,,,Absolute emission reduction,2013,20x0,40,percent,\n"
    job, page = job_page(editor, upload(editor, bad))
    assert job.status == JobStatus.FAILED
    assert "target_year: &#x27;20x0&#x27; is not a year" in page
    assert ClimateTarget.objects.count() == before


def test_a_file_of_another_dataset_is_refused_by_its_columns(editor: Client, eager: None) -> None:
    job, page = job_page(editor, upload(editor, GOOD, kind="net-zero-tracker"))
    assert job.status == JobStatus.FAILED
    assert "missing columns: country, end_target, end_target_year, id_code, name" in page


def test_users_without_the_permission_are_not_offered_it(client: Client) -> None:
    user = get_user_model().objects.create_user("reader", password="x" * 12)
    client.force_login(user)
    assert client.get("/imports/new/").status_code == 403


def test_a_cancelled_job_writes_nothing(editor: Client, settings: Any) -> None:
    """The job's progress call raises once cancel is requested: the import rolls back."""
    path = Path(settings.MEDIA_ROOT) / "imports" / "pledges.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(GOOD, encoding="utf-8")
    before = ClimateTarget.objects.count()

    class Cancelling(JobContext):
        def __init__(self) -> None:  # a context without a job row
            self.calls = 0

        def progress(self, done: int, total: int | None = None, message: str = "") -> None:
            self.calls += 1
            if self.calls > 1:
                raise KeyboardInterrupt("cancelled")

    with pytest.raises(KeyboardInterrupt):
        target_import_job(
            Cancelling(),
            kind="covenant",
            path="imports/pledges.csv",
            file_name="pledges.csv",
            format="csv",
        )
    assert ClimateTarget.objects.count() == before
