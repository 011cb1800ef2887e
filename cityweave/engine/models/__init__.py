"""The engine's models, each with ``SPEC``, ``validate()`` and ``run()``, by the name the
command line uses (``cityweave assess carbon``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cityweave.engine.models import access, carbon, cooling, runoff, stormwater
from cityweave.engine.spec import ModelSpec


@dataclass(frozen=True)
class Model:
    spec: ModelSpec
    # InVEST argument names → the model's arguments; the InVEST model ids it accepts.
    parse: Callable[[Mapping[str, Any]], Any]
    run: Callable[..., Any]
    invest_ids: tuple[str, ...]
    # The arguments a scenario replaces (``engine/scenario.py``): the land-cover raster and the
    # table of its classes, keyed by ``lucode``.
    land_cover: str = ""
    class_table: str = ""


MODELS: dict[str, Model] = {
    "access": Model(
        access.SPEC,
        access.AccessArgs.from_invest,
        access.run,
        ("urban_nature_access", "una"),
        land_cover="lulc_raster_path",
        class_table="lulc_attribute_table",
    ),
    "carbon": Model(
        carbon.SPEC,
        carbon.CarbonArgs.from_invest,
        carbon.run,
        ("carbon",),
        land_cover="lulc_bas_path",
        class_table="carbon_pools_path",
    ),
    "cooling": Model(
        cooling.SPEC,
        cooling.CoolingArgs.from_invest,
        cooling.run,
        ("urban_cooling_model",),
        land_cover="lulc_raster_path",
        class_table="biophysical_table_path",
    ),
    "runoff": Model(
        runoff.SPEC,
        runoff.RunoffArgs.from_invest,
        runoff.run,
        ("urban_flood_risk_mitigation",),
        land_cover="lulc_path",
        class_table="curve_number_table_path",
    ),
    "stormwater": Model(
        stormwater.SPEC,
        stormwater.StormwaterArgs.from_invest,
        stormwater.run,
        ("stormwater",),
        land_cover="lulc_path",
        class_table="biophysical_table",
    ),
}
