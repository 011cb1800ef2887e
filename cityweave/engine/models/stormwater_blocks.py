"""Annual stormwater retention block by block, on dask arrays (``engine/blocks.py``): the same
per-pair ratios and per-cell volumes, loads and value as ``stormwater.py`` for a region larger
than memory, on this machine's threads or a ``dask.distributed`` cluster.

The adjustment near connected impervious areas and roads is the one step that looks at
neighbours: each block of ratios and impervious cells is read with an overlap equal to the
reach of the neighbourhood mean's kernel or of the "near" disc, whichever is larger (padded
with absent cells past the raster's edges), so every cell sees the neighbours it sees in one
whole-array pass. The road centre lines are read once and burnt block by block, each block
with the lines that come near it. The sums over the raster and over the areas are per-pair
sums (``stormwater.PairSums``) added up block by block (a cell belongs to one block only); an
area that covers no cell centre in any block takes the cells under its box, as in memory.

Results equal the in-memory run's: every raster cell exactly, except the adjusted ratio and
what is computed from it, within the float64 FFT's round-off on another array's size (about
1e-7 in float32); the sums within float64 rounding (they are added in another order).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import dask
import dask.array as da
import numpy as np
import shapely

from cityweave.engine import blocks, io
from cityweave.engine.errors import EngineInputError
from cityweave.engine.lookup import gather
from cityweave.engine.models import stormwater

NODATA = stormwater.NODATA


def run(
    args: stormwater.StormwaterArgs,
    out_dir: Path,
    grid: io.Grid,
    cell_area: float,
    progress: Callable[[int, int], None] | None = None,
) -> stormwater.StormwaterResult:
    aggregate = args.aggregate_areas_path
    steps = stormwater.steps_of(args)
    done = 0

    def advance() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, steps)

    table = stormwater.read_biophysical(args.biophysical_table)
    table_path = str(args.biophysical_table)
    chunk = blocks.chunk_size()
    lulc_source = blocks.Source.open(args.lulc_path, grid, "nearest", integer=True)
    soil_source = blocks.Source.open(args.soil_group_path, grid, "nearest", integer=True)
    rain_source = blocks.Source.open(args.precipitation_path, grid, "nearest")
    radius_cells = stormwater.radius_of(args, grid)
    roads = args.road_centerlines_path if args.adjust_retention_ratios else None
    lines = stormwater.road_lines(roads, grid.crs) if roads is not None else []
    areas = stormwater.read_areas(aggregate, grid) if aggregate is not None else None
    lulc, soil, rain = (s.array(chunk) for s in (lulc_source, soil_source, rain_source))
    tables = stormwater.PairTables.of(table)
    size = len(tables.retention) - 1  # the pairs' nodata entry
    dtype = stormwater.pair_dtype(table)
    f32 = np.float32
    meta = np.empty((0, 0), dtype=f32)
    template = stormwater.Cells(
        pair=np.zeros((0, 0), dtype=dtype),
        dry=np.zeros((0, 0), dtype=bool),
        rain=np.zeros((0, 0), dtype=f32),
        cell_area_m2=cell_area,
        tables=tables,
        adjusted=None,
        replacement_cost=args.replacement_cost,
    )
    lulc_nodata, soil_nodata, rain_nodata = (
        lulc_source.nodata,
        soil_source.nodata,
        rain_source.nodata,
    )

    def masks(codes: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        land = io.data_mask(codes, lulc_nodata)
        return land, land & io.data_mask(groups, soil_nodata)

    def pairs_of(codes: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        land, valid = masks(codes, groups)
        return stormwater.pairs(
            codes, land, groups, valid, table, raster=lulc_source.path, table_path=table_path
        )

    with blocks.scheduler() as lock:
        _check(
            _survey(lulc, soil, rain, (lulc_nodata, soil_nodata, rain_nodata)),
            (lulc_source, soil_source, rain_source),
            table,
            table_path,
        )
        advance()

        pair = da.map_blocks(
            lambda c, g: pairs_of(c, g)[0],
            lulc,
            soil,
            dtype=dtype,
            meta=np.empty((0, 0), dtype=dtype),
        )
        ratio = da.map_blocks(partial(gather, tables.retention), pair, dtype=f32, meta=meta)
        outputs: dict[Path, tuple[da.Array, float | int]] = {}
        adjusted = None
        if roads is not None:
            burn = _Roads(lines, grid)

            def impervious_block(
                codes: np.ndarray, groups: np.ndarray, block_info: Any = None
            ) -> np.ndarray:
                assert block_info is not None
                (r0, r1), (c0, c1) = block_info[None]["array-location"]
                cells = burn(blocks.sub_grid(grid, (r0, r1), (c0, c1)))
                connected = pairs_of(codes, groups)[1]
                if connected is not None:
                    cells |= connected
                return cells.astype(f32)

            impervious = da.map_blocks(impervious_block, lulc, soil, dtype=f32, meta=meta)
            adjusted = blocks.neighbourhood(
                partial(_adjust, radius_cells),
                ratio,
                impervious,
                reach=stormwater.adjust_reach(radius_cells),
                dtype=f32,
            )
            template_names = dataclasses.replace(template, adjusted=np.zeros((0, 0), f32))
        else:
            template_names = template
        extra = () if adjusted is None else (adjusted,)

        def output(name: str) -> da.Array:
            def block(
                pair_block: np.ndarray, precipitation: np.ndarray, *adjusted_block: np.ndarray
            ) -> np.ndarray:
                cells = _cells(template, pair_block, precipitation, rain_nodata, adjusted_block)
                return cells.raster(name)

            return da.map_blocks(block, pair, rain, *extra, dtype=f32, meta=meta)

        names = template_names.names(percolation=True)
        if adjusted is not None:
            names.append("retention_ratio")  # unadjusted, beside the adjusted one
        names += template_names.names()
        for name in names:
            array = ratio if name == "retention_ratio" else output(name)
            outputs[out_dir / f"{name}.tif"] = (array, NODATA)
        if adjusted is not None:
            advance()

        geometries = areas[1] if areas is not None else []
        boxes = [stormwater.area_box(g, grid) for g in geometries]
        shared = dask.delayed((geometries, boxes), traverse=False)
        stats = [
            dask.delayed(_block_stats)(
                parts[0],
                parts[1],
                parts[2] if extra else None,
                location,
                grid,
                template,
                shared,
                rain_nodata,
            )
            for parts, location in zip(
                zip(*(a.to_delayed().ravel() for a in (pair, rain, *extra)), strict=True),
                blocks.locations(pair),
                strict=True,
            )
        ]
        with blocks.store(outputs, grid, lock) as stored:
            results = dask.compute(stored, *stats)[1:]
    advance()

    files = {path.stem: path for path in outputs}
    whole = results[0][0]
    for block_whole, _ in results[1:]:
        whole = whole + block_whole
    summary = whole.fields(template)
    if areas is not None:
        assert aggregate is not None
        rows = [
            sums.fields(template)
            for sums in _area_totals([r[1] for r in results], len(boxes), size)
        ]
        files["aggregate"] = stormwater.write_area_fields(
            aggregate, areas[0], areas[1], rows, grid, out_dir / "aggregate_data.gpkg"
        )
        advance()
    advance()
    return stormwater.StormwaterResult(files=files, summary=summary)


# --- on one block -------------------------------------------------------------------------


def _cells(
    template: stormwater.Cells,
    pair: np.ndarray,
    precipitation: np.ndarray,
    rain_nodata: Any,
    adjusted: tuple[np.ndarray, ...] | np.ndarray | None,
) -> stormwater.Cells:
    """The block's cells, as ``stormwater.run`` makes them for the whole raster."""
    valid = pair != len(template.tables.retention) - 1
    known = io.data_mask(precipitation, rain_nodata)
    dry, rain = stormwater.rainfall(precipitation.copy(), known, valid)  # blocks are shared
    if isinstance(adjusted, tuple):
        adjusted = adjusted[0] if adjusted else None
    return dataclasses.replace(template, pair=pair, dry=dry, rain=rain, adjusted=adjusted)


