"""Running the evaluator for one claimed submission and storing its outcome.

`run_evaluation` calls evaluator.evaluate with the private task data, the
task's reference curve and the uploaded files. The untrusted model file is
only ever imported by the evaluator's isolated child process, never here.
"""

from __future__ import annotations

import importlib.metadata
import logging
import platform
import threading
import time
from pathlib import Path
from typing import Any

import evaluator
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import ngettext

from elue_site.benchmark.models import PredictionFile, ResultPoint, Route, Source, Status, Submission
from elue_site.benchmark.scoring import MILLION, reference_curve, score_points
from elue_site.submissions.claims import Claim, failed_fields

logger = logging.getLogger(__name__)

# Seconds between two progress writes; a step change is always written.
PROGRESS_INTERVAL_SECONDS = 1.0
LIBRARIES = ("django", "celery", "torch", "fvcore", "numpy", "scipy")


class ProgressRecorder:
    """Progress callback for the evaluator: writes step, counts and heartbeat, throttled."""

    def __init__(self, claim: Claim) -> None:
        self.claim = claim
        self.last_step = None
        self.last_write = 0.0

    def __call__(self, step: str, done: int, total: int) -> None:
        now = time.monotonic()
        if step == self.last_step and done < total and now - self.last_write < PROGRESS_INTERVAL_SECONDS:
            return
        self.last_step, self.last_write = step, now
        self.claim.rows().update(
            progress_step=step[:100], progress_done=max(done, 0), progress_total=max(total, 0),
            heartbeat_at=timezone.now(),
        )


class Heartbeat:
    """Background thread that refreshes heartbeat_at while the evaluation runs.

    The evaluator reports no progress while the sandbox measures a model
    file, which can take longer than ELUE_HEARTBEAT_STALE_SECONDS; without
    this thread a healthy run would look lost and be claimed twice.
    """

    def __init__(self, claim: Claim) -> None:
        self.claim = claim
        self.interval = max(1.0, settings.ELUE_HEARTBEAT_STALE_SECONDS / 5)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"heartbeat-{claim.submission_id}", daemon=True)

    def __enter__(self) -> "Heartbeat":
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopped.set()
        self.thread.join()

    def _beat(self) -> None:
        try:
            while not self.stopped.wait(self.interval):
                self.claim.rows().update(heartbeat_at=timezone.now())
        except DatabaseError:
            logger.exception("Submission %s: heartbeat update failed", self.claim.submission_id)
        finally:
            connection.close()


def run_evaluation(claim: Claim) -> Any:
    """Evaluate the claimed submission; return the evaluator's EvaluationResult."""
    submission = Submission.objects.select_related("task").get(pk=claim.submission_id)
    predictions = [prediction.file.path for prediction in submission.prediction_files.order_by("position")]
    model_file = submission.model_file.path if submission.route == Route.MODEL else None
    curve, _ = reference_curve(submission.task)
    options: dict[str, Any] = {"reference": curve, "progress": ProgressRecorder(claim)}
    if settings.ELUE_EVALUATION_TIMEOUT:
        options["timeout"] = settings.ELUE_EVALUATION_TIMEOUT
    with Heartbeat(claim):
        return evaluator.evaluate(
            submission.task.key, settings.ELUE_PRIVATE_DATA_DIR, predictions, model_file, **options,
        )


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def store_result(claim: Claim, result: Any, wall_seconds: float) -> bool:
    """Store points, parameters, score and provenance; mark FINISHED.

    Returns False, storing nothing, when the claim no longer holds.
    """
    data = result.to_dict()
    with transaction.atomic():
        submission = claim.rows().select_for_update().select_related("task").first()
        if submission is None:
            logger.warning("Submission %s: claim lost before storing; result dropped", claim.submission_id)
            return False
        _store_points(submission, data)
        submission.provenance = {
            **data.get("provenance", {}),
            "scoring_method": submission.scoring_method,
            "platform_versions": library_versions(),
            "worker": submission.claimed_by,
            "attempt": claim.attempt,
            "task_wall_seconds": round(wall_seconds, 3),
        }
        submission.status = Status.FINISHED
        submission.finished_at = timezone.now()
        submission.errors = []
        submission.save()
    return True


def _store_points(submission: Submission, data: dict) -> None:
    measured_cost = submission.route == Route.MODEL
    typed = list(submission.prediction_files.order_by("position").values_list("typed_flops", flat=True))
    points = data["points"]
    flops = [_measured_flops(point) for point in points] if measured_cost else typed
    params = data.get("params") if measured_cost else submission.typed_params
    scored = score_points(submission.task, [(point["performance"], cost) for point, cost in zip(points, flops)])

    cost_source = Source.MEASURED if measured_cost else Source.SELF_REPORTED
    submission.points.all().delete()
    for position, (point, cost, score) in enumerate(zip(points, flops, scored.point_scores)):
        ResultPoint.objects.create(
            submission=submission, position=position, performance=point["performance"],
            metrics=point.get("metrics", {}), flops=cost, params=params, score=score,
            performance_source=Source.MEASURED, flops_source=cost_source, params_source=cost_source,
        )
    submission.params = params
    submission.task_score = scored.task_score
    submission.scoring_method = scored.method


def _measured_flops(point: dict) -> int:
    if point.get("flops") is not None:
        return int(point["flops"])
    return round(point["mflops"] * MILLION)


def submitter_problems(claim: Claim, problems: list) -> list[dict]:
    """Return the evaluator's problems as dicts, with stored file names replaced by uploaded ones."""
    uploaded = {
        Path(prediction.file.name).name: prediction.original_name
        for prediction in PredictionFile.objects.filter(submission_id=claim.submission_id)
    }
    submission = Submission.objects.only("model_file").get(pk=claim.submission_id)
    if submission.model_file:
        uploaded.setdefault(Path(submission.model_file.name).name, Path(submission.model_file.name).name)
    result = []
    for problem in problems:
        item = problem.to_dict()
        item["file"] = uploaded.get(item["file"], item["file"])
        result.append(item)
    return result


def invalid_files_reason(error: evaluator.InvalidInputError) -> str:
    """Return the failure reason for invalid submitted files: how many problems, how many not shown."""
    shown = len(error.problems)
    reason = ngettext("The submitted files are invalid: %(count)s problem listed",
                      "The submitted files are invalid: %(count)s problems listed", shown) % {"count": shown}
    if error.truncated:
        reason += ngettext(" and %(count)s more not shown", " and %(count)s more not shown",
                           error.truncated) % {"count": error.truncated}
    return reason + "."


def mark_failed(claim: Claim, reason: str, errors: list | None = None, *, counts_against_quota: bool) -> bool:
    """Mark the claimed submission FAILED; return False when the claim no longer holds."""
    updated = claim.rows().update(**failed_fields(reason, errors, counts_against_quota=counts_against_quota))
    if updated:
        logger.info("Submission %s FAILED: %s", claim.submission_id, reason.splitlines()[0] if reason else "")
    return bool(updated)
