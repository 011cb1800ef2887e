"""``cityweave ensure_editor``: the Editors group and an ``editor`` account (idempotent)."""

from __future__ import annotations

import os
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.db.models import Q

GROUP_NAME = "Editors"
USERNAME = "editor"
DEFAULT_PASSWORD = "cityweave-editor"
PASSWORD_VARIABLE = "CITYWEAVE_EDITOR_PASSWORD"

# (app label, model names or "*" for every model, actions)
GRANTS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("catalogue", ("*",), ("add", "change", "delete", "view")),
    ("cities", ("*",), ("add", "change", "view")),  # cities are never deleted by editors
    ("core", ("link",), ("add", "change", "delete", "view")),
    ("core", ("taxonomyterm",), ("view",)),  # to pick challenges and topics in the admin
    ("climate", ("*",), ("add", "change", "view")),
    (
        "exchange",
        ("event", "eventparticipant", "followupaction", "transfer", "transferstagechange"),
        ("add", "change", "delete", "view"),
    ),
    ("exchange", ("registration",), ("view",)),
)


def editor_permissions() -> list[Permission]:
    """The permissions the Editors group holds, in a stable order."""
    condition = Q(pk__in=[])
    for app_label, models, actions in GRANTS:
        scope = Q(content_type__app_label=app_label)
        if models != ("*",):
            scope &= Q(content_type__model__in=models)
        codenames = Q()
        for action in actions:
            codenames |= Q(codename__startswith=f"{action}_")
        condition |= scope & codenames
    return list(
        Permission.objects.filter(condition)
        .select_related("content_type")
        .order_by("content_type__app_label", "codename")
    )


class Command(BaseCommand):
    help = (
        "Create or update the Editors group and the 'editor' account (password from "
        f"{PASSWORD_VARIABLE}); an existing password is kept unless --reset-password."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset-password",
            action="store_true",
            help=f"Set the editor's password to {PASSWORD_VARIABLE} even if the account exists.",
        )

    @transaction.atomic
    def handle(self, *args: Any, reset_password: bool = False, **options: Any) -> None:
        password = os.environ.get(PASSWORD_VARIABLE) or DEFAULT_PASSWORD
        group, _created = Group.objects.get_or_create(name=GROUP_NAME)
        group.permissions.set(editor_permissions())

        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(username=USERNAME)
        if created or reset_password:
            user.set_password(password)
        user.is_staff = True
        user.is_active = True
        user.save()
        user.groups.add(group)

        verb = "created" if created else "updated"
        self.stdout.write(self.style.SUCCESS(f"Group {GROUP_NAME!r} and user {USERNAME!r} {verb}."))
        if password == DEFAULT_PASSWORD:
            self.stdout.write(
                self.style.WARNING(
                    f"The default password {DEFAULT_PASSWORD!r} is for local use only: set "
                    f"{PASSWORD_VARIABLE} and run 'cityweave ensure_editor --reset-password' "
                    "on any server others can reach."
                )
            )
        port = os.environ.get("PORT", "8000")
        address = f"http://127.0.0.1:{port}/accounts/login/"
        if user.check_password(password):
            self.stdout.write(f"Sign in at {address} as {USERNAME} / {password}")
        else:
            self.stdout.write(
                f"Sign in at {address} as {USERNAME} with the password set earlier "
                f"(--reset-password sets it to {PASSWORD_VARIABLE})."
            )
