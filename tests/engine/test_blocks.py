"""Block-by-block runs on dask arrays equal the in-memory runs: on local threads, and on a
two-worker ``dask.distributed`` cluster reached through ``DASK_SCHEDULER``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio.raw
import pytest
import shapely
from rasterio.crs import CRS

from cityweave.engine import io
from cityweave.engine.errors import EngineInputError
from cityweave.engine.models import (
    access,
    access_blocks,
    carbon,
    carbon_blocks,
    cooling,
    runoff,
    stormwater,
    stormwater_blocks,
)
from tests.engine.conftest import read_tif, write_csv, write_tif

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "invest"


def fixture_args(name: str, tmp_path: Path) -> dict[str, Any]:
    folder = FIXTURES / name
    meta = json.loads((folder / "invest.json").read_text())
    inputs = tmp_path / "inputs"
    shutil.copytree(folder / "inputs", inputs)
    return {
        key: inputs / value if isinstance(value, str) and (inputs / value).exists() else value
        for key, value in meta["args"].items()
    }


def fields(path: Path) -> dict[str, np.ndarray]:
    meta, _, _, columns = pyogrio.raw.read(path)
    return {
        name: np.asarray(values, dtype=np.float64)
        for name, values in zip(meta["fields"], columns, strict=True)
    }


def assert_same_results(memory: Path, blocked: Path) -> None:
    for name in ("T_air.tif", "hm.tif", "cc.tif"):
        ours, nodata = read_tif(blocked / name)
        reference, _ = read_tif(memory / name)
        np.testing.assert_array_equal(ours == nodata, reference == nodata, err_msg=name)
        known = reference != nodata
        # The FFT's single-precision round-off differs between a block and the whole array.
        np.testing.assert_allclose(ours[known], reference[known], atol=1e-5, err_msg=name)
    for stem in ("uhi_results", "buildings_with_stats"):
        if not (memory / f"{stem}.shp").exists():
            continue
        reference, ours = fields(memory / f"{stem}.shp"), fields(blocked / f"{stem}.shp")
        for field, values in reference.items():
            # Savings scale with T_ref + UHI_max - T_air: a difference of degrees, so the
            # temperature's round-off weighs a little more there.
            np.testing.assert_allclose(ours[field], values, rtol=1e-5, err_msg=field)


def run_both(
    args: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, Path]:
    parsed = cooling.CoolingArgs.from_invest(args)
    memory, blocked = tmp_path / "memory", tmp_path / "blocked"
    cooling.run(parsed, memory)
    # Every raster goes block by block, in blocks of 24 x 24 cells: the 64 x 64 city is cut
    # into nine, and the kernels (50 cells) reach past several blocks.
    monkeypatch.setenv("CITYWEAVE_ENGINE_MAX_CELLS", "1")
    monkeypatch.setenv("CITYWEAVE_ENGINE_CHUNK", "24")
    cooling.run(parsed, blocked)
    return memory, blocked


@pytest.mark.parametrize("name", ["urban_cooling_model", "urban_cooling_model_intensity"])
def test_cooling_block_by_block_equals_the_whole_array(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    memory, blocked = run_both(fixture_args(name, tmp_path), tmp_path, monkeypatch)
    assert_same_results(memory, blocked)


def test_cooling_on_a_two_worker_cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from distributed import LocalCluster

    args = fixture_args("urban_cooling_model", tmp_path)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        monkeypatch.setenv("DASK_SCHEDULER", cluster.scheduler_address)
        memory, blocked = tmp_path / "memory", tmp_path / "blocked"
        monkeypatch.setenv("CITYWEAVE_ENGINE_CHUNK", "24")
        cooling.run(cooling.CoolingArgs.from_invest(args), blocked)
    monkeypatch.delenv("DASK_SCHEDULER")
    cooling.run(cooling.CoolingArgs.from_invest(args), memory)
    assert_same_results(memory, blocked)


def test_an_unreachable_scheduler_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASK_SCHEDULER", "tcp://127.0.0.1:9")
    args = cooling.CoolingArgs.from_invest(fixture_args("urban_cooling_model", tmp_path))
    with pytest.raises(EngineInputError, match="DASK_SCHEDULER: no scheduler at"):
        cooling.run(args, tmp_path / "out")


def test_a_bad_block_size_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITYWEAVE_ENGINE_MAX_CELLS", "1")
    monkeypatch.setenv("CITYWEAVE_ENGINE_CHUNK", "big")
    args = cooling.CoolingArgs.from_invest(fixture_args("urban_cooling_model", tmp_path))
    with pytest.raises(EngineInputError, match="CITYWEAVE_ENGINE_CHUNK: 'big' is not a whole"):
        cooling.run(args, tmp_path / "out")


def runoff_both(
    args: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: str = "20"
) -> tuple[Path, Path]:
    parsed = runoff.RunoffArgs.from_invest(args)
    memory, blocked = tmp_path / "memory", tmp_path / "blocked"
    first = runoff.run(parsed, memory)
    monkeypatch.setenv("CITYWEAVE_ENGINE_MAX_CELLS", "1")
    monkeypatch.setenv("CITYWEAVE_ENGINE_CHUNK", chunk)
    second = runoff.run(parsed, blocked)
    for name, value in first.summary.items():
        assert second.summary[name] == pytest.approx(value, rel=1e-12), name
    return memory, blocked


def test_runoff_block_by_block_equals_the_whole_array(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = fixture_args("urban_flood_risk_mitigation", tmp_path)
    memory, blocked = runoff_both(args, tmp_path, monkeypatch)
    for path in sorted(memory.rglob("*.tif")):
        ours, _ = read_tif(blocked / path.relative_to(memory))
        np.testing.assert_array_equal(ours, read_tif(path)[0], err_msg=path.name)
    reference, ours = (
        fields(memory / "flood_risk_service.shp"),
        fields(blocked / "flood_risk_service.shp"),
    )
    for field, values in reference.items():
        np.testing.assert_allclose(ours[field], values, rtol=1e-12, err_msg=field)


def test_runoff_blocks_warp_soils_on_another_grid_like_the_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Soil groups on 30 m cells offset from the 10 m land cover: every block is warped on its
    # own (mode), and must give the whole-array warp's cells.
    args = fixture_args("urban_flood_risk_mitigation", tmp_path)
    soils = np.random.default_rng(4).integers(1, 5, (17, 17)).astype(np.int16)
    args["soils_hydrological_group_raster_path"] = write_tif(
        tmp_path / "soils_30m.tif", soils, cell=30.0, nodata=-1, origin=(499_985.0, 5_000_013.0)
    )
    memory, blocked = runoff_both(args, tmp_path, monkeypatch, chunk="16")
    for name in ("Q_mm.tif", "Runoff_retention_m3.tif"):
        np.testing.assert_array_equal(read_tif(blocked / name)[0], read_tif(memory / name)[0])


# --- carbon ---------------------------------------------------------------------------------


def blocked_runs(module: Any, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The grids the module's block-by-block ``run`` is called on, from now on."""
    calls: list[Any] = []
    original = module.run

    def run(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[2])
        return original(*args, **kwargs)

    monkeypatch.setattr(module, "run", run)
    return calls


