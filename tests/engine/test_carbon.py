"""Carbon on 3x3 rasters with the numbers worked out by hand, and the bad inputs it refuses."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cityweave.engine.errors import EngineInputError
from cityweave.engine.models import carbon
from tests.engine.conftest import read_tif, write_csv, write_tif

POOLS = """
lucode,c_above,c_below,c_soil,c_dead,description
1,10,5,20,1,park
2,0,0,15,0,paved
3,50,10,30,5,forest
"""
# Totals per class (Mg C/ha): 1 → 36, 2 → 15, 3 → 95.
BASE = np.array([[1, 1, 2], [2, 3, 3], [1, 2, 255]], dtype=np.uint8)
# Two paved cells become forest: +80 Mg C/ha each.
SCENARIO = np.array([[1, 1, 3], [3, 3, 3], [1, 2, 255]], dtype=np.uint8)
CELL_HA = 0.01  # 10 m x 10 m = 100 m²


def args(folder: Path, **extra: object) -> carbon.CarbonArgs:
    base = {
        "lulc_bas_path": write_tif(folder / "bas.tif", BASE),
        "carbon_pools_path": write_csv(folder / "pools.csv", POOLS),
    }
    return carbon.CarbonArgs.from_invest({**base, **extra})


def test_storage_per_cell_and_total(folder: Path) -> None:
    result = carbon.run(args(folder), folder / "out")
    storage, nodata = read_tif(result.files["c_storage_bas"])
    expected = np.array([[36, 36, 15], [15, 95, 95], [36, 15, nodata]], dtype=np.float32)
    np.testing.assert_array_equal(storage, expected)
    # 3 x 36 + 3 x 15 + 2 x 95 = 343 Mg C/ha-cells, x 0.01 ha = 3.43 Mg C
    assert result.summary["c_storage_bas_mg"] == pytest.approx(3.43)


def test_sequestration_and_valuation(folder: Path) -> None:
    result = carbon.run(
        args(
            folder,
            calc_sequestration=True,
            lulc_alt_path=write_tif(folder / "alt.tif", SCENARIO),
            do_valuation=True,
            lulc_bas_year=2020,
            lulc_alt_year=2030,
            price_per_metric_ton_of_c=50,
            discount_rate=5,
            rate_change=0,
        ),
        folder / "out",
    )
    change, nodata = read_tif(result.files["c_change_bas_alt"])
    assert change[0, 2] == change[1, 0] == 80.0
    assert change[2, 2] == nodata
    assert result.summary["c_change_bas_alt_mg"] == pytest.approx(2 * 80 * CELL_HA)
    # V = 50 / 10 x sum_{t=0..9} 1.05^-t = 5 x 8.107822 = 40.539108
    constant = carbon.valuation_constant(price=50, discount_rate=5, rate_change=0, years=10)
    assert constant == pytest.approx(40.539108, abs=1e-6)
    npv, _ = read_tif(result.files["npv_alt"])
    assert npv[0, 2] == pytest.approx(80 * 40.539108, rel=1e-6)
    assert result.summary["npv_alt"] == pytest.approx(2 * 80 * 40.539108 * CELL_HA, rel=1e-6)
    assert (folder / "out" / "raster_values_summary.csv").exists()


def test_missing_codes_are_listed(folder: Path) -> None:
    write_tif(folder / "bas.tif", np.array([[1, 7], [9, 2]], dtype=np.uint8))
    with pytest.raises(
        EngineInputError, match=r"pools.csv: has no row for the land-cover codes 7, 9"
    ):
        carbon.run(
            carbon.CarbonArgs(folder / "bas.tif", write_csv(folder / "pools.csv", POOLS)),
            folder / "out",
        )


def test_a_geographic_raster_is_refused(folder: Path) -> None:
    write_tif(folder / "bas.tif", BASE, crs="EPSG:4326", cell=0.0001, origin=(10.0, 50.0))
    with pytest.raises(EngineInputError, match=r"bas.tif: .*geographic, in degrees"):
        carbon.run(
            carbon.CarbonArgs(folder / "bas.tif", write_csv(folder / "pools.csv", POOLS)),
            folder / "out",
        )


def test_a_non_numeric_cell_names_line_and_column(folder: Path) -> None:
    write_csv(folder / "pools.csv", POOLS.replace("1,10,5,20,1", "1,10,five,20,1"))
    with pytest.raises(EngineInputError, match=r"line 2, column c_below: 'five' is not a number"):
        carbon.run(
            carbon.CarbonArgs(write_tif(folder / "bas.tif", BASE), folder / "pools.csv"),
            folder / "out",
        )


def test_nodata_everywhere_is_refused(folder: Path) -> None:
    write_tif(folder / "bas.tif", np.full((3, 3), 255, dtype=np.uint8))
    with pytest.raises(EngineInputError, match="every cell is nodata"):
        carbon.run(
            carbon.CarbonArgs(folder / "bas.tif", write_csv(folder / "pools.csv", POOLS)),
            folder / "out",
        )


def test_a_scenario_on_another_grid_is_refused(folder: Path) -> None:
    alt = write_tif(folder / "alt.tif", SCENARIO, origin=(500_010.0, 5_000_000.0))
    with pytest.raises(EngineInputError, match=r"alt\.tif: is not on the grid of"):
        carbon.run(args(folder, calc_sequestration=True, lulc_alt_path=alt), folder / "out")


def test_valuation_needs_its_arguments(folder: Path) -> None:
    with pytest.raises(EngineInputError, match="price_per_metric_ton_of_c: required for valuation"):
        carbon.run(
            args(
                folder,
                calc_sequestration=True,
                lulc_alt_path=write_tif(folder / "alt.tif", SCENARIO),
                do_valuation=True,
                lulc_bas_year=2020,
                lulc_alt_year=2030,
                discount_rate=5,
                rate_change=0,
            ),
            folder / "out",
        )


def test_strip_by_strip_names_every_missing_code_and_leaves_no_outputs(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Strips of one row: code 7 is in the first strip, code 9 in the last. The first strip
    # is written before the second fails; no output may be left behind.
    monkeypatch.setattr(carbon, "STRIP_ROWS", 1)
    write_tif(folder / "bas.tif", np.array([[1, 7], [2, 2], [9, 1]], dtype=np.uint8))
    with pytest.raises(
        EngineInputError, match=r"pools.csv: has no row for the land-cover codes 7, 9"
    ):
        carbon.run(
            carbon.CarbonArgs(folder / "bas.tif", write_csv(folder / "pools.csv", POOLS)),
            folder / "out",
        )
    assert not list((folder / "out").glob("*.tif"))


def test_strips_give_the_whole_raster_s_cells_and_totals(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = {
        "calc_sequestration": True,
        "lulc_alt_path": write_tif(folder / "alt.tif", SCENARIO),
        "do_valuation": True,
        "lulc_bas_year": 2020,
        "lulc_alt_year": 2030,
        "price_per_metric_ton_of_c": 50,
        "discount_rate": 5,
        "rate_change": 0,
    }
    whole = carbon.run(args(folder, **extra), folder / "whole")
    monkeypatch.setattr(carbon, "STRIP_ROWS", 2)  # 3 rows: a strip of 2, then one of 1
    strips = carbon.run(args(folder, **extra), folder / "strips")
    assert strips.summary == whole.summary
    for name in ("c_storage_bas", "c_storage_alt", "c_change_bas_alt", "npv_alt"):
        np.testing.assert_array_equal(
            read_tif(strips.files[name])[0], read_tif(whole.files[name])[0]
        )
