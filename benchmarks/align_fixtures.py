"""Write the reference alignments the engine's ``align`` module is compared with.

    /tmp/invest-venv/bin/python benchmarks/align_fixtures.py [--out tests/engine/fixtures/align]

Run with the Python of InVEST's own venv: it calls ``pygeoprocessing`` (the library every
InVEST model aligns its rasters with) and GDAL, which CityWeave never depends on. Each case
writes small rasters on different grids beside a 48 x 48 land cover of 10 m cells, aligns them
to the land cover as an InVEST model does, and keeps the inputs, pygeoprocessing's outputs and,
in ``align.json``, the versions and the call of each case. The last case runs InVEST's Urban
Flood Risk Mitigation itself with a soil raster in another UTM zone and an AOI smaller than the
land cover. Deterministic: the same seeds give the same rasters.
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
from synthetic import curve_numbers_csv, land_cover

gdal.UseExceptions()

ROOT = Path(__file__).resolve().parent.parent
SIZE = 48  # land-cover cells per side
CELL = 10.0  # metres
ORIGIN = (500_000.0, 5_000_000.0)  # top-left corner of the land cover
EPSG = 32633  # WGS 84 / UTM 33N: the land cover's projection
OTHER_ZONE = 32634  # WGS 84 / UTM 34N: a neighbouring zone, 6 degrees east


def srs(epsg: int) -> osr.SpatialReference:
    reference = osr.SpatialReference()
    reference.ImportFromEPSG(epsg)
    reference.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return reference


def write_raster(
    path: Path,
    values: np.ndarray,
    nodata: float | None,
    *,
    origin: tuple[float, float] = ORIGIN,
    cell: float = CELL,
    epsg: int = EPSG,
) -> str:
    kind = {np.dtype("int16"): gdal.GDT_Int16, np.dtype("float32"): gdal.GDT_Float32}
    dataset = gdal.GetDriverByName("GTiff").Create(
        str(path), values.shape[1], values.shape[0], 1, kind[values.dtype]
    )
    dataset.SetGeoTransform((origin[0], cell, 0.0, origin[1], 0.0, -cell))
    dataset.SetProjection(srs(epsg).ExportToWkt())
    band = dataset.GetRasterBand(1)
    if nodata is not None:
        band.SetNoDataValue(nodata)
    band.WriteArray(values)
    dataset.FlushCache()
    dataset = None
    return path.name


def write_polygons(path: Path, shapes: list[list[tuple[float, float]]], epsg: int) -> str:
    """Polygons given in the land cover's projection, written in ``epsg``."""
    to_target = osr.CoordinateTransformation(srs(EPSG), srs(epsg))
    source = ogr.GetDriverByName("GeoJSON").CreateDataSource(str(path))
    layer = source.CreateLayer("aoi", srs(epsg), ogr.wkbPolygon)
    layer.CreateField(ogr.FieldDefn("ws_id", ogr.OFTInteger))
    for number, points in enumerate(shapes, start=1):
        ring = ogr.Geometry(ogr.wkbLinearRing)
        for x, y in [*points, points[0]]:
            tx, ty, _ = to_target.TransformPoint(x, y) if epsg != EPSG else (x, y, 0.0)
            ring.AddPoint_2D(tx, ty)
        polygon = ogr.Geometry(ogr.wkbPolygon)
        polygon.AddGeometry(ring)
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetField("ws_id", number)
        feature.SetGeometry(polygon)
        layer.CreateFeature(feature)
    source = None
    return path.name


def box(x0: float, y0: float, x1: float, y1: float) -> list[tuple[float, float]]:
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def smooth_field(seed: int, shape: tuple[int, int], low: float, high: float) -> np.ndarray:
    """A smooth surface (sum of two waves and a slope) with a little noise, as float32."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float64)
    wave = np.sin(rows / 3.1 + rng.uniform(0, 6)) + np.cos(cols / 2.3 + rng.uniform(0, 6))
    field = wave + 0.05 * (rows + cols) + rng.normal(0, 0.1, shape)
    field = (field - field.min()) / (field.max() - field.min())
    return (low + (high - low) * field).astype(np.float32)


def lulc_raster(folder: Path) -> str:
    return write_raster(folder / "lulc.tif", land_cover(3, SIZE), -1)


def et0_raster(folder: Path) -> str:
    """Reference evapotranspiration at 30 m, its corner 13.7 m west and 21.4 m north of the land
    cover's, 16 x 16 cells: it stops 13.7 m short of the land cover's east edge and 21.4 m
    short of its south edge. Two cells are nodata."""
    values = smooth_field(21, (16, 16), 3.0, 7.5)
    values[4, 9] = values[11, 2] = -1.0
    origin = (ORIGIN[0] - 13.7, ORIGIN[1] + 21.4)
    return write_raster(folder / "et0.tif", values, -1.0, origin=origin, cell=30.0)


def other_zone_raster(folder: Path, name: str, values: np.ndarray) -> str:
    """A raster at 30 m in UTM 34N whose corner lies near the land cover's north-west corner,
    shifted so that it misses a strip along the land cover's west edge."""
    to_other = osr.CoordinateTransformation(srs(EPSG), srs(OTHER_ZONE))
    x, y, _ = to_other.TransformPoint(ORIGIN[0] + 55.0, ORIGIN[1] + 40.0)
    return write_raster(folder / name, values, -1, origin=(x, y), cell=30.0, epsg=OTHER_ZONE)


