"""Freed memory kept for the next array while a model runs, and handed back when it ends.

A model run makes and drops arrays of the raster's size over and over: FFT inputs and
spectra, masks, temporaries of numpy's arithmetic. glibc's ``malloc`` serves each array of
128 KB or more with a fresh ``mmap`` until the first such array is freed (its threshold then
rises with the sizes freed, up to 32 MB) and trims the top of its heap whenever twice that is
free, so arrays freed early in a run come back as fresh pages to map and zero again: on these
machines a fresh 64 MB array costs 0.05-0.17 s in page faults alone (decision 0010).
``kept()`` sets the mmap threshold to 32 MB from the start and stops the trimming for the
run, so arrays under 32 MB reuse the pages of those freed before them; afterwards it
restores glibc's default thresholds and trims the heap, so a long-lived process (the job
worker) returns the memory. Cooling at 1000 x 1000 and 2000 x 2000 cells ran 10 % faster so,
in 2-10 % more memory; annual stormwater retention, which writes while it computes, took more
memory at 4000 x 4000 cells (606 MB instead of 531 MB) and runs without it (decision 0014).

Elsewhere than glibc (musl, macOS, Windows) it does nothing.
"""

from __future__ import annotations

import ctypes
import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

# mallopt's parameters (malloc.h) and glibc's defaults for them.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
DEFAULT_THRESHOLD = 128 * 1024
# During a run: arrays under 32 MiB come from the heap from the first on (glibc's own dynamic
# threshold rises to at most this, but only after the first such array is freed), and the heap
# is never trimmed. Larger arrays keep their own mappings: with 1 GiB, cooling at 4000 x 4000
# cells (arrays of 64-72 MB) took 2.0 s instead of 1.5 s, in 784 MB instead of 675 MB.
KEPT_MMAP_THRESHOLD = 32 * 1024 * 1024
KEPT_TRIM_THRESHOLD = (1 << 31) - 1

_lock = threading.Lock()
_runs = 0  # runs inside ``kept()`` now, on any thread


def _glibc() -> Any | None:
    """The C library the interpreter runs on, if it has glibc's ``mallopt`` and
    ``malloc_trim``."""
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt, libc.malloc_trim  # noqa: B018 - AttributeError where there are none
    except (OSError, AttributeError):
        return None
    return libc


_LIBC = _glibc()


@contextmanager
def kept() -> Iterator[None]:
    """Inside: freed memory stays with the process for the next arrays. On leaving the last
    of (possibly nested, or concurrent on threads) ``kept()`` blocks: glibc's default
    thresholds again, and the free memory returned to the system."""
    global _runs
    if _LIBC is None:
        yield
        return
    with _lock:
        if _runs == 0:
            _LIBC.mallopt(M_MMAP_THRESHOLD, ctypes.c_int(KEPT_MMAP_THRESHOLD))
            _LIBC.mallopt(M_TRIM_THRESHOLD, ctypes.c_int(KEPT_TRIM_THRESHOLD))
        _runs += 1
    try:
        yield
    finally:
        with _lock:
            _runs -= 1
            if _runs == 0:
                _LIBC.mallopt(M_MMAP_THRESHOLD, ctypes.c_int(DEFAULT_THRESHOLD))
                _LIBC.mallopt(M_TRIM_THRESHOLD, ctypes.c_int(DEFAULT_THRESHOLD))
                _LIBC.malloc_trim(ctypes.c_size_t(0))


F = TypeVar("F", bound=Callable[..., Any])


def keeps_freed_memory(function: F) -> F:
    """``function`` run inside ``kept()``."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with kept():
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
