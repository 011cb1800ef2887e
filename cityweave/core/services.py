"""Writes shared by every app: the old slugs that lead to an item's new address."""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model

from cityweave.core.models import SlugRedirect


def _final(moved: Mapping[str, str]) -> dict[str, str]:
    """Old slug → the slug it ends at, following ``a → b → c`` to ``c`` (a cycle stops)."""
    final = {}
    for old, new in moved.items():
        seen = {old}
        while new in moved and new not in seen:
            seen.add(new)
            new = moved[new]
        if new != old:
            final[old] = new
    return final


@transaction.atomic
def slug_redirects_sync(*, model: type[Model], moved: Mapping[str, str]) -> dict[str, int]:
    """Make each old slug in ``moved`` (old → new) redirect to its new slug for ``model``.

    A redirect recorded earlier towards one of these old slugs is pointed at the new slug, so
    that no address takes two hops; one whose old slug is a new slug again is removed (that
    address is live). Idempotent: returns the redirects created, updated and unchanged, and the
    ones removed.
    """
    content_type = ContentType.objects.get_for_model(model)
    redirects = SlugRedirect.objects.filter(content_type=content_type)
    final = _final(moved)
    deleted, _by_model = redirects.filter(old_slug__in=set(final.values())).delete()
    existing = {r.old_slug: r for r in redirects.filter(old_slug__in=list(final))}
    to_update: list[SlugRedirect] = []
    for earlier in redirects.filter(new_slug__in=list(final)).exclude(old_slug__in=list(final)):
        earlier.new_slug = final[earlier.new_slug]
        to_update.append(earlier)
    to_create: list[SlugRedirect] = []
    unchanged = 0
    for old, new in final.items():
        found = existing.get(old)
        if found is None:
            to_create.append(SlugRedirect(content_type=content_type, old_slug=old, new_slug=new))
        elif found.new_slug != new:
            found.new_slug = new
            to_update.append(found)
        else:
            unchanged += 1
    SlugRedirect.objects.bulk_create(to_create)
    for changed in to_update:
        changed.save(update_fields=["new_slug", "updated_at"])
    return {
        "created": len(to_create),
        "updated": len(to_update),
        "unchanged": unchanged,
        "deleted": deleted,
    }