@pytest.mark.parametrize("sequestration", [True, False])
def test_carbon_block_by_block_equals_the_whole_array(
    sequestration: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    invest = fixture_args("carbon", tmp_path)
    if not sequestration:
        invest = {**invest, "calc_sequestration": False, "do_valuation": False}
    args = carbon.CarbonArgs.from_invest(invest)
    steps: list[tuple[int, int]] = []
    memory, blocked = tmp_path / "memory", tmp_path / "blocked"
    calls = blocked_runs(carbon_blocks, monkeypatch)
    first = carbon.run(args, memory)
    assert not calls
    # Blocks of 10 x 10 cells: the 48 x 48 city is cut into 25, the last row and column of
    # blocks 8 cells wide.
    monkeypatch.setenv("CITYWEAVE_ENGINE_MAX_CELLS", "1")
    monkeypatch.setenv("CITYWEAVE_ENGINE_CHUNK", "10")
    second = carbon.run(args, blocked, progress=lambda done, total: steps.append((done, total)))
    assert len(calls) == 1
    assert steps[-1][0] == steps[-1][1] == carbon.steps_of(args)
    assert list(second.files) == list(first.files)
    assert second.summary == first.summary  # counts per class added up: equal, not close
    names = ["c_storage_bas", "c_storage_alt", "c_change_bas_alt", "npv_alt"]
    if not sequestration:
        names = names[:1]
    assert list(first.summary) == [f"{n}_mg" if n.startswith("c_") else n for n in names]
    for name in names:
        ours, nodata = read_tif(blocked / f"{name}.tif")
        reference, reference_nodata = read_tif(memory / f"{name}.tif")
        assert nodata == reference_nodata
        assert (reference == nodata).any() and (reference != nodata).any(), name
        np.testing.assert_array_equal(ours, reference, err_msg=name)
    assert (blocked / "raster_values_summary.csv").read_text() == (
        memory / "raster_values_summary.csv"
    ).read_text()


def test_carbon_blocks_name_the_missing_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    invest = fixture_args("carbon", tmp_path)
    codes = np.arange(48 * 48, dtype=np.int16).reshape(48, 48) % 9 + 1
    codes[40, 41] = 77  # in the last block only
    invest["lulc_alt_path"] = write_tif(tmp_path / "alt.tif", codes, nodata=-1)
    monkeypatch.setenv("CITYWEAVE_ENGINE_MAX_CELLS", "1")
    monkeypatch.setenv("CITYWEAVE_ENGINE_CHUNK", "10")
    with pytest.raises(EngineInputError, match=r"has no row for the land-cover codes 77 found"):
        carbon.run(carbon.CarbonArgs.from_invest(invest), tmp_path / "out")


# --- stormwater -----------------------------------------------------------------------------

# Rasters that do not depend on the adjusted ratio: the cells of a block are those of the whole.
STORMWATER_EXACT = ("retention_ratio", "percolation_ratio", "percolation_volume")


def stormwater_both(
    args: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: str
) -> tuple[Any, Any, Path, Path]:
    parsed = stormwater.StormwaterArgs.from_invest(args)
    memory, blocked = tmp_path / "memory", tmp_path / "blocked"
    calls = blocked_runs(stormwater_blocks, monkeypatch)
    first = stormwater.run(parsed, memory)
    assert not calls
    monkeypatch.setenv("CITYWEAVE_ENGINE_MAX_CELLS", "1")
    monkeypatch.setenv("CITYWEAVE_ENGINE_CHUNK", chunk)
    second = stormwater.run(parsed, blocked)
    assert len(calls) == 1
    return first, second, memory, blocked


def assert_same_stormwater(first: Any, second: Any, memory: Path, blocked: Path) -> None:
    adjusted = "adjusted_retention_ratio" in first.files
    # Sums of the same cells in another order; with the adjustment, of ratios within the FFT's
    # round-off (equal to the last bit on the fixture, but not promised).
    rtol = 1e-6 if adjusted else 1e-12
    assert list(second.files) == list(first.files)
    assert list(second.summary) == list(first.summary)
    for name, value in first.summary.items():
        assert second.summary[name] == pytest.approx(value, rel=rtol, abs=1e-12), name
    assert sorted(p.name for p in blocked.glob("*.tif")) == sorted(
        p.name for p in memory.glob("*.tif")
    )
    for path in sorted(memory.glob("*.tif")):
        ours, nodata = read_tif(blocked / path.name)
        reference, reference_nodata = read_tif(path)
        assert nodata == reference_nodata
        np.testing.assert_array_equal(ours == nodata, reference == nodata, err_msg=path.name)
        if path.stem in STORMWATER_EXACT or not adjusted:
            np.testing.assert_array_equal(ours, reference, err_msg=path.name)
        else:  # the neighbourhood mean's FFT, on a block instead of the whole raster
            known = reference != nodata
            np.testing.assert_allclose(ours[known], reference[known], rtol=1e-6, err_msg=path.name)
    if "aggregate" in first.files:
        reference, ours = fields(first.files["aggregate"]), fields(second.files["aggregate"])
        assert list(ours) == list(reference)
        for field, values in reference.items():
            np.testing.assert_allclose(ours[field], values, rtol=rtol, atol=1e-12, err_msg=field)


def test_stormwater_block_by_block_equals_the_whole_array(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Blocks of 10 x 10 cells: the 48 x 48 city in 25, the 25 m radius (2.5 cells) reaching
    # into the next block; roads, connected classes, percolation, two pollutants, a value and
    # three areas, one reaching past the raster.
    args = fixture_args("stormwater", tmp_path)
    first, second, memory, blocked = stormwater_both(args, tmp_path, monkeypatch, "10")
    assert "adjusted_retention_ratio" in first.files and "aggregate" in first.files
    assert_same_stormwater(first, second, memory, blocked)


def test_stormwater_radius_reaching_past_several_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A 95 m radius (9.5 cells) on blocks of 4 cells: the neighbourhood mean and the "near"
    # disc span three blocks each way (dask merges blocks for the overlap, to 12 cells). One
    # short road in the north-west corner and no connected class, so most cells are adjusted.
    from shapely.geometry import LineString

    args = fixture_args("stormwater", tmp_path)
    table = Path(args["biophysical_table"])
    lines = table.read_text().splitlines()
    table.write_text("\n".join([lines[0]] + [row[:-1] + "0" for row in lines[1:]]) + "\n")
    roads = tmp_path / "one_road.geojson"
    road = LineString([(500_012.0, 4_999_995.0), (500_063.0, 4_999_958.0)])
    pyogrio.raw.write(
        roads,
        np.array([road.wkb], dtype=object),
        [],
        [],
        driver="GeoJSON",
        geometry_type="LineString",
        crs="EPSG:32633",
    )
    args = {**args, "retention_radius": 95.0, "road_centerlines_path": roads}
    first, second, memory, blocked = stormwater_both(args, tmp_path, monkeypatch, "4")
    adjusted, nodata = read_tif(memory / "adjusted_retention_ratio.tif")
    ratio, _ = read_tif(memory / "retention_ratio.tif")
    known = adjusted != nodata
    assert (adjusted[known] > ratio[known]).sum() > 1500  # of 2303 cells with a ratio
    assert (adjusted[known] == ratio[known]).sum() > 20  # near the road
    assert_same_stormwater(first, second, memory, blocked)


def test_stormwater_without_adjustment_is_exact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = {**fixture_args("stormwater", tmp_path), "adjust_retention_ratios": False}
    first, second, memory, blocked = stormwater_both(args, tmp_path, monkeypatch, "16")
    assert "adjusted_retention_ratio" not in first.files
    assert_same_stormwater(first, second, memory, blocked)


def test_stormwater_on_a_two_worker_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from distributed import LocalCluster

    parsed = stormwater.StormwaterArgs.from_invest(fixture_args("stormwater", tmp_path))
    memory, blocked = tmp_path / "memory", tmp_path / "blocked"
    first = stormwater.run(parsed, memory)
    calls = blocked_runs(stormwater_blocks, monkeypatch)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        monkeypatch.setenv("DASK_SCHEDULER", cluster.scheduler_address)
        monkeypatch.setenv("CITYWEAVE_ENGINE_CHUNK", "16")
        second = stormwater.run(parsed, blocked)
    assert len(calls) == 1
    assert_same_stormwater(first, second, memory, blocked)


def test_stormwater_blocks_warp_precipitation_on_another_grid_like_the_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Precipitation on 30 m cells offset from the 10 m land cover: every block is warped on its
    # own (nearest), and must give the whole-array warp's cells.
    args = fixture_args("stormwater", tmp_path)
    rain = np.random.default_rng(7).uniform(400, 1400, (18, 18)).astype(np.float32)
    rain[3, 4] = -1  # nodata
    args["precipitation_path"] = write_tif(
        tmp_path / "rain_30m.tif", rain, cell=30.0, nodata=-1, origin=(499_985.0, 5_000_013.0)
    )
    first, second, memory, blocked = stormwater_both(args, tmp_path, monkeypatch, "16")
    assert_same_stormwater(first, second, memory, blocked)


def test_stormwater_blocks_name_bad_soil_groups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = fixture_args("stormwater", tmp_path)
    soils, _ = read_tif(Path(args["soil_group_path"]))
    soils[45, 2] = 5  # in a block of the last row only
    args["soil_group_path"] = write_tif(tmp_path / "soils_5.tif", soils, nodata=-1)
    monkeypatch.setenv("CITYWEAVE_ENGINE_MAX_CELLS", "1")
    monkeypatch.setenv("CITYWEAVE_ENGINE_CHUNK", "10")
    with pytest.raises(EngineInputError, match=r"soils_5\.tif: holds soil groups 5; expected"):
        stormwater.run(stormwater.StormwaterArgs.from_invest(args), tmp_path / "out")


# --- urban nature access --------------------------------------------------------------------

ACCESS_TABLE = (
    "lucode,urban_nature,search_radius_m\n1,1,400\n2,0.8,340\n4,0.25,260\n5,0,\n6,0.1,400\n"
)
ACCESS_GROUPS = "pop_group,search_radius_m\npop_kids,340\npop_adults,400\npop_old,260\n"


def access_city(folder: Path, *, people_cell: float = 20.0) -> dict[str, Any]:
    """A 64 x 64 city of 20 m cells (blocks of 16 cut it in 16): nature of classes 1, 4 and 6
    scattered, no nature (5) elsewhere, a few land-cover and people cells unknown. Its green
    spaces (class 1, 13 cells make 0.5 ha) join only across block corners and edges: an
    anti-diagonal of 13 cells over the corner of blocks (0, 1) and (1, 0), a diagonal over
    the corner of blocks (2, 2) and (3, 3), a bar across two blocks; 12 cells straddling a
    block edge are too few. Three admin units with pop_ shares, and a sliver covering no cell
    centre (the cells under its box count)."""
    rng = np.random.default_rng(11)
    lulc = rng.choice(np.array([4, 5, 6], dtype=np.int16), (64, 64), p=[0.3, 0.6, 0.1])
    for r in range(9, 22):
        lulc[r, 31 - r] = 1
    for r in range(42, 55):
        lulc[r, r] = 1
    lulc[5, 40:61] = 1
    lulc[30:33, 46:50] = 1
    lulc[46:49, 14:18] = 2  # green (0.8), but 12 cells across four blocks: too few
    lulc[0:3, 0:3] = -1
    people = rng.uniform(0, 40, (64, 64)).astype(np.float32)
    people[rng.random((64, 64)) < 0.03] = -1
    people[20:26, 50:60] = 0.0
    origin = (500_000.0, 5_000_000.0)
    if people_cell != 20.0:  # the people on another grid: density-warped, block by block
        size = int(np.ceil(64 * 20 / people_cell)) + 1
        people = rng.uniform(0, 40 * (people_cell / 20) ** 2, (size, size)).astype(np.float32)
        people[3, 4] = -1
        origin = (499_990.0, 5_000_007.0)
    x0, y1 = 500_000.0, 5_000_000.0
    units = [
        shapely.box(x0, y1 - 700, x0 + 700, y1),
        shapely.box(x0 + 700, y1 - 1280, x0 + 1400, y1 + 50),
        shapely.box(x0 - 100, y1 - 1280, x0 + 700, y1 - 700),
        shapely.box(x0 + 101, y1 - 109, x0 + 105, y1 - 101),  # a sliver: no cell centre
    ]
    shares = {
        "pop_kids": [0.2, 0.3, 0.25, 0.1],
        "pop_adults": [0.6, 0.5, 0.55, 0.8],
        "pop_old": [0.2, 0.2, 0.2, 0.1],
    }
    layer = io.Polygons(
        units, {k: np.array(v) for k, v in shares.items()}, CRS.from_epsg(32633), "admin"
    )
    return {
        "lulc_raster_path": write_tif(folder / "lulc.tif", lulc, cell=20.0, nodata=-1),
        "lulc_attribute_table": write_csv(folder / "nature.csv", ACCESS_TABLE),
        "population_raster_path": write_tif(
            folder / "people.tif", people, cell=people_cell, nodata=-1, origin=origin
        ),
        "admin_boundaries_vector_path": io.write_polygons(folder / "admin.shp", layer, {}),
        "population_group_radii_table": write_csv(folder / "groups.csv", ACCESS_GROUPS),
        "urban_nature_demand": 2.0,
        "keep_intermediate": True,
    }


def assert_same_access(first: Any, second: Any, memory: Path, blocked: Path) -> None:
    assert sorted(second.files) == sorted(first.files)
    assert list(second.summary) == list(first.summary)
    for name, value in first.summary.items():
        assert second.summary[name] == pytest.approx(value, rel=1e-6), name
    rasters = sorted(path.relative_to(memory) for path in memory.rglob("*.tif"))
    assert rasters == sorted(path.relative_to(blocked) for path in blocked.rglob("*.tif"))
    assert len(rasters) >= 10
    for relative in rasters:
        ours, nodata = read_tif(blocked / relative)
        reference, reference_nodata = read_tif(memory / relative)
        name = str(relative)
        assert nodata == reference_nodata and ours.dtype == reference.dtype, name
        np.testing.assert_array_equal(ours == nodata, reference == nodata, err_msg=name)
        known = reference != nodata
        assert known.any(), name
        if reference.dtype == np.uint8:  # the WHO indicator: 1 or 0
            np.testing.assert_array_equal(ours, reference, err_msg=name)
            continue
        # Float64 FFTs on a block instead of the whole raster, stored as float32.
        scale = float(np.abs(reference[known]).max())
        np.testing.assert_allclose(
            ours[known], reference[known], rtol=1e-5, atol=1e-6 * scale, err_msg=name
        )
    if "admin_boundaries" in first.files:
        reference = fields(first.files["admin_boundaries"])
        ours = fields(second.files["admin_boundaries"])
        assert list(ours) == list(reference)
        for field, values in reference.items():
            np.testing.assert_allclose(ours[field], values, rtol=1e-5, atol=1e-9, err_msg=field)


def access_both(
    args: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: str = "16"
) -> tuple[Any, Any, Path, Path]:
    parsed = access.AccessArgs.from_invest(args)
    memory, blocked = tmp_path / "memory", tmp_path / "blocked"
    calls = blocked_runs(access_blocks, monkeypatch)
    first = access.run(parsed, memory)
    assert not calls
    monkeypatch.setenv("CITYWEAVE_ENGINE_MAX_CELLS", "1")
    monkeypatch.setenv("CITYWEAVE_ENGINE_CHUNK", chunk)
    steps: list[tuple[int, int]] = []
    second = access.run(parsed, blocked, progress=lambda done, total: steps.append((done, total)))
    assert len(calls) == 1
    assert steps[-1][0] == steps[-1][1]
    return first, second, memory, blocked


@pytest.mark.parametrize(
    ("mode", "decay", "extra"),
    [
        # 330 m = 16.5 cells; the exponential kernel reaches 2 x 17 + 1 = 35 cells: three blocks.
        ("uniform radius", "exponential", {"search_radius": 330.0, "aggregate_by_pop_group": True}),
        # 260, 340 and 400 m (13, 17 and 20 cells) per class.
        ("radius per urban nature class", "gaussian", {}),
        # 260, 340 and 400 m per group, and the admin units' pop_ shares.
        ("radius per population group", "density", {}),
    ],
)
def test_access_block_by_block_equals_the_whole_array(
    mode: str, decay: str, extra: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = {
        **access_city(tmp_path),
        "search_radius_mode": mode,
        "decay_function": decay,
        **extra,
    }
    first, second, memory, blocked = access_both(args, tmp_path, monkeypatch)
    assert_same_access(first, second, memory, blocked)
    # The WHO indicator is no foregone conclusion: some people are within 300 m of a green
    # space, some are not, and the two diagonals are green spaces only when joined across
    # the blocks' corners (each of their halves alone is too small).
    who, nodata = read_tif(memory / "who_green_space_access.tif")
    assert 0.2 < first.summary["who_share_within_300m"] < 0.9
    assert who[(who != nodata)].min() == 0 and who[6, 6] == who[60, 50] == 1
    admin = fields(first.files["admin_boundaries"])
    assert not np.isnan(admin["SUP_DEMadm_cap"][3])
    assert admin["WHO_pop_adm"][3] > 0  # the sliver: the cell under its box


def test_access_blocks_warp_people_on_another_grid_like_the_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # People on 30 m cells offset from the 20 m land cover: every block density-warps a window
    # of the file, and must give the whole-array warp's counts. A dichotomy of 250 m.
    args = {
        **access_city(tmp_path, people_cell=30.0),
        "search_radius_mode": "uniform radius",
        "decay_function": "dichotomy",
        "search_radius": 250.0,
    }
    first, second, memory, blocked = access_both(args, tmp_path, monkeypatch, chunk="20")
    assert_same_access(first, second, memory, blocked)


def test_access_blocks_name_the_missing_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = {
        **access_city(tmp_path),
        "search_radius_mode": "uniform radius",
        "decay_function": "dichotomy",
        "search_radius": 100.0,
    }
    lulc, _ = read_tif(Path(args["lulc_raster_path"]))
    lulc[50, 61] = 77  # in the last block only
    args["lulc_raster_path"] = write_tif(tmp_path / "lulc_77.tif", lulc, cell=20.0, nodata=-1)
    monkeypatch.setenv("CITYWEAVE_ENGINE_MAX_CELLS", "1")
    monkeypatch.setenv("CITYWEAVE_ENGINE_CHUNK", "16")
    with pytest.raises(EngineInputError, match=r"has no row for the land-cover codes 77 found"):
        access.run(access.AccessArgs.from_invest(args), tmp_path / "out")


def test_access_on_a_two_worker_cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from distributed import LocalCluster

    args = {
        **access_city(tmp_path),
        "search_radius_mode": "uniform radius",
        "decay_function": "gaussian",
        "search_radius": 400.0,
    }
    parsed = access.AccessArgs.from_invest(args)
    memory, blocked = tmp_path / "memory", tmp_path / "blocked"
    first = access.run(parsed, memory)
    calls = blocked_runs(access_blocks, monkeypatch)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        monkeypatch.setenv("DASK_SCHEDULER", cluster.scheduler_address)
        monkeypatch.setenv("CITYWEAVE_ENGINE_CHUNK", "32")
        second = access.run(parsed, blocked)
    assert len(calls) == 1
    assert_same_access(first, second, memory, blocked)


def test_a_block_source_of_codes_refuses_fractional_values(tmp_path: Path) -> None:
    from cityweave.engine import blocks

    path = write_tif(tmp_path / "lulc.tif", np.full((4, 4), 1.5, dtype=np.float32), nodata=None)
    grid = io.read_raster(path).grid
    assert blocks.Source.open(path, grid, "nearest").dtype == "float32"  # values: allowed
    with pytest.raises(EngineInputError, match=r"lulc\.tif: holds float32 values; expected int"):
        blocks.Source.open(path, grid, "mode", integer=True)
