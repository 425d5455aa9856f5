"""FLOPs counting on toy modules whose expected counts are derived by hand.

Every expectation is written as multiply-accumulates (MACs) from the shapes,
then doubled, because ELUE reports FLOPs = 2 x MACs.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from evaluator.flops import (
    FlopCounter,
    UnpricedOperatorError,
    count_flops,
    input_dtype,
    is_embedding_module,
    is_matmul_class,
)


class MatmulAttention(nn.Module):
    """softmax(x x^T) x written with torch.matmul."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scores = torch.matmul(x, x.transpose(-1, -2))
        return torch.matmul(scores.softmax(dim=-1), x)


class SdpaAttention(nn.Module):
    """Scaled dot-product attention whose values are narrower than the keys."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.scaled_dot_product_attention(x, x, x[..., :2])


class SelfAttention(nn.Module):
    """nn.MultiheadAttention used as self-attention on a batch-first input."""

    def __init__(self, embed: int, heads: int, need_weights: bool) -> None:
        super().__init__()
        self.attention = nn.MultiheadAttention(embed, heads, batch_first=True)
        self.need_weights = need_weights

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.attention(x, x, x, need_weights=self.need_weights)[0]


class FusedEncoderLayer(nn.Module):
    """Calls the fused encoder-layer operator directly with a layer's weights."""

    def __init__(self, embed: int, heads: int, feed_forward: int) -> None:
        super().__init__()
        self.layer = nn.TransformerEncoderLayer(embed, heads, feed_forward, batch_first=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        layer = self.layer
        attention = layer.self_attn
        return torch._transformer_encoder_layer_fwd(
            x, attention.embed_dim, attention.num_heads,
            attention.in_proj_weight, attention.in_proj_bias,
            attention.out_proj.weight, attention.out_proj.bias,
            False, False, layer.norm1.eps,
            layer.norm1.weight, layer.norm1.bias, layer.norm2.weight, layer.norm2.bias,
            layer.linear1.weight, layer.linear1.bias, layer.linear2.weight, layer.linear2.bias,
        )


class BroadcastMatmul(nn.Module):
    """(6, 4) input times a (3, 4, 5) weight, then a 1-D weight."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(3, 4, 5))
        self.vector = nn.Parameter(torch.ones(5))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.matmul(torch.matmul(x, self.weight), self.vector)


class OpaqueSquare(torch.autograd.Function):
    @staticmethod
    def forward(ctx: object, x: torch.Tensor) -> torch.Tensor:
        return x @ x.transpose(-1, -2)


class CustomFunction(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return OpaqueSquare.apply(x)


class ValueBranch(nn.Module):
    """Takes a wide or a narrow path depending on the input's values."""

    def __init__(self) -> None:
        super().__init__()
        self.wide = nn.Linear(4, 32)
        self.narrow = nn.Linear(4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.abs().sum() > 0:
            return self.wide(x)
        return self.narrow(x)


class TokenLookup(nn.Module):
    """Looks token ids up in a bare parameter, so only the override marks it."""

    elue_input_dtype = "int64"

    def __init__(self) -> None:
        super().__init__()
        self.table = nn.Parameter(torch.randn(10, 4))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return F.embedding(ids, self.table)


def test_linear_counts_without_bias() -> None:
    result = count_flops(nn.Linear(16, 32), (5, 16))

    macs = 5 * 16 * 32
    assert result.flops == 2 * macs
    assert result.operators == {"linear": 2 * macs}


def test_matmul_attention_counts_both_products() -> None:
    length, embed = 6, 4
    result = count_flops(MatmulAttention(), (length, embed))

    scores_macs = length * embed * length
    weighted_sum_macs = length * length * embed
    assert result.flops == 2 * (scores_macs + weighted_sum_macs)
    assert result.unsupported == {"aten::softmax": 1}


def test_sdpa_counts_qk_and_av() -> None:
    heads, length, embed, value_embed = 2, 5, 3, 2
    result = count_flops(SdpaAttention(), (heads, length, embed))

    macs = heads * length * length * embed + heads * length * length * value_embed
    assert result.flops == 2 * macs
    assert result.operators == {"scaled_dot_product_attention": 2 * macs}


@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("need_weights", [True, False])
def test_multihead_attention_modes(mode: str, need_weights: bool) -> None:
    length, embed, heads = 4, 8, 2
    module = SelfAttention(embed, heads, need_weights)
    getattr(module, mode)()

    result = count_flops(module, (length, embed))

    in_projection = length * embed * 3 * embed
    head_dim = embed // heads
    scores = heads * length * length * head_dim
    weighted_sum = heads * length * length * head_dim
    out_projection = length * embed * embed
    assert result.flops == 2 * (in_projection + scores + weighted_sum + out_projection)


def test_multihead_attention_eval_uses_fused_path() -> None:
    result = count_flops(SelfAttention(8, 2, need_weights=False), (4, 8))

    assert set(result.operators) == {"_native_multi_head_attention"}


def test_fused_encoder_layer_counts_whole_layer() -> None:
    length, embed, heads, feed_forward = 4, 8, 2, 16
    result = count_flops(FusedEncoderLayer(embed, heads, feed_forward), (length, embed))

    projections = 4 * length * embed * embed
    attention = 2 * length * length * embed
    feed_forward_macs = 2 * length * embed * feed_forward
    layer_norms = 2 * (2 * length * embed)
    assert result.flops == 2 * (projections + attention + feed_forward_macs + layer_norms)
    assert set(result.operators) == {"_transformer_encoder_layer_fwd"}


def test_layer_norm_costs_two_macs_per_element() -> None:
    result = count_flops(nn.LayerNorm(6), (3, 6))

    assert result.flops == 2 * (2 * 3 * 6)


def test_embedding_lookup_is_free() -> None:
    result = count_flops(nn.Embedding(50, 4), (7,))

    assert result.flops == 0
    assert result.unsupported == {}


def test_embedding_first_container_gets_token_ids() -> None:
    model = nn.Sequential(nn.Embedding(50, 4), nn.Linear(4, 3))

    result = count_flops(model, (7,))

    assert is_embedding_module(model)
    assert result.flops == 2 * (7 * 4 * 3)


def test_matmul_broadcasting_and_vectors() -> None:
    result = count_flops(BroadcastMatmul(), (6, 4))

    broadcast_macs = 3 * 6 * 4 * 5
    vector_macs = 3 * 6 * 5
    assert result.flops == 2 * (broadcast_macs + vector_macs)


def test_input_dtype_detection() -> None:
    assert input_dtype(nn.Embedding(5, 2)) == torch.int64
    assert input_dtype(nn.EmbeddingBag(5, 2)) == torch.int64
    assert input_dtype(nn.Sequential(nn.Embedding(5, 2), nn.Linear(2, 2))) == torch.int64
    assert input_dtype(nn.Sequential(nn.Linear(2, 2), nn.Embedding(5, 2))) == torch.float32
    assert input_dtype(nn.Linear(2, 2)) == torch.float32


def test_input_dtype_override() -> None:
    linear = nn.Linear(2, 2)
    linear.elue_input_dtype = torch.float64
    embedding = nn.Embedding(5, 2)
    embedding.elue_input_dtype = "int32"

    assert input_dtype(linear) == torch.float64
    assert input_dtype(embedding) == torch.int32
    assert input_dtype(TokenLookup()) == torch.int64
    assert count_flops(TokenLookup(), (3,)).flops == 0


@pytest.mark.parametrize("value", ["Tensor", "bool", "complex64", "no_such_dtype", 3])
def test_input_dtype_override_invalid(value: object) -> None:
    module = nn.Linear(2, 2)
    module.elue_input_dtype = value

    with pytest.raises(ValueError, match="elue_input_dtype"):
        input_dtype(module)


def test_unpriced_operator_raises() -> None:
    with pytest.raises(UnpricedOperatorError, match=r"aten::lstm") as caught:
        count_flops(nn.LSTM(4, 4, batch_first=True), (3, 4), name="encoder")

    assert "'encoder'" in caught.value.message
    assert "(3, 4)" in caught.value.message
    assert caught.value.retryable is False


def test_custom_autograd_function_raises() -> None:
    with pytest.raises(UnpricedOperatorError, match="PythonOp"):
        count_flops(CustomFunction(), (3, 4))


def test_elementwise_unsupported_is_listed() -> None:
    result = count_flops(nn.Sequential(nn.Linear(4, 4), nn.GELU()), (2, 4))

    assert result.flops == 2 * (2 * 4 * 4)
    assert result.unsupported == {"aten::gelu": 1}


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        ("aten::lstm", True),
        ("aten::_convolution_mode", True),
        ("aten::addmm_", True),
        ("aten::chain_matmul", True),
        ("aten::linalg_vecdot", True),
        ("aten::_scaled_dot_product_flash_attention", True),
        ("prim::PythonOp.MyFunction", True),
        ("aten::gelu", False),
        ("aten::softmax", False),
        ("aten::upsample_bilinear2d", False),
        ("aten::add", False),
    ],
)
def test_matmul_class_names(operator: str, expected: bool) -> None:
    assert is_matmul_class(operator) is expected


