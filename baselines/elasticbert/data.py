"""Task data for training and prediction, read with the evaluator's readers.

Where a task has no train.tsv (SNLI and SciTail in this data), the model
trains on a fixed part of dev.tsv and selects on the rest. The dev rows are
shuffled with a fixed seed, and the first `DEV_TRAIN_FRACTION` of them train.
IMDb has no training data, so the SST-2 model predicts it (`TRAINED_BY`).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from transformers import AutoTokenizer, PreTrainedTokenizerBase

from evaluator import Task, get_task, read_split
from evaluator.readers import INDEX_COLUMN, read_tsv
from evaluator.tasks import TEST_FILE

logger = logging.getLogger(__name__)

DEV_TRAIN_FRACTION = 0.8
SPLIT_SEED = 0

# Tasks predicted by the model trained on another task.
TRAINED_BY = {"IMDb": "SST-2"}

Label = int | float


@dataclass(frozen=True)
class Examples:
    """Input texts (one or two columns each) and their labels."""

    inputs: list[tuple[str, ...]]
    labels: list[Label]

    def __len__(self) -> int:
        return len(self.inputs)

    def head(self, count: int | None) -> Examples:
        """Return the first `count` examples, or all of them when `count` is None."""
        if count is None:
            return self
        return Examples(self.inputs[:count], self.labels[:count])


@dataclass(frozen=True)
class Encoded:
    """Token ids of examples, unpadded, with their segment ids and labels."""

    input_ids: list[list[int]]
    token_type_ids: list[list[int]]
    labels: list[Label]

    def __len__(self) -> int:
        return len(self.input_ids)

    def lengths(self) -> list[int]:
        return [len(ids) for ids in self.input_ids]


def training_task(task_key: str) -> str:
    """Return the task whose model predicts `task_key`."""
    return TRAINED_BY.get(task_key, task_key)


def load_train_dev(task: Task, data_dir: Path) -> tuple[Examples, Examples]:
    """Return (train, dev) examples, splitting dev.tsv where train.tsv is absent."""
    dev = read_split(task, data_dir, "dev")
    dev_examples = _shuffled(Examples(dev.inputs, dev.labels))
    if task.path(data_dir, "train.tsv").exists():
        train = read_split(task, data_dir, "train")
        return _shuffled(Examples(train.inputs, train.labels)), dev_examples

    cut = int(len(dev_examples) * DEV_TRAIN_FRACTION)
    logger.info(
        "%s has no train.tsv: training on %s dev rows, selecting on %s",
        task.key, cut, len(dev_examples) - cut,
    )
    train = Examples(dev_examples.inputs[:cut], dev_examples.labels[:cut])
    held_out = Examples(dev_examples.inputs[cut:], dev_examples.labels[cut:])
    return train, held_out


def load_test_inputs(task: Task, data_dir: Path) -> tuple[list[int], list[tuple[str, ...]]]:
    """Return the indices and texts of test.tsv; the gold labels are not read."""
    table = read_tsv(task.path(data_dir, TEST_FILE))
    index_position = table.column(INDEX_COLUMN)
    text_positions = [table.column(name) for name in task.text_columns]
    indices = [int(row[index_position]) for row in table.rows]
    inputs = [tuple(row[position] for position in text_positions) for row in table.rows]
    return indices, inputs


def _shuffled(examples: Examples) -> Examples:
    order = list(range(len(examples)))
    random.Random(SPLIT_SEED).shuffle(order)
    return Examples([examples.inputs[i] for i in order], [examples.labels[i] for i in order])


def load_tokenizer(checkpoint_dir: Path) -> PreTrainedTokenizerBase:
    """Load the WordPiece tokenizer of a checkpoint directory, local files only."""
    return AutoTokenizer.from_pretrained(checkpoint_dir, local_files_only=True)


def encode(
    tokenizer: PreTrainedTokenizerBase,
    inputs: Sequence[tuple[str, ...]],
    labels: Sequence[Label] | None,
    max_length: int,
) -> Encoded:
    """Tokenize single texts or text pairs, truncated to `max_length` tokens.

    [CLS] and [SEP] count towards `max_length` and towards the token count
    that a predictions file reports.
    """
    first = [texts[0] for texts in inputs]
    second = [texts[1] for texts in inputs] if inputs and len(inputs[0]) > 1 else None
    encoding = tokenizer(
        first, second, truncation=True, max_length=max_length, return_token_type_ids=True
    )
    return Encoded(
        input_ids=encoding["input_ids"],
        token_type_ids=encoding["token_type_ids"],
        labels=list(labels) if labels is not None else [0] * len(first),
    )


@dataclass(frozen=True)
class Batch:
    """Padded tensors of some examples and their positions in the Encoded."""

    positions: list[int]
    input_ids: torch.Tensor
    token_type_ids: torch.Tensor
    padding_mask: torch.Tensor
    labels: torch.Tensor

    def to(self, device: torch.device) -> Batch:
        """Return the batch with its tensors on `device`."""
        return Batch(
            self.positions, self.input_ids.to(device), self.token_type_ids.to(device),
            self.padding_mask.to(device), self.labels.to(device),
        )


def collate(encoded: Encoded, positions: Sequence[int], *, regression: bool) -> Batch:
    """Pad the examples at `positions` to their longest length."""
    width = max(len(encoded.input_ids[i]) for i in positions)
    count = len(positions)
    input_ids = torch.zeros((count, width), dtype=torch.long)
    token_type_ids = torch.zeros((count, width), dtype=torch.long)
    padding_mask = torch.zeros((count, width), dtype=torch.long)
    for row, position in enumerate(positions):
        length = len(encoded.input_ids[position])
        input_ids[row, :length] = torch.tensor(encoded.input_ids[position])
        token_type_ids[row, :length] = torch.tensor(encoded.token_type_ids[position])
        padding_mask[row, :length] = 1

    label_dtype = torch.float if regression else torch.long
    labels = torch.tensor([encoded.labels[i] for i in positions], dtype=label_dtype)
    return Batch(list(positions), input_ids, token_type_ids, padding_mask, labels)


def batches_by_length(encoded: Encoded, batch_size: int, *, regression: bool) -> Iterator[Batch]:
    """Yield batches of examples of similar length, which keeps padding small."""
    order = sorted(range(len(encoded)), key=lambda i: len(encoded.input_ids[i]))
    for start in range(0, len(order), batch_size):
        yield collate(encoded, order[start:start + batch_size], regression=regression)


def shuffled_batches(
    encoded: Encoded, batch_size: int, *, regression: bool, generator: random.Random
) -> Iterator[Batch]:
    """Yield training batches in a random order drawn from `generator`."""
    order = list(range(len(encoded)))
    generator.shuffle(order)
    for start in range(0, len(order), batch_size):
        yield collate(encoded, order[start:start + batch_size], regression=regression)


def task_of(name: str) -> Task:
    """Return the evaluator's task for `name` (any accepted spelling)."""
    return get_task(name)
