"""Time reading and validating the 25,000-row IMDb test set.

Usage, from the repository root:
    PYTHONPATH=. .venv/bin/python benchmarks/evaluate_imdb.py [DATA_DIR]

It writes a predictions file whose modules column lists an embedding, 12
layers and 12 exits per row, the largest realistic cell. Then it times each
step of evaluate() with a stand-in measurement that prices every module at
1 FLOP, so the figures exclude the sandbox. Target: the whole call in a few
seconds.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from evaluator import evaluate, get_task, read_test_set

LAYERS = 12


@dataclass
class UnitMeasurement:
    flops: dict
    operators: dict
    unsupported: dict = field(default_factory=dict)
    unknown_modules: set = field(default_factory=set)
    params: int = 0
    versions: dict = field(default_factory=dict)
    wall_seconds: float = 0.0


def unit_measure(model_file, requests, *, timeout):
    return UnitMeasurement(flops={request: 1 for request in requests},
                           operators={request: {"linear": 1} for request in requests})


def modules_cell(tokens: int) -> str:
    entries = [f"({tokens}),emb"]
    for layer in range(1, LAYERS + 1):
        entries += [f"({tokens},768),layer_{layer}", f"(768),exit_{layer}"]
    return "; ".join(entries)


def main(data_dir: Path) -> None:
    task = get_task("IMDb")
    start = time.perf_counter()
    test_set = read_test_set(task, data_dir)
    read_seconds = time.perf_counter() - start

    with tempfile.TemporaryDirectory() as scratch:
        predictions = Path(scratch) / "imdb.tsv"
        rows = [f"{index}\t{label}\t{modules_cell(len(text.split()) % 512 + 2)}"
                for index, label, (text,) in zip(test_set.indices, test_set.gold, test_set.inputs)]
        predictions.write_text("index\tpred\tmodules\n" + "\n".join(rows) + "\n", encoding="utf-8")
        model = Path(scratch) / "model.py"
        model.write_text("", encoding="utf-8")

        start = time.perf_counter()
        result = evaluate("IMDb", data_dir, [predictions], model, measure=unit_measure)
        total_seconds = time.perf_counter() - start

    sys.stdout.write(f"read_test_set IMDb: {read_seconds:.2f} s for {len(test_set)} rows\n")
    sys.stdout.write(f"evaluate IMDb with modules: {total_seconds:.2f} s in all, per step "
                     f"{result.provenance['wall_seconds']}\n")
    sys.stdout.write(f"distinct (module, shape) pairs: {result.provenance['module_shapes']}\n")


if __name__ == "__main__":
    default = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "elue"
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
