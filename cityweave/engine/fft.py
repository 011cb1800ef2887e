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
    """The smallest length of at least ``cells`` whose real FFT is fast (a product of small
    primes)."""
    return int(scipy.fft.next_fast_len(cells, real=True))


def forward(values: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The real FFT of ``values`` zero-padded (or cut) to ``shape``, in their precision:
    ``scipy.fft.rfft2(values, s=shape)``. Values already of ``shape`` are transformed as they
    are, without a padded copy."""
    if values.shape == shape:
        return ducc0.fft.r2c(values, axes=(0, 1), nthreads=THREADS)
    padded = np.zeros(shape, dtype=values.dtype)
    rows, cols = min(values.shape[0], shape[0]), min(values.shape[1], shape[1])
    padded[:rows, :cols] = values[:rows, :cols]
    return ducc0.fft.r2c(padded, axes=(0, 1), nthreads=THREADS)


def forward_rows(values: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """``forward`` for an array of few rows, such as a kernel: the row transforms of the zero
    rows below it are zero, so only its own rows are transformed along x before the column
    transforms along y (the same numbers, in about two thirds of the time)."""
    height, width = shape
    rows = values[:height]
    padded = np.zeros((rows.shape[0], width), dtype=values.dtype)
    padded[:, : min(rows.shape[1], width)] = rows[:, :width]
    row_spectra = ducc0.fft.r2c(padded, axes=(1,), nthreads=THREADS)
    spectrum = np.zeros((height, row_spectra.shape[1]), dtype=row_spectra.dtype)
    spectrum[: row_spectra.shape[0]] = row_spectra
    return ducc0.fft.c2c(spectrum, axes=(0,), out=spectrum, nthreads=THREADS)


def inverse(spectrum: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The real array of ``shape`` whose FFT is ``spectrum``: ``scipy.fft.irfft2(spectrum,
    s=shape)``. Uses ``spectrum``'s memory as scratch: pass a spectrum not needed again."""
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
    )
