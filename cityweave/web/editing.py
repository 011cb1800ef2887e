"""Pages where signed-in editors create and change catalogue items and upload library files.

Each view validates a form and calls one service; the service saves the item and its relations
in one transaction and re-indexes it after commit.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cityweave.catalogue.documents import DocumentError
from cityweave.catalogue.models import Case, NbsType, Resource
from cityweave.catalogue.services.classification import case_term_decide as decide_term
from cityweave.catalogue.services.classification import case_terms_set
from cityweave.catalogue.services.editing import can_edit, item_save
from cityweave.catalogue.services.library import resource_attach_file
from cityweave.core.models import TaxonomyTerm
from cityweave.web.forms import FORMS, MODELS, UploadForm


def _model(kind: str) -> Any:
    if kind not in MODELS:
        raise Http404(_("Unknown kind of item."))
    return MODELS[kind]


@login_required
def item_edit(request: HttpRequest, kind: str, slug: str | None = None) -> HttpResponse:
    """Create (no ``slug``) or change one item of ``kind``; drafts included."""
    model = _model(kind)
    instance = get_object_or_404(model, slug=slug) if slug else model()
    if not can_edit(request.user, model, creating=slug is None):
        raise PermissionDenied
    form = FORMS[kind](request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        fields, relations = form.split()
        terms = (
            {name: relations.pop(name) for name in ("challenges", "nbs_types")}
            if kind == "case"
            else {}
        )
        try:
            with transaction.atomic():
                saved = item_save(
                    instance=instance, fields=fields, relations=relations, by=request.user
                )
                if terms:
                    case_terms_set(case=saved, by=request.user, **terms)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved “%(item)s”.") % {"item": saved})
            return redirect(saved.get_absolute_url())
    return render(
        request,
        "web/item_form.html",
        {
            "form": form,
            "object": instance if slug else None,
            "kind": kind,
            "kind_label": model._meta.verbose_name,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def case_term_decide(request: HttpRequest, slug: str) -> HttpResponse:
    """An editor confirms or removes one challenge or NBS type of a case, from the case page."""
    case = get_object_or_404(Case, slug=slug)
    if not can_edit(request.user, Case):
        raise PermissionDenied
    vocabulary, code = request.POST.get("vocabulary", ""), request.POST.get("code", "")
    keep = request.POST.get("keep") == "1"
    term: TaxonomyTerm | NbsType
    if vocabulary == "challenge":
        term = get_object_or_404(TaxonomyTerm, vocabulary="challenge", code=code)
    elif vocabulary == "nbs_type":
        term = get_object_or_404(NbsType, slug=code)
    else:
        return HttpResponseBadRequest(_("“vocabulary” must be “challenge” or “nbs_type”."))
    decide_term(case=case, term=term, keep=keep, by=request.user)
    message = _("Confirmed “%(term)s”.") if keep else _("Removed “%(term)s”.")
    messages.success(request, message % {"term": term.label})
    return redirect(f"{case.get_absolute_url()}#classification")


@login_required
def resource_upload(request: HttpRequest, slug: str) -> HttpResponse:
    """Attach a file to a library resource; a rejected file leaves the resource unchanged."""
    resource = get_object_or_404(Resource, slug=slug)
    if not can_edit(request.user, Resource):
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            resource_attach_file(resource=resource, upload=form.cleaned_data["file"])
        except DocumentError as error:
            form.add_error("file", str(error))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Stored “%(name)s”; its text is now searchable.") % {"name": resource.file_name},
            )
            return redirect(resource.get_absolute_url())
    return render(
        request,
        "web/resource_upload.html",
        {"form": form, "object": resource},
        status=400 if request.method == "POST" else 200,
    )
