"""Annual stormwater retention: 3 x 3 cities with the numbers worked out by hand, bad inputs,
and parity with InVEST 3.20.2's Urban Stormwater Retention on the stored fixture
(``benchmarks/invest_fixtures.py stormwater``: adjusted ratios near roads and connected
impervious classes, percolation, two pollutants, a replacement cost, three watersheds)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyogrio.raw
import pytest
from rasterio.crs import CRS
from rasterio.warp import transform_geom
from shapely.geometry import LineString, box, mapping, shape

from cityweave.engine.errors import EngineInputError
from cityweave.engine.models import stormwater
from tests.engine.conftest import read_tif, write_csv, write_tif
from tests.engine.test_invest_parity import case, compare

X0, Y1 = 500_000.0, 5_000_000.0  # the rasters' top-left corner; cells of 10 m (100 m²)
UTM = CRS.from_epsg(32633)

TABLE = """
lucode,rc_a,rc_b,rc_c,rc_d,pe_a,pe_b,pe_c,pe_d,EMC_TN,emc_tp,is_connected
1,0.2,0.3,0.4,0.5,0.5,0.4,0.3,0.2,2.0,0.5,0
2,0.9,0.9,0.9,1.0,0,0,0,0,1.0,0.1,1
"""
LULC = np.array([[1, 1, 2], [1, 2, 2], [255, 1, 1]], dtype=np.uint8)  # 255: nodata
SOIL = np.array([[1, 2, 3], [4, 1, 2], [1, 3, 4]], dtype=np.uint8)
RAIN = np.array([[1000, 1000, 1000], [500, 1000, -1], [1000, 1000, 800]], dtype=np.float32)
N = np.nan  # no value: land cover nodata at (2, 0), precipitation nodata at (1, 2)
# Retention ratio RR = 1 - rc of the cell's class and soil group, e.g. (0, 0) class 1, soil A:
# 1 - 0.2; runoff ratio 1 - RR; percolation ratio pe.
RR = np.array([[0.8, 0.7, 0.1], [0.5, 0.1, 0.1], [N, 0.6, 0.5]])
PE = np.array([[0.5, 0.4, 0.0], [0.2, 0.0, 0.0], [N, 0.3, 0.2]])
# Volumes V = P mm x ratio x 100 m² x 0.001 = 0.1 P x ratio m³, e.g. (1, 0): 0.1 x 500 x 0.5.
RETAINED = np.array([[80, 70, 10], [25, 10, N], [N, 60, 40]])
RUNOFF = np.array([[20, 30, 90], [25, 90, N], [N, 40, 40]])
PERCOLATED = np.array([[50, 40, 0], [10, 0, N], [N, 30, 16]])
# Loads L = EMC x 0.001 x V kg; TN 2 mg/L on class 1, 1 mg/L on class 2: (0, 0) 2e-3 x 80.
TN_AVOIDED = np.array([[0.16, 0.14, 0.01], [0.05, 0.01, N], [N, 0.12, 0.08]])
TN_ACTUAL = np.array([[0.04, 0.06, 0.09], [0.05, 0.09, N], [N, 0.08, 0.08]])
TP_AVOIDED = np.array([[0.04, 0.035, 0.001], [0.0125, 0.001, N], [N, 0.03, 0.02]])


def city(folder: Path, **extra: Any) -> stormwater.StormwaterArgs:
    args = {
        "lulc_path": write_tif(folder / "lulc.tif", LULC),
        "soil_group_path": write_tif(folder / "soil.tif", SOIL),
        "precipitation_path": write_tif(folder / "rain.tif", RAIN, nodata=-1),
        "biophysical_table": write_csv(folder / "bio.csv", TABLE),
        "replacement_cost": 2.0,
        **extra,
    }
    return stormwater.StormwaterArgs.from_invest(args)


def values(path: Path) -> np.ndarray:
    data, nodata = read_tif(path)
    return np.where(data == nodata, np.nan, data.astype(np.float64))


def test_ratios_volumes_loads_and_value(folder: Path) -> None:
    result = stormwater.run(city(folder), folder / "out")
    expected = {
        "retention_ratio": RR,
        "runoff_ratio": 1 - RR,
        "percolation_ratio": PE,
        "retention_volume": RETAINED,
        "runoff_volume": RUNOFF,
        "percolation_volume": PERCOLATED,
        "avoided_pollutant_load_tn": TN_AVOIDED,  # the header EMC_TN read as emc_tn
        "actual_pollutant_load_tn": TN_ACTUAL,
        "avoided_pollutant_load_tp": TP_AVOIDED,
        "retention_value": RETAINED * 2.0,  # replacement cost 2 per m³
    }
    for name, want in expected.items():
        np.testing.assert_allclose(values(result.files[name]), want, rtol=1e-6, err_msg=name)
    assert "adjusted_retention_ratio" not in result.files
    # Totals: 80 + 70 + 10 + 25 + 10 + 60 + 40 m³ kept; the mean ratio of the 8 cells with one.
    assert result.summary["total_retention_volume"] == pytest.approx(295.0, rel=1e-6)
    assert result.summary["total_runoff_volume"] == pytest.approx(335.0, rel=1e-6)
    assert result.summary["mean_retention_ratio"] == pytest.approx(3.4 / 8, rel=1e-6)
    assert result.summary["tn_total_avoided_load"] == pytest.approx(0.57, rel=1e-6)
    assert result.summary["total_retention_value"] == pytest.approx(590.0, rel=1e-6)


# Adjustment, radius 10 m = 1 cell: the neighbourhood is the cell and its four neighbours.
ADJUST_TABLE = """
lucode,rc_a,rc_b,rc_c,rc_d,is_connected
1,0.5,0.5,0.5,0.5,0
2,1,1,1,1,1
"""
# RR 0.5 everywhere but the connected impervious cell (2, 2), RR 0. Its neighbourhood mean C:
# 0.5 except (1, 2) and (2, 1): (0.5 x 3 + 0) / 4 = 0.375, and (2, 2): (0.5 + 0.5 + 0) / 3.
# Near the impervious cell (within 1 cell): (1, 2), (2, 1), (2, 2), whose ratio stays; the
# others take RR + (1 - RR) C = 0.5 + 0.5 x 0.5 = 0.75.
ADJUSTED = np.array([[0.75, 0.75, 0.75], [0.75, 0.75, 0.5], [0.75, 0.5, 0.0]])
# A road along the first row (burnt into its three cells) makes the first two rows near too.
ADJUSTED_WITH_ROAD = np.array([[0.5, 0.5, 0.5], [0.5, 0.5, 0.5], [0.75, 0.5, 0.0]])


def roads(path: Path, lines: list[Any], crs: CRS = UTM) -> Path:
    pyogrio.raw.write(
        path,
        np.array([line.wkb for line in lines], dtype=object),
        [],
        [],
        driver="GeoJSON",
        geometry_type="LineString",
        crs=crs.to_wkt(),
    )
    return path


def adjusted_city(
    folder: Path, lines: list[Any], table: str = ADJUST_TABLE, crs: CRS = UTM
) -> stormwater.StormwaterArgs:
    lulc = np.array([[1, 1, 1], [1, 1, 1], [1, 1, 2]], dtype=np.uint8)
    return stormwater.StormwaterArgs.from_invest(
        {
            "lulc_path": write_tif(folder / "lulc.tif", lulc),
            "soil_group_path": write_tif(folder / "soil.tif", np.ones((3, 3), dtype=np.uint8)),
            "precipitation_path": write_tif(
                folder / "rain.tif", np.full((3, 3), 1000, dtype=np.float32), nodata=-1
            ),
            "biophysical_table": write_csv(folder / "bio.csv", table),
            "adjust_retention_ratios": True,
            "retention_radius": 10.0,
            "road_centerlines_path": roads(folder / "roads.geojson", lines, crs),
        }
    )


FAR_ROAD = LineString([(X0 + 5, Y1 - 105), (X0 + 25, Y1 - 105)])  # 7 cells below the raster
ROW_ROAD = LineString([(X0 + 1, Y1 - 4), (X0 + 29, Y1 - 4)])  # across the first row


def test_adjusted_ratios_near_connected_impervious_cells(folder: Path) -> None:
    result = stormwater.run(adjusted_city(folder, [FAR_ROAD]), folder / "out")
    np.testing.assert_allclose(values(result.files["adjusted_retention_ratio"]), ADJUSTED)
    # retention_ratio.tif stays unadjusted; runoff and volumes follow the adjusted ratio.
    unadjusted = np.full((3, 3), 0.5)
    unadjusted[2, 2] = 0.0
    np.testing.assert_allclose(values(result.files["retention_ratio"]), unadjusted)
    np.testing.assert_allclose(values(result.files["runoff_ratio"]), 1 - ADJUSTED, atol=1e-7)
    np.testing.assert_allclose(values(result.files["retention_volume"]), ADJUSTED * 100)


@pytest.mark.parametrize("epsg", [32633, 4326])
def test_adjusted_ratios_near_roads(folder: Path, epsg: int) -> None:
    """Given in degrees, the road is moved to the raster's projection first."""
    crs = CRS.from_epsg(epsg)
    road = ROW_ROAD if epsg == 32633 else shape(transform_geom(UTM, crs, mapping(ROW_ROAD)))
    result = stormwater.run(adjusted_city(folder, [road], crs=crs), folder / "out")
    np.testing.assert_allclose(values(result.files["adjusted_retention_ratio"]), ADJUSTED_WITH_ROAD)


