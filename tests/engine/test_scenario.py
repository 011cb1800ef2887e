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


# Differences per feature: a watershed's or an area's figures in both runs, side by side.

SUFFIXES = ("bas", "scn", "diff", "pct")
WATERSHED_TABLE = RUNOFF_TABLE + "3,30,45,60,70,meadow\n"
# Rows 0 and 1 paved, row 2 meadow (CN 45 on soil B: the whole 50 mm storm is held) and nodata.
WATERSHED_CITY = np.array([[1, 1, 1], [1, 1, 1], [3, 3, 255]], dtype=np.uint8)
WATERSHEDS = [
    (cells(0, 0, 1, 3), {"ws_id": 11, "name": "north"}),
    (cells(1, 0, 2, 3), {"ws_id": 12, "name": "middle"}),
    (cells(2, 0, 3, 2), {"ws_id": 13, "name": "south"}),
    (cells(2, 2, 3, 3), {"ws_id": 14, "name": "nodata corner"}),
]
# Row 0 paved -> grass, and cell (2, 0) meadow -> paved: the middle watershed is left alone.
WATERSHED_PLAN = [(cells(0, 0, 1, 3), {"lucode": 2}), (cells(2, 0, 3, 1), {"lucode": 1})]


def watershed_args(folder: Path) -> dict[str, Any]:
    return {
        **runoff_args(folder),
        "lulc_path": write_tif(folder / "lulc.tif", WATERSHED_CITY),
        "curve_number_table_path": write_csv(folder / "cn.csv", WATERSHED_TABLE),
        "aoi_watersheds_path": write_layer(folder / "watersheds.geojson", WATERSHEDS),
    }


def vector_fields(path: Path) -> dict[str, np.ndarray]:
    import pyogrio.raw

    meta, _, _, columns = pyogrio.raw.read(path)
    return dict(zip(meta["fields"], columns, strict=True))


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_runoff_differences_per_watershed(folder: Path) -> None:
    import pyogrio
    import pyogrio.raw
    import shapely

    layer = write_layer(folder / "plan.geojson", WATERSHED_PLAN)
    out = folder / "out"
    result = scenario.run_scenario(MODELS["runoff"], watershed_args(folder), layer, out)
    table, gpkg = (
        out / "difference/flood_risk_service.csv",
        out / "difference/flood_risk_service.gpkg",
    )
    assert result.files["flood_risk_service_csv"] == table
    assert result.files["flood_risk_service_gpkg"] == gpkg
    assert result.per_feature == {"flood_risk_service_csv": table, "flood_risk_service_gpkg": gpkg}
    summary = json.loads((out / "difference/summary.json").read_text())
    assert summary["per_feature"]["flood_risk_service_csv"] == str(table)
    rows = read_rows(table)
    # The FID of the shapefile, the watersheds' own id and name, then four columns per figure.
    assert list(rows[0]) == [
        "fid",
        "ws_id",
        "name",
        *(f"{f}_{s}" for f in ("rnf_rt_idx", "rnf_rt_m3", "flood_vol") for s in SUFFIXES),
    ]
    assert [(r["fid"], r["ws_id"], r["name"]) for r in rows] == [
        ("0", "11", "north"),
        ("1", "12", "middle"),
        ("2", "13", "south"),
        ("3", "14", "nodata corner"),
    ]
    # Every figure's difference is the scenario's value minus the baseline's, as the two runs
    # wrote them in their flood_risk_service.shp.
    before = vector_fields(out / "baseline/flood_risk_service.shp")
    after = vector_fields(out / "scenario/flood_risk_service.shp")
    for name in ("rnf_rt_m3", "flood_vol"):
        for i, row in enumerate(rows):
            assert float(row[f"{name}_bas"]) == before[name][i]
            assert float(row[f"{name}_scn"]) == after[name][i]
            assert float(row[f"{name}_diff"]) == pytest.approx(after[name][i] - before[name][i])
    # North, by hand: runoff 3 x 44.275843 mm x 0.1 m³/mm = 13.282753 m³ before and
    # 3 x 1.706343 x 0.1 = 0.511903 m³ after: -12.770850 m³ (-96.146 %), which the soil holds.
    north, middle, south, corner = rows
    assert float(north["flood_vol_bas"]) == pytest.approx(3 * Q_PAVED * 0.1, rel=1e-6)
    assert float(north["flood_vol_scn"]) == pytest.approx(3 * Q_GRASS * 0.1, rel=1e-6)
    assert float(north["flood_vol_diff"]) == pytest.approx(-12.770850, rel=1e-6)
    assert float(north["rnf_rt_m3_diff"]) == pytest.approx(12.770850, rel=1e-6)
    assert float(north["flood_vol_pct"]) == pytest.approx(-100 * (1 - Q_GRASS / Q_PAVED), rel=1e-6)
    # Retention index: the mean of 1 - Q / 50 mm, 0.114483 -> 0.965873.
    assert float(north["rnf_rt_idx_diff"]) == pytest.approx((Q_PAVED - Q_GRASS) / 50, rel=1e-5)
    # The middle watershed is untouched: no figure changes.
    for name in ("rnf_rt_idx", "rnf_rt_m3", "flood_vol"):
        assert float(middle[f"{name}_diff"]) == 0
        assert float(middle[f"{name}_pct"]) == 0
    assert float(middle["flood_vol_bas"]) == pytest.approx(3 * Q_PAVED * 0.1, rel=1e-6)
    # South: the meadow ran off nothing, so the paved cell's 4.427584 m³ has no percent change;
    # its retention falls from 2 x 5 m³ to 5 + 0.572416 m³: -44.275843 %.
    assert float(south["flood_vol_bas"]) == 0
    assert float(south["flood_vol_diff"]) == pytest.approx(Q_PAVED * 0.1, rel=1e-6)
    assert south["flood_vol_pct"] == ""
    assert float(south["rnf_rt_m3_pct"]) == pytest.approx(-Q_PAVED, rel=1e-6)
    # The corner holds the nodata cell only: no retention index in either run, volumes 0.
    assert corner["rnf_rt_idx_bas"] == corner["rnf_rt_idx_diff"] == corner["rnf_rt_idx_pct"] == ""
    assert float(corner["flood_vol_diff"]) == 0 and corner["flood_vol_pct"] == ""
    # The same as a GeoPackage, on the watersheds' geometries, its FIDs those of the shapefile.
    assert pyogrio.list_layers(gpkg)[0][0] == "flood_risk_service"
    meta, fids, wkb, columns = pyogrio.raw.read(gpkg, return_fids=True)
    assert list(fids) == [0, 1, 2, 3]
    mapped = dict(zip(meta["fields"], columns, strict=True))
    assert list(mapped) == list(rows[0])[1:]
    np.testing.assert_array_equal(mapped["name"], [r["name"] for r in rows])
    np.testing.assert_allclose(
        mapped["flood_vol_diff"], [float(r["flood_vol_diff"]) for r in rows], rtol=1e-15
    )
    assert np.isnan(mapped["flood_vol_pct"][2]) and np.isnan(mapped["rnf_rt_idx_diff"][3])
    _, _, shp_wkb, _ = pyogrio.raw.read(out / "baseline/flood_risk_service.shp")
    assert all(
        shapely.equals_exact(a, b, tolerance=1e-9)
        for a, b in zip(shapely.from_wkb(wkb), shapely.from_wkb(shp_wkb), strict=True)
    )