def soil_groups_other_zone(seed: int) -> np.ndarray:
    values = np.random.default_rng(seed).integers(1, 5, (22, 22)).astype(np.int16)
    values[3, 5] = -1
    return values


def cooling_et0(folder: Path) -> dict[str, Any]:
    """Urban cooling's call: LULC by mode and ET0 by cubic spline, with the AOI's box."""
    aoi = write_polygons(
        folder / "aoi.geojson", [box(499_900, 4_999_400, 500_600, 5_000_100)], EPSG
    )
    return {
        "rasters": [lulc_raster(folder), et0_raster(folder)],
        "methods": ["mode", "cubicspline"],
        "vectors": [aoi],
        "mode": "intersection",
    }


def soil_other_zone(folder: Path) -> dict[str, Any]:
    """A soil raster in the neighbouring UTM zone, reprojected by nearest neighbour."""
    soil = other_zone_raster(folder, "soil.tif", soil_groups_other_zone(5))
    return {
        "rasters": [lulc_raster(folder), soil],
        "methods": ["mode", "near"],
        "vectors": [],
        "mode": "intersection",
    }


def aoi_smaller(folder: Path) -> dict[str, Any]:
    """An AOI in degrees (EPSG:4326) whose box lies inside the land cover, its edges between
    cell edges; ET0 by bilinear interpolation."""
    aoi = write_polygons(
        folder / "aoi.geojson",
        [
            box(500_063.0, 4_999_611.0, 500_251.5, 4_999_874.2),
            [(500_240.0, 4_999_700.0), (500_397.3, 4_999_650.0), (500_300.0, 4_999_905.5)],
        ],
        4326,
    )
    return {
        "rasters": [lulc_raster(folder), et0_raster(folder)],
        "methods": ["mode", "bilinear"],
        "vectors": [aoi],
        "mode": "intersection",
    }


def union_near(folder: Path) -> dict[str, Any]:
    """The union of the land cover's box and ET0's (which reaches past the west and north
    edges), both by nearest neighbour."""
    return {
        "rasters": [lulc_raster(folder), et0_raster(folder)],
        "methods": ["near", "near"],
        "vectors": [],
        "mode": "union",
    }


ALIGN_CASES = {
    "cooling_et0": cooling_et0,
    "soil_other_zone": soil_other_zone,
    "aoi_smaller": aoi_smaller,
    "union_near": union_near,
}


def run_align_case(name: str, out: Path) -> dict[str, Any]:
    import pygeoprocessing

    folder = out / name
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "inputs").mkdir(parents=True)
    (folder / "outputs").mkdir()
    call = ALIGN_CASES[name](folder / "inputs")
    lulc = pygeoprocessing.get_raster_info(str(folder / "inputs" / call["rasters"][0]))
    targets = [f"aligned_{Path(raster).stem}.tif" for raster in call["rasters"]]
    pygeoprocessing.align_and_resize_raster_stack(
        [str(folder / "inputs" / raster) for raster in call["rasters"]],
        [str(folder / "outputs" / target) for target in targets],
        call["methods"],
        lulc["pixel_size"],
        call["mode"],
        base_vector_path_list=[str(folder / "inputs" / v) for v in call["vectors"]] or None,
        raster_align_index=0,
        target_projection_wkt=lulc["projection_wkt"],
    )
    call.update(
        outputs=targets,
        pixel_size=list(lulc["pixel_size"]),
        raster_align_index=0,
        target_projection="the first raster's",
        function="pygeoprocessing.align_and_resize_raster_stack",
    )
    return call


