"""Urban nature access: the method of InVEST 3.20's Urban Nature Access model, and the WHO
green space accessibility indicator.

The supply of urban nature to each cell's residents comes from a two-step floating catchment
area (2SFCA; Luo & Wang 2003), both steps convolutions with one distance-decay kernel per
search radius: each nature cell's area is shared among the people who can reach it, and each
cell's residents add up their shares of every nature cell they can reach. Search radii are one
for all (``uniform radius``), one per urban nature class or one per population group, as in
InVEST. Inputs under InVEST's argument names and outputs under its file names.

The WHO indicator (not in InVEST): the share of the population living within 300 m, in a
straight line, of a green space of at least 0.5 ha (WHO Regional Office for Europe, 2016,
*Urban green spaces and health: a review of evidence*, Copenhagen: the accessibility indicator
and its GIS method, after Annerstedt van den Bosch et al. 2016, Scand. J. Public Health 44).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio.raw
import scipy.ndimage
import shapely
from rasterio.features import rasterize

from cityweave.engine import align, arguments, blocks, io, memory
from cityweave.engine.errors import EngineInputError
from cityweave.engine.lookup import class_index, gather
from cityweave.engine.neighbourhood import (
    TOLERANCE_TO_ZERO,
    Convolver,
    SpectralPlan,
    check_reach,
    dichotomous_kernel,
    distance_kernel,
    exponential_kernel,
)
from cityweave.engine.spec import Input, ModelSpec, Output
from cityweave.engine.zonal import zonal_statistics

NODATA = io.FLOAT_NODATA
BYTE_NODATA = 255
UNIFORM = "uniform radius"
PER_CLASS = "radius per urban nature class"
PER_GROUP = "radius per population group"
RADIUS_MODES = (UNIFORM, PER_CLASS, PER_GROUP)
DECAY_FUNCTIONS = ("dichotomy", "exponential", "gaussian", "density")
POP_FIELD_PREFIX = "pop_"  # admin fields holding a population group's share (InVEST's ``^pop_``)
# InVEST's _urban_nature_population_ratio: nature area within numpy.isclose's default absolute
# tolerance of 0 is no nature; up to one person reaching a nature cell, its ratio is its area.
NO_AREA_M2 = 1e-8
FEW_PEOPLE = 1.0
# The WHO indicator: a green space is a patch of cells, joined by edges or corners, whose
# urban_nature is at least this share; it counts from this area, within this distance.
WHO_GREEN_SHARE = 0.5
WHO_MIN_AREA_M2 = 5000.0  # 0.5 ha
WHO_DISTANCE_M = 300.0
# Convolutions run on strips of about this many cells (and a halo of the kernel's reach), so
# the FFT's two arrays stay about 150 MB on a 4000 x 4000 raster. Two strips there instead of
# four (4 million cells): 4.5-5.0 s instead of 5.9-6.4 s for a 500 m radius, the peak memory
# 739-753 MB instead of 735 MB.
STRIP_CELLS = 1 << 23

SPEC = ModelSpec(
    id="access",
    title="Urban nature access",
    reference="InVEST 3.20 Urban Nature Access",
    inputs=(
        Input("lulc_raster_path", "raster", "land cover (integer codes, projected)"),
        Input(
            "lulc_attribute_table",
            "table",
            "share of each class that is urban nature (0-1); search_radius_m (m) per class "
            "for the radius per urban nature class",
            columns=("lucode", "urban_nature"),
        ),
        Input("population_raster_path", "raster", "people per cell", unit="people"),
        Input(
            "admin_boundaries_vector_path",
            "vector",
            "administrative units; pop_<group> fields hold each group's share of the people",
            required=False,
        ),
        Input("urban_nature_demand", "number", "urban nature each person should reach", unit="m²"),
        Input("decay_function", "text", "dichotomy, exponential, gaussian or density"),
        Input(
            "search_radius_mode",
            "text",
            "uniform radius, radius per urban nature class or radius per population group",
        ),
        Input("search_radius", "number", "the uniform search radius", unit="m", required=False),
        Input(
            "population_group_radii_table",
            "table",
            "search radius per population group",
            unit="m",
            required=False,
            columns=("pop_group", "search_radius_m"),
        ),
        Input(
            "aggregate_by_pop_group",
            "boolean",
            "also sum the under- and oversupplied people of each group per admin unit",
            required=False,
        ),
        Input(
            "keep_intermediate",
            "boolean",
            "also write the intermediate rasters (CityWeave's own argument)",
            required=False,
        ),
    ),
    outputs=(
        Output("urban_nature_supply_percapita.tif", "urban nature reached per person", "m²"),
        Output("urban_nature_demand.tif", "urban nature the residents should reach", "m²"),
        Output("urban_nature_balance_percapita.tif", "supply minus demand per person", "m²/person"),
        Output("urban_nature_balance_totalpop.tif", "balance times the residents", "m²"),
        Output("accessible_urban_nature.tif", "urban nature within reach, decay-weighted", "m²"),
        Output(
            "accessible_urban_nature_lucode_[LUCODE].tif",
            "urban nature of one class within its reach",
            "m²",
        ),
        Output(
            "accessible_urban_nature_to_[POP_GROUP].tif",
            "urban nature within a group's reach",
            "m²",
        ),
        Output(
            "urban_nature_balance_percapita_[POP_GROUP].tif",
            "supply minus demand per person of a group",
            "m²/person",
        ),
        Output("urban_nature_balance_[POP_GROUP].tif", "a group's balance times its people", "m²"),
        Output(
            "who_green_space_access.tif",
            "1 where residents live within 300 m of a green space of 0.5 ha, else 0",
            "",
        ),
        Output(
            "admin_boundaries.gpkg",
            "per admin unit: SUP_DEMadm_cap, Pund_adm, Povr_adm (and per group), WHO_pop_adm, "
            "WHO_share_adm",
            "m²/person, people",
        ),
        Output("access_summary.csv", "figures over the whole raster", ""),
        Output("intermediate/urban_nature_area.tif", "urban nature area per cell", "m²"),
        Output(
            "intermediate/urban_nature_population_ratio.tif",
            "urban nature per person reaching it",
            "m²/person",
        ),
        Output(
            "intermediate/distance_weighted_population_within_[SEARCH_RADIUS].tif",
            "people reaching each cell, decay-weighted",
            "people",
        ),
        Output("intermediate/undersupplied_population.tif", "people below the demand", "people"),
        Output("intermediate/oversupplied_population.tif", "people above the demand", "people"),
    ),
)


@dataclass(frozen=True)
class AccessArgs:
    lulc_raster_path: Path
    lulc_attribute_table: Path
    population_raster_path: Path
    urban_nature_demand: float
    decay_function: str
    search_radius_mode: str
    admin_boundaries_vector_path: Path | None = None
    search_radius: float | None = None
    population_group_radii_table: Path | None = None
    aggregate_by_pop_group: bool = False
    # CityWeave's own: also write the intermediate rasters InVEST keeps.
    keep_intermediate: bool = False

    @classmethod
    def from_invest(cls, args: Mapping[str, Any]) -> AccessArgs:
        """From an InVEST args dict (paths already resolved); option strings are read without
        case, as InVEST reads them."""
        arguments.require(
            args,
            (
                "lulc_raster_path",
                "lulc_attribute_table",
                "population_raster_path",
                "urban_nature_demand",
                "decay_function",
                "search_radius_mode",
            ),
        )
        return cls(
            lulc_raster_path=Path(args["lulc_raster_path"]),
            lulc_attribute_table=Path(args["lulc_attribute_table"]),
            population_raster_path=Path(args["population_raster_path"]),
            urban_nature_demand=arguments.required_number(args, "urban_nature_demand"),
            decay_function=str(args["decay_function"]).strip().lower(),
            search_radius_mode=str(args["search_radius_mode"]).strip().lower(),
            admin_boundaries_vector_path=arguments.path(args, "admin_boundaries_vector_path"),
            search_radius=arguments.number(args, "search_radius"),
            population_group_radii_table=arguments.path(args, "population_group_radii_table"),
            aggregate_by_pop_group=arguments.flag(args, "aggregate_by_pop_group"),
            keep_intermediate=arguments.flag(args, "keep_intermediate"),
        )


def validate(args: AccessArgs) -> list[str]:
    """Problems with the arguments, each naming the argument; empty when they can run."""
    problems = []
    if args.decay_function not in DECAY_FUNCTIONS:
        problems.append(
            f"decay_function: {args.decay_function!r} is not one of {', '.join(DECAY_FUNCTIONS)}"
        )
    if args.search_radius_mode not in RADIUS_MODES:
        problems.append(
            f"search_radius_mode: {args.search_radius_mode!r} is not one of "
            f"{', '.join(RADIUS_MODES)}"
        )
    if not args.urban_nature_demand > 0:
        problems.append(
            f"urban_nature_demand: must be above 0 m², got {args.urban_nature_demand:g}"
        )
    if args.search_radius_mode == UNIFORM:
        if args.search_radius is None:
            problems.append("search_radius: required with a uniform radius")
        elif not args.search_radius > 0:
            problems.append(f"search_radius: must be above 0 m, got {args.search_radius:g}")
    needs_admin = args.search_radius_mode == PER_GROUP or args.aggregate_by_pop_group
    if args.search_radius_mode == PER_GROUP and args.population_group_radii_table is None:
        problems.append("population_group_radii_table: required with a radius per group")
    if needs_admin and args.admin_boundaries_vector_path is None:
        problems.append(
            "admin_boundaries_vector_path: required for population groups (its pop_ fields)"
        )
    return problems


# --- the equations -------------------------------------------------------------------------


def gaussian_decay(distance: np.ndarray, radius: float) -> np.ndarray:
    """w = (e^(-(d/r)^2 / 2) - e^(-1/2)) / (1 - e^(-1/2)): 1 at the centre, 0 at the radius
    (``_kernel_gaussian``; d and r in cells)."""
    edge = math.e ** (-0.5)
    return (math.e ** (-0.5 * (distance / radius) ** 2) - edge) / (1 - edge)


def density_decay(distance: np.ndarray, radius: float) -> np.ndarray:
    """w = 0.75 (1 - (d/r)^2), the Epanechnikov kernel (``_kernel_density``)."""
    return 0.75 * (1 - (distance / radius) ** 2)


def decay_kernel(decay: str, radius_cells: float) -> np.ndarray:
    """The kernel InVEST builds for a search radius of r cells (``execute``; not normalised,
    float32 like pygeoprocessing's kernel rasters; d from cell centre to centre, in cells):

    - dichotomy: 1 where d <= r (``kernels.dichotomous_kernel(max_distance=r)``);
    - exponential: e^(-d/r) where d <= 2 ceil(r) + 1 (``kernels.exponential_decay_kernel``
      with ``max_distance = ceil(r) * 2 + 1``: it reaches about twice the radius);
    - gaussian, density: ``gaussian_decay``, ``density_decay`` where d <= r
      (``kernels.create_distance_decay_kernel(max_distance=r)``).

    Every kernel is ``2 floor(max_distance) + 1`` cells wide."""
    if decay == "dichotomy":
        return dichotomous_kernel(radius_cells, normalise=False)
    if radius_cells <= 0:
        raise ValueError(f"the {decay} kernel needs a radius above 0 cells")
    if decay == "exponential":
        return exponential_kernel(math.ceil(radius_cells) * 2 + 1, radius_cells, normalise=False)
    decays = {"gaussian": gaussian_decay, "density": density_decay}
    if decay not in decays:
        raise ValueError(f"unknown decay function {decay!r}")
    weight = decays[decay]
    return distance_kernel(radius_cells, lambda d: weight(d, radius_cells), normalise=False)


def nature_population_ratio(area: np.ndarray, people_reaching: np.ndarray) -> np.ndarray:
    """R_j = S_j / D_j (m²/person, float32): the urban nature area S_j of cell j over the
    decay-weighted people D_j within reach of it, the first 2SFCA step. R_j = S_j where
    D_j <= 1 person, and 0 where S_j is 0 (``_urban_nature_population_ratio``)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.divide(area, people_reaching, dtype=np.float32)
    np.copyto(ratio, area, where=people_reaching <= FEW_PEOPLE)
    ratio[np.abs(area) <= NO_AREA_M2] = 0.0
    np.maximum(ratio, 0.0, out=ratio)
    return ratio


@dataclass
class WeightedSums:
    """sum_k K_k x_(i+k): ``pygeoprocessing.convolve_2d`` as Urban Nature Access calls it
    (``ignore_nodata_and_edges=False``, ``normalize_kernel=False``): absent cells and cells
    beyond the raster count 0, and sums below 0 (FFT round-off) are 0
    (``_convolve_and_set_lower_bound``).

    Runs ``neighbourhood.Convolver`` (float64 FFT, the kernel's spectrum computed once and
    reused for every signal) over strips of about ``STRIP_CELLS`` cells, each with a halo of
    the kernel's reach, so the same sums need a few hundred MB on a 4000 x 4000 raster. In
    double precision: D_j is compared with 1 person, and a sum's FFT round-off is relative to
    the largest values convolved."""

    shape: tuple[int, int]
    kernel: np.ndarray
    rows: int = field(init=False)
    _convolver: Convolver = field(init=False, repr=False)
    _block: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        height, width = self.shape
        # Strips of at least four reaches, so that the halo at most doubles the FFT's work.
        rows = max(STRIP_CELLS // width, 4 * self.reach, 1)
        self.rows = height if height * width <= STRIP_CELLS else min(rows, height)
        halo = 0 if self.rows >= height else 2 * self.reach
        self._convolver = Convolver((self.rows + halo, width), self.kernel)
        # The FFT's input and output, and its spectrum (in the convolver), reused by every
        # strip and every signal: mapping a fresh 10 MB array costs milliseconds here.
        self._block = np.empty(self._convolver.fft_shape)

    @property
    def reach(self) -> int:
        return self.kernel.shape[0] // 2

    def __call__(self, signal: np.ndarray, where: np.ndarray) -> np.ndarray:
        """The sums (float32) of ``signal`` over the cells of ``where``; 0 outside them.

        Each strip is copied straight into the FFT's zero-padded input, and each sum below
        ``TOLERANCE_TO_ZERO`` (round-off about 0, or below it) is 0: pygeoprocessing's
        tolerance to 0 and lower bound of 0 in one comparison."""
        height, width = self.shape
        out = np.empty(self.shape, dtype=np.float32)
        halo = 0 if self.rows >= height else self.reach
        convolver = self._convolver
        block = self._block
        for top in range(0, height, self.rows):
            bottom = min(top + self.rows, height)
            first, last = max(top - halo, 0), min(bottom + halo, height)
            block.fill(0.0)
            at = first - (top - halo)
            np.copyto(
                block[at : at + last - first, :width],
                signal[first:last],
                where=where[first:last],
            )
            sums = convolver.in_place(block)[halo : halo + bottom - top]
            strip = out[top:bottom]
            strip[...] = sums
            strip[(sums < TOLERANCE_TO_ZERO) | ~where[top:bottom]] = 0.0
        return out


def green_spaces(green: np.ndarray, cell_area_m2: float) -> np.ndarray:
    """The cells of green spaces of at least ``WHO_MIN_AREA_M2``: patches of ``green`` cells
    joined by an edge or a corner (8-connectivity: a park drawn as a diagonal band of cells
    stays one park), each patch's area its cells times the cell area."""

    labels, count = scipy.ndimage.label(green, structure=PATCH_STRUCTURE)
    large = large_patches(np.bincount(labels.ravel(), minlength=count + 1), cell_area_m2)
    large[0] = False
    return gather(large, labels)


PATCH_STRUCTURE = np.ones((3, 3), dtype=bool)  # cells joined by an edge or a corner


def large_patches(cells: np.ndarray, cell_area_m2: float) -> np.ndarray:
    """Whether patches of ``cells`` cells each are green spaces of at least
    ``WHO_MIN_AREA_M2``."""
    return np.asarray(cells * cell_area_m2 >= WHO_MIN_AREA_M2 * (1 - 1e-9))


def who_disc(cell_size_m: float) -> np.ndarray:
    """The disc of ``WHO_DISTANCE_M`` on cells of ``cell_size_m``."""
    return dichotomous_kernel(WHO_DISTANCE_M / cell_size_m * (1 + 1e-9), normalise=False)


def within_reach(spaces: np.ndarray, cell_size_m: float) -> np.ndarray:
    """Cells whose centre lies within ``WHO_DISTANCE_M`` (a straight line, centre to centre)
    of a cell of ``spaces``: at least one such cell under a disc of that radius. The counts
    are whole numbers; a single-precision FFT's error on them (about 1e-6 of the largest) is
    far below the 0.5 that separates 0 from 1."""
    disc = who_disc(cell_size_m)
    plan = SpectralPlan(spaces.shape, disc.shape[0] // 2)
    spectrum = plan.spectrum(spaces)
    spectrum *= plan.kernel_spectrum(disc)
    return np.asarray(plan.inverse(spectrum) >= 0.5)


# --- the run -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccessResult:
    files: dict[str, Path]
    summary: dict[str, float]


@dataclass
class _Inputs:
    """The aligned inputs. Per cell: people and the urban nature area S (both 0 outside
    ``valid``, where land cover and population are both known; S is dropped once the sums are
    done, its total kept), the class index (8 or 16 bits); the sorted codes and their urban
    nature shares; the mask of known land cover."""

    grid: io.Grid
    people: np.ndarray
    area: np.ndarray
    area_m2: float
    index: np.ndarray
    codes: np.ndarray
    share: np.ndarray
    land: np.ndarray
    valid: np.ndarray
    table: dict[int, dict[str, float]]


@dataclass
class _Population:
    """Everyone, or one population group: its people per cell (0 outside ``where``), the
    urban nature supply per person they reach, and the weight of the group in the total
    supply per person (its share of each cell's people; None for everyone)."""

    name: str
    people: np.ndarray
    supply: np.ndarray
    where: np.ndarray
    weight: np.ndarray | None = None


def read_nature_table(args: AccessArgs) -> dict[int, dict[str, float]]:
    """The urban nature share of every class, checked to lie within 0 to 1."""
    table = io.read_table(args.lulc_attribute_table, key="lucode", columns=("urban_nature",))
    shown = str(args.lulc_attribute_table)
    for code, row in table.items():
        if not 0 <= row["urban_nature"] <= 1:
            raise EngineInputError(
                shown, f"lucode {code}: urban_nature {row['urban_nature']:g} is not within 0 to 1"
            )
    return table


def target_grid(args: AccessArgs) -> io.Grid:
    """InVEST's grid: both rasters onto the intersection of their boxes, not snapped, the land
    cover's cells made square (the mean of their sides)."""
    paths = (args.lulc_raster_path, [args.population_raster_path])
    grid = align.target_grid(*paths, snap=False)
    width, height = abs(grid.transform.a), abs(grid.transform.e)
    if width != height:  # InVEST's _square_off_pixels
        side = (width + height) / 2
        grid = align.target_grid(*paths, snap=False, cell_size=(side, -side))
    return grid


def _read_inputs(args: AccessArgs, grid: io.Grid) -> _Inputs:
    table = read_nature_table(args)
    shown = str(args.lulc_attribute_table)
    # The people as counts, density-warped. On the land cover's own grid, the counts are read
    # as they are (InVEST's density round trip changes them by a float32 rounding at most).
    lulc = align.resample(args.lulc_raster_path, grid, "nearest", integer=True)
    own = align.target_grid(args.population_raster_path, snap=False)
    population = (
        io.read_raster(args.population_raster_path)
        if own.same_as(grid)
        else align.resample(args.population_raster_path, grid, align.POPULATION)
    )
    land = lulc.valid
    valid = land & population.valid
    people = np.where(valid, population.values, 0).astype(np.float32, copy=False)
    if not np.isfinite(people).all():
        raise EngineInputError(population.path, "holds NaN or infinite people counts")
    if (people < 0).any():
        raise EngineInputError(population.path, "holds negative people counts")
    if not valid.any():
        raise EngineInputError(population.path, f"has no known cell where {lulc.path} is known")
    codes, index = class_index(lulc.values, land, table, raster=lulc.path, table=shown)
    del lulc
    index = index.astype(np.min_scalar_type(len(codes)))
    share = np.array([table[int(k)]["urban_nature"] for k in codes])
    area = gather((share * grid.cell_area_m2).astype(np.float32), index)
    area[~valid] = 0.0
    total = float(area.sum(dtype=np.float64))
    return _Inputs(grid, people, area, total, index, codes, share, land, valid, table)


def _csv_rows(path: Path, required: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of a CSV table as InVEST reads it (column names without case, cells trimmed),
    each with its line number: for the text and blank cells ``io.read_table`` refuses."""
    shown = str(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError) as error:
        raise EngineInputError(shown, f"cannot be read as a UTF-8 CSV table ({error})") from None
    header = [name.strip().lower() for name in (rows[0] if rows else [])]
    missing = [name for name in required if name not in header]
    if missing:
        raise EngineInputError(shown, f"missing columns: {', '.join(missing)}")
    for line, cells in enumerate(rows[1:], start=2):
        if any(cell.strip() for cell in cells):
            yield line, {name: (cells[i].strip() if i < len(cells) else "")
                         for i, name in enumerate(header)}  # fmt: skip


def _radius(text: str, path: Path, line: int) -> float:
    try:
        radius = float(text)
    except ValueError:
        raise EngineInputError(
            str(path), f"line {line}, column search_radius_m: {text!r} is not a number"
        ) from None
    if not radius >= 0:
        raise EngineInputError(str(path), f"line {line}: search_radius_m {radius:g} is below 0")
    return radius


def _class_radii(path: Path, table: Mapping[int, Mapping[str, float]]) -> dict[int, float]:
    """search_radius_m (m) of every class with urban nature (``urban_nature > 0``); blank for
    the others, as InVEST allows."""
    rows = {int(float(row["lucode"])): (line, row) for line, row in _csv_rows(path, ("lucode",))}
    radii = {}
    for code in sorted(c for c, row in table.items() if row["urban_nature"] > 0):
        line, row = rows[code]
        if row.get("search_radius_m", "") == "":
            raise EngineInputError(
                str(path),
                f"line {line}: lucode {code} has urban nature but no search_radius_m (needed "
                "for the radius per urban nature class)",
            )
        radii[code] = _radius(row["search_radius_m"], path, line)
    return radii


def _group_radii(path: Path, fields: Sequence[str], admin: str) -> dict[str, float]:
    """search_radius_m (m) of each pop_ field of the admin layer, from the rows of
    ``pop_group`` (without case; ``pop_children`` as InVEST names it, or ``children``)."""
    radii: dict[str, float] = {}
    for line, row in _csv_rows(path, ("pop_group", "search_radius_m")):
        name = row["pop_group"].lower()
        name = name if name.startswith(POP_FIELD_PREFIX) else POP_FIELD_PREFIX + name
        if name in radii:
            raise EngineInputError(str(path), f"line {line}: pop_group {name} appears twice")
        radii[name] = _radius(row["search_radius_m"], path, line)
    missing = [f for f in fields if f.lower() not in radii]
    if missing:
        raise EngineInputError(
            str(path), f"has no row for the population groups {', '.join(missing)} of {admin}"
        )
    return {f: radii[f.lower()] for f in fields}


def search_kernel(args: AccessArgs, metres: float, grid: io.Grid, name: str) -> np.ndarray:
    """The decay kernel of the search radius ``metres``, named ``name`` in errors: InVEST's
    radius in cells is ``metres / cell width``."""
    cells = abs(metres / grid.transform.a)
    if args.decay_function != "dichotomy" and cells <= 0:
        raise EngineInputError(name, f"the {args.decay_function} decay needs a radius above 0 m")
    kernel = decay_kernel(args.decay_function, cells)
    check_reach(kernel.shape[0] // 2, (grid.height, grid.width), name, metres)
    return kernel


def _sums(args: AccessArgs, metres: float, grid: io.Grid, name: str) -> WeightedSums:
    """The weighted sums of the search radius ``metres`` (``search_kernel``)."""
    return WeightedSums((grid.height, grid.width), search_kernel(args, metres, grid, name))


def _read_admin(path: Path, grid: io.Grid) -> io.Polygons:
    """The admin units in the land cover's projection; refused when none reaches the raster."""

    polygons = io.read_polygons(path)
    moved = io.to_crs(polygons.geometries, polygons.crs, grid.crs)
    t = grid.transform
    raster = shapely.box(t.c, t.f + t.e * grid.height, t.c + t.a * grid.width, t.f)
    if not any(shapely.intersects(g, raster) for g in moved):
        left, bottom, right, top = shapely.total_bounds(moved)
        raise EngineInputError(
            str(path),
            f"no unit overlaps the land cover: the units span x {left:.1f} to {right:.1f}, y "
            f"{bottom:.1f} to {top:.1f}, the raster x {raster.bounds[0]:.1f} to "
            f"{raster.bounds[2]:.1f}, y {raster.bounds[1]:.1f} to {raster.bounds[3]:.1f}",
        )
    return io.Polygons(moved, polygons.fields, grid.crs, polygons.path)


def _group_shares(admin: io.Polygons) -> dict[str, np.ndarray]:
    """Each pop_ field's share per unit (float32), and 0 for no unit at the end."""
    fields = [name for name in admin.fields if name.startswith(POP_FIELD_PREFIX)]
    if not fields:
        raise EngineInputError(admin.path, "has no pop_<group> field (a group's share, 0-1)")
    shares = {}
    for name in fields:
        try:
            values = admin.fields[name].astype(np.float64)
        except (TypeError, ValueError):
            raise EngineInputError(admin.path, f"field {name} holds text, not shares") from None
        bad = np.flatnonzero(~((values >= 0) & (values <= 1)))
        if bad.size:
            raise EngineInputError(
                admin.path,
                f"feature {bad[0] + 1}, field {name}: {values[bad[0]]} is not a share (0 to 1)",
            )
        shares[name] = np.append(values, 0.0).astype(np.float32)
    return shares


class _Writer:
    """Rasters written on ``io.BackgroundWriter``'s threads while the next ones are computed,
    nodata outside each raster's cells; intermediates only on request."""

    def __init__(self, writer: io.BackgroundWriter, out_dir: Path, grid: io.Grid, keep: bool):
        self.writer, self.out_dir, self.grid, self.keep = writer, out_dir, grid, keep
        self.files: dict[str, Path] = {}

    def __call__(
        self,
        name: str,
        values: np.ndarray,
        where: np.ndarray,
        *,
        intermediate: bool = False,
        nodata: float = NODATA,
    ) -> None:
        """Queues the raster ``name``: neither ``values`` nor ``where`` may change after."""
        if intermediate and not self.keep:
            return
        path = self.out_dir / f"{'intermediate/' if intermediate else ''}{name}.tif"
        self.files[name] = self.writer.write(path, values, self.grid, nodata=nodata, where=where)


@memory.tuned_for_runs()
def run(
    args: AccessArgs, out_dir: Path, *, progress: Callable[[int, int], None] | None = None
) -> AccessResult:
    with io.BackgroundWriter() as writer:
        return _run(args, out_dir, progress, writer)


def _run(
    args: AccessArgs,
    out_dir: Path,
    progress: Callable[[int, int], None] | None,
    writer: io.BackgroundWriter,
) -> AccessResult:
    problems = validate(args)
    if problems:
        raise EngineInputError("arguments", "; ".join(problems))
    steps, done = 5, 0

    def advance() -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, steps)

    grid = target_grid(args)
    if blocks.wanted(grid):  # larger than memory, or a cluster: block by block
        from cityweave.engine.models import access_blocks  # loads dask

        return access_blocks.run(args, out_dir, grid, progress)
    data = _read_inputs(args, grid)
    grid, valid = data.grid, data.valid
    admin = None
    if args.admin_boundaries_vector_path is not None:
        admin = _read_admin(args.admin_boundaries_vector_path, grid)
    grouped = args.search_radius_mode == PER_GROUP or args.aggregate_by_pop_group
    shares = _group_shares(admin) if admin is not None and grouped else {}
    write = _Writer(writer, out_dir, grid, args.keep_intermediate)
    need = np.float32(args.urban_nature_demand)
    write("urban_nature_demand", data.people * need, valid)
    write("urban_nature_area", data.area, valid, intermediate=True)
    advance()
    near = _who_access(data, write)
    advance()

    if args.search_radius_mode == UNIFORM:
        populations: Iterator[_Population] = iter([_uniform(args, data, write)])
    elif args.search_radius_mode == PER_CLASS:
        populations = iter([_per_class(args, data, write)])
    else:
        assert admin is not None
        populations = _per_group(args, data, admin, shares, write)
    advance()
    near_people = np.where(near, data.people, np.float32(0.0))
    totals: dict[str, np.ndarray] = {}
    zones: dict[str, dict[str, np.ndarray]] = {}
    where = valid
    for group in populations:
        layers = population_layers(group.supply, group.people, group.weight, need)
        balance = layers.pop("balance")
        for name, values in layers.items():  # the groups' sums; everyone's, as they are
            totals[name] = totals[name] + values if name in totals else values
        where = group.where
        if group.name:
            suffix = f"_{group.name}"
            write(f"urban_nature_balance_percapita{suffix}", balance, where)
            write(f"urban_nature_balance{suffix}", layers["total"], where)
            write(f"population_in{suffix}", group.people, where, intermediate=True)
            write(f"undersupplied_population{suffix}", layers["under"], where, intermediate=True)
            write(f"oversupplied_population{suffix}", layers["over"], where, intermediate=True)
        if admin is not None:
            del layers["supply"]
            layers["people"] = group.people
            if not group.name:  # one pass for the WHO fields too
                layers["near"] = near_people
            zones[group.name] = zonal_statistics(
                admin.geometries, admin.crs, grid, layers, where
            ).sums
        del balance, layers
    supply, total = totals["supply"], totals["total"]
    write("urban_nature_supply_percapita", supply, where)
    write("urban_nature_balance_percapita", supply - need, where)
    write("urban_nature_balance_totalpop", total, where)
    if args.search_radius_mode != PER_GROUP:
        write("undersupplied_population", totals["under"], where, intermediate=True)
        write("oversupplied_population", totals["over"], where, intermediate=True)
    people = data.people if where is valid else np.where(where, data.people, np.float32(0.0))
    summary = _summary(data, people, supply, total, totals["under"], totals["over"], near_people)
    if admin is not None:
        who = (
            zones.get("")
            or zonal_statistics(
                admin.geometries,
                admin.crs,
                grid,
                {"near": near_people, "people": data.people},
                valid,
            ).sums
        )
        fields = _admin_fields(zones, shares if args.search_radius_mode != PER_GROUP else {})
        fields |= {"WHO_pop_adm": who["near"], "WHO_share_adm": _ratio(who["near"], who["people"])}
        write.files["admin_boundaries"] = _write_admin(out_dir, admin, fields)
    write.files["access_summary"] = io.write_csv(
        out_dir / "access_summary.csv",
        [{"name": name, "value": value} for name, value in summary.items()],
    )
    advance()
    return AccessResult(files=write.files, summary=summary)


def population_layers(
    supply: np.ndarray, people: np.ndarray, weight: np.ndarray | None, need: np.float32
) -> dict[str, np.ndarray]:
    """The balance per person (SUP_DEMi_cap), and for the people: the supply weighted by the
    group's share (everyone's as it is), the balance times the people (SUP_DEMi), the under-
    and the oversupplied people."""
    balance = supply - need
    return {
        "balance": balance,
        "supply": supply if weight is None else weight * supply,
        "total": balance * people,
        "under": np.where(balance < 0, people, np.float32(0.0)),
        "over": np.where(balance > 0, people, np.float32(0.0)),
    }


def admin_units(admin: io.Polygons, grid: io.Grid) -> np.ndarray:
    """The admin unit of every cell (int32): its position in the layer, ``len(units)`` for no
    unit; where units overlap, the later one, as GDAL burns them."""
    return rasterize(
        ((g, i) for i, g in enumerate(admin.geometries)),
        out_shape=(grid.height, grid.width),
        transform=grid.transform,
        fill=len(admin.geometries),  # the share table's last entry: no unit
        dtype="int32",
    )


def group_people(
    people: np.ndarray,
    inside: np.ndarray,
    unit: np.ndarray,
    shares: Mapping[str, np.ndarray],
    names: Sequence[str],
) -> np.ndarray:
    """The people of the groups ``names`` per cell: their units' shares of the cell's people,
    0 outside the units (float32)."""
    weight = np.sum([gather(shares[name], unit) for name in names], axis=0)
    return np.where(inside, people * weight, np.float32(0.0)).astype(np.float32)


def _uniform(args: AccessArgs, data: _Inputs, write: _Writer) -> _Population:
    """One search radius: D_j, R_j, the nature within reach and the supply, three sums on one
    kernel."""
    radius, valid = float(args.search_radius or 0.0), data.valid
    sums = _sums(args, radius, data.grid, "search_radius")
    reaching = sums(data.people, valid)
    write(f"distance_weighted_population_within_{radius}", reaching, valid, intermediate=True)
    ratio = nature_population_ratio(data.area, reaching)
    del reaching
    write("urban_nature_population_ratio", ratio, valid, intermediate=True)
    write("accessible_urban_nature", sums(data.area, valid), valid)
    data.area = np.empty(0, dtype=np.float32)  # no longer needed: its memory for the last sum
    return _Population("", data.people, sums(ratio, valid), valid)


def _per_class(args: AccessArgs, data: _Inputs, write: _Writer) -> _Population:
    """Radius per urban nature class: per radius, D_j from the people and R_j from the nature
    of the classes with that radius; the supply adds every radius's. (InVEST sums one
    convolution of R_j per class: the same sums, grouped by radius.) The nature within reach
    is written per class, as InVEST does, zero for a class of the table the raster lacks."""
    valid = data.valid
    radii = _class_radii(args.lulc_attribute_table, data.table)
    position = {int(code): i for i, code in enumerate(data.codes)}
    present = np.zeros(len(data.codes), dtype=bool)
    present[np.unique(data.index[data.land])] = True
    supply = np.zeros(valid.shape, dtype=np.float32)
    for radius in sorted(set(radii.values())):
        name = f"{args.lulc_attribute_table} search_radius_m {radius:g}"
        sums = _sums(args, radius, data.grid, name)
        reaching = sums(data.people, valid)
        write(f"distance_weighted_population_within_{radius}", reaching, valid, intermediate=True)
        codes = [code for code, r in radii.items() if r == radius]
        mine = np.zeros(len(data.codes), dtype=bool)
        mine[[position[c] for c in codes if c in position]] = True
        nature = np.where(gather(mine, data.index), data.area, np.float32(0.0))
        supply += sums(nature_population_ratio(nature, reaching), valid)
        del reaching, nature
        for code in codes:
            accessible = np.zeros(valid.shape, dtype=np.float32)
            if code in position and present[position[code]]:
                of_class = np.where(data.index == position[code], data.area, np.float32(0.0))
                accessible = sums(of_class, valid)
            write(f"accessible_urban_nature_lucode_{code}", accessible, valid)
    data.area = np.empty(0, dtype=np.float32)  # no longer needed
    return _Population("", data.people, supply, valid)


def _per_group(
    args: AccessArgs,
    data: _Inputs,
    admin: io.Polygons,
    shares: Mapping[str, np.ndarray],
    write: _Writer,
) -> Iterator[_Population]:
    """Radius per population group: a group's people in a cell are its admin unit's share of
    them (none outside the units; where units overlap, the later one, as GDAL burns them).
    D_j adds every group's people within the group's radius; a group's supply is R_j summed
    within its radius. The total supply per person weights the groups' by their shares."""

    grid, valid = data.grid, data.valid
    assert args.population_group_radii_table is not None
    radii = _group_radii(args.population_group_radii_table, list(shares), admin.path)
    unit = admin_units(admin, grid)
    inside = valid & (unit < len(admin.geometries))
    table = str(args.population_group_radii_table)
    kept: dict[float, WeightedSums] = {}

    def sums_for(radius: float) -> WeightedSums:  # one kernel's spectrum kept at a time
        if radius not in kept:
            kept.clear()
            kept[radius] = _sums(args, radius, grid, f"{table} search_radius_m {radius:g}")
        return kept[radius]

    def people_of(names: Sequence[str]) -> np.ndarray:
        return group_people(data.people, inside, unit, shares, names)

    by_radius = {r: [g for g in shares if radii[g] == r] for r in sorted(set(radii.values()))}
    reaching = np.zeros(valid.shape, dtype=np.float32)
    for radius, names in by_radius.items():
        reaching += sums_for(radius)(people_of(names), inside)
    write("distance_weighted_population_all_groups", reaching, inside, intermediate=True)
    ratio = nature_population_ratio(data.area, reaching)
    del reaching
    write("urban_nature_population_ratio", ratio, inside, intermediate=True)
    for radius, names in reversed(by_radius.items()):
        sums = sums_for(radius)
        accessible, supply = sums(data.area, valid), sums(ratio, inside)
        for name in names:
            write(f"accessible_urban_nature_to_{name}", accessible, valid)
            write(f"urban_nature_supply_percapita_to_{name}", supply, inside, intermediate=True)
            weight = gather(shares[name], unit)
            yield _Population(name, people_of([name]), supply, inside, weight)


def _admin_fields(
    zones: Mapping[str, Mapping[str, np.ndarray]], shares: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """InVEST's fields per admin unit: SUP_DEMadm_cap = sum SUP_DEMi / sum people (m²/person),
    Pund_adm and Povr_adm the under- and oversupplied people; per group (``_<group>``, the
    field's name without ``pop_``) from its own rasters with a radius per group, else the
    group's share of the unit's (``aggregate_by_pop_group``)."""
    every = {
        key: np.sum([z[key] for z in zones.values()], axis=0) for key in next(iter(zones.values()))
    }
    fields = {
        "SUP_DEMadm_cap": _ratio(every["total"], every["people"]),
        "Pund_adm": every["under"],
        "Povr_adm": every["over"],
    }
    for name, zone in zones.items():
        if name:
            group = name.removeprefix(POP_FIELD_PREFIX)
            fields[f"SUP_DEMadm_cap_{group}"] = _ratio(zone["total"], zone["people"])
            fields[f"Pund_adm_{group}"] = zone["under"]
            fields[f"Povr_adm_{group}"] = zone["over"]
    for name, share in shares.items():
        group = name.removeprefix(POP_FIELD_PREFIX)
        fields[f"Pund_adm_{group}"] = every["under"] * share[:-1]
        fields[f"Povr_adm_{group}"] = every["over"] * share[:-1]
    return fields


def _who_access(data: _Inputs, write: _Writer) -> np.ndarray:
    """Cells within 300 m of a green space of at least 0.5 ha (``green_spaces``,
    ``within_reach``), written as 1 or 0 at every cell with residents, nodata elsewhere. Green
    space is a land-cover fact: it counts where the population is unknown too."""
    grid = data.grid
    green = gather(data.share >= WHO_GREEN_SHARE, data.index) & data.land
    near = within_reach(green_spaces(green, grid.cell_area_m2), grid.cell_size)
    populated = data.valid & (data.people > 0)
    write("who_green_space_access", near.astype(np.uint8), populated, nodata=BYTE_NODATA)
    return near


def _summary(
    data: _Inputs,
    people: np.ndarray,
    supply: np.ndarray,
    total: np.ndarray,
    under: np.ndarray,
    over: np.ndarray,
    near_people: np.ndarray,
) -> dict[str, float]:
    """Figures over the raster: ``people`` those the supply reaches (in the admin units, with
    a radius per group), the WHO share over everyone known. Sums in float64."""

    def total_of(values: np.ndarray) -> float:
        return float(values.sum(dtype=np.float64))

    totals = {
        name: total_of(values)
        for name, values in summed(people, data.people, supply, total, under, over, near_people)
    }
    return summary_of(totals, data.area_m2)


def summed(
    people: Any,
    everyone: Any,
    supply: Any,
    total: Any,
    under: Any,
    over: Any,
    near_people: Any,
) -> Iterator[tuple[str, Any]]:
    """The rasters whose sums make the summary (``summary_of``), by name: numpy arrays, or
    the dask arrays of a blocked run."""
    yield "population", people
    yield "everyone", everyone
    yield "supplied", people * supply
    yield "total", total
    yield "under", under
    yield "over", over
    yield "near", near_people


def summary_of(totals: Mapping[str, float], area_m2: float) -> dict[str, float]:
    """The summary's figures from the sums of ``summed``'s rasters."""
    population, everyone, within = totals["population"], totals["everyone"], totals["near"]
    per_person = (lambda x: x / population) if population > 0 else (lambda x: math.nan)
    return {
        "population": population,
        "urban_nature_area_m2": area_m2,
        "supply_percapita_mean_m2": per_person(totals["supplied"]),
        "balance_percapita_m2": per_person(totals["total"]),
        "undersupplied_population": totals["under"],
        "oversupplied_population": totals["over"],
        "who_population_within_300m": within,
        "who_share_within_300m": within / everyone if everyone > 0 else math.nan,
    }


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator != 0, numerator / denominator, np.nan)


def _write_admin(out_dir: Path, admin: io.Polygons, extra: Mapping[str, np.ndarray]) -> Path:
    """``admin_boundaries.gpkg``: the units in the land cover's projection with their fields,
    ``adm_unit_id`` (0, 1, ... in the layer's order, as InVEST numbers them) and ``extra``;
    NaN written as NULL. A GeoPackage, as InVEST writes it: its field names are longer than a
    shapefile allows."""

    path = out_dir / "admin_boundaries.gpkg"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    columns = {
        **admin.fields,
        "adm_unit_id": np.arange(len(admin.geometries), dtype=np.int32),
        **{name: np.asarray(values, dtype=np.float64) for name, values in extra.items()},
    }
    pyogrio.raw.write(
        path,
        shapely.to_wkb(np.array(admin.geometries, dtype=object)),
        list(columns.values()),
        list(columns),
        layer="admin_boundaries",
        driver="GPKG",
        geometry_type="MultiPolygon",
        crs=admin.crs.to_wkt(),
        promote_to_multi=True,
    )
    return path
