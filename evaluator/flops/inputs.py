"""Dummy inputs for counting: embedding detection and the input dtype."""

from __future__ import annotations

import torch
from torch import nn

EMBEDDING_TYPES = (nn.Embedding, nn.EmbeddingBag)

# Name of the module attribute that overrides the detected input dtype.
DTYPE_ATTRIBUTE = "elue_input_dtype"

# Seed of the float inputs, so that data-dependent control flow takes the same
# path in every measurement.
FLOAT_INPUT_SEED = 0


def _first_leaf(module: nn.Module) -> nn.Module:
    """Return the first module without children, in registration order."""
    for candidate in module.modules():
        if next(candidate.children(), None) is None:
            return candidate
    return module


def is_embedding_module(module: nn.Module) -> bool:
    """Return whether a module takes token ids.

    It does when it is an nn.Embedding or nn.EmbeddingBag, or when its first
    leaf submodule in registration order is one (a BertEmbeddings block, or a
    whole BERT model whose first child is its embeddings).
    """
    return isinstance(module, EMBEDDING_TYPES) or isinstance(_first_leaf(module), EMBEDDING_TYPES)


def _parse_dtype(value: object) -> torch.dtype:
    """Convert an elue_input_dtype value such as "int64" to a torch.dtype."""
    dtype = value if isinstance(value, torch.dtype) else getattr(torch, str(value), None)
    if not isinstance(dtype, torch.dtype) or dtype == torch.bool or dtype.is_complex:
        raise ValueError(
            f"{DTYPE_ATTRIBUTE} must name an integer or floating-point torch dtype "
            f"such as 'int64' or 'float32', got {value!r}"
        )
    return dtype


def input_dtype(module: nn.Module) -> torch.dtype:
    """Return the dtype of the dummy input: the module's elue_input_dtype
    attribute if set, else int64 for embedding modules and float32 otherwise."""
    override = getattr(module, DTYPE_ATTRIBUTE, None)
    if override is not None:
        return _parse_dtype(override)
    return torch.int64 if is_embedding_module(module) else torch.float32


def _device(module: nn.Module) -> torch.device:
    """Return the device of the module's first parameter, else the CPU."""
    parameter = next(module.parameters(), None)
    return parameter.device if parameter is not None else torch.device("cpu")


def make_input(module: nn.Module, shape: tuple[int, ...]) -> torch.Tensor:
    """Build the dummy input of shape (1, *shape) on the module's device.

    Integer inputs are zeros, because token id 0 is valid in every vocabulary.
    Floating-point inputs are standard normal with a fixed seed. Modules built
    on the meta device get meta inputs, so tracing records shapes without
    computing values.
    """
    dtype = input_dtype(module)
    full_shape = (1, *shape)
    if not dtype.is_floating_point:
        example = torch.zeros(full_shape, dtype=dtype)
    else:
        generator = torch.Generator().manual_seed(FLOAT_INPUT_SEED)
        example = torch.randn(full_shape, generator=generator).to(dtype)
    return example.to(_device(module))
