"""Reading the two outside datasets of city climate targets into plain records.

- **Covenant of Mayors** pledges, as compiled by the Data-Driven EnviroLab (DDL EUCoM
  compilation 2022, Apache-2.0, via OpenClimate): one row per signatory with UN/LOCODE, country,
  name, the pledge (absolute emission reduction in percent from a baseline year by a target year)
  and the action-plan URL (``eucom_cities_joined.csv``).
- **Net Zero Tracker** city rows, snapshot of 2022-12-20 (CC BY 4.0): the end target and the
  interim target, each with year, baseline and percentage where stated, status, wording, source
  URL and Race to Zero membership (``nzt_cities_*.csv``).

Every function here is pure: rows in, records out. A value the row leaves empty stays ``None``;
a value that is present but unreadable raises ``ValueError`` naming the column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pycountry

COVENANT_COLUMNS = frozenset(
    {"locode", "country_iso2", "city_name", "target_type", "baseline_year", "target_year"}
)
NZT_COLUMNS = frozenset({"id_code", "name", "country", "end_target", "end_target_year"})

COVENANT_SOURCE = {
    "source_name": "Covenant of Mayors pledges, DDL EUCoM compilation 2022 (Data-Driven "
    "EnviroLab), via Open-Earth-Foundation/OpenClimate",
    "source_url": "https://datadrivenlab.org/",
    "licence": "Apache-2.0 (compilation of Covenant of Mayors records)",
    "licence_verified": True,
}
NZT_SOURCE = {
    "source_name": "Net Zero Tracker, city targets, snapshot of 2022-12-20 (via OpenClimate)",
    "source_url": "https://zerotracker.net/",
    "licence": "CC BY 4.0",
    "licence_verified": True,
}

# Net Zero Tracker wording → CityWeave kind; other wordings are kept as stated, kind "other".
NZT_KINDS = {
    "net zero": "net_zero",
    "climate neutral": "climate_neutral",
    "carbon neutral(ity)": "carbon_neutral",
    "emissions reduction target": "emission_reduction",
    "absolute emissions target": "emission_reduction",
}
NO_TARGET = {"", "no target"}


@dataclass(frozen=True)
class TargetRecord:
    """One target of one row: the city it names and the ``ClimateTarget`` field values."""

    row_number: int
    city_name: str
    country_code: str
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class RowRecords:
    """What one dataset row yields: its targets and, where it says so, a pledge membership."""

    row_number: int
    city_name: str
    country_code: str
    targets: tuple[TargetRecord, ...] = ()
    # Network slug → pledge text (Covenant of Mayors, Race to Zero).
    pledges: Mapping[str, str] = field(default_factory=dict)


def _year(row: Mapping[str, str], column: str) -> int | None:
    value = (row.get(column) or "").strip()
    if not value:
        return None
    try:
        year = int(float(value))
    except ValueError:
        raise ValueError(f"{column}: {value!r} is not a year") from None
    if not 1900 <= year <= 2100:
        raise ValueError(f"{column}: {year} is outside 1900-2100")
    return year


def _percent(row: Mapping[str, str], column: str) -> float | None:
    value = (row.get(column) or "").strip()
    if not value:
        return None
    try:
        percent = float(value)
    except ValueError:
        raise ValueError(f"{column}: {value!r} is not a number") from None
    if not 0 <= percent <= 100:
        raise ValueError(f"{column}: {percent:g} is outside 0-100")
    return percent


def _url(value: str) -> str:
    value = value.strip()
    return value if value.startswith(("http://", "https://")) and len(value) <= 500 else ""


def missing_columns(columns: set[str], dataset: str) -> set[str]:
    wanted = COVENANT_COLUMNS if dataset == "covenant" else NZT_COLUMNS
    return set(wanted - columns)


def covenant_records(row: Mapping[str, str], row_number: int) -> RowRecords:
    """A Covenant signatory's pledge: ``-21%`` (absolute) from 2008 by 2020, say."""
    locode = (row.get("locode") or "").strip()
    if not locode:
        raise ValueError("locode: empty")
    country = (row.get("country_iso2") or "").strip().upper()
    name = (row.get("city_name") or "").strip()
    label = (row.get("target_type") or "").strip()
    percent = _percent(row, "target_value")
    if label and (row.get("target_unit") or "percent").strip() != "percent":
        raise ValueError(f"target_unit: {row.get('target_unit')!r}, expected 'percent'")
    baseline, year = _year(row, "baseline_year"), _year(row, "target_year")
    targets: tuple[TargetRecord, ...] = ()
    pledge = ""
    if label:
        plan_url = _url(row.get("com_action_plan_url") or "")
        fields = {
            "dataset": "covenant",
            "dataset_key": locode,
            "kind": "emission_reduction",
            "label": label,
            "interim": False,
            "reduction_percent": percent,
            "baseline_year": baseline,
            "target_year": year,
            "status": "Covenant of Mayors pledge",
            "text": "",
            "plan_url": plan_url,
            **COVENANT_SOURCE,
            "source_url": plan_url or COVENANT_SOURCE["source_url"],
        }
        targets = (TargetRecord(row_number, name, country, fields),)
        pledge = _pledge_text(percent, baseline, year, label)
    return RowRecords(
        row_number, name, country, targets, {"covenant-of-mayors": pledge} if label else {}
    )


