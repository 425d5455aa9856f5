"""Registry of the ELUE metrics.

Every metric returns its components on a x100 scale under lower-case keys
(accuracy, f1, pearson, spearman) and a performance, which is the unweighted
mean of the components. Every metric here declares that higher is better, so
leaderboards sort by `higher_is_better` instead of hard-coding a direction.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from evaluator.errors import UnknownNameError

Value = int | float


@dataclass(frozen=True)
class MetricResult:
    """Performance (x100) and the components it is the mean of."""

    performance: float
    metrics: dict[str, float]


@dataclass(frozen=True)
class Metric:
    """A named metric: its components, direction and how to compute them."""

    name: str
    description: str
    components: tuple[str, ...]
    compute_components: Callable[[Sequence[Value], Sequence[Value]], dict[str, float]]
    higher_is_better: bool = True
    aggregation: str = "mean of components"

    def compute(self, predictions: Sequence[Value], gold: Sequence[Value]) -> MetricResult:
        """Compare row-aligned `predictions` with `gold` labels."""
        if len(predictions) != len(gold):
            raise ValueError(
                f"{len(predictions)} predictions for {len(gold)} gold labels; "
                "they must be row-aligned"
            )
        if not gold:
            raise ValueError("no examples to score")

        metrics = self.compute_components(predictions, gold)
        performance = sum(metrics[key] for key in self.components) / len(self.components)
        return MetricResult(performance=performance, metrics=metrics)


METRICS: dict[str, Metric] = {}


def register(metric: Metric) -> Metric:
    """Add `metric` to `METRICS`; raise ValueError if its name is taken."""
    if metric.name in METRICS:
        raise ValueError(f"metric {metric.name!r} is already registered")
    METRICS[metric.name] = metric
    return metric


def get_metric(name: str) -> Metric:
    """Return the metric called `name`, or raise UnknownNameError listing the known ones."""
    if name in METRICS:
        return METRICS[name]
    close = difflib.get_close_matches(name, list(METRICS), n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise UnknownNameError(
        f"Unknown metric {name!r}. Known metrics: {', '.join(METRICS)}.{hint}"
    )


def accuracy(predictions: Sequence[Value], gold: Sequence[Value]) -> float:
    """Return the share of exact matches, x100."""
    correct = sum(1 for predicted, label in zip(predictions, gold) if predicted == label)
    return 100.0 * correct / len(gold)


def f1(predictions: Sequence[Value], gold: Sequence[Value], positive: Value = 1) -> float:
    """Return the F1 score of class `positive`, x100: 2TP / (2TP + FP + FN).

    It is 0 when there are no true positives, including when neither side
    has a positive example.
    """
    true_positives = false_positives = false_negatives = 0
    for predicted, label in zip(predictions, gold):
        if predicted == positive and label == positive:
            true_positives += 1
        elif predicted == positive:
            false_positives += 1
        elif label == positive:
            false_negatives += 1
    if true_positives == 0:
        return 0.0
    return 100.0 * 2 * true_positives / (2 * true_positives + false_positives + false_negatives)


def pearson(predictions: Sequence[Value], gold: Sequence[Value]) -> float:
    """Return Pearson's correlation coefficient, x100 (0 for constant input)."""
    x, y = np.asarray(predictions, dtype=float), np.asarray(gold, dtype=float)
    if _is_constant(x) or _is_constant(y):
        # NOTE: correlation is undefined for constant input. 0 (no
        # correlation) keeps the score finite instead of NaN.
        return 0.0
    return 100.0 * float(stats.pearsonr(x, y).statistic)


def spearman(predictions: Sequence[Value], gold: Sequence[Value]) -> float:
    """Return Spearman's rank correlation (ties get average ranks), x100."""
    x, y = np.asarray(predictions, dtype=float), np.asarray(gold, dtype=float)
    if _is_constant(x) or _is_constant(y):
        return 0.0
    return 100.0 * float(stats.spearmanr(x, y).statistic)


def _is_constant(values: np.ndarray) -> bool:
    return len(values) < 2 or float(values.min()) == float(values.max())


register(Metric(
    name="accuracy",
    description="accuracy",
    components=("accuracy",),
    compute_components=lambda p, g: {"accuracy": accuracy(p, g)},
))
register(Metric(
    name="acc_and_f1",
    description="mean of accuracy and F1 of the positive class 1",
    components=("accuracy", "f1"),
    compute_components=lambda p, g: {"accuracy": accuracy(p, g), "f1": f1(p, g)},
))
register(Metric(
    name="pearson_and_spearman",
    description="mean of Pearson and Spearman correlation",
    components=("pearson", "spearman"),
    compute_components=lambda p, g: {"pearson": pearson(p, g), "spearman": spearman(p, g)},
))
