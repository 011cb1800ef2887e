"""Neighbourhood operations: distance kernels and edge-corrected convolutions, as
``pygeoprocessing.kernels`` and ``pygeoprocessing.convolve_2d`` (2.4) compute them for InVEST.

A kernel is a square array of ``2 * floor(max_distance) + 1`` cells whose value depends on the
distance, in cells, from a cell's centre to the kernel's centre; cells farther than
``max_distance`` are 0. Convolutions run as one FFT over the whole array (the kernel's FFT is
computed once and reused), on every core, in float64; InVEST's overlap-add over 256 x 256 blocks
gives the same sums in another order, so results agree to rounding (about 1e-12 relative).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cityweave.engine import fft
from cityweave.engine.errors import EngineInputError

# pygeoprocessing.convolve_2d's ``set_tol_to_zero``: results within this of 0 are set to 0, so
# FFT round-off (e.g. -1.8e-18) never shows as a tiny negative value.
TOLERANCE_TO_ZERO = 1e-8


def distance_kernel(
    max_distance: float, decay: Callable[[np.ndarray], np.ndarray], *, normalise: bool = True
) -> np.ndarray:
    """``decay(d)`` where ``d <= max_distance`` (cells, centre to centre), else 0, as float32
    like pygeoprocessing's kernel rasters; divided by its sum when ``normalise``
    (``pygeoprocessing.kernels.create_distance_decay_kernel``)."""
    apothem = math.floor(max_distance)
    # One quadrant (offsets 0 to the apothem) is computed and mirrored: the distance of
    # (-x, y) is that of (x, y), to the bit.
    axis = np.arange(apothem + 1)
    distance = np.hypot(axis[:, None], axis[None, :])
    quadrant = np.zeros(distance.shape, dtype=np.float32)
    inside = distance <= max_distance
    quadrant[inside] = decay(distance[inside])
    kernel = np.empty((2 * apothem + 1, 2 * apothem + 1), dtype=np.float32)
    kernel[apothem:, apothem:] = quadrant
    kernel[apothem:, :apothem] = quadrant[:, :0:-1]
    kernel[:apothem] = kernel[:apothem:-1]
    if normalise:
        # pygeoprocessing sums the float32 kernel, then divides the float32 values by that sum.
        kernel /= kernel.sum(dtype=np.float32)
    return kernel


def exponential_kernel(
    max_distance: float, expected_distance: float, *, normalise: bool = True
) -> np.ndarray:
    """exp(-d / expected_distance) to ``max_distance`` (cells)."""
    return distance_kernel(
        max_distance, lambda d: np.exp(-d / expected_distance), normalise=normalise
    )


def dichotomous_kernel(max_distance: float, *, normalise: bool = True) -> np.ndarray:
    """1 where d <= ``max_distance`` (cells), else 0."""
    return distance_kernel(max_distance, lambda d: np.ones_like(d), normalise=normalise)


@dataclass
class Convolver:
    """Convolves arrays of one shape with one kernel, keeping the kernel's FFT (and the
    convolved masks already computed) for the next call.

    ``convolve(signal, valid)`` is pygeoprocessing's ``convolve_2d`` with
    ``ignore_nodata_and_edges=True``: cells where ``valid`` is False and cells beyond the array
    count as absent, and each result is divided by the share of the kernel's weight that fell
    on present cells, so it is a weighted mean of the present neighbours. With
    ``edges=False`` it is the plain weighted sum, absent cells counting as 0.
    """

    shape: tuple[int, int]
    kernel: np.ndarray
    _fft_shape: tuple[int, int] = field(init=False)
    _kernel_fft: np.ndarray = field(init=False, repr=False)
    _mask: tuple[np.ndarray | None, np.ndarray] | None = field(default=None, init=False, repr=False)
    _spectrum: np.ndarray | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        rows, cols = self.kernel.shape
        if rows % 2 != 1 or cols % 2 != 1:
            raise ValueError("a kernel has an odd number of rows and columns")
        # A circular convolution of period L, the kernel centred on cell (0, 0): the sums
        # over cell i take cells i - reach .. i + reach, which wrap onto padding while
        # L >= n + reach (``SpectralPlan``).
        self._fft_shape = (
            fft.fast_length(self.shape[0] + rows // 2),
            fft.fast_length(self.shape[1] + cols // 2),
        )
        self._kernel_fft = fft.kernel_spectrum(self.kernel.astype(np.float64), self._fft_shape)

    @property
    def reach(self) -> int:
        """Cells from the centre to the kernel's edge: the overlap a block needs."""
        return self.kernel.shape[0] // 2

    @property
    def fft_shape(self) -> tuple[int, int]:
        """The FFT's shape: an array of the convolver's shape padded with zeros to it."""
        return self._fft_shape

    def raw(self, values: np.ndarray) -> np.ndarray:
        """The plain convolution of ``values`` (of the convolver's shape, float64), cropped to
        the convolver's shape; no tolerance to 0."""
        block = np.zeros(self._fft_shape)
        block[: self.shape[0], : self.shape[1]] = values
        return self.in_place(block)

    def in_place(self, block: np.ndarray) -> np.ndarray:
        """The plain convolution of ``block``, a float64 array of ``fft_shape`` holding the
        values in its first rows and columns and zeros beyond, written over it (the view of
        the convolver's shape is returned): one spectrum, kept for the next call, and no
        other array. No tolerance to 0."""
        if block.shape != self._fft_shape or block.dtype != np.float64:
            raise ValueError(
                f"a {block.dtype} block of shape {block.shape}, convolver for float64 "
                f"{self._fft_shape}"
            )
        spectrum = fft.forward(block, self._fft_shape, out=self._spectrum)
        spectrum *= self._kernel_fft
        fft.inverse(spectrum, self._fft_shape, out=block)
        self._spectrum = spectrum
        return block[: self.shape[0], : self.shape[1]]

    def convolve(
        self, signal: np.ndarray, valid: np.ndarray | None = None, *, edges: bool = True
    ) -> np.ndarray:
        """The convolution of ``signal`` (float64), absent cells counting as 0; with ``edges``,
        divided by the convolution of the mask of present cells. Results within
        ``TOLERANCE_TO_ZERO`` of 0 are 0. Absent cells get NaN."""
        if signal.shape != self.shape:
            raise ValueError(f"signal of shape {signal.shape}, convolver for {self.shape}")
        values = np.asarray(signal, dtype=np.float64)
        if valid is not None:
            values = np.where(valid, values, 0.0)
        out = self.raw(values)
        out[np.abs(out) < TOLERANCE_TO_ZERO] = 0.0
        if edges:
            weight = self.mask_weight(valid)
            with np.errstate(invalid="ignore", divide="ignore"):
                out /= weight
        if valid is not None:
            out[~valid] = np.nan
        return out

    def mask_weight(self, valid: np.ndarray | None) -> np.ndarray:
        """The convolution of the mask of present cells, kept for the next call with the same
        mask (one mask at a time: each is as big as the raster)."""
        if self._mask is not None and self._mask[0] is valid:
            return self._mask[1]
        mask = np.ones(self.shape) if valid is None else valid.astype(np.float64)
        weight = self.raw(mask)
        weight[np.abs(weight) < TOLERANCE_TO_ZERO] = 0.0
        self._mask = (valid, weight)
        return weight


