"""Admin for the shared taxonomy, typed links and slug redirects, and the pieces every CityWeave
admin reuses: read-only provenance on loaded records and publish / unpublish actions."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cityweave.core.models import Link, SlugRedirect, Status, TaxonomyTerm

admin.site.site_header = _("CityWeave administration")
admin.site.site_title = _("CityWeave")

PROVENANCE_FIELDS = ("source_name", "source_url", "licence", "retrieved_on")
PROVENANCE_FIELDSET: tuple[Any, Any] = (
    _("Provenance"),
    {
        "fields": (*PROVENANCE_FIELDS, "licence_verified", "editorial_note"),
        "classes": ("collapse",),
    },
)


class ProvenanceAdminMixin:
    """Where a record came from is not edited by hand once it was loaded from a source:
    source, URL, licence and retrieval date turn read-only. ``licence_verified`` and the
    editorial note stay editable (an operator decides on unverified licences)."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))  # type: ignore[misc]
        if obj is not None and getattr(obj, "has_provenance", False):
            return fields + tuple(f for f in PROVENANCE_FIELDS if f not in fields)
        return fields


def _set_status(request: HttpRequest, queryset: QuerySet[Any], status: str) -> int:
    """Change the publication status of the selected rows and update the search index."""
    from cityweave.search import index_after_commit

    with transaction.atomic():
        changed: list[Model] = list(queryset.exclude(status=status))
        queryset.model.objects.filter(pk__in=[obj.pk for obj in changed]).update(status=status)
        for obj in changed:
            obj.status = status  # type: ignore[attr-defined]
        # index_objects removes unpublished objects from the index and indexes published ones.
        index_after_commit(changed)
    return len(changed)


@admin.action(description=_("Publish selected items"))
def publish(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Any]
) -> None:
    count = _set_status(request, queryset, Status.PUBLISHED)
    modeladmin.message_user(
        request,
        ngettext("%(count)d item published.", "%(count)d items published.", count)
        % {"count": count},
        messages.SUCCESS,
    )


@admin.action(description=_("Unpublish selected items (back to draft)"))
def unpublish(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Any]
) -> None:
    count = _set_status(request, queryset, Status.DRAFT)
    modeladmin.message_user(
        request,
        ngettext("%(count)d item unpublished.", "%(count)d items unpublished.", count)
        % {"count": count},
        messages.SUCCESS,
    )


@admin.register(TaxonomyTerm)
class TaxonomyTermAdmin(ProvenanceAdminMixin, admin.ModelAdmin):
    list_display = ("label_en", "vocabulary", "code", "position")
    list_filter = ("vocabulary",)
    search_fields = ("label_en", "label_pl", "label_es", "label_pt", "label_de", "code")
    ordering = ("vocabulary", "position", "label_en")
    fieldsets = (
        (None, {"fields": ("vocabulary", "code", "position", "description")}),
        (_("Labels"), {"fields": ("label_en", "label_pl", "label_es", "label_pt", "label_de")}),
        PROVENANCE_FIELDSET,
    )


@admin.register(Link)
class LinkAdmin(admin.ModelAdmin):
    list_display = ("__str__", "relation", "source_type", "target_type", "created_at")
    list_filter = ("relation", "source_type", "target_type")
    search_fields = ("note",)
    list_select_related = ("source_type", "target_type")
    readonly_fields = ("created_at", "updated_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Link]:
        # ``__str__`` names both ends: fetch them per content type, not per row.
        return super().get_queryset(request).prefetch_related("source", "target")


@admin.register(SlugRedirect)
class SlugRedirectAdmin(admin.ModelAdmin):
    list_display = ("old_slug", "new_slug", "content_type", "updated_at")
    list_filter = ("content_type",)
    search_fields = ("old_slug", "new_slug")
    list_select_related = ("content_type",)
    readonly_fields = ("created_at", "updated_at")
