"""The engine's FFTs (ducc0, ``cityweave.engine.fft``) against ``scipy.fft`` on the shapes the
models use, timed in the same run (medians of ``--rounds``), with the ratio scipy / engine.

    .venv/bin/python benchmarks/fft_backends.py [--rounds 7]

Forward: a raster zero-padded to the FFT's shape. Inverse: back to real values, scipy's
``irfft2`` against ``fft.inverse`` on a copy of the spectrum (the engine's callers hand it a
spectrum they no longer need). Never run by ``make test``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import scipy.fft

from cityweave.engine import fft

# (cells a side, kernel reach, precision): cooling at 1000² and 4000², nature access at 2000².
CASES = [(1000, 250, np.float32), (4000, 250, np.float32), (2000, 100, np.float64)]


def median_seconds(call: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def time_case(cells: int, reach: int, dtype: type[np.floating], rounds: int) -> None:
    side = fft.fast_length(cells + reach)
    shape = (side, side)
    values = np.random.default_rng(0).random((cells, cells)).astype(dtype)
    spectrum = fft.forward(values, shape)
    name = np.dtype(dtype).name
    rows = [
        (
            f"forward {cells}² -> {side}² {name}",
            lambda: scipy.fft.rfft2(values, s=shape, workers=-1),
            lambda: fft.forward(values, shape),
        ),
        (
            f"inverse {side}² {name}",
            lambda: scipy.fft.irfft2(spectrum, s=shape, workers=-1),
            lambda: fft.inverse(spectrum.copy(), shape),
        ),
    ]
    for label, reference, engine in rows:
        a, b = median_seconds(reference, rounds), median_seconds(engine, rounds)
        print(f"{label:34} {a * 1e3:9.1f} {b * 1e3:10.1f} {a / b:5.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    rounds = parser.parse_args().rounds
    print(f"{'transform':34} {'scipy ms':>9} {'engine ms':>10} {'ratio':>6}")
    for cells, reach, dtype in CASES:
        time_case(cells, reach, dtype, rounds)


if __name__ == "__main__":
    main()
