"""``cityweave seed``: load the real seed data shipped in ``cityweave/data/`` (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cityweave.data.loaders import load_all
from cityweave.search import rebuild_index


class Command(BaseCommand):
    help = "Load the real seed data from cityweave/data/ (a second run changes nothing)."

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = int(options.get("verbosity", 1))
        report = load_all()
        indexed = rebuild_index()
        if verbosity:
            for kind, counts in report.items():
                self.stdout.write(f"{kind}: {counts}")
            self.stdout.write(self.style.SUCCESS(f"search index: {indexed} documents"))
