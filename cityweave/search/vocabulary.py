"""Finding the concepts of ``concepts.py`` in a record's text and in a query.

Phrases are compared word by word on the text's words without stop words ("isla de calor" is
"isla calor"). A phrase word matches a text word when both fold to the same letters, or when
past their common beginning (three letters at least) both end in an inflection of the five
languages ("roofs", "techos", "dachów", but not "parking" for "park"). A query may also hold
a phrase with a typo: one wrong letter in up to seven letters, two in longer ones, the first
letter right.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from cityweave.search.concepts import CONCEPTS, Concept
from cityweave.search.text import FOLDED_RE, STOP_WORDS, fold, words

CONCEPT_PREFIX = "qq"  # no word of a text folds to it: see ``concept_token``


def concept_token(code: str) -> str:
    """The index token of a concept: ``qq`` and its code's letters ("qqgreenroofs")."""
    return CONCEPT_PREFIX + "".join(FOLDED_RE.findall(code))


def _folded(word: str) -> str:
    return "".join(FOLDED_RE.findall(fold(word)))


@dataclass(frozen=True)
class Word:
    """One word of a text: as written (lower case) and folded."""

    text: str
    folded: str


def text_words(text: str) -> list[Word]:
    """The words of ``text`` that carry meaning (stop words and non-letters dropped)."""
    out = []
    for word in words(text):
        folded = _folded(word)
        if folded and folded not in STOP_WORDS:
            out.append(Word(word, folded))
    return out


@dataclass(frozen=True)
class Phrase:
    concept: Concept
    language: str
    written: str  # as the vocabulary writes it
    words: tuple[Word, ...]

    @property
    def folded(self) -> str:
        return " ".join(w.folded for w in self.words)


# Endings that make another form of the same word in the five languages (folded): "roofs",
# "techos", "Gründächer" (after folding "grundacher"), "dachów", "parki". A text word matches a
# phrase word when, past their common beginning, each ends in one of these.
INFLECTIONS = frozenset(
    [
        "s",
        "es",
        "e",
        "en",
        "n",
        "er",
        "ern",
        "ens",
        "a",
        "o",
        "i",
        "y",
        "ie",
        "ies",
        "u",
        "ow",
        "om",
        "ach",
        "ami",
        "em",
        "ej",
        "ego",
        "ych",
        "ymi",
        "ow",
        "os",
        "as",
    ]
) | {""}


def _word_matches(phrase_word: Word, word: Word) -> bool:
    a, b = phrase_word.folded, word.folded
    if a == b:
        return True
    common = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        common += 1
    ending_a, ending_b = a[common:], b[common:]
    if ending_a and ending_b and (ending_a.endswith(ending_b) or ending_b.endswith(ending_a)):
        return False  # "gren" for "green" is a typo, not a form of the word
    return common >= 3 and ending_a in INFLECTIONS and ending_b in INFLECTIONS


@cache
def phrases() -> tuple[Phrase, ...]:
    found = []
    for concept in CONCEPTS:
        for language, written in concept.phrases.items():
            for phrase in written:
                phrase_words = tuple(text_words(phrase))
                if phrase_words:
                    found.append(Phrase(concept, language, phrase, phrase_words))
    return tuple(found)


@cache
def _by_first_letters() -> dict[str, tuple[Phrase, ...]]:
    """Phrases by the first three letters of their first word (a text word matching it starts
    the same way: equal folding, or a stem two letters shorter at most)."""
    index: dict[str, list[Phrase]] = defaultdict(list)
    for phrase in phrases():
        index[phrase.words[0].folded[:3]].append(phrase)
    # Longest phrases first, so "urban heat island" wins over "urban heat".
    return {k: tuple(sorted(v, key=lambda p: -len(p.words))) for k, v in index.items()}


@dataclass(frozen=True)
class Found:
    """A phrase found in a text: its concept, where (word positions) and how it was written."""

    phrase: Phrase
    start: int
    end: int  # exclusive
    typo: bool = False


