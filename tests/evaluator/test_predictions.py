"""Predictions files: modules grammar and strict validation with located errors."""

from __future__ import annotations

import re

import pytest
from evaluator_files import write_file

from evaluator.errors import InvalidInputError, Problem, ProblemList
from evaluator.predictions import ModuleShape, parse_modules, read_predictions
from evaluator.tasks import get_task

SST2 = get_task("SST-2")
STSB = get_task("STS-B")
INDICES = [0, 1, 2, 3]


def validate(tmp_path, text, task=SST2, indices=INDICES, **options):
    path = write_file(tmp_path / "preds.tsv", text)
    problems = ProblemList()
    predictions = read_predictions(path, task, indices, problems, **options)
    return predictions, problems.problems


# parse_modules


def test_parse_modules_example():
    modules = parse_modules("(10),emb; (10,768),layer_1; (768),exit_1")
    assert modules == [
        ModuleShape("emb", (10,)),
        ModuleShape("layer_1", (10, 768)),
        ModuleShape("exit_1", (768,)),
    ]


def test_parse_modules_tolerates_spaces_and_trailing_semicolon():
    assert parse_modules(" ( 3 , 4 ) , a.b-c ;") == [ModuleShape("a.b-c", (3, 4))]


def test_module_shape_is_hashable_and_prints_grammar():
    shape = ModuleShape("layer_1", (10, 768))
    assert {shape: 1}[ModuleShape("layer_1", (10, 768))] == 1
    assert str(shape) == "(10,768),layer_1"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty modules list"),
        ("   ", "empty modules list"),
        ("(10 768),x", "entry 1 '(10 768),x' is not of the form"),
        ("(10),emb; 768,exit", "entry 2 '768,exit' is not of the form"),
        ("(10),", "is not of the form"),
        ("(10),a b", "is not of the form"),
        ("(-1),x", "is not of the form"),
        ("(1.5),x", "is not of the form"),
        ("(),x", "is not of the form"),
        ("(0,3),x", "entry 1 '(0,3),x' has a zero dimension"),
        ("(10),x;;(3),y", "entry 2 '' is not of the form"),
    ],
)
def test_parse_modules_rejects(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_modules(text)


# valid files


def test_valid_file_aligns_with_test_order(tmp_path):
    predictions, problems = validate(tmp_path, "index\tpred\n2\t1\n0\t0\n3\t1\n1\t1\n")
    assert problems == []
    assert predictions.values == [0, 1, 1, 1]
    assert predictions.modules is None
    assert predictions.name == "preds.tsv"


def test_valid_file_with_bom_crlf_and_trailing_blank(tmp_path):
    text = "\ufeffindex\tpred\r\n0\t0\r\n1\t1\r\n2\t0\r\n3\t1\r\n\r\n"
    predictions, problems = validate(tmp_path, text)
    assert problems == []
    assert predictions.values == [0, 1, 0, 1]


def test_modules_column_is_parsed_per_row(tmp_path):
    rows = "".join(f"{index}\t1\t({index + 2}),emb; ({index + 2},8),layer_1\n" for index in INDICES)
    predictions, problems = validate(tmp_path, "index\tpred\tmodules\n" + rows)
    assert problems == []
    assert predictions.modules[3] == (ModuleShape("emb", (5,)), ModuleShape("layer_1", (5, 8)))
    assert predictions.first_lines == {"emb": 2, "layer_1": 2}


def test_columns_in_any_order(tmp_path):
    rows = "".join(f"(3),emb\t1\t{index}\n" for index in INDICES)
    predictions, problems = validate(tmp_path, "modules\tpred\tindex\n" + rows)
    assert problems == []
    assert predictions.values == [1, 1, 1, 1]


def test_regression_scores_are_floats(tmp_path):
    predictions, problems = validate(
        tmp_path, "index\tpred\n0\t3.25\n1\t-0.5\n2\t1e0\n3\t5\n", task=STSB
    )
    assert problems == []
    assert predictions.values == [3.25, -0.5, 1.0, 5.0]


# invalid files: each problem names file, line, value and expectation


def test_every_problem_of_file_is_reported(tmp_path):
    text = "index\tpred\n0\t1\n0\t0\n9\t1\nx\t1\n2\t7\n"
    predictions, problems = validate(tmp_path, text)
    assert predictions is None
    assert [(problem.line, problem.value) for problem in problems] == [
        (3, "0"),
        (4, "9"),
        (5, "x"),
        (6, "7"),
        (None, None),
    ]
    assert "duplicate index; already given on line 2" in problems[0].message
    assert "unknown index" in problems[1].message
    assert "test indices of SST-2 run from 0 to 3" in problems[1].message
    assert "index is not an integer" in problems[2].message
    assert "expected one of 0, 1" in problems[3].message
    assert "missing predictions for 2 test indices: 1, 3" in problems[4].message
    assert all(problem.file == "preds.tsv" for problem in problems)


def test_missing_indices_list_is_shortened(tmp_path):
    _, problems = validate(tmp_path, "index\tpred\n0\t1\n", indices=list(range(30)))
    assert problems[0].message.startswith(
        "missing predictions for 29 test indices: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 19 more"
    )


@pytest.mark.parametrize("value", ["1.0", "one", "", " ", "True", "0_1", "1e0", "\u0661"])
def test_class_label_must_be_integer(tmp_path, value):
    _, problems = validate(tmp_path, f"index\tpred\n0\t{value}\n1\t1\n2\t1\n3\t1\n")
    assert problems == [Problem("preds.tsv", 2, value,
                                "pred is not an integer class label; SST-2 labels are 0, 1")]


@pytest.mark.parametrize("value", ["-1", "2", "10"])
def test_class_label_must_be_in_label_set(tmp_path, value):
    _, problems = validate(tmp_path, f"index\tpred\n0\t{value}\n1\t1\n2\t1\n3\t1\n")
    assert problems == [Problem("preds.tsv", 2, value,
                                "pred is not a SST-2 label; expected one of 0, 1")]


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "NaN", "high", "", "1_0", "Infinity"])
def test_regression_pred_must_be_finite(tmp_path, value):
    _, problems = validate(tmp_path, f"index\tpred\n0\t{value}\n1\t1\n2\t1\n3\t1\n", task=STSB)
    assert len(problems) == 1
    assert problems[0].line == 2
    assert problems[0].value == value
    assert "pred is not a finite number" in problems[0].message


