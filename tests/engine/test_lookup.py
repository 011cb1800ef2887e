"""Per-class lookups: the direct table for 8- and 16-bit codes and the offset table for wider
ones give the same positions and name the same missing codes."""

from __future__ import annotations

import numpy as np
import pytest

from cityweave.engine.errors import EngineInputError
from cityweave.engine.lookup import class_index


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "uint16", "int32", "int64"])
def test_positions_of_codes_in_the_table(dtype: str) -> None:
    codes = np.array([[3, 7, 120], [7, 3, 0]], dtype=dtype)
    valid = codes != 0
    keys, index = class_index(codes, valid, {3: "a", 7: "b", 120: "c"}, raster="r", table="t")
    np.testing.assert_array_equal(keys, [3, 7, 120])
    np.testing.assert_array_equal(index, [[0, 1, 2], [1, 0, 0]])


@pytest.mark.parametrize("dtype", ["int16", "int32"])
def test_negative_codes_and_missing_ones_are_named(dtype: str) -> None:
    codes = np.array([[-5, 2, 9], [-1, 2, 11]], dtype=dtype)
    valid = codes != -1
    _, index = class_index(codes, valid, {-5: 0, 2: 0, 9: 0, 11: 0}, raster="r", table="t")
    np.testing.assert_array_equal(index, [[0, 1, 2], [0, 1, 3]])
    with pytest.raises(EngineInputError, match="land-cover codes -5, 11 found in r"):
        class_index(codes, valid, {2: 0, 9: 0}, raster="r", table="t")


def test_add_gathered_equals_adding_the_gathered_raster() -> None:
    from cityweave.engine.lookup import add_gathered, gather

    rng = np.random.default_rng(3)
    values = rng.uniform(0, 1, 7).astype(np.float32)
    index = rng.integers(0, 7, (13, 5)).astype(np.int16)
    base = rng.uniform(0, 1, (13, 5)).astype(np.float32)
    expected = base + values[index]
    out = base.copy()
    assert add_gathered(out, values, index, rows=4) is out  # four strips, the last one short
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(gather(values, index, rows=4), values[index])
