"""Base models shared by every CityWeave app: timestamps, provenance, publication status,
labels in the five interface languages, the shared taxonomy, typed links between items and the
old slugs that redirect to new ones."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

LANGUAGE_CODES = ("en", "pl", "es", "pt", "de")


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Provenance(models.Model):
    """Where a record loaded from outside came from.

    ``licence_verified`` is False where the origin publishes no licence file: an operator decides
    before publishing. ``editorial_note`` says what CityWeave's editors added or derived.
    """

    source_name = models.CharField(_("source"), max_length=300, blank=True)
    source_url = models.URLField(_("source URL"), max_length=1000, blank=True)
    licence = models.CharField(_("licence"), max_length=200, blank=True)
    licence_verified = models.BooleanField(_("licence verified"), default=True)
    retrieved_on = models.DateField(_("retrieved on"), null=True, blank=True)
    editorial_note = models.TextField(_("editorial note"), blank=True)

    class Meta:
        abstract = True

    @property
    def has_provenance(self) -> bool:
        return bool(self.source_name or self.source_url)


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class PublishedQuerySet(models.QuerySet):
    def published(self) -> PublishedQuerySet:
        return self.filter(status=Status.PUBLISHED)


class Publishable(models.Model):
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PUBLISHED, db_index=True
    )

    objects = PublishedQuerySet.as_manager()

    class Meta:
        abstract = True


class MultilingualLabel(models.Model):
    """A label in each interface language; ``label`` picks the active one, English as fallback."""

    label_en = models.CharField(_("label (English)"), max_length=200)
    label_pl = models.CharField(_("label (Polish)"), max_length=200, blank=True)
    label_es = models.CharField(_("label (Spanish)"), max_length=200, blank=True)
    label_pt = models.CharField(_("label (Portuguese)"), max_length=200, blank=True)
    label_de = models.CharField(_("label (German)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def label_in(self, language: str | None) -> str:
        code = (language or "en")[:2]
        value = getattr(self, f"label_{code}", "") if code in LANGUAGE_CODES else ""
        return value or self.label_en

    @property
    def label(self) -> str:
        return self.label_in(get_language())

    def all_labels(self) -> list[str]:
        return [v for v in (getattr(self, f"label_{c}") for c in LANGUAGE_CODES) if v]


class Vocabulary(models.TextChoices):
    CHALLENGE = "challenge", _("Challenge")
    ECOSYSTEM_SERVICE = "ecosystem_service", _("Ecosystem service")
    SECTOR = "sector", _("Sector")
    TOPIC = "topic", _("Topic")


class TaxonomyTerm(MultilingualLabel, Provenance):
    """A term of the shared taxonomy: the 12 EC societal challenge areas, CICES sections, sectors,
    topics. NBS types live in their own model with the same five labels."""

    vocabulary = models.CharField(max_length=30, choices=Vocabulary.choices, db_index=True)
    code = models.SlugField(max_length=80)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["vocabulary", "position", "label_en"]
        constraints = [
            models.UniqueConstraint(fields=["vocabulary", "code"], name="taxonomy_term_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.get_vocabulary_display()}: {self.label_en}"


class Relation(models.TextChoices):
    """Typed links. Each reads forwards from source to target and has an inverse label."""

    APPLIES = "applies", _("applies")
    DOCUMENTS = "documents", _("documents")
    INSPIRED = "inspired", _("inspired")
    FUNDS = "funds", _("funds")
    RELATED = "related", _("is related to")


INVERSE_RELATION_LABELS = {
    Relation.APPLIES: _("is applied by"),
    Relation.DOCUMENTS: _("is documented by"),
    Relation.INSPIRED: _("was inspired by"),
    Relation.FUNDS: _("is funded by"),
    Relation.RELATED: _("is related to"),
}


class Link(TimeStamped):
    """A typed link between any two items ("case applies instrument", "resource documents case")."""

    source_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    source_id = models.PositiveBigIntegerField()
    source = GenericForeignKey("source_type", "source_id")
    relation = models.CharField(max_length=20, choices=Relation.choices)
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["source_type", "source_id"], name="link_source_idx"),
            models.Index(fields=["target_type", "target_id"], name="link_target_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source_type", "source_id", "relation", "target_type", "target_id"],
                name="link_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.get_relation_display()} {self.target}"

    @property
    def inverse_label(self) -> str:
        return str(INVERSE_RELATION_LABELS[Relation(self.relation)])


class SlugRedirect(TimeStamped):
    """An address that moved: ``old_slug`` of a ``content_type`` is now ``new_slug``.

    Recorded where a slug changes (the city loader, since slugs transliterate their names:
    ``odz-pl`` became ``lodz-pl``); an item page asked for an old slug answers with a permanent
    redirect to the new one, in the same language."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    old_slug = models.SlugField(_("old slug"), max_length=220)
    new_slug = models.SlugField(_("new slug"), max_length=220)

    class Meta:
        ordering = ["content_type", "old_slug"]
        verbose_name = _("slug redirect")
        verbose_name_plural = _("slug redirects")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "old_slug"], name="slug_redirect_unique_old_slug"
            )
        ]

    def __str__(self) -> str:
        return f"{self.old_slug} → {self.new_slug}"


# The job table lives beside the job runner.
from cityweave.core.jobs.models import Job  # noqa: E402, F401
