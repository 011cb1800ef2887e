"""Carbon storage and sequestration: the method of InVEST 3.20's Carbon model.

Four pools per land-cover class (above ground, below ground, soil, dead matter, in Mg C/ha),
summed per cell for a baseline land cover and, optionally, a scenario; the change between them;
and its net present value. Inputs under InVEST's argument names, so an InVEST datastack runs
unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from rasterio.windows import Window

from cityweave.engine import arguments, blocks, io, memory
from cityweave.engine.errors import EngineInputError
from cityweave.engine.lookup import class_index, count, gather, missing_codes
from cityweave.engine.spec import Input, ModelSpec, Output

POOLS = ("c_above", "c_below", "c_soil", "c_dead")
NODATA = io.FLOAT_NODATA

SPEC = ModelSpec(
    id="carbon",
    title="Carbon storage and sequestration",
    reference="InVEST 3.20 Carbon Storage and Sequestration",
    inputs=(
        Input("lulc_bas_path", "raster", "baseline land cover (integer codes, projected)"),
        Input(
            "carbon_pools_path",
            "table",
            "carbon density of each pool per land-cover class",
            unit="Mg C/ha",
            columns=("lucode", *POOLS),
        ),
        Input("calc_sequestration", "boolean", "also compute a scenario", required=False),
        Input("lulc_alt_path", "raster", "scenario land cover, same grid", required=False),
        Input("do_valuation", "boolean", "value the change", required=False),
        Input("lulc_bas_year", "integer", "year of the baseline", required=False),
        Input("lulc_alt_year", "integer", "year of the scenario", required=False),
        Input(
            "price_per_metric_ton_of_c",
            "number",
            "price of carbon",
            unit="currency/Mg C",
            required=False,
        ),
        Input("discount_rate", "number", "market discount rate", unit="%", required=False),
        Input(
            "rate_change", "number", "annual change of the carbon price", unit="%", required=False
        ),
    ),
    outputs=(
        Output("c_storage_bas.tif", "carbon stored per cell, baseline", "Mg C/ha"),
        Output("c_storage_alt.tif", "carbon stored per cell, scenario", "Mg C/ha"),
        Output("c_change_bas_alt.tif", "scenario minus baseline", "Mg C/ha"),
        Output("npv_alt.tif", "net present value of the change", "currency/ha"),
        Output("raster_values_summary.csv", "totals over the raster", "Mg C, currency"),
    ),
)


@dataclass(frozen=True)
class CarbonArgs:
    lulc_bas_path: Path
    carbon_pools_path: Path
    calc_sequestration: bool = False
    lulc_alt_path: Path | None = None
    do_valuation: bool = False
    lulc_bas_year: int | None = None
    lulc_alt_year: int | None = None
    price_per_metric_ton_of_c: float | None = None
    discount_rate: float | None = None
    rate_change: float | None = None

    @classmethod
    def from_invest(cls, args: Mapping[str, Any]) -> CarbonArgs:
        """From an InVEST args dict (paths already resolved)."""

        arguments.require(args, ("lulc_bas_path", "carbon_pools_path"))
        return cls(
            lulc_bas_path=Path(args["lulc_bas_path"]),
            carbon_pools_path=Path(args["carbon_pools_path"]),
            calc_sequestration=arguments.flag(args, "calc_sequestration"),
            lulc_alt_path=arguments.path(args, "lulc_alt_path"),
            do_valuation=arguments.flag(args, "do_valuation"),
            lulc_bas_year=arguments.integer(args, "lulc_bas_year"),
            lulc_alt_year=arguments.integer(args, "lulc_alt_year"),
            price_per_metric_ton_of_c=arguments.number(args, "price_per_metric_ton_of_c"),
            discount_rate=arguments.number(args, "discount_rate"),
            rate_change=arguments.number(args, "rate_change"),
        )


def validate(args: CarbonArgs) -> list[str]:
    """Problems with the arguments, each naming the argument; empty when they can run."""
    problems = []
    if args.calc_sequestration and args.lulc_alt_path is None:
        problems.append("lulc_alt_path: required to calculate sequestration")
    if args.do_valuation:
        if not args.calc_sequestration:
            problems.append("do_valuation: needs calc_sequestration and a scenario")
        for name in (
            "lulc_bas_year",
            "lulc_alt_year",
            "price_per_metric_ton_of_c",
            "discount_rate",
            "rate_change",
        ):
            if getattr(args, name) is None:
                problems.append(f"{name}: required for valuation")
        if (
            args.lulc_bas_year is not None
            and args.lulc_alt_year is not None
            and args.lulc_alt_year <= args.lulc_bas_year
        ):
            problems.append("lulc_alt_year: must be after lulc_bas_year")
    return problems


def carbon_density(pools: Mapping[str, float]) -> float:
    """C = c_above + c_below + c_soil + c_dead (Mg C/ha) of one land-cover class (InVEST 3.20
    ``carbon.execute``: the sum of the four reclassified pool rasters)."""
    return float(sum(pools[name] for name in POOLS))


def valuation_constant(
    *, price: float, discount_rate: float, rate_change: float, years: int
) -> float:
    """V = price / n · Σ_{t=0}^{n-1} 1 / ((1 + r)^t (1 + c)^t), r and c in per cent / 100,
    n = scenario year - baseline year (InVEST 3.20 Carbon, ``_calculate_valuation_constant``).
    NPV per cell = ΔC · V (currency/ha)."""
    r, c = discount_rate / 100.0, rate_change / 100.0
    total = sum(1.0 / ((1.0 + r) ** t * (1.0 + c) ** t) for t in range(years))
    return price / years * total


@dataclass(frozen=True)
class CarbonResult:
    files: dict[str, Path]
    summary: dict[str, float]


def densities(table: Mapping[int, Mapping[str, float]]) -> np.ndarray:
    """The carbon density of every class of the table, in its codes' sorted order (float32,
    Mg C/ha), with ``NODATA`` last for cells where the land cover is nodata."""
    return np.array(
        [carbon_density(table[code]) for code in sorted(table)] + [NODATA], dtype=np.float32
    )


def class_positions(
    codes: np.ndarray,
    valid: np.ndarray,
    table: Mapping[int, Mapping[str, float]],
    *,
    raster: str,
    table_path: str,
) -> np.ndarray:
    """Each cell's position among the table's sorted codes (int32), ``len(table)`` (the
    nodata entry of ``densities``) where the land cover is nodata. Raises
    ``EngineInputError`` listing codes the table lacks."""
    if not valid.any():  # a block of nodata only
        return np.full(codes.shape, len(table), dtype=np.int32)
    _keys, index = class_index(codes, valid, table, raster=raster, table=table_path)
    index[~valid] = len(table)
    return index


def storage(density: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Carbon density per cell (Mg C/ha, float32), ``NODATA`` where the land cover is nodata:
    the density of each class, gathered once per cell."""
    return gather(density, index)


