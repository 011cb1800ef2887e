"""Import pages for editors: upload a CSV or JSON file, then follow the import job.

``/imports/new/`` validates the form and submits the job; ``/jobs/<id>/`` shows its progress,
refreshed by htmx from ``/jobs/<id>/progress/`` while it runs, a Cancel button, and at the end
what the import did or why nothing was written.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cityweave.catalogue.services.imports import (
    KIND_NAMES,
    ImportFileError,
    can_import,
    import_submit,
)
from cityweave.climate.jobs import can_import_targets, targets_submit
from cityweave.climate.services import DATASET_NAMES, TargetImportError
from cityweave.core.jobs import (
    Job,
    job_cancelling,
    job_for_user,
    job_progress,
    request_cancel,
)

# The kinds offered, by their command-line name, in this order.
KIND_LABELS = {
    "cases": gettext_lazy("Cases"),
    "nbs-types": gettext_lazy("NBS types"),
    "instruments": gettext_lazy("Policy and governance instruments"),
    "resources": gettext_lazy("Library resources"),
    "cities": gettext_lazy("Cities"),
    "covenant": gettext_lazy("Climate targets: Covenant of Mayors pledges"),
    "net-zero-tracker": gettext_lazy("Climate targets: Net Zero Tracker"),
}
EDITOR_PERMISSION = "catalogue.add_case"


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("The file holds"))
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "CSV (UTF-8) or JSON with the columns of the export; records are matched by slug. "
            "Climate-target files keep their dataset's columns and are matched to cities by "
            "name and country; every row whose city is unknown is listed."
        ),
    )
    skip_invalid = forms.BooleanField(
        label=gettext_lazy("Skip invalid rows"),
        required=False,
        help_text=gettext_lazy(
            "Import the valid rows and list the others. Without it, one bad row rejects the "
            "whole file and nothing is written."
        ),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(name, label) for name, label in KIND_LABELS.items() if _allowed(user, name)]
        self.fields["kind"].choices = choices  # type: ignore[attr-defined]


def _allowed(user: Any, kind_name: str) -> bool:
    if kind_name in DATASET_NAMES:
        return can_import_targets(user)
    return can_import(user, KIND_NAMES[kind_name])


def _editor(request: HttpRequest) -> None:
    if not request.user.has_perm(EDITOR_PERMISSION):
        raise PermissionDenied


def _job(request: HttpRequest, job_id: UUID) -> Job:
    try:
        return job_for_user(job_id=job_id, user=request.user)
    except Job.DoesNotExist:
        raise Http404(_("No such job.")) from None


def _job_context(job: Job) -> dict[str, Any]:
    result = job.result or {}
    return {
        "job": job,
        "progress": job_progress(job),
        "cancelling": job_cancelling(job),
        "result": result,
        # A rejected file's rows (failed), or the rows an import skipped (done).
        "row_errors": result.get("errors") or result.get("skipped") or [],
        "unmatched": result.get("unmatched") or [],
    }


@login_required
def import_new(request: HttpRequest) -> HttpResponse:
    """The upload form; a valid file becomes an import job and the browser goes to its page."""
    _editor(request)
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        try:
            if kind in DATASET_NAMES:
                job = targets_submit(
                    dataset=kind,
                    upload=form.cleaned_data["file"],
                    skip_invalid=form.cleaned_data["skip_invalid"],
                    by=request.user,
                )
            else:
                job = import_submit(
                    kind=KIND_NAMES[kind],
                    upload=form.cleaned_data["file"],
                    skip_invalid=form.cleaned_data["skip_invalid"],
                    by=request.user,
                )
        except (ImportFileError, TargetImportError) as error:
            form.add_error("file", str(error))
        else:
            return redirect("web:job_detail", job_id=job.pk)
    return render(
        request,
        "web/import_form.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def job_detail(request: HttpRequest, job_id: UUID) -> HttpResponse:
    return render(request, "web/job_detail.html", _job_context(_job(request, job_id)))


@login_required
def job_progress_fragment(request: HttpRequest, job_id: UUID) -> HttpResponse:
    """The progress box alone, polled by htmx while the job runs."""
    return render(request, "web/_job_progress.html", _job_context(_job(request, job_id)))


@require_POST
@login_required
def job_cancel(request: HttpRequest, job_id: UUID) -> HttpResponse:
    job = request_cancel(_job(request, job_id))
    if job_cancelling(job):
        messages.info(request, _("Cancelling… nothing the job has done so far will be kept."))
    if getattr(request, "htmx", False):
        return render(request, "web/_job_progress.html", _job_context(job))
    return redirect("web:job_detail", job_id=job.pk)