def test_without_is_connected_only_roads_count(folder: Path) -> None:
    """InVEST's documentation: without the column, only road centre lines are used (InVEST
    3.20.2 itself stops with a KeyError). (2, 2) is then not near anything: 0 + 1 x 1/3."""
    table = "\n".join(line.rsplit(",", 1)[0] for line in ADJUST_TABLE.strip().splitlines())
    result = stormwater.run(adjusted_city(folder, [FAR_ROAD], table), folder / "out")
    expected = np.full((3, 3), 0.75)
    expected[1, 2] = expected[2, 1] = 0.5 + 0.5 * 0.375
    expected[2, 2] = 1.0 / 3.0
    np.testing.assert_allclose(values(result.files["adjusted_retention_ratio"]), expected)


def test_neighbourhood_mean_leaves_out_nodata_and_the_outside() -> None:
    ratio = np.array([[0.2, 0.4, 0.6], [0.8, 1.0, 0.0], [9.0, 0.5, 0.5]], dtype=np.float32)
    valid = np.ones((3, 3), dtype=bool)
    valid[2, 0] = False
    mean = stormwater.neighbourhood_mean(ratio, valid, 1.0)
    assert mean[0, 0] == pytest.approx((0.2 + 0.4 + 0.8) / 3, rel=1e-6)  # a corner: 3 cells
    assert mean[1, 0] == pytest.approx((0.2 + 0.8 + 1.0) / 3, rel=1e-6)  # (2, 0) left out
    assert mean[1, 1] == pytest.approx((0.4 + 0.8 + 1.0 + 0.0 + 0.5) / 5, rel=1e-6)
    assert np.isnan(mean[2, 0])


