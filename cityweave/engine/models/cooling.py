"""Urban cooling: the method of InVEST 3.20's Urban Cooling Model.

Each cell's cooling capacity (CC) comes from shade, albedo and evapotranspiration, or from
building intensity; large green areas (at least 2 ha within the cooling distance) cool their
surroundings with a weight decaying with distance; the heat mitigation index (HM) is the larger
of the two; air temperature follows from HM and the urban heat island's magnitude, mixed over
the averaging radius. Per area of interest: mean CC, temperature and its anomaly; with
valuation, the energy buildings save and the work productivity lost to heat (WBGT).
Inputs under InVEST's argument names, so an InVEST datastack runs unchanged.

Sources: InVEST 3.20.2 ``natcap.invest.urban_cooling_model`` (functions named in each
docstring) and its User's Guide, "Urban Cooling" (equations numbered there).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from rasterio.transform import array_bounds
from shapely.geometry import box

from cityweave.engine import align, arguments, blocks, io, memory
from cityweave.engine.errors import EngineInputError
from cityweave.engine.lookup import add_gathered, class_index, gather
from cityweave.engine.neighbourhood import (
    SpectralPlan,
    check_reach,
    dichotomous_kernel,
    divide_by_edge_weights,
    edge_weights,
    exponential_kernel,
)
from cityweave.engine.spec import Input, ModelSpec, Output
from cityweave.engine.zonal import ZoneStats, zonal_statistics

NODATA = io.FLOAT_NODATA
LOSS_NODATA = 255
GREEN_AREA_M2 = 2e4  # 2 ha: the least green area that cools its surroundings
# Work loss (%) at WBGT thresholds (degC) for light and heavy work (User's Guide, after
# Kjellstrom et al. 2009): 25 % from the first, 50 % from the second, 75 % from the third.
WORK_LOSS_THRESHOLDS = {"light": (31.5, 32.0, 32.5), "heavy": (27.5, 29.5, 31.5)}
DEFAULT_WEIGHTS = {"shade": 0.6, "albedo": 0.2, "eti": 0.2}

SPEC = ModelSpec(
    id="cooling",
    title="Urban cooling and heat mitigation",
    reference="InVEST 3.20 Urban Cooling Model",
    inputs=(
        Input("lulc_raster_path", "raster", "land cover (integer codes, projected)"),
        Input("ref_eto_raster_path", "raster", "reference evapotranspiration", unit="mm"),
        Input("aoi_vector_path", "vector", "areas (polygons) to summarise the results by"),
        Input(
            "biophysical_table_path",
            "table",
            "per land-cover class: kc, green_area (0/1), shade and albedo (factors) or "
            "building_intensity (intensity)",
            columns=("lucode", "kc", "green_area"),
        ),
        Input(
            "green_area_cooling_distance",
            "number",
            "distance over which a large green area cools",
            unit="m",
        ),
        Input("t_air_average_radius", "number", "radius over which air mixes", unit="m"),
        Input("t_ref", "number", "rural reference air temperature", unit="degC"),
        Input("uhi_max", "number", "magnitude of the urban heat island", unit="degC"),
        Input("cc_method", "text", "factors or intensity", required=False),
        Input("cc_weight_shade", "number", "weight of shade (default 0.6)", required=False),
        Input("cc_weight_albedo", "number", "weight of albedo (default 0.2)", required=False),
        Input("cc_weight_eti", "number", "weight of the ET index (default 0.2)", required=False),
        Input("do_energy_valuation", "boolean", "value energy savings", required=False),
        Input(
            "building_vector_path",
            "vector",
            "building footprints with an integer type",
            required=False,
        ),
        Input(
            "energy_consumption_table_path",
            "table",
            "per building type: consumption (kWh/degC/m2), optional cost (currency/kWh)",
            required=False,
            columns=("type", "consumption"),
        ),
        Input("do_productivity_valuation", "boolean", "value work productivity", required=False),
        Input("avg_rel_humidity", "number", "average relative humidity", unit="%", required=False),
        Input(
            "keep_intermediate",
            "boolean",
            "also write the intermediate rasters (CityWeave's own argument)",
            required=False,
        ),
    ),
    outputs=(
        Output("T_air.tif", "air temperature after mixing", "degC"),
        Output("hm.tif", "heat mitigation index", "0-1"),
        Output("cc.tif", "cooling capacity", "0-1"),
        Output(
            "uhi_results.shp",
            "per area: avg_cc, avg_tmp_v, avg_tmp_an, avd_eng_cn, avg_wbgt_v, avg_ltls_v, "
            "avg_hvls_v",
            "",
        ),
        Output("buildings_with_stats.shp", "per building: energy_sav, mean_t_air", ""),
        Output("intermediate/cc_park.tif", "distance-weighted cooling of green areas", "0-1"),
        Output("intermediate/cc_masked_green_areas.tif", "cooling capacity of green areas", "0-1"),
        Output(
            "intermediate/green_area_sum.tif",
            "green cells within the cooling distance",
            "cells",
        ),
        Output("intermediate/T_air_nomix.tif", "air temperature before mixing", "degC"),
        Output("intermediate/eti.tif", "evapotranspiration index", "0-1"),
        Output("intermediate/wbgt.tif", "wet bulb globe temperature", "degC"),
        Output("intermediate/light_work_loss_percent.tif", "light work lost to heat", "%"),
        Output("intermediate/heavy_work_loss_percent.tif", "heavy work lost to heat", "%"),
        Output("cooling_summary.csv", "means over the raster", ""),
    ),
)


@dataclass(frozen=True)
class CoolingArgs:
    lulc_raster_path: Path
    ref_eto_raster_path: Path
    aoi_vector_path: Path
    biophysical_table_path: Path
    green_area_cooling_distance: float
    t_air_average_radius: float
    t_ref: float
    uhi_max: float
    cc_method: str = "factors"
    cc_weight_shade: float = DEFAULT_WEIGHTS["shade"]
    cc_weight_albedo: float = DEFAULT_WEIGHTS["albedo"]
    cc_weight_eti: float = DEFAULT_WEIGHTS["eti"]
    do_energy_valuation: bool = False
    building_vector_path: Path | None = None
    energy_consumption_table_path: Path | None = None
    do_productivity_valuation: bool = False
    avg_rel_humidity: float | None = None
    # CityWeave's own: also write the intermediate rasters InVEST keeps (cc_park, eti, ...).
    keep_intermediate: bool = False

    @classmethod
    def from_invest(cls, args: Mapping[str, Any]) -> CoolingArgs:
        paths = {
            name: arguments.required_path(args, name)
            for name in (
                "lulc_raster_path",
                "ref_eto_raster_path",
                "aoi_vector_path",
                "biophysical_table_path",
            )
        }
        method = str(args.get("cc_method") or "factors").strip().lower()
        energy = arguments.flag(args, "do_energy_valuation")
        productivity = arguments.flag(args, "do_productivity_valuation")
        return cls(
            **paths,
            green_area_cooling_distance=arguments.required_number(
                args, "green_area_cooling_distance"
            ),
            t_air_average_radius=arguments.required_number(args, "t_air_average_radius"),
            t_ref=arguments.required_number(args, "t_ref"),
            uhi_max=arguments.required_number(args, "uhi_max"),
            cc_method=method,
            cc_weight_shade=arguments.required_number(
                args, "cc_weight_shade", DEFAULT_WEIGHTS["shade"]
            ),
            cc_weight_albedo=arguments.required_number(
                args, "cc_weight_albedo", DEFAULT_WEIGHTS["albedo"]
            ),
            cc_weight_eti=arguments.required_number(args, "cc_weight_eti", DEFAULT_WEIGHTS["eti"]),
            do_energy_valuation=energy,
            building_vector_path=arguments.path(args, "building_vector_path"),
            energy_consumption_table_path=arguments.path(args, "energy_consumption_table_path"),
            do_productivity_valuation=productivity,
            avg_rel_humidity=arguments.required_number(args, "avg_rel_humidity")
            if productivity
            else None,
            keep_intermediate=arguments.flag(args, "keep_intermediate"),
        )


def validate(args: CoolingArgs) -> list[str]:
    problems = []
    if args.cc_method not in {"factors", "intensity"}:
        problems.append(f"cc_method: {args.cc_method!r} is neither 'factors' nor 'intensity'")
    for name in ("green_area_cooling_distance", "t_air_average_radius", "uhi_max"):
        if getattr(args, name) < 0:
            problems.append(f"{name}: must be 0 or more, got {getattr(args, name):g}")
    weights = (args.cc_weight_shade, args.cc_weight_albedo, args.cc_weight_eti)
    if any(w < 0 for w in weights) or sum(weights) <= 0:
        problems.append(
            "cc_weight_shade, cc_weight_albedo, cc_weight_eti: must be 0 or more and not all 0"
        )
    if args.do_energy_valuation:
        for name in ("building_vector_path", "energy_consumption_table_path"):
            if getattr(args, name) is None:
                problems.append(f"{name}: is required for the energy valuation")
    if args.do_productivity_valuation:
        humidity = args.avg_rel_humidity
        if humidity is None or not 0 <= humidity <= 100:
            problems.append(f"avg_rel_humidity: must be 0 to 100 %, got {humidity}")
    return problems


@dataclass(frozen=True)
class CoolingResult:
    files: dict[str, Path]
    summary: dict[str, float]


# --- the equations, on arrays -------------------------------------------------------------


def evapotranspiration_index(kc: np.ndarray, et0: np.ndarray, et0_max: float) -> np.ndarray:
    """ETI = kc * ET0 / ET_max (0-1), ET_max the largest ET0 of the area (User's Guide eq. 1;
    ``calc_eti_op``). float32, as InVEST computes it."""
    return kc * et0 / np.float32(et0_max)


def cooling_capacity_factors(
    shade: np.ndarray, albedo: np.ndarray, eti: np.ndarray, weights: tuple[float, float, float]
) -> np.ndarray:
    """CC = w_shade * shade + w_albedo * albedo + w_eti * ETI, the weights scaled to sum to 1
    (eq. 2; ``calc_cc_op_factors``)."""
    w_shade, w_albedo, w_eti = (np.float32(w) for w in _normalised(weights))
    return w_shade * shade + w_albedo * albedo + w_eti * eti


def cooling_capacity_intensity(building_intensity: np.ndarray) -> np.ndarray:
    """CC = 1 - building intensity (floor area over land area; ``calc_cc_op_intensity``)."""
    return np.float32(1.0) - building_intensity


def heat_mitigation(
    cc: np.ndarray, green_area_sum: np.ndarray, cc_park: np.ndarray, threshold_cells: float
) -> np.ndarray:
    """HM = CC_park where at least ``threshold_cells`` green cells (2 ha) lie within the
    cooling distance and CC_park > CC, else CC (eq. 5; ``hm_op``)."""
    use_park = (cc < cc_park) & (green_area_sum >= threshold_cells)
    return np.where(use_park, cc_park.astype(np.float32), cc)


def air_temperature_nomix(hm: np.ndarray, t_ref: float, uhi_max: float) -> np.ndarray:
    """T_air,nomix = T_ref + (1 - HM) * UHI_max (degC; eq. 6; ``calc_t_air_nomix_op``)."""
    return np.float32(t_ref) + (np.float32(1.0) - hm) * np.float32(uhi_max)


def wet_bulb_globe_temperature(t_air: np.ndarray, relative_humidity: float) -> np.ndarray:
    """WBGT = 0.567 T_air + 0.393 e + 3.94, with the vapour pressure
    e = RH / 100 * 6.105 * exp(17.27 T_air / (237.7 + T_air)) (hPa; eqs. 10-11;
    ``calculate_wbgt``)."""
    # The same operations in the same order, in place: two arrays instead of seven.
    e = 237.7 + t_air
    np.divide(t_air, e, out=e)
    e *= 17.27
    np.exp(e, out=e)
    e *= (relative_humidity / 100) * 6.105
    e *= 0.393
    wbgt = 0.567 * t_air
    wbgt += e
    wbgt += 3.94
    return wbgt


def work_loss(wbgt: np.ndarray, thresholds: tuple[float, float, float]) -> np.ndarray:
    """Share of work lost (%): 0 below the first threshold, then 25, 50 and 75
    (``map_work_loss``). The step is the number of thresholds at or below WBGT, as
    ``searchsorted(thresholds, wbgt, side="right")`` gives it, counted by three comparisons
    (a tenth of a binary search's time per cell); NaN, which sorts after every threshold,
    takes the last step as there."""
    step = np.zeros(wbgt.shape, dtype=np.uint8)
    for threshold in thresholds:
        np.add(step, wbgt >= threshold, out=step, casting="unsafe")
    step[np.isnan(wbgt)] = len(thresholds)
    step *= np.uint8(25)
    return step


def _normalised(weights: tuple[float, float, float]) -> tuple[float, float, float]:
    total = sum(weights)
    return (weights[0] / total, weights[1] / total, weights[2] / total)


@lru_cache(maxsize=8)
def decay_kernel(distance_cells: int) -> np.ndarray:
    """exp(-d / distance) to 5 times the distance, normalised, as
    ``convolve_2d_by_exponential`` builds it. A distance of 0 cells is the limit of that
    kernel, the cell alone (InVEST divides by 0 there and writes NaN)."""
    kernel = (
        np.ones((1, 1), dtype=np.float32)
        if distance_cells == 0
        else exponential_kernel(distance_cells * 5, distance_cells)
    )
    kernel.setflags(write=False)  # shared by every block: read only
    return kernel


@lru_cache(maxsize=8)
def _disc(radius_cells: int) -> np.ndarray:
    kernel = dichotomous_kernel(radius_cells, normalise=False)
    kernel.setflags(write=False)
    return kernel


class Neighbourhoods:
    """The model's three convolutions on one FFT plan (``neighbourhood.SpectralPlan``), the
    masks' spectra computed once.

    ``pygeoprocessing.convolve_2d(..., ignore_nodata_and_edges=True)``, as InVEST calls it,
    gives the weighted mean of the valid neighbours times the kernel's sum (its kernels are not
    renormalised in the call); these do the same.
    """

    def __init__(
        self,
        shape: tuple[int, int],
        cool_cells: int,
        mix_cells: int,
        valid: np.ndarray,
        cc_valid: np.ndarray,
    ) -> None:
        self.park = decay_kernel(cool_cells)
        self.disc = _disc(cool_cells)
        self.mix = decay_kernel(mix_cells)
        self.plan = SpectralPlan(shape, max(k.shape[0] // 2 for k in (self.park, self.mix)))
        # The disc of green areas reaches a fifth as far as the park kernel: its own, smaller
        # FFT (1080² instead of 1250² at 1000 x 1000 cells with InVEST's sample distances).
        self.disc_plan = SpectralPlan(shape, self.disc.shape[0] // 2)
        self.cc_valid = cc_valid
        self.valid = valid

    @cached_property
    def _cc_mask(self) -> np.ndarray:
        return self.plan.spectrum(self.cc_valid)

    @cached_property
    def _mask(self) -> np.ndarray:
        """The spectrum of the valid cells on the disc's plan."""
        return self.disc_plan.spectrum(self.valid)

    def _divide_by_weight(
        self,
        values: np.ndarray,
        kernel: np.ndarray,
        valid: np.ndarray,
        mask: Callable[[], np.ndarray],
        kernel_spectrum: np.ndarray,
        plan: SpectralPlan,
        *,
        whole: bool = False,
    ) -> None:
        """``values`` divided in place by the kernel's weight on valid cells around each cell
        (rounded to whole numbers with ``whole``): in place when at most a few cells are
        absent, from the kernel's prefix sums when more are, by FFT of the mask when many
        are (on ``plan``, that of ``kernel_spectrum`` and ``mask``)."""
        if divide_by_edge_weights(values, kernel, valid, whole=whole):
            return
        weight = edge_weights(kernel, valid)
        if weight is None:
            weight = plan.inverse(mask() * kernel_spectrum)
        with np.errstate(invalid="ignore", divide="ignore"):
            values /= np.rint(weight) if whole else weight

    def _mean(
        self,
        signal: np.ndarray,
        kernel: np.ndarray,
        valid: np.ndarray,
        mask: Callable[[], np.ndarray],
    ) -> np.ndarray:
        plan = self.plan
        kernel_spectrum = plan.kernel_spectrum(kernel)
        spectrum = plan.spectrum(signal, valid)
        spectrum *= kernel_spectrum
        out = plan.inverse(spectrum)
        del spectrum
        self._divide_by_weight(out, kernel, valid, mask, kernel_spectrum, plan)
        return out

    def park_cooling(self, cc_masked_green: np.ndarray) -> np.ndarray:
        """CC_park: the green areas' CC weighted by exp(-d / cooling distance) to 5 times that
        distance (eq. 3; ``convolve_2d_by_exponential``); non-negative, so FFT round-off
        below 0 is clipped."""
        out = self._mean(cc_masked_green, self.park, self.cc_valid, lambda: self._cc_mask)
        out *= np.float32(self.park.sum(dtype=np.float64))
        np.maximum(out, 0.0, out=out)
        return out

    def green_area_count(self, green: np.ndarray) -> np.ndarray:
        """GA: green cells within the cooling distance (a disc; eq. 4), scaled up where the
        disc reaches past the raster or over nodata as InVEST's edge correction does: green
        count / valid count * disc cells, in float64 as InVEST divides. Both counts are whole
        numbers, so the FFT's sums are rounded to them, and the comparison with 2 ha sees
        exactly InVEST's numbers: 200 green cells of 6361 give 200.00000000000003 there, which
        passes a threshold of 200 cells, where float32 gives 199.99998, which does not."""
        plan, disc = self.disc_plan, self.disc
        kernel_spectrum = plan.kernel_spectrum(disc)
        spectrum = plan.spectrum(green, self.valid)
        spectrum *= kernel_spectrum
        green_count = np.rint(plan.inverse(spectrum)).astype(np.float64)
        del spectrum
        self._divide_by_weight(
            green_count,
            disc,
            self.valid,
            lambda: self._mask,
            kernel_spectrum,
            plan,
            whole=True,
        )
        green_count *= float(disc.sum(dtype=np.float64))
        return green_count

    def mixed_air_temperature(self, t_nomix: np.ndarray, t_ref: float) -> np.ndarray:
        """T_air: T_air,nomix averaged with weights exp(-d / mixing radius) to 5 times it
        (eq. 7), times the kernel's sum. The mean of (T_nomix - T_ref) is taken and T_ref
        added back: the same value, with the FFT's round-off relative to the heat island's few
        degrees instead of to the whole temperature."""
        excess = self._mean(
            t_nomix - np.float32(t_ref), self.mix, self.cc_valid, lambda: self._cc_mask
        )
        excess += np.float32(t_ref)
        excess *= np.float32(self.mix.sum(dtype=np.float64))
        return excess


