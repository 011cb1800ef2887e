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
from synthetic import (
    biophysical_cooling_csv,
    buildings,
    carbon_pools_csv,
    curve_numbers_csv,
    land_cover,
    population,
    reference_et0,
    soil_groups,
    urban_nature_csv,
)

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


def write_aoi(path: Path, size: int = SIZE) -> None:
    """Three watersheds: a strip along the west edge, a triangle cutting cells in half, and a
    polygon reaching past the raster's east edge (all in the raster's projection)."""
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(EPSG)
    driver = ogr.GetDriverByName("GPKG")
    source = driver.CreateDataSource(str(path))
    layer = source.CreateLayer("watersheds", srs, ogr.wkbPolygon)
    layer.CreateField(ogr.FieldDefn("ws_id", ogr.OFTInteger))
    x0, y1 = ORIGIN
    width = size * CELL
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


def runoff_buildings_case(folder: Path) -> dict[str, Any]:
    """The runoff city with 40 building footprints of three types (some across watershed
    edges, some overlapping) and their damage per m²."""
    args = runoff_case(folder)
    write_layer(folder / "buildings.gpkg", buildings(36, SIZE, CELL, ORIGIN, 40))
    (folder / "damage.csv").write_text("type,damage\n1,120\n2,310.5\n3,45\n")
    args.update(
        built_infrastructure_vector_path="buildings.gpkg",
        infrastructure_damage_loss_table_path="damage.csv",
    )
    return args


def write_lines(path: Path, lines: list[list[tuple[float, float]]]) -> None:
    """Line strings in the raster's projection (GeoJSON); the first two joined as one
    multi-line."""
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(EPSG)
    source = ogr.GetDriverByName("GeoJSON").CreateDataSource(str(path))
    layer = source.CreateLayer(path.stem, srs, ogr.wkbMultiLineString)
    parts = [lines[:2], *([line] for line in lines[2:])]
    for part in parts:
        multi = ogr.Geometry(ogr.wkbMultiLineString)
        for vertices in part:
            line = ogr.Geometry(ogr.wkbLineString)
            for x, y in vertices:
                line.AddPoint_2D(x, y)
            multi.AddGeometry(line)
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetGeometry(multi)
        layer.CreateFeature(feature)
    source = None


def stormwater_case(folder: Path) -> dict[str, Any]:
    """Adjusted retention ratios (25 m: 2.5 cells) near five roads and three connected
    impervious classes, percolation, two pollutants, a replacement cost and the three
    watersheds; one cell without a soil group and one without precipitation."""
    from synthetic import precipitation, road_lines, stormwater_csv

    write_raster(folder / "lulc.tif", land_cover(3, SIZE), -1)
    soils = soil_groups(13, SIZE)
    soils[5, 7] = -1
    write_raster(folder / "soils.tif", soils, -1)
    rain = precipitation(23, SIZE)
    rain[20, 30] = -9999.0
    write_raster(folder / "precipitation.tif", rain, -9999.0)
    (folder / "biophysical.csv").write_text(stormwater_csv(33))
    write_lines(folder / "roads.geojson", road_lines(43, SIZE, CELL, ORIGIN, 5))
    write_aoi(folder / "watersheds.gpkg")
    return {
        "lulc_path": "lulc.tif",
        "soil_group_path": "soils.tif",
        "precipitation_path": "precipitation.tif",
        "biophysical_table": "biophysical.csv",
        "adjust_retention_ratios": True,
        "retention_radius": 25.0,
        "road_centerlines_path": "roads.geojson",
        "aggregate_areas_path": "watersheds.gpkg",
        "replacement_cost": 1.37,
    }


STORMWATER_OUTPUTS = (
    "retention_ratio.tif",
    "adjusted_retention_ratio.tif",
    "retention_volume.tif",
    "retention_value.tif",
    "runoff_ratio.tif",
    "runoff_volume.tif",
    "percolation_ratio.tif",
    "percolation_volume.tif",
    "avoided_pollutant_load_n.tif",
    "actual_pollutant_load_n.tif",
    "avoided_pollutant_load_p.tif",
    "actual_pollutant_load_p.tif",
    # intermediates, to locate a difference: the neighbourhood mean and the two "near" masks
    "ratio_average.tif",
    "near_road.tif",
    "near_connected_lulc.tif",
)


