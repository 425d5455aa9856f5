"""manage.py seed_paper_entries"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from elue_site.benchmark.papers import seed_paper_entries


class Command(BaseCommand):
    help = (
        "Create or refresh the published static models (BERT-BASE, ALBERT-BASE, ... ElasticBERT-BASE-6L) "
        "as public paper entries with one point per task. Needs the reference curve. Safe to rerun."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            entries = seed_paper_entries()
        except LookupError as error:
            raise CommandError(str(error), returncode=2) from None
        for entry in entries:
            scores = {item.task.key: item.task_score for item in entry.submissions.select_related("task")}
            self.stdout.write(f"{entry.name}: {scores}")