# --- the run ------------------------------------------------------------------------------


def grid_of(args: CoolingArgs) -> io.Grid:
    """The grid the model runs on: the land cover's cells over its intersection with ET0 and
    the AOI (``align.target_grid``)."""
    return align.target_grid(
        args.lulc_raster_path, [args.ref_eto_raster_path], [args.aoi_vector_path]
    )


@memory.tuned_for_runs()
def run(
    args: CoolingArgs, out_dir: Path, *, progress: Callable[[int, int], None] | None = None
) -> CoolingResult:
    problems = validate(args)
    if problems:
        raise EngineInputError("arguments", "; ".join(problems))
    grid = grid_of(args)
    if blocks.wanted(grid):  # larger than memory, or a cluster: block by block
        from cityweave.engine.models import cooling_blocks  # loads dask

        return cooling_blocks.run(args, out_dir, grid, progress)
    with io.BackgroundWriter() as writer:
        return _run(args, out_dir, progress, writer)


def _run(
    args: CoolingArgs,
    out_dir: Path,
    progress: Callable[[int, int], None] | None,
    writer: io.BackgroundWriter,
) -> CoolingResult:
    problems = validate(args)
    if problems:
        raise EngineInputError("arguments", "; ".join(problems))
    steps = 8
    step = 0

    def advance() -> None:
        nonlocal step
        step += 1
        if progress:
            progress(step, steps)

    columns = ("kc", "green_area") + (
        ("shade", "albedo") if args.cc_method == "factors" else ("building_intensity",)
    )
    table = io.read_table(args.biophysical_table_path, key="lucode", columns=columns)
    # InVEST's alignment: the land cover by mode and ET0 by cubic spline onto the land cover's
    # cells, over the intersection of both rasters and the AOI.
    lulc, et0 = align.align(
        [
            align.Layer(args.lulc_raster_path, "mode", integer=True),
            align.Layer(args.ref_eto_raster_path, "cubicspline"),
        ],
        vectors=[args.aoi_vector_path],
    )
    grid = lulc.grid
    aoi = io.read_polygons(args.aoi_vector_path)
    cell = min(abs(grid.transform.a), abs(grid.transform.e))
    cool_cells = int(np.round(args.green_area_cooling_distance / cell))
    mix_cells = int(np.round(args.t_air_average_radius / cell))
    shape = (grid.height, grid.width)
    check_reach(cool_cells, shape, "green_area_cooling_distance", args.green_area_cooling_distance)
    check_reach(mix_cells, shape, "t_air_average_radius", args.t_air_average_radius)
    _check_overlap(aoi, grid)
    advance()

    valid = lulc.valid
    keys, rows = class_index(
        lulc.values, valid, table, raster=lulc.path, table=str(args.biophysical_table_path)
    )
    del lulc  # the class of each cell is in ``rows`` from here on
    per_class = {
        name: np.array([table[int(k)][name] for k in keys], dtype=np.float32) for name in columns
    }
    files: dict[str, Path] = {}

    def write(
        name: str, values: np.ndarray, where: np.ndarray | None, nodata: float | int = NODATA
    ) -> None:
        """The raster ``name`` (if it is written: final, or intermediates kept), with
        ``nodata`` outside ``where`` set strip by strip as it is written; float32, but work
        losses (``LOSS_NODATA``) in their own bytes."""
        final = name in {"T_air", "hm", "cc"}
        if not (final or args.keep_intermediate):
            return
        path = out_dir / f"{'' if final else 'intermediate/'}{name}.tif"
        files[name] = writer.write(
            path,
            values,
            grid,
            nodata=nodata,
            smooth=nodata == NODATA,
            where=where,
            dtype=np.float32 if nodata == NODATA else None,
        )

    green = gather(per_class["green_area"], rows)
    if args.cc_method == "factors":
        et0_valid = et0.valid & valid
        et0_values = et0.values.astype(np.float32, copy=False)
        # ET_max: the largest ET0 where it is known, rounded to 9 decimals as InVEST does.
        et0_max = float(np.round(float(np.max(et0_values, where=et0.valid, initial=-np.inf)), 9))
        weights = (args.cc_weight_shade, args.cc_weight_albedo, args.cc_weight_eti)
        if args.keep_intermediate:
            eti = evapotranspiration_index(gather(per_class["kc"], rows), et0_values, et0_max)
            write("eti", eti, et0_valid)
            del eti
        # CC = (w_s shade + w_a albedo) + (w_e kc / ET_max) ET0: a constant and a slope per
        # class, so two lookups per cell instead of four (the same sums in another order).
        w_shade, w_albedo, w_eti = (np.float32(w) for w in _normalised(weights))
        constant = w_shade * per_class["shade"] + w_albedo * per_class["albedo"]
        slope = w_eti * per_class["kc"] / np.float32(et0_max)
        cc = gather(slope, rows)
        cc *= et0_values
        add_gathered(cc, constant, rows)
        cc_valid = et0_valid
        del et0_values
    else:
        cc = cooling_capacity_intensity(gather(per_class["building_intensity"], rows))
        cc_valid = valid
    del et0, rows
    cc_masked_green = np.where(green.astype(bool), cc, np.float32(0.0))
    write("cc", cc, cc_valid)  # final rasters are compressed while the FFTs run
    advance()

    near = Neighbourhoods(shape, cool_cells, mix_cells, valid, cc_valid)
    cc_park = near.park_cooling(cc_masked_green)
    write("cc_masked_green_areas", cc_masked_green, cc_valid)
    del cc_masked_green
    advance()
    green_sum = near.green_area_count(green)
    del green
    advance()
    hm = heat_mitigation(cc, green_sum, cc_park, GREEN_AREA_M2 / cell**2)
    write("hm", hm, cc_valid)
    write("cc_park", cc_park, cc_valid)
    write("green_area_sum", green_sum, valid)
    del cc_park, green_sum
    advance()

    t_nomix = air_temperature_nomix(hm, args.t_ref, args.uhi_max)
    t_air = near.mixed_air_temperature(t_nomix, args.t_ref)
    del near
    write("T_air_nomix", t_nomix, cc_valid)
    del t_nomix
    write("T_air", t_air, cc_valid)
    advance()

    rasters: dict[str, np.ndarray] = {"cc": cc, "t_air": t_air}
    if args.do_productivity_valuation:
        assert args.avg_rel_humidity is not None
        wbgt = wet_bulb_globe_temperature(t_air, args.avg_rel_humidity)
        write("wbgt", wbgt, cc_valid)
        rasters["wbgt"] = wbgt
        for kind, thresholds in WORK_LOSS_THRESHOLDS.items():
            loss = work_loss(wbgt, thresholds)  # bytes: zonal sums add them in float64
            rasters[f"{kind}_loss"] = loss
            write(f"{kind}_work_loss_percent", loss, cc_valid, nodata=LOSS_NODATA)
    advance()

    savings = None
    if args.do_energy_valuation:
        buildings = read_buildings(args, grid)
        stats = zonal_statistics(
            buildings.polygons.geometries, grid.crs, grid, {"t_air": t_air}, cc_valid
        )
        savings = energy_savings(args, buildings, stats, out_dir)
        files["buildings_with_stats"] = savings.path
    areas = io.polygons_in(aoi, grid.crs)
    stats = zonal_statistics(areas.geometries, grid.crs, grid, rasters, cc_valid)
    files["uhi_results"] = uhi_results(args, areas, stats, savings, out_dir)
    cells = int(np.count_nonzero(cc_valid))

    def mean(values: np.ndarray) -> float:
        return float(np.add.reduce(values, axis=None, where=cc_valid, dtype=np.float64) / cells)

    summary = {"avg_cc": mean(cc), "avg_hm": mean(hm), "avg_tmp_v": mean(t_air)}
    summary["avg_tmp_an"] = summary["avg_tmp_v"] - args.t_ref
    if "wbgt" in rasters:
        summary["avg_wbgt_v"] = mean(rasters["wbgt"])
    if savings is not None:
        summary["energy_sav"] = float(np.nansum(savings.savings))
    files["cooling_summary"] = io.write_csv(
        out_dir / "cooling_summary.csv",
        [{"name": name, "value": value} for name, value in summary.items()],
    )
    advance()
    return CoolingResult(files=files, summary=summary)


