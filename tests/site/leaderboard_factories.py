"""Factories for leaderboard and dashboard tests: tasks, users, entries, results.

Reference points are the published ElasticBERT-BASE 12- and 6-layer numbers
(performance from Liu et al. 2022, Table 3; FLOPs recomputed from the ELUE
test sets), so scores in tests can be worked out by hand against them.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.utils import timezone

from elue_site.benchmark.models import (
    ModelEntry,
    ReferencePoint,
    ResultPoint,
    Route,
    Source,
    Status,
    Submission,
    Task,
)

TASK_KEYS = ("SST-2", "IMDb", "SNLI", "SciTail", "MRPC", "STS-B")
METRICS = {
    "SST-2": "accuracy", "IMDb": "accuracy", "SNLI": "accuracy", "SciTail": "accuracy",
    "MRPC": "acc_and_f1", "STS-B": "pearson_and_spearman",
}
# (12-layer performance, 12-layer MFLOPs, 6-layer performance, 6-layer MFLOPs)
REFERENCE = {
    "SST-2": (88.6, 4238, 87.0, 2119),
    "IMDb": (93.9, 49566, 92.7, 24784),
    "SNLI": (91.3, 4695, 90.1, 2348),
    "SciTail": (93.8, 6732, 92.5, 3367),
    "MRPC": (87.9, 9117, 87.3, 4559),
    "STS-B": (87.6, 4715, 86.9, 2358),
}
_names = itertools.count(1)


def make_tasks(with_reference: bool = True) -> dict[str, Task]:
    """Return the six tasks (a migration creates them; a flushed database lacks
    them), with their two-point reference curves."""
    tasks = {}
    for position, key in enumerate(TASK_KEYS):
        task, _ = Task.objects.get_or_create(key=key, defaults={"name": key, "metric": METRICS[key], "position": position})
        tasks[key] = task
        if with_reference and not task.reference_points.exists():
            perf12, mflops12, perf6, mflops6 = REFERENCE[key]
            ReferencePoint.objects.create(task=task, layers=12, flops=mflops12 * 10**6, performance=perf12, source="test")
            ReferencePoint.objects.create(task=task, layers=6, flops=mflops6 * 10**6, performance=perf6, source="test")
    return tasks


def make_user(username: str | None = None, *, staff: bool = False, password: str | None = None):
    """Create a user; without `password` it has an unusable one (tests use force_login),
    which skips the deliberately slow password hashing."""
    username = username or f"user{next(_names)}"
    user = get_user_model().objects.create_user(username=username, password=password, email=f"{username}@example.org")
    if staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return user


def make_entry(owner, name: str | None = None, *, public: bool = True, hidden: bool = False,
               paper: bool = False, **fields) -> ModelEntry:
    return ModelEntry.objects.create(
        owner=owner, name=name or f"model-{next(_names)}", is_public=public, is_hidden=hidden,
        is_paper_seed=paper, **fields,
    )


def add_result(entry: ModelEntry, task: Task, points: Sequence[tuple[float, int]], *,
               score: float | None = None, params: int | None = 50_000_000,
               source: str = Source.MEASURED, status: str = Status.FINISHED,
               provenance: dict | None = None, finished_at=None) -> Submission:
    """Add a submission of `entry` on `task` with (performance, MFLOPs) points."""
    route = Route.MODEL if source == Source.MEASURED else Route.PAPER
    submission = Submission.objects.create(
        entry=entry, task=task, route=route, status=status, task_score=score, params=params,
        scoring_method="elue-1" if score is not None else "", provenance=provenance or {},
        finished_at=(finished_at or timezone.now()) if status == Status.FINISHED else None,
    )
    for position, (performance, mflops) in enumerate(points, start=1):
        ResultPoint.objects.create(
            submission=submission, position=position, performance=performance, flops=int(mflops * 10**6),
            params=params, score=score, performance_source=source, flops_source=source, params_source=source,
        )
    return submission


def add_all_tasks(entry: ModelEntry, tasks: dict[str, Task], score: float, *, performance: float = 85.0,
                  mflops: int = 3000, params: int | None = 50_000_000) -> None:
    """Give `entry` one point and the same task score on all six tasks."""
    for task in tasks.values():
        add_result(entry, task, [(performance, mflops)], score=score, params=params)
