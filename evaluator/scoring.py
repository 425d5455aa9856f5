"""Reference curve and the ELUE score, scoring method `elue-1`.

For one task a submission gives n points (p_i, f_i): performance and mean
MFLOPs per example. Its task score is

    score_task = round(mean_i(p_i - p_ref(f_i)), 2)

where p_ref is the reference model's performance (ElasticBERT-BASE cut to
some number of layers) at the same FLOPs. Under `elue-1` p_ref is piecewise
linear in FLOPs between the curve's points and clamped to the nearest end
point outside their range. The overall ELUE score is the mean of the six task
scores, rounded to 2 decimals, and exists only when all six are present.

A reference curve is data. The built-in default is the published seed table
(`default_reference_curve`), and a JSON file of this form replaces it:

    {"scoring_method": "elue-1",
     "tasks": {"SST-2": [{"layers": 12, "mflops": 4238, "performance": 88.6,
                          "source": "...", "approximate": false}, ...],
               ... all six tasks ...}}

`source` and `approximate` are optional. Within a task the points must have
distinct MFLOPs. Task names accept the same spellings as `get_task`.
"""

from __future__ import annotations

import bisect
import functools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from evaluator.errors import DataError, EvaluatorError, InvalidInputError, Problem, ProblemList
from evaluator.tasks import TASKS, Task, get_task

SCORING_METHOD = "elue-1"
SCORE_DECIMALS = 2


@dataclass(frozen=True)
class ReferencePoint:
    """The reference model cut to `layers` layers on one task."""

    layers: int
    mflops: float
    performance: float
    source: str = ""
    approximate: bool = False


@dataclass(frozen=True)
class ReferenceCurve:
    """Reference points per task key, each task's points sorted by MFLOPs."""

    tasks: Mapping[str, tuple[ReferencePoint, ...]]
    scoring_method: str = SCORING_METHOD

    def __post_init__(self) -> None:
        # Callers may pass points in any order; interpolation needs them sorted.
        ordered = {key: tuple(sorted(points, key=lambda point: point.mflops))
                   for key, points in self.tasks.items()}
        object.__setattr__(self, "tasks", ordered)

    def points(self, task: str | Task) -> tuple[ReferencePoint, ...]:
        """Return the points of `task`, sorted by MFLOPs."""
        key = _task_key(task)
        if key not in self.tasks:
            raise DataError(f"The reference curve has no points for task {key}")
        return self.tasks[key]

    def performance_at(self, task: str | Task, mflops: float) -> float:
        """Return p_ref: performance interpolated linearly in MFLOPs, clamped at the ends."""
        points = self.points(task)
        if mflops <= points[0].mflops:
            return points[0].performance
        if mflops >= points[-1].mflops:
            return points[-1].performance

        right = bisect.bisect_right([point.mflops for point in points], mflops)
        low, high = points[right - 1], points[right]
        weight = (mflops - low.mflops) / (high.mflops - low.mflops)
        return low.performance + weight * (high.performance - low.performance)

    def to_dict(self) -> dict[str, object]:
        """Return the JSON form that `load_reference_curve` reads."""
        return {
            "scoring_method": self.scoring_method,
            "tasks": {
                key: [asdict(point) for point in points] for key, points in self.tasks.items()
            },
        }


def _task_key(task: str | Task) -> str:
    return task.key if isinstance(task, Task) else get_task(task).key


def point_score(task: str | Task, performance: float, mflops: float,
                curve: ReferenceCurve | None = None) -> float:
    """Return p - p_ref(f) for one point, unrounded."""
    curve = curve or default_reference_curve()
    return performance - curve.performance_at(task, mflops)


def score_points(task: str | Task, points: Sequence[tuple[float, float]],
                 curve: ReferenceCurve | None = None) -> float:
    """Return the task score of (performance, mflops) `points`, rounded to 2 decimals."""
    if not points:
        raise ValueError("no points to score; give at least one (performance, mflops) pair")
    curve = curve or default_reference_curve()
    differences = [point_score(task, performance, mflops, curve) for performance, mflops in points]
    return round(sum(differences) / len(differences), SCORE_DECIMALS)


def overall_score(task_scores: Mapping[str, float | None]) -> float | None:
    """Return the mean of the six task scores, rounded, or None unless all six exist."""
    scores = {_task_key(task): score for task, score in task_scores.items() if score is not None}
    if set(scores) != set(TASKS):
        return None
    return round(sum(scores.values()) / len(scores), SCORE_DECIMALS)


# ---- the built-in curve ----

_PAPER = "Liu et al. 2022, arXiv 2110.07038, Table 3"
_FLOPS_NOTE = "MFLOPs: mean over the test set at each example's real token count"

# (task, 12-layer performance, 12-layer MFLOPs, 6-layer performance, 6-layer MFLOPs)
_SEED = [
    ("SST-2", 88.6, 4238, 87.0, 2119),
    ("IMDb", 93.9, 49566, 92.7, 24784),
    ("SNLI", 91.3, 4695, 90.1, 2348),
    ("SciTail", 93.8, 6732, 92.5, 3367),
    ("MRPC", 87.9, 9117, 87.3, 4559),
    ("STS-B", 87.6, 4715, 86.9, 2358),
]

