"""Fine-tuning ElasticBERT: the sum of the per-exit losses, AdamW, warm-up.

Each step adds the loss of every exit (cross entropy, or mean squared error
for the regression task STS-B) and takes one AdamW step. The learning rate
rises linearly over the warm-up steps and then falls linearly to 0. The model
is evaluated on the dev examples every `eval_every` steps and at the end of
each epoch. The best state by dev score is kept, and training stops early
after `early_stopping` evaluations without improvement.

The dev score used for selection is the mean over exits of accuracy, or of
Pearson correlation for STS-B; it only ranks checkpoints and is not a
benchmark metric.
"""

from __future__ import annotations

import copy
import logging
import math
import random
import time
from dataclasses import asdict, dataclass

import torch
from torch.nn import functional
from tqdm import tqdm
from transformers import get_linear_schedule_with_warmup

from baselines.elasticbert.data import Encoded, shuffled_batches
from baselines.elasticbert.inference import predict_all_exits
from baselines.elasticbert.model import ElasticBert

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainingSettings:
    """Hyper-parameters of one fine-tuning run."""

    learning_rate: float = 2e-5
    batch_size: int = 32
    epochs: int = 3
    warmup_fraction: float = 0.1
    weight_decay: float = 0.01
    eval_every: int | None = None
    early_stopping: int = 3
    seed: int = 42

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class TrainingResult:
    """Outcome of a training run: best dev score, steps taken, examples per second."""

    best_dev_score: float
    dev_scores_per_exit: list[float]
    steps: int
    examples_per_second: float
    stopped_early: bool


def exit_losses(all_logits: list[torch.Tensor], labels: torch.Tensor, *, regression: bool) -> torch.Tensor:
    """Return the sum over exits of each exit's loss on `labels`."""
    if regression:
        losses = [functional.mse_loss(logits[:, 0], labels) for logits in all_logits]
    else:
        losses = [functional.cross_entropy(logits, labels) for logits in all_logits]
    return torch.stack(losses).sum()


def dev_scores(model: ElasticBert, dev: Encoded, *, regression: bool) -> list[float]:
    """Return the selection score of every exit on `dev`: accuracy or Pearson r, x100."""
    all_logits = predict_all_exits(model, dev, description="dev")
    labels = torch.tensor(dev.labels, dtype=torch.float)
    scores = []
    for logits in all_logits:
        if regression:
            pair = torch.stack([logits[:, 0], labels])
            value = float(torch.corrcoef(pair)[0, 1])
            scores.append(100 * (0.0 if math.isnan(value) else value))
        else:
            scores.append(100 * float((logits.argmax(dim=-1) == labels.long()).float().mean()))
    return scores


def train(
    model: ElasticBert, train_set: Encoded, dev: Encoded, settings: TrainingSettings, *, regression: bool
) -> TrainingResult:
    """Fine-tune `model` in place and leave it at its best dev checkpoint."""
    torch.manual_seed(settings.seed)
    generator = random.Random(settings.seed)
    if regression:
        _start_at_mean_label(model, train_set)
    steps_per_epoch = math.ceil(len(train_set) / settings.batch_size)
    total_steps = steps_per_epoch * settings.epochs
    eval_every = settings.eval_every or steps_per_epoch

    optimizer = torch.optim.AdamW(
        model.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay
    )
    schedule = get_linear_schedule_with_warmup(
        optimizer, int(settings.warmup_fraction * total_steps), total_steps
    )
    tracker = _BestTracker(settings.early_stopping)
    device = next(model.parameters()).device
    started = time.perf_counter()
    seen = 0

    with tqdm(total=total_steps, desc="train", unit="step") as bar:
        for _epoch in range(settings.epochs):
            for batch in shuffled_batches(
                train_set, settings.batch_size, regression=regression, generator=generator
            ):
                model.train()
                batch = batch.to(device)
                all_logits = model(batch.input_ids, batch.padding_mask, batch.token_type_ids)
                loss = exit_losses(all_logits, batch.labels, regression=regression)
                optimizer.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                schedule.step()

                seen += len(batch.positions)
                bar.update(1)
                rate = seen / (time.perf_counter() - started)
                bar.set_postfix(loss=f"{loss.item():.4f}", ex_per_s=f"{rate:.1f}")
                if bar.n % eval_every == 0 or bar.n == total_steps:
                    tracker.update(model, dev_scores(model, dev, regression=regression))
                    bar.set_postfix(loss=f"{loss.item():.4f}", dev=f"{tracker.best:.2f}")
                if tracker.should_stop:
                    break
            if tracker.should_stop:
                logger.info("Stopped early after %s steps: dev score did not improve", bar.n)
                break

    tracker.restore(model)
    return TrainingResult(
        best_dev_score=tracker.best,
        dev_scores_per_exit=tracker.best_per_exit,
        steps=bar.n,
        examples_per_second=seen / (time.perf_counter() - started),
        stopped_early=tracker.should_stop,
    )


def _start_at_mean_label(model: ElasticBert, train_set: Encoded) -> None:
    # Regression exits start near 0 while STS-B scores average about 2.7, and
    # in a short run (63 steps) the exits then only learned that constant.
    # Starting from the mean lets the steps go to the signal.
    mean = sum(train_set.labels) / len(train_set)
    with torch.no_grad():
        for exit_module in model.exits:
            exit_module.classifier.bias.fill_(mean)


class _BestTracker:
    """Keeps the best state by mean dev score and counts evaluations without gain."""

    def __init__(self, early_stopping: int) -> None:
        self.early_stopping = early_stopping
        self.best = -math.inf
        self.best_per_exit: list[float] = []
        self.state: dict[str, torch.Tensor] | None = None
        self.without_gain = 0

    @property
    def should_stop(self) -> bool:
        return self.without_gain >= self.early_stopping

    def update(self, model: ElasticBert, per_exit: list[float]) -> None:
        score = sum(per_exit) / len(per_exit)
        logger.info("Dev score %.2f (per exit: %s)", score, ", ".join(f"{s:.1f}" for s in per_exit))
        if score > self.best:
            self.best, self.best_per_exit = score, per_exit
            self.state = copy.deepcopy(model.state_dict())
            self.without_gain = 0
        else:
            self.without_gain += 1

    def restore(self, model: ElasticBert) -> None:
        if self.state is not None:
            model.load_state_dict(self.state)
