"""Seeding the reference curve and the published static models.

Reference FLOPs are computed by the evaluator (`reference_mflops`) from the
imported test set: ElasticBERT-BASE cut to k layers, mean FLOPs per example
at each example's real token count. Performance comes from the evaluator's
built-in curve (ElasticBERT-BASE, Liu et al. 2022, arXiv 2110.07038,
Table 3; SST-2 at 4 and 3 layers read off the ELUE website's chart and so
approximate). Computed FLOPs are cached per test-file checksum, because
IMDb (25,000 reviews) takes minutes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import evaluator
from django.db import transaction

from elue_site.benchmark.models import ReferenceFlopsCache, ReferencePoint, Task
from elue_site.benchmark.taskdata import private_data_dir

logger = logging.getLogger(__name__)

MILLION = 1_000_000
DEFAULT_LAYERS = (12, 6)
EXTRA_LAYERS = {"SST-2": (4, 3)}


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
    task: str
    layers: int
    flops: int
    performance: float
    is_estimate: bool
    cached: bool


def seed_task_curve(task: Task) -> list[SeededPoint]:
    """Create or update the task's reference points; FLOPs from the imported data."""
    builtin = {point.layers: point for point in evaluator.default_reference_curve().points(task.key)}
    seeded = []
    for layers in curve_layers(task.key):
        flops, cached = reference_flops(task, layers)
        point = builtin[layers]
        with transaction.atomic():
            ReferencePoint.objects.update_or_create(
                task=task, layers=layers,
                defaults={
                    "flops": flops, "performance": point.performance, "is_estimate": point.approximate,
                    "source": f"performance: {point.source.split(';')[0]}; FLOPs: computed by the "
                              "evaluator from the imported test set",
                    "provenance": {"test_sha256": task.data_sha256.get("test.tsv"),
                                   "method": "evaluator.reference_mflops"},
                },
            )
        seeded.append(SeededPoint(task.key, layers, flops, point.performance, point.approximate, cached))
        logger.info("Reference point %s %sL: %s FLOPs, performance %s", task.key, layers, flops, point.performance)
    return seeded
