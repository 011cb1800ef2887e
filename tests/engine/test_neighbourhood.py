"""Kernels and edge-corrected convolutions, checked by hand on small arrays."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cityweave.engine.errors import EngineInputError
from cityweave.engine.neighbourhood import (
    Convolver,
    check_reach,
    dichotomous_kernel,
    exponential_kernel,
)


def test_dichotomous_kernel_is_the_disc_of_cells_within_the_distance() -> None:
    kernel = dichotomous_kernel(1.5, normalise=False)
    # Centre-to-centre distances 0, 1 and sqrt(2) = 1.41 are within 1.5; the kernel is 3 x 3.
    np.testing.assert_array_equal(kernel, np.ones((3, 3)))
    kernel = dichotomous_kernel(1, normalise=False)
    np.testing.assert_array_equal(kernel, [[0, 1, 0], [1, 1, 1], [0, 1, 0]])


def test_exponential_kernel_decays_and_sums_to_one() -> None:
    kernel = exponential_kernel(2, 1)
    assert kernel.shape == (5, 5)
    assert kernel.sum() == pytest.approx(1.0, abs=1e-6)
    # exp(-1) / exp(0) between a neighbour and the centre; corners (d = 2.83) are outside.
    assert kernel[2, 3] / kernel[2, 2] == pytest.approx(math.exp(-1), rel=1e-6)
    assert kernel[0, 0] == 0


def test_edge_corrected_convolution_is_the_mean_of_present_neighbours() -> None:
    signal = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])
    valid = np.ones((3, 3), dtype=bool)
    valid[1, 1] = False
    out = Convolver((3, 3), dichotomous_kernel(1, normalise=False)).convolve(signal, valid)
    # Corner (0, 0): itself and its two neighbours (2 and 4) are present: (1 + 2 + 4) / 3.
    assert out[0, 0] == pytest.approx(7 / 3)
    # (0, 1): 1, 2, 3 present, the centre below is absent: (1 + 2 + 3) / 3.
    assert out[0, 1] == pytest.approx(2.0)
    assert math.isnan(out[1, 1])


def test_plain_convolution_counts_absent_cells_as_zero() -> None:
    signal = np.ones((4, 4))
    out = Convolver((4, 4), dichotomous_kernel(1, normalise=False)).convolve(signal, edges=False)
    assert out[0, 0] == pytest.approx(3.0)  # itself, right, below
    assert out[1, 1] == pytest.approx(5.0)


def test_a_reach_beyond_the_raster_is_refused() -> None:
    with pytest.raises(EngineInputError, match="t_air_average_radius: 5000 m reaches 500"):
        check_reach(500, (100, 120), "t_air_average_radius", 5000)


@pytest.mark.parametrize(("shape", "reach"), [((7, 5), 2), ((6, 9), 12)])
def test_a_shared_plan_gives_the_direct_convolution(shape: tuple[int, int], reach: int) -> None:
    # Checked against scipy's direct sum, including a kernel reaching past the whole array.
    from scipy.signal import convolve2d

    from cityweave.engine.neighbourhood import SpectralPlan

    rng = np.random.default_rng(3)
    signal = rng.uniform(0, 1, shape)
    plan = SpectralPlan(shape, reach, dtype=np.float64)
    spectrum = plan.spectrum(signal)
    for kernel in (exponential_kernel(reach, max(reach / 5, 1)), dichotomous_kernel(reach // 2)):
        expected = convolve2d(signal, kernel, mode="same")
        np.testing.assert_allclose(plan.convolve(spectrum, kernel), expected, atol=1e-12)


@pytest.mark.parametrize("absent", [0, 3, 40])
def test_edge_weights_equal_the_convolved_mask(absent: int) -> None:
    from scipy.signal import convolve2d

    from cityweave.engine.neighbourhood import edge_weights

    rng = np.random.default_rng(absent)
    valid = np.ones((23, 17), dtype=bool)
    valid.ravel()[rng.choice(valid.size, absent, replace=False)] = False
    kernel = exponential_kernel(6, 2)
    expected = convolve2d(valid.astype(np.float64), kernel, mode="same")
    weights = edge_weights(kernel, valid, rows=5)
    if absent == 40:  # 40 x 13 x 13 cells of kernel exceed twice the raster: the FFT's job
        assert weights is None
        return
    assert weights is not None
    np.testing.assert_allclose(weights, expected, atol=1e-6)


@pytest.mark.parametrize("shape", [(23, 17), (9, 30)])  # and one shorter than the kernel
@pytest.mark.parametrize("absent", [(), ((3, 4),), ((3, 4), (5, 6), (0, 16), (22 % 9, 0))])
def test_dividing_by_edge_weights_in_place_equals_dividing_by_them(shape, absent) -> None:
    # Absent cells near each other, so that their windows overlap, and at the raster's edges.
    from scipy.signal import convolve2d

    from cityweave.engine.neighbourhood import divide_by_edge_weights, edge_weights

    rng = np.random.default_rng(7)
    kernel = exponential_kernel(6, 2)
    valid = np.ones(shape, dtype=bool)
    for i, j in absent:
        valid[i, min(j, shape[1] - 1)] = False
    values = rng.uniform(0, 5, shape).astype(np.float32)
    out = values.copy()
    assert divide_by_edge_weights(out, kernel, valid)
    counts = values.astype(np.float64)
    assert divide_by_edge_weights(counts, kernel, valid, whole=True)
    mask = convolve2d(valid.astype(np.float64), kernel, mode="same")
    np.testing.assert_allclose(out[valid], (values / mask)[valid], rtol=1e-5)
    weights = edge_weights(kernel, valid)
    if weights is not None:  # the same float32 arithmetic: equal to the last bit
        np.testing.assert_array_equal(out, values / weights)
        np.testing.assert_array_equal(counts, values.astype(np.float64) / np.rint(weights))


def test_many_absent_cells_are_left_to_the_caller() -> None:
    from cityweave.engine.neighbourhood import FEW_ABSENT, divide_by_edge_weights

    valid = np.ones((30, 30), dtype=bool)
    valid.ravel()[: FEW_ABSENT + 1] = False
    values = np.ones((30, 30), dtype=np.float32)
    assert not divide_by_edge_weights(values, exponential_kernel(4, 2), valid)
    np.testing.assert_array_equal(values, 1.0)
