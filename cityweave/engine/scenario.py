"""Scenarios: interventions painted on a baseline land cover, a model run on both, and what
changes.

An interventions layer holds polygons (any format pyogrio reads, in any projection: they are
transformed to the land cover's). Each feature has either

- ``lucode``: the cells it covers become that class of the model's table, or
- ``nbs_type``: a row of an NBS parameters CSV (column ``nbs_type`` and the columns of the
  model's table: ``c_above`` ... for carbon, ``cn_a`` ... ``cn_d`` for runoff, ``kc``,
  ``shade``, ``albedo``, ``green_area`` for cooling). The nature-based solution type becomes a
  new land-cover class: its row is appended to a copy of the model's table under a fresh code
  (one above the table's largest, skipping the raster's nodata value; one per type, in the order
  the features first name them) and the polygon is painted with that code.

A polygon covers a cell when the cell's centre lies inside it (GDAL's rasterisation rule, as in
``zonal.py``). Where polygons overlap, the later feature wins. Nodata cells stay nodata.

The model runs twice, on the baseline arguments and on the same arguments with the painted land
cover and the extended table in place of the model's two (``Model.land_cover`` and
``Model.class_table``): ``baseline/``, ``scenario/`` (with ``inputs/lulc_scenario.tif``, the
extended table and ``inputs/args.json``) and ``difference/``, which holds scenario minus baseline
for every output raster both runs wrote, ``summary.csv``/``.json`` (every summary figure:
baseline, scenario, difference, percent change) and ``interventions.csv`` (cells covered,
painted and changed per feature).

For every vector output both runs wrote (per watershed, per area of interest, per building, per
admin unit: ``flood_risk_service.shp``, ``uhi_results.shp``, ``buildings_with_stats.shp``,
``aggregate_data.gpkg``, ``admin_boundaries.gpkg``), ``difference/`` also holds a table of the
same name, ``<name>.csv``, and the same with the geometries, ``<name>.gpkg`` (one layer,
``<name>``), to map. One row per feature, matched by position: both runs read the same input
layer, so the features come in the same order; their number, geometries (to 1e-6 of the layer's
units), projection and identifying fields must agree, or the difference is refused
(``EngineInputError``). Columns: ``fid`` (the feature's FID in the model's file: from 0 in a
shapefile, from 1 in a GeoPackage; the GeoPackage's own FID), the identifying fields (every
field that is not a number, and numbers named ``id``, ``*_id``, ``fid``, ``objectid`` and the
like: ``ws_id``, ``adm_unit_id``), then for every other numeric field of both runs
``<field>_bas``, ``<field>_scn``, ``<field>_diff`` (scenario minus baseline) and ``<field>_pct``
(``percent_change``), each empty (NULL in the GeoPackage) where either value is missing (NULL,
NaN) and the percent change also where the baseline is 0.

Carbon runs like every other model: the painted land cover takes ``lulc_bas_path``'s place in
the scenario run, so the difference of ``c_storage_bas`` is, cell by cell, what InVEST's
``c_change_bas_alt`` gives with the painted raster as ``lulc_alt_path``. An ``lulc_alt_path``
in the arguments is left as it is, the same in both runs.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio.raw
import shapely
from rasterio.crs import CRS
from rasterio.features import geometry_mask
from rasterio.warp import transform_geom
from rasterio.windows import Window, from_bounds
from shapely.geometry import mapping, shape

from cityweave.engine import io
from cityweave.engine.errors import EngineInputError
from cityweave.engine.models import Model

KEY = "lucode"
NBS_KEY = "nbs_type"
NODATA = io.FLOAT_NODATA
# Progress: four stages (painting, baseline run, scenario run, differences) of 100 units each.
STAGES, STAGE = 4, 100
# Vector outputs whose features get a table of differences.
VECTOR_SUFFIXES = (".shp", ".gpkg", ".geojson")
# Numeric fields that name a feature rather than measure it (lowercased; and any ``*_id``).
ID_FIELDS = frozenset({"id", "fid", "gid", "oid", "uid", "objectid", "ogc_fid"})
# Geometries of the two runs agree within this distance (the layer's units: metres).
GEOMETRY_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Intervention:
    """One feature of the interventions layer, in the land cover's projection (GeoJSON-like)."""

    number: int  # 1-based, in the layer's order
    geometry: Mapping[str, Any]
    lucode: int | None
    nbs_type: str | None


