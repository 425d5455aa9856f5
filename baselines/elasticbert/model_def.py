"""ElasticBERT architecture for the ELUE model-file route, in plain PyTorch.

This file is uploaded with the predictions files and imported by the
evaluator in an isolated process, so it imports nothing but torch.
`module_list` maps the names that the predictions' `modules` column lists to
modules; the evaluator calls each with one tensor of shape (1, *shape):

* "emb": token ids (1, n), int64;
* "layer_k": hidden states (1, n, hidden);
* "exit_k": the [CLS] vector (1, hidden), or with mean pooling the layer
  output (1, n, hidden).

`entire_model` contains every module once, so its parameter count is that of
the trained model. No weights are included: FLOPs and parameters depend only
on the architecture. The computation is the same as the trained model's
(Hugging Face BERT layers, with attention written as two matmuls so that
FLOP counters see QK^T and AV).
"""

import math

import torch
from torch import nn

# BEGIN ARCHITECTURE (the packaging step rewrites this block per task)
ARCHITECTURE = {
    "vocab_size": 30522,
    "hidden_size": 384,
    "num_hidden_layers": 6,
    "num_attention_heads": 12,
    "intermediate_size": 1536,
    "max_position_embeddings": 512,
    "type_vocab_size": 2,
    "layer_norm_eps": 1e-12,
    "num_labels": 2,
    "pooling": "mean",
}
# END ARCHITECTURE


class Embedding(nn.Module):
    """Word, position and segment embeddings, summed, then LayerNorm."""

    def __init__(self, arch):
        super().__init__()
        hidden = arch["hidden_size"]
        self.word_embeddings = nn.Embedding(arch["vocab_size"], hidden)
        self.position_embeddings = nn.Embedding(arch["max_position_embeddings"], hidden)
        self.token_type_embeddings = nn.Embedding(arch["type_vocab_size"], hidden)
        self.layer_norm = nn.LayerNorm(hidden, eps=arch["layer_norm_eps"])

    def forward(self, input_ids):
        positions = torch.arange(input_ids.shape[-1], device=input_ids.device)
        segments = torch.zeros_like(input_ids)
        summed = (
            self.word_embeddings(input_ids)
            + self.position_embeddings(positions)
            + self.token_type_embeddings(segments)
        )
        return self.layer_norm(summed)


class Layer(nn.Module):
    """Post-LayerNorm transformer layer: self-attention, then a GELU feed-forward block."""

    def __init__(self, arch):
        super().__init__()
        hidden = arch["hidden_size"]
        self.heads = arch["num_attention_heads"]
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.attention_output = nn.Linear(hidden, hidden)
        self.attention_norm = nn.LayerNorm(hidden, eps=arch["layer_norm_eps"])
        self.intermediate = nn.Linear(hidden, arch["intermediate_size"])
        self.output = nn.Linear(arch["intermediate_size"], hidden)
        self.output_norm = nn.LayerNorm(hidden, eps=arch["layer_norm_eps"])

    def _split_heads(self, states):
        batch, length, hidden = states.shape
        return states.view(batch, length, self.heads, hidden // self.heads).transpose(1, 2)

    def forward(self, hidden_states):
        batch, length, hidden = hidden_states.shape
        query = self._split_heads(self.query(hidden_states))
        key = self._split_heads(self.key(hidden_states))
        value = self._split_heads(self.value(hidden_states))

        scores = torch.matmul(query, key.transpose(-1, -2)) / math.sqrt(hidden // self.heads)
        context = torch.matmul(torch.softmax(scores, dim=-1), value)
        context = context.transpose(1, 2).reshape(batch, length, hidden)

        attended = self.attention_norm(self.attention_output(context) + hidden_states)
        expanded = nn.functional.gelu(self.intermediate(attended))
        return self.output_norm(self.output(expanded) + attended)


class Exit(nn.Module):
    """Pooler (dense + tanh) and classifier; mean pooling averages the tokens first."""

    def __init__(self, arch):
        super().__init__()
        self.pooling = arch["pooling"]
        self.dense = nn.Linear(arch["hidden_size"], arch["hidden_size"])
        self.classifier = nn.Linear(arch["hidden_size"], arch["num_labels"])

    def forward(self, features):
        if self.pooling == "mean":
            features = features.mean(dim=-2)
        return self.classifier(torch.tanh(self.dense(features)))


class ElasticBertArchitecture(nn.Module):
    """Every module of the multi-exit model; forward runs all layers and the last exit."""

    def __init__(self, arch):
        super().__init__()
        self.emb = Embedding(arch)
        self.layers = nn.ModuleList(Layer(arch) for _ in range(arch["num_hidden_layers"]))
        self.exits = nn.ModuleList(Exit(arch) for _ in range(arch["num_hidden_layers"]))
        self.pooling = arch["pooling"]

    def forward(self, input_ids):
        hidden = self.emb(input_ids)
        for layer in self.layers:
            hidden = layer(hidden)
        return self.exits[-1](hidden if self.pooling == "mean" else hidden[:, 0])


entire_model = ElasticBertArchitecture(ARCHITECTURE).eval()

module_list = {"emb": entire_model.emb}
for _number, (_layer, _exit) in enumerate(zip(entire_model.layers, entire_model.exits), start=1):
    module_list[f"layer_{_number}"] = _layer
    module_list[f"exit_{_number}"] = _exit
