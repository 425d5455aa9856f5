"""Command line: JSON contract, table, exit statuses and help text."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from evaluator_files import REPO_ROOT, write_file

from evaluator import cli
from evaluator.cli import format_mflops
from evaluator.scoring import default_reference_curve

GOLD = [1, 0, 1, 1]


@pytest.fixture
def data_dir(tmp_path) -> Path:
    rows = ["good film", "bad film", "fine", "great"]
    test = "index\tsentence\n" + "".join(f"{i}\t{text}\n" for i, text in enumerate(rows))
    gold = "sentence\tlabel\n" + "".join(f"{text}\t{label}\n" for text, label in zip(rows, GOLD))
    write_file(tmp_path / "data" / "SST-2" / "test.tsv", test)
    write_file(tmp_path / "data" / "SST-2" / "test_full.tsv", gold)
    return tmp_path / "data"


def predictions(tmp_path, name, preds, modules=None):
    header = "index\tpred" + ("\tmodules" if modules else "") + "\n"
    rows = "".join(
        f"{index}\t{pred}" + (f"\t{modules[index]}" if modules else "") + "\n"
        for index, pred in enumerate(preds)
    )
    return write_file(tmp_path / name, header + rows)


def run_main(capsys, *argv):
    status = cli.main([str(arg) for arg in argv])
    output = capsys.readouterr()
    return status, output.out, output.err


def test_json_output_contract(tmp_path, data_dir, capsys):
    first = predictions(tmp_path, "a.tsv", [1, 0, 0, 1])
    second = predictions(tmp_path, "b.tsv", GOLD)
    status, out, err = run_main(capsys, "evaluate", "--task", "sst2", "--data-dir", data_dir,
                                "--predictions", first, "--predictions", second, "--json")
    assert status == 0
    assert err == ""
    data = json.loads(out)
    assert data["task"] == "SST-2"
    assert data["scoring_method"] == "elue-1"
    assert data["params"] is None
    assert data["elue_score"] is None
    assert [point["predictions"] for point in data["points"]] == ["a.tsv", "b.tsv"]
    assert data["points"][0] == {
        "predictions": "a.tsv", "examples": 4, "performance": 75.0,
        "metrics": {"accuracy": 75.0}, "flops": None, "mflops": None, "score": None,
    }
    assert data["points"][1]["performance"] == 100.0


def test_table_output(tmp_path, data_dir, capsys):
    path = predictions(tmp_path, "a.tsv", [1, 0, 0, 1])
    status, out, _ = run_main(capsys, "evaluate", "--task", "SST-2", "--data-dir", data_dir,
                              "--predictions", path)
    assert status == 0
    assert "Task SST-2, scoring method elue-1" in out
    assert "a.tsv" in out
    assert "75.00" in out
    assert "accuracy 75.00" in out
    assert "ELUE score for this task: -" in out


def test_invalid_input_exits_2_with_problems(tmp_path, data_dir, capsys):
    path = write_file(tmp_path / "bad.tsv", "index\tpred\n0\t1\n1\tyes\n2\t1\n")
    status, out, err = run_main(capsys, "evaluate", "--task", "SST-2", "--data-dir", data_dir,
                                "--predictions", path, "--json")
    assert status == 2
    assert out == ""
    assert "error: invalid input:" in err
    assert "bad.tsv:3: pred is not an integer class label" in err
    assert "bad.tsv: missing predictions for 1 test index: 3" in err


def test_unknown_task_exits_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as caught:
        cli.main(["evaluate", "--task", "cola", "--data-dir", str(tmp_path),
                  "--predictions", "p.tsv"])
    assert caught.value.code == 2
    assert "Unknown task 'cola'" in capsys.readouterr().err


def test_missing_data_exits_1(tmp_path, capsys):
    path = predictions(tmp_path, "a.tsv", GOLD)
    status, out, err = run_main(capsys, "evaluate", "--task", "SST-2", "--data-dir",
                                tmp_path / "nowhere", "--predictions", path)
    assert status == 1
    assert out == ""
    assert err.startswith("error: Missing data file")


@pytest.mark.parametrize("value", ["0", "-3", "soon"])
def test_invalid_timeout_exits_2(tmp_path, capsys, value):
    with pytest.raises(SystemExit) as caught:
        cli.main(["evaluate", "--task", "SST-2", "--data-dir", str(tmp_path),
                  "--predictions", "p.tsv", "--timeout", value])
    assert caught.value.code == 2
    assert "expected a positive number of seconds" in capsys.readouterr().err


def test_missing_model_file_exits_2(tmp_path, data_dir, capsys):
    path = predictions(tmp_path, "a.tsv", GOLD, ["(1,8),layer"] * 4)
    status, _, err = run_main(capsys, "evaluate", "--task", "SST-2", "--data-dir", data_dir,
                              "--predictions", path, "--model-file", tmp_path / "missing.py")
    assert status == 2
    assert "missing.py: model file not found" in err


def test_invalid_reference_file_exits_2(tmp_path, data_dir, capsys):
    reference = write_file(tmp_path / "curve.json", '{"scoring_method": "elue-9", "tasks": {}}')
    path = predictions(tmp_path, "a.tsv", GOLD)
    status, _, err = run_main(capsys, "evaluate", "--task", "SST-2", "--data-dir", data_dir,
                              "--predictions", path, "--reference", reference)
    assert status == 2
    assert 'curve.json: unsupported "scoring_method"' in err


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("evaluate", ["--timeout SECONDS", "in seconds", "--model-file FILE",
                      "--reference FILE", "--predictions FILE", "MFLOPs"]),
        ("reference-flops", ["--layers K", "number of transformer layers", "MFLOPs"]),
    ],
)
def test_help_names_options_and_units(command, expected):
    completed = subprocess.run(
        [sys.executable, "-m", "evaluator", command, "--help"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False,
    )
    assert completed.returncode == 0
    text = " ".join(completed.stdout.split())
    for phrase in expected:
        assert phrase in text


TOY_MODEL = """
from torch import nn

