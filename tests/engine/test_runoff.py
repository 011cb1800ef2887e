"""Storm runoff on small rasters with the numbers worked out by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cityweave.engine.errors import EngineInputError
from cityweave.engine.models import runoff
from tests.engine.conftest import read_tif, write_csv, write_tif

CURVE_NUMBERS = """
lucode,cn_a,cn_b,cn_c,cn_d
1,30,40,80,98
2,98,98,98,98
"""
LULC = np.array([[1, 1], [1, 2]], dtype=np.uint8)
SOIL = np.array([[1, 2], [3, 4]], dtype=np.uint8)
# P = 100 mm. Per cell (CN → S = 25400/CN - 254 → Q = (P - 0.2S)^2 / (P + 0.8S)):
#   CN 30: S = 592.667, 0.2 S = 118.53 > P → Q = 0, R = 1
#   CN 40: S = 381,     Q = 23.8^2 / 404.8 = 1.399308
#   CN 80: S = 63.5,    Q = 87.3^2 / 150.8 = 50.539125   (lucode 1, soil C)
#   CN 98: S = 5.183673, Q = 98.963265^2 / 104.146939 = 94.037... (lucode 2, soil D)
EXPECTED_Q = np.array([[0.0, 1.399308], [50.539125, 94.037598]])


def args(folder: Path, rainfall: float = 100.0) -> runoff.RunoffArgs:
    return runoff.RunoffArgs.from_invest(
        {
            "lulc_path": write_tif(folder / "lulc.tif", LULC),
            "soils_hydrological_group_raster_path": write_tif(folder / "soil.tif", SOIL),
            "rainfall_depth": rainfall,
            "curve_number_table_path": write_csv(folder / "cn.csv", CURVE_NUMBERS),
        }
    )


def test_runoff_retention_and_volumes(folder: Path) -> None:
    result = runoff.run(args(folder), folder / "out")
    q, _ = read_tif(result.files["Q_mm"])
    np.testing.assert_allclose(q, EXPECTED_Q, rtol=1e-5)
    index, _ = read_tif(result.files["Runoff_retention_index"])
    np.testing.assert_allclose(index, 1 - EXPECTED_Q / 100, rtol=1e-5)
    # Cells of 100 m²: retention volume = R x 100 mm x 100 m² = R x 10 m³
    volume, _ = read_tif(result.files["Runoff_retention_m3"])
    np.testing.assert_allclose(volume, (1 - EXPECTED_Q / 100) * 10, rtol=1e-5)
    assert result.summary["flood_vol"] == pytest.approx(EXPECTED_Q.sum() * 0.1, rel=1e-5)
    cn, _ = read_tif(result.files["cn_raster"])
    np.testing.assert_array_equal(cn, [[30, 40], [80, 98]])


def test_curve_number_zero_holds_everything() -> None:
    s = runoff.potential_retention(np.array([0.0, 100.0]))
    assert s[0] == runoff.S_MAX_FOR_CN_0 and s[1] == 0.0
    q = runoff.storm_runoff(50.0, s)
    assert q[0] == 0.0 and q[1] == pytest.approx(50.0)  # CN 100: all of the storm runs off


def test_soil_groups_outside_a_to_d_are_refused(folder: Path) -> None:
    base = args(folder)
    write_tif(folder / "soil.tif", np.array([[1, 5], [3, 4]], dtype=np.uint8))
    with pytest.raises(EngineInputError, match=r"soil\.tif: holds soil groups 5"):
        runoff.run(base, folder / "out")


def test_a_curve_number_above_100_is_refused(folder: Path) -> None:
    base = args(folder)
    write_csv(folder / "cn.csv", CURVE_NUMBERS.replace("2,98,98,98,98", "2,98,98,180,98"))
    with pytest.raises(EngineInputError, match="lucode 2, cn_c: 180 is not a curve number"):
        runoff.run(base, folder / "out")


def test_rainfall_must_be_positive(folder: Path) -> None:
    with pytest.raises(EngineInputError, match="rainfall_depth: must be above 0 mm"):
        runoff.run(args(folder, rainfall=0), folder / "out")


@pytest.mark.parametrize("epsg", [32633, 4326])
def test_watersheds_sum_the_cells_whose_centres_they_hold(folder: Path, epsg: int) -> None:
    """Cells are 10 m; the raster's top-left corner is (500000, 5000000). A polygon over the
    west column holds cells (0,0) and (1,0): Q 0 and 50.539125 mm. Given in degrees
    (EPSG:4326), it is moved to the raster's projection first."""
    import pyogrio.raw
    from rasterio.crs import CRS
    from rasterio.warp import transform_geom
    from shapely.geometry import box, mapping, shape

    from cityweave.engine import io

    west = box(500_000, 4_999_980, 500_010, 5_000_000).buffer(-0.01)
    utm, crs = CRS.from_epsg(32633), CRS.from_epsg(epsg)
    polygon = west if crs == utm else shape(transform_geom(utm, crs, mapping(west)))
    layer = io.Polygons([polygon], {"ws_id": np.array([1], dtype=np.int32)}, crs, "test")
    aoi = io.write_polygons(folder / "aoi" / "watersheds.shp", layer, {})
    base = args(folder)
    result = runoff.run(
        runoff.RunoffArgs(
            base.lulc_path,
            base.soils_hydrological_group_raster_path,
            100.0,
            base.curve_number_table_path,
            aoi,
        ),
        folder / "out",
    )
    meta, _, _, columns = pyogrio.raw.read(result.files["flood_risk_service"])
    table = dict(zip(meta["fields"], columns, strict=True))
    # Q_m3 = Q mm x 100 m² / 1000: (0 + 50.539125) x 0.1 = 5.0539125 m³
    assert table["flood_vol"][0] == pytest.approx(5.0539125, rel=1e-5)
    # Mean retention index of the two cells: (1 + 0.49460875) / 2
    assert table["rnf_rt_idx"][0] == pytest.approx((1 + 0.49460875) / 2, rel=1e-5)
