"""System checks of CityWeave's settings: bad configuration is reported at start-up, with the fix.

Registered in ``CoreConfig.ready``; ``cityweave check`` (and every command that runs checks,
such as ``serve`` and ``migrate``) reports them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

DEFAULT_SECRET_KEY = "cityweave-development-key-change-me-in-production-0123456789abcdef"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1", "testserver"})


def is_local_host(host: str) -> bool:
    host = host.strip().lower()
    return host in LOCAL_HOSTS or host.endswith(".localhost")


@register(Tags.security, deploy=False)
def check_secret_key(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """The development SECRET_KEY must not sign sessions of a site others can reach."""
    public_hosts = [h for h in settings.ALLOWED_HOSTS if not is_local_host(h)]
    if settings.SECRET_KEY != DEFAULT_SECRET_KEY or settings.DEBUG or not public_hosts:
        return []
    return [
        Warning(
            "SECRET_KEY is the development default while CityWeave serves "
            f"{', '.join(public_hosts)}: anyone can forge sessions and password-reset links.",
            hint=(
                "Set the SECRET_KEY environment variable to a long random value, e.g. the output "
                'of: python -c "import secrets; print(secrets.token_urlsafe(50))"'
            ),
            id="cityweave.W001",
        )
    ]


@register(Tags.database)
def check_database_url(
    app_configs: Sequence[Any] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """DATABASE_URL must be a URL CityWeave can connect with."""
    url = getattr(settings, "DATABASE_URL", "")
    if not url:
        return []
    import dj_database_url

    try:
        dj_database_url.parse(url)
    except ValueError as error:
        return [
            Error(
                f"DATABASE_URL cannot be read: {error}",
                hint=(
                    "Use the form postgres://USER:PASSWORD@HOST:5432/NAME (quote special "
                    "characters in the password with %XX), or unset DATABASE_URL to use the "
                    "embedded SQLite database."
                ),
                id="cityweave.E001",
            )
        ]
    return []


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


@register()
def check_media_root(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """Uploaded files are written under MEDIA_ROOT: it must be (or become) a writable folder."""
    media_root = Path(settings.MEDIA_ROOT)
    existing = _nearest_existing(media_root)
    problem = ""
    if not existing.is_dir():
        problem = f"{existing} is a file, not a folder"
    elif not os.access(existing, os.W_OK | os.X_OK):
        problem = f"{existing} is not writable by this process"
    if not problem:
        return []
    return [
        Error(
            f"MEDIA_ROOT {media_root} cannot hold uploads: {problem}.",
            hint=(
                "Point MEDIA_ROOT (or CITYWEAVE_VAR_DIR) at a folder the server's user can "
                "write to, or fix the folder's permissions."
            ),
            id="cityweave.E002",
        )
    ]
