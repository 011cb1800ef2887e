"""The engine never imports Django: checked in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys


def test_engine_imports_without_django() -> None:
    code = (
        "import sys, importlib, pkgutil, cityweave.engine as engine\n"
        "for module in pkgutil.walk_packages(engine.__path__, 'cityweave.engine.'):\n"
        "    importlib.import_module(module.name)\n"
        "bad = sorted(n for n in sys.modules if n == 'django' or n.startswith('django.'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"the engine imported {result.stdout.strip()}"
