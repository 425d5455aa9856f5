"""Submission files: modules strings, model_def.py and the evaluator's checks."""

import importlib.util
import shutil
from pathlib import Path

import pytest
import torch

from baseline_helpers import tiny_model
from baselines.elasticbert import exits, package
from baselines.elasticbert.data import Encoded
from baselines.elasticbert.exits import OperatingPoint
from baselines.elasticbert.inference import predict_all_exits, run_early_exit
from baselines.elasticbert.model import ElasticBert, default_checkpoint_dir
from evaluator import evaluate


def _encoded(lengths):
    ids = [[1 + (position * 5 + length) % 90 for position in range(length)] for length in lengths]
    return Encoded(input_ids=ids, token_type_ids=[[0] * length for length in lengths],
                   labels=[0] * len(lengths))


def _recorded_modules(model, encoded, row, point):
    """Run one example layer by layer and list "(shape),name" of every module call."""
    calls = []
    handles = [
        module.register_forward_pre_hook(
            lambda _module, args, name=name: calls.append(
                f"({','.join(str(size) for size in args[0].shape[1:])}),{name}"
            )
        )
        for name, module in model.named_exit_modules().items()
    ]
    try:
        number, _ = run_early_exit(model, encoded.input_ids[row], encoded.token_type_ids[row], point)
    finally:
        for handle in handles:
            handle.remove()
    return number, "; ".join(calls)


def test_modules_string_static_and_dynamic():
    assert package.modules_string(7, 2, dynamic=False, hidden=384, pooling="cls") == (
        "(7),emb; (7,384),layer_1; (7,384),layer_2; (384),exit_2"
    )
    assert package.modules_string(7, 2, dynamic=True, hidden=384, pooling="mean") == (
        "(7),emb; (7,384),layer_1; (7,384),exit_1; (7,384),layer_2; (7,384),exit_2"
    )


@pytest.mark.parametrize("pooling", ["cls", "mean"])
def test_modules_column_matches_recorded_calls(tmp_path, pooling):
    model = tiny_model(2, layers=3, pooling=pooling, seed=1)
    encoded = _encoded([4, 11, 6, 2, 9])
    all_logits = predict_all_exits(model, encoded, batch_size=2)
    entropies = exits.entropy(all_logits).flatten().sort().values
    threshold = float(entropies[6] + entropies[7]) / 2
    outputs = package.TestOutputs(
        task="SST-2", indices=list(range(100, 105)), token_counts=encoded.lengths(),
        all_logits=all_logits, hidden_size=8, pooling=pooling, max_length=128,
    )

    points = [OperatingPoint("static", 1), OperatingPoint("static", 3),
              OperatingPoint("entropy", threshold), OperatingPoint("patience", 1)]
    for point in points:
        path = tmp_path / f"{point.name}.tsv"
        package.write_predictions(path, outputs, point)
        rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()]
        assert rows[0] == ["index", "pred", "modules"]
        for row, (index, pred, modules) in enumerate(rows[1:]):
            number, recorded = _recorded_modules(model, encoded, row, point)
            assert index == str(100 + row)
            assert modules == recorded, (point, row)
            assert pred == str(int(all_logits[number - 1, row].argmax())), (point, row)


def _load_model_def(path: Path):
    spec = importlib.util.spec_from_file_location("submitted_model_def", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("pooling", ["cls", "mean"])
def test_model_def_computes_trained_model(tmp_path, pooling):
    model = tiny_model(3, layers=2, pooling=pooling, seed=2)
    path = tmp_path / "model_def.py"
    package.write_model_def(path, package.architecture_of(model))
    definition = _load_model_def(path)

    real_parameters = list(model.parameters())
    defined_parameters = list(definition.entire_model.parameters())
    assert sum(p.numel() for p in defined_parameters) == sum(p.numel() for p in real_parameters)
    assert [p.shape for p in defined_parameters] == [p.shape for p in real_parameters]
    assert set(definition.module_list) == set(model.named_exit_modules())

    # Same parameters in the same order: copy them over and compare outputs.
    with torch.no_grad():
        for defined, real in zip(defined_parameters, real_parameters):
            defined.copy_(real)
    ids = torch.tensor([[3, 17, 42, 8, 5]])
    expected = model(ids)[-1]
    assert torch.allclose(definition.entire_model(ids), expected, atol=1e-5)


def test_model_def_parameters_equal_minilm_elasticbert(tmp_path):
    model = ElasticBert.from_pretrained(default_checkpoint_dir(), num_labels=3)
    path = tmp_path / "model_def.py"
    package.write_model_def(path, package.architecture_of(model))
    definition = _load_model_def(path)
    # 6 layers of hidden 384 with 3-label mean-pooling exits.
    assert model.pooling == "mean"
    real = sum(p.numel() for p in model.parameters())
    assert sum(p.numel() for p in definition.entire_model.parameters()) == real


def _tiny_sst2_dir(root: Path, rows: list[tuple[str, int]]) -> Path:
    task_dir = root / "SST-2"
    task_dir.mkdir(parents=True)
    with (task_dir / "test.tsv").open("w", encoding="utf-8") as handle:
        handle.write("index\tsentence\n")
        for index, (sentence, _label) in enumerate(rows):
            handle.write(f"{index}\t{sentence}\n")
    with (task_dir / "test_full.tsv").open("w", encoding="utf-8") as handle:
        handle.write("sentence\tlabel\n")
        for sentence, label in rows:
            handle.write(f"{sentence}\t{label}\n")
    return root


def test_packaged_files_pass_evaluator(tmp_path):
    from baselines.elasticbert import data

    rows = [("a gripping , funny film .", 1), ("dull and far too long .", 0),
            ("not bad at all", 1), ("the worst script of the year", 0)]
    data_dir = _tiny_sst2_dir(tmp_path / "data", rows)
    tokenizer = data.load_tokenizer(default_checkpoint_dir())
    indices, inputs = data.load_test_inputs(data.task_of("SST-2"), data_dir)
    encoded = data.encode(tokenizer, inputs, None, 128)
    model = tiny_model(2, layers=2, pooling="mean", vocab_size=tokenizer.vocab_size)
    outputs = package.TestOutputs(
        task="SST-2", indices=indices, token_counts=encoded.lengths(),
        all_logits=predict_all_exits(model, encoded), hidden_size=8, pooling="mean", max_length=128,
    )

    out = tmp_path / "submission"
    points = [OperatingPoint("static", 1), OperatingPoint("static", 2), OperatingPoint("entropy", 0.6)]
    files = [out / f"{point.name}.tsv" for point in points]
    for point, path in zip(points, files):
        package.write_predictions(path, outputs, point)
    package.write_model_def(out / "model_def.py", package.architecture_of(model))

    result = evaluate("SST-2", data_dir, files, out / "model_def.py")
    assert result.params == sum(p.numel() for p in model.parameters())
    assert [point.examples for point in result.points] == [4, 4, 4]
    static_1, static_2 = result.points[0].flops, result.points[1].flops
    assert 0 < static_1 < static_2
