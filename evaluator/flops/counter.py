"""Count the FLOPs of one module at one input shape, with a cache."""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import torch
from fvcore.nn import FlopCountAnalysis
from torch import nn

from evaluator.errors import MeasurementError
from evaluator.flops.handles import ELUE_HANDLES, is_matmul_class
from evaluator.flops.inputs import make_input

logger = logging.getLogger(__name__)


class UnpricedOperatorError(MeasurementError):
    """A module ran a matrix-multiplication-class operator that has no handle,
    so its count would be silently too small."""


@dataclass(frozen=True)
class FlopCount:
    """FLOPs of one forward pass of one module at one input shape."""

    flops: int
    operators: dict[str, int] = field(default_factory=dict)
    # Operators priced 0 because no handle exists, with occurrence counts.
    unsupported: dict[str, int] = field(default_factory=dict)


def _analysis(module: nn.Module, example: torch.Tensor) -> FlopCountAnalysis:
    """Build an fvcore analysis with the ELUE handles and warnings off."""
    analysis = FlopCountAnalysis(module, (example,))
    analysis.set_op_handle(**ELUE_HANDLES)
    analysis.unsupported_ops_warnings(False)
    analysis.uncalled_modules_warnings(False)
    analysis.tracer_warnings("none")
    return analysis


def _reject_unpriced(unsupported: Mapping[str, int], where: str) -> None:
    """Raise UnpricedOperatorError if any unsupported operator is matmul-class."""
    unpriced = sorted(name for name in unsupported if is_matmul_class(name))
    if unpriced:
        raise UnpricedOperatorError(
            f"{where} runs {', '.join(unpriced)}, which does matrix-multiplication "
            "work that the FLOPs counter cannot price; rewrite it with nn.Linear, "
            "torch.matmul or F.scaled_dot_product_attention"
        )


def count_flops(module: nn.Module, shape: tuple[int, ...], *, name: str = "module") -> FlopCount:
    """Count FLOPs (2 x multiply-accumulates) of one forward pass of `module`
    in eval mode on a dummy input of shape (1, *shape).

    Raises UnpricedOperatorError when the trace contains a matmul-class
    operator without a handle. Errors raised by the module itself propagate.
    """
    module.eval()
    example = make_input(module, shape)
    with torch.no_grad():
        analysis = _analysis(module, example)
        by_operator = analysis.by_operator()
        unsupported = dict(analysis.unsupported_ops())

    _reject_unpriced(unsupported, f"module {name!r} at input shape {tuple(shape)}")
    operators = {operator: round(2 * macs) for operator, macs in sorted(by_operator.items())}
    return FlopCount(flops=sum(operators.values()), operators=operators, unsupported=unsupported)


class FlopCounter:
    """Count FLOPs of named modules, tracing each (name, shape) pair once.

    With `try_meta`, each module is first traced as a copy on PyTorch's meta
    device, which records shapes without computing values and is much faster
    for large inputs. Meta tensors have no values, so a forward pass whose
    control flow depends on values raises on meta instead of taking another
    path. Then that module falls back to tracing on its own device.

    NOTE: code that branches on the device type can take another path on
    meta. PyTorch's fused attention paths do so (CPU and CUDA only), and
    their unfused paths cost the same, but the operator breakdown differs.
    """

    def __init__(self, modules: Mapping[str, nn.Module], *, try_meta: bool = False) -> None:
        self._modules = modules
        self._try_meta = try_meta
        self._cache: dict[tuple[str, tuple[int, ...]], FlopCount] = {}
        # Meta copy per module name, or None once meta tracing failed for it.
        self._meta_copies: dict[str, nn.Module | None] = {}

    def count(self, name: str, shape: tuple[int, ...]) -> FlopCount:
        """Return the count of module `name` at `shape`; KeyError if unknown."""
        key = (name, tuple(shape))
        cached = self._cache.get(key)
        if cached is not None:
            return cached

        result = self._count_uncached(name, key[1])
        logger.debug("Counted %s at %s: %s FLOPs", name, key[1], result.flops)
        self._cache[key] = result
        return result

    def _meta_copy(self, name: str) -> nn.Module | None:
        if name not in self._meta_copies:
            module = self._modules[name]
            try:
                self._meta_copies[name] = copy.deepcopy(module).to("meta")
            # deepcopy and .to() can run arbitrary module code.
            except Exception as error:
                logger.debug("No meta copy of %s: %s", name, error)
                self._meta_copies[name] = None
        return self._meta_copies[name]

    def _count_uncached(self, name: str, shape: tuple[int, ...]) -> FlopCount:
        meta = self._meta_copy(name) if self._try_meta else None
        if meta is not None:
            try:
                return count_flops(meta, shape, name=name)
            except UnpricedOperatorError:
                raise
            # A value-dependent forward fails on meta with any exception type.
            except Exception as error:
                logger.debug("Tracing %s on meta failed, using its own device: %s", name, error)
                self._meta_copies[name] = None
        return count_flops(self._modules[name], shape, name=name)

    @property
    def traces(self) -> int:
        """Number of distinct (name, shape) pairs traced so far."""
        return len(self._cache)

    @property
    def meta_modules(self) -> set[str]:
        """Names of the modules traced on the meta device so far."""
        return {name for name, module in self._meta_copies.items() if module is not None}


def count_parameters(model: nn.Module) -> int:
    """Count all parameters of `model`, each shared parameter once."""
    return sum(parameter.numel() for parameter in model.parameters())
