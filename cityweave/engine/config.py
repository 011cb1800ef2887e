"""Model arguments from a file: a JSON object of InVEST's argument names, or an InVEST
datastack parameter file (``*.invs.json``: ``{"model_id" or "model_name", "args": {...}}``).
Relative paths resolve against the file's folder, as InVEST resolves them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cityweave.engine.errors import EngineInputError
from cityweave.engine.spec import ModelSpec


def read_config(path: str | Path, spec: ModelSpec, invest_ids: tuple[str, ...]) -> dict[str, Any]:
    path = Path(path)
    shown = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise EngineInputError(shown, f"cannot be read ({error.strerror})") from None
    except json.JSONDecodeError as error:
        raise EngineInputError(shown, f"is not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise EngineInputError(shown, "expected a JSON object of model arguments")
    if isinstance(data.get("args"), dict):  # an InVEST datastack
        model = str(data.get("model_id") or data.get("model_name") or "")
        short = model.rsplit(".", 1)[-1]
        if model and short not in invest_ids:
            raise EngineInputError(
                shown, f"is a datastack of the InVEST model {model!r}, not of {spec.id}"
            )
        data = data["args"]
    args: dict[str, Any] = {}
    kinds = {item.name: item.kind for item in spec.inputs}
    for name, value in data.items():
        if kinds.get(name) in {"raster", "table", "vector"} and isinstance(value, str) and value:
            candidate = Path(value)
            args[name] = candidate if candidate.is_absolute() else (path.parent / candidate)
        else:
            args[name] = value
    for item in spec.inputs:
        if item.required and args.get(item.name) in (None, ""):
            raise EngineInputError(shown, f"{item.name} is required ({item.about})")
    for name, value in args.items():
        is_file = kinds.get(name) in {"raster", "table", "vector"} and isinstance(value, Path)
        if is_file and not value.exists():
            raise EngineInputError(shown, f"{name}: {value} does not exist")
    return args
