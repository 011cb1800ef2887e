"""Model arguments read from InVEST args dicts, as every model's ``from_invest`` reads them."""

from __future__ import annotations

from pathlib import Path

import pytest

from cityweave.engine import arguments
from cityweave.engine.errors import EngineInputError
from cityweave.engine.models import carbon


def test_flags_read_the_strings_a_datastack_may_hold() -> None:
    args = {"a": "false", "b": "True", "c": " yes ", "d": 0, "e": True, "f": ""}
    assert [arguments.flag(args, n) for n in "abcdefg"] == [
        False,
        True,
        True,
        False,
        True,
        False,
        False,
    ]


def test_numbers_paths_and_what_is_required() -> None:
    args = {"x": "2.5", "y": "", "p": "a/b.tif", "bad": "warm"}
    assert arguments.number(args, "x") == 2.5
    assert arguments.number(args, "y") is None
    assert arguments.required_number(args, "y", 4.0) == 4.0
    assert arguments.integer({"n": "7.0"}, "n") == 7
    assert arguments.path(args, "p") == Path("a/b.tif")
    assert arguments.path(args, "y") is None
    with pytest.raises(EngineInputError, match="bad: 'warm' is not a number"):
        arguments.number(args, "bad")
    with pytest.raises(EngineInputError, match="y: is required"):
        arguments.required_number(args, "y")
    with pytest.raises(EngineInputError, match="q: is required"):
        arguments.require(args, ("x", "q"))


def test_carbon_reads_a_false_flag_as_false() -> None:
    parsed = carbon.CarbonArgs.from_invest(
        {"lulc_bas_path": "b.tif", "carbon_pools_path": "c.csv", "calc_sequestration": "false"}
    )
    assert parsed.calc_sequestration is False