def write_layer(path: Path, boxes: list[tuple[tuple[float, float, float, float], int]]) -> None:
    """Rectangles (x0, y0, x1, y1) with an integer ``type``, in the raster's projection."""
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(EPSG)
    source = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    layer = source.CreateLayer(path.stem, srs, ogr.wkbPolygon)
    layer.CreateField(ogr.FieldDefn("type", ogr.OFTInteger))
    for (x0, y0, x1, y1), kind in boxes:
        ring = ogr.Geometry(ogr.wkbLinearRing)
        for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)):
            ring.AddPoint(x, y)
        polygon = ogr.Geometry(ogr.wkbPolygon)
        polygon.AddGeometry(ring)
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetField("type", kind)
        feature.SetGeometry(polygon)
        layer.CreateFeature(feature)
    source = None


COOLING_SIZE = 64


def cooling_case(folder: Path, *, method: str = "factors") -> dict[str, Any]:
    """A 64 x 64 city: green areas of six classes, ET0 with one unknown cell, the three
    watersheds as areas of interest; with the factors method, both valuations and 60 building
    footprints (some overlapping, one smaller than a cell's centre spacing)."""
    size = COOLING_SIZE
    write_raster(folder / "lulc.tif", land_cover(5, size), -1)
    et0 = reference_et0(15, size)
    et0[10, 20] = -9999.0
    write_raster(folder / "et0.tif", et0, -9999.0)
    (folder / "biophysical.csv").write_text(biophysical_cooling_csv(25))
    write_aoi(folder / "aoi.gpkg", size)
    args: dict[str, Any] = {
        "lulc_raster_path": "lulc.tif",
        "ref_eto_raster_path": "et0.tif",
        "aoi_vector_path": "aoi.gpkg",
        "biophysical_table_path": "biophysical.csv",
        "green_area_cooling_distance": 100.0,
        "t_air_average_radius": 40.0,
        "t_ref": 24.0,
        "uhi_max": 4.0,
        "cc_method": method,
    }
    if method == "factors":
        boxes = buildings(35, size, CELL, ORIGIN, 60)
        x, y = ORIGIN[0] + 301.0, ORIGIN[1] - 301.0
        boxes.append(((x, y - 2.0, x + 2.0, y), 2))  # covers no cell centre
        write_layer(folder / "buildings.gpkg", boxes)
        (folder / "energy.csv").write_text(
            "type,consumption,cost\n1,0.7,0.12\n2,1.1,0.12\n3,2.5,0.2\n"
        )
        args.update(
            cc_weight_shade=0.5,
            cc_weight_albedo=0.3,
            cc_weight_eti=0.4,
            do_energy_valuation=True,
            building_vector_path="buildings.gpkg",
            energy_consumption_table_path="energy.csv",
            do_productivity_valuation=True,
            avg_rel_humidity=85.0,
        )
    return args


def cooling_intensity_case(folder: Path) -> dict[str, Any]:
    return cooling_case(folder, method="intensity")


COOLING_OUTPUTS = (
    "T_air.tif",
    "hm.tif",
    "cc.tif",
    "cc_park.tif",
    "green_area_sum.tif",
    "T_air_nomix.tif",
    "cc_masked_green_areas.tif",
)
VECTOR_OUTPUTS = (
    "flood_risk_service",
    "uhi_results",
    "buildings_with_stats",
    "admin_boundaries",
    "aggregate_data",
)

UNA_SIZE = 64
POP_GROUPS = ("pop_children", "pop_adults", "pop_elderly")


