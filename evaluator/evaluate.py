"""One call that validates, measures and scores a submission for one task.

`evaluate()` reads the task's test set and validates every predictions file
(one per operating point), reporting all their problems together. It then
measures the model file once for every (module, input shape) that the files
list, and scores each point against the reference curve.

FLOPs per example are the sum of the FLOPs of the modules that the example's
`modules` cell lists, each at its listed input shape, and a point's MFLOPs is
their mean over the test set divided by 1e6.
"""

from __future__ import annotations

import logging
import platform
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy
import scipy

from evaluator.errors import InvalidInputError, MeasurementError, Problem, ProblemList
from evaluator.metrics import get_metric
from evaluator.predictions import ModuleShape, Predictions, read_predictions
from evaluator.readers import TestSet, read_test_set
from evaluator.scoring import (
    SCORE_DECIMALS,
    ReferenceCurve,
    default_reference_curve,
    point_score,
)
from evaluator.tasks import Task, get_task

from evaluator.sandbox import DEFAULT_TIMEOUT_SECONDS, ModelMeasurement

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
MeasureFunction = Callable[..., ModelMeasurement]


@dataclass
class PointResult:
    """One operating point: a predictions file, its performance, FLOPs and score.

    `flops` is the mean FLOPs per example rounded to an integer, `mflops` the
    same mean in millions, unrounded. Both are None without a model file.
    """

    predictions: str
    examples: int
    performance: float
    metrics: dict[str, float]
    flops: int | None = None
    mflops: float | None = None
    score: float | None = None
    operators: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """Return the JSON form of the point, without the operator breakdown."""
        data = asdict(self)
        del data["operators"]
        return data


@dataclass
class EvaluationResult:
    """Outcome of `evaluate()`: the points, parameters, task score and provenance.

    `elue_score` is the mean of the points' scores rounded to 2 decimals, or
    None when the points have no FLOPs.
    """

    task: str
    scoring_method: str
    points: list[PointResult]
    params: int | None
    elue_score: float | None
    provenance: dict[str, Any]

    def to_dict(self) -> dict[str, object]:
        """Return the JSON object that `python -m evaluator evaluate --json` prints."""
        return {
            "task": self.task,
            "scoring_method": self.scoring_method,
            "points": [point.to_dict() for point in self.points],
            "params": self.params,
            "elue_score": self.elue_score,
            "provenance": self.provenance,
        }


def measure_in_sandbox(model_file: Path, requests: Collection[ModuleShape], *,
                       timeout: float) -> ModelMeasurement:
    """Measure `model_file` in the isolated child process of evaluator.sandbox."""
    from evaluator.sandbox import measure_model_file

    return measure_model_file(model_file, requests, timeout=timeout)


