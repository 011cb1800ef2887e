"""What a query asks for: groups of index tokens, any of which a record may hold, and the query
as it would read without typos.

Each phrase of the concept vocabulary in the query ("wyspa ciepła", "green roofs", or a
mistyped "gren roof") becomes one group: the concept's token, plus the word's own forms when the
phrase is one word. Every other word is a group of its forms (``text.word_forms``). A record
matches when it holds a token of any group; records holding more groups rank first
(``query.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cityweave.search.text import FOLDED_RE, fold, word_forms, words
from cityweave.search.vocabulary import concept_token, find_query_phrases, text_words

MAX_GROUPS = 20


@dataclass(frozen=True)
class QueryPlan:
    groups: tuple[tuple[str, ...], ...] = ()
    # The query's folded words without stop words: what phrase and title bonuses compare.
    words: tuple[str, ...] = ()
    # The query with its typos corrected ("green roof" for "gren roof"); "" when none.
    suggestion: str = ""
    concepts: tuple[str, ...] = ()


def plan_query(q: str, *, indexed: Callable[[list[str]], bool] | None = None) -> QueryPlan:
    """The plan of ``q``. ``indexed(words)`` tells whether the index holds records with all of
    these folded words; a "typo" whose words are in the index is taken as written ("skwar" may
    be a word, not "skwer")."""
    seq = text_words(q)
    found = {}
    for f in find_query_phrases(seq):
        if f.typo and indexed is not None and indexed([w.folded for w in seq[f.start : f.end]]):
            continue
        found[f.start] = f
    groups: list[tuple[str, ...]] = []
    corrected: list[str] = []
    concepts: list[str] = []
    typo = False
    i = 0
    while i < len(seq):
        phrase = found.get(i)
        if phrase is None:
            forms = word_forms(seq[i].text)
            if forms and forms not in groups:
                groups.append(forms)
            corrected.append(seq[i].text)
            i += 1
            continue
        group = [concept_token(phrase.phrase.concept.code)]
        if phrase.end - phrase.start == 1 and not phrase.typo:
            group += word_forms(seq[i].text)
        groups.append(tuple(dict.fromkeys(group)))
        concepts.append(phrase.phrase.concept.code)
        if phrase.typo:
            typo = True
            corrected.append(phrase.phrase.written)
        else:
            corrected.extend(w.text for w in seq[phrase.start : phrase.end])
        i = phrase.end
    if not groups:  # only stop words: search them as they are
        for word in words(q):
            folded = "".join(FOLDED_RE.findall(fold(word)))
            if folded and (folded,) not in groups:
                groups.append((folded,))
    return QueryPlan(
        groups=tuple(groups[:MAX_GROUPS]),
        words=tuple(w.folded for w in seq),
        suggestion=" ".join(corrected) if typo else "",
        concepts=tuple(concepts),
    )
