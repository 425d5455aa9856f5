"""Rows and the plotly figure of a task page.

The figure is plain JSON (plotly's `data` and `layout`), embedded in the page
with `json_script` and drawn by `static/leaderboards/task_plot.js`. The x axis
is MFLOPs per example, the y axis the task's performance. It has one trace for
the reference curve, one per listed entry (its points joined in FLOPs order)
and one for the Pareto front over all entries' points. Entry traces take
their colours from ENTRY_COLOURS, which leaves out the front's and the
reference's colours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from elue_site.benchmark.models import ReferencePoint, Source, Task
from elue_site.leaderboards.boards import EntryInfo, PointInfo, ResultInfo, best_point
from elue_site.leaderboards.directions import higher_is_better
from elue_site.leaderboards.ranking import PlotPoint, pareto_front
from elue_site.leaderboards.sorting import ASCENDING, Column

MFLOPS = 1e6
REFERENCE_COLOUR = "#7f7f7f"
FRONT_COLOUR = "#d62728"
OTHERS_COLOUR = "#b0b7c3"
# Plotly's default colours less the front's red and the reference's grey, so
# no entry trace can be mistaken for the Pareto front or the reference curve.
ENTRY_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf")
# Entries drawn as traces of their own; the rest share one grey trace.
MAX_ENTRY_TRACES = 40


@dataclass(frozen=True)
class TaskRow:
    """One entry on a task page: its counted result and its points in FLOPs order."""

    entry: EntryInfo
    result: ResultInfo
    points: list[PointInfo]
    best: PointInfo

    @classmethod
    def build(cls, task_key: str, entry: EntryInfo, result: ResultInfo) -> "TaskRow":
        points = sorted(result.points, key=lambda point: (point.flops, point.position))
        return cls(entry, result, points, best_point(task_key, points))

    @property
    def mparams(self) -> float | None:
        params = self.best.params if self.best.params is not None else self.result.params
        return None if params is None else params / 1e6


def task_columns() -> list[Column[TaskRow]]:
    """Return the sortable columns of the task tables."""
    return [
        Column("name", _("Model"), lambda row: row.entry.name.lower(), ASCENDING),
        Column("performance", _("Best performance"), lambda row: row.best.performance),
        Column("mflops", _("MFLOPs at best"), lambda row: row.best.flops, ASCENDING),
        Column("params", _("Parameters (M)"), lambda row: row.mparams, ASCENDING),
        Column("score", _("Task score"), lambda row: row.result.task_score),
        Column("points", _("Points"), lambda row: len(row.points)),
    ]


def task_figure(task: Task, rows: Sequence[TaskRow], reference: Sequence[ReferencePoint]) -> dict[str, object]:
    """Build the plotly figure (data and layout) of a task page.

    The best MAX_ENTRY_TRACES entries by best performance get a trace and a
    legend item each. The others share one trace whose points are joined per
    entry and separated by gaps, which keeps the browser fast with many entries.
    """
    direction = higher_is_better(task.key)
    ranked = sorted(rows, key=lambda row: (-row.best.performance if direction else row.best.performance, row.entry.name.lower(), row.entry.pk))
    traces = [_reference_trace(reference)] if reference else []
    traces += [_entry_trace(row, ENTRY_COLOURS[number % len(ENTRY_COLOURS)])
               for number, row in enumerate(ranked[:MAX_ENTRY_TRACES])]
    if len(ranked) > MAX_ENTRY_TRACES:
        traces.append(_others_trace(ranked[MAX_ENTRY_TRACES:]))
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


def _entry_trace(row: TaskRow, colour: str) -> dict[str, object]:
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
        "line": {"color": colour},
        "marker": {"color": colour},
        "meta": {"role": "entry", "entry_id": row.entry.pk},
    }


def _others_trace(rows: Sequence[TaskRow]) -> dict[str, object]:
    x: list[float | None] = []
    y: list[float | None] = []
    text: list[str | None] = []
    for row in rows:
        x += [point.flops / MFLOPS for point in row.points] + [None]
        y += [point.performance for point in row.points] + [None]
        text += [row.entry.name] * len(row.points) + [None]
    return {
        "type": "scatter",
        "mode": "lines+markers",
        "name": _("Other entries (%(count)s)") % {"count": len(rows)},
        "x": x,
        "y": y,
        "text": text,
        "connectgaps": False,
        "hovertemplate": "<b>%{text}</b><br>%{x:,.0f} MFLOPs<br>" + _("performance") + " %{y:.2f}<extra></extra>",
        "line": {"color": OTHERS_COLOUR, "width": 1},
        "marker": {"color": OTHERS_COLOUR, "size": 4},
        "meta": {"role": "others"},
    }


def _source_label(point: PointInfo) -> str:
    label = _("performance %(performance)s, FLOPs %(flops)s") % {
        "performance": Source(point.performance_source).label,
        "flops": Source(point.flops_source).label,
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
        "colorway": list(ENTRY_COLOURS),
        "hovermode": "closest",
        "legend": {"orientation": "h", "y": -0.25},
        "margin": {"t": 20},
    }
