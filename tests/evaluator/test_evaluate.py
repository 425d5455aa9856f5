"""evaluate(): validation across files, FLOPs per example, scores and provenance.

The model measurement is replaced by a fake with hand-set FLOPs here. The
end-to-end test with the real sandbox lives at the end and runs a toy model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from evaluator_files import write_file

from evaluator.errors import InvalidInputError, MeasurementError
from evaluator.evaluate import evaluate
from evaluator.predictions import ModuleShape
from evaluator.scoring import ReferenceCurve, ReferencePoint

# SST-2 toy test set: 4 rows with gold labels 1, 0, 1, 1.
GOLD = [1, 0, 1, 1]

# p_ref: 80 at 1 MFLOPs, 90 at 3 MFLOPs.
CURVE = ReferenceCurve(tasks={
    "SST-2": (ReferencePoint(1, 1.0, 80.0), ReferencePoint(3, 3.0, 90.0)),
})


@pytest.fixture
def data_dir(tmp_path) -> Path:
    rows = ["good film", "bad film", "fine", "great"]
    test = "index\tsentence\n" + "".join(f"{i}\t{text}\n" for i, text in enumerate(rows))
    gold = "sentence\tlabel\n" + "".join(f"{text}\t{label}\n" for text, label in zip(rows, GOLD))
    write_file(tmp_path / "data" / "SST-2" / "test.tsv", test)
    write_file(tmp_path / "data" / "SST-2" / "test_full.tsv", gold)
    return tmp_path / "data"


def predictions_file(folder: Path, name: str, preds, modules=None) -> Path:
    header = "index\tpred" + ("\tmodules" if modules else "")
    lines = [header]
    for index, pred in enumerate(preds):
        line = f"{index}\t{pred}"
        if modules:
            line += f"\t{modules[index]}"
        lines.append(line)
    return write_file(folder / name, "\n".join(lines) + "\n")


@dataclass
class FakeMeasurement:
    flops: dict
    operators: dict
    unsupported: dict = field(default_factory=dict)
    unknown_modules: set = field(default_factory=set)
    params: int = 1234
    versions: dict = field(default_factory=lambda: {"torch": "t", "fvcore": "f"})
    wall_seconds: float = 0.5


class FakeMeasure:
    """Prices `layer` at 1,000,000 FLOPs per token and `exit` at 500,000 FLOPs."""

    def __init__(self, unknown=()):
        self.calls = []
        self.unknown = set(unknown)

    def __call__(self, model_file, requests, *, timeout):
        self.calls.append((model_file, set(requests), timeout))
        flops, operators = {}, {}
        for request in requests:
            if request.name in self.unknown:
                continue
            if request.name == "layer":
                cost = 1_000_000 * request.shape[0]
                operators[request] = {"linear": cost}
            else:
                cost = 500_000
                operators[request] = {"linear": cost - 1000, "layer_norm": 1000}
            flops[request] = cost
        return FakeMeasurement(flops=flops, operators=operators, unknown_modules=self.unknown,
                               unsupported={"aten::gelu": 4})


def model_file(tmp_path) -> Path:
    return write_file(tmp_path / "model.py", "module_list = {}\nentire_model = None\n")


# route 2: no model file


def test_without_model_file_has_no_flops(tmp_path, data_dir):
    path = predictions_file(tmp_path, "a.tsv", [1, 0, 0, 1])
    result = evaluate("sst2", data_dir, [path])
    assert result.task == "SST-2"
    assert result.scoring_method == "elue-1"
    assert result.params is None
    assert result.elue_score is None
    [point] = result.points
    assert point.performance == 75.0
    assert point.metrics == {"accuracy": 75.0}
    assert point.examples == 4
    assert point.mflops is None
    assert point.score is None


def test_points_keep_file_order(tmp_path, data_dir):
    paths = [predictions_file(tmp_path, "b.tsv", [1, 0, 1, 1]),
             predictions_file(tmp_path, "a.tsv", [0, 0, 0, 0])]
    result = evaluate("SST-2", data_dir, paths)
    assert [point.predictions for point in result.points] == ["b.tsv", "a.tsv"]
    assert [point.performance for point in result.points] == [100.0, 25.0]


def test_curve_without_task_is_fine_without_model(tmp_path, data_dir):
    other_task_curve = ReferenceCurve(tasks={"MRPC": CURVE.points("SST-2")})
    path = predictions_file(tmp_path, "a.tsv", GOLD)
    result = evaluate("SST-2", data_dir, [path], reference=other_task_curve)
    assert result.points[0].performance == 100.0
    assert result.provenance["reference_points"] == []


def test_to_dict_has_cli_keys(tmp_path, data_dir):
    result = evaluate("SST-2", data_dir, [predictions_file(tmp_path, "a.tsv", GOLD)])
    data = result.to_dict()
    assert list(data) == ["task", "scoring_method", "points", "params", "elue_score",
                          "provenance"]
    assert set(data["points"][0]) == {"predictions", "examples", "performance", "metrics",
                                      "flops", "mflops", "score"}
    assert data["provenance"]["versions"]["python"]
    assert set(data["provenance"]["wall_seconds"]) == {"reading", "validating", "scoring"}


# validation across files


def test_names_replace_file_names(tmp_path, data_dir):
    good = predictions_file(tmp_path, "x1.tsv", GOLD)
    bad = write_file(tmp_path / "x2.tsv", "index\tpred\n0\t1\n1\t0\n2\t1\n3\t4\n")
    result = evaluate("SST-2", data_dir, [good], names=["exit 6.tsv"])
    assert result.points[0].predictions == "exit 6.tsv"
    with pytest.raises(InvalidInputError) as caught:
        evaluate("SST-2", data_dir, [good, bad], names=["exit 6.tsv", "exit 12.tsv"])
    assert [problem.file for problem in caught.value.problems] == ["exit 12.tsv"]


def test_names_must_match_files(tmp_path, data_dir):
    path = predictions_file(tmp_path, "a.tsv", GOLD)
    with pytest.raises(ValueError, match="2 names for 1 predictions files"):
        evaluate("SST-2", data_dir, [path], names=["a", "b"])


def test_problems_of_all_files_are_reported(tmp_path, data_dir):
    first = write_file(tmp_path / "first.tsv", "index\tpred\n0\t1\n1\t5\n2\t1\n3\t1\n")
    second = write_file(tmp_path / "second.tsv", "index\tpred\n0\t1\n1\t0\n2\t1\n2\t1\n")
    with pytest.raises(InvalidInputError) as caught:
        evaluate("SST-2", data_dir, [first, second])
    located = [(problem.file, problem.line) for problem in caught.value.problems]
    assert located == [("first.tsv", 3), ("second.tsv", 5), ("second.tsv", None)]


def test_problem_cap_spans_files(tmp_path, data_dir):
    bad = "index\tpred\n" + "".join(f"{index}\t9\n" for index in range(4)) + "x\t1\n" * 40
    paths = [write_file(tmp_path / f"p{number}.tsv", bad) for number in range(3)]
    with pytest.raises(InvalidInputError) as caught:
        evaluate("SST-2", data_dir, paths)
    # 44 problems per file, 132 in all: 50 shown.
    assert len(caught.value.problems) == 50
    assert caught.value.truncated == 82


def test_missing_files_are_problems(tmp_path, data_dir):
    with pytest.raises(InvalidInputError) as caught:
        evaluate("SST-2", data_dir, [tmp_path / "nope.tsv"], tmp_path / "nomodel.py",
                 measure=FakeMeasure())
    messages = [str(problem) for problem in caught.value.problems]
    assert messages == ["nomodel.py: model file not found", "nope.tsv: predictions file not found"]


def test_no_predictions_is_rejected(data_dir):
    with pytest.raises(InvalidInputError, match="no predictions file given"):
        evaluate("SST-2", data_dir, [])


def test_model_file_needs_modules_everywhere(tmp_path, data_dir):
    with_modules = predictions_file(tmp_path, "a.tsv", GOLD, ["(2,8),layer"] * 4)
    without = predictions_file(tmp_path, "b.tsv", GOLD)
    measure = FakeMeasure()
    with pytest.raises(InvalidInputError) as caught:
        evaluate("SST-2", data_dir, [with_modules, without], model_file(tmp_path), measure=measure)
    [problem] = caught.value.problems
    assert problem.file == "b.tsv"
    assert "missing modules column" in problem.message
    assert measure.calls == []


# route 3: measured FLOPs


def test_flops_per_example_and_score(tmp_path, data_dir):
    # Rows execute: layer at 1 token, layer at 2 tokens + exit, layer at 1
    # token + exit, layer at 2 tokens. FLOPs: 1.0M, 2.5M, 1.5M, 2.0M; mean 1.75M.
    modules = ["(1,8),layer", "(2,8),layer; (8),exit", "(1,8),layer; (8),exit", "(2,8),layer"]
    path = predictions_file(tmp_path, "a.tsv", [1, 0, 1, 0], modules)
    measure = FakeMeasure()
    result = evaluate("SST-2", data_dir, [path], model_file(tmp_path), timeout=7.0,
                      reference=CURVE, measure=measure)

    [point] = result.points
    assert point.performance == 75.0
    assert point.flops == 1_750_000
    assert point.mflops == pytest.approx(1.75)
    # p_ref(1.75) = 80 + 0.75 / 2 * 10 = 83.75; 75 - 83.75 = -8.75.
    assert point.score == pytest.approx(-8.75)
    assert result.elue_score == -8.75
    assert result.params == 1234


def test_measure_called_once_with_unique_shapes(tmp_path, data_dir):
    first = predictions_file(tmp_path, "a.tsv", GOLD, ["(1,8),layer"] * 4)
    second = predictions_file(tmp_path, "b.tsv", GOLD, ["(1,8),layer; (8),exit"] * 4)
    measure = FakeMeasure()
    model = model_file(tmp_path)
    evaluate("SST-2", data_dir, [first, second], model, timeout=7.0, reference=CURVE,
             measure=measure)
    assert measure.calls == [
        (model, {ModuleShape("layer", (1, 8)), ModuleShape("exit", (8,))}, 7.0)
    ]


def test_elue_score_is_mean_of_point_scores(tmp_path, data_dir):
    # Point 1: 100% at 1 MFLOPs, p_ref 80 -> +20. Point 2: 25% at 3 MFLOPs,
    # p_ref 90 -> -65. Mean -22.5.
    first = predictions_file(tmp_path, "a.tsv", GOLD, ["(1,8),layer"] * 4)
    second = predictions_file(tmp_path, "b.tsv", [0, 0, 0, 0], ["(3,8),layer"] * 4)
    result = evaluate("SST-2", data_dir, [first, second], model_file(tmp_path),
                      reference=CURVE, measure=FakeMeasure())
    assert [point.score for point in result.points] == [pytest.approx(20.0), pytest.approx(-65.0)]
    assert result.elue_score == -22.5


def test_operator_breakdown_is_mean_per_example(tmp_path, data_dir):
    # Two rows run layer(1) + exit, two rows run layer(1) only:
    # linear = (4 * 1,000,000 + 2 * 499,000) / 4, layer_norm = 2 * 1,000 / 4.
    modules = ["(1,8),layer; (8),exit"] * 2 + ["(1,8),layer"] * 2
    path = predictions_file(tmp_path, "a.tsv", GOLD, modules)
    result = evaluate("SST-2", data_dir, [path], model_file(tmp_path), reference=CURVE,
                      measure=FakeMeasure())
    provenance = result.provenance
    assert provenance["operators"] == [{"layer_norm": 500.0, "linear": 1_249_500.0}]
    assert provenance["unsupported_operators"] == {"aten::gelu": 4}
    assert provenance["versions"]["torch"] == "t"
    assert provenance["wall_seconds"]["measurement_child"] == 0.5
    assert "measuring" in provenance["wall_seconds"]


def test_unknown_modules_name_file_and_first_line(tmp_path, data_dir):
    first = predictions_file(tmp_path, "a.tsv", GOLD,
                             ["(1,8),layer", "(1,8),layer; (8),ghost", "(8),ghost", "(1,8),layer"])
    second = predictions_file(tmp_path, "b.tsv", GOLD, ["(1,8),layer"] * 3 + ["(8),ghost"])
    with pytest.raises(InvalidInputError) as caught:
        evaluate("SST-2", data_dir, [first, second], model_file(tmp_path),
                 measure=FakeMeasure(unknown={"ghost"}))
    located = [(p.file, p.line, p.value) for p in caught.value.problems]
    assert located == [("a.tsv", 3, "ghost"), ("b.tsv", 5, "ghost")]
    assert "module_list in the model file has no entry" in caught.value.problems[0].message


def test_measurement_error_propagates(tmp_path, data_dir):
    def failing(model_file, requests, *, timeout):
        raise MeasurementError("model file timed out after 7 s")

    path = predictions_file(tmp_path, "a.tsv", GOLD, ["(1,8),layer"] * 4)
    with pytest.raises(MeasurementError, match="timed out"):
        evaluate("SST-2", data_dir, [path], model_file(tmp_path), measure=failing)


def test_progress_reports_each_step(tmp_path, data_dir):
    paths = [predictions_file(tmp_path, f"{name}.tsv", GOLD, ["(1,8),layer"] * 4)
             for name in ("a", "b")]
    calls = []
    evaluate("SST-2", data_dir, paths, model_file(tmp_path), reference=CURVE,
             measure=FakeMeasure(), progress=lambda *call: calls.append(call))
    assert calls == [
        ("reading", 0, 1), ("reading", 1, 1),
        ("validating", 0, 2), ("validating", 1, 2), ("validating", 2, 2),
        ("measuring", 0, 1), ("measuring", 1, 1),
        ("scoring", 0, 2), ("scoring", 1, 2), ("scoring", 2, 2),
    ]


def test_stsb_uses_correlation(tmp_path):
    data_dir = tmp_path / "data"
    write_file(data_dir / "STS-B" / "test.tsv",
               "index\tsentence1\tsentence2\n0\ta\tb\n1\tc\td\n2\te\tf\n")
    write_file(data_dir / "STS-B" / "test_full.tsv",
               'sentence1\tsentence2\tlabel\na\tb\t1.0\nc\td\t2.0\n"e"\tf\t3.0\n')
    path = write_file(tmp_path / "p.tsv", "index\tpred\n0\t0.5\n1\t1.0\n2\t4.0\n")
    [point] = evaluate("stsb", data_dir, [path]).points
    # Spearman 100 (same order). Pearson of (0.5, 1, 4) and (1, 2, 3):
    # deviations -1.333 -0.833 2.167 and -1 0 1; 3.5 / sqrt(7.1667 * 2).
    pearson = 100 * 3.5 / (7.1666666667 * 2) ** 0.5
    assert point.metrics["spearman"] == pytest.approx(100.0)
    assert point.metrics["pearson"] == pytest.approx(pearson)
    assert point.performance == pytest.approx((pearson + 100) / 2)


# end to end with the real sandbox

TOY_MODEL = """
from torch import nn