@dataclass(frozen=True)
class Buildings:
    """Building footprints in the raster's projection, with the consumption and cost of each
    one's type (``energy_consumption_table_path``)."""

    polygons: io.Polygons
    consumption: np.ndarray
    cost: np.ndarray


@dataclass(frozen=True)
class Savings:
    path: Path
    polygons: io.Polygons
    savings: np.ndarray


def read_buildings(args: CoolingArgs, grid: io.Grid) -> Buildings:
    """The footprints and their types' rows, every type checked against the table."""
    assert args.building_vector_path and args.energy_consumption_table_path
    table_path = args.energy_consumption_table_path
    columns = _table_columns(table_path)
    wanted = ("consumption", "cost") if "cost" in columns else ("consumption",)
    table = io.read_table(table_path, key="type", columns=wanted)
    buildings = io.read_polygons(args.building_vector_path)
    type_field = next((name for name in buildings.fields if name.lower() == "type"), None)
    if type_field is None:
        raise EngineInputError(buildings.path, "has no 'type' field")
    types = buildings.fields[type_field]
    unknown = sorted({int(t) for t in types if int(t) not in table})
    if unknown:
        raise EngineInputError(
            str(table_path),
            f"has no row for the building types {', '.join(map(str, unknown))} of {buildings.path}",
        )
    return Buildings(
        polygons=io.polygons_in(buildings, grid.crs),
        consumption=np.array([table[int(t)]["consumption"] for t in types]),
        cost=np.array([table[int(t)].get("cost", 1.0) for t in types]),
    )


