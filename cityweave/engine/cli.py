"""``cityweave assess MODEL --config FILE --out DIR``: run one model from an InVEST-style
argument file, with a progress bar, and write its rasters, a summary JSON and CSV.

Runs without Django (``cityweave.cli`` hands these arguments straight here)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cityweave.engine.config import read_config
from cityweave.engine.errors import EngineInputError
from cityweave.engine.io import write_csv
from cityweave.engine.models import MODELS
from cityweave.engine.scenario import ScenarioResult, run_scenario, write_summary


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="cityweave assess",
        description="Run an ecosystem-service model on InVEST-format inputs.",
    )
    parser.add_argument("model", choices=sorted(MODELS))
    parser.add_argument("--config", required=True, type=Path, help="JSON or *.invs.json file")
    parser.add_argument("--out", required=True, type=Path, help="output folder")
    parser.add_argument(
        "--scenario",
        type=Path,
        metavar="INTERVENTIONS",
        help="polygons, each with a lucode or an nbs_type: run on the baseline and on the "
        "land cover they paint, and write the differences",
    )
    parser.add_argument(
        "--nbs-parameters",
        type=Path,
        metavar="CSV",
        help="one row per NBS type: nbs_type and the columns of the model's table",
    )
    options = parser.parse_args(argv)
    if options.nbs_parameters is not None and options.scenario is None:
        parser.error("--nbs-parameters needs --scenario")
    model = MODELS[options.model]
    scenario = None
    try:
        args = read_config(options.config, model.spec, model.invest_ids)
        if options.scenario is not None:
            scenario = _with_progress(
                options.model,
                lambda progress: run_scenario(
                    model,
                    args,
                    options.scenario,
                    options.out,
                    nbs_parameters=options.nbs_parameters,
                    progress=progress,
                ),
            )
        else:
            parsed = model.parse(args)
            result = _run_with_progress(model, parsed, options.out, options.model)
    except EngineInputError as error:
        sys.stderr.write(f"cityweave assess {options.model}: {error}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write(f"cityweave assess {options.model}: cancelled\n")
        return 130
    if scenario is not None:
        return _report_scenario(model, scenario, options.out)
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
    return _with_progress(name, lambda progress: model.run(parsed, out, progress=progress))


def _with_progress(name: str, work: Callable[[Callable[[int, int], None]], Any]) -> Any:
    """``work(progress)`` with a progress bar on the terminal."""
    from rich.console import Console
    from rich.progress import Progress

    console = Console(stderr=True)
    with Progress(console=console, transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task(f"{name}", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return work(progress)


def _previews(spec: Any, files: dict[str, Path], out: Path, *, of: str = "") -> dict[str, Path]:
    """A PNG with a legend beside every output raster (``name.png``), titled and labelled from
    the model's spec."""
    from cityweave.engine.preview import preview

    about = {output.name.rsplit("/", 1)[-1]: output for output in spec.outputs}
    made = {}
    for key, path in files.items():
        if path.suffix != ".tif":
            continue
        output = about.get(path.name)
        title = (f"{path.stem}: {output.about}" if output else path.stem) + of
        made[key] = preview(
            path, path.with_suffix(".png"), title=title, unit=output.unit if output else ""
        )
    return made


def _report_scenario(model: Any, result: ScenarioResult, out: Path) -> int:
    """Previews of the difference rasters, the summary with them, and the differences printed:
    each figure's baseline, scenario, difference and percent change, the cells each
    intervention changed, then the tables of differences per feature (watershed, area)."""
    previews = _previews(model.spec, result.differences, out, of=", scenario - baseline")
    write_summary(result, out / "difference", model=model.spec.id, previews=previews)

    def shown(value: float | None) -> str:
        return "" if value is None else f"{value:.6g}"

    sys.stdout.write("figure\tbaseline\tscenario\tdifference\tpercent_change\n")
    for row in result.summary:
        values = [shown(row[k]) for k in ("baseline", "scenario", "difference", "percent_change")]
        sys.stdout.write("\t".join([row["name"], *values]) + "\n")
    for row in result.interventions:
        what = f"nbs_type {row['nbs_type']}" if row["nbs_type"] else f"lucode {row['lucode']}"
        sys.stdout.write(
            f"feature {row['feature']} ({what}): {row['cells_changed']} cells changed\n"
        )
    for path in result.per_feature.values():
        sys.stdout.write(f"per feature: {path}\n")
    sys.stdout.write(f"outputs in {out}\n")
    return 0