def population(out: Path) -> dict[str, Any]:
    """Urban nature access's alignment: the raw intersection of the land cover's and the
    population's boxes (not snapped to the land cover's grid), the land cover by nearest
    neighbour and the population as density, bilinear, back to counts
    (``natcap.invest.utils.resample_population_raster``)."""
    import pygeoprocessing
    from natcap.invest import utils

    folder = out / "population"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "inputs").mkdir(parents=True)
    (folder / "outputs").mkdir()
    inputs = folder / "inputs"
    lulc = lulc_raster(inputs)
    people = np.round(smooth_field(8, (17, 15), 0.0, 140.0)).astype(np.float32)
    people[6, 6] = -1.0
    write_raster(
        inputs / "population.tif", people, -1.0, origin=(ORIGIN[0] + 7.5, ORIGIN[1] + 31.0), cell=30
    )
    lulc_info = pygeoprocessing.get_raster_info(str(inputs / lulc))
    population_info = pygeoprocessing.get_raster_info(str(inputs / "population.tif"))
    box_ = pygeoprocessing.merge_bounding_box_list(
        [lulc_info["bounding_box"], population_info["bounding_box"]], "intersection"
    )
    pygeoprocessing.warp_raster(
        str(inputs / lulc),
        lulc_info["pixel_size"],
        str(folder / "outputs" / "aligned_lulc.tif"),
        "near",
        target_bb=box_,
        target_projection_wkt=lulc_info["projection_wkt"],
    )
    with tempfile.TemporaryDirectory() as working:
        utils.resample_population_raster(
            str(inputs / "population.tif"),
            str(folder / "outputs" / "aligned_population.tif"),
            lulc_info["pixel_size"],
            box_,
            lulc_info["projection_wkt"],
            working,
        )
    return {
        "rasters": [lulc, "population.tif"],
        "methods": ["near", "population"],
        "vectors": [],
        "mode": "intersection",
        "raster_align_index": None,
        "pixel_size": list(lulc_info["pixel_size"]),
        "target_bounding_box": [float(v) for v in box_],
        "outputs": ["aligned_lulc.tif", "aligned_population.tif"],
        "function": "pygeoprocessing.warp_raster + natcap.invest.utils."
        "resample_population_raster (as urban_nature_access.execute)",
    }


UFRM_OUTPUTS = (
    "Q_mm.tif",
    "Runoff_retention_index.tif",
    "Runoff_retention_m3.tif",
    "aligned_lulc.tif",
    "aligned_soils_hydrological_group.tif",
)


def flood_risk(out: Path) -> dict[str, Any]:
    """InVEST's Urban Flood Risk Mitigation with the soil groups in UTM 34N at 30 m and two
    watersheds whose box covers only part of the land cover."""
    import natcap.invest.urban_flood_risk_mitigation as ufrm

    folder = out / "urban_flood_risk_mitigation"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "inputs").mkdir(parents=True)
    (folder / "outputs").mkdir()
    inputs = folder / "inputs"
    args = {
        "lulc_path": lulc_raster(inputs),
        "soils_hydrological_group_raster_path": other_zone_raster(
            inputs, "soils.tif", soil_groups_other_zone(12)
        ),
        "curve_number_table_path": "curve_numbers.csv",
        "aoi_watersheds_path": write_polygons(
            inputs / "watersheds.geojson",
            [
                box(500_021.0, 4_999_561.3, 500_180.0, 4_999_950.0),
                [(500_200.0, 4_999_600.0), (500_433.7, 4_999_640.0), (500_300.0, 4_999_966.6)],
            ],
            EPSG,
        ),
        "rainfall_depth": 75.0,
    }
    (inputs / "curve_numbers.csv").write_text(curve_numbers_csv(12))
    with tempfile.TemporaryDirectory() as workspace:
        invest_args = {
            key: str(inputs / value) if isinstance(value, str) else value
            for key, value in args.items()
        }
        invest_args.update(workspace_dir=workspace, results_suffix="", n_workers=-1)
        ufrm.execute(invest_args)
        found = {path.name: path for path in Path(workspace).rglob("*.tif")}
        for output in UFRM_OUTPUTS:
            shutil.copy(found[output], folder / "outputs" / output)
        for part in Path(workspace).glob("flood_risk_service.*"):
            shutil.copy(part, folder / "outputs" / part.name)
    return {
        "args": args,
        "outputs": [*UFRM_OUTPUTS, "flood_risk_service.shp"],
        "function": "natcap.invest.urban_flood_risk_mitigation.execute",
    }


def main() -> None:
    import natcap.invest
    import pygeoprocessing

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=ROOT / "tests" / "engine" / "fixtures" / "align"
    )
    options = parser.parse_args()
    options.out.mkdir(parents=True, exist_ok=True)
    cases: dict[str, Any] = {name: run_align_case(name, options.out) for name in ALIGN_CASES}
    cases["population"] = population(options.out)
    cases["urban_flood_risk_mitigation"] = flood_risk(options.out)
    (options.out / "align.json").write_text(
        json.dumps(
            {
                "invest_version": natcap.invest.__version__,
                "pygeoprocessing_version": pygeoprocessing.__version__,
                "gdal_version": gdal.__version__,
                "numpy_version": np.__version__,
                "land_cover": {"size": SIZE, "cell": CELL, "origin": ORIGIN, "epsg": EPSG},
                "cases": cases,
            },
            indent=2,
        )
        + "\n"
    )
    for name in cases:
        print(f"{name}: written with pygeoprocessing {pygeoprocessing.__version__}")


if __name__ == "__main__":
    main()
