"""Load what the public boards show, in a fixed number of queries.

An entry's result on a task is its counted submission there: the most
recently finished submission of that entry on that task. Earlier finished
submissions stay on the entry page's history but not on the boards.
The public boards use only listed entries: published and not hidden by
staff.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from elue_site.benchmark.models import ModelEntry, ResultPoint, Status, Submission, Task
from elue_site.leaderboards.directions import higher_is_better
from elue_site.leaderboards.ranking import EntrySummary, TaskCell, best_performance


@dataclass(frozen=True)
class EntryResults:
    """A listed entry with its counted submission per task key."""

    entry: ModelEntry
    submissions: dict[str, Submission]

    def summary(self) -> EntrySummary:
        """Build the ranking input: one cell per task that has points."""
        cells = {}
        for key, submission in self.submissions.items():
            cell = task_cell(key, submission)
            if cell is not None:
                cells[key] = cell
        return EntrySummary(
            entry_id=self.entry.pk, name=self.entry.name, params=entry_params(self.submissions.values()),
            cells=cells,
        )


def listed_entries() -> QuerySet[ModelEntry]:
    """Return the entries anyone may see: published and not hidden."""
    return ModelEntry.objects.filter(is_public=True, is_hidden=False)


def tasks_in_order() -> list[Task]:
    """Return the tasks in board order (one query)."""
    return list(Task.objects.order_by("position", "key"))


def finished_submissions(entries: QuerySet[ModelEntry], task: Task | None = None) -> QuerySet[Submission]:
    """Return finished submissions of `entries` with their task and ordered points.

    Newest first within each (entry, task), so the first one seen is the
    counted one. Evaluates in two queries (submissions, then points).
    """
    submissions = Submission.objects.filter(status=Status.FINISHED, entry__in=entries)
    if task is not None:
        submissions = submissions.filter(task=task)
    points = Prefetch("points", queryset=ResultPoint.objects.order_by("position"))
    return (
        submissions.select_related("task", "entry", "entry__owner")
        .prefetch_related(points)
        .order_by("entry_id", "task_id", "-finished_at", "-pk")
    )


def group_by_entry(submissions: Iterable[Submission]) -> list[EntryResults]:
    """Keep the counted submission per (entry, task), grouped by entry."""
    grouped: dict[int, EntryResults] = {}
    for submission in submissions:
        results = grouped.get(submission.entry_id)
        if results is None:
            results = grouped[submission.entry_id] = EntryResults(submission.entry, {})
        results.submissions.setdefault(submission.task.key, submission)
    return list(grouped.values())


def listed_results(task: Task | None = None) -> list[EntryResults]:
    """Return every listed entry that has a finished submission (on `task`)."""
    return group_by_entry(finished_submissions(listed_entries(), task))


def task_cell(task_key: str, submission: Submission) -> TaskCell | None:
    """Summarise one counted submission, or None when it has no points."""
    points = list(submission.points.all())
    if not points:
        return None
    best = best_point(task_key, points)
    return TaskCell(
        score=submission.task_score,
        best_performance=best.performance,
        source=best.performance_source,
        flops_source=best.flops_source,
        params_source=best.params_source,
    )


def best_point(task_key: str, points: Sequence[ResultPoint]) -> ResultPoint:
    """Return the best-performing point, the cheapest among equals."""
    direction = higher_is_better(task_key)
    best = best_performance((point.performance for point in points), higher_is_better=direction)
    return min((point for point in points if point.performance == best), key=lambda point: point.flops)


def entry_params(submissions: Iterable[Submission]) -> int | None:
    """Return an entry's parameter count: the largest count among its points.

    A dynamic model's points all carry the whole model's count, so the
    maximum is the model size. Falls back to the submission's own count.
    """
    counts = []
    for submission in submissions:
        counts.extend(point.params for point in submission.points.all() if point.params is not None)
        if submission.params is not None:
            counts.append(submission.params)
    return max(counts) if counts else None
