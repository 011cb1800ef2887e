"""Idempotent bulk upserts: compare field values first, write only what changed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils import timezone

# {"created": n, "updated": n, "unchanged": n}
Counts = dict[str, int]


def _key_of(item: Any, key: str | tuple[str, ...]) -> Any:
    get = item.get if isinstance(item, dict) else lambda name: getattr(item, name)
    if isinstance(key, str):
        return get(key)
    return tuple(get(name) for name in key)


def sync_rows(
    *, model: type[models.Model], key: str | tuple[str, ...], rows: Iterable[dict[str, Any]]
) -> tuple[Counts, dict[Any, Any]]:
    """Create or update ``model`` rows identified by ``key`` (a field or a tuple of fields).

    Returns the counts and key → object for every row of the table.
    """
    existing: dict[Any, Any] = {_key_of(obj, key): obj for obj in model._default_manager.all()}
    to_create: list[Any] = []
    to_update: list[Any] = []
    changed: set[str] = set()
    unchanged = 0
    for row in rows:
        obj = existing.get(_key_of(row, key))
        if obj is None:
            obj = model(**row)
            obj.full_clean(validate_unique=False, validate_constraints=False)
            to_create.append(obj)
            continue
        diff = [field for field, value in row.items() if getattr(obj, field) != value]
        if not diff:
            unchanged += 1
            continue
        for field in diff:
            setattr(obj, field, row[field])
        obj.full_clean(validate_unique=False, validate_constraints=False)
        to_update.append(obj)
        changed.update(diff)
    if to_create:
        model._default_manager.bulk_create(to_create, batch_size=500)
    if to_update:
        fields = sorted(changed)
        if any(f.name == "updated_at" for f in model._meta.fields):
            now = timezone.now()
            for obj in to_update:
                obj.updated_at = now
            fields.append("updated_at")
        model._default_manager.bulk_update(to_update, fields, batch_size=500)
    by_key = {_key_of(obj, key): obj for obj in model._default_manager.all()}
    counts = {"created": len(to_create), "updated": len(to_update), "unchanged": unchanged}
    return counts, by_key


def sync_m2m(*, model: type[models.Model], field: str, wanted: dict[int, set[int]]) -> int:
    """Make the ``field`` many-to-many of each object in ``wanted`` equal to the given id sets.

    Objects not in ``wanted`` are left alone. Returns the number of link rows added or removed.
    """
    descriptor = getattr(model, field)
    through = descriptor.through
    source_col = descriptor.field.m2m_field_name() + "_id"
    target_col = descriptor.field.m2m_reverse_field_name() + "_id"
    current: dict[int, set[int]] = {}
    rows = through._default_manager.filter(**{f"{source_col}__in": list(wanted)})
    for source_id, target_id in rows.values_list(source_col, target_col):
        current.setdefault(source_id, set()).add(target_id)
    to_add = []
    removed = 0
    for source_id, targets in wanted.items():
        have = current.get(source_id, set())
        for target_id in targets - have:
            to_add.append(through(**{source_col: source_id, target_col: target_id}))
        stale = have - targets
        if stale:
            removed += through._default_manager.filter(
                **{source_col: source_id, f"{target_col}__in": stale}
            ).delete()[0]
    if to_add:
        through._default_manager.bulk_create(to_add, batch_size=1000)
    return len(to_add) + removed
