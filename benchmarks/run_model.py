"""One timed model run, in a process of its own, for ``engine_vs_invest.py``.

    PYTHON run_model.py --tool invest|cityweave --model carbon|runoff --args ARGS.json --out DIR

Prints ``RESULT {"seconds": ..., "peak_rss_mb": ...}``: the wall time of the model call alone
(imports and interpreter start excluded, as ``../shared/INVEST_MODELS.md`` measures InVEST) and
the process's peak resident memory. Run InVEST with the Python of its own venv."""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

INVEST_MODULES = {
    "access": "urban_nature_access",
    "carbon": "carbon",
    "cooling": "urban_cooling_model",
    "runoff": "urban_flood_risk_mitigation",
    "stormwater": "stormwater",
}


def watersheds(raster: str, path: Path) -> str:
    """A GeoPackage with one polygon over ``raster`` (InVEST's flood model requires one)."""
    from osgeo import gdal, ogr, osr

    dataset = gdal.Open(raster)
    x0, dx, _, y1, _, dy = dataset.GetGeoTransform()
    x1, y0 = x0 + dx * dataset.RasterXSize, y1 + dy * dataset.RasterYSize
    srs = osr.SpatialReference(wkt=dataset.GetProjection())
    source = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    layer = source.CreateLayer("watersheds", srs, ogr.wkbPolygon)
    ring = ogr.Geometry(ogr.wkbLinearRing)
    for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)):
        ring.AddPoint(x, y)
    polygon = ogr.Geometry(ogr.wkbPolygon)
    polygon.AddGeometry(ring)
    feature = ogr.Feature(layer.GetLayerDefn())
    feature.SetGeometry(polygon)
    layer.CreateFeature(feature)
    source = None
    return str(path)


def run_invest(model: str, args: dict[str, Any], out: Path) -> None:
    import importlib

    module = importlib.import_module(f"natcap.invest.{INVEST_MODULES[model]}")
    args = {**args, "workspace_dir": str(out), "results_suffix": "", "n_workers": -1}
    if model == "runoff" and not args.get("aoi_watersheds_path"):
        args["aoi_watersheds_path"] = watersheds(args["lulc_path"], out.parent / "aoi.gpkg")
    if model == "access":  # InVEST 3.20.2 passes preserveFID, unknown to GDAL 3.6
        from osgeo import gdal

        original = gdal.VectorTranslateOptions

        def options(*args: Any, **kwargs: Any) -> Any:
            kwargs.pop("preserveFID", None)
            return original(*args, **kwargs)

        gdal.VectorTranslateOptions = options
    started = time.perf_counter()
    module.execute(args)
    emit(time.perf_counter() - started)


def run_cityweave(model: str, args: dict[str, Any], out: Path) -> None:
    from cityweave.engine.models import MODELS

    entry = MODELS[model]
    parsed = entry.parse(args)
    started = time.perf_counter()
    entry.run(parsed, out)
    emit(time.perf_counter() - started)


def peak_rss_mb() -> float:
    """This process's peak resident memory since it started its program: ``VmHWM`` of
    ``/proc/self/status``. ``getrusage``'s ``ru_maxrss`` is not used: Linux carries it over from
    the parent across fork and exec, so a child of a large benchmark process would report the
    parent's size."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def emit(seconds: float) -> None:
    result = {"seconds": seconds, "peak_rss_mb": peak_rss_mb()}
    sys.stdout.write("RESULT " + json.dumps(result) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tool", choices=["invest", "cityweave"], required=True)
    parser.add_argument("--model", choices=sorted(INVEST_MODULES), required=True)
    parser.add_argument("--args", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    options = parser.parse_args()
    args = json.loads(options.args.read_text())
    options.out.mkdir(parents=True, exist_ok=True)
    if options.tool == "invest":
        run_invest(options.model, args, options.out)
    else:
        run_cityweave(options.model, args, options.out)


if __name__ == "__main__":
    main()
