"""Cities: the places that share and reuse practices. Minimal here; profiles deepen later."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cityweave.core.models import Provenance, TimeStamped


class MacroRegion(models.TextChoices):
    EU = "EU", _("European Union")
    EUROPE_OTHER = "EUROPE", _("Europe (outside the EU)")
    CELAC = "CELAC", _("Latin America and the Caribbean (CELAC)")
    OTHER = "OTHER", _("Other")


class CityKind(models.TextChoices):
    MUNICIPALITY = "municipality", _("Municipality")
    METROPOLITAN = "metropolitan", _("Metropolitan or intermunicipal association")
    REGION = "region", _("Region")
    CORRIDOR = "corridor", _("Biological corridor")
    URBAN_AREA = "urban_area", _("Functional urban area")


class City(TimeStamped, Provenance):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=CityKind.choices, default=CityKind.MUNICIPALITY
    )
    country = models.CharField(_("country"), max_length=100)
    country_code = models.CharField(_("country code"), max_length=2, db_index=True)
    macro_region = models.CharField(
        _("macro-region"), max_length=10, choices=MacroRegion.choices, db_index=True
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    geonameid = models.PositiveIntegerField(_("GeoNames id"), null=True, blank=True, db_index=True)
    population = models.PositiveBigIntegerField(_("population"), null=True, blank=True)
    population_source = models.CharField(_("population source"), max_length=200, blank=True)
    aliases = models.CharField(_("aliases"), max_length=500, blank=True)
    website = models.URLField(_("website"), blank=True)
    programmes = models.JSONField(
        _("programmes"),
        default=list,
        blank=True,
        help_text=_("Programme memberships, e.g. ['EU Mission', 'INTERLACE']"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("cities")

    def __str__(self) -> str:
        return f"{self.name} ({self.country_code})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("web:city_detail", kwargs={"slug": self.slug})
