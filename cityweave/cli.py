"""The ``cityweave`` console command.

``cityweave serve|seed|import|export|...`` are thin wrappers over Django management commands, so
``cityweave migrate`` or any other ``manage.py`` command works too.
"""

from __future__ import annotations

import os
import sys

ALIASES = {
    "import": "import_records",
    "export": "export_records",
}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityweave.config.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "assess":  # the engine needs no database: no Django
        from cityweave.engine.cli import main as assess

        raise SystemExit(assess(args[1:]))
    if args and args[0] in ALIASES:
        args[0] = ALIASES[args[0]]
    from django.core.management import execute_from_command_line

    execute_from_command_line(["cityweave", *args])


if __name__ == "__main__":
    main()
