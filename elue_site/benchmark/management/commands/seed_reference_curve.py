"""manage.py seed_reference_curve [--tasks ...]"""

from __future__ import annotations

from typing import Any

import evaluator
from django.core.management.base import BaseCommand, CommandError, CommandParser

from elue_site.benchmark.models import Task
from elue_site.benchmark.seeding import seed_task_curve


class Command(BaseCommand):
    help = (
        "Create the missing points of the reference curve (ElasticBERT-BASE at 12 and 6 layers, "
        "SST-2 also 4 and 3) with FLOPs computed from the imported test sets. Safe to rerun: stored "
        "points keep their performance, FLOPs are recomputed only when the test data changed, and "
        "computed FLOPs are cached per test-file checksum."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tasks", default=",".join(evaluator.TASKS),
                            help="Comma-separated task keys (default: all six).")

    def handle(self, *args: Any, **options: Any) -> None:
        keys = [name.strip() for name in options["tasks"].split(",") if name.strip()]
        for name in keys:
            try:
                task = Task.objects.get(key=evaluator.get_task(name).key)
            except evaluator.UnknownNameError as error:
                raise CommandError(str(error), returncode=2) from None
            if task.data_imported_at is None:
                raise CommandError(
                    f"Task {task.key} has no imported data; run import_task_data DIR first.", returncode=2,
                )
            for point in seed_task_curve(task):
                note = " (approximate performance)" if point.is_estimate else ""
                self.stdout.write(f"{point.task} {point.layers:>2}L: {point.flops / 1e6:,.1f} MFLOPs "
                                  f"({point.origin}), performance {point.performance}{note}")
