"""Storm runoff: the method of InVEST 3.20's Urban Flood Risk Mitigation model, per cell.

The SCS curve number of each cell's land-cover class and hydrologic soil group gives its
potential retention, the runoff of a design storm, and the share and volume of the storm it
holds back. Inputs under InVEST's argument names. The land cover and the soil groups are
first aligned as InVEST 3.20 aligns them (``align.align``: both by mode, onto the land cover's
grid, over the intersection of their boxes and the watersheds').
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from cityweave.engine import align, arguments, blocks, io, memory
from cityweave.engine.errors import EngineInputError
from cityweave.engine.lookup import class_index, count
from cityweave.engine.spec import Input, ModelSpec, Output
from cityweave.engine.zonal import zone_counts

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
            "hydrologic soil group per cell: 1 = A, 2 = B, 3 = C, 4 = D; on another grid or "
            "projection it is resampled onto the land cover's (mode), as InVEST does",
        ),
        Input("rainfall_depth", "number", "depth of the design storm", unit="mm"),
        Input(
            "curve_number_table_path",
            "table",
            "SCS curve number per land-cover class and soil group",
            columns=("lucode", *CN_COLUMNS),
        ),
        Input(
            "aoi_watersheds_path",
            "vector",
            "watersheds (polygons) to summarise the results by; as in InVEST, the outputs "
            "cover only the intersection of their bounding box with the rasters'",
            required=False,
        ),
        Input(
            "built_infrastructure_vector_path",
            "vector",
            "building footprints with an integer type, for the damage per watershed",
            required=False,
        ),
        Input(
            "infrastructure_damage_loss_table_path",
            "table",
            "potential damage per building type",
            unit="currency/m²",
            required=False,
            columns=("type", "damage"),
        ),
        Input(
            "keep_intermediate",
            "boolean",
            "also write the intermediate rasters (CityWeave's own argument)",
            required=False,
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
        Output(
            "flood_risk_service.shp",
            "per watershed: mean retention index, retention and runoff volumes; with "
            "buildings, their potential damage (aff_bld) and the service to them (serv_blt)",
            "m³, currency",
        ),
    ),
)


@dataclass(frozen=True)
class RunoffArgs:
    lulc_path: Path
    soils_hydrological_group_raster_path: Path
    rainfall_depth: float
    curve_number_table_path: Path
    aoi_watersheds_path: Path | None = None
    built_infrastructure_vector_path: Path | None = None
    infrastructure_damage_loss_table_path: Path | None = None
    # CityWeave's own: also write InVEST's intermediate rasters (Q_m3, cn_raster, s_max).
    keep_intermediate: bool = False

    @classmethod
    def from_invest(cls, args: Mapping[str, Any]) -> RunoffArgs:
        arguments.require(
            args,
            (
                "lulc_path",
                "soils_hydrological_group_raster_path",
                "rainfall_depth",
                "curve_number_table_path",
            ),
        )
        return cls(
            lulc_path=Path(args["lulc_path"]),
            soils_hydrological_group_raster_path=Path(args["soils_hydrological_group_raster_path"]),
            rainfall_depth=arguments.required_number(args, "rainfall_depth"),
            curve_number_table_path=Path(args["curve_number_table_path"]),
            aoi_watersheds_path=arguments.path(args, "aoi_watersheds_path"),
            built_infrastructure_vector_path=arguments.path(
                args, "built_infrastructure_vector_path"
            ),
            infrastructure_damage_loss_table_path=arguments.path(
                args, "infrastructure_damage_loss_table_path"
            ),
            keep_intermediate=arguments.flag(args, "keep_intermediate"),
        )


def validate(args: RunoffArgs) -> list[str]:
    problems = []
    if args.rainfall_depth <= 0:
        problems.append(f"rainfall_depth: must be above 0 mm, got {args.rainfall_depth:g}")
    buildings = args.built_infrastructure_vector_path
    if buildings is not None and args.infrastructure_damage_loss_table_path is None:
        problems.append(
            "infrastructure_damage_loss_table_path: is required with "
            "built_infrastructure_vector_path"
        )
    if buildings is not None and args.aoi_watersheds_path is None:
        problems.append(
            "aoi_watersheds_path: is required with built_infrastructure_vector_path (the "
            "damage is summed per watershed)"
        )
    return problems


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


def _combinations(
    lulc: io.Raster, soil: io.Raster, table: Mapping[int, Mapping[str, float]], table_path: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The curve numbers of every (class, soil group) pair, as a (classes x 4) table, the index
    of each cell's pair in that table flattened (``cn.size`` for cells where either is
    nodata), and the mask of cells where both are known."""
    valid = lulc.valid & soil.valid
    if not valid.any():
        raise EngineInputError(
            soil.path, f"has no soil group on any cell where {lulc.path} has a land-cover class"
        )
    outside = valid & ((soil.values < min(SOIL_GROUPS)) | (soil.values > max(SOIL_GROUPS)))
    if outside.any():  # only then sort the codes, to name them
        bad = [int(g) for g in np.unique(soil.values[outside])]
        raise EngineInputError(
            soil.path, f"holds soil groups {', '.join(map(str, bad))}; expected 1 to 4 (A to D)"
        )
    keys, rows = class_index(lulc.values, valid, table, raster=lulc.path, table=table_path)
    cn = curve_numbers(keys, table, table_path)
    pair = rows  # in place: a 4000 x 4000 raster's int32 index is 64 MB
    pair *= np.int32(len(SOIL_GROUPS))
    pair += soil.values
    pair -= 1
    pair[~valid] = cn.size  # the nodata entry appended to every per-pair table
    if cn.size < np.iinfo(np.uint16).max:  # pairs in 16 bits: 32 MB less at 4000 x 4000
        return cn, pair.astype(np.uint16), valid
    return cn, pair, valid


