"""``cityweave import`` / ``cityweave export``: same columns both ways, one transaction."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cityweave.catalogue.models import Case, Instrument, NbsType, Resource
from cityweave.catalogue.services.imports import KIND_NAMES, import_rows
from cityweave.catalogue.tabular import COLUMNS
from cityweave.cities.models import City
from cityweave.core.models import TaxonomyTerm

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def indexed(monkeypatch: pytest.MonkeyPatch) -> list[list[Any]]:
    calls: list[list[Any]] = []
    monkeypatch.setattr(
        "cityweave.search.index_objects", lambda objs: calls.append(list(objs)) or 0
    )
    return calls


@pytest.fixture
def hub() -> dict[str, Any]:
    heat = TaxonomyTerm.objects.create(vocabulary="challenge", code="t-heat", label_en="T heat")
    water = TaxonomyTerm.objects.create(vocabulary="challenge", code="t-water", label_en="T water")
    service = TaxonomyTerm.objects.create(
        vocabulary="ecosystem_service", code="t-regulation", label_en="T regulation"
    )
    topic = TaxonomyTerm.objects.create(vocabulary="topic", code="t-finance", label_en="T finance")
    krakow = City.objects.create(
        name="T Kraków",
        slug="t-krakow",
        country="Poland",
        country_code="PL",
        macro_region="EU",
        latitude=50.06143,
        longitude=19.93658,
        population=804237,
        programmes=["EU Mission", "INTERLACE"],
        source_name="GeoNames",
        licence="CC BY 4.0",
    )
    envigado = City.objects.create(
        name="T Envigado", slug="t-envigado", country="Colombia", country_code="CO",
        macro_region="CELAC",
    )  # fmt: skip
    roof = NbsType.objects.create(
        slug="t-green-roof", label_en="T green roof", label_pl="T zielony dach",
        description="Vegetation on roofs.", ec_type=3, scales=["building"], cost_min="25.50",
        cost_currency="EUR", cost_unit="m2",
    )  # fmt: skip
    roof.challenges.set([heat, water])
    roof.ecosystem_services.set([service])
    garden = NbsType.objects.create(
        slug="t-rain-garden", label_en="T rain garden", description="Planted hollow.", ec_type=3,
        status="draft",
    )  # fmt: skip
    case = Case.objects.create(
        slug="t-case-roofs", title_en="T roofs, \"quoted\"; with separators", city=krakow,
        latitude=50.07, longitude=19.94, start_year=2019, cost="120000.00", cost_currency="PLN",
        summary="Line one.\nLine two.",
    )  # fmt: skip
    case.nbs_types.set([roof, garden])
    case.challenges.set([heat])
    Case.objects.create(slug="t-case-nowhere", title_en="T case without a place", status="draft")
    instrument = Instrument.objects.create(
        slug="t-fee", name="T stormwater fee", category="economic", governance_level="local",
        country_code="PL", description="A fee.", licence_verified=False,
    )  # fmt: skip
    instrument.cases.set([case])
    instrument.cities.set([krakow, envigado])
    resource = Resource.objects.create(
        slug="t-guide", title="T guide", resource_type="guidance", year=2021,
        url="https://example.org/guide",
    )  # fmt: skip
    resource.topics.set([topic])
    return {"krakow": krakow, "roof": roof, "garden": garden, "case": case}


def export(kind: str, file_format: str = "csv", **options: Any) -> str:
    out = io.StringIO()
    call_command("export_records", kind, format=file_format, stdout=out, **options)
    return out.getvalue()


def run_import(path: Path, kind: str, *args: str) -> tuple[str, str]:
    """Run the import; on-commit callbacks (the search indexing) run as after a real commit."""
    from django.test import TestCase

    out, err = io.StringIO(), io.StringIO()
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("import_records", kind, str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, rows: list[dict[str, Any]]) -> Path:
    path = tmp_path / name
    if name.endswith(".json"):
        path.write_text(json.dumps(rows), encoding="utf-8")
        return path
    columns = list(dict.fromkeys(column for row in rows for column in row))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


# --- export ----------------------------------------------------------------------------------


def test_csv_export_has_the_tabular_columns_and_every_record(hub: dict[str, Any]) -> None:
    rows = list(csv.DictReader(io.StringIO(export("cases"))))
    assert tuple(rows[0]) == COLUMNS["case"]
    assert len(rows) == Case.objects.count()  # drafts included
    roofs = next(row for row in rows if row["slug"] == "t-case-roofs")
    assert roofs["city"] == "t-krakow"
    assert roofs["country_code"] == "PL"
    assert roofs["nbs_types"] == "t-green-roof;t-rain-garden"
    assert roofs["challenges"] == "t-heat"
    assert roofs["cost"] == "120000.00"
    assert roofs["summary"] == "Line one.\nLine two."


def test_geojson_export_of_cities(hub: dict[str, Any]) -> None:
    collection = json.loads(export("cities", "geojson"))
    assert collection["type"] == "FeatureCollection"
    located = City.objects.exclude(latitude=None).exclude(longitude=None).count()
    assert len(collection["features"]) == located
    krakow = next(f for f in collection["features"] if f["properties"]["slug"] == "t-krakow")
    assert krakow["geometry"]["coordinates"] == [19.93658, 50.06143]


def test_geojson_is_refused_for_kinds_without_places(hub: dict[str, Any]) -> None:
    with pytest.raises(CommandError, match="geojson export is available for cases and cities"):
        export("instruments", "geojson")


def test_export_to_a_file(hub: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "instruments.json"
    export("instruments", "json", output=str(target))
    rows = json.loads(target.read_text(encoding="utf-8"))
    fee = next(row for row in rows if row["slug"] == "t-fee")
    assert fee["cities"] == "t-envigado;t-krakow"
    assert fee["licence_verified"] == "false"


# --- round trip ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(KIND_NAMES))
@pytest.mark.parametrize("file_format", ["csv", "json"])
def test_reimporting_an_export_changes_nothing(
    hub: dict[str, Any], tmp_path: Path, kind: str, file_format: str, indexed: list[list[Any]]
) -> None:
    first = export(kind, file_format)
    model = {"cases": Case, "instruments": Instrument, "resources": Resource,
             "nbs-types": NbsType, "cities": City}[kind]  # fmt: skip
    count = model.objects.count()
    stamps = dict(model.objects.values_list("slug", "updated_at"))
    path = tmp_path / f"{kind}.{file_format}"
    path.write_text(first, encoding="utf-8")

    out, err = run_import(path, kind)

    assert out.strip() == f"{kind}: 0 created, 0 updated, {count} unchanged, 0 skipped"
    assert err == ""
    assert export(kind, file_format) == first
    assert dict(model.objects.values_list("slug", "updated_at")) == stamps
    assert indexed == []


# --- import ----------------------------------------------------------------------------------


def test_import_creates_records_with_references_and_provenance(
    hub: dict[str, Any], tmp_path: Path, indexed: list[list[Any]]
) -> None:
    path = write(
        tmp_path,
        "new-cases.csv",
        [
            {"slug": "t-new-1", "title_en": "T new one", "city": "t-krakow",
             "nbs_types": "t-green-roof; t-rain-garden", "challenges": "t-water;t-heat",
             "start_year": "2020", "cost": "99.5", "source_url": "https://example.org/atlas",
             "licence": "CC BY 4.0", "licence_verified": "false"},
            {"slug": "t-new-2", "title_en": "T new two", "city": "", "status": "draft",
             "source_name": "Urban Nature Atlas"},
        ],
    )  # fmt: skip
    out, _ = run_import(path, "cases")
    assert out.strip() == "cases: 2 created, 0 updated, 0 unchanged, 0 skipped"

    one = Case.objects.get(slug="t-new-1")
    assert one.city == hub["krakow"]
    assert sorted(one.nbs_types.values_list("slug", flat=True)) == ["t-green-roof", "t-rain-garden"]
    assert sorted(one.challenges.values_list("code", flat=True)) == ["t-heat", "t-water"]
    assert one.start_year == 2020 and str(one.cost) == "99.50"
    assert (one.source_name, one.source_url, one.licence) == (
        "new-cases.csv", "https://example.org/atlas", "CC BY 4.0",
    )  # fmt: skip
    assert one.licence_verified is False
    two = Case.objects.get(slug="t-new-2")
    assert (two.city, two.status, two.source_name) == (None, "draft", "Urban Nature Atlas")
    assert sorted(obj.slug for obj in indexed[0]) == ["t-new-1", "t-new-2"]


def test_import_updates_by_slug_and_keeps_unchanged_rows(
    hub: dict[str, Any], tmp_path: Path, indexed: list[list[Any]]
) -> None:
    path = write(
        tmp_path,
        "roof.json",
        [
            {"slug": "t-green-roof", "label_de": "T Gründach", "challenges": ["t-heat"]},
            {"slug": "t-rain-garden", "label_en": "T rain garden"},
        ],
    )
    out, _ = run_import(path, "nbs-types")
    assert out.strip() == "nbs-types: 0 created, 1 updated, 1 unchanged, 0 skipped"
    roof = NbsType.objects.get(slug="t-green-roof")
    assert roof.label_de == "T Gründach"
    assert roof.label_pl == "T zielony dach"  # columns not in the file are kept
    assert list(roof.challenges.values_list("code", flat=True)) == ["t-heat"]
    assert roof.source_name == ""  # an existing record's provenance is not invented
    assert [obj.slug for obj in indexed[0]] == ["t-green-roof"]


def test_a_bad_row_rejects_the_whole_file(hub: dict[str, Any], tmp_path: Path) -> None:
    before = Case.objects.count()
    path = write(
        tmp_path,
        "cases.csv",
        [
            {"slug": "t-ok", "title_en": "T fine", "city": "t-krakow", "start_year": ""},
            {"slug": "t-bad", "title_en": "T bad", "city": "t-atlantis", "start_year": "soon"},
            {"slug": "t-ok", "title_en": "T again", "city": "", "start_year": ""},
            {"slug": "t-bad-2", "title_en": "", "city": "", "start_year": ""},
        ],
    )
    with pytest.raises(CommandError) as raised:
        run_import(path, "cases")
    message = str(raised.value)
    assert "nothing was written" in message
    assert "row 2: city: unknown city 't-atlantis'" in message
    assert "row 2: start_year: “soon” value must be an integer." in message
    assert "row 3: slug: 't-ok' already appears on row 1" in message
    assert "row 4: title_en: This field cannot be blank." in message
    assert "row 1:" not in message
    assert Case.objects.count() == before


def test_skip_invalid_imports_the_valid_rows_and_reports_the_rest(
    hub: dict[str, Any], tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "instruments.csv",
        [
            {"slug": "t-ok", "name": "T ok", "category": "economic", "governance_level": "local",
             "description": "Fine.", "cases": "t-case-roofs", "challenges": "t-heat"},
            {"slug": "t-bad", "name": "T bad", "category": "magic", "governance_level": "local",
             "description": "Bad.", "cases": "", "challenges": "t-finance"},
        ],
    )  # fmt: skip
    out, err = run_import(path, "instruments", "--skip-invalid")
    assert out.strip() == "instruments: 1 created, 0 updated, 0 unchanged, 1 skipped"
    assert "skipped row 2: challenges: unknown challenge 't-finance'" in err
    assert "skipped row 2: category: Value 'magic' is not a valid choice." in err
    assert list(Instrument.objects.get(slug="t-ok").cases.all()) == [hub["case"]]
    assert not Instrument.objects.filter(slug="t-bad").exists()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("cases.csv", "slug,title,colour\nx,y,z\n", "unknown column(s) 'title', 'colour'"),
        ("cases.csv", "title_en\nT\n", "the file has no 'slug' column"),
        ("cases.json", '{"slug": "x"}', "expected a JSON list of objects"),
        ("cases.json", "[{", "not valid JSON"),
        ("cases.xlsx", "", "unknown file type .xlsx"),
    ],
)
def test_unreadable_files_are_rejected(
    hub: dict[str, Any], tmp_path: Path, name: str, content: str, reason: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        run_import(path, "cases")


def test_long_files_show_progress_on_a_terminal(
    hub: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [
        {"slug": f"t-city-{n:03d}", "name": f"T city {n}", "country": "Chile",
         "country_code": "CL", "macro_region": "CELAC"}
        for n in range(201)
    ]  # fmt: skip
    path = write(tmp_path, "cities.json", rows)
    advanced: list[int] = []
    from rich.progress import Progress

    original = Progress.advance
    monkeypatch.setattr(
        Progress,
        "advance",
        lambda self, task, advance=1: advanced.append(1) or original(self, task, advance),
    )
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    out, _ = run_import(path, "cities")
    assert out.strip() == "cities: 201 created, 0 updated, 0 unchanged, 0 skipped"
    assert len(advanced) == 402  # each row validated, then written
    assert City.objects.get(slug="t-city-007").source_name == "cities.json"


def test_import_rows_reports_what_it_did(hub: dict[str, Any]) -> None:
    report = import_rows(
        kind="city",
        rows=[{"slug": "t-krakow", "population": "804237"}, {"slug": "t-new", "name": "T new",
              "country": "Peru", "country_code": "PE", "macro_region": "CELAC"}],
        source_name="test",
    )  # fmt: skip
    assert (report.created, report.updated, report.unchanged) == (1, 0, 1)
    assert [obj.slug for obj in report.objects] == ["t-new"]  # type: ignore[attr-defined]


def test_rows_equal_to_their_record_are_not_revalidated(
    hub: dict[str, Any], tmp_path: Path
) -> None:
    """A record that no longer validates (here a bad URL stored directly) does not block a
    re-import that leaves it as it is; a row that changes it must fix it."""
    Resource.objects.filter(slug="t-guide").update(source_url="not a url")
    path = tmp_path / "resources.csv"
    path.write_text(export("resources"), encoding="utf-8")
    out, _ = run_import(path, "resources")
    assert "0 updated" in out and "0 skipped" in out

    changed = write(tmp_path, "guide.csv", [{"slug": "t-guide", "year": "2022"}])
    with pytest.raises(CommandError, match=r"row 1: source_url: Enter a valid URL\."):
        run_import(changed, "resources")
    assert Resource.objects.get(slug="t-guide").year == 2021
