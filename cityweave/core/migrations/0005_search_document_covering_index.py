"""PostgreSQL: a covering index of the search documents' facet columns, so that counting the
facets of a result set reads the index alone (an index-only scan per document) instead of the
table (docs/decisions/0006-postgresql-search-tuning.md)."""

from django.db import migrations

COLUMNS = "kind_order, sort_title, kind, country_code, macro_region, city, category, level, year, language"
FORWARD = (
    "CREATE INDEX search_document_facets_idx ON core_searchdocument (id) INCLUDE ("
    + COLUMNS
    + ")"
)
BACKWARD = "DROP INDEX IF EXISTS search_document_facets_idx"


def _run(statement):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0004_search_rank_vector")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
