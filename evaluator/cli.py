"""Command line: `python -m evaluator evaluate|reference-flops`.

Exit status 0 means success. Status 2 means invalid input, and the problems
go to stderr, one per line. A model file that fails to import, crashes,
exceeds a limit or uses an operator that cannot be priced is invalid input
too. Status 1 means any other failure, such as broken task data or a sandbox
that cannot start.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from evaluator.errors import EvaluatorError, InvalidInputError, MeasurementError
from evaluator.evaluate import DEFAULT_TIMEOUT_SECONDS, EvaluationResult, evaluate
from evaluator.scoring import load_reference_curve
from evaluator.tasks import TASKS, Task, get_task

logger = logging.getLogger(__name__)

EXIT_FAILURE = 1
EXIT_INVALID_INPUT = 2
REFERENCE_LAYERS = 12  # ElasticBERT-BASE has 12 transformer layers.


def _task(name: str) -> Task:
    try:
        return get_task(name)
    except LookupError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def _layer_count(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= REFERENCE_LAYERS:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of layers from 1 to {REFERENCE_LAYERS}, got {text!r}"
        )
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of both sub-commands."""
    parser = argparse.ArgumentParser(
        prog="python -m evaluator",
        description="Validate, measure and score ELUE submissions.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_evaluate(commands)
    _add_reference_flops(commands)
    return parser


def _add_common(command: argparse.ArgumentParser) -> None:
    command.add_argument("--task", required=True, type=_task, metavar="TASK",
                         help=f"ELUE task: {', '.join(TASKS)} (lower case without the "
                              "dash also works, e.g. sst2)")
    command.add_argument("--data-dir", required=True, type=Path, metavar="DIR",
                         help="ELUE data directory containing <task>/test.tsv and "
                              "<task>/test_full.tsv")
    command.add_argument("--json", action="store_true",
                         help="print one JSON object instead of readable text")


def _add_evaluate(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser(
        "evaluate", help="score predictions files, with FLOPs when a model file is given",
        description="Score one predictions file per operating point against the hidden "
                    "labels and the reference curve.",
    )
    _add_common(command)
    command.add_argument("--predictions", required=True, action="append", type=Path,
                         metavar="FILE",
                         help="TSV predictions file with columns index, pred and optionally "
                              "modules; repeat once per operating point, in order")
    command.add_argument("--model-file", type=Path, metavar="FILE",
                         help="Python file defining module_list and entire_model; sets measured "
                              "MFLOPs per example and parameters (requires a modules column)")
    command.add_argument("--timeout", type=_positive_float, default=DEFAULT_TIMEOUT_SECONDS,
                         metavar="SECONDS",
                         help="wall-clock limit, in seconds, for measuring the model file in "
                              "its isolated child process (default: %(default)s)")
    command.add_argument("--reference", type=Path, metavar="FILE",
                         help="reference curve JSON file replacing the built-in curve")


def _add_reference_flops(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser(
        "reference-flops", help="mean MFLOPs per test example of ElasticBERT-BASE cut to K layers",
        description="Compute the mean FLOPs per test example, in MFLOPs, of ElasticBERT-BASE "
                    "cut to K layers, at each example's real token count.",
    )
    _add_common(command)
    command.add_argument("--layers", required=True, type=_layer_count, metavar="K",
                         help="number of transformer layers kept, 1 to 12")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit status."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    arguments = build_parser().parse_args(argv)
    try:
        if arguments.command == "evaluate":
            _run_evaluate(arguments)
        else:
            _run_reference_flops(arguments)
    except InvalidInputError as error:
        sys.stderr.write(f"error: invalid input:\n{error.message}\n")
        return EXIT_INVALID_INPUT
    except MeasurementError as error:
        if error.retryable:
            sys.stderr.write(f"error: {error.message} (retrying may help)\n")
            return EXIT_FAILURE
        sys.stderr.write(f"error: invalid model file:\n{error.message}\n")
        return EXIT_INVALID_INPUT
    except EvaluatorError as error:
        retry = " (retrying may help)" if error.retryable else ""
        sys.stderr.write(f"error: {error.message}{retry}\n")
        return EXIT_FAILURE
    return 0


def _run_evaluate(arguments: argparse.Namespace) -> None:
    reference = load_reference_curve(arguments.reference) if arguments.reference else None
    result = evaluate(
        arguments.task.key,
        arguments.data_dir,
        arguments.predictions,
        arguments.model_file,
        timeout=arguments.timeout,
        reference=reference,
    )
    if arguments.json:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        sys.stdout.write(format_table(result) + "\n")


def _run_reference_flops(arguments: argparse.Namespace) -> None:
    from evaluator.reference_flops import reference_mflops

    mflops = reference_mflops(arguments.task.key, arguments.data_dir, arguments.layers)
    if arguments.json:
        data = {"task": arguments.task.key, "layers": arguments.layers, "mflops": mflops}
        sys.stdout.write(json.dumps(data) + "\n")
    else:
        sys.stdout.write(f"{arguments.task.key}, {arguments.layers} layers: "
                         f"{mflops:,.1f} MFLOPs per example\n")


def format_mflops(mflops: float) -> str:
    """Format MFLOPs with one decimal, or 3 significant digits below 10 so tiny models do not read 0.0."""
    if mflops >= 10:
        return f"{mflops:,.1f}"
    return f"{mflops:.3g}"


def format_table(result: EvaluationResult) -> str:
    """Return a readable table of the result's points and scores."""
    lines = [f"Task {result.task}, scoring method {result.scoring_method}", ""]
    header = ("predictions", "examples", "performance", "metrics", "MFLOPs", "score")
    rows = [header]
    for point in result.points:
        metrics = ", ".join(f"{key} {value:.2f}" for key, value in point.metrics.items())
        rows.append((
            point.predictions,
            str(point.examples),
            f"{point.performance:.2f}",
            metrics,
            "-" if point.mflops is None else format_mflops(point.mflops),
            "-" if point.score is None else f"{point.score:+.2f}",
        ))
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    lines += ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
              for row in rows]

    lines.append("")
    params = "-" if result.params is None else f"{result.params:,}"
    elue = "-" if result.elue_score is None else f"{result.elue_score:+.2f}"
    lines.append(f"Parameters: {params}")
    lines.append(f"ELUE score for this task: {elue}")
    return "\n".join(lines)