def _adjust(radius_cells: float, ratio: np.ndarray, impervious: np.ndarray) -> np.ndarray:
    """``stormwater.adjust`` on a block with its overlap: NaN (past the raster's edges) and
    nodata ratios are absent cells, NaN impervious cells none."""
    valid = ~np.isnan(ratio) & (ratio != np.float32(NODATA))
    return stormwater.adjust(ratio, valid, np.nan_to_num(impervious) > 0.5, radius_cells)


class _Roads:
    """The road cells of a block: the lines whose box comes within a cell of the block's,
    burnt on its cells."""

    def __init__(self, lines: list[Any], grid: io.Grid) -> None:
        self.lines = np.array(lines, dtype=object)
        self.bounds = shapely.bounds(self.lines) if lines else np.zeros((0, 4))
        self.margin = max(abs(grid.transform.a), abs(grid.transform.e))

    def __call__(self, sub: io.Grid) -> np.ndarray:
        t = sub.transform  # north up (``align.target_grid``)
        left, top = t.c, t.f
        right, bottom = t.c + sub.width * t.a, t.f + sub.height * t.e
        left, right = min(left, right) - self.margin, max(left, right) + self.margin
        bottom, top = min(bottom, top) - self.margin, max(bottom, top) + self.margin
        b = self.bounds
        near = (b[:, 0] <= right) & (b[:, 2] >= left) & (b[:, 1] <= top) & (b[:, 3] >= bottom)
        return stormwater.burn_roads(list(self.lines[near]), sub)


