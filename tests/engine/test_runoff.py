"""Storm runoff on small rasters with the numbers worked out by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyogrio.raw
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
            "keep_intermediate": True,
        }
    )


def test_intermediate_rasters_only_on_request(folder: Path) -> None:
    plain = runoff.RunoffArgs.from_invest({**args(folder).__dict__, "keep_intermediate": False})
    result = runoff.run(plain, folder / "out")
    assert sorted(p.name for p in (folder / "out").rglob("*.tif")) == [
        "Q_mm.tif",
        "Runoff_retention_index.tif",
        "Runoff_retention_m3.tif",
    ]
    assert result.summary["flood_vol"] > 0  # totals still cover every output


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


def test_soil_groups_on_a_coarser_grid_are_aligned_to_the_land_cover(folder: Path) -> None:
    """One soil cell of 20 m, group C, under the four 10 m land-cover cells: each takes it
    (mode), so CN = cn_c: 80 for lucode 1 (Q 50.539125 mm) and 98 for lucode 2 (94.037598)."""
    base = args(folder)
    write_tif(folder / "soil.tif", np.array([[3]], dtype=np.uint8), cell=20.0)
    result = runoff.run(base, folder / "out")
    q, _ = read_tif(result.files["Q_mm"])
    np.testing.assert_allclose(q, [[50.539125, 50.539125], [50.539125, 94.037598]], rtol=1e-5)


def test_outputs_cover_the_watersheds_box_as_in_invest(folder: Path) -> None:
    """InVEST intersects the watersheds' box with the rasters': a watershed over the west
    column (x 500000.01-500009.99) leaves one column, its two cells Q 0 and 50.539125 mm."""
    from rasterio.crs import CRS
    from shapely.geometry import box

    from cityweave.engine import io

    west = box(500_000, 4_999_980, 500_010, 5_000_000).buffer(-0.01, join_style="mitre")
    layer = io.Polygons([west], {"ws_id": np.array([1], dtype=np.int32)}, CRS.from_epsg(32633), "")
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
    q, _ = read_tif(result.files["Q_mm"])
    np.testing.assert_allclose(q, [[0.0], [50.539125]], rtol=1e-5, atol=1e-6)


UFRM = Path(__file__).resolve().parent / "fixtures" / "align" / "urban_flood_risk_mitigation"


def test_soil_groups_in_another_utm_zone_match_invest(folder: Path) -> None:
    """InVEST 3.20.2 (GDAL 3.6.2) with the soil groups in UTM 34N at 30 m and two watersheds
    covering part of the land cover (``benchmarks/align_fixtures.py``). Same grid; every cell
    both compute within 1e-5. GDAL 3.6's mode resampling also fills some cells whose centres
    lie outside the soil raster, at its west edge (GDAL 3.10, which the engine uses, leaves
    them nodata, as nearest neighbour does): the test checks that those are the only
    differences and that they account for the whole difference of the watershed they touch."""
    import json
    import shutil

    import pyogrio.raw
    import rasterio
    import shapely
    from rasterio.warp import transform

    meta = json.loads((UFRM.parent / "align.json").read_text())
    assert meta["invest_version"] == "3.20.2"
    inputs = folder / "inputs"
    shutil.copytree(UFRM / "inputs", inputs)
    invest_args = meta["cases"]["urban_flood_risk_mitigation"]["args"]
    result = runoff.run(
        runoff.RunoffArgs.from_invest(
            {k: inputs / v if isinstance(v, str) else v for k, v in invest_args.items()}
        ),
        folder / "out",
    )
    extra: np.ndarray | None = None
    for name in ("Q_mm", "Runoff_retention_index", "Runoff_retention_m3"):
        with (
            rasterio.open(result.files[name]) as a,
            rasterio.open(UFRM / "outputs" / f"{name}.tif") as b,
        ):
            assert (a.width, a.height, a.transform) == (b.width, b.height, b.transform)
            ours, theirs = a.read(1), b.read(1)
            ours_valid, theirs_valid = ours != a.nodata, theirs != b.nodata
            grid_transform = a.transform
        assert not (ours_valid & ~theirs_valid).any()
        both = ours_valid & theirs_valid
        np.testing.assert_allclose(ours[both], theirs[both], rtol=1e-5, atol=1e-6, err_msg=name)
        extra = theirs_valid & ~ours_valid
    assert extra is not None and 0 < extra.sum() < 0.1 * extra.size
    # The cells only InVEST filled: centres outside the soil raster, within 1.5 of its cells.
    rows, cols = np.nonzero(extra)
    xs, ys = rasterio.transform.xy(grid_transform, rows, cols)
    with rasterio.open(inputs / "soils.tif") as soil:
        sx, sy = transform(rasterio.crs.CRS.from_epsg(32633), soil.crs, xs, ys)
        col, row = ~soil.transform * (np.array(sx), np.array(sy))
        width, height = soil.width, soil.height
    outside = (col < 0) | (row < 0) | (col >= width) | (row >= height)
    assert outside.all()
    assert (col > -1.5).all() and (row > -1.5).all() and (col < width + 1.5).all()

    def fields(path: Path) -> dict[str, np.ndarray]:
        meta_, _, _, columns = pyogrio.raw.read(path)
        return dict(zip(meta_["fields"], columns, strict=True))

    ours_ws = fields(result.files["flood_risk_service"])
    theirs_ws = fields(UFRM / "outputs" / "flood_risk_service.shp")
    _, _, wkb, _ = pyogrio.raw.read(inputs / "watersheds.geojson")
    polygons = shapely.from_wkb(wkb)
    with rasterio.open(UFRM / "outputs" / "Q_mm.tif") as q_mm:
        invest_q = q_mm.read(1)
    with rasterio.open(UFRM / "outputs" / "Runoff_retention_m3.tif") as retention:
        invest_retention = retention.read(1)
    for i, polygon in enumerate(polygons):
        inside = shapely.contains_xy(polygon, np.array(xs), np.array(ys))
        # Q m3 = Q mm x 100 m² / 1000
        missing_runoff = float(invest_q[rows[inside], cols[inside]].astype(np.float64).sum()) * 0.1
        missing_retention = float(invest_retention[rows[inside], cols[inside]].sum())
        assert ours_ws["flood_vol"][i] + missing_runoff == pytest.approx(
            theirs_ws["flood_vol"][i], rel=1e-5
        )
        assert ours_ws["rnf_rt_m3"][i] + missing_retention == pytest.approx(
            theirs_ws["rnf_rt_m3"][i], rel=1e-5
        )


def test_damage_to_buildings_per_watershed(folder: Path) -> None:
    # Two watersheds, the raster's west and east halves (10 m cells, x from 500,000 to 500,020).
    # A 10 x 4 m building of type 1 (damage 100/m²) straddles them at x = 500,005..500,015: 20 m²
    # in each. A 2 x 2 m one of type 2 (damage 50/m²) lies in the east one.
    from rasterio.crs import CRS
    from shapely.geometry import box

    from cityweave.engine import io

    x0, y1 = 500_000.0, 5_000_000.0
    halves = [box(x0, y1 - 20, x0 + 10, y1), box(x0 + 10, y1 - 20, x0 + 20, y1)]
    crs = CRS.from_epsg(32633)
    sheds = io.write_polygons(
        folder / "ws.shp", io.Polygons(halves, {"ws_id": np.array([1, 2])}, crs, ""), {}
    )
    houses = [box(x0 + 5, y1 - 8, x0 + 15, y1 - 4), box(x0 + 16, y1 - 18, x0 + 18, y1 - 16)]
    built = io.write_polygons(
        folder / "b.shp", io.Polygons(houses, {"type": np.array([1, 2])}, crs, ""), {}
    )
    damage = write_csv(folder / "damage.csv", "type,damage\n1,100\n2,50")
    base = args(folder).__dict__
    result_args = runoff.RunoffArgs.from_invest(
        {
            **base,
            "aoi_watersheds_path": sheds,
            "built_infrastructure_vector_path": built,
            "infrastructure_damage_loss_table_path": damage,
        }
    )
    runoff.run(result_args, folder / "out")
    meta, _, _, columns = pyogrio.raw.read(folder / "out" / "flood_risk_service.shp")
    fields = dict(zip(meta["fields"], columns, strict=True))
    # West: 20 m² x 100 = 2000. East: 20 m² x 100 + 4 m² x 50 = 2200.
    np.testing.assert_allclose(fields["aff_bld"], [2000.0, 2200.0])
    np.testing.assert_allclose(fields["serv_blt"], fields["aff_bld"] * fields["rnf_rt_m3"])


def test_an_unknown_building_type_is_named(folder: Path) -> None:
    from rasterio.crs import CRS
    from shapely.geometry import box

    from cityweave.engine import io

    crs = CRS.from_epsg(32633)
    shed = box(500_000.0, 4_999_980.0, 500_020.0, 5_000_000.0)
    sheds = io.write_polygons(
        folder / "ws.shp", io.Polygons([shed], {"id": np.array([1])}, crs, ""), {}
    )
    built = io.write_polygons(
        folder / "b.shp", io.Polygons([shed.buffer(-5)], {"type": np.array([7])}, crs, ""), {}
    )
    parsed = runoff.RunoffArgs.from_invest(
        {
            **args(folder).__dict__,
            "aoi_watersheds_path": sheds,
            "built_infrastructure_vector_path": built,
            "infrastructure_damage_loss_table_path": write_csv(
                folder / "d.csv", "type,damage\n1,5"
            ),
        }
    )
    with pytest.raises(EngineInputError, match="building types 7"):
        runoff.run(parsed, folder / "out")