def write_admin(path: Path, size: int) -> None:
    """Three administrative units that do not overlap, with a name and the share of each
    population group: a strip along the west edge, a triangle cutting cells in half, and a box
    reaching past the raster's north-east corner; some cells lie in none."""
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(EPSG)
    source = ogr.GetDriverByName("GeoJSON").CreateDataSource(str(path))
    layer = source.CreateLayer("admin", srs, ogr.wkbPolygon)
    layer.CreateField(ogr.FieldDefn("name", ogr.OFTString))
    for group in POP_GROUPS:
        layer.CreateField(ogr.FieldDefn(group, ogr.OFTReal))
    x0, y1 = ORIGIN
    w = size * CELL
    units = [
        ("west", [(x0, y1 - w), (x0 + 0.45 * w, y1 - w), (x0 + 0.45 * w, y1), (x0, y1)]),
        (
            "south-east",
            [
                (x0 + 0.5 * w, y1 - 0.95 * w),
                (x0 + 0.98 * w, y1 - 0.95 * w),
                (x0 + 0.74 * w, y1 - 0.5 * w),
            ],
        ),
        (
            "north-east",
            [
                (x0 + 0.55 * w, y1 - 0.45 * w),
                (x0 + 1.2 * w, y1 - 0.45 * w),
                (x0 + 1.2 * w, y1 + 0.1 * w),
                (x0 + 0.55 * w, y1 + 0.1 * w),
            ],
        ),
    ]
    shares = [(0.2, 0.65, 0.15), (0.3, 0.5, 0.2), (0.1, 0.6, 0.3)]
    for (name, points), share in zip(units, shares, strict=True):
        ring = ogr.Geometry(ogr.wkbLinearRing)
        for x, y in [*points, points[0]]:
            ring.AddPoint_2D(x, y)
        polygon = ogr.Geometry(ogr.wkbPolygon)
        polygon.AddGeometry(ring)
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetField("name", name)
        for group, value in zip(POP_GROUPS, share, strict=True):
            feature.SetField(group, value)
        feature.SetGeometry(polygon)
        layer.CreateFeature(feature)
    source = None


def access_case(
    folder: Path, *, mode: str = "uniform radius", decay: str = "dichotomy", radius: float = 100.0
) -> dict[str, Any]:
    """A 64 x 64 city: ten classes, four with urban nature (``synthetic.URBAN_NATURE``), people
    in a dense centre with a block and a few cells of unknown population, three admin units."""
    size = UNA_SIZE
    write_raster(folder / "lulc.tif", land_cover(7, size), -1)
    people = population(17, size)
    people[40:43, 5:8] = -1.0
    people[np.random.default_rng(27).random((size, size)) < 0.01] = -1.0
    write_raster(folder / "population.tif", people, -1.0)
    (folder / "urban_nature.csv").write_text(urban_nature_csv())
    write_admin(folder / "admin.geojson", size)
    args: dict[str, Any] = {
        "lulc_raster_path": "lulc.tif",
        "lulc_attribute_table": "urban_nature.csv",
        "population_raster_path": "population.tif",
        "admin_boundaries_vector_path": "admin.geojson",
        "urban_nature_demand": 4.0,
        "decay_function": decay,
        "search_radius_mode": mode,
        "aggregate_by_pop_group": mode == "uniform radius",
    }
    if mode == "uniform radius":
        args["search_radius"] = radius
    if mode == "radius per population group":
        (folder / "group_radii.csv").write_text(
            "pop_group,search_radius_m\npop_children,55\npop_adults,100\npop_elderly,35\n"
        )
        args["population_group_radii_table"] = "group_radii.csv"
    return args


def access_classes_case(folder: Path) -> dict[str, Any]:
    return access_case(folder, mode="radius per urban nature class", decay="exponential")


def access_groups_case(folder: Path) -> dict[str, Any]:
    return access_case(folder, mode="radius per population group", decay="gaussian")


def access_density_case(folder: Path) -> dict[str, Any]:
    return access_case(folder, decay="density", radius=85.0)


ACCESS_OUTPUTS = (
    "urban_nature_supply_percapita.tif",
    "urban_nature_demand.tif",
    "urban_nature_balance_percapita.tif",
    "urban_nature_balance_totalpop.tif",
)