def change(c_bas: np.ndarray, c_alt: np.ndarray, both: np.ndarray) -> np.ndarray:
    """ΔC = C_alt - C_bas per cell (Mg C/ha, float32), ``NODATA`` where either is nodata."""
    return np.where(both, c_alt - c_bas, np.float32(NODATA))


def present_value(delta: np.ndarray, both: np.ndarray, constant: float) -> np.ndarray:
    """NPV = ΔC · V per cell (currency/ha, float32), ``NODATA`` where either is nodata."""
    npv = np.full(delta.shape, NODATA, dtype=np.float32)
    np.multiply(delta, np.float32(constant), out=npv, where=both)
    return npv


def class_counts(index: np.ndarray, classes: int) -> np.ndarray:
    """Cells of each class (int64), nodata cells left out."""
    return count(index, classes)


# Pair counts are held in a table of (classes + 1)² entries up to this size, else as codes.
PAIR_TABLE = 1 << 22


def pair_counts(
    bas_index: np.ndarray, alt_index: np.ndarray, classes: int, *, rows: int = 256
) -> tuple[np.ndarray, np.ndarray]:
    """Cells of each (baseline class, scenario class) pair, nodata (position ``classes``) a
    class of its own, as the pairs' codes (baseline position x (classes + 1) + scenario
    position, sorted, int64) and their counts (int64): both land covers' counts per class and
    every per-cell value of the change and of its value follow from them. Strip by strip of
    ``rows`` rows, with no 64-bit copy of the whole raster."""
    side = classes + 1
    size = side * side
    table = np.zeros(size, dtype=np.int64) if size <= PAIR_TABLE else None
    parts: list[tuple[np.ndarray, np.ndarray]] = []
    buffer = np.empty((min(rows, bas_index.shape[0]), bas_index.shape[1]), dtype=np.intp)
    for start in range(0, bas_index.shape[0], rows):
        strip = bas_index[start : start + rows]
        code = buffer[: strip.shape[0]]
        np.multiply(strip, side, out=code)
        code += alt_index[start : start + rows]
        if table is not None:
            table += np.bincount(code.ravel(), minlength=size)
        else:
            parts.append(np.unique(code, return_counts=True))
    if table is not None:
        codes = np.flatnonzero(table)
        return codes.astype(np.int64), table[codes]
    return merge_pair_counts(parts)


