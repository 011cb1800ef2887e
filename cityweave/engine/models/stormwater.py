"""Annual stormwater retention: the method of InVEST 3.20's Urban Stormwater Retention model.

Each cell keeps a share of its annual precipitation (the retention ratio, 1 minus the runoff
coefficient of its land-cover class and soil group), optionally raised by the mean ratio of its
neighbourhood unless it lies near a connected impervious surface or a road; the rest runs off.
From the ratios: retention, runoff and percolation volumes, the pollutant loads kept out of the
drains and carried by them (event mean concentrations), the replacement value of the water
kept, and all of these summed or averaged over areas. Inputs under InVEST's argument names.

Ratios depend on a cell's (class, soil group) pair only and are computed per pair; volumes
depend on the cell's precipitation, and the adjustment on its neighbourhood, so those are
computed per cell.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import pyogrio.raw
import shapely
from rasterio.crs import CRS
from rasterio.features import geometry_mask, rasterize
from rasterio.transform import Affine
from rasterio.windows import from_bounds

from cityweave.engine import align, arguments, blocks, io, memory
from cityweave.engine.errors import EngineInputError
from cityweave.engine.lookup import class_index, gather
from cityweave.engine.neighbourhood import Convolver, check_reach, dichotomous_kernel
from cityweave.engine.spec import Input, ModelSpec, Output

NODATA = io.FLOAT_NODATA
SOIL_GROUPS = ("a", "b", "c", "d")  # soil group raster values 1 to 4
RC_COLUMNS = tuple(f"rc_{group}" for group in SOIL_GROUPS)
PE_COLUMNS = tuple(f"pe_{group}" for group in SOIL_GROUPS)
EMC_COLUMN = re.compile(r"emc_(.+)")  # one per pollutant, any number of them
CONNECTED_COLUMN = "is_connected"
# The neighbourhood steps and the sums over areas work on strips of rows of about this many
# cells, so their FFTs and zone temporaries stay small whatever the raster's size.
STRIP_CELLS = 1 << 20

SPEC = ModelSpec(
    id="stormwater",
    title="Annual stormwater retention",
    reference="InVEST 3.20 Urban Stormwater Retention",
    inputs=(
        Input("lulc_path", "raster", "land cover (integer codes, projected)"),
        Input(
            "soil_group_path",
            "raster",
            "hydrologic soil group per cell: 1 = A, 2 = B, 3 = C, 4 = D",
        ),
        Input("precipitation_path", "raster", "annual precipitation", unit="mm/yr"),
        Input(
            "biophysical_table",
            "table",
            "runoff coefficient per land-cover class and soil group; optional percolation "
            "coefficients pe_a-pe_d, event mean concentrations emc_<pollutant> (mg/L) and "
            "is_connected (1 for connected impervious classes)",
            columns=("lucode", *RC_COLUMNS),
        ),
        Input(
            "adjust_retention_ratios",
            "boolean",
            "raise each ratio by its neighbourhood's, except near connected impervious "
            "surfaces and roads",
            required=False,
        ),
        Input(
            "retention_radius",
            "number",
            "radius of the neighbourhood and of 'near'",
            unit="m",
            required=False,
        ),
        Input("road_centerlines_path", "vector", "road centre lines", required=False),
        Input(
            "aggregate_areas_path",
            "vector",
            "areas (polygons) to sum and average the results over",
            required=False,
        ),
        Input(
            "replacement_cost",
            "number",
            "cost of retaining the water otherwise",
            unit="currency/m³",
            required=False,
        ),
    ),
    outputs=(
        Output("retention_ratio.tif", "share of the precipitation kept", "0-1"),
        Output("adjusted_retention_ratio.tif", "share kept, adjusted by the neighbourhood", "0-1"),
        Output("retention_volume.tif", "water kept per cell", "m³/yr"),
        Output("runoff_ratio.tif", "share of the precipitation that runs off", "0-1"),
        Output("runoff_volume.tif", "water running off per cell", "m³/yr"),
        Output("percolation_ratio.tif", "share of the precipitation that percolates", "0-1"),
        Output("percolation_volume.tif", "potential aquifer recharge per cell", "m³/yr"),
        Output("retention_value.tif", "replacement value of the water kept", "currency/yr"),
        Output("avoided_pollutant_load_[POLLUTANT].tif", "pollutant kept out of runoff", "kg/yr"),
        Output("actual_pollutant_load_[POLLUTANT].tif", "pollutant carried by runoff", "kg/yr"),
        Output(
            "aggregate_data.gpkg",
            "per area: mean ratios, total volumes, loads and value",
            "m³/yr, kg/yr",
        ),
    ),
)


@dataclass(frozen=True)
class StormwaterArgs:
    lulc_path: Path
    soil_group_path: Path
    precipitation_path: Path
    biophysical_table: Path
    adjust_retention_ratios: bool = False
    retention_radius: float | None = None
    road_centerlines_path: Path | None = None
    aggregate_areas_path: Path | None = None
    replacement_cost: float | None = None

    @classmethod
    def from_invest(cls, args: Mapping[str, Any]) -> StormwaterArgs:
        """From an InVEST args dict (paths already resolved)."""

        arguments.require(
            args, ("lulc_path", "soil_group_path", "precipitation_path", "biophysical_table")
        )
        return cls(
            lulc_path=Path(args["lulc_path"]),
            soil_group_path=Path(args["soil_group_path"]),
            precipitation_path=Path(args["precipitation_path"]),
            biophysical_table=Path(args["biophysical_table"]),
            adjust_retention_ratios=arguments.flag(args, "adjust_retention_ratios"),
            retention_radius=arguments.number(args, "retention_radius"),
            road_centerlines_path=arguments.path(args, "road_centerlines_path"),
            aggregate_areas_path=arguments.path(args, "aggregate_areas_path"),
            replacement_cost=arguments.number(args, "replacement_cost"),
        )


def validate(args: StormwaterArgs) -> list[str]:
    """Problems with the arguments, each naming the argument; empty when they can run."""
    problems = []
    if args.adjust_retention_ratios:
        if args.retention_radius is None:
            problems.append("retention_radius: required to adjust retention ratios")
        elif not args.retention_radius > 0:
            problems.append(f"retention_radius: must be above 0 m, got {args.retention_radius:g}")
        if args.road_centerlines_path is None:
            problems.append("road_centerlines_path: required to adjust retention ratios")
    return problems


# --- the equations --------------------------------------------------------------------------


def retention_ratio(runoff_coefficient: np.ndarray) -> np.ndarray:
    """RR = 1 - RC (0-1): the share of the annual precipitation a cell keeps, from the runoff
    coefficient of its class and soil group, in float32 (InVEST 3.20 stormwater ``execute``:
    ``1 - rc_x``)."""
    return (1.0 - np.asarray(runoff_coefficient, dtype=np.float64)).astype(np.float32)


def adjusted_retention_ratio(
    ratio: np.ndarray, neighbourhood_mean: np.ndarray, near: np.ndarray
) -> np.ndarray:
    """RR_adj = RR + (1 - RR) x C (0-1), where C is the mean retention ratio of the cells within
    the retention radius, and 0 for cells within that radius of a connected impervious cell
    or a road (InVEST 3.20 ``adjust_op``: the user's guide's adjustment, eq. 124). float32
    arrays in, float32 out, as InVEST computes it."""
    return ratio + (1 - ratio) * (neighbourhood_mean * ~near)


def water_volume(ratio: np.ndarray, precipitation_mm: np.ndarray, cell_area_m2: float) -> Any:
    """V = P x ratio x A x 0.001 (m³/yr, from P in mm/yr and A in m²): the retention, runoff or
    percolation volume of a cell by its ratio (InVEST 3.20 ``volume_op``, in the same order,
    so in float32 for float32 precipitation)."""
    return precipitation_mm * ratio * cell_area_m2 * 0.001


def pollutant_load(
    emc_mg_per_l: np.ndarray, volume_m3: Any, out: np.ndarray | None = None
) -> np.ndarray:
    """L = EMC x 0.001 x V (kg/yr, from the event mean concentration in mg/L and a volume in
    m³/yr: 1000 L/m³ x 1e-6 kg/mg): the load kept out of runoff (V the retention volume) or
    carried by it (V the runoff volume) (InVEST 3.20 ``pollutant_load_op``, in its order).
    ``out`` receives the load, and may be ``emc_mg_per_l`` itself."""
    out = np.multiply(emc_mg_per_l, 0.001, out=out)
    return np.multiply(out, volume_m3, out=out)


def retention_value(volume_m3: np.ndarray, replacement_cost: float) -> Any:
    """Value = V_retained x replacement cost (currency/yr; InVEST 3.20 ``retention_value_op``)."""
    return volume_m3 * replacement_cost


def near_limit(radius_cells: float) -> int:
    """The largest squared distance d² (cells², centre to centre) counted as within the radius:
    InVEST's ``is_near`` keeps ``distance <= radius`` where the distance is the float32 square
    root of d² (``pygeoprocessing.distance_transform_edt``) and the comparison is in float32."""
    limit = np.float32(radius_cells)
    k = int(float(limit) ** 2 * (1 + 1e-6)) + 2
    while k >= 0 and np.sqrt(np.float32(k)) > limit:
        k -= 1
    return k


# --- the inputs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Biophysical:
    """The biophysical table per land-cover class, classes in ``table``'s sorted order."""

    table: dict[int, dict[str, float]]
    retention: np.ndarray  # (classes, 4) float32: 1 - rc_x
    percolation: np.ndarray | None  # (classes, 4) float32: pe_x, when the table has them
    emc: dict[str, np.ndarray]  # pollutant -> (classes,) float32 mg/L
    connected: np.ndarray | None  # (classes,) bool, when the table has is_connected


