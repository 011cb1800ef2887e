"""The knowledge hub: NBS types, cases (good practices), policy and governance instruments and
library resources. Everything loaded from outside carries provenance (``core.Provenance``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cityweave.core.models import (
    MultilingualLabel,
    Provenance,
    Publishable,
    TaxonomyTerm,
    TimeStamped,
)


class EcNbsType(models.IntegerChoices):
    """Eggermont et al. (2015) typology used by the European Commission."""

    TYPE_1 = 1, _("Type 1: better use of existing ecosystems")
    TYPE_2 = 2, _("Type 2: managed or restored ecosystems")
    TYPE_3 = 3, _("Type 3: new ecosystems")


class Scale(models.TextChoices):
    BUILDING = "building", _("Building")
    STREET = "street", _("Street")
    NEIGHBOURHOOD = "neighbourhood", _("Neighbourhood")
    CITY = "city", _("City")
    REGION = "region", _("Region")


class NbsType(TimeStamped, Publishable, MultilingualLabel, Provenance):
    """A type of nature-based solution. ``label_*`` hold the name in the five languages."""

    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(_("description"))
    ec_type = models.PositiveSmallIntegerField(_("EC NBS type"), choices=EcNbsType.choices)
    challenges = models.ManyToManyField(
        TaxonomyTerm,
        blank=True,
        related_name="nbs_types_for_challenge",
        limit_choices_to={"vocabulary": "challenge"},
    )
    ecosystem_services = models.ManyToManyField(
        TaxonomyTerm,
        blank=True,
        related_name="nbs_types_for_service",
        limit_choices_to={"vocabulary": "ecosystem_service"},
    )
    scales = models.JSONField(_("scales"), default=list, blank=True)
    cost_min = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    cost_max = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    cost_currency = models.CharField(max_length=3, blank=True)
    cost_unit = models.CharField(
        max_length=10, blank=True, choices=[("m2", _("per m²")), ("ha", _("per ha"))]
    )
    cost_year = models.PositiveSmallIntegerField(null=True, blank=True)
    cost_source = models.CharField(max_length=500, blank=True)
    cost_source_url = models.URLField(max_length=1000, blank=True)
    maintenance = models.TextField(_("maintenance"), blank=True)

    class Meta:
        ordering = ["label_en"]
        verbose_name = _("NBS type")

    def __str__(self) -> str:
        return self.label_en

    def get_absolute_url(self) -> str:
        return reverse("web:nbs_type_detail", kwargs={"slug": self.slug})


class Parameter(models.TextChoices):
    """Biophysical parameters the assessment engine reads, with InVEST's column names."""

    KC = "kc", _("Crop coefficient (Kc)")
    SHADE = "shade", _("Shade (share of area under canopy ≥ 2 m)")
    ALBEDO = "albedo", _("Albedo")
    CN_A = "CN_A", _("Curve number, soil group A")
    CN_B = "CN_B", _("Curve number, soil group B")
    CN_C = "CN_C", _("Curve number, soil group C")
    CN_D = "CN_D", _("Curve number, soil group D")
    C_ABOVE = "c_above", _("Carbon, above-ground (Mg C/ha)")
    C_BELOW = "c_below", _("Carbon, below-ground (Mg C/ha)")
    C_SOIL = "c_soil", _("Carbon, soil (Mg C/ha)")
    C_DEAD = "c_dead", _("Carbon, dead matter (Mg C/ha)")


