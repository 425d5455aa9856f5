"""Seeding the reference curve and the published static models.

Reference FLOPs are computed by the evaluator (`reference_mflops`) from the
imported test set: ElasticBERT-BASE cut to k layers, mean FLOPs per example
at each example's real token count. Performance comes from the evaluator's
built-in curve (ElasticBERT-BASE, Liu et al. 2022, arXiv 2110.07038,
Table 3; SST-2 at 4 and 3 layers read off the ELUE website's chart and so
approximate). Computed FLOPs are cached per test-file checksum, because
IMDb (25,000 reviews) takes minutes. Reseeding keeps the stored curve,
which staff may have edited, and only adds what is missing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import evaluator
from django.db import transaction
from evaluator import scoring as elue_scoring

from elue_site.benchmark.models import ReferenceFlopsCache, ReferencePoint, Task
from elue_site.benchmark.taskdata import private_data_dir
from elue_site.dashboard.services import rescore_task

logger = logging.getLogger(__name__)

MILLION = 1_000_000
DEFAULT_LAYERS = (12, 6)
EXTRA_LAYERS = {"SST-2": (4, 3)}
# Provenance "method" of FLOPs the seed computed, as opposed to FLOPs typed by staff.
SEED_METHOD = "evaluator.reference_mflops"


def curve_layers(task_key: str) -> tuple[int, ...]:
    return DEFAULT_LAYERS + EXTRA_LAYERS.get(task_key, ())


def reference_flops(task: Task, layers: int) -> tuple[int, bool]:
    """Return (FLOPs per example, taken from the cache) for `task` cut to `layers` layers."""
    checksum = task.data_sha256.get("test.tsv", "")
    cached = ReferenceFlopsCache.objects.filter(task_key=task.key, layers=layers, data_sha256=checksum).first()
    if cached is not None:
        return cached.flops, True
    mflops = evaluator.reference_mflops(task.key, private_data_dir(), layers)
    flops = round(mflops * MILLION)
    ReferenceFlopsCache.objects.update_or_create(
        task_key=task.key, layers=layers, data_sha256=checksum, defaults={"flops": flops},
    )
    return flops, False


@dataclass(frozen=True)
class SeededPoint:
    """One reference point after seeding and where its FLOPs came from.

    `origin` is "kept" (the stored point was left as it is), "cached" or
    "computed". `changed` is true when the seed wrote a new value to the row.
    """

    task: str
    layers: int
    flops: int
    performance: float
    is_estimate: bool
    origin: str
    changed: bool


def seed_task_curve(task: Task) -> list[SeededPoint]:
    """Create the task's missing reference points and refresh stale FLOPs.

    A stored point's performance, source and approximate flag are never
    overwritten, because staff may have edited them and the stored curve is
    the one that scores. Its FLOPs are recomputed only when they are missing
    or were computed from test data that has since changed. When any point
    changes, every finished submission of the task is re-scored.
    """
    builtin = {point.layers: point for point in evaluator.default_reference_curve().points(task.key)}
    stored = {point.layers: point for point in task.reference_points.all()}
    # FLOPs are computed before the transaction, because IMDb's take minutes.
    fresh = {
        layers: reference_flops(task, layers)
        for layers in curve_layers(task.key)
        if layers not in stored or _flops_stale(task, stored[layers])
    }
    with transaction.atomic():
        seeded = [
            _seed_point(task, builtin[layers], stored.get(layers), fresh.get(layers))
            for layers in curve_layers(task.key)
        ]
        if any(point.changed for point in seeded):
            rescore_task(task)
    return seeded


def _seed_point(task: Task, builtin: elue_scoring.ReferencePoint, row: ReferencePoint | None,
                fresh: tuple[int, bool] | None) -> SeededPoint:
    if fresh is None:
        return SeededPoint(task.key, row.layers, row.flops, row.performance, row.is_estimate, "kept", False)

    flops, cached = fresh
    origin = "cached" if cached else "computed"
    provenance = {"test_sha256": task.data_sha256.get("test.tsv"), "method": SEED_METHOD}
    if row is None:
        row = ReferencePoint.objects.create(
            task=task, layers=builtin.layers, flops=flops, performance=builtin.performance,
            is_estimate=builtin.approximate, provenance=provenance,
            source=f"performance: {builtin.source.split(';')[0]}; FLOPs: computed by the evaluator "
                   "from the imported test set",
        )
        logger.info("Reference point %s created: %s FLOPs, performance %s", row, flops, row.performance)
        return SeededPoint(task.key, row.layers, flops, row.performance, row.is_estimate, origin, True)

    changed = row.flops != flops
    row.flops, row.provenance = flops, provenance
    row.save(update_fields=["flops", "provenance"])
    logger.info("Reference point %s: FLOPs recomputed for the imported test set: %s", row, flops)
    return SeededPoint(task.key, row.layers, flops, row.performance, row.is_estimate, origin, changed)


def _flops_stale(task: Task, row: ReferencePoint) -> bool:
    """Return whether the row's FLOPs are missing or were computed by the seed from other test data."""
    if row.flops <= 0:
        return True
    provenance = row.provenance or {}
    return provenance.get("method") == SEED_METHOD and provenance.get("test_sha256") != task.data_sha256.get("test.tsv")
