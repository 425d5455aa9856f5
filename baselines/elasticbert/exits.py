"""Exit decisions of ElasticBERT, per example, from the logits of every exit.

All functions take `all_logits` of shape (layers, examples, outputs): the
output of exit 1..L for each example. Every exit reads only the layers below
it, so an example takes the same exit whether the layers run one by one with
batch size 1 and stop there, or all layers run in a batch and the rule is
applied afterwards. `tests/baselines` checks this against a real
layer-by-layer run. Exit numbers returned are 1-based, like the module names
"exit_1" .. "exit_L".

Rules:

* static k: every example runs layers 1..k and exit k;
* entropy tau: stop at the first exit whose softmax entropy is below tau;
* patience t: a counter grows by one at exit i when exit i agrees with exit
  i-1 (same argmax, or for a regression task an output that differs by less
  than `tolerance`) and drops to 0 when it disagrees; stop when it reaches t,
  so t + 1 consecutive exits agree. This is the rule of PABEE, which
  ElasticBERT's code uses.

An example that meets no stopping condition runs all layers and exits last.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class OperatingPoint:
    """One way of running the model: `rule` is "static", "entropy" or "patience".

    `value` is the depth k (static), the threshold tau (entropy) or the
    patience t (patience). `tolerance` is the regression agreement bound.
    """

    rule: str
    value: float
    tolerance: float = 0.0

    @property
    def name(self) -> str:
        """File-name stem of this point, such as "static_6" or "entropy_0.2"."""
        if self.rule == "static":
            return f"static_{int(self.value)}"
        if self.rule == "patience" and self.tolerance:
            return f"patience_{int(self.value)}_tol_{self.tolerance:g}"
        if self.rule == "patience":
            return f"patience_{int(self.value)}"
        return f"{self.rule}_{self.value:g}"

    @property
    def is_dynamic(self) -> bool:
        return self.rule != "static"


def entropy(logits: torch.Tensor) -> torch.Tensor:
    """Return the entropy (nats) of softmax(logits) along the last axis."""
    log_probs = torch.log_softmax(logits.float(), dim=-1)
    return -(log_probs.exp() * log_probs).sum(dim=-1)


def entropy_exits(all_logits: torch.Tensor, threshold: float) -> torch.Tensor:
    """Return, per example, the first exit whose entropy is below `threshold`."""
    confident = entropy(all_logits) < threshold
    return _first_true_or_last(confident)


def patience_exits(all_logits: torch.Tensor, patience: int, *, tolerance: float | None = None) -> torch.Tensor:
    """Return, per example, the exit where `patience` agreements in a row are reached.

    With `tolerance` set the outputs are regression scores (last axis of
    size 1) and two exits agree when their scores differ by less than it.
    Without it, two exits agree when their argmax is the same.
    """
    if patience < 1:
        raise ValueError(f"patience must be at least 1, got {patience}")
    if tolerance is None:
        outputs = all_logits.argmax(dim=-1)
        agrees = outputs[1:] == outputs[:-1]
    else:
        scores = all_logits[..., 0]
        agrees = (scores[1:] - scores[:-1]).abs() < tolerance

    counter = torch.zeros(all_logits.shape[1], dtype=torch.long)
    reached = torch.zeros(all_logits.shape[:2], dtype=torch.bool)
    for position in range(agrees.shape[0]):
        counter = torch.where(agrees[position], counter + 1, torch.zeros_like(counter))
        reached[position + 1] = counter >= patience
    return _first_true_or_last(reached)


def static_exits(all_logits: torch.Tensor, depth: int) -> torch.Tensor:
    """Return exit `depth` for every example."""
    layers = all_logits.shape[0]
    if not 1 <= depth <= layers:
        raise ValueError(f"depth must be between 1 and {layers}, got {depth}")
    return torch.full((all_logits.shape[1],), depth, dtype=torch.long)


def choose_exits(all_logits: torch.Tensor, point: OperatingPoint) -> torch.Tensor:
    """Apply the rule of `point`; return 1-based exit numbers per example."""
    if point.rule == "static":
        return static_exits(all_logits, int(point.value))
    if point.rule == "entropy":
        return entropy_exits(all_logits, point.value)
    if point.rule == "patience":
        tolerance = point.tolerance if all_logits.shape[-1] == 1 else None
        return patience_exits(all_logits, int(point.value), tolerance=tolerance)
    raise ValueError(f"Unknown exit rule {point.rule!r}; expected static, entropy or patience")


def outputs_at(all_logits: torch.Tensor, exits: torch.Tensor) -> torch.Tensor:
    """Return the logits each example produced at its exit, shape (examples, outputs)."""
    examples = torch.arange(all_logits.shape[1])
    return all_logits[exits - 1, examples]


def _first_true_or_last(flags: torch.Tensor) -> torch.Tensor:
    layers = flags.shape[0]
    flags = flags.clone()
    flags[-1] = True
    positions = torch.arange(1, layers + 1)[:, None].expand_as(flags)
    never = torch.full_like(positions, layers + 1)
    return torch.where(flags, positions, never).min(dim=0).values