layer = nn.Linear(8, 4)
exit_head = nn.Linear(4, 2, bias=False)
module_list = {"layer": layer, "exit": exit_head}
entire_model = nn.ModuleDict(module_list)
"""


@pytest.mark.slow
def test_toy_model_measured_in_sandbox(tmp_path, data_dir):
    # layer at (n, 8): n * 8 * 4 multiply-accumulates (bias not counted), so
    # 64n FLOPs; exit at (4,): 4 * 2 = 8 MACs, 16 FLOPs.
    # Rows: n = 3 + exit, n = 5, n = 3 + exit, n = 1:
    # 208, 320, 208, 64 FLOPs; mean 200.
    modules = ["(3,8),layer; (4),exit", "(5,8),layer", "(3,8),layer; (4),exit", "(1,8),layer"]
    path = predictions_file(tmp_path, "a.tsv", GOLD, modules)
    model = write_file(tmp_path / "model.py", TOY_MODEL)
    result = evaluate("SST-2", data_dir, [path], model, timeout=120, reference=CURVE)

    [point] = result.points
    assert point.flops == 200
    assert point.mflops == pytest.approx(200 / 1e6)
    # Parameters: 8 * 4 + 4 (layer) + 4 * 2 (exit) = 44.
    assert result.params == 44
    # 200 FLOPs is far below the curve, so p_ref is clamped to 80; 100 - 80.
    assert point.score == pytest.approx(20.0)
    assert result.provenance["operators"] == [{"linear": 200.0}]
    assert result.provenance["versions"]["torch"].startswith("2.13.0")
    assert "fvcore" in result.provenance["versions"]
