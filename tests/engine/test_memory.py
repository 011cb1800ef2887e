"""``engine.memory``: glibc's thresholds and numpy's huge pages set for a run and restored
after the last one."""

from __future__ import annotations

import ctypes
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


class FakeSwitch:
    """numpy's ``_set_madvise_hugepage``: sets the flag, returns the one it had."""

    def __init__(self) -> None:
        self.enabled = True

    def __call__(self, enabled: bool) -> bool:
        before, self.enabled = self.enabled, enabled
        return before


@pytest.fixture
def libc(monkeypatch: pytest.MonkeyPatch) -> FakeLibc:
    fake = FakeLibc()
    monkeypatch.setattr(memory, "_LIBC", fake)
    return fake


@pytest.fixture
def hugepages(monkeypatch: pytest.MonkeyPatch) -> FakeSwitch:
    switch = FakeSwitch()
    monkeypatch.delenv("NUMPY_MADVISE_HUGEPAGE", raising=False)
    monkeypatch.setattr(np._core.multiarray, "_set_madvise_hugepage", switch, raising=False)
    return switch


RAISED = [
    ("mallopt", memory.M_MMAP_THRESHOLD, memory.KEPT_MMAP_THRESHOLD),
    ("mallopt", memory.M_TRIM_THRESHOLD, memory.KEPT_TRIM_THRESHOLD),
]
RESTORED = [
    ("mallopt", memory.M_MMAP_THRESHOLD, memory.DEFAULT_THRESHOLD),
    ("mallopt", memory.M_TRIM_THRESHOLD, memory.DEFAULT_THRESHOLD),
    ("malloc_trim", 0, 0),
]


def test_settings_are_made_inside_and_restored_after(libc: FakeLibc, hugepages: FakeSwitch) -> None:
    with memory.for_a_run():
        assert libc.calls == RAISED
        assert hugepages.enabled is False
    assert libc.calls == RAISED + RESTORED
    assert hugepages.enabled is True


def test_without_reusing_the_heap_only_huge_pages_are_switched(
    libc: FakeLibc, hugepages: FakeSwitch
) -> None:
    with memory.for_a_run(reuse_heap=False):
        assert hugepages.enabled is False
    assert libc.calls == []
    assert hugepages.enabled is True


def test_nested_runs_restore_only_when_the_outer_one_ends(
    libc: FakeLibc, hugepages: FakeSwitch
) -> None:
    with memory.for_a_run(reuse_heap=False):
        with memory.for_a_run():
            assert libc.calls == RAISED
        assert libc.calls == RAISED + RESTORED  # the inner run was the one reusing the heap
        assert hugepages.enabled is False  # the outer run still wants ordinary pages
    assert hugepages.enabled is True
    with memory.for_a_run(), memory.for_a_run():
        pass
    assert libc.calls == (RAISED + RESTORED) * 2


def test_an_error_inside_still_restores(libc: FakeLibc, hugepages: FakeSwitch) -> None:
    with pytest.raises(RuntimeError), memory.for_a_run():
        raise RuntimeError("the model failed")
    assert libc.calls == RAISED + RESTORED
    assert hugepages.enabled is True
    assert memory._runs == memory._heap_runs == 0


def test_runs_on_two_threads_restore_after_the_last(libc: FakeLibc, hugepages: FakeSwitch) -> None:
    inside = threading.Barrier(3, timeout=10)  # both runs inside, and this test
    leave = threading.Event()

    def one_run() -> None:
        with memory.for_a_run():
            inside.wait()
            leave.wait(timeout=10)

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for thread in threads:
        thread.start()
    inside.wait()
    assert memory._runs == 2
    assert libc.calls == RAISED  # raised once, by the first run in
    assert hugepages.enabled is False
    leave.set()
    for thread in threads:
        thread.join(timeout=10)
    assert libc.calls == RAISED + RESTORED
    assert hugepages.enabled is True


def test_a_choice_made_in_the_environment_is_left_alone(
    libc: FakeLibc, hugepages: FakeSwitch, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", "1")
    with memory.for_a_run():
        assert hugepages.enabled is True


def test_the_decorator_keeps_the_function_and_its_result(
    libc: FakeLibc, hugepages: FakeSwitch
) -> None:
    @memory.tuned_for_runs()
    def total(values: np.ndarray, *, scale: float) -> float:
        """Sums."""
        assert libc.calls == RAISED and hugepages.enabled is False
        return float(values.sum() * scale)

    assert total(np.ones(4), scale=2.0) == 8.0
    assert total.__doc__ == "Sums."
    assert libc.calls == RAISED + RESTORED


def test_without_glibc_the_heap_is_left_alone(
    monkeypatch: pytest.MonkeyPatch, hugepages: FakeSwitch
) -> None:
    monkeypatch.setattr(memory, "_LIBC", None)
    with memory.for_a_run():
        assert hugepages.enabled is False
    assert memory._runs == memory._heap_runs == 0


def test_this_glibc_and_numpy_accept_the_settings() -> None:
    """glibc refuses (returns 0 for) a threshold above its limits: these are within them; and
    this numpy has the switch for huge pages."""
    libc = memory._LIBC
    if libc is None:
        pytest.skip("not glibc")
    assert callable(np._core.multiarray._set_madvise_hugepage)
    with memory.for_a_run():
        assert libc.mallopt(memory.M_MMAP_THRESHOLD, ctypes.c_int(memory.KEPT_MMAP_THRESHOLD))
        assert libc.mallopt(memory.M_TRIM_THRESHOLD, ctypes.c_int(memory.KEPT_TRIM_THRESHOLD))
    assert memory._runs == 0
