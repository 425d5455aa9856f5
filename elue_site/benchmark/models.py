"""Core models of the platform: tasks, the reference curve, model entries,
submissions and the result points they produce.

Costs are stored as integers: FLOPs per example (2 x multiply-accumulates,
averaged over the test set, rounded to the nearest FLOP) and parameter counts.
Pages convert to MFLOPs and MParams only for display. Every stored number
records where it came from (`Source`) and submissions store the scoring
method and provenance of their measurement.
"""

from __future__ import annotations

import uuid

import evaluator
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    """Origin of a stored number."""

    MEASURED = "measured", _("measured")
    SELF_REPORTED = "self-reported", _("self-reported")
    PAPER = "paper", _("paper")


class Task(models.Model):
    """One ELUE task; `key` is the evaluator registry key ("SST-2", ...)."""

    key = models.CharField(_("key"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=100)
    metric = models.CharField(_("metric"), max_length=50)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    data_imported_at = models.DateTimeField(_("data imported at"), null=True, blank=True)
    data_sha256 = models.JSONField(_("SHA-256 of the imported files"), default=dict, blank=True)
    test_examples = models.PositiveIntegerField(_("test examples"), null=True, blank=True)

    class Meta:
        ordering = ["position", "key"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")

    def __str__(self) -> str:
        return self.key


def task_by_name(name: str) -> Task:
    """Return the task row for any spelling the evaluator accepts ("SST-2", "sst2", "SST2").

    Raises ValidationError (code "unknown_task", listing the valid keys) when no task matches.
    """
    try:
        return Task.objects.get(key=evaluator.get_task(str(name)).key)
    except (evaluator.UnknownNameError, Task.DoesNotExist):
        raise ValidationError(
            _("Unknown task %(value)s; use one of %(tasks)s."),
            code="unknown_task", params={"value": repr(str(name)), "tasks": ", ".join(evaluator.TASKS)},
        ) from None


class ReferencePoint(models.Model):
    """One point (ElasticBERT-BASE cut to `layers` layers) of a task's reference curve."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="reference_points")
    layers = models.PositiveSmallIntegerField(_("layers"))
    flops = models.BigIntegerField(_("FLOPs per example"))
    performance = models.FloatField(_("performance"))
    source = models.TextField(_("source"))
    is_estimate = models.BooleanField(_("approximate"), default=False)
    provenance = models.JSONField(_("provenance"), default=dict, blank=True)

    class Meta:
        ordering = ["task", "flops"]
        constraints = [
            models.UniqueConstraint(fields=["task", "layers"], name="unique_reference_layers"),
        ]
        verbose_name = _("reference point")
        verbose_name_plural = _("reference points")

    def __str__(self) -> str:
        return f"{self.task.key} {self.layers}L"


class ReferenceFlopsCache(models.Model):
    """Reference FLOPs computed from the imported data, keyed by its checksum.

    Computing the IMDb value takes minutes, so reseeding reads it from here
    while the test file is unchanged.
    """

    task_key = models.CharField(max_length=16)
    layers = models.PositiveSmallIntegerField()
    data_sha256 = models.CharField(max_length=64)
    flops = models.BigIntegerField()
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["task_key", "layers", "data_sha256"], name="unique_reference_flops",
            ),
        ]


class EntryKind(models.TextChoices):
    STATIC = "static", _("static")
    DYNAMIC = "dynamic", _("dynamic (early exit)")


class ModelEntry(models.Model):
    """A model as shown on the boards; results are added task by task.

    Names are unique across the site, ignoring case, so no task board can
    show two entries with the same name.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="model_entries",
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    affiliation = models.CharField(_("affiliation"), max_length=200, blank=True)
    paper_url = models.URLField(_("paper URL"), blank=True)
    code_url = models.URLField(_("code URL"), blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=EntryKind.choices, default=EntryKind.STATIC)
    is_public = models.BooleanField(_("public"), default=False)
    is_hidden = models.BooleanField(_("hidden by staff"), default=False)
    is_paper_seed = models.BooleanField(_("seeded from a paper"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="unique_entry_name_ci"),
        ]
        verbose_name = _("model entry")
        verbose_name_plural = _("model entries")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("submissions:entry", kwargs={"pk": self.pk})

    @property
    def is_listed(self) -> bool:
        """True when anyone may see the entry: published and not hidden by staff."""
        return self.is_public and not self.is_hidden

    def is_visible_to(self, user: object) -> bool:
        """True when `user` may see the entry, its files, submissions and results."""
        if getattr(user, "is_staff", False):
            return True
        if getattr(user, "is_authenticated", False) and user.pk == self.owner_id:  # type: ignore[attr-defined]
            return True
        return self.is_listed


class Route(models.TextChoices):
    """Submission route: the way a submission's numbers were obtained."""

    PAPER = "paper", _("paper points typed in")
    PREDICTIONS = "predictions", _("predictions files, cost typed in")
    MODEL = "model", _("predictions files and model file")


class Status(models.TextChoices):
    QUEUED = "QUEUED", _("Queued")
    RUNNING = "RUNNING", _("Running")
    FINISHED = "FINISHED", _("Finished")
    FAILED = "FAILED", _("Failed")


def model_file_path(submission: "Submission", filename: str) -> str:
    return f"submissions/{submission.entry_id}/{submission.uuid}/model/{filename}"


class Submission(models.Model):
    """The results of one entry on one task, from one of the three routes."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    entry = models.ForeignKey(ModelEntry, on_delete=models.CASCADE, related_name="submissions")
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="submissions")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="submissions",
    )
    route = models.CharField(_("route"), max_length=12, choices=Route.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress_step = models.CharField(_("progress step"), max_length=100, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_by = models.CharField(max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    failure_reason = models.TextField(_("failure reason"), blank=True)
    counts_against_quota = models.BooleanField(default=True)
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    # Set when staff put a done submission back in the queue; None means queued since submitted_at.
    requeued_at = models.DateTimeField(_("re-queued at"), null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    model_file = models.FileField(upload_to=model_file_path, max_length=300, blank=True)
    typed_params = models.BigIntegerField(_("parameters (typed)"), null=True, blank=True)
    params = models.BigIntegerField(_("parameters"), null=True, blank=True)
    task_score = models.FloatField(_("task score"), null=True, blank=True)
    scoring_method = models.CharField(max_length=20, blank=True)
    provenance = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["status", "heartbeat_at"])]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")

    def __str__(self) -> str:
        return f"{self.entry} / {self.task} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("submissions:detail", kwargs={"pk": self.pk})

    @property
    def queued_since(self) -> object:
        """The time the submission last entered the queue: its re-queue time or its upload time."""
        return self.requeued_at or self.submitted_at

    @property
    def is_done(self) -> bool:
        return self.status in (Status.FINISHED, Status.FAILED)


def prediction_file_path(prediction: "PredictionFile", filename: str) -> str:
    submission = prediction.submission
    return f"submissions/{submission.entry_id}/{submission.uuid}/predictions/{prediction.position}/{filename}"


class PredictionFile(models.Model):
    """One predictions file (one operating point) of a submission."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="prediction_files")
    file = models.FileField(upload_to=prediction_file_path, max_length=300)
    original_name = models.CharField(max_length=255)
    position = models.PositiveSmallIntegerField()
    # Route 2 only: the submitter's FLOPs per example for this operating point.
    typed_flops = models.BigIntegerField(_("FLOPs per example (typed)"), null=True, blank=True)

    class Meta:
        ordering = ["submission", "position"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "position"], name="unique_prediction_position"),
        ]


class ResultPoint(models.Model):
    """One (performance, FLOPs, parameters) point of a submission and its task score.

    The *_source fields record which number was measured, typed by the
    submitter or taken from a paper. `is_estimate` marks FLOPs derived by
    scaling rather than measured or published.
    """

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="points")
    position = models.PositiveSmallIntegerField()
    performance = models.FloatField(_("performance"))
    metrics = models.JSONField(default=dict, blank=True)
    flops = models.BigIntegerField(_("FLOPs per example"))
    params = models.BigIntegerField(_("parameters"), null=True, blank=True)
    score = models.FloatField(_("score"), null=True, blank=True)
    performance_source = models.CharField(max_length=16, choices=Source.choices)
    flops_source = models.CharField(max_length=16, choices=Source.choices)
    params_source = models.CharField(max_length=16, choices=Source.choices)
    is_estimate = models.BooleanField(default=False)

    class Meta:
        ordering = ["submission", "position"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "position"], name="unique_point_position"),
        ]

    @property
    def mflops(self) -> float:
        return self.flops / 1e6
