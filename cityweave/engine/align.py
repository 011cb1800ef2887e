"""Rasters on different grids brought onto the land cover's, as InVEST aligns its inputs.

Every InVEST urban model calls ``pygeoprocessing.align_and_resize_raster_stack`` with the land
cover first (``raster_align_index=0``), the land cover's cell size and projection, a bounding
box mode (``"intersection"``) and, for some models, vectors whose boxes join the intersection
(the AOI). This module does the same in two steps, with the same warper (``gdalwarp``, through
``rasterio.warp.reproject`` and the GDAL of rasterio's wheel):

``target_grid(land_cover, rasters, vectors)``
    the grid every input is resampled onto: the intersection (or union) of the boxes of the
    land cover, the other rasters and the vectors (each transformed to the land cover's
    projection), its lower-left corner moved onto a corner of the land cover's cells, the land
    cover's cell size and projection.
``resample(path, grid, method)``
    the raster of a file on that grid: read directly when the grid is the file's own grid or a
    window of it (gdalwarp returns the cells unchanged there, whatever the method), warped
    otherwise, reprojected when the file is in another projection; nodata kept.
``align(layers, vectors=...)``
    both, for a stack whose first layer is the land cover: InVEST's call.

The calls of the models, from InVEST 3.20's source (resampling methods, vectors; every one
intersects the boxes):

- Urban Flood Risk Mitigation: LULC ``mode``, soil groups ``mode``; the AOI watersheds.
- Urban Cooling: LULC ``mode``, ET0 ``cubicspline``; the AOI.
- Urban Stormwater Retention: LULC, soil groups and precipitation ``nearest``; no vector.
- Urban Nature Access: LULC ``nearest``, population ``population``; no vector, not snapped.

Urban Stormwater Retention uses a square cell of the mean of the land cover's two cell sides
(``cell_size``) and no target projection: InVEST then leaves each raster in its own projection
and intersects their boxes as they are, which only makes sense when they share one; here every
box is transformed and every raster reprojected to the land cover's projection, which gives
InVEST's result whenever the projections are the same. Urban Nature Access intersects the raw
boxes of the land cover and the population without moving the corner onto the land cover's
cells (``snap=False``) and resamples the population with ``method="population"``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from rasterio.crs import CRS
from rasterio.enums import Resampling
from rasterio.transform import Affine
from rasterio.warp import reproject, transform

from cityweave.engine import io
from cityweave.engine.errors import EngineInputError

Box = tuple[float, float, float, float]  # min x, min y, max x, max y

# Resampling methods by their names in InVEST's calls (gdalwarp's -r names, and "nearest").
METHODS = {
    "nearest": Resampling.nearest,
    "near": Resampling.nearest,
    "mode": Resampling.mode,
    "bilinear": Resampling.bilinear,
    "cubic": Resampling.cubic,
    "cubicspline": Resampling.cubic_spline,
    "average": Resampling.average,
}
# People per cell resampled without losing or gaining people: InVEST's
# ``natcap.invest.utils.resample_population_raster`` (density, bilinear, counts).
POPULATION = "population"
POPULATION_NODATA = float(np.finfo(np.float32).max)  # pygeoprocessing.choose_nodata(float32)
# pygeoprocessing.warp_raster keeps a cell count when the box is that many cells wide within
# numpy.isclose's default absolute tolerance, and adds a cell otherwise.
_WHOLE_CELLS_ATOL = 1e-8
# A grid whose corner is within this fraction of a cell from a corner of a raster's cells, with
# the same cell size and projection, is read as a window of it.
_WINDOW_TOLERANCE = 1e-6
# pygeoprocessing.transform_bounding_box: points sampled along each edge of a box.
_EDGE_SAMPLES = 11


@dataclass(frozen=True)
class Layer:
    """One raster of a stack to align: its file, its resampling method (a key of ``METHODS``
    or ``POPULATION``) and whether it must hold integer codes (land cover, soil groups)."""

    path: str | Path
    method: str
    integer: bool = False


def align(
    layers: Sequence[Layer],
    *,
    vectors: Sequence[str | Path] = (),
    mode: str = "intersection",
    cell_size: tuple[float, float] | None = None,
) -> list[io.Raster]:
    """The layers on one grid, the first being the land cover: InVEST's
    ``align_and_resize_raster_stack(paths, ..., methods, land cover's cell size, mode,
    base_vector_path_list=vectors, raster_align_index=0, target_projection_wkt=land cover's)``.
    Raises ``EngineInputError`` naming the file that does not overlap the land cover."""
    if not layers:
        raise ValueError("align needs at least the land cover")
    grid = target_grid(
        layers[0].path,
        [layer.path for layer in layers[1:]],
        vectors,
        mode=mode,
        cell_size=cell_size,
    )
    return [resample(layer.path, grid, layer.method, integer=layer.integer) for layer in layers]


def target_grid(
    land_cover: str | Path,
    rasters: Sequence[str | Path] = (),
    vectors: Sequence[str | Path] = (),
    *,
    mode: str = "intersection",
    snap: bool = True,
    cell_size: tuple[float, float] | None = None,
) -> io.Grid:
    """The grid InVEST aligns the inputs onto, in the land cover's projection.

    1. The box of every raster (the land cover's included) and of the first layer of every
       vector, transformed to the land cover's projection by sampling 11 points along each
       edge (``pygeoprocessing.transform_bounding_box``); their intersection or union
       (``merge_bounding_box_list``).
    2. With ``snap``, its minimum x and y moved onto the land cover's cell corners:
       ``x = x_lc + int((x - x_lc) / a) * a`` and ``y = y_lc + int((y - y_lc) / e) * e``, with
       ``(x_lc, y_lc)`` the land cover's lower-left corner, ``a`` and ``e`` its cell width and
       (negative) height and ``int`` truncating towards zero (``raster_align_index``).
    3. ``n = int(width / a)`` columns, one more unless ``n * a`` equals the width within
       1e-8 (``warp_raster``); rows likewise; the box's top is ``y + rows * |e|``.

    ``cell_size`` is (width, height) of the target cells, the land cover's by default.
    Raises ``EngineInputError`` naming the file whose box does not overlap the land cover's,
    or the files that have no area in common. InVEST accepts a box of no area and makes a
    raster of one cell; here it is refused."""
    if mode not in ("intersection", "union"):
        raise ValueError(f"mode must be 'intersection' or 'union', not {mode!r}")
    base = _raster_box(land_cover)
    transform_ = base["transform"]
    if transform_.b != 0 or transform_.d != 0:
        raise EngineInputError(
            str(land_cover), "the raster is rotated; the models need a north-up land cover"
        )
    crs: CRS = io._projected(base["crs"], str(land_cover))
    boxes: list[tuple[str, Box, str]] = [(str(land_cover), base["box"], "raster")]
    for path in rasters:
        info = _raster_box(path)
        boxes.append((str(path), _to_crs(info["box"], info["crs"], crs, str(path)), "raster"))
    for path in vectors:
        box, vector_crs = _vector_box(path)
        boxes.append((str(path), _to_crs(box, vector_crs, crs, str(path)), "vector"))
    merged = _merge([box for _, box, _ in boxes], mode)
    if merged[2] <= merged[0] or merged[3] <= merged[1]:
        _no_overlap(boxes)
    a, e = transform_.a, transform_.e
    minx, miny, maxx, maxy = merged
    if snap:
        lc_minx, lc_miny = base["box"][0], base["box"][1]
        minx = int((minx - lc_minx) / float(a)) * a + lc_minx
        miny = int((miny - lc_miny) / float(e)) * e + lc_miny
    width_cell, height_cell = cell_size if cell_size is not None else (a, e)
    columns = _cells(maxx - minx, width_cell)
    rows = _cells(maxy - miny, height_cell)
    top = miny + abs(height_cell * rows)
    return io.Grid(
        width=columns,
        height=rows,
        transform=Affine(abs(width_cell), 0.0, minx, 0.0, -abs(height_cell), top),
        crs=crs,
    )


def resample(path: str | Path, grid: io.Grid, method: str, *, integer: bool = False) -> io.Raster:
    """The raster of ``path`` on ``grid``, resampled by ``method`` (a key of ``METHODS``, or
    ``POPULATION``), as ``gdal.Warp`` makes it for ``pygeoprocessing.warp_raster``: the
    file's data type and nodata value, nodata (0 when the file has none) where the file has
    no data, reprojected to the grid's projection when the file's differs.

    When the grid is the file's own grid or a window of it (same projection and cell size,
    corner on one of its cell corners), the cells are read as they are: gdalwarp returns them
    unchanged there (checked with GDAL 3.6: on the file's own grid for nearest, mode,
    bilinear, cubic, cubic spline and average, on a window of it for mode, bilinear and cubic
    spline). ``integer`` requires whole-number codes. Raises
    ``EngineInputError`` naming the file when it cannot be read or has no valid cell on the
    grid."""
    shown = str(path)
    if method != POPULATION and method not in METHODS:
        raise ValueError(f"unknown resampling method {method!r}; one of {sorted(METHODS)}")
    with _open(path) as dataset:
        if dataset.crs is None:
            raise EngineInputError(shown, "the raster has no coordinate reference system")
        if integer and not np.issubdtype(np.dtype(dataset.dtypes[0]), np.integer):
            raise EngineInputError(
                shown, f"holds {dataset.dtypes[0]} values; expected integer codes"
            )
        own = io.Grid(dataset.width, dataset.height, dataset.transform, dataset.crs)
        if method == POPULATION:
            values, nodata = _population(dataset, grid, shown)
        elif own.same_as(grid):
            return io.read_raster(path, integer=integer)
        else:
            offset = _window_offset(own, grid)
            nodata = dataset.nodata
            if offset is not None:
                values = _read_window(dataset, grid, offset)
            else:
                values = _warp(dataset, grid, METHODS[method])
    raster = io.Raster(values=values, grid=grid, nodata=nodata, path=shown)
    if not raster.valid.any():
        raise EngineInputError(shown, "has no valid cell on the land cover's grid")
    return raster


def _open(path: str | Path) -> Any:
    try:
        return rasterio.open(path, num_threads=io.READ_THREADS)
    except rasterio.errors.RasterioIOError as error:
        raise EngineInputError(str(path), f"cannot be read as a raster ({error})") from None


def _raster_box(path: str | Path) -> dict[str, Any]:
    """The raster's box as ``pygeoprocessing.get_raster_info`` computes it: the min and max
    of the corner at the origin and the corner opposite it, with its transform and CRS."""
    with _open(path) as dataset:
        t, width, height, crs = dataset.transform, dataset.width, dataset.height, dataset.crs
    if crs is None:
        raise EngineInputError(str(path), "the raster has no coordinate reference system")
    xs = (t.c, t.c + width * t.a + height * t.b)
    ys = (t.f, t.f + width * t.d + height * t.e)
    box = (min(xs), min(ys), max(xs), max(ys))
    return {"box": box, "transform": t, "crs": crs}


def _vector_box(path: str | Path) -> tuple[Box, CRS]:
    """The extent of the vector's first layer (OGR's ``GetExtent``, as
    ``pygeoprocessing.get_vector_info``) and its CRS."""
    import pyogrio

    shown = str(path)
    try:
        info = pyogrio.read_info(path, force_total_bounds=True)
    except Exception as error:  # pyogrio raises its own DataSourceError/DataLayerError
        raise EngineInputError(shown, f"cannot be read as a vector layer ({error})") from None
    if info.get("crs") is None:
        raise EngineInputError(shown, "the layer has no coordinate reference system")
    bounds = info.get("total_bounds")
    if bounds is None or not info.get("features"):
        raise EngineInputError(shown, "the layer has no features")
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    return (minx, miny, maxx, maxy), CRS.from_user_input(info["crs"])


def _to_crs(box: Box, source: CRS, target: CRS, path: str) -> Box:
    """``pygeoprocessing.transform_bounding_box``: the smallest box holding 11 points of each
    edge, transformed (x then y, the traditional GIS order)."""
    if source == target:
        return box
    minx, miny, maxx, maxy = box
    corners = [(minx, maxy), (minx, miny), (maxx, miny), (maxx, maxy)]  # 0 1 2 3 as in it
    steps = np.linspace(0, 1, _EDGE_SAMPLES)
    found: list[float] = []
    for (a, b), pick, axis in (
        ((0, 1), min, 0),
        ((1, 2), min, 1),
        ((2, 3), max, 0),
        ((3, 0), max, 1),
    ):
        pa, pb = np.array(corners[a]), np.array(corners[b])
        points = [pa * v + pb * (1 - v) for v in steps]
        xs, ys = transform(source, target, [p[0] for p in points], [p[1] for p in points])
        found.append(pick((xs, ys)[axis]))
    left, right = sorted((found[0], found[2]))
    bottom, top = sorted((found[1], found[3]))
    if not all(math.isfinite(v) for v in (left, bottom, right, top)):
        raise EngineInputError(
            path,
            f"its bounding box cannot be transformed from {source.to_string()} to the land "
            f"cover's projection ({target.to_string()})",
        )
    return (left, bottom, right, top)


def _merge(boxes: Sequence[Box], mode: str) -> Box:
    """``pygeoprocessing.merge_bounding_box_list``: the intersection or union of the boxes."""
    if mode == "intersection":
        return (
            max(b[0] for b in boxes),
            max(b[1] for b in boxes),
            min(b[2] for b in boxes),
            min(b[3] for b in boxes),
        )
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _no_overlap(boxes: Sequence[tuple[str, Box, str]]) -> None:
    """Raise the error naming the first file whose box misses the land cover's, or the files
    with no area in common."""
    land_cover, base, _ = boxes[0]
    for path, box, kind in boxes[1:]:
        common = _merge([base, box], "intersection")
        if common[2] <= common[0] or common[3] <= common[1]:
            what = "its bounding box" if kind == "vector" else "the raster"
            raise EngineInputError(
                path,
                f"{what} ({_shown(box)}, in the land cover's projection) does not overlap the "
                f"land cover {land_cover} ({_shown(base)})",
            )
    names = ", ".join(path for path, _, _ in boxes[1:])
    raise EngineInputError(
        names,
        f"these files have no area in common with one another and the land cover {land_cover}",
    )


def _shown(box: Box) -> str:
    return f"x {box[0]:.1f} to {box[2]:.1f}, y {box[1]:.1f} to {box[3]:.1f}"


def _cells(length: float, cell: float) -> int:
    """Whole cells of ``cell`` covering ``length`` (``pygeoprocessing.warp_raster``): at least
    one."""
    count = int(abs(float(length) / cell))
    if abs(abs(count * cell) - length) > _WHOLE_CELLS_ATOL:
        count += 1
    return max(count, 1)


def _window_offset(own: io.Grid, grid: io.Grid) -> tuple[int, int] | None:
    """(row, column) of ``grid``'s top-left cell on ``own`` when ``grid`` is a window of it,
    possibly reaching past its edges; None otherwise."""
    a, b = own.transform, grid.transform
    if own.crs != grid.crs or a.b != 0 or a.d != 0 or b.b != 0 or b.d != 0:
        return None
    if not (math.isclose(a.a, b.a, rel_tol=1e-12) and math.isclose(a.e, b.e, rel_tol=1e-12)):
        return None
    column = (b.c - a.c) / a.a
    row = (b.f - a.f) / a.e
    if abs(column - round(column)) > _WINDOW_TOLERANCE or abs(row - round(row)) > _WINDOW_TOLERANCE:
        return None
    return round(row), round(column)


def _read_window(dataset: Any, grid: io.Grid, offset: tuple[int, int]) -> np.ndarray:
    """The cells of ``grid`` read from ``dataset`` at ``offset``, nodata (or 0) past its
    edges."""
    from rasterio.windows import Window

    row, column = offset
    fill = dataset.nodata if dataset.nodata is not None else 0
    values = np.full((grid.height, grid.width), fill, dtype=dataset.dtypes[0])
    r0, r1 = max(row, 0), min(row + grid.height, dataset.height)
    c0, c1 = max(column, 0), min(column + grid.width, dataset.width)
    if r1 > r0 and c1 > c0:
        values[r0 - row : r1 - row, c0 - column : c1 - column] = dataset.read(
            1, window=Window(c0, r0, c1 - c0, r1 - r0)
        )
    return values


def _warp(dataset: Any, grid: io.Grid, method: Resampling) -> np.ndarray:
    """``gdal.Warp`` of band 1 onto ``grid``: the band's type, its nodata as source and
    destination nodata (the destination starts as nodata, or 0 without one)."""
    fill = dataset.nodata if dataset.nodata is not None else 0
    values = np.full((grid.height, grid.width), fill, dtype=dataset.dtypes[0])
    reproject(
        rasterio.band(dataset, 1),
        values,
        dst_transform=grid.transform,
        dst_crs=grid.crs,
        resampling=method,
        num_threads=1,
    )
    return values


def _nodata_mask(values: np.ndarray, nodata: float | None) -> np.ndarray:
    """``pygeoprocessing.array_equals_nodata``: equal for integers, ``numpy.isclose`` (NaN
    equal to NaN) for floats."""
    if nodata is None:
        return np.zeros(values.shape, dtype=bool)
    if np.issubdtype(values.dtype, np.integer):
        return np.asarray(values == nodata)
    return np.isclose(values, nodata, equal_nan=True)


def _population(dataset: Any, grid: io.Grid, shown: str) -> tuple[np.ndarray, float]:
    """People per cell on ``grid`` (``natcap.invest.utils.resample_population_raster``):
    density ``d = N / A_src`` (people per km², ``A_src`` = the file's cell area in km², float32),
    warped bilinear onto the grid, then ``N' = d' x A_grid``. Both areas are the product of the
    signed cell width and height, as InVEST computes them, so their signs cancel. Nodata is
    float32's largest value (``pygeoprocessing.choose_nodata``)."""
    io._projected(dataset.crs, shown)
    t = dataset.transform
    source_area_km2 = (t.a * t.e) / 1e6
    people = dataset.read(1)
    missing = _nodata_mask(people, dataset.nodata)
    density = np.full(people.shape, POPULATION_NODATA, dtype=np.float32)
    density[~missing] = people[~missing].astype(np.float64) / source_area_km2
    warped = np.full((grid.height, grid.width), POPULATION_NODATA, dtype=np.float32)
    reproject(
        density,
        warped,
        src_transform=t,
        src_crs=dataset.crs,
        src_nodata=POPULATION_NODATA,
        dst_transform=grid.transform,
        dst_crs=grid.crs,
        dst_nodata=POPULATION_NODATA,
        resampling=Resampling.bilinear,
        num_threads=1,
    )
    g = grid.transform
    target_area_km2 = (g.a * g.e) / 1e6
    valid = ~_nodata_mask(warped, POPULATION_NODATA)
    counts = np.full(warped.shape, POPULATION_NODATA, dtype=np.float32)
    counts[valid] = warped[valid].astype(np.float64) * target_area_km2
    return counts, POPULATION_NODATA
