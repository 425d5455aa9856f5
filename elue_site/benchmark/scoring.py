"""The platform's reference curve and scoring, on top of evaluator.scoring.

The curve of a task is its ReferencePoint rows. A task with no rows yet
(reference curve not seeded) uses the evaluator's built-in default curve,
and the provenance of every score records which one was used.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from evaluator import scoring as elue_scoring

from elue_site.benchmark.models import ReferencePoint, Task

logger = logging.getLogger(__name__)

MILLION = 1_000_000


@dataclass(frozen=True)
class ScoredPoints:
    """Per-point differences p - p_ref(f), the rounded task score and how they were made."""

    point_scores: list[float]
    task_score: float
    method: str
    provenance: dict = field(default_factory=dict)


def reference_points(task: Task) -> tuple[elue_scoring.ReferencePoint, ...]:
    """Return the task's curve points from the database, sorted by MFLOPs."""
    rows = ReferencePoint.objects.filter(task=task).order_by("flops")
    return tuple(
        elue_scoring.ReferencePoint(
            layers=row.layers, mflops=row.flops / MILLION, performance=row.performance,
            source=row.source, approximate=row.is_estimate,
        )
        for row in rows
    )


def reference_curve(task: Task) -> tuple[elue_scoring.ReferenceCurve, str]:
    """Return the curve to score `task` with and "database" or "built-in default"."""
    points = reference_points(task)
    if points:
        return elue_scoring.ReferenceCurve(tasks={task.key: points}), "database"
    logger.warning("Task %s has no reference points; scoring with the built-in default curve", task.key)
    return elue_scoring.default_reference_curve(), "built-in default"


def score_points(task: Task, points: list[tuple[float, int]]) -> ScoredPoints:
    """Score (performance, FLOPs per example) points of one task with method elue-1."""
    curve, curve_source = reference_curve(task)
    pairs = [(performance, flops / MILLION) for performance, flops in points]
    differences = [
        elue_scoring.point_score(task.key, performance, mflops, curve) for performance, mflops in pairs
    ]
    return ScoredPoints(
        point_scores=differences,
        task_score=elue_scoring.score_points(task.key, pairs, curve),
        method=elue_scoring.SCORING_METHOD,
        provenance={
            "scoring_method": elue_scoring.SCORING_METHOD,
            "reference_curve": curve_source,
            "reference_points": [
                {"layers": point.layers, "mflops": point.mflops, "performance": point.performance}
                for point in curve.points(task.key)
            ],
        },
    )
