"""Slug redirects: an old slug of an item leads to its new one (city slugs now transliterate
their names, so ``odz-pl`` became ``lodz-pl``)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0005_search_document_covering_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="SlugRedirect",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("old_slug", models.SlugField(max_length=220, verbose_name="old slug")),
                ("new_slug", models.SlugField(max_length=220, verbose_name="new slug")),
                (
                    "content_type",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="contenttypes.contenttype",
                    ),
                ),
            ],
            options={
                "verbose_name": "slug redirect",
                "verbose_name_plural": "slug redirects",
                "ordering": ["content_type", "old_slug"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("content_type", "old_slug"), name="slug_redirect_unique_old_slug"
                    )
                ],
            },
        ),
    ]
