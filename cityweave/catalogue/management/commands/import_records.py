"""``cityweave import KIND FILE [--skip-invalid]``: upsert hub items from CSV or JSON, or the
climate targets of a Covenant of Mayors or Net Zero Tracker file."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cityweave.catalogue.services.imports import (
    KIND_NAMES,
    ImportFileError,
    ImportRejected,
    import_rows,
    read_rows,
)
from cityweave.climate.services import (
    DATASET_NAMES,
    TargetImportError,
    TargetImportRejected,
    targets_import,
)

# Files longer than this show a progress bar on a terminal.
PROGRESS_THRESHOLD = 200
# At most this many row errors are listed when a file is rejected.
MAX_LISTED_ERRORS = 50


class Command(BaseCommand):
    help = (
        "Import cases, instruments, resources, nbs-types or cities from a CSV or JSON file with "
        "the columns of the export, or climate targets from a Covenant of Mayors (covenant) or "
        "Net Zero Tracker (net-zero-tracker) CSV, reporting each row whose city is unknown. One "
        "transaction: a bad row rejects the file unless --skip-invalid, and Ctrl-C cancels with "
        "nothing written. Records are matched by slug."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted([*KIND_NAMES, *DATASET_NAMES]))
        parser.add_argument("file", type=Path, help="a .csv or .json file")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="import the valid rows and report the invalid ones instead of rejecting the file",
        )
        parser.add_argument(
            "--source-name",
            default="",
            help="provenance of new records whose row names no source (default: the file name)",
        )

    def handle(
        self,
        *args: Any,
        kind: str,
        file: Path | str,
        skip_invalid: bool = False,
        source_name: str = "",
        **options: Any,
    ) -> None:
        file = Path(file)
        if kind in DATASET_NAMES:
            self._import_targets(kind, file, skip_invalid)
            return
        try:
            rows = read_rows(file)
        except ImportFileError as error:
            raise CommandError(str(error)) from error
        tabular_kind = KIND_NAMES[kind]
        try:
            with _progress(len(rows), description=f"Importing {kind}") as advance:
                report = import_rows(
                    kind=tabular_kind,
                    rows=rows,
                    source_name=source_name or file.name,
                    skip_invalid=skip_invalid,
                    on_row=advance,
                )
        except KeyboardInterrupt:  # Ctrl-C: the import's transaction has rolled back
            raise CommandError(
                f"{file.name}: import cancelled; nothing was written.", returncode=130
            ) from None
        except ImportFileError as error:
            raise CommandError(f"{file.name}: {error}") from error
        except ImportRejected as rejected:
            listed = [str(error) for error in rejected.errors[:MAX_LISTED_ERRORS]]
            more = len(rejected.errors) - len(listed)
            if more:
                listed.append(f"... and {more} more")
            raise CommandError(
                f"{file.name} was not imported (nothing was written):\n"
                + "\n".join(listed)
                + "\nFix these rows, or pass --skip-invalid to import the valid rows only."
            ) from rejected

        for row_error in report.skipped:
            self.stderr.write(f"skipped {row_error}")
        summary = (
            f"{kind}: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {len(report.skipped_rows)} skipped"
        )
        self.stdout.write(self.style.SUCCESS(summary))

    def _import_targets(self, kind: str, file: Path, skip_invalid: bool) -> None:
        try:
            rows = read_rows(file)
        except ImportFileError as error:
            raise CommandError(str(error)) from error
        try:
            with _progress(len(rows), description=f"Importing {kind}") as advance:
                report = targets_import(
                    dataset=kind,
                    rows=rows,
                    retrieved_on=timezone.localdate(),
                    skip_invalid=skip_invalid,
                    on_row=advance,
                )
        except KeyboardInterrupt:
            raise CommandError(
                f"{file.name}: import cancelled; nothing was written.", returncode=130
            ) from None
        except TargetImportError as error:
            raise CommandError(f"{file.name}: {error}") from error
        except TargetImportRejected as rejected:
            raise CommandError(
                f"{file.name} was not imported (nothing was written):\n"
                + _listed(rejected.errors)
                + "\nFix these rows, or pass --skip-invalid to import the valid rows only."
            ) from rejected
        for problem in report.skipped:
            self.stderr.write(f"skipped {problem}")
        for problem in report.unmatched:
            self.stderr.write(f"unmatched {problem}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{kind}: {report.rows} rows, {report.matched_rows} matched a city, "
                f"{len(report.unmatched)} unmatched, {len(report.skipped)} skipped; targets "
                f"{_counts(report.targets)}; pledges {_counts(report.memberships)}"
            )
        )


def _counts(counts: dict[str, int]) -> str:
    return (
        f"{counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged"
    )


def _listed(errors: list[Any]) -> str:
    listed = [str(error) for error in errors[:MAX_LISTED_ERRORS]]
    if len(errors) > len(listed):
        listed.append(f"... and {len(errors) - len(listed)} more")
    return "\n".join(listed)


@contextmanager
def _progress(rows: int, *, description: str) -> Iterator[Callable[[], None] | None]:
    """A rich progress bar on the terminal for long files; nothing otherwise."""
    if rows <= PROGRESS_THRESHOLD or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=2 * rows)  # validated, then written
        yield lambda: bar.advance(task)
