"""Out-of-core runs on dask arrays: rasters read window by window, neighbourhood operations
with an overlap equal to the kernel's reach, results written block by block. A region larger
than memory runs in the memory of a few blocks.

Where the blocks run: on this machine's threads by default; on a ``dask.distributed`` cluster
when ``DASK_SCHEDULER`` holds its address (``tcp://host:8786``; the workers must see the same
files). The blocked path is taken when ``DASK_SCHEDULER`` is set or a raster holds more than
``CITYWEAVE_ENGINE_MAX_CELLS`` cells (default 64 million, about 8000 x 8000); blocks are
``CITYWEAVE_ENGINE_CHUNK`` cells a side (default 2048, a multiple of the 256-cell tiles).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import rasterio
from rasterio.windows import Window

from cityweave.engine import align, io
from cityweave.engine.errors import EngineInputError

if TYPE_CHECKING:
    import dask.array as da

# dask is imported by the functions that run blocks, not with this module: the models import
# it to ask ``wanted()``, and an in-memory run then loads none of dask's 60 MB.

DEFAULT_CHUNK = 2048
DEFAULT_MAX_CELLS = 64_000_000


def chunk_size() -> int:
    return _positive_env("CITYWEAVE_ENGINE_CHUNK", DEFAULT_CHUNK)


def wanted(grid: io.Grid) -> bool:
    """Whether a model should run block by block on this grid."""
    limit = _positive_env("CITYWEAVE_ENGINE_MAX_CELLS", DEFAULT_MAX_CELLS)
    return bool(os.environ.get("DASK_SCHEDULER")) or grid.width * grid.height > limit


def _positive_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise EngineInputError(name, f"{raw!r} is not a whole number") from None
    if value <= 0:
        raise EngineInputError(name, f"must be above 0, got {value}")
    return value


@contextmanager
def scheduler() -> Iterator[threading.Lock | Any]:
    """Runs the enclosed dask computations on the cluster at ``DASK_SCHEDULER`` or on local
    threads, and yields the lock writers share (a cluster-wide one on a cluster)."""
    address = os.environ.get("DASK_SCHEDULER", "")
    if not address:
        import dask

        with dask.config.set(scheduler="threads"):
            yield threading.Lock()
        return
    from distributed import Client, Lock

    try:
        client = Client(address, timeout="10s")
    except OSError as error:
        raise EngineInputError("DASK_SCHEDULER", f"no scheduler at {address} ({error})") from None
    with client:
        yield Lock(f"cityweave-engine-{os.getpid()}")


@dataclass(frozen=True)
class Source:
    """A raster file read on ``grid`` (aligned as ``align.resample`` does), one block at a
    time: a window of the file when the grid is a window of it, else warped block by block."""

    path: str
    grid: io.Grid
    method: str
    dtype: str
    nodata: float | int | None

    @classmethod
    def open(cls, path: str | Path, grid: io.Grid, method: str, *, integer: bool = False) -> Source:
        """``integer`` requires whole-number codes (land cover, soil groups), as
        ``io.read_raster`` does."""
        try:
            with rasterio.open(path) as dataset:
                source = cls(str(path), grid, method, dataset.dtypes[0], dataset.nodata)
        except rasterio.errors.RasterioIOError as error:
            raise EngineInputError(str(path), f"cannot be read as a raster ({error})") from None
        if integer and not np.issubdtype(np.dtype(source.dtype), np.integer):
            raise EngineInputError(
                source.path, f"holds {source.dtype} values; expected integer codes"
            )
        return source

    def block(self, rows: tuple[int, int], cols: tuple[int, int]) -> np.ndarray:
        sub = sub_grid(self.grid, rows, cols)
        with rasterio.open(self.path) as dataset:
            own = io.Grid(dataset.width, dataset.height, dataset.transform, dataset.crs)
            offset = align._window_offset(own, sub)
            if offset is not None:
                return align._read_window(dataset, sub, offset)
            return align._warp(dataset, sub, align.METHODS[self.method])

    def array(self, chunk: int) -> da.Array:
        import dask.array as da

        def read(block_info: dict[Any, Any] | None = None) -> np.ndarray:
            assert block_info is not None
            (r0, r1), (c0, c1) = block_info[None]["array-location"]
            return self.block((r0, r1), (c0, c1))

        return da.map_blocks(
            read,
            chunks=da.core.normalize_chunks((chunk, chunk), (self.grid.height, self.grid.width)),
            dtype=np.dtype(self.dtype),
            meta=np.empty((0, 0), dtype=self.dtype),
        )


def locations(array: da.Array) -> list[tuple[int, int]]:
    """(first row, first column) of every block, in ``to_delayed().ravel()`` order."""
    row_starts = np.cumsum((0, *array.chunks[0][:-1]))
    col_starts = np.cumsum((0, *array.chunks[1][:-1]))
    return [(int(r), int(c)) for r in row_starts for c in col_starts]


def sub_grid(grid: io.Grid, rows: tuple[int, int], cols: tuple[int, int]) -> io.Grid:
    transform = grid.transform * grid.transform.translation(cols[0], rows[0])
    return io.Grid(cols[1] - cols[0], rows[1] - rows[0], transform, grid.crs)


def neighbourhood(
    function: Callable[..., np.ndarray], *arrays: da.Array, reach: int, dtype: Any
) -> da.Array:
    """``function`` on every block with ``reach`` cells of its neighbours around it, trimmed
    back to the block: the same result as on the whole array when the function looks no more
    than ``reach`` cells away. Past the raster's edges the blocks are padded with NaN, which
    the models read as absent cells (their nodata travels as NaN); dask merges blocks smaller
    than the reach and splits the result back."""
    import dask.array as da

    result = da.map_overlap(
        function,
        *arrays,
        depth=reach,
        boundary=np.nan,
        trim=True,
        allow_rechunk=True,
        dtype=dtype,
        meta=np.empty((0, 0), dtype=dtype),
    )
    if result.chunks != arrays[0].chunks:  # merged blocks: back to the inputs' blocks
        result = result.rechunk(arrays[0].chunks)
    return result


# Output files this process created and keeps open while blocks are written: writing a block
# to an open file takes 0.18 s for 4096 x 4096 float cells; reopening it for update, 1.3 s
# (GDAL then compresses at ZSTD's default level, not the one the file was created with).
_OPEN: dict[str, Any] = {}


class Writer:
    """A GeoTIFF written block by block (``dask.array.store``'s target), under the lock the
    writers share. Created, and kept open, by the process that builds the task graph, where
    threads write into it; a worker of a cluster opens it for update instead. Only its path
    travels to the workers."""

    def __init__(
        self, path: Path, grid: io.Grid, dtype: str, nodata: float | int, *, smooth: bool = False
    ) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        profile = io.raster_profile(grid, np.dtype(dtype), nodata, smooth=smooth)
        profile["SPARSE_OK"] = True  # blocks come later: write no empty tiles now
        key = str(path)
        if key in _OPEN:
            _OPEN.pop(key).close()
        dataset = rasterio.open(path, "w", **profile)
        if os.environ.get("DASK_SCHEDULER"):
            dataset.close()  # workers of a cluster open it for update: it must be complete
        else:
            _OPEN[key] = dataset

    def __getstate__(self) -> dict[str, Any]:
        return {"path": self.path}

    def __setitem__(self, key: tuple[slice, slice], values: np.ndarray) -> None:
        rows, cols = key
        window = Window.from_slices(rows, cols)
        dataset = _OPEN.get(str(self.path))
        if dataset is not None and not dataset.closed:
            dataset.write(values, 1, window=window)
            return
        with rasterio.open(self.path, "r+", NUM_THREADS="ALL_CPUS") as update:
            update.write(values, 1, window=window)

    def close(self) -> None:
        dataset = _OPEN.pop(str(self.path), None)
        if dataset is not None:
            dataset.close()


@contextmanager
def store(
    outputs: Mapping[Path, tuple[da.Array, float | int]],
    grid: io.Grid,
    lock: Any,
    *,
    smooth: bool = False,
) -> Iterator[Any]:
    """A dask task writing each of ``outputs`` to its file, block by block, when computed
    (with anything else computed in the same call, sharing their inputs); the files are
    complete when the block ends."""
    import dask.array as da

    arrays: list[da.Array] = []
    targets: list[Writer] = []
    try:
        for path, (array, nodata) in outputs.items():
            arrays.append(array)
            targets.append(Writer(path, grid, array.dtype.name, nodata, smooth=smooth))
        yield da.store(arrays, cast(Any, targets), lock=lock, compute=False)
    finally:
        for target in targets:
            target.close()
