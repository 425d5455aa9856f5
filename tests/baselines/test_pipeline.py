"""Train, predict and package on a tiny task folder from a tiny checkpoint."""

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from transformers import BertModel

from baseline_helpers import tiny_config
from baselines.elasticbert import pipeline
from baselines.elasticbert.model import default_checkpoint_dir
from baselines.elasticbert.package import MANIFEST_NAME
from baselines.elasticbert.settings import QUICK
from baselines.elasticbert.training import TrainingSettings
from evaluator import evaluate

SENTENCES = [
    ("a gripping , funny and moving film", 1), ("dull , lifeless and far too long", 0),
    ("one of the best of the year", 1), ("the worst script i have seen", 0),
    ("warm and wonderfully acted", 1), ("a tedious mess", 0),
]


def _write(path: Path, header: str, rows: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


def _task_folders(root: Path) -> Path:
    labelled = [f"{text}\t{label}" for text, label in SENTENCES]
    _write(root / "SST-2" / "train.tsv", "sentence\tlabel", labelled * 4)
    _write(root / "SST-2" / "dev.tsv", "sentence\tlabel", labelled)
    for task in ("SST-2", "IMDb"):
        _write(root / task / "test.tsv", "index\tsentence",
               [f"{index}\t{text}" for index, (text, _) in enumerate(SENTENCES)])
        _write(root / task / "test_full.tsv", "sentence\tlabel", labelled)
    return root


def _tiny_checkpoint(directory: Path) -> Path:
    """A Hugging Face layout checkpoint: tiny random BERT, MiniLM's vocabulary."""
    BertModel(tiny_config(layers=2, vocab_size=30522)).save_pretrained(directory)
    for name in ("vocab.txt", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(default_checkpoint_dir() / name, directory / name)
    return directory


@pytest.mark.slow
def test_pipeline_packages_valid_submission(tmp_path):
    data_dir = _task_folders(tmp_path / "data")
    checkpoint = _tiny_checkpoint(tmp_path / "checkpoint")
    run_dir = tmp_path / "run"
    settings = replace(QUICK, training=TrainingSettings(learning_rate=1e-3, batch_size=8, epochs=1))

    pipeline.train_task("SST-2", data_dir, run_dir, settings, checkpoint)
    for task in ("SST-2", "IMDb"):
        pipeline.predict_task(task, data_dir, run_dir, settings)
    out_dir = pipeline.package_run(run_dir, settings, ("SST-2", "IMDb"))

    manifest = json.loads((out_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert [entry["kind"] for entry in manifest["entries"]] == ["static", "dynamic"]
    static, dynamic = manifest["entries"]
    assert static["tasks"]["IMDb"]["predictions"] == ["IMDb/static_2.tsv"]
    assert len(dynamic["tasks"]["SST-2"]["predictions"]) == len(QUICK.entropy_fractions)
    assert "64 tokens" in static["description"]
    for name in manifest["files"]:
        assert (out_dir / name).is_file(), name

    for task in ("SST-2", "IMDb"):
        files = [out_dir / name for name in dynamic["tasks"][task]["predictions"]]
        result = evaluate(task, data_dir, files, out_dir / dynamic["tasks"][task]["model_file"])
        assert len(result.points) == len(files)
        assert result.params > 0
