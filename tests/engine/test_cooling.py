"""Urban cooling: hand-checked 3 x 3 cities, bad inputs, and parity with InVEST 3.20's Urban
Cooling Model on the stored fixtures (``benchmarks/invest_fixtures.py``)."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio.raw
import pytest
from rasterio.crs import CRS
from shapely.geometry import box

from cityweave.engine import io
from cityweave.engine.errors import EngineInputError
from cityweave.engine.models import cooling
from tests.engine.conftest import read_tif, write_csv, write_tif

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "invest"
ORIGIN = (500_000.0, 5_000_000.0)
CELL = 100.0  # 100 m cells: 2 ha is 2 cells, so a 3 x 3 city can hold a "large" green area
UTM = CRS.from_epsg(32633)


def polygons(path: Path, shapes: list[Any], fields: dict[str, Any] | None = None) -> Path:
    layer = io.Polygons(shapes, fields or {"id": np.arange(len(shapes))}, UTM, str(path))
    return io.write_polygons(path, layer, {})


def city(folder: Path, lulc: np.ndarray, **extra: Any) -> dict[str, Any]:
    """Class 1 green (shade 1, albedo 0, kc 1), class 2 grey (shade 0, albedo 0.5, kc 0.2);
    ET0 5 mm everywhere, so ETI = kc."""
    x0, y1 = ORIGIN
    n = lulc.shape[0]
    args = {
        "lulc_raster_path": write_tif(folder / "lulc.tif", lulc, cell=CELL, nodata=255),
        "ref_eto_raster_path": write_tif(
            folder / "et0.tif", np.full(lulc.shape, 5.0, dtype=np.float32), cell=CELL, nodata=-1
        ),
        "aoi_vector_path": polygons(
            folder / "aoi.shp", [box(x0, y1 - n * CELL, x0 + n * CELL, y1)]
        ),
        "biophysical_table_path": write_csv(
            folder / "bio.csv",
            "lucode,kc,green_area,shade,albedo,building_intensity\n"
            "1,1,1,1,0,0.1\n"
            "2,0.2,0,0,0.5,0.8",
        ),
        "green_area_cooling_distance": 100.0,  # one cell
        "t_air_average_radius": 0.0,  # no mixing: T_air = T_air,nomix
        "t_ref": 20.0,
        "uhi_max": 5.0,
    }
    args.update(extra)
    return args


GREEN_RING = np.array([[1, 1, 1], [1, 2, 1], [1, 1, 1]], dtype=np.uint8)
# Green CC = 0.6 * 1 + 0.2 * 0 + 0.2 * 1 = 0.8; grey CC = 0 + 0.2 * 0.5 + 0.2 * 0.2 = 0.14.
# CC_park at the centre, weights exp(-d) (d in cells): the centre (d = 0, weight 1, grey so 0),
# four sides (d = 1, e^-1 = 0.367879) and four corners (d = 1.414214, e^-1.414214 = 0.243117), all
# green at 0.8: 0.8 * (4 * 0.367879 + 4 * 0.243117) / (1 + 4 * 0.367879 + 4 * 0.243117)
# = 0.8 * 2.443984 / 3.443984 = 0.567711.
CENTRE_PARK = 0.8 * (4 * math.exp(-1) + 4 * math.exp(-math.sqrt(2)))
CENTRE_PARK /= 1 + 4 * math.exp(-1) + 4 * math.exp(-math.sqrt(2))


def test_a_grey_cell_ringed_by_a_large_green_area_takes_the_park_cooling(tmp_path: Path) -> None:
    args = cooling.CoolingArgs.from_invest(city(tmp_path, GREEN_RING, keep_intermediate=True))
    result = cooling.run(args, tmp_path / "out")
    cc, _ = read_tif(tmp_path / "out" / "cc.tif")
    np.testing.assert_allclose(cc, np.where(GREEN_RING == 1, 0.8, 0.14), rtol=1e-6)
    # Green cells within one cell of the centre: its 4 sides of 5 cells (4 >= 2 cells = 2 ha).
    ga, _ = read_tif(tmp_path / "out" / "intermediate" / "green_area_sum.tif")
    assert ga[1, 1] == pytest.approx(4.0)
    hm, _ = read_tif(tmp_path / "out" / "hm.tif")
    assert pytest.approx(0.567711, abs=1e-6) == CENTRE_PARK
    assert hm[1, 1] == pytest.approx(CENTRE_PARK, rel=1e-6)
    # Green cells keep their own 0.8: the park's weighted mean around them is lower.
    np.testing.assert_allclose(hm[GREEN_RING == 1], 0.8, rtol=1e-6)
    # T_air = 20 + (1 - HM) * 5, unmixed: 21 on green cells, 22.161445 at the centre.
    t_air, _ = read_tif(tmp_path / "out" / "T_air.tif")
    assert t_air[0, 0] == pytest.approx(21.0, rel=1e-6)
    assert t_air[1, 1] == pytest.approx(22.161445, abs=1e-5)
    assert result.summary["avg_tmp_an"] == pytest.approx(((8 * 21 + 22.161445) / 9) - 20, abs=1e-5)


def test_a_small_green_area_does_not_cool_its_neighbours(tmp_path: Path) -> None:
    # One green cell beside the grey centre: 1 green cell within one cell (< 2 cells = 2 ha).
    lulc = np.full((3, 3), 2, dtype=np.uint8)
    lulc[0, 1] = 1
    cooling.run(cooling.CoolingArgs.from_invest(city(tmp_path, lulc)), tmp_path / "out")
    hm, _ = read_tif(tmp_path / "out" / "hm.tif")
    assert hm[1, 1] == pytest.approx(0.14, rel=1e-6)
    # Only the results by default; the intermediate rasters on request (keep_intermediate).
    assert sorted(p.name for p in (tmp_path / "out").glob("*.tif")) == [
        "T_air.tif",
        "cc.tif",
        "hm.tif",
    ]
    assert not (tmp_path / "out" / "intermediate").exists()


def test_et0_on_another_grid_is_aligned_to_the_land_cover(tmp_path: Path) -> None:
    # ET0 of 5 mm on 50 m cells reaching past the city on every side: cubic spline onto the
    # 100 m land-cover cells gives 5 mm, so the park cooling of the centre is the hand-checked one.
    et0 = write_tif(
        tmp_path / "et0_50m.tif",
        np.full((10, 10), 5.0, dtype=np.float32),
        cell=50.0,
        nodata=-1,
        origin=(ORIGIN[0] - 100.0, ORIGIN[1] + 100.0),
    )
    args = cooling.CoolingArgs.from_invest(city(tmp_path, GREEN_RING, ref_eto_raster_path=et0))
    cooling.run(args, tmp_path / "out")
    hm, _ = read_tif(tmp_path / "out" / "hm.tif")
    assert hm.shape == (3, 3)
    assert hm[1, 1] == pytest.approx(CENTRE_PARK, rel=1e-6)


def test_building_intensity_method(tmp_path: Path) -> None:
    args = city(tmp_path, GREEN_RING, cc_method="intensity")
    cooling.run(cooling.CoolingArgs.from_invest(args), tmp_path / "out")
    cc, _ = read_tif(tmp_path / "out" / "cc.tif")
    # CC = 1 - building intensity: 0.9 green, 0.2 grey.
    np.testing.assert_allclose(cc, np.where(GREEN_RING == 1, 0.9, 0.2), rtol=1e-6)


def test_energy_savings_of_a_building_on_the_cooled_centre(tmp_path: Path) -> None:
    x0, y1 = ORIGIN
    footprint = box(x0 + CELL, y1 - 2 * CELL, x0 + 2 * CELL, y1 - CELL)  # the centre cell
    buildings = polygons(tmp_path / "buildings.shp", [footprint], {"type": np.array([1])})
    table = write_csv(tmp_path / "energy.csv", "type,consumption\n1,2")
    args = city(
        tmp_path,
        GREEN_RING,
        do_energy_valuation=True,
        building_vector_path=buildings,
        energy_consumption_table_path=table,
    )
    result = cooling.run(cooling.CoolingArgs.from_invest(args), tmp_path / "out")
    meta, _, _, columns = pyogrio.raw.read(tmp_path / "out" / "buildings_with_stats.shp")
    fields = dict(zip(meta["fields"], columns, strict=True))
    # 2 kWh/degC/m2 * 10,000 m2 * (20 + 5 - 22.161445 degC) = 20,000 * 5 * HM = 56,771.1 kWh.
    assert fields["energy_sav"][0] == pytest.approx(1e5 * CENTRE_PARK, rel=1e-5)
    assert fields["mean_t_air"][0] == pytest.approx(20 + (1 - CENTRE_PARK) * 5, rel=1e-6)
    assert result.summary["energy_sav"] == pytest.approx(1e5 * CENTRE_PARK, rel=1e-5)
    meta, _, _, columns = pyogrio.raw.read(tmp_path / "out" / "uhi_results.shp")
    assert dict(zip(meta["fields"], columns, strict=True))["avd_eng_cn"][0] == pytest.approx(
        1e5 * CENTRE_PARK, rel=1e-5
    )


def test_work_loss_classes() -> None:
    wbgt = np.array([27.0, 27.5, 29.49, 29.5, 31.5, 40.0])
    np.testing.assert_array_equal(
        cooling.work_loss(wbgt, cooling.WORK_LOSS_THRESHOLDS["heavy"]), [0, 25, 25, 50, 75, 75]
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"cc_method": "sunshine"}, "cc_method: 'sunshine' is neither"),
        ({"green_area_cooling_distance": 1000.0}, "green_area_cooling_distance: 1000 m reaches 10"),
        ({"uhi_max": -1}, "uhi_max: must be 0 or more"),
        ({"do_productivity_valuation": True, "avg_rel_humidity": 140}, "avg_rel_humidity"),
        ({"do_energy_valuation": True}, "building_vector_path: is required"),
        ({"t_ref": "warm"}, "t_ref: 'warm' is not a number"),
    ],
)
def test_bad_arguments_are_named(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    with pytest.raises(EngineInputError, match=message):
        args = cooling.CoolingArgs.from_invest(city(tmp_path, GREEN_RING, **change))
        cooling.run(args, tmp_path / "out")


def test_missing_classes_are_listed(tmp_path: Path) -> None:
    lulc = GREEN_RING.copy()
    lulc[0, 0], lulc[2, 2] = 7, 9
    args = cooling.CoolingArgs.from_invest(city(tmp_path, lulc))
    with pytest.raises(EngineInputError, match="land-cover codes 7, 9"):
        cooling.run(args, tmp_path / "out")


def test_an_area_of_interest_outside_the_raster_is_refused(tmp_path: Path) -> None:
    far = polygons(tmp_path / "far.shp", [box(0, 0, 100, 100)])
    args = cooling.CoolingArgs.from_invest(city(tmp_path, GREEN_RING, aoi_vector_path=far))
    with pytest.raises(EngineInputError, match=r"far\.shp: its bounding box .* does not overlap"):
        cooling.run(args, tmp_path / "out")


def test_an_unknown_building_type_is_named(tmp_path: Path) -> None:
    x0, y1 = ORIGIN
    buildings = polygons(
        tmp_path / "b.shp", [box(x0, y1 - CELL, x0 + CELL, y1)], {"type": np.array([4])}
    )
    args = city(
        tmp_path,
        GREEN_RING,
        do_energy_valuation=True,
        building_vector_path=buildings,
        energy_consumption_table_path=write_csv(tmp_path / "e.csv", "type,consumption\n1,2"),
    )
    with pytest.raises(EngineInputError, match="building types 4"):
        cooling.run(cooling.CoolingArgs.from_invest(args), tmp_path / "out")


# --- parity with InVEST -------------------------------------------------------------------


def invest_case(name: str, tmp_path: Path) -> tuple[dict[str, Any], Path]:
    folder = FIXTURES / name
    meta = json.loads((folder / "invest.json").read_text())
    assert meta["invest_version"].startswith("3.20"), meta["invest_version"]
    inputs = tmp_path / "inputs"
    shutil.copytree(folder / "inputs", inputs)
    args = {
        key: inputs / value if isinstance(value, str) and (inputs / value).exists() else value
        for key, value in meta["args"].items()
    }
    return args, folder / "outputs"


def largest_difference(ours: Path, theirs: Path) -> float:
    mine, mine_nodata = read_tif(ours)
    reference, reference_nodata = read_tif(theirs)
    np.testing.assert_array_equal(
        mine != mine_nodata, reference != reference_nodata, err_msg=f"nodata of {ours.name}"
    )
    known = reference != reference_nodata
    return float(np.max(np.abs(mine[known].astype(np.float64) - reference[known])))


# Tolerances the engine promises: HM and CC within 1e-4, air temperature within 0.001 degC.
TOLERANCE = {
    "hm.tif": 1e-4,
    "cc.tif": 1e-4,
    "cc_park.tif": 1e-4,
    "cc_masked_green_areas.tif": 1e-4,
    "eti.tif": 1e-4,
    "T_air.tif": 1e-3,
    "T_air_nomix.tif": 1e-3,
    "wbgt.tif": 1e-3,
    "green_area_sum.tif": 1e-3,  # a count of cells near 200, kept in float32
    "light_work_loss_percent.tif": 0,
    "heavy_work_loss_percent.tif": 0,
}


def fields(path: Path) -> dict[str, np.ndarray]:
    meta, _, _, columns = pyogrio.raw.read(path)
    return {
        name: np.asarray(values, dtype=np.float64)
        for name, values in zip(meta["fields"], columns, strict=True)
    }


@pytest.mark.parametrize("name", ["urban_cooling_model", "urban_cooling_model_intensity"])
def test_cooling_matches_invest(tmp_path: Path, name: str) -> None:
    args, reference = invest_case(name, tmp_path)
    out = tmp_path / "out"
    cooling.run(cooling.CoolingArgs.from_invest({**args, "keep_intermediate": True}), out)
    compared = 0
    for theirs in sorted(reference.glob("*.tif")):
        ours = next(out.rglob(theirs.name))
        assert largest_difference(ours, theirs) <= TOLERANCE[theirs.name], theirs.name
        compared += 1
    assert compared >= 7
    for stem in ("uhi_results", "buildings_with_stats"):
        if not (reference / f"{stem}.shp").exists():
            continue
        theirs, ours = fields(reference / f"{stem}.shp"), fields(out / f"{stem}.shp")
        for field, values in theirs.items():
            np.testing.assert_array_equal(np.isnan(ours[field]), np.isnan(values), err_msg=field)
            known = ~np.isnan(values)
            np.testing.assert_allclose(ours[field][known], values[known], rtol=1e-5, err_msg=field)


def test_a_green_area_of_exactly_2_ha_counts_as_large(tmp_path: Path) -> None:
    # 10 m cells, 450 m cooling distance: a disc of 6361 cells. Exactly 200 green cells (2 ha)
    # lie within it around the centre cell (a 10 x 20 block 15-24 cells north of it); InVEST
    # computes 200 / 6361 * 6361 = 200.00000000000003 >= 200 in float64, so the centre takes the
    # park's cooling. In float32 the same sum is 199.99998 and it would not.
    lulc = np.full((101, 101), 2, dtype=np.uint8)
    lulc[26:36, 40:60] = 1
    lulc[50, 50] = 3  # no shade, albedo or evapotranspiration: CC 0, so any park cooling wins
    args = city(tmp_path, lulc, green_area_cooling_distance=450.0, keep_intermediate=True)
    with Path(args["biophysical_table_path"]).open("a", encoding="utf-8") as table:
        table.write("3,0,0,0,0,1\n")
    for name in ("lulc_raster_path", "ref_eto_raster_path"):
        values = read_tif(Path(args[name]))[0]
        nodata = 255 if name == "lulc_raster_path" else -1
        args[name] = write_tif(tmp_path / f"{name}.tif", values, cell=10.0, nodata=nodata)
    x0, y1 = ORIGIN
    args["aoi_vector_path"] = polygons(tmp_path / "aoi10.shp", [box(x0, y1 - 1010, x0 + 1010, y1)])
    cooling.run(cooling.CoolingArgs.from_invest(args), tmp_path / "out")
    ga, _ = read_tif(tmp_path / "out" / "intermediate" / "green_area_sum.tif")
    assert ga[50, 50] == pytest.approx(200.0)
    hm, _ = read_tif(tmp_path / "out" / "hm.tif")
    park, _ = read_tif(tmp_path / "out" / "intermediate" / "cc_park.tif")
    assert hm[50, 50] == pytest.approx(park[50, 50]) and hm[50, 50] > 0
