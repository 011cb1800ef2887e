"""Text helpers shared by every app: the slug of a name written in any script."""

from __future__ import annotations

from django.utils.text import slugify
from unidecode import unidecode


def slug_of(text: str, *, max_length: int | None = None) -> str:
    """The ASCII slug of ``text``, its letters transliterated rather than dropped.

    ``"Łódź PL"`` → ``"lodz-pl"``, ``"São Paulo BR"`` → ``"sao-paulo-br"``, ``"Zürich CH"`` →
    ``"zurich-ch"``. Django's ``slugify`` alone keeps only the letters that decompose into an
    ASCII letter and an accent, so it gives ``"odz-pl"`` for Łódź and ``"wrocaw-pl"`` for
    Wrocław. Cut to ``max_length`` characters, without a dangling hyphen.
    """
    slug = slugify(unidecode(text))
    if max_length is not None:
        slug = slug[:max_length].rstrip("-")
    return slug
