"""The engine against InVEST itself: outputs InVEST 3.20 wrote for small synthetic cities
(``benchmarks/invest_fixtures.py`` made them and recorded InVEST's version in ``invest.json``),
compared cell by cell within the tolerances the engine promises."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cityweave.engine.models import carbon, runoff
from tests.engine.conftest import read_tif

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "invest"


def case(name: str, tmp_path: Path) -> tuple[dict[str, Any], Path, Path]:
    folder = FIXTURES / name
    meta = json.loads((folder / "invest.json").read_text())
    assert meta["invest_version"].startswith("3.20"), meta["invest_version"]
    inputs = tmp_path / "inputs"
    shutil.copytree(folder / "inputs", inputs)
    args = {
        key: inputs / value if isinstance(value, str) and (inputs / value).exists() else value
        for key, value in meta["args"].items()
    }
    return args, folder / "outputs", tmp_path / "out"


def compare(ours: Path, theirs: Path, *, rtol: float, atol: float = 0.0) -> float:
    mine, mine_nodata = read_tif(ours)
    reference, reference_nodata = read_tif(theirs)
    mine_valid = mine != mine_nodata
    reference_valid = reference != reference_nodata
    np.testing.assert_array_equal(mine_valid, reference_valid, err_msg=f"nodata of {ours.name}")
    a = mine[mine_valid].astype(np.float64)
    b = reference[reference_valid].astype(np.float64)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=ours.name)
    return float(np.max(np.abs(a - b)))


def test_carbon_matches_invest(tmp_path: Path) -> None:
    args, reference, out = case("carbon", tmp_path)
    result = carbon.run(carbon.CarbonArgs.from_invest(args), out)
    for name in ("c_storage_bas.tif", "c_storage_alt.tif", "c_change_bas_alt.tif", "npv_alt.tif"):
        compare(out / name, reference / name, rtol=1e-6, atol=1e-6)
    # Totals as InVEST's own summary reports them (metric tons, currency).
    with (reference / "raster_values_summary.csv").open(encoding="utf-8") as handle:
        invest_totals = {row["Filename"]: float(row["Total"]) for row in csv.DictReader(handle)}
    for name, key in (
        ("c_storage_bas.tif", "c_storage_bas_mg"),
        ("c_storage_alt.tif", "c_storage_alt_mg"),
        ("c_change_bas_alt.tif", "c_change_bas_alt_mg"),
        ("npv_alt.tif", "npv_alt"),
    ):
        assert result.summary[key] == pytest.approx(invest_totals[name], rel=1e-6), name


def test_runoff_matches_invest(tmp_path: Path) -> None:
    args, reference, out = case("urban_flood_risk_mitigation", tmp_path)
    runoff.run(runoff.RunoffArgs.from_invest(args), out)
    for name in ("Q_mm.tif", "Runoff_retention_index.tif", "Runoff_retention_m3.tif"):
        compare(out / name, reference / name, rtol=1e-5, atol=1e-6)


def test_runoff_per_watershed_matches_invest(tmp_path: Path) -> None:
    """Three watersheds: a strip, a triangle cutting cells, one reaching past the raster."""
    import pyogrio.raw

    args, reference, out = case("urban_flood_risk_mitigation", tmp_path)
    runoff.run(runoff.RunoffArgs.from_invest(args), out)

    def fields(path: Path) -> dict[int, dict[str, float]]:
        meta, _, _, columns = pyogrio.raw.read(path)
        table = dict(zip(meta["fields"], columns, strict=True))
        return {
            int(ws): {
                name: float(table[name][i]) for name in ("rnf_rt_idx", "rnf_rt_m3", "flood_vol")
            }
            for i, ws in enumerate(table["ws_id"])
        }

    ours, theirs = (
        fields(out / "flood_risk_service.shp"),
        fields(reference / "flood_risk_service.shp"),
    )
    assert sorted(ours) == sorted(theirs) == [1, 2, 3]
    for ws, values in theirs.items():
        for name, value in values.items():
            assert ours[ws][name] == pytest.approx(value, rel=1e-5), (ws, name)


def test_runoff_damage_to_buildings_matches_invest(tmp_path: Path) -> None:
    """40 footprints of three types, some across watershed edges: aff_bld and serv_blt."""
    import pyogrio.raw

    args, reference, out = case("urban_flood_risk_mitigation_buildings", tmp_path)
    runoff.run(runoff.RunoffArgs.from_invest(args), out)

    def fields(path: Path) -> dict[str, np.ndarray]:
        meta, _, _, columns = pyogrio.raw.read(path)
        return {
            n: np.asarray(c, dtype=np.float64) for n, c in zip(meta["fields"], columns, strict=True)
        }

    ours, theirs = (
        fields(out / "flood_risk_service.shp"),
        fields(reference / "flood_risk_service.shp"),
    )
    for name in ("aff_bld", "serv_blt", "rnf_rt_m3", "flood_vol"):
        assert np.all(theirs[name] > 0), name  # every watershed holds buildings
        np.testing.assert_allclose(ours[name], theirs[name], rtol=1e-5, err_msg=name)
