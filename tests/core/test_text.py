"""Slugs of names in any script: letters transliterated, never dropped."""

from __future__ import annotations

import pytest
from django.utils.text import slugify

from cityweave.core.text import slug_of


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Łódź PL", "lodz-pl"),
        ("Kraków PL", "krakow-pl"),
        ("São Paulo BR", "sao-paulo-br"),
        ("Gdańsk PL", "gdansk-pl"),
        ("Zürich CH", "zurich-ch"),
        ("Wrocław PL", "wroclaw-pl"),
        ("Sønderborg DK", "sonderborg-dk"),
        ("Straße der Bäume", "strasse-der-baume"),
        ("Αθήνα GR", "athena-gr"),
        ("Green roofs: 100 ha!", "green-roofs-100-ha"),
    ],
)
def test_slug_of_transliterates(text: str, slug: str) -> None:
    assert slug_of(text) == slug


def test_django_slugify_alone_drops_the_letters_slug_of_keeps() -> None:
    # What the loaders produced before: the reason old city slugs redirect.
    assert slugify("Łódź PL") == "odz-pl"
    assert slugify("Wrocław PL") == "wrocaw-pl"


def test_slug_of_cuts_without_a_dangling_hyphen() -> None:
    assert slug_of("Łódź green deal", max_length=5) == "lodz"
    assert slug_of("Łódź green deal", max_length=200) == "lodz-green-deal"
    assert slug_of("", max_length=10) == ""
