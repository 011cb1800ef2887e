"""The job functions CityWeave knows, by kind: ``@register("import")``.

A job function is called as ``function(ctx, **params)`` with a ``JobContext`` and the job's
parameters (JSON values); it returns the job's result, a JSON-serialisable ``dict`` (or None).
A function is registered when its module is imported, so ``submit`` can only name kinds whose
module the caller has imported — the worker runs in the same process.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

JobFunction = Callable[..., Mapping[str, Any] | None]
Cleanup = Callable[[Mapping[str, Any]], None]


class UnknownJobKind(LookupError):
    pass


@dataclass(frozen=True)
class JobSpec:
    kind: str
    function: JobFunction
    # Run the function in one transaction: a failed or cancelled job leaves nothing behind.
    atomic: bool = True
    # Called with the job's parameters when the job ends in any state, including a job
    # cancelled before it started (e.g. to delete an uploaded file).
    cleanup: Cleanup | None = None


_JOBS: dict[str, JobSpec] = {}


def register(
    kind: str, *, atomic: bool = True, cleanup: Cleanup | None = None
) -> Callable[[JobFunction], JobFunction]:
    """Register the decorated function as the job of ``kind``."""

    def decorate(function: JobFunction) -> JobFunction:
        known = _JOBS.get(kind)
        if known is not None and known.function is not function:
            raise ValueError(f"a job of kind {kind!r} is already registered: {known.function}")
        _JOBS[kind] = JobSpec(kind=kind, function=function, atomic=atomic, cleanup=cleanup)
        return function

    return decorate


def get_spec(kind: str) -> JobSpec:
    try:
        return _JOBS[kind]
    except KeyError:
        raise UnknownJobKind(f"no job of kind {kind!r} is registered") from None
