"""Write the InVEST reference outputs the test suite compares CityWeave's engine with.

    /tmp/invest-venv/bin/python benchmarks/invest_fixtures.py [--out tests/engine/fixtures/invest]

Run with the Python of InVEST's own venv (``../shared/tools/install_invest.sh``): it imports
``natcap.invest`` and GDAL, which CityWeave never depends on. For each model it writes a small
synthetic city (land cover of ten classes, soil groups, tables in InVEST's columns), runs InVEST
on it and keeps the inputs, the outputs the tests compare and ``invest.json`` with InVEST's
version and the arguments. Deterministic: the same seed gives the same city.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from osgeo import gdal, ogr, osr
from synthetic import carbon_pools_csv, curve_numbers_csv, land_cover, soil_groups

ROOT = Path(__file__).resolve().parent.parent
SIZE = 48  # cells per side
CELL = 10.0  # metres
ORIGIN = (500_000.0, 5_000_000.0)
EPSG = 32633  # WGS 84 / UTM 33N


def write_raster(path: Path, values: np.ndarray, nodata: float) -> None:
    kind = {np.dtype("int16"): gdal.GDT_Int16, np.dtype("float32"): gdal.GDT_Float32}
    dataset = gdal.GetDriverByName("GTiff").Create(
        str(path), values.shape[1], values.shape[0], 1, kind[values.dtype]
    )
    dataset.SetGeoTransform((ORIGIN[0], CELL, 0.0, ORIGIN[1], 0.0, -CELL))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(EPSG)
    dataset.SetProjection(srs.ExportToWkt())
    band = dataset.GetRasterBand(1)
    band.SetNoDataValue(nodata)
    band.WriteArray(values)
    dataset.FlushCache()
    dataset = None


def write_aoi(path: Path) -> None:
    """Three watersheds: a strip along the west edge, a triangle cutting cells in half, and a
    polygon reaching past the raster's east edge (all in the raster's projection)."""
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(EPSG)
    driver = ogr.GetDriverByName("GPKG")
    source = driver.CreateDataSource(str(path))
    layer = source.CreateLayer("watersheds", srs, ogr.wkbPolygon)
    layer.CreateField(ogr.FieldDefn("ws_id", ogr.OFTInteger))
    x0, y1 = ORIGIN
    width = SIZE * CELL
    shapes = [
        [(x0, y1 - width), (x0 + 0.3 * width, y1 - width), (x0 + 0.3 * width, y1), (x0, y1)],
        [
            (x0 + 0.35 * width, y1 - 0.9 * width),
            (x0 + 0.95 * width, y1 - 0.9 * width),
            (x0 + 0.62 * width, y1 - 0.13 * width),
        ],
        [
            (x0 + 0.7 * width, y1 - 0.5 * width),
            (x0 + 1.2 * width, y1 - 0.5 * width),
            (x0 + 1.2 * width, y1 + 0.1 * width),
            (x0 + 0.7 * width, y1 + 0.1 * width),
        ],
    ]
    for number, points in enumerate(shapes, start=1):
        ring = ogr.Geometry(ogr.wkbLinearRing)
        for x, y in [*points, points[0]]:
            ring.AddPoint(x, y)
        polygon = ogr.Geometry(ogr.wkbPolygon)
        polygon.AddGeometry(ring)
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetField("ws_id", number)
        feature.SetGeometry(polygon)
        layer.CreateFeature(feature)
    source = None


def carbon_case(folder: Path) -> dict[str, Any]:
    bas = land_cover(1, SIZE)
    write_raster(folder / "lulc_bas.tif", bas, -1)
    alt = bas.copy()
    alt[(alt == 3) | (alt == 7)] = 9  # two classes turn into another
    write_raster(folder / "lulc_alt.tif", alt, -1)
    (folder / "carbon_pools.csv").write_text(carbon_pools_csv(11))
    return {
        "lulc_bas_path": "lulc_bas.tif",
        "carbon_pools_path": "carbon_pools.csv",
        "calc_sequestration": True,
        "lulc_alt_path": "lulc_alt.tif",
        "do_valuation": True,
        "lulc_bas_year": 2020,
        "lulc_alt_year": 2035,
        "price_per_metric_ton_of_c": 43.0,
        "discount_rate": -7.1,
        "rate_change": 5.0,
    }


def runoff_case(folder: Path) -> dict[str, Any]:
    write_raster(folder / "lulc.tif", land_cover(2, SIZE), -1)
    write_raster(folder / "soils.tif", soil_groups(12, SIZE), -1)
    (folder / "curve_numbers.csv").write_text(curve_numbers_csv(12))
    write_aoi(folder / "watersheds.gpkg")
    return {
        "lulc_path": "lulc.tif",
        "soils_hydrological_group_raster_path": "soils.tif",
        "curve_number_table_path": "curve_numbers.csv",
        "aoi_watersheds_path": "watersheds.gpkg",
        "rainfall_depth": 75.0,
    }


CASES = {
    "carbon": (
        carbon_case,
        "natcap.invest.carbon",
        ("c_storage_bas.tif", "c_storage_alt.tif", "c_change_bas_alt.tif", "npv_alt.tif"),
    ),
    "urban_flood_risk_mitigation": (
        runoff_case,
        "natcap.invest.urban_flood_risk_mitigation",
        ("Q_mm.tif", "Runoff_retention_index.tif", "Runoff_retention_m3.tif"),
    ),
}


def run_case(name: str, out: Path) -> None:
    import importlib

    import natcap.invest

    build, module_name, outputs = CASES[name]
    folder = out / name
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "inputs").mkdir(parents=True)
    args = build(folder / "inputs")
    module = importlib.import_module(module_name)
    with tempfile.TemporaryDirectory() as workspace:
        invest_args = {
            key: str(folder / "inputs" / value) if isinstance(value, str) else value
            for key, value in args.items()
        }
        invest_args.update(workspace_dir=workspace, results_suffix="", n_workers=-1)
        module.execute(invest_args)
        (folder / "outputs").mkdir()
        found = {path.name: path for path in Path(workspace).rglob("*.tif")}
        for output in outputs:
            shutil.copy(found[output], folder / "outputs" / output)
        summaries = sorted(Path(workspace).rglob("*.csv"))
        for summary in summaries:
            shutil.copy(summary, folder / "outputs" / summary.name)
        for part in Path(workspace).glob("flood_risk_service.*"):  # per-watershed results
            shutil.copy(part, folder / "outputs" / part.name)
        listing = sorted(
            str(p.relative_to(workspace)) for p in Path(workspace).rglob("*") if p.is_file()
        )
    (folder / "invest.json").write_text(
        json.dumps(
            {
                "invest_version": natcap.invest.__version__,
                "gdal_version": gdal.__version__,
                "model": module_name,
                "args": args,
                "workspace_files": listing,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"{name}: {len(outputs)} outputs with InVEST {natcap.invest.__version__}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=ROOT / "tests" / "engine" / "fixtures" / "invest"
    )
    parser.add_argument("models", nargs="*", default=sorted(CASES))
    options = parser.parse_args()
    for name in options.models:
        run_case(name, options.out)


if __name__ == "__main__":
    main()