def _pledge_text(percent: float | None, baseline: int | None, year: int | None, label: str) -> str:
    parts = [f"{label}: -{percent:g}%" if percent is not None else label]
    if baseline:
        parts.append(f"from {baseline}")
    if year:
        parts.append(f"by {year}")
    return " ".join(parts)


def country_alpha2(alpha3: str) -> str:
    country = pycountry.countries.get(alpha_3=alpha3.strip().upper()) if alpha3.strip() else None
    if country is None:
        raise ValueError(f"country: {alpha3!r} is not an ISO 3166 alpha-3 code")
    return str(country.alpha_2)


def _nzt_target(
    row: Mapping[str, str], row_number: int, name: str, country: str, *, interim: bool
) -> TargetRecord | None:
    prefix = "interim_target" if interim else "end_target"
    label = (row.get(prefix) or "").strip()
    if label.lower() in NO_TARGET:
        return None
    source_url = _url(row.get("source_url") or "")
    fields = {
        "dataset": "net_zero_tracker",
        "dataset_key": f"{row['id_code'].strip()}:{'interim' if interim else 'end'}",
        "kind": NZT_KINDS.get(label.lower(), "other"),
        "label": label[:200],
        "interim": interim,
        "reduction_percent": _percent(row, f"{prefix}_percentage_reduction"),
        "baseline_year": _year(row, f"{prefix}_baseline_year"),
        "target_year": _year(row, f"{prefix}_year"),
        "status": "" if interim else (row.get("end_target_status") or "").strip()[:100],
        "text": (row.get(f"{prefix}_text") or "").strip(),
        "plan_url": source_url,
        **NZT_SOURCE,
    }
    return TargetRecord(row_number, name, country, fields)


def net_zero_tracker_records(row: Mapping[str, str], row_number: int) -> RowRecords:
    """A city's end and interim targets, and its Race to Zero membership where it says 'Yes'."""
    if not (row.get("id_code") or "").strip():
        raise ValueError("id_code: empty")
    name = (row.get("name") or "").strip()
    country = country_alpha2(row.get("country") or "")
    targets = tuple(
        target
        for target in (
            _nzt_target(row, row_number, name, country, interim=False),
            _nzt_target(row, row_number, name, country, interim=True),
        )
        if target is not None
    )
    member = (row.get("race_to_zero_member") or "").strip().lower() == "yes"
    pledges = {"race-to-zero": "Race to Zero member (Net Zero Tracker, 2022-12-20)"}
    return RowRecords(row_number, name, country, targets, pledges if member else {})


READERS = {"covenant": covenant_records, "net_zero_tracker": net_zero_tracker_records}
SOURCES = {"covenant": COVENANT_SOURCE, "net_zero_tracker": NZT_SOURCE}