class BiophysicalParameter(models.Model):
    """One parameter value of an NBS type, always with the source it was read from."""

    nbs_type = models.ForeignKey(NbsType, on_delete=models.CASCADE, related_name="parameters")
    name = models.CharField(max_length=20, choices=Parameter.choices)
    value = models.FloatField()
    unit = models.CharField(max_length=30, blank=True)
    source = models.CharField(max_length=500)
    source_url = models.URLField(max_length=1000, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["nbs_type", "name"]
        constraints = [
            models.UniqueConstraint(fields=["nbs_type", "name"], name="parameter_unique_per_type")
        ]

    def __str__(self) -> str:
        return f"{self.nbs_type}: {self.name} = {self.value}"


class CaseStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ONGOING = "ongoing", _("Ongoing")
    COMPLETED = "completed", _("Completed")
    UNKNOWN = "unknown", _("Unknown")


class Governance(models.TextChoices):
    GOVERNMENT_LED = "government_led", _("Government-led")
    CO_GOVERNANCE = "co_governance", _("Co-governance")
    NON_GOVERNMENT = "non_government", _("Non-government-led")
    UNKNOWN = "unknown", _("Unknown")


class Case(TimeStamped, Publishable, Provenance):
    """A good practice: a real nature-based solution in a city."""

    slug = models.SlugField(max_length=220, unique=True)
    title_en = models.CharField(_("title (English)"), max_length=400)
    title_original = models.CharField(_("original title"), max_length=600, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    description = models.TextField(_("description"), blank=True)
    description_note = models.CharField(
        _("note on the description"),
        max_length=500,
        blank=True,
        help_text=_("Where the description comes from and what it leaves out, shown beside it"),
    )
    city = models.ForeignKey(
        "cities.City", on_delete=models.PROTECT, related_name="cases", null=True, blank=True
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    location_precision = models.CharField(
        _("location precision"),
        max_length=20,
        default="site",
        choices=[("site", _("Site")), ("city", _("City centre"))],
    )
    polygon = models.JSONField(_("boundary (GeoJSON geometry)"), null=True, blank=True)
    nbs_types = models.ManyToManyField(NbsType, blank=True, related_name="cases")
    challenges = models.ManyToManyField(
        TaxonomyTerm, blank=True, related_name="cases", limit_choices_to={"vocabulary": "challenge"}
    )
    case_status = models.CharField(
        _("implementation status"),
        max_length=12,
        choices=CaseStatus.choices,
        default=CaseStatus.UNKNOWN,
    )
    start_year = models.PositiveSmallIntegerField(_("start year"), null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(_("end year"), null=True, blank=True)
    area_m2 = models.FloatField(
        _("area (m²)"),
        null=True,
        blank=True,
        help_text=_("Geodesic area of the site outline on the WGS 84 ellipsoid, where known"),
    )
    cost = models.DecimalField(_("cost"), max_digits=16, decimal_places=2, null=True, blank=True)
    cost_currency = models.CharField(_("cost currency"), max_length=3, blank=True)
    funding_sources = models.TextField(_("funding sources"), blank=True)
    governance = models.CharField(
        _("governance arrangement"),
        max_length=20,
        choices=Governance.choices,
        default=Governance.UNKNOWN,
    )
    actors = models.TextField(_("actors"), blank=True)
    participation = models.TextField(_("participation approach"), blank=True)
    outcomes = models.TextField(_("outcomes"), blank=True)
    lessons = models.TextField(_("lessons learnt"), blank=True)
    scores = models.JSONField(
        _("impact scores"),
        default=dict,
        blank=True,
        help_text=_("Indicator name → score, with the scoring scheme in the provenance"),
    )
    links = models.JSONField(_("links"), default=list, blank=True)
    image = models.FileField(_("image"), upload_to="cases/", blank=True)

    class Meta:
        ordering = ["title_en"]

    def __str__(self) -> str:
        return self.title_en

    def get_absolute_url(self) -> str:
        return reverse("web:case_detail", kwargs={"slug": self.slug})


class TermDecision(models.TextChoices):
    """What an editor said of a case's challenge or NBS type; an editor's word wins."""

    NONE = "", _("not reviewed")
    CONFIRMED = "confirmed", _("confirmed by an editor")
    REMOVED = "removed", _("removed by an editor")
    ADDED = "added", _("added by an editor")


class CaseTerm(TimeStamped):
    """One challenge or NBS type of a case: derived by the machine classification from the case's
    text (``machine``, with the ``rule`` and the ``evidence`` that triggered it), decided by an
    editor, or both. ``Case.challenges`` and ``Case.nbs_types`` hold the terms that apply."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="terms")
    challenge = models.ForeignKey(
        TaxonomyTerm,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"vocabulary": "challenge"},
    )
    nbs_type = models.ForeignKey(
        NbsType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    machine = models.BooleanField(_("derived by the machine classification"), default=False)
    rule = models.CharField(_("rule"), max_length=400, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    decision = models.CharField(
        _("editor's decision"), max_length=10, choices=TermDecision.choices, blank=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["case", "challenge__position", "nbs_type__label_en"]
        constraints = [
            models.CheckConstraint(
                condition=Q(challenge__isnull=True, nbs_type__isnull=False)
                | Q(challenge__isnull=False, nbs_type__isnull=True),
                name="case_term_one_kind",
            ),
            models.UniqueConstraint(
                fields=["case", "challenge"],
                condition=Q(challenge__isnull=False),
                name="case_term_unique_challenge",
            ),
            models.UniqueConstraint(
                fields=["case", "nbs_type"],
                condition=Q(nbs_type__isnull=False),
                name="case_term_unique_nbs_type",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case}: {self.term}"

    @property
    def term(self) -> TaxonomyTerm | NbsType:
        term = self.challenge or self.nbs_type
        assert term is not None
        return term

    @property
    def applies(self) -> bool:
        """An editor's confirmation or addition, or a machine assignment no editor removed."""
        if self.decision in (TermDecision.CONFIRMED, TermDecision.ADDED):
            return True
        return self.machine and self.decision != TermDecision.REMOVED


class InstrumentCategory(models.TextChoices):
    LEGISLATIVE = "legislative", _("Legislative, regulatory and strategic")
    ECONOMIC = "economic", _("Economic and fiscal")
    AGREEMENT = "agreement", _("Agreement-based and cooperative")
    KNOWLEDGE = "knowledge", _("Knowledge, communication and innovation")


class GovernanceLevel(models.TextChoices):
    EU = "eu", _("EU")
    NATIONAL = "national", _("National")
    REGIONAL = "regional", _("Regional")
    LOCAL = "local", _("Local")


class Instrument(TimeStamped, Publishable, Provenance):
    """A policy or governance instrument that makes nature-based solutions possible."""

    slug = models.SlugField(max_length=220, unique=True)
    name = models.CharField(_("name"), max_length=300)
    name_original = models.CharField(_("original name"), max_length=300, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=InstrumentCategory.choices)
    governance_level = models.CharField(
        _("governance level"), max_length=10, choices=GovernanceLevel.choices
    )
    country_code = models.CharField(_("country code"), max_length=2, blank=True)
    year_adopted = models.PositiveSmallIntegerField(_("year adopted"), null=True, blank=True)
    description = models.TextField(_("description"))
    actors = models.TextField(_("actors"), blank=True)
    success_factors = models.TextField(_("success factors"), blank=True)
    lessons = models.TextField(_("lessons learnt"), blank=True)
    challenges = models.ManyToManyField(
        TaxonomyTerm,
        blank=True,
        related_name="instruments",
        limit_choices_to={"vocabulary": "challenge"},
    )
    nbs_types = models.ManyToManyField(NbsType, blank=True, related_name="instruments")
    cities = models.ManyToManyField("cities.City", blank=True, related_name="instruments")
    cases = models.ManyToManyField(Case, blank=True, related_name="instruments")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("web:instrument_detail", kwargs={"slug": self.slug})


class ResourceType(models.TextChoices):
    GUIDANCE = "guidance", _("Guidance document")
    BUSINESS_CASE = "business_case", _("Business case")
    IMPULSE_PAPER = "impulse_paper", _("City impulse paper")
    REPORT = "report", _("Report")
    TOOL = "tool", _("Tool")


class Resource(TimeStamped, Publishable, Provenance):
    """A library resource; the text of its uploaded file is extracted and searchable."""

    slug = models.SlugField(max_length=220, unique=True)
    title = models.CharField(_("title"), max_length=400)
    resource_type = models.CharField(_("type"), max_length=20, choices=ResourceType.choices)
    language = models.CharField(_("language"), max_length=8, default="en")
    authors = models.CharField(_("authors"), max_length=500, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    url = models.URLField(_("URL"), max_length=1000, blank=True)
    topics = models.ManyToManyField(TaxonomyTerm, blank=True, related_name="resources")
    nbs_types = models.ManyToManyField(NbsType, blank=True, related_name="resources")
    cities = models.ManyToManyField("cities.City", blank=True, related_name="resources")
    file = models.FileField(_("file"), upload_to="library/", blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    extracted_text = models.TextField(blank=True)

    class Meta:
        ordering = ["-year", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("web:resource_detail", kwargs={"slug": self.slug})