def _shim_vector_translate_options() -> None:
    """InVEST 3.20.2's Urban Nature Access passes ``preserveFID`` to
    ``gdal.VectorTranslateOptions``, which Debian's GDAL 3.6 does not know: drop it (the FIDs
    of a GeoPackage copy are kept anyway)."""
    original = gdal.VectorTranslateOptions
    if getattr(original, "shimmed", False):
        return

    def options(*args: Any, **kwargs: Any) -> Any:
        kwargs.pop("preserveFID", None)
        return original(*args, **kwargs)

    options.shimmed = True  # type: ignore[attr-defined]
    gdal.VectorTranslateOptions = options


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
    "urban_flood_risk_mitigation_buildings": (
        runoff_buildings_case,
        "natcap.invest.urban_flood_risk_mitigation",
        ("Q_mm.tif",),
    ),
    "urban_cooling_model": (
        cooling_case,
        "natcap.invest.urban_cooling_model",
        (
            *COOLING_OUTPUTS,
            "eti.tif",
            "wbgt.tif",
            "light_work_loss_percent.tif",
            "heavy_work_loss_percent.tif",
        ),
    ),
    "urban_cooling_model_intensity": (
        cooling_intensity_case,
        "natcap.invest.urban_cooling_model",
        COOLING_OUTPUTS,
    ),
    "stormwater": (stormwater_case, "natcap.invest.stormwater", STORMWATER_OUTPUTS),
    "urban_nature_access": (
        access_case,
        "natcap.invest.urban_nature_access",
        (
            *ACCESS_OUTPUTS,
            "accessible_urban_nature.tif",
            "urban_nature_area.tif",
            "urban_nature_population_ratio.tif",
            "distance_weighted_population_within_100.0.tif",
            "undersupplied_population.tif",
            "oversupplied_population.tif",
            "kernel_100.0.tif",
        ),
    ),
    "urban_nature_access_density": (
        access_density_case,
        "natcap.invest.urban_nature_access",
        (*ACCESS_OUTPUTS, "accessible_urban_nature.tif", "kernel_85.0.tif"),
    ),
    "urban_nature_access_classes": (
        access_classes_case,
        "natcap.invest.urban_nature_access",
        (
            *ACCESS_OUTPUTS,
            *(f"accessible_urban_nature_lucode_{code}.tif" for code in (1, 2, 3, 4)),
            *(f"distance_weighted_population_within_{r}.tif" for r in (40.0, 65.0, 100.0)),
            *(f"kernel_{r}.tif" for r in (40.0, 65.0, 100.0)),
        ),
    ),
    "urban_nature_access_groups": (
        access_groups_case,
        "natcap.invest.urban_nature_access",
        (
            *ACCESS_OUTPUTS,
            "distance_weighted_population_all_groups.tif",
            "urban_nature_population_ratio.tif",
            *(f"kernel_{r}.tif" for r in (35.0, 55.0, 100.0)),
            *(
                f"{stem}{group}.tif"
                for group in POP_GROUPS
                for stem in (
                    "accessible_urban_nature_to_",
                    "urban_nature_balance_percapita_",
                    "urban_nature_balance_",
                    "urban_nature_supply_percapita_to_",
                    "proportion_of_population_in_",
                )
            ),
        ),
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
    if module_name.endswith("urban_nature_access"):
        _shim_vector_translate_options()
    with tempfile.TemporaryDirectory() as workspace:
        invest_args = {
            key: str(folder / "inputs" / value)
            if isinstance(value, str) and (folder / "inputs" / value).exists()
            else value
            for key, value in args.items()
        }
        invest_args.update(workspace_dir=workspace, results_suffix="", n_workers=-1)
        module.execute(invest_args)
        (folder / "outputs").mkdir()
        found = {path.name: path for path in Path(workspace).rglob("*.tif")}
        for output in outputs:
            if output.startswith("kernel_"):  # InVEST writes kernels in 256 x 256 tiles, raw
                gdal.Translate(
                    str(folder / "outputs" / output),
                    str(found[output]),
                    creationOptions=["COMPRESS=DEFLATE"],
                )
            else:
                shutil.copy(found[output], folder / "outputs" / output)
        summaries = sorted(Path(workspace).rglob("*.csv"))
        for summary in summaries:
            shutil.copy(summary, folder / "outputs" / summary.name)
        for stem in VECTOR_OUTPUTS:  # per-area results
            for part in Path(workspace).rglob(f"{stem}.*"):
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