@pytest.mark.parametrize(
    ("radius", "limit"),
    [(1.0, 1), (2.5, 6), (1.4142, 1), (2**0.5, 2), (0.5, 0), (2.9999999, 9)],
)
def test_near_limit_is_the_float32_threshold(radius: float, limit: int) -> None:
    """1.4142 < sqrt(2) leaves the diagonal out; 2.9999999 is 3 in float32, as InVEST
    compares it."""
    assert stormwater.near_limit(radius) == limit


def test_near_is_the_exact_distance_transform_thresholded_in_float32() -> None:
    """InVEST: ``sqrt(d²)`` in float32 ``<= radius`` (a float32 comparison), d² from an exact
    distance transform (here scipy's), on 377 radii: a sweep, every sqrt(k) and the float64
    numbers just below and just above it."""
    from scipy.ndimage import distance_transform_edt

    impervious = np.random.default_rng(1).random((60, 70)) < 0.01
    squared = np.rint(distance_transform_edt(~impervious) ** 2).astype(np.float32)
    distance = np.sqrt(squared)
    roots = [k**0.5 for k in range(1, 60)]
    radii = [*np.linspace(0.3, 9, 200), *roots]
    radii += [float(np.nextafter(r, 0)) for r in roots] + [r * (1 + 1e-8) for r in roots]
    for radius in map(float, radii):
        expected = distance <= radius
        got = stormwater.near_impervious(impervious, radius)
        np.testing.assert_array_equal(got, expected, err_msg=f"radius {radius!r}")


