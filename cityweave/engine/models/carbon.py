"""Carbon storage and sequestration: the method of InVEST 3.20's Carbon model.

Four pools per land-cover class (above ground, below ground, soil, dead matter, in Mg C/ha),
summed per cell for a baseline land cover and, optionally, a scenario; the change between them;
and its net present value. Inputs under InVEST's argument names, so an InVEST datastack runs
unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cityweave.engine import arguments, io
from cityweave.engine.errors import EngineInputError
from cityweave.engine.lookup import class_index, gather
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


def _storage(
    raster: io.Raster, table: Mapping[int, Mapping[str, float]], table_path: str
) -> np.ndarray:
    """Carbon density per cell (Mg C/ha, float32), ``NODATA`` where the land cover is nodata:
    the density of each class, gathered once per cell."""
    keys, index = class_index(
        raster.values, raster.valid, table, raster=raster.path, table=table_path
    )
    density = np.array([carbon_density(table[int(k)]) for k in keys] + [NODATA], dtype=np.float32)
    index[~raster.valid] = len(keys)  # the nodata entry
    return gather(density, index)


def _total(density: np.ndarray, cell_area_m2: float) -> float:
    """Σ cells (per ha) · cell area (m²) / 10,000 m²/ha: Mg C from Mg C/ha, currency from
    currency/ha."""
    valid = density != np.float32(NODATA)
    total = np.add.reduce(density, axis=None, dtype=np.float64, where=valid)
    return float(total * cell_area_m2 / 1e4)


def run(
    args: CarbonArgs, out_dir: Path, *, progress: Callable[[int, int], None] | None = None
) -> CarbonResult:
    with io.BackgroundWriter() as writer:
        return _run(args, out_dir, progress, writer)


def _run(
    args: CarbonArgs,
    out_dir: Path,
    progress: Callable[[int, int], None] | None,
    writer: io.BackgroundWriter,
) -> CarbonResult:
    problems = validate(args)
    if problems:
        raise EngineInputError("arguments", "; ".join(problems))
    steps = 2 + (2 if args.calc_sequestration else 0) + (1 if args.do_valuation else 0)
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, steps)

    table = io.read_table(args.carbon_pools_path, key="lucode", columns=POOLS)
    bas = io.read_raster(args.lulc_bas_path, integer=True)
    c_bas = _storage(bas, table, str(args.carbon_pools_path))
    files = {
        "c_storage_bas": writer.write(out_dir / "c_storage_bas.tif", c_bas, bas.grid, nodata=NODATA)
    }
    summary = {"c_storage_bas_mg": _total(c_bas, bas.grid.cell_area_m2)}
    step()
    if args.calc_sequestration and args.lulc_alt_path is not None:
        alt = io.read_raster(args.lulc_alt_path, integer=True)
        if not alt.grid.same_as(bas.grid):
            raise EngineInputError(
                str(args.lulc_alt_path),
                f"is not on the grid of {args.lulc_bas_path} (size, cells and projection must "
                "be the same)",
            )
        c_alt = _storage(alt, table, str(args.carbon_pools_path))
        step()
        both = bas.valid & alt.valid
        change = np.where(both, c_alt - c_bas, np.float32(NODATA))
        files["c_storage_alt"] = writer.write(
            out_dir / "c_storage_alt.tif", c_alt, bas.grid, nodata=NODATA
        )
        files["c_change_bas_alt"] = writer.write(
            out_dir / "c_change_bas_alt.tif", change, bas.grid, nodata=NODATA
        )
        summary["c_storage_alt_mg"] = _total(c_alt, bas.grid.cell_area_m2)
        summary["c_change_bas_alt_mg"] = _total(change, bas.grid.cell_area_m2)
        step()
        if args.do_valuation:
            constant = valuation_constant(
                price=float(args.price_per_metric_ton_of_c or 0.0),
                discount_rate=float(args.discount_rate or 0.0),
                rate_change=float(args.rate_change or 0.0),
                years=int(args.lulc_alt_year or 0) - int(args.lulc_bas_year or 0),
            )
            npv = np.full(change.shape, NODATA, dtype=np.float32)
            np.multiply(change, np.float32(constant), out=npv, where=both)
            files["npv_alt"] = writer.write(out_dir / "npv_alt.tif", npv, bas.grid, nodata=NODATA)
            summary["npv_alt"] = _total(npv, bas.grid.cell_area_m2)
            step()
    files["raster_values_summary"] = io.write_csv(
        out_dir / "raster_values_summary.csv",
        [{"name": name, "value": value} for name, value in summary.items()],
    )
    step()
    return CarbonResult(files=files, summary=summary)