def curve_numbers(
    keys: np.ndarray, table: Mapping[int, Mapping[str, float]], table_path: str
) -> np.ndarray:
    """The (classes x 4) curve numbers of ``keys``, each checked to lie in 0-100."""
    cn = np.array([[table[int(k)][name] for name in CN_COLUMNS] for k in keys])
    bad_cn = (cn < 0) | (cn > 100)
    if bad_cn.any():
        row, column = np.argwhere(bad_cn)[0]
        raise EngineInputError(
            table_path,
            f"lucode {keys[row]}, {CN_COLUMNS[column]}: {cn[row, column]:g} is not a curve "
            "number (0 to 100)",
        )
    return cn


def per_pair_values(
    cn: np.ndarray, rainfall_mm: float, cell_area_m2: float
) -> dict[str, np.ndarray]:
    """Every output for every (class, soil group) pair: each cell's value is its pair's."""
    s = potential_retention(cn)
    q = storm_runoff(rainfall_mm, s)
    retention_index = 1.0 - q / rainfall_mm
    return {
        "Q_mm": q,
        "Runoff_retention_index": retention_index,
        "Runoff_retention_m3": retention_index * rainfall_mm * cell_area_m2 * 1e-3,
        "Q_m3": q * cell_area_m2 * 1e-3,
        "cn_raster": cn,
        "s_max": s,
    }


# Where each output goes under the output folder (InVEST's layout).
FOLDERS = {"Q_m3": "intermediate/", "cn_raster": "intermediate/", "s_max": "intermediate/"}


def written(per_pair: Mapping[str, np.ndarray], keep_intermediate: bool) -> dict[str, np.ndarray]:
    """The outputs written as rasters: the intermediate ones only on request."""
    return {
        name: values
        for name, values in per_pair.items()
        if keep_intermediate or name not in FOLDERS
    }


def summarise(
    per_pair: Mapping[str, np.ndarray], counts: np.ndarray, n_valid: int
) -> dict[str, float]:
    """Totals over the raster from the cells of each pair: the float32 values the rasters
    hold, added in float64."""
    totals = {
        name: float((counts * values.astype(np.float32).ravel().astype(np.float64)).sum())
        for name, values in per_pair.items()
    }
    return {
        "rnf_rt_idx": totals["Runoff_retention_index"] / n_valid,
        "rnf_rt_m3": totals["Runoff_retention_m3"],
        "flood_vol": totals["Q_m3"],
    }


def watershed_counts(
    path: Path, grid: io.Grid, pair: np.ndarray, valid: np.ndarray, size: int
) -> list[np.ndarray]:
    """Per watershed, its valid cells of each pair (the block's, on a block's grid)."""
    polygons = io.read_polygons(path)
    return zone_counts(polygons.geometries, polygons.crs, grid, pair, valid, size)


def building_damage(args: RunoffArgs, grid: io.Grid) -> np.ndarray | None:
    """Per watershed, the potential damage to the buildings in it: the sum over buildings of
    (area of the building inside the watershed, m²) x (damage of its type, currency/m²), both
    in the raster's projection (``_calculate_damage_to_infrastructure_in_aoi``). None without
    buildings."""
    if args.built_infrastructure_vector_path is None or args.aoi_watersheds_path is None:
        return None
    assert args.infrastructure_damage_loss_table_path is not None
    table_path = args.infrastructure_damage_loss_table_path
    table = io.read_table(table_path, key="type", columns=("damage",))
    buildings = io.read_polygons(args.built_infrastructure_vector_path)
    type_field = next((name for name in buildings.fields if name.lower() == "type"), None)
    if type_field is None:
        raise EngineInputError(buildings.path, "has no 'type' field")
    types = [int(t) for t in buildings.fields[type_field]]
    unknown = sorted({t for t in types if t not in table})
    if unknown:
        raise EngineInputError(
            str(table_path),
            f"has no row for the building types {', '.join(map(str, unknown))} of {buildings.path}",
        )
    watersheds = io.read_polygons(args.aoi_watersheds_path)
    areas = np.array(io.to_crs(watersheds.geometries, watersheds.crs, grid.crs))
    footprints = np.array(io.to_crs(buildings.geometries, buildings.crs, grid.crs))
    damage = np.array([table[t]["damage"] for t in types])
    area_index, building_index = shapely.STRtree(footprints).query(areas, predicate="intersects")
    overlap = shapely.area(shapely.intersection(areas[area_index], footprints[building_index]))
    totals = np.zeros(len(areas))
    np.add.at(totals, area_index, overlap * damage[building_index])
    return totals


