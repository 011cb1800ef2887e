"""CityWeave's engine against InVEST on the same inputs, output by output: the largest
differences of every compared output, and whether they are within the engine's tolerances.

    .venv/bin/python benchmarks/invest_parity.py [--sizes 600 1000] [--models ...]
        [--no-porto-alegre]

Installs nothing: InVEST comes from its own venv (``../shared/tools/install_invest.sh``; its
Python is ``CITYWEAVE_INVEST_PYTHON``, default ``/tmp/invest-venv/bin/python``). Cases:

- synthetic cities of ten classes (``synthetic.py``, the inputs of ``engine_vs_invest.py``) at
  each ``--sizes`` (cells a side, 10 m cells);
- Porto Alegre: the OpenStreetMap land cover of ``../shared/data/landuse_porto_alegre``
  (ESA WorldCover classes) rasterised at 10 m in UTM 22S (EPSG:32722), the first polygon of a
  class painted last wins; cells no polygon covers are class 0, "unmapped". Soil groups, ET0,
  precipitation and people are synthetic fields laid over it, and the per-class parameters are
  illustrative values for the comparison: neither tool is calibrated here.

Tolerances (the issue's): heat mitigation and cooling capacity 1e-4, air temperature 0.001 degC,
runoff and retention 1e-5 relative, nature supply per capita 1e-4 relative, carbon totals 1e-6
relative. Never run by ``make test``: ``tests/engine`` checks parity on stored fixtures.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import rasterio

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED = ROOT.parent / "shared" / "data" / "landuse_porto_alegre"
INVEST_PYTHON = os.environ.get("CITYWEAVE_INVEST_PYTHON", "/tmp/invest-venv/bin/python")
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))


@dataclass(frozen=True)
class Check:
    name: str  # the output's file name, InVEST's
    tolerance: float
    relative: bool


CHECKS: dict[str, tuple[Check, ...]] = {
    "carbon": (
        Check("c_storage_bas.tif", 1e-6, True),
        Check("c_storage_alt.tif", 1e-6, True),
        Check("c_change_bas_alt.tif", 1e-6, True),
        Check("npv_alt.tif", 1e-6, True),
    ),
    "runoff": (
        Check("Q_mm.tif", 1e-5, True),
        Check("Runoff_retention_index.tif", 1e-5, True),
        Check("Runoff_retention_m3.tif", 1e-5, True),
    ),
    "cooling": (
        Check("hm.tif", 1e-4, False),
        Check("cc.tif", 1e-4, False),
        Check("T_air.tif", 1e-3, False),
    ),
    "stormwater": (
        Check("retention_ratio.tif", 1e-5, True),
        Check("adjusted_retention_ratio.tif", 1e-5, True),
        Check("retention_volume.tif", 1e-5, True),
        Check("runoff_volume.tif", 1e-5, True),
    ),
    "access": (Check("urban_nature_supply_percapita.tif", 1e-4, True),),
}
# Relative differences are taken against |InVEST's value| of at least this, so that values of
# zero (no runoff, no supply) compare absolutely.
FLOOR = {"runoff": 1e-3, "stormwater": 1e-3, "carbon": 1e-3, "access": 1e-3}


def compare(check: Check, model: str, ours: Path, theirs: Path) -> dict[str, Any]:
    with rasterio.open(ours) as a, rasterio.open(theirs) as b:
        mine, reference = a.read(1).astype(np.float64), b.read(1).astype(np.float64)
        mine_known = mine != a.nodata if a.nodata is not None else np.ones(mine.shape, bool)
        their_known = (
            reference != b.nodata if b.nodata is not None else np.ones(reference.shape, bool)
        )
        same_grid = a.transform.almost_equals(b.transform) and a.shape == b.shape
    if not same_grid:
        return {"output": check.name, "ok": False, "problem": "grids differ"}
    mine_known &= ~np.isnan(mine)
    their_known &= ~np.isnan(reference)
    both = mine_known & their_known
    difference = np.abs(mine[both] - reference[both])
    if check.relative:
        difference = difference / np.maximum(np.abs(reference[both]), FLOOR.get(model, 1e-12))
    largest = float(difference.max()) if difference.size else 0.0
    mask_mismatch = int((mine_known != their_known).sum())
    return {
        "output": check.name,
        "cells": int(both.sum()),
        "largest": largest,
        "kind": "relative" if check.relative else "absolute",
        "tolerance": check.tolerance,
        "nodata_mismatch": mask_mismatch,
        "ok": largest <= check.tolerance and mask_mismatch == 0,
    }


def carbon_totals(ours: Path, theirs: Path) -> list[dict[str, Any]]:
    """InVEST's ``raster_values_summary.csv`` totals against the engine's summary."""
    with (theirs / "raster_values_summary.csv").open(encoding="utf-8") as handle:
        invest = {row["Filename"]: float(row["Total"]) for row in csv.DictReader(handle)}
    with (ours / "raster_values_summary.csv").open(encoding="utf-8") as handle:
        mine = {row["name"]: float(row["value"]) for row in csv.DictReader(handle)}
    rows = []
    for name, key in (
        ("c_storage_bas.tif", "c_storage_bas_mg"),
        ("c_storage_alt.tif", "c_storage_alt_mg"),
        ("c_change_bas_alt.tif", "c_change_bas_alt_mg"),
        ("npv_alt.tif", "npv_alt"),
    ):
        reference = next(v for k, v in invest.items() if k.endswith(name))
        largest = abs(mine[key] - reference) / max(abs(reference), 1e-12)
        rows.append(
            {
                "output": f"total of {name}",
                "cells": 1,
                "largest": largest,
                "kind": "relative",
                "tolerance": 1e-6,
                "nodata_mismatch": 0,
                "ok": largest <= 1e-6,
            }
        )
    return rows


# --- Porto Alegre ---------------------------------------------------------------------------

PORTO_ALEGRE_EPSG = 32722
CLASS_CODES = {
    "tree_cover": 10,
    "shrubland": 20,
    "grassland": 30,
    "cropland": 40,
    "built_up": 50,
    "bare_sparse": 60,
    "water": 80,
    "wetland": 90,
}
# Illustrative per-class parameters (not calibrated): 0 is "unmapped", treated as built-up.
GREEN = {10, 20, 30, 40, 90}


def porto_alegre_land_cover(folder: Path, cell: float = 10.0) -> tuple[Path, Any]:
    import shapely
    from rasterio.crs import CRS
    from rasterio.features import rasterize
    from rasterio.transform import from_origin
    from rasterio.warp import transform_geom

    data = json.loads((SHARED / "porto-alegre-landcover.json").read_text(encoding="utf-8"))
    features = data["geoJson"]["features"]
    shapes = []
    for feature in features:
        code = CLASS_CODES.get(feature["properties"].get("landcover_class", ""))
        if code is None or feature["geometry"] is None:
            continue
        shapes.append(
            (transform_geom("EPSG:4326", f"EPSG:{PORTO_ALEGRE_EPSG}", feature["geometry"]), code)
        )
    bounds = shapely.total_bounds([shapely.geometry.shape(g) for g, _ in shapes])
    x0, y0 = np.floor(bounds[0] / cell) * cell, np.floor(bounds[1] / cell) * cell
    x1, y1 = np.ceil(bounds[2] / cell) * cell, np.ceil(bounds[3] / cell) * cell
    width, height = int((x1 - x0) / cell), int((y1 - y0) / cell)
    transform = from_origin(x0, y1, cell, cell)
    lulc = rasterize(shapes, out_shape=(height, width), transform=transform, fill=0, dtype="int16")
    path = folder / "porto_alegre_lulc.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=width,
        height=height,
        count=1,
        dtype="int16",
        crs=CRS.from_epsg(PORTO_ALEGRE_EPSG),
        transform=transform,
        nodata=-1,
        tiled=True,
        compress="zstd",
    ) as dataset:
        dataset.write(lulc, 1)
    return path, lulc


def quarters_of(raster: Path, path: Path) -> str:
    """The four quarters of a raster's extent as areas of interest (both tools summarise by
    them), in its projection."""
    from shapely.geometry import box

    from cityweave.engine import io

    with rasterio.open(raster) as dataset:
        west, south, east, north = dataset.bounds
        crs = dataset.crs
    mid_x, mid_y = (west + east) / 2, (south + north) / 2
    shapes = [
        box(west, mid_y, mid_x, north),
        box(mid_x, mid_y, east, north),
        box(west, south, mid_x, mid_y),
        box(mid_x, south, east, mid_y),
    ]
    layer = io.Polygons(shapes, {"ws_id": np.arange(1, 5, dtype=np.int32)}, crs, str(path))
    return str(io.write_polygons(path, layer, {}))


def porto_alegre_inputs(model: str, folder: Path) -> dict[str, Any]:
    import engine_vs_invest as bench
    from synthetic import precipitation, reference_et0, soil_groups

    lulc_path = folder / "porto_alegre_lulc.tif"
    if not lulc_path.exists():
        porto_alegre_land_cover(folder)
    with rasterio.open(lulc_path) as dataset:
        lulc = dataset.read(1)
        profile = dataset.profile
    size = lulc.shape

    def like(name: str, values: np.ndarray, nodata: float) -> str:
        target = folder / name
        with rasterio.open(
            target, "w", **{**profile, "dtype": values.dtype.name, "nodata": nodata}
        ) as out:
            out.write(values, 1)
        return str(target)

    def field(make: Any, seed: int) -> np.ndarray:
        square = make(seed, max(size))
        return np.ascontiguousarray(square[: size[0], : size[1]])

    codes = [0, *sorted(CLASS_CODES.values())]
    aoi = quarters_of(lulc_path, folder / f"aoi_{model}" / "aoi.shp")
    if model == "carbon":
        alt = lulc.copy()
        alt[lulc == 30] = 10  # grassland planted with trees
        rows = ["lucode,c_above,c_below,c_soil,c_dead"]
        for code in codes:
            trees = 1.0 if code in (10, 90) else 0.3 if code in GREEN else 0.05
            rows.append(f"{code},{120 * trees:g},{30 * trees:g},{60 + 40 * trees:g},{8 * trees:g}")
        (folder / "pools.csv").write_text("\n".join(rows) + "\n")
        return {
            "lulc_bas_path": str(lulc_path),
            "lulc_alt_path": like("lulc_alt.tif", alt, -1),
            "carbon_pools_path": str(folder / "pools.csv"),
            "calc_sequestration": True,
            "do_valuation": True,
            "lulc_bas_year": 2024,
            "lulc_alt_year": 2040,
            "price_per_metric_ton_of_c": 43.0,
            "discount_rate": 3.0,
            "rate_change": 1.0,
        }
    if model == "runoff":
        rows = ["lucode,cn_a,cn_b,cn_c,cn_d"]
        for code in codes:
            base = 98 if code in (0, 50) else 100 if code == 80 else 55 if code in GREEN else 75
            cn = [min(100, base + step * 6) for step in range(4)] if base < 98 else [base] * 4
            rows.append(f"{code}," + ",".join(f"{v:g}" for v in cn))
        (folder / "cn.csv").write_text("\n".join(rows) + "\n")
        return {
            "lulc_path": str(lulc_path),
            "soils_hydrological_group_raster_path": like("soils.tif", field(soil_groups, 12), -1),
            "curve_number_table_path": str(folder / "cn.csv"),
            "rainfall_depth": 120.0,
            "aoi_watersheds_path": aoi,
        }
    if model == "cooling":
        rows = ["lucode,kc,green_area,shade,albedo,building_intensity"]
        for code in codes:
            green = int(code in GREEN)
            kc = 1.0 if code == 80 else 0.9 if green else 0.3
            shade = 0.8 if code in (10, 90) else 0.2 if green else 0.05
            rows.append(
                f"{code},{kc},{green},{shade},{0.12 if green else 0.2},{0.1 if green else 0.6}"
            )
        (folder / "bio.csv").write_text("\n".join(rows) + "\n")
        return {
            "lulc_raster_path": str(lulc_path),
            "ref_eto_raster_path": like("et0.tif", field(reference_et0, 15), -1.0),
            "aoi_vector_path": aoi,
            "biophysical_table_path": str(folder / "bio.csv"),
            "green_area_cooling_distance": 450.0,
            "t_air_average_radius": 500.0,
            "t_ref": 24.0,
            "uhi_max": 3.5,
            "cc_method": "factors",
            "do_energy_valuation": False,
            "do_productivity_valuation": False,
        }
    if model == "stormwater":
        args = bench.stormwater_inputs(1000, folder)  # roads and table in its format
        rows = ["lucode,rc_a,rc_b,rc_c,rc_d,pe_a,pe_b,pe_c,pe_d,emc_n,emc_p,is_connected"]
        for code in codes:
            rc = 0.9 if code in (0, 50) else 0.95 if code == 80 else 0.15 if code in GREEN else 0.5
            cells = [min(0.99, rc + step * 0.05) for step in range(4)]
            pe = [(1 - r) * 0.5 for r in cells]
            emc = (2.0, 0.3) if code in (0, 50) else (0.8, 0.1)  # mg/L, illustrative
            rows.append(
                f"{code},"
                + ",".join(f"{v:.3f}" for v in (*cells, *pe, *emc))
                + f",{int(code == 50)}"
            )
        (folder / "stormwater_pa.csv").write_text("\n".join(rows) + "\n")
        args.update(
            lulc_path=str(lulc_path),
            soil_group_path=like("soils.tif", field(soil_groups, 13), -1),
            precipitation_path=like("precipitation.tif", field(precipitation, 23), -1.0),
            biophysical_table=str(folder / "stormwater_pa.csv"),
            aggregate_areas_path=aoi,
        )
        args.pop("road_centerlines_path", None)
        args["adjust_retention_ratios"] = False
        return args
    # access: people on built-up cells, 0 elsewhere; nature on green classes
    people = np.where(lulc == 50, np.float32(2.5), np.float32(0.0))
    rows = ["lucode,urban_nature"]
    rows += [f"{code},{1 if code in GREEN else 0}" for code in codes]
    (folder / "nature.csv").write_text("\n".join(rows) + "\n")
    (folder / "access_template").mkdir(exist_ok=True)
    args = bench.inputs("access", 1000, folder / "access_template")
    args.update(
        lulc_raster_path=str(lulc_path),
        lulc_attribute_table=str(folder / "nature.csv"),
        population_raster_path=like("population.tif", people, -1.0),
        admin_boundaries_vector_path=aoi,
    )
    return args


# --- the run --------------------------------------------------------------------------------


def run(tool: str, model: str, args_path: Path, out: Path) -> None:
    python = INVEST_PYTHON if tool == "invest" else sys.executable
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    command = [python, str(HERE / "run_model.py"), "--tool", tool, "--model", model]
    command += ["--args", str(args_path), "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=7200)
    if "RESULT " not in done.stdout:
        raise SystemExit(f"{tool} {model} failed:\n{done.stderr[-3000:]}")


def case(model: str, label: str, args: dict[str, Any], folder: Path) -> list[dict[str, Any]]:
    args_path = folder / f"{model}.json"
    args_path.write_text(json.dumps(args))
    invest, ours = folder / f"{model}-invest", folder / f"{model}-cityweave"
    run("invest", model, args_path, invest)
    run("cityweave", model, args_path, ours)
    rows = []
    for check in CHECKS[model]:
        theirs = next(invest.rglob(check.name), None)
        mine = next(ours.rglob(check.name), None)
        if theirs is None and mine is None:  # not asked for in this case (e.g. no adjustment)
            continue
        if theirs is None or mine is None:
            missing = "InVEST" if theirs is None else "CityWeave"
            rows.append({"output": check.name, "ok": False, "problem": f"{missing} wrote none"})
            continue
        rows.append(compare(check, model, mine, theirs))
    if model == "carbon":
        rows += carbon_totals(ours, invest)
    for row in rows:
        row.update(model=model, case=label)
    shutil.rmtree(invest, ignore_errors=True)
    shutil.rmtree(ours, ignore_errors=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[600, 1000])
    parser.add_argument("--models", nargs="+", default=sorted(CHECKS))
    parser.add_argument("--no-porto-alegre", action="store_true")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here")
    options = parser.parse_args()
    if not Path(INVEST_PYTHON).exists():
        raise SystemExit(
            f"InVEST not found at {INVEST_PYTHON}: run ../shared/tools/install_invest.sh"
        )
    import engine_vs_invest as bench

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="cw-parity-") as tmp:
        for model in options.models:
            for size in options.sizes:
                folder = Path(tmp) / f"{model}-{size}"
                folder.mkdir()
                found = case(model, f"synthetic {size}²", bench.inputs(model, size, folder), folder)
                print_rows(found)
                rows += found
            if not options.no_porto_alegre:
                folder = Path(tmp) / f"{model}-porto-alegre"
                folder.mkdir()
                found = case(model, "Porto Alegre 10 m", porto_alegre_inputs(model, folder), folder)
                print_rows(found)
                rows += found
    if options.json:
        options.json.write_text(json.dumps(rows, indent=2) + "\n")
    failed = [r for r in rows if not r["ok"]]
    sys.stdout.write(f"\n{len(rows) - len(failed)} of {len(rows)} comparisons within tolerance\n")
    if failed:
        raise SystemExit(1)


def print_rows(rows: list[dict[str, Any]]) -> None:
    for r in rows:
        if "problem" in r:
            sys.stdout.write(f"{r['model']:<11}{r['case']:<20}{r['output']:<36} {r['problem']}\n")
            continue
        sys.stdout.write(
            f"{r['model']:<11}{r['case']:<20}{r['output']:<36}{r['largest']:>11.3g} "
            f"{r['kind']:<9}(<= {r['tolerance']:g}) nodata mismatch {r['nodata_mismatch']}"
            f" {'ok' if r['ok'] else 'OVER'}\n"
        )


if __name__ == "__main__":
    main()
