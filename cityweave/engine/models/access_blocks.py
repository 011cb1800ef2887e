"""Urban nature access block by block, on dask arrays (``engine/blocks.py``): the same
equations as ``access.py`` for a region larger than memory, on this machine's threads or a
``dask.distributed`` cluster, for every radius mode and decay function and the WHO indicator.

The run makes three passes over the rasters, each computed on its own:

1. A survey: the land-cover codes present (every one must be in the table), the checks of the
   people, the urban nature area, and the green patches of the WHO indicator labelled in each
   block (cells joined by an edge or a corner, ``access.PATCH_STRUCTURE``) with the labels on
   the block's four edges.
2. The first 2SFCA step, per search radius: the decay-weighted people within reach ``D_j``
   (the people read with an overlap of the kernel's reach) and the ratio ``R_j = S_j / D_j``,
   stored to a temporary float32 raster in the output folder (the workers of a cluster see
   it); the nature within reach, the demand and the intermediates are written meanwhile.
3. The second step: each ratio raster read back with the overlap of its own kernel and summed
   within reach (one pass reading a finished file, so no block of the first step is held in
   memory for its neighbours), the balances and the WHO indicator written, the sums over the
   raster and the admin units added up block by block.

The in-memory run's per-cell equations and kernels are used as they are (``access``'s
``WeightedSums``, ``nature_population_ratio``, ``population_layers``, ``group_people``,
``admin_units``, ``within_reach``, ``summary_of``). Cells where a step's sums do not look
(absent people, no admin unit) travel as NaN into the convolutions, as the padding past the
raster's edges does, and count 0 there, as in the whole-array run.

The WHO green spaces are connected patches of any size, which no fixed overlap can see
whole: each block's patches are joined across the block edges (a patch's cells on one block's
edge touching another's by an edge or a corner), their cells counted over every block
(``scipy.sparse.csgraph.connected_components`` over the edge labels only, not the cells), and
each block is told which of its labels belong to a patch of at least 0.5 ha; the 300 m disc
then reads those cells with its reach as overlap.

The population is read on the land cover's grid as the in-memory run reads it: a window of the
file when the file is on that very grid, else resampled as ``align.resample(..., POPULATION)``
does (density, bilinear, counts), block by block: each block warps a window of the file that
holds the block's box and a margin of twice the ratio of the cell sizes plus two cells, more
than GDAL's bilinear kernel reaches; the land cover is read (or warped, nearest) per block by
``blocks.Source``. Polygons of the admin layer covering no cell centre in any block take the
cells under their box, added up block by block as well.

Results equal the in-memory run's within the FFTs' round-off on a block instead of the whole
raster (float64 sums, stored as float32) and the order of the float64 totals.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dask
import dask.array as da
import numpy as np
import rasterio
import scipy.ndimage
import scipy.sparse
import shapely
from rasterio.transform import array_bounds
from rasterio.warp import transform_bounds
from rasterio.windows import Window, from_bounds
from scipy.sparse.csgraph import connected_components
from shapely.geometry import mapping

from cityweave.engine import align, blocks, io
from cityweave.engine.errors import EngineInputError
from cityweave.engine.lookup import class_index, gather
from cityweave.engine.models import access
from cityweave.engine.zonal import _window, zonal_statistics

NODATA = access.NODATA
F32 = np.float32
_META = np.empty((0, 0), dtype=F32)


def run(
    args: access.AccessArgs,
    out_dir: Path,
    grid: io.Grid,
    progress: Callable[[int, int], None] | None = None,
) -> access.AccessResult:
    steps = 5

    def advance(step: int) -> None:
        if progress:
            progress(step, steps)

    table = access.read_nature_table(args)
    chunk = blocks.chunk_size()
    lulc_source = blocks.Source.open(args.lulc_raster_path, grid, "nearest", integer=True)
    people_source = _population_source(args.population_raster_path, grid)
    out_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".access-blocks-", dir=out_dir))
    try:
        with blocks.scheduler() as lock:
            run_ = _Run(args, out_dir, grid, table, lulc_source, people_source, chunk, scratch)
            return run_.execute(lock, advance)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _population_source(path: Path, grid: io.Grid) -> blocks.Source:
    """The people on ``grid``: read as they are on the file's own grid, else density-warped."""
    with align._open(path) as dataset:
        own = io.Grid(dataset.width, dataset.height, dataset.transform, dataset.crs)
    if own.same_as(grid):
        return blocks.Source.open(path, grid, "nearest")
    io._projected(own.crs, str(path))
    return _Density(str(path), grid, "population", "float32", align.POPULATION_NODATA)