def check_reach(reach_cells: float, shape: tuple[int, int], name: str, metres: float) -> None:
    """A kernel reaching farther than the raster is wide and tall is a mistake in the inputs
    (a radius in metres read as cells, say): refuse it with the argument's name."""
    if reach_cells > max(shape):
        raise EngineInputError(
            name,
            f"{metres:g} m reaches {reach_cells:g} cells, more than the land cover's "
            f"{shape[1]} x {shape[0]} cells",
        )


@dataclass
class SpectralPlan:
    """Several convolutions of arrays of one shape with kernels up to ``reach`` cells from their
    centre, sharing one FFT size: a signal's (or a mask's) spectrum is computed once and
    multiplied by each kernel's.

    In single precision by default: the FFTs run about five times faster than in double and take
    half the memory, and their round-off (about 1e-6 of the largest value convolved) is far
    below the tolerances the models promise. Callers that need exact counts round them.
    """

    shape: tuple[int, int]
    reach: int
    dtype: type[np.floating[Any]] = np.float32
    fft_shape: tuple[int, int] = field(init=False)
    _scratch: np.ndarray | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        # The FFT computes a circular convolution of period L: the full result's cell j + L
        # lands on cell j. The full result spans n + 2 * reach cells and the cells kept are
        # reach .. reach + n - 1, so L >= n + reach keeps every wrapped cell out of them.
        self.fft_shape = (
            fft.fast_length(self.shape[0] + self.reach),
            fft.fast_length(self.shape[1] + self.reach),
        )

    def spectrum(self, values: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
        """The FFT of ``values`` (zero beyond the array, and where ``where`` is False), copied
        once, into the FFT's zero-padded input."""
        padded = np.zeros(self.fft_shape, dtype=self.dtype)
        height, width = self.shape
        np.copyto(padded[:height, :width], values, where=True if where is None else where)
        self._scratch = padded  # the next inverse is written over it
        return fft.forward(padded, self.fft_shape)

    def kernel_spectrum(self, kernel: np.ndarray) -> np.ndarray:
        if kernel.shape[0] // 2 > self.reach:
            raise ValueError(
                f"a kernel reaching {kernel.shape[0] // 2} cells, plan for {self.reach}"
            )
        return fft.kernel_spectrum(np.asarray(kernel, dtype=self.dtype), self.fft_shape)

    def inverse(self, product: np.ndarray) -> np.ndarray:
        """The convolution, from the product of a signal's and a kernel's spectra (the kernel
        centred on cell (0, 0), as ``kernel_spectrum`` gives it), cropped to the signal's
        cells. ``product`` is used as scratch, and so is the padded input of the last
        ``spectrum`` (no longer needed once transformed): the result is written over it
        rather than into a new array."""
        out, self._scratch = self._scratch, None
        full = fft.inverse(product, self.fft_shape, out=out)
        return full[: self.shape[0], : self.shape[1]]

    def convolve(
        self,
        signal_spectrum: np.ndarray,
        kernel: np.ndarray,
        kernel_spectrum: np.ndarray | None = None,
    ) -> np.ndarray:
        spectrum = self.kernel_spectrum(kernel) if kernel_spectrum is None else kernel_spectrum
        return self.inverse(signal_spectrum * spectrum)


def edge_profiles(kernel: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The kernel's weight falling inside a raster of ``shape`` with every cell present, as
    distinct rows: (profiles, float32, one per distinct band of kernel rows; the profile of
    each raster row). The weight inside is a rectangle of the kernel, summed from its 2-D
    prefix sums, in float64.

    The bands run in the raster's row order: rows farther than the reach from both edges see
    the whole kernel's height and share one profile, and within a profile, columns farther
    than the reach from both edges see the whole width of the band, so only the columns near
    the edges are gathered."""
    height, width = shape
    size = kernel.shape[0]
    reach = size // 2
    prefix = np.zeros((size + 1, size + 1))
    np.cumsum(kernel, axis=0, dtype=np.float64, out=prefix[1:, 1:])
    np.cumsum(prefix[1:, 1:], axis=1, out=prefix[1:, 1:])
    # Kernel rows a with a cell inside: reach - i <= a <= reach + height - 1 - i; both bounds
    # fall as i rises, so equal bands are runs of raster rows.
    row_index = np.arange(height)
    r0 = np.clip(reach - row_index, 0, size)
    r1 = np.clip(reach + height - row_index, 0, size)
    change = np.ones(height, dtype=bool)
    change[1:] = (r0[1:] != r0[:-1]) | (r1[1:] != r1[:-1])
    which = np.cumsum(change) - 1
    first = np.flatnonzero(change)
    # P[r1, c1] - P[r0, c1] - P[r1, c0] + P[r0, c0], as the band's column sums D = P[r1] - P[r0]
    # gathered twice: D[c1] - D[c0] (the same sums to float64 rounding).
    columns = prefix[r1[first]] - prefix[r0[first]]
    col_index = np.arange(width)
    c0 = np.clip(reach - col_index, 0, size)
    c1 = np.clip(reach + width - col_index, 0, size)
    profiles = np.empty((first.size, width), dtype=np.float32)
    profiles[:] = (columns[:, size] - columns[:, 0])[:, None]
    edge = np.flatnonzero((c0 != 0) | (c1 != size))
    near = np.take(columns, c1[edge], axis=1)
    near -= np.take(columns, c0[edge], axis=1)
    profiles[:, edge] = near
    return profiles, which


def _subtract_kernel(
    weight: np.ndarray, top: int, left: int, cell: tuple[int, int], flipped: np.ndarray
) -> None:
    """Takes the (flipped) kernel around the absent ``cell`` off ``weight``, a block of
    weights whose first cell is (``top``, ``left``) of the raster, where the two overlap."""
    i, j = cell
    reach = flipped.shape[0] // 2
    bottom, right = top + weight.shape[0], left + weight.shape[1]
    r0, r1 = max(top, i - reach), min(bottom, i + reach + 1)
    c0, c1 = max(left, j - reach), min(right, j + reach + 1)
    if r0 < r1 and c0 < c1:
        weight[r0 - top : r1 - top, c0 - left : c1 - left] -= flipped[
            r0 - (i - reach) : r1 - (i - reach), c0 - (j - reach) : c1 - (j - reach)
        ]


# Up to this many absent cells, ``divide_by_edge_weights`` corrects the windows around them;
# beyond, the caller builds the raster of weights (``edge_weights``) or convolves the mask.
FEW_ABSENT = 16


def divide_by_edge_weights(
    values: np.ndarray, kernel: np.ndarray, valid: np.ndarray, *, whole: bool = False
) -> bool:
    """``values /= edge_weights(kernel, valid)`` in place, without the weights' raster, when at
    most ``FEW_ABSENT`` cells are absent: rows with the same profile (all but those within the
    reach of the top and bottom edges) are divided by that one row, and the window around each
    absent cell is divided again, from its values as they were, by its own weights (the
    profiles less the kernels of every absent cell reaching into it). With ``whole``, the
    weights are rounded to whole numbers first (counts). False, and ``values`` untouched, when
    more cells are absent: the caller then divides by ``edge_weights``."""
    height, width = values.shape
    absent = np.flatnonzero(~valid.ravel())
    if absent.size > FEW_ABSENT:
        return False
    profiles, which = edge_profiles(kernel, values.shape)
    reach = kernel.shape[0] // 2
    flipped = kernel[::-1, ::-1].astype(np.float32)
    cells = [divmod(int(cell), width) for cell in absent]
    windows = [
        (
            slice(max(i - reach, 0), min(i + reach + 1, height)),
            slice(max(j - reach, 0), min(j + reach + 1, width)),
        )
        for i, j in cells
    ]
    saved = [values[rows, cols].copy() for rows, cols in windows]
    starts = np.flatnonzero(np.diff(which, prepend=-1))
    stops = np.append(starts[1:], which.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        for start, stop in zip(starts.tolist(), stops.tolist(), strict=True):
            values[start:stop] /= (
                np.rint(profiles[which[start]]) if whole else profiles[which[start]]
            )
        for (rows, cols), before in zip(windows, saved, strict=True):
            weight = profiles[which[rows]][:, cols]
            for cell in cells:  # every absent cell's kernel over this window
                _subtract_kernel(weight, rows.start, cols.start, cell, flipped)
            values[rows, cols] = before / (np.rint(weight) if whole else weight)
    return True


def edge_weights(kernel: np.ndarray, valid: np.ndarray, *, rows: int = 256) -> np.ndarray | None:
    """The convolution of ``valid`` (present cells 1, absent 0, nothing beyond the edges) with
    ``kernel``, without an FFT when few cells are absent: the kernel's weight falling inside
    the raster (``edge_profiles``) for every cell, less a kernel around each absent cell.
    Exact to float64 rounding, where an FFT is exact only to its round-off; float32, computed
    ``rows`` rows at a time. None when so many cells are absent that the FFT is cheaper; the
    caller then convolves the mask."""
    height, width = valid.shape
    size = kernel.shape[0]
    absent = np.flatnonzero(~valid.ravel())
    if absent.size * size * size > 2 * height * width:
        return None
    profiles32, which = edge_profiles(kernel, valid.shape)
    weight = np.empty((height, width), dtype=np.float32)
    for top in range(0, height, rows):
        np.take(profiles32, which[top : top + rows], axis=0, out=weight[top : top + rows])
    flipped = kernel[::-1, ::-1].astype(np.float32)
    for cell in absent:
        _subtract_kernel(weight, 0, 0, divmod(int(cell), width), flipped)
    return weight