# SST-2 at 4 and 3 layers, read off the ELUE website's SST-2 chart.
_SST2_CHART = [(4, 85.7), (3, 84.1)]


@functools.cache
def default_reference_curve() -> ReferenceCurve:
    """Return the built-in curve: ElasticBERT-BASE at 12 and 6 layers on every task.

    SST-2 also has 4- and 3-layer points. Their performance was read off a
    chart and their MFLOPs are extrapolated along the line through the 12-
    and 6-layer points (about 353.2 MFLOPs per layer), so both are marked
    approximate.
    """
    tasks: dict[str, tuple[ReferencePoint, ...]] = {}
    for key, perf_12, mflops_12, perf_6, mflops_6 in _SEED:
        points = [
            ReferencePoint(12, mflops_12, perf_12, f"{_PAPER}; {_FLOPS_NOTE}"),
            ReferencePoint(6, mflops_6, perf_6, f"{_PAPER}; {_FLOPS_NOTE}"),
        ]
        if key == "SST-2":
            per_layer = (mflops_12 - mflops_6) / 6
            points += [
                ReferencePoint(layers, round(mflops_6 - (6 - layers) * per_layer, 1),
                               performance, "ELUE website SST-2 chart (read off, approximate); "
                               "MFLOPs extrapolated from the 12- and 6-layer points",
                               approximate=True)
                for layers, performance in _SST2_CHART
            ]
        tasks[key] = tuple(sorted(points, key=lambda point: point.mflops))
    return ReferenceCurve(tasks=tasks)


# ---- reading a curve file ----


def load_reference_curve(path: Path) -> ReferenceCurve:
    """Read a reference curve JSON file; raise InvalidInputError listing every problem."""
    name = Path(path).name
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise EvaluatorError(f"Cannot read reference curve {path}: {error.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidInputError(_one_problem(name, f"not valid JSON: {error}")) from None
    return parse_reference_curve(data, name=name)


def _one_problem(name: str, message: str) -> list[Problem]:
    problems = ProblemList()
    problems.add(name, None, None, message)
    return problems.problems


def parse_reference_curve(data: object, *, name: str = "reference curve") -> ReferenceCurve:
    """Build a curve from its decoded JSON form; raise InvalidInputError on any problem."""
    problems = ProblemList()
    if not isinstance(data, dict):
        problems.add(name, None, None, 'expected a JSON object with "scoring_method" and "tasks"')
        problems.raise_if_any()

    method = data.get("scoring_method")
    if method != SCORING_METHOD:
        problems.add(name, None, repr(method), f'unsupported "scoring_method"; expected '
                     f'"{SCORING_METHOD}"')
    raw_tasks = data.get("tasks")
    if not isinstance(raw_tasks, dict):
        problems.add(name, None, None, '"tasks" must be an object mapping task names to points')
        problems.raise_if_any()

    tasks = {}
    for task_name, raw_points in raw_tasks.items():
        try:
            key = get_task(task_name).key
        except LookupError as error:
            problems.add(name, None, task_name, str(error))
            continue
        tasks[key] = _parse_points(key, raw_points, name, problems)

    for key in TASKS:
        if key not in tasks and key not in raw_tasks:
            problems.add(name, None, None, f"missing task {key}; the curve needs all six tasks")
    problems.raise_if_any()
    return ReferenceCurve(tasks=tasks, scoring_method=method)


def _parse_points(key: str, raw_points: object, name: str,
                  problems: ProblemList) -> tuple[ReferencePoint, ...]:
    if not isinstance(raw_points, list) or not raw_points:
        problems.add(name, None, key, "expected a non-empty list of points")
        return ()

    points = []
    for number, raw in enumerate(raw_points, start=1):
        where = f"{key} point {number}"
        point = _parse_point(raw, where, name, problems)
        if point is not None:
            points.append(point)

    flops = [point.mflops for point in points]
    if len(set(flops)) != len(flops):
        problems.add(name, None, key, "two points have the same mflops; each must differ")
    return tuple(sorted(points, key=lambda point: point.mflops))


def _parse_point(raw: object, where: str, name: str,
                 problems: ProblemList) -> ReferencePoint | None:
    if not isinstance(raw, dict):
        problems.add(name, None, where, "expected an object with layers, mflops and performance")
        return None

    layers, mflops, performance = raw.get("layers"), raw.get("mflops"), raw.get("performance")
    checks = [
        (_is_int(layers) and layers > 0, "layers", layers, "a positive integer"),
        (_is_number(mflops) and mflops > 0, "mflops", mflops, "a positive number"),
        (_is_number(performance), "performance", performance, "a finite number"),
        (isinstance(raw.get("source", ""), str), "source", raw.get("source"), "a string"),
        (isinstance(raw.get("approximate", False), bool), "approximate", raw.get("approximate"),
         "true or false"),
    ]
    valid = True
    for passed, field_name, value, expected in checks:
        if not passed:
            problems.add(name, None, repr(value), f"{where}: {field_name} must be {expected}")
            valid = False
    if not valid:
        return None
    return ReferencePoint(layers=layers, mflops=float(mflops), performance=float(performance),
                          source=raw.get("source", ""), approximate=raw.get("approximate", False))


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
