"""Measure every packaged operating point with the platform's evaluator.

For each task, `evaluator.evaluate` validates all predictions files of the
submission folder, measures FLOPs per example and parameters from the task's
model_def.py in its sandbox, and scores each point against the built-in
reference curve. The result is a Markdown table per task.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from evaluator import evaluate

from baselines.elasticbert.package import MANIFEST_NAME, MODEL_FILE_NAME

logger = logging.getLogger(__name__)


def measure_submission(submission_dir: Path, data_dir: Path) -> dict[str, dict]:
    """Evaluate every point of every task in `submission_dir`; return the JSON results."""
    manifest = json.loads((submission_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    results = {}
    for task, points in manifest["points"].items():
        files = [submission_dir / point["file"] for point in points]
        logger.info("Evaluating %s points of %s", len(files), task)
        result = evaluate(task, data_dir, files, submission_dir / task / MODEL_FILE_NAME)
        results[task] = {"evaluation": result.to_dict(), "points": points}
    return results


def markdown_tables(results: dict[str, dict]) -> str:
    """Return one Markdown table per task: point, mean exit, performance, MFLOPs, score."""
    sections = []
    for task, outcome in results.items():
        evaluation = outcome["evaluation"]
        params = evaluation["params"]
        lines = [
            f"### {task}",
            "",
            f"Parameters: {params:,} ({params / 1e6:.1f}M).",
            "",
            "| operating point | mean exit layer | performance | MFLOPs | ELUE score |",
            "|---|---:|---:|---:|---:|",
        ]
        for described, point in zip(outcome["points"], evaluation["points"]):
            lines.append(
                f"| {described['name']} | {described['mean_exit_layer']:.2f} | "
                f"{point['performance']:.2f} | {point['mflops']:,.1f} | {point['score']:.2f} |"
            )
        sections.append("\n".join(lines))
    return "\n\n".join(sections) + "\n"
