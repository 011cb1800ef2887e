"""Carbon storage and sequestration block by block, on dask arrays (``engine/blocks.py``): the
same per-cell densities, change and value as ``carbon.py`` for a region larger than memory, on
this machine's threads or a ``dask.distributed`` cluster. Carbon looks at no neighbour, so
blocks need no overlap. The totals are the cells of each class, or of each (baseline class,
scenario class) pair, counted per block and added up, then multiplied by the per-class (per
pair) values as the in-memory run does: they equal its totals exactly, as every cell equals
its cells.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import dask
import dask.array as da
import numpy as np
import rasterio

from cityweave.engine import blocks, io
from cityweave.engine.errors import EngineInputError
from cityweave.engine.models import carbon

NODATA = carbon.NODATA


def run(
    args: carbon.CarbonArgs,
    out_dir: Path,
    grid: io.Grid,
    progress: Callable[[int, int], None] | None = None,
) -> carbon.CarbonResult:
    steps = carbon.steps_of(args)
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, steps)

    table_path = str(args.carbon_pools_path)
    table = io.read_table(args.carbon_pools_path, key="lucode", columns=carbon.POOLS)
    classes = len(table)
    density = carbon.densities(table)
    area = grid.cell_area_m2
    chunk = blocks.chunk_size()
    sources = [_source(args.lulc_bas_path, grid)]
    sequestration = args.calc_sequestration and args.lulc_alt_path is not None
    if sequestration:
        assert args.lulc_alt_path is not None
        _same_grid(args.lulc_alt_path, args.lulc_bas_path, grid)
        sources.append(_source(args.lulc_alt_path, grid))
    lulcs = [source.array(chunk) for source in sources]

    with blocks.scheduler() as lock:
        present = _survey(lulcs, sources)
        for source, codes in zip(sources, present, strict=True):
            if codes.size == 0:
                raise EngineInputError(source.path, "every cell is nodata")
            missing = [int(c) for c in codes if int(c) not in table]
            if missing:
                listed = ", ".join(str(code) for code in missing[:50])
                raise EngineInputError(
                    table_path,
                    f"has no row for the land-cover codes {listed} found in {source.path}",
                )
        indexes = [
            da.map_blocks(_positions(source, table, table_path), lulc, dtype=np.int32)
            for source, lulc in zip(sources, lulcs, strict=True)
        ]
        f32 = np.float32
        meta = np.empty((0, 0), dtype=f32)
        storage = partial(carbon.storage, density)
        c_bas = da.map_blocks(storage, indexes[0], dtype=f32, meta=meta)
        outputs: dict[Path, tuple[da.Array, float | int]] = {
            out_dir / "c_storage_bas.tif": (c_bas, NODATA)
        }
        constant = carbon.valuation_of(args) if sequestration and args.do_valuation else None
        if sequestration:
            c_alt = da.map_blocks(storage, indexes[1], dtype=f32, meta=meta)

            def change_block(
                bas: np.ndarray, alt: np.ndarray, bas_index: np.ndarray, alt_index: np.ndarray
            ) -> np.ndarray:
                return carbon.change(bas, alt, _both(bas_index, alt_index, classes))

            delta = da.map_blocks(change_block, c_bas, c_alt, *indexes, dtype=f32, meta=meta)
            outputs[out_dir / "c_storage_alt.tif"] = (c_alt, NODATA)
            outputs[out_dir / "c_change_bas_alt.tif"] = (delta, NODATA)
            if constant is not None:
                value = constant

                def npv_block(
                    change: np.ndarray, bas_index: np.ndarray, alt_index: np.ndarray
                ) -> np.ndarray:
                    both = _both(bas_index, alt_index, classes)
                    return carbon.present_value(change, both, value)

                npv = da.map_blocks(npv_block, delta, *indexes, dtype=f32, meta=meta)
                outputs[out_dir / "npv_alt.tif"] = (npv, NODATA)
        step()
        counts = [
            dask.delayed(_block_counts)(parts, classes)
            for parts in zip(*(index.to_delayed().ravel() for index in indexes), strict=True)
        ]
        with blocks.store(outputs, grid, lock) as stored:
            results = dask.compute(stored, *counts)[1:]
    files = {path.stem: path for path in outputs}
    if sequestration:
        codes, pairs = carbon.merge_pair_counts(results)
        summary = carbon.sequestration_totals(codes, pairs, density, area, constant)
    else:
        per_class = sum(results)
        summary = {"c_storage_bas_mg": carbon.total(per_class, density[:-1], area)}
    while done < steps - 1:  # the rasters, the change and its value: written
        step()
    return carbon.finish(out_dir, files, summary, step)


def _source(path: Path, grid: io.Grid) -> blocks.Source:
    return blocks.Source.open(path, grid, "nearest", integer=True)


def _same_grid(path: Path, base: Path, grid: io.Grid) -> None:
    try:
        with rasterio.open(path) as dataset:
            own = io.Grid(dataset.width, dataset.height, dataset.transform, dataset.crs)
    except rasterio.errors.RasterioIOError as error:
        raise EngineInputError(str(path), f"cannot be read as a raster ({error})") from None
    if not own.same_as(grid):
        raise EngineInputError(
            str(path),
            f"is not on the grid of {base} (size, cells and projection must be the same)",
        )


def _both(bas_index: np.ndarray, alt_index: np.ndarray, classes: int) -> np.ndarray:
    return (bas_index < classes) & (alt_index < classes)


def _positions(
    source: blocks.Source, table: dict[int, dict[str, float]], table_path: str
) -> Callable[[np.ndarray], np.ndarray]:
    nodata = source.nodata

    def block(codes: np.ndarray) -> np.ndarray:
        valid = io.data_mask(codes, nodata)
        return carbon.class_positions(
            codes, valid, table, raster=source.path, table_path=table_path
        )

    return block


def _survey(lulcs: list[da.Array], sources: list[blocks.Source]) -> list[np.ndarray]:
    """The codes present in each land cover, on every block."""
    nodata = [source.nodata for source in sources]

    def block(*codes: np.ndarray) -> list[np.ndarray]:
        return [np.unique(c[io.data_mask(c, n)]) for c, n in zip(codes, nodata, strict=True)]

    parts = dask.compute(
        *[
            dask.delayed(block)(*together)
            for together in zip(*(lulc.to_delayed().ravel() for lulc in lulcs), strict=True)
        ]
    )
    return [np.unique(np.concatenate([p[i] for p in parts])) for i in range(len(lulcs))]


def _block_counts(indexes: tuple[np.ndarray, ...], classes: int) -> Any:
    """Cells per class of the baseline or, with a scenario, per pair of classes, on one
    block."""
    if len(indexes) == 1:
        return carbon.class_counts(indexes[0], classes)
    return carbon.pair_counts(indexes[0], indexes[1], classes)
