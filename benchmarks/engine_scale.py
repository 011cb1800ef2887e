"""The engine on a region larger than it keeps in memory: cooling and runoff on a synthetic
city of 20,000 x 20,000 cells (400 million cells, 4,000 km² at 10 m), block by block.

    .venv/bin/python benchmarks/engine_scale.py [--size 20000] [--models cooling runoff]
        [--chunk 4096]

Writes the inputs (tiled ZSTD GeoTIFFs, written block by block so this script stays small
too), then runs each model in a process of its own (``run_model.py``) and prints its wall time
and peak resident memory. Target: peak memory under 8 GiB. Rasters above
``CITYWEAVE_ENGINE_MAX_CELLS`` run block by block without being asked. Never run by
``make test``; it needs about 12 GB of free disk.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from rasterio.transform import from_origin
from rasterio.windows import Window
from synthetic import (
    CLASSES,
    biophysical_cooling_csv,
    curve_numbers_csv,
)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CELL = 10.0
ORIGIN = (500_000.0, 5_000_000.0)
STRIP = 2048  # rows generated and written at a time


def write_by_strips(path: Path, size: int, dtype: str, nodata: float, make: Any) -> str:
    profile = {
        "driver": "GTiff",
        "width": size,
        "height": size,
        "count": 1,
        "dtype": dtype,
        "crs": "EPSG:32633",
        "transform": from_origin(*ORIGIN, CELL, CELL),
        "nodata": nodata,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "compress": "zstd",
        "BIGTIFF": "YES",
        "num_threads": "ALL_CPUS",
    }
    with rasterio.open(path, "w", **profile) as dataset:
        for top in range(0, size, STRIP):
            rows = min(STRIP, size - top)
            dataset.write(make(top, rows, size), 1, window=Window(0, top, size, rows))
    return str(path)


def parcels(seed: int, size: int) -> Any:
    """Land cover of ten classes in parcels of 2-8 cells, as ``synthetic.land_cover``, made a
    strip at a time; the first cell is nodata."""
    rng = np.random.default_rng(seed)
    row_band = np.searchsorted(np.cumsum(rng.integers(2, 9, size)), np.arange(size), "right")
    col_band = np.searchsorted(np.cumsum(rng.integers(2, 9, size)), np.arange(size), "right")
    classes = rng.integers(1, CLASSES + 1, (row_band.max() + 1, col_band.max() + 1))

    def make(top: int, rows: int, _size: int) -> np.ndarray:
        strip = classes[row_band[top : top + rows, None], col_band[None, :]].astype(np.int16)
        if top == 0:
            strip[0, 0] = -1
        return strip

    return make


def et0_field(top: int, rows: int, size: int) -> np.ndarray:
    y = (np.arange(top, top + rows, dtype=np.float32) / (size - 1))[:, None]
    x = (np.arange(size, dtype=np.float32) / (size - 1))[None, :]
    return (4.5 + 1.2 * np.sin(3 * x + 0.7) * np.cos(2 * y + 1.9)).astype(np.float32)


def soil_field(top: int, rows: int, size: int) -> np.ndarray:
    rng = np.random.default_rng(12 + top)
    return rng.integers(1, 5, (rows, size)).astype(np.int16)


def quarters(size: int, path: Path) -> str:
    from rasterio.crs import CRS
    from shapely.geometry import box

    from cityweave.engine import io

    x0, y1, half = ORIGIN[0], ORIGIN[1], size * CELL / 2
    shapes = [
        box(x0 + i * half, y1 - (j + 1) * half, x0 + (i + 1) * half, y1 - j * half)
        for j in range(2)
        for i in range(2)
    ]
    layer = io.Polygons(shapes, {"id": np.arange(1, 5, dtype=np.int32)}, CRS.from_epsg(32633), "")
    return str(io.write_polygons(path, layer, {}))


def inputs(model: str, size: int, folder: Path) -> dict[str, Any]:
    lulc = folder / "lulc.tif"
    if not lulc.exists():
        write_by_strips(lulc, size, "int16", -1, parcels(5, size))
    aoi = folder / "aoi" / "aoi.shp"
    if not aoi.exists():
        quarters(size, aoi)
    if model == "cooling":
        (folder / "bio.csv").write_text(biophysical_cooling_csv(25))
        return {
            "lulc_raster_path": str(lulc),
            "ref_eto_raster_path": write_by_strips(
                folder / "et0.tif", size, "float32", -1, et0_field
            ),
            "aoi_vector_path": str(aoi),
            "biophysical_table_path": str(folder / "bio.csv"),
            "green_area_cooling_distance": 450.0,
            "t_air_average_radius": 500.0,
            "t_ref": 21.5,
            "uhi_max": 3.5,
            "cc_method": "factors",
        }
    (folder / "cn.csv").write_text(curve_numbers_csv(12))
    return {
        "lulc_path": str(lulc),
        "soils_hydrological_group_raster_path": write_by_strips(
            folder / "soils.tif", size, "int16", -1, soil_field
        ),
        "curve_number_table_path": str(folder / "cn.csv"),
        "rainfall_depth": 75.0,
        "aoi_watersheds_path": str(aoi),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--models", nargs="+", default=["cooling", "runoff"])
    parser.add_argument("--chunk", type=int, default=None, help="CITYWEAVE_ENGINE_CHUNK")
    parser.add_argument("--work", type=Path, default=None, help="folder for inputs and outputs")
    options = parser.parse_args()
    work = Path(options.work or tempfile.mkdtemp(prefix="cw-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if options.chunk:
        env["CITYWEAVE_ENGINE_CHUNK"] = str(options.chunk)
    lines = [f"{'model':<10}{'cells':>14}{'seconds':>10}{'peak MB':>10}"]
    try:
        for model in options.models:
            args_path = work / f"{model}.json"
            args_path.write_text(json.dumps(inputs(model, options.size, work)))
            command = [sys.executable, str(HERE / "run_model.py"), "--tool", "cityweave"]
            command += ["--model", model, "--args", str(args_path), "--out", str(work / model)]
            done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
            result = next(
                (
                    json.loads(line.removeprefix("RESULT "))
                    for line in done.stdout.splitlines()
                    if line.startswith("RESULT ")
                ),
                None,
            )
            if result is None:
                raise SystemExit(f"{model} failed:\n{done.stderr[-3000:]}")
            lines.append(
                f"{model:<10}{f'{options.size}²':>14}{result['seconds']:>10.1f}"
                f"{result['peak_rss_mb']:>10.0f}"
            )
            sys.stdout.write(lines[-1] + "\n")
            shutil.rmtree(work / model, ignore_errors=True)
    finally:
        if options.work is None:
            shutil.rmtree(work, ignore_errors=True)
    sys.stdout.write("\n".join(["", *lines, "target: peak memory under 8 GiB"]) + "\n")


if __name__ == "__main__":
    main()
