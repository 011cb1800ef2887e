"""Reads shared by every part of the hub: the typed links of an item, seen from either end, and
the new slug of an old one."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q

from cityweave.core.models import INVERSE_RELATION_LABELS, Link, Relation, SlugRedirect


@dataclass(frozen=True)
class ItemLink:
    """One typed link as shown on an item's page: ``label`` reads from this item to ``other``
    ("applies", or the inverse "is applied by" on the other end)."""

    label: str
    other: Any
    outgoing: bool
    note: str = ""


def _visible_to(user: Any, obj: Any) -> bool:
    if getattr(obj, "status", "published") == "published":
        return True
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    meta = obj._meta
    return bool(user.has_perm(f"{meta.app_label}.view_{meta.model_name}"))


def item_links(obj: Model, *, user: Any = None) -> list[ItemLink]:
    """Every typed link of ``obj``, outgoing and incoming, with the item at the other end.

    One query for the links and one per kind of item at the other end, whatever their number.
    Items the user may not see (drafts, for visitors) are left out.
    """
    content_type = ContentType.objects.get_for_model(obj)
    links = list(
        Link.objects.filter(
            Q(source_type=content_type, source_id=obj.pk)
            | Q(target_type=content_type, target_id=obj.pk)
        ).order_by("relation", "pk")
    )
    wanted: dict[int, set[int]] = defaultdict(set)
    for link in links:
        outgoing = link.source_type_id == content_type.pk and link.source_id == obj.pk
        if outgoing:
            wanted[link.target_type_id].add(link.target_id)
        else:
            wanted[link.source_type_id].add(link.source_id)
    others: dict[tuple[int, int], Any] = {}
    for type_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        if model is None:
            continue
        for other in model._default_manager.filter(pk__in=ids):
            others[(type_id, other.pk)] = other
    shown: list[ItemLink] = []
    for link in links:
        outgoing = link.source_type_id == content_type.pk and link.source_id == obj.pk
        key = (
            (link.target_type_id, link.target_id)
            if outgoing
            else (link.source_type_id, link.source_id)
        )
        found = others.get(key)
        if found is None or not _visible_to(user, found):
            continue
        relation = Relation(link.relation)
        label = relation.label if outgoing else INVERSE_RELATION_LABELS[relation]
        shown.append(ItemLink(label=str(label), other=found, outgoing=outgoing, note=link.note))
    return shown


def slug_moved_to(*, model: type[Model], slug: str) -> str | None:
    """The slug an item of ``model`` has now if ``slug`` is one it had before, else None."""
    content_type = ContentType.objects.get_for_model(model)
    return (
        SlugRedirect.objects.filter(content_type=content_type, old_slug=slug)
        .values_list("new_slug", flat=True)
        .first()
    )
