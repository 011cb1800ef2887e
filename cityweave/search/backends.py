"""What differs between the two search backends: the full-text query language, the match and
its rank, the planner settings of a search, and keeping the SQLite FTS5 table in step
(PostgreSQL's ``search_vector`` and ``rank_vector`` are generated columns and need nothing).

The text lives in ``core_searchtext`` (one row per document, same id) in three columns: title
and body tokens, which are ranked, and facet tokens (``text.facet_token``), which only filter.
The FTS5 table ``core_searchtext_fts`` indexes it as external content, so it stores no second
copy; bm25 weighs title tokens ten times body tokens. On PostgreSQL a GIN index on
``search_vector`` (all three columns) matches and ``ts_rank`` on ``rank_vector``, the title
words kept in the row, ranks (docs/decisions/0006-postgresql-search-tuning.md).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction

FTS_TABLE = "core_searchtext_fts"
TEXT_TABLE = "core_searchtext"
DOC_TABLE = "core_searchdocument"
# bm25 column weights: title tokens ten times body tokens; facet tokens do not count.
FTS_WEIGHTS = "10.0, 1.0, 0.0"


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


_search = threading.local()


@contextmanager
def search_statement() -> Iterator[Any]:
    """A cursor for search statements. On PostgreSQL they run in a transaction that forbids
    sequential scans: the planner does not count detoasting a 2 kB vector per row, so for a
    common word it would scan (and detoast) the whole table instead of reading the GIN index.
    Nested uses share the outer one's transaction and setting."""
    if not is_postgresql() or getattr(_search, "active", False):
        with connection.cursor() as cursor:
            yield cursor
        return
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        _search.active = True
        try:
            yield cursor
        finally:
            _search.active = False
        # Inside an outer transaction the setting would outlive the search: put it back.
        cursor.execute("RESET enable_seqscan")


def expression(groups: Sequence[Sequence[str]], any_of: Sequence[Sequence[str]] = ()) -> str:
    """The full-text query matching documents that hold one token of every group of ``groups``
    and, when ``any_of`` is given, one token of any of its groups. Tokens are ``[a-z0-9]+``
    (see ``text``), safe in both query languages."""
    alternatives = [token for group in any_of for token in dict.fromkeys(group)]
    if any_of:
        groups = [list(dict.fromkeys(alternatives)), *groups]
    if is_postgresql():
        return " & ".join("(" + " | ".join(group) + ")" for group in groups)
    return " AND ".join(
        "(" + " OR ".join(f'"{token}"' for token in group) + ")" for group in groups
    )


def match_sql(query: str) -> tuple[str, list[Any]]:
    """SQL returning the ``id`` of every document matching ``query`` (see ``expression``)."""
    if is_postgresql():
        sql = (
            f"SELECT t.document_id AS id FROM {TEXT_TABLE} t "
            f"WHERE t.search_vector @@ to_tsquery('simple', %s)"
        )
    else:
        sql = f"SELECT rowid AS id FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"
    return sql, [query]


def ranked_sql(query: str) -> tuple[str, list[Any]]:
    """SQL returning ``(id, rank)`` of the matching documents, lower rank first (bm25 on FTS5,
    minus ts_rank on PostgreSQL)."""
    if is_postgresql():
        # Match through the GIN index on the full vector, rank on the title vector in the row.
        sql = (
            f"SELECT t.document_id AS id, -ts_rank(t.rank_vector, query) AS rank "
            f"FROM {TEXT_TABLE} t, to_tsquery('simple', %s) query "
            f"WHERE t.search_vector @@ query"
        )
    else:
        sql = (
            f"SELECT rowid AS id, bm25({FTS_TABLE}, {FTS_WEIGHTS}) AS rank "
            f"FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"
        )
    return sql, [query]


def _placeholders(ids: Sequence[int]) -> str:
    return ", ".join(["%s"] * len(ids))


def fts_insert(ids: Sequence[int]) -> None:
    """Add the FTS5 rows of freshly inserted documents (SQLite only)."""
    if is_postgresql() or not ids:
        return
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            cursor.execute(
                f"INSERT INTO {FTS_TABLE}(rowid, title_tokens, body_tokens, facet_tokens) "
                f"SELECT document_id, title_tokens, body_tokens, facet_tokens FROM {TEXT_TABLE} "
                f"WHERE document_id IN ({_placeholders(chunk)})",
                chunk,
            )


def fts_delete(ids: Sequence[int]) -> None:
    """Remove the FTS5 rows of documents about to be deleted (SQLite only): an external-content
    FTS5 table needs the old values to delete its entries."""
    if is_postgresql() or not ids:
        return
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            cursor.execute(
                f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title_tokens, body_tokens, "
                f"facet_tokens) SELECT 'delete', document_id, title_tokens, body_tokens, "
                f"facet_tokens FROM {TEXT_TABLE} WHERE document_id IN ({_placeholders(chunk)})",
                chunk,
            )


def clear_all() -> None:
    """Empty the index tables."""
    with connection.cursor() as cursor:
        if is_postgresql():
            # TRUNCATE refuses to run while deferred foreign-key checks are pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE core_searchfacetvalue, {TEXT_TABLE}, {DOC_TABLE}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            return
        cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES('delete-all')")
        cursor.execute("DELETE FROM core_searchfacetvalue")
        cursor.execute(f"DELETE FROM {TEXT_TABLE}")
        cursor.execute(f"DELETE FROM {DOC_TABLE}")


def fts_rebuild() -> None:
    """Re-read every document into the FTS5 table (SQLite only), after a bulk load."""
    if is_postgresql():
        return
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES('rebuild')")
        cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES('optimize')")


def analyse() -> None:
    """Refresh the planner statistics after a rebuild.

    On SQLite the facet-value table is left without statistics: with them, SQLite builds a
    Bloom filter over the whole table before joining a handful of documents to their values."""
    with connection.cursor() as cursor:
        if is_postgresql():
            for table in (DOC_TABLE, "core_searchfacetvalue", TEXT_TABLE):
                cursor.execute(f"ANALYZE {table}")
            return
        cursor.execute(f"ANALYZE {DOC_TABLE}")
        cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'core_searchfacetvalue'")
