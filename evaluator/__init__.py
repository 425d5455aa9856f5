"""ELUE measurement library: tasks, predictions, metrics, FLOPs and score.

It imports no Django, so notebooks, the command line (`python -m evaluator`)
and the Celery workers share it. `reference_mflops` is imported on first use
because it loads torch and a tokenizer.
"""

from typing import Any

from evaluator.errors import (
    DataError,
    EvaluatorError,
    InvalidInputError,
    MeasurementError,
    Problem,
    UnknownNameError,
)
from evaluator.evaluate import DEFAULT_TIMEOUT_SECONDS, EvaluationResult, PointResult, evaluate
from evaluator.metrics import METRICS, Metric, get_metric
from evaluator.predictions import ModuleShape, parse_modules, read_predictions
from evaluator.readers import TestSet, read_split, read_test_inputs, read_test_set
from evaluator.scoring import (
    SCORING_METHOD,
    ReferenceCurve,
    ReferencePoint,
    default_reference_curve,
    load_reference_curve,
    overall_score,
    score_points,
)
from evaluator.tasks import TASKS, Task, get_task

__all__ = [
    "DEFAULT_TIMEOUT_SECONDS",
    "DataError",
    "EvaluationResult",
    "EvaluatorError",
    "InvalidInputError",
    "METRICS",
    "MeasurementError",
    "Metric",
    "ModuleShape",
    "PointResult",
    "Problem",
    "ReferenceCurve",
    "ReferencePoint",
    "SCORING_METHOD",
    "TASKS",
    "Task",
    "TestSet",
    "UnknownNameError",
    "default_reference_curve",
    "evaluate",
    "get_metric",
    "get_task",
    "load_reference_curve",
    "overall_score",
    "parse_modules",
    "read_predictions",
    "read_split",
    "read_test_inputs",
    "read_test_set",
    "reference_mflops",
    "score_points",
]


def __getattr__(name: str) -> Any:
    if name == "reference_mflops":
        from evaluator.reference_flops import reference_mflops

        return reference_mflops
    raise AttributeError(f"module 'evaluator' has no attribute {name!r}")
