"""Admin for city profiles, organisations and networks: coordinators add members, hubs, roles,
challenges and contacts here."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cityweave.cities.models import (
    City,
    CityChallenge,
    Contact,
    Membership,
    Network,
    NetworkFact,
    NetworkGroup,
    Organisation,
)
from cityweave.core.admin import PROVENANCE_FIELDSET, ProvenanceAdminMixin


class CityChallengeInline(admin.TabularInline):
    model = CityChallenge
    extra = 0
    autocomplete_fields = ("term",)


class CityMembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("network", "group", "role", "since", "until", "pledge", "source_name")
    autocomplete_fields = ("network",)


@admin.register(City)
class CityAdmin(ProvenanceAdminMixin, admin.ModelAdmin):
    list_display = ("name", "country", "country_code", "macro_region", "kind", "population")
    list_filter = ("macro_region", "kind", "biogeographic_region", "country_code")
    search_fields = ("name", "slug", "aliases", "official_name", "country", "country_code")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at", "updated_at")
    inlines = (CityChallengeInline, CityMembershipInline)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "official_name",
                    "slug",
                    "kind",
                    "aliases",
                    "website",
                    "programmes",
                )
            },
        ),
        (
            _("Location"),
            {
                "fields": (
                    "country",
                    "country_code",
                    "macro_region",
                    "biogeographic_region",
                    "latitude",
                    "longitude",
                    "boundary",
                )
            },
        ),
        (
            _("Size"),
            {
                "fields": (
                    "population",
                    "population_year",
                    "population_source",
                    "area_km2",
                    "area_source",
                    "geonameid",
                )
            },
        ),
        PROVENANCE_FIELDSET,
        (_("Record"), {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Organisation)
class OrganisationAdmin(ProvenanceAdminMixin, admin.ModelAdmin):
    list_display = ("name", "city", "level", "helix")
    list_filter = ("level", "helix")
    search_fields = ("name", "slug", "city__name")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("city",)
    inlines = (ContactInline,)


class NetworkGroupInline(admin.TabularInline):
    model = NetworkGroup
    extra = 0
    prepopulated_fields = {"slug": ("name",)}


class NetworkFactInline(admin.StackedInline):
    """What a network's sources state, each statement with its source."""

    model = NetworkFact
    extra = 0
    fields = (
        ("key", "topic", "position"),
        "text",
        ("text_original", "original_language"),
        ("count", "country_count", "period_start", "period_end"),
        ("source_name", "source_url"),
        ("licence", "licence_verified", "retrieved_on"),
        "editorial_note",
    )


@admin.register(Network)
class NetworkAdmin(ProvenanceAdminMixin, admin.ModelAdmin):
    list_display = ("name", "short_name", "kind", "parent")
    list_filter = ("kind",)
    search_fields = ("name", "short_name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("parent", "coordinator")
    inlines = (NetworkGroupInline, NetworkFactInline)


@admin.register(Membership)
class MembershipAdmin(ProvenanceAdminMixin, admin.ModelAdmin):
    list_display = ("city", "network", "role", "group", "since")
    list_filter = ("network", "role")
    search_fields = ("city__name", "network__name", "pledge")
    autocomplete_fields = ("city", "network")
    list_select_related = ("city", "network", "group")
