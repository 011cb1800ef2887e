"""Storm runoff: the method of InVEST 3.20's Urban Flood Risk Mitigation model, per cell.

The SCS curve number of each cell's land-cover class and hydrologic soil group gives its
potential retention, the runoff of a design storm, and the share and volume of the storm it
holds back. Inputs under InVEST's argument names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cityweave.engine import io
from cityweave.engine.errors import EngineInputError
from cityweave.engine.lookup import missing_codes
from cityweave.engine.spec import Input, ModelSpec, Output

NODATA = io.FLOAT_NODATA
CN_COLUMNS = ("cn_a", "cn_b", "cn_c", "cn_d")
SOIL_GROUPS = (1, 2, 3, 4)  # A, B, C, D
# A curve number of 0 has no retention formula; InVEST gives it this potential retention (mm).
S_MAX_FOR_CN_0 = 1e5

SPEC = ModelSpec(
    id="runoff",
    title="Storm runoff and retention",
    reference="InVEST 3.20 Urban Flood Risk Mitigation",
    inputs=(
        Input("lulc_path", "raster", "land cover (integer codes, projected)"),
        Input(
            "soils_hydrological_group_raster_path",
            "raster",
            "hydrologic soil group per cell: 1 = A, 2 = B, 3 = C, 4 = D",
        ),
        Input("rainfall_depth", "number", "depth of the design storm", unit="mm"),
        Input(
            "curve_number_table_path",
            "table",
            "SCS curve number per land-cover class and soil group",
            columns=("lucode", *CN_COLUMNS),
        ),
    ),
    outputs=(
        Output("Q_mm.tif", "runoff of the storm", "mm"),
        Output("Runoff_retention_index.tif", "share of the storm held back", "0-1"),
        Output("Runoff_retention_m3.tif", "volume held back per cell", "m³"),
        Output("intermediate/Q_m3.tif", "runoff volume per cell", "m³"),
        Output("intermediate/cn_raster.tif", "curve number per cell", ""),
        Output("intermediate/s_max.tif", "potential retention per cell", "mm"),
        Output("runoff_summary.csv", "totals over the raster", "m³"),
    ),
)


@dataclass(frozen=True)
class RunoffArgs:
    lulc_path: Path
    soils_hydrological_group_raster_path: Path
    rainfall_depth: float
    curve_number_table_path: Path

    @classmethod
    def from_invest(cls, args: Mapping[str, Any]) -> RunoffArgs:
        for name in (
            "lulc_path",
            "soils_hydrological_group_raster_path",
            "rainfall_depth",
            "curve_number_table_path",
        ):
            if args.get(name) in (None, ""):
                raise EngineInputError(name, "is required")
        try:
            rainfall = float(args["rainfall_depth"])
        except (TypeError, ValueError):
            raise EngineInputError(
                "rainfall_depth", f"{args['rainfall_depth']!r} is not a number"
            ) from None
        return cls(
            lulc_path=Path(args["lulc_path"]),
            soils_hydrological_group_raster_path=Path(args["soils_hydrological_group_raster_path"]),
            rainfall_depth=rainfall,
            curve_number_table_path=Path(args["curve_number_table_path"]),
        )


def validate(args: RunoffArgs) -> list[str]:
    if args.rainfall_depth <= 0:
        return [f"rainfall_depth: must be above 0 mm, got {args.rainfall_depth:g}"]
    return []


def potential_retention(cn: np.ndarray) -> np.ndarray:
    """S = 25400 / CN - 254 (mm), the SCS potential maximum retention; ``S_MAX_FOR_CN_0`` for
    CN = 0 (USDA SCS TR-55, 1986, eq. 2-4; InVEST 3.20 UFRM ``_s_max_op``)."""
    with np.errstate(divide="ignore"):
        s = 25400.0 / cn - 254.0
    return np.where(cn == 0, S_MAX_FOR_CN_0, s)


def storm_runoff(rainfall_mm: float, s: np.ndarray) -> np.ndarray:
    """Q = (P - 0.2 S)^2 / (P + 0.8 S) when P > 0.2 S, else 0 (mm): the SCS runoff equation
    with the initial abstraction Ia = 0.2 S (TR-55 eq. 2-3; InVEST 3.20 UFRM ``_q_op``)."""
    p = rainfall_mm
    with np.errstate(invalid="ignore", divide="ignore"):
        q = (p - 0.2 * s) ** 2 / (p + 0.8 * s)
    return np.where(p > 0.2 * s, q, 0.0)


@dataclass(frozen=True)
class RunoffResult:
    files: dict[str, Path]
    summary: dict[str, float]


def _curve_numbers(
    lulc: io.Raster, soil: io.Raster, table: Mapping[int, Mapping[str, float]], table_path: str
) -> tuple[np.ndarray, np.ndarray]:
    """CN per cell from (land cover, soil group), and the mask of cells where both are known."""
    valid = lulc.valid & soil.valid
    groups = np.unique(soil.values[valid])
    bad = [int(g) for g in groups if int(g) not in SOIL_GROUPS]
    if bad:
        raise EngineInputError(
            soil.path, f"holds soil groups {', '.join(map(str, bad))}; expected 1 to 4 (A to D)"
        )
    missing = missing_codes(lulc.values, valid, table)
    if missing:
        raise EngineInputError(
            table_path,
            f"has no row for the land-cover codes {', '.join(map(str, missing[:50]))} found in "
            f"{lulc.path}",
        )
    codes = np.array(sorted(table), dtype=np.int64)
    lookup = np.array([[table[int(c)][name] for name in CN_COLUMNS] for c in codes])
    bad_cn = (lookup < 0) | (lookup > 100)
    if bad_cn.any():
        row, column = np.argwhere(bad_cn)[0]
        raise EngineInputError(
            table_path,
            f"lucode {codes[row]}, {CN_COLUMNS[column]}: {lookup[row, column]:g} is not a curve "
            "number (0 to 100)",
        )
    cn = np.full(lulc.values.shape, np.nan)
    rows = np.searchsorted(codes, lulc.values[valid])
    cn[valid] = lookup[rows, soil.values[valid].astype(np.int64) - 1]
    return cn, valid


def run(
    args: RunoffArgs, out_dir: Path, *, progress: Callable[[int, int], None] | None = None
) -> RunoffResult:
    problems = validate(args)
    if problems:
        raise EngineInputError("arguments", "; ".join(problems))
    table = io.read_table(args.curve_number_table_path, key="lucode", columns=CN_COLUMNS)
    lulc = io.read_raster(args.lulc_path, integer=True)
    soil = io.read_raster(args.soils_hydrological_group_raster_path, integer=True)
    if not soil.grid.same_as(lulc.grid):
        raise EngineInputError(
            soil.path, f"is not on the grid of {lulc.path} (size, cells and projection)"
        )
    if progress:
        progress(1, 4)
    cn, valid = _curve_numbers(lulc, soil, table, str(args.curve_number_table_path))
    s = potential_retention(np.where(valid, cn, 100.0))
    q = storm_runoff(args.rainfall_depth, s)
    p = args.rainfall_depth
    retention_index = 1.0 - q / p
    area = lulc.grid.cell_area_m2
    retention_m3 = retention_index * p * area * 1e-3
    q_m3 = q * area * 1e-3
    if progress:
        progress(2, 4)

    def out(values: np.ndarray) -> np.ndarray:
        return np.where(valid, values, NODATA).astype(np.float32)

    grid = lulc.grid
    files = {
        "Q_mm": io.write_raster(out_dir / "Q_mm.tif", out(q), grid, nodata=NODATA),
        "Runoff_retention_index": io.write_raster(
            out_dir / "Runoff_retention_index.tif", out(retention_index), grid, nodata=NODATA
        ),
        "Runoff_retention_m3": io.write_raster(
            out_dir / "Runoff_retention_m3.tif", out(retention_m3), grid, nodata=NODATA
        ),
        "Q_m3": io.write_raster(
            out_dir / "intermediate" / "Q_m3.tif", out(q_m3), grid, nodata=NODATA
        ),
        "cn_raster": io.write_raster(
            out_dir / "intermediate" / "cn_raster.tif", out(cn), grid, nodata=NODATA
        ),
        "s_max": io.write_raster(
            out_dir / "intermediate" / "s_max.tif", out(s), grid, nodata=NODATA
        ),
    }
    if progress:
        progress(3, 4)
    summary = {
        "rnf_rt_idx": float(retention_index[valid].mean()),
        "rnf_rt_m3": float(retention_m3[valid].sum()),
        "flood_vol": float(q_m3[valid].sum()),
    }
    files["runoff_summary"] = io.write_csv(
        out_dir / "runoff_summary.csv",
        [{"name": name, "value": value} for name, value in summary.items()],
    )
    if progress:
        progress(4, 4)
    return RunoffResult(files=files, summary=summary)
