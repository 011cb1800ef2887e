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


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_rows_is_forward_for_a_kernel(dtype):
    kernel = np.random.default_rng(5).random((7, 7)).astype(dtype)
    for shape in ((30, 44), (5, 6)):  # and one smaller than the kernel: cut to the FFT
        np.testing.assert_allclose(
            fft.forward_rows(kernel, shape), fft.forward(kernel, shape), rtol=0, atol=1e-5
        )


def test_inverse_refuses_a_spectrum_of_another_shape():
    with pytest.raises(ValueError, match="not one of"):
        fft.inverse(np.zeros((8, 5), dtype=np.complex64), (8, 10))


def test_fast_lengths_are_products_of_small_primes():
    assert fft.fast_length(1250) == 1250
    assert fft.fast_length(1031) >= 1031
    assert all(p in (2, 3, 5) for p in _factors(fft.fast_length(1031)))


def _factors(n):
    out, p = [], 2
    while n > 1:
        while n % p == 0:
            out.append(p)
            n //= p
        p += 1
    return out
