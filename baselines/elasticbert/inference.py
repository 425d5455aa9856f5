"""Prediction with ElasticBERT: all exits in batches, or one example layer by layer.

`predict_all_exits` runs every layer and every exit on batches of similar
length and returns the logits of all exits, from which any operating point's
per-example decisions follow (see `exits`). `run_early_exit` is the reference
semantics: one example, batch size 1, layers run one at a time until the
rule stops the example. Both give the same exits and outputs.
"""

from __future__ import annotations

import time

import torch
from tqdm import tqdm

from baselines.elasticbert import exits
from baselines.elasticbert.data import Encoded, batches_by_length
from baselines.elasticbert.model import ElasticBert


@torch.inference_mode()
def predict_all_exits(
    model: ElasticBert, encoded: Encoded, *, batch_size: int = 32, description: str = "predict"
) -> torch.Tensor:
    """Return the logits of every exit for every example, shape (layers, examples, outputs)."""
    model.eval()
    device = next(model.parameters()).device
    result = torch.empty((model.num_layers, len(encoded), model.num_labels))
    started = time.perf_counter()
    with tqdm(total=len(encoded), desc=description, unit="ex") as bar:
        for batch in batches_by_length(encoded, batch_size, regression=False):
            batch = batch.to(device)
            all_logits = model(batch.input_ids, batch.padding_mask, batch.token_type_ids)
            result[:, batch.positions] = torch.stack(all_logits).float().cpu()
            bar.update(len(batch.positions))
            bar.set_postfix(ex_per_s=f"{bar.n / (time.perf_counter() - started):.1f}")
    return result


@torch.inference_mode()
def run_early_exit(
    model: ElasticBert,
    input_ids: list[int],
    token_type_ids: list[int],
    point: exits.OperatingPoint,
) -> tuple[int, torch.Tensor]:
    """Run one example until `point`'s rule stops it; return (exit number, logits).

    The stopping rules are written out step by step here, independently of
    the vectorised ones in `exits`, so that tests can compare the two.
    """
    model.eval()
    device = next(model.parameters()).device
    last = int(point.value) if point.rule == "static" else model.num_layers
    ids = torch.tensor([input_ids], device=device)
    hidden = model.emb(ids, torch.tensor([token_type_ids], device=device))
    previous: torch.Tensor | None = None
    counter = 0
    for number in range(1, last + 1):
        hidden = model.layers[number - 1](hidden)
        if point.rule == "static" and number < last:
            continue
        logits = model.exits[number - 1](model.exit_input(hidden))[0]
        if point.rule == "entropy" and float(exits.entropy(logits)) < point.value:
            return number, logits
        if point.rule == "patience":
            counter = counter + 1 if previous is not None and _agree(previous, logits, point) else 0
            if counter >= point.value:
                return number, logits
        previous = logits
    return last, logits


def _agree(previous: torch.Tensor, current: torch.Tensor, point: exits.OperatingPoint) -> bool:
    if current.shape[-1] == 1:
        return abs(float(current[0]) - float(previous[0])) < point.tolerance
    return int(current.argmax()) == int(previous.argmax())
