"""FLOPs and parameters of BERT-base built from transformers with random
weights, against the ELUE per-layer formula and BERT's published sizes."""

from __future__ import annotations

import pytest
from transformers import BertConfig, BertForSequenceClassification, BertModel
from transformers.models.bert.modeling_bert import BertLayer

from evaluator.flops import FlopCounter, count_flops, count_parameters


def bert_base_config(attention: str) -> BertConfig:
    config = BertConfig()
    config._attn_implementation = attention
    return config


def elue_layer_flops(tokens: int) -> int:
    """FLOPs of one BERT-base layer in the ELUE convention.

    Per token: Q, K, V and output projections 4 x 768 x 768, the feed-forward
    network 2 x 768 x 3072 and two layer norms 2 x 2 x 768, which sum to
    7,080,960 MACs. Per token pair: QK^T and AV 2 x 768 plus 24 for the
    12 heads' scaling and softmax in ELUE's own count, 1,560 MACs.
    """
    per_token = 4 * 768 * 768 + 2 * 768 * 3072 + 2 * 2 * 768
    assert per_token == 7_080_960
    return 2 * (per_token * tokens + 1_560 * tokens**2)


@pytest.mark.parametrize("attention", ["sdpa", "eager"])
@pytest.mark.parametrize("tokens", [8, 128, 512])
def test_bert_layer_matches_elue_formula(attention: str, tokens: int) -> None:
    layer = BertLayer(bert_base_config(attention))

    result = count_flops(layer, (tokens, 768))

    expected = elue_layer_flops(tokens)
    assert result.flops == pytest.approx(expected, rel=0.005)


def test_bert_layer_same_on_meta() -> None:
    layer = BertLayer(bert_base_config("sdpa"))
    counter = FlopCounter({"layer": layer}, try_meta=True)

    assert counter.count("layer", (64, 768)) == count_flops(layer, (64, 768))
    assert counter.meta_modules == {"layer"}


def test_bert_model_is_embedding_module() -> None:
    model = BertModel(bert_base_config("sdpa"))
    tokens = 10

    result = count_flops(model, (tokens,))

    embedding_layer_norm = 2 * 1_536 * tokens
    pooler = 2 * 768 * 768
    expected = 12 * elue_layer_flops(tokens) + embedding_layer_norm + pooler
    assert result.flops == pytest.approx(expected, rel=0.005)


def test_bert_base_parameters() -> None:
    config = bert_base_config("sdpa")

    assert count_parameters(BertModel(config)) == 109_482_240
    config.num_labels = 2
    assert count_parameters(BertForSequenceClassification(config)) == 109_483_778


def test_shared_parameters_counted_once() -> None:
    model = BertModel(bert_base_config("sdpa"))
    model.encoder.layer[1] = model.encoder.layer[0]

    layer_parameters = 4 * 768 * 768 + 4 * 768 + 2 * 768 * 3072 + 3072 + 768 + 4 * 768
    assert count_parameters(model) == 109_482_240 - layer_parameters