def _block_stats(
    pair: np.ndarray,
    precipitation: np.ndarray,
    adjusted: np.ndarray | None,
    location: tuple[int, int],
    grid: io.Grid,
    template: stormwater.Cells,
    areas: tuple[list[Any], list[tuple[slice, slice] | None]],
    rain_nodata: Any,
) -> tuple[stormwater.PairSums, list[tuple[int, stormwater.PairSums, bool]]]:
    """The block's sums over the raster and, for every area whose box meets it, over the
    cells it covers (True) or, when it covers no cell centre of the block, every cell of its
    box in the block (False)."""
    cells = _cells(template, pair, precipitation, rain_nodata, adjusted)
    whole = stormwater.raster_sums(cells)
    size = len(template.tables.retention) - 1
    r0, c0 = location
    r1, c1 = r0 + pair.shape[0], c0 + pair.shape[1]
    parts = []
    for i, (geometry, box) in enumerate(zip(*areas, strict=True)):
        if box is None:
            continue
        rows = slice(max(box[0].start, r0), min(box[0].stop, r1))
        cols = slice(max(box[1].start, c0), min(box[1].stop, c1))
        if rows.stop <= rows.start or cols.stop <= cols.start:
            continue
        sums = stormwater.PairSums.zero(size)
        inside = stormwater.add_covered(sums, cells, geometry, grid, rows, cols, location)
        if not inside:
            stormwater.add_cells(sums, cells, rows, cols, location)
        parts.append((i, sums, inside))
    return whole, parts


def _survey(
    lulc: da.Array,
    soil: da.Array,
    rain: da.Array,
    nodata: tuple[Any, Any, Any],
) -> dict[str, Any]:
    """What the checks of ``stormwater.run`` look at, block by block: whether each raster has
    a valid cell and the cells with both a class and a soil group, the land-cover codes
    present and the soil groups present where both are known."""

    def block(codes: np.ndarray, groups: np.ndarray, precipitation: np.ndarray) -> dict[str, Any]:
        land = io.data_mask(codes, nodata[0])
        known = io.data_mask(groups, nodata[1])
        valid = land & known
        return {
            "land": bool(land.any()),
            "soil": bool(known.any()),
            "rain": bool(io.data_mask(precipitation, nodata[2]).any()),
            "both": bool(valid.any()),
            "codes": np.unique(codes[land]),
            "groups": np.unique(groups[valid]),
        }

    parts = dask.compute(
        *[
            dask.delayed(block)(c, g, r)
            for c, g, r in zip(
                lulc.to_delayed().ravel(),
                soil.to_delayed().ravel(),
                rain.to_delayed().ravel(),
                strict=True,
            )
        ]
    )
    out: dict[str, Any] = {k: any(p[k] for p in parts) for k in ("land", "soil", "rain", "both")}
    for key in ("codes", "groups"):
        out[key] = np.unique(np.concatenate([p[key] for p in parts]))
    return out


def _check(
    survey: dict[str, Any],
    sources: tuple[blocks.Source, blocks.Source, blocks.Source],
    table: stormwater.Biophysical,
    table_path: str,
) -> None:
    """The errors ``stormwater.run`` raises on these inputs, in its order."""
    lulc, soil, rain = sources
    for source, key in ((lulc, "land"), (soil, "soil"), (rain, "rain")):
        if not survey[key]:
            raise EngineInputError(source.path, "has no valid cell on the land cover's grid")
    if not survey["both"]:
        raise EngineInputError(
            soil.path, f"has no soil group on any cell where {lulc.path} has a land-cover class"
        )
    groups = survey["groups"]
    bad = [int(g) for g in groups if not 1 <= int(g) <= len(stormwater.SOIL_GROUPS)]
    if bad:
        raise EngineInputError(
            soil.path, f"holds soil groups {', '.join(map(str, bad))}; expected 1 to 4 (A to D)"
        )
    missing = [int(c) for c in survey["codes"] if int(c) not in table.table]
    if missing:
        listed = ", ".join(str(code) for code in missing[:50])
        raise EngineInputError(
            table_path, f"has no row for the land-cover codes {listed} found in {lulc.path}"
        )


def _area_totals(
    parts: list[list[tuple[int, stormwater.PairSums, bool]]], areas: int, size: int
) -> list[stormwater.PairSums]:
    """Each area's sums: over the cells it covers in any block, or over its box when it
    covers no cell centre at all."""
    covered = [stormwater.PairSums.zero(size) for _ in range(areas)]
    boxed = [stormwater.PairSums.zero(size) for _ in range(areas)]
    found = [False] * areas
    for block in parts:
        for i, sums, inside in block:
            if inside:
                covered[i] = covered[i] + sums
                found[i] = True
            else:
                boxed[i] = boxed[i] + sums
    return [covered[i] if found[i] else boxed[i] for i in range(areas)]
