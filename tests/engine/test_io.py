"""Writing rasters: nodata outside a mask, set strip by strip, the values left as they were."""

import numpy as np
import rasterio
from rasterio.transform import from_origin

from cityweave.engine import io


def _grid(height: int, width: int) -> io.Grid:
    return io.Grid(
        crs=rasterio.crs.CRS.from_epsg(32633),
        transform=from_origin(500_000.0, 5_000_000.0, 10.0, 10.0),
        width=width,
        height=height,
    )


def test_write_raster_sets_nodata_outside_where_in_strips(tmp_path) -> None:
    rng = np.random.default_rng(2)
    values = rng.uniform(0, 40, (300, 270))  # float64, written as float32
    where = rng.random(values.shape) > 0.1
    before = values.copy()
    path = io.write_raster(
        tmp_path / "t.tif",
        values,
        _grid(*values.shape),
        nodata=-1.0,
        where=where,
        dtype=np.float32,
        rows=64,  # five strips, the last one short
    )
    with rasterio.open(path) as dataset:
        written = dataset.read(1)
        assert dataset.dtypes[0] == "float32" and dataset.nodata == -1.0
    expected = np.where(where, values, -1.0).astype(np.float32)
    np.testing.assert_array_equal(written, expected)
    np.testing.assert_array_equal(values, before)


def test_background_writer_passes_where_and_dtype(tmp_path) -> None:
    values = np.arange(12, dtype=np.uint8).reshape(3, 4)
    where = values % 2 == 0
    with io.BackgroundWriter() as writer:
        path = writer.write(tmp_path / "b.tif", values, _grid(3, 4), nodata=255, where=where)
    with rasterio.open(path) as dataset:
        np.testing.assert_array_equal(dataset.read(1), np.where(where, values, 255))
        assert dataset.dtypes[0] == "uint8"
