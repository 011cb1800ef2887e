"""City-to-city exchange: events (workshops, study visits, policy brokerage ...) with their
participants, registrations and follow-up actions, and the transfer of a good practice (a
catalogue ``Case``) from one city to another, stage by stage.

Times are stored in UTC; each event also keeps the IANA time zone it takes place in, and the
local dates it covers there (``starts_on`` / ``ends_on``, set by ``clean()``), so the calendar and
the month filters place an event on the days its participants live it. An all-day event (one
whose source gives its days, not its times) runs from midnight of its first day to midnight after
its last, in its zone. An event recorded from a published source carries that source.
"""

from __future__ import annotations

import datetime
import uuid
import zoneinfo
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cityweave.core.models import Provenance, TimeStamped

# Paths under /events/ that are pages of their own, never an event's slug.
RESERVED_EVENT_SLUGS = frozenset({"calendar"})


@cache
def time_zone_names() -> frozenset[str]:
    """The IANA time zone names this system knows (from the tz database installed)."""
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in time_zone_names():
        raise ValidationError(
            _("“%(value)s” is not an IANA time zone name (such as Europe/Warsaw)."),
            code="invalid_time_zone",
            params={"value": value},
        )


class EventKind(models.TextChoices):
    WORKSHOP = "workshop", _("Workshop")
    STUDY_VISIT = "study_visit", _("Study visit")
    WEBINAR = "webinar", _("Webinar")
    POLICY_BROKERAGE = "policy_brokerage", _("Interregional policy brokerage")
    PEER_REVIEW = "peer_review", _("Peer review")
    TRANSITION_LAB = "transition_lab", _("Transition-lab session")
    CONFERENCE = "conference", _("Conference")


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", _("Cancelled")


# Statuses anyone may see: a cancelled event stays visible, marked as cancelled.
PUBLIC_EVENT_STATUSES = (EventStatus.PUBLISHED, EventStatus.CANCELLED)


