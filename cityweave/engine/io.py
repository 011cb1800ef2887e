"""Reading and writing the engine's files, in InVEST's formats: GeoTIFF rasters and CSV tables
with InVEST's column names. The only module of the engine that touches files.

Every problem with an input is an ``EngineInputError`` naming the file and what is wrong.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from rasterio.crs import CRS
from rasterio.transform import Affine

from cityweave.engine.errors import EngineInputError

# Outputs: tiled (256 x 256) and compressed GeoTIFFs, as InVEST writes them. DEFLATE at level 1
# on every core: on a 4000 x 4000 float raster of ten classes by four soil groups it wrote in
# 0.17 s (14 MB) where level 6 with the horizontal predictor took 1.5 s (19 MB) and LZW 0.56 s.
GTIFF_PROFILE = {
    "driver": "GTiff",
    "tiled": True,
    "blockxsize": 256,
    "blockysize": 256,
    "compress": "deflate",
    "zlevel": 1,
    "num_threads": "ALL_CPUS",
    "BIGTIFF": "IF_SAFER",
}
FLOAT_NODATA = float(np.finfo(np.float32).min)


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

    @property
    def valid(self) -> np.ndarray:
        if self.nodata is None:
            return np.ones(self.values.shape, dtype=bool)
        if isinstance(self.nodata, float) and math.isnan(self.nodata):
            return ~np.isnan(self.values)
        return np.asarray(self.values != self.nodata)


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
        with rasterio.open(path) as dataset:
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


def write_raster(
    path: str | Path, values: np.ndarray, grid: Grid, *, nodata: float | int | None
) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    profile: dict[str, Any] = {
        **GTIFF_PROFILE,
        "width": grid.width,
        "height": grid.height,
        "count": 1,
        "dtype": values.dtype.name,
        "crs": grid.crs,
        "transform": grid.transform,
        "nodata": nodata,
    }
    if grid.width < 256 or grid.height < 256:  # tiles must not be larger than the raster
        profile.update(tiled=False)
        profile.pop("blockxsize")
        profile.pop("blockysize")
    with rasterio.open(path, "w", **profile) as dataset:
        dataset.write(values, 1)
    return path


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
