"""PostgreSQL: rank on a small title-only vector kept in the row, and move the large columns of
``core_searchtext`` (tokens, snippet source, the full vector) out of the row.

A document's full vector holds every word of its text and facets in five languages with their
stems (about 2 kB). Ranking on it detoasted one vector per match, and the wide rows filled the
heap, so a search visited most of the table. Matching still uses the GIN index on
``search_vector``, which answers without reading the vector; ranking reads ``rank_vector``
(title words, about 200 bytes). PostgreSQL moves columns out of a row only when the row passes
about 2 kB; ``toast_tuple_target = 128`` then moves them until the row is small. The rewrite
UPDATE gives rows already indexed the new layout (docs/decisions/0006-postgresql-search-tuning.md).
"""

from django.db import migrations

POSTGRESQL_FORWARD = [
    "ALTER TABLE core_searchtext ADD COLUMN rank_vector tsvector GENERATED ALWAYS AS ("
    "to_tsvector('simple'::regconfig, title_tokens)) STORED",
    "ALTER TABLE core_searchtext ALTER COLUMN rank_vector SET STORAGE MAIN",
    "ALTER TABLE core_searchtext SET (toast_tuple_target = 128)",
    "UPDATE core_searchtext SET title_tokens = title_tokens",
]
POSTGRESQL_BACKWARD = [
    "ALTER TABLE core_searchtext RESET (toast_tuple_target)",
    "ALTER TABLE core_searchtext DROP COLUMN IF EXISTS rank_vector",
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
