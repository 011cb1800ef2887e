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

from cityweave.engine.errors import EngineInputError
from cityweave.engine.models import (
    carbon,
    carbon_blocks,
    cooling,
    runoff,
    stormwater,
    stormwater_blocks,
)
from tests.engine.conftest import read_tif, write_tif

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
