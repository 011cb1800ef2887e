"""Scenarios: interventions painted on a baseline land cover, a model run on both, and the
differences, on small rasters with the numbers worked out by hand."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rasterio.warp import transform

from cityweave.engine import scenario
from cityweave.engine.errors import EngineInputError
from cityweave.engine.models import MODELS, carbon
from tests.engine.conftest import UTM, read_tif, write_csv, write_tif
from tests.engine.test_carbon import POOLS

X0, Y0, CELL = 500_000.0, 5_000_000.0, 10.0  # conftest's origin and cell size

# Classes (Mg C/ha): 1 park 36, 2 paved 15, 3 forest 95.
BASE = np.array([[1, 1, 2, 2], [2, 2, 2, 2], [1, 1, 3, 3], [2, 1, 1, 255]], dtype=np.uint8)
# 6 park, 7 paved, 2 forest cells: 6 x 36 + 7 x 15 + 2 x 95 = 511 Mg C/ha-cells x 0.01 ha.
BASE_MG = 5.11


def cells(row0: int, col0: int, row1: int, col1: int) -> list[list[float]]:
    """A ring holding the centres of the cells in rows row0..row1-1 and columns col0..col1-1,
    2 m inside their outer edges (no centre lies on it)."""
    left, right = X0 + CELL * col0 + 2, X0 + CELL * col1 - 2
    top, bottom = Y0 - CELL * row0 - 2, Y0 - CELL * row1 + 2
    return [[left, bottom], [right, bottom], [right, top], [left, top], [left, bottom]]


def write_layer(path: Path, features: list[tuple[list[list[float]], dict[str, Any]]]) -> Path:
    """A GeoJSON layer in UTM 33N (named by the legacy ``crs`` member, which GDAL reads)."""
    collection = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32633"}},
        "features": [
            {
                "type": "Feature",
                "properties": properties,
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
            for ring, properties in features
        ],
    }
    path.write_text(json.dumps(collection), encoding="utf-8")
    return path


def carbon_args(folder: Path) -> dict[str, Any]:
    return {
        "lulc_bas_path": write_tif(folder / "bas.tif", BASE),
        "carbon_pools_path": write_csv(folder / "pools.csv", POOLS),
    }


def test_carbon_two_paved_cells_become_forest(folder: Path) -> None:
    layer = write_layer(folder / "plan.geojson", [(cells(1, 1, 2, 3), {"lucode": 3})])
    result = scenario.run_scenario(MODELS["carbon"], carbon_args(folder), layer, folder / "out")
    painted, _ = read_tif(folder / "out" / "scenario" / "inputs" / "lulc_scenario.tif")
    expected = BASE.copy()
    expected[1, 1:3] = 3
    np.testing.assert_array_equal(painted, expected)
    # Paved 15 -> forest 95 Mg C/ha: +80 on the two cells, 0 elsewhere, nodata stays nodata.
    change, nodata = read_tif(result.differences["c_storage_bas"])
    assert change[1, 1] == change[1, 2] == np.float32(80)
    assert change[3, 3] == nodata
    assert np.count_nonzero(change[change != nodata]) == 2
    assert result.differences["c_storage_bas"] == folder / "out/difference/c_storage_bas.tif"
    (row,) = result.summary
    # 5.11 + 2 x 80 x 0.01 = 6.71 Mg C; +1.6 Mg C is 160 / 511 = 31.31 % of the baseline.
    assert row["name"] == "c_storage_bas_mg"
    assert row["baseline"] == pytest.approx(BASE_MG)
    assert row["scenario"] == pytest.approx(6.71)
    assert row["difference"] == pytest.approx(1.6)
    assert row["percent_change"] == pytest.approx(31.311155, abs=1e-6)
    assert result.interventions == [
        {
            "feature": 1,
            "lucode": 3,
            "nbs_type": "",
            "cells_covered": 2,
            "cells_painted": 2,
            "cells_changed": 2,
            "area_changed_m2": 200.0,
        }
    ]
    # The storage difference is carbon's own change with the painted raster as the alternate.
    own = carbon.run(
        carbon.CarbonArgs.from_invest(
            {
                **carbon_args(folder),
                "calc_sequestration": True,
                "lulc_alt_path": result.land_cover,
            }
        ),
        folder / "own",
    )
    np.testing.assert_array_equal(read_tif(own.files["c_change_bas_alt"])[0], change)
    with (folder / "out/difference/summary.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["name"] == "c_storage_bas_mg" and float(rows[0]["difference"]) == pytest.approx(
        1.6
    )
    data = json.loads((folder / "out/difference/summary.json").read_text())
    assert data["interventions"][0]["cells_changed"] == 2


RUNOFF_TABLE = """
lucode,cn_a,cn_b,cn_c,cn_d,description
1,98,98,98,98,paved
2,39,61,74,80,grass
"""
PAVED = np.array([[1, 1, 1], [1, 1, 1], [1, 1, 255]], dtype=np.uint8)
# Soil group B everywhere, a 50 mm storm (SCS, Ia = 0.2 S):
# CN 98: S = 25400 / 98 - 254 = 5.18367 mm, Q = (50 - 1.03673)^2 / (50 + 4.14694) = 44.275843 mm
# CN 61: S = 25400 / 61 - 254 = 162.39344 mm, Q = (50 - 32.47869)^2 / (50 + 129.91475)
#        = 1.706343 mm
# CN 45: S = 310.44444 mm, 0.2 S = 62.09 mm > 50 mm: Q = 0
Q_PAVED, Q_GRASS = 44.275843, 1.706343


def runoff_args(folder: Path) -> dict[str, Any]:
    return {
        "lulc_path": write_tif(folder / "lulc.tif", PAVED),
        "soils_hydrological_group_raster_path": write_tif(
            folder / "soils.tif", np.full((3, 3), 2, dtype=np.uint8)
        ),
        "rainfall_depth": 50,
        "curve_number_table_path": write_csv(folder / "cn.csv", RUNOFF_TABLE),
        "keep_intermediate": True,
    }


def figures(result: scenario.ScenarioResult) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in result.summary}


def test_runoff_a_paved_row_painted_green(folder: Path) -> None:
    layer = write_layer(folder / "plan.geojson", [(cells(0, 0, 1, 3), {"lucode": 2})])
    reports: list[tuple[int, int]] = []
    result = scenario.run_scenario(
        MODELS["runoff"],
        runoff_args(folder),
        layer,
        folder / "out",
        progress=lambda done, total: reports.append((done, total)),
    )
    q, nodata = read_tif(result.differences["Q_mm"])
    np.testing.assert_allclose(q[0], Q_GRASS - Q_PAVED, rtol=1e-6)
    np.testing.assert_array_equal(q[1], 0)
    assert q[2, 2] == nodata
    assert result.differences["Q_m3"] == folder / "out/difference/intermediate/Q_m3.tif"
    cn, _ = read_tif(result.differences["cn_raster"])
    np.testing.assert_array_equal(cn[0], 61 - 98)
    # Runoff volume: 8 x 44.275843 mm x 100 m² x 1e-3 = 35.420674 m³ before, and after
    # 5 x 4.4275843 + 3 x 0.1706343 = 22.649824 m³: -12.770850 m³, which the soil now holds.
    rows = figures(result)
    assert rows["flood_vol"]["baseline"] == pytest.approx(35.420674, rel=1e-6)
    assert rows["flood_vol"]["scenario"] == pytest.approx(22.649824, rel=1e-6)
    assert rows["flood_vol"]["difference"] == pytest.approx(-12.770850, rel=1e-6)
    assert rows["rnf_rt_m3"]["difference"] == pytest.approx(12.770850, rel=1e-6)
    assert rows["flood_vol"]["percent_change"] == pytest.approx(-100 * 3 / 8 * 0.961461, rel=1e-5)
    # Four stages of 100, reported in order, ending complete.
    assert [done for done, _ in reports] == sorted(done for done, _ in reports)
    assert reports[-1] == (400, 400)


NBS = """
nbs_type,cn_a,cn_b,cn_c,cn_d,description
rain_garden,40,50,60,70,planted hollow
bioswale,30,45,60,70,vegetated swale
"""


def test_runoff_an_nbs_type_with_its_own_curve_numbers(folder: Path) -> None:
    layer = write_layer(
        folder / "plan.geojson",
        [
            (cells(1, 0, 2, 3), {"nbs_type": "bioswale"}),
            (cells(2, 0, 3, 1), {"nbs_type": "rain_garden"}),
        ],
    )
    result = scenario.run_scenario(
        MODELS["runoff"],
        runoff_args(folder),
        layer,
        folder / "out",
        nbs_parameters=write_csv(folder / "nbs.csv", NBS),
    )
    # Fresh codes above the table's largest (2), in the order the features name the types.
    assert result.table == folder / "out/scenario/inputs/cn_scenario.csv"
    assert result.table.read_text().splitlines() == [
        "lucode,cn_a,cn_b,cn_c,cn_d,description",
        "1,98,98,98,98,paved",
        "2,39,61,74,80,grass",
        "3,30,45,60,70,vegetated swale",
        "4,40,50,60,70,planted hollow",
    ]
    painted, _ = read_tif(result.land_cover)
    np.testing.assert_array_equal(painted, [[1, 1, 1], [3, 3, 3], [4, 1, 255]])
    # The bioswale (CN 45 on soil B) holds the whole storm: Q falls by 44.275843 mm, the
    # retention index rises from 1 - 44.275843 / 50 = 0.114483 to 1.
    q, _ = read_tif(result.differences["Q_mm"])
    np.testing.assert_allclose(q[1], -Q_PAVED, rtol=1e-6)
    index, _ = read_tif(result.differences["Runoff_retention_index"])
    np.testing.assert_allclose(index[1], 1 - 0.114483, rtol=1e-5)
    # The rain garden: CN 50, S = 25400 / 50 - 254 = 254 mm, 0.2 S = 50.8 mm > 50 mm: Q = 0.
    assert q[2, 0] == pytest.approx(-Q_PAVED, rel=1e-6)
    assert [(r["nbs_type"], r["lucode"], r["cells_changed"]) for r in result.interventions] == [
        ("bioswale", 3, 3),
        ("rain_garden", 4, 1),
    ]


def test_later_features_win_where_polygons_overlap(folder: Path) -> None:
    # Row 1, columns 0-1 to park (1), then columns 1-2 to forest (3): cell (1, 1) is in both.
    first, second = (cells(1, 0, 2, 2), {"lucode": 1}), (cells(1, 1, 2, 3), {"lucode": 3})
    for order, winner in (([first, second], 3), ([second, first], 1)):
        out = folder / f"out{winner}"
        layer = write_layer(folder / f"plan{winner}.geojson", order)
        result = scenario.run_scenario(MODELS["carbon"], carbon_args(folder), layer, out)
        painted, _ = read_tif(result.land_cover)
        assert painted[1, 1] == winner
        assert [r["cells_covered"] for r in result.interventions] == [2, 2]
        assert [r["cells_painted"] for r in result.interventions] == [1, 2]
    # Forest last: paved 15 -> park 36 on (1, 0), -> forest 95 on (1, 1) and (1, 2):
    # (21 + 80 + 80) x 0.01 = 1.81 Mg C.
    result = scenario.run_scenario(
        MODELS["carbon"],
        carbon_args(folder),
        write_layer(folder / "plan.geojson", [first, second]),
        folder / "again",
    )
    assert figures(result)["c_storage_bas_mg"]["difference"] == pytest.approx(1.81)


def test_interventions_in_degrees_are_reprojected(folder: Path) -> None:
    import pyogrio.raw
    import shapely

    ring = cells(1, 1, 2, 3)
    lon, lat = transform(UTM, "EPSG:4326", [p[0] for p in ring], [p[1] for p in ring])
    polygon = shapely.Polygon(list(zip(lon, lat, strict=True)))
    layer = folder / "plan.gpkg"
    pyogrio.raw.write(
        layer,
        shapely.to_wkb(np.array([polygon], dtype=object)),
        [np.array([3], dtype=np.int32)],
        ["LUCODE"],  # column names are matched without case
        driver="GPKG",
        geometry_type="Polygon",
        crs="EPSG:4326",
    )
    result = scenario.run_scenario(MODELS["carbon"], carbon_args(folder), layer, folder / "out")
    painted, _ = read_tif(result.land_cover)
    assert list(zip(*np.nonzero(painted != BASE), strict=True)) == [(1, 1), (1, 2)]
    assert figures(result)["c_storage_bas_mg"]["difference"] == pytest.approx(1.6)


def test_a_fresh_code_skips_nodata_and_widens_the_raster(folder: Path) -> None:
    pools = write_csv(
        folder / "pools.csv", "lucode,c_above,c_below,c_soil,c_dead\n1,1,1,1,1\n254,2,2,2,2"
    )
    args = {
        "lulc_bas_path": write_tif(folder / "bas.tif", np.array([[1, 254], [1, 255]], np.uint8)),
        "carbon_pools_path": pools,
    }
    nbs = write_csv(
        folder / "nbs.csv", "nbs_type,c_above,c_below,c_soil,c_dead\ngreen_roof,5,0,5,0"
    )
    # Over row 1: its nodata cell (1, 1) stays nodata.
    layer = write_layer(folder / "plan.geojson", [(cells(1, 0, 2, 2), {"nbs_type": "green_roof"})])
    result = scenario.run_scenario(
        MODELS["carbon"], args, layer, folder / "out", nbs_parameters=nbs
    )
    painted, nodata = read_tif(result.land_cover)
    assert painted.dtype == np.uint16 and nodata == 255
    np.testing.assert_array_equal(painted, [[1, 254], [256, 255]])
    assert result.interventions[0]["cells_covered"] == 1
    # Class 1 (4 Mg C/ha) -> green roof (10 Mg C/ha) on one cell: +6 x 0.01 = 0.06 Mg C.
    assert figures(result)["c_storage_bas_mg"]["difference"] == pytest.approx(0.06)


@pytest.mark.parametrize(
    ("features", "nbs", "message"),
    [
        ([{"lucode": 7}], None, r"plan.geojson: feature 2: lucode 7 is not in .*pools.csv"),
        (
            [{"nbs_type": "meadow"}],
            "nbs_type,c_above,c_below,c_soil,c_dead\nbioswale,1,2,3,4",
            r"plan.geojson: feature 2: nbs_type 'meadow' is not in .*nbs.csv",
        ),
        ([{"nbs_type": "meadow"}], None, r"feature 2: nbs_type 'meadow' needs an NBS parameters"),
        ([{"lucode": 1.5}], None, r"feature 2: lucode 1.5 is not an integer code"),
        ([{"lucode": 3, "nbs_type": "x"}], None, r"feature 2: give either lucode or nbs_type"),
        ([{"lucode": None, "nbs_type": ""}], None, r"feature 2: give either lucode or nbs_type"),
        ([{"name": "park"}], None, r"plan.geojson: needs a lucode or an nbs_type column"),
        (
            [{"nbs_type": "bioswale"}],
            "nbs_type,c_above,c_soil\nbioswale,1,2",
            r"nbs.csv: missing columns: c_below, c_dead",
        ),
        (
            [{"nbs_type": "bioswale"}],
            "nbs_type,c_above,c_below,c_soil,c_dead\nbioswale,1,x,2,0",
            r"nbs.csv: line 2, column c_below: 'x' is not a number",
        ),
    ],
)
def test_bad_interventions_name_the_file_the_feature_and_the_value(
    folder: Path, features: list[dict[str, Any]], nbs: str | None, message: str
) -> None:
    good = (cells(0, 0, 1, 1), {"lucode": 1, "nbs_type": None})
    props = [good[1] if "name" not in features[0] else {"name": "lawn"}, *features]
    layer = write_layer(
        folder / "plan.geojson",
        [(good[0], props[0]), *((cells(0, 1, 1, 2), p) for p in props[1:])],
    )
    nbs_path = write_csv(folder / "nbs.csv", nbs) if nbs else None
    with pytest.raises(EngineInputError, match=message):
        scenario.run_scenario(
            MODELS["carbon"], carbon_args(folder), layer, folder / "out", nbs_parameters=nbs_path
        )


@pytest.mark.parametrize(
    ("ring", "why"),
    [
        (cells(10, 10, 11, 11), "far outside the raster"),
        (cells(3, 3, 4, 4), "over the nodata cell only"),
        (
            [[X0 + 11, Y0 - 19], [X0 + 14, Y0 - 19], [X0 + 14, Y0 - 11], [X0 + 11, Y0 - 19]],
            "inside a cell, left of its centre",
        ),
    ],
)
def test_a_polygon_covering_no_cell_is_refused(folder: Path, ring: Any, why: str) -> None:
    # The last ring lies inside cell (1, 1), whose centre is (x0 + 15, y0 - 15).
    layer = write_layer(
        folder / "plan.geojson", [(cells(0, 0, 1, 1), {"lucode": 1}), (ring, {"lucode": 3})]
    )
    with pytest.raises(EngineInputError, match=r"plan.geojson: feature 2: covers the centre of no"):
        scenario.run_scenario(MODELS["carbon"], carbon_args(folder), layer, folder / "out")


def test_missing_model_table_columns_are_named(folder: Path) -> None:
    args = carbon_args(folder)
    write_csv(args["carbon_pools_path"], "lucode,c_above\n1,1")
    layer = write_layer(folder / "plan.geojson", [(cells(0, 0, 1, 1), {"lucode": 1})])
    with pytest.raises(EngineInputError, match=r"pools.csv: missing columns: c_below"):
        scenario.run_scenario(MODELS["carbon"], args, layer, folder / "out")


def assess(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cityweave.cli", "assess", *args], capture_output=True, text=True
    )


def test_the_cli_runs_both_and_prints_the_differences(folder: Path) -> None:
    config = folder / "carbon.json"
    carbon_args(folder)
    config.write_text(json.dumps({"lulc_bas_path": "bas.tif", "carbon_pools_path": "pools.csv"}))
    layer = write_layer(folder / "plan.geojson", [(cells(1, 1, 2, 3), {"lucode": 3})])
    out = folder / "out"
    result = assess("carbon", "--config", str(config), "--out", str(out), "--scenario", str(layer))
    assert result.returncode == 0, result.stderr
    assert "c_storage_bas_mg\t5.11\t6.71\t1.6\t31.3112\n" in result.stdout
    assert "feature 1 (lucode 3): 2 cells changed\n" in result.stdout
    for name in (
        "baseline/c_storage_bas.tif",
        "scenario/c_storage_bas.tif",
        "scenario/inputs/lulc_scenario.tif",
        "scenario/inputs/pools_scenario.csv",
        "scenario/inputs/args.json",
        "difference/c_storage_bas.tif",
        "difference/c_storage_bas.png",
        "difference/summary.csv",
        "difference/interventions.csv",
    ):
        assert (out / name).exists(), name
    summary = json.loads((out / "difference/summary.json").read_text())
    assert summary["previews"]["c_storage_bas"] == str(out / "difference/c_storage_bas.png")
    assert summary["summary"][0]["scenario"] == pytest.approx(6.71)
    # The scenario's arguments run again unchanged, with the storage of the painted cover.
    again = assess(
        "carbon", "--config", str(out / "scenario/inputs/args.json"), "--out", str(folder / "re")
    )
    assert "c_storage_bas_mg\t6.71\n" in again.stdout
    # Without --scenario, --nbs-parameters is refused.
    refused = assess(
        "carbon", "--config", str(config), "--out", str(out), "--nbs-parameters", "nbs.csv"
    )
    assert refused.returncode == 2 and "--nbs-parameters needs --scenario" in refused.stderr
