"""Exit decisions: entropy, patience and the STS-B patience rule.

Expected exits are derived by hand from the logits in each table.
"""

import math

import pytest
import torch

from baseline_helpers import set_constant_exits, tiny_model
from baselines.elasticbert import exits
from baselines.elasticbert.data import Encoded
from baselines.elasticbert.exits import OperatingPoint
from baselines.elasticbert.inference import predict_all_exits, run_early_exit

# Logits of 3 exits (rows) for 3 examples (columns), 2 classes.
# Entropies: [4, 0] -> 0.090, [0, 0] -> ln 2 = 0.693, [0, 1] -> 0.582, [0, 6] -> 0.017.
CLASS_LOGITS = torch.tensor([
    [[4.0, 0.0], [0.0, 0.0], [0.0, 0.0]],
    [[4.0, 0.0], [0.0, 1.0], [0.0, 0.0]],
    [[4.0, 0.0], [0.0, 6.0], [0.0, 0.0]],
])


def test_entropy_of_uniform_is_log_classes():
    assert float(exits.entropy(torch.zeros(3))) == pytest.approx(math.log(3))
    assert float(exits.entropy(torch.tensor([0.0, 1.0]))) == pytest.approx(0.5822, abs=1e-4)


@pytest.mark.parametrize("threshold, expected", [
    (0.1, [1, 3, 3]),   # only [4, 0] and [0, 6] are below 0.1
    (0.6, [1, 2, 3]),   # [0, 1] (0.582) now stops example 2 at exit 2
    (0.7, [1, 1, 1]),   # ln 2 = 0.693 is below 0.7: everything stops at once
    (0.01, [3, 3, 3]),  # nothing is that confident: all run to the last exit
])
def test_entropy_exits(threshold, expected):
    assert exits.entropy_exits(CLASS_LOGITS, threshold).tolist() == expected


# 4 exits, 2 examples. Argmax per exit: example 1: 0 0 0 0; example 2: 0 1 1 1
# (a tie [0, 0] takes class 0).
PATIENCE_LOGITS = torch.tensor([
    [[2.0, 0.0], [0.0, 0.0]],
    [[2.0, 0.0], [0.0, 1.0]],
    [[2.0, 0.0], [0.0, 1.0]],
    [[2.0, 0.0], [0.0, 1.0]],
])


@pytest.mark.parametrize("patience, expected", [
    (1, [2, 3]),  # example 2: exit 2 disagrees with exit 1, exit 3 agrees with exit 2
    (2, [3, 4]),
    (3, [4, 4]),  # example 2 reaches only 2 agreements: it runs to the end
])
def test_patience_exits(patience, expected):
    assert exits.patience_exits(PATIENCE_LOGITS, patience).tolist() == expected


# STS-B scores of 4 exits for 2 examples: 1.0 1.05 1.5 1.52 and 2.0 3.0 3.05 3.06.
REGRESSION_LOGITS = torch.tensor([
    [[1.0], [2.0]],
    [[1.05], [3.0]],
    [[1.5], [3.05]],
    [[1.52], [3.06]],
]).double()


@pytest.mark.parametrize("patience, tolerance, expected", [
    (1, 0.1, [2, 3]),  # |1.05 - 1.0| < 0.1; example 2 first agrees at 3.0 -> 3.05
    (2, 0.1, [4, 4]),  # example 1: 1.05 -> 1.5 breaks the run; 1.5 -> 1.52 is one
    (2, 0.5, [3, 4]),  # every step of example 1 is within 0.5
    (1, 0.01, [4, 4]),  # no step is that small, not even 3.05 -> 3.06
])
def test_regression_patience_rule(patience, tolerance, expected):
    chosen = exits.patience_exits(REGRESSION_LOGITS, patience, tolerance=tolerance)
    assert chosen.tolist() == expected


def test_choose_exits_uses_tolerance_only_for_regression():
    point = OperatingPoint("patience", 1, tolerance=0.1)
    assert exits.choose_exits(REGRESSION_LOGITS, point).tolist() == [2, 3]
    assert exits.choose_exits(PATIENCE_LOGITS, point).tolist() == [2, 3]


def test_static_exits_reject_depth_out_of_range():
    assert exits.static_exits(CLASS_LOGITS, 2).tolist() == [2, 2, 2]
    with pytest.raises(ValueError, match="between 1 and 3"):
        exits.static_exits(CLASS_LOGITS, 4)


def test_outputs_at_picks_each_examples_exit():
    chosen = torch.tensor([1, 3, 2])
    picked = exits.outputs_at(CLASS_LOGITS, chosen)
    assert picked.tolist() == [[4.0, 0.0], [0.0, 6.0], [0.0, 0.0]]


def _encoded(lengths):
    ids = [[1 + (position * 7 + length) % 90 for position in range(length)] for length in lengths]
    return Encoded(input_ids=ids, token_type_ids=[[0] * length for length in lengths],
                   labels=[0] * len(lengths))


def test_tiny_model_constant_exits_follow_rules():
    model = tiny_model(layers=3)
    set_constant_exits(model, [[0.0, 0.0], [0.0, 1.0], [0.0, 6.0]])
    encoded = _encoded([3, 5])

    cases = [
        (OperatingPoint("entropy", 0.6), 2),   # 0.582 < 0.6 at exit 2
        (OperatingPoint("entropy", 0.1), 3),
        (OperatingPoint("patience", 1), 3),     # argmax 0, 1, 1
        (OperatingPoint("static", 2), 2),
    ]
    for point, expected in cases:
        for row in range(len(encoded)):
            number, _ = run_early_exit(model, encoded.input_ids[row], encoded.token_type_ids[row], point)
            assert number == expected, point
        batched = exits.choose_exits(predict_all_exits(model, encoded), point)
        assert batched.tolist() == [expected] * len(encoded), point


def _between_middle(values: torch.Tensor) -> float:
    # A threshold halfway between two observed values, so that float noise
    # between padded and unpadded runs cannot move a value across it.
    ordered = values.sort().values
    middle = len(ordered) // 2
    return float(ordered[middle - 1] + ordered[middle]) / 2


@pytest.mark.parametrize("pooling", ["cls", "mean"])
@pytest.mark.parametrize("num_labels", [1, 3])
def test_batched_decisions_equal_early_exit_runs(pooling, num_labels):
    model = tiny_model(num_labels, layers=4, pooling=pooling, seed=3)
    encoded = _encoded([2, 9, 4, 17, 6, 11, 3, 8])
    all_logits = predict_all_exits(model, encoded, batch_size=3)

    if num_labels == 1:
        steps = (all_logits[1:] - all_logits[:-1]).abs().flatten()
        points = [OperatingPoint("patience", t, _between_middle(steps)) for t in (1, 2)]
    else:
        entropies = exits.entropy(all_logits).flatten()
        points = [OperatingPoint("entropy", _between_middle(entropies)), OperatingPoint("patience", 1)]
    points.append(OperatingPoint("static", 3))

    for point in points:
        batched = exits.choose_exits(all_logits, point)
        outputs = exits.outputs_at(all_logits, batched)
        for row in range(len(encoded)):
            number, logits = run_early_exit(
                model, encoded.input_ids[row], encoded.token_type_ids[row], point
            )
            assert number == int(batched[row]), (point, row)
            assert torch.allclose(logits, outputs[row], atol=1e-5), (point, row)
