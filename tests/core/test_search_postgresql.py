"""PostgreSQL's search layout (core migrations 0004 and 0005): the long columns live out of the
row, searches read the GIN index even for common words, and the covering index holds every
document column the facet counts read."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from cityweave.search import SearchParams, backends, run_search
from cityweave.search.query import DOCUMENT_FACET_COLUMNS

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="PostgreSQL's layout (set DATABASE_URL)"
    ),
]


def _index(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [name])
        row = cursor.fetchone()
    assert row, f"index {name} is missing"
    return str(row[0])


def test_the_covering_index_holds_every_facet_column() -> None:
    definition = _index("search_document_facets_idx")
    included = re.search(r"INCLUDE \((.*)\)", definition)
    assert included
    columns = {c.strip() for c in included.group(1).split(",")} | {"id"}
    wanted = {c.strip().removeprefix("d.") for c in DOCUMENT_FACET_COLUMNS.split(",")}
    assert wanted <= columns


def test_a_common_word_is_matched_through_the_gin_index() -> None:
    sql, args = backends.match_sql("park")
    with backends.search_statement() as cursor:
        cursor.execute("EXPLAIN " + sql, args)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SHOW enable_seqscan")
        assert cursor.fetchone()[0] == "off"
    assert "core_searchtext_vector_idx" in plan and "Seq Scan" not in plan
    with connection.cursor() as cursor:  # the setting does not outlive the statement
        cursor.execute("SHOW enable_seqscan")
        assert cursor.fetchone()[0] == "on"


def test_long_columns_are_stored_out_of_the_row() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'core_searchtext'")
        assert "toast_tuple_target=128" in cursor.fetchone()[0]
        cursor.execute(
            "SELECT attstorage FROM pg_attribute WHERE attrelid = 'core_searchtext'::regclass "
            "AND attname = 'rank_vector'"
        )
        assert cursor.fetchone()[0] == "m"


def test_ranking_reads_the_title_vector() -> None:
    result = run_search(SearchParams(q="green roof", kind=("nbs_type",), with_facets=False))
    assert result.items[0].slug.startswith("green-roof")