class Event(TimeStamped, Provenance):
    """A city-to-city exchange event, in a city, online or both (hybrid)."""

    uid = models.UUIDField(_("calendar UID"), default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(max_length=220, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=EventStatus.choices,
        default=EventStatus.PUBLISHED,
        db_index=True,
    )
    description = models.TextField(_("description"), blank=True)
    agenda = models.TextField(_("agenda"), blank=True)
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    all_day = models.BooleanField(
        _("all day"),
        default=False,
        help_text=_(
            "Days without times (when only the days are known): from midnight of the first "
            "day to midnight after the last, in the event's time zone"
        ),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        validators=[validate_time_zone],
        help_text=_("The IANA time zone the event takes place in, e.g. Europe/Warsaw"),
    )
    # Set by clean() from the times and the zone (blank so that field validation leaves them).
    starts_on = models.DateField(_("first day (local)"), editable=False, blank=True)
    ends_on = models.DateField(_("last day (local)"), editable=False, blank=True)
    city = models.ForeignKey(
        "cities.City",
        verbose_name=_("city"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
    )
    venue = models.CharField(
        _("venue"), max_length=300, blank=True, help_text=_("Building and address in the city")
    )
    online_url = models.URLField(
        _("online URL"),
        max_length=1000,
        blank=True,
        help_text=_("Where to join online; with a city too, the event is hybrid"),
    )
    organiser = models.ForeignKey(
        "cities.Organisation",
        verbose_name=_("organiser"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="organised_events",
    )
    network = models.ForeignKey(
        "cities.Network",
        verbose_name=_("network"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
    )
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Places for registered participants; empty for unlimited"),
    )
    registration_open = models.BooleanField(_("registration open"), default=True)
    registration_closes_at = models.DateTimeField(
        _("registration closes at"),
        null=True,
        blank=True,
        help_text=_("Empty: registration closes when the event starts"),
    )
    outcomes = models.TextField(_("outcomes"), blank=True)
    materials = models.ManyToManyField(
        "catalogue.Resource", verbose_name=_("materials"), blank=True, related_name="events"
    )

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [models.Index(fields=["starts_on", "ends_on"], name="event_local_days_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="event_ends_after_start",
                violation_error_message=_("The event must end after it starts."),
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("exchange:event_detail", kwargs={"slug": self.slug})

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The event's time zone (UTC if the stored name is unknown to this system)."""
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")

    @property
    def local_start(self) -> datetime.datetime:
        return self.starts_at.astimezone(self.zone)

    @property
    def local_end(self) -> datetime.datetime:
        return self.ends_at.astimezone(self.zone)

    @property
    def is_online(self) -> bool:
        return bool(self.online_url)

    @property
    def is_hybrid(self) -> bool:
        return bool(self.online_url) and self.city_id is not None

    @property
    def is_cancelled(self) -> bool:
        return self.status == EventStatus.CANCELLED

    def clean(self) -> None:
        errors: dict[str, list[ValidationError]] = {}
        if self.slug in RESERVED_EVENT_SLUGS:
            errors.setdefault("slug", []).append(
                ValidationError(
                    _("“%(slug)s” is reserved; choose another slug."), params={"slug": self.slug}
                )
            )
        if self.city_id is None and not self.online_url:
            errors.setdefault("city", []).append(
                ValidationError(_("Give the city the event takes place in, or its online URL."))
            )
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors.setdefault("ends_at", []).append(
                ValidationError(_("The event must end after it starts."))
            )
        if (
            self.registration_closes_at
            and self.ends_at
            and self.registration_closes_at > (self.ends_at)
        ):
            errors.setdefault("registration_closes_at", []).append(
                ValidationError(_("Registration must close before the event ends."))
            )
        known_zone = self.time_zone in time_zone_names()
        times_known = bool(self.starts_at and self.ends_at and known_zone)
        if (
            self.all_day
            and times_known
            and not (self.local_start.time() == self.local_end.time() == datetime.time(0))
        ):
            errors.setdefault("all_day", []).append(
                ValidationError(
                    _(
                        "An all-day event starts at midnight of its first day and ends at "
                        "midnight after its last, in its time zone."
                    )
                )
            )
        if errors:
            raise ValidationError(errors)
        if times_known:
            # The local days the event covers, for calendars and month filters (an all-day
            # event ends at the midnight after its last day).
            self.starts_on = self.local_start.date()
            last = self.local_end - datetime.timedelta(days=1) if self.all_day else self.local_end
            self.ends_on = last.date()


class ParticipantRole(models.TextChoices):
    HOST = "host", _("Host")
    MODERATOR = "moderator", _("Moderator")
    SPEAKER = "speaker", _("Speaker")
    RAPPORTEUR = "rapporteur", _("Rapporteur")
    PARTICIPANT = "participant", _("Participant")


# The order in which an event's page lists its participants.
ROLE_ORDER = tuple(ParticipantRole.values)


class EventParticipant(models.Model):
    """A city, an organisation or a person (a user or a named person) taking part in an event
    with a role. A person may be given with their organisation and city."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="participants")
    role = models.CharField(
        _("role"),
        max_length=12,
        choices=ParticipantRole.choices,
        default=ParticipantRole.PARTICIPANT,
    )
    city = models.ForeignKey(
        "cities.City",
        verbose_name=_("city"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="event_participations",
    )
    organisation = models.ForeignKey(
        "cities.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="event_participations",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="event_participations",
    )
    name = models.CharField(
        _("person's name"),
        max_length=200,
        blank=True,
        help_text=_("A person without an account (or a user's name as it should be shown)"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["event", "pk"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")

    def __str__(self) -> str:
        return f"{self.display_name} ({self.get_role_display()})"

    @property
    def is_person(self) -> bool:
        return bool(self.name) or self.user_id is not None

    @property
    def person_name(self) -> str:
        if self.name:
            return self.name
        if self.user is not None:
            return self.user.get_full_name() or self.user.get_username()
        return ""

    @property
    def display_name(self) -> str:
        if self.is_person:
            return self.person_name
        if self.organisation is not None:
            return self.organisation.name
        return self.city.name if self.city is not None else ""

    def clean(self) -> None:
        if not (self.city_id or self.organisation_id or self.user_id or self.name.strip()):
            raise ValidationError(
                _("Give the participating city, organisation or person."), code="no_participant"
            )


class FollowUpAction(TimeStamped):
    """Something to do after an event, with who does it and by when."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="follow_ups")
    text = models.CharField(_("action"), max_length=500)
    owner = models.CharField(
        _("owner"), max_length=200, blank=True, help_text=_("A person, organisation or city")
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    done = models.BooleanField(_("done"), default=False)
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        ordering = ["event", "done", models.F("due_on").asc(nulls_last=True), "pk"]
        verbose_name = _("follow-up action")
        verbose_name_plural = _("follow-up actions")

    def __str__(self) -> str:
        return self.text


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")


class Registration(TimeStamped):
    """A signed-in user's registration for an event. One row per user and event: a cancelled
    registration is reused when the user registers again (at the end of the waiting list).
    ``queued_at`` orders the waiting list (first come, first served)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_registrations"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RegistrationStatus.choices, db_index=True
    )
    queued_at = models.DateTimeField(_("registered at"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        ordering = ["event", "queued_at", "pk"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="registration_unique_user")
        ]
        indexes = [
            models.Index(fields=["event", "status", "queued_at"], name="registration_queue_idx")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.event} ({self.get_status_display()})"


class TransferStage(models.TextChoices):
    """The stages of a good-practice transfer, as Interreg Europe and URBACT run them."""

    INTEREST = "interest", _("Interest")
    STUDY_VISIT = "study_visit", _("Study visit")
    ADAPTATION_PLAN = "adaptation_plan", _("Adaptation plan")
    ADOPTED = "adopted", _("Adopted in a policy or action plan")
    IMPLEMENTED = "implemented", _("Implemented")
    EVALUATED = "evaluated", _("Evaluated")


STAGE_ORDER: tuple[str, ...] = tuple(TransferStage.values)


def stage_index(stage: str) -> int:
    return STAGE_ORDER.index(stage)


class Transfer(TimeStamped):
    """A good practice (``case``) transferred to a receiving city or region, improving a policy
    instrument there. ``stage`` is the stage of its latest ``TransferStageChange``."""

    slug = models.SlugField(max_length=220, unique=True)
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), blank=True)
    case = models.ForeignKey(
        "catalogue.Case",
        verbose_name=_("good practice"),
        on_delete=models.PROTECT,
        related_name="transfers",
    )
    receiving_city = models.ForeignKey(
        "cities.City",
        verbose_name=_("receiving city or region"),
        on_delete=models.PROTECT,
        related_name="received_transfers",
    )
    instrument = models.ForeignKey(
        "catalogue.Instrument",
        verbose_name=_("policy instrument improved"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="transfers",
    )
    network = models.ForeignKey(
        "cities.Network",
        verbose_name=_("network"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="transfers",
    )
    stage = models.CharField(
        _("stage"),
        max_length=20,
        choices=TransferStage.choices,
        default=TransferStage.INTEREST,
        db_index=True,
        editable=False,
    )
    stage_on = models.DateField(_("stage reached on"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["title", "pk"]
        verbose_name = _("practice transfer")
        verbose_name_plural = _("practice transfers")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("exchange:transfer_detail", kwargs={"slug": self.slug})

    @property
    def next_stage(self) -> str | None:
        index = stage_index(self.stage)
        return STAGE_ORDER[index + 1] if index + 1 < len(STAGE_ORDER) else None


def evidence_path(instance: TransferStageChange, filename: str) -> str:
    return f"exchange/evidence/{instance.on:%Y}/{filename}"


class TransferStageChange(models.Model):
    """One dated step of a transfer's history: the stage reached (or gone back to, with the
    reason), a note, optional evidence (PDF, DOCX, PNG or JPEG) and who recorded it."""

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="changes")
    stage = models.CharField(_("stage"), max_length=20, choices=TransferStage.choices)
    previous_stage = models.CharField(
        _("previous stage"), max_length=20, choices=TransferStage.choices, blank=True
    )
    on = models.DateField(_("date"))
    note = models.TextField(_("note"), blank=True)
    reason = models.TextField(
        _("reason"), blank=True, help_text=_("Why the transfer went back to an earlier stage")
    )
    evidence = models.FileField(_("evidence"), upload_to=evidence_path, blank=True, max_length=300)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["transfer", "on", "recorded_at", "pk"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")

    def __str__(self) -> str:
        return f"{self.transfer}: {self.get_stage_display()} ({self.on:%Y-%m-%d})"

    @property
    def is_backward(self) -> bool:
        return bool(self.previous_stage) and stage_index(self.stage) < stage_index(
            self.previous_stage
        )

    @property
    def evidence_name(self) -> str:
        return (self.evidence.name or "").rsplit("/", 1)[-1]