module_list = {"layer": nn.Linear(8, 4)}
entire_model = nn.ModuleDict(module_list)
"""


@pytest.mark.slow
def test_model_file_and_reference_through_python_m(tmp_path, data_dir):
    # Linear 8 -> 4 at (n, 8): 32n MACs, 64n FLOPs. n = 1, 2, 3, 2: mean 128.
    path = predictions(tmp_path, "a.tsv", GOLD,
                       ["(1,8),layer", "(2,8),layer", "(3,8),layer", "(2,8),layer"])
    model = write_file(tmp_path / "model.py", TOY_MODEL)
    curve = default_reference_curve().to_dict()
    curve["tasks"]["SST-2"] = [{"layers": 1, "mflops": 1.0, "performance": 60.0},
                               {"layers": 2, "mflops": 2.0, "performance": 70.0}]
    reference = write_file(tmp_path / "curve.json", json.dumps(curve))
    completed = subprocess.run(
        [sys.executable, "-m", "evaluator", "evaluate", "--task", "SST-2",
         "--data-dir", str(data_dir), "--predictions", str(path), "--model-file", str(model),
         "--timeout", "120", "--reference", str(reference), "--json"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=180, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    data = json.loads(completed.stdout)
    [point] = data["points"]
    assert point["flops"] == 128
    assert point["mflops"] == pytest.approx(128e-6)
    # 128 FLOPs is below the replacement curve, so p_ref is clamped to 60.
    assert point["score"] == pytest.approx(40.0)
    assert data["elue_score"] == 40.0
    # Parameters: 8 * 4 + 4.
    assert data["params"] == 36
    assert data["provenance"]["versions"]["fvcore"]


def test_reference_flops_rejects_layer_count(tmp_path, capsys):
    with pytest.raises(SystemExit) as caught:
        cli.main(["reference-flops", "--task", "SST-2", "--data-dir", str(tmp_path),
                  "--layers", "13"])
    assert caught.value.code == 2
    assert "expected a whole number of layers from 1 to 12, got '13'" in capsys.readouterr().err


@pytest.mark.slow
def test_reference_flops_through_python_m(tmp_path):
    # "hello world" is [CLS] hello world [SEP] = 4 tokens, "a" is 3 tokens.
    # Per example, in multiply-accumulates: 12 * (7,080,960 n + 1,560 n^2)
    # + 1,536 n (embedding LayerNorm) + 589,824 (pooler) + 2 * 768 (classifier).
    # n = 4: 340,783,104 MACs; n = 3: 255,679,008 MACs. FLOPs = 2 x MACs,
    # mean = 596,462,112 FLOPs.
    write_file(tmp_path / "SST-2" / "test.tsv", "index\tsentence\n0\thello world\n1\ta\n")
    completed = subprocess.run(
        [sys.executable, "-m", "evaluator", "reference-flops", "--task", "sst2",
         "--data-dir", str(tmp_path), "--layers", "12", "--json"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    data = json.loads(completed.stdout)
    assert data["task"] == "SST-2"
    assert data["layers"] == 12
    assert data["mflops"] == pytest.approx(596.462112, rel=0.005)


@pytest.mark.slow
def test_invalid_model_file_exits_2(tmp_path, data_dir, capsys):
    path = predictions(tmp_path, "a.tsv", GOLD, ["(1,8),layer"] * 4)
    model = write_file(tmp_path / "no_list.py", "x = 1\n")
    status, _, err = run_main(capsys, "evaluate", "--task", "SST-2", "--data-dir", data_dir,
                              "--predictions", path, "--model-file", model, "--timeout", "120")
    assert status == 2
    assert "invalid model file" in err
    assert "does not define module_list" in err


@pytest.mark.parametrize(
    ("mflops", "text"),
    [(0.0109, "0.0109"), (2.5, "2.5"), (4237.138559, "4,237.1"), (12.0, "12.0")],
)
def test_table_keeps_digits_of_small_mflops(mflops, text):
    assert format_mflops(mflops) == text