@pytest.mark.parametrize("value", ["0_1", "1.0", "+1", "\u0661"])
def test_index_must_be_plain_integer(tmp_path, value):
    _, problems = validate(tmp_path, f"index\tpred\n{value}\t1\n", indices=[1])
    assert problems[0].line == 2
    assert problems[0].value == value
    assert problems[0].message == "index is not an integer; expected a test index"


def test_wrong_field_count_names_line(tmp_path):
    _, problems = validate(tmp_path, "index\tpred\n0\t1\n1\n2\t1\t9\n3\t0\n")
    assert [problem.line for problem in problems[:2]] == [3, 4]
    assert "expected 2 tab-separated fields (index, pred), found 1" in problems[0].message
    assert "found 3" in problems[1].message


@pytest.mark.parametrize("header", ["idx\tpred", "index", "index\tpred\tlabel", "index,pred"])
def test_invalid_header_is_rejected(tmp_path, header):
    _, problems = validate(tmp_path, f"{header}\n0\t1\n")
    assert len(problems) == 1
    assert problems[0].line == 1
    assert problems[0].value == header
    assert "expected the tab-separated columns index, pred and optionally modules" in (
        problems[0].message
    )


def test_model_file_requires_modules_column(tmp_path):
    _, problems = validate(tmp_path, "index\tpred\n0\t1\n", require_modules=True)
    assert len(problems) == 1
    assert "missing modules column; a model file requires it" in problems[0].message


def test_invalid_modules_cell_is_reported(tmp_path):
    rows = "0\t1\t(3),emb\n1\t1\t(3 4),emb\n2\t1\t\n3\t1\t(3),emb\n"
    _, problems = validate(tmp_path, "index\tpred\tmodules\n" + rows)
    assert [(problem.line, problem.value) for problem in problems] == [(3, "(3 4),emb"), (4, "")]
    assert "invalid modules: modules entry 1 '(3 4),emb' is not of the form" in (
        problems[0].message
    )
    assert "empty modules list" in problems[1].message


def test_empty_file_is_reported(tmp_path):
    _, problems = validate(tmp_path, "\n\n")
    assert len(problems) == 1
    assert problems[0].line is None
    assert "the file is empty" in problems[0].message


def test_non_utf8_file_is_reported(tmp_path):
    path = tmp_path / "preds.tsv"
    path.write_bytes(b"index\tpred\n0\t\xe9\n")
    problems = ProblemList()
    assert read_predictions(path, SST2, INDICES, problems) is None
    assert "not valid UTF-8" in problems.problems[0].message


def test_custom_name_is_used_in_problems(tmp_path):
    _, problems = validate(tmp_path, "index\tpred\n", name="upload 2 (sst2.tsv)")
    assert problems[0].file == "upload 2 (sst2.tsv)"


def test_long_value_is_cut(tmp_path):
    _, problems = validate(tmp_path, "index\tpred\n0\t" + "9" * 500 + "\n1\t1\n2\t1\n3\t1\n")
    assert problems[0].value == "9" * 80 + "..."


def test_problem_cap_counts_the_rest(tmp_path):
    rows = "".join(f"{index}\t5\n" for index in range(120))
    problems = ProblemList()
    read_predictions(write_file(tmp_path / "p.tsv", "index\tpred\n" + rows), SST2,
                     list(range(120)), problems)
    assert len(problems.problems) == 50
    assert problems.truncated == 70
    with pytest.raises(InvalidInputError) as caught:
        problems.raise_if_any()
    assert str(caught.value).endswith("... and 70 more problems not shown")
    assert caught.value.problems[0].line == 2


def test_file_for_another_task_gets_hint_first(tmp_path):
    # Three of four indices are outside SST-2's test indices 0..3.
    _, problems = validate(tmp_path, "index\tpred\n0\t1\n17\t1\n18\t0\n19\t1\n")
    assert "3 of 4 rows have an index that is not in the SST-2 test set" in problems[0].message
    assert problems[0].line is None
    assert problems[1].line == 3


def test_few_unknown_indices_get_no_hint(tmp_path):
    _, problems = validate(tmp_path, "index\tpred\n0\t1\n1\t1\n2\t0\n19\t1\n")
    assert not any("test set; check" in problem.message for problem in problems)


def test_inserted_problem_keeps_the_cap():
    problems = ProblemList(limit=2)
    problems.add("a.tsv", 2, "x", "first")
    problems.add("a.tsv", 3, "y", "second")
    problems.insert(0, "a.tsv", None, None, "hint")
    assert [problem.message for problem in problems.problems] == ["hint", "first"]
    assert problems.truncated == 1
