"""Zonal statistics of continuous rasters over polygons, checked by hand."""

from __future__ import annotations

import numpy as np
from rasterio.crs import CRS
from rasterio.transform import from_origin
from shapely.geometry import box

from cityweave.engine.io import Grid
from cityweave.engine.zonal import zonal_statistics

GRID = Grid(4, 4, from_origin(0.0, 40.0, 10.0, 10.0), CRS.from_epsg(32633))
VALUES = np.arange(16, dtype=np.float64).reshape(4, 4)


def test_sums_and_counts_by_cell_centre_with_overlapping_polygons() -> None:
    valid = np.ones((4, 4), dtype=bool)
    valid[0, 0] = False
    polygons = [
        box(0, 20, 20, 40),  # the top-left 2 x 2 cells: 0 (nodata), 1, 4, 5
        box(10, 20, 30, 40),  # overlaps the first: cells 1, 2, 5, 6
        box(0, 0, 40, 12),  # the bottom row's centres (y = 5): 12..15
    ]
    stats = zonal_statistics(polygons, GRID.crs, GRID, {"v": VALUES}, valid)
    np.testing.assert_array_equal(stats.count, [3, 4, 4])
    np.testing.assert_allclose(stats.sums["v"], [1 + 4 + 5, 1 + 2 + 5 + 6, 12 + 13 + 14 + 15])
    np.testing.assert_allclose(stats.mean("v"), [10 / 3, 3.5, 13.5])


def test_a_polygon_covering_no_cell_centre_takes_the_cells_under_its_box() -> None:
    valid = np.ones((4, 4), dtype=bool)
    tiny = box(11, 31, 13, 33)  # inside cell (0, 1) but away from its centre (15, 35)
    outside = box(100, 100, 110, 110)
    stats = zonal_statistics([tiny, outside], GRID.crs, GRID, {"v": VALUES}, valid)
    np.testing.assert_array_equal(stats.count, [1, 0])
    assert stats.sums["v"][0] == 1.0
    assert np.isnan(stats.mean("v")[1])


def test_geojson_burns_the_same_cells_as_the_shapes_themselves() -> None:
    from rasterio.features import rasterize
    from shapely.geometry import MultiPolygon, Point, Polygon

    from cityweave.engine.zonal import geojson

    transform = from_origin(0.0, 100.0, 1.0, 1.0)
    ring = Polygon([(5, 95), (40, 97), (35, 60), (8, 55)], holes=[[(15, 85), (25, 85), (20, 70)]])
    shapes = [
        ring,
        MultiPolygon([box(50, 50, 70, 70), box(75, 10, 95, 40)]),
        Point(3, 3).buffer(2.5),
        Polygon(),  # empty: passed through as it is
        box(60, 80, 90, 95),
    ]
    mappings = geojson(shapes)
    assert mappings[3] is shapes[3]
    assert mappings[1]["type"] == "MultiPolygon" and len(mappings[1]["coordinates"]) == 2
    assert len(mappings[0]["coordinates"][0]) == 2  # the exterior ring and its hole
    kept = [i for i, shape in enumerate(shapes) if not shape.is_empty]
    mine = rasterize(
        ((mappings[i], i + 1) for i in kept), out_shape=(100, 100), transform=transform
    )
    theirs = rasterize(
        ((shapes[i], i + 1) for i in kept), out_shape=(100, 100), transform=transform
    )
    assert (theirs > 0).sum() > 2000  # every shape burns cells
    np.testing.assert_array_equal(mine, theirs)