def _header(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return [name.strip().lower() for name in next(csv.reader(handle), [])]
    except (OSError, UnicodeDecodeError):
        return []  # io.read_table names the problem


def read_biophysical(path: Path) -> Biophysical:
    """The table as InVEST reads it: columns case-insensitive, ``pe_x`` for all four groups or
    none, ``emc_<pollutant>`` (the pollutant's name lower-cased), ratios within 0 to 1 and
    ``is_connected`` 0 or 1."""
    shown = str(path)
    header = _header(path)
    pollutants = [m.group(1) for m in map(EMC_COLUMN.fullmatch, header) if m]
    percolation = [c for c in PE_COLUMNS if c in header]
    if percolation and len(percolation) < len(PE_COLUMNS):
        missing = ", ".join(c for c in PE_COLUMNS if c not in header)
        raise EngineInputError(
            shown, f"has percolation coefficients for some soil groups only: missing {missing}"
        )
    connected = CONNECTED_COLUMN in header
    columns = (
        *RC_COLUMNS,
        *percolation,
        *(f"emc_{p}" for p in pollutants),
        *((CONNECTED_COLUMN,) if connected else ()),
    )
    table = io.read_table(path, key="lucode", columns=columns)
    for code, row in sorted(table.items()):
        for column in (*RC_COLUMNS, *percolation):
            if not 0 <= row[column] <= 1:
                raise EngineInputError(
                    shown, f"lucode {code}, {column}: {row[column]:g} is not a ratio (0 to 1)"
                )
        if connected and row[CONNECTED_COLUMN] not in (0, 1):
            raise EngineInputError(
                shown, f"lucode {code}, {CONNECTED_COLUMN}: {row[CONNECTED_COLUMN]:g} is not 0 or 1"
            )
    codes = sorted(table)

    def per_class(column: str) -> np.ndarray:
        return np.array([table[code][column] for code in codes], dtype=np.float64)

    return Biophysical(
        table=table,
        retention=retention_ratio(np.stack([per_class(c) for c in RC_COLUMNS], axis=1)),
        percolation=np.stack([per_class(c) for c in PE_COLUMNS], axis=1).astype(np.float32)
        if percolation
        else None,
        emc={p: per_class(f"emc_{p}").astype(np.float32) for p in pollutants},
        connected=per_class(CONNECTED_COLUMN) == 1 if connected else None,
    )


def read_inputs(
    args: StormwaterArgs, aligned: tuple[io.Grid, float] | None = None
) -> tuple[io.Raster, io.Raster, io.Raster, float]:
    """Land cover, soil groups and precipitation on one grid, and the cell area for volumes.

    InVEST aligns the three by nearest neighbour onto the intersection of their boxes, in
    square cells of the mean of the land cover's two sides; its volumes use the land cover's
    own cell area (``pixel_area``), which differs from the squared cells' when the land
    cover's cells are not square. ``aligned``: ``grid_of(args)``, when known."""
    grid, cell_area = aligned if aligned is not None else grid_of(args)
    lulc = align.resample(args.lulc_path, grid, "nearest", integer=True)
    soil = align.resample(args.soil_group_path, grid, "nearest", integer=True)
    precipitation = align.resample(args.precipitation_path, grid, "nearest")
    return lulc, soil, precipitation, cell_area


def grid_of(args: StormwaterArgs) -> tuple[io.Grid, float]:
    """The grid ``read_inputs`` aligns the three rasters onto, and the land cover's own cell
    area (m²) that volumes use."""
    others = [args.soil_group_path, args.precipitation_path]
    grid = align.target_grid(args.lulc_path, others)
    width, height = abs(grid.transform.a), abs(grid.transform.e)
    if width != height:
        side = (width + height) / 2
        grid = align.target_grid(args.lulc_path, others, cell_size=(side, -side))
    return grid, width * height


def read_lines(path: Path) -> tuple[list[Any], CRS]:
    """The line strings of the first layer of a vector file, with its CRS."""
    shown = str(path)
    try:
        meta, _fids, wkb, _columns = pyogrio.raw.read(path, columns=[])
    except Exception as error:  # pyogrio raises its own DataSourceError/DataLayerError
        raise EngineInputError(shown, f"cannot be read as a vector layer ({error})") from None
    if meta.get("crs") is None:
        raise EngineInputError(shown, "the layer has no coordinate reference system")
    lines = [g for g in shapely.from_wkb(wkb) if g is not None and not g.is_empty]
    kinds = sorted({g.geom_type for g in lines} - {"LineString", "MultiLineString"})
    if kinds:
        raise EngineInputError(
            shown, f"holds {', '.join(kinds)} features; road centre lines must be lines"
        )
    return lines, CRS.from_user_input(meta["crs"])


def road_cells(path: Path, grid: io.Grid) -> np.ndarray:
    """Cells a road centre line crosses, as InVEST burns them (``pygeoprocessing.rasterize``:
    GDAL's line rasteriser, not all touched), the lines first moved to the raster's
    projection."""
    return burn_roads(road_lines(path, grid.crs), grid)


def road_lines(path: Path, crs: CRS) -> list[Any]:
    """The road centre lines of ``path`` in the projection ``crs``."""
    lines, own = read_lines(path)
    return io.to_crs(lines, own, crs)


def burn_roads(lines: Sequence[Any], grid: io.Grid) -> np.ndarray:
    """The cells of ``grid`` the lines (in its projection) cross, GDAL's line rasteriser."""
    out = np.zeros((grid.height, grid.width), dtype=np.uint8)
    if lines:
        rasterize(
            ((line, 1) for line in lines),
            out=out,
            transform=grid.transform,
            all_touched=False,
            dtype="uint8",
        )
    return out.view(bool)


# --- per (class, soil group) pair -------------------------------------------------------------


@dataclass(frozen=True)
class PairTables:
    """Per (class, soil group) pair, pair = class position x 4 + soil group - 1, each with a
    last entry for cells where either is nodata."""

    retention: np.ndarray  # float32 retention ratio, NODATA last
    percolation: np.ndarray | None  # float32 percolation ratio, NODATA last
    emc: dict[str, np.ndarray]  # pollutant -> float32 event mean concentration, 0 last

    @classmethod
    def of(cls, table: Biophysical) -> PairTables:
        def pairs(values: np.ndarray, last: float) -> np.ndarray:
            return np.append(values.astype(np.float32).ravel(), np.float32(last))

        groups = len(SOIL_GROUPS)
        return cls(
            retention=pairs(table.retention, NODATA),
            percolation=None if table.percolation is None else pairs(table.percolation, NODATA),
            emc={p: pairs(np.repeat(emc, groups), 0.0) for p, emc in table.emc.items()},
        )


def cell_pairs(
    lulc: io.Raster, soil: io.Raster, table: Biophysical, table_path: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Each cell's (class, soil group) pair (uint8 up to 63 classes, else int16 or int32; the
    last entry of the pair tables where either is nodata), the mask of cells where both are
    known, and the connected impervious cells (by land cover alone, as InVEST's
    ``is_connected_lulc``; None without the column).

    Raises ``EngineInputError`` listing land-cover codes the table lacks and soil groups
    outside 1 to 4."""
    land = lulc.valid
    valid = land & soil.valid
    if not valid.any():
        raise EngineInputError(
            soil.path, f"has no soil group on any cell where {lulc.path} has a land-cover class"
        )
    groups = soil.values[valid]
    if groups.min() < 1 or groups.max() > len(SOIL_GROUPS):
        bad = [int(g) for g in np.unique(groups[(groups < 1) | (groups > len(SOIL_GROUPS))])]
        raise EngineInputError(
            soil.path, f"holds soil groups {', '.join(map(str, bad))}; expected 1 to 4 (A to D)"
        )
    del groups
    pair, connected = pairs(
        lulc.values, land, soil.values, valid, table, raster=lulc.path, table_path=table_path
    )
    return pair, valid, connected


def pairs(
    codes: np.ndarray,
    land: np.ndarray,
    groups: np.ndarray,
    valid: np.ndarray,
    table: Biophysical,
    *,
    raster: str,
    table_path: str,
) -> tuple[np.ndarray, np.ndarray | None]:
    """``cell_pairs`` of arrays of land-cover codes (known where ``land``) and soil groups
    (both known where ``valid``, the groups there within 1 to 4), of a whole raster or a
    block: the pairs (of ``pair_dtype``) and the connected impervious cells."""
    if land.any():
        _keys, pair = class_index(codes, land, table.table, raster=raster, table=table_path)
    else:  # a block without land cover
        pair = np.zeros(codes.shape, dtype=np.int32)
    connected = None
    if table.connected is not None:
        connected = gather(table.connected, pair)
        connected &= land
    pair *= np.int32(len(SOIL_GROUPS))
    pair += groups
    pair -= 1
    pair[~valid] = len(table.table) * len(SOIL_GROUPS)
    dtype = pair_dtype(table)
    return (pair if dtype == pair.dtype else pair.astype(dtype)), connected


def pair_dtype(table: Biophysical) -> np.dtype[Any]:
    """The smallest type holding every pair and the nodata entry: uint8 up to 63 classes, else
    int16 or int32 (a quarter or half the memory; gathers take any)."""
    nodata = len(table.table) * len(SOIL_GROUPS)
    for small in (np.uint8, np.int16):
        if nodata <= np.iinfo(small).max:
            return np.dtype(small)
    return np.dtype(np.int32)


# --- the adjustment ---------------------------------------------------------------------------


def windows(rows: int, strip: int, reach: int) -> Iterator[tuple[slice, slice, slice]]:
    """Strips of ``strip`` rows with ``reach`` rows of context on each side: (the rows read, the
    rows written, the rows written within those read). Every window has the same height (one
    FFT plan) and holds every cell within ``reach`` of the rows written, or the raster's edge."""
    height = min(rows, strip + 2 * reach)
    for start in range(0, rows, strip):
        stop = min(rows, start + strip)
        top = min(max(0, start - reach), rows - height)
        yield slice(top, top + height), slice(start, stop), slice(start - top, stop - top)


def convolved(
    signal: np.ndarray, kernel: np.ndarray, valid: np.ndarray | None = None, *, edges: bool
) -> Iterator[tuple[slice, np.ndarray]]:
    """``Convolver.convolve`` of ``signal`` strip by strip of about ``STRIP_CELLS`` cells:
    (rows, their result). Each strip is convolved with ``reach`` rows of context above and
    below, so the result is the whole raster's; a strip with no signal is 0 without an FFT."""
    rows, cols = signal.shape
    reach = kernel.shape[0] // 2
    strip = max(STRIP_CELLS // cols, 4 * reach, 1)
    convolver = Convolver((min(rows, strip + 2 * reach), cols), kernel)
    for window, target, inner in windows(rows, strip, reach):
        part = signal[window]
        if valid is None and not edges and not part.any():
            yield target, np.zeros((target.stop - target.start, cols))
            continue
        mask = None if valid is None else valid[window]
        yield target, convolver.convolve(part, mask, edges=edges)[inner]


def neighbourhood_mean(ratio: np.ndarray, valid: np.ndarray, radius_cells: float) -> np.ndarray:
    """C, the mean ratio of the valid cells within the radius, the cell's own included, cells
    beyond the raster or nodata left out (float32, NaN outside ``valid``): InVEST's
    ``raster_average``, ``pygeoprocessing.convolve_2d`` of the ratios with the dichotomous kernel
    ``d <= r`` (cells), ``ignore_nodata_and_edges`` and ``normalize_kernel``: the kernel-weighted
    sum over valid neighbours divided by the kernel weight that fell on them."""
    mean = np.empty(ratio.shape, dtype=np.float32)
    for rows, values in convolved(ratio, dichotomous_kernel(radius_cells), valid, edges=True):
        mean[rows] = values
    return mean


def near_impervious(impervious: np.ndarray, radius_cells: float) -> np.ndarray:
    """Cells within the radius of an impervious cell (a road or a connected impervious class),
    centre to centre: InVEST's ``is_near`` (``distance_transform_edt <= radius``) on each, then
    either. The exact distance transform is thresholded at a squared distance of
    ``near_limit(r)``; here the impervious cells are counted in the disc of that squared radius
    instead (whole counts, so ``> 0.5`` is exact)."""
    kernel = dichotomous_kernel(math.sqrt(near_limit(radius_cells) + 0.5), normalise=False)
    near = np.empty(impervious.shape, dtype=bool)
    for rows, count in convolved(impervious, kernel, edges=False):
        near[rows] = count > 0.5
    return near


def adjust_reach(radius_cells: float) -> int:
    """Cells from a cell to the farthest one ``adjust`` looks at: the reach of the
    neighbourhood mean's kernel or of the "near" disc, whichever is larger."""
    near = math.sqrt(near_limit(radius_cells) + 0.5)
    return max(math.floor(radius_cells), math.floor(near))


def adjust(
    ratio: np.ndarray, valid: np.ndarray, impervious: np.ndarray, radius_cells: float
) -> np.ndarray:
    """The adjusted retention ratio of every cell (float32, NODATA outside ``valid``)."""
    mean = neighbourhood_mean(ratio, valid, radius_cells)
    near = near_impervious(impervious, radius_cells)
    out = np.full(ratio.shape, NODATA, dtype=np.float32)
    step = max(1, STRIP_CELLS // ratio.shape[1])
    for start in range(0, ratio.shape[0], step):
        rows = slice(start, start + step)
        with np.errstate(over="ignore", invalid="ignore"):
            adjusted = adjusted_retention_ratio(ratio[rows], mean[rows], near[rows])
        out[rows] = np.where(valid[rows], adjusted, np.float32(NODATA))
    return out


# --- the outputs, per cell --------------------------------------------------------------------


@dataclass
class Cells:
    """What every output is computed from, cell by cell."""

    pair: np.ndarray  # the cell's (class, soil group) pair; the nodata entry where no ratio
    dry: np.ndarray  # no ratio or no precipitation: no volume, load or value
    rain: np.ndarray  # precipitation (mm/yr), 0 where dry
    cell_area_m2: float
    tables: PairTables
    adjusted: np.ndarray | None  # the adjusted ratio per cell, when adjusting
    replacement_cost: float | None

    @property
    def ratio_name(self) -> str:
        return "retention_ratio" if self.adjusted is None else "adjusted_retention_ratio"

    def rasters(self, *, percolation: bool = False) -> Iterator[tuple[str, np.ndarray]]:
        """The output rasters, one after the other (the caller drops each before the next),
        float32 with NODATA where they have no value: the two of percolation, which do not
        depend on the retention ratio (so they can be written while it is adjusted), or all the
        others. Each is computed strip by strip from the cells' pairs, precipitation and ratios
        alone, so no other output is held meanwhile. The retention ratio is the adjusted one
        when adjusting (the adjustment writes the unadjusted one)."""
        for name in self._makers(percolation):
            yield name, self.raster(name)

    def names(self, *, percolation: bool = False) -> list[str]:
        """The names of the rasters ``rasters`` yields, in its order."""
        return list(self._makers(percolation))

    def raster(self, name: str) -> np.ndarray:
        """One output raster of ``rasters`` (any of both sets), strip by strip."""
        if name == self.ratio_name and self.adjusted is not None:
            return self.adjusted
        make = {**self._makers(True), **self._makers(False)}[name]
        height, width = self.pair.shape
        out = np.empty((height, width), dtype=np.float32)
        for rows in _row_strips(slice(0, height), width):
            out[rows] = make(rows)
        return out

    def _makers(self, percolation: bool) -> dict[str, Callable[[slice], np.ndarray]]:
        """How each output is computed on some rows, by name, in the order written."""
        tables, area, cost = self.tables, self.cell_area_m2, self.replacement_cost
        size, emcs = len(tables.retention) - 1, list(tables.emc.items())

        def retained(rows: slice) -> np.ndarray:
            if self.adjusted is not None:
                return self.adjusted[rows]
            return gather(tables.retention, self.pair[rows])

        def shed(rows: slice) -> np.ndarray:
            return _masked(self.pair[rows] == size, np.subtract, 1, retained(rows))

        def volume(ratio: Callable[[slice], np.ndarray]) -> Callable[[slice], np.ndarray]:
            return lambda rows: _masked(
                self.dry[rows], water_volume, ratio(rows), self.rain[rows], area
            )

        def load(emc: np.ndarray, ratio: Callable[[slice], np.ndarray]) -> Callable[..., Any]:
            def make(rows: slice) -> np.ndarray:
                mass = gather(emc, self.pair[rows])
                return _masked(self.dry[rows], pollutant_load, mass, volume(ratio)(rows), mass)

            return make

        def percolated(rows: slice) -> np.ndarray:
            assert tables.percolation is not None
            return gather(tables.percolation, self.pair[rows])

        makers: list[tuple[str, Callable[[slice], np.ndarray]]] = []
        if percolation and tables.percolation is not None:
            makers += [
                ("percolation_ratio", percolated),
                ("percolation_volume", volume(percolated)),
            ]
        elif not percolation:
            makers += [(self.ratio_name, retained), ("retention_volume", volume(retained))]
            if cost is not None:
                kept = volume(retained)
                makers.append(
                    (
                        "retention_value",
                        lambda r: _masked(self.dry[r], retention_value, kept(r), cost),
                    )
                )
            makers += [(f"avoided_pollutant_load_{p}", load(e, retained)) for p, e in emcs]
            makers += [("runoff_ratio", shed), ("runoff_volume", volume(shed))]
            makers += [(f"actual_pollutant_load_{p}", load(e, shed)) for p, e in emcs]
        return dict(makers)


def rainfall(
    values: np.ndarray, known: np.ndarray, valid: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The cells with no volume (no ratio, where not ``valid``, or no precipitation, where not
    ``known``) and the precipitation with 0 on them, in place of ``values``: ``Cells.dry`` and
    ``Cells.rain``."""
    dry = ~valid
    dry |= ~known
    np.copyto(values, 0, where=dry)
    return dry, values


def _masked(empty: np.ndarray, op: Callable[..., Any], *operands: Any) -> np.ndarray:
    """``op(*operands)`` as float32, NODATA where ``empty`` (computed on every cell, as numpy
    does it on InVEST's valid cells; what lands on the empty ones is replaced)."""
    with np.errstate(over="ignore", invalid="ignore"):
        values = np.asarray(op(*operands)).astype(np.float32, copy=False)
    np.copyto(values, np.float32(NODATA), where=empty)
    return values


# --- sums over areas --------------------------------------------------------------------------


@dataclass
class PairSums:
    """Sums over some cells per (class, soil group) pair, in the pair tables' order: the cells
    with a ratio and their retention ratios, and the precipitation P (mm/yr) and P x RR over
    those with precipitation. Every total and mean the model reports is a combination of these,
    so the cells are gone through once, not once per output."""

    cells: np.ndarray
    ratio: np.ndarray
    rain: np.ndarray
    kept: np.ndarray

    @classmethod
    def zero(cls, size: int) -> PairSums:
        return cls(*(np.zeros(size) for _ in range(4)))

    def __add__(self, other: PairSums) -> PairSums:
        """The sums over the cells of both (parts of a raster that share no cell)."""
        return PairSums(
            self.cells + other.cells,
            self.ratio + other.ratio,
            self.rain + other.rain,
            self.kept + other.kept,
        )

    def add(self, cells: Cells, rows: slice, cols: slice, inside: np.ndarray | None) -> None:
        """Add the cells of ``rows`` x ``cols`` with a ratio (and ``inside``)."""
        size = len(self.cells)
        pair = cells.pair[rows, cols]  # the nodata entry, ``size``, where there is no ratio
        if inside is not None:
            pair = np.where(inside, pair, size)
        key = pair.astype(np.intp).ravel()  # once, not in every bincount
        rain = cells.rain[rows, cols].ravel()
        if cells.adjusted is None:
            ratio = cells.tables.retention[key]
        else:
            ratio = cells.adjusted[rows, cols].ravel()

        def total(weights: np.ndarray | None) -> np.ndarray:
            return np.bincount(key, weights, minlength=size + 1)[:size]

        count = total(None)
        self.cells += count
        if cells.adjusted is None:
            self.ratio += count * cells.tables.retention[:size]
        else:
            self.ratio += total(ratio)
        self.rain += total(rain)
        with np.errstate(over="ignore", invalid="ignore"):  # NODATA ratios, in the nodata entry
            self.kept += total(rain * ratio)

    def fields(self, cells: Cells) -> dict[str, float]:
        """InVEST's ``aggregate_results`` fields, in its order: the mean of each ratio (0 over
        no cell) and the total of each volume (m³/yr), load (kg/yr) and value. The runoff is
        P - P x RR: InVEST's runoff ratio, 1 - RR in float32, is exact for RR >= 0.5 and within
        3e-8 below."""
        n = float(self.cells.sum())
        tables, m3 = cells.tables, cells.cell_area_m2 * 0.001  # m³ per mm over a cell
        shed = self.rain - self.kept

        def mean(total: float) -> float:
            return total / n if n else 0.0

        out = {
            "mean_retention_ratio": mean(float(self.ratio.sum())),
            "total_retention_volume": m3 * float(self.kept.sum()),
            "mean_runoff_ratio": mean(n - float(self.ratio.sum())),
            "total_runoff_volume": m3 * float(shed.sum()),
        }
        if tables.percolation is not None:
            ratio = tables.percolation[:-1].astype(np.float64)
            out["mean_percolation_ratio"] = mean(float(ratio @ self.cells))
            out["total_percolation_volume"] = m3 * float(ratio @ self.rain)
        for p, emc in tables.emc.items():
            per_m3 = pollutant_load(emc[:-1], np.float32(1)).astype(np.float64)  # kg per m³
            out[f"{p}_total_avoided_load"] = m3 * float(per_m3 @ self.kept)
            out[f"{p}_total_load"] = m3 * float(per_m3 @ shed)
        if cells.replacement_cost is not None:
            out["total_retention_value"] = cells.replacement_cost * out["total_retention_volume"]
        return out


def _row_strips(rows: slice, width: int) -> Iterator[slice]:
    step = max(1, STRIP_CELLS // max(width, 1))
    for start in range(rows.start, rows.stop, step):
        yield slice(start, min(rows.stop, start + step))


def raster_sums(cells: Cells) -> PairSums:
    """The sums over the whole raster, strip by strip."""
    sums = PairSums.zero(len(cells.tables.retention) - 1)
    for rows in _row_strips(slice(0, cells.pair.shape[0]), cells.pair.shape[1]):
        sums.add(cells, rows, slice(None), None)
    return sums


def area_sums(cells: Cells, geometry: Any, grid: io.Grid) -> PairSums:
    """The sums over the cells of one polygon (in the raster's projection): those whose centre
    it covers (GDAL's rasteriser, as ``pygeoprocessing.zonal_statistics``), each polygon on its
    own so polygons may overlap; one covering no cell centre takes, as in pygeoprocessing, the
    cells under its bounding box. Strip by strip over the box."""
    sums = PairSums.zero(len(cells.tables.retention) - 1)
    box = area_box(geometry, grid)
    if box is None:
        return sums
    if not add_covered(sums, cells, geometry, grid, *box):
        add_cells(sums, cells, *box)
    return sums


def area_box(geometry: Any, grid: io.Grid) -> tuple[slice, slice] | None:
    """The rows and columns of ``grid`` under the polygon's bounding box; None when it is
    empty or misses the grid."""
    if geometry.is_empty:
        return None
    left, bottom, right, top = geometry.bounds
    box = from_bounds(left, bottom, right, top, transform=grid.transform)
    col0, row0 = max(0, math.floor(box.col_off)), max(0, math.floor(box.row_off))
    col1 = min(grid.width, math.ceil(box.col_off + box.width))
    row1 = min(grid.height, math.ceil(box.row_off + box.height))
    if col1 <= col0 or row1 <= row0:
        return None
    return slice(row0, row1), slice(col0, col1)


def add_covered(
    sums: PairSums,
    cells: Cells,
    geometry: Any,
    grid: io.Grid,
    rows: slice,
    cols: slice,
    origin: tuple[int, int] = (0, 0),
) -> bool:
    """Add to ``sums`` the cells of ``rows`` x ``cols`` (of ``grid``) whose centre the polygon
    covers, strip by strip; whether there was one. ``cells`` holds the cells of ``grid`` from
    ``origin`` (row, column) on: the whole raster, or a block of it."""
    found = False
    for strip in _row_strips(rows, cols.stop - cols.start):
        inside = geometry_mask(
            [geometry],
            out_shape=(strip.stop - strip.start, cols.stop - cols.start),
            transform=grid.transform * Affine.translation(cols.start, strip.start),
            invert=True,
        )
        if inside.any():
            found = True
            sums.add(cells, *_shifted(strip, cols, origin), inside)
    return found


def add_cells(
    sums: PairSums, cells: Cells, rows: slice, cols: slice, origin: tuple[int, int] = (0, 0)
) -> None:
    """Add to ``sums`` every cell of ``rows`` x ``cols`` (``cells`` from ``origin`` on)."""
    for strip in _row_strips(rows, cols.stop - cols.start):
        sums.add(cells, *_shifted(strip, cols, origin), None)


def _shifted(rows: slice, cols: slice, origin: tuple[int, int]) -> tuple[slice, slice]:
    r0, c0 = origin
    return slice(rows.start - r0, rows.stop - r0), slice(cols.start - c0, cols.stop - c0)


def write_areas(path: Path, cells: Cells, grid: io.Grid, out: Path) -> Path:
    """``aggregate_data.gpkg``: the areas in the raster's projection with their own fields and
    InVEST's (``PairSums.fields``), in a GeoPackage layer of the input layer's name."""
    polygons, geometries = read_areas(path, grid)
    rows = [area_sums(cells, g, grid).fields(cells) for g in geometries]
    return write_area_fields(path, polygons, geometries, rows, grid, out)


def read_areas(path: Path, grid: io.Grid) -> tuple[io.Polygons, list[Any]]:
    """The areas of ``path`` and their geometries in the raster's projection."""
    polygons = io.read_polygons(path)
    return polygons, io.to_crs(polygons.geometries, polygons.crs, grid.crs)


def write_area_fields(
    path: Path,
    polygons: io.Polygons,
    geometries: list[Any],
    rows: list[dict[str, float]],
    grid: io.Grid,
    out: Path,
) -> Path:
    """``aggregate_data.gpkg`` from each area's fields (``PairSums.fields``)."""
    extra = {name: np.array([row[name] for row in rows]) for name in rows[0]}
    columns = {**polygons.fields, **extra}
    kind = "MultiPolygon" if any(g.geom_type == "MultiPolygon" for g in geometries) else "Polygon"
    out.unlink(missing_ok=True)
    pyogrio.raw.write(
        out,
        shapely.to_wkb(np.array(geometries, dtype=object)),
        list(columns.values()),
        list(columns),
        driver="GPKG",
        layer=str(pyogrio.list_layers(path)[0][0]),
        geometry_type=kind + (" Z" if shapely.has_z(geometries).any() else ""),
        crs=grid.crs.to_wkt(),
        promote_to_multi=kind == "MultiPolygon",
    )
    return out


# --- the run ----------------------------------------------------------------------------------


def radius_of(args: StormwaterArgs, grid: io.Grid) -> float:
    """The retention radius in cells (0 when not adjusting), refused when it reaches past the
    raster."""
    if not args.adjust_retention_ratios:
        return 0.0
    metres = float(args.retention_radius or 0.0)
    radius_cells = metres / abs(grid.transform.a)
    check_reach(radius_cells, (grid.height, grid.width), "retention_radius", metres)
    return radius_cells


# Rasters held by the writer (``io.BackgroundWriter``) may take up to this many bytes, one at
# least: on a small raster several wait while the sums are computed, on a large one a single
# copy is held.
WRITE_QUEUE_BYTES = 16 << 20


@dataclass(frozen=True)
class StormwaterResult:
    files: dict[str, Path]
    summary: dict[str, float]


def steps_of(args: StormwaterArgs) -> int:
    """The progress steps of a run: inputs, ratios, volumes, the adjustment and the areas if
    asked for."""
    return 3 + int(args.adjust_retention_ratios) + int(args.aggregate_areas_path is not None)


@memory.tuned_for_runs(reuse_heap=False)
def run(
    args: StormwaterArgs, out_dir: Path, *, progress: Callable[[int, int], None] | None = None
) -> StormwaterResult:
    problems = validate(args)
    if problems:
        raise EngineInputError("arguments", "; ".join(problems))
    steps = steps_of(args)
    done = 0

    def advance() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, steps)

    aligned = grid_of(args)
    if blocks.wanted(aligned[0]):  # larger than memory, or a cluster: block by block
        from cityweave.engine.models import stormwater_blocks  # loads dask

        return stormwater_blocks.run(args, out_dir, *aligned, progress)
    table = read_biophysical(args.biophysical_table)
    lulc, soil, rain, cell_area = read_inputs(args, aligned)
    grid = lulc.grid
    radius_cells = radius_of(args, grid)
    pair, valid, connected = cell_pairs(lulc, soil, table, str(args.biophysical_table))
    del lulc, soil
    tables = PairTables.of(table)
    advance()

    dry, precipitation = rainfall(rain.values, rain.valid, valid)
    del rain
    cells = Cells(
        pair=pair,
        dry=dry,
        rain=precipitation,
        cell_area_m2=cell_area,
        tables=tables,
        adjusted=None,
        replacement_cost=args.replacement_cost,
    )
    files: dict[str, Path] = {}
    queued = max(0, WRITE_QUEUE_BYTES // (4 * grid.width * grid.height) - 1)
    with io.BackgroundWriter(queued=queued) as writer:

        def write(name: str, values: np.ndarray) -> None:
            files[name] = writer.write(out_dir / f"{name}.tif", values, grid, nodata=NODATA)

        for name, values in cells.rasters(percolation=True):  # written while ratios adjust
            write(name, values)
            del values
        if args.adjust_retention_ratios and args.road_centerlines_path is not None:
            ratio = gather(tables.retention, pair)
            write("retention_ratio", ratio)
            impervious = road_cells(args.road_centerlines_path, grid)
            if connected is not None:
                impervious |= connected
            del connected
            cells.adjusted = adjust(ratio, valid, impervious, radius_cells)
            del ratio, impervious
            advance()
        del valid
        for name, values in cells.rasters():
            write(name, values)
            del values  # not held while the next is computed
        advance()
        summary = raster_sums(cells).fields(cells)
        if args.aggregate_areas_path is not None:
            files["aggregate"] = write_areas(
                args.aggregate_areas_path, cells, grid, out_dir / "aggregate_data.gpkg"
            )
            advance()
    advance()
    return StormwaterResult(files=files, summary=summary)
