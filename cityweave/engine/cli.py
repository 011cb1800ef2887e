"""``cityweave assess MODEL --config FILE --out DIR``: run one model from an InVEST-style
argument file, with a progress bar, and write its rasters, a summary JSON and CSV.

Runs without Django (``cityweave.cli`` hands these arguments straight here)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from cityweave.engine.config import read_config
from cityweave.engine.errors import EngineInputError
from cityweave.engine.io import write_csv
from cityweave.engine.models import MODELS


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="cityweave assess",
        description="Run an ecosystem-service model on InVEST-format inputs.",
    )
    parser.add_argument("model", choices=sorted(MODELS))
    parser.add_argument("--config", required=True, type=Path, help="JSON or *.invs.json file")
    parser.add_argument("--out", required=True, type=Path, help="output folder")
    options = parser.parse_args(argv)
    model = MODELS[options.model]
    try:
        args = read_config(options.config, model.spec, model.invest_ids)
        parsed = model.parse(args)
        result = _run_with_progress(model, parsed, options.out, options.model)
    except EngineInputError as error:
        sys.stderr.write(f"cityweave assess {options.model}: {error}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write(f"cityweave assess {options.model}: cancelled\n")
        return 130
    previews = _previews(model.spec, result.files, options.out)
    summary = {"model": options.model, "outputs": {k: str(v) for k, v in result.files.items()}}
    summary["previews"] = {k: str(v) for k, v in previews.items()}
    summary["summary"] = result.summary
    (options.out / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    write_csv(
        options.out / "summary.csv",
        [{"name": name, "value": value} for name, value in result.summary.items()],
    )
    for name, value in result.summary.items():
        sys.stdout.write(f"{name}\t{value:.6g}\n")
    sys.stdout.write(f"outputs in {options.out}\n")
    return 0


def _run_with_progress(model: Any, parsed: Any, out: Path, name: str) -> Any:
    from rich.console import Console
    from rich.progress import Progress

    console = Console(stderr=True)
    with Progress(console=console, transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task(f"{name}", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return model.run(parsed, out, progress=progress)


def _previews(spec: Any, files: dict[str, Path], out: Path) -> dict[str, Path]:
    """A PNG with a legend beside every output raster (``name.png``), titled and labelled from
    the model's spec."""
    from cityweave.engine.preview import preview

    about = {output.name.rsplit("/", 1)[-1]: output for output in spec.outputs}
    made = {}
    for key, path in files.items():
        if path.suffix != ".tif":
            continue
        output = about.get(path.name)
        title = f"{path.stem}: {output.about}" if output else path.stem
        made[key] = preview(
            path, path.with_suffix(".png"), title=title, unit=output.unit if output else ""
        )
    return made