def test_counter_traces_each_shape_once() -> None:
    counter = FlopCounter({"proj": nn.Linear(4, 2)})

    first = counter.count("proj", (3, 4))
    again = counter.count("proj", (3, 4))
    other = counter.count("proj", (5, 4))

    assert again is first
    assert other.flops == 2 * (5 * 4 * 2)
    assert counter.traces == 2


def test_counter_unknown_module() -> None:
    with pytest.raises(KeyError):
        FlopCounter({}).count("missing", (1,))


def test_identical_measurements_identical() -> None:
    torch.manual_seed(1)
    first = count_flops(SelfAttention(8, 2, need_weights=True), (4, 8))
    torch.manual_seed(2)
    second = count_flops(SelfAttention(8, 2, need_weights=True), (4, 8))

    assert first == second


def test_meta_counter_matches_own_device() -> None:
    modules = {"attention": SelfAttention(8, 2, need_weights=False), "norm": nn.LayerNorm(8)}
    meta_counter = FlopCounter(modules, try_meta=True)

    for name in modules:
        assert meta_counter.count(name, (4, 8)).flops == count_flops(modules[name], (4, 8)).flops
    assert meta_counter.meta_modules == {"attention", "norm"}
    # nn.MultiheadAttention's fused path accepts only CPU and CUDA tensors,
    # so on meta the same work shows up as projections and SDPA.
    assert set(meta_counter.count("attention", (4, 8)).operators) == {"linear", "scaled_dot_product_attention"}


def test_meta_counter_falls_back_on_value_branch() -> None:
    counter = FlopCounter({"branch": ValueBranch()}, try_meta=True)

    result = counter.count("branch", (3, 4))

    # The standard-normal input has a non-zero sum, so the wide path runs.
    assert result.flops == 2 * (3 * 4 * 32)
    assert counter.meta_modules == set()