@dataclass(frozen=True)
class _Density(blocks.Source):
    """People per cell resampled as ``align._population`` does, one block at a time, from a
    window of the file around the block."""

    def block(self, rows: tuple[int, int], cols: tuple[int, int]) -> np.ndarray:
        sub = blocks.sub_grid(self.grid, rows, cols)
        with rasterio.open(self.path) as dataset:
            window = _source_window(dataset, sub)
            if window is None:
                return np.full((sub.height, sub.width), align.POPULATION_NODATA, dtype=F32)
            values, _ = align._population(_Part(dataset, window), sub, self.path)
        return values


class _Part:
    """A window of an open raster, with the attributes ``align._population`` reads."""

    def __init__(self, dataset: Any, window: Window) -> None:
        self.crs = dataset.crs
        self.nodata = dataset.nodata
        self.transform = dataset.window_transform(window)
        self._values = dataset.read(1, window=window)

    def read(self, band: int) -> np.ndarray:
        return self._values


def _source_window(dataset: Any, sub: io.Grid) -> Window | None:
    left, bottom, right, top = array_bounds(sub.height, sub.width, sub.transform)
    if dataset.crs != sub.crs:
        left, bottom, right, top = transform_bounds(
            sub.crs, dataset.crs, left, bottom, right, top, densify_pts=21
        )
    t = dataset.transform
    window = from_bounds(left, bottom, right, top, transform=t)
    ratio = max((right - left) / sub.width / abs(t.a), (top - bottom) / sub.height / abs(t.e), 1)
    margin = 2 * math.ceil(ratio) + 2
    c0 = max(math.floor(window.col_off) - margin, 0)
    r0 = max(math.floor(window.row_off) - margin, 0)
    c1 = min(math.ceil(window.col_off + window.width) + margin, dataset.width)
    r1 = min(math.ceil(window.row_off + window.height) + margin, dataset.height)
    if c1 <= c0 or r1 <= r0:
        return None
    return Window(c0, r0, c1 - c0, r1 - r0)


@dataclass
class _Population:
    """``access._Population`` on dask arrays: 0 outside ``where``."""

    name: str
    people: da.Array
    supply: da.Array
    where: da.Array
    weight: da.Array | None = None


class _Outputs:
    """The rasters of a pass, nodata outside each one's cells; intermediates on request."""

    def __init__(self, out_dir: Path, keep: bool) -> None:
        self.out_dir, self.keep = out_dir, keep
        self.files: dict[str, Path] = {}
        self.pending: dict[Path, tuple[da.Array, float | int]] = {}

    def __call__(
        self,
        name: str,
        values: da.Array,
        where: da.Array,
        *,
        intermediate: bool = False,
        nodata: float = NODATA,
    ) -> None:
        if intermediate and not self.keep:
            return
        path = self.out_dir / f"{'intermediate/' if intermediate else ''}{name}.tif"
        self.files[name] = path
        self.pending[path] = (da.where(where, values, values.dtype.type(nodata)), nodata)

    def take(self) -> dict[Path, tuple[da.Array, float | int]]:
        pending, self.pending = self.pending, {}
        return pending


