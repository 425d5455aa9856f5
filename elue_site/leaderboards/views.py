"""Public leaderboard pages: overall board, parameter tracks, task and entry pages.

The boards list only entries that are published and not hidden by staff.
An entry page also opens for its owner and for staff. For anyone else an
unlisted entry returns 404, so its name and results stay private.
Every page runs a fixed number of queries, whatever the number of entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from elue_site.benchmark.models import ModelEntry, Task
from evaluator import TASKS, UnknownNameError, get_task

from elue_site.leaderboards import boards, entries, plots
from elue_site.leaderboards.ranking import (
    TRACK_LIMITS,
    EntrySummary,
    RankedEntry,
    TaskCell,
    rank_overall,
    rank_track,
)
from elue_site.leaderboards.sorting import ASCENDING, Column, apply_sort, headings, sort_order


# Rows per page of a board or task table; ranking and sorting use every row.
PAGE_SIZE = 100


@dataclass(frozen=True)
class BoardRow:
    """One row of the overall board or a track: the entry and its ranked numbers."""

    ranked: RankedEntry
    entry: boards.EntryInfo
    cells: list[TaskCell | None]

    @property
    def mparams(self) -> float | None:
        params = self.ranked.entry.params
        return None if params is None else params / 1e6

    @property
    def params_sources(self) -> list[str]:
        """Return where the parameter counts of the task cells came from, without repeats."""
        return sorted({cell.params_source for cell in self.cells if cell is not None and cell.params_source})


def _board_columns(tasks: list[Task]) -> list[Column[BoardRow]]:
    columns: list[Column[BoardRow]] = [
        Column("rank", _("Rank"), lambda row: row.ranked.rank, ASCENDING),
        Column("name", _("Model"), lambda row: row.entry.name.lower(), ASCENDING),
        Column("score", _("ELUE score"), lambda row: row.ranked.elue_score),
    ]
    for position, task in enumerate(tasks):
        columns.append(Column(f"task-{task.key}", task.key, _cell_getter(position)))
    columns += [
        Column("average", _("Average performance"), lambda row: row.ranked.average_performance),
        Column("params", _("Parameters (M)"), lambda row: row.ranked.entry.params, ASCENDING),
    ]
    return columns


def _cell_getter(position: int):
    def value(row: BoardRow) -> float | None:
        cell = row.cells[position]
        return None if cell is None else cell.score
    return value


def _board_rows(ranked: list[RankedEntry], results: dict[int, boards.EntryResults], tasks: list[Task]) -> list[BoardRow]:
    return [
        BoardRow(row, results[row.entry.entry_id].entry, [row.entry.cells.get(task.key) for task in tasks])
        for row in ranked
    ]


def _sorted_board(request: HttpRequest, rows: list[BoardRow], tasks: list[Task]) -> dict[str, object]:
    columns = _board_columns(tasks)
    order = sort_order(request.GET, columns, default="rank")
    rows = apply_sort(rows, columns, order, tie_break=lambda row: row.ranked.rank)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "rows": page.object_list,
        "page": page,
        "page_query": urlencode({"sort": order.key, "dir": order.direction}),
        "headings": headings(columns, order),
        "tasks": tasks,
    }


def _summaries() -> tuple[list[Task], dict[int, boards.EntryResults], list[EntrySummary]]:
    tasks = boards.tasks_in_order()
    results = {result.entry.pk: result for result in boards.listed_results()}
    return tasks, results, [result.summary() for result in results.values()]


def overall(request: HttpRequest) -> HttpResponse:
    """Rank every listed entry with all six tasks by its ELUE score."""
    tasks, results, summaries = _summaries()
    ranked = rank_overall(summaries, list(TASKS))
    context = _sorted_board(request, _board_rows(ranked, results, tasks), tasks)
    context["tracks"] = [limit // 1_000_000 for limit in TRACK_LIMITS]
    return render(request, "leaderboards/overall.html", context)


def track(request: HttpRequest, millions: int) -> HttpResponse:
    """Rank listed entries with at most `millions` M parameters by average performance."""
    limit = millions * 1_000_000
    if limit not in TRACK_LIMITS:
        raise Http404(_("No parameter track has that limit."))

    tasks, results, summaries = _summaries()
    ranked = rank_track(summaries, list(TASKS), limit)
    context = _sorted_board(request, _board_rows(ranked, results, tasks), tasks)
    context.update(millions=millions, tracks=[value // 1_000_000 for value in TRACK_LIMITS])
    return render(request, "leaderboards/track.html", context)


def task_page(request: HttpRequest, task_key: str) -> HttpResponse:
    """Show a task's performance-vs-MFLOPs plot and its paper and submitted entries.

    Other spellings that the evaluator accepts ("sst2") redirect to the
    canonical key ("SST-2").
    """
    task = Task.objects.filter(key=task_key).first()
    if task is None:
        return _redirect_to_canonical_task(task_key)
    results = boards.listed_results(task)
    reference = list(task.reference_points.order_by("flops"))
    rows = [plots.TaskRow.build(task.key, result.entry, result.results[task.key]) for result in results]

    columns = plots.task_columns()
    order = sort_order(request.GET, columns, default="performance")
    rows = apply_sort(rows, columns, order, tie_break=lambda row: (row.entry.name.lower(), row.entry.pk))
    submitted = Paginator([row for row in rows if not row.entry.is_paper_seed], PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "task": task,
        "paper_rows": [row for row in rows if row.entry.is_paper_seed],
        "submitted_rows": submitted.object_list,
        "page": submitted,
        "page_query": urlencode({"sort": order.key, "dir": order.direction}),
        "headings": headings(columns, order),
        "plot": plots.task_figure(task, rows, reference),
        "reference": reference,
    }
    return render(request, "leaderboards/task.html", context)


def _redirect_to_canonical_task(task_key: str) -> HttpResponse:
    try:
        canonical = get_task(task_key).key
    except UnknownNameError:
        raise Http404(_("No task is called %(name)s.") % {"name": task_key}) from None
    if canonical == task_key or not Task.objects.filter(key=canonical).exists():
        raise Http404(_("No task is called %(name)s.") % {"name": task_key})
    return redirect("leaderboards:task", task_key=canonical, permanent=True)


def entry_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Show an entry's points per task, FLOPs breakdown, provenance and files."""
    entry = get_object_or_404(ModelEntry.objects.select_related("owner"), pk=pk)
    if not entry.is_visible_to(request.user):
        raise Http404(_("No entry found."))

    is_owner = request.user.is_authenticated and request.user.pk == entry.owner_id
    context = {
        "entry": entry,
        "is_owner": is_owner,
        "can_see_files": is_owner or request.user.is_staff,
        "sections": entries.entry_sections(entry),
    }
    return render(request, "leaderboards/entry.html", context)
