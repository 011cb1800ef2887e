"""Model arguments read from an InVEST args dict (``from_invest`` of every model): numbers,
flags and paths under InVEST's names, each problem an ``EngineInputError`` naming the argument.
An empty string counts as absent, as InVEST's forms leave it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from cityweave.engine.errors import EngineInputError

TRUE = {"1", "true", "yes", "on"}


def require(args: Mapping[str, Any], names: Iterable[str]) -> None:
    for name in names:
        if args.get(name) in (None, ""):
            raise EngineInputError(name, "is required")


def number(args: Mapping[str, Any], name: str) -> float | None:
    value = args.get(name)
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise EngineInputError(name, f"{value!r} is not a number") from None


def required_number(args: Mapping[str, Any], name: str, default: float | None = None) -> float:
    """A number, or ``default`` when absent; absent without a default is an error."""
    value = number(args, name)
    if value is None:
        if default is None:
            raise EngineInputError(name, "is required")
        return default
    return value


def integer(args: Mapping[str, Any], name: str) -> int | None:
    value = number(args, name)
    return None if value is None else int(value)


def flag(args: Mapping[str, Any], name: str) -> bool:
    """True for ``true``, ``yes``, ``on``, ``1`` (any case) or a true JSON value; a datastack
    saved by InVEST's form may hold the string ``"false"``, which is False."""
    value = args.get(name)
    if isinstance(value, str):
        return value.strip().lower() in TRUE
    return bool(value)


def path(args: Mapping[str, Any], name: str) -> Path | None:
    value = args.get(name)
    return Path(value) if value not in (None, "") else None


def required_path(args: Mapping[str, Any], name: str) -> Path:
    value = path(args, name)
    if value is None:
        raise EngineInputError(name, "is required")
    return value