class _Run:
    """One blocked run: its inputs as dask arrays and the outputs of the pass being built."""

    valid: da.Array
    people: da.Array
    index: da.Array
    area: da.Array

    def __init__(
        self,
        args: access.AccessArgs,
        out_dir: Path,
        grid: io.Grid,
        table: dict[int, dict[str, float]],
        lulc_source: blocks.Source,
        people_source: blocks.Source,
        chunk: int,
        scratch: Path,
    ) -> None:
        self.args, self.out_dir, self.grid, self.table = args, out_dir, grid, table
        self.lulc_source, self.people_source = lulc_source, people_source
        self.chunk, self.scratch = chunk, scratch
        self.lulc = lulc_source.array(chunk)
        self.population = people_source.array(chunk)
        self.write = _Outputs(out_dir, args.keep_intermediate)
        self.keys = np.array(sorted(table), dtype=np.int64)
        self.share = np.array([table[int(k)]["urban_nature"] for k in self.keys])
        self.class_area = (self.share * grid.cell_area_m2).astype(F32)
        self.green_codes = self.keys[self.share >= access.WHO_GREEN_SHARE]

    # --- the passes -------------------------------------------------------------------------

    def execute(self, lock: Any, advance: Callable[[int], None]) -> access.AccessResult:
        args, grid = self.args, self.grid
        survey = self._survey()
        admin = None
        if args.admin_boundaries_vector_path is not None:
            admin = access._read_admin(args.admin_boundaries_vector_path, grid)
        grouped = args.search_radius_mode == access.PER_GROUP or args.aggregate_by_pop_group
        shares = access._group_shares(admin) if admin is not None and grouped else {}
        self._cells()
        need = F32(args.urban_nature_demand)
        write = self.write
        write("urban_nature_demand", self.people * need, self.valid)
        write("urban_nature_area", self.area, self.valid, intermediate=True)
        advance(1)

        # Pass 2: the first step of every radius, each ratio stored for the second.
        if args.search_radius_mode == access.UNIFORM:
            second = self._uniform()
        elif args.search_radius_mode == access.PER_CLASS:
            second = self._per_class(survey.present)
        else:
            assert admin is not None
            unit = self._units(admin)
            inside = self.valid & (unit < len(admin.geometries))
            second = self._per_group(admin, shares, unit, inside)
        found = None
        parts: list[Any] = []
        if admin is not None:  # which units cover a cell centre in some block
            parts = [
                dask.delayed(_found)(rows, cols, grid, admin) for rows, cols in _extents(self.lulc)
            ]
        with blocks.store(write.take(), grid, lock) as stored:
            results = dask.compute(stored, *parts)[1:]
        if admin is not None:
            found = np.logical_or.reduce(results)
        advance(2)

        # Pass 3: the second step, the balances, the WHO indicator and the sums.
        populations = second()
        near = self._who(survey)
        write(
            "who_green_space_access",
            near.astype(np.uint8),
            self.valid & (self.people > 0),
            nodata=access.BYTE_NODATA,
        )
        near_people = da.where(near, self.people, F32(0.0))
        totals: dict[str, da.Array] = {}
        zone_layers: dict[str, tuple[dict[str, da.Array], da.Array]] = {}
        where = self.valid
        for group in populations:
            layers = _layers(group, need)
            balance = layers.pop("balance")
            for name, values in layers.items():
                totals[name] = totals[name] + values if name in totals else values
            where = group.where
            if group.name:
                suffix = f"_{group.name}"
                write(f"urban_nature_balance_percapita{suffix}", balance, where)
                write(f"urban_nature_balance{suffix}", layers["total"], where)
                write(f"population_in{suffix}", group.people, where, intermediate=True)
                write(
                    f"undersupplied_population{suffix}", layers["under"], where, intermediate=True
                )
                write(f"oversupplied_population{suffix}", layers["over"], where, intermediate=True)
            if admin is not None:
                del layers["supply"]
                layers["people"] = group.people
                if not group.name:
                    layers["near"] = near_people
                zone_layers[group.name] = (layers, where)
        supply, total = totals["supply"], totals["total"]
        write("urban_nature_supply_percapita", supply, where)
        write("urban_nature_balance_percapita", supply - need, where)
        write("urban_nature_balance_totalpop", total, where)
        if args.search_radius_mode != access.PER_GROUP:
            write("undersupplied_population", totals["under"], where, intermediate=True)
            write("oversupplied_population", totals["over"], where, intermediate=True)
        if admin is not None and "" not in zone_layers:
            zone_layers[_WHO] = ({"near": near_people, "people": self.people}, self.valid)
        population = self.people if where is self.valid else da.where(where, self.people, F32(0))
        summed = dict(
            access.summed(
                population,
                self.people,
                supply,
                total,
                totals["under"],
                totals["over"],
                near_people,
            )
        )
        stats = _per_block_stats(summed, zone_layers, self.lulc, grid, admin, found)
        with blocks.store(write.take(), grid, lock) as stored:
            results = dask.compute(stored, *stats)[1:]
        advance(3)

        sums, zones = _combine(results)
        summary = access.summary_of(sums, survey.area_m2)
        files = dict(write.files)
        if admin is not None:
            who = zones.pop(_WHO, None) or zones[""]
            fields = access._admin_fields(
                zones, shares if args.search_radius_mode != access.PER_GROUP else {}
            )
            fields |= {
                "WHO_pop_adm": who["near"],
                "WHO_share_adm": access._ratio(who["near"], who["people"]),
            }
            files["admin_boundaries"] = access._write_admin(self.out_dir, admin, fields)
        advance(4)
        files["access_summary"] = io.write_csv(
            self.out_dir / "access_summary.csv",
            [{"name": name, "value": value} for name, value in summary.items()],
        )
        advance(5)
        return access.AccessResult(files=files, summary=summary)

    def _survey(self) -> _Survey:
        """Pass 1: the checks of ``access._read_inputs``, in its order, the urban nature area
        and the WHO patches."""
        lulc_nodata, people_nodata = self.lulc_source.nodata, self.people_source.nodata
        green_codes = self.green_codes
        parts = dask.compute(
            *[
                dask.delayed(_survey_block)(c, p, lulc_nodata, people_nodata, green_codes)
                for c, p in zip(
                    self.lulc.to_delayed().ravel(),
                    self.population.to_delayed().ravel(),
                    strict=True,
                )
            ]
        )
        lulc_path, people_path = self.lulc_source.path, self.people_source.path
        if not any(p.land for p in parts):
            raise EngineInputError(lulc_path, "has no valid cell on the land cover's grid")
        if not any(p.known for p in parts):
            problem = (
                "has no valid cell on the land cover's grid"
                if isinstance(self.people_source, _Density)
                else "every cell is nodata"
            )
            raise EngineInputError(people_path, problem)
        if any(p.not_finite for p in parts):
            raise EngineInputError(people_path, "holds NaN or infinite people counts")
        if any(p.negative for p in parts):
            raise EngineInputError(people_path, "holds negative people counts")
        if not any(p.valid_codes.size for p in parts):
            raise EngineInputError(people_path, f"has no known cell where {lulc_path} is known")
        present = np.unique(np.concatenate([p.present for p in parts]))
        missing = [int(c) for c in present if int(c) not in self.table]
        if missing:
            listed = ", ".join(str(code) for code in missing[:50])
            raise EngineInputError(
                str(self.args.lulc_attribute_table),
                f"has no row for the land-cover codes {listed} found in {lulc_path}",
            )
        area = 0.0
        for part in parts:
            position = np.searchsorted(self.keys, part.valid_codes)
            area += float(part.valid_counts @ self.class_area[position].astype(np.float64))
        flags = _large_patches(parts, self.lulc.numblocks, self.grid.cell_area_m2)
        return _Survey({int(c) for c in present}, area, flags)

    def _cells(self) -> None:
        """The aligned inputs, per block: known cells, people and urban nature area (0 outside
        the known cells), the class index."""
        lulc_nodata, people_nodata = self.lulc_source.nodata, self.people_source.nodata
        table, raster, shown = (
            self.table,
            self.lulc_source.path,
            str(self.args.lulc_attribute_table),
        )
        index_type = np.min_scalar_type(len(self.keys))
        class_area = self.class_area  # the block functions travel without the run

        def valid_block(codes: np.ndarray, people: np.ndarray) -> np.ndarray:
            return io.data_mask(codes, lulc_nodata) & io.data_mask(people, people_nodata)

        def people_block(codes: np.ndarray, people: np.ndarray) -> np.ndarray:
            return np.where(valid_block(codes, people), people, 0).astype(F32)

        def index_block(codes: np.ndarray) -> np.ndarray:
            land = io.data_mask(codes, lulc_nodata)
            _, index = class_index(codes, land, table, raster=raster, table=shown)
            return index.astype(index_type)

        def area_block(index: np.ndarray, valid: np.ndarray) -> np.ndarray:
            area = gather(class_area, index)
            area[~valid] = 0.0
            return area

        meta = np.empty((0, 0), dtype=bool)
        self.valid = da.map_blocks(valid_block, self.lulc, self.population, dtype=bool, meta=meta)
        self.people = da.map_blocks(people_block, self.lulc, self.population, dtype=F32, meta=_META)
        self.index = da.map_blocks(
            index_block, self.lulc, dtype=index_type, meta=np.empty((0, 0), dtype=index_type)
        )
        self.area = da.map_blocks(area_block, self.index, self.valid, dtype=F32, meta=_META)

    def _units(self, admin: Any) -> da.Array:
        grid = self.grid

        def unit_block(valid: np.ndarray, block_info: dict[Any, Any] | None = None) -> np.ndarray:
            assert block_info is not None
            rows, cols = block_info[None]["array-location"]
            return access.admin_units(admin, blocks.sub_grid(grid, rows, cols))

        meta = np.empty((0, 0), dtype=np.int32)
        return da.map_blocks(unit_block, self.valid, dtype=np.int32, meta=meta)

    def _stored_ratio(self, ratio: da.Array, where: da.Array, name: str) -> Callable[[], da.Array]:
        """The ratio written to a temporary raster in this pass; read back (NaN outside
        ``where``) by the returned function, in the next."""
        path = self.scratch / f"{name}.tif"
        self.write.pending[path] = (da.where(where, ratio, F32(NODATA)), NODATA)

        def read() -> da.Array:
            source = blocks.Source.open(path, self.grid, "nearest")
            return da.map_blocks(_nan_at_nodata, source.array(self.chunk), dtype=F32, meta=_META)

        return read

    def _uniform(self) -> Callable[[], list[_Population]]:
        args, valid, write = self.args, self.valid, self.write
        radius = float(args.search_radius or 0.0)
        kernel = access.search_kernel(args, radius, self.grid, "search_radius")
        reaching = _weighted_sums(kernel, _nan_outside(self.people, valid))
        write(f"distance_weighted_population_within_{radius}", reaching, valid, intermediate=True)
        ratio = _ratio(self.area, reaching)
        write("urban_nature_population_ratio", ratio, valid, intermediate=True)
        write(
            "accessible_urban_nature", _weighted_sums(kernel, _nan_outside(self.area, valid)), valid
        )
        read = self._stored_ratio(ratio, valid, "ratio")

        def second() -> list[_Population]:
            return [_Population("", self.people, _weighted_sums(kernel, read()), valid)]

        return second

    def _per_class(self, present: set[int]) -> Callable[[], list[_Population]]:
        args, valid, write = self.args, self.valid, self.write
        radii = access._class_radii(args.lulc_attribute_table, self.table)
        position = {int(code): i for i, code in enumerate(self.keys)}
        people = _nan_outside(self.people, valid)
        steps: list[tuple[np.ndarray, Callable[[], da.Array]]] = []
        for radius in sorted(set(radii.values())):
            name = f"{args.lulc_attribute_table} search_radius_m {radius:g}"
            kernel = access.search_kernel(args, radius, self.grid, name)
            reaching = _weighted_sums(kernel, people)
            write(
                f"distance_weighted_population_within_{radius}", reaching, valid, intermediate=True
            )
            codes = [code for code, r in radii.items() if r == radius]
            mine = np.zeros(len(self.keys), dtype=bool)
            mine[[position[c] for c in codes if c in position]] = True
            nature = da.map_blocks(_of_classes(mine), self.index, self.area, dtype=F32, meta=_META)
            ratio = _ratio(nature, reaching)
            steps.append((kernel, self._stored_ratio(ratio, valid, f"ratio_{radius:g}")))
            for code in codes:
                if code in position and code in present:
                    of_class = da.map_blocks(
                        _of_class(position[code]), self.index, self.area, dtype=F32, meta=_META
                    )
                    accessible = _weighted_sums(kernel, of_class)
                else:
                    accessible = da.zeros_like(self.area)
                write(f"accessible_urban_nature_lucode_{code}", accessible, valid)

        def second() -> list[_Population]:
            supply: da.Array | None = None
            for kernel, read in steps:
                sums = _weighted_sums(kernel, read())
                supply = sums if supply is None else supply + sums
            assert supply is not None
            return [_Population("", self.people, supply, valid)]

        return second

    def _per_group(
        self,
        admin: io.Polygons,
        shares: Mapping[str, np.ndarray],
        unit: da.Array,
        inside: da.Array,
    ) -> Callable[[], list[_Population]]:
        args, valid, write = self.args, self.valid, self.write
        assert args.population_group_radii_table is not None
        radii = access._group_radii(args.population_group_radii_table, list(shares), admin.path)
        table = str(args.population_group_radii_table)
        by_radius = {r: [g for g in shares if radii[g] == r] for r in sorted(set(radii.values()))}
        kernels = {
            r: access.search_kernel(args, r, self.grid, f"{table} search_radius_m {r:g}")
            for r in by_radius
        }

        def people_of(names: Sequence[str]) -> da.Array:
            def block(people: np.ndarray, inside: np.ndarray, unit: np.ndarray) -> np.ndarray:
                return access.group_people(people, inside, unit, shares, names)

            return da.map_blocks(block, self.people, inside, unit, dtype=F32, meta=_META)

        reaching: da.Array | None = None
        for radius, names in by_radius.items():
            sums = _weighted_sums(kernels[radius], _nan_outside(people_of(names), inside))
            reaching = sums if reaching is None else reaching + sums
        assert reaching is not None
        write("distance_weighted_population_all_groups", reaching, inside, intermediate=True)
        ratio = _ratio(self.area, reaching)
        write("urban_nature_population_ratio", ratio, inside, intermediate=True)
        read = self._stored_ratio(ratio, inside, "ratio")

        def second() -> list[_Population]:
            populations = []
            stored = read()
            area = _nan_outside(self.area, valid)
            for radius, names in reversed(by_radius.items()):
                kernel = kernels[radius]
                accessible, supply = _weighted_sums(kernel, area), _weighted_sums(kernel, stored)
                for name in names:
                    write(f"accessible_urban_nature_to_{name}", accessible, valid)
                    write(
                        f"urban_nature_supply_percapita_to_{name}",
                        supply,
                        inside,
                        intermediate=True,
                    )
                    share = shares[name]
                    weight = da.map_blocks(
                        lambda u, share=share: gather(share, u), unit, dtype=F32, meta=_META
                    )
                    populations.append(_Population(name, people_of([name]), supply, inside, weight))
            return populations

        return second

    def _who(self, survey: _Survey) -> da.Array:
        """Cells within 300 m of a green space of at least 0.5 ha: each block's patches marked
        from the survey's flags, then the disc with its reach as overlap."""
        lulc_nodata, green_codes = self.lulc_source.nodata, self.green_codes
        lulc = self.lulc.to_delayed()
        rows = []
        for i, height in enumerate(self.lulc.chunks[0]):
            row = []
            for j, width in enumerate(self.lulc.chunks[1]):
                block = dask.delayed(_spaces_block)(
                    lulc[i, j], lulc_nodata, green_codes, survey.flags[i][j]
                )
                row.append(da.from_delayed(block, shape=(height, width), dtype=F32, meta=_META))
            rows.append(row)
        spaces = da.block(rows)
        cell_size = self.grid.cell_size
        reach = access.who_disc(cell_size).shape[0] // 2

        def near_block(spaces: np.ndarray) -> np.ndarray:
            return access.within_reach(spaces == 1, cell_size)

        return blocks.neighbourhood(near_block, spaces, reach=reach, dtype=bool)


