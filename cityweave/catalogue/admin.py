"""Admin for the knowledge hub: NBS types (with their biophysical parameters), cases,
instruments and library resources. Files uploaded here go through the library service, so they
are validated and their text extracted like any other upload."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from cityweave.catalogue.documents import EXTENSIONS, DocumentError, validate_upload
from cityweave.catalogue.models import (
    BiophysicalParameter,
    Case,
    CaseTerm,
    Instrument,
    NbsType,
    Resource,
)
from cityweave.catalogue.services.library import read_upload, resource_attach_file
from cityweave.core.admin import PROVENANCE_FIELDSET, ProvenanceAdminMixin, publish, unpublish

RECORD_FIELDSET: tuple[Any, Any] = (
    _("Record"),
    {"fields": ("created_at", "updated_at"), "classes": ("collapse",)},
)


class BiophysicalParameterInline(admin.TabularInline):
    model = BiophysicalParameter
    extra = 0
    fields = ("name", "value", "unit", "source", "source_url", "note")


@admin.register(NbsType)
class NbsTypeAdmin(ProvenanceAdminMixin, admin.ModelAdmin):
    list_display = ("label_en", "slug", "ec_type", "status", "licence_verified")
    list_filter = ("status", "ec_type", "challenges", "licence_verified")
    search_fields = ("label_en", "label_pl", "label_es", "label_pt", "label_de", "slug")
    prepopulated_fields = {"slug": ("label_en",)}
    filter_horizontal = ("challenges", "ecosystem_services")
    readonly_fields = ("created_at", "updated_at")
    inlines = (BiophysicalParameterInline,)
    actions = (publish, unpublish)
    fieldsets = (
        (None, {"fields": ("label_en", "slug", "status", "ec_type", "description", "scales")}),
        (_("Labels"), {"fields": ("label_pl", "label_es", "label_pt", "label_de")}),
        (_("Classification"), {"fields": ("challenges", "ecosystem_services")}),
        (
            _("Cost and maintenance"),
            {
                "fields": (
                    ("cost_min", "cost_max", "cost_currency", "cost_unit", "cost_year"),
                    "cost_source",
                    "cost_source_url",
                    "maintenance",
                )
            },
        ),
        PROVENANCE_FIELDSET,
        RECORD_FIELDSET,
    )


class CaseTermInline(admin.TabularInline):
    model = CaseTerm
    extra = 0
    fields = ("challenge", "nbs_type", "machine", "rule", "evidence", "decision", "decided_by")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(ProvenanceAdminMixin, admin.ModelAdmin):
    list_display = ("title_en", "city", "case_status", "status")
    list_filter = (
        "status",
        "case_status",
        "governance",
        "city__macro_region",
        "city__country_code",
        "licence_verified",
    )
    search_fields = ("title_en", "title_original", "slug", "summary", "city__name")
    list_select_related = ("city",)
    autocomplete_fields = ("city",)
    prepopulated_fields = {"slug": ("title_en",)}
    readonly_fields = ("created_at", "updated_at", "nbs_types", "challenges")
    actions = (publish, unpublish)
    inlines = (CaseTermInline,)
    fieldsets = (
        (None, {"fields": ("title_en", "title_original", "slug", "status", "summary", "image")}),
        (_("Description"), {"fields": ("description", "description_note")}),
        (
            _("Place"),
            {"fields": ("city", "latitude", "longitude", "location_precision", "polygon")},
        ),
        (
            _("Classification"),
            {
                "fields": ("nbs_types", "challenges"),
                "description": _(
                    "The terms that apply, kept in step with the assignments below; change them "
                    "on the case's page, where each machine assignment shows its evidence."
                ),
            },
        ),
        (
            _("Implementation"),
            {
                "fields": (
                    "case_status",
                    ("start_year", "end_year"),
                    "area_m2",
                    ("cost", "cost_currency"),
                    "funding_sources",
                    "governance",
                    "actors",
                    "participation",
                )
            },
        ),
        (_("Results"), {"fields": ("outcomes", "lessons", "scores", "links")}),
        PROVENANCE_FIELDSET,
        RECORD_FIELDSET,
    )


@admin.register(Instrument)
class InstrumentAdmin(ProvenanceAdminMixin, admin.ModelAdmin):
    list_display = (
        "name",
        "category",
        "governance_level",
        "country_code",
        "year_adopted",
        "status",
    )
    list_filter = ("status", "category", "governance_level", "country_code")
    search_fields = ("name", "name_original", "slug", "description")
    autocomplete_fields = ("challenges", "nbs_types", "cities", "cases")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at", "updated_at")
    actions = (publish, unpublish)
    fieldsets = (
        (None, {"fields": ("name", "name_original", "slug", "status", "description")}),
        (
            _("Scope"),
            {"fields": ("category", "governance_level", "country_code", "year_adopted")},
        ),
        (_("Experience"), {"fields": ("actors", "success_factors", "lessons")}),
        (_("Related"), {"fields": ("challenges", "nbs_types", "cities", "cases")}),
        PROVENANCE_FIELDSET,
        RECORD_FIELDSET,
    )


class ResourceAdminForm(forms.ModelForm):
    upload = forms.FileField(
        label=_("Upload a file"),
        required=False,
        help_text=_("PDF, DOCX, Markdown or HTML; its text is extracted and searchable."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(sorted(EXTENSIONS))}),
    )

    class Meta:
        model = Resource
        # The file and what is derived from it are written by ``resource_attach_file`` only.
        fields = (
            "title",
            "slug",
            "status",
            "resource_type",
            "language",
            "authors",
            "year",
            "url",
            "description",
            "topics",
            "nbs_types",
            "cities",
            "source_name",
            "source_url",
            "licence",
            "licence_verified",
            "retrieved_on",
            "editorial_note",
        )

    def clean_upload(self) -> UploadedFile | None:
        upload: UploadedFile | None = self.cleaned_data.get("upload")
        if upload:
            try:
                validate_upload(name=upload.name or "", data=read_upload(upload))
            except DocumentError as error:
                raise forms.ValidationError(str(error)) from error
        return upload


@admin.register(Resource)
class ResourceAdmin(ProvenanceAdminMixin, admin.ModelAdmin):
    form = ResourceAdminForm
    list_display = ("title", "resource_type", "language", "year", "status", "file_name")
    list_filter = ("status", "resource_type", "language", "year")
    search_fields = ("title", "slug", "authors", "description")
    autocomplete_fields = ("topics", "nbs_types", "cities")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = (
        "file",
        "file_name",
        "file_size",
        "file_sha256",
        "text_preview",
        "created_at",
        "updated_at",
    )
    actions = (publish, unpublish)
    fieldsets = (
        (None, {"fields": ("title", "slug", "status", "resource_type", "language")}),
        (_("Reference"), {"fields": ("authors", "year", "url", "description")}),
        (
            _("File"),
            {
                "fields": (
                    "upload",
                    "file",
                    "file_name",
                    "file_size",
                    "file_sha256",
                    "text_preview",
                )
            },
        ),
        (_("Related"), {"fields": ("topics", "nbs_types", "cities")}),
        PROVENANCE_FIELDSET,
        RECORD_FIELDSET,
    )

    @admin.display(description=_("extracted text"))
    def text_preview(self, obj: Resource) -> str:
        return Truncator(obj.extracted_text).chars(2000) if obj.extracted_text else "—"

    def save_model(self, request: HttpRequest, obj: Resource, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        upload = form.cleaned_data.get("upload")
        if upload:
            # The admin wraps the whole change in one transaction: a failure here undoes it.
            resource_attach_file(resource=obj, upload=upload)
