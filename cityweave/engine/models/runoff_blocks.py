"""Storm runoff block by block, on dask arrays (``engine/blocks.py``): the same per-pair
equations as ``runoff.py`` for a region larger than memory, on this machine's threads or a
``dask.distributed`` cluster. Runoff looks at no neighbour, so blocks need no overlap; the
totals and the watersheds' sums are the blocks' pair counts added up, and equal the in-memory
run's exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import dask
import dask.array as da
import numpy as np

from cityweave.engine import blocks, io
from cityweave.engine.errors import EngineInputError
from cityweave.engine.models import runoff

NODATA = io.FLOAT_NODATA


def run(
    args: runoff.RunoffArgs,
    out_dir: Path,
    grid: io.Grid,
    progress: Callable[[int, int], None] | None = None,
) -> runoff.RunoffResult:
    damage = runoff.building_damage(args, grid)  # checks the buildings before the long part
    table_path = str(args.curve_number_table_path)
    table = io.read_table(args.curve_number_table_path, key="lucode", columns=runoff.CN_COLUMNS)
    chunk = blocks.chunk_size()
    lulc_source = blocks.Source.open(args.lulc_path, grid, "mode", integer=True)
    soil_source = blocks.Source.open(
        args.soils_hydrological_group_raster_path, grid, "mode", integer=True
    )
    lulc = lulc_source.array(chunk)
    soil = soil_source.array(chunk)
    lulc_nodata, soil_nodata = lulc_source.nodata, soil_source.nodata

    def valid_of(codes: np.ndarray, groups: np.ndarray) -> np.ndarray:
        return io.data_mask(codes, lulc_nodata) & io.data_mask(groups, soil_nodata)

    with blocks.scheduler() as lock:
        codes, groups = _survey(lulc, soil, valid_of)
        if codes.size == 0:
            raise EngineInputError(lulc_source.path, "has no cell where the soils are known")
        bad = [int(g) for g in groups if int(g) not in runoff.SOIL_GROUPS]
        if bad:
            raise EngineInputError(
                soil_source.path,
                f"holds soil groups {', '.join(map(str, bad))}; expected 1 to 4 (A to D)",
            )
        missing = [int(c) for c in codes if int(c) not in table]
        if missing:
            listed = ", ".join(str(code) for code in missing[:50])
            raise EngineInputError(
                table_path,
                f"has no row for the land-cover codes {listed} found in {lulc_source.path}",
            )
        keys = np.array(sorted(int(c) for c in codes), dtype=np.int64)
        cn = runoff.curve_numbers(keys, table, table_path)
        per_pair = runoff.per_pair_values(cn, args.rainfall_depth, grid.cell_area_m2)
        if progress:
            progress(1, 3)
        lo = int(keys.min())
        positions = np.zeros(int(keys.max()) - lo + 1, dtype=np.int32)
        positions[keys - lo] = np.arange(keys.size, dtype=np.int32)
        size = cn.size

        def pair_block(codes_block: np.ndarray, groups_block: np.ndarray) -> np.ndarray:
            valid = valid_of(codes_block, groups_block)
            offset = np.clip(codes_block.astype(np.int64) - lo, 0, positions.size - 1)
            pair = positions[offset] * np.int32(len(runoff.SOIL_GROUPS))
            pair += groups_block.astype(np.int32) - 1
            pair[~valid] = size  # the nodata entry appended to every per-pair table
            return pair

        pair = da.map_blocks(pair_block, lulc, soil, dtype=np.int32)
        outputs: dict[Path, tuple[da.Array, float | int]] = {}
        for name, values in runoff.written(per_pair, args.keep_intermediate).items():
            lookup = np.append(values.astype(np.float32).ravel(), np.float32(NODATA))
            cells = da.map_blocks(lookup.take, pair, dtype=np.float32)
            outputs[out_dir / f"{runoff.FOLDERS.get(name, '')}{name}.tif"] = (cells, NODATA)
        watersheds = args.aoi_watersheds_path
        counts = [
            dask.delayed(_block_counts)(block, location, grid, size, watersheds)
            for block, location in zip(
                pair.to_delayed().ravel(), blocks.locations(pair), strict=True
            )
        ]
        with blocks.store(outputs, grid, lock) as stored:
            results = dask.compute(stored, *counts)[1:]
    if progress:
        progress(2, 3)
    totals = sum(r[0] for r in results)
    files = {path.stem: path for path in outputs}
    summary = runoff.summarise(per_pair, totals, int(totals.sum()))
    if watersheds is not None:
        zones = [sum(parts) for parts in zip(*(r[1] for r in results), strict=True)]
        files["flood_risk_service"] = runoff.write_watersheds(
            watersheds, grid, zones, per_pair, out_dir, damage
        )
    files["runoff_summary"] = io.write_csv(
        out_dir / "runoff_summary.csv",
        [{"name": name, "value": value} for name, value in summary.items()],
    )
    if progress:
        progress(3, 3)
    return runoff.RunoffResult(files=files, summary=summary)


def _survey(
    lulc: da.Array, soil: da.Array, valid_of: Callable[[np.ndarray, np.ndarray], np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    def block(codes: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        valid = valid_of(codes, groups)
        return np.unique(codes[valid]), np.unique(groups[valid])

    parts = dask.compute(
        *[
            dask.delayed(block)(c, g)
            for c, g in zip(lulc.to_delayed().ravel(), soil.to_delayed().ravel(), strict=True)
        ]
    )
    return (
        np.unique(np.concatenate([p[0] for p in parts])),
        np.unique(np.concatenate([p[1] for p in parts])),
    )


def _block_counts(
    pair: np.ndarray,
    location: tuple[int, int],
    grid: io.Grid,
    size: int,
    watersheds: Path | None,
) -> tuple[np.ndarray, list[np.ndarray]]:
    totals = np.bincount(pair.ravel(), minlength=size + 1)[:size]
    if watersheds is None:
        return totals, []
    rows = (location[0], location[0] + pair.shape[0])
    cols = (location[1], location[1] + pair.shape[1])
    sub = blocks.sub_grid(grid, rows, cols)
    zones = runoff.watershed_counts(watersheds, sub, pair, pair < size, size)
    return totals, zones
