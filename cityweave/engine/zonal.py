"""Sums and means of rasters over polygons (watersheds, districts): InVEST's zonal statistics.

A cell belongs to a polygon when its centre lies inside it (GDAL's rasterisation rule, which
``pygeoprocessing.zonal_statistics`` uses); each polygon is rasterised on its own, so polygons
may overlap. Polygons in another projection are first transformed to the raster's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from rasterio.crs import CRS
from rasterio.features import geometry_mask
from rasterio.warp import transform_geom
from rasterio.windows import Window, from_bounds
from shapely.geometry import mapping

from cityweave.engine.io import Grid


def zone_counts(
    geometries: list[Any],
    crs: CRS,
    grid: Grid,
    index: np.ndarray,
    valid: np.ndarray,
    size: int,
) -> list[np.ndarray]:
    """For each polygon, how many of its valid cells hold each value of ``index`` (0 to
    ``size`` - 1): when every output is a value per index (a land-cover class, a class and soil
    pair), a polygon's sum of an output is ``counts @ values`` and its mean that sum over
    ``counts.sum()``, with no per-cell raster kept in memory."""
    results = []
    for geometry in geometries:
        shape = mapping(geometry)
        if crs != grid.crs:
            shape = transform_geom(crs, grid.crs, shape)
        window = _window(shape, grid)
        if window is None:
            results.append(np.zeros(size, dtype=np.int64))
            continue
        rows = slice(window.row_off, window.row_off + window.height)
        cols = slice(window.col_off, window.col_off + window.width)
        transform = grid.transform * grid.transform.translation(window.col_off, window.row_off)
        inside = ~geometry_mask(
            [shape], out_shape=(window.height, window.width), transform=transform
        )
        inside &= valid[rows, cols]
        results.append(np.bincount(index[rows, cols][inside], minlength=size)[:size])
    return results


def _window(shape: Mapping[str, Any], grid: Grid) -> Window | None:
    """The cells of ``grid`` under the polygon's bounding box, or None when it misses them."""
    coordinates = np.array(_points(shape["coordinates"]))
    left, bottom = coordinates.min(axis=0)
    right, top = coordinates.max(axis=0)
    window = from_bounds(left, bottom, right, top, transform=grid.transform)
    col0 = max(0, int(np.floor(window.col_off)))
    row0 = max(0, int(np.floor(window.row_off)))
    col1 = min(grid.width, int(np.ceil(window.col_off + window.width)))
    row1 = min(grid.height, int(np.ceil(window.row_off + window.height)))
    if col1 <= col0 or row1 <= row0:
        return None
    return Window(col0, row0, col1 - col0, row1 - row0)


def _points(coordinates: Any) -> list[tuple[float, float]]:
    if isinstance(coordinates[0], int | float):
        return [(float(coordinates[0]), float(coordinates[1]))]
    points: list[tuple[float, float]] = []
    for part in coordinates:
        points.extend(_points(part))
    return points
