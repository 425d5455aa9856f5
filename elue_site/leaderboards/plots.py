"""Rows and the plotly figure of a task page.

The figure is plain JSON (plotly's `data` and `layout`), embedded in the page
with `json_script` and drawn by `static/leaderboards/task_plot.js`. The x axis
is MFLOPs per example, the y axis the task's performance. It has one trace for
the reference curve, one per listed entry (its points joined in FLOPs order)
and one for the Pareto front over all entries' points.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from elue_site.benchmark.models import ModelEntry, ReferencePoint, ResultPoint, Submission, Task
from elue_site.leaderboards.boards import best_point
from elue_site.leaderboards.directions import higher_is_better
from elue_site.leaderboards.ranking import PlotPoint, pareto_front
from elue_site.leaderboards.sorting import ASCENDING, Column

MFLOPS = 1e6
REFERENCE_COLOUR = "#7f7f7f"
FRONT_COLOUR = "#d62728"


@dataclass(frozen=True)
class TaskRow:
    """One entry on a task page: its counted submission and its points."""

    entry: ModelEntry
    submission: Submission
    points: list[ResultPoint]
    best: ResultPoint

    @classmethod
    def build(cls, task_key: str, entry: ModelEntry, submission: Submission) -> "TaskRow":
        points = sorted(submission.points.all(), key=lambda point: (point.flops, point.position))
        return cls(entry, submission, points, best_point(task_key, points))

    @property
    def best_mflops(self) -> float:
        return self.best.flops / MFLOPS

    @property
    def mparams(self) -> float | None:
        params = self.best.params if self.best.params is not None else self.submission.params
        return None if params is None else params / 1e6


def task_columns() -> list[Column[TaskRow]]:
    """Return the sortable columns of the task tables."""
    return [
        Column("name", _("Model"), lambda row: row.entry.name.lower(), ASCENDING),
        Column("performance", _("Best performance"), lambda row: row.best.performance),
        Column("mflops", _("MFLOPs at best"), lambda row: row.best.flops, ASCENDING),
        Column("params", _("Parameters (M)"), lambda row: row.mparams, ASCENDING),
        Column("score", _("Task score"), lambda row: row.submission.task_score),
        Column("points", _("Points"), lambda row: len(row.points)),
    ]


def task_figure(task: Task, rows: Sequence[TaskRow], reference: Sequence[ReferencePoint]) -> dict[str, object]:
    """Build the plotly figure (data and layout) of a task page."""
    traces = [_reference_trace(reference)] if reference else []
    traces += [_entry_trace(row) for row in rows]
    front = _front_trace(task.key, rows)
    if front is not None:
        traces.append(front)
    return {"data": traces, "layout": _layout(task)}


def _reference_trace(reference: Sequence[ReferencePoint]) -> dict[str, object]:
    return {
        "type": "scatter",
        "mode": "lines+markers",
        "name": _("Reference: ElasticBERT-BASE"),
        "x": [point.flops / MFLOPS for point in reference],
        "y": [point.performance for point in reference],
        "text": [_("%(layers)s layers") % {"layers": point.layers} for point in reference],
        "hovertemplate": "%{text}<br>%{x:,.0f} MFLOPs<br>%{y:.2f}<extra>" + _("reference") + "</extra>",
        "line": {"dash": "dash", "color": REFERENCE_COLOUR},
        "marker": {"color": REFERENCE_COLOUR},
        "meta": {"role": "reference"},
    }


def _entry_trace(row: TaskRow) -> dict[str, object]:
    return {
        "type": "scatter",
        "mode": "lines+markers",
        "name": row.entry.name,
        "x": [point.flops / MFLOPS for point in row.points],
        "y": [point.performance for point in row.points],
        "customdata": [[point.score, _source_label(point)] for point in row.points],
        "hovertemplate": (
            "<b>%{fullData.name}</b><br>%{x:,.0f} MFLOPs<br>"
            + _("performance") + " %{y:.2f}<br>" + _("score") + " %{customdata[0]:.2f}<br>"
            + "%{customdata[1]}<extra></extra>"
        ),
        "meta": {"role": "entry", "entry_id": row.entry.pk},
    }


def _source_label(point: ResultPoint) -> str:
    label = _("performance %(performance)s, FLOPs %(flops)s") % {
        "performance": point.get_performance_source_display(),
        "flops": point.get_flops_source_display(),
    }
    return label + (" " + _("(estimate)") if point.is_estimate else "")


def _front_trace(task_key: str, rows: Sequence[TaskRow]) -> dict[str, object] | None:
    names = {row.entry.pk: row.entry.name for row in rows}
    points = [PlotPoint(row.entry.pk, point.flops, point.performance) for row in rows for point in row.points]
    front = pareto_front(points, higher_is_better=higher_is_better(task_key))
    if not front:
        return None
    return {
        "type": "scatter",
        "mode": "lines+markers",
        "name": _("Pareto front"),
        "x": [point.flops / MFLOPS for point in front],
        "y": [point.performance for point in front],
        "text": [names[point.entry_id] for point in front],
        "hovertemplate": "%{text}<br>%{x:,.0f} MFLOPs<br>%{y:.2f}<extra>" + _("Pareto front") + "</extra>",
        "line": {"color": FRONT_COLOUR, "width": 3, "shape": "hv"},
        "marker": {"color": FRONT_COLOUR, "size": 12, "symbol": "circle-open", "line": {"width": 2}},
        "meta": {"role": "pareto"},
    }


def _layout(task: Task) -> dict[str, object]:
    return {
        "xaxis": {"title": {"text": _("MFLOPs per example")}, "type": "linear", "zeroline": False},
        "yaxis": {"title": {"text": _("%(task)s performance (%(metric)s)") % {"task": task.key, "metric": task.metric}}},
        "hovermode": "closest",
        "legend": {"orientation": "h", "y": -0.25},
        "margin": {"t": 20},
    }