# A word after a phrase that makes it describe something else: "drought-tolerant plants",
# "shade-loving species" are about plants, not droughts or shade.
NOT_ABOUT = frozenset({"tolerant", "resistant", "loving", "adapted", "proof"})


def find_phrases(text_or_words: str | Sequence[Word]) -> list[Found]:
    """Every phrase of the vocabulary in the text, longest first at each position, without
    overlaps; a phrase followed by a word of ``NOT_ABOUT`` does not count."""
    seq = text_words(text_or_words) if isinstance(text_or_words, str) else list(text_or_words)
    index = _by_first_letters()
    found: list[Found] = []
    i = 0
    while i < len(seq):
        match = None
        for phrase in index.get(seq[i].folded[:3], ()):
            n = len(phrase.words)
            if i + n <= len(seq) and all(
                _word_matches(pw, seq[i + k]) for k, pw in enumerate(phrase.words)
            ):
                match = Found(phrase, i, i + n)
                break
        if match is None:
            i += 1
            continue
        if match.end >= len(seq) or seq[match.end].folded not in NOT_ABOUT:
            found.append(match)
        i = match.end
    return found


def concepts_of_text(parts: Iterable[str]) -> Counter[str]:
    """How often the phrases of each concept occur in ``parts``, by concept code."""
    codes: Counter[str] = Counter()
    for part in parts:
        if part:
            codes.update(f.phrase.concept.code for f in find_phrases(part))
    return codes


def concepts_of_terms(*, nbs_types: Iterable[str], challenges: Iterable[str]) -> set[str]:
    """The codes of the concepts that these NBS type slugs and challenge codes are."""
    nbs, chal = set(nbs_types), set(challenges)
    return {
        c.code for c in CONCEPTS if nbs.intersection(c.nbs_types) or chal.intersection(c.challenges)
    }


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of ``a`` and ``b`` (transpositions count one), or ``limit + 1`` as
    soon as it must exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def allowed_typos(text: str) -> int:
    letters = len(text.replace(" ", ""))
    return 0 if letters < 4 else 1 if letters <= 7 else 2


@cache
def _by_initial_and_length() -> dict[tuple[str, int], tuple[Phrase, ...]]:
    index: dict[tuple[str, int], list[Phrase]] = defaultdict(list)
    for phrase in phrases():
        index[(phrase.folded[0], len(phrase.folded))].append(phrase)
    return {k: tuple(v) for k, v in index.items()}


def closest_phrase(seq: Sequence[Word]) -> Phrase | None:
    """The vocabulary phrase these words are a mistyped form of, if any (fewest typos)."""
    folded = " ".join(w.folded for w in seq)
    limit = allowed_typos(folded)
    if not limit:
        return None
    index = _by_initial_and_length()
    best: tuple[int, Phrase] | None = None
    for length in range(len(folded) - limit, len(folded) + limit + 1):
        for phrase in index.get((folded[0], length), ()):
            distance = edit_distance(folded, phrase.folded, limit)
            if 0 < distance <= limit and (best is None or distance < best[0]):
                best = (distance, phrase)
    return best[1] if best else None


def find_query_phrases(seq: Sequence[Word], max_words: int = 4) -> list[Found]:
    """The phrases of a query: exact ones, then mistyped ones among the words left over."""
    exact = find_phrases(seq)
    covered = {i for f in exact for i in range(f.start, f.end)}
    found = list(exact)
    i = 0
    while i < len(seq):
        if i in covered:
            i += 1
            continue
        match = None
        for n in range(min(max_words, len(seq) - i), 0, -1):
            window = range(i, i + n)
            if any(k in covered for k in window):
                continue
            phrase = closest_phrase(seq[i : i + n])
            if phrase is not None:
                match = Found(phrase, i, i + n, typo=True)
                break
        if match is None:
            i += 1
            continue
        found.append(match)
        covered.update(range(match.start, match.end))
        i = match.end
    return sorted(found, key=lambda f: f.start)