_WHO = "\0who"  # the zone sums of the WHO fields, when no pass covers everyone


@dataclass(frozen=True)
class _Survey:
    present: set[int]  # land-cover codes present
    area_m2: float
    flags: list[list[np.ndarray]]  # per block: whether each of its labels is a green space


@dataclass(frozen=True)
class _SurveyPart:
    land: bool
    known: bool
    not_finite: bool
    negative: bool
    present: np.ndarray
    valid_codes: np.ndarray
    valid_counts: np.ndarray
    labels: int
    sizes: np.ndarray
    edges: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # top, bottom, left, right


def _survey_block(
    codes: np.ndarray,
    people: np.ndarray,
    lulc_nodata: Any,
    people_nodata: Any,
    green_codes: np.ndarray,
) -> _SurveyPart:
    land = io.data_mask(codes, lulc_nodata)
    known = io.data_mask(people, people_nodata)
    valid = land & known
    counts = np.where(valid, people, 0).astype(F32)
    valid_codes, valid_counts = np.unique(codes[valid], return_counts=True)
    labels, count = _patches(codes, land, green_codes)
    return _SurveyPart(
        land=bool(land.any()),
        known=bool(known.any()),
        not_finite=not bool(np.isfinite(counts).all()),
        negative=bool((counts < 0).any()),
        present=np.unique(codes[land]),
        valid_codes=valid_codes,
        valid_counts=valid_counts,
        labels=count,
        sizes=np.bincount(labels.ravel(), minlength=count + 1),
        edges=(labels[0].copy(), labels[-1].copy(), labels[:, 0].copy(), labels[:, -1].copy()),
    )


