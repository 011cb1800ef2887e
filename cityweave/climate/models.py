"""Climate targets a city has pledged, each from a named dataset with its own provenance."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cityweave.core.models import Provenance, TimeStamped


class TargetDataset(models.TextChoices):
    COVENANT = "covenant", _("Covenant of Mayors")
    NET_ZERO_TRACKER = "net_zero_tracker", _("Net Zero Tracker")
    CITY = "city", _("Entered by the city")


class TargetKind(models.TextChoices):
    NET_ZERO = "net_zero", _("Net zero")
    CLIMATE_NEUTRAL = "climate_neutral", _("Climate neutral")
    CARBON_NEUTRAL = "carbon_neutral", _("Carbon neutral")
    EMISSION_REDUCTION = "emission_reduction", _("Emission reduction")
    OTHER = "other", _("Other target")


class ClimateTarget(TimeStamped, Provenance):
    """One target: ``label`` keeps the dataset's own wording, ``kind`` groups it.

    ``reduction_percent`` is the reduction from ``baseline_year`` by ``target_year`` where the
    dataset states one; every number is empty where the dataset gives none.
    """

    city = models.ForeignKey(
        "cities.City", on_delete=models.CASCADE, related_name="climate_targets"
    )
    dataset = models.CharField(_("dataset"), max_length=20, choices=TargetDataset.choices)
    # The dataset's own key of the row (UN/LOCODE, Net Zero Tracker id + "end"/"interim").
    dataset_key = models.CharField(_("dataset key"), max_length=60)
    kind = models.CharField(_("kind"), max_length=20, choices=TargetKind.choices)
    label = models.CharField(_("target as stated"), max_length=200)
    interim = models.BooleanField(_("interim target"), default=False)
    reduction_percent = models.FloatField(_("reduction (%)"), null=True, blank=True)
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"), null=True, blank=True)
    target_year = models.PositiveSmallIntegerField(_("target year"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=100, blank=True)
    text = models.TextField(_("wording"), blank=True)
    plan_url = models.URLField(_("plan or source document"), max_length=500, blank=True)

    class Meta:
        ordering = ["city", "target_year", "dataset", "interim"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "dataset_key"], name="climate_target_unique_key"
            )
        ]

    def __str__(self) -> str:
        year = f" by {self.target_year}" if self.target_year else ""
        return f"{self.city}: {self.label}{year}"
