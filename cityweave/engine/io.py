"""Reading and writing the engine's files, in InVEST's formats: GeoTIFF rasters and CSV tables
with InVEST's column names. The only module of the engine that touches files.

Every problem with an input is an ``EngineInputError`` naming the file and what is wrong.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio.raw
import rasterio
import shapely
from rasterio.crs import CRS
from rasterio.transform import Affine
from rasterio.windows import Window

from cityweave.engine.errors import EngineInputError
from cityweave.engine.lookup import gather

# Outputs: tiled (256 x 256) and compressed GeoTIFFs, as InVEST writes them. ZSTD at level 1 on
# every core: a 4000 x 4000 float32 air temperature wrote in 0.15 s (26 MB with the
# floating-point predictor), where DEFLATE level 1 took 0.37 s (44 MB), LZW 0.34 s (48 MB) and
# no compression 0.06 s (67 MB). The predictor suits smooth fields only: on runoff, a value per
# class and soil group, it gave 47 MB against 13 MB without. Any GDAL since 2.3 reads ZSTD.
GTIFF_PROFILE = {
    "driver": "GTiff",
    "tiled": True,
    "blockxsize": 256,
    "blockysize": 256,
    "compress": "zstd",
    "zstd_level": 1,
    "num_threads": "ALL_CPUS",
    "BIGTIFF": "IF_SAFER",
}
FLOAT_NODATA = float(np.finfo(np.float32).min)
# Inputs are decompressed on every core (GDAL's NUM_THREADS open option): a 4000 x 4000 land
# cover read in 0.017 s instead of 0.030 s.
READ_THREADS = "ALL_CPUS"


@dataclass(frozen=True)
class Grid:
    """Where a raster's cells lie: size, transform and projection."""

    width: int
    height: int
    transform: Affine
    crs: CRS

    @property
    def cell_area_m2(self) -> float:
        """|a·e - b·d| of the affine transform: the area of one cell in square metres."""
        t = self.transform
        return abs(t.a * t.e - t.b * t.d)

    @property
    def cell_size(self) -> float:
        return math.sqrt(self.cell_area_m2)

    def same_as(self, other: Grid) -> bool:
        return (
            (self.width, self.height) == (other.width, other.height)
            and self.transform.almost_equals(other.transform)
            and self.crs == other.crs
        )


@dataclass(frozen=True)
class Raster:
    """A raster read into memory: its values, its grid and the mask of its nodata cells."""

    values: np.ndarray
    grid: Grid
    nodata: float | int | None
    path: str

    @cached_property
    def valid(self) -> np.ndarray:
        """Cells that hold data; computed once and read-only (callers combine it into new
        masks, never change it)."""
        mask = data_mask(self.values, self.nodata)
        mask.setflags(write=False)
        return mask


def data_mask(values: np.ndarray, nodata: float | int | None) -> np.ndarray:
    """Cells of ``values`` that are not ``nodata`` (a NaN nodata matches NaN cells; no nodata
    value: every cell)."""
    if nodata is None:
        return np.ones(values.shape, dtype=bool)
    if isinstance(nodata, float) and math.isnan(nodata):
        return ~np.isnan(values)
    return np.asarray(values != nodata)


def _projected(crs: CRS | None, path: str) -> CRS:
    if crs is None:
        raise EngineInputError(path, "the raster has no coordinate reference system")
    if crs.is_geographic:
        raise EngineInputError(
            path,
            f"its coordinate reference system ({crs.to_string()}) is geographic, in degrees; "
            "the models need a projected system in metres (reproject it, e.g. to a UTM zone)",
        )
    units = (crs.linear_units or "").lower()
    if units and units not in {"metre", "meter", "m", "metres", "meters"}:
        raise EngineInputError(path, f"its linear unit is {crs.linear_units!r}, not metres")
    return crs


