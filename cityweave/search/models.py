"""The search index tables: one denormalised document per published item, its multi-valued
facet values, and its indexed text in a table of its own, so that reading documents for facet
counts never reads their text. The full-text part is backend-specific and created by core's
migration 0002: an FTS5 table ``core_searchtext_fts`` over ``core_searchtext`` on SQLite, a
generated ``search_vector`` tsvector column with a GIN index on PostgreSQL. Both read
``title_tokens`` and ``body_tokens``, the output of ``cityweave.search.text.index_tokens``.

The tables keep the names they had when search lived in ``core``: moving the models to this
app changed Django's state only (migration ``search.0001``)."""

from __future__ import annotations

from django.db import models


class SearchDocument(models.Model):
    kind = models.CharField(max_length=12)
    kind_order = models.PositiveSmallIntegerField()
    object_id = models.PositiveBigIntegerField()
    slug = models.CharField(max_length=220)
    title = models.CharField(max_length=600)
    title_i18n = models.JSONField(default=dict, blank=True)
    sort_title = models.CharField(max_length=600)
    subtitle = models.CharField(max_length=300, blank=True)
    country_code = models.CharField(max_length=2, blank=True, db_index=True)
    macro_region = models.CharField(max_length=10, blank=True, db_index=True)
    city = models.CharField(max_length=220, blank=True, db_index=True)
    city_name = models.CharField(max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True, db_index=True)
    language = models.CharField(max_length=8, blank=True, db_index=True)
    category = models.CharField(max_length=20, blank=True, db_index=True)
    level = models.CharField(max_length=10, blank=True, db_index=True)
    status = models.CharField(max_length=12, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    class Meta:
        app_label = "search"
        db_table = "core_searchdocument"
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_document_unique")
        ]
        indexes = [
            models.Index(fields=["kind_order", "sort_title"], name="search_document_order_idx"),
            models.Index(fields=["kind"], name="search_document_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.slug}"


class SearchText(models.Model):
    """The text of a document: indexed (every word with its forms, see ``text.index_tokens``)
    and shown (the source of the snippet)."""

    document = models.OneToOneField(
        SearchDocument, on_delete=models.CASCADE, primary_key=True, related_name="text"
    )
    title_tokens = models.TextField(blank=True)
    body_tokens = models.TextField(blank=True)
    # One token per facet value (``text.facet_token``): filters become full-text terms.
    facet_tokens = models.TextField(blank=True)
    snippet_source = models.TextField(blank=True)

    class Meta:
        app_label = "search"
        db_table = "core_searchtext"

    def __str__(self) -> str:
        return f"text of {self.document_id}"


class SearchFacetValue(models.Model):
    """One value of a multi-valued facet of a document (challenge codes, NBS type slugs)."""

    document = models.ForeignKey(
        SearchDocument, on_delete=models.CASCADE, related_name="facet_values", db_index=False
    )
    facet = models.CharField(max_length=12)
    value = models.CharField(max_length=220)

    class Meta:
        app_label = "search"
        db_table = "core_searchfacetvalue"
        indexes = [
            models.Index(fields=["facet", "value", "document"], name="search_facet_value_idx"),
            models.Index(fields=["document", "facet", "value"], name="search_facet_document_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.facet}={self.value}"
