"""Helpers for the baseline tests: tiny hand-built models and the real data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch
from transformers import BertConfig

from baselines.elasticbert.model import ElasticBert

REPO_ROOT = Path(__file__).resolve().parents[2]


def real_data_dir() -> Path:
    """Return the ELUE data directory: $ELUE_DATA_DIR or ../shared/data/elue."""
    override = os.environ.get("ELUE_DATA_DIR")
    return Path(override) if override else REPO_ROOT / ".." / "shared" / "data" / "elue"


def tiny_config(layers: int = 3, vocab_size: int = 100) -> BertConfig:
    """A BERT of hidden size 8, small enough to build in milliseconds."""
    return BertConfig(
        vocab_size=vocab_size, hidden_size=8, num_hidden_layers=layers, num_attention_heads=2,
        intermediate_size=16, max_position_embeddings=64, hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
    )


def tiny_model(num_labels: int = 2, *, layers: int = 3, pooling: str = "cls",
               vocab_size: int = 100, seed: int = 0) -> ElasticBert:
    torch.manual_seed(seed)
    return ElasticBert(tiny_config(layers, vocab_size), num_labels, pooling).eval()


def set_constant_exits(model: ElasticBert, biases: list[list[float]]) -> None:
    """Make exit k output `biases[k-1]` for every input.

    With the pooler's dense weights and bias at 0 the pooled vector is
    tanh(0) = 0, so the classifier returns its bias.
    """
    with torch.no_grad():
        for exit_module, bias in zip(model.exits, biases):
            exit_module.dense.weight.zero_()
            exit_module.dense.bias.zero_()
            exit_module.classifier.bias.copy_(torch.tensor(bias))
