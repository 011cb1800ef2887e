"""Values per land-cover class, looked up for every cell: InVEST's ``reclassify_raster``."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from cityweave.engine.errors import EngineInputError


def missing_codes(codes: np.ndarray, valid: np.ndarray, known: Mapping[int, object]) -> list[int]:
    present = np.unique(codes[valid])
    return sorted(int(code) for code in present if int(code) not in known)


def reclassify(
    codes: np.ndarray,
    valid: np.ndarray,
    values: Mapping[int, float],
    *,
    raster: str,
    table: str,
    nodata: float,
) -> np.ndarray:
    """``values[code]`` for every valid cell (float64), ``nodata`` elsewhere.

    Raises ``EngineInputError`` listing every code of ``raster`` that ``table`` lacks."""
    missing = missing_codes(codes, valid, values)
    if missing:
        listed = ", ".join(str(code) for code in missing[:50])
        raise EngineInputError(
            table, f"has no row for the land-cover codes {listed} found in {raster}"
        )
    keys = np.array(sorted(values), dtype=np.int64)
    table_values = np.array([values[int(k)] for k in keys], dtype=np.float64)
    out = np.full(codes.shape, nodata, dtype=np.float64)
    index = np.searchsorted(keys, codes[valid])
    out[valid] = table_values[index]
    return out
