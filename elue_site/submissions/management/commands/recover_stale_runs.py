"""manage.py recover_stale_runs"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from elue_site.submissions.claims import recover_stale_runs


class Command(BaseCommand):
    help = (
        "Requeue RUNNING submissions whose heartbeat is older than ELUE_HEARTBEAT_STALE_SECONDS, "
        "or mark them FAILED (worker lost) after ELUE_MAX_ATTEMPTS attempts."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = recover_stale_runs()
        self.stdout.write(f"requeued {counts['requeued']}, failed {counts['failed']}")
