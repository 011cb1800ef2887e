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
from cityweave.engine.models import cooling, runoff
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
