"""The README keeps step with the code: every setting, CLI command and API path is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SETTINGS = (ROOT / "cityweave" / "config" / "settings.py").read_text(encoding="utf-8")


def environment_variables() -> set[str]:
    pattern = r"""(?:os\.environ\.get|env_bool|env_list)\(\s*["']([A-Z_]+)["']"""
    return set(re.findall(pattern, SETTINGS))


ENGINE = "\n".join(
    path.read_text(encoding="utf-8") for path in (ROOT / "cityweave" / "engine").rglob("*.py")
)


def engine_variables() -> set[str]:
    pattern = r"""(?:os\.environ\.get|_positive_env)\(\s*["']([A-Z_]+)["']"""
    return set(re.findall(pattern, ENGINE))


@pytest.mark.parametrize("name", sorted(engine_variables()))
def test_every_engine_setting_is_documented(name: str) -> None:
    assert f"`{name}`" in README, f"README.md does not document the engine setting {name}"


def test_engine_settings_are_found() -> None:
    found = engine_variables()
    assert {"DASK_SCHEDULER", "CITYWEAVE_ENGINE_CHUNK", "CITYWEAVE_ENGINE_MAX_CELLS"} <= found


def test_settings_are_read_from_the_environment() -> None:
    assert {"DATABASE_URL", "SECRET_KEY", "REDIS_URL"} <= environment_variables()


@pytest.mark.parametrize("name", sorted(environment_variables()))
def test_every_setting_is_documented(name: str) -> None:
    assert f"`{name}`" in README, f"README.md does not document the setting {name}"


@pytest.mark.parametrize(
    "command", ["cityweave serve", "cityweave seed", "cityweave import", "cityweave export"]
)
def test_every_cli_command_is_documented(command: str) -> None:
    assert command in README


@pytest.mark.django_db
def test_every_api_path_is_documented(client) -> None:  # type: ignore[no-untyped-def]
    schema = client.get("/api/v1/openapi.json").json()
    for path in schema["paths"]:
        collection = "/".join(path.split("/")[:4])  # /api/v1/<collection>
        assert collection in README, f"README.md does not document {path}"


def test_readme_gives_the_two_commands() -> None:
    assert "make run" in README and "make test" in README
