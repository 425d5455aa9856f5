"""Load what the public boards show, in a fixed number of queries.

An entry's result on a task is its counted submission there: the most
recently finished submission of that entry on that task. Earlier finished
submissions stay on the entry page's history but not on the boards.
The public boards use only listed entries: published and not hidden by
staff.

Boards read plain values (`values_list`), not model instances, because a
board of 1,000 entries touches 6,000 submissions and their points, and
building that many model objects costs more than the queries themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import QuerySet

from elue_site.benchmark.models import ModelEntry, ResultPoint, Status, Submission, Task
from elue_site.leaderboards.directions import higher_is_better
from elue_site.leaderboards.ranking import EntrySummary, TaskCell, best_performance


@dataclass(frozen=True)
class EntryInfo:
    """The fields of a listed entry that the boards show."""

    pk: int
    name: str
    affiliation: str
    is_paper_seed: bool


@dataclass(frozen=True)
class PointInfo:
    """One result point as the boards show it; FLOPs per example as an integer."""

    position: int
    performance: float
    flops: int
    params: int | None
    score: float | None
    performance_source: str
    flops_source: str
    params_source: str
    is_estimate: bool


@dataclass
class ResultInfo:
    """An entry's counted submission on one task, with its points in position order."""

    submission_id: int
    task_key: str
    task_score: float | None
    params: int | None
    points: list[PointInfo] = field(default_factory=list)


@dataclass(frozen=True)
class EntryResults:
    """A listed entry with its counted result per task key."""

    entry: EntryInfo
    results: dict[str, ResultInfo]

    def summary(self) -> EntrySummary:
        """Build the ranking input: one cell per task that has points."""
        cells = {}
        for key, result in self.results.items():
            cell = task_cell(key, result)
            if cell is not None:
                cells[key] = cell
        return EntrySummary(
            entry_id=self.entry.pk, name=self.entry.name, params=entry_params(self.results.values()),
            cells=cells,
        )


def listed_entries() -> QuerySet[ModelEntry]:
    """Return the entries anyone may see: published and not hidden."""
    return ModelEntry.objects.filter(is_public=True, is_hidden=False)


def tasks_in_order() -> list[Task]:
    """Return the tasks in board order (one query)."""
    return list(Task.objects.order_by("position", "key"))


def listed_results(task: Task | None = None) -> list[EntryResults]:
    """Return every listed entry with a finished submission (on `task`), in three queries."""
    submissions = Submission.objects.filter(status=Status.FINISHED, entry__in=listed_entries())
    if task is not None:
        submissions = submissions.filter(task=task)
    counted = _counted_results(submissions)
    _attach_points(counted, submissions)
    return _group_by_entry(counted)


def _counted_results(submissions: QuerySet[Submission]) -> dict[int, tuple[int, ResultInfo]]:
    """Keep the newest finished submission per (entry, task), keyed by submission id."""
    rows = submissions.order_by("entry_id", "task_id", "-finished_at", "-pk").values_list(
        "pk", "entry_id", "task_id", "task__key", "task_score", "params",
    )
    counted: dict[int, tuple[int, ResultInfo]] = {}
    seen: set[tuple[int, int]] = set()
    for pk, entry_id, task_id, task_key, task_score, params in rows:
        if (entry_id, task_id) in seen:
            continue
        seen.add((entry_id, task_id))
        counted[pk] = (entry_id, ResultInfo(pk, task_key, task_score, params))
    return counted


def counted_submission_ids(entry_id: int) -> set[int]:
    """Return the ids of the entry's submissions that the boards count: the newest finished per task."""
    finished = Submission.objects.filter(entry_id=entry_id, status=Status.FINISHED)
    return set(_counted_results(finished))


def _attach_points(counted: dict[int, tuple[int, ResultInfo]], submissions: QuerySet[Submission]) -> None:
    """Load the points of the counted submissions in one query.

    The query selects by the submissions' own filter (a subquery) instead of
    listing thousands of ids. Points of superseded submissions come along
    and are skipped here.
    """
    if not counted:
        return
    points = (
        ResultPoint.objects.filter(submission__in=submissions.values("pk"))
        .order_by("submission_id", "position")
        .values_list(
            "submission_id", "position", "performance", "flops", "params", "score",
            "performance_source", "flops_source", "params_source", "is_estimate",
        )
    )
    for submission_id, *fields in points:
        found = counted.get(submission_id)
        if found is not None:
            found[1].points.append(PointInfo(*fields))


def _group_by_entry(counted: dict[int, tuple[int, ResultInfo]]) -> list[EntryResults]:
    entries = {
        pk: EntryInfo(pk, name, affiliation, is_paper_seed)
        for pk, name, affiliation, is_paper_seed in listed_entries()
        .filter(pk__in={entry_id for entry_id, _ in counted.values()})
        .values_list("pk", "name", "affiliation", "is_paper_seed")
    }
    grouped: dict[int, EntryResults] = {}
    for entry_id, result in counted.values():
        if entry_id not in entries:
            continue
        if entry_id not in grouped:
            grouped[entry_id] = EntryResults(entries[entry_id], {})
        grouped[entry_id].results[result.task_key] = result
    return list(grouped.values())


def task_cell(task_key: str, result: ResultInfo) -> TaskCell | None:
    """Summarise one counted result, or None when it has no points."""
    if not result.points:
        return None
    best = best_point(task_key, result.points)
    return TaskCell(
        score=result.task_score,
        best_performance=best.performance,
        source=best.performance_source,
        flops_source=best.flops_source,
        params_source=best.params_source,
    )


def best_point(task_key: str, points: Sequence[PointInfo]) -> PointInfo:
    """Return the best-performing point, the cheapest among equals."""
    direction = higher_is_better(task_key)
    best = best_performance((point.performance for point in points), higher_is_better=direction)
    return min((point for point in points if point.performance == best), key=lambda point: point.flops)


def entry_params(results: Iterable[ResultInfo]) -> int | None:
    """Return an entry's parameter count: the largest count among its points.

    A dynamic model's points all carry the whole model's count, so the
    maximum is the model size. Falls back to the submission's own count.
    """
    counts = []
    for result in results:
        counts.extend(point.params for point in result.points if point.params is not None)
        if result.params is not None:
            counts.append(result.params)
    return max(counts) if counts else None
