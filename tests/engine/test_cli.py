"""``cityweave assess``: InVEST argument files and datastacks, relative paths, clear errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from tests.engine.conftest import read_tif, write_csv, write_tif
from tests.engine.test_carbon import BASE, POOLS


def assess(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cityweave.cli", "assess", *args], capture_output=True, text=True
    )


def test_a_datastack_with_relative_paths_runs(folder: Path) -> None:
    data = folder / "data"
    data.mkdir()
    write_tif(data / "lulc.tif", BASE)
    write_csv(data / "pools.csv", POOLS)
    stack = data / "carbon.invs.json"
    stack.write_text(
        json.dumps(
            {
                "invest_version": "3.20.2",
                "model_id": "carbon",
                "args": {"lulc_bas_path": "lulc.tif", "carbon_pools_path": "pools.csv"},
            }
        )
    )
    out = folder / "out"
    result = assess("carbon", "--config", str(stack), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "c_storage_bas_mg\t3.43" in result.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["summary"]["c_storage_bas_mg"] == 3.43
    values, _ = read_tif(out / "c_storage_bas.tif")
    assert values[1, 1] == np.float32(95)
    # A preview with a legend beside the raster: a real picture, several colours.
    from PIL import Image

    picture = Image.open(out / "c_storage_bas.png").convert("RGB")
    assert picture.size == (700, 600)
    assert len(np.unique(np.asarray(picture).reshape(-1, 3), axis=0)) > 50
    assert summary["previews"]["c_storage_bas"].endswith("c_storage_bas.png")


def test_errors_name_the_file_and_the_problem(folder: Path) -> None:
    config = folder / "args.json"
    config.write_text(json.dumps({"lulc_bas_path": "missing.tif", "carbon_pools_path": "p.csv"}))
    result = assess("carbon", "--config", str(config), "--out", str(folder / "out"))
    assert result.returncode == 2
    assert f"{config}: lulc_bas_path: {folder / 'missing.tif'} does not exist" in result.stderr
    other = folder / "flood.invs.json"
    other.write_text(json.dumps({"model_id": "urban_flood_risk_mitigation", "args": {}}))
    result = assess("carbon", "--config", str(other), "--out", str(folder / "out"))
    assert "is a datastack of the InVEST model 'urban_flood_risk_mitigation'" in result.stderr