@dataclass(frozen=True)
class CsvTable:
    """A CSV read as text: column names trimmed (as written), rows padded to the header."""

    header: list[str]
    rows: list[list[str]]
    path: str

    def column(self, name: str) -> int | None:
        """Position of ``name``, matched as InVEST matches: trimmed and case-insensitive."""
        lowered = [h.lower() for h in self.header]
        return lowered.index(name.lower()) if name.lower() in lowered else None


@dataclass(frozen=True)
class ScenarioResult:
    baseline: Any  # the model's result on the baseline (``files``, ``summary``)
    scenario: Any  # and on the scenario
    land_cover: Path  # scenario/inputs/lulc_scenario.tif
    table: Path  # the extended table
    differences: dict[str, Path]  # scenario minus baseline, by the model's output key
    summary: list[dict[str, Any]]  # name, baseline, scenario, difference, percent_change
    interventions: list[dict[str, Any]]  # per feature: cells covered, painted, changed
    files: dict[str, Path]  # summary.csv, summary.json, interventions.csv and per_feature's
    # Per vector output: ``<stem>_csv`` and ``<stem>_gpkg``, the differences per feature.
    per_feature: dict[str, Path] = field(default_factory=dict)


def read_csv_text(path: str | Path) -> CsvTable:
    """A CSV table as text, with InVEST's reading rules (UTF-8 with or without BOM)."""
    shown = str(path)
    try:
        with Path(path).open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = [name.strip() for name in next(reader, [])]
            rows = [row for row in reader if any(cell.strip() for cell in row)]
    except (OSError, UnicodeDecodeError) as error:
        raise EngineInputError(shown, f"cannot be read as a UTF-8 CSV table ({error})") from None
    width = len(header)
    padded = [([cell.strip() for cell in row] + [""] * width)[:width] for row in rows]
    return CsvTable(header, padded, shown)


def _blank(value: Any) -> bool:
    if value is None or value is np.ma.masked:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    return isinstance(value, str | bytes) and not value.strip()


def read_interventions(path: str | Path, grid: io.Grid) -> list[Intervention]:
    """The features of ``path``, each with a ``lucode`` or an ``nbs_type`` (column names
    case-insensitive), transformed to ``grid``'s projection."""
    polygons = io.read_polygons(path)
    shown = polygons.path
    names = {name.lower(): name for name in polygons.fields}
    if KEY not in names and NBS_KEY not in names:
        raise EngineInputError(shown, f"needs a {KEY} or an {NBS_KEY} column")
    codes = polygons.fields.get(names.get(KEY, ""))
    types = polygons.fields.get(names.get(NBS_KEY, ""))
    features = []
    for i, geometry in enumerate(polygons.geometries):
        number = i + 1
        code = None if codes is None or _blank(codes[i]) else codes[i]
        kind = None if types is None or _blank(types[i]) else str(types[i]).strip()
        if (code is None) == (kind is None):
            raise EngineInputError(
                shown, f"feature {number}: give either {KEY} or {NBS_KEY}, not both or neither"
            )
        lucode = None
        if code is not None:
            try:
                value = float(code)
            except (TypeError, ValueError):
                value = math.nan
            if not value.is_integer():
                raise EngineInputError(
                    shown, f"feature {number}: {KEY} {code} is not an integer code"
                )
            lucode = int(value)
        shape_ = mapping(geometry)
        if polygons.crs != grid.crs:
            shape_ = transform_geom(polygons.crs, grid.crs, shape_)
        features.append(Intervention(number, shape_, lucode, kind))
    return features


def _window(geometry: Mapping[str, Any], grid: io.Grid) -> Window | None:
    """The cells of ``grid`` under the polygon's bounding box, or None when it misses them."""
    left, bottom, right, top = shape(geometry).bounds
    window = from_bounds(left, bottom, right, top, transform=grid.transform)
    col0 = max(0, math.floor(window.col_off))
    row0 = max(0, math.floor(window.row_off))
    col1 = min(grid.width, math.ceil(window.col_off + window.width))
    row1 = min(grid.height, math.ceil(window.row_off + window.height))
    if col1 <= col0 or row1 <= row0:
        return None
    return Window(col0, row0, col1 - col0, row1 - row0)