COOLING_TABLE = """
lucode,kc,green_area,shade,albedo,building_intensity
1,1,1,1,0,0.1
2,0.2,0,0,0.5,0.8
"""


def test_cooling_differences_per_area_of_interest(folder: Path) -> None:
    # 3 x 6 grey cells (CC = 0.2 x 0.5 + 0.2 x 0.2 = 0.14; T_air = 20 + 0.86 x 5 = 24.3 degC),
    # two areas of interest of 3 x 3 cells; cell (1, 1), in the west, becomes green
    # (CC = 0.6 + 0.2 = 0.8, T_air 21 degC). One green cell (100 m²) is no large green area,
    # so HM = CC and no other cell changes; T_air is not mixed (radius 0).
    grey = np.full((3, 6), 2, dtype=np.uint8)
    args = {
        "lulc_raster_path": write_tif(folder / "lulc.tif", grey),
        "ref_eto_raster_path": write_tif(
            folder / "et0.tif", np.full(grey.shape, 5.0, dtype=np.float32), nodata=-1
        ),
        "aoi_vector_path": write_layer(
            folder / "aoi.geojson",
            [(cells(0, 0, 3, 3), {"name": "west"}), (cells(0, 3, 3, 6), {"name": "east"})],
        ),
        "biophysical_table_path": write_csv(folder / "bio.csv", COOLING_TABLE),
        "green_area_cooling_distance": 10.0,
        "t_air_average_radius": 0.0,
        "t_ref": 20.0,
        "uhi_max": 5.0,
    }
    layer = write_layer(folder / "plan.geojson", [(cells(1, 1, 2, 2), {"lucode": 1})])
    out = folder / "out"
    result = scenario.run_scenario(MODELS["cooling"], args, layer, out)
    assert set(result.per_feature) == {"uhi_results_csv", "uhi_results_gpkg"}
    west, east = read_rows(result.per_feature["uhi_results_csv"])
    assert (west["fid"], west["name"], east["fid"], east["name"]) == ("0", "west", "1", "east")
    # West: mean CC 0.14 -> (8 x 0.14 + 0.8) / 9, +0.66 / 9 (+52.38 %); mean T_air
    # 24.3 -> (8 x 24.3 + 21) / 9 degC, -3.3 / 9; its anomaly over T_ref changes as much.
    assert float(west["avg_cc_bas"]) == pytest.approx(0.14, rel=1e-6)
    assert float(west["avg_cc_diff"]) == pytest.approx(0.66 / 9, rel=1e-5)
    assert float(west["avg_cc_pct"]) == pytest.approx(100 * 0.66 / 9 / 0.14, rel=1e-5)
    assert float(west["avg_tmp_v_diff"]) == pytest.approx(-3.3 / 9, rel=1e-5)
    assert float(west["avg_tmp_an_bas"]) == pytest.approx(4.3, rel=1e-6)
    assert float(west["avg_tmp_an_diff"]) == pytest.approx(-3.3 / 9, rel=1e-5)
    before = vector_fields(out / "baseline/uhi_results.shp")
    after = vector_fields(out / "scenario/uhi_results.shp")
    assert float(west["avg_tmp_v_diff"]) == pytest.approx(
        after["avg_tmp_v"][0] - before["avg_tmp_v"][0]
    )
    # East is beyond the green cell's reach: every difference 0.
    for name in ("avg_cc", "avg_tmp_v", "avg_tmp_an"):
        assert float(east[f"{name}_diff"]) == 0
        assert float(east[f"{name}_bas"]) == float(east[f"{name}_scn"]) > 0
    # No buildings and no WBGT: those figures are missing in both runs, and so their changes.
    for name in ("avd_eng_cn", "avg_wbgt_v"):
        assert west[f"{name}_bas"] == west[f"{name}_diff"] == west[f"{name}_pct"] == ""