def merge_pair_counts(
    parts: Sequence[tuple[np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray]:
    """Pair counts of several parts of a raster (``pair_counts`` of each) added up."""
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    codes, where = np.unique(np.concatenate([p[0] for p in parts]), return_inverse=True)
    counts = np.zeros(codes.size, dtype=np.int64)
    np.add.at(counts, where, np.concatenate([p[1] for p in parts]))
    return codes.astype(np.int64), counts


def pair_classes(
    codes: np.ndarray, counts: np.ndarray, classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """Cells of each class of the baseline and of the scenario (int64), from pair counts."""
    side = classes + 1
    out = []
    for position in (codes // side, codes % side):
        per_class = np.zeros(side, dtype=np.int64)
        np.add.at(per_class, position, counts)
        out.append(per_class[:classes])
    return out[0], out[1]


def known_pairs(
    codes: np.ndarray, counts: np.ndarray, classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """The pairs where both land covers are known."""
    side = classes + 1
    known = (codes // side < classes) & (codes % side < classes)
    return codes[known], counts[known]


def pair_change(density: np.ndarray, codes: np.ndarray, classes: int) -> np.ndarray:
    """ΔC of each pair of ``pair_counts`` (float32, as ``change`` computes it per cell)."""
    side = classes + 1
    return density[codes % side] - density[codes // side]


def total(counts: np.ndarray, values: np.ndarray, cell_area_m2: float) -> float:
    """Σ count · value (per ha) · cell area (m²) / 10,000 m²/ha: Mg C from Mg C/ha, currency
    from currency/ha. The counts are whole and the sum exactly rounded (``math.fsum``), so a
    raster counted block by block gives the same figure as counted whole."""
    products = counts.astype(np.float64) * values.astype(np.float64)
    return float(math.fsum(products.tolist()) * cell_area_m2 / 1e4)


def sequestration_totals(
    codes: np.ndarray,
    counts: np.ndarray,
    density: np.ndarray,
    cell_area_m2: float,
    constant: float | None,
) -> dict[str, float]:
    """The totals of both land covers, of the change and (with the valuation constant) of its
    value, from the pair counts of the whole raster (``pair_counts``)."""
    classes = density.size - 1
    bas, alt = pair_classes(codes, counts, classes)
    out = {
        "c_storage_bas_mg": total(bas, density[:-1], cell_area_m2),
        "c_storage_alt_mg": total(alt, density[:-1], cell_area_m2),
    }
    codes, counts = known_pairs(codes, counts, classes)
    delta = pair_change(density, codes, classes)
    out["c_change_bas_alt_mg"] = total(counts, delta, cell_area_m2)
    if constant is not None:
        npv = present_value(delta, np.ones(delta.shape, dtype=bool), constant)
        out["npv_alt"] = total(counts, npv, cell_area_m2)
    return out


def grid_of(args: CarbonArgs) -> io.Grid:
    """The baseline land cover's grid (the scenario must be on the same one), read from the
    file's header."""
    shown = str(args.lulc_bas_path)
    try:
        with rasterio.open(args.lulc_bas_path) as dataset:
            grid = io.Grid(dataset.width, dataset.height, dataset.transform, dataset.crs)
    except rasterio.errors.RasterioIOError as error:
        raise EngineInputError(shown, f"cannot be read as a raster ({error})") from None
    io._projected(grid.crs, shown)
    return grid


def valuation_of(args: CarbonArgs) -> float:
    """The valuation constant V of the arguments."""
    return valuation_constant(
        price=float(args.price_per_metric_ton_of_c or 0.0),
        discount_rate=float(args.discount_rate or 0.0),
        rate_change=float(args.rate_change or 0.0),
        years=int(args.lulc_alt_year or 0) - int(args.lulc_bas_year or 0),
    )


def steps_of(args: CarbonArgs) -> int:
    return 2 + (2 if args.calc_sequestration else 0) + (1 if args.do_valuation else 0)


@memory.tuned_for_runs()
def run(
    args: CarbonArgs, out_dir: Path, *, progress: Callable[[int, int], None] | None = None
) -> CarbonResult:
    problems = validate(args)
    if problems:
        raise EngineInputError("arguments", "; ".join(problems))
    grid = grid_of(args)
    if blocks.wanted(grid):  # larger than memory, or a cluster: block by block
        from cityweave.engine.models import carbon_blocks  # loads dask

        return carbon_blocks.run(args, out_dir, grid, progress)
    return _run(args, out_dir, progress)


# The in-memory run goes strip by strip of this many rows (two rows of 256-cell tiles): the land
# covers are read whole, every output is computed and written a strip at a time, so a 4000 x
# 4000 run holds 64 MB of codes and a few MB of outputs instead of four 64 MB rasters.
STRIP_ROWS = 512


def _run(
    args: CarbonArgs,
    out_dir: Path,
    progress: Callable[[int, int], None] | None,
) -> CarbonResult:
    table_path = str(args.carbon_pools_path)
    table = io.read_table(args.carbon_pools_path, key="lucode", columns=POOLS)
    classes = len(table)
    density = densities(table)
    bas = io.read_raster(args.lulc_bas_path, integer=True)
    grid = bas.grid
    sequestration = args.calc_sequestration and args.lulc_alt_path is not None
    alt = None
    if sequestration:
        assert args.lulc_alt_path is not None
        alt = io.read_raster(args.lulc_alt_path, integer=True)
        if not alt.grid.same_as(grid):
            raise EngineInputError(
                str(args.lulc_alt_path),
                f"is not on the grid of {args.lulc_bas_path} (size, cells and projection must "
                "be the same)",
            )
    constant = valuation_of(args) if sequestration and args.do_valuation else None
    names = ["c_storage_bas"]
    if sequestration:
        names += ["c_storage_alt", "c_change_bas_alt"]
    if constant is not None:
        names.append("npv_alt")
    files = {name: out_dir / f"{name}.tif" for name in names}
    strips = range(0, grid.height, STRIP_ROWS)
    parts: list[tuple[np.ndarray, np.ndarray]] = []
    counts = np.zeros(classes, dtype=np.int64)
    with io.new_rasters(list(files.values()), grid, nodata=NODATA) as datasets:
        outputs = dict(zip(names, datasets, strict=True))
        for number, top in enumerate(strips):
            rows = slice(top, top + STRIP_ROWS)
            window = Window(0, top, grid.width, min(STRIP_ROWS, grid.height - top))
            bas_index = _positions(bas, rows, table, table_path)
            c_bas = storage(density, bas_index)
            outputs["c_storage_bas"].write(c_bas, 1, window=window)
            if alt is None:
                counts += class_counts(bas_index, classes)
            else:
                alt_index = _positions(alt, rows, table, table_path)
                c_alt = storage(density, alt_index)
                both = bas.valid[rows] & alt.valid[rows]
                delta = change(c_bas, c_alt, both)
                outputs["c_storage_alt"].write(c_alt, 1, window=window)
                outputs["c_change_bas_alt"].write(delta, 1, window=window)
                if constant is not None:
                    npv = present_value(delta, both, constant)
                    outputs["npv_alt"].write(npv, 1, window=window)
                parts.append(pair_counts(bas_index, alt_index, classes))
            if progress is not None:
                progress(number + 1, len(strips) + 1)
    if alt is None:
        summary = {"c_storage_bas_mg": total(counts, density[:-1], grid.cell_area_m2)}
    else:
        codes, pair_count = merge_pair_counts(parts)
        summary = sequestration_totals(codes, pair_count, density, grid.cell_area_m2, constant)
    result = finish(out_dir, files, summary)
    if progress is not None:
        progress(len(strips) + 1, len(strips) + 1)
    return result


def _positions(
    raster: io.Raster, rows: slice, table: Mapping[int, Mapping[str, float]], table_path: str
) -> np.ndarray:
    """``class_positions`` of one strip; a code the table lacks is named with every other
    code of the whole raster the table lacks."""
    try:
        return class_positions(
            raster.values[rows],
            raster.valid[rows],
            table,
            raster=raster.path,
            table_path=table_path,
        )
    except EngineInputError:
        missing = missing_codes(raster.values, raster.valid, table)
        listed = ", ".join(str(code) for code in missing[:50])
        raise EngineInputError(
            table_path, f"has no row for the land-cover codes {listed} found in {raster.path}"
        ) from None


def finish(
    out_dir: Path,
    files: dict[str, Path],
    summary: dict[str, float],
    step: Callable[[], None] | None = None,
) -> CarbonResult:
    """``raster_values_summary.csv`` and the result."""
    files["raster_values_summary"] = io.write_csv(
        out_dir / "raster_values_summary.csv",
        [{"name": name, "value": value} for name, value in summary.items()],
    )
    if step is not None:
        step()
    return CarbonResult(files=files, summary=summary)
