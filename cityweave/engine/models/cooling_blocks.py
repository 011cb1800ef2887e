"""Urban cooling block by block, on dask arrays (``engine/blocks.py``): the same equations as
``cooling.py`` for a region larger than memory, on this machine's threads or a
``dask.distributed`` cluster.

Each block is read with the overlap its neighbourhoods need (the park and mixing kernels reach
5 times their distance, the green-area disc its distance) and padded with absent cells past the
raster's edges, so every cell sees the same neighbours as in one whole-array pass; nodata
travels as NaN between the steps. Areas of interest and buildings are summed block by block
(a cell belongs to one block only). Results equal the in-memory run within the FFT's
single-precision round-off (about 1e-6).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import dask
import dask.array as da
import numpy as np
import rasterio
from rasterio.windows import Window
from shapely.geometry import mapping

from cityweave.engine import blocks, io
from cityweave.engine.errors import EngineInputError
from cityweave.engine.models import cooling
from cityweave.engine.zonal import ZoneStats, _window, zonal_statistics

NODATA = io.FLOAT_NODATA


def run(
    args: cooling.CoolingArgs,
    out_dir: Path,
    grid: io.Grid,
    progress: Callable[[int, int], None] | None = None,
) -> cooling.CoolingResult:
    steps = 4

    def advance(step: int) -> None:
        if progress:
            progress(step, steps)

    factors = args.cc_method == "factors"
    columns = ("kc", "green_area") + (("shade", "albedo") if factors else ("building_intensity",))
    table = io.read_table(args.biophysical_table_path, key="lucode", columns=columns)
    aoi = io.polygons_in(io.read_polygons(args.aoi_vector_path), grid.crs)
    cooling._check_overlap(aoi, grid)
    cell = min(abs(grid.transform.a), abs(grid.transform.e))
    cool_cells = int(np.round(args.green_area_cooling_distance / cell))
    mix_cells = int(np.round(args.t_air_average_radius / cell))
    shape = (grid.height, grid.width)
    cooling.check_reach(
        cool_cells, shape, "green_area_cooling_distance", args.green_area_cooling_distance
    )
    cooling.check_reach(mix_cells, shape, "t_air_average_radius", args.t_air_average_radius)
    buildings = cooling.read_buildings(args, grid) if args.do_energy_valuation else None
    chunk = blocks.chunk_size()
    lulc_source = blocks.Source.open(args.lulc_raster_path, grid, "mode", integer=True)
    et0_source = blocks.Source.open(args.ref_eto_raster_path, grid, "cubicspline")
    lulc = lulc_source.array(chunk)
    et0 = et0_source.array(chunk)

    with blocks.scheduler() as lock:
        # Pass 1: the codes present (every one must be in the table) and the largest ET0.
        codes, et0_max = _survey(lulc, et0, lulc_source.nodata, et0_source.nodata)
        if codes.size == 0:
            raise EngineInputError(lulc_source.path, "every cell is nodata")
        missing = [int(c) for c in codes if int(c) not in table]
        if missing:
            listed = ", ".join(str(code) for code in missing[:50])
            raise EngineInputError(
                str(args.biophysical_table_path),
                f"has no row for the land-cover codes {listed} found in {lulc_source.path}",
            )
        advance(1)
        lookup = _Lookup(table, columns, codes)
        weights = (args.cc_weight_shade, args.cc_weight_albedo, args.cc_weight_eti)
        lulc_nodata, et0_nodata = lulc_source.nodata, et0_source.nodata

        def cc_block(codes_block: np.ndarray, et0_block: np.ndarray) -> np.ndarray:
            valid = io.data_mask(codes_block, lulc_nodata)
            index = lookup.index(codes_block, valid)
            if factors:
                valid &= io.data_mask(et0_block, et0_nodata)
                eti = cooling.evapotranspiration_index(
                    lookup.values["kc"][index], et0_block.astype(np.float32), et0_max
                )
                cc = cooling.cooling_capacity_factors(
                    lookup.values["shade"][index], lookup.values["albedo"][index], eti, weights
                )
            else:
                cc = cooling.cooling_capacity_intensity(lookup.values["building_intensity"][index])
            return np.where(valid, cc, np.float32(np.nan))

        def green_block(codes_block: np.ndarray) -> np.ndarray:
            valid = io.data_mask(codes_block, lulc_nodata)
            index = lookup.index(codes_block, valid)
            return np.where(valid, lookup.values["green_area"][index], np.float32(np.nan))

        f32 = np.float32
        cc = da.map_blocks(cc_block, lulc, et0, dtype=f32, meta=np.empty((0, 0), f32))
        green = da.map_blocks(green_block, lulc, dtype=f32, meta=np.empty((0, 0), f32))
        park_reach = cooling.decay_kernel(cool_cells).shape[0] // 2
        mix_reach = cooling.decay_kernel(mix_cells).shape[0] // 2
        threshold = cooling.GREEN_AREA_M2 / cell**2
        cc_park = blocks.neighbourhood(
            _park(cool_cells, mix_cells), cc, green, reach=park_reach, dtype=f32
        )
        green_sum = blocks.neighbourhood(
            _green_sum(cool_cells, mix_cells), green, reach=cool_cells, dtype=np.float64
        )
        hm = da.map_blocks(
            _heat_mitigation(threshold),
            cc,
            green_sum,
            cc_park,
            dtype=f32,
            meta=np.empty((0, 0), f32),
        )
        t_air = blocks.neighbourhood(
            _air_temperature(cool_cells, mix_cells, args.t_ref, args.uhi_max),
            hm,
            reach=mix_reach,
            dtype=f32,
        )
        advance(2)

        outputs: dict[Path, tuple[da.Array, float | int]] = {
            out_dir / "T_air.tif": (_nodata(t_air), NODATA),
            out_dir / "hm.tif": (_nodata(hm), NODATA),
            out_dir / "cc.tif": (_nodata(cc), NODATA),
        }
        if args.keep_intermediate:
            where = out_dir / "intermediate"
            outputs[where / "cc_park.tif"] = (_nodata(cc_park), NODATA)
            outputs[where / "green_area_sum.tif"] = (_nodata(green_sum), NODATA)
        humidity = args.avg_rel_humidity if args.do_productivity_valuation else None
        # Per block: the sums of every area of interest and building, and of the whole raster.
        stats = [
            dask.delayed(_block_stats)(c, h, t, location, grid, aoi, buildings, humidity)
            for c, h, t, location in zip(
                cc.to_delayed().ravel(),
                hm.to_delayed().ravel(),
                t_air.to_delayed().ravel(),
                blocks.locations(cc),
                strict=True,
            )
        ]
        with blocks.store(outputs, grid, lock, smooth=True) as stored:
            results = dask.compute(stored, *stats)[1:]
    advance(3)

    whole, areas, footprints = _combine(results)
    files: dict[str, Path] = {path.stem: path for path in outputs}
    savings = None
    if buildings is not None:
        assert footprints is not None
        footprints = _fallback(footprints, buildings.polygons, grid, out_dir, humidity)
        savings = cooling.energy_savings(args, buildings, footprints, out_dir)
        files["buildings_with_stats"] = savings.path
    areas = _fallback(areas, aoi, grid, out_dir, humidity)
    files["uhi_results"] = cooling.uhi_results(args, aoi, areas, savings, out_dir)
    cells = whole.count[0]
    summary = {
        "avg_cc": whole.sums["cc"][0] / cells,
        "avg_hm": whole.sums["hm"][0] / cells,
        "avg_tmp_v": whole.sums["t_air"][0] / cells,
    }
    summary = {name: float(value) for name, value in summary.items()}
    summary["avg_tmp_an"] = summary["avg_tmp_v"] - args.t_ref
    if humidity is not None:
        summary["avg_wbgt_v"] = float(whole.sums["wbgt"][0] / cells)
    if savings is not None:
        summary["energy_sav"] = float(np.nansum(savings.savings))
    files["cooling_summary"] = io.write_csv(
        out_dir / "cooling_summary.csv",
        [{"name": name, "value": value} for name, value in summary.items()],
    )
    advance(4)
    return cooling.CoolingResult(files=files, summary=summary)


# --- the steps, on one block (with its overlap) -------------------------------------------


def _park(cool_cells: int, mix_cells: int) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    def block(cc: np.ndarray, green: np.ndarray) -> np.ndarray:
        cc_valid = ~np.isnan(cc)
        near = cooling.Neighbourhoods(cc.shape, cool_cells, mix_cells, ~np.isnan(green), cc_valid)
        masked = np.where((green == 1) & cc_valid, cc, np.float32(0.0))
        return np.where(cc_valid, near.park_cooling(masked), np.float32(np.nan))

    return block


def _green_sum(cool_cells: int, mix_cells: int) -> Callable[[np.ndarray], np.ndarray]:
    def block(green: np.ndarray) -> np.ndarray:
        valid = ~np.isnan(green)
        near = cooling.Neighbourhoods(green.shape, cool_cells, mix_cells, valid, valid)
        return np.where(valid, near.green_area_count(green), np.nan)

    return block


def _heat_mitigation(threshold: float) -> Callable[..., np.ndarray]:
    def block(cc: np.ndarray, green_sum: np.ndarray, cc_park: np.ndarray) -> np.ndarray:
        return cooling.heat_mitigation(cc, green_sum, cc_park, threshold)

    return block


def _air_temperature(
    cool_cells: int, mix_cells: int, t_ref: float, uhi_max: float
) -> Callable[[np.ndarray], np.ndarray]:
    def block(hm: np.ndarray) -> np.ndarray:
        valid = ~np.isnan(hm)
        near = cooling.Neighbourhoods(hm.shape, cool_cells, mix_cells, valid, valid)
        t_nomix = cooling.air_temperature_nomix(hm, t_ref, uhi_max)
        return np.where(valid, near.mixed_air_temperature(t_nomix, t_ref), np.float32(np.nan))

    return block


def _nodata(array: da.Array) -> da.Array:
    return da.where(da.isnan(array), np.float32(NODATA), array).astype(np.float32)


class _Lookup:
    """Per-class values looked up by code through a table indexed by code - lowest code."""

    def __init__(
        self, table: dict[int, dict[str, float]], columns: tuple[str, ...], codes: np.ndarray
    ) -> None:
        keys = np.array(sorted(int(c) for c in codes), dtype=np.int64)
        self.lo = int(keys.min())
        self.positions = np.zeros(int(keys.max()) - self.lo + 1, dtype=np.int32)
        self.positions[keys - self.lo] = np.arange(keys.size, dtype=np.int32)
        self.values = {
            name: np.array([table[int(k)][name] for k in keys], dtype=np.float32)
            for name in columns
        }

    def index(self, codes: np.ndarray, valid: np.ndarray) -> np.ndarray:
        offset = codes.astype(np.int64) - self.lo
        np.clip(offset, 0, self.positions.size - 1, out=offset)
        index = self.positions[offset]
        index[~valid] = 0
        return index


def _survey(
    lulc: da.Array, et0: da.Array, lulc_nodata: Any, et0_nodata: Any
) -> tuple[np.ndarray, float]:
    def block(codes: np.ndarray, et0_block: np.ndarray) -> tuple[np.ndarray, float]:
        present = np.unique(codes[io.data_mask(codes, lulc_nodata)])
        known = et0_block[io.data_mask(et0_block, et0_nodata)]
        return present, float(known.max()) if known.size else -np.inf

    parts = dask.compute(
        *[
            dask.delayed(block)(c, e)
            for c, e in zip(lulc.to_delayed().ravel(), et0.to_delayed().ravel(), strict=True)
        ]
    )
    codes = np.unique(np.concatenate([p[0] for p in parts]))
    et0_max = max(p[1] for p in parts)
    return codes, float(np.round(et0_max, 9))


def _block_stats(
    cc: np.ndarray,
    hm: np.ndarray,
    t_air: np.ndarray,
    location: tuple[int, int],
    grid: io.Grid,
    aoi: io.Polygons,
    buildings: cooling.Buildings | None,
    humidity: float | None,
) -> tuple[ZoneStats, ZoneStats, ZoneStats | None]:
    valid = ~np.isnan(cc)
    rows = (location[0], location[0] + cc.shape[0])
    cols = (location[1], location[1] + cc.shape[1])
    sub = blocks.sub_grid(grid, rows, cols)
    rasters = _per_area_rasters(cc, t_air, humidity)
    whole = ZoneStats(
        np.array([int(valid.sum())]),
        {
            name: np.array([float(np.add.reduce(v, axis=None, where=valid, dtype=np.float64))])
            for name, v in {**rasters, "hm": hm}.items()
        },
        np.array([True]),
    )
    areas = zonal_statistics(aoi.geometries, grid.crs, sub, rasters, valid, fallback=False)
    footprints = None
    if buildings is not None:
        footprints = zonal_statistics(
            buildings.polygons.geometries,
            grid.crs,
            sub,
            {"t_air": t_air},
            valid,
            fallback=False,
        )
    return whole, areas, footprints


def _per_area_rasters(
    cc: np.ndarray, t_air: np.ndarray, humidity: float | None
) -> dict[str, np.ndarray]:
    rasters = {"cc": cc, "t_air": t_air}
    if humidity is not None:
        wbgt = cooling.wet_bulb_globe_temperature(t_air, humidity)
        rasters["wbgt"] = wbgt
        for kind, thresholds in cooling.WORK_LOSS_THRESHOLDS.items():
            rasters[f"{kind}_loss"] = cooling.work_loss(wbgt, thresholds).astype(np.float32)
    return rasters


def _combine(
    results: tuple[Any, ...],
) -> tuple[ZoneStats, ZoneStats, ZoneStats | None]:
    whole, areas, footprints = results[0]
    for block_whole, block_areas, block_footprints in results[1:]:
        whole = whole + block_whole
        areas = areas + block_areas
        if footprints is not None:
            footprints = footprints + block_footprints
    return whole, areas, footprints


def _fallback(
    stats: ZoneStats,
    polygons: io.Polygons,
    grid: io.Grid,
    out_dir: Path,
    humidity: float | None,
) -> ZoneStats:
    """Polygons that covered no cell centre in any block take the cells under their bounding
    box, as ``pygeoprocessing.zonal_statistics`` does, read back from the written rasters."""
    assert stats.found is not None
    missing = np.flatnonzero(~stats.found)
    if missing.size == 0:
        return stats
    count = stats.count.copy()
    sums = {name: values.copy() for name, values in stats.sums.items()}
    with (
        rasterio.open(out_dir / "cc.tif") as cc_file,
        rasterio.open(out_dir / "T_air.tif") as t_file,
    ):
        for i in missing:
            window = _box_window(polygons.geometries[i], grid)
            if window is None:
                continue
            cc = cc_file.read(1, window=window)
            t_air = t_file.read(1, window=window)
            valid = cc != NODATA
            count[i] = int(valid.sum())
            for name, values in _per_area_rasters(cc, t_air, humidity).items():
                if name in sums:
                    sums[name][i] = float(values[valid].sum(dtype=np.float64))
    return ZoneStats(count, sums, np.ones(count.size, dtype=bool))


def _box_window(geometry: Any, grid: io.Grid) -> Window | None:
    return _window(mapping(geometry), grid)
