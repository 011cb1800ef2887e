"""Editorial title rules, one real Urban Nature Atlas title per rule, and titles that stay blank."""

from __future__ import annotations

import pytest

from cityweave.data.loaders.title_rules import classify_title


@pytest.mark.parametrize(
    ("title_en", "title_original", "nbs_type"),
    [
        ("Meama Coffee Factory Green Roof", "", "green-roof"),
        ("University of Cagliari's Green Roof", "Tetti verdi progetto pilota", "green-roof"),
        ("Living wall", "Begrünte Fassade in Kreuzberg", "green-wall"),
        ("Green facade at physics institute", "Grüne Fassade am Physik Institut", "green-facade"),
        ("NatureRx Rain Garden Pilot", "", "rain-garden"),
        ("Rain Garden 2.0", "Ogród deszczowy 2.0", "rain-garden"),
        ("Stein Park Bioswale", "", "bioswale"),
        ("Grangegorman Community Garden", "", "community-garden"),
        ("Villa Mosha community garden", "Biohuerto en Villa Mosha", "community-garden"),
        ("Tbilisi Urban Forest (Narikala Ridge Forest)", "", "urban-forest"),
        (
            "Saving the mangrove of Morne Cabri",
            "Sauver la mangrove de Morne Cabri",
            "mangrove-restoration",
        ),
        ("Ventanilla Wetlands", "Humedales de Ventanilla", "urban-wetland"),
        ("Protection of the Booterstown Marsh", "", "urban-wetland"),
        ("Xishan Disctrict Wenxing Pocket Park", "", "pocket-park"),
        ("Earthworks Urban Farm", "", "urban-farm"),
        ("Green Corridor Südpanke", "Grünzug an der Südpanke", "green-corridor"),
        ("Sustainable renovation of schoolyard", "", "schoolyard-greening"),
        ("Keep Mobile Beautiful - Urban orchard", "", "urban-orchard"),
        ("Rio Salado Pollinator Garden", "", "pollinator-habitat"),
    ],
)
def test_rule_assigns_the_named_type(title_en: str, title_original: str, nbs_type: str) -> None:
    types, _challenges = classify_title(title_en, title_original)
    assert nbs_type in types


@pytest.mark.parametrize(
    ("title_en", "title_original"),
    [
        ("The Rio Salado Habitat Restoration Area", ""),  # habitat, but which type?
        ("The Green Wall of Tomesti", "Perdea forestieră Tomesti"),  # a forest shelter belt
        ("Vertical Wetlands", "Vertikale Feuchtgebiete"),  # an installation, not a wetland
        ("Taylor Park", ""),  # "park" alone is too vague
    ],
)
def test_ambiguous_titles_assign_no_type(title_en: str, title_original: str) -> None:
    types, _challenges = classify_title(title_en, title_original)
    assert types == set()


def test_challenge_rules() -> None:
    assert classify_title("Kottedala biodiversity park") == (set(), {"biodiversity-enhancement"})
    assert classify_title("Far West Detroit Stormwater Improvement Project")[1] == {
        "water-management"
    }
    # "Flood Protection Warehouse" names a building, not the challenge the rain garden meets.
    assert classify_title("Rain Garden at the Municipal Flood Protection Warehouse") == (
        {"rain-garden"},
        set(),
    )
