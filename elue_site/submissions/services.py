"""Creating submissions: the one path shared by the web form and the API.

`create_submission` checks the route's inputs and every upload limit, saves
the submission and its files in one transaction and, for routes 2 and 3,
enqueues the evaluation after the commit. Route 1 (paper points) needs no
worker: its points are stored and scored at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from elue_site.benchmark.models import (
    ModelEntry, PredictionFile, ResultPoint, Route, Source, Status, Submission, Task,
)
from elue_site.benchmark.scoring import score_points
from elue_site.submissions import limits
from elue_site.submissions.parsing import PaperPoint

logger = logging.getLogger(__name__)


@dataclass
class SubmissionRequest:
    """Inputs of one submission: one task of one entry, by one route."""

    entry: ModelEntry
    task: Task
    route: str
    predictions: list[UploadedFile] = field(default_factory=list)
    typed_flops: list[int] = field(default_factory=list)
    typed_params: int | None = None
    model_file: UploadedFile | None = None
    paper_points: list[PaperPoint] = field(default_factory=list)

    @property
    def files(self) -> list[UploadedFile]:
        return self.predictions + ([self.model_file] if self.model_file else [])


def validate_request(request: SubmissionRequest) -> None:
    """Raise ValidationError when the inputs do not fit the route."""
    if request.route not in Route.values:
        raise ValidationError(
            _("Unknown route %(value)r; use paper, predictions or model."),
            code="invalid_route", params={"value": request.route},
        )
    if request.route == Route.PAPER:
        if not request.paper_points:
            raise ValidationError(_("Give at least one point."), code="no_points")
        return
    if not request.predictions:
        raise ValidationError(_("Upload at least one predictions file."), code="no_predictions")
    if request.route == Route.PREDICTIONS:
        _validate_typed_cost(request)
    elif request.model_file is None:
        raise ValidationError(
            _("Upload the model-definition Python file (module_list and entire_model)."),
            code="no_model_file",
        )
    elif not request.model_file.name.endswith(".py"):
        raise ValidationError(
            _("The model file must be a Python file ending in .py, got %(value)r."),
            code="invalid_model_file", params={"value": request.model_file.name},
        )


def _validate_typed_cost(request: SubmissionRequest) -> None:
    files, values = len(request.predictions), len(request.typed_flops)
    if files != values:
        message = " ".join((
            ngettext("Give one MFLOPs value per predictions file: you uploaded %(files)s file",
                     "Give one MFLOPs value per predictions file: you uploaded %(files)s files", files),
            ngettext("and typed %(values)s value.", "and typed %(values)s values.", values),
        ))
        raise ValidationError(
            message,
            code="flops_count_mismatch",
            params={"files": files, "values": values},
        )
    if request.typed_params is None:
        raise ValidationError(_("Give the model's parameters in MParams."), code="no_params")


def create_submission(user: object, request: SubmissionRequest) -> Submission:
    """Validate, apply the upload limits, save and (routes 2 and 3) enqueue."""
    validate_request(request)
    with transaction.atomic():
        # Lock the user's row so two parallel uploads cannot both pass the quota.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()  # type: ignore[attr-defined]
        limits.check_upload(user, request.route, request.files)
        submission = Submission.objects.create(
            entry=request.entry, task=request.task, route=request.route, submitted_by=user,
            typed_params=request.typed_params,
        )
        if request.route == Route.PAPER:
            store_paper_points(submission, request.paper_points, Source.SELF_REPORTED)
        else:
            _save_files(submission, request)
            transaction.on_commit(lambda: enqueue(submission.pk))
    logger.info(
        "Submission %s created: entry %s, task %s, route %s",
        submission.pk, request.entry.pk, request.task.key, request.route,
    )
    return submission


def _save_files(submission: Submission, request: SubmissionRequest) -> None:
    for position, upload in enumerate(request.predictions):
        typed = request.typed_flops[position] if request.route == Route.PREDICTIONS else None
        prediction = PredictionFile(
            submission=submission, position=position, original_name=upload.name, typed_flops=typed,
        )
        prediction.file.save(upload.name, upload, save=False)
        prediction.save()
    if request.model_file is not None:
        submission.model_file.save(request.model_file.name, request.model_file, save=True)


def enqueue(submission_id: int) -> None:
    """Send the evaluation task for `submission_id` to the `evaluate` queue."""
    from elue_site.submissions.tasks import evaluate_submission

    evaluate_submission.delay(submission_id)
    logger.info("Submission %s enqueued", submission_id)


def store_paper_points(submission: Submission, points: list[PaperPoint], source: str,
                       *, is_estimate: bool = False) -> None:
    """Store typed points with the platform's scores and mark the submission FINISHED.

    Storing again (reseeding paper entries) updates the points in place.
    """
    scored = score_points(submission.task, [(point.performance, point.flops) for point in points])
    for position, (point, score) in enumerate(zip(points, scored.point_scores)):
        ResultPoint.objects.update_or_create(
            submission=submission, position=position,
            defaults={
                "performance": point.performance, "flops": point.flops, "params": point.params, "score": score,
                "performance_source": source, "flops_source": source, "params_source": source,
                "is_estimate": is_estimate,
            },
        )
    submission.points.filter(position__gte=len(points)).delete()
    submission.params = max(point.params for point in points)
    submission.task_score = scored.task_score
    submission.scoring_method = scored.method
    submission.provenance = {"scoring": scored.provenance}
    submission.status = Status.FINISHED
    submission.finished_at = submission.finished_at or timezone.now()
    submission.save()


def delete_entry(entry: ModelEntry) -> None:
    """Delete an entry with its submissions, results and their uploaded files."""
    stored = []
    for submission in entry.submissions.prefetch_related("prediction_files"):
        stored += [prediction.file for prediction in submission.prediction_files.all()]
        if submission.model_file:
            stored.append(submission.model_file)
    names = [(item.storage, item.name) for item in stored]
    with transaction.atomic():
        entry.delete()
        transaction.on_commit(lambda: _delete_files(names))


def _delete_files(names: list) -> None:
    for storage, name in names:
        try:
            storage.delete(name)
        except OSError as error:
            logger.warning("Could not delete uploaded file %s: %s", name, error)
