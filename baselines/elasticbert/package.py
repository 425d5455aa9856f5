"""Submission files: ELUE predictions per operating point, model file, manifest.

A predictions file has the columns index, pred and modules. `modules` lists,
in execution order, each module the example ran with its input shape without
the batch dimension, n being the example's token count ([CLS] and [SEP]
included, after truncation):

* static depth k: `(n),emb; (n,H),layer_1; ...; (n,H),layer_k; (H),exit_k`;
* dynamic, stopping at exit e: `(n),emb; (n,H),layer_1; (H),exit_1; ...;
  (n,H),layer_e; (H),exit_e`, because every exit up to e ran to decide.

With mean pooling an exit's input is the whole layer output, `(n,H)`.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from baselines.elasticbert import exits
from baselines.elasticbert.exits import OperatingPoint
from baselines.elasticbert.model import ElasticBert

logger = logging.getLogger(__name__)

MODEL_DEF_TEMPLATE = Path(__file__).with_name("model_def.py")
MODEL_FILE_NAME = "model_def.py"
MANIFEST_NAME = "manifest.json"
_ARCHITECTURE_BLOCK = re.compile(r"# BEGIN ARCHITECTURE.*?# END ARCHITECTURE\n", re.DOTALL)


@dataclass(frozen=True)
class TestOutputs:
    """Logits of every exit on a task's test set, as `predict` stores them."""

    task: str
    indices: list[int]
    token_counts: list[int]
    all_logits: torch.Tensor
    hidden_size: int
    pooling: str
    max_length: int

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(self.__dict__, path)

    @classmethod
    def load(cls, path: Path) -> TestOutputs:
        return cls(**torch.load(path, weights_only=True))


def modules_string(tokens: int, exit_number: int, *, dynamic: bool, hidden: int, pooling: str) -> str:
    """Return the `modules` value of one example (see the module docstring)."""
    layer_shape = f"({tokens},{hidden})"
    exit_shape = layer_shape if pooling == "mean" else f"({hidden})"
    parts = [f"({tokens}),emb"]
    for number in range(1, exit_number + 1):
        parts.append(f"{layer_shape},layer_{number}")
        if dynamic or number == exit_number:
            parts.append(f"{exit_shape},exit_{number}")
    return "; ".join(parts)


def format_prediction(logits: torch.Tensor) -> str:
    """Return the `pred` value: the argmax class, or the score of a 1-output model."""
    if logits.shape[-1] == 1:
        return f"{float(logits[0]):.4f}"
    return str(int(logits.argmax()))


def write_predictions(path: Path, outputs: TestOutputs, point: OperatingPoint) -> dict[str, float]:
    """Write the predictions file of `point`; return its mean exit layer and count."""
    chosen = exits.choose_exits(outputs.all_logits, point)
    final = exits.outputs_at(outputs.all_logits, chosen)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write("index\tpred\tmodules\n")
        for row, index in enumerate(outputs.indices):
            modules = modules_string(
                outputs.token_counts[row], int(chosen[row]), dynamic=point.is_dynamic,
                hidden=outputs.hidden_size, pooling=outputs.pooling,
            )
            handle.write(f"{index}\t{format_prediction(final[row])}\t{modules}\n")
    return {"mean_exit_layer": float(chosen.float().mean()), "examples": len(outputs.indices)}


def architecture_of(model: ElasticBert) -> dict[str, object]:
    """Return the values that model_def.py needs to rebuild `model`'s shapes."""
    config = model.config
    return {
        "vocab_size": config.vocab_size,
        "hidden_size": config.hidden_size,
        "num_hidden_layers": config.num_hidden_layers,
        "num_attention_heads": config.num_attention_heads,
        "intermediate_size": config.intermediate_size,
        "max_position_embeddings": config.max_position_embeddings,
        "type_vocab_size": config.type_vocab_size,
        "layer_norm_eps": config.layer_norm_eps,
        "num_labels": model.num_labels,
        "pooling": model.pooling,
    }


def write_model_def(path: Path, architecture: dict[str, object]) -> None:
    """Write model_def.py with `architecture` in place of its default block."""
    template = MODEL_DEF_TEMPLATE.read_text(encoding="utf-8")
    block = "# BEGIN ARCHITECTURE (written by baselines.elasticbert.package)\n"
    block += f"ARCHITECTURE = {json.dumps(architecture, indent=4)}\n# END ARCHITECTURE\n"
    text, replaced = _ARCHITECTURE_BLOCK.subn(lambda _match: block, template)
    if replaced != 1:
        raise RuntimeError(f"{MODEL_DEF_TEMPLATE} lost its ARCHITECTURE block markers")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def default_points(outputs: TestOutputs, entropy_fractions: Sequence[float],
                   patience: int, tolerances: Sequence[float]) -> list[OperatingPoint]:
    """Return the static depths 1..L and the dynamic points for this task.

    Classification tasks get entropy thresholds, each a fraction of the
    maximum entropy ln(classes). STS-B, a regression task with no softmax,
    gets the patience rule at each tolerance.
    """
    layers, _, outputs_per_example = outputs.all_logits.shape
    points = [OperatingPoint("static", depth) for depth in range(1, layers + 1)]
    if outputs_per_example == 1:
        points += [OperatingPoint("patience", patience, tolerance) for tolerance in tolerances]
    else:
        maximum = math.log(outputs_per_example)
        points += [OperatingPoint("entropy", round(fraction * maximum, 3))
                   for fraction in entropy_fractions]
    return points