def read_raster(path: str | Path, *, integer: bool = False) -> Raster:
    """Band 1 of a raster, with its grid; ``integer`` requires whole-number codes (land cover,
    soil groups)."""
    shown = str(path)
    try:
        with rasterio.open(path, num_threads=READ_THREADS) as dataset:
            values = dataset.read(1)
            grid = Grid(dataset.width, dataset.height, dataset.transform, dataset.crs)
            nodata = dataset.nodata
    except rasterio.errors.RasterioIOError as error:
        raise EngineInputError(shown, f"cannot be read as a raster ({error})") from None
    _projected(grid.crs, shown)
    if integer and not np.issubdtype(values.dtype, np.integer):
        raise EngineInputError(shown, f"holds {values.dtype} values; expected integer codes")
    raster = Raster(values=values, grid=grid, nodata=nodata, path=shown)
    if not raster.valid.any():
        raise EngineInputError(shown, "every cell is nodata")
    return raster


def raster_profile(
    grid: Grid, dtype: np.dtype[Any], nodata: float | int | None, *, smooth: bool = False
) -> dict[str, Any]:
    """The creation options of an output GeoTIFF on ``grid`` (``GTIFF_PROFILE``); ``smooth``
    floats (temperatures, distance-weighted means) get the floating-point predictor."""
    profile: dict[str, Any] = {
        **GTIFF_PROFILE,
        "width": grid.width,
        "height": grid.height,
        "count": 1,
        "dtype": dtype.name,
        "crs": grid.crs,
        "transform": grid.transform,
        "nodata": nodata,
    }
    if smooth and np.issubdtype(dtype, np.floating):
        profile["predictor"] = 3
    if grid.width < 256 or grid.height < 256:  # tiles must not be larger than the raster
        profile.update(tiled=False)
        profile.pop("blockxsize")
        profile.pop("blockysize")
    return profile