def write_watersheds(
    path: Path,
    grid: io.Grid,
    counts: list[np.ndarray],
    per_pair: Mapping[str, np.ndarray],
    out_dir: Path,
    damage: np.ndarray | None = None,
) -> Path:
    """Per watershed (InVEST's ``flood_risk_service``): ``rnf_rt_idx`` the mean retention
    index of its cells, ``rnf_rt_m3`` the retention volume and ``flood_vol`` the runoff volume
    over them (m³), from each watershed's ``counts`` of cells per pair; with ``damage``,
    ``aff_bld`` the potential damage to its buildings and ``serv_blt`` = aff_bld x rnf_rt_m3,
    where the watershed holds a valid cell (InVEST's service to built infrastructure)."""
    polygons = io.read_polygons(path)
    flat = {name: per_pair[name].astype(np.float32).ravel().astype(np.float64) for name in per_pair}
    cells = np.array([c.sum() for c in counts], dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        index = np.array([c @ flat["Runoff_retention_index"] for c in counts]) / cells
    extra = {
        "rnf_rt_idx": np.where(cells > 0, index, np.nan),
        "rnf_rt_m3": np.array([c @ flat["Runoff_retention_m3"] for c in counts]),
        "flood_vol": np.array([c @ flat["Q_m3"] for c in counts]),
    }
    if damage is not None:
        extra["aff_bld"] = np.where(cells > 0, damage, np.nan)
        extra["serv_blt"] = np.where(cells > 0, damage * extra["rnf_rt_m3"], np.nan)
    moved = io.polygons_in(polygons, grid.crs)
    return io.write_polygons(out_dir / "flood_risk_service.shp", moved, extra)


def grid_of(args: RunoffArgs) -> io.Grid:
    """The land cover's cells over its intersection with the soils and the watersheds."""
    vectors = [args.aoi_watersheds_path] if args.aoi_watersheds_path is not None else []
    return align.target_grid(args.lulc_path, [args.soils_hydrological_group_raster_path], vectors)


@memory.tuned_for_runs()
def run(
    args: RunoffArgs, out_dir: Path, *, progress: Callable[[int, int], None] | None = None
) -> RunoffResult:
    problems = validate(args)
    if problems:
        raise EngineInputError("arguments", "; ".join(problems))
    grid = grid_of(args)
    if blocks.wanted(grid):  # larger than memory, or a cluster: block by block
        from cityweave.engine.models import runoff_blocks  # loads dask

        return runoff_blocks.run(args, out_dir, grid, progress)
    table = io.read_table(args.curve_number_table_path, key="lucode", columns=CN_COLUMNS)
    lulc, soil = align.align(
        [
            align.Layer(args.lulc_path, "mode", integer=True),
            align.Layer(args.soils_hydrological_group_raster_path, "mode", integer=True),
        ],
        vectors=[args.aoi_watersheds_path] if args.aoi_watersheds_path is not None else [],
    )
    if progress:
        progress(1, 4)
    cn, pair, valid = _combinations(lulc, soil, table, str(args.curve_number_table_path))
    grid = lulc.grid
    del lulc, soil  # each cell's pair holds all the model needs of them
    damage = building_damage(args, grid)  # checks the buildings before the long part
    # Every output depends on the cell's (class, soil group) pair only: compute it for each
    # pair, then gather it per cell.
    per_pair = per_pair_values(cn, args.rainfall_depth, grid.cell_area_m2)
    if progress:
        progress(2, 4)
    tables = {
        out_dir / f"{FOLDERS.get(name, '')}{name}.tif": np.append(
            values.astype(np.float32).ravel(), np.float32(NODATA)
        )
        for name, values in written(per_pair, args.keep_intermediate).items()
    }
    io.write_gathered(tables, pair, grid, nodata=NODATA)
    files: dict[str, Path] = {path.stem: path for path in tables}
    if progress:
        progress(3, 4)
    counts = count(pair, cn.size)  # the nodata entry, cn.size, is left out
    summary = summarise(per_pair, counts, int(valid.sum()))
    if args.aoi_watersheds_path is not None:
        zones = watershed_counts(args.aoi_watersheds_path, grid, pair, valid, cn.size)
        files["flood_risk_service"] = write_watersheds(
            args.aoi_watersheds_path,
            grid,
            zones,
            per_pair,
            out_dir,
            damage,
        )
    files["runoff_summary"] = io.write_csv(
        out_dir / "runoff_summary.csv",
        [{"name": name, "value": value} for name, value in summary.items()],
    )
    if progress:
        progress(4, 4)
    return RunoffResult(files=files, summary=summary)