def energy_savings(
    args: CoolingArgs, buildings: Buildings, stats: ZoneStats, out_dir: Path
) -> Savings:
    """Per building: ``mean_t_air`` under its footprint and
    ``energy_sav`` = consumption * area (m2) * (T_ref + UHI_max - mean T_air) * cost, cost 1
    where the table has none (kWh or currency; eqs. 8-9; ``calculate_energy_savings``)."""
    mean = stats.mean("t_air")
    area = shapely.area(np.array(buildings.polygons.geometries, dtype=object))
    savings = buildings.consumption * area * (args.t_ref - mean + args.uhi_max) * buildings.cost
    path = io.write_polygons(
        out_dir / "buildings_with_stats.shp",
        buildings.polygons,
        {"energy_sav": savings, "mean_t_air": mean},
    )
    return Savings(path, buildings.polygons, savings)


def uhi_results(
    args: CoolingArgs,
    aoi: io.Polygons,
    stats: ZoneStats,
    savings: Savings | None,
    out_dir: Path,
) -> Path:
    """Per area (``calculate_uhi_result_vector``): means of CC, T_air and its anomaly over
    T_ref, of WBGT and work losses; with buildings, the sum of the savings of every building
    that intersects the area. ``aoi`` is in the raster's projection."""
    extra: dict[str, np.ndarray] = {
        "avg_cc": stats.mean("cc"),
        "avg_tmp_v": stats.mean("t_air"),
    }
    extra["avg_tmp_an"] = extra["avg_tmp_v"] - args.t_ref
    nan = np.full(len(aoi.geometries), np.nan)
    extra["avd_eng_cn"] = nan.copy()
    if savings is not None:
        tree = shapely.STRtree(savings.polygons.geometries)
        sums = np.zeros(len(aoi.geometries))
        areas, hits = tree.query(aoi.geometries, predicate="intersects")
        np.add.at(sums, areas, np.nan_to_num(savings.savings[hits]))
        extra["avd_eng_cn"] = sums
    for field, name in (
        ("avg_wbgt_v", "wbgt"),
        ("avg_ltls_v", "light_loss"),
        ("avg_hvls_v", "heavy_loss"),
    ):
        extra[field] = stats.mean(name) if name in stats.sums else nan.copy()
    return io.write_polygons(out_dir / "uhi_results.shp", aoi, extra)


def _check_overlap(polygons: io.Polygons, grid: io.Grid) -> None:
    """An area of interest that misses the land cover is a mistake in the inputs: say so."""

    moved = io.polygons_in(polygons, grid.crs)
    raster = box(*array_bounds(grid.height, grid.width, grid.transform))
    if not any(shapely.intersects(raster, g) for g in moved.geometries):
        raise EngineInputError(polygons.path, "no area of it overlaps the land-cover raster")


def _table_columns(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig") as handle:
        return [name.strip().lower() for name in handle.readline().split(",")]
