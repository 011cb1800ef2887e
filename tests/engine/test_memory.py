"""``engine.memory``: glibc's thresholds raised for a run and restored after the last one."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest

from cityweave.engine import memory


class FakeLibc:
    """Records ``mallopt`` and ``malloc_trim`` calls as (name, parameter, value)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, int]] = []

    def mallopt(self, parameter: int, value: Any) -> int:
        self.calls.append(("mallopt", parameter, value.value))
        return 1

    def malloc_trim(self, pad: Any) -> int:
        self.calls.append(("malloc_trim", 0, pad.value))
        return 1


@pytest.fixture
def libc(monkeypatch: pytest.MonkeyPatch) -> FakeLibc:
    fake = FakeLibc()
    monkeypatch.setattr(memory, "_LIBC", fake)
    return fake


RAISED = [
    ("mallopt", memory.M_MMAP_THRESHOLD, memory.KEPT_MMAP_THRESHOLD),
    ("mallopt", memory.M_TRIM_THRESHOLD, memory.KEPT_TRIM_THRESHOLD),
]
RESTORED = [
    ("mallopt", memory.M_MMAP_THRESHOLD, memory.DEFAULT_THRESHOLD),
    ("mallopt", memory.M_TRIM_THRESHOLD, memory.DEFAULT_THRESHOLD),
    ("malloc_trim", 0, 0),
]


def test_thresholds_are_raised_inside_and_restored_with_a_trim_after(libc: FakeLibc) -> None:
    with memory.kept():
        assert libc.calls == RAISED
    assert libc.calls == RAISED + RESTORED


def test_nested_runs_restore_only_when_the_outer_one_ends(libc: FakeLibc) -> None:
    with memory.kept():
        with memory.kept():
            pass
        assert libc.calls == RAISED  # the outer run still keeps its memory
    assert libc.calls == RAISED + RESTORED


def test_an_error_inside_still_restores(libc: FakeLibc) -> None:
    with pytest.raises(RuntimeError), memory.kept():
        raise RuntimeError("the model failed")
    assert libc.calls == RAISED + RESTORED
    assert memory._runs == 0


def test_runs_on_two_threads_restore_after_the_last(libc: FakeLibc) -> None:
    inside = threading.Barrier(2)
    leave = threading.Event()

    def one_run() -> None:
        with memory.kept():
            inside.wait()
            leave.wait()

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for thread in threads:
        thread.start()
    while memory._runs < 2:
        pass
    assert libc.calls == RAISED
    leave.set()
    for thread in threads:
        thread.join()
    assert libc.calls == RAISED + RESTORED


def test_the_decorator_keeps_the_function_and_its_result(libc: FakeLibc) -> None:
    @memory.keeps_freed_memory
    def total(values: np.ndarray, *, scale: float) -> float:
        """Sums."""
        assert libc.calls == RAISED
        return float(values.sum() * scale)

    assert total(np.ones(4), scale=2.0) == 8.0
    assert total.__doc__ == "Sums."
    assert libc.calls == RAISED + RESTORED


def test_without_glibc_nothing_is_called(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "_LIBC", None)
    with memory.kept():
        assert memory._runs == 0


def test_this_glibc_accepts_the_thresholds() -> None:
    """glibc refuses (returns 0 for) a threshold above its limits: these are within them."""
    import ctypes

    libc = memory._LIBC
    if libc is None:
        pytest.skip("not glibc")
    with memory.kept():
        assert libc.mallopt(memory.M_MMAP_THRESHOLD, ctypes.c_int(memory.KEPT_MMAP_THRESHOLD))
        assert libc.mallopt(memory.M_TRIM_THRESHOLD, ctypes.c_int(memory.KEPT_TRIM_THRESHOLD))
        values = np.ones((1024, 1024))  # 8 MB: from the heap inside
        del values
    assert memory._runs == 0
