"""Machine classification of cases: challenge areas and NBS types from what a case's text says.

Each rule is a set of cue phrases (regular expressions, case-insensitive, on word boundaries)
over the case's title and description. A rule assigns its term when a cue occurs in a sentence
that is not background (what a city "faces", a risk it is "vulnerable to"); the sentence around
the first such cue is kept as the evidence shown beside the assignment. A case whose text
holds no cue stays unclassified. The rules were written on the development half of the labelled
cases in ``benchmarks/data/case_labels.jsonl`` and are measured on the held-out half by
``benchmarks/classification_quality.py``; nothing here reads the labels.

Pure Python, no Django: the loader turns these assignments into rows.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass

from cityweave.catalogue.classification_rules import BACKGROUND, CHALLENGE_CUES, NBS_TYPE_CUES, Cue

EVIDENCE_CHARS = 240
# Sentence ends: a full stop, question or exclamation mark followed by a space and a capital, or
# a line break. Decimal points ("3.5 ha") and "e.g." do not end a sentence.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(“\"])|\n+")


@dataclass(frozen=True)
class Assignment:
    """One term assigned to a case, with the phrase that triggered it."""

    vocabulary: str  # "challenge" or "nbs_type"
    code: str  # challenge code or NBS type slug
    rule: str  # the cue's pattern, for reproducibility
    evidence: str  # the sentence around the cue, trimmed to EVIDENCE_CHARS


def evidence_around(text: str, start: int, end: int) -> str:
    """The sentence holding ``text[start:end]``, cut to about EVIDENCE_CHARS around the cue."""
    bounds = [0] + [m.end() for m in _SENTENCE_END.finditer(text)] + [len(text)]
    first = max(b for b in bounds if b <= start)
    last = min((b for b in bounds if b >= end), default=len(text))
    sentence = text[first:last].strip()
    if len(sentence) <= EVIDENCE_CHARS:
        return sentence
    offset = start - first - (len(text[first:last]) - len(text[first:last].lstrip()))
    half = (EVIDENCE_CHARS - (end - start)) // 2
    left = max(0, offset - half)
    right = min(len(sentence), left + EVIDENCE_CHARS)
    left = max(0, right - EVIDENCE_CHARS)
    return (
        ("…" if left else "")
        + sentence[left:right].strip()
        + ("…" if right < len(sentence) else "")
    )


def _sentence_bounds(text: str) -> list[int]:
    return [0] + [m.end() for m in _SENTENCE_END.finditer(text)] + [len(text)]


def _sentence_at(text: str, bounds: list[int], position: int) -> str:
    i = bisect.bisect_right(bounds, position)
    return text[bounds[i - 1] : bounds[i] if i < len(bounds) else len(text)]


def lower_in_place(text: str) -> str:
    """``text`` in lower case, character for character (``"İ".lower()`` is two characters), so
    that positions found in it are positions in ``text``."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def _assign(vocabulary: str, cues: Iterable[Cue], text: str) -> list[Assignment]:
    bounds = _sentence_bounds(text)
    lowered = lower_in_place(text)
    found = []
    for cue in cues:
        for match in cue.regex.finditer(lowered):
            # A hazard the city "faces" or a risk it is "vulnerable to" is context, not an aim;
            # what the project built is named the same way in any sentence.
            if vocabulary == "challenge" and BACKGROUND.search(
                _sentence_at(text, bounds, match.start())
            ):
                continue
            rule = cue.pattern_of(match)
            found.append(
                Assignment(vocabulary, cue.code, rule, evidence_around(text, *match.span()))
            )
            break
    return found


def classify(*, title: str, description: str, native_title: str = "") -> list[Assignment]:
    """Every challenge and NBS type the case's text gives evidence for, challenges first."""
    text = "\n".join(part for part in (title, native_title, description) if part)
    return [*_assign("challenge", CHALLENGE_CUES, text), *_assign("nbs_type", NBS_TYPE_CUES, text)]


# Families of NBS types, for reporting how well the rules find a kind of solution.
NBS_FAMILIES: dict[str, tuple[str, ...]] = {
    "buildings": (
        "green-roof", "green-roof-extensive", "green-roof-intensive", "green-wall",
        "green-facade", "blue-roof",
    ),
    "sustainable-drainage": (
        "rain-garden", "bioswale", "tree-pit-suds", "permeable-paving", "infiltration-trench",
        "depaving", "green-tram-track",
    ),
    "trees-and-woodland": ("street-trees", "urban-forest", "hillside-reforestation", "hedgerows"),
    "parks-and-green-spaces": (
        "pocket-park", "large-urban-park", "schoolyard-greening", "brownfield-renaturation",
        "green-corridor",
    ),
    "habitats": ("urban-meadow", "pollinator-habitat"),
    "food-growing": ("community-garden", "allotments", "urban-farm", "urban-orchard"),
    "water-bodies-and-rivers": (
        "retention-pond", "water-square", "constructed-wetland", "urban-wetland",
        "river-restoration", "stream-daylighting", "riparian-buffer",
    ),
    "coasts": ("mangrove-restoration", "coastal-dune-marsh-restoration"),
}  # fmt: skip
FAMILY_OF_TYPE = {slug: family for family, slugs in NBS_FAMILIES.items() for slug in slugs}