def _patches(codes: np.ndarray, land: np.ndarray, green_codes: np.ndarray) -> tuple[Any, int]:
    green = np.isin(codes, green_codes) & land
    labels, count = scipy.ndimage.label(green, structure=access.PATCH_STRUCTURE)
    return labels, int(count)


def _spaces_block(
    codes: np.ndarray, lulc_nodata: Any, green_codes: np.ndarray, flags: np.ndarray
) -> np.ndarray:
    labels, _ = _patches(codes, io.data_mask(codes, lulc_nodata), green_codes)
    return flags[labels].astype(F32)


def _large_patches(
    parts: Sequence[_SurveyPart], numblocks: tuple[int, ...], cell_area_m2: float
) -> list[list[np.ndarray]]:
    """Per block, whether each of its labels (0: not green) belongs to a green space of at
    least 0.5 ha: the blocks' patches joined where they touch across block edges (by an edge
    or a corner), their cells counted over every block."""
    n_rows, n_cols = numblocks
    grid = [[parts[i * n_cols + j] for j in range(n_cols)] for i in range(n_rows)]
    offsets = np.cumsum([0] + [p.labels for p in parts])  # global id = offset + local label
    total = int(offsets[-1]) + 1  # 0: no patch

    def offset(i: int, j: int) -> int:
        return int(offsets[i * n_cols + j])

    pairs: list[tuple[np.ndarray, np.ndarray]] = []

    def join(a: np.ndarray, a_off: int, b: np.ndarray, b_off: int) -> None:
        keep = (a > 0) & (b > 0)
        pairs.append((a[keep].astype(np.int64) + a_off, b[keep].astype(np.int64) + b_off))

    def along(a: np.ndarray, a_off: int, b: np.ndarray, b_off: int) -> None:
        join(a, a_off, b, b_off)  # facing cells, then those one cell along either way
        join(a[1:], a_off, b[:-1], b_off)
        join(a[:-1], a_off, b[1:], b_off)

    for i in range(n_rows):
        for j in range(n_cols):
            here = grid[i][j]
            if j + 1 < n_cols:  # right edge against the next block's left edge
                along(here.edges[3], offset(i, j), grid[i][j + 1].edges[2], offset(i, j + 1))
            if i + 1 < n_rows:  # bottom edge against the top edge of the block below
                along(here.edges[1], offset(i, j), grid[i + 1][j].edges[0], offset(i + 1, j))
                if j + 1 < n_cols:  # bottom-right corner, top-left corner of the diagonal
                    below = grid[i + 1][j + 1]
                    join(here.edges[1][-1:], offset(i, j), below.edges[0][:1], offset(i + 1, j + 1))
                if j > 0:  # bottom-left corner, top-right corner of the other diagonal
                    below = grid[i + 1][j - 1]
                    join(here.edges[1][:1], offset(i, j), below.edges[0][-1:], offset(i + 1, j - 1))
    sizes = np.zeros(total, dtype=np.int64)
    for k, part in enumerate(parts):
        sizes[offsets[k] + 1 : offsets[k] + 1 + part.labels] = part.sizes[1:]
    if pairs:
        a = np.concatenate([p[0] for p in pairs])
        b = np.concatenate([p[1] for p in pairs])
    else:
        a = b = np.zeros(0, dtype=np.int64)
    graph = scipy.sparse.coo_matrix((np.ones(a.size, dtype=np.int8), (a, b)), shape=(total, total))
    _, component = connected_components(graph, directed=False)
    cells = np.bincount(component, weights=sizes, minlength=int(component.max()) + 1)
    large = access.large_patches(cells, cell_area_m2)[component]
    large[0] = False
    flags = []
    for i in range(n_rows):
        row = []
        for j in range(n_cols):
            start = offset(i, j)
            mine = large[start + 1 : start + 1 + grid[i][j].labels]
            row.append(np.concatenate([[False], mine]))
        flags.append(row)
    return flags


