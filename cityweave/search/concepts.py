"""The field's concepts in the five languages, so that "Hitze", "upał", "calor" and "urban heat"
find the same records whatever language they are written in.

Each concept lists the phrases people use for it in English, Polish, Spanish, Portuguese and
German, and the NBS types and challenge areas that are that concept (a record classified under
them is about it even when its text does not say so). A record holds a concept when its text
contains one of the phrases (word forms compared, so "green roofs" holds "green roof") or it
carries one of the terms; a query holds it when it contains a phrase, or a phrase mistyped by a
letter or two ("gren roof"). The index stores a concept as one token (``concept_token``).

Written by CityWeave's editors from the catalogue's own labels and everyday usage; extend a
concept's phrases rather than adding near-duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Concept:
    code: str
    phrases: dict[str, tuple[str, ...]]
    nbs_types: tuple[str, ...] = ()
    challenges: tuple[str, ...] = ()


def _c(
    code: str, nbs: tuple[str, ...] = (), challenges: tuple[str, ...] = (), **langs: str
) -> Concept:
    return Concept(
        code=code,
        phrases={
            lang: tuple(p.strip() for p in text.split(";") if p.strip())
            for lang, text in langs.items()
        },
        nbs_types=nbs,
        challenges=challenges,
    )


CONCEPTS: tuple[Concept, ...] = (
    _c(
        "heat",
        en="heat; urban heat; heatwave; heat wave; extreme heat; heat stress; heat island; "
        "urban heat island; overheating; cooling; cool corridor; shade; shading; hot summers",
        pl="upał; upały; fala upałów; wyspa ciepła; miejska wyspa ciepła; miejskie wyspy ciepła; "
        "gorąco; przegrzewanie; chłodzenie; cień; zacienienie; upał w mieście",
        es="calor; calor urbano; ola de calor; olas de calor; isla de calor; isla de calor urbana; "
        "islas de calor; calor extremo; enfriamiento; sombra; sombreado",
        pt="calor; calor urbano; onda de calor; ondas de calor; ilha de calor; ilhas de calor; "
        "ilha de calor urbana; calor extremo; arrefecimento; resfriamento; sombra; sombreamento",
        de="Hitze; Hitzewelle; Hitzewellen; Hitzeinsel; Hitzeinseln; städtische Wärmeinsel; "
        "Wärmeinsel; Hitzeschutz; Hitzestress; Überhitzung; Kühlung; Abkühlung; Schatten; "
        "Verschattung",
    ),
    _c(
        "flooding",
        en="flood; floods; flooding; flood protection; flood risk; flood resilience; inundation; "
        "flash floods; high water",
        pl="powódź; powodzie; powodziowe; zalanie; zalania; podtopienia; ochrona przeciwpowodziowa; "
        "ryzyko powodziowe",
        es="inundación; inundaciones; riada; riadas; crecida; crecidas; protección contra inundaciones",
        pt="inundação; inundações; enchente; enchentes; cheia; cheias; alagamento; alagamentos",
        de="Hochwasser; Überschwemmung; Überschwemmungen; Überflutung; Überflutungen; "
        "Hochwasserschutz; Starkregen",
    ),
    _c(
        "drought",
        en="drought; droughts; water scarcity; water shortage; water shortages; dry periods",
        pl="susza; susze; niedobór wody; brak wody",
        es="sequía; sequías; escasez de agua; estrés hídrico",
        pt="seca; secas; estiagem; escassez de água; escassez hídrica",
        de="Dürre; Dürren; Trockenheit; Wasserknappheit; Wassermangel",
    ),
    _c(
        "stormwater",
        nbs=(
            "rain-garden",
            "bioswale",
            "permeable-paving",
            "infiltration-trench",
            "retention-pond",
            "blue-roof",
            "tree-pit-suds",
            "water-square",
        ),
        challenges=("water-management",),
        en="stormwater; storm water; rainwater; rain water; runoff; drainage; sustainable drainage; "
        "suds; sponge city; sponge facilities; rainwater management; stormwater management; "
        "water retention",
        pl="deszczówka; deszczówki; woda deszczowa; wody deszczowe; wody opadowe; retencja; "
        "retencja wody; miasto gąbka; odwodnienie; gospodarka wodami opadowymi",
        es="aguas pluviales; agua de lluvia; agua pluvial; escorrentía; drenaje sostenible; "
        "drenaje urbano sostenible; ciudad esponja; retención de agua",
        pt="águas pluviais; água da chuva; água pluvial; escoamento; drenagem sustentável; "
        "drenagem urbana sustentável; cidade esponja; retenção de água",
        de="Regenwasser; Niederschlagswasser; Regenwassermanagement; Regenwasserbewirtschaftung; "
        "Versickerung; Schwammstadt; Entwässerung; Wasserrückhalt",
    ),
    _c(
        "biodiversity",
        challenges=("biodiversity-enhancement",),
        en="biodiversity; biological diversity; wildlife; habitat; habitats; native species; "
        "nature conservation; urban biodiversity",
        pl="bioróżnorodność; różnorodność biologiczna; przyroda; siedliska; siedlisko; "
        "ochrona przyrody; dzika przyroda",
        es="biodiversidad; diversidad biológica; fauna silvestre; hábitat; hábitats; "
        "especies nativas; biodiversidad urbana",
        pt="biodiversidade; diversidade biológica; vida selvagem; habitat; habitats; "
        "espécies nativas; biodiversidade urbana",
        de="Biodiversität; Artenvielfalt; biologische Vielfalt; Lebensraum; Lebensräume; "
        "Naturschutz; heimische Arten",
    ),
    _c(
        "pollinators",
        nbs=("pollinator-habitat",),
        en="pollinator; pollinators; bee; bees; wild bees; beehives; insects; butterflies; "
        "insect hotel",
        pl="zapylacze; zapylaczy; pszczoły; pszczół; dzikie pszczoły; owady; motyle; hotel dla owadów",
        es="polinizadores; polinizador; abejas; abeja; insectos; mariposas; hotel de insectos",
        pt="polinizadores; polinizador; abelhas; abelha; insetos; borboletas; hotel de insetos",
        de="Bestäuber; Bienen; Biene; Wildbienen; Insekten; Schmetterlinge; Insektenhotel",
    ),
    _c(
        "air-quality",
        challenges=("air-quality",),
        en="air quality; air pollution; particulate; particulates; particulate matter; smog; "
        "fine dust; nitrogen dioxide; clean air",
        pl="jakość powietrza; zanieczyszczenie powietrza; zanieczyszczenia powietrza; smog; pyły; "
        "pył zawieszony; czyste powietrze",
        es="calidad del aire; contaminación del aire; contaminación atmosférica; "
        "material particulado; smog; aire limpio",
        pt="qualidade do ar; poluição do ar; poluição atmosférica; material particulado; "
        "partículas finas; ar limpo",
        de="Luftqualität; Luftverschmutzung; Luftreinhaltung; Feinstaub; Stickstoffdioxid; "
        "saubere Luft",
    ),
    _c(
        "green-roofs",
        nbs=("green-roof", "green-roof-extensive", "green-roof-intensive"),
        en="green roof; green roofs; roof garden; rooftop garden; living roof; vegetated roof",
        pl="zielony dach; zielone dachy; zielonych dachów; dach zielony; ogród na dachu",
        es="techo verde; techos verdes; cubierta verde; cubiertas verdes; azotea verde; "
        "azoteas verdes; tejado verde",
        pt="telhado verde; telhados verdes; cobertura verde; coberturas verdes; teto verde",
        de="Gründach; Gründächer; Dachbegrünung; Dachgarten; begrüntes Dach",
    ),
    _c(
        "green-walls",
        nbs=("green-wall", "green-facade"),
        en="green wall; green walls; living wall; living walls; vertical garden; green facade",
        pl="zielona ściana; zielone ściany; ogród wertykalny; ogród pionowy; zielona fasada",
        es="muro verde; muros verdes; jardín vertical; jardines verticales; fachada verde",
        pt="parede verde; paredes verdes; jardim vertical; jardins verticais; fachada verde",
        de="Fassadenbegrünung; grüne Wand; grüne Fassade; vertikaler Garten",
    ),
    _c(
        "rain-gardens",
        nbs=("rain-garden",),
        en="rain garden; rain gardens; bioretention",
        pl="ogród deszczowy; ogrody deszczowe; ogrodów deszczowych",
        es="jardín de lluvia; jardines de lluvia",
        pt="jardim de chuva; jardins de chuva",
        de="Regengarten; Regengärten",
    ),
    _c(
        "wetlands",
        nbs=("urban-wetland", "constructed-wetland"),
        en="wetland; wetlands; marsh; marshes; swamp; bog; peatland; lagoon",
        pl="mokradła; mokradeł; tereny podmokłe; bagna; torfowiska; moczary",
        es="humedal; humedales; pantano; pantanos; ciénaga; marisma; marismas",
        pt="zonas húmidas; zonas úmidas; áreas úmidas; área úmida; banhado; banhados; pântano; "
        "brejo; várzea",
        de="Feuchtgebiet; Feuchtgebiete; Moor; Moore; Sumpf; Feuchtwiese",
    ),
    _c(
        "de-sealing",
        nbs=("depaving",),
        en="de-sealing; desealing; depaving; depave; unsealing; unsealed; soil sealing; "
        "removing asphalt; asphalt removal; removal of asphalt; pavement was removed; "
        "out of the asphalt; removed asphalt; removing pavement",
        pl="odbetonowanie; odbetonowywanie; odpieczętowanie; rozszczelnianie; usuwanie asfaltu",
        es="desellado; despavimentación; desasfaltado; desasfaltar; permeabilización del suelo",
        pt="desimpermeabilização; desimpermeabilização do solo; desimpermeabilizar; "
        "remoção de asfalto",
        de="Entsiegelung; entsiegeln; entsiegelt; Bodenentsiegelung",
    ),
    _c(
        "community-gardens",
        nbs=("community-garden", "allotments", "urban-farm"),
        en="community garden; community gardens; community gardening; urban garden; "
        "urban gardens; raised beds; allotment; "
        "allotments; urban agriculture; urban farming; food growing",
        pl="ogród społeczny; ogrody społeczne; ogród społecznościowy; ogrody społecznościowe; "
        "ogrody działkowe; rolnictwo miejskie",
        es="huerto urbano; huertos urbanos; huerto comunitario; huertos comunitarios; "
        "agricultura urbana",
        pt="horta comunitária; hortas comunitárias; horta urbana; hortas urbanas; hortas; "
        "agricultura urbana",
        de="Gemeinschaftsgarten; Gemeinschaftsgärten; urbaner Garten; urbane Gärten; Kleingarten; "
        "Kleingärten; Schrebergarten; urbane Landwirtschaft",
    ),
    _c(
        "street-trees",
        nbs=("street-trees",),
        en="street trees; street tree; tree-lined streets; tree-lined avenue; avenue trees; "
        "roadside trees",
        pl="drzewa przyuliczne; drzewa uliczne; szpaler drzew; aleja drzew",
        es="arbolado viario; árboles de calle; árboles en las calles; alineación de árboles",
        pt="árvores de rua; arborização viária; árvores nas ruas; alinhamento de árvores",
        de="Straßenbäume; Straßenbaum; Alleebäume; Baumreihe",
    ),
    _c(
        "tree-planting",
        en="tree planting; tree plantings; planting trees; trees planted; urban trees; "
        "tree canopy; canopy cover; shade trees",
        pl="nasadzenia drzew; sadzenie drzew; drzewa w mieście; drzewa miejskie",
        es="arbolado urbano; árboles urbanos; plantación de árboles; plantar árboles; "
        "árboles de sombra",
        pt="arborização urbana; arborização; árvores urbanas; plantio de árvores; "
        "plantação de árvores",
        de="Stadtbäume; Baumpflanzung; Baumpflanzungen; Bäume pflanzen",
    ),
    _c(
        "urban-forest",
        nbs=("urban-forest", "hillside-reforestation"),
        en="urban forest; urban forests; reforestation; afforestation; tiny forest; "
        "miyawaki forest; woodland",
        pl="las miejski; lasy miejskie; zalesianie; zalesienie; mikrolas",
        es="bosque urbano; bosques urbanos; reforestación; forestación; microbosque",
        pt="floresta urbana; florestas urbanas; reflorestamento; reflorestação; florestamento; "
        "microfloresta",
        de="Stadtwald; Stadtwälder; Aufforstung; Wiederaufforstung; Miniwald",
    ),
    _c(
        "river-restoration",
        nbs=("river-restoration", "stream-daylighting", "riparian-buffer"),
        en="river restoration; stream restoration; river renaturation; renaturalisation; "
        "renaturalization; renaturalise; renaturalize; renaturalised; renaturalized; "
        "daylighting; riverbank restoration; restore the river; revitalize the river; "
        "revitalizing the river; streambed; riverbed",
        pl="renaturyzacja rzek; renaturyzacja rzeki; renaturyzacja; rewitalizacja rzeki; "
        "odtworzenie rzeki",
        es="restauración de ríos; restauración fluvial; restauración del río; renaturalización",
        pt="renaturalização de rios; renaturalização; restauração de rios; recuperação de rios; "
        "requalificação fluvial",
        de="Flussrenaturierung; Renaturierung; Gewässerrenaturierung; Bachrenaturierung",
    ),
    _c(
        "mangroves",
        nbs=("mangrove-restoration",),
        en="mangrove; mangroves",
        pl="namorzyny; namorzyn; lasy namorzynowe",
        es="manglar; manglares; mangle; mangles",
        pt="manguezal; manguezais; mangue; mangues",
        de="Mangroven; Mangrove; Mangrovenwald",
    ),
    _c(
        "parks",
        nbs=("large-urban-park", "pocket-park"),
        challenges=("green-space-management",),
        en="park; parks; urban park; urban parks; public park; green space; green spaces",
        pl="park; parki; parku; park miejski; parki miejskie; tereny zieleni; zieleń miejska",
        es="parque; parques; parque urbano; parques urbanos; espacios verdes; zonas verdes",
        pt="parque; parques; parque urbano; parques urbanos; espaços verdes; áreas verdes",
        de="Park; Parks; Stadtpark; Stadtparks; Grünfläche; Grünflächen; Grünanlage",
    ),
    _c(
        "pocket-parks",
        nbs=("pocket-park",),
        en="pocket park; pocket parks; small park; small parks",
        pl="park kieszonkowy; parki kieszonkowe; skwer; skwery",
        es="parque de bolsillo; parques de bolsillo; plazoleta",
        pt="parque de bolso; parques de bolso; pracinha",
        de="Pocketpark; Pocket-Park; Kleinstpark; Taschenpark",
    ),
    _c(
        "schoolyards",
        nbs=("schoolyard-greening",),
        en="schoolyard; schoolyards; school yard; school yards; school garden; school grounds; "
        "schoolyard greening",
        pl="boisko szkolne; podwórko szkolne; dziedziniec szkolny; ogród szkolny; szkolne podwórka",
        es="patio escolar; patios escolares; jardín escolar; huerto escolar",
        pt="pátio escolar; pátios escolares; recreio escolar; horta escolar",
        de="Schulhof; Schulhöfe; Schulgarten; Schulhofbegrünung",
    ),
    _c(
        "coastal-protection",
        nbs=("coastal-dune-marsh-restoration", "mangrove-restoration"),
        en="coastal erosion; coastal protection; coastal resilience; dunes; dune restoration; "
        "sea level rise; shoreline",
        pl="erozja wybrzeża; erozja brzegowa; ochrona wybrzeża; wydmy; podnoszenie poziomu morza",
        es="erosión costera; protección costera; dunas; restauración de dunas; "
        "aumento del nivel del mar",
        pt="erosão costeira; proteção costeira; dunas; restauro de dunas; subida do nível do mar",
        de="Küstenerosion; Küstenschutz; Dünen; Dünenrenaturierung; Meeresspiegelanstieg",
    ),
    _c(
        "green-corridors",
        nbs=("green-corridor",),
        en="green corridor; green corridors; greenway; greenways; ecological corridor",
        pl="zielony korytarz; zielone korytarze; korytarz ekologiczny; korytarze ekologiczne",
        es="corredor verde; corredores verdes; corredor ecológico; corredores ecológicos",
        pt="corredor verde; corredores verdes; corredor ecológico; corredores ecológicos",
        de="Grünzug; Grünzüge; grüner Korridor; Grünkorridor; Biotopverbund",
    ),
    _c(
        "temporary-use",
        en="temporary use; temporary uses; interim use; meanwhile use; temporary project; "
        "temporary green space; temporary garden; temporarily",
        pl="tymczasowe użytkowanie; użytkowanie tymczasowe; tymczasowe zagospodarowanie",
        es="uso temporal; usos temporales; ocupación temporal",
        pt="uso temporário; usos temporários; ocupação temporária",
        de="Zwischennutzung; Zwischennutzungen; temporäre Nutzung",
    ),
    _c(
        "participatory-budget",
        en="participatory budget; participatory budgeting; citizens budget",
        pl="budżet obywatelski; budżet partycypacyjny; budżetu obywatelskiego",
        es="presupuesto participativo; presupuestos participativos",
        pt="orçamento participativo; orçamentos participativos",
        de="Bürgerhaushalt; Beteiligungshaushalt; partizipativer Haushalt",
    ),
    _c(
        "stormwater-fee",
        en="stormwater fee; stormwater charge; stormwater utility; drainage charge; rain tax",
        pl="podatek od deszczu; opłata za deszczówkę; opłata deszczowa; opłata za odprowadzanie wód",
        es="tasa de aguas pluviales; tasa pluvial; tarifa de drenaje",
        pt="taxa de drenagem; taxa de águas pluviais",
        de="Niederschlagswassergebühr; Regenwassergebühr; gesplittete Abwassergebühr",
    ),
    _c(
        "biotope-area-factor",
        en="biotope area factor; green area factor; greening factor; green space factor",
        pl="współczynnik powierzchni biologicznie czynnej; powierzchnia biologicznie czynna",
        es="factor de área biotópica; factor verde",
        pt="fator de área biótica; índice de área verde",
        de="Biotopflächenfaktor; Grünflächenfaktor",
    ),
    _c(
        "ecosystem-payments",
        en="payment for ecosystem services; payments for ecosystem services; "
        "payment for environmental services; water fund",
        pl="płatności za usługi ekosystemowe; opłaty za usługi ekosystemowe",
        es="pago por servicios ambientales; pago por servicios ecosistémicos; fondo de agua",
        pt="pagamento por serviços ambientais; pagamento por serviços ecossistêmicos; fundo de água",
        de="Zahlungen für Ökosystemleistungen; Wasserfonds",
    ),
)