def coverage(
    features: Sequence[Intervention], grid: io.Grid, valid: np.ndarray
) -> tuple[np.ndarray, list[int]]:
    """Per cell, the number of the last feature whose polygon holds the cell's centre (0 for
    none; int32), and per feature how many valid cells it covers. Each polygon is rasterised
    on its own, in the layer's order, so a later one overwrites an earlier one."""
    winner = np.zeros((grid.height, grid.width), dtype=np.int32)
    covered = []
    for feature in features:
        window = _window(feature.geometry, grid)
        if window is None:
            covered.append(0)
            continue
        rows = slice(window.row_off, window.row_off + window.height)
        cols = slice(window.col_off, window.col_off + window.width)
        transform = grid.transform * grid.transform.translation(window.col_off, window.row_off)
        inside = ~geometry_mask(
            [feature.geometry], out_shape=(window.height, window.width), transform=transform
        )
        inside &= valid[rows, cols]
        covered.append(int(inside.sum()))
        winner[rows, cols][inside] = feature.number
    return winner, covered


def paint(
    codes: np.ndarray, winner: np.ndarray, lucodes: Sequence[int], dtype: np.dtype[Any]
) -> np.ndarray:
    """The land cover with every cell of ``winner`` > 0 set to ``lucodes[winner - 1]``: the
    class of the feature that won it."""
    painted = codes.astype(dtype, copy=True)
    won = winner > 0
    painted[won] = np.asarray(lucodes, dtype=dtype)[winner[won] - 1]
    return painted


def _fresh_codes(
    kinds: Sequence[str], table: Mapping[int, object], nodata: float | int | None
) -> dict[str, int]:
    """A new land-cover code per NBS type: above the table's largest, skipping nodata."""
    fresh: dict[str, int] = {}
    code = max(table) + 1
    for kind in kinds:
        if nodata is not None and code == nodata:
            code += 1
        fresh[kind] = code
        code += 1
    return fresh


def _nbs_rows(
    path: Path | None,
    kinds: Sequence[str],
    required: Sequence[str],
    features: Sequence[Intervention],
    interventions: str,
) -> dict[str, dict[str, str]]:
    """The NBS parameters CSV's row of every type the features name, by lowercased column."""
    if not kinds:
        return {}
    first = next(f for f in features if f.nbs_type is not None)
    if path is None:
        raise EngineInputError(
            interventions,
            f"feature {first.number}: {NBS_KEY} {first.nbs_type!r} needs an NBS parameters CSV "
            "(--nbs-parameters)",
        )
    nbs = read_csv_text(path)
    missing = [name for name in (NBS_KEY, *required) if nbs.column(name) is None]
    if missing:
        raise EngineInputError(nbs.path, f"missing columns: {', '.join(missing)}")
    lowered = [name.lower() for name in nbs.header]
    key = lowered.index(NBS_KEY)
    rows: dict[str, tuple[int, dict[str, str]]] = {}
    for line, row in enumerate(nbs.rows, start=2):
        name = row[key]
        if name in rows:
            raise EngineInputError(nbs.path, f"line {line}: {NBS_KEY} {name!r} appears twice")
        rows[name] = (line, dict(zip(lowered, row, strict=True)))
    for feature in features:
        if feature.nbs_type is not None and feature.nbs_type not in rows:
            raise EngineInputError(
                interventions,
                f"feature {feature.number}: {NBS_KEY} {feature.nbs_type!r} is not in {nbs.path}",
            )
    for kind in kinds:
        line, values = rows[kind]
        for name in required:
            try:
                float(values[name])
            except ValueError:
                raise EngineInputError(
                    nbs.path, f"line {line}, column {name}: {values[name]!r} is not a number"
                ) from None
    return {kind: rows[kind][1] for kind in kinds}


def extend_table(
    table: CsvTable, nbs: Mapping[str, Mapping[str, str]], codes: Mapping[str, int]
) -> list[dict[str, str]]:
    """The model's table, every row and column as written, then one row per NBS type: its
    fresh code as ``lucode`` and, for every other column, the NBS parameters CSV's value
    (empty where that CSV lacks the column)."""
    rows = [dict(zip(table.header, row, strict=True)) for row in table.rows]
    for kind, code in codes.items():
        values = nbs[kind]
        rows.append(
            {
                name: str(code) if name.lower() == KEY else values.get(name.lower(), "")
                for name in table.header
            }
        )
    return rows


