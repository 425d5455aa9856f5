"""Staff actions shared by the dashboard and the Django admin.

* Re-run: a FAILED or FINISHED submission with uploaded files goes back to
  QUEUED and is sent to the same Celery task as a new submission. The state
  change is one conditional UPDATE, so two clicks enqueue it once.
* Hide and unhide: staff moderation of an entry, independent of whether the
  owner published it.
* Re-score: after a task's reference curve changes, every finished
  submission of that task gets new point scores and a new task score.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import ngettext

from elue_site.benchmark.models import ModelEntry, ResultPoint, Route, Status, Submission, Task
from elue_site.benchmark.scoring import score_points
from elue_site.submissions.services import enqueue

logger = logging.getLogger(__name__)

RERUNNABLE = (Status.FAILED, Status.FINISHED)
# Provenance of reference FLOPs typed by staff; reseeding the curve never overwrites them.
STAFF_FLOPS_PROVENANCE = {"method": "typed by staff"}


@dataclass(frozen=True)
class RescoreReport:
    """Outcome of re-scoring one task: how many submissions changed."""

    task_key: str
    submissions: int
    changed: int


def rescore_message(report: RescoreReport) -> str:
    """Return the staff message for a re-score, with plurals for both counts."""
    rescored = ngettext(
        "Re-scored %(total)s finished submission of %(task)s;",
        "Re-scored %(total)s finished submissions of %(task)s;", report.submissions,
    ) % {"total": report.submissions, "task": report.task_key}
    changed = ngettext(
        "%(changed)s task score changed.", "%(changed)s task scores changed.", report.changed,
    ) % {"changed": report.changed}
    return f"{rescored} {changed}"


def rerun_submission(submission_id: int, *, staff_user: object) -> bool:
    """Put a finished or failed evaluated submission back in the queue.

    Returns False, doing nothing, when the submission is queued or running
    already, or came from the paper route, whose typed numbers need no run.
    """
    reset = {
        "status": Status.QUEUED, "progress_step": "", "progress_done": 0, "progress_total": 0,
        "attempts": 0, "claimed_by": "", "heartbeat_at": None, "errors": [], "failure_reason": "",
        "started_at": None, "finished_at": None, "requeued_at": timezone.now(),
    }
    updated = (
        Submission.objects.filter(pk=submission_id, status__in=RERUNNABLE)
        .exclude(route=Route.PAPER)
        .update(**reset)
    )
    if not updated:
        logger.info("Re-run of submission %s by %s skipped: not finished or failed", submission_id, staff_user)
        return False

    transaction.on_commit(lambda: enqueue(submission_id))
    logger.info("Submission %s re-queued by %s", submission_id, staff_user)
    return True


def set_hidden(entry_id: int, hidden: bool, *, staff_user: object) -> bool:
    """Hide or unhide an entry; return False when it was already in that state."""
    updated = ModelEntry.objects.filter(pk=entry_id).exclude(is_hidden=hidden).update(is_hidden=hidden)
    if updated:
        logger.info("Entry %s %s by %s", entry_id, "hidden" if hidden else "unhidden", staff_user)
    return bool(updated)


def rescore_task(task: Task) -> RescoreReport:
    """Score every finished submission of `task` again against its current curve."""
    submissions = (
        Submission.objects.filter(task=task, status=Status.FINISHED)
        .select_related("task")
        .prefetch_related(Prefetch("points", queryset=ResultPoint.objects.order_by("position")))
    )
    total = changed = 0
    with transaction.atomic():
        for submission in submissions:
            total += 1
            changed += _rescore(submission)
    logger.info("Re-scored task %s: %s of %s submissions changed", task.key, changed, total)
    return RescoreReport(task.key, total, changed)


def _rescore(submission: Submission) -> int:
    points = list(submission.points.all())
    if not points:
        return 0
    scored = score_points(submission.task, [(point.performance, point.flops) for point in points])
    for point, score in zip(points, scored.point_scores):
        point.score = score
    ResultPoint.objects.bulk_update(points, ["score"])

    before = submission.task_score
    submission.task_score = scored.task_score
    submission.scoring_method = scored.method
    submission.provenance = {**(submission.provenance or {}), **scored.provenance}
    submission.save(update_fields=["task_score", "scoring_method", "provenance"])
    return int(before != scored.task_score)
