"""Ranking direction of each task, read from the evaluator's metric registry."""

from __future__ import annotations

from functools import cache

from evaluator import get_task
from evaluator.metrics import get_metric


@cache
def higher_is_better(task_key: str) -> bool:
    """Return True when a higher performance on `task_key` ranks first."""
    return get_metric(get_task(task_key).metric).higher_is_better
