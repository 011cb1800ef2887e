"""Editorial classification of cases from their titles alone.

Each rule is a regular expression over the English and the native title. A rule fires only on
wording that names the solution unambiguously ("green roof", "Gründach", "telhado verde"); a bare
"park" or "garden" assigns nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class TitleRule:
    pattern: str
    nbs_types: tuple[str, ...] = ()
    challenges: tuple[str, ...] = ()

    def matches(self, text: str) -> bool:
        return re.search(self.pattern, text, flags=re.IGNORECASE) is not None


NBS_RULES: tuple[TitleRule, ...] = (
    TitleRule(
        r"green[- ]roofs?|roof[- ]?gardens?|gründach|dachbegrünung|telhados? verdes?"
        r"|techos? verdes?|cubiertas? verdes?|tetti verdi|tetto verde|zielon\w* dach",
        ("green-roof",),
    ),
    TitleRule(
        r"living walls?|vertical gardens?|jard[ií]n(es)? verticales?"
        r"|jardins? verticais|jardim vertical|fassadenbegrünung|begrünte fassade|zielon\w* ścian",
        ("green-wall",),
    ),
    TitleRule(r"green fa[cç]ades?|grüne fassade|fachadas? verdes?", ("green-facade",)),
    TitleRule(
        r"rain[- ]?gardens?|regengärten|regengarten|jard[ií]n(es)? de lluvia", ("rain-garden",)
    ),
    TitleRule(r"bio-?swales?", ("bioswale",)),
    TitleRule(
        r"community gardens?|huertos? (urbanos?|comunitarios?)|hortas? (urbanas?|comunitárias?)"
        r"|gemeinschaftsg[aä]rten|ogr[oó]d\w* społeczn",
        ("community-garden",),
    ),
    TitleRule(r"urban forests?|bosques? urbanos?|florestas? urbanas?|stadtwald", ("urban-forest",)),
    TitleRule(
        r"mangroves?|manglar(es)?|manguezal",
        ("mangrove-restoration",),
        ("biodiversity-enhancement",),
    ),
    TitleRule(
        r"constructed wetlands?|treatment wetlands?|humedal(es)? artificial(es)?",
        ("constructed-wetland",),
        ("water-management",),
    ),
    TitleRule(
        r"(?<!constructed )(?<!treatment )(?<!vertical )\bwetlands?\b|\bmarsh(es)?\b"
        r"|humedal(es)?(?! artificial)"
        r"|(?<!vertikale )feuchtgebiet",
        ("urban-wetland",),
        ("biodiversity-enhancement",),
    ),
    TitleRule(r"street trees?|stra(ß|ss)enbäume|arbolado viario", ("street-trees",)),
    TitleRule(r"pocket parks?|parques? de bolsillo|parques? de bolso|kieszonkow", ("pocket-park",)),
    TitleRule(r"allotments?|kleing[aä]rten|schrebergarten|ogr[oó]d\w* działkow", ("allotments",)),
    TitleRule(r"urban farms?\b|rooftop farms?\b|city farms?\b|granjas? urbanas?", ("urban-farm",)),
    TitleRule(r"permeable pav|porous pav", ("permeable-paving",), ("water-management",)),
    TitleRule(r"daylighting", ("stream-daylighting",), ("water-management",)),
    TitleRule(r"green corridors?|corredor(es)? verdes?|grün(er|en)? korridor", ("green-corridor",)),
    TitleRule(r"school ?yards?|patios? escolar(es)?|schulhof", ("schoolyard-greening",)),
    TitleRule(r"orchards?|streuobst", ("urban-orchard",)),
    TitleRule(r"rasengleis|green tram", ("green-tram-track",)),
    TitleRule(r"water squares?|waterplein|floodable park|parques? inundables?", ("water-square",)),
    TitleRule(r"depav|de-?sealing|entsiegelung", ("depaving",)),
    TitleRule(
        r"pollinators?|bee hotels?|insect hotels?",
        ("pollinator-habitat",),
        ("biodiversity-enhancement",),
    ),
    TitleRule(
        r"wildflower meadows?|urban meadows?|flower meadows?",
        ("urban-meadow",),
        ("biodiversity-enhancement",),
    ),
)

CHALLENGE_RULES: tuple[TitleRule, ...] = (
    TitleRule(
        r"flood (resilience|risk|mitigation|retention)|hochwasserschutz",
        (),
        ("natural-climate-hazards",),
    ),
    TitleRule(r"biodivers|bioróżnorodn", (), ("biodiversity-enhancement",)),
    TitleRule(
        r"stormwater|storm water|rainwater|regenwasser|aguas pluviales", (), ("water-management",)
    ),
)


def classify_title(title_en: str, title_original: str = "") -> tuple[set[str], set[str]]:
    """NBS type slugs and challenge codes that the title names unambiguously."""
    text = f"{title_en} | {title_original}"
    nbs_types: set[str] = set()
    challenges: set[str] = set()
    for rule in (*NBS_RULES, *CHALLENGE_RULES):
        if rule.matches(text):
            nbs_types.update(rule.nbs_types)
            challenges.update(rule.challenges)
    return nbs_types, challenges
