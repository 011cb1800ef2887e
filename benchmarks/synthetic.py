"""Synthetic cities for the engine's comparisons with InVEST (numpy only, so both InVEST's venv
and CityWeave's can import it): land cover of ten classes in parcels of 2-8 cells, soil groups,
and tables in InVEST's columns. Deterministic for a seed."""

from __future__ import annotations

import numpy as np

CLASSES = 10


def land_cover(seed: int, size: int) -> np.ndarray:
    """Parcels of 2-8 cells, one class each; the first cell is nodata (-1)."""
    rng = np.random.default_rng(seed)
    rows = np.cumsum(rng.integers(2, 9, size))
    cols = np.cumsum(rng.integers(2, 9, size))
    row_band = np.searchsorted(rows, np.arange(size), side="right")
    col_band = np.searchsorted(cols, np.arange(size), side="right")
    parcels = rng.integers(1, CLASSES + 1, (row_band.max() + 1, col_band.max() + 1))
    lulc = parcels[row_band[:, None], col_band[None, :]].astype(np.int16)
    lulc[0, 0] = -1
    return lulc


def soil_groups(seed: int, size: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(1, 5, (size, size)).astype(np.int16)


def carbon_pools_csv(seed: int) -> str:
    rng = np.random.default_rng(seed)
    lines = ["lucode,c_above,c_below,c_soil,c_dead"]
    for code in range(1, CLASSES + 1):
        lines.append(f"{code}," + ",".join(f"{v:g}" for v in rng.uniform(0, 120, 4).round(3)))
    return "\n".join(lines) + "\n"


def curve_numbers_csv(seed: int) -> str:
    rng = np.random.default_rng(seed)
    lines = ["lucode,cn_a,cn_b,cn_c,cn_d"]
    for code in range(1, CLASSES + 1):
        base = float(rng.uniform(30, 90))
        values = [min(100.0, base + step * rng.uniform(3, 8)) for step in range(4)]
        lines.append(f"{code}," + ",".join(f"{v:.2f}" for v in values))
    return "\n".join(lines) + "\n"
