"""Entry page data per task: points, FLOPs breakdown, provenance and files."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.db.models import Prefetch

from elue_site.benchmark.models import ModelEntry, PredictionFile, ResultPoint, Status, Submission

# Provenance keys that evaluator.evaluate() writes for a measured run.
BREAKDOWN_KEY = "operators"
UNSUPPORTED_KEY = "unsupported_operators"


@dataclass(frozen=True)
class OperatorRow:
    """One operator's FLOPs per example at each point of a measured submission."""

    operator: str
    flops: list[float]

    @property
    def total(self) -> float:
        return sum(self.flops)


@dataclass(frozen=True)
class TaskSection:
    """One task on an entry page: the counted submission and its details."""

    submission: Submission
    points: list[ResultPoint]
    breakdown: list[OperatorRow]
    unsupported: dict[str, int]
    provenance: dict[str, object]
    earlier: list[Submission] = field(default_factory=list)

    @property
    def provenance_facts(self) -> list[tuple[str, str]]:
        """Return the provenance fields other than the FLOPs tables, as text."""
        hidden = {BREAKDOWN_KEY, UNSUPPORTED_KEY}
        return [
            (key, json.dumps(value, sort_keys=True) if isinstance(value, (dict, list)) else str(value))
            for key, value in sorted(self.provenance.items())
            if key not in hidden
        ]


def operator_breakdown(provenance: dict[str, object]) -> list[OperatorRow]:
    """Return the measured FLOPs per operator and point, largest total first.

    The evaluator stores `operators` as one {operator: FLOPs per example}
    mapping per point, in point order. Routes without a model file have none,
    and the result is empty.
    """
    per_point = provenance.get(BREAKDOWN_KEY)
    if not isinstance(per_point, list) or not all(isinstance(point, dict) for point in per_point):
        return []
    names = sorted({str(name) for point in per_point for name in point})
    rows = [OperatorRow(name, [float(point.get(name, 0)) for point in per_point]) for name in names]
    return sorted(rows, key=lambda row: (-row.total, row.operator))


def entry_sections(entry: ModelEntry) -> list[TaskSection]:
    """Return one section per task with a finished submission, in board order.

    Three queries whatever the number of submissions: submissions with their
    task, then their points, then their predictions files.
    """
    submissions = (
        Submission.objects.filter(entry=entry, status=Status.FINISHED)
        .select_related("task")
        .prefetch_related(
            Prefetch("points", queryset=ResultPoint.objects.order_by("position")),
            Prefetch("prediction_files", queryset=PredictionFile.objects.order_by("position")),
        )
        .order_by("task__position", "task__key", "-finished_at", "-pk")
    )
    sections: dict[int, TaskSection] = {}
    for submission in submissions:
        section = sections.get(submission.task_id)
        if section is None:
            sections[submission.task_id] = _section(submission)
        else:
            section.earlier.append(submission)
    return list(sections.values())


def _section(submission: Submission) -> TaskSection:
    provenance = submission.provenance if isinstance(submission.provenance, dict) else {}
    unsupported = provenance.get(UNSUPPORTED_KEY)
    return TaskSection(
        submission=submission,
        points=list(submission.points.all()),
        breakdown=operator_breakdown(provenance),
        unsupported=unsupported if isinstance(unsupported, dict) else {},
        provenance=provenance,
    )
