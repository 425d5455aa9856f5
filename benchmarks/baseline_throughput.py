"""Time training and prediction of the MiniLM ElasticBERT on the CPU.

Usage, from the repository root:
    PYTHONPATH=. .venv/bin/python benchmarks/baseline_throughput.py [--threads N]

Prediction runs all 6 layers and 6 exits on random token ids, without
padding, at 32 to 512 tokens. Training takes AdamW steps on the sum of the
exit losses at 64 and 128 tokens, batch 32. The figures size the quick
setting of `python -m baselines` (baselines/elasticbert/settings.py).
"""

from __future__ import annotations

import argparse
import time

import torch
from torch.nn import functional

from baselines.elasticbert.model import ElasticBert

PREDICT_SHAPES = [(32, 32), (64, 32), (128, 16), (256, 8), (512, 4)]
TRAIN_SHAPES = [(64, 32), (128, 32)]
REPEATS = 3


def examples_per_second(step, batch: int) -> float:
    step()
    started = time.perf_counter()
    for _ in range(REPEATS):
        step()
    return batch * REPEATS / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    arguments = parser.parse_args()
    if arguments.threads:
        torch.set_num_threads(arguments.threads)
    torch.manual_seed(0)
    model = ElasticBert.from_pretrained(num_labels=2)
    print(f"threads {torch.get_num_threads()}, parameters {sum(p.numel() for p in model.parameters()):,}")

    model.eval()
    for length, batch in PREDICT_SHAPES:
        ids = torch.randint(1000, 2000, (batch, length))
        with torch.inference_mode():
            rate = examples_per_second(lambda: model(ids), batch)
        print(f"predict  {length:4} tokens, batch {batch:3}: {rate:7.1f} examples/s")

    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-5)
    for length, batch in TRAIN_SHAPES:
        ids = torch.randint(1000, 2000, (batch, length))
        labels = torch.randint(0, 2, (batch,))

        def step() -> None:
            loss = sum(functional.cross_entropy(logits, labels) for logits in model(ids))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

        print(f"train    {length:4} tokens, batch {batch:3}: {examples_per_second(step, batch):7.1f} examples/s")


if __name__ == "__main__":
    main()
