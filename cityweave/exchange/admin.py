"""Admin of the exchange: events with their participants, follow-up actions and registrations,
and practice transfers with their stage history.

Event times are typed in the event's own time zone. Raising (or removing) an event's capacity
confirms people waiting, first come first served. A transfer's stage follows its history: new
stages are recorded on the transfer's page (which applies the stage rules); here a change's
note, reason and evidence can be corrected, or a change deleted.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cityweave.core.admin import PROVENANCE_FIELDSET, ProvenanceAdminMixin
from cityweave.exchange import services
from cityweave.exchange.evidence import read_evidence
from cityweave.exchange.forms import EventAdminForm
from cityweave.exchange.models import (
    Event,
    EventParticipant,
    EventStatus,
    FollowUpAction,
    Registration,
    RegistrationStatus,
    Transfer,
    TransferStage,
    TransferStageChange,
)

RECORD_FIELDSET: tuple[Any, Any] = (
    _("Record"),
    {"fields": ("uid", "created_at", "updated_at"), "classes": ("collapse",)},
)


class EventParticipantInline(admin.TabularInline):
    model = EventParticipant
    extra = 0
    fields = ("role", "city", "organisation", "user", "name", "note")
    autocomplete_fields = ("city",)
    raw_id_fields = ("user",)


class FollowUpActionInline(admin.TabularInline):
    model = FollowUpAction
    extra = 0
    fields = ("text", "owner", "due_on", "done", "done_on")


class RegistrationInline(admin.TabularInline):
    """Registrations are made by the users themselves; the admin sees them."""

    model = Registration
    extra = 0
    fields = ("user", "status", "queued_at", "confirmed_at", "cancelled_at")
    readonly_fields = fields
    ordering = ("status", "queued_at", "pk")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.action(description=_("Cancel selected events"))
def cancel_events(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Event]
) -> None:
    count = 0
    for event in queryset.exclude(status=EventStatus.CANCELLED):
        services.event_cancel(event=event)
        count += 1
    modeladmin.message_user(
        request,
        ngettext("%(count)d event cancelled.", "%(count)d events cancelled.", count)
        % {"count": count},
        messages.SUCCESS,
    )


@admin.register(Event)
class EventAdmin(ProvenanceAdminMixin, admin.ModelAdmin):
    form = EventAdminForm
    list_display = ("title", "kind", "starts_at", "time_zone", "city", "network", "status",
                    "places")  # fmt: skip
    list_filter = ("status", "kind", "network", "registration_open")
    search_fields = ("title", "slug", "description", "city__name", "organiser__name")
    prepopulated_fields = {"slug": ("title",)}
    date_hierarchy = "starts_at"
    autocomplete_fields = ("city", "materials")
    readonly_fields = ("uid", "created_at", "updated_at")
    inlines = (EventParticipantInline, FollowUpActionInline, RegistrationInline)
    actions = (cancel_events,)
    fieldsets = (
        (None, {"fields": ("title", "slug", "kind", "status", "description", "agenda")}),
        (_("When"), {"fields": ("time_zone", "starts_at", "ends_at", "all_day")}),
        (_("Where"), {"fields": ("city", "venue", "online_url")}),
        (_("Who"), {"fields": ("organiser", "network")}),
        (
            _("Registration"),
            {"fields": ("capacity", "registration_open", "registration_closes_at")},
        ),
        (_("After the event"), {"fields": ("outcomes", "materials")}),
        PROVENANCE_FIELDSET,
        RECORD_FIELDSET,
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Event]:
        return (
            super()
            .get_queryset(request)
            .select_related("city", "network")
            .annotate(
                confirmed=Count(
                    "registrations",
                    filter=Q(registrations__status=RegistrationStatus.CONFIRMED),
                )
            )
        )

    @admin.display(description=_("places taken"))
    def places(self, obj: Event) -> str:
        taken = getattr(obj, "confirmed", 0)
        return f"{taken} / {obj.capacity}" if obj.capacity else str(taken)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        promoted = services.event_fill_places(event=form.instance)
        if promoted:
            self.message_user(
                request,
                ngettext(
                    "%(count)d person on the waiting list got a place.",
                    "%(count)d people on the waiting list got a place.",
                    len(promoted),
                )
                % {"count": len(promoted)},
                messages.SUCCESS,
            )


class StageChangeForm(forms.ModelForm):
    class Meta:
        model = TransferStageChange
        fields = ("note", "reason", "evidence")

    def clean_evidence(self) -> Any:
        upload = self.cleaned_data.get("evidence")
        if upload and hasattr(upload, "content_type"):  # a new upload, not the stored file
            try:
                read_evidence(upload)
            except ValidationError as error:
                raise forms.ValidationError(error.message_dict["evidence"]) from None
        return upload


class TransferStageChangeInline(admin.TabularInline):
    model = TransferStageChange
    form = StageChangeForm
    extra = 0
    fields = ("on", "stage", "previous_stage", "note", "reason", "evidence", "by", "recorded_at")
    readonly_fields = ("on", "stage", "previous_stage", "by", "recorded_at")
    ordering = ("on", "recorded_at", "pk")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TransferAdminForm(forms.ModelForm):
    started_on = forms.DateField(
        label=_("first stage on"),
        required=False,
        help_text=_("New transfers: the date of the first stage (today if empty)."),
    )
    first_stage = forms.ChoiceField(
        label=_("first stage"), choices=TransferStage.choices, initial=TransferStage.INTEREST
    )

    class Meta:
        model = Transfer
        fields = ("title", "slug", "summary", "case", "receiving_city", "instrument", "network")


@admin.register(Transfer)
class TransferAdmin(admin.ModelAdmin):
    form = TransferAdminForm
    list_display = ("title", "case", "receiving_city", "network", "stage", "stage_on")
    list_filter = ("stage", "network")
    search_fields = ("title", "slug", "summary", "case__title_en", "receiving_city__name")
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("case", "receiving_city", "instrument")
    readonly_fields = ("stage", "stage_on", "created_at", "updated_at")
    inlines = (TransferStageChangeInline,)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        main = ["title", "slug", "summary", "case", "receiving_city", "instrument", "network"]
        if obj is None:
            return ((None, {"fields": [*main, "first_stage", "started_on"]}),)
        return (
            (None, {"fields": main}),
            (_("Stage"), {"fields": ("stage", "stage_on")}),
            (_("Record"), {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Transfer]:
        return super().get_queryset(request).select_related("case", "receiving_city", "network")

    def save_model(self, request: HttpRequest, obj: Transfer, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        created = services.transfer_create(
            case=data["case"],
            receiving_city=data["receiving_city"],
            title=data["title"],
            slug=data["slug"],
            summary=data["summary"],
            instrument=data["instrument"],
            network=data["network"],
            stage=data["first_stage"],
            on=data["started_on"] or timezone.localdate(),
            by=request.user,
        )
        obj.pk, obj.stage, obj.stage_on = created.pk, created.stage, created.stage_on
        obj._state.adding = False

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        services.transfer_sync_stage(transfer=form.instance)
