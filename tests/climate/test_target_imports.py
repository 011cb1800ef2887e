"""Covenant of Mayors and Net Zero Tracker files: parsed row by row, matched to cities without
guessing, imported atomically; the seed holds the real targets of the CityWeave cities."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cityweave.cities.matching import CityMatcher, name_key
from cityweave.cities.models import City, Membership, Role
from cityweave.climate.datasets import covenant_records, net_zero_tracker_records
from cityweave.climate.models import ClimateTarget
from cityweave.climate.services import TargetImportError, TargetImportRejected, targets_import

TODAY = datetime.date(2026, 12, 1)
COVENANT_HEADER = (
    "locode,country_iso2,city_name,inventory_year,total_emissions_tco2e,target_type,"
    "baseline_year,target_year,target_value,target_unit,com_action_plan_url"
)


def covenant_row(**overrides: str) -> dict[str, str]:
    row = dict.fromkeys(COVENANT_HEADER.split(","), "")
    row.update(
        locode="PL KRK",
        country_iso2="PL",
        city_name="Krakow",
        target_type="Absolute emission reduction",
        baseline_year="2013",
        target_year="2030",
        target_value="40",
        target_unit="percent",
        com_action_plan_url="https://example.org/plan",
    )
    row.update(overrides)
    return row


def test_name_key_folds_case_accents_and_punctuation() -> None:
    assert name_key("Kraków") == name_key("KRAKOW") == "krakow"
    assert name_key("Gasteiz / Vitoria") == "gasteiz vitoria"


def test_covenant_row_becomes_a_target_and_a_pledge() -> None:
    records = covenant_records(covenant_row(), 7)
    (target,) = records.targets
    assert target.fields["reduction_percent"] == 40.0
    assert target.fields["baseline_year"] == 2013
    assert target.fields["target_year"] == 2030
    assert target.fields["source_url"] == "https://example.org/plan"
    assert records.pledges == {
        "covenant-of-mayors": "Absolute emission reduction: -40% from 2013 by 2030"
    }


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("target_year", "soon", "target_year: 'soon' is not a year"),
        ("baseline_year", "1007", "baseline_year: 1007 is outside 1900-2100"),
        ("target_value", "140", "target_value: 140 is outside 0-100"),
        ("locode", "", "locode: empty"),
    ],
)
def test_unreadable_covenant_values_name_the_column(column: str, value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        covenant_records(covenant_row(**{column: value}), 2)


def test_net_zero_tracker_row_end_and_interim_targets_and_race_to_zero() -> None:
    row = {
        "id_code": "CIT-0001",
        "name": "Amsterdam",
        "country": "NLD",
        "race_to_zero_member": "Yes",
        "end_target": "Climate neutral",
        "end_target_year": "2050",
        "end_target_status": "In policy document",
        "interim_target": "Emissions reduction target",
        "interim_target_percentage_reduction": "55",
        "interim_target_baseline_year": "1990",
        "interim_target_year": "2030",
        "source_url": "not a url",
    }
    records = net_zero_tracker_records(row, 2)
    assert records.country_code == "NL"
    end, interim = records.targets
    assert (end.fields["kind"], end.fields["target_year"], end.fields["interim"]) == (
        "climate_neutral",
        2050,
        False,
    )
    assert end.fields["plan_url"] == ""  # "not a url" is not shown as a link
    assert interim.fields["reduction_percent"] == 55.0
    assert interim.fields["dataset_key"] == "CIT-0001:interim"
    assert "race-to-zero" in records.pledges


def test_unknown_country_code_is_refused() -> None:
    with pytest.raises(ValueError, match="'XXX' is not an ISO 3166 alpha-3 code"):
        net_zero_tracker_records({"id_code": "C1", "name": "A", "country": "XXX"}, 2)


@pytest.mark.django_db
def test_matcher_refuses_ambiguous_names() -> None:
    a = City(pk=1, name="Springfield", country_code="US", aliases="")
    b = City(pk=2, name="Springfield", country_code="US", aliases="")
    c = City(pk=3, name="Kraków", country_code="PL", aliases="Krakow|Cracow")
    matcher = CityMatcher([a, b, c])
    assert matcher.match("springfield", "US") is None
    assert matcher.match("Cracow", "pl") is c
    assert matcher.match("Kraków", "DE") is None


@pytest.mark.django_db
def test_seed_holds_real_targets_and_pledges() -> None:
    amsterdam = City.objects.get(slug="amsterdam-nl")
    labels = set(amsterdam.climate_targets.values_list("dataset", "label"))
    assert ("net_zero_tracker", "Climate neutral") in labels
    assert ClimateTarget.objects.filter(dataset="covenant").count() > 40
    assert not ClimateTarget.objects.filter(source_name="").exists()
    signatories = Membership.objects.filter(network__slug="covenant-of-mayors")
    assert signatories.count() > 40
    assert all(m.role == Role.SIGNATORY and m.pledge for m in signatories)


@pytest.mark.django_db
def test_import_reports_unmatched_rows_and_is_idempotent() -> None:
    rows = [
        covenant_row(),
        covenant_row(locode="XX NOP", country_iso2="DE", city_name="Nowhereville"),
    ]
    report = targets_import(dataset="covenant", rows=rows, retrieved_on=TODAY)
    assert report.matched_rows == 1
    assert [str(p) for p in report.unmatched] == [
        "row 2: no CityWeave city named 'Nowhereville' in DE"
    ]
    target = ClimateTarget.objects.get(dataset="covenant", dataset_key="PL KRK")
    assert target.city.slug == "krakow-pl"
    assert target.retrieved_on == TODAY
    again = targets_import(dataset="covenant", rows=rows, retrieved_on=TODAY)
    assert again.targets == {"created": 0, "updated": 0, "unchanged": 1}
    assert again.memberships["created"] == 0


@pytest.mark.django_db
def test_a_bad_row_rejects_the_file_and_writes_nothing() -> None:
    before = ClimateTarget.objects.count()
    rows = [covenant_row(locode="PL KR2"), covenant_row(locode="PL KR3", target_year="20x0")]
    with pytest.raises(TargetImportRejected) as rejected:
        targets_import(dataset="covenant", rows=rows, retrieved_on=TODAY)
    assert [str(e) for e in rejected.value.errors] == ["row 2: target_year: '20x0' is not a year"]
    assert ClimateTarget.objects.count() == before


@pytest.mark.django_db
def test_wrong_columns_are_refused() -> None:
    with pytest.raises(TargetImportError, match="missing columns: baseline_year, city_name"):
        targets_import(
            dataset="covenant",
            rows=[{"locode": "A", "country_iso2": "PL", "target_type": "", "target_year": ""}],
            retrieved_on=TODAY,
        )


@pytest.mark.django_db
def test_cli_lists_unmatched_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "pledges.csv"
    path.write_text(
        COVENANT_HEADER
        + "\nPL KRK,PL,Kraków,,,Absolute emission reduction,2013,2030,40,percent,\n"
        + "XX NOP,DE,Nowhereville,,,Absolute emission reduction,2010,2030,40,percent,\n",
        encoding="utf-8",
    )
    call_command("import_records", "covenant", str(path))
    out, err = capsys.readouterr()
    assert "unmatched row 2: no CityWeave city named 'Nowhereville' in DE" in err
    assert "covenant: 2 rows, 1 matched a city, 1 unmatched, 0 skipped" in out


@pytest.mark.django_db
def test_cli_rejected_file_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "pledges.csv"
    path.write_text(
        COVENANT_HEADER
        + "\nPL KRK,PL,Kraków,,,Absolute emission reduction,2013,2o30,40,percent,\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match=r"row 1: target_year: '2o30' is not a year"):
        call_command("import_records", "covenant", str(path))
