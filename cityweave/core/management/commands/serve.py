"""``cityweave serve``: serve CityWeave with waitress (a production WSGI server)."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve CityWeave on http://HOST:PORT (PORT from the environment, default 8000)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("THREADS", "8")))

    def handle(self, *args: Any, host: str, port: int, threads: int, **options: Any) -> None:
        from waitress import serve

        from cityweave.config.wsgi import application

        self.stdout.write(self.style.SUCCESS(f"CityWeave is serving on http://{host}:{port}/"))
        serve(application, host=host, port=port, threads=threads, ident="CityWeave")
