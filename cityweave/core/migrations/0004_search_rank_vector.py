"""PostgreSQL: match through a GIN index on an expression instead of a stored vector, rank on a
small title-only vector kept in the row, and move the large text columns out of the row.

A document's full vector holds every word of its text and facets in five languages with their
stems (about 2 kB). Stored, it made the rows wide (a search touched most of the heap), ranking
detoasted one per match, and for common words the planner preferred a sequential scan that
detoasted every one. Indexed as an expression it is never stored or read: the planner counts
``to_tsvector`` as costly and always reads the index. The rewrite UPDATE applies the new row
layout to rows already indexed (docs/decisions/0006-postgresql-search-tuning.md)."""

from django.db import migrations

VECTOR = (
    "to_tsvector('simple'::regconfig, title_tokens || ' ' || body_tokens || ' ' || facet_tokens)"
)
POSTGRESQL_FORWARD = [
    "DROP INDEX IF EXISTS core_searchtext_vector_idx",
    "ALTER TABLE core_searchtext DROP COLUMN IF EXISTS search_vector",
    f"CREATE INDEX core_searchtext_vector_idx ON core_searchtext USING GIN ({VECTOR})",
    "ALTER TABLE core_searchtext ADD COLUMN rank_vector tsvector GENERATED ALWAYS AS ("
    "to_tsvector('simple'::regconfig, title_tokens)) STORED",
    "ALTER TABLE core_searchtext ALTER COLUMN rank_vector SET STORAGE MAIN",
    "ALTER TABLE core_searchtext SET (toast_tuple_target = 128)",
    "UPDATE core_searchtext SET title_tokens = title_tokens",
]
POSTGRESQL_BACKWARD = [
    "ALTER TABLE core_searchtext RESET (toast_tuple_target)",
    "ALTER TABLE core_searchtext DROP COLUMN IF EXISTS rank_vector",
    "DROP INDEX IF EXISTS core_searchtext_vector_idx",
    "ALTER TABLE core_searchtext ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, title_tokens), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, body_tokens), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, facet_tokens), 'D')) STORED",
    "CREATE INDEX core_searchtext_vector_idx ON core_searchtext USING GIN (search_vector)",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0003_job")]

    operations = [migrations.RunPython(_run(POSTGRESQL_FORWARD), _run(POSTGRESQL_BACKWARD))]
