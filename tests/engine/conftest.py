"""Small rasters and tables written for the engine's tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

UTM = "EPSG:32633"


def write_tif(
    path: Path,
    values: np.ndarray,
    *,
    crs: str = UTM,
    cell: float = 10.0,
    nodata: float | int | None = 255,
    origin: tuple[float, float] = (500_000.0, 5_000_000.0),
) -> Path:
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=values.shape[1],
        height=values.shape[0],
        count=1,
        dtype=values.dtype.name,
        crs=crs,
        transform=from_origin(origin[0], origin[1], cell, cell),
        nodata=nodata,
    ) as dataset:
        dataset.write(values, 1)
    return path


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text.strip() + "\n", encoding="utf-8")
    return path


def read_tif(path: Path) -> tuple[np.ndarray, float | None]:
    with rasterio.open(path) as dataset:
        return dataset.read(1), dataset.nodata


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path
