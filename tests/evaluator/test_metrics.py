"""Metrics on tiny lists whose values are worked out by hand."""

from __future__ import annotations

import math

import pytest

from evaluator.errors import UnknownNameError
from evaluator.metrics import METRICS, accuracy, f1, get_metric, pearson, spearman
from evaluator.tasks import TASKS


def test_accuracy_by_hand():
    # 3 of 4 match.
    assert accuracy([1, 0, 2, 2], [1, 0, 2, 1]) == 75.0


def test_f1_by_hand():
    # TP=2 (rows 0, 3), FP=1 (row 1), FN=1 (row 4): F1 = 4 / (4 + 1 + 1).
    predictions = [1, 1, 0, 1, 0]
    gold = [1, 0, 0, 1, 1]
    assert f1(predictions, gold) == pytest.approx(100 * 4 / 6)


def test_f1_without_true_positives_is_zero():
    assert f1([0, 0, 0], [1, 0, 1]) == 0.0
    assert f1([0, 0], [0, 0]) == 0.0


def test_mrpc_metric_is_mean_of_accuracy_and_f1():
    # accuracy 3/5 = 60, F1 = 2*2 / (2*2 + 1 + 1) = 66.67, mean = 63.33.
    result = get_metric("acc_and_f1").compute([1, 1, 0, 1, 0], [1, 0, 0, 1, 1])
    assert result.metrics["accuracy"] == pytest.approx(60.0)
    assert result.metrics["f1"] == pytest.approx(200 / 3)
    assert result.performance == pytest.approx((60.0 + 200 / 3) / 2)


def test_pearson_worked_example():
    # x mean 4, deviations -3 -2 -1 0 6; y mean 3, deviations -2 -1 0 1 2.
    # sum of products 20, sums of squares 50 and 10: r = 20 / sqrt(500).
    assert pearson([1, 2, 3, 4, 10], [1, 2, 3, 4, 5]) == pytest.approx(100 * 20 / math.sqrt(500))


def test_spearman_ignores_scale():
    # Same order on both sides, so the rank correlation is exactly 1.
    assert spearman([1, 2, 3, 4, 10], [1, 2, 3, 4, 5]) == pytest.approx(100.0)


def test_spearman_ties_get_average_ranks():
    # Ranks of x: 1.5 1.5 3 4; of y: 1 2 3 4. Deviations from 2.5 give
    # products summing to 4.5, squares 4.5 and 5: rho = 4.5 / sqrt(22.5).
    assert spearman([1, 1, 2, 3], [1, 2, 3, 4]) == pytest.approx(100 * 4.5 / math.sqrt(22.5))


def test_stsb_metric_is_mean_of_correlations():
    result = get_metric("pearson_and_spearman").compute([1, 2, 3, 4, 10], [1, 2, 3, 4, 5])
    expected_pearson = 100 * 20 / math.sqrt(500)
    assert result.metrics == {"pearson": pytest.approx(expected_pearson),
                              "spearman": pytest.approx(100.0)}
    assert result.performance == pytest.approx((expected_pearson + 100.0) / 2)


def test_negative_correlation():
    assert pearson([3, 2, 1], [1, 2, 3]) == pytest.approx(-100.0)


def test_constant_predictions_correlate_zero():
    assert pearson([2.0, 2.0, 2.0], [1, 2, 3]) == 0.0
    assert spearman([2.0, 2.0, 2.0], [1, 2, 3]) == 0.0


def test_every_metric_declares_higher_is_better():
    for metric in METRICS.values():
        assert metric.higher_is_better is True


def test_components_are_lower_case_keys():
    assert get_metric("accuracy").components == ("accuracy",)
    assert get_metric("acc_and_f1").components == ("accuracy", "f1")
    assert get_metric("pearson_and_spearman").components == ("pearson", "spearman")


def test_every_task_metric_is_registered():
    for task in TASKS.values():
        assert get_metric(task.metric).name == task.metric


def test_unknown_metric_lists_known_and_suggests():
    with pytest.raises(UnknownNameError) as caught:
        get_metric("acuracy")
    message = str(caught.value)
    assert "Known metrics: accuracy, acc_and_f1, pearson_and_spearman." in message
    assert "Did you mean 'accuracy'?" in message


def test_length_mismatch_is_rejected():
    with pytest.raises(ValueError, match="3 predictions for 2 gold labels"):
        get_metric("accuracy").compute([1, 0, 1], [1, 0])


def test_empty_input_is_rejected():
    with pytest.raises(ValueError, match="no examples"):
        get_metric("accuracy").compute([], [])