def difference(baseline: io.Raster, scenario: io.Raster) -> np.ndarray:
    """Scenario minus baseline per cell (float32, computed in float64), ``NODATA`` where either
    is nodata."""
    if not scenario.grid.same_as(baseline.grid):
        raise EngineInputError(scenario.path, f"is not on the grid of {baseline.path}")
    both = baseline.valid & scenario.valid
    out = np.full(baseline.values.shape, NODATA, dtype=np.float32)
    out[both] = scenario.values[both].astype(np.float64) - baseline.values[both]
    return out


def percent_change(baseline: float, scenario: float) -> float | None:
    """100 · (scenario - baseline) / |baseline| (%); None when the baseline is 0."""
    if baseline == 0 or math.isnan(baseline):
        return None
    return 100.0 * (scenario - baseline) / abs(baseline)


def summary_rows(
    baseline: Mapping[str, float], scenario: Mapping[str, float]
) -> list[dict[str, Any]]:
    """Per summary figure of either run: both values, scenario minus baseline and the percent
    change (None where a run lacks the figure)."""
    rows = []
    for name in [*baseline, *(n for n in scenario if n not in baseline)]:
        b, s = baseline.get(name), scenario.get(name)
        change = pct = None
        if b is not None and s is not None:
            change, pct = s - b, percent_change(b, s)
        rows.append(
            {
                "name": name,
                "baseline": b,
                "scenario": s,
                "difference": change,
                "percent_change": pct,
            }
        )
    return rows