# --- the steps, on one block --------------------------------------------------------------


def _nan_outside(values: da.Array, where: da.Array) -> da.Array:
    """The cells a sum reads; NaN, counted 0, elsewhere (as past the raster's edges)."""
    return da.where(where, values, F32(np.nan)).astype(F32)


def _nan_at_nodata(values: np.ndarray) -> np.ndarray:
    return np.where(values == F32(NODATA), F32(np.nan), values)


def _weighted_sums(kernel: np.ndarray, signal: da.Array) -> da.Array:
    """``access.WeightedSums`` of the cells of ``signal`` that are not NaN; 0 at the others."""

    def block(values: np.ndarray) -> np.ndarray:
        return access.WeightedSums(values.shape, kernel)(values, ~np.isnan(values))

    return blocks.neighbourhood(block, signal, reach=kernel.shape[0] // 2, dtype=F32)


def _ratio(area: da.Array, reaching: da.Array) -> da.Array:
    return da.map_blocks(access.nature_population_ratio, area, reaching, dtype=F32, meta=_META)


def _of_classes(mine: np.ndarray) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    def block(index: np.ndarray, area: np.ndarray) -> np.ndarray:
        return np.where(gather(mine, index), area, F32(0.0))

    return block


def _of_class(position: int) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    def block(index: np.ndarray, area: np.ndarray) -> np.ndarray:
        return np.where(index == position, area, F32(0.0))

    return block


def _layers(group: _Population, need: np.float32) -> dict[str, da.Array]:
    """``access.population_layers`` of a group, one dask array per layer."""
    keys = ("balance", "supply", "total", "under", "over")
    inputs = [group.supply, group.people] + ([group.weight] if group.weight is not None else [])

    def layer(key: str) -> da.Array:
        def block(supply: np.ndarray, people: np.ndarray, *weight: np.ndarray) -> np.ndarray:
            return access.population_layers(supply, people, weight[0] if weight else None, need)[
                key
            ]

        return da.map_blocks(block, *inputs, dtype=F32, meta=_META)

    return {key: layer(key) for key in keys}


def _extents(array: da.Array) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(first, last + 1) row and column of every block, in ``blocks.locations`` order."""
    row_ends = np.cumsum(array.chunks[0])
    col_ends = np.cumsum(array.chunks[1])
    return [
        ((int(r1 - h), int(r1)), (int(c1 - w), int(c1)))
        for r1, h in zip(row_ends, array.chunks[0], strict=True)
        for c1, w in zip(col_ends, array.chunks[1], strict=True)
    ]


def _found(
    rows: tuple[int, int], cols: tuple[int, int], grid: io.Grid, admin: io.Polygons
) -> np.ndarray:
    """Whether each admin unit covers a cell centre of the block of ``rows`` and ``cols``."""
    sub = blocks.sub_grid(grid, rows, cols)
    cells = np.ones((sub.height, sub.width), dtype=bool)
    stats = zonal_statistics(admin.geometries, admin.crs, sub, {}, cells, fallback=False)
    assert stats.found is not None
    return stats.found


def _per_block_stats(
    summed: Mapping[str, da.Array],
    zone_layers: Mapping[str, tuple[Mapping[str, da.Array], da.Array]],
    like: da.Array,
    grid: io.Grid,
    admin: io.Polygons | None,
    found: np.ndarray | None,
) -> list[Any]:
    """Per block, a task adding up the summary's rasters and each pass's admin layers."""

    def delayed(array: da.Array) -> np.ndarray:
        return array.to_delayed().ravel()  # type: ignore[no-any-return]

    sums = {name: delayed(values) for name, values in summed.items()}
    zones = {
        group: ({name: delayed(v) for name, v in layers.items()}, delayed(where))
        for group, (layers, where) in zone_layers.items()
    }
    missing = np.flatnonzero(~found) if found is not None else np.zeros(0, dtype=np.int64)
    tasks = []
    for k, location in enumerate(blocks.locations(like)):
        block_sums = {name: values[k] for name, values in sums.items()}
        block_zones = {
            group: ({name: v[k] for name, v in layers.items()}, where[k])
            for group, (layers, where) in zones.items()
        }
        tasks.append(
            dask.delayed(_block_stats)(block_sums, block_zones, location, grid, admin, missing)
        )
    return tasks


def _block_stats(
    sums: Mapping[str, np.ndarray],
    zones: Mapping[str, tuple[Mapping[str, np.ndarray], np.ndarray]],
    location: tuple[int, int],
    grid: io.Grid,
    admin: io.Polygons | None,
    missing: np.ndarray,
) -> tuple[dict[str, float], dict[str, dict[str, np.ndarray]]]:
    totals = {name: float(values.sum(dtype=np.float64)) for name, values in sums.items()}
    if admin is None:
        return totals, {}
    where = next(iter(zones.values()))[1]
    rows = (location[0], location[0] + where.shape[0])
    cols = (location[1], location[1] + where.shape[1])
    sub = blocks.sub_grid(grid, rows, cols)
    out = {}
    for group, (layers, where) in zones.items():
        stats = zonal_statistics(admin.geometries, admin.crs, sub, layers, where, fallback=False)
        group_sums = {name: values.copy() for name, values in stats.sums.items()}
        for i in missing:  # the cells under the unit's box, within this block
            box = _box(admin.geometries[i], grid, rows, cols)
            if box is None:
                continue
            box_where = where[box]
            for name, values in layers.items():
                group_sums[name][i] = float(values[box][box_where].sum(dtype=np.float64))
        out[group] = group_sums
    return totals, out


def _box(
    geometry: Any, grid: io.Grid, rows: tuple[int, int], cols: tuple[int, int]
) -> tuple[slice, slice] | None:
    """The part of the unit's box (``zonal_statistics``' fallback) within the block."""
    if shapely.is_empty(geometry):
        return None
    window = _window(mapping(geometry), grid)
    if window is None:
        return None
    r0, r1 = max(window.row_off, rows[0]), min(window.row_off + window.height, rows[1])
    c0, c1 = max(window.col_off, cols[0]), min(window.col_off + window.width, cols[1])
    if r1 <= r0 or c1 <= c0:
        return None
    return slice(r0 - rows[0], r1 - rows[0]), slice(c0 - cols[0], c1 - cols[0])


def _combine(
    results: Sequence[tuple[dict[str, float], dict[str, dict[str, np.ndarray]]]],
) -> tuple[dict[str, float], dict[str, dict[str, np.ndarray]]]:
    sums = {name: 0.0 for name in results[0][0]}
    zones: dict[str, dict[str, np.ndarray]] = {}
    for block_sums, block_zones in results:
        for name, value in block_sums.items():
            sums[name] += value
        for group, layers in block_zones.items():
            if group not in zones:
                zones[group] = {name: values.copy() for name, values in layers.items()}
            else:
                for name, values in layers.items():
                    zones[group][name] += values
    return sums, zones