class _StepTimer:
    """Wall-clock seconds per named step, for provenance and the log line."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = round(time.perf_counter() - start, 3)


def evaluate(
    task: str,
    data_dir: Path,
    predictions: Sequence[Path],
    model_file: Path | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    reference: ReferenceCurve | None = None,
    progress: Progress | None = None,
    names: Sequence[str] | None = None,
    measure: MeasureFunction = measure_in_sandbox,
) -> EvaluationResult:
    """Validate, measure and score the predictions files of one task.

    Raises InvalidInputError listing every problem of every file (up to 50),
    DataError when the task data is broken, and MeasurementError when the
    model file cannot be measured. `names` are the file names shown in
    problems and points (default: each path's base name), for example the
    names the files had when uploaded. `measure` replaces the sandboxed
    measurement, for tests.
    """
    task_info = get_task(task)
    curve = reference or default_reference_curve()
    report = progress or _no_progress
    timer = _StepTimer()
    if not predictions:
        raise InvalidInputError(_problem("predictions", "no predictions file given; "
                                         "give one file per operating point"))
    if names is not None and len(names) != len(predictions):
        raise ValueError(f"{len(names)} names for {len(predictions)} predictions files")
    names = list(names) if names is not None else [Path(path).name for path in predictions]

    with timer.step("reading"):
        report("reading", 0, 1)
        test_set = read_test_set(task_info, Path(data_dir))
        report("reading", 1, 1)

    with timer.step("validating"):
        files = _validate_all(task_info, test_set, list(zip(predictions, names)), model_file,
                              report)

    measurement = None
    if model_file is not None:
        with timer.step("measuring"):
            measurement = _measure(files, Path(model_file), measure, timeout, report)

    with timer.step("scoring"):
        points = [_score_point(task_info, test_set, file, measurement, curve)
                  for file in _reporting(files, "scoring", report)]

    result = _result(task_info, points, measurement, curve, timer.seconds)
    logger.info("Evaluated task %s: %s predictions files of %s examples, seconds per step %s",
                task_info.key, len(points), len(test_set), timer.seconds)
    return result


def _no_progress(step: str, done: int, total: int) -> None:
    return None


def _reporting(items: list, step: str, report: Progress) -> Iterator:
    for done, item in enumerate(items):
        report(step, done, len(items))
        yield item
    report(step, len(items), len(items))


def _problem(file: str, message: str, *, line: int | None = None,
             value: str | None = None) -> list[Problem]:
    problems = ProblemList()
    problems.add(file, line, value, message)
    return problems.problems


def _validate_all(task: Task, test_set: TestSet, named_paths: list[tuple[Path, str]],
                  model_file: Path | None, report: Progress) -> list[Predictions]:
    problems = ProblemList()
    if model_file is not None and not Path(model_file).is_file():
        problems.add(Path(model_file).name, None, None, "model file not found")

    files = []
    for path, name in _reporting(named_paths, "validating", report):
        if not Path(path).is_file():
            problems.add(name, None, None, "predictions file not found")
            continue
        parsed = read_predictions(Path(path), task, test_set.indices, problems, name=name,
                                  require_modules=model_file is not None)
        files.append(parsed)

    problems.raise_if_any()
    return files


def _measure(files: list[Predictions], model_file: Path, measure: MeasureFunction,
             timeout: float, report: Progress) -> ModelMeasurement:
    requests = {module for file in files for row in file.modules for module in row}
    report("measuring", 0, 1)
    measurement = measure(model_file, requests, timeout=timeout)
    report("measuring", 1, 1)

    problems = ProblemList()
    for file in files:
        for name in sorted(set(file.first_lines) & set(measurement.unknown_modules)):
            problems.add(file.name, file.first_lines[name], name,
                         "unknown module; module_list in the model file has no entry "
                         "of this name")
    problems.raise_if_any()

    unmeasured = requests - set(measurement.flops)
    if unmeasured:
        shown = ", ".join(sorted(map(str, unmeasured))[:5])
        raise MeasurementError(f"The measurement returned no FLOPs for {shown}")
    return measurement


def _score_point(task: Task, test_set: TestSet, file: Predictions,
                 measurement: ModelMeasurement | None, curve: ReferenceCurve) -> PointResult:
    outcome = get_metric(task.metric).compute(file.values, test_set.gold)
    point = PointResult(predictions=file.name, examples=len(file),
                        performance=outcome.performance, metrics=outcome.metrics)
    if measurement is None:
        return point

    counts = Counter(module for row in file.modules for module in row)
    total = sum(count * measurement.flops[module] for module, count in counts.items())
    point.flops = round(total / len(file))
    point.mflops = total / len(file) / 1e6
    point.score = point_score(task, point.performance, point.mflops, curve)
    point.operators = _mean_operators(counts, measurement, len(file))
    return point


def _mean_operators(counts: Counter, measurement: ModelMeasurement,
                    examples: int) -> dict[str, float]:
    totals: Counter = Counter()
    for module, count in counts.items():
        for operator, flops in measurement.operators.get(module, {}).items():
            totals[operator] += count * flops
    return {operator: flops / examples for operator, flops in sorted(totals.items())}


def _result(task: Task, points: list[PointResult], measurement: ModelMeasurement | None,
            curve: ReferenceCurve, seconds: dict[str, float]) -> EvaluationResult:
    scores = [point.score for point in points]
    elue_score = None
    if all(score is not None for score in scores):
        elue_score = round(sum(scores) / len(scores), SCORE_DECIMALS)

    return EvaluationResult(
        task=task.key,
        scoring_method=curve.scoring_method,
        points=points,
        params=measurement.params if measurement is not None else None,
        elue_score=elue_score,
        provenance=_provenance(task, points, measurement, curve, seconds),
    )


def _provenance(task: Task, points: list[PointResult], measurement: ModelMeasurement | None,
                curve: ReferenceCurve, seconds: dict[str, float]) -> dict[str, Any]:
    versions = {"python": platform.python_version(), "numpy": numpy.__version__,
                "scipy": scipy.__version__}
    provenance: dict[str, Any] = {
        "scoring_method": curve.scoring_method,
        "reference_points": [asdict(point) for point in curve.tasks.get(task.key, ())],
        "versions": versions,
        "wall_seconds": dict(seconds),
    }
    if measurement is not None:
        versions.update(measurement.versions)
        provenance["wall_seconds"]["measurement_child"] = measurement.wall_seconds
        provenance["operators"] = [point.operators for point in points]
        provenance["unsupported_operators"] = dict(measurement.unsupported)
        provenance["module_shapes"] = len(measurement.flops)
    return provenance
