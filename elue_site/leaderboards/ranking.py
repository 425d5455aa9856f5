"""Ranking rules of the public leaderboards, as pure functions.

Nothing here touches the database: views load the rows they need, build the
plain dataclasses below and ask these functions for the order, so the rules
are unit-tested without Django and every board sorts the same way.

Conventions:

* Costs are FLOPs per example (lower is better). Performance is on the x100
  scale and its direction comes from the task's metric (`higher_is_better`),
  which callers read from the evaluator's metric registry.
* The overall ELUE score of an entry is the evaluator's: the unweighted
  mean of its six task scores. Only entries with all six are ranked.
* A parameter track keeps entries with at most that many parameters and
  ranks them by average performance, where each task cell is the entry's
  best performance among its points.
* Every ordering ends with tie-breaks that cannot tie (entry name, then id),
  so two requests never show equal rows in different orders.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from evaluator import scoring

# Upper bounds of the parameter tracks, in parameters (M = 10**6).
TRACK_LIMITS: tuple[int, ...] = (40_000_000, 55_000_000, 70_000_000, 110_000_000)

Row = TypeVar("Row")


@dataclass(frozen=True)
class PlotPoint:
    """One operating point of an entry on a task: its cost and performance."""

    entry_id: int
    flops: int
    performance: float


@dataclass(frozen=True)
class TaskCell:
    """An entry's result on one task: its score, best performance and sources.

    `score` is None when the task has points but no score (for example a
    self-reported result without a reference curve). `source` names the route
    the performance came from: "measured", "self-reported" or "paper".
    """

    score: float | None
    best_performance: float
    source: str
    flops_source: str = ""
    params_source: str = ""


@dataclass(frozen=True)
class EntrySummary:
    """An entry with its results per task key, ready to be ranked."""

    entry_id: int
    name: str
    params: int | None
    cells: Mapping[str, TaskCell] = field(default_factory=dict)


@dataclass(frozen=True)
class RankedEntry:
    """An entry's place on a board together with the numbers it was ranked by."""

    rank: int
    entry: EntrySummary
    elue_score: float | None
    average_performance: float


def is_better(a: float, b: float, higher_is_better: bool) -> bool:
    """Return True when performance `a` is strictly better than `b`."""
    return a > b if higher_is_better else a < b


def pareto_front(points: Iterable[PlotPoint], *, higher_is_better: bool = True) -> list[PlotPoint]:
    """Return the points no other point dominates, ordered by cost then entry.

    A point is dominated when another point costs no more FLOPs and performs
    at least as well, and is strictly better in one of the two. Identical
    points do not dominate each other, so both stay on the front.
    """
    ordered = sorted(points, key=lambda p: (p.flops, _performance_key(p.performance, higher_is_better), p.entry_id))
    front: list[PlotPoint] = []
    best: PlotPoint | None = None

    for point in ordered:
        if best is None or is_better(point.performance, best.performance, higher_is_better):
            front.append(point)
            best = point
        elif point.performance == best.performance and point.flops == best.flops:
            front.append(point)
    return front


def _performance_key(performance: float, higher_is_better: bool) -> float:
    """Sort key that puts the better performance first."""
    return -performance if higher_is_better else performance


def best_performance(performances: Iterable[float], *, higher_is_better: bool = True) -> float:
    """Return the best of an entry's performances on one task."""
    values = list(performances)
    if not values:
        raise ValueError("best_performance needs at least one performance")
    return max(values) if higher_is_better else min(values)


def overall_score(entry: EntrySummary) -> float | None:
    """Return the entry's ELUE score, or None unless all six tasks have a score.

    The evaluator defines the score (mean of the six task scores, rounded to
    2 decimals), so the boards show the same number the command line prints.
    """
    return scoring.overall_score({key: cell.score for key, cell in entry.cells.items()})


def _cell_score(entry: EntrySummary, task_key: str) -> float | None:
    cell = entry.cells.get(task_key)
    return None if cell is None else cell.score


def average_performance(entry: EntrySummary, task_keys: Sequence[str]) -> float | None:
    """Return the mean best performance over `task_keys`, or None if one is missing."""
    if not task_keys or any(key not in entry.cells for key in task_keys):
        return None
    return sum(entry.cells[key].best_performance for key in task_keys) / len(task_keys)


def rank_overall(entries: Iterable[EntrySummary], task_keys: Sequence[str]) -> list[RankedEntry]:
    """Rank the entries that have a score on every task by ELUE score.

    Ties on the score go to the higher average performance, then to fewer
    parameters (unknown counts last), then to the name and the id.
    """
    rows = []
    for entry in entries:
        score = overall_score(entry)
        if score is not None:
            rows.append((entry, score, average_performance(entry, task_keys)))

    rows.sort(key=lambda row: (-row[1], -row[2], _params_key(row[0]), row[0].name, row[0].entry_id))
    return [
        RankedEntry(rank=position, entry=entry, elue_score=score, average_performance=average)
        for position, (entry, score, average) in enumerate(rows, start=1)
    ]


def rank_track(
    entries: Iterable[EntrySummary], task_keys: Sequence[str], max_params: int
) -> list[RankedEntry]:
    """Rank the entries with at most `max_params` parameters by average performance.

    Entries need a result on every task and a known parameter count. Ties go
    to the higher ELUE score (entries without one after those with one),
    then to fewer parameters, then to the name and the id.
    """
    rows = []
    for entry in entries:
        average = average_performance(entry, task_keys)
        if average is None or entry.params is None or entry.params > max_params:
            continue
        rows.append((entry, overall_score(entry), average))

    rows.sort(key=lambda row: (-row[2], _missing_last(row[1]), entry_params(row[0]), row[0].name, row[0].entry_id))
    return [
        RankedEntry(rank=position, entry=entry, elue_score=score, average_performance=average)
        for position, (entry, score, average) in enumerate(rows, start=1)
    ]


def entry_params(entry: EntrySummary) -> int:
    """Return the parameter count, raising ValueError when it is unknown."""
    if entry.params is None:
        raise ValueError(f"entry {entry.entry_id} has no parameter count")
    return entry.params


def _params_key(entry: EntrySummary) -> float:
    return math.inf if entry.params is None else entry.params


def _missing_last(score: float | None) -> tuple[int, float]:
    """Sort key that orders higher scores first and puts None after them all."""
    return (1, 0.0) if score is None else (0, -score)


def sort_rows(
    rows: Iterable[Row],
    value: Callable[[Row], Any],
    *,
    descending: bool,
    tie_break: Callable[[Row], Any],
) -> list[Row]:
    """Sort rows by one column, putting rows whose value is None last.

    `tie_break` must return a value unique per row (for example (name, id)),
    and orders equal values ascending whatever the column's direction, so a
    page that re-sorts shows ties in a stable order.
    """
    present = [row for row in rows if value(row) is not None]
    missing = [row for row in rows if value(row) is None]

    present.sort(key=tie_break)
    present.sort(key=value, reverse=descending)
    missing.sort(key=tie_break)
    return present + missing