def write_raster(
    path: str | Path,
    values: np.ndarray,
    grid: Grid,
    *,
    nodata: float | int | None,
    smooth: bool = False,
    threads: int | None = None,
    where: np.ndarray | None = None,
    dtype: Any = None,
    rows: int = 512,
) -> Path:
    """``values`` as a GeoTIFF with the creation options of ``raster_profile``, compressed on
    ``threads`` threads (default: every core), in ``dtype`` (default: the values'). With
    ``where``, cells where it is False hold ``nodata``: set ``rows`` rows (two rows of tiles)
    at a time in a small strip, so neither ``values`` nor a masked copy of the whole raster
    is made."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out_type = values.dtype if dtype is None else np.dtype(dtype)
    profile = raster_profile(grid, out_type, nodata, smooth=smooth)
    if threads is not None:
        profile["num_threads"] = str(threads)
    with rasterio.open(path, "w", **profile) as dataset:
        if where is None and out_type == values.dtype:
            dataset.write(values, 1)
            return path
        fill = out_type.type(0 if nodata is None else nodata)
        for top in range(0, values.shape[0], rows):
            part = values[top : top + rows].astype(out_type, copy=True)
            if where is not None:
                np.copyto(part, fill, where=~where[top : top + rows])
            dataset.write(part, 1, window=Window(0, top, values.shape[1], part.shape[0]))
    return path


@contextmanager
def new_rasters(
    paths: Sequence[Path], grid: Grid, *, nodata: float
) -> Iterator[list[rasterio.io.DatasetWriter]]:
    """Float32 GeoTIFFs on ``grid`` open for writing window by window (``raster_profile``),
    closed on leaving; if anything fails inside, none of them is left behind."""
    profile = raster_profile(grid, np.dtype(np.float32), nodata)
    try:
        with ExitStack() as stack:
            datasets = []
            for path in paths:
                path.parent.mkdir(parents=True, exist_ok=True)
                datasets.append(stack.enter_context(rasterio.open(path, "w", **profile)))
            yield datasets
    except BaseException:
        for path in paths:
            path.unlink(missing_ok=True)
        raise


def write_gathered(
    outputs: Mapping[Path, np.ndarray],
    index: np.ndarray,
    grid: Grid,
    *,
    nodata: float,
    rows: int = 512,
) -> None:
    """Float32 rasters of values per index: ``values[index]`` for each output path, computed
    and written ``rows`` rows (two rows of tiles) at a time into one reused strip, GDAL
    compressing finished tiles on its own threads meanwhile. Each output's cells are touched
    once, in a few MB, where whole arrays would cost 64 MB each at 4000 x 4000 cells, mostly
    to map their pages in (decision 0010). If anything fails, no output is left behind."""
    tables = [values.astype(np.float32, copy=False) for values in outputs.values()]
    strip = np.empty((min(rows, grid.height), grid.width), dtype=np.float32)
    with new_rasters(list(outputs), grid, nodata=nodata) as datasets:
        for top in range(0, grid.height, rows):
            cells = index[top : top + rows]
            out = strip[: cells.shape[0]]
            window = Window(0, top, grid.width, cells.shape[0])
            for dataset, values in zip(datasets, tables, strict=True):
                gather(values, cells, out=out)
                dataset.write(out, 1, window=window)


class BackgroundWriter:
    """Writes rasters on threads of their own while the caller computes the next ones: GDAL
    compresses without holding Python's lock, so the writing mostly hides behind the
    arithmetic. Two files are written at once, each compressed on one thread: four 4000 x 4000
    float32 rasters took 0.73 s that way here, 0.90 s one after the other with GDAL
    compressing each on every core. Leaving the ``with`` block waits for every file (and
    re-raises the first error)."""

    def __init__(self, *, queued: int = 1, workers: int = 2) -> None:
        # At most ``queued + 1`` files are being written at once: with none queued, the one
        # file is compressed on every core rather than on one thread while another idles.
        workers = max(1, min(workers, queued + 1))
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="raster-writer")
        self._threads = 1 if workers > 1 else None  # GDAL's NUM_THREADS for each file
        self._pending: list[Future[Path]] = []
        self._queued = queued  # rasters waiting behind the one being written, at most
        # Arrays from ``buffer()``: each with the write that last used it (None: free).
        self._buffers: list[tuple[np.ndarray, Future[Path] | None]] = []

    def buffer(self, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        """An array to fill and hand to ``write``: one whose last write has finished, or a
        new one while fewer than two exist. Two arrays serve a whole run: fresh 64 MB arrays
        cost about 0.05 s each here just to map their pages in."""
        dtype = np.dtype(dtype)
        mine = [
            i
            for i, (array, _) in enumerate(self._buffers)
            if array.shape == shape and array.dtype == dtype
        ]
        for i in mine:
            array, future = self._buffers[i]
            if future is None or future.done():
                self._buffers[i] = (array, None)
                return array
        if len(mine) < 2:
            array = np.empty(shape, dtype=dtype)
            self._buffers.append((array, None))
            return array
        array, future = self._buffers[mine[0]]
        assert future is not None
        future.result()
        self._buffers[mine[0]] = (array, None)
        return array

    def write(
        self,
        path: str | Path,
        values: np.ndarray,
        grid: Grid,
        *,
        nodata: float | int | None,
        smooth: bool = False,
        where: np.ndarray | None = None,
        dtype: Any = None,
    ) -> Path:
        """Queues ``values`` (which the caller must not change afterwards, nor ``where``) and
        returns the path the raster will have; ``where`` and ``dtype`` as ``write_raster``
        takes them."""
        waiting = [f for f in self._pending if not f.done()]
        while len(waiting) > self._queued:  # keep memory bounded: wait for the oldest
            waiting.pop(0).result()
        future = self._pool.submit(
            write_raster,
            path,
            values,
            grid,
            nodata=nodata,
            smooth=smooth,
            threads=self._threads,
            where=where,
            dtype=dtype,
        )
        self._pending.append(future)
        for i, (array, _) in enumerate(self._buffers):
            if array is values:  # busy until this write is done
                self._buffers[i] = (array, future)
        return Path(path)

    def release(self) -> None:
        """Drop the arrays of ``buffer()`` (each once its write is done), for the memory."""
        for _, future in self._buffers:
            if future is not None:
                future.result()
        self._buffers.clear()

    def __enter__(self) -> BackgroundWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            for future in self._pending:
                future.result()
        finally:
            self._pool.shutdown(wait=True)


def read_table(
    path: str | Path, *, key: str, columns: Sequence[str]
) -> dict[int, dict[str, float]]:
    """A CSV table as InVEST reads it: column names case-insensitive and trimmed, one row per
    integer ``key`` (``lucode``), the ``columns`` as numbers. Names the row and column of every
    problem."""
    shown = str(path)
    try:
        with Path(path).open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = [name.strip().lower() for name in next(reader, [])]
            rows = list(reader)
    except (OSError, UnicodeDecodeError) as error:
        raise EngineInputError(shown, f"cannot be read as a UTF-8 CSV table ({error})") from None
    wanted = [key, *columns]
    missing = [name for name in wanted if name not in header]
    if missing:
        raise EngineInputError(shown, f"missing columns: {', '.join(missing)}")
    where = {name: header.index(name) for name in wanted}
    table: dict[int, dict[str, float]] = {}
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {name: (row[i].strip() if i < len(row) else "") for name, i in where.items()}
        try:
            code = int(float(cells[key]))
        except ValueError:
            raise EngineInputError(
                shown, f"line {number}, column {key}: {cells[key]!r} is not an integer code"
            ) from None
        if code in table:
            raise EngineInputError(shown, f"line {number}: {key} {code} appears twice")
        values: dict[str, float] = {}
        for name in columns:
            try:
                values[name] = float(cells[name])
            except ValueError:
                raise EngineInputError(
                    shown, f"line {number}, column {name}: {cells[name]!r} is not a number"
                ) from None
        table[code] = values
    if not table:
        raise EngineInputError(shown, "the table has no rows")
    return table


def write_csv(path: str | Path, rows: Sequence[Mapping[str, Any]]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else [])
        writer.writeheader()
        writer.writerows(rows)
    return path


@dataclass(frozen=True)
class Polygons:
    """The features of a polygon layer: shapely geometries, their attribute columns and CRS."""

    geometries: list[Any]
    fields: dict[str, np.ndarray]
    crs: CRS
    path: str


def read_polygons(path: str | Path) -> Polygons:
    """Every feature of the first layer of a vector file (GeoPackage, shapefile, GeoJSON)."""

    shown = str(path)
    try:
        meta, _fids, wkb, columns = pyogrio.raw.read(path)
    except Exception as error:  # pyogrio raises its own DataSourceError/DataLayerError
        raise EngineInputError(shown, f"cannot be read as a vector layer ({error})") from None
    if meta.get("crs") is None:
        raise EngineInputError(shown, "the layer has no coordinate reference system")
    geometries = list(shapely.from_wkb(wkb))
    if not geometries:
        raise EngineInputError(shown, "the layer has no features")
    if any(g is None or g.geom_type not in ("Polygon", "MultiPolygon") for g in geometries):
        raise EngineInputError(shown, "every feature must be a polygon")
    fields = {
        str(name): np.asarray(values) for name, values in zip(meta["fields"], columns, strict=True)
    }
    return Polygons(geometries, fields, CRS.from_user_input(meta["crs"]), shown)


def to_crs(geometries: Sequence[Any], source: CRS, target: CRS) -> list[Any]:
    """Shapely geometries moved from ``source`` to ``target`` (GDAL's transformation), as
    InVEST reprojects its vectors to the land cover's projection; unchanged when they agree."""
    if source == target:
        return list(geometries)
    from rasterio.warp import transform_geom
    from shapely.geometry import mapping, shape

    return [shape(transform_geom(source, target, mapping(g))) for g in geometries]


def polygons_in(polygons: Polygons, crs: CRS) -> Polygons:
    """The layer in ``crs``, its fields kept."""
    if polygons.crs == crs:
        return polygons
    return Polygons(
        to_crs(polygons.geometries, polygons.crs, crs), polygons.fields, crs, polygons.path
    )


def write_polygons(path: str | Path, polygons: Polygons, extra: Mapping[str, np.ndarray]) -> Path:
    """The features of ``polygons`` with their columns and the ``extra`` ones, as a shapefile
    (InVEST's format for per-area results)."""

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for old in path.parent.glob(path.stem + ".*"):
        old.unlink()
    columns = {**polygons.fields, **extra}
    pyogrio.raw.write(
        path,
        shapely.to_wkb(np.array(polygons.geometries, dtype=object)),
        list(columns.values()),
        list(columns),
        driver="ESRI Shapefile",
        geometry_type="Polygon",
        crs=polygons.crs.to_wkt(),
        promote_to_multi=True,
    )
    return path
