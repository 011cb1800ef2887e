"""CityWeave's engine against InVEST on the same synthetic cities, timed in the same run.

    .venv/bin/python benchmarks/engine_vs_invest.py [--sizes 1000 2000 4000]
        [--models carbon runoff] [--rounds 1]

InVEST's Python: ``CITYWEAVE_INVEST_PYTHON``, default ``/tmp/invest-venv/bin/python``.

For each size (cells per side, 10 m cells) the script writes a synthetic city of ten classes
(``synthetic.py``), runs each model with both tools in processes of their own
(``run_model.py``) and prints the wall time of the model call, the peak memory of each process
and the ratio InVEST / CityWeave. Carbon runs with sequestration and valuation; runoff is
InVEST's Urban Flood Risk Mitigation with four watersheds and no buildings. Installs nothing:
InVEST comes from its own venv (``../shared/tools/install_invest.sh``). Targets: every model
>= 10x faster, peak memory no higher than InVEST's. Never run by ``make test``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from rasterio.transform import from_origin
from synthetic import carbon_pools_csv, curve_numbers_csv, land_cover, soil_groups

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
INVEST_PYTHON = os.environ.get("CITYWEAVE_INVEST_PYTHON", "/tmp/invest-venv/bin/python")


def write(path: Path, values: np.ndarray) -> str:
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=values.shape[1],
        height=values.shape[0],
        count=1,
        dtype=values.dtype.name,
        crs="EPSG:32633",
        transform=from_origin(500_000.0, 5_000_000.0, 10.0, 10.0),
        nodata=-1,
        tiled=True,
        compress="deflate",
    ) as dataset:
        dataset.write(values, 1)
    return str(path)


# Benchmark cases that run a model with other arguments: case -> model.
VARIANTS = {"cooling-valuation": "cooling"}


def cooling_inputs(size: int, folder: Path, *, valuation: bool) -> dict[str, Any]:
    """InVEST's sample distances (450 m cooling, 500 m mixing); with valuation, one building
    footprint per 400 cells and both valuations."""
    from synthetic import biophysical_cooling_csv, buildings, reference_et0

    (folder / "bio.csv").write_text(biophysical_cooling_csv(25))
    args: dict[str, Any] = {
        "lulc_raster_path": write(folder / "lulc.tif", land_cover(5, size)),
        "ref_eto_raster_path": write(folder / "et0.tif", reference_et0(15, size)),
        "aoi_vector_path": watersheds(size, folder / "aoi" / "aoi.shp"),
        "biophysical_table_path": str(folder / "bio.csv"),
        "green_area_cooling_distance": 450.0,
        "t_air_average_radius": 500.0,
        "t_ref": 21.5,
        "uhi_max": 3.5,
        "cc_method": "factors",
        "do_energy_valuation": False,
        "do_productivity_valuation": False,
    }
    if valuation:
        from rasterio.crs import CRS
        from shapely.geometry import box

        from cityweave.engine import io

        boxes = buildings(35, size, 10.0, (500_000.0, 5_000_000.0), size * size // 400)
        layer = io.Polygons(
            [box(*b) for b, _ in boxes],
            {"type": np.array([kind for _, kind in boxes], dtype=np.int32)},
            CRS.from_epsg(32633),
            "bench",
        )
        io.write_polygons(folder / "buildings" / "buildings.shp", layer, {})
        (folder / "energy.csv").write_text(
            "type,consumption,cost\n1,0.7,0.12\n2,1.1,0.12\n3,2.5,0.2\n"
        )
        args.update(
            do_energy_valuation=True,
            building_vector_path=str(folder / "buildings" / "buildings.shp"),
            energy_consumption_table_path=str(folder / "energy.csv"),
            do_productivity_valuation=True,
            avg_rel_humidity=75.0,
        )
    return args


def access_inputs(size: int, folder: Path) -> dict[str, Any]:
    """Urban nature access: a 500 m uniform radius, dichotomy, people in a dense centre; both
    tools summarise by the four quarters as admin units."""
    from synthetic import population, urban_nature_csv

    (folder / "urban_nature.csv").write_text(urban_nature_csv())
    return {
        "lulc_raster_path": write(folder / "lulc.tif", land_cover(7, size)),
        "lulc_attribute_table": str(folder / "urban_nature.csv"),
        "population_raster_path": write(folder / "population.tif", population(17, size)),
        "admin_boundaries_vector_path": watersheds(size, folder / "admin" / "admin.shp"),
        "urban_nature_demand": 4.0,
        "decay_function": "dichotomy",
        "search_radius_mode": "uniform radius",
        "search_radius": 500.0,
        "aggregate_by_pop_group": False,
    }


def inputs(model: str, size: int, folder: Path) -> dict[str, Any]:
    if model == "access":
        return access_inputs(size, folder)
    if model in ("cooling", "cooling-valuation"):
        return cooling_inputs(size, folder, valuation=model == "cooling-valuation")
    if model == "carbon":
        bas = land_cover(1, size)
        alt = bas.copy()
        alt[(alt == 3) | (alt == 7)] = 9
        (folder / "pools.csv").write_text(carbon_pools_csv(11))
        return {
            "lulc_bas_path": write(folder / "lulc_bas.tif", bas),
            "lulc_alt_path": write(folder / "lulc_alt.tif", alt),
            "carbon_pools_path": str(folder / "pools.csv"),
            "calc_sequestration": True,
            "do_valuation": True,
            "lulc_bas_year": 2020,
            "lulc_alt_year": 2035,
            "price_per_metric_ton_of_c": 43.0,
            "discount_rate": -7.1,
            "rate_change": 5.0,
        }
    if model == "stormwater":
        return stormwater_inputs(size, folder)
    (folder / "cn.csv").write_text(curve_numbers_csv(12))
    return {
        "lulc_path": write(folder / "lulc.tif", land_cover(2, size)),
        "soils_hydrological_group_raster_path": write(folder / "soils.tif", soil_groups(12, size)),
        "curve_number_table_path": str(folder / "cn.csv"),
        "rainfall_depth": 75.0,
        "aoi_watersheds_path": watersheds(size, folder / "watersheds" / "watersheds.shp"),
    }


def watersheds(size: int, path: Path) -> str:
    """Four watersheds, the quarters of the raster: both tools summarise by them."""
    from rasterio.crs import CRS
    from shapely.geometry import box

    from cityweave.engine import io

    x0, y1, half = 500_000.0, 5_000_000.0, size * 10.0 / 2
    quarters = [
        box(x0 + i * half, y1 - (j + 1) * half, x0 + (i + 1) * half, y1 - j * half)
        for j in range(2)
        for i in range(2)
    ]
    layer = io.Polygons(
        quarters, {"ws_id": np.arange(1, 5, dtype=np.int32)}, CRS.from_epsg(32633), "bench"
    )
    return str(io.write_polygons(path, layer, {}))


def stormwater_inputs(size: int, folder: Path) -> dict[str, Any]:
    """Urban stormwater retention with adjusted ratios (30 m) near one road per 20 cells of
    side and three connected impervious classes of ten, percolation, two pollutants, a
    replacement cost; both tools summarise by the four quarters."""
    import pyogrio.raw
    import shapely
    from synthetic import precipitation, road_lines, stormwater_csv

    (folder / "stormwater.csv").write_text(stormwater_csv(33))
    lines = road_lines(43, size, 10.0, (500_000.0, 5_000_000.0), max(2, size // 20))
    pyogrio.raw.write(
        folder / "roads.gpkg",
        shapely.to_wkb([shapely.LineString(line) for line in lines]),
        [],
        [],
        driver="GPKG",
        geometry_type="LineString",
        crs="EPSG:32633",
    )
    return {
        "lulc_path": write(folder / "lulc.tif", land_cover(3, size)),
        "soil_group_path": write(folder / "soils.tif", soil_groups(13, size)),
        "precipitation_path": write(folder / "precipitation.tif", precipitation(23, size)),
        "biophysical_table": str(folder / "stormwater.csv"),
        "adjust_retention_ratios": True,
        "retention_radius": 30.0,
        "road_centerlines_path": str(folder / "roads.gpkg"),
        "aggregate_areas_path": watersheds(size, folder / "areas" / "areas.shp"),
        "replacement_cost": 1.37,
    }


def settle() -> None:
    """Flush the files the last run wrote and pause before the next run. Inside this benchmark,
    right after InVEST had written its workspace, the engine's cooling run at 4000² took up to
    1.7 times as long as the same run on its own; the kernel's write-back of the previous run's
    files is one cost both tools would otherwise share unevenly."""
    os.sync()
    time.sleep(2.0)


def run(tool: str, model: str, args_path: Path, out: Path) -> dict[str, float]:
    python = INVEST_PYTHON if tool == "invest" else sys.executable
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    command = [python, str(HERE / "run_model.py"), "--tool", tool]
    command += ["--model", VARIANTS.get(model, model)]
    command += ["--args", str(args_path), "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=3600)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            result: dict[str, float] = json.loads(line.removeprefix("RESULT "))
            return result
    raise SystemExit(f"{tool} {model} failed:\n{done.stderr[-3000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 4000])
    parser.add_argument(
        "--models",
        nargs="+",
        default=["carbon", "runoff", "cooling", "cooling-valuation", "stormwater", "access"],
    )
    parser.add_argument("--rounds", type=int, default=1, help="runs per tool; the median counts")
    options = parser.parse_args()
    if not Path(INVEST_PYTHON).exists():
        raise SystemExit(
            f"InVEST not found at {INVEST_PYTHON}: run ../shared/tools/install_invest.sh"
        )
    lines = [
        f"{'model':<18}{'cells':>12}{'InVEST s':>10}{'CityWeave s':>13}{'ratio':>8}"
        f"{'InVEST MB':>11}{'CityWeave MB':>14}"
    ]
    for model in options.models:
        for size in options.sizes:
            with tempfile.TemporaryDirectory(prefix="cw-engine-") as tmp:
                folder = Path(tmp)
                args_path = folder / "args.json"
                args_path.write_text(json.dumps(inputs(model, size, folder)))
                times: dict[str, list[float]] = {"invest": [], "cityweave": []}
                memory: dict[str, float] = {}
                for round_ in range(options.rounds):
                    # Alternate which tool goes first, and start each from a quiet machine.
                    order = ("invest", "cityweave") if round_ % 2 == 0 else ("cityweave", "invest")
                    for tool in order:
                        settle()
                        result = run(tool, model, args_path, folder / f"{tool}-{round_}")
                        times[tool].append(result["seconds"])
                        memory[tool] = max(memory.get(tool, 0.0), result["peak_rss_mb"])
                invest, ours = (statistics.median(times[t]) for t in ("invest", "cityweave"))
                lines.append(
                    f"{model:<18}{f'{size}²':>12}{invest:>10.2f}{ours:>13.2f}{invest / ours:>7.1f}x"
                    f"{memory['invest']:>11.0f}{memory['cityweave']:>14.0f}"
                )
                sys.stdout.write(lines[-1] + "\n")
    sys.stdout.write(
        "\n".join(
            ["", *lines, "targets: cooling >= 20x, others >= 10x faster, peak memory <= InVEST's"]
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
