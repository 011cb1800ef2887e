"""System checks report bad configuration with the fix."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from cityweave.core.checks import (
    DEFAULT_SECRET_KEY,
    check_database_url,
    check_media_root,
    check_secret_key,
)

ROOT = Path(__file__).resolve().parent.parent.parent


def ids(messages: list[Any]) -> list[str]:
    return [message.id for message in messages]


@pytest.mark.parametrize(
    ("secret_key", "debug", "hosts", "expected"),
    [
        (DEFAULT_SECRET_KEY, False, ["cityweave.example.org"], ["cityweave.W001"]),
        (DEFAULT_SECRET_KEY, False, ["localhost", "*"], ["cityweave.W001"]),
        (DEFAULT_SECRET_KEY, False, ["127.0.0.1", "localhost", "[::1]", "testserver"], []),
        (DEFAULT_SECRET_KEY, True, ["cityweave.example.org"], []),
        ("a-real-secret-" + "x" * 40, False, ["cityweave.example.org"], []),
    ],
)
def test_default_secret_key_on_a_public_host_is_a_warning(
    settings: Any, secret_key: str, debug: bool, hosts: list[str], expected: list[str]
) -> None:
    settings.SECRET_KEY, settings.DEBUG, settings.ALLOWED_HOSTS = secret_key, debug, hosts
    messages = check_secret_key()
    assert ids(messages) == expected
    if messages:
        assert "SECRET_KEY" in (messages[0].hint or "")
        assert messages[0].msg.endswith("anyone can forge sessions and password-reset links.")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("", []),
        ("postgres://postgres@127.0.0.1:5432/cityweave", []),
        ("sqlite:////tmp/cityweave.sqlite3", []),
        ("cityweave-db", ["cityweave.E001"]),
        ("postgres://user@host:notaport/db", ["cityweave.E001"]),
    ],
)
def test_unreadable_database_url_is_an_error(settings: Any, url: str, expected: list[str]) -> None:
    settings.DATABASE_URL = url
    assert ids(check_database_url()) == expected


def test_media_root_that_can_be_created_passes(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "not" / "yet" / "there"
    assert check_media_root() == []


def test_media_root_under_a_file_is_an_error(settings: Any, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    settings.MEDIA_ROOT = blocker / "media"
    messages = check_media_root()
    assert ids(messages) == ["cityweave.E002"]
    assert f"{blocker} is a file, not a folder" in messages[0].msg


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_read_only_media_root_is_an_error(settings: Any, tmp_path: Path) -> None:
    media = tmp_path / "media"
    media.mkdir()
    media.chmod(0o500)
    settings.MEDIA_ROOT = media
    try:
        assert ids(check_media_root()) == ["cityweave.E002"]
    finally:
        media.chmod(0o700)


def test_checks_are_registered(settings: Any, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    settings.MEDIA_ROOT = blocker
    with pytest.raises(SystemCheckError, match=r"cityweave\.E002"):
        call_command("check")


def test_a_bad_database_url_is_reported_not_a_crash(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": "cityweave-db",
        "DJANGO_SETTINGS_MODULE": "cityweave.config.settings",
        "CITYWEAVE_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "cityweave.cli", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "cityweave.E001" in result.stderr
    assert "DATABASE_URL cannot be read" in result.stderr
