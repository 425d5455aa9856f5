"""FLOPs and parameter counting with the ELUE convention.

A FLOP here is 2 x one multiply-accumulate (MAC) of one forward pass, counted
by fvcore 0.1.5 from a TorchScript trace of the module in eval mode under
torch.no_grad(), with a batch dimension of 1 added to the requested shape.
Totals are integers; convert to MFLOPs only for display.

What counts:

* Linear layers (aten::linear, addmm, matmul, mm, bmm, baddbmm, einsum, ...)
  without bias: in_features x out_features MACs per row.
* Attention: QK^T and AV. aten::scaled_dot_product_attention costs
  batch*L*S*E + batch*L*S*Ev from the q, k and v shapes. The fused
  nn.MultiheadAttention path (aten::_native_multi_head_attention) also counts
  its in- and out-projections, and the fused encoder layer
  (aten::_transformer_encoder_layer_fwd) counts attention, the feed-forward
  network and both layer norms.
* LayerNorm: 2 MACs per element (fvcore's own count is 5), so the embedding
  LayerNorm of BERT-base costs 1,536*n MACs for n tokens.
* Convolutions and the other normalisations use fvcore's default handles.

What costs 0: embedding lookups and element-wise operators (activations,
softmax, residual additions, scaling). Operators without a handle are priced
0 and listed with their occurrence counts in `unsupported`, except
matrix-multiplication-class ones (names containing mm, matmul, linear, conv,
einsum, attention, dot, bilinear, lstm, ...) and calls the tracer cannot see
into (custom autograd functions, TorchScript calls): these raise
UnpricedOperatorError, because the count would be silently too small.

Inputs: a module is an embedding module when it is an nn.Embedding or
nn.EmbeddingBag, or when its first leaf submodule in registration order is
one (BertEmbeddings, a whole BERT model). Embedding modules receive int64
zeros (token id 0), all others float32 standard-normal values drawn with a
fixed seed. A module overrides this with an attribute `elue_input_dtype`
set to a dtype name ("int64", "float32") or a torch.dtype.

Speed: FlopCounter(try_meta=True), which the sandbox uses, traces a copy of
each module on PyTorch's meta device (shapes only, no arithmetic) and falls
back to the module's own device when the forward pass needs tensor values.

Limits: fvcore traces one forward pass, so work whose result only feeds a
Python `if` may be missing from the trace, and torch.compile'd or scripted
modules cannot be traced.
"""

from evaluator.flops.counter import (
    FlopCount,
    FlopCounter,
    UnpricedOperatorError,
    count_flops,
    count_parameters,
)
from evaluator.flops.handles import LAYER_NORM_MACS_PER_ELEMENT, is_matmul_class
from evaluator.flops.inputs import DTYPE_ATTRIBUTE, input_dtype, is_embedding_module

__all__ = [
    "DTYPE_ATTRIBUTE",
    "LAYER_NORM_MACS_PER_ELEMENT",
    "FlopCount",
    "FlopCounter",
    "UnpricedOperatorError",
    "count_flops",
    "count_parameters",
    "input_dtype",
    "is_embedding_module",
    "is_matmul_class",
]