def watershed_file(folder: Path, name: str, features: list[tuple[Any, dict[str, Any]]]) -> Path:
    """The features' fields and ``flood_vol`` 0, 1.5, 3 ... as a model's shapefile."""
    from rasterio.crs import CRS
    from shapely.geometry import Polygon

    from cityweave.engine import io

    polygons = io.Polygons(
        [Polygon(ring) for ring, _ in features],
        {key: np.array([p[key] for _, p in features]) for key in features[0][1]},
        CRS.from_user_input(UTM),
        name,
    )
    volumes = {"flood_vol": 1.5 * np.arange(len(features))}
    return io.write_polygons(folder / name / "flood_risk_service.shp", polygons, volumes)


@pytest.mark.parametrize(
    ("changed", "message"),
    [
        (WATERSHEDS[:3], r"cannot be matched .*: it has 3 features, the baseline 4"),
        (
            [*WATERSHEDS[:3], (WATERSHEDS[3][0], {"ws_id": 15, "name": "nodata corner"})],
            r"cannot be matched .*: feature 4 has ws_id 15, the baseline 14",
        ),
        (
            [*WATERSHEDS[:1], (cells(1, 0, 2, 2), WATERSHEDS[1][1]), *WATERSHEDS[2:]],
            r"cannot be matched .*: the geometry of feature 2 differs",
        ),
    ],
)
def test_per_feature_differences_refuse_features_that_do_not_match(
    folder: Path, changed: list[tuple[Any, dict[str, Any]]], message: str
) -> None:
    baseline = watershed_file(folder, "baseline", WATERSHEDS)
    changed_file = watershed_file(folder, "scenario", changed)
    with pytest.raises(EngineInputError, match=r"scenario/flood_risk_service.shp: " + message):
        scenario.write_feature_differences(
            {"flood_risk_service": baseline},
            {"flood_risk_service": changed_file},
            folder / "baseline",
            folder / "difference",
        )
    assert not (folder / "difference").exists()
    # The same layer in both runs matches: every difference 0, no percent change of a 0.
    same = scenario.write_feature_differences(
        {"flood_risk_service": baseline},
        {"flood_risk_service": watershed_file(folder, "again", WATERSHEDS)},
        folder / "baseline",
        folder / "difference",
    )
    rows = read_rows(same["flood_risk_service_csv"])
    assert [(r["ws_id"], r["flood_vol_diff"], r["flood_vol_pct"]) for r in rows] == [
        ("11", "0.0", ""),
        ("12", "0.0", "0.0"),
        ("13", "0.0", "0.0"),
        ("14", "0.0", "0.0"),
    ]


def test_the_cli_names_the_differences_per_watershed(folder: Path) -> None:
    watershed_args(folder)
    config = folder / "runoff.json"
    config.write_text(
        json.dumps(
            {
                "lulc_path": "lulc.tif",
                "soils_hydrological_group_raster_path": "soils.tif",
                "rainfall_depth": 50,
                "curve_number_table_path": "cn.csv",
                "aoi_watersheds_path": "watersheds.geojson",
            }
        )
    )
    layer = write_layer(folder / "plan.geojson", WATERSHED_PLAN)
    out = folder / "out"
    result = assess("runoff", "--config", str(config), "--out", str(out), "--scenario", str(layer))
    assert result.returncode == 0, result.stderr
    assert f"per feature: {out / 'difference/flood_risk_service.csv'}\n" in result.stdout
    assert f"per feature: {out / 'difference/flood_risk_service.gpkg'}\n" in result.stdout
    # The CLI's summary, written again with the previews, keeps the tables.
    summary = json.loads((out / "difference/summary.json").read_text())
    assert summary["per_feature"] == {
        "flood_risk_service_csv": str(out / "difference/flood_risk_service.csv"),
        "flood_risk_service_gpkg": str(out / "difference/flood_risk_service.gpkg"),
    }
    north = read_rows(out / "difference/flood_risk_service.csv")[0]
    assert float(north["flood_vol_diff"]) == pytest.approx(-12.770850, rel=1e-6)