def _stage(progress: Callable[[int, int], None] | None, stage: int) -> Callable[[int, int], None]:
    """A ``progress(done, total)`` for one stage, reported as part of the whole."""

    def report(done: int, total: int) -> None:
        if progress is not None and total > 0:
            part = min(STAGE, STAGE * done // total)
            progress(stage * STAGE + part, STAGES * STAGE)

    return report


def _table_columns(model: Model) -> tuple[str, ...]:
    for item in model.spec.inputs:
        if item.name == model.class_table:
            return tuple(c for c in item.columns if c.lower() != KEY)
    return ()


@dataclass(frozen=True)
class Painted:
    """The scenario's inputs: its arguments, the painted land cover, the extended table, and
    per feature the cells it covers, paints (after the overlaps) and changes."""

    args: dict[str, Any]
    land_cover: Path
    table: Path
    interventions: list[dict[str, Any]]


def paint_scenario(
    model: Model,
    args: Mapping[str, Any],
    interventions: str | Path,
    folder: Path,
    *,
    nbs_parameters: Path | None = None,
) -> Painted:
    """Check the interventions against the model's table and land cover, paint them, and write
    ``lulc_scenario.tif``, the extended table and ``args.json`` (the scenario's arguments)
    under ``folder``."""
    if not model.land_cover or not model.class_table:
        raise EngineInputError(model.spec.id, "has no land-cover input a scenario can change")
    for name in (model.land_cover, model.class_table):
        if args.get(name) in (None, ""):
            raise EngineInputError(name, "is required")
    lulc_path, table_path = Path(args[model.land_cover]), Path(args[model.class_table])
    required = _table_columns(model)
    table = io.read_table(table_path, key=KEY, columns=required)
    base = io.read_raster(lulc_path, integer=True)
    features = read_interventions(interventions, base.grid)
    shown = str(interventions)
    for f in features:
        if f.lucode is not None and f.lucode not in table:
            raise EngineInputError(
                shown, f"feature {f.number}: {KEY} {f.lucode} is not in {table_path}"
            )
        if f.lucode is not None and f.lucode == base.nodata:
            raise EngineInputError(
                shown, f"feature {f.number}: {KEY} {f.lucode} is the nodata value of {lulc_path}"
            )
    kinds = list(dict.fromkeys(f.nbs_type for f in features if f.nbs_type is not None))
    nbs = _nbs_rows(nbs_parameters, kinds, required, features, shown)
    fresh = _fresh_codes(kinds, table, base.nodata)
    winner, covered = coverage(features, base.grid, base.valid)
    for f, cells in zip(features, covered, strict=True):
        if cells == 0:
            raise EngineInputError(
                shown,
                f"feature {f.number}: covers the centre of no cell with land cover in {lulc_path}",
            )
    lucodes = [f.lucode if f.lucode is not None else fresh[str(f.nbs_type)] for f in features]
    dtype = np.result_type(base.values.dtype, *(np.min_scalar_type(c) for c in lucodes))
    painted = paint(base.values, winner, lucodes, dtype)
    land_cover = io.write_raster(
        folder / "lulc_scenario.tif", painted, base.grid, nodata=base.nodata
    )
    extended = io.write_csv(
        folder / f"{table_path.stem}_scenario.csv",
        extend_table(read_csv_text(table_path), nbs, fresh),
    )
    scenario_args = {**args, model.land_cover: land_cover, model.class_table: extended}
    (folder / "args.json").write_text(
        json.dumps({k: str(v) if isinstance(v, Path) else v for k, v in scenario_args.items()}),
        encoding="utf-8",
    )
    n = len(features)
    painted_cells = np.bincount(winner.ravel(), minlength=n + 1)[1:]
    changed_cells = np.bincount(winner[painted != base.values], minlength=n + 1)[1:]
    area = base.grid.cell_area_m2
    rows = [
        {
            "feature": f.number,
            "lucode": code,
            NBS_KEY: f.nbs_type or "",
            "cells_covered": cells,
            "cells_painted": int(painted_cells[i]),
            "cells_changed": int(changed_cells[i]),
            "area_changed_m2": float(changed_cells[i]) * area,
        }
        for i, (f, code, cells) in enumerate(zip(features, lucodes, covered, strict=True))
    ]
    return Painted(scenario_args, land_cover, extended, rows)


def write_differences(
    baseline: Mapping[str, Path],
    scenario: Mapping[str, Path],
    baseline_dir: Path,
    folder: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Path]:
    """Scenario minus baseline for every output raster (``.tif``) both runs wrote, under
    ``folder`` with the baseline's relative path (``intermediate/Q_m3.tif``)."""
    keys = [k for k, path in baseline.items() if Path(path).suffix == ".tif" and k in scenario]
    differences: dict[str, Path] = {}
    for done, key in enumerate(keys, start=1):
        before = io.read_raster(baseline[key])
        try:
            relative = Path(baseline[key]).relative_to(baseline_dir)
        except ValueError:
            relative = Path(Path(baseline[key]).name)
        change = difference(before, io.read_raster(scenario[key]))
        differences[key] = io.write_raster(folder / relative, change, before.grid, nodata=NODATA)
        if progress is not None:
            progress(done, len(keys))
    return differences


@dataclass(frozen=True)
class Layer:
    """The first layer of a vector file, read whole: FIDs, shapely geometries (None where a
    feature has none), attribute columns in the file's order, projection and geometry type."""

    fids: np.ndarray
    geometries: np.ndarray
    fields: dict[str, np.ndarray]
    crs: str | None
    path: str


def read_layer(path: str | Path) -> Layer:
    shown = str(path)
    try:
        meta, fids, wkb, columns = pyogrio.raw.read(path, return_fids=True)
    except Exception as error:  # pyogrio raises its own DataSourceError/DataLayerError
        raise EngineInputError(shown, f"cannot be read as a vector layer ({error})") from None
    fields = {
        str(name): np.asarray(values) for name, values in zip(meta["fields"], columns, strict=True)
    }
    geometries = np.empty(len(wkb), dtype=object)
    geometries[:] = list(shapely.from_wkb(wkb))
    return Layer(np.asarray(fids, dtype=np.int64), geometries, fields, meta.get("crs"), shown)


def identifying(name: str, values: np.ndarray) -> bool:
    """A field that names a feature rather than measures it: not a number, or a number called
    ``id``, ``*_id``, ``fid``, ``objectid`` ... (``ID_FIELDS``)."""
    lowered = name.lower()
    numeric = np.issubdtype(values.dtype, np.number)
    return not numeric or lowered in ID_FIELDS or lowered.endswith("_id")


def _same_value(a: Any, b: Any) -> bool:
    return (_blank(a) and _blank(b)) or bool(a == b)


def check_features(baseline: Layer, scenario: Layer) -> None:
    """The two runs' layers hold the same features in the same order: their number,
    projection, geometries and identifying fields agree (else ``EngineInputError``)."""
    n, m = len(baseline.geometries), len(scenario.geometries)
    why = f"cannot be matched feature by feature with {baseline.path}"
    if n != m:
        raise EngineInputError(scenario.path, f"{why}: it has {m} features, the baseline {n}")
    crs = [None if c is None else CRS.from_user_input(c) for c in (baseline.crs, scenario.crs)]
    if crs[0] != crs[1]:
        raise EngineInputError(scenario.path, f"{why}: its projection differs")
    a, b = baseline.geometries, scenario.geometries
    none_a, none_b = shapely.is_missing(a), shapely.is_missing(b)
    same = none_a & none_b
    both = ~none_a & ~none_b
    same[both] = shapely.equals_exact(a[both], b[both], tolerance=GEOMETRY_TOLERANCE)
    if not same.all():
        first = int(np.flatnonzero(~same)[0])
        raise EngineInputError(
            scenario.path, f"{why}: the geometry of feature {first + 1} differs from the baseline's"
        )
    for name, values in baseline.fields.items():
        other = scenario.fields.get(name)
        if other is None or not identifying(name, values):
            continue
        for i, (x, y) in enumerate(zip(values.tolist(), other.tolist(), strict=True)):
            if not _same_value(x, y):
                raise EngineInputError(
                    scenario.path, f"{why}: feature {i + 1} has {name} {y!r}, the baseline {x!r}"
                )


def feature_columns(baseline: Layer, scenario: Layer) -> dict[str, np.ndarray]:
    """The table of differences per feature, by column: ``fid``, the identifying fields, then
    ``<field>_bas``, ``_scn``, ``_diff`` and ``_pct`` for every other numeric field of both
    layers (NaN where a value is missing; ``_pct`` also where the baseline is 0). A name taken
    already (without case, as a GeoPackage compares them) gets ``_1``, ``_2`` ..."""
    check_features(baseline, scenario)
    columns: dict[str, np.ndarray] = {}

    def put(name: str, values: np.ndarray) -> None:
        unique, k = name, 0
        while unique.lower() in {c.lower() for c in columns}:
            k += 1
            unique = f"{name}_{k}"
        columns[unique] = values

    put("fid", baseline.fids)
    measured = []
    for name, values in baseline.fields.items():
        other = scenario.fields.get(name)
        if identifying(name, values):
            put(name, values)
        elif other is not None and np.issubdtype(other.dtype, np.number):
            measured.append(name)
    for name in measured:
        bas, scn = baseline.fields[name], scenario.fields[name]
        b, s = bas.astype(np.float64), scn.astype(np.float64)
        both = np.isfinite(b) & np.isfinite(s)
        if np.issubdtype(bas.dtype, np.integer) and np.issubdtype(scn.dtype, np.integer):
            change: np.ndarray = scn.astype(np.int64) - bas.astype(np.int64)
        else:
            change = np.where(both, s - b, np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):  # as percent_change, vectorised
            pct = np.where(both & (b != 0), 100.0 * (s - b) / np.abs(b), np.nan)
        for suffix, values in (("bas", bas), ("scn", scn), ("diff", change), ("pct", pct)):
            put(f"{name}_{suffix}", values)
    return columns


def _cell(value: Any) -> Any:
    """A value as the CSV shows it: numpy scalars as Python's, missing numbers empty."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_feature_table(path: Path, columns: Mapping[str, np.ndarray]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(columns))
        for row in zip(*(values.tolist() for values in columns.values()), strict=True):
            writer.writerow(["" if (v := _cell(value)) is None else v for value in row])
    return path


def _geometry_type(geometries: np.ndarray) -> tuple[str, bool]:
    """The GeoPackage layer's geometry type, and whether single parts become multi-parts."""
    present = geometries[~shapely.is_missing(geometries)]
    kinds = {g.geom_type for g in present}
    promote = len(kinds) == 2 and any(f"Multi{k}" in kinds for k in kinds)
    kind = max(kinds, key=len) if len(kinds) == 1 or promote else "Unknown"
    if kind != "Unknown" and len(present) and shapely.has_z(present).any():
        kind += " Z"
    return kind, promote


def write_feature_layer(path: Path, layer: Layer, columns: Mapping[str, np.ndarray]) -> Path:
    """The differences with the baseline's geometries, a GeoPackage layer named as the file;
    ``fid`` becomes the GeoPackage's FID, missing values NULL."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    kind, promote = _geometry_type(layer.geometries)
    pyogrio.raw.write(
        path,
        shapely.to_wkb(layer.geometries),
        list(columns.values()),
        list(columns),
        layer=path.stem,
        driver="GPKG",
        geometry_type=kind,
        crs=layer.crs,
        promote_to_multi=promote,
    )
    return path


def write_feature_differences(
    baseline: Mapping[str, Path], scenario: Mapping[str, Path], baseline_dir: Path, folder: Path
) -> dict[str, Path]:
    """For every vector output both runs wrote (``VECTOR_SUFFIXES``), its differences per
    feature under ``folder`` with the baseline's relative path: ``<name>.csv`` and
    ``<name>.gpkg``, as ``<stem>_csv`` and ``<stem>_gpkg``."""
    keys = [
        k
        for k, path in baseline.items()
        if Path(path).suffix.lower() in VECTOR_SUFFIXES and k in scenario
    ]
    written: dict[str, Path] = {}
    for key in keys:
        before, after = read_layer(baseline[key]), read_layer(scenario[key])
        try:
            relative = Path(baseline[key]).relative_to(baseline_dir)
        except ValueError:
            relative = Path(Path(baseline[key]).name)
        columns = feature_columns(before, after)
        stem = relative.stem
        written[f"{stem}_csv"] = write_feature_table(folder / relative.with_suffix(".csv"), columns)
        written[f"{stem}_gpkg"] = write_feature_layer(
            folder / relative.with_suffix(".gpkg"), before, columns
        )
    return written


def run_scenario(
    model: Model,
    args: Mapping[str, Any],
    interventions: str | Path,
    out_dir: Path,
    *,
    nbs_parameters: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ScenarioResult:
    """Paint the interventions on the land cover of ``args`` (InVEST's argument names, paths
    resolved), run ``model`` on the baseline and on the scenario, and write the differences
    and their summary under ``out_dir``."""
    painted = paint_scenario(
        model, args, interventions, out_dir / "scenario" / "inputs", nbs_parameters=nbs_parameters
    )
    _stage(progress, 0)(1, 1)
    baseline = model.run(model.parse(args), out_dir / "baseline", progress=_stage(progress, 1))
    scenario = model.run(
        model.parse(painted.args), out_dir / "scenario", progress=_stage(progress, 2)
    )
    differences = write_differences(
        baseline.files,
        scenario.files,
        out_dir / "baseline",
        out_dir / "difference",
        progress=_stage(progress, 3),
    )
    per_feature = write_feature_differences(
        baseline.files, scenario.files, out_dir / "baseline", out_dir / "difference"
    )
    result = ScenarioResult(
        baseline=baseline,
        scenario=scenario,
        land_cover=painted.land_cover,
        table=painted.table,
        differences=differences,
        summary=summary_rows(baseline.summary, scenario.summary),
        interventions=painted.interventions,
        files={},
        per_feature=per_feature,
    )
    files = write_summary(result, out_dir / "difference", model=model.spec.id)
    _stage(progress, 3)(1, 1)
    return replace(result, files={**files, **per_feature})


def write_summary(
    result: ScenarioResult,
    folder: Path,
    *,
    model: str,
    previews: Mapping[str, Path] | None = None,
) -> dict[str, Path]:
    """``summary.csv`` (every summary figure: baseline, scenario, difference, percent change),
    ``interventions.csv`` (cells per feature) and ``summary.json`` (both, with the outputs and
    the tables of differences per feature)."""
    files = {
        "summary_csv": io.write_csv(folder / "summary.csv", result.summary),
        "interventions_csv": io.write_csv(folder / "interventions.csv", result.interventions),
    }
    data = {
        "model": model,
        "land_cover": str(result.land_cover),
        "table": str(result.table),
        "summary": result.summary,
        "interventions": result.interventions,
        "outputs": {key: str(path) for key, path in result.differences.items()},
        "per_feature": {key: str(path) for key, path in result.per_feature.items()},
        "previews": {key: str(path) for key, path in (previews or {}).items()},
    }
    path = folder / "summary.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    files["summary_json"] = path
    return files
