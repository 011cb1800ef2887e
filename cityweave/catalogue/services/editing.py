"""Edits made on the site by signed-in editors: create or update one catalogue item.

Each write is one transaction: the row and its many-to-many relations are saved together or not
at all, after ``full_clean()``. The search index follows once the transaction commits; a draft
(unpublished) item is removed from it, so visitors never find it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Model

from cityweave.core.text import slug_of
from cityweave.search import index_after_commit

M = TypeVar("M", bound=Model)


def can_edit(user: Any, model: type[Model], *, creating: bool = False) -> bool:
    """Whether ``user`` may change (or, with ``creating``, add) items of ``model``."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    meta = model._meta
    action = "add" if creating else "change"
    return bool(user.has_perm(f"{meta.app_label}.{action}_{meta.model_name}"))


def unique_slug(model: type[Model], text: str, *, max_length: int = 200) -> str:
    """A slug for ``text`` that no row of ``model`` holds yet (``-2``, ``-3``... on clashes),
    its letters transliterated (``"Spotkanie w Łodzi"`` → ``"spotkanie-w-lodzi"``)."""
    base = slug_of(text, max_length=max_length).strip("-") or "item"
    slug, n = base, 1
    while model._default_manager.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def item_save(
    *,
    instance: M,
    fields: Mapping[str, Any],
    relations: Mapping[str, Iterable[Any]] | None = None,
    by: Any,
) -> M:
    """Set ``fields`` and the many-to-many ``relations`` on ``instance`` and save it.

    Raises ``PermissionDenied`` when ``by`` may not make this edit and ``ValidationError`` when
    the result does not validate; nothing is written in either case.
    """
    model = type(instance)
    if not can_edit(by, model, creating=instance._state.adding):
        raise PermissionDenied(f"{by} may not edit {model._meta.verbose_name_plural}")
    for name, value in fields.items():
        setattr(instance, name, value)
    if hasattr(instance, "slug") and not instance.slug:
        instance.slug = unique_slug(model, str(instance))
    instance.full_clean()
    instance.save()
    for name, values in (relations or {}).items():
        getattr(instance, name).set(list(values))
    index_after_commit([instance])
    return instance
