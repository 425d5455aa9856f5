"""The JSON status of a submission, shared by the page's poller and the API."""

from __future__ import annotations

from typing import Any

from django.db.models.functions import Coalesce
from django.urls import reverse

from elue_site.benchmark.models import Route, Status, Submission
from elue_site.leaderboards.templatetags.leaderboards import mega, mflops, signed
from elue_site.submissions.claims import describe_failure


def queue_position(submission: Submission) -> int | None:
    """Return 1 for the next QUEUED evaluation to run, or None when not queued."""
    if submission.status != Status.QUEUED:
        return None
    queued = Submission.objects.filter(status=Status.QUEUED).alias(since=Coalesce("requeued_at", "submitted_at"))
    ahead = queued.filter(since__lt=submission.queued_since)
    return ahead.exclude(route=Route.PAPER).count() + 1


def submission_status(submission: Submission) -> dict[str, Any]:
    """Return status, queue position, progress, errors and results of `submission`."""
    return {
        "id": submission.pk,
        "entry": submission.entry_id,
        "task": submission.task.key,
        "route": submission.route,
        "status": submission.status,
        "status_display": submission.get_status_display(),
        "queue_position": queue_position(submission),
        "progress": {
            "step": submission.progress_step,
            "done": submission.progress_done,
            "total": submission.progress_total,
        },
        "attempts": submission.attempts,
        "errors": submission.errors,
        "failure_reason": describe_failure(submission.failure_reason) if submission.failure_reason else "",
        "counts_against_quota": submission.counts_against_quota,
        "submitted_at": submission.submitted_at.isoformat(),
        "finished_at": submission.finished_at.isoformat() if submission.finished_at else None,
        "results": _results(submission),
        "url": reverse("submissions:detail", kwargs={"pk": submission.pk}),
    }


def _results(submission: Submission) -> dict[str, Any] | None:
    if submission.status != Status.FINISHED:
        return None
    return {
        "task_score": submission.task_score,
        "task_score_display": signed(submission.task_score),
        "scoring_method": submission.scoring_method,
        "params": submission.params,
        "points": [
            {
                "position": point.position,
                "performance": point.performance,
                "metrics": point.metrics,
                "flops": point.flops,
                "mflops": point.flops / 1e6,
                "params": point.params,
                "score": point.score,
                "performance_source": point.performance_source,
                "flops_source": point.flops_source,
                "params_source": point.params_source,
                "is_estimate": point.is_estimate,
                "display": _point_display(point),
            }
            for point in submission.points.order_by("position")
        ],
    }


def _point_display(point: object) -> dict[str, str]:
    """Return the point's numbers as the pages show them, for the page's live update."""
    return {
        "performance": f"{point.performance:.2f}",
        "mflops": mflops(point.flops),
        "params": mega(point.params, 2) if point.params else "",
        "score": signed(point.score),
    }
