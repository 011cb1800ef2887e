"""Cue phrases of the machine classification (see ``classification.py``).

A cue names the aim or effect a description states ("reduce flooding", "environmental
education"), not a topic it may mention in passing. Patterns are regular expressions matched
case-insensitively from a word boundary; keep each one readable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True)
class Cue:
    """The phrases that assign one term (a challenge code or an NBS type slug)."""

    code: str
    patterns: tuple[str, ...]

    @cached_property
    def regex(self) -> re.Pattern[str]:
        # One named group per pattern: the group that closes last names the pattern that matched.
        # Matched against lower-cased text (twice as fast as re.IGNORECASE), so patterns are
        # written in lower case.
        joined = "|".join(f"(?P<p{i}>{p})" for i, p in enumerate(self.patterns))
        return re.compile(rf"\b(?:{joined})")

    def pattern_of(self, match: re.Match[str]) -> str:
        """The pattern of ``self.patterns`` that produced ``match`` (of ``self.regex``)."""
        assert match.lastgroup is not None
        return self.patterns[int(match.lastgroup[1:])]


# A sentence that describes the city's situation rather than what the project does.
BACKGROUND = re.compile(
    r"\b(faces?|facing|faced|threaten\w*|vulnerable (to|cit\w+)|climate-vulnerable|risks (include|affecting)"
    r"|challenges (include|such as)|suffer\w*|struggl\w*|concerns? (about|over))\b",
    re.IGNORECASE,
)

CHALLENGE_CUES: tuple[Cue, ...] = (
    Cue(
        "climate-resilience",
        (
            r"climate (change )?(adaptation|mitigation|resilien\w*)",
            r"adapt\w* to (the )?(climate change|a changing climate|heat)",
            r"(mitigat|combat|tackl|address)\w* (the effects of )?climate change",
            r"urban heat( island)?",
            r"heat ?waves?",
            r"heat island",
            r"(cooling|cool down|cooler|cools?) (effect|the|temperatures?|down|urban|the city)",
            r"reduc\w* (the )?(surface |air )?temperatures?",
            r"carbon (sequestration|storage|sink)",
            r"sequester\w*",
            r"(capture|captur\w*|absorb\w*|store\w*) (of )?(co2|carbon)",
            r"greenhouse gas(es)?",
            r"climate change",
            r"carbon (absorption|capture|emissions|footprint|neutral\w*)",
            r"co2",
            r"(excessively|extremely|very) hot",
            r"shade",
            r"heat stress",
            r"climate[- ]resilien\w*",
        ),
    ),
    Cue(
        "water-management",
        (
            r"storm ?water",
            r"rain ?water",
            r"run-?off",
            r"drainage",
            r"infiltrat\w*",
            r"water (quality|purification|retention|management|treatment|cycle|supply|filtration)",
            r"(purif|filter|clean)\w* (the )?(water|wastewater|river)",
            r"waste ?water",
            r"sewer\w*",
            r"retain\w* (rain)?water",
            r"water (is )?(retained|stored|harvest\w*)",
            r"sustainable (urban )?drainage",
            r"suds\b",
            r"aquifer",
        ),
    ),
    Cue(
        "natural-climate-hazards",
        (
            r"flood(?!plain)(?! control district)\w*",
            r"landslides?",
            r"erosion",
            r"storm surges?",
            r"sea[- ]level rise",
            r"coastal (protection|defen[cs]e|erosion)",
            r"droughts?(?![- ](tolerant|resistant|resilient|adapted))",
            r"wildfires?|forest fires?",
            r"natural (disasters?|hazards?)",
            r"disaster risk",
            r"inundation",
        ),
    ),
    Cue(
        "green-space-management",
        (
            r"(new|creat\w*|restor\w*|expand\w*|extend\w*|improv\w*|manag\w*|maintain\w*) "
            r"(a |the |of )?(public )?(green|blue-green) (space|area|infrastructure)s?",
            r"green (space|infrastructure) (management|plan\w*|strateg\w*|network)",
            r"green spaces?",
            r"green infrastructure",
            r"(public|urban|city|municipal|linear|forest) parks?",
            r"(renovat|rehabilitat|revitali[sz]|moderni[sz]|restor|upgrad|transform|creat|design)\w* "
            r"(\w+ ){0,3}parks?",
            r"green areas?",
            r"management plan",
            r"nature reserve",
            r"greenways?",
            r"park (was|has been|is) (created|designed|established|built|developed|restored)",
            r"(created|designed|established|built|developed|restored) (a|the|as a) (new )?park",
        ),
    ),
    Cue(
        "biodiversity-enhancement",
        (
            r"biodiversity",
            r"biological diversity",
            r"habitats?",
            r"wildlife",
            r"(native|indigenous|endemic) (species|plants?|vegetation|flora|trees?)",
            r"species",
            r"ecosystems? (restor\w*|recover\w*|services)",
            r"restor\w* (the )?(natural )?ecosystems?",
            r"ecological (corridor|restoration|connectivity|value)",
            r"pollinators?",
            r"\bbirds?\b",
            r"fauna|flora",
        ),
    ),
    Cue(
        "air-quality",
        (
            r"air (quality|pollution|pollutants?)",
            r"particulate",
            r"\bpm ?(2\.5|10)\b",
            r"no2|nitrogen dioxide",
            r"(clean|filter|purif)\w* (the )?air",
            r"dust",
        ),
    ),
    Cue(
        "place-regeneration",
        (
            r"(urban|area|neighbou?rhood|site|district) (re)?generation",
            r"(regenerat|revitali[sz]|rehabilitat)\w* (of )?(the |a |an )?(\w+ )?"
            r"(area|neighbou?rhood|district|site|space|brownfield|place|city|centre|center|quarter)",
            r"(urban )?renewal",
            r"brownfields?",
            r"derelict",
            r"abandoned",
            r"degraded (area|site|land|space)",
            r"former (industrial|landfill|dump|quarry|railway|military|factory|car park|parking)",
            r"(former|old|closed|disused|abandoned|informal|illegal) (landfill|dump|dumping (site|ground)|waste dump)s?\b",
            r"(wasteland|vacant (lots?|land|plots?|parcels?))\b",
            r"transform\w* (a|the|an) (former|neglected|disused|derelict|abandoned|vacant|old)",
            r"disused|neglected (area|site|space|place|land|corner|plot)s?|underutili[sz]ed (area|site|space|place|land|green space)s?",
            r"(on|at) the (site|grounds) of (a|the) former",
            r"the former \w+ (site|factory|station|cemetery|malthouse|harbou?r|port|depot|airport|quarry|mine)",
            r"(convert|transform|turn)\w* (\w+ ){0,4}(parking|car park)",
            r"(parking lots?|car parks?) (\w+ ){0,4}(transformed|converted|turned|retrofit\w*)",
            r"redevelop\w* (of )?(the |a |an )?(former|old|abandoned|derelict|industrial|waterfront|riverfront)",
            r"disrepair|lost place",
            r"requalif\w*",
        ),
    ),
    Cue(
        "knowledge-social-capacity",
        (
            r"educat\w*",
            r"awareness",
            r"training",
            r"workshops?",
            r"research\w*",
            r"citizen science",
            r"learn\w*",
            r"demonstrat\w*",
            r"knowledge",
        ),
    ),
    Cue(
        "participatory-planning-governance",
        (
            r"participat\w* (process|planning|design|budget\w*|approach|governance|workshops?)",
            r"(residents|citizens|communit\w*|neighbou?rs|stakeholders|people) (\w+ ){0,3}(participat\w*|decided|voted|proposed|designed|helped (to )?(design|plan|shape))",
            r"public participation|citizen participation|community participation",
            r"co-?(design|creat|manag|produc|govern)\w*",
            r"(citizen|public|stakeholder|resident)s? (involvement|input|consultation)",
            r"grassroots?",
            r"(citizen|community|resident|people)s?-(led|driven|run|managed|based)",
            r"initiated by (the )?(local )?(citizens|residents|community|locals|neighbou?rs)",
            r"(multiple|several|various|many|key|local) (\w+ )?stakeholders",
            r"multi-?stakeholder",
            r"inter-?municipal",
            r"governance",
            r"working together with",
            r"community (input|involvement|led|managed|driven)",
            r"placemaking",
            r"self-?(managed|organi[sz]ed|governed)",
            r"(run|managed|maintained|cared for) by (\w+ ){0,3}(volunteers|residents|citizens|families|members|the community)",
            r"coalition",
            r"brought together",
            r"(public-private|cross-sector|multi-actor|multi-level) (partnership|cooperation|collaboration|governance)",
            r"(collaboration|cooperation|partnership) (among|between) (\w+ ){0,4}(government|municipalit\w*|city|council|communit\w*|residents|ngos?|universit\w*|organi[sz]ations|stakeholders|businesses)",
            r"citizens'? initiatives?",
            r"(partners|partnered) (\w+ ){0,3}(with )?(local )?(communit\w*|residents|ngos?|schools|organi[sz]ations|associations|businesses)",
            r"(citizens|residents|locals|neighbou?rs) (who )?(formed|united|organi[sz]ed)",
            r"(include|including|giving|give|gave) (\w+ )?voices?",
            r"design competition",
            r"activists",
            r"(community|citizen) (management|stewardship|ownership)",
            r"(residents'?|neighbou?rhood|neighbou?rs'?) associations?",
            r"consultation",
            r"bottom-up",
            r"(involv\w*|consult\w*) (the )?(local )?(community|communities|citizens|residents|stakeholders)",
        ),
    ),
    Cue(
        "social-justice-cohesion",
        (
            r"social (inclusion|cohesion|justice|integration|interaction)",
            r"inclusiv\w*",
            r"equit\w*",
            r"(deprived|disadvantaged|marginali[sz]ed|vulnerable|low-income|underserved|poor|poorer) "
            r"(communit\w*|population\w*|people|residents|groups|neighbou?rhoods|famil\w*|households|areas|districts|children|youth)",
            r"community (building|cohesion|space|spaces|gathering)",
            r"(bring|brings|bringing) (people|residents|the community) together",
            r"accessib\w* (to|for) (all|everyone)",
            r"open to (all|everyone)",
            r"community gardens?",
            r"community (resource|asset|hub|centre|center)s?",
            r"gender|(?<!\w)women|fisherwomen",
            r"intergenerational",
            r"connect\w* (the )?(\d+ )?(neighbou?rhoods|communities|people)",
            r"social\w* (housing|needs)",
        ),
    ),
    Cue(
        "health-wellbeing",
        (
            r"health\w*",
            r"well-?being",
            r"recreation\w*",
            r"leisure",
            r"physical activit\w*",
            r"sports?",
            r"walking|jogging|hiking|cycling|running",
            r"playgrounds?",
            r"relax\w*",
            r"quality of life",
        ),
    ),
    Cue(
        "green-economy-jobs",
        (
            r"jobs?",
            r"employment",
            r"(?<!low-)(?<!low )income",
            r"(eco-?|nature |sustainable )touris\w*",
            r"touris\w* (revenue|income|industry|economy|sector|attraction)",
            r"attract\w* (\w+ )?tourists",
            r"economic (benefits?|opportunit\w*|development|growth|value|activit\w*|returns?)",
            r"(local|green|circular|fishing) econom\w*",
            r"sell\w*|(?<!\w)sales?\b|(?<!\w)sold\b",
            r"(farmers'?|local|weekly) markets?",
            r"(new|green) business\w*",
            r"business (opportunit|model)\w*",
            r"property values?",
            r"enterprises?",
            r"livelihoods?",
        ),
    ),
)

NBS_TYPE_CUES: tuple[Cue, ...] = (
    Cue(
        "green-roof",
        (
            r"green roofs?",
            r"roof gardens?",
            r"rooftop gardens?",
            r"vegetated roofs?",
            r"gründach\w*|dachbegrünung",
            r"telhados? verdes?|techos? verdes?|cubiertas? verdes?|tett[oi] verd[ei]",
            r"zielon\w* dach\w*",
        ),
    ),
    Cue(
        "green-wall",
        (
            r"living walls?",
            r"vertical gardens?",
            r"green walls?",
            r"jard[ií]n(es)? verticales?|jardins? verticais|jardim vertical",
            r"fassadenbegrünung|begrünte fassade|zielon\w* ścian\w*",
        ),
    ),
    Cue(
        "green-facade",
        (r"green fa[cç]ades?", r"climbing plants", r"grüne fassade|fachadas? verdes?"),
    ),
    Cue("blue-roof", (r"blue roofs?",)),
    Cue(
        "rain-garden",
        (
            r"rain ?gardens?",
            r"bioretention",
            r"sunken gardens?",
            r"regengärten|regengarten|jard[ií]n(es)? de lluvia",
        ),
    ),
    Cue("bioswale", (r"bio-?swales?", r"swales?")),
    Cue("tree-pit-suds", (r"tree pits?",)),
    Cue("permeable-paving", (r"permeable (pav\w*|surfaces?)", r"porous pav\w*")),
    Cue("infiltration-trench", (r"infiltration trench\w*",)),
    Cue("depaving", (r"de-?pav\w*", r"de-?seal\w*", r"unseal\w*", r"remov\w* (the )?asphalt")),
    Cue("green-tram-track", (r"green tram\w*", r"tram tracks?")),
    Cue(
        "street-trees",
        (
            r"street trees?",
            r"tree-lined",
            r"avenues? of trees",
            r"trees along",
            r"stra(ß|ss)enbäume|arbolado viario",
        ),
    ),
    Cue(
        "urban-forest",
        (
            r"(urban|city|community|pocket|micro|mini|new|food|native) (forest|woodland)s?",
            r"forest parks?",
            r"afforest\w*",
            r"reforest\w* (of )?(the )?(area|park|site|hills?|slopes?|city|land)",
            r"(planting|planted) (of )?(\d[\d,.]* )(new |native )?trees",
            r"\d[\d,.]* (\w+ )?(trees|saplings) (were |have been |are )?planted",
            r"arboret(um|a)",
            r"tree plantation",
        ),
    ),
    Cue("hillside-reforestation", (r"hillsides?", r"slopes? (reforest|stabili)\w*")),
    Cue("hedgerows", (r"hedgerows?", r"hedges?")),
    Cue(
        "green-corridor", (r"green (corridor|belt|way)s?", r"greenways?", r"ecological corridors?")
    ),
    Cue(
        "pocket-park",
        (
            r"pocket parks?",
            r"(small|neighbou?rhood|local) (parks?|green spaces?)",
            r"(green|urban|public|new) (gardens?|squares?)\b(?! (met|kilomet|feet|foot|mile))",
            r"esplanades?",
        ),
    ),
    Cue(
        "large-urban-park",
        (
            r"large(-scale)? (urban )?park",
            r"(city|urban|metropolitan|central|regional|municipal|forest|linear) park",
            r"\d[\d.,]*[- ]?(hectares?|ha)\b[^.]{0,40}\bpark",
            r"park[^.]{0,40}\b\d[\d.,]* ?(hectares?|ha)\b",
            r"recreation areas?",
        ),
    ),
    Cue(
        "schoolyard-greening",
        (
            r"school ?yards?",
            r"school (gardens?|grounds|premises)",
            r"playgrounds? of (the )?schools?",
            r"(in|at|across) (\w+ ){0,3}(elementary|primary|secondary|high|several|local) schools?",
        ),
    ),
    Cue(
        "brownfield-renaturation",
        (
            r"brownfields?",
            r"former (industrial|landfill|dump|quarry|railway|military|factory|mine|mining)",
            r"landfill",
            r"(city |garbage )?dump",
        ),
    ),
    Cue("urban-meadow", (r"meadows?", r"wild ?flowers?", r"grasslands?")),
    Cue("pollinator-habitat", (r"pollinators?", r"insect hotels?", r"bee hotels?", r"butterfl\w*")),
    Cue(
        "community-garden",
        (
            r"community gardens?",
            r"urban gardens?",
            r"vegetable gardens?",
            r"huertos? (urbanos?|comunitarios?)|hortas? (urbanas?|comunitárias?)",
            r"gemeinschaftsg[aä]rten|ogr[oó]d\w* społeczn\w*",
        ),
    ),
    Cue("allotments", (r"allotments?", r"kleing[aä]rten|schrebergarten|ogr[oó]d\w* działkow\w*")),
    Cue("urban-farm", (r"urban (farm|agricultur)\w*", r"city farms?", r"farming")),
    Cue("urban-orchard", (r"orchards?", r"fruit trees?", r"streuobst\w*")),
    Cue("retention-pond", (r"(retention|detention|storm ?water) ponds?", r"ponds?")),
    Cue("water-square", (r"water squares?", r"water plaza", r"floodable")),
    Cue(
        "constructed-wetland",
        (r"constructed wetlands?", r"treatment wetlands?", r"artificial wetlands?"),
    ),
    Cue(
        "urban-wetland", (r"wetlands?", r"marsh\w*", r"lagoons?", r"swamps?", r"bogs?", r"peat\w*")
    ),
    Cue(
        "river-restoration",
        (
            r"(river|stream|creek|brook|canal)s? (restor\w*|rehabilitat\w*|renaturali[sz]\w*)",
            r"(restor\w*|rehabilitat\w*|renaturali[sz]\w*|revitali[sz]\w*) (of )?(the )?\w* ?(river|stream|creek|brook)",
            r"riverbanks?|river banks?",
        ),
    ),
    Cue("stream-daylighting", (r"daylight\w*", r"uncover\w* (the )?(river|stream|creek)")),
    Cue("riparian-buffer", (r"riparian",)),
    Cue("mangrove-restoration", (r"mangroves?", r"manglar(es)?", r"manguezal\w*")),
    Cue(
        "coastal-dune-marsh-restoration",
        (r"dunes?", r"salt ?marsh\w*", r"saltmarsh\w*", r"coastal (habitat|vegetation|wetland)s?"),
    ),
)
