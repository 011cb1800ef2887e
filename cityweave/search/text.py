"""Text processing shared by both search backends: accent folding, lower-casing and stemming in
the five interface languages.

Every word is indexed with its folded form plus its stems in English, Spanish, Portuguese,
German and Polish (deduplicated), and a query word matches when one of its own forms is among
them. So "telhados", "techos", "roofs", "Dächer" and "dachy" each find the records whose text
or taxonomy labels contain a form of the same word, whatever the record's language.

Polish uses the Snowball Polish stemmer when the installed ``snowballstemmer`` ships it (3.0 and
later); older versions fall back to ``light_polish_stem``, a suffix stripper for the common
inflectional endings (see its docstring).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import snowballstemmer
from unidecode import unidecode

STEMMED_LANGUAGES = ("english", "spanish", "portuguese", "german")
WORD_RE = re.compile(r"\w+", re.UNICODE)
FOLDED_RE = re.compile(r"[a-z0-9]+")
MAX_TOKEN_LENGTH = 40

# Function words dropped from documents and queries (they would match nearly everything).
STOP_WORDS = frozenset(
    " ".join(
        [
            "a an and are as at be by for from in into is it its of on or that the their this to",
            "with el la los las lo y e en del al un una unos unas por para con que se su sus como",
            "o os as da do das dos em no na nos nas um uma ao aos pelo pela com",
            "der die das und im von zu mit den dem des ein eine einer fur auf am ist",
            "i w z na do we ze oraz dla od po jest sie",
        ]
    ).split(" ")
)
POLISH_ENDINGS = "owie ami ach ych ich ego emu owi ymi imi iej ow om ej ym im a e i o u y"
POLISH_SUFFIXES = tuple(sorted(POLISH_ENDINGS.split(" "), key=len, reverse=True))


def light_polish_stem(word: str) -> str:
    """Strip the longest common Polish inflectional ending, keeping a stem of at least 3 letters.

    Covers the case endings of nouns and adjectives (-ami, -ach, -ów, -ych, -ego, -ej, -y, -a ...)
    on folded text: "zielony", "zielone", "zielonych" → "zielon"; "dachy", "dachów" → "dach".
    """
    for suffix in POLISH_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _stemmers() -> list[snowballstemmer.Stemmer | None]:
    names = [*STEMMED_LANGUAGES, "polish"]
    available = set(snowballstemmer.algorithms())
    return [snowballstemmer.stemmer(name) if name in available else None for name in names]


_STEMMERS = _stemmers()


def fold(text: str) -> str:
    """Accent-folded, lower-case ASCII: "Göteborg" → "goteborg", "Iaşi" → "iasi"."""
    return unidecode(text).lower()


@lru_cache(maxsize=200_000)
def word_forms(word: str) -> tuple[str, ...]:
    """The folded word and its stems in the five languages, deduplicated, in a stable order.

    ``word`` is one lower-case word of the original text (accents kept: the stemmers know them).
    Returns () for a stop word.
    """
    folded = "".join(FOLDED_RE.findall(fold(word)))[:MAX_TOKEN_LENGTH]
    if not folded or folded in STOP_WORDS:
        return ()
    forms = [folded]
    for stemmer in _STEMMERS:
        stem = stemmer.stemWord(word) if stemmer is not None else light_polish_stem(folded)
        folded_stem = "".join(FOLDED_RE.findall(fold(stem)))[:MAX_TOKEN_LENGTH]
        if folded_stem and folded_stem not in forms:
            forms.append(folded_stem)
    return tuple(forms)


def words(text: str) -> list[str]:
    return WORD_RE.findall(text.lower())


def index_tokens(parts: Iterable[str]) -> str:
    """The indexed form of a text: every word replaced by its forms, space-separated."""
    out: list[str] = []
    for part in parts:
        if not part:
            continue
        for word in words(part):
            out.extend(word_forms(word))
    return " ".join(out)


def query_groups(q: str) -> list[tuple[str, ...]]:
    """The query as groups of alternatives: a record matches when it contains one form of every
    group. Stop words are dropped unless the query has nothing else."""
    groups: list[tuple[str, ...]] = []
    for word in words(q):
        forms = word_forms(word)
        if forms and forms not in groups:
            groups.append(forms)
    if not groups:
        for word in words(q):
            folded = "".join(FOLDED_RE.findall(fold(word)))[:MAX_TOKEN_LENGTH]
            if folded and (folded,) not in groups:
                groups.append((folded,))
    return groups[:20]


def snippet(text: str, q: str, width: int = 220) -> str:
    """A window of ``text`` around the first word that matches the query (folded comparison)."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    start = 0
    wanted = {form for group in query_groups(q) for form in group} if q else set()
    if wanted:
        for match in WORD_RE.finditer(text.lower()):
            if wanted.intersection(word_forms(match.group())):
                start = max(0, match.start() - width // 4)
                break
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 20 else start
    piece = text[start : start + width]
    cut = piece.rfind(" ")
    if start + width < len(text) and cut > width // 2:
        piece = piece[:cut]
    prefix = "… " if start else ""
    suffix = " …" if start + len(piece) < len(text) else ""
    return f"{prefix}{piece}{suffix}"


def facet_token(facet: str, value: str) -> str:
    """The full-text token of one facet value: ``x<facet number>x<value as UTF-8 hex>``, a form
    no word of a text takes, so filters are full-text terms intersected by the index."""
    from cityweave.search.params import FACETS

    return f"x{FACETS.index(facet)}x{value.encode().hex()}"
