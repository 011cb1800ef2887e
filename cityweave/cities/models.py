"""Cities: the places that share and reuse practices. Minimal here; profiles deepen later."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cityweave.core.models import Provenance, TaxonomyTerm, TimeStamped


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


class BiogeographicRegion(models.TextChoices):
    """The biogeographical regions of Europe (EEA, Habitats Directive); empty where unknown."""

    ALPINE = "alpine", _("Alpine")
    ANATOLIAN = "anatolian", _("Anatolian")
    ARCTIC = "arctic", _("Arctic")
    ATLANTIC = "atlantic", _("Atlantic")
    BLACK_SEA = "black_sea", _("Black Sea")
    BOREAL = "boreal", _("Boreal")
    CONTINENTAL = "continental", _("Continental")
    MACARONESIAN = "macaronesian", _("Macaronesian")
    MEDITERRANEAN = "mediterranean", _("Mediterranean")
    PANNONIAN = "pannonian", _("Pannonian")
    STEPPIC = "steppic", _("Steppic")


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
    population_year = models.PositiveSmallIntegerField(_("population year"), null=True, blank=True)
    official_name = models.CharField(_("official name"), max_length=300, blank=True)
    area_km2 = models.FloatField(_("area (km²)"), null=True, blank=True)
    area_source = models.CharField(_("area source"), max_length=300, blank=True)
    boundary = models.JSONField(_("boundary (GeoJSON geometry)"), null=True, blank=True)
    biogeographic_region = models.CharField(
        _("biogeographic region"), max_length=20, choices=BiogeographicRegion.choices, blank=True
    )
    challenges = models.ManyToManyField(
        TaxonomyTerm,
        through="CityChallenge",
        blank=True,
        related_name="cities",
    )
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
        constraints = [
            # One city per GeoNames place: the same id twice in a country is a duplicate.
            models.UniqueConstraint(
                fields=["country_code", "geonameid"],
                condition=models.Q(geonameid__isnull=False),
                name="city_unique_geonameid",
                violation_error_message=_(
                    "A city with this GeoNames id already exists in this country."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.country_code})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("web:city_detail", kwargs={"slug": self.slug})


class CityChallenge(models.Model):
    """A challenge a city works on; ``priority`` 1 is its first priority, empty when unranked."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="challenge_links")
    term = models.ForeignKey(
        TaxonomyTerm, on_delete=models.CASCADE, limit_choices_to={"vocabulary": "challenge"}
    )
    priority = models.PositiveSmallIntegerField(_("priority"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        ordering = ["city", "priority", "term__position"]
        constraints = [
            models.UniqueConstraint(fields=["city", "term"], name="city_challenge_unique")
        ]

    def __str__(self) -> str:
        return f"{self.city.name}: {self.term.label_en}"


class OrganisationLevel(models.TextChoices):
    INTERNATIONAL = "international", _("International")
    EU = "eu", _("EU")
    NATIONAL = "national", _("National")
    REGIONAL = "regional", _("Regional")
    LOCAL = "local", _("Local")


class Helix(models.TextChoices):
    """The quintuple helix of actors in transition work."""

    PUBLIC = "public", _("Public sector")
    BUSINESS = "business", _("Business")
    ACADEMIA = "academia", _("Academia and research")
    CIVIL_SOCIETY = "civil_society", _("Civil society")
    CITIZENS = "citizens", _("Citizens")


class Organisation(TimeStamped, Provenance):
    """A municipality department, ministry, agency, company, university or NGO."""

    name = models.CharField(_("name"), max_length=300)
    slug = models.SlugField(max_length=220, unique=True)
    city = models.ForeignKey(
        City, on_delete=models.SET_NULL, null=True, blank=True, related_name="organisations"
    )
    country_code = models.CharField(_("country code"), max_length=2, blank=True)
    level = models.CharField(
        _("governance level"), max_length=15, choices=OrganisationLevel.choices
    )
    helix = models.CharField(_("helix"), max_length=15, choices=Helix.choices)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Contact(TimeStamped):
    """A person to contact at an organisation, with their role."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    user = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="contacts"
    )

    class Meta:
        ordering = ["organisation", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"


class NetworkKind(models.TextChoices):
    PROGRAMME = "programme", _("Cooperation programme")
    MISSION = "mission", _("Mission")
    NATIONAL_NETWORK = "national_network", _("National network")
    CITY_NETWORK = "city_network", _("City network")
    PLEDGE = "pledge", _("Pledge initiative")


class Network(TimeStamped, Provenance):
    """A programme or network cities belong to: INTERLACE, IMPETUS, the EU Mission, ..."""

    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(
        _("short name"), max_length=40, blank=True, help_text=_("Shown on tags and in lists")
    )
    slug = models.SlugField(max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=NetworkKind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    country_code = models.CharField(_("country code"), max_length=2, blank=True)
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("website"), max_length=500, blank=True)
    coordinator = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("web:network_detail", kwargs={"slug": self.slug})

    @property
    def label(self) -> str:
        return self.short_name or self.name


class TierLevel(models.TextChoices):
    LOCAL = "local", _("Local")
    REGIONAL = "regional", _("Regional")
    GLOBAL = "global", _("Global")


class NetworkGroup(models.Model):
    """A tier or hub of a network (INTERLACE's local, regional and global tiers, a national
    hub of CapaCITIES ...)."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(max_length=120)
    kind = models.CharField(
        _("kind"), max_length=10, choices=[("tier", _("Tier")), ("hub", _("Hub"))]
    )
    level = models.CharField(_("level"), max_length=10, choices=TierLevel.choices, blank=True)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["network", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["network", "slug"], name="network_group_unique_slug")
        ]

    def __str__(self) -> str:
        return f"{self.network.name}: {self.name}"


class FactTopic(models.TextChoices):
    """What a statement about a network is about."""

    AIM = "aim", _("Aim")
    OBJECTIVE = "objective", _("Objective")
    TARGET_GROUP = "target_group", _("Target group")
    SCOPE = "scope", _("Scope")
    THEMATIC_AREA = "thematic_area", _("Thematic area")
    ROLE = "role", _("Role")
    ACTIVITY = "activity", _("Activity")
    FUNDING = "funding", _("Funding")
    GRANT_AGREEMENT = "grant_agreement", _("Grant agreement")
    PERIOD = "period", _("Period")
    PARTNERS = "partners", _("Partners")


# The key facts a network's page gives for every network with stated facts: what its sources
# state, or that they do not state it.
KEY_FACT_TOPICS = (
    FactTopic.FUNDING,
    FactTopic.GRANT_AGREEMENT,
    FactTopic.PERIOD,
    FactTopic.PARTNERS,
)

validate_partial_date = RegexValidator(
    r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$",
    _("Write a year, a month or a day as the source gives it: YYYY, YYYY-MM or YYYY-MM-DD."),
)


class NetworkFact(Provenance):
    """One statement a source makes about a network: an aim, its scope, a thematic area, a role,
    its funding, period or partners. ``text`` is in English (translated by CityWeave's editors
    where the source is in another language); ``text_original`` quotes the source in its own
    language (excerpts joined by " … "). Numbers and dates are filled only where the statement
    gives them, dates only as precisely as it gives them (a year, a month or a day)."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="facts")
    key = models.SlugField(max_length=80)
    topic = models.CharField(_("topic"), max_length=20, choices=FactTopic.choices)
    position = models.PositiveSmallIntegerField(default=0)
    text = models.TextField(_("statement (English)"))
    text_original = models.TextField(_("statement as the source gives it"), blank=True)
    original_language = models.CharField(
        _("language of the source"), max_length=2, blank=True, help_text=_("e.g. pl, en")
    )
    count = models.PositiveIntegerField(
        _("number stated"),
        null=True,
        blank=True,
        help_text=_("The number the statement gives (partners, cities ...), if any"),
    )
    country_count = models.PositiveIntegerField(
        _("countries stated"),
        null=True,
        blank=True,
        help_text=_("The number of countries the statement gives, if any"),
    )
    period_start = models.CharField(
        _("from"), max_length=10, blank=True, validators=[validate_partial_date]
    )
    period_end = models.CharField(
        _("until"), max_length=10, blank=True, validators=[validate_partial_date]
    )

    class Meta:
        ordering = ["network", "position", "pk"]
        verbose_name = _("network fact")
        verbose_name_plural = _("network facts")
        constraints = [
            models.UniqueConstraint(fields=["network", "key"], name="network_fact_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.network.name}: {self.get_topic_display()} ({self.key})"

    def text_in(self, language: str | None) -> str:
        """The statement in the source's own words where ``language`` is the source's (other
        than English), else in English."""
        code = (language or "en")[:2]
        if self.text_original and code == self.original_language and code != "en":
            return self.text_original
        return self.text

    @property
    def shown_text(self) -> str:
        return self.text_in(get_language())


class Role(models.TextChoices):
    MEMBER = "member", _("Member")
    PARTNER = "partner", _("Partner")
    FRONTRUNNER = "frontrunner", _("Frontrunner")
    FOLLOWER = "follower", _("Follower")
    AMBASSADOR = "ambassador", _("Ambassador")
    COORDINATOR = "coordinator", _("Coordinator")
    DEMONSTRATION = "demonstration", _("Demonstration region")
    SIGNATORY = "signatory", _("Signatory")


class Membership(TimeStamped, Provenance):
    """A city's membership of a network, with its role (and tier or hub, where it has one)."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="memberships")
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="memberships")
    group = models.ForeignKey(
        NetworkGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=15, choices=Role.choices, default=Role.MEMBER)
    since = models.DateField(_("since"), null=True, blank=True)
    until = models.DateField(_("until"), null=True, blank=True)
    pledge = models.TextField(
        _("pledge"), blank=True, help_text=_("For pledge initiatives: what the city committed to")
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["network", "city__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["city", "network", "role"], name="membership_unique_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.city.name} — {self.network.name} ({self.get_role_display()})"
