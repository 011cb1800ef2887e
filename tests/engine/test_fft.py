"""The engine's FFTs (ducc0) give scipy.fft's numbers to round-off."""

import numpy as np
import pytest
import scipy.fft

from cityweave.engine import fft


@pytest.mark.parametrize("dtype, tolerance", [(np.float32, 1e-5), (np.float64, 1e-12)])
@pytest.mark.parametrize("values_shape, shape", [((37, 53), (64, 81)), ((50, 20), (40, 36))])
def test_forward_and_inverse_match_scipy(dtype, tolerance, values_shape, shape):
    values = np.random.default_rng(4).random(values_shape).astype(dtype)
    expected = scipy.fft.rfft2(values, s=shape)
    spectrum = fft.forward(values, shape)
    assert spectrum.dtype == expected.dtype
    scale = np.abs(expected).max()
    assert np.abs(spectrum - expected).max() <= tolerance * scale
    back = fft.inverse(spectrum.copy(), shape)
    assert back.shape == shape and back.dtype == dtype
    np.testing.assert_allclose(back, scipy.fft.irfft2(expected, s=shape), atol=tolerance * 10)


def _wrapped_spectrum(kernel, shape):
    """The FFT of the kernel centred on cell (0, 0), each offset added where it wraps."""
    wrapped = np.zeros(shape, dtype=kernel.dtype)
    ry, rx = kernel.shape[0] // 2, kernel.shape[1] // 2
    for a in range(-ry, ry + 1):
        for b in range(-rx, rx + 1):
            wrapped[a % shape[0], b % shape[1]] += kernel[a + ry, b + rx]
    return scipy.fft.rfft2(wrapped)


@pytest.mark.parametrize("dtype, tolerance", [(np.float32, 1e-5), (np.float64, 1e-12)])
@pytest.mark.parametrize("shape", [(30, 44), (31, 20), (16, 18)])
def test_a_symmetric_kernels_spectrum_is_its_centred_fft(dtype, tolerance, shape):
    from cityweave.engine.neighbourhood import exponential_kernel

    kernel = exponential_kernel(7, 2).astype(dtype)  # 15 x 15, fits in half of each but one
    spectrum = fft.kernel_spectrum(kernel, shape)
    expected = _wrapped_spectrum(kernel, shape)
    if shape[0] % 2 == 0 and min(shape) > 15:  # the DCTs: a real spectrum, in the precision
        assert spectrum.dtype == dtype
    scale = np.abs(expected).max()
    assert np.abs(spectrum - expected).max() <= tolerance * scale


def test_any_other_kernel_gets_its_centred_fft():
    kernel = np.random.default_rng(5).random((7, 5))
    np.testing.assert_allclose(
        fft.kernel_spectrum(kernel, (30, 44)), _wrapped_spectrum(kernel, (30, 44)), atol=1e-12
    )
    with pytest.raises(ValueError, match="odd number"):
        fft.kernel_spectrum(np.ones((4, 3)), (30, 44))


def test_a_kernel_wider_than_the_fft_keeps_the_offsets_a_padded_array_needs():
    # 5 rows padded by the reach of 12 to an FFT of 18: every sum over the rows matches.
    from scipy.signal import convolve2d

    from cityweave.engine.neighbourhood import exponential_kernel

    kernel = exponential_kernel(12, 3)
    values = np.random.default_rng(2).random((5, 6))
    shape = (fft.fast_length(5 + 12), fft.fast_length(6 + 12))
    spectrum = fft.forward(values, shape) * fft.kernel_spectrum(kernel, shape)
    sums = fft.inverse(spectrum, shape)[:5, :6]
    np.testing.assert_allclose(sums, convolve2d(values, kernel, mode="same"), atol=1e-12)


def test_inverse_refuses_a_spectrum_of_another_shape():
    with pytest.raises(ValueError, match="not one of"):
        fft.inverse(np.zeros((8, 5), dtype=np.complex64), (8, 10))


def test_fast_lengths_are_even_products_of_small_primes():
    assert fft.fast_length(1250) == 1250
    assert fft.fast_length(1125) == 1152  # 3^2 5^3 is odd: 2^7 3^2
    assert fft.fast_length(1) == 2
    for cells in (1031, 4250, 77):
        length = fft.fast_length(cells)
        assert length >= cells and length % 2 == 0
        assert all(p in (2, 3, 5) for p in _factors(length))


def _factors(n):
    out, p = [], 2
    while n > 1:
        while n % p == 0:
            out.append(p)
            n //= p
        p += 1
    return out