def areas(path: Path) -> Path:
    shapes = [
        box(X0, Y1 - 30, X0 + 10, Y1),  # the west column: (0, 0), (1, 0) and nodata (2, 0)
        box(X0 + 21, Y1 - 14, X0 + 24, Y1 - 11),  # inside (1, 2), holding no cell centre
        box(X0 + 10, Y1 - 13, X0 + 20, Y1),  # (0, 1), and a sliver of (1, 1) but not its centre
        box(X0 + 100, Y1 - 10, X0 + 110, Y1),  # off the raster
    ]
    pyogrio.raw.write(
        path,
        np.array([g.wkb for g in shapes], dtype=object),
        [np.arange(1, 5, dtype=np.int32)],
        ["area_id"],
        driver="GPKG",
        layer="areas",
        geometry_type="Polygon",
        crs=UTM.to_wkt(),
    )
    return path


@pytest.mark.parametrize("strip_cells", [stormwater.STRIP_CELLS, 3])
def test_sums_and_means_per_area(
    folder: Path, strip_cells: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Also strip by strip (3 cells: one row at a time), where the third area covers no centre
    of the second row and must not take the cells of its box there."""
    monkeypatch.setattr(stormwater, "STRIP_CELLS", strip_cells)
    args = city(folder, aggregate_areas_path=areas(folder / "areas.gpkg"))
    result = stormwater.run(args, folder / "out")
    meta, _, _, columns = pyogrio.raw.read(result.files["aggregate"])
    table = dict(zip(meta["fields"], columns, strict=True))
    np.testing.assert_array_equal(table["area_id"], [1, 2, 3, 4])
    expected = {
        # west column: ratios 0.8 and 0.5 (the nodata cell left out), volumes 80 + 25 m³ ...
        "mean_retention_ratio": [0.65, 0.1, 0.7, 0.0],
        "total_retention_volume": [105.0, 0.0, 70.0, 0.0],
        "mean_runoff_ratio": [0.35, 0.9, 0.3, 0.0],
        "total_runoff_volume": [45.0, 0.0, 30.0, 0.0],
        "mean_percolation_ratio": [0.35, 0.0, 0.4, 0.0],
        "total_percolation_volume": [60.0, 0.0, 40.0, 0.0],
        "tn_total_avoided_load": [0.21, 0.0, 0.14, 0.0],
        "tn_total_load": [0.09, 0.0, 0.06, 0.0],
        "tp_total_avoided_load": [0.0525, 0.0, 0.035, 0.0],
        "tp_total_load": [0.0225, 0.0, 0.015, 0.0],
        "total_retention_value": [210.0, 0.0, 140.0, 0.0],
    }
    # ... the small box takes the cell under it, (1, 2): ratio 0.1, no precipitation, so no
    # volume; the area off the raster holds nothing (means 0, as InVEST writes them).
    assert list(table)[1:] == list(expected)  # InVEST's fields, in its order
    for name, want in expected.items():
        np.testing.assert_allclose(table[name], want, rtol=1e-6, atol=1e-9, err_msg=name)
    assert pyogrio.list_layers(result.files["aggregate"])[0][0] == "areas"


def test_precipitation_on_a_coarser_grid_is_aligned(folder: Path) -> None:
    """One 30 m precipitation cell of 600 mm under the nine 10 m cells: each takes it (nearest),
    so (0, 0) keeps 0.1 x 600 x 0.8 = 48 m³."""
    args = city(folder)
    write_tif(folder / "rain.tif", np.array([[600]], dtype=np.float32), cell=30.0, nodata=-1)
    result = stormwater.run(args, folder / "out")
    np.testing.assert_allclose(values(result.files["retention_volume"]), 60 * RR, rtol=1e-6)


def replace(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new)


@pytest.mark.parametrize(
    ("table", "lulc", "soil", "message"),
    [
        (TABLE, np.array([[1, 3, 2]]), None, r"bio\.csv: has no row for the land-cover codes 3"),
        (
            replace(TABLE, "1,0.2,0.3,", "1,0.2,abc,"),
            None,
            None,
            r"bio\.csv: line 2, column rc_b: 'abc' is not a number",
        ),
        (TABLE, None, np.array([[1, 5, 0]]), r"soil\.tif: holds soil groups 0, 5; expected 1 to 4"),
        (replace(TABLE, "1,0.2,", "1,1.2,"), None, None, r"lucode 1, rc_a: 1.2 is not a ratio"),
        (
            TABLE.replace(",pe_b,pe_c,pe_d", "").replace(",0.4,0.3,0.2,2.0", ",2.0"),
            None,
            None,
            r"percolation coefficients for some soil groups only: missing pe_b, pe_c, pe_d",
        ),
        (
            replace(TABLE, "0,0,0,0,1.0,0.1,1", "0,0,0,0,1.0,0.1,2"),
            None,
            None,
            r"lucode 2, is_connected: 2 is not 0 or 1",
        ),
    ],
)
def test_bad_tables_and_rasters_are_named(
    folder: Path, table: str, lulc: Any, soil: Any, message: str
) -> None:
    args = city(folder)
    write_csv(folder / "bio.csv", table)
    if lulc is not None:
        write_tif(folder / "lulc.tif", lulc.astype(np.uint8))
        write_tif(folder / "soil.tif", np.ones(lulc.shape, dtype=np.uint8))
        write_tif(folder / "rain.tif", np.ones(lulc.shape, dtype=np.float32), nodata=-1)
    if soil is not None:
        write_tif(folder / "lulc.tif", np.ones(soil.shape, dtype=np.uint8))
        write_tif(folder / "soil.tif", soil.astype(np.uint8))
        write_tif(folder / "rain.tif", np.ones(soil.shape, dtype=np.float32), nodata=-1)
    with pytest.raises(EngineInputError, match=message):
        stormwater.run(args, folder / "out")


def test_a_radius_wider_than_the_raster_is_refused(folder: Path) -> None:
    args = adjusted_city(folder, [FAR_ROAD])
    wide = stormwater.StormwaterArgs(**{**args.__dict__, "retention_radius": 100.0})
    with pytest.raises(EngineInputError, match=r"retention_radius: 100 m reaches 10 cells"):
        stormwater.run(wide, folder / "out")


def test_adjusting_needs_a_radius_and_roads(folder: Path) -> None:
    args = city(folder, adjust_retention_ratios=True)
    with pytest.raises(EngineInputError) as error:
        stormwater.run(args, folder / "out")
    assert "retention_radius: required" in str(error.value)
    assert "road_centerlines_path: required" in str(error.value)


def test_roads_must_be_lines(folder: Path) -> None:
    args = adjusted_city(folder, [FAR_ROAD])
    pyogrio.raw.write(
        folder / "roads.geojson",
        np.array([box(X0, Y1 - 10, X0 + 10, Y1).wkb], dtype=object),
        [],
        [],
        driver="GeoJSON",
        geometry_type="Polygon",
        crs=UTM.to_wkt(),
    )
    with pytest.raises(EngineInputError, match=r"roads\.geojson: holds Polygon features"):
        stormwater.run(args, folder / "out")


# --- parity with InVEST 3.20.2 -------------------------------------------------------------

OUTPUTS = (
    "retention_ratio.tif",
    "adjusted_retention_ratio.tif",
    "retention_volume.tif",
    "retention_value.tif",
    "runoff_ratio.tif",
    "runoff_volume.tif",
    "percolation_ratio.tif",
    "percolation_volume.tif",
    "avoided_pollutant_load_n.tif",
    "actual_pollutant_load_n.tif",
    "avoided_pollutant_load_p.tif",
    "actual_pollutant_load_p.tif",
)


@pytest.mark.parametrize("strip_cells", [stormwater.STRIP_CELLS, 48 * 5])
def test_matches_invest(tmp_path: Path, strip_cells: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every output raster within 1e-5 of InVEST's (float32 round-off: the neighbourhood mean
    is summed in another order), cell by cell, whole or five rows at a time."""
    monkeypatch.setattr(stormwater, "STRIP_CELLS", strip_cells)
    args, reference, out = case("stormwater", tmp_path)
    result = stormwater.run(stormwater.StormwaterArgs.from_invest(args), out)
    assert sorted(p.name for p in out.glob("*.tif")) == sorted(OUTPUTS)
    for name in OUTPUTS:
        compare(out / name, reference / name, rtol=1e-5, atol=1e-9)
    assert set(result.files) == {Path(name).stem for name in OUTPUTS} | {"aggregate"}


@pytest.mark.parametrize("strip_cells", [stormwater.STRIP_CELLS, 48 * 5])
def test_matches_invest_per_watershed(
    tmp_path: Path, strip_cells: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A strip, a triangle cutting cells and a polygon past the raster, two of them
    overlapping: every field of InVEST's aggregate_data.gpkg within 1e-5."""
    monkeypatch.setattr(stormwater, "STRIP_CELLS", strip_cells)
    args, reference, out = case("stormwater", tmp_path)
    result = stormwater.run(stormwater.StormwaterArgs.from_invest(args), out)

    def fields(path: Path) -> dict[str, np.ndarray]:
        meta, _, _, columns = pyogrio.raw.read(path)
        return dict(zip(meta["fields"], columns, strict=True))

    ours, theirs = fields(result.files["aggregate"]), fields(reference / "aggregate_data.gpkg")
    assert list(ours) == list(theirs)
    np.testing.assert_array_equal(ours["ws_id"], theirs["ws_id"])
    for name in list(theirs)[1:]:
        np.testing.assert_allclose(ours[name], theirs[name], rtol=1e-5, err_msg=name)


def test_neighbourhood_and_near_match_invest_intermediates(tmp_path: Path) -> None:
    """InVEST's ratio_average.tif, near_road.tif and near_connected_lulc.tif (its exact distance
    transforms thresholded at 2.5 cells), from the same inputs."""
    args, reference, _ = case("stormwater", tmp_path)
    parsed = stormwater.StormwaterArgs.from_invest(args)
    table = stormwater.read_biophysical(parsed.biophysical_table)
    lulc, soil, _, _ = stormwater.read_inputs(parsed)
    pair, valid, connected = stormwater.cell_pairs(lulc, soil, table, "biophysical.csv")
    assert connected is not None
    ratio = stormwater.PairTables.of(table).retention[pair]
    radius = 25.0 / 10.0
    road = stormwater.road_cells(Path(args["road_centerlines_path"]), lulc.grid)
    for mine, name in (
        (stormwater.near_impervious(road, radius), "near_road.tif"),
        (stormwater.near_impervious(connected, radius), "near_connected_lulc.tif"),
    ):
        theirs, _ = read_tif(reference / name)
        np.testing.assert_array_equal(mine, theirs == 1, err_msg=name)
    mean = stormwater.neighbourhood_mean(ratio, valid, radius)
    theirs, _ = read_tif(reference / "ratio_average.tif")
    np.testing.assert_allclose(mean[valid], theirs[valid], rtol=1e-6)
