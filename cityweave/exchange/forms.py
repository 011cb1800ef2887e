"""Forms of the exchange: moving a transfer to another stage (the transfer page), and the
admin's event form, which reads and shows times in the event's own time zone."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityweave.exchange.evidence import EVIDENCE_EXTENSIONS
from cityweave.exchange.models import (
    STAGE_ORDER,
    Event,
    Transfer,
    TransferStage,
    time_zone_names,
)


class TransferMoveForm(forms.Form):
    """Field names match the keys of the ``ValidationError`` of ``transfer_move``, so a refusal
    is shown beside the field it concerns."""

    stage = forms.ChoiceField(label=_("New stage"), choices=TransferStage.choices)
    on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What happened: the visit, the plan, the decision that adopted it ..."),
    )
    reason = forms.CharField(
        label=_("Reason for going back"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed only when the transfer moves back to an earlier stage."),
    )
    evidence = forms.FileField(
        label=_("Evidence"),
        required=False,
        help_text=_("Optional: a PDF, DOCX, PNG or JPEG file (minutes, a decision, a photo)."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(EVIDENCE_EXTENSIONS)}),
    )

    def __init__(self, *args: Any, transfer: Transfer, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {"stage": transfer.next_stage or "", "on": timezone.localdate()},
        )
        super().__init__(*args, **kwargs)
        current = transfer.stage
        labels = dict(TransferStage.choices)
        # The current stage is not a move; the others read "(back)" when they go backwards.
        choices: list[tuple[str, Any]] = []
        for stage in STAGE_ORDER:
            if stage == current:
                continue
            label: Any = labels[stage]
            if STAGE_ORDER.index(stage) < STAGE_ORDER.index(current):
                label = _("%(stage)s (back)") % {"stage": label}
            choices.append((stage, label))
        if transfer.next_stage is None:  # the last stage: only a move back, chosen on purpose
            choices.insert(0, ("", "---------"))
        self.fields["stage"].choices = choices  # type: ignore[attr-defined]


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(time_zone_names())]


LOCAL_TIME_FIELDS = ("starts_at", "ends_at", "registration_closes_at")


class EventAdminForm(forms.ModelForm):
    """Start, end and registration closing are typed and shown as wall-clock times in the
    event's time zone, not the server's."""

    time_zone = forms.ChoiceField(
        label=_("time zone"),
        choices=time_zone_choices,
        initial="Europe/Brussels",
        help_text=_("Start, end and registration closing are in this time zone."),
    )

    class Meta:
        model = Event
        fields = (
            "title", "slug", "kind", "status", "description", "agenda", "time_zone", "starts_at",
            "ends_at", "all_day", "city", "venue", "online_url", "organiser", "network",
            "capacity", "registration_open", "registration_closes_at", "outcomes", "materials",
            "source_name", "source_url", "licence", "licence_verified", "retrieved_on",
            "editorial_note",
        )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = self.instance
        if instance.pk and instance.time_zone in time_zone_names():
            zone = zoneinfo.ZoneInfo(instance.time_zone)
            for name in LOCAL_TIME_FIELDS:
                value = getattr(instance, name)
                if value is not None:
                    # Naive values are shown as they are (not converted to the server's zone).
                    self.initial[name] = value.astimezone(zone).replace(tzinfo=None)
        for name in LOCAL_TIME_FIELDS:
            if name in self.fields:
                self.fields[name].help_text = _("Local time of the event (its time zone).")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        name = data.get("time_zone")
        if name in time_zone_names():
            zone = zoneinfo.ZoneInfo(name)
            current = timezone.get_current_timezone()
            for field in LOCAL_TIME_FIELDS:
                value: datetime.datetime | None = data.get(field)
                if value is not None:
                    # The form read the wall-clock time in the server's zone: re-read it in the
                    # event's zone.
                    wall = timezone.make_naive(value, current)
                    data[field] = wall.replace(tzinfo=zone)
        return data
