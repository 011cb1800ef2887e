"""Admin for city profiles."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cityweave.cities.models import City
from cityweave.core.admin import PROVENANCE_FIELDSET, ProvenanceAdminMixin


@admin.register(City)
class CityAdmin(ProvenanceAdminMixin, admin.ModelAdmin):
    list_display = ("name", "country", "country_code", "macro_region", "kind", "population")
    list_filter = ("macro_region", "kind", "country_code")
    search_fields = ("name", "slug", "aliases", "country", "country_code")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "slug", "kind", "aliases", "website", "programmes")}),
        (
            _("Location"),
            {"fields": ("country", "country_code", "macro_region", "latitude", "longitude")},
        ),
        (_("Population"), {"fields": ("population", "population_source", "geonameid")}),
        PROVENANCE_FIELDSET,
        (_("Record"), {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )
