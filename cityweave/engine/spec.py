"""Declarative model specs, as InVEST's ``MODEL_SPEC``: what a model takes (name, kind, unit,
whether it is required) and what it writes. Validation and the CLI read them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Input:
    name: str  # the InVEST argument name, e.g. ``lulc_raster_path``
    kind: str  # raster | table | vector | number | integer | boolean | text
    about: str
    unit: str = ""
    required: bool = True
    columns: tuple[str, ...] = ()  # for tables: the columns that must be there


@dataclass(frozen=True)
class Output:
    name: str  # file name under the output folder, InVEST's own
    about: str
    unit: str = ""


@dataclass(frozen=True)
class ModelSpec:
    id: str
    title: str
    reference: str  # the InVEST model it follows
    inputs: tuple[Input, ...]
    outputs: tuple[Output, ...]
