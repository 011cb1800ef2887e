"""Real two-dimensional FFTs for the engine's convolutions, on every core, with ducc0 (the
successor of pocketfft, which ``scipy.fft`` bundles, by the same author).

On the engine's shapes ducc0 took 12-21 % less time than ``scipy.fft.rfft2`` for a forward
transform and 39-53 % less for an inverse one, which it may compute in the spectrum's own
memory where scipy copies it first (``benchmarks/fft_backends.py``, decision 0012). The
numbers agree with scipy's to the transforms' round-off.
"""

from __future__ import annotations

import os

import ducc0
import numpy as np
import scipy.fft

# The cores this process may run on (every core where the platform cannot say).
THREADS = (
    len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
)


def fast_length(cells: int) -> int:
    """The smallest even length of at least ``cells`` whose real FFT is fast (a product of
    small primes). Even, so that a symmetric kernel's spectrum comes from DCTs
    (``kernel_spectrum``)."""
    return 2 * int(scipy.fft.next_fast_len(max(-(-cells // 2), 1), real=True))


def forward(
    values: np.ndarray, shape: tuple[int, int], *, out: np.ndarray | None = None
) -> np.ndarray:
    """The real FFT of ``values`` zero-padded (or cut) to ``shape``, in their precision:
    ``scipy.fft.rfft2(values, s=shape)``, into ``out`` if given (a complex array of the
    spectrum's shape, reused to spare mapping a new one). Values already of ``shape`` are
    transformed as they are, without a padded copy."""
    if values.shape != shape:
        padded = np.zeros(shape, dtype=values.dtype)
        rows, cols = min(values.shape[0], shape[0]), min(values.shape[1], shape[1])
        padded[:rows, :cols] = values[:rows, :cols]
        values = padded
    return ducc0.fft.r2c(values, axes=(0, 1), nthreads=THREADS, out=out)


def kernel_spectrum(kernel: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The real FFT, on ``shape``, of ``kernel`` (odd rows and columns) with its centre on cell
    (0, 0): the kernel's cells above and left of its centre wrap round to the far edges, so
    that the inverse FFT of a signal's spectrum times this one holds the sums centred on
    each cell in that cell, with no shift. Where the kernel is wider or taller than ``shape``
    it is cut to the offsets ``shape`` can hold; the sums of an array padded by at least the
    kernel's reach keep every offset they need.

    A kernel symmetric about its centre row and its centre column (every distance kernel)
    has a real spectrum, the product of type-I DCTs along each axis of one quarter of it
    (offsets 0 to the reach): returned as a real array, computed in about 40 % of the time
    of the FFT, when both lengths of ``shape`` are even and the kernel fits in them. Any
    other kernel gets the complex FFT of its wrapped cells."""
    height, width = shape
    reach_y, reach_x = kernel.shape[0] // 2, kernel.shape[1] // 2
    if kernel.shape[0] % 2 != 1 or kernel.shape[1] % 2 != 1:
        raise ValueError("a kernel has an odd number of rows and columns")
    symmetric = np.array_equal(kernel, kernel[::-1]) and np.array_equal(kernel, kernel[:, ::-1])
    fits = 2 * reach_y < height and 2 * reach_x < width
    if symmetric and fits and height % 2 == 0 and width % 2 == 0:
        return _symmetric_kernel_spectrum(kernel, shape)
    cut_y, cut_x = min(reach_y, (height - 1) // 2), min(reach_x, (width - 1) // 2)
    cut = kernel[reach_y - cut_y : reach_y + cut_y + 1, reach_x - cut_x : reach_x + cut_x + 1]
    wrapped = np.zeros(shape, dtype=kernel.dtype)
    wrapped[: cut.shape[0], : cut.shape[1]] = cut
    wrapped = np.roll(wrapped, (-cut_y, -cut_x), axis=(0, 1))
    return ducc0.fft.r2c(wrapped, axes=(0, 1), nthreads=THREADS)


def _symmetric_kernel_spectrum(kernel: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """``kernel_spectrum`` of a kernel symmetric about both axes that fits in ``shape`` (even
    lengths): K(u, v) = sum_a sum_b k(a, b) cos(2 pi u a / M) cos(2 pi v b / N), over offsets
    a of -M/2 + 1 to M/2, which is the type-I DCT (length M/2 + 1) of the offsets 0 to M/2
    along each axis, mirrored for u > M/2."""
    height, width = shape
    reach_y, reach_x = kernel.shape[0] // 2, kernel.shape[1] // 2
    quarter = np.zeros((reach_y + 1, width // 2 + 1), dtype=kernel.dtype)
    quarter[:, : reach_x + 1] = kernel[reach_y:, reach_x:]
    ducc0.fft.dct(quarter, 1, axes=(1,), out=quarter, nthreads=THREADS)
    half = height // 2
    spectrum = np.empty((height, width // 2 + 1), dtype=kernel.dtype)
    spectrum[: reach_y + 1] = quarter
    spectrum[reach_y + 1 : half + 1] = 0.0
    top = spectrum[: half + 1]
    ducc0.fft.dct(top, 1, axes=(0,), out=top, nthreads=THREADS)
    spectrum[half + 1 :] = spectrum[1:half][::-1]
    return spectrum


def inverse(
    spectrum: np.ndarray, shape: tuple[int, int], *, out: np.ndarray | None = None
) -> np.ndarray:
    """The real array of ``shape`` whose FFT is ``spectrum``: ``scipy.fft.irfft2(spectrum,
    s=shape)``, into ``out`` if given. Uses ``spectrum``'s memory as scratch: pass a spectrum
    not needed again."""
    if spectrum.shape != (shape[0], shape[1] // 2 + 1):
        raise ValueError(f"a spectrum of shape {spectrum.shape} is not one of {shape}")
    return ducc0.fft.c2r(
        spectrum,
        axes=(0, 1),
        lastsize=shape[1],
        forward=False,
        inorm=2,
        nthreads=THREADS,
        allow_overwriting_input=True,
        out=out,
    )
