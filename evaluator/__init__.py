"""ELUE measurement library: tasks, predictions, metrics, FLOPs and score.

It imports no Django, so notebooks, the command line (`python -m evaluator`)
and the Celery workers share it.
"""

from evaluator.errors import (
    DataError,
    EvaluatorError,
    InvalidInputError,
    MeasurementError,
    Problem,
    UnknownNameError,
)
from evaluator.readers import TestSet, read_split, read_test_inputs, read_test_set
from evaluator.tasks import TASKS, Task, get_task

__all__ = [
    "DataError",
    "EvaluatorError",
    "InvalidInputError",
    "MeasurementError",
    "Problem",
    "TASKS",
    "Task",
    "TestSet",
    "UnknownNameError",
    "get_task",
    "read_split",
    "read_test_inputs",
    "read_test_set",
]
