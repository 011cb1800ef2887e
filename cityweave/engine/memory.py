"""Memory settings for a model run: ordinary pages for numpy's arrays, and freed memory kept
in the heap for the next arrays; both handed back when the run ends.

Huge pages. numpy asks the kernel for transparent huge pages (2 MB) for every array of 4 MB or
more. On these virtual machines a huge page that was free for a while costs far more to fault
in than 512 ordinary ones: cooling at 4000 x 4000 cells spent 1.2-1.7 s of system time in
18,000 faults when it followed a pause (as every run of ``benchmarks/engine_vs_invest.py``
does), 0.5-0.6 s in 358,000 faults on ordinary pages. ``for_a_run()`` turns numpy's request
off for the run (unless ``NUMPY_MADVISE_HUGEPAGE`` is set: then whoever set it decides).

The heap. glibc's ``malloc`` serves each array of 128 KB or more with a fresh ``mmap`` until
the first such array is freed (its threshold then rises with the sizes freed, up to 32 MB) and
trims the top of its heap whenever twice that is free, so arrays freed early in a run come
back as fresh pages to map and zero again (a fresh 64 MB array: 0.05-0.17 s, decision 0010).
With ``reuse_heap``, the mmap threshold is 32 MB from the start and the heap is not trimmed
during the run, so arrays under 32 MB reuse the pages of those freed before them; afterwards
glibc's defaults come back and the heap is trimmed, so a long-lived process (the job worker)
returns the memory. Annual stormwater retention, whose writer's strips fragment the heap,
runs without it (606 MB instead of 531 MB at 4000 x 4000 cells otherwise). Decision 0014.

Where the C library is not glibc (musl, macOS, Windows) the heap is left alone.
"""

from __future__ import annotations

import ctypes
import functools
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import numpy as np

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
_runs = 0  # runs inside ``for_a_run()`` now, on any thread
_heap_runs = 0  # those of them that reuse the heap
_numpy_hugepages: bool | None = None  # numpy's setting before the first run, to restore


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
def for_a_run(*, reuse_heap: bool = True) -> Iterator[None]:
    """Inside: numpy's arrays on ordinary pages and, with ``reuse_heap``, freed memory kept
    in the heap for the next arrays. Each setting is restored when the last of the (possibly
    nested, or concurrent on threads) blocks that made it ends; the heap's free memory is then
    returned to the system."""
    global _runs, _heap_runs, _numpy_hugepages
    with _lock:
        if _runs == 0:
            _numpy_hugepages = _set_numpy_hugepages(False)
        _runs += 1
        if reuse_heap:
            if _heap_runs == 0 and _LIBC is not None:
                _LIBC.mallopt(M_MMAP_THRESHOLD, ctypes.c_int(KEPT_MMAP_THRESHOLD))
                _LIBC.mallopt(M_TRIM_THRESHOLD, ctypes.c_int(KEPT_TRIM_THRESHOLD))
            _heap_runs += 1
    try:
        yield
    finally:
        with _lock:
            _runs -= 1
            if reuse_heap:
                _heap_runs -= 1
                if _heap_runs == 0 and _LIBC is not None:
                    _LIBC.mallopt(M_MMAP_THRESHOLD, ctypes.c_int(DEFAULT_THRESHOLD))
                    _LIBC.mallopt(M_TRIM_THRESHOLD, ctypes.c_int(DEFAULT_THRESHOLD))
                    _LIBC.malloc_trim(ctypes.c_size_t(0))
            if _runs == 0 and _numpy_hugepages is not None:
                _set_numpy_hugepages(_numpy_hugepages)
                _numpy_hugepages = None


def _set_numpy_hugepages(enabled: bool) -> bool | None:
    """Whether numpy asks the kernel for transparent huge pages for its arrays of 4 MB or more
    (``madvise(MADV_HUGEPAGE)``): set to ``enabled``, returning the setting it had; None, and
    nothing changed, where the person running it chose (``NUMPY_MADVISE_HUGEPAGE``) or numpy
    has no such switch."""
    if "NUMPY_MADVISE_HUGEPAGE" in os.environ:
        return None
    core = getattr(np, "_core", None)  # numpy 2; numpy 1 named it ``core``
    multiarray = getattr(core if core is not None else np.core, "multiarray", None)
    switch = getattr(multiarray, "_set_madvise_hugepage", None)
    if switch is None:
        return None
    return bool(switch(enabled))


F = TypeVar("F", bound=Callable[..., Any])


def tuned_for_runs(*, reuse_heap: bool = True) -> Callable[[F], F]:
    """A decorator: the function runs inside ``for_a_run(reuse_heap=reuse_heap)``."""

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with for_a_run(reuse_heap=reuse_heap):
                return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
