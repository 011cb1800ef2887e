"""Rasters on different grids brought onto the land cover's: small cases worked out by hand,
and pygeoprocessing's own alignments (``benchmarks/align_fixtures.py`` made them with
pygeoprocessing 2.4.11 and GDAL 3.6.2 and recorded the calls in ``align.json``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
from rasterio.crs import CRS
from rasterio.transform import Affine

from cityweave.engine import align, io
from cityweave.engine.errors import EngineInputError
from tests.engine.conftest import write_tif

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "align"
META = json.loads((FIXTURES / "align.json").read_text())
ALIGN_CASES = [name for name in META["cases"] if name != "urban_flood_risk_mitigation"]
X0, Y0 = 500_000.0, 5_000_000.0  # the top-left corner write_tif gives every raster


def write_aoi(path: Path, left: float, bottom: float, right: float, top: float) -> Path:
    from shapely.geometry import box

    layer = io.Polygons(
        [box(left, bottom, right, top)],
        {"id": np.array([1], dtype=np.int32)},
        CRS.from_epsg(32633),
        "aoi",
    )
    return io.write_polygons(path, layer, {})


def lulc_4x4(folder: Path) -> Path:
    """4 x 4 cells of 10 m: x 500000 to 500040, y 4999960 to 5000000."""
    return write_tif(folder / "lulc.tif", np.arange(16, dtype=np.int16).reshape(4, 4), nodata=-1)


def test_target_grid_by_hand(folder: Path) -> None:
    """Worked by hand: the land cover spans x 500000-500040, y 4999960-5000000; the other
    raster (2 x 2 cells of 30 m, corner at (500013, 5000004)) spans x 500013-500073,
    y 4999944-5000004. Intersection: x 500013-500040, y 4999960-5000000. The west edge moves
    onto the land cover's cells: 500000 + int(13 / 10) x 10 = 500010; the south edge is
    already on them. Width 30 m = 3 cells, height 40 m = 4 cells, top 4999960 + 40."""
    other = write_tif(
        folder / "other.tif",
        np.array([[1, 2], [3, 4]], dtype=np.int16),
        cell=30.0,
        origin=(X0 + 13, Y0 + 4),
        nodata=-1,
    )
    grid = align.target_grid(lulc_4x4(folder), [other])
    assert (grid.width, grid.height) == (3, 4)
    assert grid.transform == Affine(10.0, 0.0, 500_010.0, 0.0, -10.0, 5_000_000.0)
    assert grid.crs == CRS.from_epsg(32633)
    # Nearest neighbour: the cell centres x 500015, 500025, 500035 fall in the other raster's
    # column 0 ((x - 500013) / 30 = 0.07, 0.4, 0.73); the centres y 4999995 ... 4999965 in
    # its rows (5000004 - y) / 30 = 0.3, 0.63, 0.97, 1.3 → 0, 0, 0, 1.
    raster = align.resample(other, grid, "nearest")
    np.testing.assert_array_equal(raster.values, [[1, 1, 1], [1, 1, 1], [1, 1, 1], [3, 3, 3]])
    assert raster.nodata == -1 and raster.path == str(other)


def test_union_moves_a_west_edge_past_the_land_cover_inwards(folder: Path) -> None:
    """pygeoprocessing truncates towards zero: a union reaching 13 m west of the land cover
    starts at 500000 + int(-13 / 10) x 10 = 499990, one cell west (the 3 m strip past it is
    left out); 13 m north, the south edge stays at 4999960 and the top is 4999960 + 6 x 10
    (the height 53 m needs 6 cells)."""
    other = write_tif(
        folder / "other.tif", np.ones((2, 2), dtype=np.int16), cell=20.0, origin=(X0 - 13, Y0 + 13)
    )
    grid = align.target_grid(lulc_4x4(folder), [other], mode="union")
    assert grid.transform == Affine(10.0, 0.0, 499_990.0, 0.0, -10.0, 5_000_020.0)
    assert (grid.width, grid.height) == (5, 6)
    # The land cover on that grid: its own cells, nodata one column west and two rows north.
    lulc = align.resample(folder / "lulc.tif", grid, "mode")
    expected = np.full((6, 5), -1, dtype=np.int16)
    expected[2:, 1:] = np.arange(16).reshape(4, 4)
    np.testing.assert_array_equal(lulc.values, expected)


def test_a_window_of_the_file_is_read_without_warping(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_warp(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("warped a raster that lies on the grid")

    monkeypatch.setattr(align, "reproject", no_warp)
    path = lulc_4x4(folder)
    grid = io.Grid(2, 3, Affine(10.0, 0.0, X0 + 20, 0.0, -10.0, Y0 - 10), CRS.from_epsg(32633))
    for method in ("mode", "cubicspline", "bilinear"):
        raster = align.resample(path, grid, method)
        np.testing.assert_array_equal(raster.values, np.arange(16).reshape(4, 4)[1:4, 2:4])
    same = align.resample(path, io.read_raster(path).grid, "cubicspline")
    np.testing.assert_array_equal(same.values, np.arange(16).reshape(4, 4))


def test_population_keeps_the_people(folder: Path) -> None:
    """90 people in each 30 m cell: 90 / 0.0009 km² = 100,000 people/km² everywhere, so each
    10 m cell holds 100,000 x 0.0001 = 10 people and the 9 x 9 cells the 810 of the 3 x 3."""
    people = write_tif(
        folder / "people.tif", np.full((3, 3), 90, dtype=np.float32), cell=30.0, nodata=-1.0
    )
    grid = io.Grid(9, 9, Affine(10.0, 0.0, X0, 0.0, -10.0, Y0), CRS.from_epsg(32633))
    raster = align.resample(people, grid, align.POPULATION)
    np.testing.assert_allclose(raster.values, 10.0, rtol=1e-6)
    assert raster.values.sum() == pytest.approx(810.0, rel=1e-6)
    assert raster.nodata == align.POPULATION_NODATA


def test_an_aoi_outside_the_land_cover_is_named(folder: Path) -> None:
    aoi = write_aoi(folder / "aoi.shp", X0 + 1000, Y0 - 100, X0 + 1100, Y0)
    with pytest.raises(EngineInputError, match=r"aoi\.shp: its bounding box .* does not overlap"):
        align.target_grid(lulc_4x4(folder), [], [aoi])


def test_a_raster_outside_the_land_cover_is_named(folder: Path) -> None:
    far = write_tif(folder / "far.tif", np.ones((2, 2), dtype=np.int16), origin=(X0, Y0 + 500))
    with pytest.raises(EngineInputError, match=r"far\.tif: the raster .* does not overlap"):
        align.target_grid(lulc_4x4(folder), [far])


def test_files_with_no_area_in_common_are_named_together(folder: Path) -> None:
    # Each overlaps the land cover (west and east halves) but not the other.
    west = write_tif(folder / "west.tif", np.ones((4, 1), dtype=np.int16))
    east = write_tif(folder / "east.tif", np.ones((4, 1), dtype=np.int16), origin=(X0 + 30, Y0))
    with pytest.raises(EngineInputError, match=r"west\.tif, .*east\.tif: these files have no area"):
        align.target_grid(lulc_4x4(folder), [west, east])


def test_a_rotated_or_geographic_land_cover_is_refused(folder: Path) -> None:
    path = lulc_4x4(folder)
    with rasterio.open(path, "r+") as dataset:
        dataset.transform = Affine(10.0, 1.0, X0, 0.0, -10.0, Y0)
    with pytest.raises(EngineInputError, match=r"lulc\.tif: the raster is rotated"):
        align.target_grid(path)
    degrees = write_tif(folder / "deg.tif", np.ones((2, 2), dtype=np.int16), crs="EPSG:4326")
    with pytest.raises(EngineInputError, match=r"deg\.tif: its coordinate reference system"):
        align.target_grid(degrees)


def test_a_raster_without_valid_cells_on_the_grid_is_refused(folder: Path) -> None:
    values = np.full((4, 4), -1, dtype=np.int16)
    values[0, 3] = 2  # the only valid cell lies east of the grid below
    soil = write_tif(folder / "soil.tif", values, nodata=-1)
    grid = io.Grid(2, 2, Affine(10.0, 0.0, X0, 0.0, -10.0, Y0), CRS.from_epsg(32633))
    with pytest.raises(EngineInputError, match=r"soil\.tif: has no valid cell"):
        align.resample(soil, grid, "nearest")


def test_integer_codes_and_methods_are_checked(folder: Path) -> None:
    floats = write_tif(folder / "f.tif", np.ones((2, 2), dtype=np.float32), nodata=-1.0)
    grid = io.read_raster(floats).grid
    with pytest.raises(EngineInputError, match=r"f\.tif: holds float32 values"):
        align.resample(floats, grid, "mode", integer=True)
    with pytest.raises(ValueError, match="unknown resampling method 'lanczos'"):
        align.resample(floats, grid, "lanczos")


def reference(name: str, output: str) -> tuple[np.ndarray, io.Grid, float | None]:
    with rasterio.open(FIXTURES / name / "outputs" / output) as dataset:
        grid = io.Grid(dataset.width, dataset.height, dataset.transform, dataset.crs)
        return dataset.read(1), grid, dataset.nodata


def fixture_grid(name: str) -> io.Grid:
    case = META["cases"][name]
    inputs = FIXTURES / name / "inputs"
    return align.target_grid(
        inputs / case["rasters"][0],
        [inputs / path for path in case["rasters"][1:]],
        [inputs / path for path in case["vectors"]],
        mode=case["mode"],
        snap=case["raster_align_index"] is not None,
    )


def test_fixtures_were_made_by_invest_320() -> None:
    assert META["invest_version"].startswith("3.20"), META["invest_version"]
    assert META["pygeoprocessing_version"] == "2.4.11"


@pytest.mark.parametrize("name", ALIGN_CASES)
def test_target_grid_matches_pygeoprocessing(name: str) -> None:
    grid = fixture_grid(name)
    for output in META["cases"][name]["outputs"]:
        _, theirs, _ = reference(name, output)
        assert (grid.width, grid.height) == (theirs.width, theirs.height), output
        assert tuple(grid.transform) == tuple(theirs.transform), output  # exactly
        assert grid.crs == theirs.crs


@pytest.mark.parametrize(("name", "index"), [(name, i) for name in ALIGN_CASES for i in range(2)])
def test_resampled_rasters_match_pygeoprocessing(name: str, index: int) -> None:
    """Same nodata cells, values within 1e-5 (in these cases they are equal)."""
    case = META["cases"][name]
    grid = fixture_grid(name)
    ours = align.resample(
        FIXTURES / name / "inputs" / case["rasters"][index], grid, case["methods"][index]
    )
    values, _, nodata = reference(name, case["outputs"][index])
    assert ours.nodata == nodata
    assert ours.values.dtype == values.dtype
    theirs_valid = values != nodata
    np.testing.assert_array_equal(ours.valid, theirs_valid)
    np.testing.assert_allclose(
        ours.values[ours.valid].astype(np.float64),
        values[theirs_valid].astype(np.float64),
        rtol=1e-5,
        atol=1e-5,
    )


def test_every_fixture_case_is_compared() -> None:
    assert set(ALIGN_CASES) == {
        "cooling_et0",
        "soil_other_zone",
        "aoi_smaller",
        "union_near",
        "population",
    }
