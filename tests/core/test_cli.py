"""The ``cityweave`` console command and the commands it wraps."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command

from cityweave import cli
from cityweave.catalogue.models import Case, NbsType
from cityweave.cities.models import City
from cityweave.core.management.commands.ensure_editor import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def run_ensure_editor(*args: str) -> str:
    out = io.StringIO()
    call_command("ensure_editor", *args, stdout=out)
    return out.getvalue()


def test_ensure_editor_creates_group_and_staff_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CITYWEAVE_EDITOR_PASSWORD", raising=False)
    monkeypatch.setenv("PORT", "8123")
    output = run_ensure_editor()
    user = get_user_model().objects.get(username="editor")
    assert user.is_staff and not user.is_superuser
    assert user.check_password(DEFAULT_PASSWORD)
    assert "Sign in at http://127.0.0.1:8123/accounts/login/ as editor / cityweave-editor" in output
    assert "for local use only" in output

    editors = Group.objects.get(name="Editors")
    assert list(user.groups.all()) == [editors]
    codenames = set(editors.permissions.values_list("content_type__app_label", "codename"))
    for model in ("case", "instrument", "resource", "nbstype", "biophysicalparameter"):
        for action in ("add", "change", "view"):
            assert ("catalogue", f"{action}_{model}") in codenames
    assert {("cities", "add_city"), ("cities", "change_city"), ("cities", "view_city")} <= codenames
    assert ("cities", "delete_city") not in codenames
    assert ("core", "view_taxonomyterm") in codenames
    assert ("core", "change_taxonomyterm") not in codenames
    assert not any(label == "auth" for label, _ in codenames)
    assert user.has_perm("catalogue.change_case") and not user.has_perm("cities.delete_city")


def test_ensure_editor_is_idempotent_and_keeps_a_changed_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CITYWEAVE_EDITOR_PASSWORD", "first-secret-pass")
    first = run_ensure_editor()
    assert "as editor / first-secret-pass" in first
    assert "for local use only" not in first
    user = get_user_model().objects.get(username="editor")
    user.set_password("changed-by-the-editor")
    user.save()
    permissions = set(Group.objects.get(name="Editors").permissions.all())

    monkeypatch.setenv("CITYWEAVE_EDITOR_PASSWORD", "second-secret-pass")
    second = run_ensure_editor()
    user.refresh_from_db()
    assert user.check_password("changed-by-the-editor")
    assert "with the password set earlier" in second
    assert get_user_model().objects.filter(username="editor").count() == 1
    assert Group.objects.filter(name="Editors").count() == 1
    assert set(Group.objects.get(name="Editors").permissions.all()) == permissions

    third = run_ensure_editor("--reset-password")
    user.refresh_from_db()
    assert user.check_password("second-secret-pass")
    assert "as editor / second-secret-pass" in third


def test_editor_can_use_the_admin(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITYWEAVE_EDITOR_PASSWORD", "editor-pass-123")
    run_ensure_editor()
    assert client.login(username="editor", password="editor-pass-123")
    assert client.get("/admin/catalogue/case/").status_code == 200
    assert client.get("/admin/catalogue/case/add/").status_code == 200
    assert client.get("/admin/cities/city/").status_code == 200
    assert client.get("/admin/auth/user/").status_code == 403


@pytest.fixture
def keep_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """``run_from_argv`` closes the database connections when a command ends; inside a test's
    transaction that would end the test's transaction too."""
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)


def located_cases() -> int:
    own = Case.objects.exclude(latitude=None).exclude(longitude=None)
    by_city = Case.objects.filter(latitude=None).exclude(city__latitude=None)
    by_city = by_city.exclude(city__longitude=None)
    return own.count() + by_city.count()


def test_cli_export_geojson_of_the_seeded_cases(
    keep_connection: None, capsys: pytest.CaptureFixture[str]
) -> None:
    cli.main(["export", "cases", "--format", "geojson"])
    collection = json.loads(capsys.readouterr().out)
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == located_cases()
    slugs = {feature["properties"]["slug"] for feature in collection["features"]}
    assert len(slugs) == len(collection["features"])


def test_cli_import_reads_back_an_export(
    keep_connection: None, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "cities.csv"
    cli.main(["export", "cities", "--format", "csv", "--output", str(target)])
    capsys.readouterr()
    cli.main(["import", "cities", str(target)])
    with target.open(encoding="utf-8", newline="") as handle:
        count = sum(1 for _ in csv.DictReader(handle))
    assert count == City.objects.count()
    assert capsys.readouterr().out.strip() == (
        f"cities: 0 created, 0 updated, {count} unchanged, 0 skipped"
    )


def test_cli_import_of_a_bad_file_exits_non_zero(
    keep_connection: None, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "cases.json"
    bad.write_text(json.dumps([{"slug": "cli-case", "title_en": "", "city": "no-such-city"}]))
    with pytest.raises(SystemExit) as exited:
        cli.main(["import", "cases", str(bad)])
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert "row 1: city: unknown city 'no-such-city'" in err
    assert "row 1: title_en: This field cannot be blank." in err
    assert not Case.objects.filter(slug="cli-case").exists()


def test_cli_seed_is_idempotent(keep_connection: None, capsys: pytest.CaptureFixture[str]) -> None:
    before = (Case.objects.count(), City.objects.count(), NbsType.objects.count())
    cli.main(["seed", "--verbosity", "0"])
    assert (Case.objects.count(), City.objects.count(), NbsType.objects.count()) == before
