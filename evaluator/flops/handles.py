"""fvcore operator handles that implement the ELUE FLOPs convention.

Each handle receives the traced node's inputs and outputs (``torch._C.Value``
objects with complete tensor types) and returns multiply-accumulates (MACs).
The package docstring of :mod:`evaluator.flops` states the convention.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import torch
from fvcore.nn.jit_handles import (
    addmm_flop_jit,
    bmm_flop_jit,
    conv_flop_jit,
    einsum_flop_jit,
    linear_flop_jit,
)

Handle = Callable[[list[Any], list[Any]], "int | float | Counter[str]"]

# Multiply-accumulates per element of one layer norm: subtract the mean, then
# scale (ELUE's count, which gives 1,536 MACs per token at hidden size 768).
LAYER_NORM_MACS_PER_ELEMENT = 2

# Operator names (namespace removed) that do matrix-multiplication-class work.
# An operator matching this pattern without a handle makes a measurement
# invalid instead of being priced 0. Interpolations such as upsample_bilinear2d
# are element-wise and are excluded before the match.
MATMUL_CLASS_PATTERN = re.compile(
    r"mm|matmul|linear|conv|einsum|attention|addmv|^mv$|dot|outer|^ger$|"
    r"bilinear|transformer|multi_head|lstm|gru|rnn|^inner$|kron|cdist"
)
_ELEMENTWISE_LOOKALIKES = re.compile(r"upsample|interpolate|grid_sampler")

# Traced nodes whose body the tracer cannot see (custom autograd functions and
# calls into TorchScript), so their cost is unknown.
OPAQUE_OPERATOR_PREFIXES = ("prim::PythonOp", "prim::CallFunction", "prim::CallMethod")


def is_matmul_class(operator: str) -> bool:
    """Return whether an operator that has no handle must not be priced 0."""
    if operator.startswith(OPAQUE_OPERATOR_PREFIXES):
        return True
    base_name = operator.rsplit("::", 1)[-1]
    if _ELEMENTWISE_LOOKALIKES.search(base_name):
        return False
    return MATMUL_CLASS_PATTERN.search(base_name) is not None


def _shape(value: Any) -> list[int]:
    """Return the static shape of a traced tensor value."""
    if not value.isCompleteTensor():
        raise ValueError(f"operand {value.debugName()} has no static shape in the trace")
    return list(value.type().sizes())


def _broadcast_batch(first: Sequence[int], second: Sequence[int]) -> int:
    """Return the element count of two broadcast batch shapes."""
    return math.prod(torch.broadcast_shapes(tuple(first), tuple(second)))


def matmul_macs(inputs: list[Any], outputs: list[Any]) -> int:
    """Price aten::matmul and aten::mm with broadcasting and 1-D operands.

    fvcore's own handle assumes 2-D operands and an unbatched second operand.
    """
    left, right = _shape(inputs[0]), _shape(inputs[1])
    if len(left) == 1:
        left = [1, *left]
    if len(right) == 1:
        right = [*right, 1]
    rows, inner = left[-2], left[-1]
    columns = right[-1]
    return _broadcast_batch(left[:-2], right[:-2]) * rows * inner * columns


def baddbmm_macs(inputs: list[Any], outputs: list[Any]) -> int:
    """Price aten::baddbmm and aten::addbmm: batch1 (b, n, m) @ batch2 (b, m, p)."""
    batch, rows, inner = _shape(inputs[1])
    columns = _shape(inputs[2])[-1]
    return batch * rows * inner * columns


def mv_macs(inputs: list[Any], outputs: list[Any]) -> int:
    """Price aten::mv (matrix, vector): one MAC per matrix element."""
    return math.prod(_shape(inputs[0]))


def addmv_macs(inputs: list[Any], outputs: list[Any]) -> int:
    """Price aten::addmv (bias, matrix, vector) without the bias."""
    return math.prod(_shape(inputs[1]))


def inner_product_macs(inputs: list[Any], outputs: list[Any]) -> int:
    """Price aten::dot, aten::vdot and aten::inner: output elements times the
    length of the contracted last dimension."""
    return math.prod(_shape(outputs[0])) * _shape(inputs[0])[-1]


def outer_macs(inputs: list[Any], outputs: list[Any]) -> int:
    """Price aten::outer and aten::ger: one multiplication per output element."""
    return math.prod(_shape(outputs[0]))


def tensordot_macs(inputs: list[Any], outputs: list[Any]) -> int:
    """Price aten::tensordot: output elements times the contracted size."""
    left = _shape(inputs[0])
    contracted_dims = inputs[2].toIValue()
    contracted = math.prod(left[dim] for dim in contracted_dims)
    return math.prod(_shape(outputs[0])) * contracted


def bilinear_macs(inputs: list[Any], outputs: list[Any]) -> int:
    """Price aten::bilinear: x1 (..., in1), x2 (..., in2), weight (out, in1, in2)."""
    rows = math.prod(_shape(inputs[0])[:-1])
    out_features, in1, in2 = _shape(inputs[2])
    return rows * out_features * in1 * in2


def layer_norm_macs(inputs: list[Any], outputs: list[Any]) -> int:
    """Price aten::layer_norm at 2 MACs per element (fvcore uses 5)."""
    return math.prod(_shape(inputs[0])) * LAYER_NORM_MACS_PER_ELEMENT


def zero_cost(inputs: list[Any], outputs: list[Any]) -> int:
    """Price an operator that the convention counts as free (embedding lookups)."""
    return 0


def sdpa_macs(inputs: list[Any], outputs: list[Any]) -> int:
    """Price aten::scaled_dot_product_attention from the q, k and v shapes.

    q is (..., L, E), k is (..., S, E) and v is (..., S, Ev): QK^T costs
    batch*L*S*E and the weighted sum of values batch*L*S*Ev, where batch is the
    broadcast of the leading dimensions (heads included).
    """
    query, key, value = _shape(inputs[0]), _shape(inputs[1]), _shape(inputs[2])
    target_length, embed = query[-2], query[-1]
    source_length, value_embed = key[-2], value[-1]
    batch = _broadcast_batch(query[:-2], key[:-2])
    return batch * target_length * source_length * (embed + value_embed)


def _sequence_dims(shape: Sequence[int]) -> tuple[int, int]:
    """Return (batch, length) of a (batch, length, embed) or (length, embed) input."""
    if len(shape) == 3:
        return shape[0], shape[1]
    return 1, shape[0]


def native_multi_head_attention_macs(inputs: list[Any], outputs: list[Any]) -> int:
    """Price aten::_native_multi_head_attention, nn.MultiheadAttention's fused path.

    Counts the q, k and v in-projections, QK^T and AV over all heads together
    (heads * head_dim = embed_dim) and the out-projection, all without bias.
    """
    batch, target_length = _sequence_dims(_shape(inputs[0]))
    _, source_length = _sequence_dims(_shape(inputs[1]))
    embed = int(inputs[3].toIValue())
    projection = (target_length + 2 * source_length) * embed * embed
    attention = 2 * target_length * source_length * embed
    out_projection = target_length * embed * embed
    return batch * (projection + attention + out_projection)


def transformer_encoder_layer_macs(inputs: list[Any], outputs: list[Any]) -> int:
    """Price aten::_transformer_encoder_layer_fwd, a whole fused encoder layer.

    Counts self-attention as in :func:`native_multi_head_attention_macs`, the
    two feed-forward linears and the two layer norms.
    """
    batch, length = _sequence_dims(_shape(inputs[0]))
    embed = int(inputs[1].toIValue())
    feed_forward = _shape(inputs[14])[0]
    attention = 4 * length * embed * embed + 2 * length * length * embed
    feed_forward_macs = 2 * length * embed * feed_forward
    norms = 2 * length * embed * LAYER_NORM_MACS_PER_ELEMENT
    return batch * (attention + feed_forward_macs + norms)


ELUE_HANDLES: dict[str, Handle] = {
    "aten::linear": linear_flop_jit,
    "aten::addmm": addmm_flop_jit,
    "aten::bmm": bmm_flop_jit,
    "aten::matmul": matmul_macs,
    "aten::mm": matmul_macs,
    "aten::baddbmm": baddbmm_macs,
    "aten::addbmm": baddbmm_macs,
    "aten::mv": mv_macs,
    "aten::addmv": addmv_macs,
    "aten::dot": inner_product_macs,
    "aten::vdot": inner_product_macs,
    "aten::inner": inner_product_macs,
    "aten::outer": outer_macs,
    "aten::ger": outer_macs,
    "aten::tensordot": tensordot_macs,
    "aten::bilinear": bilinear_macs,
    "aten::einsum": einsum_flop_jit,
    "aten::_convolution": conv_flop_jit,
    "aten::layer_norm": layer_norm_macs,
    "aten::embedding": zero_cost,
    "aten::embedding_bag": zero_cost,
    "aten::_embedding_bag": zero_cost,
    "aten::scaled_dot_product_attention": sdpa_macs,
    "aten::_native_multi_head_attention": native_multi_head_attention_macs,
    "aten::_transformer_encoder_layer_fwd": transformer_encoder_layer_macs,
}
