"""manage.py import_task_data DIR [--tasks SST-2,MRPC]"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import evaluator
from django.core.management.base import BaseCommand, CommandError, CommandParser

from elue_site.benchmark.taskdata import TaskDataError, check_source, import_task


class Command(BaseCommand):
    help = (
        "Import task data with hidden test labels from an ELUE-layout directory "
        "(<dir>/<task>/test.tsv and test_full.tsv) into ELUE_PRIVATE_DATA_DIR. Safe to rerun."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="ELUE-layout task data directory.")
        parser.add_argument(
            "--tasks", default=",".join(evaluator.TASKS),
            help="Comma-separated task keys to import (default: all six).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source: Path = options["directory"].resolve()
        try:
            keys = [evaluator.get_task(name).key for name in options["tasks"].split(",") if name.strip()]
            check_source(source, keys)
            for key in keys:
                imported = import_task(source, key)
                self.stdout.write(f"{imported.key}: {imported.examples} test examples imported")
        except (TaskDataError, evaluator.UnknownNameError) as error:
            raise CommandError(str(error), returncode=2) from None
