"""Reading the index: one page of ranked hits and the facet counts of the result set.

Filters are full-text terms (every facet value of a document is a token of its facet column,
``text.facet_token``), so the index intersects text and filters itself and the rank is computed
for the result set only. A search with facets is one statement: the result set ``f`` (ids and
rank), its documents' facet columns ``fd`` read once, and for each facet with a filter of its own
the set matching the other filters; it returns, in one ``UNION ALL``, the total, each facet's top
values and the ids of the page. A second statement reads the page's display data. Each facet is
counted with the other facets' filters applied but not its own, so people see the alternatives.
Counts over the whole index (no text, no other filter) are cached until the index changes.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.cache import cache
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language

from cityweave.search import backends
from cityweave.search.labels import facet_labels, localised_subtitle
from cityweave.search.params import COLUMN_FACETS, FACETS, MULTI_VALUED_FACETS
from cityweave.search.plan import QueryPlan, plan_query
from cityweave.search.text import facet_token, fold, snippet, word_forms, words
from cityweave.search.types import FacetCount, SearchHit, SearchParams, SearchResult

DOC = backends.DOC_TABLE
TEXT = backends.TEXT_TABLE
FACET_LIMIT = 50
PAGE_ROWS = "~page"
GENERATION_KEY = "cityweave:search:generation"
FACET_COLUMNS = ", ".join(f"d.{column}" for column in dict.fromkeys(COLUMN_FACETS.values()))
DOCUMENT_FACET_COLUMNS = f"d.id, d.kind_order, d.sort_title, {FACET_COLUMNS}"
HIT_COLUMNS = (
    "d.id, d.kind, d.object_id, d.slug, d.title, d.title_i18n, d.subtitle, t.snippet_source, "
    "d.country_code, d.city_name, d.latitude, d.longitude"
)
LOCATED_COLUMNS = (
    "d.id, d.kind, d.object_id, d.slug, d.title, d.title_i18n, d.subtitle, '' AS snippet_source, "
    "d.country_code, d.city_name, d.latitude, d.longitude"
)
URL_NAMES = {
    "case": "web:case_detail",
    "nbs_type": "web:nbs_type_detail",
    "instrument": "web:instrument_detail",
    "resource": "web:resource_detail",
    "city": "web:city_detail",
}
SLUG_PLACEHOLDER = "__slug__"
# The best this many matches (at least) are put in order here, the same way on both databases:
# most query groups held first, then the query as a phrase, then groups in the title, then the
# database's own rank (bm25 / ts_rank).
RERANK_WINDOW = 60
# Each query group a record holds outweighs any database rank (bm25 scores stay far below).
COVERAGE_WEIGHT = 1000.0


def order_by(order: str, alias: str = "") -> str:
    """The ORDER BY list of a result order over columns of ``alias`` (``"d."``, or none)."""
    a = alias
    return {
        "newest": f"CASE WHEN {a}year IS NULL THEN 1 ELSE 0 END, {a}year DESC, "
        f"{a}sort_title, {a}id",
        "title": f"{a}sort_title, {a}id",
        "browse": f"{a}kind_order, {a}sort_title, {a}id",
        "relevance": f"{a}rank, {a}id",
    }[order]


def _in(values: tuple[Any, ...] | list[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def _join() -> str:
    # CROSS JOIN makes SQLite read the (few) result rows first, then their documents or values.
    return "JOIN" if backends.is_postgresql() else "CROSS JOIN"


def _documents_of(alias: str, columns: str) -> str:
    """Join clause reading, for each row of ``alias``, its document as ``d`` by primary key.

    PostgreSQL gets a LATERAL subquery it cannot flatten: left to itself it may hash the
    whole document table to join a few thousand rows."""
    if backends.is_postgresql():
        return (
            f"CROSS JOIN LATERAL (SELECT {columns} FROM {DOC} d WHERE d.id = {alias}.id OFFSET 0) d"
        )
    return f"CROSS JOIN {DOC} d ON d.id = {alias}.id"


def _facet_arm(index: int, facet: str, source: str, columns_from: str) -> str:
    """``SELECT facet, value, n`` of one facet's top values over ``source`` (ids as ``x.id``);
    ``columns_from`` is the alias holding the document columns."""
    if facet in MULTI_VALUED_FACETS:
        value, condition = "v.value", ""
        source += f" {_join()} core_searchfacetvalue v ON v.document_id = x.id AND v.facet = %s"
    elif facet == "year":
        value = f"CAST({columns_from}.year AS TEXT)"
        condition = f" WHERE {columns_from}.year IS NOT NULL"
    else:
        column = f"{columns_from}.{COLUMN_FACETS[facet]}"
        value, condition = column, f" WHERE {column} <> ''"
    return (
        f"SELECT * FROM (SELECT '{facet}' AS facet, {value} AS value, COUNT(*) AS n "
        f"FROM {source}{condition} GROUP BY {value} "
        f"ORDER BY n DESC, value LIMIT {FACET_LIMIT}) t{index}"
    )


def _indexed(folded_words: list[str]) -> bool:
    """Whether some record holds every one of these words (as indexed, any of its forms)."""
    groups = [word_forms(w) or (w,) for w in folded_words]
    sql, args = backends.match_sql(backends.expression(groups))
    return bool(_fetch(f"SELECT 1 FROM ({sql}) m LIMIT 1", args))


class _Query:
    """One search. ``every_word`` makes the text a filter (lists' ``?q=``): a record must hold
    every group, as a filter narrows; the search itself matches any group, best first."""

    def __init__(self, params: SearchParams, *, every_word: bool = False) -> None:
        self.params = params
        self.every_word = every_word
        self.plan = plan_query(params.q, indexed=_indexed) if params.q else QueryPlan()
        self.groups = list(self.plan.groups)
        self.offset = (params.page - 1) * params.page_size
        self.active = params.active_filters()
        if params.sort == "relevance":
            self.order = "relevance" if self.groups else "browse"
        else:
            self.order = params.sort

    @property
    def reranks(self) -> bool:
        """Whether the first matches are put in order in Python (see ``RERANK_WINDOW``)."""
        return self.order == "relevance"

    def filter_groups(self, exclude: str = "") -> list[tuple[str, ...]]:
        return [
            tuple(facet_token(name, str(value)) for value in values)
            for name, values in self.active.items()
            if name != exclude
        ]

    def expression(self, exclude: str = "", groups: list[tuple[str, ...]] | None = None) -> str:
        """Full-text query: any of the text groups (``groups``, by default all of the query's)
        and every active filter but ``exclude`` ("" = all)."""
        text = self.groups if groups is None else groups
        filters = self.filter_groups(exclude)
        if not text and not filters:
            return ""
        if self.every_word:
            return backends.expression([*text, *filters])
        return backends.expression(filters, any_of=text)

    def ids_sql(self, exclude: str = "") -> tuple[str, list[Any]]:
        """SQL of the ``id`` (and ``rank`` when there is text) of the documents matching."""
        query = self.expression(exclude)
        if not query:
            return f"SELECT d.id AS id FROM {DOC} d", []
        if not self.groups or exclude:
            return backends.match_sql(query)
        ranked, args = backends.ranked_sql(query)
        if len(self.groups) == 1 or self.every_word:
            return ranked, args
        # Coverage: how many of the query's groups each match holds, one match per group.
        arms = []
        for group in self.groups:
            sql, group_args = backends.match_sql(self.expression(groups=[group]))
            arms.append(sql)
            args = [*args, *group_args]
        union = " UNION ALL ".join(f"SELECT id FROM ({arm}) a{i}" for i, arm in enumerate(arms))
        sql = (
            f"SELECT r.id AS id, r.rank - {COVERAGE_WEIGHT} * c.cov AS rank FROM ({ranked}) r "
            f"JOIN (SELECT id, COUNT(*) AS cov FROM ({union}) u GROUP BY id) c ON c.id = r.id"
        )
        return sql, args

    def page_limits(self) -> tuple[int, int]:
        """LIMIT and OFFSET of the page's ids: the whole re-ranked window when it holds the page."""
        end = self.offset + self.params.page_size
        if self.reranks and self.offset < RERANK_WINDOW:
            return max(RERANK_WINDOW, end), 0
        return self.params.page_size, self.offset

    def faceted_sql(self, cached: set[str]) -> tuple[str, list[Any]]:
        """Total, facets (but those in ``cached``) and the page's ids (facet ``~page``, ``n`` the
        position), in one statement."""
        args: list[Any] = []
        if self.expression():
            result_ids, args = self.ids_sql()
            ctes = [
                f"f AS MATERIALIZED ({result_ids})",
                f"fd AS MATERIALIZED (SELECT {DOCUMENT_FACET_COLUMNS} "
                f"FROM f x {_documents_of('x', DOCUMENT_FACET_COLUMNS)})",
            ]
        else:  # everything: read the table itself
            ctes = [
                f"f AS NOT MATERIALIZED (SELECT d.id FROM {DOC} d)",
                f"fd AS NOT MATERIALIZED (SELECT {DOCUMENT_FACET_COLUMNS} FROM {DOC} d)",
            ]
        arms: list[str] = []
        for index, facet in enumerate(FACETS):
            if facet in cached:
                continue
            if facet in self.active:
                own_ids, own_args = self.ids_sql(exclude=facet)
                ctes.append(f"s{index} AS MATERIALIZED ({own_ids})")
                args += own_args
                source = f"s{index} x"
                if facet not in MULTI_VALUED_FACETS:
                    source += f" {_documents_of('x', 'd.' + COLUMN_FACETS[facet])}"
                arms.append(_facet_arm(index, facet, source, "d"))
            else:
                arms.append(_facet_arm(index, facet, "fd x", "x"))
        arm_args = [
            facet for facet in FACETS if facet not in cached and facet in MULTI_VALUED_FACETS
        ]
        order = order_by(self.order)
        ranked = "f" if self.order == "relevance" else "fd"
        # The position is numbered over the page only, after the (indexed, top-N) LIMIT.
        page = (
            f"SELECT '{PAGE_ROWS}' AS facet, CAST(id AS TEXT) AS value, "
            f"ROW_NUMBER() OVER (ORDER BY {order}) AS n FROM (SELECT * FROM {ranked} "
            f"ORDER BY {order} LIMIT %s OFFSET %s) tp"
        )
        sql = (
            f"WITH {', '.join(ctes)} SELECT '' AS facet, '' AS value, COUNT(*) AS n FROM f "
            + "".join(f"UNION ALL {arm} " for arm in arms)
            + f"UNION ALL {page}"
        )
        return sql, [*args, *arm_args, *self.page_limits()]

    def page_ids_sql(self) -> tuple[str, list[Any]]:
        """The page's document ids, best first (without facets)."""
        result_ids, args = self.ids_sql()
        if self.order == "relevance":
            sql = f"SELECT id FROM ({result_ids}) r ORDER BY rank, id LIMIT %s OFFSET %s"
        else:
            sql = (
                f"SELECT d.id FROM ({result_ids}) r {_join()} {DOC} d ON d.id = r.id "
                f"ORDER BY {order_by(self.order, 'd.')} LIMIT %s OFFSET %s"
            )
        return sql, [*args, *self.page_limits()]

    def count_sql(self) -> tuple[str, list[Any]]:
        result_ids, args = self.ids_sql()
        return f"SELECT COUNT(*) FROM ({result_ids}) r", args

    def located_sql(self) -> tuple[str, list[Any]]:
        result_ids, args = self.ids_sql()
        sql = (
            f"SELECT {LOCATED_COLUMNS} FROM ({result_ids}) r {_join()} {DOC} d ON d.id = r.id "
            f"WHERE d.latitude IS NOT NULL AND d.longitude IS NOT NULL "
            f"ORDER BY d.kind_order, d.sort_title, d.id"
        )
        return sql, args


def _fetch(sql: str, args: list[Any]) -> list[tuple[Any, ...]]:
    with backends.search_statement() as cursor:
        cursor.execute(sql, args)
        return list(cursor.fetchall())


def index_changed() -> None:
    """Forget the cached counts (the index functions call it after every write)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, None)


def _whole_index_counts() -> dict[str, list[tuple[str, int]]]:
    """Every facet's top values over the whole index, cached until the index changes."""
    size, last = _fetch(f"SELECT COUNT(*), MAX(id) FROM {DOC}", [])[0]
    key = f"cityweave:search:all-facets:{cache.get(GENERATION_KEY, 0)}:{size}:{last}"
    counts: dict[str, list[tuple[str, int]]] | None = cache.get(key)
    if counts is None:
        arms, args = [], []
        for index, facet in enumerate(FACETS):
            if facet in MULTI_VALUED_FACETS:  # straight from the facet-value index
                arms.append(
                    f"SELECT * FROM (SELECT '{facet}' AS facet, value, COUNT(*) AS n "
                    f"FROM core_searchfacetvalue WHERE facet = %s GROUP BY value "
                    f"ORDER BY n DESC, value LIMIT {FACET_LIMIT}) t{index}"
                )
                args.append(facet)
            else:
                arms.append(_facet_arm(index, facet, f"{DOC} x", "x"))
        counts = {facet: [] for facet in FACETS}
        for facet, value, n in _fetch(" UNION ALL ".join(arms), args):
            counts[facet].append((str(value), int(n)))
        cache.set(key, counts, 3600)
    return counts


def _page_rows(ids: list[int]) -> list[tuple[Any, ...]]:
    """Display data of the page, in the order of ``ids``: one query whatever the page size."""
    if not ids:
        return []
    rows = _fetch(
        f"SELECT {HIT_COLUMNS} FROM {DOC} d JOIN {TEXT} t ON t.document_id = d.id "
        f"WHERE d.id IN ({_in(ids)})",
        ids,
    )
    by_id = {row[0]: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def _url_templates() -> dict[str, str]:
    templates = {}
    for kind, name in URL_NAMES.items():
        try:
            templates[kind] = reverse(name, kwargs={"slug": SLUG_PLACEHOLDER})
        except NoReverseMatch:
            templates[kind] = ""
    return templates


def _hits(rows: list[tuple[Any, ...]], q: str, with_snippets: bool) -> list[SearchHit]:
    language = (get_language() or "en")[:2]
    english = language == "en"
    urls = _url_templates()
    hits = []
    for (
        _document_id,
        kind,
        object_id,
        slug,
        title,
        title_i18n,
        subtitle,
        snippet_source,
        country_code,
        city_name,
        latitude,
        longitude,
    ) in rows:
        if title_i18n and language != "en":
            translations = json.loads(title_i18n) if isinstance(title_i18n, str) else title_i18n
            title = translations.get(language) or title
        template = urls.get(kind, "")
        hits.append(
            SearchHit(
                kind=kind,
                id=object_id,
                slug=slug,
                title=title,
                url=template.replace(SLUG_PLACEHOLDER, slug) if template else "",
                snippet=snippet(snippet_source, q) if with_snippets else "",
                subtitle=subtitle if english else localised_subtitle(subtitle, country_code),
                country_code=country_code,
                city=city_name,
                latitude=latitude,
                longitude=longitude,
            )
        )
    return hits


def _faceted(query: _Query) -> tuple[int, dict[str, list[FacetCount]], list[int]]:
    # A facet counted over the whole index: no text and no filter but (perhaps) its own.
    whole = {facet for facet in FACETS if not query.groups and not (set(query.active) - {facet})}
    counts: dict[str, list[tuple[str, int]]] = {facet: [] for facet in FACETS}
    if whole:
        counts.update(
            {facet: pairs for facet, pairs in _whole_index_counts().items() if facet in whole}
        )
    total = 0
    page: list[tuple[int, int]] = []
    for facet, value, n in _fetch(*query.faceted_sql(cached=whole)):
        if facet == "":
            total = int(n)
        elif facet == PAGE_ROWS:
            page.append((int(n), int(value)))
        else:
            counts[facet].append((str(value), int(n)))
    facets = {}
    for facet, pairs in counts.items():
        labels = facet_labels(facet, [value for value, _ in pairs])
        facets[facet] = [FacetCount(value=v, label=labels[v], count=n) for v, n in pairs]
    return total, facets, [document_id for _, document_id in sorted(page)]


def _phrase_in(query_words: tuple[str, ...], text: str) -> bool:
    """Whether the query's words (two or more) occur one after the other in ``text``."""
    if len(query_words) < 2:
        return False
    folded = " ".join("".join(c for c in fold(w) if c.isalnum()) for w in words(text))
    return f" {' '.join(query_words)} " in f" {folded} "


def _rerank(query: _Query, ids: list[int]) -> list[int]:
    """The first matches in the order both databases share: most query groups held, the query
    as a phrase in the title (then in the text), most groups in the title, a city the query
    names, then the database's rank (the order of ``ids``)."""
    if len(ids) < 2:
        return ids
    rows = _fetch(
        f"SELECT d.id, d.kind, d.title, t.title_tokens, t.body_tokens, t.snippet_source "
        f"FROM {DOC} d "
        f"JOIN {TEXT} t ON t.document_id = d.id WHERE d.id IN ({_in(ids)})",
        ids,
    )
    groups = [set(group) for group in query.groups]
    words_ = query.plan.words
    keys: dict[int, tuple[int, int, int, int]] = {}
    for document_id, kind, title, title_tokens, body_tokens, snippet_source in rows:
        in_title = set(title_tokens.split())
        held = in_title | set(body_tokens.split())
        phrase = 2 if _phrase_in(words_, title) else 1 if _phrase_in(words_, snippet_source) else 0
        keys[document_id] = (
            -sum(1 for g in groups if g & held),
            -phrase,
            -(in_title_groups := sum(1 for g in groups if g & in_title)),
            # A city named by the query comes before the cases that name it ("Lisboa").
            -1 if kind == "city" and in_title_groups else 0,
        )
    position = {document_id: n for n, document_id in enumerate(ids)}
    return sorted(ids, key=lambda i: (*keys.get(i, (0, 0, 0, 0)), position[i]))


def run_search(params: SearchParams) -> SearchResult:
    query = _Query(params)
    with backends.search_statement():
        if params.with_facets:
            count, facets, ids = _faceted(query)
        else:
            ids = [row[0] for row in _fetch(*query.page_ids_sql())]
            count, facets = int(_fetch(*query.count_sql())[0][0]), {}
        _limit, offset = query.page_limits()
        if query.reranks and offset == 0:
            ids = _rerank(query, ids[:RERANK_WINDOW]) + ids[RERANK_WINDOW:]
            ids = ids[query.offset : query.offset + params.page_size]
        rows = _page_rows(ids)
    items = _hits(rows, params.q, with_snippets=True)
    return SearchResult(
        count=count,
        items=items,
        facets=facets,
        page=params.page,
        page_size=params.page_size,
        suggestion=query.plan.suggestion,
    )


def located_hits(params: SearchParams) -> list[SearchHit]:
    with backends.search_statement():
        rows = _fetch(*_Query(params).located_sql())
    return _hits(rows, params.q, with_snippets=False)


def object_ids_sql(kind: str, q: str) -> tuple[str, list[Any]]:
    """SQL selecting the ids of the objects of ``kind`` whose documents match ``q`` (for the
    list endpoints' ``?q=``), to use as ``pk__in=RawSQL(...)``."""
    ids, args = _Query(SearchParams(q=q, kind=(kind,)), every_word=True).ids_sql()
    sql = f"SELECT d.object_id FROM ({ids}) r JOIN {DOC} d ON d.id = r.id"
    return sql, args
